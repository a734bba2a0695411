"""LitGPT for the guard's tests, imported from an unpacked wheel (never installed, never downloaded at test time).

``pip download --no-deps litgpt==0.3.0`` and unzip it (``python scripts/real_world.py --guard`` does both), then
point ``INITCHECK_LITGPT`` at the folder that holds ``litgpt/``. Tests that need it are skipped, with that reason,
when it is missing or when one of its own dependencies is not installed.
"""

from __future__ import annotations

import importlib
import os
import sys

import pytest

LITGPT_DIR = os.environ.get("INITCHECK_LITGPT", "/tmp/initcheck-corpora/litgpt_pkg")


def import_litgpt(*modules: str):
    """Import ``litgpt.<module>`` for each name (e.g. ``"model"``, ``"pretrain"``) and return them in order."""
    if not os.path.isdir(os.path.join(LITGPT_DIR, "litgpt")):
        pytest.skip(f"LitGPT not unpacked at {LITGPT_DIR} (set INITCHECK_LITGPT to an unpacked litgpt wheel; "
                    "python scripts/real_world.py --guard unpacks one)")
    if LITGPT_DIR not in sys.path:
        sys.path.insert(0, LITGPT_DIR)
    try:
        return tuple(importlib.import_module(f"litgpt.{name}") for name in modules)
    except ImportError as exc:
        pytest.skip(f"LitGPT needs a dependency that is not installed: {exc}")

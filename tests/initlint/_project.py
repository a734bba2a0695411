"""Multi-file projects in a temporary directory, for the tests of the project index and cross-file INIT1xx."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _summary_cache(tmp_path, monkeypatch):
    """Each test gets its own summary cache (never the user's ~/.cache/initlint)."""
    monkeypatch.setenv("INITLINT_CACHE_DIR", str(tmp_path / "cache"))


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: source}`` under ``root`` (dedented) and return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root

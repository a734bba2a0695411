"""Run ``test_real_timm.py`` in the timm environment named by ``INITCHECK_TIMM_PYTHON`` (an interpreter where
timm and a matching torchvision import; docs/real-world.md, section 4), so the normal test command covers timm
when such an environment exists. Skipped when the variable is unset or timm already imports here (then
``test_real_timm.py`` runs directly)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.initguard._process import environment

TIMM_PYTHON = os.environ.get("INITCHECK_TIMM_PYTHON", "")
TIMM_TESTS = Path(__file__).resolve().parent / "test_real_timm.py"


def _timm_imports_here() -> bool:
    try:
        import timm  # noqa: F401
    except Exception:  # noqa: BLE001 - a mismatched torchvision raises RuntimeError/AttributeError too
        return False
    return True


@pytest.mark.slow
def test_real_timm_in_the_timm_environment(tmp_path):
    if not TIMM_PYTHON:
        pytest.skip("INITCHECK_TIMM_PYTHON is not set (a timm environment: docs/real-world.md section 4)")
    if _timm_imports_here():
        pytest.skip("timm imports in this environment: test_real_timm.py runs directly")
    proc = subprocess.run(
        [TIMM_PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs", str(TIMM_TESTS)],
        cwd=TIMM_TESTS.parents[2], env=environment(tmp_path), capture_output=True, text=True, timeout=3600)
    tail = proc.stdout[-3000:] + proc.stderr[-2000:]
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    ran = " passed" in summary and "skipped" not in summary
    assert proc.returncode == 0 and ran, (
        f"INITCHECK_TIMM_PYTHON={TIMM_PYTHON} did not pass the timm tests (exit {proc.returncode}):\n{tail}")

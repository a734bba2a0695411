"""Run the real ``initguard`` command in a child process, optionally in an environment where a package is
missing (a stub package first on ``PYTHONPATH`` that fails to import exactly like an uninstalled one)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import initguard

REPO = Path(initguard.__file__).resolve().parent.parent
TIMEOUT = 180


def console_script() -> str | None:
    """The installed ``initguard`` console script, or None when this environment has none."""
    exe = shutil.which("initguard") or os.path.join(os.path.dirname(sys.executable), "initguard")
    return exe if os.path.exists(exe) else None


def environment(tmp_path: Path, missing: tuple[str, ...] = ()) -> dict:
    """``os.environ`` with this checkout first on ``PYTHONPATH`` and each package of ``missing`` made
    unimportable (``ModuleNotFoundError: No module named '<name>'``, as when it is not installed)."""
    paths = [str(REPO)]
    if missing:
        stubs = tmp_path / "missing-packages"
        for name in missing:
            (stubs / name).mkdir(parents=True, exist_ok=True)
            (stubs / name / "__init__.py").write_text(
                f"raise ModuleNotFoundError(\"No module named '{name}'\", name={name!r})\n")
        paths.insert(0, str(stubs))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def command(how: str = "module") -> list[str]:
    """``python -m initguard`` (``how="module"``) or the console script (``how="script"``)."""
    if how == "module":
        return [sys.executable, "-m", "initguard"]
    exe = console_script()
    if exe is None:
        import pytest

        pytest.skip("the initguard console script is not installed in this environment")
    return [exe]


def run(tmp_path: Path, *args: str, how: str = "module", missing: tuple[str, ...] = ()) \
        -> subprocess.CompletedProcess:
    """Run ``initguard ARGS`` in ``tmp_path`` and return the finished process (text stdout/stderr)."""
    return subprocess.run(command(how) + list(args), cwd=tmp_path, env=environment(tmp_path, missing),
                          capture_output=True, text=True, timeout=TIMEOUT)

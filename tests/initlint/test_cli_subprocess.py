"""The real executables in subprocesses: ``python -m initlint``, the installed console script, start-up
imports, broken pipes and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .test_cli import BAD, UNPARSEABLE

ENV = {k: v for k, v in os.environ.items() if k != "INITLINT_CACHE_DIR"}


def initlint(cwd: Path, *args: str, python_flags=()) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "initlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=ENV,
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return tmp_path


def _many_parameters(n: int) -> str:
    body = "".join(f"        self.w{i} = nn.Parameter(torch.empty(3))\n" for i in range(n))
    return (
        "import torch\nfrom torch import nn\n\n\n"
        f"class Big(nn.Module):\n    def __init__(self):\n        super().__init__()\n{body}"
    )


def test_python_m_initlint(project):
    (project / "model.py").write_text(BAD)
    (project / "broken.py").write_text(UNPARSEABLE)
    result = initlint(project)
    assert result.returncode == 1, result.stderr
    assert "./model.py:8:9: INIT003 " in result.stdout and "./broken.py:" in result.stdout
    assert result.stderr == ""
    bad_option = initlint(project, "--frobnicate")
    assert bad_option.returncode == 2 and "usage: initlint" in bad_option.stderr
    assert "Traceback" not in bad_option.stderr


def test_zero_files_is_a_clean_exit(tmp_path):
    result = initlint(tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_console_script(project):
    script = Path(sys.executable).with_name("initlint")
    if not script.exists():
        pytest.skip("initlint console script not installed next to the interpreter")
    (project / "model.py").write_text(BAD)
    result = subprocess.run([str(script), "--format", "github", "model.py"], cwd=project, capture_output=True,
                            text=True, timeout=120, env=ENV)
    assert result.returncode == 1 and result.stdout.startswith("::error file=model.py,line=8,col=9,title=INIT003::")
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("initlint ")


def test_startup_and_cached_runs_do_not_import_libcst(project):
    result = initlint(project, "--version", python_flags=("-X", "importtime"))
    assert result.returncode == 0 and "libcst" not in result.stderr
    (project / "model.py").write_text(BAD)
    old = time.time_ns() - 60 * 10**9
    os.utime(project / "model.py", ns=(old, old))
    first = initlint(project, python_flags=("-X", "importtime"))
    assert "libcst" in first.stderr  # the file had to be parsed
    second = initlint(project, "-v", python_flags=("-X", "importtime"))
    assert "libcst" not in second.stderr and "1 hits, 0 misses" in second.stderr
    assert second.returncode == 1 and first.stdout == second.stdout


def test_broken_pipe_is_quiet(project):
    (project / "big.py").write_text(_many_parameters(300))
    proc = subprocess.Popen([sys.executable, "-m", "initlint", "--no-cache", "big.py"], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    first = proc.stdout.readline()
    proc.stdout.close()  # like `initlint . | head -1`
    err = proc.stderr.read()
    proc.wait(timeout=120)
    proc.stderr.close()
    assert first.startswith(b"big.py:")
    assert b"Traceback" not in err and b"BrokenPipe" not in err and proc.returncode in (0, 1), err


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_130_quietly(project, jobs):
    source = _many_parameters(150)
    for i in range(120):
        (project / f"m{i:03d}.py").write_text(source)
    proc = subprocess.Popen([sys.executable, "-m", "initlint", "-v", "--no-cache", "-j", jobs], cwd=project,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    first = proc.stderr.readline()  # "initlint: config: ...": it is running
    assert first.startswith("initlint: config:")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 1 and "120 files" in err:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err

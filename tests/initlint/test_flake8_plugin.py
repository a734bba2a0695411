"""The real flake8 executable with the installed INI plugin, in subprocesses on temp dirs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ._expect import expected_findings

FIXTURES = Path(__file__).parent / "fixtures" / "modules"

BUGGY = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class Norm(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(d))
    """
)


def flake8(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def parse(out: str) -> set[tuple[str, int, int, str]]:
    rows = set()
    for line in out.splitlines():
        path, lineno, col, rest = line.split(":", 3)
        rows.add((Path(path).name, int(lineno), int(col), rest.split()[0]))
    return rows


def test_plugin_is_registered_under_a_valid_name():
    out = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "initcheck" in out.stdout


def test_select_init_reports_fixture_findings_with_flake8_columns(tmp_path):
    for name in ("layers_mixed.py", "nanogpt_clean.py", "hf_dispatch.py", "no_torch.py"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    res = flake8(tmp_path, "--select", "INIT", ".")
    assert res.returncode == 1, res.stderr
    got = {(name, line, code) for name, line, _col, code in parse(res.stdout)}
    want = {
        (name, line, code)
        for name in ("layers_mixed.py", "nanogpt_clean.py", "hf_dispatch.py", "no_torch.py")
        for line, code in expected_findings(FIXTURES / name)
    }
    assert got == want
    # flake8 prints 1-based columns: `class RMSNorm` -> the name starts at column 7
    assert ("layers_mixed.py", 10, 7, "INIT001") in parse(res.stdout)


def test_extend_select_and_config_select(tmp_path):
    (tmp_path / "m.py").write_text(BUGGY)
    res = flake8(tmp_path, "--extend-select", "INIT", "m.py")
    assert "INIT001" in res.stdout
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = INIT\n")
    res = flake8(tmp_path, "m.py")
    assert [r[3] for r in parse(res.stdout)] == ["INIT001"]


def test_noqa_and_per_file_ignores(tmp_path):
    (tmp_path / "m.py").write_text(BUGGY.replace("class Norm(nn.Module):", "class Norm(nn.Module):  # noqa: INIT001"))
    assert flake8(tmp_path, "--select", "INIT", "m.py").stdout == ""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "m.py").write_text(BUGGY)
    (tmp_path / "setup.cfg").write_text("[flake8]\nper-file-ignores =\n    sub/*: INIT001\n")
    assert flake8(tmp_path, "--select", "INIT", "sub/m.py").stdout == ""


def test_initlint_ignore_option_because_flake8_rejects_four_letter_ignores(tmp_path):
    (tmp_path / "m.py").write_text(BUGGY)
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = INIT\ninitlint-ignore = INIT001\n")
    res = flake8(tmp_path, "m.py")
    assert res.returncode == 0 and res.stdout == "", res.stderr
    res = flake8(tmp_path, "--initlint-ignore=INIT002", "m.py")
    assert "INIT001" in res.stdout


@pytest.mark.parametrize(
    "content",
    [
        b"import torch\nclass A(nn.Module:\n",  # syntax error: flake8 reports E999, we are not run
        b"\x00\x00 nn.Parameter \xff",
        b"",
        b"\xef\xbb\xbfimport torch\r\nfrom torch import nn\r\nclass A(nn.Module):\r\n"
        b"\tdef f(self):\r\n\t\tself.w = nn.Parameter(torch.ones(1))\r\n",
    ],
)
def test_hostile_files_never_crash_flake8(tmp_path, content):
    (tmp_path / "h.py").write_bytes(content)
    (tmp_path / "ok.py").write_text(BUGGY)
    res = flake8(tmp_path, "--select", "INIT,E999,E902", ".")
    assert "Traceback" not in res.stderr, res.stderr
    assert res.returncode in (0, 1)
    assert ("ok.py", 5, 7, "INIT001") in parse(res.stdout)


def test_other_selections_do_not_pay_for_the_plugin(tmp_path):
    (tmp_path / "m.py").write_text(BUGGY)
    res = flake8(tmp_path, "--select", "E", "m.py")
    assert res.returncode == 0 and res.stdout == ""

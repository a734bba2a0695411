"""Each rule's cases live in a TOML file beside its module (``initlint/rules/init0NN_*.toml``): how they are
read, what a missing or malformed file says, and that loading the catalogue (the flake8 plugin) never reads them.
The cases themselves are run by test_rule_examples.py."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

from initlint import ALL_RULES
from initlint.rules.base import Invalid, RuleCasesError, Valid, cases_file, read_cases

RULE_MODULE = '''
from initlint.rules.base import Rule


class Demo(Rule):
    code = "INIT001"
    bad = """
        import torch
        w = torch.nn.Parameter(torch.empty(3))
    """
    good = """
        import torch
        w = torch.nn.Parameter(torch.zeros(3))
    """
'''

GOOD_CASES = """
[[invalid]]
example = true
why = "the documented example"
line = 2
message = "`w`"

[[invalid]]
why = "a second case"
line = 3
message = "garbage"
also = [4]
xfail = "not yet"
source = '''
import torch
x = 1
w = torch.nn.Parameter(torch.empty(3))
'''

[[valid]]
example = true
why = "the documented fix"
"""


def _rule_with_cases(tmp_path, monkeypatch, name: str, toml: "str | None"):
    """A real rule module ``name``.py in ``tmp_path`` (imported), with ``toml`` as its cases file (None: none)."""
    (tmp_path / f"{name}.py").write_text(RULE_MODULE, encoding="utf-8")
    if toml is not None:
        (tmp_path / f"{name}.toml").write_text(toml, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module(name).Demo


def test_every_shipped_rule_has_its_cases_file_beside_it():
    for rule in ALL_RULES:
        path = cases_file(rule)
        assert path.name == rule.__module__.rsplit(".", 1)[1] + ".toml" and path.is_file(), path
        assert rule.invalid and rule.valid


def test_cases_are_read_with_their_types_and_the_example_from_the_class(tmp_path, monkeypatch):
    rule = _rule_with_cases(tmp_path, monkeypatch, "demo_rule_ok", GOOD_CASES)
    assert rule.invalid == (
        Invalid(rule.bad, 2, "`w`", "the documented example"),
        Invalid("import torch\nx = 1\nw = torch.nn.Parameter(torch.empty(3))\n", 3, "garbage", "a second case",
                also=(4,), xfail="not yet"),
    )
    assert rule.valid == (Valid(rule.good, "the documented fix"),)
    assert rule.invalid is rule.invalid  # read once, then kept


def test_a_missing_cases_file_is_an_error_naming_it(tmp_path, monkeypatch):
    rule = _rule_with_cases(tmp_path, monkeypatch, "demo_rule_missing", None)
    with pytest.raises(RuleCasesError) as err:
        rule.invalid
    assert str(tmp_path / "demo_rule_missing.toml") in str(err.value) and "INIT001" in str(err.value)


@pytest.mark.parametrize("toml, says", [
    ("[[invalid]\nline = 2\n", "cannot read the cases of INIT001"),
    ("[[invalid]]\nexample = true\nline = 2\nmessage = 'm'\nwhy = 'w'\nlines = 3\n",
     "[[invalid]] entry 1: unknown key 'lines'"),
    ("[[invalid]]\nexample = true\nmessage = 'm'\n", "[[invalid]] entry 1: missing 'line'"),
    ("[[invalid]]\nline = 2\nmessage = 'm'\n", "[[invalid]] entry 1: missing 'source'"),
    ("[[invalid]]\nexample = true\nline = '2'\nmessage = 'm'\n", "[[invalid]] entry 1: 'line' must be a whole number"),
    ("[[invalid]]\nexample = true\nline = true\nmessage = 'm'\n", "'line' must be a whole number"),
    ("[[invalid]]\nexample = true\nline = 2\nmessage = 'm'\nalso = ['3']\n",
     "'also' must be a list of line numbers"),
    ("[[valid]]\nexample = true\nsource = 'x = 1'\n", "[[valid]] entry 1: example = true takes the source"),
    ("[[valid]]\nwhy = 'w'\nline = 2\nsource = 'x'\n", "[[valid]] entry 1: unknown key 'line'"),
    ("invalid = 3\n", "'invalid' must be an array of tables"),
    ("[cases]\nx = 1\n", "unknown table 'cases'"),
])
def test_a_malformed_cases_file_is_an_error_naming_it_and_the_entry(tmp_path, monkeypatch, toml, says):
    name = f"demo_rule_bad_{zlib.crc32(toml.encode())}"
    rule = _rule_with_cases(tmp_path, monkeypatch, name, toml)
    with pytest.raises(RuleCasesError) as err:
        read_cases(rule)
    assert str(err.value).startswith(str(tmp_path / f"{name}.toml") + ": ") and says in str(err.value), err.value


_OPENED_CASES = textwrap.dedent("""
    import sys

    def hook(event, args):
        if event == "open" and isinstance(args[0], str) and args[0].endswith(".toml") and "rules" in args[0]:
            print("OPENED", args[0], file=sys.stderr)

    sys.addaudithook(hook)
    {call}
""")


def _opened_cases_files(call: str, cwd: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    res = subprocess.run([sys.executable, "-c", _OPENED_CASES.format(call=call)], cwd=cwd, capture_output=True,
                         text=True, timeout=120)
    return res, [line.split(" ", 1)[1] for line in res.stderr.splitlines() if line.startswith("OPENED ")]


def test_flake8_run_with_initlint_options_reads_no_cases_file(tmp_path):
    (tmp_path / "norm.py").write_text(
        "import torch\nfrom torch import nn\n\nclass Norm(nn.Module):\n    def __init__(self, d):\n"
        "        super().__init__()\n        self.weight = nn.Parameter(torch.ones(d))\n", encoding="utf-8")
    res, opened = _opened_cases_files(
        "from flake8.main.cli import main; sys.exit(main(['--isolated', '--select', 'INIT', "
        "'--initlint-ignore', 'INIT002', 'norm.py']))", tmp_path)
    assert res.returncode == 1 and "norm.py:4:7: INIT001 class `Norm`" in res.stdout, res.stdout + res.stderr
    assert opened == []
    # the same hook sees the file when the cases are asked for (--explain shows how many there are)
    res, opened = _opened_cases_files("from initlint.cli import main; sys.exit(main(['--explain', 'INIT001']))",
                                      tmp_path)
    assert res.returncode == 0 and "init001_no_reinit_path.toml" in res.stdout
    assert any(path.endswith("init001_no_reinit_path.toml") for path in opened), res.stderr

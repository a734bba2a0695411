"""The engine's contract: prefilter before parsing, never raise, internal errors become INIT900."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from initlint import Config, Finding, lint_source
from initlint.engine import lint_module
from initlint.rules.base import Rule

BUGGY = textwrap.dedent(
    """
    import torch
    from torch import nn
    class Norm(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(d))
    """
)


def test_files_without_triggers_are_not_parsed():
    # run in a fresh interpreter: linting a torch-free file must not even import libcst
    code = (
        "import sys; from initlint import lint_source;"
        "assert lint_source('import os\\nprint(os.getcwd())\\n' * 100, 'x.py') == [];"
        "print('libcst' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bytes_text_bom_and_crlf_give_the_same_findings():
    text = lint_source(BUGGY, "a.py")
    assert [f.code for f in text] == ["INIT001"]
    assert lint_source(BUGGY.encode(), "a.py") == text
    assert lint_source(b"\xef\xbb\xbf" + BUGGY.encode(), "a.py") == text
    assert lint_source(BUGGY.replace("\n", "\r\n").encode(), "a.py") == text


def test_syntax_error_is_one_finding_not_an_exception():
    [f] = lint_source("import torch\nclass A(nn.Module:\n    nn.Parameter(\n", "broken.py")
    assert f.code == "INIT901" and "cannot parse" in f.message


def test_undecodable_bytes_are_one_finding():
    [f] = lint_source(b"# -*- coding: utf-8 -*-\nx = '\xff\xfe Parameter'\n", "bad.py")
    assert f.code == "INIT901"


class _Exploding(Rule):
    code = "INIT999"
    name = "exploding"
    summary = "a rule with a bug"
    triggers = (b"Parameter",)

    def check(self, facts):
        raise ZeroDivisionError("rule bug")


def test_a_rule_crash_is_reported_and_other_rules_still_run():
    import libcst as cst

    from initlint.rules import RULES_BY_CODE

    findings = lint_module(cst.parse_module(BUGGY), "a.py", Config(), [_Exploding, RULES_BY_CODE["INIT001"]])
    codes = [f.code for f in findings]
    assert codes == ["INIT001", "INIT900"] or sorted(codes) == ["INIT001", "INIT900"]
    internal = next(f for f in findings if f.code == "INIT900")
    assert "INIT999" in internal.message and "ZeroDivisionError" in internal.message


def test_selection_follows_flake8_prefix_semantics():
    assert [f.code for f in lint_source(BUGGY, "a.py", Config(ignore=("INIT001",)))] == []
    assert [f.code for f in lint_source(BUGGY, "a.py", Config(ignore=("INIT",), extend_select=("INIT001",)))] == [
        "INIT001"
    ]
    assert lint_source(BUGGY, "a.py", Config(select=("E",))) == []
    per_file = Config(per_file_ignores=(("tests/*", ("INIT001",)),))
    assert lint_source(BUGGY, "tests/test_x.py", per_file) == []
    assert [f.code for f in lint_source(BUGGY, "src/x.py", per_file)] == ["INIT001"]


def test_findings_are_sorted_and_deterministic():
    src = BUGGY + BUGGY.replace("Norm", "Norm2")
    a = lint_source(src, "a.py")
    assert a == sorted(a) and a == lint_source(src, "a.py")
    assert all(isinstance(f, Finding) for f in a)


def test_deep_nesting_does_not_escape():
    src = "import torch\nx = " + "(" * 1000 + "1" + ")" * 1000 + "\nnn.Parameter\n"
    findings = lint_source(src, "deep.py")
    assert all(f.code in ("INIT900", "INIT901") for f in findings)


def test_positions_equal_the_public_metadata_api():
    """FileFacts.positions runs libcst's position provider directly; it must agree with MetadataWrapper."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    from initlint.facts import FileFacts

    src = (Path(__file__).parent / "scripts" / "fabric_pretrain_bug.py").read_text()
    module = cst.parse_module(src)
    direct = FileFacts(module, "x.py", Config()).positions
    public = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert len(direct) == len(public) > 100
    assert all(direct[node] == rng for node, rng in public.items())

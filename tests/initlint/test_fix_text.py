"""A finding's short message and its separate fix, end to end: engine, text/JSON/SARIF/GitHub, CLI, flake8."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap

from initlint import lint_source
from initlint.cli import main
from initlint.codes import catalogue
from initlint.finding import Finding, split_fix
from initlint.output import sarif_document, write_github, write_json, write_text

NORM = textwrap.dedent(
    """\
    import torch
    from torch import nn

    class Norm(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(d))
    """
)

NEEDS_ARGS = textwrap.dedent(
    """\
    import torch.nn as nn

    class Proj(nn.Linear):
        def reset_parameters(self, std):
            nn.init.normal_(self.weight, std=std)
    """
)


def _only(source: str, code: str) -> Finding:
    findings = [f for f in lint_source(source, "m.py") if f.code == code]
    assert len(findings) == 1, findings
    return findings[0]


def test_split_fix_cuts_at_the_first_marker_only():
    assert split_fix("`w` is garbage. Fix: write it. Fix: really") == ("`w` is garbage.", "write it. Fix: really")
    assert split_fix("no marker here") == ("no marker here", None)
    assert split_fix(". Fix: nothing before it") == (". Fix: nothing before it", None)


def test_init001_message_and_fix_are_apart():
    f = _only(NORM, "INIT001")
    assert (f.line, f.col) == (4, 6)
    assert "`Norm`" in f.message and "`weight`" in f.message and "Fix" not in f.message
    assert f.message.endswith(".")
    assert f.fix is not None and "reset_parameters" in f.fix and "nn.init.ones_(self.weight)" in f.fix


def test_init004_fix_names_the_argument_remedy():
    f = _only(NEEDS_ARGS, "INIT004")
    assert "`std`" in f.message and "Fix" not in f.message
    assert f.fix and "default" in f.fix


def test_the_fix_takes_no_part_in_equality_or_order():
    a = Finding("p.py", 1, 0, "INIT001", "m", "one fix")
    b = Finding("p.py", 1, 0, "INIT001", "m", None)
    assert a == b and hash(a) == hash(b) and sorted([a, b]) == [a, b]


def test_text_shows_the_fix_unless_concise():
    f = _only(NORM, "INIT001")
    plain, shown = io.StringIO(), io.StringIO()
    write_text([f], plain, show_fix=False)
    write_text([f], shown)
    assert plain.getvalue() == f.format() + "\n"
    assert shown.getvalue() == f.format() + "\n" + f"    fix: {f.fix}\n"
    # a finding without a fix prints no fix line
    none = io.StringIO()
    write_text([Finding("p.py", 1, 0, "INIT901", "cannot parse this file: x")], none, show_fix=True)
    assert none.getvalue().count("\n") == 1


def test_json_sarif_and_github_carry_the_fix():
    f = _only(NORM, "INIT001")
    out = io.StringIO()
    write_json([f], out)
    row = json.loads(out.getvalue())[0]
    assert row["message"] == f.message and row["fix"] == f.fix
    result = sarif_document([f], catalogue(), cwd=".")["runs"][0]["results"][0]
    assert result["message"]["text"] == f"{f.message}\nFix: {f.fix}"
    assert result["properties"] == {"fix": f.fix}
    assert "fixes" not in result  # SARIF fixes need artifactChanges (real edits); ours is advice
    gh = io.StringIO()
    write_github([f], gh)
    assert gh.getvalue().rstrip("\n").endswith(f"%0AFix: {f.fix}")


def test_cli_shows_the_fix_unless_concise_and_json(tmp_path, capsys, monkeypatch):
    (tmp_path / "norm.py").write_text(NORM)
    monkeypatch.chdir(tmp_path)
    assert main(["--no-cache", "norm.py"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("norm.py:4:7: INIT001 class `Norm`") and "Fix" not in lines[0]
    assert lines[1].startswith("    fix: add `def reset_parameters(self)`")
    assert main(["--no-cache", "--concise", "norm.py"]) == 1
    concise = capsys.readouterr().out.splitlines()
    assert concise == lines[:1]
    assert main(["--no-cache", "--format", "json", "norm.py"]) == 1
    assert json.loads(capsys.readouterr().out)[0]["fix"].startswith("add `def reset_parameters(self)`")


def test_cache_keeps_the_fix(tmp_path, capsys, monkeypatch):
    (tmp_path / "norm.py").write_text(NORM)
    monkeypatch.chdir(tmp_path)
    runs = []
    for _ in range(2):  # the second run reads the findings back from the cache
        assert main(["--cache-dir", str(tmp_path / "cache"), "--format", "json", "norm.py"]) == 1
        runs.append(json.loads(capsys.readouterr().out))
    assert runs[0] == runs[1] and runs[1][0]["fix"]


def test_flake8_prints_message_and_fix_on_one_line(tmp_path):
    (tmp_path / "norm.py").write_text(NORM)
    res = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "INIT", "--isolated", "norm.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    lines = res.stdout.splitlines()
    assert res.returncode == 1 and len(lines) == 1, res.stdout + res.stderr
    assert lines[0].startswith("norm.py:4:7: INIT001 class `Norm`")
    assert ". Fix: add `def reset_parameters(self)`" in lines[0]


def test_a_rule_can_give_the_fix_apart_through_report():
    """``Rule.report(node, message, fix=...)``: the engine keeps the two apart and does not split the message."""
    import libcst as cst

    from initlint.config import Config
    from initlint.engine import lint_module
    from initlint.rules.base import Rule

    class FirstClass(Rule):
        code = "INIT001"  # borrowed: the engine only needs a code to report under

        def check(self, facts):
            for stmt in facts.module.body:
                if isinstance(stmt, cst.ClassDef):
                    yield self.report(stmt, "class seen. Fix: this stays in the message", fix="do nothing")
                    return

    [f] = lint_module(cst.parse_module(NORM), "m.py", Config(), [FirstClass])
    assert (f.line, f.col) == (4, 6)
    assert f.message == "class seen. Fix: this stays in the message" and f.fix == "do nothing"

"""Every rule's documented example, its fixed version and its lists of cases, run through the real engine
and the real flake8 plugin; and every rule's documentation in the one structure."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from initlint import ALL_RULES, lint_source
from initlint.codes import rule_info, split_sections
from initlint.config import Config
from initlint.engine import might_match
from initlint.rules.base import DOC_SECTIONS, OPTION_HELP, Invalid, Valid, case_source


def _cases(kind: str):
    out = []
    for rule in ALL_RULES:
        for i, case in enumerate(getattr(rule, kind)):
            marks = [pytest.mark.xfail(reason=case.xfail, strict=False)] if case.xfail else []
            out.append(pytest.param(rule, case, id=f"{rule.code}-{kind}-{i}", marks=marks))
    return out


INVALID = _cases("invalid")
VALID = _cases("valid")


def _expect_invalid(rule, case: Invalid, found: list[tuple[int, str]]) -> None:
    """``found``: (line, message) of the rule's findings on the case."""
    assert any(line == case.line and case.message in msg for line, msg in found), (
        f"{rule.code} case ({case.why}) should be reported at line {case.line} with {case.message!r}; "
        f"got {found}"
    )
    allowed = {case.line, *case.also}
    assert {line for line, _ in found} <= allowed, f"{rule.code} ({case.why}): findings outside {allowed}: {found}"


# ---------------------------------------------------------------------- the engine
@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_bad_example_triggers_the_rule(rule):
    findings = lint_source(textwrap.dedent(rule.bad), f"{rule.code}_bad.py")
    assert rule.code in {f.code for f in findings}, findings


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_good_example_is_silent(rule):
    findings = lint_source(textwrap.dedent(rule.good), f"{rule.code}_good.py")
    assert findings == []


@pytest.mark.parametrize("rule, case", INVALID)
def test_invalid_case_through_the_engine(rule, case):
    findings = lint_source(case.text, "case.py")
    _expect_invalid(rule, case, [(f.line, f.message) for f in findings if f.code == rule.code])


@pytest.mark.parametrize("rule, case", VALID)
def test_valid_case_through_the_engine(rule, case):
    findings = [f for f in lint_source(case.text, "case.py") if f.code == rule.code]
    assert findings == [], f"{rule.code} valid case ({case.why}) was reported: {findings}"


# ---------------------------------------------------------------------- the real flake8, one run for all cases
@pytest.fixture(scope="module")
def flake8_results(tmp_path_factory) -> dict[str, list[tuple[int, str, str]]]:
    """file stem -> [(line, code, text)] from one ``flake8 --select INIT`` run over every case."""
    root = tmp_path_factory.mktemp("rule_cases")
    for rule in ALL_RULES:
        for kind in ("invalid", "valid"):
            for i, case in enumerate(getattr(rule, kind)):
                (root / f"{rule.code}_{kind}_{i}.py").write_text(case.text, encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "INIT",
         "--format", "%(path)s|%(row)d|%(code)s|%(text)s", "."],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    assert res.returncode in (0, 1) and not res.stderr.strip(), res.stderr
    out: dict[str, list[tuple[int, str, str]]] = {}
    for line in res.stdout.splitlines():
        path, row, code, text = line.split("|", 3)
        out.setdefault(Path(path).stem, []).append((int(row), code, text))
    return out


@pytest.mark.parametrize("rule, case", INVALID)
def test_invalid_case_through_flake8(rule, case, flake8_results):
    index = rule.invalid.index(case)
    rows = flake8_results.get(f"{rule.code}_invalid_{index}", [])
    found = [(line, text) for line, code, text in rows if code == rule.code]
    _expect_invalid(rule, case, found)
    # flake8 shows one line per finding (the fix, when there is one, follows the message on it)
    assert all("\n" not in text for _line, text in found)


@pytest.mark.parametrize("rule, case", VALID)
def test_valid_case_through_flake8(rule, case, flake8_results):
    index = rule.valid.index(case)
    rows = flake8_results.get(f"{rule.code}_valid_{index}", [])
    assert [r for r in rows if r[1] == rule.code] == [], f"{rule.code} valid case ({case.why}): {rows}"


# ---------------------------------------------------------------------- the cases themselves
@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_every_rule_has_enough_cases_and_documents_them(rule):
    working = [c for c in rule.invalid if not c.xfail]
    assert len(working) >= 4 and len(rule.valid) >= 4, f"{rule.code}: at least 4 reported and 4 silent cases"
    assert all(isinstance(c, Invalid) for c in rule.invalid) and all(isinstance(c, Valid) for c in rule.valid)
    assert all(c.why for c in rule.invalid + rule.valid), f"{rule.code}: every case says what it shows"
    assert all(c.line >= 1 and c.message for c in rule.invalid)
    # the documented example and its fix are the first cases, so the docs show a pinned line
    assert case_source(rule.bad) == rule.invalid[0].text and case_source(rule.good) == rule.valid[0].text
    # a case must pass the rule's own prefilter, or it would test nothing
    assert all(might_match(c.text, [rule]) for c in working)


def test_case_lines_count_from_the_first_line_of_the_case():
    case = Invalid("\n    import torch\n    x = 1\n", 2, "m")
    assert case.text == "import torch\nx = 1\n"


# ---------------------------------------------------------------------- the documentation
@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_is_documented_in_the_one_structure(rule):
    assert rule.code.startswith("INIT") and len(rule.code) == 7
    assert rule.name and rule.summary and rule.triggers
    lead, sections = split_sections(inspect.cleandoc(rule.__doc__))
    assert lead, f"{rule.code}: the docstring starts with a one-sentence lead"
    assert list(sections) == list(DOC_SECTIONS), f"{rule.code}: docstring sections must be {DOC_SECTIONS}"
    assert all(body.strip() for body in sections.values()), f"{rule.code}: an empty section"
    assert all(option in OPTION_HELP for option in rule.options), rule.options
    assert all(hasattr(Config(), option.replace("-", "_")) for option in rule.options)
    info = rule_info(rule)
    assert [s.title for s in info.sections] == ["What", "Why", "Example", "Fix", "Limitations", "Options", "Cases"]
    # the Example section pins the line of the documented example
    assert f"at line {rule.invalid[0].line}" in info.sections[2].prose
    # a rule's bad example must pass its own prefilter, or the rule could never fire on it
    assert might_match(textwrap.dedent(rule.bad), [rule])


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_explain_is_terminal_text_and_markdown_has_headings(rule):
    text = rule.explain()
    titles = [line for line in text.splitlines() if line and not line.startswith(" ")]
    assert titles[titles.index("What"):] == ["What", "Why", "Example", "Fix", "Limitations", "Options", "Cases"]
    prose = "\n".join(line for line in text.splitlines() if not line.startswith("        "))
    assert not re.search(r"\*\*\w[^*\n]*\*\*", prose), "bold markup in terminal text"
    assert "``" not in prose and "###" not in prose and "```" not in text
    markdown = rule_info(rule).markdown()
    headings = [line for line in markdown.splitlines() if line.startswith("### ")]
    assert headings == ["### " + t for t in ("What", "Why", "Example", "Fix", "Limitations", "Options", "Cases")]
    assert markdown.count("```python") == 2


def test_explain_command_prints_the_sections(capsys):
    from initlint.cli import main

    assert main(["--explain", "init002"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("INIT002 (param-missed-by-init): ")
    assert "\nLimitations\n    Precision first" in out and "\nOptions\n    - module-bases (default: none)" in out
    assert "\n    - init-functions (default: _init_weights, init_weights" in out


def test_codes_are_unique_and_sorted():
    codes = [r.code for r in ALL_RULES]
    assert codes == sorted(set(codes))
    assert {"INIT001", "INIT002", "INIT003", "INIT004", "INIT005"} <= set(codes)


def test_rule_docs_are_generated_from_the_rules():
    script = Path(__file__).resolve().parents[2] / "scripts" / "gen_rule_docs.py"
    res = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr

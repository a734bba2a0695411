"""Every rule documents a bad and a good example next to its code; both are run here."""

from __future__ import annotations

import textwrap

import pytest

from initlint import ALL_RULES, lint_source
from initlint.engine import might_match


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_bad_example_triggers_the_rule(rule):
    findings = lint_source(textwrap.dedent(rule.bad), f"{rule.code}_bad.py")
    assert rule.code in {f.code for f in findings}, findings


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_good_example_is_silent(rule):
    findings = lint_source(textwrap.dedent(rule.good), f"{rule.code}_good.py")
    assert findings == []


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule):
    assert rule.code.startswith("INIT") and len(rule.code) == 7
    assert rule.name and rule.summary and rule.triggers
    text = rule.explain()
    for word in ("Why", "Fix"):
        assert word in text, f"{rule.code} docstring must say {word}"
    # the bad example must pass the rule's own prefilter, or the rule could never fire on it
    assert might_match(textwrap.dedent(rule.bad), [rule])


def test_codes_are_unique_and_sorted():
    codes = [r.code for r in ALL_RULES]
    assert codes == sorted(set(codes))
    assert {"INIT001", "INIT002", "INIT003", "INIT004", "INIT005"} <= set(codes)


def test_rule_docs_are_generated_from_the_rules():
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "gen_rule_docs.py"
    res = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr

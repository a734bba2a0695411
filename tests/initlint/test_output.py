"""Formatters as units: exact text, escaping, SARIF shape and URIs."""

from __future__ import annotations

import io
import json
import os
import re

from initlint import __version__
from initlint.codes import CodeInfo, catalogue, plain_text
from initlint.finding import Finding
from initlint.output import (
    artifact_uri,
    sarif_document,
    write_github,
    write_json,
    write_statistics,
    write_text,
)

F1 = Finding("pkg/a.py", 3, 4, "INIT003", "bad, really: 100% bad")
F2 = Finding("pkg/b.py", 1, 0, "INIT901", "cannot parse this file: line\nbreak")
RULES = [CodeInfo("INIT003", "uninit", "summary three", "What it finds.\n\n**Fix**: ``x = 1``.", bad="x = y\n"),
         CodeInfo("INIT901", "unparseable", "cannot parse", "cannot parse", level="warning")]


def _render(fn, findings, *extra) -> str:
    stream = io.StringIO()
    fn(findings, stream, *extra)
    return stream.getvalue()


def test_text_is_flake8_style_with_one_based_columns():
    assert _render(write_text, [F1]) == "pkg/a.py:3:5: INIT003 bad, really: 100% bad\n"


def test_text_show_source_marks_the_column():
    out = _render(write_text, [F1], True, lambda path: ["x", "y", "\tabcdefg = 1\r\n"])
    assert out.splitlines()[1:] == ["    \tabcdefg = 1", "    \t   ^"]
    # a line outside the file (changed meanwhile) prints no source
    assert _render(write_text, [F1], True, lambda path: []) == F1.format() + "\n"


def test_json():
    data = json.loads(_render(write_json, [F1, F2]))
    assert data[0] == {"path": "pkg/a.py", "line": 3, "column": 5, "code": "INIT003",
                       "message": "bad, really: 100% bad", "fix": None}
    assert data[1]["message"] == "cannot parse this file: line\nbreak"


def test_github_escapes_data_and_properties():
    out = _render(write_github, [F1, F2, Finding("./dir,x/c:d.py", 2, 1, "INIT001", "m")]).splitlines()
    assert out[0] == "::error file=pkg/a.py,line=3,col=5,title=INIT003::bad, really: 100%25 bad"
    assert out[1] == "::error file=pkg/b.py,line=1,col=1,title=INIT901::cannot parse this file: line%0Abreak"
    assert out[2] == "::error file=dir%2Cx/c%3Ad.py,line=2,col=2,title=INIT001::m"


def test_statistics():
    out = io.StringIO()
    write_statistics([F1, F1, F2], out, {r.code: r for r in RULES})
    assert out.getvalue().splitlines() == ["2      INIT003  summary three", "1      INIT901  cannot parse",
                                           "3 findings in 2 files"]
    out = io.StringIO()
    write_statistics([], out, {}, 22)
    assert out.getvalue() == "0 findings in 0 files (22 files checked)\n"


def test_artifact_uri(tmp_path):
    cwd = str(tmp_path)
    assert artifact_uri(os.path.join(cwd, "a", "b c.py"), cwd) == "a/b%20c.py"
    assert artifact_uri("./a/x.py", os.getcwd()) == "a/x.py"
    assert artifact_uri(os.path.join(cwd, "caf\u00e9.py"), cwd) == "caf%C3%A9.py"
    assert artifact_uri(os.path.join(cwd, "bad\udcff.py"), cwd) == "bad%FF.py"  # undecodable file name
    outside = artifact_uri("/elsewhere/m.py", cwd)
    assert outside == "file:///elsewhere/m.py"


def test_sarif_document_shape(tmp_path):
    doc = sarif_document([Finding(str(tmp_path / "m.py"), 3, 0, "INIT003", "msg"),
                          Finding(str(tmp_path / "n.py"), 1, 0, "INIT999", "unknown code")], RULES, str(tmp_path))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "initlint" and driver["version"] == __version__
    assert driver["rules"][0] == {
        "id": "INIT003",
        "name": "uninit",
        "shortDescription": {"text": "summary three"},
        "fullDescription": {"text": "What it finds."},
        "help": {
            "text": "INIT003 (uninit): summary three\n\nWhat it finds.\n\nFix: x = 1.\n\nBad:\n    x = y\n",
            "markdown": "What it finds.\n\n**Fix**: ``x = 1``.\n\nBad:\n\n```python\nx = y\n```\n",
        },
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["initlint", "correctness"]},
    }
    assert driver["rules"][1]["defaultConfiguration"] == {"level": "warning"}
    first, second = run["results"]
    assert first["ruleId"] == "INIT003" and first["ruleIndex"] == 0 and first["level"] == "error"
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "m.py"
    assert location["region"] == {"startLine": 3, "startColumn": 1}
    assert "ruleIndex" not in second and second["level"] == "error"
    json.dumps(doc)  # serialisable


def test_catalogue_covers_every_rule_and_builtins():
    from initlint.rules import ALL_RULES

    codes = [info.code for info in catalogue()]
    assert codes == sorted(codes)
    assert {r.code for r in ALL_RULES} | {"INIT900", "INIT901"} == set(codes)
    assert all(info.summary and info.text().startswith(info.code) for info in catalogue())


def test_plain_text_drops_markdown_but_keeps_the_words():
    assert plain_text("**What**: an ``nn.Module``.\n\n**Why.** `x` and **bold**") == (
        "What: an nn.Module.\n\nWhy: x and bold"
    )


def test_no_rule_text_contains_markdown():
    """--explain and SARIF help.text are terminal text: no `**What**:` headings, no ``code`` spans."""
    for info in catalogue():
        text = info.text().split("\nBad:\n")[0]
        prose = "\n".join(line for line in text.splitlines() if not line.startswith("        "))  # not code
        assert not re.search(r"\*\*\w[^*\n]*\*\*", prose) and "``" not in prose, info.code
        assert info.markdown().strip()


def test_sarif_driver_points_at_no_placeholder():
    from initlint.codes import catalogue as real

    driver = sarif_document([], real())["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    assert all(set(r["help"]) == {"text", "markdown"} for r in driver["rules"])

"""Formatters: findings in, text out. No linting here, no I/O other than the stream given.

Formats: ``text`` (``path:line:col: CODE message``, 1-based column like flake8, then the finding's fix
on an indented ``fix:`` line unless ``--concise``), ``json`` (an array of objects with a ``fix`` key),
``sarif`` (SARIF 2.1.0 as GitHub code scanning accepts it) and ``github`` (workflow commands that GitHub
Actions turns into annotations).

A finding's fix is text, not an edit: SARIF's ``fixes`` property requires ``artifactChanges`` (concrete
replacements), so SARIF carries the fix in the result's message (after the problem, as ``Fix: ...``) and in
``properties.fix``; the rule's full fix advice is in the rule's ``help``.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections import Counter
from typing import Callable, Iterable, Optional, Sequence, TextIO
from urllib.parse import quote

from . import __version__
from .codes import CodeInfo
from .finding import Finding

FORMATS = ("text", "json", "sarif", "github")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


# ---------------------------------------------------------------------- text
def write_text(
    findings: Sequence[Finding],
    stream: TextIO,
    show_source: bool = False,
    read_lines: Optional[Callable[[str], list[str]]] = None,
    show_fix: bool = True,
) -> None:
    """flake8-style lines; with ``show_source`` each is followed by its source line and a caret, with
    ``show_fix`` (the default; ``--concise`` turns it off) by ``    fix: <text>`` when the finding has a fix."""
    for f in findings:
        stream.write(f.format() + "\n")
        if show_source and read_lines is not None:
            lines = read_lines(f.path)
            if 0 < f.line <= len(lines):
                line = lines[f.line - 1].rstrip("\r\n")
                stream.write(f"    {line}\n")
                indent = "".join(c if c == "\t" else " " for c in line[: f.col])
                stream.write(f"    {indent}^\n")
        if show_fix and f.fix:
            stream.write(f"    fix: {f.fix}\n")


def write_statistics(
    findings: Sequence[Finding], stream: TextIO, rules: dict[str, CodeInfo], checked: Optional[int] = None
) -> None:
    """One line per code: count, code, summary; then the total and, when known, how many files were checked."""
    counts = Counter(f.code for f in findings)
    for code in sorted(counts):
        info = rules.get(code)
        stream.write(f"{counts[code]:<6} {code}  {info.summary if info else ''}".rstrip() + "\n")
    files = len({f.path for f in findings})
    total = f"{len(findings)} finding{_s(len(findings))} in {files} file{_s(files)}"
    if checked is not None:
        total += f" ({checked} file{_s(checked)} checked)"
    stream.write(total + "\n")


def _s(count: int) -> str:
    return "s" * (count != 1)


# ---------------------------------------------------------------------- json
def write_json(findings: Sequence[Finding], stream: TextIO) -> None:
    """A JSON array of ``{path, line, column, code, message, fix}`` (``column`` 1-based like the text output;
    ``fix`` is null when the rule gives none)."""
    data = [
        {"path": f.path, "line": f.line, "column": f.col + 1, "code": f.code, "message": f.message, "fix": f.fix}
        for f in findings
    ]
    json.dump(data, stream, indent=2)
    stream.write("\n")


# ---------------------------------------------------------------------- sarif
def artifact_uri(path: str, cwd: Optional[str] = None) -> str:
    """A SARIF artifact URI: relative with forward slashes for files under ``cwd``, else a file: URI."""
    cwd = os.path.abspath(cwd or os.getcwd())
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:  # pragma: no cover - another drive on Windows
        rel = None
    if rel is None or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        from pathlib import Path

        return Path(absolute).as_uri()
    return quote(rel.replace(os.sep, "/"), safe="/", errors="surrogateescape")


def sarif_document(findings: Sequence[Finding], rules: Iterable[CodeInfo], cwd: Optional[str] = None) -> dict:
    """The SARIF 2.1.0 log of one run (as a dict).

    Each rule's ``help`` has ``text`` (plain, no Markdown) and ``markdown``. The driver has no
    ``informationUri``: the package is not published anywhere a URL could point at yet.
    """
    rules = list(rules)
    index = {r.code: i for i, r in enumerate(rules)}
    descriptors = [
        {
            "id": r.code,
            "name": r.name,
            "shortDescription": {"text": r.summary},
            "fullDescription": {"text": _first_paragraph(r.text()) or r.summary},
            "help": {"text": r.text(), "markdown": r.markdown()},
            "defaultConfiguration": {"level": r.level},
            "properties": {"tags": ["initlint", "correctness"]},
        }
        for r in rules
    ]
    results = []
    for f in findings:
        result = {
            "ruleId": f.code,
            "level": rules[index[f.code]].level if f.code in index else "error",
            "message": {"text": _with_fix(f)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(f.path, cwd), "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": max(f.line, 1), "startColumn": f.col + 1},
                    }
                }
            ],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.fix:
            result["properties"] = {"fix": f.fix}
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "initlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def _with_fix(f: Finding) -> str:
    """The message, and the fix on its own line when there is one (GitHub shows only the message)."""
    return f"{f.message}\nFix: {f.fix}" if f.fix else f.message


def _first_paragraph(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) < 2:
        return text.strip()
    # The first paragraph is the "CODE (name): summary" header; the docstring's first paragraph follows.
    return " ".join(textwrap.dedent(paragraphs[1]).split())


def write_sarif(findings: Sequence[Finding], stream: TextIO, rules: Iterable[CodeInfo]) -> None:
    """SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``)."""
    json.dump(sarif_document(findings, rules), stream, indent=2)
    stream.write("\n")


# ---------------------------------------------------------------------- github
def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(findings: Sequence[Finding], stream: TextIO) -> None:
    """``::error file=…,line=…,col=…,title=CODE::message`` workflow commands (1-based column); the fix, when
    there is one, is the annotation's second line."""
    for f in findings:
        path = f.path.replace(os.sep, "/")
        while path.startswith("./"):
            path = path[2:]
        stream.write(
            f"::error file={_escape_property(path)},line={f.line},col={f.col + 1},"
            f"title={_escape_property(f.code)}::{_escape_data(_with_fix(f))}\n"
        )

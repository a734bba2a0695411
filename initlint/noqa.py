"""``# noqa`` comments, with flake8's semantics.

* ``# noqa`` alone suppresses every finding on its line;
* ``# noqa: INIT001,E501`` (or ``# noqa:INIT001``, or codes separated by spaces) suppresses the listed
  codes and every code that starts with one of them (``# noqa: INIT0`` covers INIT001..INIT009);
* ``noqa`` and the codes are case-insensitive; a code must be letters followed by digits, as in flake8,
  so ``# noqa: INIT`` (no digits) counts as a bare ``# noqa``;
* as in flake8, a comment anywhere in a statement that spans several lines (brackets, backslashes,
  triple-quoted strings) applies to every line of that statement.

Only comment tokens count, so the text ``# noqa`` inside a string literal suppresses nothing. When the file
cannot be tokenized, each physical line is searched instead.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable, Optional

from .finding import Finding

_NOQA = re.compile(r"#\s*noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
_QUICK = re.compile(rb"noqa", re.IGNORECASE)

#: ``None``: a bare ``# noqa`` (everything); otherwise the suppressed codes / prefixes (upper case).
Directive = Optional[frozenset]


def parse_comment(comment: str) -> Directive | bool:
    """The directive in one comment: ``None`` for bare ``# noqa``, a set of codes, or ``False`` if none."""
    match = _NOQA.search(comment)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return None
    return frozenset(c.upper() for c in _CODE.findall(codes))


def _merge(a: Directive | bool, b: Directive | bool) -> Directive | bool:
    if a is False:
        return b
    if b is False:
        return a
    if a is None or b is None:
        return None
    return a | b


def directives(source: bytes | str) -> dict[int, Directive]:
    """Map line number (1-based) to the noqa directive that applies to it."""
    if isinstance(source, str):
        source = source.encode("utf-8", "surrogatepass")
    if not _QUICK.search(source):
        return {}
    try:
        return _from_tokens(source)
    except (tokenize.TokenError, SyntaxError, UnicodeDecodeError, LookupError, ValueError, RecursionError):
        return _from_lines(source)


def _from_lines(source: bytes) -> dict[int, Directive]:
    text = source.decode("utf-8", "replace")
    result: dict[int, Directive] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" in line:
            found = parse_comment(line[line.index("#") :])
            if found is not False:
                result[number] = found
    return result


def _from_tokens(source: bytes) -> dict[int, Directive]:
    by_line: dict[int, Directive] = {}
    statements: list[tuple[int, int]] = []
    start: int | None = None
    skip = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER)
    for tok in tokenize.tokenize(io.BytesIO(source).readline):
        if tok.type == tokenize.COMMENT:
            found = parse_comment(tok.string)
            if found is not False:
                line = tok.start[0]
                by_line[line] = _merge(by_line.get(line, False), found)
        if tok.type in skip:
            continue
        if start is None:
            start = tok.start[0]
        if tok.type == tokenize.NEWLINE:
            statements.append((start, tok.end[0]))
            start = None
    if start is not None:
        statements.append((start, start))
    result = dict(by_line)
    for first, last in statements:
        if last == first:
            continue
        merged: Directive | bool = False
        for line in range(first, last + 1):
            if line in by_line:
                merged = _merge(merged, by_line[line])
        if merged is not False:
            for line in range(first, last + 1):
                result[line] = merged
    return result


def is_suppressed(code: str, directive: Directive) -> bool:
    """True when ``directive`` (from :func:`directives`) suppresses ``code``."""
    if directive is None:
        return True
    code = code.upper()
    return any(code.startswith(c) for c in directive)


def apply_noqa(findings: Iterable[Finding], source: bytes | str) -> list[Finding]:
    """``findings`` without those suppressed by ``# noqa`` comments in ``source``."""
    findings = list(findings)
    if not findings:
        return findings
    table = directives(source)
    if not table:
        return findings
    return [f for f in findings if f.line not in table or not is_suppressed(f.code, table[f.line])]

"""Fixture convention: a line ending in ``# expect: INIT001`` (several codes: ``# expect: INIT001, INIT003``)
must produce exactly those findings on that line; every other line must produce none."""

from __future__ import annotations

import re
from pathlib import Path

_EXPECT = re.compile(r"#.*?expect:\s*((?:INIT\d{3}[,\s]*)+)")


def expected_findings(path: Path) -> set[tuple[int, str]]:
    out = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        m = _EXPECT.search(line)
        if m:
            out.update((lineno, code) for code in re.findall(r"INIT\d{3}", m.group(1)))
    return out

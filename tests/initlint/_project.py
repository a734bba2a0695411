"""Multi-file projects in a temporary directory, for the tests of the project index and cross-file INIT1xx."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from initlint import Config, lint_file


@pytest.fixture(autouse=True)
def _summary_cache(tmp_path, monkeypatch):
    """Each test gets its own summary cache (never the user's ~/.cache/initlint)."""
    monkeypatch.setenv("INITLINT_CACHE_DIR", str(tmp_path / "cache"))


def write(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: source}`` under ``root`` (dedented) and return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def findings(path: Path, prefix: str, **cfg) -> set[tuple[int, str]]:
    """``{(line, code)}`` of the findings whose code starts with ``prefix``, linting ``path`` through the public API."""
    return {(f.line, f.code) for f in lint_file(str(path), Config(**cfg)) if f.code.startswith(prefix)}


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the first line of ``path`` that contains ``needle``."""
    for n, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in {path}")

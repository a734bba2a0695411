"""The one output type of the linter: a finding at a place in a file."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file.

    ``line`` is 1-based and ``col`` is 0-based, as in Python's ``ast`` (flake8 adds 1 to the column
    when it prints). Findings order by path, position, then code, so every output is deterministic.
    """

    path: str
    line: int
    col: int
    code: str
    message: str

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        """``path:line:col: CODE message`` with a 1-based column, like flake8 prints."""
        return f"{self.path}:{self.line}:{self.col + 1}: {self.code} {self.message}"

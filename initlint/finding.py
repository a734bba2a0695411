"""The one output type of the linter: a finding at a place in a file, with a short message and its fix."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Optional

#: How a rule that builds one string marks where its fix begins: ``"<problem>. Fix: <what to do>"``.
#: :func:`split_fix` cuts such a message in two; rules that can should pass the fix separately instead.
FIX_MARKER = ". Fix: "


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in one file.

    ``line`` is 1-based and ``col`` is 0-based, as in Python's ``ast`` (flake8 adds 1 to the column
    when it prints). ``message`` says what is wrong (one sentence, no fix); ``fix``, when the rule knows
    one, says what to change. Findings order by path, position, code, then message, so every output is
    deterministic; ``fix`` takes no part in ordering or equality (it is derived from the same facts as
    the message).
    """

    path: str
    line: int
    col: int
    code: str
    message: str
    fix: Optional[str] = field(default=None, compare=False)

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        """``path:line:col: CODE message`` with a 1-based column, like flake8 prints (the fix is not shown)."""
        return f"{self.path}:{self.line}:{self.col + 1}: {self.code} {self.message}"


def split_fix(message: str) -> tuple[str, Optional[str]]:
    """``(message, fix)`` from a one-string message written as ``"<problem>. Fix: <what to do>"``.

    The problem keeps its full stop; a message without the marker comes back whole with ``None``.
    Only the first marker counts, so a fix text may itself contain ``Fix:``.
    """
    head, marker, tail = message.partition(FIX_MARKER)
    if not marker or not head.strip() or not tail.strip():
        return message, None
    return head + ".", tail.strip()

"""The exception raised by :func:`initguard.assert_initialized`."""

from __future__ import annotations

MAX_ROWS = 50


class NotInitializedError(RuntimeError):
    """Raised when a model has uninitialized or default-initialized tensors; ``.report`` holds the details.

    Shown (and pickled) as ``initguard.NotInitializedError``, its public name: the private module it is
    defined in is an implementation detail. Pickles with its report, so it crosses process boundaries
    (multiprocessing, distributed launchers) intact.
    """

    __module__ = "initguard"

    def __init__(self, report):
        self.report = report
        lines = [report.summary(), report.table(max_rows=MAX_ROWS)]
        lines.extend(f"note: {n}" for n in getattr(report, "notes", ()))
        if getattr(report, "too_small", None):
            from initguard.report import too_small_note

            lines.append(f"note: {too_small_note(report.too_small)}")
        lines.append(accept_line(report))
        super().__init__("\n".join(x for x in lines if x))

    def __reduce__(self):
        return (type(self), (self.report,), self.__dict__)


def accept_line(report) -> str:
    """The last line of the error: how to accept what is intended, with this report's own names."""
    from initguard.report import DEFAULT

    first = next((p.name for p in report.problems if p.verdict == DEFAULT), None)
    if first is None:
        return "Exempt intended tensors with allow=['glob*'] (tensor-name globs)."
    from initguard.fixes import allow_snippets

    return f"If PyTorch's default is the intended init, accept it: {allow_snippets(first)}."

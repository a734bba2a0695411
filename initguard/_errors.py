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
        lines.append(
            "Exempt intended tensors with allow=['glob*'] (or allow_default=True for PyTorch defaults)."
        )
        super().__init__("\n".join(x for x in lines if x))

    def __reduce__(self):
        return (type(self), (self.report,), self.__dict__)

"""What every framework callback shares: its settings, running the check, raising or warning."""

from __future__ import annotations

from typing import Any, Sequence


class CheckingCallback:
    """Framework-independent part of the callbacks: settings, the check, the report."""

    def __init__(
        self,
        *,
        allow: Sequence[str] = (),
        allow_default: bool = False,
        buffers: bool = True,
        strict: bool = False,
        mode: str = "sample",
        ranks: Any = "auto",
        raise_on_failure: bool = True,
    ) -> None:
        """Configure the check; the arguments are those of :func:`initguard.assert_initialized`.

        ``raise_on_failure=False`` only records the report (``callback.report``) and warns.
        """
        super().__init__()
        self.check_kwargs = dict(
            allow=tuple(allow), allow_default=allow_default, buffers=buffers, strict=strict, mode=mode,
            ranks=ranks,
        )
        self.raise_on_failure = raise_on_failure
        self.report = None

    def run_check(self, model: Any) -> Any:
        """Run :func:`initguard.check` on ``model``; raise or warn when it is not initialized."""
        import initguard

        report = initguard.check(model, **self.check_kwargs)
        self.report = report
        if not report.ok:
            if self.raise_on_failure:
                raise initguard.NotInitializedError(report)
            import warnings

            warnings.warn(str(report), RuntimeWarning, stacklevel=2)
        return report

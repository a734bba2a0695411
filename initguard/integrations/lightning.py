"""Lightning integration: ``InitGuardCallback`` checks the model when training starts.

Usage::

    from initguard.integrations.lightning import InitGuardCallback

    trainer = L.Trainer(callbacks=[InitGuardCallback()])
    trainer.fit(model, ckpt_path=maybe_ckpt)

The check runs at ``on_train_start``: after ``configure_model``, after strategy setup (DDP wrap /
FSDP sharding) and after the checkpoint given by ``ckpt_path`` was restored — i.e. on the weights
that the first optimizer step will actually update.  (``on_fit_start`` would run before the restore
and flag a model that is about to be loaded.)  On multi-process strategies every rank runs the check,
which also compares replicated parameters across ranks and merges sharded verdicts, so all ranks
raise the same :class:`initguard.NotInitializedError`.

This module imports neither ``lightning`` nor ``pytorch_lightning`` at import time.  The callback
class is built on first access against ``lightning.pytorch`` if installed, else
``pytorch_lightning``; use :func:`callback_class` to pick one explicitly when both are installed.
"""

from __future__ import annotations

from typing import Any

from initguard.integrations._check import CheckingCallback

__all__ = ["InitGuardCallback", "callback_class"]  # noqa: F822 - built lazily by __getattr__

_CLASSES: dict[str, type] = {}


def _base(flavor: str) -> tuple[str, type]:
    if flavor not in ("auto", "lightning", "pytorch_lightning"):
        raise ValueError(f"flavor must be 'auto', 'lightning' or 'pytorch_lightning', got {flavor!r}")
    if flavor in ("auto", "lightning"):
        try:
            from lightning.pytorch.callbacks import Callback

            return "lightning", Callback
        except ImportError:
            if flavor == "lightning":
                raise
    try:
        from pytorch_lightning.callbacks import Callback
    except ImportError as e:
        raise ImportError(
            "initguard.integrations.lightning needs `lightning` or `pytorch_lightning` "
            "(pip install lightning)"
        ) from e
    return "pytorch_lightning", Callback


class _InitGuardMixin(CheckingCallback):
    """The Lightning hook over the shared check (:class:`initguard.integrations._check.CheckingCallback`)."""

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        """Lightning hook: check ``pl_module`` (after checkpoint restore and strategy setup).

        Under an FSDP1 strategy the ``FullyShardedDataParallel`` that wraps ``pl_module`` is checked instead: it
        holds the metadata that maps the flat shards back to ``pl_module``'s parameters (same names)."""
        self.run_check(_fsdp1_wrapper(trainer, pl_module))


def _fsdp1_wrapper(trainer: Any, pl_module: Any) -> Any:
    """``trainer.strategy.model`` when it is an FSDP1 ``FullyShardedDataParallel`` around ``pl_module``, else
    ``pl_module``."""
    wrapped = getattr(getattr(trainer, "strategy", None), "model", None)
    if type(wrapped).__name__ == "FullyShardedDataParallel" and getattr(wrapped, "module", None) is pl_module:
        return wrapped
    return pl_module


def callback_class(flavor: str = "auto") -> type:
    """The ``InitGuardCallback`` class for ``"lightning"``, ``"pytorch_lightning"`` or ``"auto"``."""
    name, base = _base(flavor)
    cls = _CLASSES.get(name)
    if cls is None:
        cls = type(
            "InitGuardCallback",
            (_InitGuardMixin, base),
            {
                "__module__": __name__,
                "__doc__": "Lightning callback: :func:`initguard.assert_initialized` at ``on_train_start``."
                + f" (built on {name}.Callback)",
            },
        )
        _CLASSES[name] = cls
    return cls


def __getattr__(name: str) -> Any:
    """Build ``InitGuardCallback`` lazily (imports lightning only now)."""
    if name == "InitGuardCallback":
        return callback_class("auto")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

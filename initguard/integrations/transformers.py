"""Hugging Face integration: ``InitGuardTrainerCallback`` checks the model when training begins.

Usage::

    from initguard.integrations.transformers import InitGuardTrainerCallback

    trainer = Trainer(model=model, args=args, train_dataset=ds, callbacks=[InitGuardTrainerCallback()])
    trainer.train(resume_from_checkpoint=maybe_ckpt)

The check runs at ``on_train_begin``, which the ``Trainer`` calls after ``resume_from_checkpoint``
was loaded (also for FSDP, where the checkpoint is loaded after preparation) and before the first
step.  Under ``torchrun`` every rank runs it, with the cross-rank comparison of
:func:`initguard.assert_initialized`.

``transformers`` is imported only when the class is first accessed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["InitGuardTrainerCallback"]  # noqa: F822 - built lazily by __getattr__

_CLASS: list = []


def _build() -> type:
    from transformers import TrainerCallback

    from initguard.integrations._check import CheckingCallback

    class InitGuardTrainerCallback(CheckingCallback, TrainerCallback):
        """``TrainerCallback``: :func:`initguard.assert_initialized` on the model at ``on_train_begin``."""

        def on_train_begin(self, args, state, control, model=None, **kwargs):
            """Check ``model`` (the Trainer's model, after checkpoint loading) before the first step."""
            if model is not None:
                self.run_check(model)
            return None

    InitGuardTrainerCallback.__module__ = __name__
    InitGuardTrainerCallback.__qualname__ = "InitGuardTrainerCallback"
    return InitGuardTrainerCallback


def __getattr__(name: str) -> Any:
    """Build ``InitGuardTrainerCallback`` lazily (imports transformers only now)."""
    if name == "InitGuardTrainerCallback":
        if not _CLASS:
            _CLASS.append(_build())
        return _CLASS[0]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

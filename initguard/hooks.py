"""``guard()``: a one-shot ``assert_initialized`` that runs by itself when training begins, then removes itself.

Holds :func:`guard` (installs an optimizer step pre-hook, or a forward pre-hook in training mode) and
:class:`GuardHandle` (``remove()``, ``report``, ``fired``, ``active``).
"""

from __future__ import annotations

import weakref


class GuardHandle:
    """Returned by :func:`initguard.guard`. ``remove()`` uninstalls it; ``report`` is set once it ran."""

    def __init__(self):
        self._handle = None
        self.report = None
        self.fired = False

    def remove(self) -> None:
        """Uninstall the hook (idempotent)."""
        h, self._handle = self._handle, None
        if h is not None:
            h.remove()

    @property
    def active(self) -> bool:
        """True while the check has not run yet."""
        return self._handle is not None


def guard(model, optimizer=None, **check_kwargs) -> GuardHandle:
    """Install a one-shot :func:`initguard.assert_initialized` that runs when training begins.

    With ``optimizer``: before its first ``step()`` (a step pre-hook: after the first backward, before any weight
    moves). Without: before the first forward pass in training mode (``model.training``). The hook removes itself
    when it runs (also when it raises :class:`NotInitializedError`). ``check_kwargs`` go to ``assert_initialized``
    (``allow``, ``allow_default``, ``buffers``, ``strict``, ``mode``, ``ranks``).
    """
    from initguard.core import assert_initialized

    handle = GuardHandle()
    mref = weakref.ref(model)

    def run():
        handle.remove()
        handle.fired = True
        m = mref()
        if m is not None:
            handle.report = assert_initialized(m, **check_kwargs)

    if optimizer is not None:
        opt = optimizer
        if not hasattr(opt, "register_step_pre_hook") and hasattr(opt, "optimizer"):
            opt = opt.optimizer
        if hasattr(opt, "optimizer") and type(opt).__name__ == "_FabricOptimizer":
            opt = opt.optimizer

        def step_pre_hook(_opt, _args, _kwargs):
            run()
            return None

        handle._handle = opt.register_step_pre_hook(step_pre_hook)
    else:

        def forward_pre_hook(module, _args):
            if module.training:
                run()
            return None

        handle._handle = model.register_forward_pre_hook(forward_pre_hook)
    return handle

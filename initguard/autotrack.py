"""A process-wide tracking switch: ``initguard.enable_tracking()`` or ``INITGUARD_TRACK=1``.

With the switch on, every model built afterwards is tracked as if its construction were wrapped in
``with initguard.track():`` -- without touching the code that builds it. Callbacks (Lightning, Hugging Face)
and ``assert_initialized`` then judge from provenance: a tensor your init never wrote, or one still holding the
value its ``torch.nn`` constructor drew, is named as such, and a model whose own init draws PyTorch-like
distributions is not mistaken for one at PyTorch's default.

How it works: the switch wraps ``torch.nn.Module.__init__``. The first module constructed while no ``track()``
scope is open opens one (every module constructor calls ``nn.Module.__init__`` before it creates its
parameters, so the allocations are seen). The scope closes by itself, and its records are finalized, at the
first of: a forward pass of any module, ``Module._apply`` (``.to()``, ``.cuda()``, ``.half()``, ``to_empty``),
``initguard.check``/``assert_initialized``, or ``disable_tracking()``. The next module constructed afterwards
opens a new scope. Between construction and that first event every torch call of the constructing thread goes
through ``track()``'s function mode (cheap, but not free: enable it for training runs, not for inference
servers). An explicit ``track()`` scope still works and is never closed early by the switch.

``INITGUARD_TRACK=1`` in the environment turns the switch on when ``initguard`` is imported (import it before
the model is built, e.g. at the top of the training script; importing ``initguard.integrations`` also counts).
"""

from __future__ import annotations

import os
import threading

__all__ = ["enable_tracking", "disable_tracking", "tracking_enabled", "settle"]

ENV = "INITGUARD_TRACK"

_lock = threading.RLock()
_enabled = False
_orig_init = None
_orig_apply = None
_scope = None  # the open automatic track() scope
_thread = None  # the thread that opened it (torch function modes are per thread)
_fwd_handle = None
_busy = threading.local()


def tracking_enabled() -> bool:
    """True while the process-wide switch is on."""
    return _enabled


def enable_tracking() -> None:
    """Track the construction of every model built from now on, as if wrapped in ``initguard.track()``.

    Idempotent. Undo with :func:`disable_tracking`. See the module docstring for what it costs and when a scope
    closes.
    """
    global _enabled, _orig_init, _orig_apply
    from torch import nn

    with _lock:
        if _enabled:
            return
        _orig_init = nn.Module.__init__
        _orig_apply = nn.Module._apply
        orig_init, orig_apply = _orig_init, _orig_apply

        def __init__(self, *args, **kwargs):
            _open()
            orig_init(self, *args, **kwargs)

        def _apply(self, *args, **kwargs):
            settle()
            return orig_apply(self, *args, **kwargs)

        __init__.__wrapped__ = orig_init
        _apply.__wrapped__ = orig_apply
        nn.Module.__init__ = __init__
        nn.Module._apply = _apply
        _enabled = True


def disable_tracking() -> None:
    """Turn the switch off: close (and finalize) an open automatic scope and restore ``nn.Module``."""
    global _enabled
    from torch import nn

    with _lock:
        if not _enabled:
            return
        settle()
        nn.Module.__init__ = _orig_init
        nn.Module._apply = _orig_apply
        _enabled = False


def _open() -> None:
    """Open an automatic scope unless one (automatic or explicit) is already open."""
    global _scope, _thread, _fwd_handle
    from initguard import provenance

    if provenance.is_tracking() or getattr(_busy, "on", False):
        return
    with _lock:
        if _scope is not None or provenance.is_tracking():
            return
        _busy.on = True
        try:
            scope = provenance.track()
            scope.__enter__()
            from torch.nn.modules.module import register_module_forward_pre_hook

            _fwd_handle = register_module_forward_pre_hook(_on_forward)
            _scope, _thread = scope, threading.get_ident()
        finally:
            _busy.on = False


def _on_forward(module, args):
    settle()
    return None


def settle() -> None:
    """Close the open automatic scope, if any (called before every check; cheap when none is open).

    Leaves an explicit ``track()`` scope that is open inside it alone, and does nothing from another thread.
    """
    global _scope, _thread, _fwd_handle
    if _scope is None:
        return
    from initguard import provenance

    with _lock:
        scope = _scope
        if scope is None or _thread != threading.get_ident() or provenance.scope_depth() > 1:
            return
        _scope, _thread = None, None
        h, _fwd_handle = _fwd_handle, None
        if h is not None:
            h.remove()
        scope.__exit__(None, None, None)


def from_env() -> None:
    """Enable tracking when ``INITGUARD_TRACK`` asks for it (``1``/``true``/``yes``/``on``); run at import."""
    if os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        enable_tracking()


_from_env = from_env  # the former name

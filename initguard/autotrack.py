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
The automatic scope's function mode sits at the *bottom* of the mode stack, below contexts the model is built in
(``fabric.init_module(empty_init=True)``, ``with torch.device("meta")``): those pop the top mode when their block
ends, and must pop their own, not initguard's (otherwise they would stay active and the guard would change the
program).

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
            _sink_own_mode()
            from torch.nn.modules.module import register_module_forward_pre_hook

            _fwd_handle = register_module_forward_pre_hook(_on_forward)
            _scope, _thread = scope, threading.get_ident()
        finally:
            _busy.on = False


def _sink_own_mode() -> None:
    """Move the automatic scope's mode from the top to the bottom of this thread's function-mode stack.

    The scope opens inside whatever mode context the model is built in (Lightning's
    ``init_module(empty_init=True)``, ``with torch.device("meta")``) and outlives it. Those contexts pop the
    *top* mode when they exit (``torch.device`` in C++), which would be initguard's: theirs would stay active
    (init calls skipped, tensors still created on ``meta``) and the guard would change the program. Below them,
    ours is never the one they pop; it still sees every call they let through.
    """
    from torch.overrides import _get_current_function_mode_stack, _pop_mode, _push_mode

    from initguard import provenance

    ours = getattr(provenance.active_tracker(), "mode", None)
    stack = _get_current_function_mode_stack()
    if ours is None or len(stack) < 2 or stack[-1] is not ours:
        return
    others = [_pop_mode() for _ in range(len(stack))][1:]  # top first; [0] is ours
    _push_mode(ours)
    for m in reversed(others):
        _push_mode(m)


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
        _unstack_own_mode()
        scope.__exit__(None, None, None)


def _unstack_own_mode() -> None:
    """Take the automatic scope's mode off the stack itself, leaving every other mode where it is.

    The scope's own exit pops the *top* mode. That is wrong when a context entered before the scope already
    popped ours (``with torch.device(...)`` exits in C++ by popping the top mode) or when a mode entered after it
    is still open (a check or forward inside it): the pop would remove someone else's mode.
    """
    from torch.overrides import _get_current_function_mode_stack, _pop_mode, _push_mode

    from initguard import provenance

    tr = provenance.active_tracker()
    ours = getattr(tr, "mode", None) if tr is not None else None
    if ours is None:
        return
    stack = _get_current_function_mode_stack()
    if not any(m is ours for m in stack):
        tr.mode = None  # already popped by someone else: nothing of ours left to pop
        return
    above = []
    while True:
        m = _pop_mode()
        if m is ours:
            break
        above.append(m)
    for m in reversed(above):
        _push_mode(m)
    tr.mode = None


def from_env() -> None:
    """Enable tracking when ``INITGUARD_TRACK`` asks for it (``1``/``true``/``yes``/``on``); run at import."""
    if os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        enable_tracking()


_from_env = from_env  # the former name

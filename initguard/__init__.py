"""initguard: catch models that would train from uninitialized weights.

Public API::

    with initguard.track():              # record provenance while building (also a decorator)
        model = build()
    initguard.assert_initialized(model)  # raise NotInitializedError listing every bad tensor
    report = initguard.check(model)      # same verdicts as data: report.ok, report.problems, str(report)
    initguard.guard(model, optimizer)    # one-shot check at the first optimizer.step()
    initguard.enable_tracking()          # or INITGUARD_TRACK=1: track every model built from now on

``import initguard`` is cheap: torch is imported on first use of the API (or at import when
``INITGUARD_TRACK=1`` asks for tracking), never lightning/transformers/matplotlib.
"""

from __future__ import annotations

import os as _os

from initguard._errors import NotInitializedError
from initguard.report import Entry, Problem, Report

__all__ = [
    "track",
    "assert_initialized",
    "check",
    "guard",
    "NotInitializedError",
    "Report",
    "Problem",
    "Entry",
    "initialize",
    "testing",
    "enable_tracking",
    "disable_tracking",
    "tracking_enabled",
]

_LAZY = {
    "track": ("initguard.provenance", "track"),
    "check": ("initguard.core", "check"),
    "assert_initialized": ("initguard.core", "assert_initialized"),
    "guard": ("initguard.hooks", "guard"),
    "initialize": ("initguard.initializer", "initialize"),
    "testing": ("initguard.testing", None),
    "tensor_verdict": ("initguard.stats", "tensor_verdict"),
    "enable_tracking": ("initguard.autotrack", "enable_tracking"),
    "disable_tracking": ("initguard.autotrack", "disable_tracking"),
    "tracking_enabled": ("initguard.autotrack", "tracking_enabled"),
}


def __getattr__(name):
    """Resolve the public API lazily so ``import initguard`` stays cheap and never fails on optional parts."""
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'initguard' has no attribute {name!r}")
    import importlib

    modname, attr = target
    try:
        mod = importlib.import_module(modname)
    except ImportError as e:
        raise AttributeError(f"initguard.{name} is not available: {e}") from e
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


if _os.environ.get("INITGUARD_TRACK", "").strip().lower() in ("1", "true", "yes", "on"):
    from initguard.autotrack import from_env

    from_env()

"""``check()`` and ``assert_initialized()``: walk a model's tensors once (tied weights once) and judge
each."""

from __future__ import annotations

import fnmatch

from initguard import stats
from initguard._errors import NotInitializedError
from initguard.report import DEFAULT, Report
from initguard.verdicts import judge

_MODES = ("sample", "full")


def unwrap(model):
    """The user's module inside common wrappers (Fabric ``_FabricModule``, DDP/DataParallel,
    ``torch.compile``)."""
    for _ in range(8):
        cls = type(model).__name__
        if cls == "_FabricModule" and hasattr(model, "_original_module"):
            model = model._original_module
        elif cls in ("DistributedDataParallel", "DataParallel") and hasattr(model, "module"):
            model = model.module
        elif cls == "OptimizedModule" and hasattr(model, "_orig_mod"):
            model = model._orig_mod
        else:
            break
    return model


def iter_tensors(model, buffers: bool = True):
    """Yield ``(name, tensor, owning module, local name, kind)`` for every parameter (and floating buffer).

    Tied tensors (the same object registered in several places) are yielded once, under their first name.
    """
    seen: set[int] = set()
    for mod_name, module in model.named_modules():
        prefix = mod_name + "." if mod_name else ""
        for local, p in module._parameters.items():
            if p is None or id(p) in seen:
                continue
            seen.add(id(p))
            yield prefix + local, p, module, local, "parameter"
        if not buffers:
            continue
        for local, b in module._buffers.items():
            if b is None or id(b) in seen:
                continue
            if not (b.is_floating_point() or b.is_complex()):
                continue
            seen.add(id(b))
            yield prefix + local, b, module, local, "buffer"


def _allowed(name: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(name, pat) for pat in patterns)


def check(
    model, *, allow=(), allow_default: bool = False, buffers: bool = True, strict: bool = False,
    mode: str = "sample", ranks="auto",
) -> Report:
    """Judge every parameter (and floating buffer) of ``model`` without raising; return a :class:`Report`.

    ``allow``: glob patterns of tensor names that are exempt. ``allow_default``: do not report tensors that
    still
    hold PyTorch's built-in default init. ``buffers``: also check floating buffers. ``strict``: also report
    the
    constant defaults of norm layers (ones/zeros). ``mode``: ``"sample"`` reads a fixed sample of each tensor
    (fast); ``"full"`` adds one ``aminmax`` pass per tensor. ``ranks``: with torch.distributed initialized and
    more than one rank, also compare/gather across ranks (``False`` to skip; a ``ProcessGroup`` to compare
    within that group only, e.g. the data-parallel replicas of a tensor-parallel model). Read-only.
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    if isinstance(allow, str):
        allow = (allow,)
    from initguard import autotrack

    autotrack.settle()  # construction is over: finalize an automatic tracking scope (enable_tracking)
    model = unwrap(model)
    report = Report(mode=mode, source=type(model).__name__)
    named = []
    with stats.one_thread():
        for name, t, module, local, kind in iter_tensors(model, buffers):
            named.append((name, t))
            j = judge(name, t, module, local, kind=kind, strict=strict, mode=mode)
            if j.entry is None:
                continue
            if j.tracked:
                report.tracked += 1
            p = j.problem
            if p is not None and (_allowed(name, allow) or (allow_default and p.verdict == DEFAULT)):
                report.allowed.append(name)
                j.entry.verdict = "allowed"
                p = None
            if p is not None:
                report.problems.append(p)
            report.entries.append(j.entry)
    if ranks is not False and _distributed_active():
        from initguard.distributed import distributed_check

        group = None if isinstance(ranks, str) or ranks is True else ranks  # a ProcessGroup: check within it
        report = distributed_check(model, report, named, group=group)
    return report


def _distributed_active() -> bool:
    try:
        import torch.distributed as dist

        return dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1
    except Exception:
        return False


def assert_initialized(
    model, *, allow=(), allow_default: bool = False, buffers: bool = True, strict: bool = False, ranks="auto",
    mode: str = "sample",
) -> Report:
    """Raise :class:`NotInitializedError` when any tensor of ``model`` is uninitialized or at PyTorch's
    default.

    Same arguments as :func:`check`. The message lists each offending tensor with shape, owning module type,
    verdict, reason and fix; ``error.report`` holds the :class:`Report`. Returns the report when all is well.
    """
    report = check(model, allow=allow, allow_default=allow_default, buffers=buffers, strict=strict, mode=mode,
                   ranks=ranks)
    if not report.ok:
        raise NotInitializedError(report)
    return report

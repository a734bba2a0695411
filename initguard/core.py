"""The model-level check: ``check()`` and ``assert_initialized()`` (raises ``NotInitializedError``).

Holds: ``unwrap`` (the user's module inside DDP/Fabric/``torch.compile`` wrappers), the walk over a model's
tensors (tied ones once; :mod:`initguard.tensors`) that hands each tensor to :func:`initguard.verdicts.judge`,
the ``allow``/``allow_default`` exemptions, "not examined" entries for tensors whose values live on other ranks
(empty DTensor shards / ZeRO-3 partitions), the model-level default rule, and the hand-off to
:mod:`initguard.distributed` when more than one rank runs.
"""

from __future__ import annotations

from initguard import pytorch_defaults, sampling
from initguard._errors import NotInitializedError
from initguard.report import DEFAULT, NOT_EXAMINED, Entry, Report, Verdict
from initguard.tensors import allowed, global_shape, iter_tensors, local_tensor, zero3_partition
from initguard.verdicts import judge, model_default_rule

_MODES = ("sample", "full")
__all__ = ["check", "assert_initialized", "unwrap", "iter_tensors", "zero3_partition", "not_examined_reason"]


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


def _zero3_expectation(module, local_name: str):
    """PyTorch's default for a partitioned Linear/Conv parameter, from the full shape DeepSpeed records."""
    from torch import nn

    w = getattr(module, "weight", None)
    ws = getattr(w, "ds_shape", None)
    linear_like = isinstance(module, (nn.Linear, nn.modules.conv._ConvNd))
    if ws is None or local_name not in ("weight", "bias") or not linear_like:
        return pytorch_defaults.module_expectation(module, local_name) if ws is None else None
    label = f"{type(module).__name__} default U(+-1/sqrt(fan_in))"
    return pytorch_defaults.uniform_default(pytorch_defaults.fan_in_of(tuple(ws)), label)


def not_examined_reason(t) -> str:
    """Why ``t`` (a tensor the check skipped) holds values that nobody here looked at, or "" when it has none.

    A DTensor / ZeRO-3 parameter whose local part on this rank is empty while the tensor is not: another rank
    holds (and examines) its values; with a single process nobody does.
    """
    if getattr(t, "ds_tensor", None) is not None and t.numel() == 0 and getattr(t, "ds_numel", 0):
        return "DeepSpeed ZeRO-3 partition on this rank holds no elements"
    if getattr(t, "ds_numel", 0) and t.numel() == 0:
        return "DeepSpeed ZeRO-3 parameter without a local partition"
    if not t.is_floating_point() or t.is_meta:
        return ""
    if t.numel() and local_tensor(t).numel() == 0:
        return "this rank's shard holds no elements"
    return ""


def check(
    model, *, allow=(), allow_default: bool = False, buffers: bool = True, strict: bool = False,
    mode: str = "sample", ranks="auto",
) -> Report:
    """Judge every parameter (and floating buffer) of ``model`` without raising; return a :class:`Report`.

    ``allow``: glob patterns of tensor names that are exempt. ``allow_default``: do not report tensors that still
    hold PyTorch's built-in default init. ``buffers``: also check floating buffers. ``strict``: also report the
    constant defaults of norm layers (ones/zeros). ``mode``: ``"sample"`` reads a fixed sample of each tensor
    (fast); ``"full"`` adds one ``aminmax`` pass per tensor. ``ranks``: with torch.distributed initialized and more
    than one rank, also compare/gather across ranks (``False`` to skip; a ``ProcessGroup`` to compare within that
    group only, e.g. the data-parallel replicas of a tensor-parallel model). Read-only.
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
    judged = []
    with sampling.one_thread():
        for name, t, module, local, kind in iter_tensors(model, buffers):
            named.append((name, t))
            part = zero3_partition(t)
            if part is not None:  # DeepSpeed ZeRO-3: judge this rank's partition (statistics only)
                j = judge(name, part, module, local, kind=kind, strict=strict, mode=mode,
                          full_shape=tuple(t.ds_shape), use_provenance=False,
                          expected=_zero3_expectation(module, local))
                for x in (j.problem, j.entry):
                    if x is not None:
                        x.shape = tuple(t.ds_shape)
            else:
                j = judge(name, t, module, local, kind=kind, strict=strict, mode=mode)
            if j.entry is None:
                why = not_examined_reason(t)
                if why:
                    report.entries.append(Entry(name, global_shape(t), str(t.dtype).replace("torch.", ""),
                                                type(module).__name__, NOT_EXAMINED, kind))
                    report.notes.append(f"{name}: not examined ({why})")
                continue
            judged.append((name, j))
            if j.tracked:
                report.tracked += 1
            p = j.problem
            if p is not None and (allowed(name, allow) or (allow_default and p.verdict == DEFAULT)):
                report.allowed.append(name)
                j.entry.verdict = Verdict.ALLOWED
                p = None
            if p is not None:
                report.problems.append(p)
            report.entries.append(j.entry)
    model_default_rule(report, judged)
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
    """Raise :class:`NotInitializedError` when any tensor of ``model`` is uninitialized or at PyTorch's default.

    Same arguments as :func:`check`. The message lists each offending tensor with shape, owning module type,
    verdict, reason and fix; ``error.report`` holds the :class:`Report`. Returns the report when all is well.
    """
    report = check(model, allow=allow, allow_default=allow_default, buffers=buffers, strict=strict, mode=mode,
                   ranks=ranks)
    if not report.ok:
        raise NotInitializedError(report)
    return report

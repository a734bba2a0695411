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
from initguard.tensors import (allowed, clean_name, fsdp1_layout, global_shape, iter_tensors, local_tensor,
                               zero3_partition)
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
    w = getattr(module, "weight", None)
    ws = getattr(w, "ds_shape", None)
    if ws is None:
        return pytorch_defaults.module_expectation(module, local_name)
    return _full_shape_expectation(module, local_name, tuple(ws), None)


def _full_shape_expectation(module, local_name: str, weight_shape, shape):
    """PyTorch's default for ``module.<local_name>`` when the module's own tensors are shards or flat pieces
    (ZeRO-3, FSDP1): Linear/Conv from the full ``weight_shape`` (their bias too), other modules from the full
    ``shape``; None when unknown."""
    from torch import nn

    if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)):
        if weight_shape is None or local_name not in ("weight", "bias"):
            return None
        label = f"{type(module).__name__} default U(+-1/sqrt(fan_in))"
        return pytorch_defaults.uniform_default(pytorch_defaults.fan_in_of(tuple(weight_shape)), label)
    if isinstance(module, nn.Bilinear):
        if weight_shape is None or len(weight_shape) < 2 or local_name not in ("weight", "bias"):
            return None
        return pytorch_defaults.uniform_default(int(weight_shape[1]), f"{type(module).__name__} default "
                                                "U(+-1/sqrt(in1))")
    if shape is None:
        return None
    try:
        return pytorch_defaults.module_expectation(module, local_name, tuple(shape))
    except Exception:
        return None


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
    distributed = ranks is not False and _distributed_active()
    group = None if isinstance(ranks, str) or ranks is True else ranks  # a ProcessGroup: check within it
    layout = fsdp1_layout(model)
    peers: dict = {}
    if layout:  # FSDP1: the FlatParameters' originals, by their own names (every rank holds the same layout)
        if type(model).__name__ == "FullyShardedDataParallel":
            report.source = type(getattr(model, "module", model)).__name__
        peers = _fsdp1_peer_records(layout, group) if distributed else {}
    done: set[int] = set()
    flat_names: set[str] = set()  # FSDP1 segments: their local data differs between ranks by design

    def note(name, t, shape, module, kind, why):
        report.entries.append(Entry(name, shape, str(t.dtype).replace("torch.", ""),
                                    type(module).__name__ if module is not None else "",
                                    NOT_EXAMINED, kind))
        report.notes.append(f"{name}: not examined ({why})")

    def keep(name, j):
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

    with sampling.one_thread():
        for name, t, module, local, kind in iter_tensors(model, buffers):
            if layout:
                name = clean_name(name)
                segs = layout.get(id(t))
                if segs is not None:  # an FSDP1 FlatParameter (or one of its originals, use_orig_params=True)
                    for seg in segs:
                        if id(seg) in done:
                            continue
                        done.add(id(seg))
                        named.append((seg.name, seg.values))
                        flat_names.add(seg.name)
                        j, why = _judge_segment(seg, segs, layout, peers, strict, mode)
                        if j is None:
                            note(seg.name, seg.values, seg.shape, seg.module, "parameter", why)
                        else:
                            keep(seg.name, j)
                    continue
            why = _orphan_fsdp1_shard(t, module)
            if why:  # FSDP1 (use_orig_params=True) shard checked without its FullyShardedDataParallel wrapper
                named.append((name, t))
                flat_names.add(name)
                note(name, t, tuple(t.shape), module, kind, why)
                continue
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
            keep(name, j)
    model_default_rule(report, judged)
    if distributed:
        from initguard.distributed import distributed_check

        report = distributed_check(model, report, named, group=group, sharded=flat_names)
    return report


def _orphan_fsdp1_shard(t, module) -> str:
    """Why ``t`` cannot be judged: an FSDP1 original parameter (``use_orig_params=True``) that is a 1-D view of its
    rank's shard while the ``FullyShardedDataParallel`` holding its FlatParameter (and the metadata that maps it
    back) is outside the checked module; "" otherwise."""
    if not (getattr(t, "_fsdp_flattened", False) and getattr(module, "_fsdp_use_orig_params", False)):
        return ""
    if t.dim() != 1 or type(t).__name__ == "DTensor":
        return ""
    return ("an FSDP1 shard (use_orig_params=True): a 1-D view of this rank's part of the parameter, and the "
            "FullyShardedDataParallel wrapper whose metadata maps it back is outside the checked module; check "
            "the wrapper instead")


def _judge_segment(seg, segs, layout, peers, strict, mode):
    """``(Judged, "")`` for this rank's segment of an FSDP1 original parameter, or ``(None, why not examined)``."""
    if seg.why:
        return None, seg.why
    exp = _full_shape_expectation(seg.module, seg.local_name, _weight_shape(segs, layout, seg), seg.shape)
    j = judge(seg.name, seg.values, seg.module, seg.local_name, strict=strict, mode=mode, full_shape=seg.shape,
              flat_start=seg.start, peer_records=peers.get(seg.name, ()), expected=exp)
    if j.entry is None:
        return None, "this rank's FSDP1 shard holds none of its elements"
    return j, ""


def _weight_shape(segs, layout, seg):
    """The full shape of the ``weight`` that the module owning ``seg`` registered (its bias's default needs it)."""
    if seg.local_name == "weight":
        return seg.shape
    for group in (segs, *layout.values()):
        for other in group:
            if other.module is seg.module and other.local_name == "weight" and not other.why:
                return other.shape
    w = getattr(seg.module, "weight", None)
    return tuple(w.shape) if w is not None and getattr(w, "dim", lambda: 0)() >= 2 else None


def _fsdp1_peer_records(layout, group) -> dict:
    """Other ranks' records of the FSDP1 originals (one object gather; every rank calls it: same layout)."""
    from initguard import provenance
    from initguard.distributed import peer_records

    mine = {}
    for segs in layout.values():
        for seg in segs:
            if seg.module is not None and not seg.why and seg.name not in mine:
                mine[seg.name] = provenance.lookup(seg.module, seg.local_name, seg.values)[0]
    return peer_records(mine, group)


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

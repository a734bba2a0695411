"""Which tensors a model holds, and where their values live on this rank.

The one place for: walking a model's parameters and buffers (tied tensors once), recognising a DTensor and
reading its local shard, recognising a DeepSpeed ZeRO-3 partitioned parameter and reading this rank's partition,
and matching tensor names against ``allow`` globs. Everything here reads; nothing writes or copies a tensor.
"""

from __future__ import annotations

import fnmatch
import sys
from typing import Iterable, Iterator


# ------------------------------------------------------------------------------------------- DTensor
def is_dtensor(t) -> bool:
    """True when ``t`` is a ``torch.distributed.tensor.DTensor`` (or a subclass).

    Cheap: no import of ``torch.distributed`` (a DTensor cannot exist before that module is loaded).
    """
    if type(t).__name__ == "DTensor" and hasattr(t, "to_local"):
        return True
    mod = sys.modules.get("torch.distributed.tensor")
    cls = getattr(mod, "DTensor", None) if mod is not None else None
    return cls is not None and isinstance(t, cls)


def local_tensor(t):
    """The locally stored tensor: a DTensor's shard (``to_local()``), else ``t`` itself; detached (an alias)."""
    if is_dtensor(t):
        t = t.to_local()
    return t.detach()


# --------------------------------------------------------------------------------- DeepSpeed ZeRO-3
def is_zero3(t) -> bool:
    """True for a DeepSpeed ZeRO-3 parameter while partitioned (its values live in ``ds_tensor``)."""
    return getattr(t, "ds_tensor", None) is not None and t.numel() == 0 and bool(getattr(t, "ds_numel", 0))


def local_data(t):
    """This rank's values of ``t``, detached, never a copy: a DTensor's shard, a partitioned ZeRO-3 parameter's
    ``ds_tensor`` (padding included), else ``t`` itself."""
    if is_dtensor(t):
        return t.to_local().detach()
    if is_zero3(t):
        return t.ds_tensor.detach()
    return t.detach()


def zero3_partition(t):
    """This rank's elements of a DeepSpeed ZeRO-3 partitioned parameter (``ds_tensor`` without its padding).

    None when ``t`` is not a partitioned ZeRO-3 parameter (also while it is gathered, e.g. inside
    ``deepspeed.zero.GatheredParameters``: then ``t`` holds the full values) or when this rank's partition
    holds only padding. A flat view of the partition; never a copy, never a gather.
    """
    ds = getattr(t, "ds_tensor", None)
    if ds is None or t.numel() != 0 or not getattr(t, "ds_numel", 0):
        return None
    flat = ds.detach().reshape(-1)
    rank = 0
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            rank = dist.get_rank(getattr(t, "ds_process_group", None))
    except Exception:
        rank = 0
    valid = max(0, min(flat.numel(), int(t.ds_numel) - rank * flat.numel()))
    return flat[:valid] if valid else None


def global_shape(t) -> tuple:
    """The full shape of ``t``: a partitioned ZeRO-3 parameter's ``ds_shape``, else ``t.shape``."""
    shape = getattr(t, "ds_shape", None)
    return tuple(shape) if shape is not None and t.numel() == 0 else tuple(t.shape)


# ------------------------------------------------------------------------------------------ walking
def iter_tensors(model, buffers: bool = True) -> Iterator[tuple]:
    """Yield ``(name, tensor, owning module, local name, kind)`` for every parameter (and floating buffer).

    Module by module, each module's parameters before its buffers. Tied tensors (the same object registered in
    several places) are yielded once, under their first name. Integer/bool buffers are skipped.
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


def named_tensors(model, buffers: bool = True) -> list[tuple]:
    """``(kind, name, tensor)`` for every parameter, then (optionally) every buffer of any dtype; tied once.

    The order of ``model.named_parameters()`` followed by ``model.named_buffers()``.
    """
    out = []
    seen: set[int] = set()
    for name, p in model.named_parameters():
        if id(p) not in seen:
            seen.add(id(p))
            out.append(("parameter", name, p))
    if buffers:
        for name, b in model.named_buffers():
            if b is not None and id(b) not in seen:
                seen.add(id(b))
                out.append(("buffer", name, b))
    return out


def own_tensors(module) -> Iterator[tuple]:
    """``(kind, local name, tensor)`` for the parameters, then the buffers, that ``module`` itself registers."""
    for name, p in module._parameters.items():
        if p is not None:
            yield "parameter", name, p
    for name, b in module._buffers.items():
        if b is not None:
            yield "buffer", name, b


# ------------------------------------------------------------------------------------------- allow
def allowed(name: str, patterns: Iterable[str]) -> bool:
    """True when tensor name ``name`` matches one of the ``allow`` patterns (an ``fnmatch`` glob, case-sensitive,
    or the exact name)."""
    return any(fnmatch.fnmatchcase(name, pat) or name == pat for pat in patterns)

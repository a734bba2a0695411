"""Which tensors a model holds, and where their values live on this rank.

The one place for: walking a model's parameters and buffers (tied tensors once), recognising a DTensor and
reading its local shard, recognising a DeepSpeed ZeRO-3 partitioned parameter and reading this rank's partition,
and matching tensor names against ``allow`` globs. Everything here reads; nothing writes or copies a tensor.
"""

from __future__ import annotations

import fnmatch
import math
import sys
from dataclasses import dataclass
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


def numpy_alias(t):
    """A numpy array over ``t``'s memory (CPU, detached), read in place without a copy.

    Through DLPack, not ``Tensor.numpy()``: ``numpy()`` marks the tensor's storage non-resizable for good, and FSDP
    frees unsharded parameters by resizing their storage to 0 (a check inside ``summon_full_params`` would make
    FSDP fail on the way out). Raises when numpy cannot take the tensor (callers fall back to torch).
    """
    import numpy as np

    if t.is_neg() or t.is_conj():  # DLPack would export the raw memory without the lazy negation/conjugation
        raise ValueError("a neg/conj view: numpy cannot alias it")
    return np.from_dlpack(t)


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


# ------------------------------------------------------------------------------------------- FSDP1
FSDP_PREFIXES = ("_fsdp_wrapped_module.", "_checkpoint_wrapped_module.")


def clean_name(name: str) -> str:
    """A tensor name without the wrapper components FSDP1 / activation checkpointing insert
    (``_fsdp_wrapped_module.0.weight`` -> ``0.weight``): the name the user's module gives it."""
    for pre in FSDP_PREFIXES:
        if pre in name:
            name = name.replace(pre, "")
    return name


def is_flat_param(t) -> bool:
    """True for an FSDP1 ``FlatParameter`` (the 1-D concatenation of several original parameters)."""
    return bool(getattr(t, "_is_flat_param", False)) or type(t).__name__ == "FlatParameter"


@dataclass
class FlatSegment:
    """One original parameter of an FSDP1 ``FlatParameter``, as far as this rank holds it.

    ``values`` is a 1-D view of this rank's elements of the parameter (flattened, row-major), starting at element
    ``start`` of the parameter; empty when this rank holds none. ``why`` is non-empty when the FlatParameter's
    metadata is missing or not understood: then nothing is judged ("not examined" with that reason).
    """

    name: str  # the original name, wrapper components removed ("0.weight")
    module: object  # the module that registered the original parameter
    local_name: str  # its name there ("weight")
    shape: tuple  # the original (unsharded) shape
    values: object  # torch.Tensor: this rank's elements (a view of the local shard, never a copy)
    start: int  # index of values[0] in the flattened original parameter
    flat: object  # the FlatParameter
    why: str = ""


_FLAT_META = ("_fqns", "_shapes", "_numels", "_param_infos", "_shard_param_infos")


def _local_flat_shard(fp):
    """This rank's shard of FlatParameter ``fp`` (padding included), detached; or a reason why it is not readable."""
    sharded = getattr(fp, "_sharded_size", None)
    if sharded is None:
        return None, "its FlatParameter was never sharded (no _sharded_size)"
    n = 1
    for d in tuple(sharded):
        n *= int(d)
    for cand in (getattr(fp, "_local_shard", None), fp):
        if cand is not None and not getattr(cand, "is_meta", False) and cand.numel() == n:
            return cand.detach().reshape(-1), ""
    return None, (f"its FlatParameter holds {fp.numel()} elements, neither its local shard ({n}) nor readable as "
                  "one (checked while unsharded?)")


def fsdp1_segments(fp, prefix: str) -> list:
    """The original parameters of FSDP1 FlatParameter ``fp`` with this rank's part of each (:class:`FlatSegment`).

    ``prefix`` is the name of the module that holds ``fp`` (with a trailing dot, FSDP components included).
    Read from FSDP's own metadata: ``_fqns``, ``_shapes``, ``_numels``, ``_param_infos`` (owning module and
    local name) and ``_shard_param_infos`` (``in_shard``, ``offset_in_shard``, ``numel_in_shard``,
    ``intra_param_start_idx``, ``intra_param_end_idx``). When any of it is missing or inconsistent, one segment per
    known original parameter (or one for the FlatParameter itself) carries ``why`` and no values. Never copies.
    """
    pre = clean_name(prefix)
    missing = [a for a in _FLAT_META if getattr(fp, a, None) is None]
    fqns = list(getattr(fp, "_fqns", None) or [])
    if missing:
        why = f"FSDP1 FlatParameter without {', '.join(missing)} (torch {_torch_version()}): layout not understood"
        if not fqns:
            return [FlatSegment(pre + "_flat_param", None, "_flat_param", tuple(fp.shape), fp.detach()[:0], 0, fp,
                                why)]
        shapes = list(getattr(fp, "_shapes", None) or [])
        infos = list(getattr(fp, "_param_infos", None) or [])
        return [FlatSegment(pre + f, getattr(infos[i], "module", None) if i < len(infos) else None,
                            f.rpartition(".")[2], tuple(shapes[i]) if i < len(shapes) else (), fp.detach()[:0], 0,
                            fp, why) for i, f in enumerate(fqns)]
    shapes = [tuple(int(d) for d in s) for s in fp._shapes]
    numels = [int(x) for x in fp._numels]
    infos, shard = list(fp._param_infos), list(fp._shard_param_infos)
    local, why = _local_flat_shard(fp)
    if not (len(fqns) == len(shapes) == len(numels) == len(infos) == len(shard)):
        why = (f"FSDP1 FlatParameter metadata of different lengths (_fqns {len(fqns)}, _shapes {len(shapes)}, "
               f"_param_infos {len(infos)}, _shard_param_infos {len(shard)}): layout not understood")
    out = []
    for i, fqn in enumerate(fqns):
        info = infos[i] if i < len(infos) else None
        module = getattr(info, "module", None)
        local_name = getattr(info, "param_name", fqn.rpartition(".")[2])
        shape = shapes[i] if i < len(shapes) else ()
        empty = fp.detach()[:0]
        if why or local is None:
            out.append(FlatSegment(pre + fqn, module, local_name, shape, empty, 0, fp, why))
            continue
        si = shard[i]
        if not getattr(si, "in_shard", False):
            out.append(FlatSegment(pre + fqn, module, local_name, shape, empty, 0, fp))
            continue
        off, cnt = getattr(si, "offset_in_shard", None), getattr(si, "numel_in_shard", None)
        a, b = getattr(si, "intra_param_start_idx", None), getattr(si, "intra_param_end_idx", None)
        ok = None not in (off, cnt, a, b) and cnt == b - a + 1 and 0 <= a <= b < numels[i]
        ok = ok and 0 <= off and off + cnt <= local.numel() and math.prod(shape) == numels[i]
        if not ok:
            bad = (f"FSDP1 shard metadata of {fqn} not understood (offset_in_shard={off}, numel_in_shard={cnt}, "
                   f"intra_param_start/end_idx={a}/{b}, numel {numels[i]}, local shard {local.numel()})")
            out.append(FlatSegment(pre + fqn, module, local_name, shape, empty, 0, fp, bad))
            continue
        out.append(FlatSegment(pre + fqn, module, local_name, shape, local[off:off + cnt], int(a), fp))
    return out


def fsdp1_layout(model) -> dict:
    """``{id(tensor): [FlatSegment, ...]}`` for every FSDP1 FlatParameter in ``model`` and, with
    ``use_orig_params=True``, for every original parameter (its one segment); empty when ``model`` holds none."""
    out: dict = {}
    if "torch.distributed.fsdp" not in sys.modules:  # no FlatParameter can exist: skip the walk
        return out
    for mod_name, module in model.named_modules():
        fp = getattr(module, "_flat_param", None) if type(module).__name__ == "FullyShardedDataParallel" else None
        if fp is None:
            fp = module._parameters.get("_flat_param")
        if fp is None or id(fp) in out or not is_flat_param(fp):
            continue
        if type(module).__name__ == "FullyShardedDataParallel":
            mod_name = mod_name + ("." if mod_name else "") + "_fsdp_wrapped_module"
        segs = fsdp1_segments(fp, mod_name + "." if mod_name else "")
        out[id(fp)] = segs
        params = getattr(fp, "_params", None)  # use_orig_params=True: the registered originals, in order
        if params and len(params) == len(segs):
            for p, seg in zip(params, segs):
                if p is not None:
                    out[id(p)] = [seg]
    return out


def _torch_version() -> str:
    try:
        import torch

        return torch.__version__
    except Exception:  # pragma: no cover
        return "?"


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

"""What became of a tensor that ``track()`` recorded, once construction is over.

:func:`current_state` reads the state of the very tensor a :class:`~initguard.provenance.Record` describes (written
since? moved? rewritten with the same values?); :func:`follow` the state of a tensor that *replaced* it (a DTensor
shard after ``fully_shard``, a cast or device move, ``load_state_dict(assign=True)``). Both compare value
fingerprints (:mod:`initguard.sampling`); both read, never write. Also available as ``initguard.provenance.*``.
"""

from __future__ import annotations

import torch
from torch.nn.parameter import UninitializedTensorMixin

from initguard import sampling
from initguard.provenance import LAZY, META, PARTIAL, REPLACED, UNKNOWN, UNWRITTEN, WRITTEN, Record
from initguard.tensors import is_dtensor, local_tensor

__all__ = ["current_state", "follow", "follow_flat"]


def current_state(rec: Record, tensor) -> tuple[str, str]:
    """Provenance state of ``tensor`` (the same object ``rec`` describes) now.

    Returns ``("written", ...)`` when the values changed since the scope closed (the value fingerprint changed:
    ``p.data.normal_()`` and fused AdamW do not bump ``_version``), or when a never-written tensor's ``_version``
    moved. Dtype/device moves and rewrites of the same values (DDP's broadcast of rank 0's values) are not
    writes: the tensor keeps its state.
    """
    if not rec.finalized:
        trw = rec.tracker() if rec.tracker is not None else None
        if trw is None:
            return UNKNOWN, ""
        return trw.state_of(tensor)
    if rec.state in (META, LAZY):
        return REPLACED, "materialized after construction"
    try:
        v = tensor._version
    except Exception:
        v = None
    fp = sampling.fingerprint(tensor)
    if fp is None:
        if v is not None and rec.version is not None and v != rec.version:
            return WRITTEN, "written after construction"
        return rec.state, rec.detail
    if rec.fp is None:
        return WRITTEN, "written after construction"
    if not _same_values(rec, fp, tensor.dtype):
        return WRITTEN, "values changed after construction"
    if rec.state in (UNWRITTEN, PARTIAL) and v is not None and rec.version is not None and v != rec.version:
        # an init that wrote what fresh memory already held (zeros) looks the same: a write counts
        return WRITTEN, "written after construction"
    # Values unchanged. A moved ``_version`` with the same values (of a default or initialized tensor) is a
    # rewrite of the same contents: DDP's (and FSDP1's ``sync_module_states``) broadcast of rank 0's values, a
    # cast or ``swap_tensors``. The tensor keeps its provenance; a replica that received *different* values from
    # rank 0 reads as written here, and the merged report carries rank 0's own verdict.
    return rec.state, rec.detail


def _same_values(rec: Record, fp: tuple, dtype) -> bool:
    """True when fingerprint ``fp`` (of a tensor of ``dtype``) equals ``rec``'s within the dtypes' rounding."""
    tol = 2 * max(sampling.dtype_eps(rec.fp_dtype), sampling.dtype_eps(dtype))
    atol = max(sampling.dtype_tiny(rec.fp_dtype), sampling.dtype_tiny(dtype))
    return sampling.close_values(rec.fp, fp, tol, atol)


def _local_box(t) -> tuple[tuple, tuple] | None:
    """``(global offset, local shape)`` of a DTensor's local shard, or None when unknown."""
    try:
        from torch.distributed.tensor._utils import compute_local_shape_and_global_offset

        shape, offset = compute_local_shape_and_global_offset(t.shape, t.device_mesh, t.placements)
        return tuple(int(o) for o in offset), tuple(int(s) for s in shape)
    except Exception:
        return None


def follow(rec: Record, tensor) -> tuple[str, str] | None:
    """Provenance of ``tensor``, which *replaced* the tensor ``rec`` describes (same module, same name).

    ``fully_shard``/``distribute_tensor`` (a DTensor holding a shard of the old values), a cast or a device move
    that made a new Parameter, ``load_state_dict(assign=True)``: when the new tensor holds the recorded values
    (compared at the fingerprint positions that fall into this rank's shard), it is a copy and keeps the recorded
    state. Returns ``("written", ...)`` when those values differ and the new tensor was written (``_version`` >
    0), and None when nothing can be compared (materialized from meta, a shard that holds none of the positions,
    different shape, or fresh memory never written: statistics decide).
    """
    if not rec.finalized or rec.state in (META, LAZY) or rec.fp is None or rec.shape is None:
        return None
    if isinstance(tensor, UninitializedTensorMixin) or tensor.is_meta:
        return None
    if tuple(tensor.shape) != rec.shape:
        return None
    lt = local_tensor(tensor)
    if lt.is_meta:
        return None
    n = 1
    for d in rec.shape:
        n *= int(d)
    k = min(n, sampling.FINGERPRINT_SIZE)
    pos = sampling.positions(n, sampling.FINGERPRINT_SIZE) if n > sampling.FINGERPRINT_SIZE else torch.arange(n)
    if is_dtensor(tensor):
        box = _local_box(tensor)
        if box is None:
            return None
        offset, lshape = box
        if tuple(lt.shape) != lshape:
            return None
        coords = sampling.unravel(pos, rec.shape)
        inside = torch.ones(k, dtype=torch.bool)
        local = []
        for c, o, s in zip(coords, offset, lshape):
            inside &= (c >= o) & (c < o + s)
            local.append(c - o)
        if not bool(inside.any()):
            return None
        idx = tuple(c[inside] for c in local)
        want = tuple(x for x, ok in zip(rec.fp, inside.tolist()) if ok)
    else:
        idx = sampling.unravel(pos, rec.shape)
        want = rec.fp
    got = lt[idx]
    if got.is_complex():
        return None
    got = tuple(got.to(device="cpu", dtype=torch.float64).tolist())
    probe = Record(rec.module_type, rec.local_name, rec.kind, fp=want, fp_dtype=rec.fp_dtype)
    if _same_values(probe, got, tensor.dtype):
        return rec.state, rec.detail
    try:
        v = lt._version
    except Exception:
        v = 0
    if v > 0:
        return WRITTEN, "replaced after construction by different values"
    return None


def _flat_compare(rec: Record, values, start: int, shape: tuple) -> bool | None:
    """Do the recorded fingerprint values that fall into ``values`` (elements ``start ..`` of the flattened tensor of
    ``shape``) equal those elements? None when nothing can be compared."""
    if not rec.finalized or rec.state in (META, LAZY) or rec.fp is None or rec.shape is None:
        return None
    if tuple(rec.shape) != tuple(shape) or values.is_meta or values.is_complex():
        return None
    n = 1
    for d in shape:
        n *= int(d)
    m = int(values.numel())
    if m == 0 or len(rec.fp) != min(n, sampling.FINGERPRINT_SIZE):
        return None
    pos = sampling.positions(n, sampling.FINGERPRINT_SIZE) if n > sampling.FINGERPRINT_SIZE else torch.arange(n)
    inside = (pos >= start) & (pos < start + m)
    if not bool(inside.any()):
        return None
    idx = pos[inside] - start
    if values.device.type != "cpu":
        idx = idx.to(values.device)
    got = tuple(values.reshape(-1)[idx].to(device="cpu", dtype=torch.float64).tolist())
    want = tuple(x for x, ok in zip(rec.fp, inside.tolist()) if ok)
    probe = Record(rec.module_type, rec.local_name, rec.kind, fp=want, fp_dtype=rec.fp_dtype)
    return _same_values(probe, got, values.dtype)


def follow_flat(records, values, start: int, shape: tuple) -> tuple[str, str] | None:
    """Provenance of a flat piece of a recorded tensor: FSDP1 keeps each original parameter as a 1-D run of its
    ``FlatParameter``, and a rank holds ``values`` = elements ``start ..`` of the flattened original of ``shape``.

    ``records`` are the candidate records, this rank's own first, then those other ranks recorded for the same
    parameter (rank order). The first record whose fingerprint values inside the piece equal the piece's values
    gives the state: a copy keeps its provenance, also a copy of *another* rank's values (``sync_module_states``
    broadcasts rank 0's values: rank 0's record holds). When only different values are found: ``("written", ...)``
    (replaced after construction by other values); None when no record has a fingerprint position inside the piece
    (statistics decide). Reads a few elements, never writes.
    """
    differ = False
    for rec in records:
        if rec is None:
            continue
        same = _flat_compare(rec, values, start, shape)
        if same:
            return rec.state, rec.detail
        differ = differ or same is False
    if differ:
        return WRITTEN, "replaced after construction by different values"
    return None

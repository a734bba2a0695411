"""Rank-consistency and sharded-tensor checks over ``torch.distributed``.

:func:`distributed_check` is called by :func:`initguard.check` (and therefore by
:func:`initguard.assert_initialized`) when a process group is initialized with world size > 1 and
``ranks`` is not ``False``.  It adds two things to the single-process verdicts:

* **Replicated tensors must be bit-identical on every rank.**  Each rank computes, for every
  replicated parameter/buffer, a checksum of the tensor's *bit pattern* (so NaN payloads, ``-0.0``
  and denormals compare deterministically): the element count, the wrap-around sum of the bits and
  a position-weighted wrap-around sum.  The checksums of the whole model are stacked into **one**
  tensor and exchanged with **one** ``all_gather_into_tensor``; the result is read back with one
  ``.cpu()``.  Replicas seeded differently, or initialised after wrapping on some ranks only, are
  named together with the ranks that disagree.
* **Sharded tensors** (``DTensor`` with a ``Shard`` placement, FSDP2 ``fully_shard``, FSDP1 flat
  parameters) are judged from each rank's local shard; the per-tensor verdict codes travel in the
  same collective, so every rank knows which ranks flagged which tensor and returns (and raises)
  the same report.

Protocol, all through ``torch.distributed`` collectives on the given group:

1. **Fast path, always:** one fixed-size ``all_reduce(MAX)`` of a few int64 fields -- magic, hash of
   the tensor-name/dtype list, tensor count, record width, "some local problem", "problem outside the
   checked tensors", hash of the sharded flags, and two 64-bit fingerprints (distinct odd weights) of
   every replicated tensor's checksum -- each sent together with its bitwise complement, so the one
   reduction yields both the maximum and the minimum over ranks.  Its size does not depend on the
   model, so ranks with different parameter sets cannot deadlock on it.  All host-to-device copies
   happen before the first checksum kernel is queued and the result is read with one ``.cpu()``:
   **one collective and one host synchronisation in total** (plus :func:`peer_records`' one object gather,
   before the verdicts, for a model holding FSDP1 FlatParameters) when every rank agrees and no rank has a
   problem, on any backend (gloo, NCCL, or both).
2. **Slow path, only when a field differs between ranks or some rank has a problem** (the decision is
   taken identically on every rank from the reduced fields): a 4-integer header gather (different
   tensor sets are named from one ``all_gather_object`` of the names), one ``all_gather_into_tensor``
   of the per-tensor records (to name the tensors and the ranks that disagree), and one
   ``all_gather_object`` of the local problems, so that the merged messages are identical on all ranks.

The check is read-only: it takes ``detach()``-ed views, reinterprets their bits with ``view(dtype)``,
reduces them as row and column sums of a ``(n // BLOCK, BLOCK)`` view (numpy on CPU, in place; on
accelerators in steps of ``ROWS`` rows, so temporaries stay bounded), never writes a parameter, never
bumps ``_version`` and never creates gradients.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from typing import Any, Iterable, Sequence

import torch
import torch.distributed as dist

from initguard import checksums
from initguard.checksums import BLOCK, checksum_cpu, checksum_device, int_view, weights
from initguard.fixes import FIX_RANK_TENSOR_SETS, FIX_RANKS_DIFFER
from initguard.report import DEFAULT, DEFAULT_LIKE, INCONSISTENT, NOT_EXAMINED, TOO_SMALL, UNINITIALIZED, Problem
from initguard.tensors import is_dtensor, is_zero3, local_data

__all__ = ["distributed_check", "local_records", "peer_records", "BLOCK"]

# the checksum helpers moved to initguard.checksums; these names keep older imports working
_int_view, _checksum_cpu, _checksum_device, _local = int_view, checksum_cpu, checksum_device, local_data

_MAGIC = 0x1A17C4EC
_WIDTH = 5  # numel, bit-sum, position-weighted bit-sum, verdict code, sharded flag
# odd multipliers of the two whole-model fingerprints of the fast path
_SALT_FP1 = 0x369DEA0F31A53F85
_SALT_FP2 = 0xD6E8FEB86659FD93 - (1 << 64)

_CODES = {None: 0, DEFAULT: 1, UNINITIALIZED: 2}
_OTHER_CODE = 3
_SEVERITY = {UNINITIALIZED: 3, INCONSISTENT: 2, DEFAULT: 1}
# which rank's entry of a sharded tensor the merged report keeps (lower first): a verdict on values beats "too
# small to judge" (a rank that holds only a few of them), which beats "not examined" (a rank that holds none)
_ENTRY_RANK = {TOO_SMALL: 1, DEFAULT_LIKE: 1, NOT_EXAMINED: 2}

_MISMATCH_FIX, _SET_FIX = FIX_RANKS_DIFFER, FIX_RANK_TENSOR_SETS


# --------------------------------------------------------------------------------------------- helpers
def _is_sharded(t: torch.Tensor, world_size: int, fsdp1: bool) -> bool:
    """True when ``t``'s local data legitimately differs between ranks of the checked group."""
    if is_dtensor(t):
        from torch.distributed.tensor import Replicate

        if not all(isinstance(p, Replicate) for p in t.placements):
            return True
        # A replicated DTensor on a sub-mesh is only replicated within that sub-mesh.
        return t.device_mesh.size() != world_size
    if getattr(t, "_is_flat_param", False) or type(t).__name__ == "FlatParameter" or is_zero3(t):
        return True
    return fsdp1


def _name_hash(names: Sequence[str], tensors: Sequence[torch.Tensor]) -> int:
    h = hashlib.blake2b(digest_size=8)
    for name, t in zip(names, tensors):
        h.update(f"{name}|{t.dtype}\n".encode())
    return int.from_bytes(h.digest(), "little", signed=True)


def _comm_device(group: Any, tensors: Sequence[torch.Tensor]) -> torch.device:
    """Device on which the collective runs: CUDA for NCCL groups, CPU otherwise."""
    try:
        backend = str(dist.get_backend(group)).lower()
    except Exception:
        backend = ""
    if "nccl" in backend and torch.cuda.is_available():
        for t in tensors:
            if t.device.type == "cuda":
                return t.device
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def local_records(
    tensors: Sequence[torch.Tensor], codes: Sequence[int], sharded: Sequence[bool], device: torch.device
) -> torch.Tensor:
    """Stack one record per tensor into a single flat int64 tensor on ``device``.

    A record is ``[numel, bit_sum, weighted_bit_sum, verdict_code, sharded]`` of the tensor's local
    data.  CPU tensors are reduced with numpy; tensors on an accelerator are reduced there as 0-d
    tensors and never read back: every host-to-device copy happens *before* the first checksum kernel
    is queued, so building the records performs no host synchronisation.  Meta and empty tensors get
    zero checksums.
    """
    n = len(tensors)
    host = torch.zeros((n, _WIDTH), dtype=torch.int64)
    on_device: list[tuple[int, torch.Tensor]] = []
    with torch.no_grad():
        for i, t in enumerate(tensors):
            local = local_data(t)
            host[i, 0] = local.numel()
            host[i, 3] = int(codes[i])
            host[i, 4] = int(bool(sharded[i]))
            if local.device.type == "meta" or local.numel() == 0:
                continue
            flat = int_view(local)
            if flat.device.type == "cpu" and checksums.NUMPY_ON_CPU:
                host[i, 1], host[i, 2] = checksum_cpu(flat)
            else:
                on_device.append((i, flat))
        out = host.to(device)
        if not on_device:
            return out.reshape(-1)
        idx = torch.tensor([i for i, _ in on_device], dtype=torch.int64).to(device)
        # From here on: kernels only, no host<->device copies.
        sums = [checksum_device(flat) for _, flat in on_device]
        s1 = torch.stack([a.to(device, non_blocking=True) for a, _ in sums])
        s2 = torch.stack([b.to(device, non_blocking=True) for _, b in sums])
        out[idx, 1] = s1
        out[idx, 2] = s2
    return out.reshape(-1)


def _flags_hash(flags: Sequence[bool]) -> int:
    """A signed 64-bit hash of the per-tensor "sharded" flags (ranks must agree on what is sharded)."""
    h = hashlib.blake2b(bytes(bool(f) for f in flags), digest_size=8)
    return int.from_bytes(h.digest(), "little", signed=True)


def _fingerprints(records: torch.Tensor) -> torch.Tensor:
    """Two independent 64-bit fingerprints of the replicated tensors' checksums, on their device.

    ``records`` is the ``(n, WIDTH)`` output of :func:`local_records`.  Each fingerprint is a
    wrap-around weighted sum of every replicated tensor's ``(numel, bit_sum, weighted_bit_sum)`` with
    distinct odd weights per (tensor, field), so any tensor whose checksum differs on some rank changes
    it; sharded rows are left out (their local data differs by design).  Kernels only: no host sync.
    """
    n = records.shape[0]
    if n == 0:
        return torch.zeros(2, dtype=torch.int64, device=records.device)
    vals = records[:, :3]
    keep = (records[:, 4] == 0).to(torch.int64).unsqueeze(1)
    out = []
    for salt in (_SALT_FP1, _SALT_FP2):
        w = weights(3 * n, salt, "torch", records.device).view(n, 3)
        out.append((vals * w * keep).sum())
    return torch.stack(out)


def _all_gather(local: torch.Tensor, world: int, group: Any) -> torch.Tensor:
    out = torch.empty(world * local.numel(), dtype=local.dtype, device=local.device)
    dist.all_gather_into_tensor(out, local.contiguous(), group=group)
    return out.reshape(world, -1)


# ------------------------------------------------------------------------------------- report helpers
def _problem_class(report: Any) -> type:
    """The class of the report's problems (initguard's :class:`~initguard.report.Problem` unless a caller built the
    report from its own problem type)."""
    probs = list(getattr(report, "problems", []) or [])
    return type(probs[0]) if probs else Problem


def _problem_to_dict(p: Any) -> dict:
    if hasattr(p, "to_dict"):
        return dict(p.to_dict())
    d = dataclasses.asdict(p) if dataclasses.is_dataclass(p) else dict(vars(p))
    for k, v in list(d.items()):
        if isinstance(v, torch.Size):
            d[k] = list(v)
        elif isinstance(v, torch.dtype):
            d[k] = str(v)
    return d


def _make_problem(cls: type, **values: Any) -> Any:
    """Build a ``Problem`` from the fields its class actually declares (unknown keys dropped)."""
    if hasattr(cls, "from_dict"):
        return cls.from_dict(values)
    names = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set(values)
    return cls(**{k: v for k, v in values.items() if k in names})


def _with_problems(report: Any, problems: list) -> Any:
    new = copy.copy(report)
    try:
        new.problems = problems
    except (AttributeError, dataclasses.FrozenInstanceError):
        new = dataclasses.replace(report, problems=problems)
    return new


def _fmt_ranks(ranks: Iterable[int]) -> str:
    ranks = sorted(ranks)
    if len(ranks) == 1:
        return f"rank {ranks[0]}"
    return "ranks " + ", ".join(str(r) for r in ranks)


def _owner_types(model: torch.nn.Module | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if model is None:
        return out
    for mname, mod in model.named_modules(remove_duplicate=False):
        out[mname] = type(mod).__name__
    return out


def _module_type(owners: dict[str, str], name: str) -> str | None:
    return owners.get(name.rpartition(".")[0])


# ------------------------------------------------------------------------------- FSDP1 provenance
def peer_records(records: dict, group: Any = None) -> dict:
    """Every other rank's provenance records of FSDP1 original parameters: ``{name: [Record, ...]}`` (rank order).

    ``records`` maps an original parameter's name to this rank's finalized :class:`~initguard.provenance.Record`.
    FSDP1 flattens and shards the parameters after construction, and ``sync_module_states`` gives every rank rank
    0's values: a rank then holds segments of tensors whose construction *another* rank recorded. One
    ``all_gather_object`` of the records' plain fields (state, detail, fingerprint, dtype, shape); every rank of
    ``group`` must call this. Returns ``{}`` without a process group of more than one rank.
    """
    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size(group) <= 1:
        return {}
    mine = {name: (r.module_type, r.local_name, r.kind, str(r.state), r.detail, tuple(r.fp),
                   str(r.fp_dtype).replace("torch.", ""), tuple(r.shape))
            for name, r in records.items() if r is not None and r.finalized and r.fp is not None and r.shape}
    world = dist.get_world_size(group)
    gathered: list[Any] = [None] * world
    dist.all_gather_object(gathered, mine, group=group)
    me = dist.get_rank(group)
    from initguard.provenance import Record, State

    out: dict = {}
    for r, theirs in enumerate(gathered):
        if r == me or not theirs:
            continue
        for name, (mt, ln, kind, state, detail, fp, dt, shape) in theirs.items():
            dtype = getattr(torch, dt, None)
            out.setdefault(name, []).append(Record(mt, ln, kind, state=State(state), detail=detail, fp=tuple(fp),
                                                   fp_dtype=dtype if isinstance(dtype, torch.dtype) else None,
                                                   shape=tuple(shape)))
    return out


# ------------------------------------------------------------------------------------------ the check
def distributed_check(
    model: torch.nn.Module | None,
    report: Any,
    named_tensors: Sequence[tuple[str, torch.Tensor]],
    *,
    group: Any = None,
    sharded: Iterable[str] = (),
) -> Any:
    """Combine this rank's report with every other rank's and check replicas for identical values.

    Args:
        model: the checked module (used for owner-module names in messages and to detect FSDP1).
        report: this rank's :class:`initguard.report.Report` from the single-process verdicts
            (sharded tensors judged on their local shard).
        named_tensors: the ``(name, tensor)`` pairs the check examined, tied weights deduplicated.
            DTensors are passed as DTensors (their local shard is read with ``to_local()``).
        group: the process group (default: the world).  Every rank of the group must call this.
        sharded: names of further tensors whose local data differs between ranks by design (FSDP1
            FlatParameter segments, which are plain views).

    Returns:
        A report that is identical on every rank: the union of all ranks' problems (each reason
        naming the ranks that reported it) plus one problem per replicated tensor whose values
        differ across ranks (naming the ranks that disagree), or one problem when the ranks hold
        different tensor sets.  Returns ``report`` unchanged when no process group is initialized or
        the group has a single rank.

    Cost: one fixed-size ``all_reduce`` for the whole model and one host synchronisation after the
    checksums are queued.  Only when something is wrong: a header gather, a record gather and an
    object gather, to name the tensors and the ranks.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return report
    world = dist.get_world_size(group)
    if world <= 1:
        return report
    items = sorted(((str(n), t) for n, t in named_tensors), key=lambda nt: nt[0])
    names = [n for n, _ in items]
    tensors = [t for _, t in items]
    fsdp1 = model is not None and any(
        type(m).__name__ == "FullyShardedDataParallel" for m in model.modules()
    )
    by_design = set(sharded)
    sharded = [n in by_design or _is_sharded(t, world, fsdp1) for n, t in zip(names, tensors)]

    local_problems = list(getattr(report, "problems", []) or [])
    by_name: dict[str, Any] = {}
    for p in local_problems:
        by_name.setdefault(getattr(p, "name", None), p)
    codes = []
    for n in names:
        p = by_name.get(n)
        codes.append(0 if p is None else _CODES.get(getattr(p, "verdict", None), _OTHER_CODE))
    # Problems about tensors outside ``named_tensors`` (rare) ride on a trailing flag record.
    name_set = set(names)
    extra = int(any(getattr(p, "name", None) not in name_set for p in local_problems))

    device = _comm_device(group, tensors)
    # tensors this rank could not examine (an empty shard/partition): another rank may have; merge the entries
    unseen = int(any(getattr(e, "verdict", "") == NOT_EXAMINED for e in getattr(report, "entries", []) or []))

    # Fast path: ONE fixed-size all_reduce(MAX) and ONE host synchronisation for the whole model.
    # Every field travels as itself and as its bitwise complement, so MAX yields both the maximum
    # and (complemented back) the minimum over ranks: a field agrees on all ranks iff they are equal.
    summary = torch.tensor(
        [_MAGIC, _name_hash(names, tensors), len(names), _WIDTH,
         int(any(codes)), extra, _flags_hash(sharded), unseen],
        dtype=torch.int64,
    ).to(device)  # uploaded before any checksum kernel is queued
    records = local_records(tensors, codes, sharded, device)
    fields = torch.cat([summary, _fingerprints(records.view(-1, _WIDTH))])
    both = torch.cat([fields, torch.bitwise_not(fields)])
    dist.all_reduce(both, op=dist.ReduceOp.MAX, group=group)
    reduced = both.cpu().tolist()  # the one host synchronisation
    nf = fields.numel()
    high, low = reduced[:nf], [~v for v in reduced[nf:]]
    if high == low and high[4] == 0 and high[5] == 0 and high[7] == 0:
        return report  # every rank: same tensor set, same replicated values, no local problem

    # Slow path (something is wrong; decided identically on every rank from the reduced fields):
    # exchange the header and the per-tensor records to name the tensors and the ranks.
    headers = _all_gather(summary[:4], world, group).cpu()  # magic, name hash, count, width
    if not bool((headers == headers[0]).all()):
        return _set_mismatch(model, report, names, headers, world, group)
    tail = torch.tensor([0, 0, 0, extra, 1], dtype=torch.int64).to(device)
    payload = torch.cat([records, tail])
    gathered = _all_gather(payload, world, group).cpu().reshape(world, len(names) + 1, _WIDTH)

    owners = _owner_types(model)
    mismatches: list[dict] = []
    for i, name in enumerate(names):
        col = gathered[:, i, :]
        if bool(col[:, 4].any()):
            continue  # sharded: local data differs by design; only the verdict codes count
        groups: dict[tuple[int, ...], list[int]] = {}
        for r in range(world):
            groups.setdefault(tuple(int(v) for v in col[r, :3]), []).append(r)
        if len(groups) > 1:
            mismatches.append(_mismatch_fields(name, tensors[i], list(groups.values()), col, owners))
    flagged = bool(mismatches) or bool((gathered[:, :, 3] != 0).any())
    if not flagged and not high[7]:
        return report  # decided identically on every rank: nothing to merge
    sharded_names = {n for i, n in enumerate(names) if bool(gathered[:, i, 4].any())}
    return _merge(report, local_problems, mismatches, world, group, sharded_names)


def _mismatch_fields(
    name: str, t: torch.Tensor, groups: list[list[int]], col: torch.Tensor, owners: dict[str, str]
) -> dict:
    groups = sorted(groups, key=lambda g: (-len(g), g[0]))
    if len(groups) == 2 and len(groups[0]) == len(groups[1]) == 1:
        who = f"{_fmt_ranks(groups[0])} and {_fmt_ranks(groups[1])} hold different values"
    else:
        majority, rest = groups[0], sorted(r for g in groups[1:] for r in g)
        verb = "differs" if len(rest) == 1 else "differ"
        who = f"{_fmt_ranks(rest)} {verb} from {_fmt_ranks(majority)}"
    numels = sorted({int(col[r, 0]) for g in groups for r in g})
    detail = "" if len(numels) == 1 else f" (element counts per rank differ: {numels})"
    reason = (
        f"not identical across ranks: {who}{detail}; ranks with equal values: "
        + " | ".join("[" + ", ".join(map(str, g)) + "]" for g in groups)
    )
    return dict(
        name=name,
        verdict=INCONSISTENT,
        reason=reason,
        shape=list(t.shape),
        dtype=str(t.dtype).replace("torch.", ""),
        module_type=_module_type(owners, name) or "",
        fix=_MISMATCH_FIX,
        source="distributed",
        kind="parameter" if isinstance(t, torch.nn.Parameter) else "buffer",
    )


def _merge(
    report: Any, local_problems: list, mismatches: list[dict], world: int, group: Any, sharded: set[str]
) -> Any:
    """Gather every rank's problems (failure path only) and build the identical merged report."""
    gathered: list[Any] = [None] * world
    local_entries = list(getattr(report, "entries", []) or [])
    mine = ([_problem_to_dict(p) for p in local_problems], [_problem_to_dict(e) for e in local_entries])
    dist.all_gather_object(gathered, mine, group=group)
    cls = _problem_class(report)

    per_name: dict[str, list[tuple[int, dict]]] = {}
    for r, (plist, _) in enumerate(gathered):
        for d in plist or []:
            per_name.setdefault(str(d.get("name")), []).append((r, d))

    extra_reason = {m["name"]: m["reason"] for m in mismatches if m["name"] in per_name}
    merged: list[Any] = []
    for name in sorted(per_name):
        entries = sorted(per_name[name], key=lambda e: (-_SEVERITY.get(e[1].get("verdict"), 0), e[0]))
        base = dict(entries[0][1])
        ranks = sorted({r for r, _ in entries})
        reasons: dict[str, list[int]] = {}
        for r, d in entries:
            reasons.setdefault(str(d.get("reason")), []).append(r)
        where = "local shard on " if name in sharded else "on "
        if len(reasons) == 1:
            base["reason"] = f"{next(iter(reasons))} ({where}{_fmt_ranks(ranks)} of {world})"
        else:
            base["reason"] = "; ".join(f"{_fmt_ranks(rs)}: {why}" for why, rs in reasons.items())
        if name in extra_reason:  # the differing values are explained by this problem: one row
            base["reason"] += f"; values also {extra_reason[name]}"
        merged.append(_make_problem(cls, **base))
    merged.extend(_make_problem(cls, **m) for m in mismatches if m["name"] not in extra_reason)
    new = _with_problems(report, merged)
    if local_entries:
        # Entries (one per examined tensor) differ per rank for sharded tensors (an empty shard is
        # skipped); take the union in rank order so the summary line is identical on every rank.
        ecls = type(local_entries[0])
        seen: set[str] = set()
        entries = []
        index: dict[str, int] = {}
        for _, elist in gathered:
            for d in elist or []:
                name = d.get("name")
                if name not in seen:
                    seen.add(name)
                    index[name] = len(entries)
                    entries.append(_make_problem(ecls, **d))
                elif _ENTRY_RANK.get(d.get("verdict"), 0) < _ENTRY_RANK.get(entries[index[name]].verdict, 0):
                    # another rank examined its shard (or judged it on enough values): the better-founded entry
                    entries[index[name]] = _make_problem(ecls, **d)
        verdict_of = {getattr(p, "name", None): getattr(p, "verdict", None) for p in merged}
        for e in entries:
            if e.name in verdict_of and verdict_of[e.name]:
                e.verdict = verdict_of[e.name]  # a problem any rank found is the tensor's verdict
        new.entries = entries
        new.too_small = [e.name for e in entries if e.verdict == TOO_SMALL]
        new.default_like = [e.name for e in entries if e.verdict == DEFAULT_LIKE]
        examined = {e.name for e in entries if getattr(e, "verdict", "") != NOT_EXAMINED}
        new.notes = [n for n in getattr(report, "notes", []) if n.split(": not examined (")[0] not in examined
                     or ": not examined (" not in n]
    _add_note(new, f"checked across {world} ranks; problems merged from every rank")
    return new


def _add_note(report: Any, note: str) -> None:
    notes = getattr(report, "notes", None)
    if isinstance(notes, list):
        report.notes = notes + [note]


def _set_mismatch(
    model: Any, report: Any, names: list[str], headers: torch.Tensor, world: int, group: Any
) -> Any:
    """Ranks hold different tensor sets: name the differing tensors (one object gather, failure only)."""
    all_names: list[Any] = [None] * world
    dist.all_gather_object(all_names, names, group=group)
    sets = [set(n) for n in all_names]
    union = set().union(*sets)
    lines = []
    for n in sorted(union):
        have = [r for r in range(world) if n in sets[r]]
        if len(have) != world:
            lines.append(f"{n} (only on {_fmt_ranks(have)})")
    counts = ", ".join(f"rank {r}: {int(headers[r, 2])}" for r in range(world))
    what = "; ".join(lines[:20]) + (f"; ... {len(lines) - 20} more" if len(lines) > 20 else "")
    if not lines:
        what = "same names but different dtypes"
    cls = _problem_class(report)
    problem = _make_problem(
        cls,
        name="<tensor set>",
        verdict=INCONSISTENT,
        reason=f"ranks hold different parameter/buffer sets (tensor counts {counts}): {what}",
        shape=[],
        dtype="",
        module_type=type(model).__name__ if model is not None else "",
        fix=_SET_FIX,
        source="distributed",
    )
    new = _with_problems(report, [problem] + list(getattr(report, "problems", []) or []))
    _add_note(
        new, f"checked across {world} ranks; per-tensor rank comparison skipped (different tensor sets)"
    )
    return new

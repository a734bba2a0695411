"""One verdict per tensor, from provenance (``track()``) when known and statistics otherwise.

Order of evidence for a tensor:

1. structure: meta device or lazy ``UninitializedParameter`` -> uninitialized;
2. garbage statistics (always): NaN/Inf, |x| > 1e3, denormal-like values, an all-zero >=2-D weight ->
uninitialized;
3. provenance, when ``track()`` saw the tensor built and it was not replaced since: never written (or only
partly)
   -> uninitialized; written only by a ``torch.nn`` constructor -> default (constants of norm layers only with
   ``strict``); written by user code, created with values, or changed after construction -> initialized;
4. otherwise statistics: values that match the owning module's PyTorch default exactly, on at least
   ``pytorch_defaults.MIN_DEFAULT_N`` values -> default; fewer values that fit it -> too-small (listed, never failed).

Then, over the whole model (:func:`model_default_rule`): statistical "default" and "entirely zero" verdicts fail
only when most judged weight tensors look so (the skipped-init signature); otherwise they are notes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from initguard import fixes, provenance, pytorch_defaults, statistical_verdict
from initguard.report import DEFAULT, DEFAULT_LIKE, TOO_SMALL, UNINITIALIZED, Entry, Problem, Verdict


@dataclass
class Judged:
    """Verdict for one tensor: the problem (or None), the report entry, and whether provenance decided."""

    problem: Problem | None
    entry: Entry | None
    tracked: bool
    # values fit PyTorch's default but are too few to judge (statistics only): listed, never failed
    too_small: bool = False
    # counts for the model-level default rule: a non-constant PyTorch default is known and >= MIN_DEFAULT_N
    # values
    eligible: bool = False
    # statistics found the tensor entirely zero (no NaN/huge/denormal): a skipped init, or zeros by design
    zero: bool = False


_fix_for_state = fixes.fix_for_state


def judge(
    name: str, tensor, module, local_name: str, *, kind: str = "parameter", strict: bool = False,
    mode: str = "sample", full_shape: tuple | None = None, use_provenance: bool = True, expected=None,
    flat_start: int | None = None, peer_records=(),
) -> Judged:
    """Judge one tensor of ``module`` (registered as ``module.<local_name>``, full name ``name``).

    ``full_shape`` with ``flat_start``: ``tensor`` is a 1-D piece (elements ``flat_start ..``) of the flattened
    parameter of that shape (an FSDP1 FlatParameter segment); provenance follows the piece from this rank's record
    or one of ``peer_records`` (other ranks' records of the same parameter). Read-only."""
    module_type = type(module).__name__
    shape = _shape(tensor) if full_shape is None else tuple(full_shape)  # full_shape: of a ZeRO-3 partition
    is_torch_module = type(module).__module__.startswith("torch.nn")
    exp = expected  # given for a ZeRO-3 partition, whose module's weight is empty here
    if kind == "parameter" and exp is None:
        try:
            exp = pytorch_defaults.module_expectation(module, local_name, shape)
        except Exception:
            exp = None
    rec, same = provenance.lookup(module, local_name, tensor) if use_provenance else (None, False)
    state, detail = None, ""
    if flat_start is not None:  # an FSDP1 segment: only a fingerprint comparison can follow it
        if use_provenance:
            followed = provenance.follow_flat([rec, *peer_records], tensor, flat_start, shape)
            if followed is not None:
                state, detail = followed
    elif rec is not None and same:
        state, detail = provenance.current_state(rec, tensor)
    elif rec is not None and (followed := provenance.follow(rec, tensor)) is not None:
        state, detail = followed  # a copy of the recorded tensor (fully_shard, a cast): same provenance
    elif rec is not None:
        # replaced after construction (to_empty, load_state_dict(assign=True), framework materialisation):
        # a fresh to_empty tensor has _version 0; one that was written since (reset_parameters(), a loaded
        # checkpoint: torch.load'ed tensors have _version >= 1) is initialized. Version 0 -> statistics
        # decide.
        try:
            v = tensor._version
        except Exception:
            v = 0
        if v > 0 and not tensor.is_meta:
            state, detail = provenance.WRITTEN, "replaced after construction and written since"
    tracked = state is not None and state not in (provenance.UNKNOWN, provenance.REPLACED)

    # structural + garbage statistics (always) and, when provenance has nothing to say, the default test
    check_default = not tracked
    ex = statistical_verdict.examine(
        name, tensor, module_type=module_type, expected=[exp] if exp is not None else [], strict=strict,
        kind=kind, full=(mode == "full"), check_default=check_default,
        zero_ok=tracked and state in (provenance.USER, provenance.CREATED, provenance.WRITTEN),
    )
    if ex.skipped:
        return Judged(None, None, tracked)
    enough = _numel(tensor) >= pytorch_defaults.MIN_DEFAULT_N
    eligible = ex.eligible or (exp is not None and exp.kind != "const" and enough)
    problem = ex.problem
    if problem is not None and problem.verdict == UNINITIALIZED:
        if state in (provenance.UNWRITTEN, provenance.PARTIAL):
            problem.reason = f"{detail}; statistics agree: {_without_never_written(problem.reason)}"
            problem.source = "provenance"
        if problem.source != "structure":
            problem.fix = _fix_for_state(provenance.UNWRITTEN, name, module_type, local_name, is_torch_module)
    elif tracked and state in (provenance.UNWRITTEN, provenance.PARTIAL):
        fix = _fix_for_state(state, name, module_type, local_name, is_torch_module)
        problem = Problem(name, UNINITIALIZED, detail, shape, _dt(tensor), module_type, fix, "provenance",
                          kind, ex.std, ex.max_abs)
    elif tracked and state == provenance.DEFAULT:
        const = ex.constant is not None
        if not const or strict:
            what = "a constant " if const else ""
            why = (f"written only by {module_type}'s own constructor ({detail}): "
                   f"{what}PyTorch default never replaced")
            fix = _fix_for_state(state, name, module_type, local_name, True)
            problem = Problem(name, DEFAULT, why, shape, _dt(tensor), module_type, fix, "provenance", kind,
                              ex.std, ex.max_abs)
    if problem is not None and full_shape is not None:
        problem.shape = shape  # the statistics saw a shard / flat piece: report the tensor's own shape
    if problem is not None and kind == "buffer" and problem.source != "structure" and _non_persistent(
            module, local_name):
        problem.fix = FIX_NON_PERSISTENT
    too_small = problem is None and ex.too_small and not tracked
    band = exp.band if exp is not None else ex.band
    verdict = problem.verdict if problem is not None else (TOO_SMALL if too_small else Verdict.OK)
    entry = Entry(
        name=name, shape=shape, dtype=_dt(tensor), module_type=module_type,
        verdict=verdict, kind=kind, std=_f(ex.std),
        max_abs=_f(ex.max_abs), band_std=band[0] if band else None, band_max=band[1] if band else None,
    )
    return Judged(problem, entry, tracked, too_small, eligible, all_zero(problem, ex))


def all_zero(problem, ex) -> bool:
    """True when statistics (not provenance) called the tensor uninitialized only because it is entirely zero."""
    return (problem is not None and problem.verdict == UNINITIALIZED and problem.source == "statistics"
            and ex.constant == 0.0 and ex.max_abs == 0.0)


# the rule that judges "default" at the level of the model. Measured with scripts/guard_zoo.py over 60 Hugging Face
# architectures from tiny configs (docs/real-world.md): correct models reach at most 57 % (Mamba2 4/7, Mamba 6/11)
# of their judged weight tensors default-looking, _init_weights-skipped ones at least 82 % (ConvBERT 18/22).
MODEL_DEFAULT_SHARE = 0.7

FIX_NON_PERSISTENT = fixes.FIX_NON_PERSISTENT


def _non_persistent(module, local_name: str) -> bool:
    return local_name in getattr(module, "_non_persistent_buffers_set", ())


def _without_never_written(reason: str) -> str:
    """A statistics reason without its own 'never written' conclusion (provenance already says so)."""
    for tail in (": never written", " (garbage memory)", ": garbage memory"):
        if reason.endswith(tail):
            return reason[: -len(tail)]
    return reason


def _numel(t) -> int:
    try:
        return int(t.numel())
    except Exception:
        return 0


def model_default_rule(report, judged, *, share: float = MODEL_DEFAULT_SHARE) -> None:
    """Judge "default" (and "entirely zero") at the level of the model when statistics alone decided.

    ``judged``: ``(name, Judged)`` pairs of one check. A model whose init was skipped has nearly all of its
    weight tensors at PyTorch's default (or garbage: zeros, NaN, ...); a correct model may hold a few tensors
    whose designed init *is* a PyTorch-like distribution (T5's N(0, 1) embedding, Mamba's
    kaiming-uniform(a=sqrt(5)) projections) or zeros (Swin's relative-position bias tables). So when fewer than
    ``share`` of the eligible tensors (a known non-constant default, at least ``MIN_DEFAULT_N`` values) look
    default or uninitialized, the statistical "default" and "entirely zero" verdicts are not failures: they move
    to ``report.default_like`` and one note each. A model with no eligible tensor keeps them. NaN, huge and
    denormal values, provenance verdicts (``track()``) and strict constant defaults are evidence of their own and
    stay. Too-small tensors are listed in ``report.too_small``. Changes ``report`` in place.
    """
    for name, j in judged:
        if j.too_small:
            report.too_small.append(name)
    eligible = [(n, j) for n, j in judged if j.eligible]
    bad = [n for n, j in eligible if j.problem is not None and j.problem.verdict in (DEFAULT, UNINITIALIZED)]
    report.default_share = (len(bad), len(eligible))
    if not eligible or len(bad) >= share * len(eligible):
        return
    listed = {id(p) for p in report.problems}
    lone = [j for _, j in judged if j.problem is not None and id(j.problem) in listed
            and j.problem.source == "statistics"
            and ((j.problem.verdict == DEFAULT and j.eligible) or j.zero)]
    if not lone:
        return
    dropped = {id(j.problem) for j in lone}
    report.problems[:] = [p for p in report.problems if id(p) not in dropped]
    for j in lone:
        if j.entry is not None:
            j.entry.verdict = DEFAULT_LIKE
        report.default_like.append(j.problem.name)
    why = (f"only {len(bad)} of {len(eligible)} judged weight tensors look default or uninitialized "
           f"({len(bad) / len(eligible):.0%}, below {share:.0%}), while a model whose init was skipped has nearly "
           "all of them so: taken as the designer's choice and not failed. For a per-tensor verdict build the "
           "model under initguard.track()")
    for zero, what in ((False, "look like PyTorch's default init"), (True, "are entirely zero")):
        names = [j.problem.name for j in lone if j.zero == zero]
        if names:
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            report.notes.append(f"{len(names)} tensor(s) {what} ({shown}), but {why}")


def _shape(t) -> tuple:
    from torch.nn.parameter import UninitializedTensorMixin

    return () if isinstance(t, UninitializedTensorMixin) else tuple(t.shape)


def _dt(t) -> str:
    return str(t.dtype).replace("torch.", "")


def _f(x):
    if x is None:
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None if not isinstance(x, float) or not math.isnan(x) else x

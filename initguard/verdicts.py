"""One verdict per tensor, from provenance (``track()``) when known and statistics otherwise.

Order of evidence for a tensor:

1. structure: meta device or lazy ``UninitializedParameter`` -> uninitialized;
2. garbage statistics (always): NaN/Inf, |x| > 1e3, denormal-like values, an all-zero >=2-D weight ->
uninitialized;
3. provenance, when ``track()`` saw the tensor built and it was not replaced since: never written (or only
partly)
   -> uninitialized; written only by a ``torch.nn`` constructor -> default (constants of norm layers only with
   ``strict``); written by user code, created with values, or changed after construction -> initialized;
4. otherwise statistics: values that match the owning module's PyTorch default exactly -> default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from initguard import provenance, stats
from initguard.report import DEFAULT, UNINITIALIZED, Entry, Problem


@dataclass
class Judged:
    """Verdict for one tensor: the problem (or None), the report entry, and whether provenance decided."""

    problem: Problem | None
    entry: Entry | None
    tracked: bool


def _fix_for_state(state: str, name: str, module_type: str, local_name: str, is_torch_module: bool) -> str:
    if state == provenance.DEFAULT:
        return stats.fix_default(name, f"{module_type}'s PyTorch default init")
    if is_torch_module:
        return stats.FIX_UNINIT
    return (
        f"make your init cover it: add '{local_name}' of {module_type} to your init function "
        f"(_init_weights / reset_parameters / init_weights), or {stats.FIX_UNINIT}"
    )


def judge(
    name: str, tensor, module, local_name: str, *, kind: str = "parameter", strict: bool = False,
    mode: str = "sample", full_shape: tuple | None = None, use_provenance: bool = True, expected=None,
) -> Judged:
    """Judge one tensor of ``module`` (registered as ``module.<local_name>``, full name ``name``).
    Read-only."""
    module_type = type(module).__name__
    shape = _shape(tensor) if full_shape is None else tuple(full_shape)  # full_shape: of a ZeRO-3 partition
    is_torch_module = type(module).__module__.startswith("torch.nn")
    exp = expected  # given for a ZeRO-3 partition, whose module's weight is empty here
    if kind == "parameter" and exp is None:
        try:
            exp = stats.module_expectation(module, local_name, shape)
        except Exception:
            exp = None
    rec, same = provenance.lookup(module, local_name, tensor) if use_provenance else (None, False)
    state, detail = None, ""
    if rec is not None and same:
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
            state, detail = "written", "replaced after construction and written since"
    tracked = state is not None and state not in ("unknown", "replaced")

    # structural + garbage statistics (always) and, when provenance has nothing to say, the default test
    check_default = not tracked
    ex = stats.examine(
        name, tensor, module_type=module_type, expected=[exp] if exp is not None else [], strict=strict,
        kind=kind, full=(mode == "full"), check_default=check_default,
        zero_ok=tracked and state in (provenance.USER, provenance.CREATED, "written"),
    )
    if ex.skipped:
        return Judged(None, None, tracked)
    problem = ex.problem
    if problem is not None and problem.verdict == UNINITIALIZED:
        if state in (provenance.UNWRITTEN, provenance.PARTIAL):
            problem.reason = f"{detail}; {problem.reason}"
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
    band = exp.band if exp is not None else ex.band
    entry = Entry(
        name=name, shape=shape, dtype=_dt(tensor), module_type=module_type,
        verdict=problem.verdict if problem is not None else "ok", kind=kind, std=_f(ex.std),
        max_abs=_f(ex.max_abs), band_std=band[0] if band else None, band_max=band[1] if band else None,
    )
    return Judged(problem, entry, tracked)


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

"""The per-tensor statistical verdict: "uninitialized", "default", "too-small" or none, from values alone.

:func:`examine` applies the structural tests (meta, lazy), the garbage tests (:mod:`initguard.sample_stats`) and
the default tests (:mod:`initguard.pytorch_defaults`) to one tensor; :func:`tensor_verdict` is the reusable
public form (used by ``check`` when no provenance is known, by the checkpoint CLI and by ``initguard.testing``).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn.parameter import UninitializedTensorMixin

from initguard.fixes import FIX_LAZY, FIX_META, FIX_UNINIT, fix_default
from initguard.pytorch_defaults import MIN_DEFAULT_N, fits_default, module_expectation, shape_expectations
from initguard.report import DEFAULT, TOO_SMALL, UNINITIALIZED, Problem
from initguard.sample_stats import BUFFER_HUGE, HUGE, garbage_reason, sample_stats
from initguard.sampling import one_thread, read_sample
from initguard.tensors import local_tensor


@dataclass
class Examined:
    """Everything the statistics found about one tensor."""

    problem: Problem | None
    std: float | None = None
    max_abs: float | None = None
    band: tuple | None = None
    constant: float | None = None
    skipped: bool = False
    # fits a non-constant PyTorch default but has fewer than MIN_DEFAULT_N values: "too small to judge"
    too_small: bool = False
    # has a non-constant PyTorch default to compare with and at least MIN_DEFAULT_N values: counts for the
    # model-level default rule (initguard.verdicts.model_default_rule)
    eligible: bool = False


def type_name(module_type) -> str:
    """A module type's name from a name, a class or an instance ("" for None)."""
    if module_type is None:
        return ""
    if isinstance(module_type, str):
        return module_type
    if isinstance(module_type, type):
        return module_type.__name__
    return type(module_type).__name__


TOO_SMALL_WHY = ("only {n} values, consistent with {label}: too few to tell PyTorch's default from an init of "
                 "similar scale (a verdict needs {need}); not failed")


def structural_problem(name: str, t, module_type: str = "", kind: str = "parameter") -> Problem | None:
    """Meta-device and lazy (``UninitializedParameter``) tensors: uninitialized without looking at values."""
    if not isinstance(t, UninitializedTensorMixin) and not t.is_meta and type(t).__name__ != "DTensor":
        return None
    shape = tuple(getattr(t, "shape", ())) if not isinstance(t, UninitializedTensorMixin) else ()
    dtype = str(t.dtype).replace("torch.", "")
    if isinstance(t, UninitializedTensorMixin):
        what = "UninitializedBuffer" if kind == "buffer" else "UninitializedParameter"
        return Problem(name, UNINITIALIZED, f"lazy {what}: never materialized", shape, dtype, module_type,
                       FIX_LAZY, "structure", kind)
    lt = local_tensor(t)
    if lt.is_meta:
        return Problem(name, UNINITIALIZED, "on the meta device: holds no data", shape, dtype, module_type,
                       FIX_META, "structure", kind)
    return None


def examine(
    name: str, t: torch.Tensor, *, module_type="", expected=(), strict: bool = False, kind: str = "parameter",
    full: bool = False, check_default: bool = True, zero_ok: bool = False,
) -> Examined:
    """Statistical verdict plus the numbers a report shows (std, max |x|, default band).

    ``expected`` is a list of :class:`Expected` candidates (PyTorch defaults for this tensor); a sample that matches
    one gives the ``default`` verdict (constant defaults only when ``strict``). ``zero_ok``: an all-zero >=2-D weight
    is fine (provenance saw your code write it, e.g. a zero-initialized LoRA B or output projection).
    """
    mt = type_name(module_type)
    sp = structural_problem(name, t, mt, kind)
    if sp is not None:
        return Examined(sp)
    if not (t.is_floating_point()):
        return Examined(None, skipped=True)
    lt = local_tensor(t)
    s = read_sample(lt)
    if s is None:
        return Examined(None, skipped=True)
    st = sample_stats(s, t.dtype, HUGE if kind == "parameter" else BUFFER_HUGE)
    shape = tuple(t.shape)
    dtype = str(t.dtype).replace("torch.", "")
    reason, mabs = garbage_reason(lt, st, kind=kind, full=full, local_shape=tuple(lt.shape), zero_ok=zero_ok)
    max_abs = st.max_abs if mabs is None else mabs
    band = expected[0].band if expected else None
    eligible = st.n >= MIN_DEFAULT_N and any(e.kind != "const" for e in expected)
    if reason is not None:
        fix = FIX_UNINIT
        p = Problem(name, UNINITIALIZED, reason, shape, dtype, mt, fix, "statistics", kind, st.std, max_abs)
        return Examined(p, st.std, max_abs, band, st.constant, eligible=eligible)
    too_small = False
    if check_default:
        for exp in expected:
            if exp.kind == "const" and not strict:
                continue
            if not fits_default(s, st, exp, t.dtype):
                continue
            if exp.kind != "const" and st.n < MIN_DEFAULT_N:
                too_small = True  # fits, but too few values to say it *is* the default
                continue
            if exp.kind == "const":
                why = f"every sampled value is {st.constant:g}: {exp.label} (strict)"
            else:
                why = (f"values match {exp.label}, {exp.kind} scale {exp.scale:.4g} "
                       f"(support, range and KS tests on {st.n} values)")
            return Examined(Problem(name, DEFAULT, why, shape, dtype, mt, fix_default(name, exp.label),
                                    "statistics", kind, st.std, max_abs), st.std, max_abs, exp.band,
                            st.constant, eligible=eligible)
    return Examined(None, st.std, max_abs, band, st.constant, too_small=too_small, eligible=eligible)


def tensor_verdict(
    name: str, tensor: torch.Tensor, module_type=None, fan_in: int | None = None, strict: bool = False, *,
    module=None, kind: str = "parameter", full: bool = False,
) -> Problem | None:
    """The statistical verdict for one tensor: a :class:`Problem` or None (looks initialized).

    ``module`` (the owning nn.Module) gives the exact PyTorch default; else ``fan_in`` gives U(+-1/sqrt(fan_in));
    else the shape is used (``fan_in = size(1)*prod(size(2:))``, plus N(0,1) for 2-D). Buffers (``kind="buffer"``)
    get only the garbage tests. Read-only; with ``full=True`` one extra ``aminmax`` pass over the tensor. Values that
    fit the default but are fewer than ``MIN_DEFAULT_N`` give a Problem whose verdict is ``"too-small"`` (too small
    to judge: not a failure, and not a claim that the tensor is initialized).
    """
    local = name.rsplit(".", 1)[-1]
    if module is not None:  # the registered name of this tensor in its module, when it is registered there
        local = next((k for k, v in module._parameters.items() if v is tensor), local)
    exps = _expectations_for(tensor, module=module, local_name=local, fan_in=fan_in, kind=kind)
    with one_thread():
        ex = examine(name, tensor, module_type=module_type if module_type is not None else module,
                     expected=exps, strict=strict, kind=kind, full=full)
    if ex.problem is None and ex.too_small:
        return too_small_problem(name, tensor, type_name(module_type if module_type is not None else module),
                                 exps, kind, ex)
    return ex.problem


def too_small_problem(name: str, tensor, module_type: str, expected, kind: str, ex: Examined) -> Problem:
    """The ``too-small`` verdict: values that fit PyTorch's default, but too few of them to say so."""
    label = next((e.label for e in expected if e.kind != "const"), "PyTorch's default")
    why = TOO_SMALL_WHY.format(n=tensor.numel(), label=label, need=MIN_DEFAULT_N)
    return Problem(name, TOO_SMALL, why, tuple(tensor.shape), str(tensor.dtype).replace("torch.", ""),
                   module_type, "", "statistics", kind, ex.std, ex.max_abs)


def _expectations_for(tensor, *, module=None, local_name="", fan_in=None, kind="parameter") -> list:
    if kind != "parameter":
        return []
    if module is not None:
        e = module_expectation(module, local_name, tuple(tensor.shape))
        return [e] if e is not None else []
    if fan_in is not None:
        return shape_expectations(tuple(tensor.shape), fan_in=fan_in)
    return shape_expectations(tuple(tensor.shape)) if tensor.dim() >= 2 else []

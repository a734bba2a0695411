"""Initialization test helpers for model authors.

Two assertions that belong in a model's own test-suite (also available as pytest fixtures through
the ``initguard`` pytest plugin, see :mod:`initguard.pytest_plugin`):

* :func:`assert_init_complete` — does the model's init function write *every* parameter and buffer
  when the model is built on the meta device and materialised with ``to_empty``?  A tensor set only
  in ``__init__`` (``nn.Parameter(torch.ones(n))``, a RoPE cache buffer...) is silently garbage on the
  deferred path.  The helper poisons every tensor with a sentinel before running the init function,
  so the result is deterministic: it never depends on what the allocator happened to return.
* :func:`assert_init_parity` — does the deferred path (meta / empty + init) produce the same
  per-parameter distributions as eager construction?  Shape, mean, std and a two-sample
  Kolmogorov–Smirnov test per parameter.

Both raise ``AssertionError`` with one line per offending tensor: name, shape, owner module type,
what is wrong, and how to fix it.
"""

from __future__ import annotations

import contextlib
import math
import random
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch
from torch import nn

from initguard import fixes
from initguard.tensors import allowed as _allowed
from initguard.tensors import named_tensors as _named_tensors

__all__ = [
    "assert_init_complete",
    "assert_init_parity",
    "find_unwritten",
    "deferred_model",
    "UnwrittenTensor",
    "ParityMismatch",
]

Build = Callable[[], nn.Module]
Init = Callable[[nn.Module], Any]

# Second poison value: finite, unusual, exactly representable in every float dtype incl. fp16/bf16.
_FLOAT_SENTINEL = -25.125
# Integer sentinels: two different values per run (detect "never written" by equality with both).
_INT_SENTINELS = (-0x5A, 0x3C)


# ------------------------------------------------------------------------------------------ utilities
def _owner_type(model: nn.Module, name: str) -> str:
    owner = name.rpartition(".")[0]
    try:
        return type(model.get_submodule(owner)).__name__ if owner else type(model).__name__
    except AttributeError:
        return "?"


@contextlib.contextmanager
def _seeded(seed: int):
    """Seed torch (all devices), numpy and ``random``; restore every generator's state afterwards."""
    py_state = random.getstate()
    try:
        import numpy as np

        np_state = np.random.get_state()
    except Exception:  # pragma: no cover - numpy is optional
        np = None  # type: ignore[assignment]
        np_state = None
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        random.seed(seed)
        if np is not None:
            np.random.seed(seed % (2**32))
        try:
            yield
        finally:
            random.setstate(py_state)
            if np is not None:
                np.random.set_state(np_state)


def deferred_model(
    build: Build, init: Init | str | None, device: Any = "cpu", poison: Any = "nan"
) -> nn.Module:
    """Build on the meta device, ``to_empty(device=...)``, poison every tensor, then run ``init``.

    ``init`` is a callable taking the model, the name of a method of the model (``"init_weights"``),
    or ``None`` (only materialise and poison).  ``poison`` is ``"nan"`` (NaN for floating tensors,
    a sentinel for integer/bool ones) or a float.  Returns the model.
    """
    with torch.device("meta"):
        model = build()
    model = model.to_empty(device=device)
    _poison(model, poison)
    _run_init(model, init)
    return model


def _poison(model: nn.Module, poison: Any) -> None:
    with torch.no_grad():
        for _, _, t in _named_tensors(model):
            _poison_tensor(t, poison)


def _poison_tensor(t: torch.Tensor, poison: Any) -> None:
    data = t.detach()
    first = isinstance(poison, str)
    if data.is_floating_point() or data.is_complex():
        data.fill_(float("nan") if first else float(poison))
    elif data.dtype == torch.bool:
        data.fill_(True if first else False)
    else:
        data.fill_(_INT_SENTINELS[0] if first else _INT_SENTINELS[1])


def _run_init(model: nn.Module, init: Init | str | None) -> None:
    if init is None:
        return
    if isinstance(init, str):
        getattr(model, init)()
    else:
        init(model)


# ------------------------------------------------------------------------------ assert_init_complete
@dataclass
class UnwrittenTensor:
    """A tensor that the init function did not (fully) write on the deferred path."""

    name: str
    kind: str  # "parameter" | "buffer"
    shape: tuple
    dtype: str
    module_type: str
    unwritten: int  # elements still holding the poison in both poisoned runs
    garbage_dependent: int  # elements whose value depends on the initial memory (e.g. p.mul_(...))
    numel: int

    def describe(self) -> str:
        """One human-readable line: what, where, how much."""
        if self.unwritten == self.numel:
            what = "never written by the init function"
        elif self.unwritten:
            what = f"only partly written ({self.unwritten}/{self.numel} elements keep the poison)"
        else:
            what = (
                f"{self.garbage_dependent}/{self.numel} elements depend on the uninitialized memory "
                "(updated in place instead of written, e.g. mul_/add_ on the empty tensor)"
            )
        return (
            f"{self.kind} {self.name!r} shape={list(self.shape)} {self.dtype} "
            f"(owner {self.module_type}): {what}"
        )


def find_unwritten(
    build: Build,
    init: Init | str | None,
    device: Any = "cpu",
    *,
    buffers: bool = True,
    allow: Sequence[str] = (),
    seed: int = 0,
) -> list[UnwrittenTensor]:
    """Return the tensors that ``init`` does not write on the deferred (meta + ``to_empty``) path.

    The model is built twice on the meta device and materialised with ``to_empty``; every parameter
    and buffer is filled with a poison (NaN for floats in the first run, a finite sentinel in the
    second; two different sentinels for integer and bool tensors), the RNGs are seeded identically,
    and ``init`` runs.  An element is *unwritten* if it still holds the poison in both runs, and
    *garbage-dependent* if its final value differs between the two runs (or is NaN after the first
    run), i.e. it was computed from the poison.  No dependence on allocator contents.
    """
    results: list[dict[str, torch.Tensor]] = []
    meta: dict[str, tuple[str, tuple, str, str]] = {}
    for run, poison in enumerate(("nan", _FLOAT_SENTINEL)):
        with _seeded(seed):
            model = deferred_model(build, init, device=device, poison=poison)
        snap = {}
        with torch.no_grad():
            for kind, name, t in _named_tensors(model, buffers=buffers):
                if _allowed(name, allow):
                    continue
                snap[name] = t.detach().to("cpu", copy=True)
                if run == 0:
                    dtype = str(t.dtype).replace("torch.", "")
                    meta[name] = (kind, tuple(t.shape), dtype, _owner_type(model, name))
        results.append(snap)
        del model

    out: list[UnwrittenTensor] = []
    first, second = results
    for name, a in first.items():
        b = second.get(name)
        kind, shape, dtype, owner = meta[name]
        if b is None or b.shape != a.shape:  # init replaced the tensor with a differently shaped one
            continue
        if a.is_floating_point() or a.is_complex():
            still_a = torch.isnan(a)
            still_b = b == _FLOAT_SENTINEL
            differs = ~((a == b) | (torch.isnan(a) & torch.isnan(b)))
            depends = still_a | differs
        else:
            pa = True if a.dtype == torch.bool else _INT_SENTINELS[0]
            pb = False if a.dtype == torch.bool else _INT_SENTINELS[1]
            still_a = a == pa
            still_b = b == pb
            depends = a != b
        unwritten = still_a & still_b
        n_unwritten = int(unwritten.sum())
        n_depends = int((depends & ~unwritten).sum())
        if n_unwritten or n_depends:
            out.append(
                UnwrittenTensor(name, kind, shape, dtype, owner, n_unwritten, n_depends, a.numel())
            )
    return out


def assert_init_complete(
    build: Build,
    init: Init | str | None,
    device: Any = "cpu",
    *,
    buffers: bool = True,
    allow: Sequence[str] = (),
    seed: int = 0,
) -> None:
    """Assert that ``init`` writes every parameter and buffer of the model built by ``build``.

    Args:
        build: zero-argument callable returning the model (called under ``torch.device("meta")``).
        init: the model's init function: a callable ``init(model)`` (for example
            ``lambda m: m.apply(m._init_weights)`` or ``type(m).init_weights``), or the name of a
            method (``"init_weights"``).
        device: where ``to_empty`` materialises the model.
        buffers: also require buffers (persistent and non-persistent) to be written.
        allow: names or fnmatch patterns of tensors that may stay unwritten.
        seed: RNG seed used for both poisoned runs.

    Raises:
        AssertionError: naming every tensor (name, shape, dtype, owner module type) that the init
        did not write, or whose value depends on the uninitialized memory, with the fix.

    Deterministic: every tensor is poisoned (NaN for floats) before ``init`` runs, so the outcome
    does not depend on what ``torch.empty`` memory happens to contain.  ``init`` itself must be
    deterministic given the seeded torch / numpy / ``random`` generators (the two poisoned runs are
    compared; values that differ between them are reported as depending on uninitialized memory).
    """
    __tracebackhide__ = True  # pytest shows the test's line and this message, not the helper's source
    misses = find_unwritten(build, init, device, buffers=buffers, allow=allow, seed=seed)
    if not misses:
        return
    init_name = init if isinstance(init, str) else getattr(init, "__qualname__", repr(init))
    owners = sorted({m.module_type for m in misses})
    lines = [
        f"initguard: the init function {init_name} leaves {len(misses)} tensor(s) uninitialized when the "
        "model is built on the meta device and materialised with to_empty (they hold garbage in "
        "training: meta-device / FSDP / empty-init construction):",
    ]
    lines += [f"  - {m.describe()}" for m in misses]
    lines.append(f"Fix: {fixes.fix_init_incomplete(owners)}")
    raise AssertionError("\n".join(lines))


# ------------------------------------------------------------------------------ assert_init_parity
@dataclass
class ParityMismatch:
    """A parameter whose deferred-path values differ from eager construction."""

    name: str
    shape: tuple
    module_type: str
    reasons: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One human-readable line."""
        head = f"{self.name!r} shape={list(self.shape)} (owner {self.module_type}): "
        return head + "; ".join(self.reasons)


def _ks_2samp(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov statistic and asymptotic p-value (torch only; no scipy)."""
    x = torch.sort(x.reshape(-1).to(torch.float64)).values
    y = torch.sort(y.reshape(-1).to(torch.float64)).values
    n, m = x.numel(), y.numel()
    allv = torch.cat([x, y])
    cdf_x = torch.searchsorted(x, allv, right=True).to(torch.float64) / n
    cdf_y = torch.searchsorted(y, allv, right=True).to(torch.float64) / m
    d = float((cdf_x - cdf_y).abs().max())
    ne = n * m / (n + m)
    lam = (math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d
    if lam < 1e-3:
        return d, 1.0
    p = 0.0
    for j in range(1, 101):
        term = 2.0 * (-1) ** (j - 1) * math.exp(-2.0 * j * j * lam * lam)
        p += term
        if abs(term) < 1e-12:
            break
    return d, float(min(max(p, 0.0), 1.0))


def _sample(t: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    flat = t.detach().reshape(-1).to("cpu", torch.float64)
    if flat.numel() <= k:
        return flat
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(flat.numel(), generator=g)[:k]
    return flat[idx]


def assert_init_parity(
    build_eager: Build,
    build_deferred: Build | None = None,
    *,
    init: Init | str | None = None,
    device: Any = "cpu",
    seed: int = 0,
    alpha: float = 1e-6,
    sigmas: float = 6.0,
    samples: int = 4096,
    min_numel: int = 32,
    buffers: bool = False,
    allow: Sequence[str] = (),
) -> None:
    """Assert that the deferred construction path initializes like eager construction.

    Args:
        build_eager: zero-argument callable returning the eagerly constructed, initialized model.
        build_deferred: zero-argument callable returning the model built the deferred way
            (meta / empty + init).  If omitted, ``init`` must be given and the deferred model is
            ``build_eager`` run under ``torch.device("meta")``, ``to_empty(device)``, poisoned with
            NaN, then ``init(model)`` (see :func:`deferred_model`).
        init: the init function for the default deferred path.
        seed: both paths run with the RNGs seeded with ``seed`` (restored afterwards).
        alpha: KS-test significance level (per parameter).  The default 1e-6 keeps false failures
            negligible over thousands of parameters while rejecting e.g. ``normal(0, 0.02)`` vs
            PyTorch's default ``U(±1/sqrt(fan_in))`` at a few hundred elements.
        sigmas: tolerance for mean and std, in standard errors of the estimate.
        samples: at most this many elements per tensor enter the KS test (fixed random subset).
        min_numel: tensors smaller than this are compared by range and constancy only.
        buffers: also compare floating-point buffers.
        allow: names or fnmatch patterns to skip.

    Raises:
        AssertionError: listing every parameter whose shape differs, that exists on one path only,
        that is non-finite on the deferred path, whose mean/std differ beyond ``sigmas`` standard
        errors, or whose KS p-value is below ``alpha`` — with name, shape, owner type and the fix.
    """
    __tracebackhide__ = True  # pytest shows the test's line and this message, not the helper's source
    if build_deferred is None:
        if init is None:
            raise TypeError("assert_init_parity needs build_deferred or init")

        def build_deferred() -> nn.Module:
            return deferred_model(build_eager, init, device=device)

    with _seeded(seed):
        eager = build_eager()
    with _seeded(seed):
        deferred = build_deferred()

    def tensors(model: nn.Module) -> dict[str, torch.Tensor]:
        out = {}
        for kind, name, t in _named_tensors(model, buffers=buffers):
            if kind == "buffer" and not t.is_floating_point():
                continue
            if not _allowed(name, allow):
                out[name] = t
        return out

    te, td = tensors(eager), tensors(deferred)
    problems: list[ParityMismatch] = []
    for name in sorted(set(te) | set(td)):
        owner = _owner_type(eager if name in te else deferred, name)
        if name not in td:
            why = ["missing on the deferred path"]
            problems.append(ParityMismatch(name, tuple(te[name].shape), owner, why))
            continue
        if name not in te:
            why = ["exists only on the deferred path"]
            problems.append(ParityMismatch(name, tuple(td[name].shape), owner, why))
            continue
        a, b = te[name], td[name]
        pm = ParityMismatch(name, tuple(a.shape), owner)
        problems.append(pm)
        if a.shape != b.shape:
            pm.reasons.append(f"shape {list(a.shape)} eager vs {list(b.shape)} deferred")
            continue
        if b.device.type == "meta":
            pm.reasons.append("still on the meta device after the deferred path")
            continue
        if not (a.is_floating_point() and b.is_floating_point()):
            if not torch.equal(a.detach().cpu(), b.detach().cpu()):
                pm.reasons.append("integer/bool values differ")
            continue
        with torch.no_grad():
            xa = a.detach().to("cpu", torch.float64)
            xb = b.detach().to("cpu", torch.float64)
            if not bool(torch.isfinite(xb).all()):
                bad = int((~torch.isfinite(xb)).sum())
                pm.reasons.append(
                    f"{bad}/{xb.numel()} non-finite values on the deferred path (never initialized?)"
                )
                continue
            n = xa.numel()
            ma, mb = float(xa.mean()), float(xb.mean())
            sa = float(xa.std()) if n > 1 else 0.0
            sb = float(xb.std()) if n > 1 else 0.0
            if sa == 0.0:  # constant in eager construction (ones, zeros, a fixed scalar)
                if not torch.allclose(xb, xa, rtol=1e-5, atol=1e-6):
                    pm.reasons.append(
                        f"eager is constant {ma:.6g}, deferred has mean {mb:.6g} std {sb:.3g}"
                    )
                continue
            if n < min_numel:
                lo, hi = float(xa.min()), float(xa.max())
                span = hi - lo
                if float(xb.min()) < lo - span or float(xb.max()) > hi + span:
                    pm.reasons.append(
                        f"deferred range [{float(xb.min()):.4g}, {float(xb.max()):.4g}] far outside eager "
                        f"[{lo:.4g}, {hi:.4g}]"
                    )
                continue
            se_mean = sa * math.sqrt(2.0 / n)
            if abs(ma - mb) > sigmas * se_mean + 1e-12:
                pm.reasons.append(f"mean {ma:.4g} eager vs {mb:.4g} deferred")
            se_std = sa * math.sqrt(1.0 / n)  # ~ std error of the std difference for two samples
            if abs(sa - sb) > sigmas * se_std + 1e-12:
                pm.reasons.append(f"std {sa:.4g} eager vs {sb:.4g} deferred")
            d, p = _ks_2samp(_sample(xa, samples, seed), _sample(xb, samples, seed + 1))
            if p < alpha:
                pm.reasons.append(f"KS test: D={d:.3f}, p={p:.2g} < {alpha:g}")
    problems = [p for p in problems if p.reasons]
    if not problems:
        return
    lines = [
        f"initguard: {len(problems)} parameter(s) initialize differently on the deferred path "
        "(meta / empty + init) than in eager construction:"
    ]
    lines += [f"  - {p.describe()}" for p in problems]
    lines.append(f"Fix: {fixes.FIX_INIT_PARITY}")
    raise AssertionError("\n".join(lines))

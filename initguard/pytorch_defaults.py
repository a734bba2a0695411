"""The catalogue of PyTorch's built-in constructor defaults, and the tests whether a sample fits one.

:func:`module_expectation` knows the default of each ``torch.nn`` module's tensors (:class:`Expected`);
:func:`shape_expectations` guesses it from a weight's shape (checkpoints); :func:`fits_default` /
:func:`matches_default` test a sample against it (support, range, scale and Kolmogorov-Smirnov tests).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from initguard.sample_stats import SampleStats
from initguard.sampling import dtype_eps

try:  # numpy sorts ~25x faster than torch's CPU sort; optional
    import numpy as _np
except Exception:  # pragma: no cover - numpy is nearly always there
    _np = None

KS_ALPHA = 1e-6
KS_C = math.sqrt(-0.5 * math.log(KS_ALPHA / 2))  # ~2.69: reject when D > KS_C / sqrt(n)
# Fewer values than this (in the sample): too little evidence for a "default" verdict. A tensor whose values fit
# PyTorch's default but that has fewer values is "too small to judge" (listed, never failed). Measured with
# benchmarks/bench_verdicts.py: at 128 values no realistic init of the benchmark is taken for the default.
MIN_DEFAULT_N = 128
MIN_KS_N = MIN_DEFAULT_N  # the former name
# the sample std of a default tensor is within SCALE_Z standard errors of the default's std (two-sided 1e-6)
SCALE_Z = 4.89


@dataclass(frozen=True)
class Expected:
    """A PyTorch default distribution: ``uniform`` on [-scale, scale], ``normal`` N(0, scale), ``const`` value."""

    kind: str
    scale: float
    label: str

    @property
    def band(self) -> tuple[float, float]:
        """(std, max |x|) this default gives, for plotting."""
        if self.kind == "uniform":
            return self.scale / math.sqrt(3.0), self.scale
        if self.kind == "normal":
            return self.scale, 4.0 * self.scale
        return 0.0, abs(self.scale)


def fan_in_of(shape) -> int:
    """PyTorch's fan-in for a weight shape: ``size(1) * prod(size(2:))`` (Linear, Conv*, ConvTranspose*)."""
    if len(shape) < 2:
        return 0
    return math.prod(shape[1:])


def uniform_default(fan_in: int, label: str) -> Expected | None:
    """U(+-1/sqrt(fan_in)) (Linear/Conv's default), or None for a zero fan-in."""
    if fan_in <= 0:
        return None
    return Expected("uniform", 1.0 / math.sqrt(fan_in), label)


_NORM_TYPES = None


def module_expectation(module, local_name: str, shape=None) -> Expected | None:
    """PyTorch's constructor default for ``module.<local_name>``, or None when the module type has none we know.

    Covers Linear, Conv*/ConvTranspose*, Bilinear (kaiming-uniform weight, uniform bias), Embedding(Bag) N(0,1),
    RNN/LSTM/GRU(+Cell) U(+-1/sqrt(hidden)), MultiheadAttention (xavier-uniform in-proj, zero biases), and the
    constant defaults of norm layers and PReLU (reported only with ``strict=True``).
    """
    import torch.nn as nn

    global _NORM_TYPES
    if _NORM_TYPES is None:
        ts = [nn.LayerNorm, nn.GroupNorm, nn.modules.batchnorm._NormBase, nn.LocalResponseNorm]
        if hasattr(nn, "RMSNorm"):
            ts.append(nn.RMSNorm)
        _NORM_TYPES = tuple(ts)
    name = type(module).__name__
    if isinstance(module, (nn.Linear, nn.modules.conv._ConvNd)) and local_name in ("weight", "bias"):
        w = module.weight
        if w is None:
            return None
        return uniform_default(fan_in_of(w.shape), f"{name} default U(+-1/sqrt(fan_in))")
    if isinstance(module, nn.Bilinear) and local_name in ("weight", "bias"):
        return uniform_default(int(module.weight.shape[1]), f"{name} default U(+-1/sqrt(in1))")
    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)) and local_name == "weight":
        return Expected("normal", 1.0, f"{name} default N(0, 1)")
    if isinstance(module, (nn.RNNBase, nn.RNNCellBase)):
        h = int(module.hidden_size)
        return uniform_default(h, f"{name} default U(+-1/sqrt(hidden_size))") if h > 0 else None
    if isinstance(module, nn.MultiheadAttention):
        if local_name in ("in_proj_weight", "q_proj_weight", "k_proj_weight", "v_proj_weight"):
            s = tuple(shape if shape is not None else getattr(module, local_name).shape)
            return Expected("uniform", math.sqrt(6.0 / (s[0] + s[1])), f"{name} default xavier-uniform")
        if local_name in ("bias_k", "bias_v"):
            return Expected("normal", 1.0 / math.sqrt(module.embed_dim), f"{name} default xavier-normal")
        if local_name == "in_proj_bias":
            return Expected("const", 0.0, f"{name} default zeros")
        return None
    if isinstance(module, _NORM_TYPES):
        if local_name == "weight":
            return Expected("const", 1.0, f"{name} default ones")
        if local_name == "bias":
            return Expected("const", 0.0, f"{name} default zeros")
        return None
    if isinstance(module, nn.PReLU) and local_name == "weight":
        return Expected("const", 0.25, f"{name} default 0.25")
    return None


def shape_expectations(shape, fan_in: int | None = None) -> list:
    """Candidate defaults from a shape alone (checkpoints): U(+-1/sqrt(fan_in)), and N(0,1) for 2-D
    tensors."""
    out = []
    fi = fan_in if fan_in is not None else fan_in_of(shape)
    e = uniform_default(int(fi), "PyTorch default U(+-1/sqrt(fan_in))") if fi else None
    if e is not None:
        out.append(e)
    if fan_in is None and len(tuple(shape)) == 2:
        out.append(Expected("normal", 1.0, "nn.Embedding default N(0, 1)"))
    return out


def _sorted_np(s: torch.Tensor):
    if _np is not None:
        return _np.sort(s.numpy())
    return s.sort().values


def ks_statistic(s: torch.Tensor, exp: Expected) -> float:
    """Kolmogorov-Smirnov D of a float64 sample against ``exp`` (uniform or normal)."""
    x = _sorted_np(s)
    n = len(x)
    if exp.kind == "uniform":
        b = exp.scale
        if _np is not None:
            cdf = _np.clip((x + b) / (2 * b), 0.0, 1.0)
        else:
            cdf = ((x + b) / (2 * b)).clamp(0.0, 1.0)
    else:
        xt = torch.from_numpy(x) if _np is not None else x
        cdf = torch.special.ndtr(xt / exp.scale)
        if _np is not None:
            cdf = cdf.numpy()
    if _np is not None:
        i = _np.arange(1, n + 1, dtype=_np.float64)
        return float(max((i / n - cdf).max(), (cdf - (i - 1) / n).max()))
    i = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum((i / n - cdf).max(), (cdf - (i - 1) / n).max()))


def fits_default(s: torch.Tensor, st: SampleStats, exp: Expected, dtype: torch.dtype) -> bool:
    """Are the sampled values consistent with ``exp`` (no test rejects it), whatever their number?

    Uniform defaults: support (no |x| beyond the bound), range (``P(max |x| < c*b) = c**n``) and KS at 1e-6;
    normal defaults: KS at 1e-6; constants: every value equal to it. On a few values this is weak evidence:
    :func:`matches_default` asks for at least ``MIN_DEFAULT_N`` values besides.
    """
    if st.nonfinite or st.n == 0:
        return False
    if exp.kind == "const":
        tol = 4 * dtype_eps(dtype) * max(1.0, abs(exp.scale))
        return st.constant is not None and abs(st.constant - exp.scale) <= tol
    if st.n >= 2 and st.constant is not None:
        return False  # a constant is no draw from a continuous distribution
    if exp.kind == "uniform":
        tol = exp.scale * 4 * dtype_eps(dtype) + 1e-12
        if st.max_abs > exp.scale + tol:
            return False  # support: no uniform default value lies beyond the bound
        if st.max_abs < exp.scale * KS_ALPHA ** (1.0 / st.n) - tol:
            return False  # range: P(max |x| < c*b) = c**n under U(-b, b); powerful for small tensors
    # scale: the sample std against the default's (KS alone cannot tell N(0, 1) from N(0, 0.5) on 128 values)
    sd, rel_se = (exp.scale / math.sqrt(3.0), 0.4472) if exp.kind == "uniform" else (exp.scale, 0.7071)
    if abs(st.std - sd) > SCALE_Z * rel_se * sd / math.sqrt(st.n) + 4 * dtype_eps(dtype) * sd:
        return False
    return ks_statistic(s, exp) <= KS_C / math.sqrt(st.n)


def matches_default(s: torch.Tensor, st: SampleStats, exp: Expected, dtype: torch.dtype) -> bool:
    """Is there evidence that the sample *is* ``exp``? :func:`fits_default` on at least ``MIN_DEFAULT_N``
    values (constant defaults: every value equal to the constant)."""
    if exp.kind != "const" and st.n < MIN_DEFAULT_N:
        return False
    return fits_default(s, st, exp, dtype)

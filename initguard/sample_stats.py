"""Statistics of a tensor's sample (:mod:`initguard.sampling`) and the garbage-memory tests on them.

:func:`sample_stats` summarises a sample (count, std, max |x|, NaN/Inf, huge and denormal-like values, constant);
:func:`garbage_reason` says why the values can only be uninitialized memory, or None.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from initguard.sampling import full_max_abs

try:  # numpy sorts ~25x faster than torch's CPU sort; optional
    import numpy as _np
except Exception:  # pragma: no cover - numpy is nearly always there
    _np = None

HUGE = 1e3  # |x| above this in a parameter: no init produces it
# buffers legitimately hold large constants (masked_bias=-1e4, -1e9 masks), +-inf masks and the exact
# finfo(dtype).max/min sentinels that models use for masking; anything else above this is garbage
BUFFER_HUGE = 1e12
TINY = 1e-30  # 0 < |x| < TINY: denormal-like garbage (fp32/bf16/fp64 only; fp16 is too narrow)
# |finfo(dtype).max| of every float dtype: models fill masks with finfo(dtype).min, which is not garbage
SENTINELS = tuple(sorted({float(torch.finfo(d).max) for d in (torch.float16, torch.bfloat16, torch.float32,
                                                              torch.float64)}))


@dataclass
class SampleStats:
    """Summary of a sample: counts of garbage values, std, max |x| (finite values)."""

    n: int
    nonfinite: int
    nan: int
    huge: int
    tiny: int
    zeros: int
    std: float
    max_abs: float
    constant: float | None  # the value when every sampled value is equal
    min_tiny: float | None = None  # the largest denormal-like |x| (0 < |x| < TINY), when there are some


def sample_stats(s: torch.Tensor, dtype: torch.dtype, huge: float = HUGE) -> SampleStats:
    """Count garbage markers in a float64 sample.

    Fast path (finite values, the common case): abs, max, min, sum and a dot product over the 4096 values;
    NaN propagates through ``max``, so counting non-finite values is only paid for when there are some.
    """
    if _np is None:  # pragma: no cover - torch without numpy
        return _sample_stats_torch(s, dtype, huge)
    x = s.numpy()
    n = int(x.size)
    if n == 0:
        return SampleStats(0, 0, 0, 0, 0, 0, float("nan"), float("nan"), None)
    a = _np.abs(x)
    mx = float(a.max())
    nan = nonfinite = 0
    if not math.isfinite(mx):  # slow path: NaN/Inf present
        fin = _np.isfinite(x)
        nf = int(_np.count_nonzero(fin))
        nan = int(_np.count_nonzero(_np.isnan(x)))
        nonfinite = n - nf
        if nf == 0:
            return SampleStats(n, nonfinite, nan, 0, 0, 0, float("nan"), float("nan"), None)
        x = x[fin]
        a = a[fin]
        mx = float(a.max())
    m = int(x.size)
    mn = float(a.min())
    zeros = m if mx == 0 else (int(_np.count_nonzero(a == 0)) if mn == 0 else 0)
    tiny = 0
    tiny_max = None
    if dtype != torch.float16 and mn < TINY and mx > 0:
        small = a[(a < TINY) & (a > 0)]
        tiny = int(small.size)
        tiny_max = float(small.max()) if tiny else None
    nhuge = 0
    if mx > huge:
        big = a[a > huge]
        nhuge = int(big.size)
        if huge > HUGE:  # buffers: the finfo.max sentinels of masks are not garbage
            nhuge -= int(_np.count_nonzero(_np.isin(big, _np.array(SENTINELS))))
    mean = float(x.sum()) / m
    var = max(float(_np.dot(x, x)) / m - mean * mean, 0.0)
    const = None
    if nonfinite == 0 and mx == mn and float(x.min()) == float(x.max()):
        const = float(x[0])
    return SampleStats(n=n, nonfinite=nonfinite, nan=nan, huge=nhuge, tiny=tiny, zeros=zeros,
                       std=math.sqrt(var), max_abs=mx, constant=const, min_tiny=tiny_max)


def _sample_stats_torch(s: torch.Tensor, dtype: torch.dtype, huge: float = HUGE) -> SampleStats:
    a = s.abs()
    finite = torch.isfinite(s)
    nfin = int((~finite).sum())
    nan = int(torch.isnan(s).sum())
    fa = a[finite]
    tiny = 0
    tiny_max = None
    if dtype != torch.float16:
        small = fa[(fa > 0) & (fa < TINY)]
        tiny = int(small.numel())
        tiny_max = float(small.max()) if tiny else None
    big = fa[fa > huge]
    if huge > HUGE:  # buffers: the finfo.max sentinels of masks are not garbage
        big = big[~torch.isin(big, torch.tensor(SENTINELS, dtype=big.dtype))]
    zeros = int((fa == 0).sum())
    std = float(s[finite].std(unbiased=False)) if fa.numel() > 1 else (0.0 if fa.numel() else float("nan"))
    mx = float(fa.max()) if fa.numel() else float("nan")
    const = None
    if nfin == 0 and s.numel() and bool((s == s[0]).all()):
        const = float(s[0])
    return SampleStats(
        n=s.numel(), nonfinite=nfin, nan=nan, huge=int(big.numel()), tiny=tiny, zeros=zeros,
        std=std, max_abs=mx, constant=const, min_tiny=tiny_max,
    )


def garbage_reason(
    t: torch.Tensor, st: SampleStats | None, *, kind: str = "parameter", full: bool = False,
    local_shape: tuple | None = None, zero_ok: bool = False,
) -> tuple[str | None, float | None]:
    """Why these values can only be garbage memory (or None), and the full-pass max |x| if one was taken.

    Parameters: NaN/Inf, |x| > 1e3, denormal-like magnitudes, or a tensor with at least two non-singleton
    dimensions (a matrix, not a ``(1, 1, dim)`` token or a ``(C, 1, 1, 1)`` gain, which libraries zero on
    purpose) that is entirely zero.
    Buffers: only NaN, |x| > 1e12 and denormal-like values (masks may hold +-inf or the exact finfo.max/min
    sentinels, which are not counted; caches may be zero).
    """
    if st is None:
        return None, None
    is_param = kind == "parameter"
    # dimensions that are not 1: a (1, 1, dim) cls token or (C, 1, 1, 1) layer gain is a vector here
    ndim = sum(1 for d in (local_shape if local_shape is not None else t.shape) if d != 1)
    if st.nan:
        return f"{st.nan} of {st.n} sampled values are NaN (garbage memory)", None
    if is_param and st.nonfinite:
        return f"{st.nonfinite} of {st.n} sampled values are +-Inf (garbage memory)", None
    if st.huge:
        what = "no init produces that" if is_param else "no buffer a model builds holds that (masks use +-inf " \
            "or finfo.min, which are not counted)"
        return f"{st.huge} of {st.n} sampled values have |x| > {HUGE if is_param else BUFFER_HUGE:g} " \
               f"(max {st.max_abs:.3g}): {what}", None
    if st.tiny:
        # the largest of the denormal-like values, not the tensor's max (which may be huge and would contradict
        # the range shown)
        largest = f", the largest {st.min_tiny:.3g}" if st.min_tiny is not None else ""
        return f"{st.tiny} of {st.n} sampled values are denormal-like (0 < |x| < {TINY:g}{largest}): " \
               "garbage memory", None
    mabs = None
    zero_rule = is_param and ndim >= 2 and not zero_ok
    need_full = full or (zero_rule and st.zeros == st.n)
    if need_full:
        mabs = full_max_abs(t)
        huge = HUGE if is_param else BUFFER_HUGE
        if math.isnan(mabs):
            return "contains NaN (full scan): garbage memory", mabs
        if math.isinf(mabs) and is_param:
            return "contains +-Inf (full scan): garbage memory", mabs
        if mabs > huge and not math.isinf(mabs) and (is_param or mabs not in SENTINELS):
            return f"max |x| = {mabs:.3g} > {huge:g} (full scan): no init produces that", mabs
        if zero_rule and mabs == 0:
            return "entirely zero (a >=2-D weight no init leaves all-zero): never written", mabs
        if 0 < mabs < TINY:
            return f"max |x| = {mabs:.3g}: denormal-like garbage memory", mabs
    return None, mabs

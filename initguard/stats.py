"""Statistics without provenance: garbage tests and recognition of PyTorch's built-in default init.

Everything here is read-only and bounded: a tensor is read at a fixed set of at most ``SAMPLE_SIZE`` positions
(an index gather, never a flatten/clone), plus optionally one ``torch.aminmax`` pass (``mode="full"``), which
propagates NaN/Inf, so one pass finds non-finite, huge and all-zero tensors. Nothing here bumps ``_version``.

``tensor_verdict`` is the reusable per-tensor statistical verdict (used by ``check`` when no provenance is
known, by the checkpoint CLI and by ``initguard.testing``).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import torch
from torch.nn.parameter import UninitializedTensorMixin

from initguard.report import DEFAULT, TOO_SMALL, UNINITIALIZED, Problem
from initguard.tensors import local_tensor

SAMPLE_SIZE = 4096
FINGERPRINT_SIZE = 16
KS_ALPHA = 1e-6
KS_C = math.sqrt(-0.5 * math.log(KS_ALPHA / 2))  # ~2.69: reject when D > KS_C / sqrt(n)
# Fewer values than this (in the sample): too little evidence for a "default" verdict. A tensor whose values fit
# PyTorch's default but that has fewer values is "too small to judge" (listed, never failed). Measured with
# benchmarks/bench_verdicts.py: at 128 values no realistic init of the benchmark is taken for the default.
MIN_DEFAULT_N = 128
MIN_KS_N = MIN_DEFAULT_N  # the former name
# the sample std of a default tensor is within SCALE_Z standard errors of the default's std (two-sided 1e-6)
SCALE_Z = 4.89
HUGE = 1e3  # |x| above this in a parameter: no init produces it
# buffers legitimately hold large constants (masked_bias=-1e4, -1e9 masks), +-inf masks and the exact
# finfo(dtype).max/min sentinels that models use for masking; anything else above this is garbage
BUFFER_HUGE = 1e12
TINY = 1e-30  # 0 < |x| < TINY: denormal-like garbage (fp32/bf16/fp64 only; fp16 is too narrow)

_GOLDEN = 0.6180339887498949
# |finfo(dtype).max| of every float dtype: models fill masks with finfo(dtype).min, which is not garbage
SENTINELS = tuple(sorted({float(torch.finfo(d).max) for d in (torch.float16, torch.bfloat16, torch.float32,
                                                              torch.float64)}))

try:  # numpy sorts ~25x faster than torch's CPU sort; optional
    import numpy as _np
except Exception:  # pragma: no cover - numpy is nearly always there
    _np = None


@contextmanager
def one_thread():
    """Run torch with one intra-op thread (small ops stall with 2 threads on small VMs); restore
    afterwards."""
    n = torch.get_num_threads()
    if n != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if n != 1:
            torch.set_num_threads(n)


BLOCK = 64  # large tensors are sampled in runs of BLOCK consecutive elements


def _spread(count: int, span: int) -> torch.Tensor:
    i = torch.arange(count, dtype=torch.float64)
    pos = torch.remainder(i * _GOLDEN + 0.5 / count, 1.0).mul_(span).floor_().to(torch.int64)
    return pos.clamp_(0, max(span - 1, 0)).sort().values


@lru_cache(maxsize=512)
def _positions(numel: int, k: int) -> torch.Tensor:
    """A fixed, well-spread set of ``k`` flat positions in ``[0, numel)``, ascending.

    Small tensors: a golden-ratio sequence of single positions. Tensors of at least ``16*k`` elements:
    ``k/BLOCK`` runs of ``BLOCK`` consecutive elements at golden-ratio offsets — 64 pages instead of 4096
    touched,
    4-20x cheaper on cold memory; for i.i.d. inits the values in a run are as independent as any others.
    """
    if k >= 2 * BLOCK and numel >= 16 * k:
        starts = _spread(k // BLOCK, numel - BLOCK + 1)
        return (starts[:, None] + torch.arange(BLOCK)[None, :]).reshape(-1)
    return _spread(k, numel)


def _unravel(pos: torch.Tensor, shape: tuple) -> tuple:
    """Flat positions -> per-dimension indices (torch.unravel_index's first call imports a lot)."""
    coords = []
    rest = pos
    for size in reversed(shape):
        coords.append(torch.remainder(rest, size))
        rest = torch.div(rest, size, rounding_mode="floor")
    return tuple(reversed(coords))


def read_sample(t: torch.Tensor, k: int = SAMPLE_SIZE) -> torch.Tensor | None:
    """Up to ``k`` values of ``t`` at fixed positions, as a small float64 CPU tensor (None on meta/empty).

    Reads only those positions (gather), never the whole tensor; does not change ``_version``.
    """
    t = local_tensor(t)
    n = t.numel()
    if n == 0 or t.is_meta:
        return None
    # t is a detached alias: gathers on it record no autograd graph and do not touch _version
    if n <= k:
        s = t.reshape(-1)  # at most k elements even if reshape has to copy
    else:
        pos = _positions(n, k)
        if t.device.type != "cpu":
            pos = pos.to(t.device)
        if t.is_contiguous():
            s = t.view(-1).index_select(0, pos)
        else:
            s = t[_unravel(pos, tuple(t.shape))]
    if s.is_complex():  # both parts count (a cast to float64 would drop the imaginary one, with a warning)
        s = torch.view_as_real(s.resolve_conj()).reshape(-1)
    return s.to(device="cpu", dtype=torch.float64)


def fingerprint(t: torch.Tensor) -> tuple | None:
    """A cheap fingerprint: ``FINGERPRINT_SIZE`` values at fixed positions (None on meta)."""
    s = read_sample(t, FINGERPRINT_SIZE)
    return None if s is None else tuple(s.tolist())


def full_max_abs(t: torch.Tensor) -> float:
    """max |x| over the whole tensor in one ``aminmax`` pass (NaN/Inf propagate); no copy."""
    t = local_tensor(t)
    with torch.no_grad():
        try:
            mn, mx = (float(v) for v in torch.aminmax(t))
            return float("nan") if math.isnan(mn) or math.isnan(mx) else max(abs(mn), abs(mx))
        except RuntimeError:  # dtype without aminmax support
            return float(torch.linalg.vector_norm(t, float("inf")))


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


# ---------------------------------------------------------------------------------------------------------------
# PyTorch's built-in defaults


@dataclass(frozen=True)
class Expected:
    """A PyTorch default distribution: ``uniform`` on [-scale, scale], ``normal`` N(0, scale), ``const``
    value."""

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


def _uniform(fan_in: int, label: str) -> Expected | None:
    if fan_in <= 0:
        return None
    return Expected("uniform", 1.0 / math.sqrt(fan_in), label)


_NORM_TYPES = None


def module_expectation(module, local_name: str, shape=None) -> Expected | None:
    """PyTorch's constructor default for ``module.<local_name>``, or None when the module type has none we
    know.

    Covers Linear, Conv*/ConvTranspose*, Bilinear (kaiming-uniform weight, uniform bias), Embedding(Bag)
    N(0,1),
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
        return _uniform(fan_in_of(w.shape), f"{name} default U(+-1/sqrt(fan_in))")
    if isinstance(module, nn.Bilinear) and local_name in ("weight", "bias"):
        return _uniform(int(module.weight.shape[1]), f"{name} default U(+-1/sqrt(in1))")
    if isinstance(module, (nn.Embedding, nn.EmbeddingBag)) and local_name == "weight":
        return Expected("normal", 1.0, f"{name} default N(0, 1)")
    if isinstance(module, (nn.RNNBase, nn.RNNCellBase)):
        h = int(module.hidden_size)
        return _uniform(h, f"{name} default U(+-1/sqrt(hidden_size))") if h > 0 else None
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
    e = _uniform(int(fi), "PyTorch default U(+-1/sqrt(fan_in))") if fi else None
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


@lru_cache(maxsize=64)
def _eps(dtype: torch.dtype) -> float:
    try:
        return float(torch.finfo(dtype).eps)
    except TypeError:
        return 1e-7


def fits_default(s: torch.Tensor, st: SampleStats, exp: Expected, dtype: torch.dtype) -> bool:
    """Are the sampled values consistent with ``exp`` (no test rejects it), whatever their number?

    Uniform defaults: support (no |x| beyond the bound), range (``P(max |x| < c*b) = c**n``) and KS at 1e-6;
    normal defaults: KS at 1e-6; constants: every value equal to it. On a few values this is weak evidence:
    :func:`matches_default` asks for at least ``MIN_DEFAULT_N`` values besides.
    """
    if st.nonfinite or st.n == 0:
        return False
    if exp.kind == "const":
        tol = 4 * _eps(dtype) * max(1.0, abs(exp.scale))
        return st.constant is not None and abs(st.constant - exp.scale) <= tol
    if st.n >= 2 and st.constant is not None:
        return False  # a constant is no draw from a continuous distribution
    if exp.kind == "uniform":
        tol = exp.scale * 4 * _eps(dtype) + 1e-12
        if st.max_abs > exp.scale + tol:
            return False  # support: no uniform default value lies beyond the bound
        if st.max_abs < exp.scale * KS_ALPHA ** (1.0 / st.n) - tol:
            return False  # range: P(max |x| < c*b) = c**n under U(-b, b); powerful for small tensors
    # scale: the sample std against the default's (KS alone cannot tell N(0, 1) from N(0, 0.5) on 128 values)
    sd, rel_se = (exp.scale / math.sqrt(3.0), 0.4472) if exp.kind == "uniform" else (exp.scale, 0.7071)
    if abs(st.std - sd) > SCALE_Z * rel_se * sd / math.sqrt(st.n) + 4 * _eps(dtype) * sd:
        return False
    return ks_statistic(s, exp) <= KS_C / math.sqrt(st.n)


def matches_default(s: torch.Tensor, st: SampleStats, exp: Expected, dtype: torch.dtype) -> bool:
    """Is there evidence that the sample *is* ``exp``? :func:`fits_default` on at least ``MIN_DEFAULT_N``
    values (constant defaults: every value equal to the constant)."""
    if exp.kind != "const" and st.n < MIN_DEFAULT_N:
        return False
    return fits_default(s, st, exp, dtype)


# ---------------------------------------------------------------------------------------------------------------
# the reusable per-tensor statistical verdict


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


def _type_name(module_type) -> str:
    if module_type is None:
        return ""
    if isinstance(module_type, str):
        return module_type
    if isinstance(module_type, type):
        return module_type.__name__
    return type(module_type).__name__


FIX_UNINIT = (
    "initialize it on the fresh-run path: call model.apply(init_fn) / each module's reset_parameters() "
    "(e.g. initguard.initialize(model)) after building under empty init or meta, or load a checkpoint"
)
FIX_META = (
    "materialize it (model.to_empty(device=...)) and then initialize it (reset_parameters()/init_weights(), "
    "initguard.initialize(model)) or load_state_dict(checkpoint, assign=True)"
)
FIX_LAZY = "run one forward pass with a sample batch so lazy modules materialize, then initialize them"


def allow_snippets(name: str, flags: bool = False) -> str:
    """How to accept an intended PyTorch default for tensor ``name``: per module, per tensor, everywhere.

    ``flags=True``: the ``initguard check`` command-line flags instead of the API's keyword arguments.
    """
    module = name.rsplit(".", 1)[0] if "." in name else ""
    if flags:
        per_module = f"--allow '{module}.*' (this module), " if module else ""
        return f"{per_module}--allow '{name}' (this tensor) or --allow-default (every default-looking tensor)"
    per_module = f"allow=['{module}.*'] (this module), " if module else ""
    return (f"{per_module}allow=['{name}'] (this tensor) or allow_default=True (every default-init tensor), "
            "passed to check / assert_initialized or to the Lightning/HF callback")


def fix_default(name: str, label: str) -> str:
    """The fix text for a tensor that still holds PyTorch's default init: apply the init, or accept the default
    (per module, per tensor or everywhere) when it is the intended init. The same text for every tensor with the
    same default, so a report groups them under one fix line."""
    return (
        f"they still hold {label}: apply your init (e.g. model.apply(init_weights) or "
        "initguard.initialize(model)) or load a checkpoint; if PyTorch's default is the intended init, accept it "
        "per module (allow=['<module>.*']), per tensor (allow=['<tensor name>']) or everywhere "
        "(allow_default=True), in check / assert_initialized or the Lightning/HF callback"
    )


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

    ``expected`` is a list of :class:`Expected` candidates (PyTorch defaults for this tensor); a sample that
    matches
    one gives the ``default`` verdict (constant defaults only when ``strict``). ``zero_ok``: an all-zero >=2-D
    weight is fine (provenance saw your code write it, e.g. a zero-initialized LoRA B or output projection).
    """
    mt = _type_name(module_type)
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

    ``module`` (the owning nn.Module) gives the exact PyTorch default; else ``fan_in`` gives
    U(+-1/sqrt(fan_in));
    else the shape is used (``fan_in = size(1)*prod(size(2:))``, plus N(0,1) for 2-D). Buffers
    (``kind="buffer"``)
    get only the garbage tests. Read-only; with ``full=True`` one extra ``aminmax`` pass over the tensor.
    Values that fit the default but are fewer than ``MIN_DEFAULT_N`` give a Problem whose verdict is
    ``"too-small"`` (too small to judge: not a failure, and not a claim that the tensor is initialized).
    """
    local = name.rsplit(".", 1)[-1]
    if module is not None:  # the registered name of this tensor in its module, when it is registered there
        local = next((k for k, v in module._parameters.items() if v is tensor), local)
    exps = _expectations_for(tensor, module=module, local_name=local, fan_in=fan_in, kind=kind)
    with one_thread():
        ex = examine(name, tensor, module_type=module_type if module_type is not None else module,
                     expected=exps, strict=strict, kind=kind, full=full)
    if ex.problem is None and ex.too_small:
        return too_small_problem(name, tensor, _type_name(module_type if module_type is not None else module),
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

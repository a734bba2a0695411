"""Reading a tensor without copying it: a fixed sample of positions, a value fingerprint, one max-|x| pass.

Everything here is read-only and bounded: a tensor is read at a fixed set of at most ``SAMPLE_SIZE`` positions
(an index gather, never a flatten/clone), plus optionally one ``torch.aminmax`` pass (:func:`full_max_abs`),
which propagates NaN/Inf. Nothing here bumps ``_version``.
"""

from __future__ import annotations

import math
import functools
from contextlib import contextmanager
from functools import lru_cache

import torch

from initguard.tensors import local_tensor, numpy_alias

SAMPLE_SIZE = 4096
FINGERPRINT_SIZE = 16

_GOLDEN = 0.6180339887498949


@contextmanager
def one_thread():
    """Run torch with one intra-op thread (small ops stall with 2 threads on small VMs); restore afterwards."""
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
def positions(numel: int, k: int) -> torch.Tensor:
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


def unravel(pos: torch.Tensor, shape: tuple) -> tuple:
    """Flat positions as a tuple of per-dimension index tensors (for a non-contiguous gather)."""
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
        pos = positions(n, k)
        if t.device.type != "cpu":
            pos = pos.to(t.device)
        if t.is_contiguous():
            s = t.view(-1).index_select(0, pos)
        else:
            s = t[unravel(pos, tuple(t.shape))]
    if s.is_complex():  # both parts count (a cast to float64 would drop the imaginary one, with a warning)
        s = torch.view_as_real(s.resolve_conj()).reshape(-1)
    # copy=True when s may alias t (a small float64 tensor): callers hand the sample to numpy
    return s.to(device="cpu", dtype=torch.float64, copy=n <= k)


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


@lru_cache(maxsize=64)
def dtype_eps(dtype: torch.dtype) -> float:
    """The machine epsilon of a float dtype (1e-7 for any other dtype)."""
    try:
        return float(torch.finfo(dtype).eps)
    except TypeError:
        return 1e-7


def close_values(a: tuple, b: tuple, tol: float, atol: float) -> bool:
    """Two fingerprints hold the same values within ``tol`` (relative) + ``atol`` (NaN equals NaN)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y or (math.isnan(x) and math.isnan(y)):
            continue
        if math.isinf(x) or math.isinf(y) or math.isnan(x) or math.isnan(y):
            return False
        if abs(x - y) > tol * max(abs(x), abs(y)) + atol:
            return False
    return True


def dtype_tiny(dtype) -> float:
    try:
        return float(torch.finfo(dtype).tiny)
    except TypeError:
        return 0.0


_NP_DTYPES = frozenset({torch.float32, torch.float64, torch.float16})  # -> Python float exactly
try:
    import numpy as _np  # noqa: F401  (only: is numpy installed?)

    _HAS_NP = True
except ImportError:  # pragma: no cover
    _HAS_NP = False
_Tensor = torch.Tensor


@functools.lru_cache(maxsize=512)
def _np_positions(numel: int, k: int):
    return positions(numel, k).numpy().copy()


def local_fingerprint(lt) -> tuple | None:
    """``fingerprint`` of a local tensor ``lt``: the same positions, the same values bit for bit.

    A plain contiguous fp16/32/64 CPU tensor is read through its numpy alias (one 16-element fancy index,
    ~4 us) instead of torch's ``view``/``index_select``/``to``/``tolist`` (~20 us of op dispatch), which was
    the largest part of ``track()``'s cost on an empty-init construction. Anything else (bf16, integer,
    non-contiguous, GPU, subclass, neg-bit view) goes to :func:`fingerprint`.
    """
    if _HAS_NP and type(lt) is _Tensor and lt.is_cpu and lt.dtype in _NP_DTYPES and lt.is_contiguous():
        try:
            a = numpy_alias(lt)  # an alias, no copy, storage left resizable (fails on a neg-bit view: fall back)
        except Exception:
            a = None
        if a is not None:
            n = a.size
            if n == 0:
                return None
            k = FINGERPRINT_SIZE
            flat = a.reshape(-1)
            if n > k:
                flat = flat[_np_positions(n, k)]
            return tuple(flat.tolist())  # fp16/32 -> Python float is exact, as .to(float64) is
    return fingerprint(lt)

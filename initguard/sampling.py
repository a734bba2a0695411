"""Reading a tensor without copying it: a fixed sample of positions, a value fingerprint, one max-|x| pass.

Everything here is read-only and bounded: a tensor is read at a fixed set of at most ``SAMPLE_SIZE`` positions
(an index gather, never a flatten/clone), plus optionally one ``torch.aminmax`` pass (:func:`full_max_abs`),
which propagates NaN/Inf. Nothing here bumps ``_version``.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from functools import lru_cache

import torch

from initguard.tensors import local_tensor

SAMPLE_SIZE = 4096
FINGERPRINT_SIZE = 16

_GOLDEN = 0.6180339887498949


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


@lru_cache(maxsize=64)
def dtype_eps(dtype: torch.dtype) -> float:
    """The machine epsilon of a float dtype (1e-7 for any other dtype)."""
    try:
        return float(torch.finfo(dtype).eps)
    except TypeError:
        return 1e-7

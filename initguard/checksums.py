"""Checksums of a tensor's bits: equal exactly when the stored bits are equal (up to a 64-bit collision).

:func:`checksum_cpu` / :func:`checksum_device` reduce a flat integer view (:func:`int_view`) of a tensor's
bits to an element-bit sum and a position-weighted bit sum, as row and column sums of a ``(n // BLOCK, BLOCK)``
view, so NaN payloads, ``-0.0`` and denormals compare deterministically and swapping two values changes the
result. :func:`content_checksum` is the whole recipe for one tensor. Used by :mod:`initguard.distributed`
(replicas must agree across ranks) and :mod:`initguard.initializer` (did a ``reset_parameters()`` write this
tensor?). Read-only: views, never writes, never bumps ``_version``.
"""

from __future__ import annotations

from typing import Any

import torch

from initguard.tensors import local_data, numpy_alias

__all__ = ["BLOCK", "ROWS", "NUMPY_ON_CPU", "int_view", "signed64", "weights", "checksum_cpu", "checksum_device",
           "content_checksum"]

#: Row length of the 2-D view used for the checksum (row sums and column sums, both weighted).
BLOCK = 1024
#: Rows per step on accelerators (bounds the int64 temporary to ROWS * BLOCK * 8 bytes = 32 MiB).
ROWS = 4096

#: CPU tensors are reduced with numpy when it is installed (else with the torch code used on
#: accelerators, which gives the same checksums).
try:
    import numpy as _np  # noqa: F401  (only: is numpy installed?)

    NUMPY_ON_CPU = True
except ImportError:  # pragma: no cover - torch does not require numpy
    NUMPY_ON_CPU = False

# odd multipliers (signed int64) for the row, column and tail weights
_SALT_ROW = 0x9E3779B97F4A7C15 - (1 << 64)
_SALT_COL = 0x2545F4914F6CDD1D
_SALT_TAIL = 0x5851F42D4C957F2D
_MASK64 = (1 << 64) - 1


def int_view(t: torch.Tensor) -> torch.Tensor:
    """A flat integer *view* (no copy for contiguous tensors) of ``t``'s bits."""
    if t.is_complex():
        t = torch.view_as_real(t)
    if t.dim() == 0:
        t = t.reshape(1)
    if not t.is_contiguous():  # rare for parameters; the only case that copies
        t = t.contiguous()
    if t.dtype == torch.bool:
        t = t.view(torch.uint8)
    size = t.element_size()
    int_dtype = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}[size]
    if t.dtype != int_dtype:
        t = t.view(int_dtype)
    return t.reshape(-1)


def signed64(x: int) -> int:
    x &= _MASK64
    return x - (1 << 64) if x >= (1 << 63) else x


def weights(n: int, salt: int, lib: str, device: Any = None):
    """``(k + 1) * salt + 1`` for k < n, as wrap-around int64 (numpy or torch)."""
    if lib == "np":
        import numpy as np

        w = np.arange(1, n + 1, dtype=np.int64)
        with np.errstate(over="ignore"):
            w *= np.int64(salt)
            w += np.int64(1)
        return w
    w = torch.arange(1, n + 1, dtype=torch.int64, device=device)
    return w.mul_(salt).add_(1)


def checksum_cpu(flat: torch.Tensor) -> tuple[int, int]:
    """Bit-sum and position-weighted bit-sum of a flat CPU integer view, with numpy.

    The tensor is seen as ``(n // BLOCK, BLOCK)`` rows plus a tail.  One pass of row sums and one
    of column sums (int64 accumulation, no full-size temporary): the bit-sum is the sum of the row
    sums; the weighted sum weights each row sum by its row index and each column sum by its column,
    so swapping any two different values changes it.  Wrap-around int64 arithmetic is intended.
    numpy reads the tensor's memory in place and avoids torch's intra-op thread start-up costs.
    """
    import numpy as np

    try:
        a = numpy_alias(flat)  # shares memory (leaves the storage resizable); only read
    except Exception:  # numpy cannot take it: the same sums with torch
        s1, s2 = checksum_device(flat)
        return int(s1), int(s2)
    n = a.shape[0]
    nb = n // BLOCK
    with np.errstate(over="ignore"):
        s1 = 0
        s2 = 0
        if nb:
            main = a[: nb * BLOCK].reshape(nb, BLOCK)
            rows = main.sum(axis=1, dtype=np.int64)
            cols = main.sum(axis=0, dtype=np.int64)
            s1 += int(rows.sum(dtype=np.int64))
            s2 += int((rows * weights(nb, _SALT_ROW, "np")).sum(dtype=np.int64))
            s2 += int((cols * weights(BLOCK, _SALT_COL, "np")).sum(dtype=np.int64))
        tail = a[nb * BLOCK:].astype(np.int64)
        if tail.size:
            s1 += int(tail.sum(dtype=np.int64))
            s2 += int((tail * weights(tail.size, _SALT_TAIL, "np")).sum(dtype=np.int64))
    return signed64(s1), signed64(s2)


def checksum_device(flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Same checksum as :func:`checksum_cpu`, as 0-d device tensors (no host synchronisation)."""
    n = flat.shape[0]
    dev = flat.device
    nb = n // BLOCK
    s1 = torch.zeros((), dtype=torch.int64, device=dev)
    s2 = torch.zeros((), dtype=torch.int64, device=dev)
    if nb:
        main = flat[: nb * BLOCK].view(nb, BLOCK)
        w_row = weights(nb, _SALT_ROW, "torch", dev)
        cols = torch.zeros(BLOCK, dtype=torch.int64, device=dev)
        # torch may upcast before reducing: bound the int64 temporary to ROWS x BLOCK elements
        for r0 in range(0, nb, ROWS):
            part = main[r0:r0 + ROWS].to(torch.int64)
            rows = part.sum(dim=1)
            cols += part.sum(dim=0)
            s1 += rows.sum()
            s2 += (rows * w_row[r0:r0 + ROWS]).sum()
        s2 += (cols * weights(BLOCK, _SALT_COL, "torch", dev)).sum()
    tail = flat[nb * BLOCK:].to(torch.int64)
    if tail.numel():
        s1 += tail.sum()
        s2 += (tail * weights(tail.numel(), _SALT_TAIL, "torch", dev)).sum()
    return s1, s2


def content_checksum(t: torch.Tensor) -> tuple:
    """Cheap identity of a tensor's current contents: ``(_version, bit_sum, weighted_bit_sum)`` of its local data
    (``(version, 0, 0)`` when it holds no readable values)."""
    local = local_data(t)
    if local.numel() == 0 or local.device.type == "meta":
        return (t._version, 0, 0)
    flat = int_view(local)
    if flat.device.type == "cpu":
        s1, s2 = checksum_cpu(flat)
    else:
        a, b = checksum_device(flat)
        s1, s2 = int(a), int(b)
    return (t._version, s1, s2)

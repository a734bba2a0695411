"""Single-process properties of the per-tensor checksum records that the rank check exchanges."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from initguard import checksums as C
from initguard import distributed as D


def _rec(*tensors, device="cpu"):
    n = len(tensors)
    return D.local_records(list(tensors), [0] * n, [False] * n, torch.device(device)).reshape(n, -1)


def test_identical_values_give_identical_records_and_any_change_differs():
    torch.manual_seed(0)
    a = torch.randn(300, 7)
    b = a.clone()
    c = a.clone()
    c[123, 4] = torch.nextafter(c[123, 4], torch.tensor(1.0))  # one ulp
    p = a.flip(0)  # same multiset of values, other positions
    r = _rec(a, b, c, p)
    assert torch.equal(r[0], r[1])
    assert not torch.equal(r[0, :3], r[2, :3])
    assert r[0, 1] == r[3, 1] and r[0, 2] != r[3, 2], "position-weighted sum must see a permutation"


def test_nan_patterns_compare_deterministically():
    x = torch.full((5, 5), float("nan"))
    y = torch.full((5, 5), float("nan"))
    z = torch.full((5, 5), float("nan"))
    z[0, 0] = 0.0
    r = _rec(x, y, z)
    assert torch.equal(r[0], r[1]), "the same NaN bits on two ranks are not a mismatch"
    assert not torch.equal(r[0], r[2])


@pytest.mark.parametrize(
    "t",
    [
        torch.randn(4, 4).to(torch.bfloat16),
        torch.randn(4, 4).half(),
        torch.randn(4, 4).double(),
        torch.arange(10),
        torch.tensor([True, False, True]),
        torch.randn(3, dtype=torch.complex64),
        torch.tensor(3.5),
        torch.randn(6, 4).t(),  # non-contiguous
        torch.empty(0, 3),
    ],
    ids=["bf16", "fp16", "fp64", "int64", "bool", "complex", "0-d", "non-contig", "empty"],
)
def test_every_dtype_and_layout_is_checksummed(t):
    r = _rec(t, t.clone())
    assert torch.equal(r[0], r[1])
    assert int(r[0, 0]) == t.numel()


@pytest.mark.parametrize("n", [1, D.BLOCK - 1, D.BLOCK, D.BLOCK + 1, 3 * D.BLOCK + 5])
def test_every_swap_of_two_values_changes_the_weighted_sum(n):
    torch.manual_seed(n)
    a = torch.randn(n)
    base = _rec(a)[0]
    assert torch.equal(_rec(a.clone())[0], base)
    g = torch.Generator().manual_seed(0)
    pairs = [(0, n - 1), (n // 2, n // 2 + 1)] + [tuple(torch.randint(0, n, (2,), generator=g).tolist())]
    for i, j in pairs:
        if i == j or j >= n or a[i] == a[j]:
            continue
        b = a.clone()
        b[i], b[j] = a[j], a[i]
        r = _rec(b)[0]
        assert r[1] == base[1] and r[2] != base[2], (n, i, j)


def test_device_formula_matches_numpy_formula(monkeypatch):
    # The torch (accelerator) implementation, run on CPU tensors, must give the numpy result, so
    # that ranks whose tensors live on different device types still compare equal.
    monkeypatch.setattr(C, "ROWS", 2)  # the checksum code lives in initguard.checksums
    for n in (5, D.BLOCK, 7 * D.BLOCK + 3):
        flat = D._int_view(torch.randn(n))
        s1, s2 = D._checksum_device(flat)
        assert (int(s1), int(s2)) == D._checksum_cpu(flat)


def test_accelerator_assembly_path_gives_the_same_records(monkeypatch):
    # The record assembly used for CUDA tensors (device 0-d sums scattered into the uploaded host
    # part), exercised on CPU by routing CPU tensors through it.
    torch.manual_seed(0)
    ts = [torch.randn(3000), torch.randn(7, 5).half(), torch.empty(0), torch.arange(5)]
    expected = _rec(*ts)
    monkeypatch.setattr(C, "NUMPY_ON_CPU", False)
    assert torch.equal(_rec(*ts), expected)


def test_records_are_read_only():
    lin = nn.Linear(8, 8)
    before = {n: (p._version, p.data_ptr(), p.detach().clone()) for n, p in lin.named_parameters()}
    D.local_records([lin.weight, lin.bias], [0, 0], [False, False], torch.device("cpu"))
    for n, p in lin.named_parameters():
        v, ptr, val = before[n]
        assert p._version == v and p.data_ptr() == ptr and torch.equal(p.detach(), val)
        assert p.grad is None
    assert lin.weight.grad_fn is None


def test_without_process_group_the_report_is_returned_unchanged():
    import initguard

    model = nn.Linear(3, 3)
    report = initguard.check(model, allow_default=True)
    assert D.distributed_check(model, report, list(model.named_parameters())) is report


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA (no GPU on this machine)")
def test_cuda_records_do_not_synchronise():  # pragma: no cover - runs only on a GPU machine
    torch.manual_seed(0)
    ts = [torch.randn(257, 33, device="cuda") for _ in range(50)]
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        rec = D.local_records(ts, [0] * 50, [False] * 50, torch.device("cuda"))
    finally:
        torch.cuda.set_sync_debug_mode("default")
    cpu = D.local_records([t.cpu() for t in ts], [0] * 50, [False] * 50, torch.device("cpu"))
    assert torch.equal(rec.cpu(), cpu), "device and numpy checksums must agree (mixed-device groups)"


def test_mismatch_message_names_minority_and_majority_ranks():
    col = torch.tensor([[4, 1, 1, 0, 0], [4, 1, 1, 0, 0], [4, 2, 2, 0, 0], [4, 1, 1, 0, 0]])
    f = D._mismatch_fields("h.0.w", torch.zeros(2, 2), [[0, 1, 3], [2]], col, {"h.0": "Linear"})
    assert "rank 2 differs from ranks 0, 1, 3" in f["reason"] and "[0, 1, 3] | [2]" in f["reason"]
    assert f["module_type"] == "Linear" and f["shape"] == [2, 2] and "seed" in f["fix"]
    two = D._mismatch_fields("w", torch.zeros(3), [[0], [1]], col[:2], {})
    assert "rank 0 and rank 1 hold different values" in two["reason"]
    counts = torch.tensor([[4, 1, 1, 0, 0], [6, 1, 1, 0, 0]])
    uneven = D._mismatch_fields("w", torch.zeros(4), [[0], [1]], counts, {})
    assert "element counts per rank differ: [4, 6]" in uneven["reason"]


def _fp(tensors, sharded=None):
    sharded = sharded or [False] * len(tensors)
    rec = D.local_records(tensors, [0] * len(tensors), sharded, torch.device("cpu"))
    return D._fingerprints(rec.view(-1, D._WIDTH)).tolist()


def test_fingerprints_see_one_changed_bit_and_swapped_tensors():
    torch.manual_seed(0)
    a, b = torch.randn(64, 33), torch.randn(64, 33)
    base = _fp([a, b])
    flipped = b.clone()
    flipped[17, 5] = -flipped[17, 5]  # one sign bit
    assert _fp([a, flipped]) != base
    assert _fp([b, a]) != base  # same values on another tensor: a different fingerprint
    zero, negzero = torch.zeros(8), torch.zeros(8)
    negzero[3] = -0.0  # bit patterns, not values: -0.0 == 0.0 numerically
    assert _fp([zero]) != _fp([negzero])
    assert _fp([a, b]) == base  # deterministic


def test_fingerprints_leave_sharded_tensors_out():
    torch.manual_seed(0)
    a, b, c = torch.randn(10, 10), torch.randn(10, 10), torch.randn(10, 10)
    assert _fp([a, b], sharded=[False, True]) == _fp([a, c], sharded=[False, True])
    assert _fp([a, b], sharded=[False, False]) != _fp([a, c], sharded=[False, False])
    assert _fp([]) == [0, 0]

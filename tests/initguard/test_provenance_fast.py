"""The fast paths of track()'s bookkeeping record exactly what the plain torch paths record."""

import gc
import weakref

import pytest

torch = pytest.importorskip("torch")

from initguard import provenance, sampling, stats  # noqa: E402


def _cases():
    g = torch.Generator().manual_seed(0)
    base = torch.randn(50, 70, generator=g)
    yield "fp32 big", base
    yield "fp32 small", torch.randn(5, generator=g)
    yield "fp32 exactly k", torch.randn(stats.FINGERPRINT_SIZE, generator=g)
    yield "fp32 k+1", torch.randn(stats.FINGERPRINT_SIZE + 1, generator=g)
    yield "fp32 scalar", torch.tensor(3.5)
    yield "empty", torch.empty(0, 4)
    yield "fp16", torch.randn(300, generator=g).half()
    yield "fp64", torch.randn(40, 40, generator=g).double()
    yield "bf16", torch.randn(300, generator=g).bfloat16()
    yield "int64", torch.arange(1000) * (2**53 + 1)
    yield "bool", torch.rand(500, generator=g) > 0.5
    yield "transposed", base.t()
    yield "offset view", base[3:]
    yield "strided", base[:, ::3]
    yield "neg view", torch._neg_view(base)
    yield "nan/inf", torch.tensor([float("nan"), float("inf"), -0.0, 1e-45] * 10)
    yield "parameter", torch.nn.Parameter(torch.randn(33, 17, generator=g))
    yield "meta", torch.empty(10, 10, device="meta")
    yield "uninitialized memory", torch.empty(1 << 20)


@pytest.mark.parametrize("name,t", list(_cases()), ids=[c[0] for c in _cases()])
def test_fingerprint_fast_path_is_bit_identical(name, t):
    want = stats.fingerprint(t)
    got = provenance._fingerprint(stats.local_tensor(t))
    if want is None:
        assert got is None
        return
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert type(a) is type(b) is float
        assert (a != a and b != b) or (a == b and str(a) == str(b)), (name, got, want)


def test_fingerprint_fast_path_is_read_only():
    t = torch.nn.Parameter(torch.randn(1000))
    v, before = t._version, t.detach().clone()
    provenance._fingerprint(stats.local_tensor(t))
    assert t._version == v and torch.equal(t.detach(), before)


def test_weak_id_map_holds_keys_weakly_and_by_identity():
    m = provenance._WeakIdMap()
    a, b = torch.zeros(3), torch.zeros(3)  # equal values, different objects
    ra = m.put(a, "A")
    assert ra() is a and m.get(a) == "A" and m.get(b) is None and b not in m
    assert m.put(a, "A2") is ra and m.get(a) == "A2"  # same entry, same weakref
    m.put(b, "B")
    assert len(m) == 2 and m.entry(b)[1] == "B"
    del a
    gc.collect()
    assert ra() is None and len(m) == 1 and len(m._d) == 1  # the entry went with its key
    del b
    gc.collect()
    assert len(m._d) == 0


def test_records_keep_no_model_alive():
    with provenance.track():
        model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.LayerNorm(4))
    rec, same = provenance.lookup(model[0], "weight", model[0].weight)
    assert same and rec.finalized and rec.fp is not None
    assert rec.fp == stats.fingerprint(model[0].weight)
    refs = [weakref.ref(model), weakref.ref(model[0].weight)]
    del model, rec
    gc.collect()
    assert all(r() is None for r in refs)


def test_fast_path_is_taken_for_plain_cpu_floats(monkeypatch):
    t = torch.randn(64, 64)
    want = stats.fingerprint(t)

    def boom(_):
        raise AssertionError("fell back to stats.fingerprint")

    monkeypatch.setattr(sampling, "fingerprint", boom)  # provenance falls back to sampling.fingerprint
    assert provenance._fingerprint(stats.local_tensor(t)) == want

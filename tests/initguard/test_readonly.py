"""Read-only proof: ``check()`` (and ``assert_initialized``) never writes a tensor, bumps a ``_version``,
creates a ``.grad``, changes ``requires_grad`` or registers anything, for every parameter kind.

Hypothesis draws models over dtypes (fp32/fp16/bf16/fp64, int/bool buffers, complex), shapes (0-d to 4-d,
non-contiguous), kinds (tied, frozen, garbage from ``torch.empty``, NaN), construction (plain, under
``initguard.track()``) and calling context (plain, ``torch.no_grad()``, ``torch.inference_mode()``),
and both check modes. Meta, lazy and DTensor parameters have their own tests.
"""

from __future__ import annotations

import contextlib

import pytest

torch = pytest.importorskip("torch")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from torch import nn  # noqa: E402

import initguard  # noqa: E402

FLOATS = [torch.float32, torch.float16, torch.bfloat16, torch.float64]
SHAPES = [(), (1,), (7,), (3, 5), (16, 33), (4, 3, 2), (2, 3, 3, 3), (300, 70)]
CONTEXTS = ["plain", "no_grad", "inference_mode"]


def _bytes(t: torch.Tensor) -> torch.Tensor:
    flat = t.detach().clone().reshape(-1)
    return flat.view(torch.uint8) if flat.dtype != torch.uint8 else flat


def snapshot(model: nn.Module) -> dict:
    """Everything check() must not change: bytes, _version, grad, requires_grad, the registered names."""
    snap = {}
    named = list(model.named_parameters(remove_duplicate=False)) + list(model.named_buffers(remove_duplicate=False))
    for name, t in named:
        if isinstance(t, nn.parameter.UninitializedTensorMixin):
            snap[name] = {"id": id(t), "version": None, "grad": t.grad if isinstance(t, nn.Parameter) else None,
                          "requires_grad": t.requires_grad, "dtype": type(t), "shape": None, "stride": None}
            continue
        entry = {"id": id(t), "version": t._version, "grad": t.grad if isinstance(t, nn.Parameter) else None,
                 "requires_grad": t.requires_grad, "dtype": t.dtype, "shape": tuple(t.shape),
                 "stride": t.stride() if not t.is_meta else None}
        if not t.is_meta and not isinstance(t, nn.parameter.UninitializedTensorMixin):
            entry["bytes"] = _bytes(t)
        snap[name] = entry
    snap["__modules__"] = [(n, type(m), sorted(m._parameters), sorted(m._buffers), sorted(m.__dict__))
                           for n, m in model.named_modules()]
    return snap


def assert_unchanged(model: nn.Module, before: dict) -> None:
    after = snapshot(model)
    assert after.keys() == before.keys()
    assert after["__modules__"] == before["__modules__"], "check() registered or removed something"
    for name, b in before.items():
        if name == "__modules__":
            continue
        a = after[name]
        assert a["id"] == b["id"], f"{name}: tensor object replaced"
        assert a["version"] == b["version"], f"{name}: _version {b['version']} -> {a['version']}"
        assert a["grad"] is None and b["grad"] is None, f"{name}: .grad created"
        assert a["requires_grad"] == b["requires_grad"], name
        assert (a["dtype"], a["shape"], a["stride"]) == (b["dtype"], b["shape"], b["stride"]), name
        if "bytes" in b:
            assert torch.equal(a["bytes"], b["bytes"]), f"{name}: bytes changed"


def run_check(model, context: str, mode: str):
    ctx = {"plain": contextlib.nullcontext, "no_grad": torch.no_grad, "inference_mode": torch.inference_mode}[context]
    with ctx():
        report = initguard.check(model, mode=mode)
        str(report)
        report.to_dict() if hasattr(report, "to_dict") else None
        try:
            initguard.assert_initialized(model, mode=mode)
        except initguard.NotInitializedError as err:
            str(err)
    return report


class Bag(nn.Module):
    """A module holding arbitrary drawn tensors as parameters and buffers."""


@st.composite
def tensors(draw):
    kind = draw(st.sampled_from(["float_param", "float_param", "frozen_param", "int_buffer", "bool_buffer",
                                 "complex_param", "complex_buffer", "float_buffer"]))
    shape = draw(st.sampled_from(SHAPES))
    fill = draw(st.sampled_from(["randn", "default_like", "empty", "zeros", "ones", "nan", "huge"]))
    if kind in ("int_buffer",):
        dtype = draw(st.sampled_from([torch.int64, torch.int32, torch.int8, torch.uint8]))
        t = torch.randint(0, 100, shape, dtype=dtype)
    elif kind == "bool_buffer":
        t = torch.rand(shape) > 0.5
    elif kind.startswith("complex"):
        t = torch.randn(shape, dtype=draw(st.sampled_from([torch.complex64, torch.complex128])))
    else:
        dtype = draw(st.sampled_from(FLOATS))
        if fill == "empty":
            t = torch.empty(shape, dtype=dtype)
        elif fill == "zeros":
            t = torch.zeros(shape, dtype=dtype)
        elif fill == "ones":
            t = torch.ones(shape, dtype=dtype)
        elif fill == "nan":
            t = torch.full(shape, float("nan"), dtype=dtype)
        elif fill == "huge":
            t = torch.full(shape, 3e4, dtype=dtype)
        elif fill == "default_like":
            bound = 1 / max(1, shape[-1] if shape else 1) ** 0.5
            t = torch.empty(shape, dtype=dtype).uniform_(-bound, bound)
        else:
            t = torch.randn(shape, dtype=dtype)
    if draw(st.booleans()) and t.dim() >= 2:
        t = t.transpose(0, 1)  # non-contiguous
    return kind, t


@st.composite
def models(draw):
    tracked = draw(st.booleans())
    ctx = initguard.track() if tracked else contextlib.nullcontext()
    with ctx:
        model = nn.Sequential()
        dtype = draw(st.sampled_from(FLOATS[:3] + [torch.float64]))
        model.add_module("lin", nn.Linear(draw(st.integers(1, 40)), 8, dtype=dtype))
        model.add_module("norm", nn.LayerNorm(8))
        model.add_module("emb", nn.Embedding(11, 8))
        bag = Bag()
        for i, (kind, t) in enumerate(draw(st.lists(tensors(), min_size=1, max_size=6))):
            if kind.endswith("param"):
                trainable = kind != "frozen_param" and t.is_floating_point() or t.is_complex()
                bag.register_parameter(f"p{i}", nn.Parameter(t, requires_grad=trainable))
            else:
                bag.register_buffer(f"b{i}", t, persistent=draw(st.booleans()))
        model.add_module("bag", bag)
        if draw(st.booleans()):
            tied = nn.Linear(8, 11, bias=False)
            tied.weight = model.emb.weight  # tied weights
            model.add_module("head", tied)
        if draw(st.booleans()):
            for p in model.norm.parameters():
                p.requires_grad_(False)
    return model


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(models(), st.sampled_from(CONTEXTS), st.sampled_from(["sample", "full"]))
def test_check_is_read_only(model, context, mode):
    before = snapshot(model)
    run_check(model, context, mode)
    assert_unchanged(model, before)


@pytest.mark.parametrize("context", CONTEXTS)
def test_check_after_backward_keeps_existing_grads(context):
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    model(torch.randn(3, 4)).sum().backward()
    grads = {n: (p.grad, p.grad.clone(), p.grad._version) for n, p in model.named_parameters()}
    before = {n: (p._version, p.detach().clone()) for n, p in model.named_parameters()}
    run_check(model, context, "full")
    for n, p in model.named_parameters():
        assert p.grad is grads[n][0] and torch.equal(p.grad, grads[n][1]) and p.grad._version == grads[n][2]
        assert p._version == before[n][0] and torch.equal(p.detach(), before[n][1])


def test_meta_parameters_are_reported_and_untouched():
    with torch.device("meta"):
        model = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8))
    before = snapshot(model)
    report = run_check(model, "plain", "full")
    assert not report.ok
    assert all(p.is_meta for p in model.parameters())
    assert_unchanged(model, before)


def test_lazy_parameters_are_untouched():
    model = nn.Sequential(nn.LazyLinear(4), nn.LazyConv2d(3, 3))
    before = snapshot(model)
    for context in CONTEXTS:
        run_check(model, context, "full")
    assert all(isinstance(p, nn.parameter.UninitializedParameter) for p in model.parameters())
    assert_unchanged(model, before)


def test_tracked_model_under_inference_mode_build():
    # tensors created under inference_mode are inference tensors: check() must still not touch them
    with torch.inference_mode():
        with initguard.track():
            model = nn.Sequential(nn.Linear(5, 5), nn.LayerNorm(5))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    report = run_check(model, "inference_mode", "full")
    report2 = run_check(model, "plain", "sample")
    assert [p.name for p in report.problems] == [p.name for p in report2.problems]
    for n, p in model.named_parameters():
        assert torch.equal(p, before[n]) and p.grad is None


def test_dtensor_parameters_are_untouched(tmp_path):
    dist = pytest.importorskip("torch.distributed")
    if not dist.is_available():
        pytest.skip("torch.distributed not available")
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Replicate, Shard, distribute_tensor

    owned = not dist.is_initialized()
    if owned:
        dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        mesh = init_device_mesh("cpu", (1,))
        model = nn.Sequential(nn.Linear(6, 6), nn.LayerNorm(6))
        for mod in model:
            for name, p in list(mod.named_parameters(recurse=False)):
                placement = Shard(0) if p.dim() == 2 else Replicate()
                mod.register_parameter(name, nn.Parameter(distribute_tensor(p.detach(), mesh, [placement])))
        before = snapshot(model)
        local = {n: (p.to_local()._version, p.to_local().detach().clone()) for n, p in model.named_parameters()}
        for context in CONTEXTS:
            run_check(model, context, "full")
        assert_unchanged(model, before)
        for n, p in model.named_parameters():
            assert p.to_local()._version == local[n][0]
            assert torch.equal(p.to_local().detach(), local[n][1])
    finally:
        if owned:
            dist.destroy_process_group()

"""initguard.initialize with real Lightning Fabric on CPU and a LitGPT-style model (LitGPT issue 1150)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from _models import LitGPTStyle, assign_init_partials, token_batch

import initguard
from initguard.initializer import InitializationIncomplete, initialize


L = pytest.importorskip("lightning")


def _fabric():
    return L.Fabric(accelerator="cpu", devices=1)


def _train(fabric, model, steps=3):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model, opt = fabric.setup(model, opt)
    x = token_batch()
    losses = []
    for _ in range(steps):
        logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1))
        fabric.backward(loss)
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    return losses


def test_litgpt_fresh_path_without_initialize_is_caught():
    """The bug: partials assigned, nothing calls them; the check names the never-written weights."""
    fabric = _fabric()
    with initguard.track(), fabric.init_module(empty_init=True):
        model = LitGPTStyle()
    assign_init_partials(model)
    with pytest.raises(initguard.NotInitializedError) as ei:
        initguard.assert_initialized(model)
    names = {p.name for p in ei.value.report.problems}
    assert {"lm_head.weight", "transformer.wte.weight", "transformer.h.0.attn.attn.weight"} <= names


def test_litgpt_fresh_path_with_initialize_trains():
    fabric = _fabric()
    fabric.seed_everything(0)
    with initguard.track(), fabric.init_module(empty_init=True):
        model = LitGPTStyle()
    assign_init_partials(model)
    report = initguard.initialize(model)
    assert report.ok and not report.materialized, str(report)
    n_embd, n_layer = model.config.n_embd, model.config.n_layer
    # the instance-patched partials ran (not nn.Linear's class method): LitGPT's stds
    assert model.lm_head.weight.std().item() == pytest.approx(math.sqrt(2.0 / 5 / n_embd), rel=0.15)
    proj = model.transformer.h[0].attn.proj.weight
    assert proj.std().item() == pytest.approx(1 / math.sqrt(n_embd) / n_layer, rel=0.15)
    assert torch.equal(model.transformer.ln_f.weight.detach(), torch.ones(n_embd))
    initguard.assert_initialized(model)
    losses = _train(fabric, model)
    assert all(math.isfinite(v) for v in losses) and losses[-1] < losses[0]


def test_meta_path_materialises_on_device_and_keeps_ties():
    with torch.device("meta"):
        model = LitGPTStyle()
    model.lm_head.weight = model.transformer.wte.weight  # weight tying
    assign_init_partials(model)
    report = initialize(model, device="cpu")
    assert report.ok and report.materialized and report.device == "cpu", str(report)
    assert all(p.device.type == "cpu" for p in model.parameters())
    assert model.lm_head.weight is model.transformer.wte.weight
    assert all(bool(torch.isfinite(p).all()) for p in model.parameters())
    initguard.assert_initialized(model)


def test_each_reset_parameters_called_once_children_first():
    with torch.device("meta"):
        model = LitGPTStyle()
    calls = []
    names = {}
    for name, mod in model.named_modules():
        names[id(mod)] = name
        original = getattr(mod, "reset_parameters", None)
        if callable(original):

            def counted(mod=mod, original=original):
                calls.append(names[id(mod)])
                original()

            mod.reset_parameters = counted  # patched onto the instance, like LitGPT's partials
    report = initialize(model, device="cpu")
    assert sorted(calls) == sorted(set(calls)), "a reset_parameters ran twice"
    with_reset = {n for n, m in model.named_modules() if callable(getattr(m, "reset_parameters", None))}
    assert set(calls) == with_reset
    assert calls == report.called
    pos = {n: i for i, n in enumerate(calls)}
    for n in calls:  # bottom-up: every module after all of its descendants
        for other in calls:
            if other.startswith(n + ".") if n else other != n:
                assert pos[other] < pos[n], (other, n)


def test_parameter_no_reset_parameters_covers_is_reported_and_strict_raises():
    with torch.device("meta"):
        model = LitGPTStyle(extra_scale=True)
    report = initialize(model, device="cpu")
    assert not report.ok
    [u] = report.uncovered
    assert u.name == "logit_scale" and u.module_type == "LitGPTStyle"
    assert "no reset_parameters() covers it" in u.reason and "reset_parameters()" in u.fix
    assert "logit_scale" in str(report)

    with torch.device("meta"):
        model = LitGPTStyle(extra_scale=True)
    with pytest.raises(InitializationIncomplete) as ei:
        initialize(model, device="cpu", strict=True)
    assert isinstance(ei.value, RuntimeError) and "logit_scale" in str(ei.value)
    assert initialize(LitGPTStyle(extra_scale=True), allow=["logit_*"]).ok


def test_torch_module_without_reset_parameters_multihead_attention():
    with torch.device("meta"):
        mha = nn.MultiheadAttention(8, 2)
    report = initialize(mha, device="cpu")
    assert {u.name for u in report.uncovered} == {"in_proj_weight", "in_proj_bias"}
    assert "out_proj.weight" not in str(report)


def test_writes_through_data_and_buffers_on_meta():
    class Rope(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(4))
            self.register_buffer("inv_freq", torch.arange(4.0), persistent=False)
            self.register_buffer("cache", torch.zeros(4), persistent=False)

        def reset_parameters(self):
            self.scale.data.fill_(1.0)  # .data: no _version bump, still seen (NaN poison)
            self.inv_freq.copy_(torch.arange(4.0))  # 'cache' forgotten

    with torch.device("meta"):
        m = Rope()
    report = initialize(m, device="cpu")
    assert [u.name for u in report.uncovered] == ["cache"]
    assert "Rope.reset_parameters() did not write it" in report.uncovered[0].reason
    # eager: buffers keep their constructed values and are not reported
    eager = {u.name for u in initialize(Rope()).uncovered}
    assert "cache" not in eager and "inv_freq" not in eager


def test_contract_violation_is_noted():
    class Parent(nn.Module):
        def __init__(self):
            super().__init__()
            self.child = nn.Linear(4, 4)

        def reset_parameters(self):
            nn.init.zeros_(self.child.weight)  # writes a submodule's tensor

    report = initialize(Parent())
    assert report.ok
    assert len(report.contract_violations) == 1 and "child.weight" in report.contract_violations[0]
    assert "FSDP contract" in str(report)


def test_lazy_public_name():
    assert initguard.initialize is initialize


def test_partial_and_in_place_writes_on_meta_are_reported():
    class Half(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.ones(8))
            self.b = nn.Parameter(torch.ones(4))

        def reset_parameters(self):
            self.a.data[:4] = 1.0  # half of it
            with torch.no_grad():
                self.b.mul_(2.0)  # reads the empty memory

    with torch.device("meta"):
        m = Half()
    by_name = {u.name: u.reason for u in initialize(m, device="cpu").uncovered}
    assert by_name == {
        "a": "4/8 elements were not written by reset_parameters()",
        "b": "4/4 elements were only updated in place (NaN stays NaN) by reset_parameters()",
    }

"""Real Lightning Fabric on CPU: ``init_module(empty_init=True)`` with and without a LitGPT-style init.

The model is the tiny LitGPT-style GPT of examples/pretrain.py (custom RMSNorm, Linear/Embedding whose
``reset_parameters`` get patched with ``functools.partial``, a helper calling every module's
reset_parameters).
"""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import initguard

lightning_fabric = pytest.importorskip("lightning.fabric")


@pytest.fixture(scope="module")
def fabric():
    return lightning_fabric.Fabric(accelerator="cpu", devices=1)


def _never_initialized(model):
    """The tensors whose init Fabric's empty-init mode swallows: Linear/Embedding weights and biases."""
    return {n for n, p in model.named_parameters() if "norm" not in n and "ln_f" not in n}


@pytest.mark.parametrize("order", ["track_outside", "track_inside"])
def test_fresh_path_that_forgets_init_is_caught_with_track(example, fabric, order, h):
    c = example.Config()
    if order == "track_outside":
        with initguard.track(), fabric.init_module(empty_init=True):
            model = example.GPT(c)
    else:
        with fabric.init_module(empty_init=True), initguard.track():
            model = example.GPT(c)
    r = initguard.check(model)
    assert h.names(r, "uninitialized") == _never_initialized(model)
    assert not r.defaults  # RMSNorm ones are written by torch.ones: fine
    assert all(p.source == "provenance" for p in r.problems)
    with pytest.raises(initguard.NotInitializedError) as ei:
        initguard.assert_initialized(model)
    msg = str(ei.value)
    assert "h.0.attn.attn.weight" in msg and "(192, 64)" in msg and "Linear" in msg and "Embedding" in msg
    assert "reset_parameters" in msg


def test_fresh_path_with_litgpt_init_passes_with_track(example, fabric):
    c = example.Config()
    with initguard.track(), fabric.init_module(empty_init=True):
        model = example.GPT(c)
    example.initialize_weights(model, c)
    r = initguard.assert_initialized(model)
    assert r.ok and r.tracked == len(list(model.parameters()))


def test_litgpt_init_placed_inside_the_empty_init_context_does_nothing(example, fabric, h):
    # lit-gpt PR 759: model.apply(_init_weights) inside init_module(empty_init=True) is swallowed
    c = example.Config()
    with initguard.track(), fabric.init_module(empty_init=True):
        model = example.GPT(c)
        model.apply(lambda m: nn.init.normal_(m.weight, std=0.02) if isinstance(m, nn.Linear) else None)
    r = initguard.check(model)
    assert {n for n in h.names(r, "uninitialized")} == _never_initialized(model)


def test_stats_fallback_without_track(example, fabric, h):
    c = example.Config()
    with fabric.init_module(empty_init=True):
        good = example.GPT(c)
        bad = example.GPT(c)
    example.initialize_weights(good, c)
    assert initguard.check(good).ok
    # the forgotten fresh path: make the never-written memory's garbage deterministic
    params = dict(bad.named_parameters())
    skipped = sorted(_never_initialized(bad))
    kinds = ["nan", "denormal", "huge", "inf"]
    for i, n in enumerate(skipped):
        h.poison([params[n]], kinds[i % len(kinds)] if params[n].dim() == 1 else (kinds + ["zero"])[i % 5])
    r = initguard.check(bad)
    assert h.names(r, "uninitialized") == set(skipped)
    assert all(p.source == "statistics" for p in r.problems)


def test_resume_path_loading_a_fabric_checkpoint_passes(example, fabric, tmp_path):
    c = example.Config()
    src = example.GPT(c)
    example.initialize_weights(src, c)
    path = tmp_path / "ckpt.pt"
    fabric.save(path, {"model": src})
    with initguard.track(), fabric.init_module(empty_init=True):
        model = example.GPT(c)
    fabric.load(path, {"model": model})
    assert initguard.check(model).ok
    for (n, a), b in zip(model.named_parameters(), src.parameters()):
        assert torch.equal(a, b), n


def test_guard_on_fabric_optimizer_and_wrapped_module(example, fabric):
    c = example.Config()
    with initguard.track(), fabric.init_module(empty_init=True):
        model = example.GPT(c)
    example.initialize_weights(model, c)
    fmodel = fabric.setup(model)
    opt = fabric.setup_optimizers(torch.optim.SGD(fmodel.parameters(), lr=0.0))
    assert initguard.check(fmodel).ok  # the _FabricModule wrapper is unwrapped; names unchanged
    handle = initguard.guard(fmodel, opt)
    tokens = torch.randint(0, c.vocab_size, (2, 9))
    loss = fmodel(tokens[:, :-1]).float().logsumexp(-1).mean()
    fabric.backward(loss)
    opt.step()
    assert handle.fired and handle.report.ok


def test_example_script_both_runs(example, capsys):
    assert example.main(["--skip-init", "--steps", "1"]) == 1
    err = capsys.readouterr().err
    assert "NotInitializedError" in err and "wte.weight" in err and "uninitialized" in err
    assert example.main(["--steps", "1"]) == 0
    assert "step 0: loss" in capsys.readouterr().out

"""Framework integrations, tested with the real frameworks on CPU (tiny models, a few steps).

* Lightning: ``InitGuardCallback`` in a real ``lightning.Trainer`` — fails a fresh empty-init run,
  passes an initialized one, and passes a run resumed from a checkpoint (``on_train_start`` is after
  the restore; a probe at ``on_fit_start`` shows the same model is still garbage there).
* Hugging Face: ``InitGuardTrainerCallback`` in a real ``transformers.Trainer`` with a tiny Llama
  built from a config (fresh, broken, and resumed from a checkpoint).
* Fabric: core's ``initguard.guard(model, optimizer)`` with Fabric-wrapped model and optimizer.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from torch.nn import functional as F

from _models import LitGPTStyle, assign_init_partials, token_batch

import initguard
from initguard.initializer import initialize


def test_importing_initguard_does_not_import_the_frameworks():
    code = (
        "import sys, initguard, initguard.integrations, initguard.integrations.lightning, "
        "initguard.integrations.transformers\n"
        "initguard.check\n"
        "bad = [m for m in ('lightning', 'pytorch_lightning', 'transformers') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def _lm_loss(model, x):
    logits = model(x[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1))


def _ready_litgpt():
    model = LitGPTStyle()
    assign_init_partials(model)
    assert initialize(model).ok
    return model


# ------------------------------------------------------------------------------------------- Lightning
L = pytest.importorskip("lightning")


class LitModule(L.LightningModule):
    def __init__(self, ready: bool):
        super().__init__()
        self.model = _ready_litgpt() if ready else LitGPTStyle()

    def training_step(self, batch, batch_idx):
        return _lm_loss(self.model, batch[0])

    def configure_optimizers(self):
        return torch.optim.AdamW(self.parameters(), lr=1e-2)


class RestoreAfterSetup(L.pytorch.strategies.SingleDeviceStrategy):
    """Single-device strategy with FSDP/DeepSpeed/ModelParallel's restore order.

    Those strategies report ``restore_checkpoint_after_setup = True``: Lightning then restores the
    checkpoint's weights *after* ``on_fit_start`` (and before ``on_train_start``).  Running that
    real code path on one CPU device shows why the callback must not use ``on_fit_start``.
    """

    @property
    def restore_checkpoint_after_setup(self) -> bool:
        return True


class FitStartProbe(L.Callback):
    """Records what the check would say at on_fit_start (before the checkpoint restore)."""

    report = None

    def on_fit_start(self, trainer, pl_module):
        self.report = initguard.check(pl_module)


def _loader():
    data = torch.utils.data.TensorDataset(token_batch(batch=8))
    return torch.utils.data.DataLoader(data, batch_size=4)


def _trainer(tmp_path, callbacks, max_steps=2, strategy="auto"):
    return L.Trainer(
        accelerator="cpu", devices=1, max_steps=max_steps, callbacks=callbacks, logger=False,
        strategy=strategy,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        default_root_dir=str(tmp_path),
    )


def _empty_module(trainer):
    with initguard.track(), trainer.init_module(empty_init=True):
        return LitModule(ready=False)


def test_lightning_callback_fails_fresh_empty_init_run_before_any_step(tmp_path):
    from initguard.integrations.lightning import InitGuardCallback

    cb = InitGuardCallback()
    trainer = _trainer(tmp_path, [cb])
    module = _empty_module(trainer)
    with pytest.raises(initguard.NotInitializedError) as ei:
        trainer.fit(module, _loader())
    names = {p.name for p in ei.value.report.problems}
    assert "model.lm_head.weight" in names and "model.transformer.wte.weight" in names
    assert trainer.global_step == 0
    assert module.model.lm_head.weight._version == 0, "no optimizer step touched the weights"


def test_lightning_callback_passes_initialized_model_and_resumed_run(tmp_path):
    from initguard.integrations.lightning import InitGuardCallback

    cb = InitGuardCallback()
    trainer = _trainer(tmp_path, [cb])
    trainer.fit(LitModule(ready=True), _loader())
    assert cb.report is not None and cb.report.ok and trainer.global_step == 2
    ckpt = tmp_path / "good.ckpt"
    trainer.save_checkpoint(ckpt)

    # Resume: the model is built uninitialized (empty init); the checkpoint restore fills it.
    cb2, probe = InitGuardCallback(), FitStartProbe()
    strategy = RestoreAfterSetup(device=torch.device("cpu"))
    trainer2 = _trainer(tmp_path, [probe, cb2], max_steps=4, strategy=strategy)
    module = _empty_module(trainer2)
    trainer2.fit(module, _loader(), ckpt_path=str(ckpt))
    assert not probe.report.ok, "at on_fit_start the weights are still garbage (restore not done yet)"
    assert cb2.report.ok and trainer2.global_step == 4


def test_lightning_callback_options(tmp_path):
    from initguard.integrations import lightning as integ

    cb = integ.callback_class("lightning")(raise_on_failure=False, allow=["model.*"])
    assert isinstance(cb, L.Callback) and cb.check_kwargs["allow"] == ("model.*",)
    trainer = _trainer(tmp_path, [cb], max_steps=1)
    trainer.fit(_empty_module(trainer), _loader())  # everything allowed: trains
    assert cb.report.ok and len(cb.report.allowed) > 0
    with pytest.raises(ValueError):
        integ.callback_class("keras")
    import pickle

    assert type(pickle.loads(pickle.dumps(cb))) is type(cb)  # strategies may pickle callbacks (ddp_spawn)


# ------------------------------------------------------------------------------------------- Fabric
def _fabric_setup(ready: bool):
    fabric = L.Fabric(accelerator="cpu", devices=1)
    fabric.seed_everything(0)
    if ready:
        model = _ready_litgpt()
    else:
        with initguard.track(), fabric.init_module(empty_init=True):
            model = LitGPTStyle()
        assign_init_partials(model)  # the LitGPT bug: assigned, never called
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model, opt = fabric.setup(model, opt)
    return fabric, model, opt


def test_guard_with_fabric_wrapped_model_and_optimizer_stops_the_first_step():
    fabric, model, opt = _fabric_setup(ready=False)
    from lightning.fabric.wrappers import _FabricModule, _FabricOptimizer

    assert isinstance(model, _FabricModule) and isinstance(opt, _FabricOptimizer)
    handle = initguard.guard(model, opt)
    fabric.backward(_lm_loss(model, token_batch()))
    w = model.lm_head.weight
    before = w.detach().view(torch.int32).clone()  # bits: garbage may hold NaN
    with pytest.raises(initguard.NotInitializedError, match="lm_head.weight"):
        opt.step()
    assert torch.equal(w.detach().view(torch.int32), before), "the step must not have run"
    assert handle.fired and not handle.active


def test_guard_with_fabric_passes_initialized_model():
    fabric, model, opt = _fabric_setup(ready=True)
    handle = initguard.guard(model, opt)
    for _ in range(2):
        fabric.backward(_lm_loss(model, token_batch()))
        opt.step()
        opt.zero_grad()
    assert handle.fired and handle.report.ok


# ------------------------------------------------------------------------------------ Hugging Face
transformers = pytest.importorskip("transformers")


def _llama_config():
    return transformers.LlamaConfig(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=32,
    )


class _Tokens(torch.utils.data.Dataset):
    def __init__(self):
        self.x = token_batch(batch=8, seq=8)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return {"input_ids": self.x[i], "labels": self.x[i]}


def _hf_trainer(tmp_path, model, callbacks, max_steps=2, save=False):
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "hf"), max_steps=max_steps, per_device_train_batch_size=4,
        learning_rate=1e-3, report_to=[], use_cpu=True, disable_tqdm=True, logging_strategy="no",
        save_strategy="steps" if save else "no", save_steps=max_steps, dataloader_num_workers=0,
    )
    return transformers.Trainer(model=model, args=args, train_dataset=_Tokens(), callbacks=callbacks)


def _broken_llama():
    """Built on meta and materialised with to_empty, init forgotten: what a meta-init bug leaves."""
    with initguard.track():
        with torch.device("meta"):
            model = transformers.LlamaForCausalLM(_llama_config())
        model.to_empty(device="cpu")
    return model


def test_hf_trainer_callback_fails_uninitialized_model_before_any_step(tmp_path):
    from initguard.integrations.transformers import InitGuardTrainerCallback

    model = _broken_llama()
    trainer = _hf_trainer(tmp_path, model, [InitGuardTrainerCallback()])
    with pytest.raises(initguard.NotInitializedError) as ei:
        trainer.train()
    names = {p.name for p in ei.value.report.problems}
    assert "model.embed_tokens.weight" in names and "model.layers.0.mlp.up_proj.weight" in names
    assert trainer.state.global_step == 0


def test_hf_trainer_callback_passes_fresh_model_and_resumed_run(tmp_path):
    from initguard.integrations.transformers import InitGuardTrainerCallback

    torch.manual_seed(0)
    cb = InitGuardTrainerCallback()
    trainer = _hf_trainer(tmp_path, transformers.LlamaForCausalLM(_llama_config()), [cb], save=True)
    trainer.train()
    assert cb.report is not None and cb.report.ok, str(cb.report)
    ckpt = tmp_path / "hf" / "checkpoint-2"
    assert ckpt.is_dir()

    # Resume into a meta-built, never-initialized model: the checkpoint is loaded before
    # on_train_begin, so every parameter passes -- but the non-persistent RoPE buffers are not in
    # the checkpoint and stay garbage.  That is a real bug, and the check names exactly those.
    trainer2 = _hf_trainer(tmp_path, _broken_llama(), [InitGuardTrainerCallback()], max_steps=3)
    with pytest.raises(initguard.NotInitializedError) as ei:
        trainer2.train(resume_from_checkpoint=str(ckpt))
    names = {p.name for p in ei.value.report.problems}
    assert names == {"model.rotary_emb.inv_freq", "model.rotary_emb.original_inv_freq"}, names
    assert trainer2.state.global_step == 2  # restored from the checkpoint; no new step taken

    cb3 = InitGuardTrainerCallback(allow=["model.rotary_emb.*"])
    trainer3 = _hf_trainer(tmp_path, _broken_llama(), [cb3], max_steps=3)
    trainer3.train(resume_from_checkpoint=str(ckpt))
    assert cb3.report.ok and trainer3.state.global_step == 3

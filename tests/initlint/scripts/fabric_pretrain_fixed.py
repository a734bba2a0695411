"""Pretraining with Lightning Fabric (LitGPT style), fixed: the fresh run calls reset_parameters()."""

import math
import time
from functools import partial
from pathlib import Path

import lightning as L
import torch
import torch.nn as nn
from lightning.fabric.strategies import FSDPStrategy

from mymodels import GPT, Block, Config, MLP


def setup(model_name: str = "tiny", devices: int = 1, resume: bool = False,
          initial_checkpoint_dir: Path | None = None, out_dir: Path = Path("out")) -> None:
    config = Config.from_name(model_name)
    strategy = FSDPStrategy(auto_wrap_policy={Block}) if devices > 1 else "auto"
    fabric = L.Fabric(devices=devices, strategy=strategy, precision="bf16-mixed")
    fabric.launch(main, devices, resume, config, initial_checkpoint_dir, out_dir)


def main(fabric, devices, resume, config, initial_checkpoint_dir, out_dir):
    if fabric.global_rank == 0:
        out_dir.mkdir(parents=True, exist_ok=True)
    fabric.seed_everything(1337)

    t0 = time.perf_counter()
    with fabric.init_module(empty_init=True):
        model = GPT(config)

    initialize_weights(fabric, model, n_layer=config.n_layer, n_embd=config.n_embd)
    fabric.print(f"Time to instantiate model: {time.perf_counter() - t0:.02f} seconds.")

    model = torch.compile(model)
    model = fabric.setup(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=4e-4, weight_decay=0.1, betas=(0.9, 0.95))
    optimizer = fabric.setup_optimizers(optimizer)
    train_dataloader = fabric.setup_dataloaders(make_dataloader(config))

    if initial_checkpoint_dir:
        fabric.load_raw(initial_checkpoint_dir / "lit_model.pth", model)

    state = {"model": model, "optimizer": optimizer, "iter_num": 0, "step_count": 0}

    if resume:
        resume = max(out_dir.rglob("step-*/*.pth"), key=lambda p: int(p.parent.name.split("-")[1]))
        fabric.print(f"Resuming training from {resume}")
        fabric.load(resume, state)

    train_time = time.perf_counter()
    fit(fabric, devices, state, train_dataloader, out_dir)
    fabric.print(f"Training time: {(time.perf_counter() - train_time):.2f}s")


def fit(fabric, devices, state, train_dataloader, out_dir, max_iters=600000, accum=4):
    model = state["model"]
    optimizer = state["optimizer"]
    with torch.device("meta"):
        meta_model = GPT(model.config)
        x = torch.randint(0, 1, (2, model.config.block_size))
        fabric.print(f"Estimated TFLOPs: {measure_flops(meta_model, x) * devices / 1e12:.2f}")
        del meta_model, x

    for input_ids, targets in train_dataloader:
        if state["iter_num"] >= max_iters:
            break
        state["iter_num"] += 1
        is_accumulating = state["iter_num"] % accum != 0
        with fabric.no_backward_sync(model, enabled=is_accumulating):
            logits = model(input_ids)
            loss = nn.functional.cross_entropy(logits.flatten(0, 1), targets.flatten())
            fabric.backward(loss / accum)
        if not is_accumulating:
            optimizer.step()
            optimizer.zero_grad()
            state["step_count"] += 1
        if state["iter_num"] % 1000 == 0:
            fabric.save(out_dir / f"step-{state['iter_num']:08d}" / "lit_model.pth", state)


def initialize_weights(fabric, model, n_layer, n_embd):
    """GPT-NeoX style init: small normal for embeddings and linears, scaled for the residual projections."""

    def init_weights(module, std):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)

    for mod in model.modules():
        if isinstance(mod, (nn.Embedding, nn.Linear)):
            mod.reset_parameters = partial(init_weights, mod, std=math.sqrt(2.0 / 5 / n_embd))

    # the residual projections are nn.Linear too, so they need their own loop
    for mod in model.modules():
        if isinstance(mod, MLP):
            mod.proj.reset_parameters = partial(init_weights, mod.proj, std=(1 / math.sqrt(n_embd) / n_layer))

    # the assignments above only take effect when something calls them
    for mod in model.modules():
        if hasattr(mod, "reset_parameters"):
            mod.reset_parameters()


def make_dataloader(config):
    return torch.utils.data.DataLoader(list(range(10)), batch_size=2)


def measure_flops(model, x):
    return 0


if __name__ == "__main__":
    torch.set_float32_matmul_precision("high")
    setup()

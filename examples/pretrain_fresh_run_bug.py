"""The LitGPT fresh-run bug in twenty lines (run `initlint examples/` to see INIT101 on it).

The model is built with empty init; a helper only *assigns* reset_parameters partials; the checkpoint and
resume branches load weights, but a fresh run (neither set) trains on uninitialized memory.
"""

import math
from functools import partial

import lightning as L
import torch
import torch.nn as nn

from examples_model import GPT  # any model: the script, not the model, has the bug


def initialize_weights(model, n_embd):
    for mod in model.modules():
        if isinstance(mod, (nn.Linear, nn.Embedding)):
            mod.reset_parameters = partial(nn.init.normal_, mod.weight, std=math.sqrt(2.0 / 5 / n_embd))
    # missing: for mod in model.modules(): mod.reset_parameters()


def main(fabric, config, initial_checkpoint_dir=None, resume=None):
    with fabric.init_module(empty_init=True):
        model = GPT(config)
    initialize_weights(model, config.n_embd)
    model = fabric.setup(model)
    optimizer = fabric.setup_optimizers(torch.optim.AdamW(model.parameters(), lr=3e-4))
    if initial_checkpoint_dir:
        fabric.load_raw(initial_checkpoint_dir / "lit_model.pth", model)
    state = {"model": model, "optimizer": optimizer}
    if resume:
        fabric.load(resume, state)
    for step in range(100):
        loss = model(torch.randint(0, config.vocab_size, (8, 64))).mean()
        fabric.backward(loss)
        optimizer.step()
        optimizer.zero_grad()


if __name__ == "__main__":
    main(L.Fabric(accelerator="cpu", devices=1), config=None)

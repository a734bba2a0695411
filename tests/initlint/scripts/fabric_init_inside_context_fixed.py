"""Fixed: the init runs after the empty-init context."""

import lightning as L
import torch
import torch.nn as nn

from model import GPT, Config


def _init_weights(module: nn.Module) -> None:
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.Embedding):
        nn.init.normal_(module.weight, mean=0.0, std=0.02)


def main(fabric: L.Fabric, config: Config, resume: str | None) -> None:
    with fabric.init_module(empty_init=True):
        model = GPT(config)
    model.apply(_init_weights)
    model = fabric.setup(model)
    optimizer = fabric.setup_optimizers(torch.optim.AdamW(model.parameters(), lr=6e-4))
    state = {"model": model, "optimizer": optimizer, "iter_num": 0}
    if resume:
        fabric.load(resume, state)
    train(fabric, state)


def train(fabric, state):
    model, optimizer = state["model"], state["optimizer"]
    for batch in range(100):
        loss = model(torch.randint(0, 100, (4, 64))).mean()
        fabric.backward(loss)
        optimizer.step()
        optimizer.zero_grad()

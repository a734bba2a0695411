"""A tiny, correct training script: the original the mutation harness test edits (never downloaded)."""

import lightning as L
import torch
import torch.nn as nn


def build(width):
    return nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))


def main(fabric: L.Fabric, resume, finetune_from, width=8):
    with fabric.init_module(empty_init=True):
        model = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))
    for module in model.modules():
        if isinstance(module, nn.Linear):
            module.reset_parameters()
    if finetune_from:
        state_dict = torch.load(finetune_from)
        model.load_state_dict(state_dict, strict=True)
    model = fabric.setup(model)
    optimizer = fabric.setup_optimizers(torch.optim.SGD(model.parameters(), lr=0.1))
    state = {"model": model, "optimizer": optimizer}
    if resume:
        fabric.load(resume, state)
    for _ in range(3):
        loss = model(torch.randn(4, width)).sum()
        fabric.backward(loss)
        optimizer.step()
        optimizer.zero_grad()

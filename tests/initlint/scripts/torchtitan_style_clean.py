"""torchtitan-style training: meta construction, sharding, to_empty, init_weights, then maybe a checkpoint. Clean."""

import os

import torch
import torch.distributed.checkpoint as dcp
from torch.distributed.fsdp import fully_shard

from titanic.models import Transformer, TransformerModelArgs


def build_model(job_config, world_mesh, device):
    model_args = TransformerModelArgs(dim=4096, n_layers=32, vocab_size=128256)
    with torch.device("meta"):
        model = Transformer.from_model_args(model_args)
    for block in model.layers.values():
        fully_shard(block, mesh=world_mesh)
    fully_shard(model, mesh=world_mesh)
    init_device = "cpu" if job_config.create_seed_checkpoint else device
    model.to_empty(device=init_device)
    with torch.no_grad():
        model.init_weights(buffer_device=None)
    model.train()
    return model


def train(job_config, world_mesh, device):
    with torch.device("meta"):
        model = Transformer.from_model_args(TransformerModelArgs())
    fully_shard(model, mesh=world_mesh)
    model.to_empty(device=device)
    with torch.no_grad():
        model.init_weights()
    optimizer = torch.optim.AdamW(model.parameters(), lr=8e-4, fused=True)
    ckpt_dir = os.path.join(job_config.dump_folder, "checkpoint", f"step-{job_config.load_step}")
    if os.path.isdir(ckpt_dir):
        state = {"model": model.state_dict()}
        dcp.load(state, checkpoint_id=ckpt_dir)
        model.load_state_dict(state["model"])
    for step in range(job_config.steps):
        inputs, labels = next_batch(device)
        pred = model(inputs)
        loss = torch.nn.functional.cross_entropy(pred.flatten(0, 1), labels.flatten())
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()


def next_batch(device):
    return torch.zeros(1, 8, dtype=torch.long, device=device), torch.zeros(1, 8, dtype=torch.long, device=device)

"""torchtitan-style training where init_weights runs only when checkpointing is disabled (bug)."""

import os

import torch
import torch.distributed.checkpoint as dcp
from torch.distributed.fsdp import fully_shard

from titanic.models import Transformer, TransformerModelArgs


def train(job_config, world_mesh, device):
    with torch.device("meta"):
        model = Transformer.from_model_args(TransformerModelArgs())
    fully_shard(model, mesh=world_mesh)
    model.to_empty(device=device)  # expect: INIT101
    if not job_config.checkpoint.enable:
        with torch.no_grad():
            model.init_weights()
    optimizer = torch.optim.AdamW(model.parameters(), lr=8e-4, fused=True)
    ckpt_dir = os.path.join(job_config.dump_folder, "checkpoint", f"step-{job_config.load_step}")
    if job_config.checkpoint.enable and os.path.isdir(ckpt_dir):
        dcp.load({"model": model.state_dict()}, checkpoint_id=ckpt_dir)
    for step in range(job_config.steps):
        inputs, labels = torch.zeros(1, 8, dtype=torch.long), torch.zeros(1, 8, dtype=torch.long)
        loss = torch.nn.functional.cross_entropy(model(inputs).flatten(0, 1), labels.flatten())
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

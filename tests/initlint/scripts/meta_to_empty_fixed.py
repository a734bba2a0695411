"""Plain PyTorch DDP pretraining: build on meta, materialize with to_empty, init on the fresh path (fixed)."""

import argparse
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

from nanomodel import GPT, GPTConfig


def get_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--resume", type=str, default=None)
    parser.add_argument("--init-from", type=str, default=None)
    parser.add_argument("--steps", type=int, default=1000)
    return parser.parse_args()


def main():
    args = get_args()
    dist.init_process_group("nccl")
    local_rank = int(os.environ["LOCAL_RANK"])
    device = torch.device("cuda", local_rank)

    with torch.device("meta"):
        model = GPT(GPTConfig(n_layer=12, n_head=12, n_embd=768))
    model.to_empty(device=device)

    if args.init_from is not None:
        state_dict = torch.load(args.init_from, map_location=device)
        model.load_state_dict(state_dict)
    elif not args.resume:
        model.init_weights()

    model = DDP(model, device_ids=[local_rank])
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    step = 0
    if args.resume:
        ckpt = torch.load(args.resume, map_location=device)
        model.module.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        step = ckpt["step"]

    while step < args.steps:
        x, y = get_batch(device)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step += 1

    dist.destroy_process_group()


def get_batch(device):
    x = torch.randint(0, 50257, (8, 1024), device=device)
    return x, x


if __name__ == "__main__":
    main()

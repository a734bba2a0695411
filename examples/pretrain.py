"""A tiny LitGPT-style pretraining script (Lightning Fabric, CPU, random tokens) guarded by initguard.

It has the shape of LitGPT's ``pretrain.py``: the model is built under ``fabric.init_module(empty_init=True)``
(no memory is written), and then either a checkpoint is loaded (resume) or the weights are initialized (fresh
run). LitGPT once forgot the second step and trained on garbage (Lightning-AI/litgpt#1150); ``--skip-init``
reproduces that bug, and ``initguard.assert_initialized`` stops it before the first step::

    python examples/pretrain.py                      # fresh run: init, guard passes, trains a few steps
    python examples/pretrain.py --skip-init          # the bug: NotInitializedError lists every bad tensor
    python examples/pretrain.py --save ckpt.pt && python examples/pretrain.py --resume ckpt.pt
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

import initguard


@dataclass
class Config:
    vocab_size: int = 256
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    block_size: int = 32


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float = 1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

    def reset_parameters(self):
        nn.init.ones_(self.weight)


class CausalSelfAttention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.attn = nn.Linear(c.n_embd, 3 * c.n_embd)
        self.proj = nn.Linear(c.n_embd, c.n_embd)
        self.n_head = c.n_head

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.fc = nn.Linear(c.n_embd, 4 * c.n_embd)
        self.proj = nn.Linear(4 * c.n_embd, c.n_embd)

    def forward(self, x):
        return self.proj(F.gelu(self.fc(x)))


class Block(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.norm_1 = RMSNorm(c.n_embd)
        self.attn = CausalSelfAttention(c)
        self.norm_2 = RMSNorm(c.n_embd)
        self.mlp = MLP(c)

    def forward(self, x):
        x = x + self.attn(self.norm_1(x))
        return x + self.mlp(self.norm_2(x))


class GPT(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.config = c
        self.wte = nn.Embedding(c.vocab_size, c.n_embd)
        self.h = nn.ModuleList(Block(c) for _ in range(c.n_layer))
        self.ln_f = RMSNorm(c.n_embd)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)

    def forward(self, idx):
        x = self.wte(idx)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def reset_parameters(module: nn.Module) -> None:
    """Call every module's ``reset_parameters`` (LitGPT's ``lit_gpt.utils.reset_parameters``)."""
    for mod in module.modules():
        if callable(getattr(mod, "reset_parameters", None)):
            mod.reset_parameters()


def initialize_weights(model: GPT, c: Config) -> None:
    """LitGPT-style init: patch each module's ``reset_parameters`` with a partial, then call them all."""

    def init_weights(module, std):
        nn.init.normal_(module.weight, mean=0.0, std=std)
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)

    for mod in model.modules():
        if isinstance(mod, (nn.Embedding, nn.Linear)):
            mod.reset_parameters = functools.partial(init_weights, mod, std=math.sqrt(2.0 / 5 / c.n_embd))
    for mod in model.modules():
        if isinstance(mod, (MLP, CausalSelfAttention)):
            mod.proj.reset_parameters = functools.partial(init_weights, mod.proj,
                                                          std=1 / math.sqrt(c.n_embd) / c.n_layer)
    reset_parameters(model)


def main(argv=None) -> int:
    from lightning.fabric import Fabric

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--resume", metavar="CKPT", help="load this checkpoint instead of initializing")
    ap.add_argument("--skip-init", action="store_true", help="reproduce the bug: forget the fresh-path init")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--save", metavar="CKPT", help="save a checkpoint after training")
    args = ap.parse_args(argv)

    c = Config()
    fabric = Fabric(accelerator="cpu", devices=1)
    fabric.seed_everything(1337, verbose=False)
    with initguard.track(), fabric.init_module(empty_init=True):
        # initlint's INIT101 rightly flags the --skip-init path below: it is the bug this example demonstrates
        model = GPT(c)  # noqa: INIT101

    if args.resume:
        fabric.load(args.resume, {"model": model})
    else:
        if not args.skip_init:  # the line LitGPT's fresh path was missing
            initialize_weights(model, c)

    try:
        initguard.assert_initialized(model)
    except initguard.NotInitializedError as err:
        print(f"NotInitializedError: {err}", file=sys.stderr)
        return 1
    fabric.print(f"initguard: all {sum(1 for _ in model.parameters())} parameters initialized")

    model = fabric.setup(model)
    optimizer = fabric.setup_optimizers(torch.optim.AdamW(model.parameters(), lr=1e-3))
    for step in range(args.steps):
        tokens = torch.randint(0, c.vocab_size, (8, c.block_size + 1))
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, c.vocab_size), tokens[:, 1:].reshape(-1))
        fabric.backward(loss)
        optimizer.step()
        optimizer.zero_grad()
        fabric.print(f"step {step}: loss {loss.item():.4f} (ln(vocab) = {math.log(c.vocab_size):.4f})")
    if args.save:
        fabric.save(args.save, {"model": model})
    return 0


if __name__ == "__main__":
    sys.exit(main())

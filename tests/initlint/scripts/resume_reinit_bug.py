"""Resume logic that re-initializes after loading (the flash-linear-attention PR 820 shape)."""

import torch
import torch.nn as nn

from mylm import LM


def init_model(model: nn.Module, std: float = 0.02) -> None:
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=std)


def main(args):
    model = LM(args.config).cuda()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    if args.resume:
        ckpt = torch.load(args.resume, map_location="cuda")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
    init_model(model)  # expect: INIT104
    for batch in loader(args):
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def main_apply(args):
    model = LM(args.config)
    if args.resume:
        model.load_state_dict(torch.load(args.resume)["model"])
    model.apply(model._init_weights)  # expect: INIT104
    train(model, args)


def loader(args):
    return []


def train(model, args):
    pass

"""Resume logic, fixed: initialize only on the fresh path; re-creating a head after loading is fine (clean)."""

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
    else:
        init_model(model)
    if args.new_head:
        model.lm_head.reset_parameters()
    for batch in []:
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()


def main_pretrained(args):
    model = LM.from_pretrained(args.name)
    model.init_weights()
    train(model)


def train(model):
    pass

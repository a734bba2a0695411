"""Empty-init scripts whose every path to training initializes or loads (clean)."""

import sys

import torch
import torch.nn as nn

from model import GPT


def needs_a_checkpoint(fabric, config, ckpt):
    with fabric.init_module(empty_init=True):
        model = GPT(config)
    if not ckpt:
        raise SystemExit("pass --ckpt: this script only finetunes")
    fabric.load_raw(ckpt, model)
    model = fabric.setup(model)
    fabric.backward(model(torch.ones(1)).sum())


def exits_on_fresh(fabric, config, resume, init_ckpt):
    with fabric.init_module(empty_init=True):
        model = GPT(config)
    if resume:
        fabric.load(resume, {"model": model})
    elif init_ckpt is not None:
        fabric.load_raw(init_ckpt, model)
    else:
        print("nothing to load")
        sys.exit(1)
    fit(fabric, model)


def both_branches(fabric, config, resume):
    with fabric.init_module(empty_init=True):
        model = GPT(config)
    if not resume:
        model.apply(init_fn)
    model, optimizer = fabric.setup(model, torch.optim.SGD(model.parameters(), lr=0.1))
    if resume:
        fabric.load(resume, {"model": model, "optimizer": optimizer})
    fit(fabric, model)


def try_load_else_init(config, path):
    with torch.device("meta"):
        model = GPT(config)
    model = model.to_empty(device="cuda")
    try:
        model.load_state_dict(torch.load(path))
    except FileNotFoundError:
        model.apply(init_fn)
    trainer_fit(model)


def loop_init(config):
    model = torch.nn.utils.skip_init(nn.Linear, 10, 10)
    for name, param in model.named_parameters():
        if name.endswith("bias"):
            nn.init.zeros_(param)
        else:
            nn.init.xavier_uniform_(param)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model(torch.ones(10)).sum().backward()
    opt.step()


def eager(config, resume):
    model = GPT(config)
    if resume:
        model.load_state_dict(torch.load(resume))
    fit(None, model)


def flops_only(fabric, config):
    model = GPT(config)
    with torch.device("meta"):
        meta_model = GPT(config)
        print(measure_flops(meta_model))
    fabric.backward(model(torch.ones(1)).sum())


def fsdp_convention(fabric, config, resume):
    # FSDP convention: Fabric materializes meta parameters with reset_parameters() in setup()
    with fabric.init_module(empty_init=(fabric.world_size > 1)):
        model = GPT(config)
    model = fabric.setup(model)
    if resume:
        fabric.load(resume, {"model": model})
    fit(fabric, model)


def match_mode(config, mode, ckpt):
    with torch.device("meta"):
        model = GPT(config)
    model.to_empty(device="cpu")
    match mode:
        case "resume":
            model.load_state_dict(torch.load(ckpt))
        case _:
            model.reset_parameters()
    fit(None, model)


def init_fn(m):
    if isinstance(m, nn.Linear):
        nn.init.normal_(m.weight, std=0.02)


def fit(fabric, model):
    for _ in range(10):
        fabric.backward(model(torch.ones(1)).sum())


def trainer_fit(model):
    trainer = Trainer(model=model)
    trainer.train()


def measure_flops(m):
    return 0

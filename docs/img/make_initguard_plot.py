"""Make docs/img/initguard_report.png: the example GPT with one block's init forgotten and one head left
default."""
import sys

import torch
import torch.nn as nn
from lightning.fabric import Fabric

import initguard

sys.path.insert(0, "examples")  # run from the repo root: python docs/img/make_initguard_plot.py
import pretrain as ex  # noqa: E402  (examples/ is not a package)

torch.manual_seed(0)
c = ex.Config(n_layer=4)
fabric = Fabric(accelerator="cpu", devices=1)
with initguard.track(), fabric.init_module(empty_init=True):
    model = ex.GPT(c)
ex.initialize_weights(model, c)
# simulate two bugs: block 2 rebuilt under empty init and never initialized, lm_head left at torch's default
with initguard.track(), fabric.init_module(empty_init=True):
    model.h[2] = ex.Block(c)
with initguard.track():
    model.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
r = initguard.check(model)
print(r.summary())
r.plot(
    "docs/img/initguard_report.png",
    title="initguard: tiny GPT, block h.2 never initialized (red), lm_head at PyTorch default (orange)",
)

"""INIT102: initialization inside the empty-init context (or on meta tensors) is a no-op."""

from __future__ import annotations

from .base import Rule
from .init101_uninitialized_training import ORIGIN_TRIGGERS


class InitInsideEmptyContext(Rule):
    """An initialization call made inside an empty-init context, or on a model whose parameters are still
    on the meta device, does nothing.

    **What.** ``with fabric.init_module(empty_init=True): model = GPT(c); model.apply(init_fn)``: Lightning's
    empty-init mode skips ``torch.nn.init`` calls, and under FSDP the tensors are meta tensors, so the
    call writes nothing. Likewise ``with torch.device("meta"): model = Net()`` followed by
    ``model.apply(init_fn)`` before ``model.to_empty(...)``: meta tensors hold no data and ``to_empty()``
    then allocates uninitialized memory.

    **Why.** The script looks initialized but trains from garbage (lit-gpt PR 759: the loss stayed at
    ln(vocab)).

    **Fix.** Move the initialization after the ``with`` block / after ``to_empty()``.
    """

    code = "INIT102"
    name = "init-inside-empty-context"
    summary = "initialization inside an empty-init context or on meta tensors is a no-op"
    triggers = ORIGIN_TRIGGERS

    bad = """
        import torch.nn as nn

        def init_fn(m):
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.02)

        def main(fabric, config):
            with fabric.init_module(empty_init=True):
                model = GPT(config)
                model.apply(init_fn)
            model = fabric.setup(model)
            fit(fabric, model)
    """
    good = """
        import torch.nn as nn

        def init_fn(m):
            if isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, std=0.02)

        def main(fabric, config):
            with fabric.init_module(empty_init=True):
                model = GPT(config)
            model.apply(init_fn)
            model = fabric.setup(model)
            fit(fabric, model)
    """

    def check(self, facts):
        yield from facts.script.findings(self.code)

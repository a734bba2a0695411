"""INIT104: an initialization after a checkpoint load on the same path overwrites the loaded weights."""

from __future__ import annotations

from .base import Rule
from .init101_uninitialized_training import ORIGIN_TRIGGERS


class InitAfterLoad(Rule):
    """An initialization of the whole model that runs after a checkpoint load on the same path.

    **What.** ``if resume: model.load_state_dict(...)`` followed by an unconditional
    ``model.apply(init_fn)`` (or ``reset_parameters()``, ``init_weights()``, a same-file helper that
    initializes its argument): on the resume path the loaded weights are replaced by fresh random ones.

    **Why.** Resuming silently restarts from scratch (fla-org/flash-linear-attention PR 820). Loads from
    ``from_pretrained`` are not considered, and neither are initializations of a sub-module
    (``model.head.reset_parameters()`` is the usual way to re-create a head on purpose).

    **Fix.** Initialize before loading, or only on the path that does not load (``else:``).
    """

    code = "INIT104"
    name = "init-after-load"
    summary = "an initialization after a checkpoint load overwrites the loaded weights"
    triggers = ORIGIN_TRIGGERS + (b"load_state_dict", b"load_raw", b".load(", b"load_checkpoint", b"load_state")

    bad = """
        import torch

        def main(resume):
            model = Net()
            if resume:
                model.load_state_dict(torch.load(resume))
            model.apply(init_fn)
            train(model)
    """
    good = """
        import torch

        def main(resume):
            model = Net()
            model.apply(init_fn)
            if resume:
                model.load_state_dict(torch.load(resume))
            train(model)
    """

    def check(self, facts):
        yield from facts.script.findings(self.code)

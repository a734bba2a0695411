"""INIT104: an initialization after a checkpoint load on the same path overwrites the loaded weights."""

from __future__ import annotations

from ..facts.vocabulary import ORIGIN_TRIGGERS
from .base import ScriptRule


class InitAfterLoad(ScriptRule):
    """An initialization of the whole model that runs after a checkpoint load on the same path.

    What:
        ``if resume: model.load_state_dict(...)`` followed by an unconditional ``model.apply(init_fn)`` (or
        ``reset_parameters()``, ``init_weights()``, a same-file helper that initializes its argument): on the
        resume path the loaded weights are replaced by fresh random ones.

    Why:
        Resuming silently restarts from scratch (fla-org/flash-linear-attention PR 820).

    Fix:
        Initialize before loading, or only on the path that does not load (``else:``).

    Limitations:
        Loads from ``from_pretrained`` are not considered, and neither are initializations of a sub-module
        (``model.head.reset_parameters()`` is the usual way to re-create a head on purpose). Loads and
        initializations are recognized by the same vocabulary as INIT101 (``load-helpers``,
        ``init-helpers``, same-file helpers judged by their bodies); a model that becomes unknown is not
        reported. Known misses, recorded as expected failures among the cases: a loop over ``model.modules()``
        that calls ``reset_parameters()``, ``fabric.load`` through a state dict, ``init_weights()`` on an
        eagerly built model, and an unconditional load at module level. Other files are read only for inherited
        trainer methods and ``cast(Base, model)`` methods.
    """

    code = "INIT104"
    name = "init-after-load"
    summary = "an initialization after a checkpoint load overwrites the loaded weights"
    triggers = ORIGIN_TRIGGERS + (b"load_state_dict", b"load_raw", b".load(", b"load_checkpoint", b"load_state",
                                  b"load_path", b"resume_from")

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

    options = ("init-helpers", "load-helpers")

    events = ("InitAfterLoad",)
    fix = "initialize before loading, or only on the path that does not load"

    def message(self, e, say):
        return (
            f"`{say.short(e.node, 50)}` re-initializes `{say.name(e.variable)}` after it was loaded at line "
            f"{say.line(e.load)} (`{say.short(e.load.func, 40)}(...)`){say.when(e.conditions)}: the loaded weights "
            "are overwritten."
        )

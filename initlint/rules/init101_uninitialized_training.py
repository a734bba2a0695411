"""INIT101: a model built with deferred/empty initialization reaches training uninitialized on some path."""

from __future__ import annotations

from ..facts.vocabulary import ORIGIN_TRIGGERS
from .base import ScriptRule


class UninitializedTraining(ScriptRule):
    """A model built with deferred or empty initialization reaches the start of training on some path
    without being initialized or loaded.

    What:
        ``with fabric.init_module(empty_init=True): model = GPT(config)``, ``skip_init``, or meta-device
        construction followed by ``model.to_empty(...)`` leave the weights as uninitialized memory. The
        script then initializes or loads them only on some paths (``if resume: fabric.load(...)``,
        ``if initial_checkpoint_dir: fabric.load_raw(...)``), and on the remaining path (typically the fresh
        run) training starts on garbage. The message names the variable, where and how it was built, where
        training starts and the path condition.

    Why:
        Nothing fails loudly: the loss just does not go down (LitGPT issue 1150, where a helper only
        *assigned* ``reset_parameters`` partials onto modules and nothing called them).

    Fix:
        Initialize on that path (call ``reset_parameters()`` on every module, ``model.apply(init_fn)`` or the
        model's ``init_weights()``) or load a checkpoint before training.

    Limitations:
        The analysis is path-sensitive and judges same-file helpers by their bodies (a helper initializes
        its argument only if some path through it performs an initialization), and so free functions
        imported from other files of the project (through the project index). Helpers from installed
        packages or unresolved imports are judged only by the ``init-helpers``/``load-helpers`` name
        patterns; the start of training by
        ``train-calls`` and by same-file functions that call ``backward()``/``step()``. Precision first:
        a model passed to or returned from anything initlint cannot follow becomes unknown, and an unknown
        model is never reported; so is a script with more paths than the analysis follows. Other files are
        read for a trainer's methods inherited from a base class there, for ``cast(Base, model)`` methods
        and for imported free functions (judged by their bodies through the project index).
        ``init_module(empty_init=<expression>)`` (the FSDP convention, where Fabric materializes with
        ``reset_parameters()``) is reported only with ``conditional-empty-init``.
    """

    code = "INIT101"
    name = "uninitialized-training"
    summary = "a model built with empty/deferred init reaches training without being initialized or loaded"
    triggers = ORIGIN_TRIGGERS

    @classmethod
    def required(cls, config):
        return (tuple(config.train_calls),)  # no training start, no finding

    bad = """
        import torch

        def main(resume):
            with torch.device("meta"):
                model = torch.nn.Linear(8, 8)
            model.to_empty(device="cpu")
            if resume:
                model.load_state_dict(torch.load(resume))
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = model(torch.ones(8)).sum()
            loss.backward()
            opt.step()
    """
    good = """
        import torch

        def main(resume):
            with torch.device("meta"):
                model = torch.nn.Linear(8, 8)
            model.to_empty(device="cpu")
            if resume:
                model.load_state_dict(torch.load(resume))
            else:
                model.reset_parameters()
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            loss = model(torch.ones(8)).sum()
            loss.backward()
            opt.step()
    """

    options = ("init-helpers", "load-helpers", "train-calls", "conditional-empty-init")

    events = ("UninitializedAtTraining",)
    fix = (
        "initialize it on that path (call reset_parameters() on every module, model.apply(init_fn) or "
        "init_weights()) or load a checkpoint before training"
    )

    def message(self, e, say):
        return (
            f"`{say.name(e.variable)}` ({say.since(e.status)}) reaches training at "
            f"line {say.line(e.training)} (`{say.short(e.training.func, 40)}(...)`) uninitialized "
            f"{say.conditions(e.conditions)}."
        )

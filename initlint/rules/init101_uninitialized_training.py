"""INIT101: a model built with deferred/empty initialization reaches training uninitialized on some path."""

from __future__ import annotations

from ..facts.vocabulary import ORIGIN_TRIGGERS
from .base import Invalid, Rule, Valid


class UninitializedTraining(Rule):
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

    invalid = (
        Invalid(bad, 6, "`model`", "the documented example: only the resume path loads"),
        Invalid(
            """
            def main(fabric, config, resume):
                with fabric.init_module(empty_init=True):
                    model = GPT(config)
                model = fabric.setup(model)
                if resume:
                    fabric.load(resume, {"model": model})
                fit(fabric, model)
            """,
            3, "`model`", "LitGPT's fresh run: Fabric empty init, loaded only when resuming",
        ),
        Invalid(
            """
            import torch

            def main():
                with torch.device("meta"):
                    model = torch.nn.Linear(8, 8)
                model.to_empty(device="cpu")
                opt = torch.optim.SGD(model.parameters(), lr=0.1)
                model(torch.ones(8)).sum().backward()
                opt.step()
            """,
            6, "`model`", "meta device and to_empty(), never initialized on any path",
        ),
        Invalid(
            """
            from functools import partial

            def init_weights(model):
                for m in model.modules():
                    m.reset_parameters = partial(m.reset_parameters)

            def main(fabric, config):
                with fabric.init_module(empty_init=True):
                    model = GPT(config)
                init_weights(model)
                fabric.fit(model)
            """,
            9, "`model`", "a same-file helper that only assigns reset_parameters is not an initialization",
        ),
        Invalid(
            """
            import torch
            from torch.nn.utils import skip_init

            layer = skip_init(torch.nn.Linear, 8, 8)
            opt = torch.optim.SGD(layer.parameters(), lr=0.1)
            layer(torch.ones(8)).sum().backward()
            opt.step()
            """,
            4, "`layer`", "skip_init, at module level",
        ),
    )
    valid = (
        Valid(good, "the documented fix: the fresh path initializes"),
        Valid(
            """
            def init_weights(model):
                for m in model.modules():
                    if hasattr(m, "reset_parameters"):
                        m.reset_parameters()

            def main(fabric, config, resume):
                with fabric.init_module(empty_init=True):
                    model = GPT(config)
                if resume:
                    fabric.load(resume, {"model": model})
                else:
                    init_weights(model)
                fabric.fit(model)
            """,
            "a same-file helper that really calls reset_parameters() on the fresh path",
        ),
        Valid(
            """
            def main(fabric, config, ckpt):
                with fabric.init_module(empty_init=True):
                    model = GPT(config)
                fabric.load_raw(ckpt, model)
                fabric.fit(model)
            """,
            "loaded on every path",
        ),
        Valid(
            """
            def main(fabric, config):
                with fabric.init_module(empty_init=(fabric.world_size > 1)):
                    model = GPT(config)
                model = fabric.setup(model)
                fabric.fit(model)
            """,
            "the FSDP convention (Fabric materializes with reset_parameters()); see conditional-empty-init",
        ),
        Valid(
            """
            import torch
            from mylib import prepare

            def main():
                with torch.device("meta"):
                    model = torch.nn.Linear(8, 8)
                model = prepare(model)
                model(torch.ones(8)).sum().backward()
            """,
            "not examined further: an imported helper that may initialize makes the model unknown",
        ),
    )
    options = ("init-helpers", "load-helpers", "train-calls", "conditional-empty-init")

    def check(self, facts):
        # (imported here: loading the rules must not import libcst, see test_files_without_triggers_are_not_parsed)
        from ..facts.script import events as ev
        from . import _script_text as say

        script = facts.script
        for e in script.events_of(ev.UninitializedAtTraining):
            yield e.node, (
                f"`{say.name(e.variable)}` ({say.origin(script, e.status)}, line {say.line(facts, e.status.at)}) "
                f"reaches training at line {say.line(facts, e.training)} (`{script.short(e.training.func, 40)}(...)`) "
                f"uninitialized {say.conditions(script, e.conditions)}."
            ), (
                "initialize it on that path (call reset_parameters() on every module, model.apply(init_fn) or "
                "init_weights()) or load a checkpoint before training"
            )

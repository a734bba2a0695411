"""INIT104: an initialization after a checkpoint load on the same path overwrites the loaded weights."""

from __future__ import annotations

from ..facts.vocabulary import ORIGIN_TRIGGERS
from .base import Invalid, ScriptRule, Valid


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

    invalid = (
        Invalid(bad, 7, "`model`", "the documented example: apply(init_fn) after a resume-path load"),
        Invalid(
            """
            import torch

            def main(resume):
                model = Net()
                if resume:
                    model.load_state_dict(torch.load(resume))
                model.reset_parameters()
                train(model)
            """,
            7, "`model`", "reset_parameters() after the load",
        ),
        Invalid(
            """
            from mylib import load_checkpoint

            def main(resume):
                model = Net()
                if resume:
                    load_checkpoint(model, resume)
                model.apply(init_fn)
                train(model)
            """,
            7, "`model`", "an imported helper matching load-helpers loads",
        ),
        Invalid(
            """
            def main(fabric, config, resume):
                model = GPT(config)
                if resume:
                    fabric.load(resume, {"model": model})
                model.apply(init_fn)
                fabric.fit(model)
            """,
            5, "`model`", "Fabric's load through a state dict, then apply(init_fn)",
        ),
        Invalid(
            """
            import torch

            def main(config, resume):
                model = GPT(config)
                if resume:
                    model.load_state_dict(torch.load(resume))
                model.init_weights()
                train(model)
            """,
            7, "`model`", "the model's own init_weights() after the load",
        ),
        Invalid(
            """
            import torch

            model = Net()
            model.load_state_dict(torch.load("ckpt.pt"))
            model.apply(init_fn)
            """,
            5, "`model`", "an unconditional load, then an init, at module level",
            xfail="an unconditional load followed by apply(init_fn) at module level is not reported",
        ),
        Invalid(
            """
            import torch

            def init_all(model):
                model.apply(init_fn)

            def main(resume):
                model = Net()
                if resume:
                    model.load_state_dict(torch.load(resume))
                init_all(model)
                train(model)
            """,
            10, "`model`", "a same-file helper that initializes its argument",
        ),
        Invalid(
            """
            import torch

            def main(resume):
                model = Net()
                if resume:
                    model.load_state_dict(torch.load(resume))
                for m in model.modules():
                    if hasattr(m, "reset_parameters"):
                        m.reset_parameters()
                train(model)
            """,
            8, "`model`", "a modules() loop that resets every module",
            xfail="a loop over model.modules() calling reset_parameters() is not recognized as an initialization",
        ),
    )
    valid = (
        Valid(good, "the documented fix: initialize, then load"),
        Valid(
            """
            import torch

            def main(resume):
                model = Net()
                if resume:
                    model.load_state_dict(torch.load(resume))
                else:
                    model.apply(init_fn)
                train(model)
            """,
            "initialized only on the path that does not load",
        ),
        Valid(
            """
            import torch

            def main(resume):
                model = Net()
                if resume:
                    model.load_state_dict(torch.load(resume))
                model.head.reset_parameters()
                train(model)
            """,
            "a sub-module re-initialized on purpose (a new head)",
        ),
        Valid(
            """
            from transformers import AutoModel

            def main(name):
                model = AutoModel.from_pretrained(name)
                model.apply(init_fn)
                train(model)
            """,
            "from_pretrained loads are not considered",
        ),
    )
    options = ("init-helpers", "load-helpers")

    events = ("InitAfterLoad",)
    fix = "initialize before loading, or only on the path that does not load"

    def message(self, e, say):
        return (
            f"`{say.short(e.node, 50)}` re-initializes `{say.name(e.variable)}` after it was loaded at line "
            f"{say.line(e.load)} (`{say.short(e.load.func, 40)}(...)`){say.when(e.conditions)}: the loaded weights "
            "are overwritten."
        )

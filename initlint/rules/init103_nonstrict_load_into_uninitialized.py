"""INIT103: a non-strict load into an uninitialized model, its missing keys ignored."""

from __future__ import annotations

from ..facts.vocabulary import ORIGIN_TRIGGERS
from .base import ScriptRule


class NonStrictLoadIntoUninitialized(ScriptRule):
    """``load_state_dict(..., strict=False)`` (or a non-strict ``load_raw``/load helper) into a model that
    is still uninitialized on that path, with the returned missing keys ignored.

    What:
        After empty/deferred initialization every parameter is garbage until written. A non-strict load
        writes only the keys present in the checkpoint and silently skips the rest; the result, which lists
        ``missing_keys``, is thrown away.

    Why:
        Every weight the checkpoint does not contain (a new head, renamed layers, adapter weights) trains
        from uninitialized memory.

    Fix:
        Initialize the model before the load, or keep the result and check it
        (``missing, unexpected = model.load_state_dict(sd, strict=False); assert not missing``).

    Limitations:
        Only loads that say ``strict=False`` as a keyword with a literal ``False`` are examined, on models
        that are uninitialized on that path by the analysis of INIT101 (the same precision-first limits
        apply: an unknown model is never reported). A result that is kept is taken as checked, whatever the
        script does with it. Other files are read only for inherited trainer methods and ``cast(Base, model)``
        methods.
    """

    code = "INIT103"
    name = "nonstrict-load-into-uninitialized"
    summary = "strict=False load into an uninitialized model whose missing keys are ignored"
    triggers = ORIGIN_TRIGGERS

    @classmethod
    def required(cls, config):
        return (("strict",),)  # a non-strict load says so

    bad = """
        import torch

        with torch.device("meta"):
            model = Classifier()
        model.to_empty(device="cuda")
        model.load_state_dict(torch.load("backbone.pt"), strict=False)
    """
    good = """
        import torch

        with torch.device("meta"):
            model = Classifier()
        model.to_empty(device="cuda")
        model.reset_parameters()
        model.load_state_dict(torch.load("backbone.pt"), strict=False)
    """

    options = ("init-helpers", "load-helpers")

    events = ("NonStrictLoad",)
    fix = "check `missing_keys` in the returned value or initialize the model first"

    def message(self, e, say):
        return (f"non-strict load into `{say.name(e.variable)}`, which is uninitialized here ({say.since(e.status)})"
                f"{say.when(e.conditions)}, and its result is ignored: every missing key stays uninitialized memory.")

"""INIT102: initialization inside the empty-init context (or on meta tensors) is a no-op."""

from __future__ import annotations

from ..facts.vocabulary import ORIGIN_TRIGGERS
from .base import ScriptRule


class InitInsideEmptyContext(ScriptRule):
    """An initialization call made inside an empty-init context, or on a model whose parameters are still
    on the meta device, does nothing.

    What:
        ``with fabric.init_module(empty_init=True): model = GPT(c); model.apply(init_fn)``: Lightning's
        empty-init mode skips ``torch.nn.init`` calls, and under FSDP the tensors are meta tensors, so the
        call writes nothing. Likewise ``with torch.device("meta"): model = Net()`` followed by
        ``model.apply(init_fn)`` before ``model.to_empty(...)``: meta tensors hold no data and ``to_empty()``
        then allocates uninitialized memory.

    Why:
        The script looks initialized but trains from garbage (lit-gpt PR 759: the loss stayed at
        ln(vocab)).

    Fix:
        Move the initialization after the ``with`` block / after ``to_empty()``.

    Limitations:
        Only calls that initlint recognizes as initializations (``apply``, ``reset_parameters()``,
        ``init_weights()``, ``torch.nn.init`` functions, names matching ``init-helpers``, same-file helpers
        that initialize their argument) on a model it follows are reported. Empty init entered through a
        helper or a context manager it does not know, and models that become unknown (passed to an
        imported function), are not examined. Other files are read only for inherited trainer methods and
        ``cast(Base, model)`` methods.
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

    options = ("init-helpers",)

    events = ("InitInsideEmptyContext", "MaybeInitOnMeta", "InitOnMeta", "InitBeforeToEmpty")
    #: what to change, by event
    fixes = {
        "InitInsideEmptyContext": "initialize after the `with` block",
        "MaybeInitOnMeta": None,  # (the message says it: the call may not be the initialization)
        "InitOnMeta": "initialize after `to_empty()`",
        "InitBeforeToEmpty": "call `to_empty()` first, then initialize",
    }

    def fix_for(self, e):
        return self.fixes[type(e).__name__]

    def message(self, e, say):
        kind = type(e).__name__
        if kind == "InitInsideEmptyContext":
            return (
                f"`{say.short(e.node, 50)}` runs inside `{say.short(e.context, 50)}` (line {say.line(e.context)}) "
                "where it is a no-op: empty init skips torch.nn.init calls (and under FSDP the tensors are on the "
                "meta device)."
            )
        if kind == "MaybeInitOnMeta":
            return (
                f"`{say.short(e.node, 50)}` runs on `{say.name(e.variable)}` while its parameters are still on the "
                f"meta device ({say.since(e.status)}), and the model later trains "
                "uninitialized: if this call is its initialization it writes nothing; call it after `to_empty()`"
            )
        if kind == "InitOnMeta":
            return (
                f"`{say.short(e.node, 50)}` initializes `{say.name(e.variable)}` while its parameters are still on "
                f"the meta device ({say.since(e.status)}): nothing is written and "
                "materializing with `to_empty()` later gives uninitialized memory."
            )
        # InitBeforeToEmpty: initialized, then emptied by to_empty() in a function
        return (
            f"`{say.short(e.node, 50)}` initializes `{e.variable}` before `{say.short(e.to_empty, 50)}` (line "
            f"{say.line(e.to_empty)}) in `{e.function.name.value}()`: `to_empty()` replaces the initialized storage "
            "with uninitialized memory."
        )

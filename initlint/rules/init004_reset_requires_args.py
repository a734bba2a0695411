from __future__ import annotations

from .base import Rule


class ResetRequiresArgs(Rule):
    """``reset_parameters`` requires arguments.

    What:
        A module's ``def reset_parameters(self, x)`` has parameters without defaults (positional or
        keyword-only).

    Why:
        Generic callers call it with no arguments: ``module.reset_parameters()`` in ``model.apply``-style
        loops, FSDP's meta-device materialisation, Lightning/LitGPT helpers. They either crash with a
        TypeError or, when they check ``hasattr`` first, skip modules whose call fails.

    Fix:
        Give every extra argument a default (store the value on the module in ``__init__``), or move the
        parametrised logic to another method and keep ``reset_parameters(self)`` argument-free.

    Limitations:
        Only a ``reset_parameters`` defined in the body of a class known to be an ``nn.Module`` (see
        INIT001) is examined; one assigned as an attribute (``self.reset_parameters = partial(...)``) or
        defined on a class with an unknown base is not. ``*args`` and ``**kwargs`` are not required
        arguments. Whether any caller passes the arguments is not checked: the rule reports the signature.
    """

    code = "INIT004"
    name = "reset-requires-args"
    summary = "reset_parameters() requires arguments, so generic callers cannot call it"
    triggers = (b"reset_parameters",)
    scope = "classes"

    bad = """
        import torch.nn as nn

        class Proj(nn.Linear):
            def reset_parameters(self, std):
                nn.init.normal_(self.weight, std=std)
    """
    good = """
        import torch.nn as nn

        class Proj(nn.Linear):
            def __init__(self, n_in, n_out, std=0.02):
                self.std = std
                super().__init__(n_in, n_out)

            def reset_parameters(self, std=None):
                nn.init.normal_(self.weight, std=self.std if std is None else std)
    """

    options = ("module-bases",)

    def check(self, facts):
        for cls in facts.modules.classes.values():
            fn = cls.methods.get("reset_parameters")
            if fn is None:
                continue
            required = [p.name.value for p in list(fn.params.posonly_params) + list(fn.params.params)
                        if p.default is None][1:]
            required += [p.name.value for p in fn.params.kwonly_params if p.default is None]
            if required:
                yield fn, (
                    f"`{cls.name}.reset_parameters` requires argument(s) "
                    f"{', '.join('`' + r + '`' for r in required)}: module.reset_parameters(), FSDP and "
                    f"Lightning call it without arguments. Fix: give them defaults (store values on the "
                    f"module in __init__)"
                )

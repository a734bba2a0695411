from __future__ import annotations

from ._common import DEFERRED, names
from .base import Rule


class NoReinitPath(Rule):
    """A module class creates parameters but has no way to re-initialize them.

    **What**: an ``nn.Module`` subclass creates parameters (``nn.Parameter(...)``, ``register_parameter``,
    ``nn.ParameterList``/``ParameterDict``) but has no ``reset_parameters()`` of its own or from a same-file
    base, and no central init function in the file (``_init_weights(module)``, ``init_weights``...) covers it.

    **Why**: ``model.apply(reset)``, FSDP and meta-device materialisation (``to_empty``) re-create the
    storage and then call each module's ``reset_parameters()``. A parameter with no such path holds
    whatever memory it gets: garbage, NaN, or zeros. Real instances: RMSNorm-like ``weight =
    nn.Parameter(torch.ones(d))`` skipped by ``_init_weights`` under FSDP meta init (llm-foundry PR 1745),
    LayerScale ``gamma``, adapter gates.

    **Fix**: add ``def reset_parameters(self)`` that initializes every parameter the class creates, in
    place (``nn.init.ones_(self.weight)``), and call it from ``__init__``; or handle the class in the
    file's central init function.
    """

    code = "INIT001"
    name = "no-reinit-path"
    summary = "module creates parameters but has no reset_parameters() or central init covering it"
    triggers = (b"Parameter",)
    scope = "classes"

    bad = """
        import torch
        from torch import nn

        class RMSNorm(nn.Module):
            def __init__(self, dim, eps=1e-6):
                super().__init__()
                self.eps = eps
                self.weight = nn.Parameter(torch.ones(dim))

            def forward(self, x):
                return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight
    """
    good = """
        import torch
        from torch import nn

        class RMSNorm(nn.Module):
            def __init__(self, dim, eps=1e-6):
                super().__init__()
                self.eps = eps
                self.weight = nn.Parameter(torch.empty(dim))
                self.reset_parameters()

            def reset_parameters(self):
                nn.init.ones_(self.weight)

            def forward(self, x):
                return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight
    """

    def check(self, facts):
        mf = facts.modules
        for cls in mf.checked_classes():
            if not cls.params or mf.reinit_paths(cls):
                continue
            garbage = {p.name for p in mf.uninitialized_at_construction(cls)}  # INIT003 reports those
            built = mf.built_at_construction(cls)
            params = [p.name for p in cls.params.values()
                      if p.name not in garbage and not p.load_only and p.method in built]
            if not params:
                continue
            yield cls.node, (
                f"class `{cls.name}` creates parameter{'s' if len(params) > 1 else ''} {names(params)} but has no "
                f"reset_parameters() and no central init function in this file covers it: under {DEFERRED} "
                f"they stay uninitialized. Fix: add `def reset_parameters(self)` that initializes them in "
                f"place (e.g. `nn.init.ones_(self.{params[0]})`) and call it from __init__"
            )

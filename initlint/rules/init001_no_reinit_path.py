from __future__ import annotations

from ._common import DEFERRED, names
from .base import Rule


class NoReinitPath(Rule):
    """A module class creates parameters but has no way to re-initialize them.

    What:
        An ``nn.Module`` subclass creates parameters (``nn.Parameter(...)``, ``register_parameter``,
        ``nn.ParameterList``/``ParameterDict``) but has no ``reset_parameters()`` of its own, from a same-file
        base or from a ``torch.nn`` base, and no central init function in the file (``_init_weights(module)``,
        ``init_weights``... see ``init-functions``) has a branch for it.

    Why:
        ``model.apply(reset)``, FSDP and meta-device materialisation (``to_empty``) re-create the storage and
        then call each module's ``reset_parameters()``. A parameter with no such path holds whatever memory it
        gets: garbage, NaN, or zeros. Real instances: RMSNorm-like ``weight = nn.Parameter(torch.ones(d))``
        skipped by ``_init_weights`` under FSDP meta init (llm-foundry PR 1745), LayerScale ``gamma``, adapter
        gates.

    Fix:
        Add ``def reset_parameters(self)`` that initializes every parameter the class creates, in place
        (``nn.init.ones_(self.weight)``), and call it from ``__init__``; or handle the class in the file's
        central init function.

    Limitations:
        Precision first: a class is examined only when initlint can tell it is an ``nn.Module`` (a base that
        resolves through the imports to ``torch.nn``, Lightning or transformers, a module class of this file,
        of another file of the project or of an installed package whose source it can read, or a name in
        ``module-bases``); a class whose base cannot be resolved is not examined, since that base may bring
        the init path. Other files are read (never imported) where the imports resolve: inherited
        ``reset_parameters``/``_init_weights``, the ``_init_weights`` of models in the same package that build
        the class, and init helpers applied with ``apply(fn)``; an init path that cannot be resolved or judged
        counts as initializing. Parameters created through ``setattr`` or outside the class's own methods are
        not seen; storage only a checkpoint load can fill (``requires_grad=False`` empty storage, integer or
        fp8 dtypes) and classes in test files (``test_*.py``, ``tests/``) are not reported. Neither are
        values computed from data, which no initializer could give: a parameter that a method other than
        ``__init__`` overwrites in place with a value computed from its arguments (``self.embed.data.copy_(
        embed)`` after ``kmeans(data, ...)``, a DoRA magnitude from the base weight's norm; not when the value
        comes from ``torch.randn``/``zeros``-style factories), zero-size placeholders (``torch.empty(0)``,
        ``torch.Tensor()``), and parameters created lazily outside construction (in ``forward``, in
        ``update_layer``). Whether a parameter is used at all is not examined (other files may read it): an
        unused parameter is reported like any other. A parameter allocated from uninitialized memory is
        reported by INIT003 instead.
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

    options = ("module-bases", "init-functions")

    def check(self, facts):
        mf = facts.modules
        for cls in mf.checked_classes():
            if not cls.params or mf.reinit_paths(cls):
                continue
            garbage = {p.name for p in mf.uninitialized_at_construction(cls)}  # INIT003 reports those
            built = mf.built_at_construction(cls)
            params = [p.name for p in cls.params.values()
                      if p.name not in garbage and not p.unjudged and p.method in built]
            if not params:
                continue
            yield cls.node, (
                f"class `{cls.name}` creates parameter{'s' if len(params) > 1 else ''} {names(params)} but has no "
                f"reset_parameters() and no central init function covers it: under {DEFERRED} "
                f"they stay uninitialized. Fix: add `def reset_parameters(self)` that initializes them in "
                f"place (e.g. `nn.init.ones_(self.{params[0]})`) and call it from __init__"
            )

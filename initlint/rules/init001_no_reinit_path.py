from __future__ import annotations

from ._common import DEFERRED, names
from .base import Invalid, Rule, Valid


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

    invalid = (
        Invalid(bad, 4, "class `RMSNorm` creates parameter `weight`", "the documented example: a norm weight"),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Gate(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.register_parameter("alpha", nn.Parameter(torch.zeros(1)))
            """,
            4, "`alpha`", "register_parameter creates a parameter too",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class MultiScale(nn.Module):
                def __init__(self, d, n):
                    super().__init__()
                    self.scales = nn.ParameterList([nn.Parameter(torch.ones(d)) for _ in range(n)])
            """,
            4, "`scales`", "a ParameterList counts as the class's parameter",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Block(nn.Module):
                pass

            class LayerScale(Block):
                def __init__(self, d):
                    super().__init__()
                    self.gamma = nn.Parameter(1e-5 * torch.ones(d))
            """,
            7, "`LayerScale`", "a same-file module base makes the class a module",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Adapter(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.down = nn.Linear(d, d // 4)
                    self.gate = nn.Parameter(torch.zeros(1))

            def _init_weights(module):
                if isinstance(module, nn.Linear):
                    nn.init.normal_(module.weight, std=0.02)
            """,
            4, "`gate`", "a central init function with no branch for the class does not cover it",
        ),
        Invalid(
            """
            import torch

            class Temperature(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.log_t = torch.nn.Parameter(torch.tensor(0.0))
            """,
            3, "`log_t`", "torch.nn.Module spelled out",
        ),
    )
    valid = (
        Valid(good, "the documented fix: reset_parameters() initializes the weight and __init__ calls it"),
        Valid(
            """
            import torch
            from torch import nn

            class Scale(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.w = nn.Parameter(torch.ones(d))

            def _init_weights(module):
                if isinstance(module, Scale):
                    nn.init.ones_(module.w)
            """,
            "a central init function's isinstance branch covers the class",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Proj(nn.Linear):
                def __init__(self, n_in, n_out):
                    super().__init__(n_in, n_out)
                    self.extra = nn.Parameter(torch.zeros(n_out))

                def reset_parameters(self):
                    super().reset_parameters()
                    nn.init.zeros_(self.extra)
            """,
            "an override of torch's reset_parameters that also covers the new parameter",
        ),
        Valid(
            """
            import torch
            from torch import nn
            from mylib import Base

            class Head(Base):
                def __init__(self, d):
                    super().__init__()
                    self.bias = nn.Parameter(torch.zeros(d))
            """,
            "not examined: the base is unknown and may bring reset_parameters (precision first)",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Stats(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.register_buffer("mean", torch.zeros(d))
            """,
            "buffers are not parameters",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Raw(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.w = nn.Parameter(torch.empty(d))
            """,
            "left to INIT003: a parameter from torch.empty is garbage even when built normally",
        ),
    )
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

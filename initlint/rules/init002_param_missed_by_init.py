from __future__ import annotations

from ._common import DEFERRED, names
from .base import Invalid, Rule, Valid


class ParamMissedByInit(Rule):
    """The module's init method does not initialize one of its parameters.

    What:
        The class has an init method (its ``reset_parameters()``: own, inherited from a same-file base or
        from a ``torch.nn`` class; or a central init function such as ``_init_weights`` with a branch for
        it) but that method never initializes parameter ``x``: not directly, not through a helper method it
        calls, not via ``super().reset_parameters()``, not through a loop over ``self.parameters()``.

    Why:
        The parameter gets its value only at creation in ``__init__`` (``torch.zeros(...)``, a computed
        log-spaced tensor). When the model is built on the meta device or under empty init and then
        initialized through the init method, that parameter is left as garbage or NaN (Mamba2
        ``A_log``/``D`` at ~1e30 in flame issue 9; nanochat PR 686; transformers PRs 44575, 38987).

    Fix:
        Initialize ``x`` in place in the init method, e.g. ``nn.init.zeros_(self.x)`` or
        ``with torch.no_grad(): self.x.copy_(torch.log(...))``; for an inherited ``torch.nn`` reset,
        override ``reset_parameters()``, call ``super().reset_parameters()``, then initialize ``x``.

    Limitations:
        Precision first: only classes known to be ``nn.Module`` subclasses are examined (see INIT001). Init
        paths in other files are followed where the imports resolve to readable source (inherited methods,
        ``self.apply(fn)`` with ``fn`` from another module, imported init helpers); whatever the init method
        hands to something initlint cannot see (an unresolvable import, a method of an unknown base, a call
        with the module passed by keyword) counts as initializing everything, so no finding. A loop over
        ``named_parameters()`` filtered by name covers only the names it filters. A parameter created
        in ``reset_parameters`` itself, or allocated with ``torch.empty`` and never written (INIT003), is
        not reported here; neither are values computed from data, zero-size placeholders and storage only a
        load can fill (see INIT001).
    """

    code = "INIT002"
    name = "param-missed-by-init"
    summary = "the module's init method (reset_parameters / _init_weights) misses a parameter"
    triggers = (b"Parameter",)
    scope = "classes"

    bad = """
        import math
        import torch
        import torch.nn as nn

        class SSMBlock(nn.Module):
            def __init__(self, d_inner, n_heads):
                super().__init__()
                self.in_proj = nn.Linear(d_inner, 2 * d_inner)
                self.A_log = nn.Parameter(torch.log(torch.arange(1, n_heads + 1, dtype=torch.float32)))
                self.D = nn.Parameter(torch.ones(n_heads))

            def reset_parameters(self):
                with torch.no_grad():
                    self.A_log.copy_(torch.log(torch.arange(1, self.A_log.numel() + 1)))
    """
    good = """
        import math
        import torch
        import torch.nn as nn

        class SSMBlock(nn.Module):
            def __init__(self, d_inner, n_heads):
                super().__init__()
                self.in_proj = nn.Linear(d_inner, 2 * d_inner)
                self.A_log = nn.Parameter(torch.log(torch.arange(1, n_heads + 1, dtype=torch.float32)))
                self.D = nn.Parameter(torch.ones(n_heads))

            def reset_parameters(self):
                with torch.no_grad():
                    self.A_log.copy_(torch.log(torch.arange(1, self.A_log.numel() + 1)))
                nn.init.ones_(self.D)
    """

    invalid = (
        Invalid(bad, 10, "parameter `D` of `SSMBlock` is never initialized", "the documented example: Mamba2's D"),
        Invalid(
            """
            import torch
            from torch import nn

            class Norm(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.weight = nn.Parameter(torch.ones(d))
                    self.bias = nn.Parameter(torch.zeros(d))

                def reset_parameters(self):
                    nn.init.ones_(self.weight)
            """,
            8, "parameter `bias` of `Norm`", "the class's own reset_parameters() forgets one parameter",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class ScaledLinear(nn.Linear):
                def __init__(self, n_in, n_out):
                    super().__init__(n_in, n_out)
                    self.scale = nn.Parameter(torch.ones(n_out))
            """,
            7, "parameter `scale` of `ScaledLinear`", "torch's inherited reset_parameters() knows only weight and bias",
        ),
        Invalid(
            """
            import torch
            import torch.nn as nn

            class Attn(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.proj = nn.Linear(d, d)
                    self.temperature = nn.Parameter(torch.ones(1))

            def _init_weights(module):
                if isinstance(module, Attn):
                    nn.init.normal_(module.proj.weight, std=0.02)
            """,
            8, "parameter `temperature` of `Attn`", "a central init function's branch for the class misses one",
        ),
        Invalid(
            """
            import torch
            from torch import nn

            class Mixer(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.mix = nn.Parameter(torch.full((d,), 0.5))
                    self.decay = nn.Parameter(torch.zeros(d))

                def reset_parameters(self):
                    self._init_mix()

                def _init_mix(self):
                    nn.init.constant_(self.mix, 0.5)
            """,
            8, "parameter `decay` of `Mixer`", "helper methods are followed, and this one misses `decay`",
        ),
    )
    valid = (
        Valid(good, "the documented fix: reset_parameters() initializes both parameters"),
        Valid(
            """
            import torch
            from torch import nn

            class Mixer(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.mix = nn.Parameter(torch.full((d,), 0.5))
                    self.decay = nn.Parameter(torch.zeros(d))

                def reset_parameters(self):
                    for p in self.parameters():
                        nn.init.zeros_(p)
            """,
            "a loop over self.parameters() initializes every parameter",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class ScaledLinear(nn.Linear):
                def __init__(self, n_in, n_out):
                    super().__init__(n_in, n_out)
                    self.scale = nn.Parameter(torch.ones(n_out))

                def reset_parameters(self):
                    super().reset_parameters()
                    if hasattr(self, "scale"):
                        nn.init.ones_(self.scale)
            """,
            "super().reset_parameters() plus the new parameter",
        ),
        Valid(
            """
            import torch
            from torch import nn
            from mylib.init import init_all

            class Mixer(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.decay = nn.Parameter(torch.zeros(d))

                def reset_parameters(self):
                    init_all(self)
            """,
            "not examined: an imported helper may initialize everything (precision first)",
        ),
        Valid(
            """
            import torch
            from torch import nn

            class Norm(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.weight = nn.Parameter(torch.ones(d))

                def reset_parameters(self):
                    with torch.no_grad():
                        self.weight.fill_(1.0)
            """,
            "an in-place tensor method under no_grad counts as initializing",
        ),
    )
    options = ("module-bases", "init-functions")

    def check(self, facts):
        mf = facts.modules
        for cls in mf.checked_classes():
            if not cls.params:
                continue
            paths = mf.reinit_paths(cls)
            if not paths:
                continue  # INIT001
            cov = mf.reinit_coverage(cls)
            garbage = {p.name for p in mf.uninitialized_at_construction(cls)}  # INIT003 reports those
            built = mf.built_at_construction(cls)  # a parameter created lazily (in forward) gets real data
            for param in cls.params.values():
                if param.method not in built:
                    continue
                if (param.method == "reset_parameters" or param.name in garbage or param.unjudged
                        or cov.covers(param.name)):
                    continue
                first = paths[0]
                if first.kind == "torch-reset":
                    where = (f"override reset_parameters(): call super().reset_parameters(), then initialize "
                             f"`self.{param.name}` in place (e.g. `nn.init.zeros_(self.{param.name})`)")
                elif first.kind in ("reset", "own"):  # a method of the class: Cls.reset_parameters(), Cls.init_weights
                    where = (f"initialize `self.{param.name}` in place in {first.name}() "
                             f"(e.g. `nn.init.zeros_(self.{param.name})`)")
                elif first.kind == "owner":
                    where = (f"initialize it in {first.name}() together with the rest of `{cls.name}`, or give "
                             f"`{cls.name}` a reset_parameters()")
                else:
                    where = (f"initialize `module.{param.name}` in {first}'s branch for `{cls.name}` "
                             f"(e.g. `nn.init.zeros_(module.{param.name})`), or give `{cls.name}` a "
                             f"reset_parameters()")
                yield param.node, (
                    f"parameter `{param.name}` of `{cls.name}` is never initialized by "
                    f"{names(paths)}: it gets its value only at creation in {param.method}, so under "
                    f"{DEFERRED} it stays uninitialized. Fix: {where}"
                )

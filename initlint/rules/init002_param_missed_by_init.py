from __future__ import annotations

from ._common import DEFERRED, names
from .base import Rule


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

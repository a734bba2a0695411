from __future__ import annotations

from .base import Rule


class UninitializedAllocation(Rule):
    """A parameter is allocated from uninitialized memory and never written.

    What:
        ``nn.Parameter(torch.empty(...))`` (or ``empty_like``, ``new_empty``, ``torch.Tensor(n, m)``,
        ``torch.FloatTensor(n)``...) in ``__init__``, and the constructor never initializes it: no
        ``self.reset_parameters()`` call that covers it, no in-place init of it, no central init covering it.

    Why:
        ``torch.empty`` returns whatever the allocator hands out: zeros for fresh pages, but after other
        allocations denormals, huge values or NaN. The module holds garbage even when built normally, and
        results change from run to run.

    Fix:
        Call ``self.reset_parameters()`` at the end of ``__init__`` and initialize the parameter there, or
        create it with a value (``torch.zeros``, ``torch.randn(...) * std``).

    Limitations:
        Precision first: only classes known to be ``nn.Module`` subclasses are examined (see INIT001). A call in
        ``__init__`` that initlint cannot follow (an imported helper, ``self.apply(imported_fn)``, a method
        of an unknown base) counts as initializing everything; so does a central init function in the file
        with a branch for the class, although nothing may call it at construction. A class that builds this
        one as a child and initializes it in any of its methods counts too (peft's ``update_layer`` filling a
        ``ModuleDict`` by key, then ``reset_oft_parameters`` / ``self.poly_router[name].reset()``): in this
        file (module classes, mixins, through a factory function such as ``get_router(config)``) or in
        another file of the same package that imports the class or its factory. ``torch.Tensor(x)`` with
        a name that looks like data (``weights``, ``values``...) is taken as data, not a size. Allocations
        in methods other than ``__init__`` are not examined, and neither is storage only a checkpoint load
        can fill (``requires_grad=False``, integer or fp8 dtypes), zero-size storage (``torch.empty(0)``),
        a class in a test file, or a value computed from data after construction: a method other than
        ``__init__`` that overwrites the parameter with a value computed from its arguments (a DoRA
        magnitude from the base weight's norm, k-means codebooks from the first batch). A method that fills
        it from ``torch.randn``-style factories is an initializer that ``__init__`` does not call: reported.
    """

    code = "INIT003"
    name = "uninitialized-allocation"
    summary = "parameter allocated with torch.empty/Tensor(n) and never initialized in __init__"
    triggers = (b"Parameter",)  # it can only fire where a Parameter is created
    scope = "classes"

    bad = """
        import torch
        from torch import nn
        from torch.nn import Parameter

        class CRF(nn.Module):
            def __init__(self, num_tags):
                super().__init__()
                self.transitions = Parameter(torch.empty(num_tags, num_tags))
                self.start = nn.Parameter(torch.Tensor(num_tags))
    """
    good = """
        import torch
        from torch import nn
        from torch.nn import Parameter

        class CRF(nn.Module):
            def __init__(self, num_tags):
                super().__init__()
                self.transitions = Parameter(torch.empty(num_tags, num_tags))
                self.start = nn.Parameter(torch.Tensor(num_tags))
                self.reset_parameters()

            def reset_parameters(self):
                nn.init.uniform_(self.transitions, -0.1, 0.1)
                nn.init.uniform_(self.start, -0.1, 0.1)
    """

    options = ("module-bases", "init-functions")

    def check(self, facts):
        mf = facts.modules
        for cls in mf.checked_classes():
            for param in mf.uninitialized_at_construction(cls):
                yield param.node, (
                    f"parameter `{param.name}` of `{cls.name}` is allocated from uninitialized memory and "
                    f"__init__ never initializes it: the module holds garbage even when built normally. "
                    f"Fix: initialize it in reset_parameters() and call self.reset_parameters() at the end "
                    f"of __init__"
                )

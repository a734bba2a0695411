from __future__ import annotations

from .base import Rule


class UninitializedAllocation(Rule):
    """A parameter is allocated from uninitialized memory and never written.

    **What**: ``nn.Parameter(torch.empty(...))`` (or ``empty_like``, ``new_empty``, ``torch.Tensor(n, m)``,
    ``torch.FloatTensor(n)``...) in ``__init__``, and the constructor never initializes it: no
    ``self.reset_parameters()`` call that covers it, no in-place init of it, no central init covering it.

    **Why**: ``torch.empty`` returns whatever the allocator hands out: zeros for fresh pages, but after
    other allocations denormals, huge values or NaN. The module holds garbage even when built normally,
    and results change from run to run.

    **Fix**: call ``self.reset_parameters()`` at the end of ``__init__`` and initialize the parameter
    there, or create it with a value (``torch.zeros``, ``torch.randn(...) * std``).
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

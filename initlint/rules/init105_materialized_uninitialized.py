"""INIT105: a materializing function empties a module with to_empty() and hands it back uninitialized."""

from __future__ import annotations

from .base import ScriptRule


class MaterializedUninitialized(ScriptRule):
    """A function that materializes a meta module with ``to_empty()`` (an FSDP ``param_init_fn``, a
    ``materialize`` helper) leaves it holding uninitialized memory on some path out of the function.

    What:
        ``to_empty()`` gives a meta module real storage but does not initialize it: the function that calls it
        must then initialize (``reset_parameters()``, ``param_init_fn``) or load. Reported: a function named or
        used as a materializer/initializer (``*materializ*``, ``*init*``, ``*reset*``, or passed as
        ``param_init_fn=``) that empties one of its module parameters and, on some path that leaves the
        function, neither initializes nor loads it (Lightning's ``_materialize`` without its
        ``reset_parameters()`` call, composer's ``_param_init_fn`` without its initialization). Also
        ``FSDP(model, param_init_fn=f, sync_module_states=False)`` (or without ``sync_module_states``) where
        ``f`` empties only on some ranks (``if rank != 0: m.to_empty(...)``) and never initializes: that
        design needs rank 0's weights broadcast, and nothing broadcasts them.

    Why:
        The caller (often in another module: a trainer, a strategy) trusts the helper and trains the memory
        ``to_empty()`` allocated; nothing fails, the loss just does not go down (llm-foundry PR 1745).
        INIT101 cannot see this: whether the model reaches training is decided by the callers.

    Fix:
        Initialize after ``to_empty()`` on every path (``module.reset_parameters()``, the model's own
        ``param_init_fn``), or pass ``sync_module_states=True`` when only ranks other than 0 are emptied.

    Limitations:
        Judged from the function's own body (a path-sensitive run of the flow analysis). Silent when the
        emptying happens only on some ranks (a rank test on the path: the weights come from another rank),
        when the path has found the module has no initializer (``not hasattr(m, "reset_parameters")``), when
        the function is passed as ``param_init_fn=`` with ``sync_module_states=True``, when it calls anything
        that may initialize or load and that initlint does not model (``obj.param_init_fn(module)``, a
        method fetched with ``getattr(m, "reset_parameters")``, any ``*load*`` call), and for functions whose
        name does not say they materialize or initialize (a helper that only moves a model for a later load
        is correct). Lambdas are judged only as FSDP ``param_init_fn`` arguments with a rank test.
    """

    code = "INIT105"
    name = "materialized-uninitialized"
    summary = "a materializing function (param_init_fn, materialize helper) leaves to_empty() memory uninitialized"
    triggers = (b"to_empty",)

    bad = """
        def materialize(module, device):
            module.to_empty(device=device, recurse=False)
            if not hasattr(module, "reset_parameters"):
                raise TypeError(f"{type(module).__name__} cannot be initialized")
    """
    good = """
        def materialize(module, device):
            module.to_empty(device=device, recurse=False)
            if not hasattr(module, "reset_parameters"):
                raise TypeError(f"{type(module).__name__} cannot be initialized")
            module.reset_parameters()
    """

    events = ("LeftUninitialized", "RankMaterializedUnsynced")

    def fix_for(self, e):
        if type(e).__name__ == "RankMaterializedUnsynced":
            return "pass `sync_module_states=True`, or initialize in `param_init_fn`"
        return f"initialize `{e.variable}` after `to_empty()` (e.g. `{e.variable}.reset_parameters()`)"

    def message(self, e, say):
        if type(e).__name__ == "RankMaterializedUnsynced":
            return (
                f"`param_init_fn={say.short(e.init_fn, 40)}` materializes the meta modules with `to_empty()` on "
                "some ranks only and never initializes them (the weights are expected from another rank), but this "
                f"FSDP wrapper in `{e.function.name.value}()` has `sync_module_states` off, so nothing broadcasts "
                "them: those ranks keep uninitialized memory."
            )
        when = say.conditions([e.conditions]) if e.conditions else "on every path"
        return (
            f"`{e.function.name.value}()` materializes `{e.variable}` with `{say.short(e.node, 50)}` and leaves it "
            f"uninitialized {when} (no initialization or load follows in the function): its callers get "
            "uninitialized memory."
        )

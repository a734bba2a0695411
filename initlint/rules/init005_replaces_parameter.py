from __future__ import annotations

from .base import Rule


class ReplacesParameter(Rule):
    """An init method replaces a parameter instead of initializing it in place.

    What:
        Inside ``reset_parameters`` or a central init function (``_init_weights(module)``...), an
        assignment ``self.w = nn.Parameter(...)`` / ``module.w = nn.Parameter(...)`` (or a new
        ``ParameterList``/``ParameterDict``) creates a new tensor.

    Why:
        Optimizers, FSDP flat parameters, DDP buckets and tied weights keep references to the *old* tensor:
        they go on training (or sharing) the stale one while the module uses the new one, and under FSDP the
        new parameter is not sharded at all.

    Fix:
        Write in place: ``nn.init.normal_(self.w, std=...)`` or
        ``with torch.no_grad(): self.w.copy_(new_value)``.

    Limitations:
        Only assignments written in the body of ``reset_parameters`` itself (including its ``if``/``with``
        blocks) and in the file's central init functions are examined; a helper method or function they
        call is not followed (see the cases). Assignments to ``.data`` keep the Parameter object and are
        not reported. Classes not known to be ``nn.Module`` subclasses are not examined (see INIT001).
    """

    code = "INIT005"
    name = "replaces-parameter"
    summary = "reset_parameters / init function assigns a new Parameter instead of writing in place"
    triggers = (b"Parameter",)
    scope = "classes"

    bad = """
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(dim))

            def reset_parameters(self):
                self.scale = nn.Parameter(torch.ones_like(self.scale))
    """
    good = """
        import torch
        from torch import nn

        class Scale(nn.Module):
            def __init__(self, dim):
                super().__init__()
                self.scale = nn.Parameter(torch.ones(dim))

            def reset_parameters(self):
                nn.init.ones_(self.scale)
    """

    options = ("module-bases", "init-functions")

    def check(self, facts):
        from ..facts.effects import scan
        from ..facts.walk import body_of

        mf = facts.modules
        seen = set()
        for cls in mf.classes.values():
            fn = cls.methods.get("reset_parameters")
            if fn is None or not fn.params.params:
                continue
            self_name = fn.params.params[0].name.value
            fx = scan(body_of(fn), {self_name}, facts.imports)
            for attr, stmts in fx.assigned.items():
                for stmt in stmts:
                    if mf.is_param_creation(stmt.value) and id(stmt) not in seen:
                        seen.add(id(stmt))
                        yield stmt, self._message(f"{cls.name}.reset_parameters", f"self.{attr}")
        for central in mf.central:
            for target_name, stmt in _dispatch_assignments(central.node, facts):
                if mf.is_param_creation(stmt.value) and id(stmt) not in seen:
                    seen.add(id(stmt))
                    yield stmt, self._message(central.name, target_name)

    @staticmethod
    def _message(where: str, target: str) -> str:
        return (
            f"{where} replaces `{target}` with a new Parameter instead of initializing it in place: "
            f"optimizers, FSDP and tied weights keep the old tensor. Fix: `nn.init.*_({target}, ...)` or "
            f"`with torch.no_grad(): {target}.copy_(...)`"
        )


def _dispatch_assignments(fn, facts):
    """``x.attr = value`` statements in ``fn`` where ``x`` is one of the function's parameters."""
    import libcst as cst

    from ..facts.walk import body_of, simple_statements

    params = {p.name.value for p in fn.params.params}
    for small in simple_statements(body_of(fn)):
        if isinstance(small, cst.Assign):
            for t in small.targets:
                target = t.target
                if (
                    isinstance(target, cst.Attribute)
                    and isinstance(target.value, cst.Name)
                    and target.value.value in params
                ):
                    yield f"{target.value.value}.{target.attr.value}", small

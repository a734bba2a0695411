"""Message pieces shared by the INIT101–INIT104 rules: how a model, its origin, a line and a path condition are
worded. The analysis (:mod:`initlint.facts.script`) gives typed events; only the rules turn them into text."""

from __future__ import annotations

import libcst as cst

from ..facts.script import Form, Origin, Status
from ..facts.script.paths import merge_conds


def name(variable: str | None) -> str:
    """How a message names the model."""
    return variable or "the model"


def line(facts, node) -> int:
    """The file's line of ``node`` (0 when unknown)."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        node = node.name
    r = facts.positions.get(node)
    return r.start.line if r is not None else 0


def origin(script, status: Status) -> str:
    """How the model became uninitialized or meta (``built inside `fabric.init_module(empty_init=True)```)."""
    how = status.origin
    if how is Origin.CONTEXT:
        return f"built inside `{script.short(status.ctx)}`"
    if how is Origin.TO_EMPTY:
        return "made uninitialized by `.to_empty(...)`"
    if how is Origin.SKIP_INIT:
        return "built with `skip_init(...)`"
    if how is Origin.DEFERRED_INIT:
        return "built with `deferred_init(...)`"
    if how is Origin.SUBMODULES:
        return f"its `{status.selector}` sub-modules made uninitialized by `{script.short(status.at, 40)}`"
    if how is Origin.PARAM_INIT_FN:
        return "materialized by FSDP `param_init_fn` with `to_empty()`"
    if how is Origin.TO_META:
        return "moved to the meta device"
    if how is Origin.DEVICE_ARG:
        return 'built with `device="meta"`'
    if how is Origin.DEFAULT_DEVICE:
        return 'built under `torch.set_default_device("meta")`'
    return "made uninitialized"  # pragma: no cover - every origin is worded above


def conditions(script, conds) -> str:
    """``when `resume` is falsy and ...``, ``, or when ...`` alternatives; ``on every path`` without any."""
    parts = []
    for cond in merge_conds(list(conds)):
        if not cond:
            return "on every path"
        words = []
        seen = set()
        for lit in reversed(cond):
            if lit.text in seen or lit.hidden:
                continue
            seen.add(lit.text)
            pol = lit.positive
            text = script.short(lit.node, 50)
            form = lit.form
            if form is Form.CKPT:
                words.append(f"`{text}` finds {'a' if pol else 'no'} checkpoint")
                continue
            if form is Form.LOOP:
                if not pol:
                    words.append(f"`{text}` is empty (the loop body does not run)")
            elif form is Form.NONE:
                words.append(f"`{text}` is {'not None' if pol else 'None'}")
            elif form is Form.MATCH:
                words.append(f"`{text}` matches `{lit.pattern}`")
            elif isinstance(lit.node, (cst.Name, cst.Attribute, cst.Subscript)):
                words.append(f"`{text}` is {'truthy' if pol else 'falsy'}")
            else:
                words.append(f"`{text}` is {'true' if pol else 'false'}")
        parts.append("when " + " and ".join(reversed(words)) if words else "on every path")
    return ", or ".join(parts)


def when(script, cond) -> str:
    """`` when ...`` for one path condition, empty when there is none."""
    return "" if not cond else " " + conditions(script, [cond])

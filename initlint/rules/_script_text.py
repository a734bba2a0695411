"""Message pieces shared by the INIT1xx rules: how a model, its origin, a line and a path condition are worded.
The analysis (:mod:`initlint.facts.script`) gives typed events; only the rules turn them into text, through the
:class:`Words` of the file that :class:`~initlint.rules.base.ScriptRule` hands them."""

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


#: how a model became uninitialized or meta, by :class:`Origin` (``{ctx}``, ``{at}``, ``{selector}`` filled in)
ORIGIN_TEXT = {
    Origin.CONTEXT: "built inside `{ctx}`",
    Origin.TO_EMPTY: "made uninitialized by `.to_empty(...)`",
    Origin.SKIP_INIT: "built with `skip_init(...)`",
    Origin.DEFERRED_INIT: "built with `deferred_init(...)`",
    Origin.SUBMODULES: "its `{selector}` sub-modules made uninitialized by `{at}`",
    Origin.PARAM_INIT_FN: "materialized by FSDP `param_init_fn` with `to_empty()`",
    Origin.TO_META: "moved to the meta device",
    Origin.DEVICE_ARG: 'built with `device="meta"`',
    Origin.DEFAULT_DEVICE: 'built under `torch.set_default_device("meta")`',
}


def origin(script, status: Status) -> str:
    """How the model became uninitialized or meta (``built inside `fabric.init_module(empty_init=True)```)."""
    text = ORIGIN_TEXT.get(status.origin, "made uninitialized")
    if "{" not in text:
        return text
    return text.format(ctx=script.short(status.ctx) if status.ctx is not None else "",
                       at=script.short(status.at, 40) if status.at is not None else "", selector=status.selector)


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


class Words:
    """The pieces above bound to one file, so that a rule words an event in one expression
    (``say.line(e.load)``, ``say.short(e.node, 50)``, ``say.when(e.conditions)``)."""

    def __init__(self, facts):
        self.facts = facts
        self.script = facts.script

    name = staticmethod(name)

    def line(self, node) -> int:
        """:func:`line` in this file."""
        return line(self.facts, node)

    def short(self, node, limit: int = 60) -> str:
        """The source text of ``node``, cut to ``limit`` characters."""
        return self.script.short(node, limit)

    def origin(self, status: Status) -> str:
        """:func:`origin` in this file."""
        return origin(self.script, status)

    def since(self, status: Status) -> str:
        """How and where the model became uninitialized or meta: ``built inside `...`, line 12``."""
        return f"{self.origin(status)}, line {self.line(status.at)}"

    def conditions(self, conds) -> str:
        """:func:`conditions` in this file."""
        return conditions(self.script, conds)

    def when(self, cond) -> str:
        """:func:`when` in this file."""
        return when(self.script, cond)

"""Same-file classes in the INIT1xx analysis: methods, trainer classes run from their constructor, and
``self.<attr>`` flowing from the methods that build the model to the methods that train it."""

from __future__ import annotations

import re

import libcst as cst

from ..imports import dotted
from ..walk import body_of
from .interpreter import Run
from .paths import Path
from .syntax import calls, defs, functions
from .values import UNKNOWN


class ClassesMixin:
    """Class-level questions of :class:`~initlint.facts.script.driver.ScriptFacts`."""

    def method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        """The method ``name`` of a same-file class (its own or a same-file base's)."""
        table = self._methods.get(cls)
        if table is None:
            table = self._methods[cls] = {}
            for base in reversed(cls.bases):
                b = self.classes.get(dotted(base.value) or "")
                if b is not None and b is not cls:
                    table.update(self._methods.get(b) or {m.name.value: m for m in defs(b)})
            table.update({m.name.value: m for m in defs(cls)})
        return table.get(name)

    def generator(self, fn: cst.FunctionDef) -> bool:
        """Does ``fn`` yield (its body runs later, as it is iterated)?"""
        g = self._generators.get(fn)
        if g is None:
            g = self._generators[fn] = bool(re.search(r"\byield\b", self.text(fn)))
        return g

    def _trainer_like(self, cls: cst.ClassDef) -> bool:
        """A class with a training method (``train``, ``fit``, ``train_step``...) whose methods hold an origin,
        or a load and an initialization: worth running from its constructor."""
        methods = defs(cls)
        if not self._interesting([s for m in methods for s in body_of(m)]):
            return False
        return any(m.name.value in self.config.train_calls or "train" in m.name.value for m in methods) or (
            any(w in cls.name.value for w in ("Trainer", "Recipe")) and any(self.summary(m).trains for m in methods)
        )

    def inlinable(self, fn: cst.FunctionDef) -> bool:
        """A same-file helper worth running inline: it initializes or loads its arguments (not training loops)."""
        s = self.summary(fn)
        return bool(s.inits or s.maybe or s.loads) and not s.trains

    def _class_runs(self) -> None:
        """Trainer classes not constructed in this file: ``__init__``, then each method no other method calls
        (training methods last), in order, with ``self.<attr>`` flowing between them."""
        if not self.classes:
            return
        called = set()
        for _fn, scope in functions(self.module):
            for call in calls(scope):
                if isinstance(call.func, cst.Name):
                    called.add(call.func.value)
        for name, cls in self.classes.items():
            methods = list(defs(cls))
            if name in called or not self._trainer_like(cls):
                continue
            by_self = {
                c.func.attr.value for m in methods for c in calls(body_of(m))
                if isinstance(c.func, cst.Attribute) and isinstance(c.func.value, cst.Name)
                and c.func.value.value == "self"
            }

            named = any(m.name.value in self.config.train_calls or "train" in m.name.value for m in methods)

            def trains(m) -> bool:
                if named:
                    return m.name.value in self.config.train_calls or "train" in m.name.value
                return self.summary(m).trains  # (``PolicyTrainer.forward_backward``)

            # public methods nothing here calls; a training step that is not the training method (called by a
            # framework, in an order we cannot see) does not run before it
            entry = [m for m in methods if not m.name.value.startswith("_") and m.name.value not in by_self
                     and (trains(m) or not self.summary(m).trains)]
            entry.sort(key=trains)
            run = Run(self)
            p = Path.start()
            me = run.new(p, UNKNOWN, "self", param="self")
            run.objs[me.oid].cls = cls
            paths = [p]
            for m in [self.method(cls, "__init__")] + entry:
                if m is not None and paths:
                    paths = run.run_fn(m, me, paths)

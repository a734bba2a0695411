"""Other files in the INIT1xx analysis, through the project index (:mod:`initlint.project`): methods a same-file
trainer inherits from a class of another file, ``cast(Base, model).<method>()`` where ``Base``'s method
initializes by its body there, and imported free functions (:meth:`CrossFileMixin.imported`, summarized by
:mod:`.remote`). Nothing resolves: the call is judged by name, toward silence."""

from __future__ import annotations

import libcst as cst

from ..imports import dotted
from ..walk import call_name
from .syntax import defs


class CrossFileMixin:
    """Cross-file questions of :class:`~initlint.facts.script.driver.ScriptFacts`."""

    def inherited(self, cls: cst.ClassDef, name: str):
        """``(attributes of self it calls as models, trains)`` for a method that a same-file class inherits from a
        class in another file, judged by its body there (the project index's ``flow`` summary, following the
        methods it reaches through ``self``); None when the method or the base does not resolve."""
        key = (cls, name)
        if key in self._inherited:
            return self._inherited[key]
        self._inherited[key] = None
        index = self.facts.project
        if index is None or self.facts.origin is None:
            return None
        flows: list[dict] = []
        seen_cls: set = set()
        todo = [cls]
        while todo:  # same-file bases first, then their imported bases and the bases of those
            c = todo.pop(0)
            if c in seen_cls:
                continue
            seen_cls.add(c)
            for base in c.bases:
                if base.keyword is not None:
                    continue
                local = self.classes.get(dotted(base.value) or "")
                if local is not None:
                    todo.append(local)
                    continue
                qual = self.imports.resolve(base.value)
                if not qual or qual.startswith(("torch.", "typing.", "abc.")):
                    continue
                for remote in index.remote_mro(self.facts.origin, qual):
                    summary = index.summary(remote.path)
                    data = (summary or {}).get("classes", {}).get(remote.name) or {}
                    if "flow" in data:
                        flows.append(data["flow"])
        if not flows or self.method(cls, name) is not None:
            return None
        local = {m.name.value for c in seen_cls for m in defs(c)}

        def remote(m):
            if m in local:
                return None  # overridden here: the same-file body is what runs (not followed from there)
            return next((f["methods"][m] for f in flows if m in f["methods"]), None)

        if remote(name) is None:
            return None
        bound: dict[str, list] = {}
        for f in reversed(flows):
            bound.update(f.get("bound", {}))
        calls: set[str] = set()
        trains = False
        seen: set[str] = set()
        stack = [name]
        while stack and len(seen) < 64:
            m = stack.pop()
            if m in seen:
                continue
            seen.add(m)
            info = remote(m)
            if info is None:
                continue
            calls.update(a for a in info["calls"]
                         if remote(a) is None and not any(remote(b) is not None for b in bound.get(a, ())))
            trains = trains or info["backward"]
            for r in info["refs"]:
                if remote(r) is not None:
                    stack.append(r)
                stack.extend(bound.get(r, ()))
        out = (frozenset(calls), trains)
        self._inherited[key] = out
        return out

    def remote_initializes(self, func, name: str) -> bool:
        """``cast(Base, model).<name>()`` where ``Base`` is a class of another file whose method ``name``
        initializes every parameter by its body (directly or through the ``self`` methods it calls): True.
        False when it does not, or when nothing resolves (the call stays a may-initialize)."""
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Call)
                and call_name(func.value) == "cast" and func.value.args):
            return False
        index = self.facts.project
        qual = self.imports.resolve(func.value.args[0].value)
        if index is None or self.facts.origin is None or not qual:
            return False
        key = (qual, name)
        if key not in self._remote_inits:
            methods: dict = {}
            for cls in index.remote_mro(self.facts.origin, qual):
                for m, info in cls.methods.items():
                    methods.setdefault(m, info)
            seen: set = set()
            todo = [name]
            found = False
            while todo and not found and len(seen) < 32:
                m = todo.pop()
                if m in seen or m not in methods:
                    continue
                seen.add(m)
                fx = methods[m].fx
                found = bool(fx.all)
                todo.extend(fx.self_calls)
            self._remote_inits[key] = found and name in methods
        return self._remote_inits[key]

    def imported(self, func):
        """The :class:`~.remote.Remote` summary of the imported function ``func`` names (``init_model``,
        ``utils.init_model``) when its body resolves to a file of this project, else None (judged by name)."""
        index = self.facts.project
        if index is None or self.facts.origin is None:
            return None
        qual = self.imports.resolve(func)
        if not qual or qual.partition(".")[0] in _NOT_PROJECT:
            return None
        if qual in self._remote:
            return self._remote[qual]
        self._remote[qual] = None  # (recursion guard)
        got = None
        where = index.locate_function(self.facts.origin, qual)
        if where is not None:
            from . import remote

            config = self.config
            data = index.script_summary(
                where[0], where[1], remote.config_key(config),
                lambda d, path, name: remote.compute(d, path, name, config, index),
            )
            if data is not None:
                try:
                    got = remote.Remote(qual, data)
                except (TypeError, ValueError, KeyError, AttributeError):
                    got = None  # a summary that is not what this version writes (a damaged cache): by name
        self._remote[qual] = got
        return got


#: Roots of imports that never name a file of the linted project (not even looked up).
_NOT_PROJECT = frozenset({
    "torch", "numpy", "np", "os", "sys", "typing", "functools", "math", "json", "re", "collections", "itertools",
    "logging", "pathlib", "time", "dataclasses", "contextlib", "copy", "random", "warnings", "argparse",
})

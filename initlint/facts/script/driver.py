"""The per-file driver of the INIT1xx analysis: :class:`ScriptFacts`, computed on first use, once per file.

It runs the trainer classes of the file (:mod:`~initlint.facts.script.classes`), then every scope that passes
the cheap gate (an empty-init origin, or both a load and an initialization: the module body, each function),
summarising same-file functions once from their bodies. What the runs record becomes typed
:mod:`~initlint.facts.script.events` that the INIT101–INIT104 rules word.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import libcst as cst

from ..vocabulary import (
    EMPTY_INIT_KEYWORD, FABRIC_INIT_CONTEXTS, INIT_EMPTY_WEIGHTS, INIT_ON_DEVICE, KIND_INIT, KIND_LOAD, KIND_NONE,
    KIND_ORIGIN, TRAINER_LOAD_KWS, name_kind,
)
from ..walk import body_of, call_name, keyword, positional
from . import materialize
from .classes import ClassesMixin
from .crossfile import CrossFileMixin
from .events import (
    Event, InitAfterLoad, InitInsideEmptyContext, InitOnMeta, MaybeInitOnMeta, NonStrictLoad,
    RankMaterializedUnsynced, UninitializedAtTraining,
)
from .interpreter import Run
from .paths import Path, deciding
from .syntax import calls, functions, is_false, is_meta, is_none, is_true, module_like, params_of
from .values import EMPTY_SUMMARY, UNKNOWN, Ctx, Kind, Summary, agreed_return

#: how an initialization inside an empty context was recorded (one record per call)
_IN_CONTEXT, _ON_META, _MAYBE_ON_META = "context", "meta", "maybe-meta"


class ScriptFacts(ClassesMixin, CrossFileMixin):
    """INIT1xx facts of one file: computed on first use, once.

    :attr:`events` lists what was found (:mod:`~initlint.facts.script.events`); :meth:`text` and
    :meth:`short` give the source of a node as the rules quote it.
    """

    def __init__(self, facts) -> None:
        self.facts = facts
        self.module: cst.Module = facts.module
        self.config = facts.config
        self.imports = facts.imports
        self.functions: dict[str, cst.FunctionDef] = {
            s.name.value: s for s in self.module.body if isinstance(s, cst.FunctionDef)
        }
        #: same-file classes that are not models (trainers, recipes): constructed and called inline
        self.classes: dict[str, cst.ClassDef] = {
            s.name.value: s for s in self.module.body if isinstance(s, cst.ClassDef) and not module_like(s)
        }
        self._methods: dict[Any, dict] = {}
        self._generators: dict[Any, bool] = {}
        self._summaries: dict[Any, Summary] = {}
        #: what the runs recorded, keyed by the node a finding is placed on (the first record wins)
        self._uninit: dict[Any, list] = {}
        self._in_empty: dict[Any, tuple] = {}
        self._nonstrict: dict[Any, tuple] = {}
        self._after_load: dict[Any, tuple] = {}
        #: events of :mod:`.materialize`: ``"left"``, ``"init-before"`` (judged from summary runs), ``"rank"``
        self.materialized: dict[str, dict] = {"left": {}, "init-before": {}, "rank": {}}
        self._texts: dict[Any, str] = {}
        #: model object -> conditions of paths on which it reached training initialized or loaded
        self.safe: dict[Any, list] = {}
        #: init calls that ran on some path where the model was not on the meta device
        self.init_not_meta: set = set()
        #: ``init_module(empty_init=<expression>)`` calls, when ``conditional_empty_init`` includes them
        self.conditional_contexts: set = set()
        self._name_kinds: dict[str, int] = {}
        self._inherited: dict[Any, Any] = {}
        self._remote_inits: dict[Any, bool] = {}
        #: imported functions judged by their bodies: qualified name -> :class:`~.remote.Remote` or None
        self._remote: dict[str, Any] = {}

    # ------------------------------------------------------------------ public
    def events_of(self, *kinds: type) -> list[Event]:
        """The events of exactly these types (what one rule reports), in the order they were found.
        :class:`~.events.RankMaterializedUnsynced` is looked for only when asked for, after the others."""
        found = [e for e in self.events if type(e) in kinds]
        if RankMaterializedUnsynced in kinds:
            found += materialize.rank_events(self)
        return found

    @cached_property
    def events(self) -> list[Event]:
        """Everything found in this file (analysed on first use)."""
        self._analyze()
        out: list[Event] = []
        for node, (obj, st, call, conds) in self._uninit.items():
            decided: dict[tuple, tuple] = {}
            safe = self.safe.get(obj)
            for c in conds:
                # (with no path where this model trained initialized, the whole condition is the best description)
                c = deciding(c, safe) if safe else c
                decided.setdefault(tuple((lit.key, lit.positive) for lit in c), c)
            out.append(UninitializedAtTraining(node, obj.name, st, call, tuple(decided.values())))
        for node, (how, obj, info, cond) in self._in_empty.items():
            if how == _IN_CONTEXT:
                out.append(InitInsideEmptyContext(node, obj.name, info, cond))
            elif how == _MAYBE_ON_META:
                out.append(MaybeInitOnMeta(node, obj.name, info, cond))
            elif node not in self.init_not_meta:
                out.append(InitOnMeta(node, obj.name, info, cond))
        for node, (obj, st, cond) in self._nonstrict.items():
            out.append(NonStrictLoad(node, obj.name, st, cond))
        for node, (obj, st, cond) in self._after_load.items():
            out.append(InitAfterLoad(node, obj.name, st.at, cond))
        out.extend(self.materialized["left"].values())
        out.extend(self.materialized["init-before"].values())
        return out

    def text(self, node) -> str:
        """The source of ``node`` on one line (whitespace runs collapsed)."""
        t = self._texts.get(node)
        if t is None:
            t = " ".join(self.module.code_for_node(node).split())
            self._texts[node] = t
        return t

    def short(self, node, limit: int = 60) -> str:
        """:meth:`text`, cut to ``limit`` characters with ``...``."""
        t = self.text(node)
        return t if len(t) <= limit else t[: limit - 3] + "..."

    # ------------------------------------------------------------------ records (called by the runs)
    def record_uninit_training(self, node, obj, st, call, cond) -> None:
        """``obj`` (uninitialized since ``node``, status ``st``) reaches the training call ``call`` on ``cond``."""
        prev = self._uninit.get(node)
        if prev is None:
            self._uninit[node] = [obj, st, call, [cond]]
        elif cond not in prev[3] and len(prev[3]) < 3:
            prev[3].append(cond)

    def record_init_in_context(self, call, obj, context, cond) -> None:
        self._in_empty.setdefault(call, (_IN_CONTEXT, obj, context, cond))

    def record_init_on_meta(self, call, obj, st, cond) -> None:
        self._in_empty.setdefault(call, (_ON_META, obj, st, cond))

    def record_maybe_init_on_meta(self, call, obj, st, cond) -> None:
        self._in_empty.setdefault(call, (_MAYBE_ON_META, obj, st, cond))

    def record_nonstrict_load(self, call, obj, st, cond) -> None:
        self._nonstrict.setdefault(call, (obj, st, cond))

    def record_init_after_load(self, call, obj, st, cond) -> None:
        self._after_load.setdefault(call, (obj, st, cond))

    def unrecord_after_load(self, call) -> None:
        """A loop initialized only some modules after the load (``if name not in checkpoint``): selective."""
        self._after_load.pop(call, None)

    # ------------------------------------------------------------------ analysis
    def _analyze(self) -> None:
        self._class_runs()
        for fn, scope in functions(self.module):
            if self._interesting(scope):
                if fn is None:
                    self._run(self.module)
                else:
                    self.summary(fn)

    def _interesting(self, stmts) -> bool:
        """Cheap gate: does this body contain an empty-init origin, or both a load and an init?"""
        load = init = False
        kinds = self._name_kinds
        for call in calls(stmts):
            for a in call.args:
                if isinstance(a.value, (cst.SimpleString, cst.Call)) and is_meta(a.value):
                    return True
            name = call_name(call)
            if name is None:
                continue
            kind = kinds.get(name)
            if kind is None:
                kind = kinds[name] = self._name_kind(name)
            if kind == KIND_ORIGIN:
                return True
            if kind == KIND_LOAD or "Trainer" in name and any(
                a.keyword is not None and a.keyword.value in TRAINER_LOAD_KWS for a in call.args
            ):
                load = True
            elif kind == KIND_INIT:
                init = True
            if load and init:
                return True
        return False

    def _name_kind(self, name: str) -> int:
        cls = self.classes.get(name)
        if cls is not None:
            # constructing a same-file trainer runs its methods here: as interesting as their bodies
            self._name_kinds[name] = KIND_NONE  # recursion guard
            return KIND_ORIGIN if self._trainer_like(cls) else KIND_NONE
        return name_kind(name, self.config, self.functions)

    def summary(self, fn: cst.FunctionDef) -> Summary:
        """What ``fn`` may do to its parameters, from one run of its body (computed once)."""
        s = self._summaries.get(fn)
        if s is None:
            self._summaries[fn] = EMPTY_SUMMARY  # recursion guard
            s = self._summaries[fn] = self._run(fn)
        return s

    def _run(self, fn) -> Summary:
        run, normal, names, by_oid = self._execute(fn)
        return Summary(
            names,
            inits={by_oid[o] for o in run.inits if o in by_oid},
            maybe={by_oid[o] for o in run.maybe if o in by_oid},
            ret=agreed_return(run.returns),
            loads={by_oid[o] for o in run.loads if o in by_oid},
            trains=run.trained,
        )

    def _execute(self, fn):
        """One run of ``fn``'s body (or the module's): ``(run, paths falling off its end, positional parameter
        names, parameter object id -> name)``; the returning paths are ``run.exits``."""
        run = Run(self)
        p = Path.start()
        names: list[str] = []
        by_oid: dict[int, str] = {}
        if isinstance(fn, cst.FunctionDef):
            positional_names, kwonly = params_of(fn)
            names = positional_names
            for pname in positional_names + kwonly:
                val = run.new(p, UNKNOWN, pname, param=pname)
                p.env[pname] = val
                by_oid[val.oid] = pname
            body = body_of(fn)
        else:
            body = fn.body
        normal, _brk, _cont = run.block(body, [p])
        if by_oid:
            materialize.judge(self, fn, run, normal, by_oid)
        return run, normal, names, by_oid

    # ------------------------------------------------------------------ contexts
    def empty_context(self, expr) -> Ctx | None:
        """The empty-init context an expression in a ``with`` item opens, if any."""
        if not isinstance(expr, cst.Call):
            return None
        name = call_name(expr)
        if name in FABRIC_INIT_CONTEXTS:
            flag = keyword(expr, EMPTY_INIT_KEYWORD)
            if flag is None:
                return None
            if is_true(flag):
                return Ctx(expr, True, Kind.UNINIT)
            if is_false(flag) or is_none(flag) or isinstance(flag, (cst.Integer, cst.SimpleString)):
                return None
            if not self.config.conditional_empty_init:
                return None
            # the FSDP convention: empty (meta) exactly when sharding, and then fabric.setup() materializes
            # the parameters with reset_parameters(); so only a use before setup() is reported
            self.conditional_contexts.add(expr)
            return Ctx(expr, True, Kind.UNINIT)
        if name == "device" and is_meta(positional(expr)):
            return Ctx(expr, False, Kind.META)
        if name == INIT_EMPTY_WEIGHTS:
            return Ctx(expr, False, Kind.META)
        if name == INIT_ON_DEVICE and (is_meta(positional(expr)) or is_meta(keyword(expr, "device"))):
            return Ctx(expr, False, Kind.META)
        return None

"""The INIT1xx interpreter's calls: what a call does to the models it touches (one dispatch table).

Origins (``skip_init``, ``to_empty``, construction inside an empty-init context), initializations, loads,
wrappers and aliases, training, and same-file functions judged by their summaries. Effects that matter to a
rule are recorded on the per-file :class:`~initlint.facts.script.driver.ScriptFacts` (``record_*``).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from ..imports import dotted
from ..vocabulary import (
    DEFERRED_INIT, ENGAGING_METHODS, INIT_METHODS, ITER_BUILTINS, ITER_METHODS, LOAD_STATE, LOAD_STATE_DICT,
    MATERIALIZE, MATERIALIZING_WRAPPERS, MODEL_FACTORIES, NN_INIT_NAMES, NOT_A_LOAD, ORIGIN_NAMES, PASSTHROUGH_METHODS,
    SET_DEFAULT_DEVICE, SKIP_INIT, TENSOR_INIT_METHODS, TO_EMPTY, TRAINER_LOAD_KWS, TRAIN_RESUME_KWS, WRAPPERS,
    load_name, matches, maybe_init_name,
)
from ..walk import call_name, keyword, positional
from .paths import Path
from .syntax import is_false, is_meta, is_none, nonstrict, torch_function
from .values import (
    CONSTRUCTED, INITIALIZED, META_STR, PARTIAL, REPORTED, TRACKED, UNKNOWN, Func, Holder, Kind, Origin, Part, Ref,
    Seq, Status, initialized_at, loaded_at, objs_in,
)

#: (module-level aliases: an Enum member looked up on its class costs 4x a global on these hot paths)
EAGER, UNINIT, META, LOADED = Kind.EAGER, Kind.UNINIT, Kind.META, Kind.LOADED
#: states of a model that an imported helper's body may turn into a finding or out of one
_AT_STAKE = frozenset({UNINIT, META, LOADED})


class CallsMixin:
    """Calls and their effects, for :class:`~initlint.facts.script.interpreter.Run`."""

    def call(self, e: cst.Call, p: Path, ignored: bool, test: bool):  # noqa: C901 - one dispatch table
        func = e.func
        recv = None
        fval = None
        name = call_name(e)
        if isinstance(func, cst.Attribute):
            recv = self.ev(func.value, p, test=test)
            if type(recv) is Ref:
                fval = p.attrs.get((recv.oid, func.attr.value))
        elif isinstance(func, cst.Name):
            fval = p.env.get(func.value)
            if fval is None and func.value in self.sf.functions:
                fval = Func(self.sf.functions[func.value])
        else:
            fval = self.ev(func, p, test=test)
        pos, kw = [], {}
        passed = []  # values of arguments that are not constructed in this call's own arguments
        for a in e.args:
            v = self.ev(a.value, p, test=test)
            if not isinstance(a.value, cst.Call):
                passed.append(v)
            if a.keyword is not None:
                kw[a.keyword.value] = v
            elif not a.star:
                pos.append(v)
        sf = self.sf
        cfg = sf.config
        tracked_recv = type(recv) in TRACKED
        if fval is None and recv is None and name is not None and name not in ORIGIN_NAMES and sf.imports.aliases and (
            self._model_like(name, None) or self.given_model(e, pos, kw, p, name)
        ):
            # an imported function given a model (or named like a model factory) whose body resolves to a file
            # of this project: judged by its body there (its name no longer counts); else by the names below
            rs = sf.imported(func)
            if rs is not None:
                return self.call_remote(e, rs, pos, kw, passed, p, test)

        if name == "cast" and len(pos) == 2 and self._qual(func) in (None, "typing.cast"):
            return pos[1]  # ``typing.cast(BaseModel, model)`` is the model
        if name == "partial" and pos and type(pos[0]) is Func:
            return pos[0]  # ``functools.partial(init_fn, std=0.02)``: applied to a module, it is ``init_fn``
        # calling the model itself
        if type(fval) in TRACKED:
            p.eng.add(fval.oid)
            return None
        # a same-file function: judged by its body
        if type(fval) is Func:
            return self.call_local(e, fval.fn, pos, kw, p, test)
        if fval is None and type(recv) is Ref and self.objs[recv.oid].cls is not None:
            # a method the same-file trainer inherits from a class in another file: judged by its body there
            got = self.sf.inherited(self.objs[recv.oid].cls, func.attr.value)
            if got is not None:
                attrs, trains = got
                held = [p.attrs.get((recv.oid, a)) for a in sorted(attrs)]
                for v in held:
                    for oid, _w in objs_in(v):
                        p.eng.add(oid)
                if trains:
                    self.train(e, p, held)
                return None

        qual = self._qual(func)
        if name is None:
            return None

        # ---------------------------------------------------------- origins
        if name == SET_DEFAULT_DEVICE:
            p.meta = e if pos and is_meta(positional(e)) else None
            return None
        if name == SKIP_INIT:
            return self.new(p, Status(UNINIT, e, Origin.SKIP_INIT))
        if name == DEFERRED_INIT:
            return self.new(p, Status(META, e, Origin.DEFERRED_INIT))
        if name == "from_pretrained":
            return self.new(p, loaded_at(e, pretrained=True))
        if not tracked_recv and name != "load" and load_name(name, cfg.load_helpers) and (
            name[:1].isupper() or "from" in name or "model" in name.lower()
        ) and not any(objs_in(v) for v in pos + list(kw.values())):
            # ``Module.load_from_checkpoint(path)`` (also inside ``trainer.init_module(empty_init=True)``)
            return self.new(p, loaded_at(e))
        if name == TO_EMPTY and tracked_recv:
            oid = recv.oid
            if type(recv) is Ref or recv.each:  # the model itself, or each of its modules in a loop
                st = p.st.get(oid, UNKNOWN)
                # (emptying a loaded model throws the loaded weights away: an initialization next overwrites it)
                loaded = st.at if st.kind is LOADED and type(recv) is Part and not st.pretrained else None
                p.st[oid] = Status(UNINIT, e, Origin.TO_EMPTY, after_load=loaded)
                return Ref(oid)
            if p.st.get(oid, UNKNOWN).kind is EAGER:
                p.st[oid] = PARTIAL  # one sub-module emptied: we cannot tell what happens to it
            return recv

        # ---------------------------------------------------------- initialization
        if name in MATERIALIZE:
            self.init_action(pos[:1] or list(kw.values())[:1], e, p, materialize=True)
            return None
        if tracked_recv and name == "apply":
            fn = pos[0] if pos else kw.get("fn")
            if type(fn) is Func:
                s = sf.summary(fn.fn)
                # the function runs on every sub-module: touching its argument's weights is an initialization
                if not s.params or (s.params[0] not in s.inits and s.params[0] not in s.maybe):
                    return recv
            else:
                arg = e.args[0].value if e.args else None
                if isinstance(arg, cst.Call) and call_name(arg) == "partial" and arg.args:
                    arg = arg.args[0].value
                rs = sf.imported(arg) if isinstance(arg, (cst.Name, cst.Attribute)) and sf.imports.aliases else None
                if rs is not None:
                    # an imported function, judged by its body: touching its argument's weights initializes
                    first = rs.params[0] if rs.params else None
                    effects = {fx.get(first) for _w, fx in rs.outcomes}
                    if rs.unknown or first is None:
                        self.maybe_init([recv], p)
                    elif "init" in effects or "maybe" in effects or first in rs.maybe:
                        self.init_action([recv], e, p)
                    return recv
                fn_name = (dotted(arg) or "").rpartition(".")[2].lower()
                if not any(w in fn_name for w in ("init", "reset", "weight")):
                    # ``model.apply(convert_bn)``, ``model.apply(lambda m: ...)``: may or may not initialize
                    self.maybe_init([recv], p)
                    return recv
            self.init_action([recv], e, p)
            return recv
        if tracked_recv and (name in INIT_METHODS or name in cfg.init_functions or matches(name, cfg.init_helpers)):
            targets = [v for v in pos + list(kw.values()) if type(v) in TRACKED]
            self.init_action(targets or [recv], e, p)
            return None
        if tracked_recv and maybe_init_name(name) and sf.remote_initializes(func, name):
            # ``cast(BaseModel, m).init_states()`` where BaseModel's body (another file) initializes
            self.init_action([recv], e, p)
            return None
        if tracked_recv and (maybe_init_name(name) or type(recv) is Part and name == "copy_"):
            # ``model.init_states()``, ``model.reset_cache()``, ``param.data.copy_(other)``: may or may not
            # initialize (or load): stay silent either way
            targets = [v for v in pos + list(kw.values()) if type(v) in TRACKED]
            self.maybe_init(targets + [recv], p, e)
            return None
        if tracked_recv and type(recv) is Part and name in TENSOR_INIT_METHODS:
            self.init_action([recv], e, p)
            return None
        if name in NN_INIT_NAMES and pos and type(pos[0]) in TRACKED:
            if recv is None or (qual or "").startswith("torch.nn.init.") or "init" in (dotted(func) or ""):
                self.init_action(pos[:1], e, p)
                return None

        # ---------------------------------------------------------- loads
        if tracked_recv and name == LOAD_STATE_DICT:
            strict = keyword(e, "strict")
            if strict is None:
                strict = positional(e, 1)
            self.load_action([recv], e, p, is_false(strict), ignored, test, strict)
            return None
        if name == LOAD_STATE and recv is not None:
            # accelerate: ``accelerator.load_state(dir)`` restores every prepared model
            self.load_action([Ref(oid) for oid in p.eng], e, p, False, ignored, test)
            return None
        if type(recv) is Holder and "load" in name.lower():
            # ``checkpointer.load(step=-1)``: loads every model it was given
            self.load_action(list(recv.models), e, p, nonstrict(e), ignored, test)
            return None
        all_vals = pos + list(kw.values())
        deep = [v for v in all_vals if objs_in(v)]
        if deep:
            framework_load = qual is None or qual.startswith(
                ("torch.distributed.checkpoint", "lightning", "accelerate")
            )
            if (name == "load" and qual not in NOT_A_LOAD and framework_load) or load_name(name, cfg.load_helpers):
                self.load_action(deep, e, p, nonstrict(e), ignored, test, keyword(e, "strict"))
                return None
            if matches(name, cfg.init_helpers):
                self.init_action([v for v in all_vals if type(v) in TRACKED], e, p)
                return None

        if not tracked_recv and deep and (
            "checkpoint" in name.lower() and name[:1].isupper()
            or any(w in (dotted(func) or "").lower() for w in ("checkpoint", "ckpt"))
        ):
            # ``CheckpointManager(model_parts=[model], ...)``, ``config.checkpoint.build(model_parts=...)``: an
            # object that loads into those models later
            return Holder(tuple(deep))

        # ---------------------------------------------------------- aliases and wrappers
        if tracked_recv and name in PASSTHROUGH_METHODS:
            if name == "to" and (pos and is_meta(positional(e)) or is_meta(keyword(e, "device"))):
                p.st[recv.oid] = Status(META, e, Origin.TO_META)
            return recv
        if name in WRAPPERS:
            tracked = [v for v in pos if type(v) in TRACKED]
            if tracked:
                init_fn = keyword(e, "param_init_fn")
                for v in tracked:
                    p.eng.add(v.oid)
                    st = p.st.get(v.oid, UNKNOWN)
                    sync = keyword(e, "sync_module_states")
                    if (init_fn is not None and st.kind is META and type(v) is Ref
                            and (sync is None or is_false(sync))):
                        p.st[v.oid] = self._param_init_fn(e, init_fn, st)
                        continue
                    if name in MATERIALIZING_WRAPPERS and (
                        st.kind is META or st.kind is UNINIT and (
                            st.ctx in sf.conditional_contexts or st.ctx is not None and p.fsdp()
                        )
                    ):
                        # Fabric materializes meta parameters with reset_parameters() (FSDP)
                        p.st[v.oid] = CONSTRUCTED
                if len(pos) == 1:
                    return pos[0]
                return Seq(tuple(pos))
            if tracked_recv and name in ("compile",):
                return recv
        if tracked_recv and name in ITER_METHODS:
            if name in ENGAGING_METHODS:
                p.eng.add(recv.oid)
            return Part(recv.oid, True) if type(recv) is Ref else recv
        if tracked_recv and name in ENGAGING_METHODS:
            p.eng.add(recv.oid)
            return None
        if type(recv) is Part and name in ("items", "values", "keys"):
            return recv
        if name in ITER_BUILTINS and recv is None and pos and type(pos[0]) is Part:
            return pos[0]

        # ---------------------------------------------------------- training
        if "Trainer" in name:
            for v in all_vals:
                for oid, _w in objs_in(v):
                    p.eng.add(oid)
        if name == "train" and tracked_recv and "trainer" not in (dotted(func.value) or "").lower():
            return recv  # ``model.train()`` switches modes; ``trainer.train()`` trains
        if name in cfg.train_calls:
            if any(k in kw for k in TRAIN_RESUME_KWS) and not any(
                is_none(keyword(e, k)) for k in TRAIN_RESUME_KWS if keyword(e, k) is not None
            ):
                self.load_action(deep, e, p, False, ignored, test)
            self.train(e, p, all_vals + ([recv] if recv is not None else []))
            return None

        # ---------------------------------------------------------- unknown builders given a meta model
        if any(w in name.lower() for w in ("build", "materializ", "init")):
            for v in all_vals:
                if type(v) is Ref and p.st.get(v.oid, UNKNOWN).kind is META:
                    p.st[v.oid] = UNKNOWN  # ``config.train_module.build(model)`` may materialize and initialize it
        # ---------------------------------------------------------- training objects holding the model
        in_param = tracked_recv and type(recv) is Part and not recv.each and self.objs[recv.oid].param is not None
        held = [v for v in all_vals if type(v) in (Ref, Holder)] if not tracked_recv or in_param else []
        if held and ("Trainer" in name or name == "build" and "train" in (dotted(func) or "").lower()):
            # ``config.train_module.build(model)``, ``config.trainer.build(train_module, ...)``, ``Trainer(model)``:
            # an object that trains, and may load into, the models it was given (its ``load*()`` loads them)
            models = tuple(m for v in held for m in ((v,) if type(v) is Ref else v.models))
            source = next((keyword(e, k) for k in TRAINER_LOAD_KWS
                           if keyword(e, k) is not None and not is_none(keyword(e, k))), None)
            if source is not None and "Trainer" in name:
                # ``Trainer(model=model, load_path=cfg.load_path)``: loads when the path is set
                self.load_action(list(models), e, p, False, ignored, test)
            return Holder(models)
        return self._construct(e, p, name, qual, recv, tracked_recv, kw, passed)

    def _construct(self, e, p: Path, name: str, qual, recv, tracked_recv: bool, kw, passed):
        """A call that builds a model (a constructor, a factory by name, anything inside an empty-init context)."""
        # a tracked model passed in (``Wrapper(model)``); the function's own parameters (``Net(cfg)``) do not count
        # (sub-modules constructed in the arguments, ``nn.Sequential(nn.Linear(...))``, are parts of a new model)
        has_obj_arg = any(type(v) is Ref and self.objs[v.oid].param is None for v in passed)
        ctx = self.ctx[-1] if self.ctx else None
        if tracked_recv and type(recv) is Part and not recv.each and self.objs[recv.oid].param is not None and (
            self._model_like(name, qual)
        ):
            tracked_recv = False  # ``args.model_cls(cfg)``, ``cfg.model.build()``: a constructor held in a parameter
        if not tracked_recv and (
            self._model_like(name, qual) or ctx is not None and not has_obj_arg and not torch_function(qual)
        ):
            if ctx is not None:
                return self.new(p, Status(ctx.kind, e, Origin.CONTEXT, ctx.node))
            if is_meta(keyword(e, "device")) or kw.get("device") == META_STR or kw.get("init_device") == META_STR:
                return self.new(p, Status(META, e, Origin.DEVICE_ARG))
            if p.meta is not None:
                return self.new(p, Status(META, e, Origin.DEFAULT_DEVICE, p.meta))
            if has_obj_arg:
                return None
            return self.new(p, CONSTRUCTED, site=e)
        return None

    def _param_init_fn(self, call, fn, st):
        """FSDP's ``param_init_fn`` materializes a meta model: ``m.to_empty(...)`` alone leaves it uninitialized."""
        if isinstance(fn, cst.IfExp):
            # ``(lambda m: m.to_empty(...)) if low_cpu else None``: where it is set, it is this function
            fn = fn.body if isinstance(fn.body, (cst.Lambda, cst.Name)) else fn.orelse
        body = fn
        if isinstance(fn, cst.Name) and fn.value in self.sf.functions:
            body = self.sf.functions[fn.value]
        elif not isinstance(fn, cst.Lambda):
            return UNKNOWN
        text = self.sf.text(body)
        if TO_EMPTY in text and not any(w in text for w in ("reset_param", "init", "load")):
            return Status(UNINIT, call, Origin.PARAM_INIT_FN)
        return UNKNOWN if TO_EMPTY not in text else initialized_at(call)

    @staticmethod
    def _model_like(name: str, qual: str | None) -> bool:
        if qual is not None and qual.startswith("torch.") and not qual.startswith("torch.nn."):
            return False
        return name[:1].isupper() or "model" in name.lower() or name in MODEL_FACTORIES

    def call_local(self, e, fn, pos, kw, p: Path, test: bool):
        s = self.sf.summary(fn)
        bound: dict[str, Any] = {}
        for name, v in zip(s.params, pos):
            bound[name] = v
        for k, v in kw.items():
            bound[k] = v
        inits = [v for k, v in bound.items() if k in s.inits and v is not None]
        maybe = [v for k, v in bound.items() if k in s.maybe and k not in s.inits and v is not None]
        loads = [v for k, v in bound.items() if k in s.loads and v is not None]
        if loads:
            self.load_action(loads, e, p, False, True, test)
        if inits:
            self.init_action(inits, e, p, via_helper=True)
        if maybe:
            self.maybe_init(maybe, p)
        if s.trains:
            self.train(e, p, list(bound.values()))
        if s.ret is None:
            return None
        return self.built(e, p) if s.ret == CONSTRUCTED else self.new(p, s.ret)

    def built(self, e, p: Path):
        """The model a factory call ``e`` builds: inside the innermost empty-init context when it runs in one."""
        ctx = self.ctx[-1] if self.ctx else None
        if ctx is not None:
            return self.new(p, Status(ctx.kind, e, Origin.CONTEXT, ctx.node))
        return self.new(p, CONSTRUCTED)

    def given_model(self, e, pos, kw, p: Path, name: str | None = None) -> bool:
        """Is a model whose state a finding may depend on among the call's arguments (or in a container there):
        uninitialized, on meta, loaded, or a parameter of the function being summarized (not its ``self``: a
        trainer's own methods run inline, with their attributes)? Or any model, when the
        name patterns would judge the call (``name`` says it initializes, loads or trains): then the body
        decides instead. (An imported function given only initialized models is otherwise not worth reading:
        nothing it does to them is a finding.)"""
        vals = pos + list(kw.values()) + [self._peek(a.value, p) for a in e.args if a.star]
        given = False
        for v in vals:
            if v is not None:
                for oid, _whole in objs_in(v):
                    if p.st.get(oid, UNKNOWN).kind in _AT_STAKE or self.objs[oid].param not in (None, "self", "cls"):
                        return True
                    given = True
        if not given or name is None:
            return False
        cfg = self.sf.config
        return name in cfg.train_calls or load_name(name, cfg.load_helpers) or matches(name, cfg.init_helpers)

    def call_remote(self, e, rs, pos, kw, passed, p: Path, test: bool):
        """An imported function judged by its body (:class:`~.remote.Remote`): the effects of the outcome this
        path forked on (:meth:`~.interpreter.Run.inline`), or of all outcomes together."""
        if rs.unknown:
            self.maybe_init([v for v in pos + list(kw.values()) if v is not None], p)
            return None
        known = set(rs.params) | set(rs.kwonly)
        bound: dict[str, Any] = {}
        extra = []  # values that may be bound to any parameter
        i = 0
        star = False
        for a in e.args:
            if a.star:
                star = star or a.star == "*"
                extra.append(self._peek(a.value, p))
            elif a.keyword is None:
                v = pos[i] if i < len(pos) else None
                i += 1
                if star or i > len(rs.params):
                    extra.append(v)
                else:
                    bound[rs.params[i - 1]] = v
        for k, v in kw.items():
            if k in known:
                bound[k] = v
            else:
                extra.append(v)
        extra = [v for v in extra if v is not None]
        if extra and rs.effect_free():
            extra = []  # whatever they are bound to, nothing happens to them
        idx = self.chosen.pop((id(p), e), None)
        fx = rs.outcomes[idx][1] if idx is not None else rs.collapsed
        args = rs.arguments(e) if rs.strict else None
        done = set()
        for k, eff in fx.items():
            v = bound.get(k)
            if v is None:
                continue
            if eff == "load":
                self.load_action([v], e, p, k in rs.nonstrict or rs.nonstrict_by(k, args), True, test)
            elif eff == "init":
                self.init_action([v], e, p, via_helper=True)
            elif ":" in eff:
                kind, _, origin = eff.partition(":")
                if type(v) is Ref:
                    p.st[v.oid] = rs.status(origin, UNINIT if kind == "uninit" else META, e)
                else:
                    continue
            else:
                continue
            done.add(k)
        maybe = [bound[k] for k in bound if k not in done and (k in rs.maybe or fx.get(k) == "maybe")] + extra
        maybe = [v for v in maybe if v is not None]
        if maybe:
            self.maybe_init(maybe, p)
        if rs.trains:
            self.train(e, p, list(bound.values()) + extra)
        ret = rs.ret
        if ret is None:
            # what it returns is not decided by its body: a factory by its name, as if unresolved
            return self._construct(e, p, call_name(e), self._qual(e.func), None, False, kw, passed)
        if type(ret) is dict and "arg" in ret:
            return bound.get(ret["arg"])
        if ret == "constructed":
            return self.built(e, p)
        if ret == "initialized":
            return self.new(p, INITIALIZED)
        if ret in ("loaded", "pretrained"):
            return self.new(p, loaded_at(e, pretrained=ret == "pretrained"))
        st = rs.ret_status(e)
        return self.new(p, st) if st is not None else None

    # ------------------------------------------------------------------ effects
    def init_action(self, vals, call, p: Path, materialize: bool = False, via_helper: bool = False) -> None:
        site = next((c for c in self.sites if c is not None), None)
        if site is not None:
            call = site  # ``reset_all(model)``: the finding is at the helper's call, where the reader decides
        fabric_ctx = next((c for c in reversed(self.ctx) if c.fabric), None)
        for v in vals:
            for oid, whole in objs_in(v, deep=via_helper):
                st = p.st.get(oid, UNKNOWN)
                if not materialize:
                    if fabric_ctx is not None:
                        self.sf.record_init_in_context(call, self.objs[oid], fabric_ctx.node, p.cond)
                        continue
                    if st.kind is META:
                        if whole:  # a sub-module touched on meta is not worth a finding (often a cache reset)
                            self.sf.record_init_on_meta(call, self.objs[oid], st, p.cond)
                        continue
                if st.kind is not META:
                    self.sf.init_not_meta.add(call)
                if not whole:
                    self.maybe.add(oid)
                    if st.kind is UNINIT:
                        p.st[oid] = PARTIAL
                    continue
                self.inits.add(oid)
                if st.kind is UNINIT and st.after_load is not None and not materialize:
                    st = loaded_at(st.after_load)  # emptied after a load, then initialized: the load is lost
                if st.kind is LOADED and not st.pretrained and self.objs[oid].param not in ("self", "cls"):
                    # (a model's own methods know their init semantics, e.g. transformers skips loaded tensors)
                    self.sf.record_init_after_load(call, self.objs[oid], st, p.cond)
                    if self.loop_overwrites:
                        self.loop_overwrites[-1].append(call)
                p.st[oid] = initialized_at(call)

    def maybe_init(self, vals, p: Path, call=None) -> None:
        for v in vals:
            for oid, whole in objs_in(v, deep=False):
                self.maybe.add(oid)
                st = p.st.get(oid, UNKNOWN)
                if call is not None and whole and st.kind is META and not self.sites:
                    self.meta_maybe.setdefault(oid, (call, st))
                if st.kind in (UNINIT, META):
                    p.st[oid] = PARTIAL

    def load_action(self, vals, call, p: Path, nonstrict: bool, ignored: bool, test: bool, strict=None) -> None:
        """``strict``: the expression passed as ``strict=`` (a name: a helper's parameter may decide it)."""
        for v in vals:
            for oid, whole in objs_in(v):
                st = p.st.get(oid, UNKNOWN)
                self.loads.add(oid)
                if ignored and whole:
                    if nonstrict:
                        self.nonstrict.add(oid)
                    elif type(strict) is cst.Name:
                        self.strict_by.setdefault(oid, strict.value)
                if test:
                    p.st[oid] = UNKNOWN  # ``if load(...)``: we cannot tell which branch means loaded
                    continue
                if not whole:
                    if st.kind is UNINIT:
                        p.st[oid] = PARTIAL
                    continue
                if nonstrict and ignored and st.kind is UNINIT:
                    self.sf.record_nonstrict_load(call, self.objs[oid], st, p.cond)
                if st.kind is UNINIT and st.selector is not None and "base" in self.sf.text(call).lower():
                    continue  # base weights loaded: the emptied adapter sub-modules are not in them
                p.st[oid] = loaded_at(call)

    def train(self, call, p: Path, vals) -> None:
        self.trained = True
        for v in vals:
            for oid, _w in objs_in(v):
                p.eng.add(oid)
        safe = self.sf.safe
        for oid in p.eng:
            if p.st.get(oid, UNKNOWN).kind in (EAGER, LOADED):
                conds = safe.setdefault(self.objs[oid], [])
                if len(conds) < 32 and p.cond not in conds:
                    conds.append(p.cond)
        for oid, st in list(p.st.items()):
            if st.kind is UNINIT and oid in p.eng:
                self.sf.record_uninit_training(st.at, self.objs[oid], st, call, p.cond)
                if oid in self.meta_maybe:
                    at, meta = self.meta_maybe[oid]
                    self.sf.record_maybe_init_on_meta(at, self.objs[oid], meta, p.cond)
                p.st[oid] = REPORTED

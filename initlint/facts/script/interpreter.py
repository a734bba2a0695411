"""The INIT1xx interpreter: one abstract interpretation of one function (or module) body.

Statements, branches, loops, ``with``/``try``/``match``, bindings and expressions live here; calls in
:mod:`~initlint.facts.script.calls`. Control flow: ``return``/``raise``/``sys.exit()`` end a path,
``break``/``continue`` leave the loop body, loop bodies run 0 or 1 times (a loop over a model's own
modules/parameters runs at least once, and an initialization on any path through its body initializes the
model), ``try`` handlers start from the state before the body, ``with`` bodies run once, ``match`` cases are
alternatives. Same-file methods, trainer constructors and initializing helpers called as statements run
inline on the caller's paths (so ``self.model`` flows from ``__init__``/``setup()`` into ``train()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import libcst as cst

from ..imports import dotted
from ..vocabulary import EXIT_CALLS, META_DEVICE, NOT_WEIGHTS, SAME_MODEL_ATTRS
from ..walk import body_of, call_name, string_value
from .calls import CallsMixin
from .paths import Form, Path, bound, hidden, literal, join_gen, restore_gen, simplify
from .syntax import MAIN_GUARD, OPAQUE, RETURNED, ROOT_NAME, Dead, call_statement, is_none, params_of
from .values import (
    META_STR, UNKNOWN, Ctx, Func, Holder, Kind, Mapping, Method, Obj, Origin, Part, Ref, Seq, Status, loaded_at,
    objs_in,
)

#: (module-level aliases: an Enum member looked up on its class costs 4x a global on these hot paths)
EAGER, UNINIT, META, LOADED = Kind.EAGER, Kind.UNINIT, Kind.META, Kind.LOADED

if TYPE_CHECKING:
    from .driver import ScriptFacts

#: Nesting of inlined calls (methods calling methods) before a call is judged by its summary instead.
MAX_INLINE = 4

#: "no call site of its own" for :meth:`Run._run_body` (None is a site: the body's own lines)
_NO_SITE = object()


class Run(CallsMixin):
    """One abstract interpretation of one function (or module) body (statements here, calls in
    :class:`~initlint.facts.script.calls.CallsMixin`)."""

    def __init__(self, sf: "ScriptFacts") -> None:
        self.sf = sf
        self.objs: list[Obj] = []
        self.ctx: list[Ctx] = []
        self.inits: set[int] = set()
        self.maybe: set[int] = set()
        #: init-after-load calls recorded inside the module loops being run (innermost last)
        self.loop_overwrites: list[list] = []
        #: status of the returned object on each returning path (None: something else is returned)
        self.returns: list = []
        self.loads: set[int] = set()
        self.trained = False
        #: functions being run inline (innermost last) and the paths that returned from each
        self.stack: list = []
        self.frames: list[list] = []
        #: creation site -> the object made there
        self.made: dict[Any, int] = {}
        #: call sites of inlined helper functions (None for methods): effects inside are reported at the outermost
        self.sites: list = []
        #: object -> (call, meta status) of a call that may initialize it (``init_states()``) made while it was on
        #: the meta device: if the model then trains uninitialized, that call is reported too
        self.meta_maybe: dict[int, tuple] = {}
        #: paths that left the analysed function (``return``), for :mod:`.materialize`
        self.exits: list = []
        #: the parameter each ``return`` hands back (None: something else), for :mod:`.remote` summaries
        self.returned_params: list = []
        #: objects loaded non-strictly with the result ignored; or with ``strict=<a name>`` (a helper's parameter)
        self.nonstrict: set[int] = set()
        self.strict_by: dict[int, str] = {}
        #: ``(id(path), call) -> outcome`` of an imported function, chosen where the path forked on it
        self.chosen: dict[tuple, int] = {}

    # ------------------------------------------------------------------ objects
    def new(self, p: Path, status: Status, name: str | None = None, param: str | None = None, site=None) -> Ref:
        """A new object; the one made at the same ``site`` on another path when this path has none yet (so that
        paths that built the same model can merge)."""
        if site is None and isinstance(status.at, cst.CSTNode):
            site = status.at
        if site is not None:
            oid = self.made.get(site)
            if oid is not None and oid not in p.st:
                p.st[oid] = status
                return Ref(oid)
        obj = Obj(len(self.objs), name, param)
        self.objs.append(obj)
        p.st[obj.oid] = status
        if site is not None:
            self.made[site] = obj.oid
        return Ref(obj.oid)

    # ------------------------------------------------------------------ blocks
    def block(self, stmts, paths):
        """Run statements; returns (normal, breaks, continues)."""
        brk: list = []
        cont: list = []
        for stmt in stmts:
            if not paths:
                break
            paths, b, c = self.stmt(stmt, paths)
            brk += b
            cont += c
            paths = bound(paths)
        return paths, brk, cont

    def stmt(self, s, paths):
        t = type(s)
        if t is cst.SimpleStatementLine or t is cst.SimpleStatementSuite:
            return self.smalls(s.body, paths)
        if t is cst.If:
            return self.if_(s, paths)
        if t is cst.For:
            return self.for_(s, paths)
        if t is cst.While:
            return self.while_(s, paths)
        if t is cst.With:
            return self.with_(s, paths)
        if t is cst.Try or t is cst.TryStar:
            return self.try_(s, paths)
        if t is cst.FunctionDef:
            for p in paths:
                self.set_name(p, s.name.value, Func(s))
            return paths, [], []
        if t is cst.Match:
            return self.match_(s, paths)
        return paths, [], []  # class definitions and anything else: no effect on locals we track

    def smalls(self, smalls, paths):
        brk, cont = [], []
        for small in smalls:
            if type(small) is cst.Assert:
                paths = self.assert_(small, paths)
                continue
            live = []
            call, target = call_statement(small)
            if call is not None and paths:
                live, paths = self.inline(call, target, paths)
            for p in paths:
                if call is not None and self._holder_load(call, p):
                    # a checkpointer loads only when it finds a checkpoint: the fresh run is the other path
                    key = (f"{self.sf.text(call)} finds a checkpoint", ())
                    fresh = p.fork().assume([literal(key, False, call, Form.CKPT)])
                    if fresh is not None:
                        if target is not None:
                            self.bind(target, None, fresh)
                        live.append(fresh)
                    if p.assume([literal(key, True, call, Form.CKPT)]) is None:
                        continue
                try:
                    r = self.small(small, p)
                except Dead:
                    continue
                if r == "break":
                    brk.append(p)
                elif r == "continue":
                    cont.append(p)
                else:
                    live.append(p)
            paths = live
            if self.chosen:
                self.chosen.clear()
        return paths, brk, cont

    def _holder_load(self, call: cst.Call, p: Path) -> bool:
        func = call.func
        if not isinstance(func, cst.Attribute) or "load" not in func.attr.value.lower():
            return False
        held = self._peek(func.value, p)
        return type(held) is Holder

    # ------------------------------------------------------------------ inlined calls
    def inline(self, call: cst.Call, target, paths: list) -> tuple[list, list]:
        """Run a same-file method, class constructor or initializing helper called as a statement in place.

        Its body runs on the caller's paths (so ``self.model`` flows from ``__init__``/``setup()`` into
        ``train()``, and a helper that initializes on some of its paths does so on those only), once for all
        paths that call the same function; each path keeps its caller's variables in :attr:`Path.saved`.
        Returns ``(paths after the call, paths on which the call is not one of those)``.
        """
        if len(self.stack) >= MAX_INLINE:
            return [], paths
        batches: dict[Any, list] = {}
        rest = []
        for p in paths:
            r = self._inline_target(call, p)
            if r is None:
                rest.append(p)
            else:
                batches.setdefault(r[0], []).append((p, r))
        if rest and self.sf.imports.aliases:
            rest = self._remote_forks(call, rest)
        out = []
        for fn, items in batches.items():
            todo = []
            for p, (_fn, recv, cls) in items:
                pos, kw = [], {}
                try:
                    for a in call.args:
                        v = self.ev(a.value, p)
                        if a.keyword is not None:
                            kw[a.keyword.value] = v
                        elif not a.star:
                            pos.append(v)
                except Dead:
                    continue
                value = None
                if cls is not None:
                    value = recv = self.new(p, UNKNOWN, site=call)
                    self.objs[value.oid].cls = cls
                if fn is None:  # a class without ``__init__``
                    if target is not None:
                        self.bind(target, value, p)
                    out.append(p)
                    continue
                self._enter(fn, recv, pos, kw, p, value)
                todo.append(p)
            if not todo:
                continue
            # a helper's findings are at its call; a constructor's (a trainer's ``__init__``) at its own lines
            site = call if items[0][1][1] is None and items[0][1][2] is None else None
            normal, brk, cont, rets = self._run_body(fn, todo, site)
            for q, ret in [(q, None) for q in normal + brk + cont] + rets:
                env, gen, value = q.saved[-1]
                q.saved = q.saved[:-1]
                q.env, q.gen = dict(env), restore_gen(q, gen)
                if target is RETURNED:
                    try:
                        self._return(ret, q)
                    except Dead:
                        pass
                    continue
                if target is not None:
                    self.bind(target, value if value is not None else ret, q)
                out.append(q)
        return simplify(out), rest

    def _remote_forks(self, call: cst.Call, paths: list) -> list:
        """``init_model(model, args.init)`` where the imported ``init_model`` initializes only when its parameter
        says so: each path forks on the outcomes of its summary (:mod:`.remote`), with their conditions in the
        caller's terms (``args.init`` truthy / falsy); the call then applies that outcome (:attr:`chosen`). Paths
        on which a condition cannot be put in the caller's terms are left whole (the outcomes then collapse)."""
        root = call.func
        while type(root) is cst.Attribute:
            root = root.value
        if type(root) is not cst.Name or root.value not in self.sf.imports.aliases or (
                type(call.func) is cst.Name and call.func.value in self.sf.functions):
            return paths
        rs = None
        out = []
        for p in paths:
            given = [self._peek(a.value, p) for a in call.args if not a.star]
            if p.env.get(root.value) is not None or not self.given_model(call, given, {}, p):
                out.append(p)  # (only a call given a model can initialize it on some of its paths)
                continue
            if rs is None:
                rs = self.sf.imported(call.func)
                args = rs.arguments(call) if rs is not None and rs.conditional() and not rs.unknown else None
                if args is None:
                    return paths
            forks = []
            for idx, (when, _fx) in enumerate(rs.outcomes):
                for conj in when:
                    alts = self._caller_terms(conj, args, rs, p)
                    if alts is None:
                        forks = None
                        break
                    for lits in alts:
                        q = p.fork().assume(lits)
                        if q is not None:
                            forks.append((q, idx))
                if forks is None:
                    break
            if not forks:
                out.append(p)
                continue
            for q, idx in forks:
                self.chosen[(id(q), call)] = idx
                out.append(q)
        return out

    def _caller_terms(self, conj, args: dict, rs, p: Path):
        """A condition of an imported function's outcome (tests on its parameters) as alternatives of literal
        conjunctions on the caller's arguments; ``[]`` when it cannot hold here, None when it cannot be said."""
        alts: list = [[]]
        for root, text, positive, form in conj:
            arg = args.get(root)
            if arg is None or _constant(arg) is not None:
                truth = rs.defaults.get(root) if arg is None else _constant(arg)
                if truth is None or text != root:
                    return None
                if form == "none":
                    truth = truth != "none"
                elif truth == "none":
                    truth = False
                if bool(truth) != positive:
                    return []
                continue
            if text == root:
                if form == "none":
                    sub = [[literal(self.lit_key(arg, p), positive, arg, Form.NONE)]]
                else:
                    sub = self.alts(arg, positive, p)
            else:
                if dotted(arg) is None:
                    return None
                node = _expression(self.sf.text(arg) + text[len(root):])
                if node is None:
                    return None
                sub = [[literal(self.lit_key(node, p), positive, node, Form.NONE if form == "none" else Form.TRUTH)]]
            alts = [a + b for a in alts for b in sub]
            if len(alts) > 8:
                return None
        return alts

    def _inline_target(self, call: cst.Call, p: Path):
        """``(function, bound receiver, class constructed)`` when ``call`` runs inline on ``p``, else None."""
        func = call.func
        sf = self.sf
        fn = recv = cls = None
        if isinstance(func, cst.Name):
            if p.env.get(func.value) is not None:
                return None
            cls = sf.classes.get(func.value)
            if cls is not None:
                fn = sf.method(cls, "__init__")
                if fn is not None and fn in self.stack:
                    return None
                return fn, None, cls
            fn = sf.functions.get(func.value)
            if fn is None or not sf.inlinable(fn):
                return None
        elif isinstance(func, cst.Attribute):
            recv = self._peek(func.value, p)
            if type(recv) is not Ref:
                return None
            held = p.attrs.get((recv.oid, func.attr.value))
            if type(held) is Method:
                fn, recv = held.fn, held.recv  # ``self.fwd_bwd_fn = self._forward_backward_body``
            elif self.objs[recv.oid].cls is None:
                return None
            else:
                fn = sf.method(self.objs[recv.oid].cls, func.attr.value)
            if fn is None:
                return None
        else:
            return None
        if fn in self.stack or sf.generator(fn):
            return None  # (a generator's body runs later, as it is iterated)
        return fn, recv, None

    def _enter(self, fn: cst.FunctionDef, recv, pos, kw, p: Path, value=None) -> None:
        """Switch ``p`` to ``fn``'s variables (``recv`` bound to its first parameter), saving the caller's."""
        positional_names, kwonly = params_of(fn)
        args = ([recv] if recv is not None else []) + list(pos)
        env = {}
        for name, v in zip(positional_names, args):
            if v is not None:
                env[name] = v
        for k, v in kw.items():
            if v is not None and (k in positional_names or k in kwonly):
                env[k] = v
        p.saved = p.saved + ((p.env, p.gen, value),)
        p.env, p.gen = env, dict(p.gen)

    def _run_body(self, fn: cst.FunctionDef, paths: list, site=_NO_SITE) -> tuple:
        """Run ``fn``'s body on ``paths`` as one inlined frame: ``(normal, break, continue, returns)``.

        ``site``: the call findings inside are placed on (None: the body's own lines); left out, the frame
        has no site of its own (a trainer method run from its class)."""
        if site is not _NO_SITE:
            self.sites.append(site)
        self.stack.append(fn)
        self.frames.append([])
        try:
            normal, brk, cont = self.block(body_of(fn), paths)
        finally:
            rets = self.frames.pop()
            self.stack.pop()
            if site is not _NO_SITE:
                self.sites.pop()
        return normal, brk, cont, rets

    def run_fn(self, fn: cst.FunctionDef, recv, paths: list) -> list:
        """The paths after running ``fn``'s body on ``paths`` with no arguments but ``recv`` (trainer methods)."""
        for p in paths:
            self._enter(fn, recv, [], {}, p)
        normal, brk, cont, rets = self._run_body(fn, paths)
        out = []
        for q in normal + brk + cont + [q for q, _v in rets]:
            env, gen, _value = q.saved[-1]
            q.saved = q.saved[:-1]
            q.env, q.gen = dict(env), restore_gen(q, gen)
            out.append(q)
        return simplify(out)

    def _same_model_back(self, target, call: cst.Call, p: Path):
        """``model = parallelize_fn(model, cfg)``: an unknown call given the model and assigned back to the same
        name returns that model (wrapped, sharded, compiled); anything else it might return is not tracked."""
        if isinstance(target, (cst.Tuple, cst.List)):
            # ``(schedule, self.model_parts, ...) = pipelining_fn(model, ...)``: the elements named for models hold
            # the model (``*_parts``/``*models``: its modules, split into stages)
            for a in call.args:
                held = self._peek(a.value, p) if a.keyword is None and not a.star else None
                if type(held) is Ref and self.objs[held.oid].param is None:
                    out = []
                    for el in target.elements:
                        n = self.sf.text(el.value).rpartition(".")[2].lower()
                        if "schedule" in n:
                            out.append(Part(held.oid, True))  # a pipeline schedule runs (trains) the stages
                        elif "model" not in n or isinstance(el, cst.StarredElement):
                            out.append(None)
                        else:
                            out.append(Part(held.oid, True) if n.endswith(("parts", "s")) else held)
                    return Seq(tuple(out)) if any(out) else None
            return None
        text = self.sf.text(target)
        for a in call.args:
            if a.keyword is None and not a.star and self.sf.text(a.value) == text:
                held = self._peek(a.value, p)
                if type(held) is Ref and self.objs[held.oid].param is None:
                    return held
        return None

    def assert_(self, s: cst.Assert, paths):
        """``assert resume or init_ckpt``: only the paths where the test holds go on."""
        out = []
        for p in paths:
            self.ev(s.test, p, test=True)
            for lits in self.alts(s.test, True, p):
                q = p.fork().assume([hidden(lit) for lit in lits])
                if q is not None:
                    out.append(q)
        return simplify(out)

    def small(self, s, p: Path):
        t = type(s)
        if t is cst.Assign:
            # ``_ = model.load_state_dict(sd, strict=False)`` ignores the result as much as a bare call does
            throwaway = all(isinstance(x.target, cst.Name) and x.target.value == "_" for x in s.targets)
            v = self.ev(s.value, p, ignored=throwaway)
            if v is None and len(s.targets) == 1 and isinstance(s.value, cst.Call):
                v = self._same_model_back(s.targets[0].target, s.value, p)
            for target in s.targets:
                self.bind(target.target, v, p)
        elif t is cst.Expr:
            v = s.value
            if isinstance(v, cst.Call) and (dotted(v.func) in EXIT_CALLS or self._qual(v.func) in EXIT_CALLS):
                raise Dead
            self.ev(v, p, ignored=True)
        elif t is cst.AnnAssign:
            if s.value is not None:
                self.bind(s.target, self.ev(s.value, p), p)
        elif t is cst.AugAssign:
            self.ev(s.value, p)
            self.bind(s.target, None, p)
        elif t is cst.Return:
            self._return(self.ev(s.value, p) if s.value is not None else None, p)
        elif t is cst.Raise:
            raise Dead
        elif t is cst.Break:
            return "break"
        elif t is cst.Continue:
            return "continue"
        elif t is cst.Del:
            self.bind(s.target, None, p)
        return None

    def _return(self, v, p: Path) -> None:
        """End ``p`` returning ``v`` (to the inlined call's caller, or as the analysed function's result)."""
        if self.frames:
            self.frames[-1].append((p, v))  # an inlined call returns to its caller
        elif type(v) is Ref and self.objs[v.oid].param is None:
            self.returns.append(p.st.get(v.oid, UNKNOWN))
            self.returned_params.append(None)
        else:
            self.returns.append(None)
            self.returned_params.append(self.objs[v.oid].param if type(v) is Ref else None)
        if not self.frames:
            self.exits.append(p)  # a path leaving the analysed function (judged by :mod:`.materialize`)
        raise Dead

    # ------------------------------------------------------------------ conditions
    def alts(self, e, truthy: bool, p: Path) -> list:
        """The test ``e`` being ``truthy`` as alternatives (a small DNF) of literal conjunctions."""
        if isinstance(e, cst.Comparison) and MAIN_GUARD.fullmatch(self.sf.text(e)):
            return [[]] if truthy else []  # a script's main guard: the script runs
        if isinstance(e, cst.UnaryOperation) and isinstance(e.operator, cst.Not):
            return self.alts(e.expression, not truthy, p)
        if isinstance(e, cst.BooleanOperation):
            both = isinstance(e.operator, cst.And) == truthy  # and-true / or-false: one conjunction
            left_same = self.alts(e.left, truthy, p)
            right_same = self.alts(e.right, truthy, p)
            if both:
                out = [a + b for a in left_same for b in right_same]
            else:  # and-false: not l, or (l and not r); or-true: l, or (not l and r)
                left_other = self.alts(e.left, not truthy, p)
                out = left_same + [a + b for a in left_other for b in right_same]
            if len(out) <= 4:
                return out
            return [[literal(self.lit_key(e, p), truthy, e, Form.TRUTH)]]
        if (
            isinstance(e, cst.Comparison)
            and len(e.comparisons) == 1
            and isinstance(e.comparisons[0].operator, (cst.Is, cst.IsNot))
            and is_none(e.comparisons[0].comparator)
        ):
            # ``x is not None`` is treated as ``x`` truthy (same decision in scripts), rendered as written
            pol = truthy if isinstance(e.comparisons[0].operator, cst.IsNot) else not truthy
            return [[literal(self.lit_key(e.left, p), pol, e.left, Form.NONE)]]
        if isinstance(e, cst.NamedExpr):
            return self.alts(e.target, truthy, p)
        return [[literal(self.lit_key(e, p), truthy, e, Form.TRUTH)]]

    def lit_key(self, e, p: Path):
        text = self.sf.text(e)
        # names the test reads (identifiers not preceded by a dot; words inside strings only add caution)
        names = set(ROOT_NAME.findall(text))
        return (text, tuple(sorted((n, p.gen.get(n, 0)) for n in names)))

    # ------------------------------------------------------------------ compound statements
    def if_(self, s, paths):
        out, brk, cont = [], [], []
        for p in paths:
            base = p.cond
            o, b, c = self.if_paths(s, [p])
            if len(o) > 1 and not b and not c:
                k = o[0].key()
                if all(q.key() == k for q in o[1:]):
                    # the decision changed nothing we track: it is not part of any path condition
                    o[0].gen = join_gen(o)
                    o[0].cond = base
                    o = o[:1]
            out += o
            brk += b
            cont += c
        return simplify(out), brk, cont

    def if_paths(self, s, paths):
        tpaths, fpaths = [], []
        keys = set()
        for p in paths:
            try:
                self.ev(s.test, p, test=True)
            except Dead:
                continue
            for lits in self.alts(s.test, True, p):
                keys.update(lit.key for lit in lits)
                t = p.fork().assume(lits)
                if t is not None:
                    tpaths.append(t)
            for lits in self.alts(s.test, False, p):
                keys.update(lit.key for lit in lits)
                f = p.fork().assume(lits)
                if f is not None:
                    fpaths.append(f)
        out, brk, cont = self.block(body_of(s), tpaths)
        orelse = s.orelse
        if isinstance(orelse, cst.If):
            o2, b2, c2 = self.if_(orelse, fpaths)
        elif orelse is not None:
            o2, b2, c2 = self.block(body_of(orelse), fpaths)
        else:
            o2, b2, c2 = fpaths, [], []
        if tpaths and fpaths and (not (out or brk or cont) or not (o2 or b2 or c2)):
            # ``if bad: raise ...``: every path that goes on satisfies the test; it still prunes later tests,
            # but it is no condition of a finding
            for q in out + brk + cont + o2 + b2 + c2:
                q.cond = tuple(hidden(lit) if lit.key in keys else lit for lit in q.cond)
        return simplify(out + o2), brk + b2, cont + c2

    def for_(self, s, paths):
        zero, body_in, out, brk_out = [], [], [], []
        for p in paths:
            try:
                v = self.ev(s.iter, p)
            except Dead:
                continue
            if type(v) is Seq and len(v.items) == 1 and type(v.items[0]) is Ref:
                # ``for m in self.model_parts`` over ``[model]``: runs once, with the model
                self.bind(s.target, v.items[0], p)
                body_in.append(p)
                continue
            if type(v) is Part:
                if v.each:
                    # iterating a model's own modules/parameters: runs, and an init anywhere in it covers the model
                    out.extend(self.module_loop(s, p, v))
                    continue
                # iterating parts of a tracked model (``for block in model.blocks``): assume it runs
                self.bind(s.target, v, p)
                body_in.append(p)
                continue
            key = self.lit_key(s.iter, p)
            z = p.fork().assume([literal(key, False, s.iter, Form.LOOP)])
            if z is not None:
                zero.append(z)
            if p.assume([literal(key, True, s.iter, Form.LOOP)]) is None:
                continue
            self.bind(s.target, None, p)
            body_in.append(p)
        normal, brk, cont = self.block(body_of(s), body_in)
        after = zero + normal + cont
        b2 = c2 = []
        if s.orelse is not None:
            after, b2, c2 = self.block(body_of(s.orelse), after)
        return simplify(out + after + brk + brk_out), b2, c2

    def module_loop(self, s, p: Path, v: Part):
        oid = v.oid
        before = p.st.get(oid)
        q = p.fork()
        self.bind(s.target, v, q)
        self.loop_overwrites.append([])
        try:
            normal, brk, cont = self.block(body_of(s), [q])
        finally:
            overwrites = self.loop_overwrites.pop()
        results = normal + brk + cont
        if not results:
            return []
        inited = [r.st.get(oid) for r in results
                  if r.st.get(oid) != before and r.st.get(oid, UNKNOWN).kind is EAGER]
        filters = {lit.text for r in results for lit in r.cond[len(p.cond):]}
        by_type = bool(filters) and all(f.startswith(("isinstance(", "hasattr(", "type(")) for f in filters)
        emptying = [r for r in results if r.st.get(oid, UNKNOWN).kind is UNINIT and r.st[oid] != before]
        if by_type and emptying and not inited:
            # ``for m in model.modules(): if isinstance(m, LoRALinear): m.to_empty(...)``: those sub-modules
            # are uninitialized memory, whatever the rest of the model holds. The selector named is the test
            # on the path that emptied them (sets are unordered: a message must not change from run to run)
            own = [lit.text for lit in emptying[0].cond[len(p.cond):] if lit.text in filters]
            selector = own[0] if own else min(filters)
            sub = Status(UNINIT, emptying[0].st[oid].at, Origin.SUBMODULES, selector=selector)
            for r in results:
                r.st[oid] = sub
        if overwrites and len(inited) < len(results) and not by_type:
            # after a load, a loop that initializes only some modules (``if name not in checkpoint: ...``)
            # is selective, not an overwrite of the whole model
            for node in overwrites:
                self.sf.unrecord_after_load(node)
        out, seen = [], set()
        for r in results:
            r.cond = p.cond
            if inited:
                r.st[oid] = inited[0]
            k = r.key()
            if k not in seen:
                seen.add(k)
                out.append(r)
        return out

    def while_(self, s, paths):
        infinite = isinstance(s.test, cst.Name) and s.test.value == "True" or (
            isinstance(s.test, cst.Integer) and s.test.value != "0"
        )
        zero, body_in = [], []
        for p in paths:
            try:
                self.ev(s.test, p, test=True)
            except Dead:
                continue
            if not infinite:
                zero.append(p.fork())
            body_in.append(p)
        normal, brk, cont = self.block(body_of(s), body_in)
        after = [] if infinite else zero + normal + cont
        b2 = c2 = []
        if s.orelse is not None:
            after, b2, c2 = self.block(body_of(s.orelse), after)
        return simplify(after + brk), b2, c2

    def with_(self, s, paths):
        pushed = 0
        for item in s.items:
            ctx = self.sf.empty_context(item.item)
            x = item.item
            if ctx is None and paths and isinstance(x, cst.Call) and call_name(x) == "device" and x.args:
                # ``torch.device(cfg.init_device)`` after ``cfg.init_device = "meta"`` (on every path)
                arg = x.args[0].value
                if isinstance(arg, (cst.Name, cst.Attribute)) and all(
                    self._peek(arg, q) == META_STR for q in paths
                ):
                    ctx = Ctx(x, False, META)
            if ctx is not None:
                self.ctx.append(ctx)
                pushed += 1
            live = []
            for p in paths:
                try:
                    if ctx is None:
                        self.ev(item.item, p)
                    if item.asname is not None:
                        self.bind(item.asname.name, None, p)
                except Dead:
                    continue
                live.append(p)
            paths = live
        try:
            return self.block(body_of(s), paths)
        finally:
            for _ in range(pushed):
                self.ctx.pop()

    def try_(self, s, paths):
        pre = [p.fork() for p in paths]
        out, brk, cont = self.block(body_of(s), paths)
        if s.orelse is not None:
            out, b2, c2 = self.block(body_of(s.orelse), out)
            brk, cont = brk + b2, cont + c2
        for handler in s.handlers:
            hin = [p.fork() for p in pre]
            if handler.name is not None:
                for p in hin:
                    self.bind(handler.name.name, None, p)
            h, b2, c2 = self.block(body_of(handler), hin)
            out, brk, cont = out + h, brk + b2, cont + c2
        if s.finalbody is not None:
            fin = body_of(s.finalbody)
            out, b2, c2 = self.block(fin, out)
            brk = self.block(fin, brk)[0] if brk else brk
            cont = self.block(fin, cont)[0] if cont else cont
            brk, cont = brk + b2, cont + c2
        return simplify(out), brk, cont

    def match_(self, s, paths):
        live = []
        for p in paths:
            try:
                self.ev(s.subject, p)
            except Dead:
                continue
            live.append(p)
        subject = self.sf.text(s.subject)
        out, brk, cont = [], [], []
        rest = live
        for case in s.cases:
            pat = case.pattern
            if isinstance(pat, cst.MatchAs) and pat.pattern is None and case.guard is None:
                o, b, c = self.block(body_of(case), rest)
                out, brk, cont, rest = out + o, brk + b, cont + c, []
                break
            key = (f"{subject} matches {self.sf.text(pat)}", ())
            lit = literal(key, True, s.subject, Form.MATCH, self.sf.text(pat))
            cin = [q for q in (p.fork().assume([lit]) for p in rest) if q is not None]
            o, b, c = self.block(body_of(case), cin)
            out, brk, cont = out + o, brk + b, cont + c
        return simplify(out + rest), brk, cont

    def _peek(self, e, p: Path):
        """The value of a name or attribute chain, without effects."""
        if isinstance(e, cst.Name):
            return p.env.get(e.value)
        if isinstance(e, cst.Attribute):
            base = self._peek(e.value, p)
            if type(base) is Ref:
                return p.attrs.get((base.oid, e.attr.value))
        return None

    # ------------------------------------------------------------------ binding
    def set_name(self, p: Path, name: str, val) -> None:
        if val is None:
            p.env.pop(name, None)
        else:
            p.env[name] = val
        p.gen[name] = p.gen.get(name, 0) + 1

    def bind(self, target, val, p: Path) -> None:
        t = type(target)
        if t is cst.Name:
            if type(val) is Ref:
                obj = self.objs[val.oid]
                if obj.name is None:
                    obj.name = target.value
            self.set_name(p, target.value, val)
        elif t is cst.Tuple or t is cst.List:
            elems = [e.value for e in target.elements]
            if type(val) is Seq and len(val.items) == len(elems) and not any(
                isinstance(e, cst.StarredElement) for e in target.elements
            ):
                for e, v in zip(elems, val.items):
                    self.bind(e, v, p)
            else:
                part = val if type(val) is Part else None
                for e in elems:
                    self.bind(e, part, p)
        elif t is cst.StarredElement:
            self.bind(target.value, None, p)
        elif t is cst.Subscript:
            # ``state["model"] = model``: update a dict held in a variable
            base = target.value
            if isinstance(base, cst.Name):
                held = p.env.get(base.value)
                key = self._key(target)
                if type(held) is Mapping and key is not None:
                    items = tuple((k, v) for k, v in held.items if k != key)
                    if val is not None:
                        items += ((key, val),)
                    p.env[base.value] = Mapping(items)
                    return
            self.ev(base, p)
        elif t is cst.Attribute:
            base = self.ev(target.value, p)
            if type(base) is Ref:
                # ``self.model = model``: the attribute holds the value (read back by ``self.model``)
                if val is None:
                    p.attrs.pop((base.oid, target.attr.value), None)
                else:
                    p.attrs[(base.oid, target.attr.value)] = val
                    if type(val) is Ref and self.objs[val.oid].name is None:
                        self.objs[val.oid].name = self.sf.text(target)
            if target.attr.value == "_is_hf_initialized" and base is not None:
                # transformers: tensors marked initialized are skipped by init_weights()/initialize_weights()
                for oid, _whole in objs_in(base):
                    st = p.st.get(oid, UNKNOWN)
                    if st.kind is LOADED:
                        p.st[oid] = loaded_at(st.at, pretrained=True)

    @staticmethod
    def _key(sub: cst.Subscript):
        if len(sub.slice) == 1 and isinstance(sub.slice[0].slice, cst.Index):
            node = sub.slice[0].slice.value
            s = string_value(node)
            if s is not None:
                return s
            if isinstance(node, cst.Integer):
                return int(node.value)
        return None

    # ------------------------------------------------------------------ expressions
    def _qual(self, func) -> str | None:
        return self.sf.imports.resolve(func)

    def ev(self, e, p: Path, ignored: bool = False, test: bool = False):
        t = type(e)
        if t is cst.Name:
            v = p.env.get(e.value)
            if v is None:
                fn = self.sf.functions.get(e.value)
                if fn is not None:
                    return Func(fn)
            return v
        if t is cst.Call:
            return self.call(e, p, ignored, test)
        if t is cst.Attribute:
            base = self.ev(e.value, p, test=test)
            is_ref = type(base) is Ref
            if is_ref:
                held = p.attrs.get((base.oid, e.attr.value))
                if held is not None:
                    return held
                cls = self.objs[base.oid].cls
                if cls is not None:
                    fn = self.sf.method(cls, e.attr.value)
                    if fn is not None:
                        return Method(fn, base)  # a bound method of a same-file trainer
            if e.attr.value in SAME_MODEL_ATTRS and is_ref:
                return base  # ``ddp_model.module``, ``compiled._orig_mod``: the model itself
            if e.attr.value == "model" and is_ref and self.objs[base.oid].param is None:
                return base  # a wrapper built here (composer's ``HuggingFaceModel``): ``.model`` holds its weights
            if e.attr.value in NOT_WEIGHTS:
                return None  # ``p.grad.zero_()`` does not touch the weights
            if is_ref and self.objs[base.oid].cls is not None:
                return None  # ``self.train_spec`` of a trainer is no part of a model
            return self._part(base)
        if t is cst.Subscript:
            base = self.ev(e.value, p, test=test)
            if base is None:
                return None
            key = self._key(e)
            if type(base) is Mapping:
                for k, v in base.items:
                    if k == key:
                        return v
                return None
            if type(base) is Seq:
                items = base.items
                return items[key] if isinstance(key, int) and -len(items) <= key < len(items) else None
            return self._part(base)
        if t is cst.Tuple or t is cst.List:
            return Seq(tuple(None if isinstance(el, cst.StarredElement) else self.ev(el.value, p, test=test)
                             for el in e.elements))
        if t is cst.Dict:
            items = []
            for el in e.elements:
                if isinstance(el, cst.DictElement):
                    v = self.ev(el.value, p, test=test)
                    k = string_value(el.key)
                    if v is not None:
                        items.append((k, v))
            return Mapping(tuple(items))
        if t is cst.Await:
            return self.ev(e.expression, p, ignored, test)
        if t is cst.NamedExpr:
            v = self.ev(e.value, p, test=test)
            self.bind(e.target, v, p)
            return v
        if t is cst.SimpleString:
            return META_STR if string_value(e) == META_DEVICE else None
        if t in OPAQUE:
            return None  # leaves, and code that may not run (lambda, comprehensions, conditional expressions)
        for child in e.children:
            self._effects(child, p, test)
        return None

    def _effects(self, node, p, test) -> None:
        if isinstance(node, cst.BaseExpression):
            self.ev(node, p, test=test)
        elif isinstance(node, (cst.ComparisonTarget, cst.Arg, cst.FormattedStringExpression, cst.Element,
                               cst.SubscriptElement, cst.Index, cst.Slice)):
            for child in node.children:
                self._effects(child, p, test)

    @staticmethod
    def _part(base):
        if base is None:
            return None
        if type(base) is Ref:
            return Part(base.oid, False)
        if type(base) is Part:
            return base
        return None


def _constant(node):
    """Truth of a literal argument: True/False, ``"none"`` for None; None when it is not a literal."""
    if type(node) is cst.Name:
        v = node.value
        return True if v == "True" else False if v == "False" else "none" if v == "None" else None
    if type(node) in (cst.Integer, cst.Float):
        return node.value.strip("0._") != ""
    if type(node) is cst.SimpleString:
        return len(node.evaluated_value or "") > 0 if hasattr(node, "evaluated_value") else None
    return None


_EXPRESSIONS: dict = {}


def _expression(text: str):
    """A parsed expression for a test written in the caller's terms (``args.init``), shared per text."""
    node = _EXPRESSIONS.get(text)
    if node is None and text not in _EXPRESSIONS:
        try:
            node = cst.parse_expression(text)
        except Exception:  # noqa: BLE001 - not an expression: cannot be said
            node = None
        if len(_EXPRESSIONS) > 4096:
            _EXPRESSIONS.clear()
        _EXPRESSIONS[text] = node
    return node

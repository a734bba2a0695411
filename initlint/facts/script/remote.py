"""Imported free functions judged by their bodies: serializable summaries of another file's top-level functions.

``from utils import init_model; init_model(model, args.init)``: when ``utils`` resolves to a file of the linted
file's project (through the project index, :meth:`~initlint.project.index.ProjectIndex.locate_function`;
installed packages are never read), ``init_model`` is summarized by the *same* interpreter that judges
same-file helpers (:meth:`ScriptFacts._execute` on the other file), once, and the summary is kept in the
project index's on-disk cache under its own kind (:meth:`~initlint.project.index.ProjectIndex.script_summary`),
with the other files it consulted (so an edit to a helper's helper invalidates it). Only the part of the file
the function can reach is parsed (:func:`_reach`). Nothing here runs for a file whose INIT1xx analysis never
calls an imported function, and a call reads its function only when it can change a finding: it is given a
model that is uninitialized, on meta or loaded, or a parameter of the function being summarized
(:meth:`~.calls.CallsMixin.given_model`), or its name says it builds a model.

A summary (:func:`summarize_function`, plain JSON)::

    {"params": [positional names], "kwonly": [names], "defaults": {name: true | false | "none"} (literal defaults),
     "outcomes": [{"when": [[[param, text, positive, form], ...], ...], "fx": {param: effect}}, ...],
     "maybe": [params], "nonstrict": [params], "strict": {param: the parameter passed as its load's strict=},
     "trains": bool, "ret": RET}

One *outcome* per distinct effect on the parameters at the function's exits, with the conditions (a DNF of
tests on the function's own parameters: ``flag``, ``cfg.init``, ``ckpt is not None``) under which it happens;
``[]``: always. ``effect``: ``"init"`` (initialized as a whole), ``"load"``, ``"maybe"``, ``"uninit:<Origin>"``
or ``"meta:<Origin>"`` (emptied, moved to meta). When the outcomes differ and a condition is not about the
parameters, they collapse to one outcome where the disagreeing parameters are ``"maybe"`` (never reported).
``RET``: ``null`` (unknown), ``"constructed"``, ``"initialized"``, ``"loaded"``, ``"pretrained"``,
``{"kind": "uninit"|"meta", "origin": name, "ctx": text}``, or ``{"arg": param}`` (returns that argument).

At the call (:class:`Remote`), the arguments are bound to the parameters; each outcome's conditions are
rewritten into the caller's terms (``flag`` -> the argument's expression) so that the caller's paths fork on
them (:meth:`Remote.forks`) and a finding names the caller's condition (``when `args.init` is falsy``).
"""

from __future__ import annotations

import re
from typing import Any, Optional

import libcst as cst

from .paths import Form
from .syntax import is_false, is_none, is_true, params_of
from .values import UNKNOWN, Kind, Origin, Status, agreed_return

#: Most alternative conditions kept per summary (more: the outcomes collapse).
MAX_CONDITIONS = 8
#: ``cfg.init_method``: a parameter, or an attribute chain on one (the tests a summary can hand to its caller).
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\Z")
#: the summary of a function whose body could not be followed (a cycle, too deep): every argument "maybe"
UNKNOWN_SCRIPT: dict = {"unknown": True}

_FORMS = {Form.TRUTH: "truth", Form.NONE: "none"}


# ----------------------------------------------------------------------------- the callee's side
def _effect(st: Status) -> Optional[str]:
    kind = st.kind
    if kind is Kind.EAGER:
        return "init" if st.initialized else None
    if kind is Kind.LOADED:
        return "load"
    if kind is Kind.PARTIAL:
        return "maybe"
    if kind in (Kind.UNINIT, Kind.META):
        if st.origin is None or st.origin in (Origin.SUBMODULES, Origin.CONTEXT, Origin.DEFAULT_DEVICE):
            return "maybe"
        return f"{kind.value}:{st.origin.name}"
    return None


def _condition(cond, params: set) -> Optional[list]:
    """A path condition as ``[[param, text, positive, form], ...]`` over the function's parameters, or None."""
    out = []
    for lit in cond:
        if lit.hidden:
            continue
        text = lit.text
        root = text.partition(".")[0]
        form = _FORMS.get(lit.form)
        if form is None or root not in params or not _DOTTED.match(text):
            return None
        if dict(lit.key[1]).get(root, 0) != 0:
            return None  # the parameter was reassigned before the test
        out.append([root, text, bool(lit.positive), form])
    return out


def _ret(run) -> Any:
    rets = run.returns
    args = run.returned_params
    if args and all(a is not None and a == args[0] for a in args):
        return {"arg": args[0]}
    if rets and all(r is not None and r.kind is Kind.LOADED for r in rets):
        return "pretrained" if all(r.pretrained for r in rets) else (
            "loaded" if not any(r.pretrained for r in rets) else "initialized")
    st = agreed_return(rets)
    if st is None:
        return None
    if st.kind is Kind.EAGER:
        return "constructed" if not st.initialized else "initialized"
    if st.origin is None or st.origin is Origin.SUBMODULES:
        return None
    ctx = run.sf.text(st.ctx) if st.ctx is not None else None
    return {"kind": st.kind.value, "origin": st.origin.name, "ctx": ctx}


def summarize_function(sf, fn: cst.FunctionDef) -> dict:
    """The JSON summary of ``fn`` (a top-level function of ``sf``'s file), from one run of its body."""
    run, normal, _names, by_oid = sf._execute(fn)
    positional, kwonly = params_of(fn)
    defaults = {}
    for p in list(fn.params.params) + list(fn.params.kwonly_params) + list(fn.params.posonly_params):
        d = p.default
        if d is None:
            continue
        if is_none(d):
            defaults[p.name.value] = "none"
        elif is_true(d) or isinstance(d, (cst.Integer, cst.SimpleString)) and sf.text(d) not in ("0", "''", '""'):
            defaults[p.name.value] = True
        elif is_false(d) or sf.text(d) in ("0", "''", '""'):
            defaults[p.name.value] = False
    names = set(positional) | set(kwonly)
    groups: dict[tuple, list] = {}
    for q in list(normal) + list(run.exits):
        fx = []
        for oid, pname in by_oid.items():
            e = _effect(q.st.get(oid, UNKNOWN))
            if e is not None:
                fx.append((pname, e))
        groups.setdefault(tuple(sorted(fx)), []).append(_condition(q.cond, names))
    maybe = {by_oid[o] for o in run.maybe if o in by_oid}
    seen = {e for fx in groups for _p, e in fx}
    # loaded or initialized on no exit path (inside an ``if load(...)`` test, then reset): may or may not
    maybe |= {by_oid[o] for o in run.loads if o in by_oid and "load" not in seen}
    outcomes = [{"when": [c for c in conds if c is not None] if len(groups) > 1 else [], "fx": dict(fx)}
                for fx, conds in groups.items()]
    if len(groups) > 1 and (any(c is None for conds in groups.values() for c in conds)
                            or sum(len(conds) for conds in groups.values()) > MAX_CONDITIONS):
        outcomes = [{"when": [], "fx": _collapse([o["fx"] for o in outcomes], names)}]
    return {
        "params": positional, "kwonly": kwonly, "defaults": defaults, "outcomes": outcomes,
        "maybe": sorted(maybe), "nonstrict": sorted(by_oid[o] for o in run.nonstrict if o in by_oid),
        "strict": {by_oid[o]: s for o, s in run.strict_by.items() if o in by_oid and s in names},
        "trains": bool(run.trained), "ret": _ret(run),
    }


def _collapse(fxs: list, names) -> dict:
    """One effect per parameter for outcomes that cannot be told apart: theirs when they agree, else maybe."""
    out = {}
    for pname in names:
        effects = {fx.get(pname) for fx in fxs}
        if len(effects) == 1:
            e = effects.pop()
            if e is not None:
                out[pname] = e
        else:
            out[pname] = "maybe"
    return out


def compute(data: bytes, path: str, name: str, config, index) -> Optional[dict]:
    """The summary of top-level function ``name`` in the file ``path`` (bytes ``data``), or None when the file
    does not parse or has no such function (then the call is judged by name)."""
    from .. import FileFacts

    module = _parse(data, path, name)
    if module is None:
        return None
    facts = FileFacts(module, path, config, origin=path)
    facts.__dict__["project"] = index  # the linted file's index, without starting a new linted file
    sf = facts.script
    fn = sf.functions.get(name)
    return None if fn is None else summarize_function(sf, fn)


def config_key(config) -> str:
    """A short key of the options a summary depends on (what counts as an init, a load, training)."""
    import hashlib

    fields = (config.init_helpers, config.load_helpers, config.train_calls, config.init_functions,
              config.conditional_empty_init)
    return hashlib.sha256(repr(fields).encode("utf-8")).hexdigest()[:12]


_MODULES: dict = {}


def _parse(data: bytes, path: str, name: str):
    """libcst's tree of the part of another file that function ``name`` can reach (:func:`_reach`), or None."""
    key = (path, hash(data), name)
    if key in _MODULES:
        return _MODULES[key]
    module = None
    text = _reach(data, path, name)
    if text is not None:
        try:
            module = cst.parse_module(text)
        except Exception:  # noqa: BLE001 - unparseable: judged by name
            module = None
    if len(_MODULES) >= 16:
        _MODULES.clear()
    _MODULES[key] = module
    return module


_TREES: dict = {}


def _reach(data: bytes, path: str, name: str) -> Optional[str]:
    """The source of the top-level statements function ``name`` can use: the module's imports (also inside
    top-level ``if``/``try``), the function, and the top-level functions and classes it names, theirs in turn.
    Cut from Python's ``ast`` (much cheaper than libcst's parse, which then reads only this part); whole lines
    are kept, so what stays reads as it does in the file. None when the file does not decode or parse."""
    import ast

    key = (path, hash(data))
    got = _TREES.get(key)
    if got is None:
        got = _TREES[key] = _top_level(data)
        if len(_TREES) > 64:
            _TREES.clear()
            _TREES[key] = got
    if got is None:
        return None
    defs, imports, lines = got
    keep = list(imports)
    if name not in defs:
        return None
    todo = [name]
    reached: set[str] = set()
    while todo:
        n = todo.pop()
        if n in reached or n not in defs:
            continue
        reached.add(n)
        d = defs[n]
        if isinstance(d, ast.ClassDef) and _model_class(d):
            continue  # (cut to its header below: what its methods name is not needed)
        todo.extend(x.id for x in ast.walk(d) if isinstance(x, ast.Name) and x.id in defs)
    keep.extend(d for n, d in defs.items() if n in reached)
    keep.sort(key=lambda s: s.lineno)
    out = []
    for stmt in keep:
        first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", ())])
        body = stmt.body[0].lineno if isinstance(stmt, ast.ClassDef) and stmt.body else None
        if body is not None and body > stmt.lineno and _model_class(stmt):
            # a model class: what the analysis asks of it is that it is one (its bases, a ``forward``)
            out.extend(lines[first - 1:body - 1])
            indent = " " * (stmt.body[0].col_offset or 4)
            out.append(f"{indent}def forward(self, *args, **kwargs):\n{indent}    pass\n")
            continue
        out.extend(lines[first - 1:stmt.end_lineno])
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n"
    return "".join(out)


def _model_class(cls) -> bool:
    """:func:`~.syntax.module_like` on an ``ast`` class: a base named like a module, or a ``forward`` method."""
    import ast

    from ..vocabulary import MODULE_BASE_WORDS

    for base in cls.bases:
        text = ast.unparse(base)
        if any(w in text for w in MODULE_BASE_WORDS):
            return True
    return any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "forward" for s in cls.body)


def _top_level(data: bytes):
    """``(top-level defs by name, import statements, physical lines)`` of a file, from ``ast``; None when it does
    not decode or parse."""
    import ast

    from ...slicing import parse_module, physical_lines

    parsed = parse_module(data)
    if parsed is None:
        return None
    tree, text = parsed
    defs: dict = {}
    imports: list = []
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs.setdefault(stmt.name, stmt)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)) or isinstance(stmt, (ast.If, ast.Try)) and any(
                isinstance(s, (ast.Import, ast.ImportFrom)) for s in ast.walk(stmt)):
            imports.append(stmt)
    return defs, imports, physical_lines(text)


# ----------------------------------------------------------------------------- the caller's side
_EFFECT = re.compile(r"(?:init|load|maybe|(?:uninit|meta):[A-Z_]+)\Z")


def _checked(effect) -> str:
    """An effect as the caller applies it (anything unexpected: ``"maybe"``)."""
    return effect if isinstance(effect, str) and _EFFECT.match(effect) else "maybe"


class Remote:
    """A summary of an imported function, ready to be applied at a call (see the module docstring)."""

    __slots__ = ("qual", "params", "kwonly", "defaults", "outcomes", "maybe", "nonstrict", "strict", "trains", "ret",
                 "unknown", "collapsed", "_ctx")

    def __init__(self, qual: str, data: dict) -> None:
        self.qual = qual
        self.unknown = bool(data.get("unknown"))
        self.params: list[str] = list(data.get("params", ()))
        self.kwonly: list[str] = list(data.get("kwonly", ()))
        self.defaults: dict = dict(data.get("defaults", {}))
        self.outcomes: list = [(list(o["when"]), {str(k): _checked(v) for k, v in o["fx"].items()})
                               for o in data.get("outcomes", ())]
        for when, _fx in self.outcomes:
            for conj in when:
                for root, text, positive, form in conj:
                    if not (isinstance(root, str) and isinstance(text, str) and text.startswith(root)):
                        raise ValueError("condition")
        self.maybe = frozenset(data.get("maybe", ()))
        self.nonstrict = frozenset(data.get("nonstrict", ()))
        self.strict: dict = {str(k): str(v) for k, v in data.get("strict", {}).items()}
        self.trains = bool(data.get("trains"))
        self.ret = data.get("ret")
        #: the effects when the caller cannot tell the outcomes apart
        self.collapsed = self.outcomes[0][1] if len(self.outcomes) == 1 else _collapse(
            [fx for _w, fx in self.outcomes], set(self.params) | set(self.kwonly))
        self._ctx = None

    def nonstrict_by(self, param: str, args: Optional[dict]) -> bool:
        """Is the load of ``param`` non-strict because the caller passes ``False`` as its ``strict`` parameter
        (``load_checkpoint(fabric, model, path, strict=False)``), or leaves a ``False`` default?"""
        name = self.strict.get(param)
        if name is None or args is None:
            return False
        arg = args.get(name)
        return is_false(arg) if arg is not None else self.defaults.get(name) is False

    def effect_free(self) -> bool:
        """Does the function do nothing to any of its parameters (no effect, no maybe, no training)?"""
        return not self.trains and not self.maybe and not any(fx for _w, fx in self.outcomes)

    def conditional(self) -> bool:
        """Do the outcomes differ with conditions the caller may decide?"""
        return len(self.outcomes) > 1

    def arguments(self, call: cst.Call) -> Optional[dict]:
        """parameter -> argument expression of ``call`` (None with ``*args``/``**kwargs``)."""
        out = {}
        i = 0
        for a in call.args:
            if a.star:
                return None
            if a.keyword is not None:
                out[a.keyword.value] = a.value
            elif i < len(self.params):
                out[self.params[i]] = a.value
                i += 1
        return out

    def status(self, origin: str, kind: Kind, call) -> Status:
        """The caller's status for an ``uninit:``/``meta:`` effect or return, placed at ``call``."""
        try:
            o = Origin[origin]
        except KeyError:
            return UNKNOWN
        return Status(kind, call, o)

    def ret_status(self, call) -> Optional[Status]:
        ret = self.ret
        if not isinstance(ret, dict) or "kind" not in ret:
            return None
        kind = Kind.UNINIT if ret["kind"] == "uninit" else Kind.META
        try:
            o = Origin[ret["origin"]]
        except KeyError:
            return None
        ctx = None
        if o is Origin.CONTEXT:
            if not ret.get("ctx"):
                return None
            if self._ctx is None:
                try:
                    self._ctx = cst.parse_expression(ret["ctx"])
                except Exception:  # noqa: BLE001 - odd text: no status
                    return None
            ctx = self._ctx
        return Status(kind, call, o, ctx)

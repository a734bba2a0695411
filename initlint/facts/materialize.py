"""Materializers that leave memory uninitialized: a local judgement on one function (INIT105, INIT102).

Training code often hands materialization to a small function whose caller is in another module:
an FSDP ``param_init_fn``, Lightning's ``_materialize(module, device)``, a ``get_model()`` factory. The
script flow analysis (:mod:`.flow`) cannot say whether such a model *reaches training* (the callers decide);
what the function's own body does decide is whether it *hands back* the memory ``to_empty()`` allocated
without initializing it. :mod:`.flow` runs every function once from its body (its summary run) and calls
:func:`judge` with that run's exit paths; :func:`judge` records events, and :func:`findings` gives the
rules their hits. The interface is deliberately narrow: a run, its exit paths and the parameter objects.

Events (none of them claims training; each rule words its own message):

* ``"left-uninitialized"`` (INIT105): a function named or used as a materializer/initializer
  (``*materializ*``, ``init*``/``reset*``/``*init_fn*``, or passed as ``param_init_fn=``) makes one of its
  module parameters ``to_empty()`` and, on some path that leaves the function, neither initializes nor loads
  it afterwards;
* ``"rank-materialized-unsynced"`` (INIT105): ``FSDP(module, param_init_fn=f, sync_module_states=False)``
  (or without ``sync_module_states``) where ``f`` is a same-file function or lambda that calls ``to_empty()``
  only on some ranks and never initializes: that shape relies on rank 0's weights being broadcast, and
  nothing broadcasts them;
* ``"init-before-to-empty"`` (INIT102): a parameter is initialized and then ``to_empty()`` in the same block,
  with no initialization after, and leaves the function uninitialized: ``to_empty()`` threw the
  initialized values away.

Silent (precision first) when a path's conditions test the rank (``get_rank() != 0``, ``not rank0``: the
weights come from another rank, e.g. ``sync_module_states=True``), or test that the module has no
initializer (``not hasattr(m, "reset_parameters")``: nothing to call), when the function is passed as
``param_init_fn=`` together with ``sync_module_states=True``, and when the function calls anything that
may initialize or load which the flow analysis does not model (``obj.param_init_fn(module)``, a method
fetched with ``getattr(m, "reset_parameters")``, any ``*load*`` call).
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from .walk import body_of, call_name, iter_calls, keyword

#: Statuses of :mod:`.flow` read here (strings, so that this module does not import flow).
_UNINIT = "uninit"

_FSDP = frozenset({"FSDP", "FullyShardedDataParallel"})
_RANK = re.compile(r"rank|is_main_process|is_master|local_master", re.I)
_INIT_WORD = re.compile(r"init|reset|materializ", re.I)
_HAS_ATTR = re.compile(r"\b(hasattr|callable|getattr|isinstance)\(")


def _store(sf) -> dict:
    """The events of one file, kept on its ScriptFacts: ``code -> {node: data}``."""
    got = sf.__dict__.get("_materialize_events")
    if got is None:
        got = sf.__dict__["_materialize_events"] = {"INIT105": {}, "INIT102": {}}
    return got


def _own_calls(stmts) -> list[cst.Call]:
    """Calls in ``stmts`` and their compound headers, lambdas included, nested defs and classes excluded."""
    from .walk import sub_blocks

    out: list[cst.Call] = []
    stack = list(stmts)
    while stack:
        s = stack.pop()
        if isinstance(s, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(s, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in s.body:
                out.extend(iter_calls(small))
            continue
        for head in ("test", "iter"):
            h = getattr(s, head, None)
            if h is not None:
                out.extend(iter_calls(h))
        if isinstance(s, cst.With):
            for item in s.items:
                out.extend(iter_calls(item.item))
        for block in sub_blocks(s):
            stack.extend(block)
    return out


def _getattr_bound(stmts) -> set[str]:
    """Names bound to ``getattr(x, "<initializer>", ...)`` (``reset := getattr(m, "reset_parameters", None)``)."""
    found: set[str] = set()

    class _V(cst.CSTVisitor):
        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            if isinstance(node.target, cst.Name) and _is_init_getattr(node.value):
                found.add(node.target.value)

        def visit_Assign(self, node: cst.Assign) -> None:
            if _is_init_getattr(node.value):
                for t in node.targets:
                    if isinstance(t.target, cst.Name):
                        found.add(t.target.value)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

    for s in stmts:
        s.visit(_V())
    return found


def _is_init_getattr(e) -> bool:
    return (
        isinstance(e, cst.Call) and call_name(e) == "getattr" and len(e.args) >= 2
        and isinstance(e.args[1].value, cst.SimpleString) and bool(_INIT_WORD.search(e.args[1].value.value))
    )


def _known_init(sf, name: str) -> bool:
    """Initializations the flow analysis itself models (so their paths are judged from its states)."""
    from . import flow

    cfg = sf.config
    return (
        name in flow._INIT_METHODS or name in cfg.init_functions or flow._matches(name, cfg.init_helpers)
        or name in flow._NN_INIT_NAMES or name in flow._TENSOR_INIT_METHODS or name == "apply"
    )


def _opaque_init(sf, fn: cst.FunctionDef) -> bool:
    """Does ``fn`` call something that may initialize or load which flow does not model? (then: silent)"""
    stmts = body_of(fn)
    bound = _getattr_bound(stmts)
    for call in _own_calls(stmts):
        name = call_name(call)
        if name is None:
            continue
        if name in bound or "load" in name.lower() or name in ("copy_", "set_data"):
            return True
        if (_INIT_WORD.search(name) and name != "to_empty" and not _known_init(sf, name)
                and name not in sf.functions):
            return True
    return False


def _file_calls(sf) -> list:
    """``(function or None, its own calls)`` for every function of the file and its top level (cached)."""
    got = sf.__dict__.get("_materialize_calls")
    if got is None:
        from .flow import _functions

        got = sf.__dict__["_materialize_calls"] = [(fn, _own_calls(scope)) for fn, scope in _functions(sf.module)]
    return got


def _param_init_uses(sf) -> dict[str, list[cst.Call]]:
    """Function name -> the wrapper calls that pass it as ``param_init_fn=`` (computed once per file)."""
    got = sf.__dict__.get("_param_init_uses")
    if got is None:
        got = sf.__dict__["_param_init_uses"] = {}
        for _fn, calls in _file_calls(sf):
            for call in calls:
                v = keyword(call, "param_init_fn")
                if isinstance(v, cst.Name):
                    got.setdefault(v.value, []).append(call)
    return got


def _materializer(sf, fn: cst.FunctionDef) -> bool:
    name = fn.name.value
    if name.startswith("__"):
        return False
    return bool(_INIT_WORD.search(name)) or name in _param_init_uses(sf)


def _synced(sf, fn: cst.FunctionDef) -> bool:
    """Passed as ``param_init_fn=`` with ``sync_module_states=True``: rank 0's weights are broadcast."""
    for call in _param_init_uses(sf).get(fn.name.value, ()):
        sync = keyword(call, "sync_module_states")
        if isinstance(sync, cst.Name) and sync.value == "True":
            return True
    return False


def _excused(sf, cond) -> bool:
    """Conditions under which leaving the memory uninitialized is by design (or cannot be helped)."""
    for lit in cond:
        text = lit[0][0]
        if _RANK.search(text):
            return True  # materialized on some ranks only: the weights come from another rank
        if not lit[1] and _HAS_ATTR.search(text) and _INIT_WORD.search(text):
            return True  # ``not hasattr(m, "reset_parameters")``: the module has no initializer to call
    return False


def _emptied_here(st, own: set) -> bool:
    return (
        st is not None and st[0] == _UNINIT and len(st) > 1 and isinstance(st[1], cst.Call)
        and id(st[1]) in own and call_name(st[1]) == "to_empty"
    )


# ----------------------------------------------------------------------------- the hook
def judge(sf, fn, run, normal: list, by_oid: dict) -> None:
    """Judge one function from its summary run: ``normal`` are the paths that fall off its end, ``run.exits``
    those that ``return``; ``by_oid`` maps the objects standing for its parameters to their names."""
    if not isinstance(fn, cst.FunctionDef):
        return
    own_calls = _own_calls(body_of(fn))
    if not any(call_name(c) == "to_empty" for c in own_calls):
        return
    own = {id(c) for c in own_calls}
    exits = list(normal) + list(run.exits)
    events = _store(sf)
    params = {oid: name for oid, name in by_oid.items() if name not in ("self", "cls")}
    emptied: dict[Any, tuple] = {}  # to_empty call -> (parameter, exit condition)
    for q in exits:
        for oid, pname in params.items():
            st = q.st.get(oid)
            if _emptied_here(st, own):
                emptied.setdefault(st[1], (pname, q.cond))
    _init_before(sf, fn, emptied, events)
    opaque = _opaque_init(sf, fn)
    if _materializer(sf, fn) and not opaque and not _synced(sf, fn):
        for q in exits:
            if _excused(sf, q.cond):
                continue
            for oid, pname in params.items():
                st = q.st.get(oid)
                if _emptied_here(st, own) and st[1] not in events["INIT105"]:
                    events["INIT105"][st[1]] = ("left-uninitialized", pname, fn, q.cond)


def _init_before(sf, fn, emptied: dict, events: dict) -> None:
    """An initialization of the parameter earlier in the block that holds ``to_empty()``, none after."""
    if not emptied:
        return
    from .walk import sub_blocks

    def blocks(stmts):
        yield stmts
        for s in stmts:
            if isinstance(s, (cst.FunctionDef, cst.ClassDef)):
                continue
            for b in sub_blocks(s):
                yield from blocks(b)

    for block in blocks(body_of(fn)):
        for i, s in enumerate(block):
            if not isinstance(s, cst.SimpleStatementLine):
                continue
            for small in s.body:
                for call in iter_calls(small):
                    if call not in emptied:
                        continue
                    pname = emptied[call][0]
                    before = [c for c in _own_calls(block[:i]) if _inits_param(sf, c, pname)]
                    after = [c for c in _own_calls(block[i:]) if _inits_param(sf, c, pname)]
                    if before and not after:
                        for c in before[:2]:
                            events["INIT102"].setdefault(c, ("init-before-to-empty", pname, fn, call))


def _inits_param(sf, call: cst.Call, pname: str) -> bool:
    """``p.reset_parameters()``, ``p.apply(init_fn)``, ``init_fn(p)``, ``obj.param_init_fn(p)``."""
    name = call_name(call)
    if name is None or name == "to_empty" or not (_INIT_WORD.search(name) or name == "apply"):
        return False
    func = call.func
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == pname:
        return True
    return any(isinstance(a.value, cst.Name) and a.value.value == pname for a in call.args)


def _fsdp_unsynced(sf, fn, own_calls) -> None:
    """``FSDP(model, param_init_fn=f, sync_module_states=False)`` with ``f`` materializing on some ranks only."""
    events = _store(sf)
    ps = fn.params
    params = {p.name.value for p in list(ps.posonly_params) + list(ps.params) + list(ps.kwonly_params)}
    nested = {s.name.value: s for s in body_of(fn) if isinstance(s, cst.FunctionDef)}
    for call in own_calls:
        if call_name(call) not in _FSDP or call in events["INIT105"]:
            continue
        model = call.args[0].value if call.args and call.args[0].keyword is None else None
        if not (isinstance(model, cst.Name) and model.value in params):
            continue  # a model built here is followed by the flow analysis (INIT101)
        init_fn = keyword(call, "param_init_fn")
        sync = keyword(call, "sync_module_states")
        if init_fn is None or not (sync is None or isinstance(sync, cst.Name) and sync.value == "False"):
            continue
        body = init_fn
        if isinstance(init_fn, cst.Name):
            body = nested.get(init_fn.value) or sf.functions.get(init_fn.value)
        if not isinstance(body, (cst.FunctionDef, cst.Lambda)):
            continue
        text = sf.text(body.body if isinstance(body, cst.FunctionDef) else body.body)
        calls = _own_calls(body_of(body)) if isinstance(body, cst.FunctionDef) else list(iter_calls(body.body))
        names = [call_name(c) for c in calls]
        if "to_empty" not in names or not _RANK.search(text):
            continue
        if any(n and n != "to_empty" and (_INIT_WORD.search(n) or "load" in n.lower()) for n in names):
            continue
        events["INIT105"][call] = ("rank-materialized-unsynced", None, fn, init_fn)


# ----------------------------------------------------------------------------- for the rules
def findings(facts, code: str) -> list[tuple[Any, str]]:
    """``(node, message)`` for ``code`` (``INIT105``, or this module's ``INIT102`` events)."""
    sf = facts.script
    sf.findings("INIT101")  # runs the file's flow analysis once (which calls :func:`judge`)
    if code == "INIT105" and "_fsdp_checked" not in sf.__dict__:
        sf.__dict__["_fsdp_checked"] = True
        for fn, calls in _file_calls(sf):
            if fn is not None:
                _fsdp_unsynced(sf, fn, calls)
    events = sf.__dict__.get("_materialize_events")
    if not events or not events.get(code):
        return []
    pos = facts.positions
    return [(node, _render(sf, pos, node, data)) for node, data in events[code].items()]


def _line(pos, node) -> int:
    r = pos.get(node)
    return r.start.line if r is not None else 0


def _render(sf, pos, node, data) -> str:
    kind, pname, fn, extra = data
    fname = fn.name.value
    if kind == "init-before-to-empty":
        return (
            f"`{sf.short(node, 50)}` initializes `{pname}` before `{sf.short(extra, 50)}` (line "
            f"{_line(pos, extra)}) in `{fname}()`: `to_empty()` replaces the initialized storage with "
            f"uninitialized memory. Fix: call `to_empty()` first, then initialize"
        )
    if kind == "rank-materialized-unsynced":
        return (
            f"`param_init_fn={sf.short(extra, 40)}` materializes the meta modules with `to_empty()` on some ranks "
            f"only and never initializes them (the weights are expected from another rank), but this FSDP "
            f"wrapper in `{fname}()` has `sync_module_states` off, so nothing broadcasts them: those ranks keep "
            f"uninitialized memory. Fix: pass `sync_module_states=True`, or initialize in `param_init_fn`"
        )
    when = sf._cond_text([extra]) if extra else "on every path"
    return (
        f"`{fname}()` materializes `{pname}` with `{sf.short(node, 50)}` and leaves it uninitialized {when} "
        f"(no initialization or load follows in the function): its callers get uninitialized memory. Fix: "
        f"initialize `{pname}` after `to_empty()` (e.g. `{pname}.reset_parameters()`)"
    )

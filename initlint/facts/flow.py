"""Path-sensitive states of model variables in training scripts (the facts behind INIT101–INIT104).

The question: does a model built with deferred/empty initialization reach training on some path without
being initialized or loaded (the "fresh run" bug)? And on the way: initialization that cannot work (inside
the empty-init context, on meta tensors), non-strict loads into garbage, re-initialization after a load.

How it works (one abstract interpretation per function body, no generic visitor, no metadata):

* **values**: an abstract object per model (created by a model-like constructor, ``from_pretrained``,
  ``skip_init``...), parts of it (``model.lm_head``, ``model.modules()``), tuples and dicts of values
  (``state = {"model": model}``, ``model, opt = fabric.setup(model, opt)``) and same-file functions;
* **state per path**: variable -> value, object -> status (eager, uninit, meta, loaded, partial,
  unknown, reported), which objects are *engaged* in training (wrapped, called, parameters taken, passed
  to the train call), and the path condition: literals from enclosing ``if`` tests. Contradictory
  literals prune a path (``if resume: ...`` twice is one decision); an assignment to a name makes later
  literals about it new ones;
* **joins**: paths whose states are equal and whose conditions differ in one literal are merged (that
  literal did not matter); more than :data:`MAX_PATHS` collapse into one path where disagreeing statuses
  become *unknown* (toward silence);
* **control flow**: ``return``/``raise``/``sys.exit()`` end a path, ``break``/``continue`` leave the loop
  body, loop bodies run 0 or 1 times (a loop over a model's own modules/parameters runs at least once,
  and an initialization on any path through its body initializes the model), ``try`` handlers start
  from the state before the body, ``with`` bodies run once, ``match`` cases are alternatives;
* **same-file functions** are summarised once from their bodies (which parameters they may initialize as
  a whole, may partly initialize, may load, whether they start training, and the state of the model they
  return when every return path agrees); imported helpers are judged by the configured name patterns.

Rules ask ``facts.script.findings("INIT101")`` (… ``"INIT104"``) for ``(node, message)`` pairs. Messages
carry line numbers, so positions are resolved once per file that has a finding, with :func:`positions`,
which caches them on the FileFacts object for the engine to reuse.

Precision first: whatever is not understood becomes *unknown*, and unknown is never reported.
"""

from __future__ import annotations

import fnmatch
import re
from functools import cached_property
from typing import Any

import libcst as cst

from . import materialize
from .imports import dotted
from .walk import body_of, call_name, keyword, positional, string_value

#: Paths kept per program point before merging toward silence.
MAX_PATHS = 32

# Statuses (first element of a status tuple).
EAGER = "eager"  # initialized (constructed normally or initialized explicitly)
UNINIT = "uninit"  # (UNINIT, origin_call, how, ctx_call)
META = "meta"  # (META, origin_call, how, ctx_call): parameters hold no storage yet
LOADED = "loaded"  # (LOADED, load_call, pretrained: bool)
PARTIAL = "partial"  # part of an uninitialized model was initialized/loaded: we cannot tell, stay silent
UNKNOWN = "unknown"
REPORTED = "reported"

_UNKNOWN = (UNKNOWN,)
_EAGER = (EAGER,)  # constructed normally (initialized by the constructor)
_INITED = (EAGER, None)  # initialized or loaded by a function that returned it
#: the value of a ``"meta"`` string (``init_device = "meta"``; ``cfg.init_device = "meta"``)
_META_STR = ("s", "meta")

# ----------------------------------------------------------------------------- vocabulary
_PASSTHROUGH_METHODS = frozenset(
    {"to", "cuda", "cpu", "half", "float", "double", "bfloat16", "requires_grad_", "eval", "share_memory",
     "type", "xpu", "mps", "npu"}
)
_WRAPPERS = frozenset(
    {"setup", "setup_module", "compile", "DDP", "DistributedDataParallel", "FSDP", "FullyShardedDataParallel",
     "prepare", "prepare_model", "fully_shard", "wrap", "DataParallel", "parallelize_module", "optimize"}
)
_ITER_METHODS = frozenset(
    {"modules", "named_modules", "children", "named_children", "parameters", "named_parameters", "buffers",
     "named_buffers", "state_dict"}
)
_ENGAGING_METHODS = frozenset({"parameters", "named_parameters", "forward"})
_ITER_BUILTINS = frozenset({"enumerate", "list", "tuple", "reversed", "sorted", "tqdm", "iter"})
_NN_INIT_NAMES = frozenset(
    {"uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_", "xavier_uniform_",
     "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_", "trunc_normal_tf_",
     "lecun_normal_", "variance_scaling_"}
)
_TENSOR_INIT_METHODS = frozenset(
    {"normal_", "uniform_", "zero_", "fill_", "trunc_normal_", "bernoulli_", "exponential_", "log_normal_",
     "geometric_", "cauchy_", "random_"}
)
# (``post_init()`` is not here: transformers' skips loaded tensors, others tie weights or build RoPE caches; it
# counts as "may initialize")
_INIT_METHODS = frozenset({"reset_parameters", "init_weights", "_init_weights", "initialize_weights",
                           "_initialize_weights", "reset_params", "init_parameters", "initialize_parameters"})
_MATERIALIZE = frozenset({"materialize_module", "materialize_meta_module"})
_EXIT_CALLS = frozenset({"sys.exit", "exit", "quit", "os._exit", "os.abort"})
_MODEL_FACTORIES = frozenset({"from_config", "from_model_args", "from_name", "from_args", "from_params", "build"})
_LOAD_NAMES = frozenset({"load_state_dict", "load_raw", "set_model_state_dict", "set_state_dict", "load_state"})
_NOT_A_LOAD = frozenset({"torch.load", "json.load", "pickle.load", "yaml.load", "numpy.load", "np.load",
                         "safetensors.torch.load", "torch.hub.load", "tomllib.load", "toml.load"})
_ROOT_NAME = re.compile(r"(?<![.\w])[A-Za-z_]\w*")
_NOT_WEIGHTS = frozenset({"grad", "main_grad", "grad_fn", "shape", "device", "dtype", "requires_grad", "ndim",
                          "is_cuda", "is_meta", "config", "training"})
#: keyword arguments of a trainer's constructor that make it load a checkpoint into the model
_TRAINER_LOAD_KWS = ("load_path", "resume_from_checkpoint", "ckpt_path", "load_checkpoint", "resume_from")
_SAME_MODEL_ATTRS = frozenset({"module", "_orig_mod", "_forward_module", "_fsdp_wrapped_module"})
_ORIGIN_NAMES = frozenset({"init_module", "init_empty_weights", "skip_init", "deferred_init", "to_empty",
                           "set_default_device", "init_on_device"})


def _hidden(lit):
    """A path literal kept for pruning, left out of messages."""
    key, pol, node, form = lit
    return lit if form.startswith("hidden:") else (key, pol, node, "hidden:" + form)


def _fsdp_path(p) -> bool:
    """Does the path's condition say the strategy is FSDP (``isinstance(fabric.strategy, FSDPStrategy)``,
    ``fabric.is_fsdp``)? Fabric's ``setup()`` then materializes the empty model with ``reset_parameters()``."""
    return any(pol and "fsdp" in key[0].lower() for key, pol, _n, _f in p.cond)


def _torch_function(qual: str | None) -> bool:
    return qual is not None and qual.startswith("torch.") and not qual.startswith("torch.nn.")


def name_kind(name: str, config, functions) -> int:
    """What a call named ``name`` is to the gate of every scope (and to :mod:`initlint.slicing`).

    0: nothing, 1: a load, 2: an initialization (or a same-file helper in ``functions``), 3: an empty-init
    origin.
    """
    if name in _ORIGIN_NAMES:
        return 3
    if name == "load" or _load_name(name, config.load_helpers):
        return 1
    if (name == "apply" or name in _INIT_METHODS or name in _NN_INIT_NAMES or name in _TENSOR_INIT_METHODS
            or _matches(name, config.init_helpers) or name in functions):
        return 2
    return 0


def _load_name(name: str, patterns) -> bool:
    """Load helpers: the configured patterns, plus names that say they load weights into a model."""
    low = name.lower()
    if "optim" in low or "scheduler" in low:
        return False  # ``load_from_full_optimizer_state_dict(model, opt, sd)`` restores the optimizer's state
    if name in _LOAD_NAMES or _matches(name, patterns):
        return True
    return "load" in low and any(w in low for w in ("state_dict", "checkpoint", "weights", "pretrained", "model"))


def _agreed_return(returns: list):
    """A builder's returned model status, when all return paths agree on uninit/meta (or on initialized)."""
    if not returns or any(r is None for r in returns):
        return None
    kinds = {r[0] for r in returns}
    if all(r == _EAGER for r in returns):
        return _EAGER  # constructed: inside an empty-init context the caller's context decides
    if kinds <= {EAGER, LOADED}:
        return _INITED  # built and initialized/loaded in the builder: tracked for later effects only
    if len(set(returns)) == 1 and returns[0][0] in (UNINIT, META):
        return returns[0]
    return None


def _nonstrict(call: cst.Call) -> bool:
    """``strict=False``, also nested one level (``options=StateDictOptions(strict=False)``)."""
    if _is_false(keyword(call, "strict")):
        return True
    return any(isinstance(a.value, cst.Call) and _is_false(keyword(a.value, "strict")) for a in call.args)


def _maybe_init_name(name: str) -> bool:
    low = name.lstrip("_").lower()
    return low.startswith(("init", "reset", "materialize", "setup_weights", "post_init")) or (
        "init" in low and any(w in low for w in ("weight", "param", "state"))
    )


def _is_true(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"


def _is_false(node) -> bool:
    return isinstance(node, cst.Name) and node.value in ("False",)


def _is_none(node) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _is_meta(node) -> bool:
    if string_value(node) == "meta":
        return True
    # torch.device("meta")
    return isinstance(node, cst.Call) and call_name(node) == "device" and string_value(positional(node)) == "meta"


_PATTERNS: dict[tuple, Any] = {}


def _matches(name: str | None, patterns) -> bool:
    """Does ``name`` match one of the glob ``patterns`` (compiled once per pattern set)?"""
    if not name:
        return False
    rx = _PATTERNS.get(patterns)
    if rx is None:
        rx = _PATTERNS[patterns] = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)")
    return rx.match(name) is not None


class _Obj:
    __slots__ = ("oid", "name", "param", "cls")

    def __init__(self, oid: int, name: str | None, param: str | None = None) -> None:
        self.oid, self.name, self.param = oid, name, param
        #: the same-file (non-module) class this object is an instance of: its methods run inline
        self.cls: cst.ClassDef | None = None


class _Path:
    __slots__ = ("env", "st", "eng", "cond", "gen", "meta", "attrs", "saved")

    def __init__(self, env, st, eng, cond, gen, meta, attrs=None) -> None:
        self.env: dict[str, Any] = env
        self.st: dict[int, tuple] = st
        self.eng: set[int] = eng
        self.cond: tuple = cond
        self.gen: dict[str, int] = gen
        self.meta = meta  # torch.set_default_device("meta") call in force, or None
        #: ``(object id, attribute) -> value``: ``self.model = model``, ``cfg.init_device = "meta"``
        self.attrs: dict[tuple, Any] = {} if attrs is None else attrs
        #: callers' ``(variables, generations, constructed object)`` while a call runs inline (innermost last)
        self.saved: tuple = ()

    def fork(self) -> "_Path":
        q = _Path(dict(self.env), dict(self.st), set(self.eng), self.cond, dict(self.gen), self.meta,
                  dict(self.attrs))
        q.saved = self.saved
        return q

    def loose_key(self):
        """:meth:`key` without objects that were only constructed (nothing initialized, loaded or emptied them)."""
        plain = {oid for oid, st in self.st.items() if st == _EAGER}
        return (frozenset(self.env.items()), frozenset(i for i in self.st.items() if i[0] not in plain),
                frozenset(self.eng - plain), self.meta, frozenset(self.attrs.items()),
                tuple(id(f) for f in self.saved))

    def key(self):
        """The tracked state; generations of names are not part of it (see :func:`_join_gen`)."""
        return (frozenset(self.env.items()), frozenset(self.st.items()), frozenset(self.eng),
                self.meta, frozenset(self.attrs.items()), tuple(id(f) for f in self.saved))


def _join_gen(paths) -> dict:
    """Generations after merging ``paths``: a name assigned differently on some of them is a new name after."""
    gen = dict(paths[0].gen)
    for q in paths[1:]:
        for k in set(gen) | set(q.gen):
            a, b = gen.get(k, 0), q.gen.get(k, 0)
            if a != b:
                gen[k] = max(a, b) + 1
    return gen


class _Ctx:
    """An active empty-init ``with`` context."""

    __slots__ = ("node", "fabric", "status")

    def __init__(self, node, fabric: bool, status: str) -> None:
        self.node, self.fabric, self.status = node, fabric, status


class Summary:
    """What a same-file function may do to its parameters (judged by its body)."""

    __slots__ = ("params", "inits", "maybe", "loads", "trains", "ret")

    def __init__(
        self, params=(), inits=frozenset(), loads=frozenset(), trains=False, maybe=frozenset(), ret=None
    ) -> None:
        #: status of a model the function builds and returns, when every return path agrees (else None)
        self.ret = ret
        self.params: tuple[str, ...] = tuple(params)
        #: parameters that some path initializes as a whole (certain initialization actions)
        self.inits: frozenset[str] = frozenset(inits)
        #: parameters partly initialized, or touched by a method that may initialize (``init_states``...)
        self.maybe: frozenset[str] = frozenset(maybe)
        self.loads: frozenset[str] = frozenset(loads)
        self.trains = trains


_EMPTY_SUMMARY = Summary()


def _params_of(fn: cst.FunctionDef) -> tuple[list[str], list[str]]:
    ps = fn.params
    positional_names = [p.name.value for p in list(ps.posonly_params) + list(ps.params)]
    kwonly = [p.name.value for p in ps.kwonly_params]
    return positional_names, kwonly


class _Dead(Exception):
    pass


#: Nesting of inlined calls (methods calling methods) before a call is judged by its summary instead.
_MAX_INLINE = 4


def _call_statement(small):
    """``(call, assignment target or None)`` for ``f(...)`` and ``x = f(...)`` statements, else ``(None, None)``."""
    t = type(small)
    if t is cst.Expr and type(small.value) is cst.Call:
        return small.value, None
    if t is cst.Assign and type(small.value) is cst.Call and len(small.targets) == 1:
        return small.value, small.targets[0].target
    if t is cst.Return and type(small.value) is cst.Call:
        return small.value, _RETURNED
    return None, None


_MAIN_GUARD = re.compile(r"""__name__ == (['"])__main__\1|(['"])__main__\2 == __name__""")

#: The assignment target standing for ``return f(...)`` when ``f`` runs inline.
_RETURNED = cst.Name("__returned__")


def _module_like(cls: cst.ClassDef) -> bool:
    """A class that is (probably) a model, not a trainer: its constructor builds a model, it is not run inline."""
    for base in cls.bases:
        text = dotted(base.value) or ""
        if any(w in text for w in ("Module", "Model", "Layer", "nn.", "Block", "Net")):
            return True
    return any(isinstance(s, cst.FunctionDef) and s.name.value == "forward" for s in body_of(cls))


# ============================================================================= the interpreter
class _Run:
    """One abstract interpretation of one function (or module) body."""

    def __init__(self, sf: "ScriptFacts") -> None:
        self.sf = sf
        self.objs: list[_Obj] = []
        self.ctx: list[_Ctx] = []
        self.inits: set[int] = set()
        self.maybe: set[int] = set()
        #: INIT104 hits raised inside the module loops being run (innermost last)
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
        #: the meta device: if the model then trains uninitialized, that call is reported as INIT102 too
        self.meta_maybe: dict[int, tuple] = {}
        #: paths that left the analysed function (``return``), for :mod:`.materialize`
        self.exits: list = []

    # ------------------------------------------------------------------ objects
    def new(self, p: _Path, status: tuple, name: str | None = None, param: str | None = None, site=None):
        """A new object; the one made at the same ``site`` on another path when this path has none yet (so that
        paths that built the same model can merge)."""
        if site is None and len(status) > 1 and isinstance(status[1], cst.CSTNode):
            site = status[1]
        if site is not None:
            oid = self.made.get(site)
            if oid is not None and oid not in p.st:
                p.st[oid] = status
                return ("o", oid)
        obj = _Obj(len(self.objs), name, param)
        self.objs.append(obj)
        p.st[obj.oid] = status
        if site is not None:
            self.made[site] = obj.oid
        return ("o", obj.oid)

    @staticmethod
    def objs_in(val, deep: bool = True, out=None):
        """``(oid, whole)`` of the objects a value holds (containers only when ``deep``)."""
        out = [] if out is None else out
        if val is None:
            return out
        kind = val[0]
        if kind == "o":
            out.append((val[1], True))
        elif kind == "p":
            out.append((val[1], val[2]))
        elif deep and kind == "t":
            for v in val[1]:
                _Run.objs_in(v, True, out)
        elif deep and kind == "d":
            for _k, v in val[1]:
                _Run.objs_in(v, True, out)
        return out

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
            paths = self.sf.bound(paths)
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
                self.set_name(p, s.name.value, ("f", s))
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
            call, target = _call_statement(small)
            if call is not None and paths:
                live, paths = self.inline(call, target, paths)
            for p in paths:
                if call is not None and self._holder_load(call, p):
                    # a checkpointer loads only when it finds a checkpoint: the fresh run is the other path
                    key = (f"{self.sf.text(call)} finds a checkpoint", ())
                    fresh = self.assume(p.fork(), [(key, False, call, "ckpt")])
                    if fresh is not None:
                        if target is not None:
                            self.bind(target, None, fresh)
                        live.append(fresh)
                    if self.assume(p, [(key, True, call, "ckpt")]) is None:
                        continue
                try:
                    r = self.small(small, p)
                except _Dead:
                    continue
                if r == "break":
                    brk.append(p)
                elif r == "continue":
                    cont.append(p)
                else:
                    live.append(p)
            paths = live
        return paths, brk, cont

    def _holder_load(self, call: cst.Call, p: _Path) -> bool:
        func = call.func
        if not isinstance(func, cst.Attribute) or "load" not in func.attr.value.lower():
            return False
        held = self._peek(func.value, p)
        return held is not None and held[0] == "h"

    # ------------------------------------------------------------------ inlined calls
    def inline(self, call: cst.Call, target, paths: list) -> tuple[list, list]:
        """Run a same-file method, class constructor or initializing helper called as a statement in place.

        Its body runs on the caller's paths (so ``self.model`` flows from ``__init__``/``setup()`` into
        ``train()``, and a helper that initializes on some of its paths does so on those only), once for all
        paths that call the same function; each path keeps its caller's variables in :attr:`_Path.saved`.
        Returns ``(paths after the call, paths on which the call is not one of those)``.
        """
        if len(self.stack) >= _MAX_INLINE:
            return [], paths
        batches: dict[Any, list] = {}
        rest = []
        for p in paths:
            r = self._inline_target(call, p)
            if r is None:
                rest.append(p)
            else:
                batches.setdefault(r[0], []).append((p, r))
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
                except _Dead:
                    continue
                value = None
                if cls is not None:
                    value = recv = self.new(p, _UNKNOWN, site=call)
                    self.objs[value[1]].cls = cls
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
            self.sites.append(call if items[0][1][1] is None and items[0][1][2] is None else None)
            self.stack.append(fn)
            self.frames.append([])
            try:
                normal, brk, cont = self.block(body_of(fn), todo)
            finally:
                rets = self.frames.pop()
                self.stack.pop()
                self.sites.pop()
            for q, ret in [(q, None) for q in normal + brk + cont] + rets:
                env, gen, value = q.saved[-1]
                q.saved = q.saved[:-1]
                q.env, q.gen = dict(env), _join_gen([q, _Path({}, {}, set(), (), gen, None)])
                if target is _RETURNED:
                    try:
                        self._return(ret, q)
                    except _Dead:
                        pass
                    continue
                if target is not None:
                    self.bind(target, value if value is not None else ret, q)
                out.append(q)
        return self.sf.simplify(out), rest

    def _inline_target(self, call: cst.Call, p: _Path):
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
            if recv is None or recv[0] != "o":
                return None
            held = p.attrs.get((recv[1], func.attr.value))
            if held is not None and held[0] == "m":
                fn, recv = held[1], held[2]  # ``self.fwd_bwd_fn = self._forward_backward_body``
            elif self.objs[recv[1]].cls is None:
                return None
            else:
                fn = sf.method(self.objs[recv[1]].cls, func.attr.value)
            if fn is None:
                return None
        else:
            return None
        if fn in self.stack or sf.generator(fn):
            return None  # (a generator's body runs later, as it is iterated)
        return fn, recv, None

    def _enter(self, fn: cst.FunctionDef, recv, pos, kw, p: _Path, value=None) -> None:
        """Switch ``p`` to ``fn``'s variables (``recv`` bound to its first parameter), saving the caller's."""
        positional_names, kwonly = _params_of(fn)
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

    def run_fn(self, fn: cst.FunctionDef, recv, paths: list) -> list:
        """The paths after running ``fn``'s body on ``paths`` with no arguments but ``recv`` (trainer methods)."""
        for p in paths:
            self._enter(fn, recv, [], {}, p)
        self.stack.append(fn)
        self.frames.append([])
        try:
            normal, brk, cont = self.block(body_of(fn), paths)
        finally:
            rets = self.frames.pop()
            self.stack.pop()
        out = []
        for q in normal + brk + cont + [q for q, _v in rets]:
            env, gen, _value = q.saved[-1]
            q.saved = q.saved[:-1]
            q.env, q.gen = dict(env), _join_gen([q, _Path({}, {}, set(), (), gen, None)])
            out.append(q)
        return self.sf.simplify(out)

    def _same_model_back(self, target, call: cst.Call, p: _Path):
        """``model = parallelize_fn(model, cfg)``: an unknown call given the model and assigned back to the same
        name returns that model (wrapped, sharded, compiled); anything else it might return is not tracked."""
        if isinstance(target, (cst.Tuple, cst.List)):
            # ``(schedule, self.model_parts, ...) = pipelining_fn(model, ...)``: the elements named for models hold
            # the model (``*_parts``/``*models``: its modules, split into stages)
            for a in call.args:
                held = self._peek(a.value, p) if a.keyword is None and not a.star else None
                if held is not None and held[0] == "o" and self.objs[held[1]].param is None:
                    out = []
                    for el in target.elements:
                        n = self.sf.text(el.value).rpartition(".")[2].lower()
                        if "schedule" in n:
                            out.append(("p", held[1], True))  # a pipeline schedule runs (trains) the stages
                        elif "model" not in n or isinstance(el, cst.StarredElement):
                            out.append(None)
                        else:
                            out.append(("p", held[1], True) if n.endswith(("parts", "s")) else held)
                    return ("t", tuple(out)) if any(out) else None
            return None
        text = self.sf.text(target)
        for a in call.args:
            if a.keyword is None and not a.star and self.sf.text(a.value) == text:
                held = self._peek(a.value, p)
                if held is not None and held[0] == "o" and self.objs[held[1]].param is None:
                    return held
        return None

    def assert_(self, s: cst.Assert, paths):
        """``assert resume or init_ckpt``: only the paths where the test holds go on."""
        out = []
        for p in paths:
            self.ev(s.test, p, test=True)
            for lits in self.alts(s.test, True, p):
                q = self.assume(p.fork(), [_hidden(lit) for lit in lits])
                if q is not None:
                    out.append(q)
        return self.sf.simplify(out)

    def small(self, s, p: _Path):
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
            if isinstance(v, cst.Call) and (dotted(v.func) in _EXIT_CALLS or self._qual(v.func) in _EXIT_CALLS):
                raise _Dead
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
            raise _Dead
        elif t is cst.Break:
            return "break"
        elif t is cst.Continue:
            return "continue"
        elif t is cst.Del:
            self.bind(s.target, None, p)
        return None

    def _return(self, v, p: _Path) -> None:
        """End ``p`` returning ``v`` (to the inlined call's caller, or as the analysed function's result)."""
        if self.frames:
            self.frames[-1].append((p, v))  # an inlined call returns to its caller
        elif v is not None and v[0] == "o" and self.objs[v[1]].param is None:
            self.returns.append(p.st.get(v[1], _UNKNOWN))
        else:
            self.returns.append(None)
        if not self.frames:
            self.exits.append(p)  # a path leaving the analysed function (judged by :mod:`.materialize`)
        raise _Dead

    # ------------------------------------------------------------------ conditions
    def alts(self, e, truthy: bool, p: _Path) -> list:
        """The test ``e`` being ``truthy`` as alternatives (a small DNF) of literal conjunctions."""
        if isinstance(e, cst.Comparison) and _MAIN_GUARD.fullmatch(self.sf.text(e)):
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
            return [[(self.lit_key(e, p), truthy, e, "truth")]]
        if (
            isinstance(e, cst.Comparison)
            and len(e.comparisons) == 1
            and isinstance(e.comparisons[0].operator, (cst.Is, cst.IsNot))
            and _is_none(e.comparisons[0].comparator)
        ):
            # ``x is not None`` is treated as ``x`` truthy (same decision in scripts), rendered as written
            pol = truthy if isinstance(e.comparisons[0].operator, cst.IsNot) else not truthy
            return [[(self.lit_key(e.left, p), pol, e.left, "none")]]
        if isinstance(e, cst.NamedExpr):
            return self.alts(e.target, truthy, p)
        return [[(self.lit_key(e, p), truthy, e, "truth")]]

    def lit_key(self, e, p: _Path):
        text = self.sf.text(e)
        # names the test reads (identifiers not preceded by a dot; words inside strings only add caution)
        names = set(_ROOT_NAME.findall(text))
        return (text, tuple(sorted((n, p.gen.get(n, 0)) for n in names)))

    @staticmethod
    def assume(p: _Path, lits) -> _Path | None:
        cond = p.cond
        for lit in lits:
            clash = False
            for old in cond:
                if old[0] == lit[0]:
                    if old[1] != lit[1]:
                        return None
                    clash = True
                    break
            if not clash:
                cond = cond + (lit,)
        p.cond = cond
        return p

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
                    o[0].gen = _join_gen(o)
                    o[0].cond = base
                    o = o[:1]
            out += o
            brk += b
            cont += c
        return self.sf.simplify(out), brk, cont

    def if_paths(self, s, paths):
        tpaths, fpaths = [], []
        keys = set()
        for p in paths:
            try:
                self.ev(s.test, p, test=True)
            except _Dead:
                continue
            for lits in self.alts(s.test, True, p):
                keys.update(lit[0] for lit in lits)
                t = self.assume(p.fork(), lits)
                if t is not None:
                    tpaths.append(t)
            for lits in self.alts(s.test, False, p):
                keys.update(lit[0] for lit in lits)
                f = self.assume(p.fork(), lits)
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
                q.cond = tuple(_hidden(lit) if lit[0] in keys else lit for lit in q.cond)
        return self.sf.simplify(out + o2), brk + b2, cont + c2

    def for_(self, s, paths):
        zero, body_in, out, brk_out = [], [], [], []
        for p in paths:
            try:
                v = self.ev(s.iter, p)
            except _Dead:
                continue
            if v is not None and v[0] == "t" and len(v[1]) == 1 and v[1][0] is not None and v[1][0][0] == "o":
                # ``for m in self.model_parts`` over ``[model]``: runs once, with the model
                self.bind(s.target, v[1][0], p)
                body_in.append(p)
                continue
            if v is not None and v[0] == "p":
                if v[2]:
                    # iterating a model's own modules/parameters: runs, and an init anywhere in it covers the model
                    out.extend(self.module_loop(s, p, v))
                    continue
                # iterating parts of a tracked model (``for block in model.blocks``): assume it runs
                self.bind(s.target, v, p)
                body_in.append(p)
                continue
            key = self.lit_key(s.iter, p)
            z = self.assume(p.fork(), [(key, False, s.iter, "loop")])
            if z is not None:
                zero.append(z)
            if self.assume(p, [(key, True, s.iter, "loop")]) is None:
                continue
            self.bind(s.target, None, p)
            body_in.append(p)
        normal, brk, cont = self.block(body_of(s), body_in)
        after = zero + normal + cont
        b2 = c2 = []
        if s.orelse is not None:
            after, b2, c2 = self.block(body_of(s.orelse), after)
        return self.sf.simplify(out + after + brk + brk_out), b2, c2

    def module_loop(self, s, p: _Path, v):
        oid = v[1]
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
        inited = [r.st.get(oid) for r in results if r.st.get(oid) != before and r.st.get(oid, _UNKNOWN)[0] == EAGER]
        filters = {lit[0][0] for r in results for lit in r.cond[len(p.cond):]}
        by_type = bool(filters) and all(f.startswith(("isinstance(", "hasattr(", "type(")) for f in filters)
        emptied = [r.st[oid] for r in results if r.st.get(oid, _UNKNOWN)[0] == UNINIT and r.st[oid] != before]
        if by_type and emptied and not inited:
            # ``for m in model.modules(): if isinstance(m, LoRALinear): m.to_empty(...)``: those sub-modules
            # are uninitialized memory, whatever the rest of the model holds
            sub = (UNINIT, emptied[0][1], f"its `{filters.pop()}` sub-modules made uninitialized by "
                   f"`{self.sf.short(emptied[0][1], 40)}`", None, None, "sub")
            for r in results:
                r.st[oid] = sub
        if overwrites and len(inited) < len(results) and not by_type:
            # after a load, a loop that initializes only some modules (``if name not in checkpoint: ...``)
            # is selective, not an overwrite of the whole model
            for node in overwrites:
                self.sf.unhit("INIT104", node)
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
            except _Dead:
                continue
            if not infinite:
                zero.append(p.fork())
            body_in.append(p)
        normal, brk, cont = self.block(body_of(s), body_in)
        after = [] if infinite else zero + normal + cont
        b2 = c2 = []
        if s.orelse is not None:
            after, b2, c2 = self.block(body_of(s.orelse), after)
        return self.sf.simplify(after + brk), b2, c2

    def with_(self, s, paths):
        pushed = 0
        for item in s.items:
            ctx = self.sf.empty_context(item.item)
            x = item.item
            if ctx is None and paths and isinstance(x, cst.Call) and call_name(x) == "device" and x.args:
                # ``torch.device(cfg.init_device)`` after ``cfg.init_device = "meta"`` (on every path)
                arg = x.args[0].value
                if isinstance(arg, (cst.Name, cst.Attribute)) and all(
                    self._peek(arg, q) == _META_STR for q in paths
                ):
                    ctx = _Ctx(x, False, META)
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
                except _Dead:
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
        return self.sf.simplify(out), brk, cont

    def match_(self, s, paths):
        live = []
        for p in paths:
            try:
                self.ev(s.subject, p)
            except _Dead:
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
            lit = (key, True, s.subject, "match:" + self.sf.text(pat))
            cin = [q for q in (self.assume(p.fork(), [lit]) for p in rest) if q is not None]
            o, b, c = self.block(body_of(case), cin)
            out, brk, cont = out + o, brk + b, cont + c
        return self.sf.simplify(out + rest), brk, cont

    def _peek(self, e, p: _Path):
        """The value of a name or attribute chain, without effects."""
        if isinstance(e, cst.Name):
            return p.env.get(e.value)
        if isinstance(e, cst.Attribute):
            base = self._peek(e.value, p)
            if base is not None and base[0] == "o":
                return p.attrs.get((base[1], e.attr.value))
        return None

    # ------------------------------------------------------------------ binding
    def set_name(self, p: _Path, name: str, val) -> None:
        if val is None:
            p.env.pop(name, None)
        else:
            p.env[name] = val
        p.gen[name] = p.gen.get(name, 0) + 1

    def bind(self, target, val, p: _Path) -> None:
        t = type(target)
        if t is cst.Name:
            if val is not None and val[0] == "o":
                obj = self.objs[val[1]]
                if obj.name is None:
                    obj.name = target.value
            self.set_name(p, target.value, val)
        elif t is cst.Tuple or t is cst.List:
            elems = [e.value for e in target.elements]
            if val is not None and val[0] == "t" and len(val[1]) == len(elems) and not any(
                isinstance(e, cst.StarredElement) for e in target.elements
            ):
                for e, v in zip(elems, val[1]):
                    self.bind(e, v, p)
            else:
                part = val if val is not None and val[0] == "p" else None
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
                if held is not None and held[0] == "d" and key is not None:
                    items = tuple((k, v) for k, v in held[1] if k != key)
                    if val is not None:
                        items += ((key, val),)
                    p.env[base.value] = ("d", items)
                    return
            self.ev(base, p)
        elif t is cst.Attribute:
            base = self.ev(target.value, p)
            if base is not None and base[0] == "o":
                # ``self.model = model``: the attribute holds the value (read back by ``self.model``)
                if val is None:
                    p.attrs.pop((base[1], target.attr.value), None)
                else:
                    p.attrs[(base[1], target.attr.value)] = val
                    if val[0] == "o" and self.objs[val[1]].name is None:
                        self.objs[val[1]].name = self.sf.text(target)
            if target.attr.value == "_is_hf_initialized" and base is not None:
                # transformers: tensors marked initialized are skipped by init_weights()/initialize_weights()
                for oid, _whole in self.objs_in(base):
                    st = p.st.get(oid, _UNKNOWN)
                    if st[0] == LOADED:
                        p.st[oid] = (LOADED, st[1], True)

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

    def ev(self, e, p: _Path, ignored: bool = False, test: bool = False):
        t = type(e)
        if t is cst.Name:
            v = p.env.get(e.value)
            if v is None:
                fn = self.sf.functions.get(e.value)
                if fn is not None:
                    return ("f", fn)
            return v
        if t is cst.Call:
            return self.call(e, p, ignored, test)
        if t is cst.Attribute:
            base = self.ev(e.value, p, test=test)
            if base is not None and base[0] == "o":
                held = p.attrs.get((base[1], e.attr.value))
                if held is not None:
                    return held
                cls = self.objs[base[1]].cls
                if cls is not None:
                    fn = self.sf.method(cls, e.attr.value)
                    if fn is not None:
                        return ("m", fn, base)  # a bound method of a same-file trainer
            if e.attr.value in _SAME_MODEL_ATTRS and base is not None and base[0] == "o":
                return base  # ``ddp_model.module``, ``compiled._orig_mod``: the model itself
            if e.attr.value == "model" and base is not None and base[0] == "o" and self.objs[base[1]].param is None:
                return base  # a wrapper built here (composer's ``HuggingFaceModel``): ``.model`` holds its weights
            if e.attr.value in _NOT_WEIGHTS:
                return None  # ``p.grad.zero_()`` does not touch the weights
            if base is not None and base[0] == "o" and self.objs[base[1]].cls is not None:
                return None  # ``self.train_spec`` of a trainer is no part of a model
            return self._part(base)
        if t is cst.Subscript:
            base = self.ev(e.value, p, test=test)
            if base is None:
                return None
            key = self._key(e)
            if base[0] == "d":
                for k, v in base[1]:
                    if k == key:
                        return v
                return None
            if base[0] == "t":
                return base[1][key] if isinstance(key, int) and -len(base[1]) <= key < len(base[1]) else None
            return self._part(base)
        if t is cst.Tuple or t is cst.List:
            return ("t", tuple(None if isinstance(el, cst.StarredElement) else self.ev(el.value, p, test=test)
                               for el in e.elements))
        if t is cst.Dict:
            items = []
            for el in e.elements:
                if isinstance(el, cst.DictElement):
                    v = self.ev(el.value, p, test=test)
                    k = string_value(el.key)
                    if v is not None:
                        items.append((k, v))
            return ("d", tuple(items))
        if t is cst.Await:
            return self.ev(e.expression, p, ignored, test)
        if t is cst.NamedExpr:
            v = self.ev(e.value, p, test=test)
            self.bind(e.target, v, p)
            return v
        if t is cst.SimpleString:
            return _META_STR if string_value(e) == "meta" else None
        if t in _OPAQUE:
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
        if base[0] == "o":
            return ("p", base[1], False)
        if base[0] == "p":
            return base
        return None

    def call(self, e: cst.Call, p: _Path, ignored: bool, test: bool):  # noqa: C901 - one dispatch table
        func = e.func
        recv = None
        fval = None
        name = call_name(e)
        if isinstance(func, cst.Attribute):
            recv = self.ev(func.value, p, test=test)
            if recv is not None and recv[0] == "o":
                fval = p.attrs.get((recv[1], func.attr.value))
        elif isinstance(func, cst.Name):
            fval = p.env.get(func.value)
            if fval is None and func.value in self.sf.functions:
                fval = ("f", self.sf.functions[func.value])
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
        tracked_recv = recv is not None and recv[0] in ("o", "p")

        if name == "cast" and len(pos) == 2 and self._qual(func) in (None, "typing.cast"):
            return pos[1]  # ``typing.cast(BaseModel, model)`` is the model
        if name == "partial" and pos and pos[0] is not None and pos[0][0] == "f":
            return pos[0]  # ``functools.partial(init_fn, std=0.02)``: applied to a module, it is ``init_fn``
        # calling the model itself
        if fval is not None and fval[0] in ("o", "p"):
            p.eng.add(fval[1])
            return None
        # a same-file function: judged by its body
        if fval is not None and fval[0] == "f":
            return self.call_local(e, fval[1], pos, kw, p, test)
        if fval is None and recv is not None and recv[0] == "o" and self.objs[recv[1]].cls is not None:
            # a method the same-file trainer inherits from a class in another file: judged by its body there
            got = self.sf.inherited(self.objs[recv[1]].cls, func.attr.value)
            if got is not None:
                attrs, trains = got
                held = [p.attrs.get((recv[1], a)) for a in sorted(attrs)]
                for v in held:
                    for oid, _w in self.objs_in(v):
                        p.eng.add(oid)
                if trains:
                    self.train(e, p, held)
                return None

        qual = self._qual(func)
        if name is None:
            return None

        # ---------------------------------------------------------- origins
        if name == "set_default_device":
            p.meta = e if pos and _is_meta(positional(e)) else None
            return None
        if name == "skip_init":
            return self.new(p, (UNINIT, e, "built with `skip_init(...)`", None))
        if name == "deferred_init":
            return self.new(p, (META, e, "built with `deferred_init(...)`", None))
        if name == "from_pretrained":
            return self.new(p, (LOADED, e, True))
        if not tracked_recv and name != "load" and _load_name(name, cfg.load_helpers) and (
            name[:1].isupper() or "from" in name or "model" in name.lower()
        ) and not any(self.objs_in(v) for v in pos + list(kw.values())):
            # ``Module.load_from_checkpoint(path)`` (also inside ``trainer.init_module(empty_init=True)``)
            return self.new(p, (LOADED, e, False))
        if name == "to_empty" and tracked_recv:
            oid = recv[1]
            if recv[0] == "o" or recv[2]:  # the model itself, or each of its modules in a loop
                st = p.st.get(oid, _UNKNOWN)
                # (emptying a loaded model throws the loaded weights away: an initialization next is INIT104)
                loaded = st[1] if st[0] == LOADED and recv[0] == "p" and not st[2] else None
                p.st[oid] = (UNINIT, e, "made uninitialized by `.to_empty(...)`", None, loaded)
                return ("o", oid)
            if p.st.get(oid, _UNKNOWN)[0] == EAGER:
                p.st[oid] = (PARTIAL,)  # one sub-module emptied: we cannot tell what happens to it
            return recv

        # ---------------------------------------------------------- initialization
        if name in _MATERIALIZE:
            self.init_action(pos[:1] or list(kw.values())[:1], e, p, materialize=True)
            return None
        if tracked_recv and name == "apply":
            fn = pos[0] if pos else kw.get("fn")
            if fn is not None and fn[0] == "f":
                s = sf.summary(fn[1])
                # the function runs on every sub-module: touching its argument's weights is an initialization
                if not s.params or (s.params[0] not in s.inits and s.params[0] not in s.maybe):
                    return recv
            else:
                arg = e.args[0].value if e.args else None
                if isinstance(arg, cst.Call) and call_name(arg) == "partial" and arg.args:
                    arg = arg.args[0].value
                fn_name = (dotted(arg) or "").rpartition(".")[2].lower()
                if not any(w in fn_name for w in ("init", "reset", "weight")):
                    # ``model.apply(convert_bn)``, ``model.apply(lambda m: ...)``: may or may not initialize
                    self.maybe_init([recv], p)
                    return recv
            self.init_action([recv], e, p)
            return recv
        if tracked_recv and (name in _INIT_METHODS or name in cfg.init_functions or _matches(name, cfg.init_helpers)):
            targets = [v for v in pos + list(kw.values()) if v is not None and v[0] in ("o", "p")]
            self.init_action(targets or [recv], e, p)
            return None
        if tracked_recv and _maybe_init_name(name) and sf.remote_initializes(func, name):
            # ``cast(BaseModel, m).init_states()`` where BaseModel's body (another file) initializes
            self.init_action([recv], e, p)
            return None
        if tracked_recv and (_maybe_init_name(name) or recv[0] == "p" and name == "copy_"):
            # ``model.init_states()``, ``model.reset_cache()``, ``param.data.copy_(other)``: may or may not
            # initialize (or load): stay silent either way
            targets = [v for v in pos + list(kw.values()) if v is not None and v[0] in ("o", "p")]
            self.maybe_init(targets + [recv], p, e)
            return None
        if tracked_recv and recv[0] == "p" and name in _TENSOR_INIT_METHODS:
            self.init_action([recv], e, p)
            return None
        if name in _NN_INIT_NAMES and pos and pos[0] is not None and pos[0][0] in ("o", "p"):
            if recv is None or (qual or "").startswith("torch.nn.init.") or "init" in (dotted(func) or ""):
                self.init_action(pos[:1], e, p)
                return None

        # ---------------------------------------------------------- loads
        if tracked_recv and name == "load_state_dict":
            strict = keyword(e, "strict")
            if strict is None:
                strict = positional(e, 1)
            self.load_action([recv], e, p, _is_false(strict), ignored, test)
            return None
        if name == "load_state" and recv is not None:
            # accelerate: ``accelerator.load_state(dir)`` restores every prepared model
            self.load_action([("o", oid) for oid in p.eng], e, p, False, ignored, test)
            return None
        if recv is not None and recv[0] == "h" and "load" in name.lower():
            # ``checkpointer.load(step=-1)``: loads every model it was given
            self.load_action(list(recv[1]), e, p, _nonstrict(e), ignored, test)
            return None
        all_vals = pos + list(kw.values())
        deep = [v for v in all_vals if self.objs_in(v)]
        if deep:
            framework_load = qual is None or qual.startswith(
                ("torch.distributed.checkpoint", "lightning", "accelerate")
            )
            if (name == "load" and qual not in _NOT_A_LOAD and framework_load) or _load_name(name, cfg.load_helpers):
                self.load_action(deep, e, p, _nonstrict(e), ignored, test)
                return None
            if _matches(name, cfg.init_helpers):
                self.init_action([v for v in all_vals if v is not None and v[0] in ("o", "p")], e, p)
                return None

        if not tracked_recv and deep and (
            "checkpoint" in name.lower() and name[:1].isupper()
            or any(w in (dotted(func) or "").lower() for w in ("checkpoint", "ckpt"))
        ):
            # ``CheckpointManager(model_parts=[model], ...)``, ``config.checkpoint.build(model_parts=...)``: an
            # object that loads into those models later
            return ("h", tuple(deep))

        # ---------------------------------------------------------- aliases and wrappers
        if tracked_recv and name in _PASSTHROUGH_METHODS:
            if name == "to" and (pos and _is_meta(positional(e)) or _is_meta(keyword(e, "device"))):
                p.st[recv[1]] = (META, e, "moved to the meta device", None)
            return recv
        if name in _WRAPPERS:
            tracked = [v for v in pos if v is not None and v[0] in ("o", "p")]
            if tracked:
                init_fn = keyword(e, "param_init_fn")
                for v in tracked:
                    p.eng.add(v[1])
                    st = p.st.get(v[1], _UNKNOWN)
                    sync = keyword(e, "sync_module_states")
                    if init_fn is not None and st[0] == META and v[0] == "o" and (sync is None or _is_false(sync)):
                        p.st[v[1]] = self._param_init_fn(e, init_fn, st)
                        continue
                    if name in ("setup", "setup_module") and (
                        st[0] == META or st[0] == UNINIT and (
                            st[3] in sf.conditional_contexts or st[3] is not None and _fsdp_path(p)
                        )
                    ):
                        # Fabric materializes meta parameters with reset_parameters() (FSDP)
                        p.st[v[1]] = _EAGER
                if len(pos) == 1:
                    return pos[0]
                return ("t", tuple(pos))
            if tracked_recv and name in ("compile",):
                return recv
        if tracked_recv and name in _ITER_METHODS:
            if name in _ENGAGING_METHODS:
                p.eng.add(recv[1])
            return ("p", recv[1], True) if recv[0] == "o" else recv
        if tracked_recv and name in _ENGAGING_METHODS:
            p.eng.add(recv[1])
            return None
        if recv is not None and recv[0] == "p" and name in ("items", "values", "keys"):
            return recv
        if name in _ITER_BUILTINS and recv is None and pos and pos[0] is not None and pos[0][0] == "p":
            return pos[0]

        # ---------------------------------------------------------- training
        if "Trainer" in name:
            for v in all_vals:
                for oid, _w in self.objs_in(v):
                    p.eng.add(oid)
        if name == "train" and tracked_recv and "trainer" not in (dotted(func.value) or "").lower():
            return recv  # ``model.train()`` switches modes; ``trainer.train()`` trains
        if name in cfg.train_calls:
            if any(k in kw for k in ("ckpt_path", "resume_from_checkpoint")) and not any(
                _is_none(keyword(e, k)) for k in ("ckpt_path", "resume_from_checkpoint") if keyword(e, k) is not None
            ):
                self.load_action(deep, e, p, False, ignored, test)
            self.train(e, p, all_vals + ([recv] if recv is not None else []))
            return None

        # ---------------------------------------------------------- unknown builders given a meta model
        if any(w in name.lower() for w in ("build", "materializ", "init")):
            for v in all_vals:
                if v is not None and v[0] == "o" and p.st.get(v[1], _UNKNOWN)[0] == META:
                    p.st[v[1]] = _UNKNOWN  # ``config.train_module.build(model)`` may materialize and initialize it
        # ---------------------------------------------------------- training objects holding the model
        in_param = tracked_recv and recv[0] == "p" and not recv[2] and self.objs[recv[1]].param is not None
        held = [v for v in all_vals if v is not None and v[0] in ("o", "h")] if not tracked_recv or in_param else []
        if held and ("Trainer" in name or name == "build" and "train" in (dotted(func) or "").lower()):
            # ``config.train_module.build(model)``, ``config.trainer.build(train_module, ...)``, ``Trainer(model)``:
            # an object that trains, and may load into, the models it was given (its ``load*()`` loads them)
            models = tuple(m for v in held for m in ((v,) if v[0] == "o" else v[1]))
            source = next((keyword(e, k) for k in _TRAINER_LOAD_KWS
                           if keyword(e, k) is not None and not _is_none(keyword(e, k))), None)
            if source is not None and "Trainer" in name:
                # ``Trainer(model=model, load_path=cfg.load_path)``: loads when the path is set
                self.load_action(list(models), e, p, False, ignored, test)
            return ("h", models)
        # ---------------------------------------------------------- construction
        # a tracked model passed in (``Wrapper(model)``); the function's own parameters (``Net(cfg)``) do not count
        # (sub-modules constructed in the arguments, ``nn.Sequential(nn.Linear(...))``, are parts of a new model)
        has_obj_arg = any(v is not None and v[0] == "o" and self.objs[v[1]].param is None for v in passed)
        ctx = self.ctx[-1] if self.ctx else None
        if tracked_recv and recv[0] == "p" and not recv[2] and self.objs[recv[1]].param is not None and (
            self._model_like(name, qual)
        ):
            tracked_recv = False  # ``args.model_cls(cfg)``, ``cfg.model.build()``: a constructor held in a parameter
        if not tracked_recv and (
            self._model_like(name, qual) or ctx is not None and not has_obj_arg and not _torch_function(qual)
        ):
            if ctx is not None:
                how = f"built inside `{sf.short(ctx.node)}`"
                return self.new(p, (ctx.status, e, how, ctx.node))
            if _is_meta(keyword(e, "device")) or kw.get("device") == _META_STR or kw.get("init_device") == _META_STR:
                return self.new(p, (META, e, "built with `device=\"meta\"`", None))
            if p.meta is not None:
                return self.new(p, (META, e, "built under `torch.set_default_device(\"meta\")`", p.meta))
            if has_obj_arg:
                return None
            return self.new(p, _EAGER, site=e)
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
            return _UNKNOWN
        text = self.sf.text(body)
        if "to_empty" in text and not any(w in text for w in ("reset_param", "init", "load")):
            return (UNINIT, call, "materialized by FSDP `param_init_fn` with `to_empty()`", None)
        return _UNKNOWN if "to_empty" not in text else (EAGER, call)

    @staticmethod
    def _model_like(name: str, qual: str | None) -> bool:
        if qual is not None and qual.startswith("torch.") and not qual.startswith("torch.nn."):
            return False
        return name[:1].isupper() or "model" in name.lower() or name in _MODEL_FACTORIES

    def call_local(self, e, fn, pos, kw, p: _Path, test: bool):
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
        if s.ret is not None:
            ctx = self.ctx[-1] if self.ctx else None
            if s.ret == _EAGER and ctx is not None:
                # a same-file factory called inside the empty-init context builds inside it
                return self.new(p, (ctx.status, e, f"built inside `{self.sf.short(ctx.node)}`", ctx.node))
            return self.new(p, s.ret)
        return None

    # ------------------------------------------------------------------ effects
    def init_action(self, vals, call, p: _Path, materialize: bool = False, via_helper: bool = False) -> None:
        site = next((c for c in self.sites if c is not None), None)
        if site is not None:
            call = site  # ``reset_all(model)``: the finding is at the helper's call, where the reader decides
        fabric_ctx = next((c for c in reversed(self.ctx) if c.fabric), None)
        for v in vals:
            for oid, whole in self.objs_in(v, deep=via_helper):
                st = p.st.get(oid, _UNKNOWN)
                if not materialize:
                    if fabric_ctx is not None:
                        self.sf.hit("INIT102", call, (self.objs[oid], fabric_ctx.node, "fabric", p.cond))
                        continue
                    if st[0] == META:
                        if whole:  # a sub-module touched on meta is not worth a finding (often a cache reset)
                            self.sf.hit("INIT102", call, (self.objs[oid], st, "meta", p.cond))
                        continue
                if st[0] != META:
                    self.sf.init_not_meta.add(call)
                if not whole:
                    self.maybe.add(oid)
                    if st[0] == UNINIT:
                        p.st[oid] = (PARTIAL,)
                    continue
                self.inits.add(oid)
                if st[0] == UNINIT and len(st) > 4 and st[4] is not None and not materialize:
                    st = (LOADED, st[4], False)  # emptied after a load, then initialized: the load is lost
                if st[0] == LOADED and not st[2] and self.objs[oid].param not in ("self", "cls"):
                    # (a model's own methods know their init semantics, e.g. transformers skips loaded tensors)
                    self.sf.hit("INIT104", call, (self.objs[oid], st, p.cond))
                    if self.loop_overwrites:
                        self.loop_overwrites[-1].append(call)
                p.st[oid] = (EAGER, call)

    def maybe_init(self, vals, p: _Path, call=None) -> None:
        for v in vals:
            for oid, whole in self.objs_in(v, deep=False):
                self.maybe.add(oid)
                st = p.st.get(oid, _UNKNOWN)
                if call is not None and whole and st[0] == META and not self.sites:
                    self.meta_maybe.setdefault(oid, (call, st))
                if st[0] in (UNINIT, META):
                    p.st[oid] = (PARTIAL,)

    def load_action(self, vals, call, p: _Path, nonstrict: bool, ignored: bool, test: bool) -> None:
        for v in vals:
            for oid, whole in self.objs_in(v):
                st = p.st.get(oid, _UNKNOWN)
                self.loads.add(oid)
                if test:
                    p.st[oid] = _UNKNOWN  # ``if load(...)``: we cannot tell which branch means loaded
                    continue
                if not whole:
                    if st[0] == UNINIT:
                        p.st[oid] = (PARTIAL,)
                    continue
                if nonstrict and ignored and st[0] == UNINIT:
                    self.sf.hit("INIT103", call, (self.objs[oid], st, p.cond))
                if st[0] == UNINIT and st[-1] == "sub" and "base" in self.sf.text(call).lower():
                    continue  # base weights loaded: the emptied adapter sub-modules are not in them
                p.st[oid] = (LOADED, call, False)

    def train(self, call, p: _Path, vals) -> None:
        self.trained = True
        for v in vals:
            for oid, _w in self.objs_in(v):
                p.eng.add(oid)
        safe = self.sf.safe
        for oid in p.eng:
            if p.st.get(oid, _UNKNOWN)[0] in (EAGER, LOADED):
                conds = safe.setdefault(self.objs[oid], [])
                if len(conds) < 32 and p.cond not in conds:
                    conds.append(p.cond)
        for oid, st in list(p.st.items()):
            if st[0] == UNINIT and oid in p.eng:
                self.sf.hit("INIT101", st[1], (self.objs[oid], st, call, p.cond))
                if oid in self.meta_maybe:
                    at, meta = self.meta_maybe[oid]
                    self.sf.hit("INIT102", at, (self.objs[oid], meta, "meta-maybe", p.cond))
                p.st[oid] = (REPORTED,)


_OPAQUE = frozenset(
    {cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.IfExp, cst.BooleanOperation,
     cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis, cst.ConcatenatedString}
)


# ============================================================================= per-file facts
class ScriptFacts:
    """INIT1xx facts of one file: computed on first use, once.

    ``findings(code)`` gives ``(node, message)`` pairs for ``INIT101``…``INIT104``.
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
            s.name.value: s for s in self.module.body if isinstance(s, cst.ClassDef) and not _module_like(s)
        }
        self._methods: dict[Any, dict] = {}
        self._generators: dict[Any, bool] = {}
        self._summaries: dict[Any, Summary] = {}
        self._hits: dict[str, dict] = {"INIT101": {}, "INIT102": {}, "INIT103": {}, "INIT104": {}}
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

    # ------------------------------------------------------------------ public
    def findings(self, code: str) -> list[tuple[Any, str]]:
        return self._rendered.get(code, [])

    @cached_property
    def _rendered(self) -> dict[str, list]:
        self._analyze()
        if not any(self._hits.values()):
            return {}
        pos = positions(self.facts)
        out: dict[str, list] = {}
        for code, hits in self._hits.items():
            render = getattr(self, "_render_" + code[4:])
            out[code] = [
                (node, render(node, data, pos))
                for node, data in hits.items()
                if not (code == "INIT102" and data[2] == "meta" and node in self.init_not_meta)
            ]
        return out

    # ------------------------------------------------------------------ analysis
    def _analyze(self) -> None:
        self._class_runs()
        for fn, scope in _functions(self.module):
            if self._interesting(scope):
                if fn is None:
                    self._run(self.module)
                else:
                    self.summary(fn)

    def method(self, cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
        """The method ``name`` of a same-file class (its own or a same-file base's)."""
        table = self._methods.get(cls)
        if table is None:
            table = self._methods[cls] = {}
            for base in reversed(cls.bases):
                b = self.classes.get(dotted(base.value) or "")
                if b is not None and b is not cls:
                    table.update(self._methods.get(b) or {m.name.value: m for m in _defs(b)})
            table.update({m.name.value: m for m in _defs(cls)})
        return table.get(name)

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
        local = {m.name.value for c in seen_cls for m in _defs(c)}

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

    def generator(self, fn: cst.FunctionDef) -> bool:
        g = self._generators.get(fn)
        if g is None:
            g = self._generators[fn] = bool(re.search(r"\byield\b", self.text(fn)))
        return g

    def _trainer_like(self, cls: cst.ClassDef) -> bool:
        """A class with a training method (``train``, ``fit``, ``train_step``...) whose methods hold an origin,
        or a load and an initialization: worth running from its constructor."""
        methods = _defs(cls)
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
        for _fn, scope in _functions(self.module):
            for call in _calls(scope):
                if isinstance(call.func, cst.Name):
                    called.add(call.func.value)
        for name, cls in self.classes.items():
            methods = list(_defs(cls))
            if name in called or not self._trainer_like(cls):
                continue
            by_self = {
                c.func.attr.value for m in methods for c in _calls(body_of(m))
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
            run = _Run(self)
            p = _Path({}, {}, set(), (), {}, None)
            me = run.new(p, _UNKNOWN, "self", param="self")
            run.objs[me[1]].cls = cls
            paths = [p]
            for m in [self.method(cls, "__init__")] + entry:
                if m is not None and paths:
                    paths = run.run_fn(m, me, paths)

    def _interesting(self, stmts) -> bool:
        """Cheap gate: does this body contain an empty-init origin, or both a load and an init?"""
        load = init = False
        kinds = self._name_kinds
        for call in _calls(stmts):
            for a in call.args:
                if isinstance(a.value, (cst.SimpleString, cst.Call)) and _is_meta(a.value):
                    return True
            name = call_name(call)
            if name is None:
                continue
            kind = kinds.get(name)
            if kind is None:
                kind = kinds[name] = self._name_kind(name)
            if kind == 3:
                return True
            if kind == 1 or "Trainer" in name and any(
                a.keyword is not None and a.keyword.value in _TRAINER_LOAD_KWS for a in call.args
            ):
                load = True
            elif kind == 2:
                init = True
            if load and init:
                return True
        return False

    def _name_kind(self, name: str) -> int:
        cls = self.classes.get(name)
        if cls is not None:
            # constructing a same-file trainer runs its methods here: as interesting as their bodies
            self._name_kinds[name] = 0  # recursion guard
            return 3 if self._trainer_like(cls) else 0
        return name_kind(name, self.config, self.functions)

    def summary(self, fn: cst.FunctionDef) -> Summary:
        s = self._summaries.get(fn)
        if s is None:
            self._summaries[fn] = _EMPTY_SUMMARY  # recursion guard
            s = self._summaries[fn] = self._run(fn)
        return s

    def _run(self, fn) -> Summary:
        run = _Run(self)
        p = _Path({}, {}, set(), (), {}, None)
        names: list[str] = []
        by_oid: dict[int, str] = {}
        if isinstance(fn, cst.FunctionDef):
            positional_names, kwonly = _params_of(fn)
            names = positional_names
            for pname in positional_names + kwonly:
                val = run.new(p, _UNKNOWN, pname, param=pname)
                p.env[pname] = val
                by_oid[val[1]] = pname
            body = body_of(fn)
        else:
            body = fn.body
        normal, _brk, _cont = run.block(body, [p])
        if by_oid:
            materialize.judge(self, fn, run, normal, by_oid)
        return Summary(
            names,
            inits={by_oid[o] for o in run.inits if o in by_oid},
            maybe={by_oid[o] for o in run.maybe if o in by_oid},
            ret=_agreed_return(run.returns),
            loads={by_oid[o] for o in run.loads if o in by_oid},
            trains=run.trained,
        )

    # ------------------------------------------------------------------ contexts
    def empty_context(self, expr) -> _Ctx | None:
        """The empty-init context an expression in a ``with`` item opens, if any."""
        if not isinstance(expr, cst.Call):
            return None
        name = call_name(expr)
        if name in ("init_module", "init_tensor"):
            flag = keyword(expr, "empty_init")
            if flag is None:
                return None
            if _is_true(flag):
                return _Ctx(expr, True, UNINIT)
            if _is_false(flag) or _is_none(flag) or isinstance(flag, (cst.Integer, cst.SimpleString)):
                return None
            if not self.config.conditional_empty_init:
                return None
            # the FSDP convention: empty (meta) exactly when sharding, and then fabric.setup() materializes
            # the parameters with reset_parameters(); so only a use before setup() is reported
            self.conditional_contexts.add(expr)
            return _Ctx(expr, True, UNINIT)
        if name == "device" and _is_meta(positional(expr)):
            return _Ctx(expr, False, META)
        if name == "init_empty_weights":
            return _Ctx(expr, False, META)
        if name == "init_on_device" and (_is_meta(positional(expr)) or _is_meta(keyword(expr, "device"))):
            return _Ctx(expr, False, META)
        return None

    # ------------------------------------------------------------------ paths
    def simplify(self, paths: list) -> list:
        if len(paths) < 2:
            return paths
        changed = True
        while changed:
            changed = False
            groups: dict[Any, list] = {}
            for p in paths:
                groups.setdefault(p.key(), []).append(p)
            result = []
            for group in groups.values():
                merged = _merge_group(group)
                changed = changed or len(merged) < len(group)
                result.extend(merged)
            paths = result
        return self.bound(paths)

    def bound(self, paths: list) -> list:
        if len(paths) <= MAX_PATHS:
            return paths
        groups: dict[tuple, list] = {}
        for q in paths:
            groups.setdefault(tuple(id(f) for f in q.saved), []).append(q)
        if len(groups) > 1:
            # paths inside an inlined call return to different callers: bounded per caller
            return [r for g in groups.values() for r in (self.bound(g) if len(g) > 1 else g)]
        # first merge paths that differ only in objects that were just constructed (datasets, samplers...)
        loose: dict[tuple, list] = {}
        for q in paths:
            loose.setdefault(q.loose_key(), []).append(q)
        if len(loose) <= MAX_PATHS:
            return [g[0] if len(g) == 1 else self._collapse(g) for g in loose.values()]
        return [self._collapse(paths)]

    @staticmethod
    def _collapse(paths: list) -> _Path:
        """One path for ``paths``: what they disagree on becomes unknown, the condition their common prefix."""
        first = paths[0]
        env = {k: v for k, v in first.env.items() if all(q.env.get(k) == v for q in paths)}
        st: dict[int, tuple] = {}
        for q in paths:
            for oid, s in q.st.items():
                st[oid] = s if st.get(oid, s) == s else _UNKNOWN
        for oid in st:
            if any(q.st.get(oid) != st[oid] for q in paths):
                st[oid] = _UNKNOWN
        eng = set().union(*(q.eng for q in paths))
        cond = first.cond
        for q in paths[1:]:
            n = 0
            while n < len(cond) and n < len(q.cond) and cond[n] == q.cond[n]:
                n += 1
            cond = cond[:n]
        gen: dict[str, int] = {}
        for q in paths:
            for k, g in q.gen.items():
                gen[k] = max(gen.get(k, 0), g)
        attrs = {k: v for k, v in first.attrs.items() if all(q.attrs.get(k) == v for q in paths)}
        merged = _Path(env, st, eng, cond, gen, first.meta, attrs)
        merged.saved = first.saved
        return merged

    # ------------------------------------------------------------------ findings and text
    def hit(self, code: str, node, data) -> None:
        hits = self._hits[code]
        if code == "INIT101":
            obj, st, call, cond = data
            prev = hits.get(node)
            if prev is None:
                hits[node] = [obj, st, call, [cond]]
            elif cond not in prev[3] and len(prev[3]) < 3:
                prev[3].append(cond)
            return
        hits.setdefault(node, data)

    def unhit(self, code: str, node) -> None:
        self._hits[code].pop(node, None)

    def text(self, node) -> str:
        t = self._texts.get(node)
        if t is None:
            t = " ".join(self.module.code_for_node(node).split())
            self._texts[node] = t
        return t

    def short(self, node, limit: int = 60) -> str:
        t = self.text(node)
        return t if len(t) <= limit else t[: limit - 3] + "..."

    @staticmethod
    def _line(pos, node) -> int:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            node = node.name
        r = pos.get(node)
        return r.start.line if r is not None else 0

    def _cond_text(self, conds) -> str:
        conds = _merge_conds(conds)
        parts = []
        for cond in conds:
            if not cond:
                return "on every path"
            words = []
            seen = set()
            for key, pol, node, form in reversed(cond):
                if key[0] in seen or form.startswith("hidden:"):
                    continue
                seen.add(key[0])
                text = self.short(node, 50)
                if form == "ckpt":
                    words.append(f"`{self.short(node, 50)}` finds {'a' if pol else 'no'} checkpoint")
                    continue
                if form == "loop":
                    if not pol:
                        words.append(f"`{text}` is empty (the loop body does not run)")
                elif form == "none":
                    words.append(f"`{text}` is {'not None' if pol else 'None'}")
                elif form.startswith("match:"):
                    words.append(f"`{text}` matches `{form[6:]}`")
                elif isinstance(node, (cst.Name, cst.Attribute, cst.Subscript)):
                    words.append(f"`{text}` is {'truthy' if pol else 'falsy'}")
                else:
                    words.append(f"`{text}` is {'true' if pol else 'false'}")
            parts.append("when " + " and ".join(reversed(words)) if words else "on every path")
        return ", or ".join(parts)

    def _name(self, obj) -> str:
        return obj.name or "the model"

    def _render_101(self, node, data, pos) -> str:
        obj, st, call, conds = data
        decided: dict[tuple, tuple] = {}
        safe = self.safe.get(obj)
        for c in conds:
            # (with no path where this model trained initialized, the whole condition is the best description)
            c = _deciding(c, safe) if safe else c
            decided.setdefault(tuple((lit[0], lit[1]) for lit in c), c)
        conds = list(decided.values())
        where = f"line {self._line(pos, st[1])}"
        return (
            f"`{self._name(obj)}` ({st[2]}, {where}) reaches training at line {self._line(pos, call)} "
            f"(`{self.short(call.func, 40)}(...)`) uninitialized {self._cond_text(conds)}. Fix: initialize it on that "
            "path (call reset_parameters() on every module, model.apply(init_fn) or init_weights()) or load a "
            "checkpoint before training"
        )

    def _render_102(self, node, data, pos) -> str:
        obj, info, kind, _cond = data
        call_text = self.short(node, 50)
        if kind == "fabric":
            return (
                f"`{call_text}` runs inside `{self.short(info, 50)}` (line {self._line(pos, info)}) where it is a "
                f"no-op: empty init skips torch.nn.init calls (and under FSDP the tensors are on the meta device). "
                "Fix: initialize after the `with` block"
            )
        if kind == "meta-maybe":
            return (
                f"`{call_text}` runs on `{self._name(obj)}` while its parameters are still on the meta device "
                f"({info[2]}, line {self._line(pos, info[1])}), and the model later trains uninitialized: if this "
                "call is its initialization it writes nothing; call it after `to_empty()`"
            )
        return (
            f"`{call_text}` initializes `{self._name(obj)}` while its parameters are still on the meta device "
            f"({info[2]}, line {self._line(pos, info[1])}): nothing is written and materializing with "
            "`to_empty()` later gives uninitialized memory. Fix: initialize after `to_empty()`"
        )

    def _render_103(self, node, data, pos) -> str:
        obj, st, cond = data
        return (
            f"non-strict load into `{self._name(obj)}`, which is uninitialized here ({st[2]}, line "
            f"{self._line(pos, st[1])}){self._when(cond)}, and its result is ignored: every missing key stays "
            "uninitialized memory. Fix: check `missing_keys` in the returned value or initialize the model first"
        )

    def _render_104(self, node, data, pos) -> str:
        obj, st, cond = data
        load = st[1]
        return (
            f"`{self.short(node, 50)}` re-initializes `{self._name(obj)}` after it was loaded at line "
            f"{self._line(pos, load)} (`{self.short(load.func, 40)}(...)`){self._when(cond)}: the loaded weights "
            "are overwritten. Fix: initialize before loading, or only on the path that does not load"
        )

    def _when(self, cond) -> str:
        return "" if not cond else " " + self._cond_text([cond])


def _deciding(cond: tuple, safe: list) -> tuple:
    """The literals of a bug path's ``cond`` that decide it.

    A literal decides when flipping it alone leads to a path (in ``safe``) where the model reached training
    initialized; when no literal does on its own, the literals are taken in order, each one flipped on some
    safe path that agrees with the ones kept so far.
    """
    pols = [{o[0]: o[1] for o in other} for other in safe]
    alone = tuple(
        lit for lit in cond
        if any(ps.get(lit[0], lit[1]) != lit[1]
               and all(ps.get(o[0], o[1]) == o[1] for o in cond if o[0] != lit[0]) for ps in pols)
    )
    if alone:
        return alone
    kept: list = []
    for lit in cond:
        for ps in pols:
            if ps.get(lit[0], lit[1]) != lit[1] and all(ps.get(k[0], k[1]) == k[1] for k in kept):
                kept.append(lit)
                break
    return tuple(kept)


def _merge_conds(conds: list) -> list:
    """Conditions that differ only in one literal's polarity collapse into one without it."""
    items = [list(c) for c in conds]
    merged = True
    while merged and len(items) > 1:
        merged = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                a, b = items[i], items[j]
                if len(a) != len(b):
                    continue
                diff = [k for k in range(len(a)) if (a[k][0][0], a[k][1]) != (b[k][0][0], b[k][1])]
                if len(diff) == 1 and a[diff[0]][0][0] == b[diff[0]][0][0]:
                    del a[diff[0]]
                    del items[j]
                    merged = True
                    break
            if merged:
                break
    return [tuple(c) for c in items]


def _merge_group(group: list) -> list:
    """Paths with equal states: drop duplicates; merge conditions that differ in one literal's polarity."""
    uniq: dict[tuple, _Path] = {}
    for p in group:
        first = uniq.setdefault(tuple((lit[0], lit[1]) for lit in p.cond), p)
        if first is not p:
            first.gen = _join_gen([first, p])
    items = list(uniq.values())
    merged = True
    while merged and len(items) > 1:
        merged = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                a, b = items[i].cond, items[j].cond
                if len(a) != len(b):
                    continue
                diff = [k for k in range(len(a)) if (a[k][0], a[k][1]) != (b[k][0], b[k][1])]
                if len(diff) == 1 and a[diff[0]][0] == b[diff[0]][0]:
                    k = diff[0]
                    items[i].cond = a[:k] + a[k + 1:]
                    items[i].gen = _join_gen([items[i], items[j]])
                    del items[j]
                    merged = True
                    break
            if merged:
                break
    return items


def _functions(module: cst.Module):
    """``(function or None for the module body, statements to gate on)`` for every def, at any depth."""
    yield None, [s for s in module.body if not isinstance(s, (cst.FunctionDef, cst.ClassDef))]
    stack = list(module.body)
    while stack:
        s = stack.pop()
        if isinstance(s, cst.FunctionDef):
            yield s, body_of(s)
            stack.extend(body_of(s))
        elif isinstance(s, cst.ClassDef):
            stack.extend(body_of(s))
        elif not isinstance(s, cst.SimpleStatementLine):
            for block in _blocks(s):
                stack.extend(block)


def _defs(cls: cst.ClassDef):
    return [s for s in body_of(cls) if isinstance(s, cst.FunctionDef)]


def _blocks(stmt):
    from .walk import sub_blocks

    yield from sub_blocks(stmt)


def _calls(stmts):
    """Calls in statements and compound-statement headers (nested defs and classes excluded)."""
    from .walk import iter_calls

    stack = list(stmts)
    while stack:
        s = stack.pop()
        if isinstance(s, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
            for small in s.body:
                yield from iter_calls(small)
        elif isinstance(s, (cst.FunctionDef, cst.ClassDef)):
            continue
        else:
            if isinstance(s, cst.With):
                for item in s.items:
                    yield from iter_calls(item.item)
            elif isinstance(s, (cst.If, cst.While)):
                yield from iter_calls(s.test)
            elif isinstance(s, cst.For):
                yield from iter_calls(s.iter)
            for block in _blocks(s):
                stack.extend(block)


def positions(facts):
    """libcst positions of every node of the file (the shared, lazily computed ``FileFacts.positions``)."""
    return facts.positions

"""``track()``: record where every parameter and buffer built inside the scope got its values.

While a ``track()`` scope is open:

* ``register_module_parameter_registration_hook`` / ``..._buffer_registration_hook`` see every tensor a module
  registers (also on meta);
* a ``TorchFunctionMode`` sees allocations of uninitialized memory (``torch.empty`` & co.) and every in-place
  write (``nn.init.*``, ``normal_``, ``copy_``, ``fill_``, ``__setitem__``, ``out=``). A write only counts
  when
  the target's ``_version`` moved, so init calls swallowed by Lightning's empty-init mode are seen as skipped.
  Who wrote is read off the call stack: a write reached from a ``torch.nn.modules`` constructor is PyTorch's
  default; anything else (your ``__init__``, ``_init_weights``, ``reset_parameters()`` you call) is yours.

When the outermost scope closes, each registered tensor gets a verdict-relevant state and a cheap fingerprint
(``_version`` + ``FINGERPRINT_SIZE`` values at fixed positions; never a copy). Records are keyed weakly by
tensor
and by (module, local name), so ``check()`` re-resolves parameters by name after ``to_empty``,
``load_state_dict(assign=True)`` or framework materialisation replaced the Parameter objects, and nothing here
keeps a model alive. Hooks and the mode are removed even when construction raises; nested scopes share the
outermost one.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import weakref
from dataclasses import dataclass

import torch
from torch.overrides import TorchFunctionMode
from torch.nn.parameter import UninitializedTensorMixin

from initguard import sampling
from initguard.report import StrEnum
from initguard.tensors import is_dtensor as _is_dtensor
from initguard.tensors import local_tensor
from initguard.weakmaps import WeakIdMap

_WeakIdMap = WeakIdMap  # the former name

__all__ = ["track", "lookup", "Record", "State", "follow", "follow_flat", "mark_initialized"]


class State(StrEnum):
    """What provenance knows of a tensor. A ``str``: compares, hashes, formats and serializes as its value.

    Recorded while ``track()`` is open: ``META``, ``LAZY`` (no values), ``UNWRITTEN`` / ``PARTIAL`` (allocated
    from uninitialized memory, not / partly written), ``DEFAULT`` (written only by PyTorch's constructor init),
    ``USER`` (written by your code), ``CREATED`` (allocated with values: zeros/randn/a loaded tensor). Found when
    the tensor is looked at later: ``WRITTEN`` (values changed after construction), ``REPLACED`` (materialized
    after construction), ``UNKNOWN`` (its scope is gone).
    """

    META = "meta"
    LAZY = "lazy"
    UNWRITTEN = "unwritten"
    PARTIAL = "partial"
    DEFAULT = "default"
    USER = "user"
    CREATED = "created"
    WRITTEN = "written"
    REPLACED = "replaced"
    UNKNOWN = "unknown"


META, LAZY, UNWRITTEN, PARTIAL = State.META, State.LAZY, State.UNWRITTEN, State.PARTIAL
DEFAULT, USER, CREATED = State.DEFAULT, State.USER, State.CREATED
WRITTEN, REPLACED, UNKNOWN = State.WRITTEN, State.REPLACED, State.UNKNOWN


class _ModuleMap(WeakIdMap):
    """``module -> {local_name: Record}``; when a module dies, its finalized records leave ``_BY_ID``."""

    __slots__ = ()

    def on_drop(self, value) -> None:
        for rec in value.values():
            if _BY_ID.get(rec.tid) is rec:
                _BY_ID.pop(rec.tid, None)


_lock = threading.RLock()
_BY_TENSOR = WeakIdMap()  # tensor -> Record, only while its scope is open
_BY_ID: dict = {}  # id(tensor) -> finalized Record (no weakref: torch.utils.swap_tensors refuses weakref'd tensors)
_BY_MODULE = _ModuleMap()  # module -> {local_name: Record}
_active: "_Tracker | None" = None
_depth = 0

_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_MODULES_DIR = os.path.join(_TORCH_DIR, "nn", "modules") + os.sep
_SELF_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_CTOR_NAMES = frozenset({"__init__", "initialize_parameters", "_infer_parameters"})


@dataclass(eq=False)
class Record:
    """What ``track()`` learned about one registered tensor (O(1) memory; holds no strong references)."""

    module_type: str
    local_name: str
    kind: str  # "parameter" | "buffer"
    tref: object = None  # weakref to the tensor this record describes
    state: str | None = None  # set when the outermost scope closes
    detail: str = ""
    version: int | None = None
    fp: tuple | None = None
    fp_dtype: object = None
    tracker: object = None  # weakref to the open tracker until finalized
    shape: tuple | None = None  # shape of the tensor the fingerprint was read from (a plain, unsharded tensor)
    tid: int = 0  # id() of the tensor once finalized (no weakref is kept then: see _release)
    ptr: int | None = None  # its storage address then (with tid: the same object, not a reused id)

    @property
    def finalized(self) -> bool:
        """True once the scope that built the tensor closed and the fingerprint was taken."""
        return self.state is not None


class _Alloc:
    __slots__ = ("numel", "covered", "writer", "where")

    def __init__(self, numel: int):
        self.numel = numel
        self.covered = 0
        self.writer = None  # "default" | "user" once fully written
        self.where = ""


_EMPTY_FUNCS = set()
for _f in ("empty", "empty_like", "empty_strided", "empty_permuted"):
    if hasattr(torch, _f):
        _EMPTY_FUNCS.add(getattr(torch, _f))
_EMPTY_FUNCS.add(torch.Tensor.new_empty)
_EMPTY_FUNCS.add(torch.Tensor.new_empty_strided)
_EMPTY_FUNCS = frozenset(_EMPTY_FUNCS)

# in-place ops whose result does not depend on the old contents: they (fully or partially) initialize
_FILL_NAMES = frozenset({
    "fill_", "zero_", "normal_", "uniform_", "copy_", "random_", "exponential_", "bernoulli_", "geometric_",
    "cauchy_", "log_normal_", "set_",
})
_PARTIAL_NAMES = frozenset({
    "__setitem__", "index_fill_", "masked_fill_", "index_copy_", "masked_scatter_", "scatter_", "put_",
    "index_put_", "fill_diagonal_",
})


def _storage_ptr(t) -> int | None:
    try:
        if t.is_meta:
            return None
        return t.untyped_storage().data_ptr()
    except Exception:
        return None


def _classify_writer(frame) -> tuple[str, str]:
    """'default' when the write comes from a torch.nn.modules constructor, else 'user' (with a location)."""
    f = frame
    while f is not None:
        code = f.f_code
        fn = code.co_filename
        if fn.startswith(_SELF_DIR) or code.co_name == "__torch_function__":
            f = f.f_back
            continue
        if fn.startswith(_MODULES_DIR):
            if code.co_name in _CTOR_NAMES:
                return DEFAULT, f"{os.path.basename(fn)}:{code.co_name}"
            f = f.f_back
            continue
        if fn.startswith(_TORCH_DIR):
            f = f.f_back
            continue
        return USER, f"{os.path.basename(fn)}:{f.f_lineno} in {code.co_name}"
    return USER, "?"


def _first(args, kwargs):
    if args:
        return args[0]
    return kwargs.get("tensor", kwargs.get("self", kwargs.get("input")))


class _Mode(TorchFunctionMode):
    """Sees allocations of empty memory and in-place writes; never changes what a call does."""

    def __init__(self, tracker: "_Tracker"):
        super().__init__()
        self.tracker = tracker

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        tr = self.tracker
        try:
            is_empty = func in _EMPTY_FUNCS
        except TypeError:  # an unhashable callable
            is_empty = False
        if is_empty:
            out = func(*args, **kwargs)
            tr.note_empty(out)
            return out
        name = getattr(func, "__name__", "")
        target = None
        kind = None
        if "out" in kwargs and isinstance(kwargs["out"], torch.Tensor):
            target, kind = kwargs["out"], "fill"
        elif (name.endswith("_") and not name.startswith("__")
              and isinstance(_first(args, kwargs), torch.Tensor)):
            target = _first(args, kwargs)
            if getattr(func, "__module__", "") == "torch.nn.init" or name in _FILL_NAMES:
                kind = "fill"
            elif name in _PARTIAL_NAMES:
                kind = "partial"
            else:
                kind = "modify"
        elif name == "__setitem__" and args and isinstance(args[0], torch.Tensor):
            target, kind = args[0], "partial"
        elif name.startswith("__i") and args and isinstance(args[0], torch.Tensor):
            target, kind = args[0], "modify"
        elif not tr.allocs:
            return func(*args, **kwargs)
        if target is None:
            out = func(*args, **kwargs)
            if isinstance(out, torch.Tensor):
                tr.note_result(out, args)
            return out
        try:
            v0 = target._version
        except Exception:
            return func(*args, **kwargs)
        out = func(*args, **kwargs)
        try:
            changed = target._version != v0
        except Exception:
            changed = False
        if changed:
            tr.note_write(target, kind, name, args)
        return out


class _Tracker:
    """State of the open (outermost) ``track()`` scope."""

    def __init__(self):
        self.allocs: dict[int, _Alloc] = {}
        self.pending: list = []  # (module weakref, local name, kind, Record)
        self.handles: list = []
        self.mode: _Mode | None = None
        self.wself = weakref.ref(self)  # shared by this scope's records

    # -- events from the mode
    # ------------------------------------------------------------------------------------
    def note_empty(self, out) -> None:
        if isinstance(out, torch.Tensor):
            ptr = _storage_ptr(out)
            if ptr:
                self.allocs[ptr] = _Alloc(out.numel())

    def note_result(self, out, args) -> None:
        """A non-in-place op returned ``out``: if it is fresh memory at a tracked address, the entry is
        stale."""
        ptr = _storage_ptr(out)
        if not ptr or ptr not in self.allocs:
            return
        for a in args:
            if isinstance(a, torch.Tensor) and _storage_ptr(a) == ptr:
                return  # a view / alias of the tracked allocation
            if isinstance(a, (list, tuple)):
                for b in a:
                    if isinstance(b, torch.Tensor) and _storage_ptr(b) == ptr:
                        return
        if out.numel() and out._version == 0:
            # new memory reused the address of a freed empty allocation: it holds computed values
            del self.allocs[ptr]

    def note_write(self, target, kind: str, name: str, args) -> None:
        ptr = _storage_ptr(target)
        a = self.allocs.get(ptr) if ptr else None
        if a is None:
            return
        if kind == "fill":
            a.covered += target.numel()
        elif kind == "partial":
            n = 0
            if name == "__setitem__" and len(args) >= 3:
                v = args[2]
                n = v.numel() if isinstance(v, torch.Tensor) else 0
                try:
                    n = max(n, args[0][args[1]].numel())
                except Exception:
                    pass
            a.covered += n
        if a.covered >= a.numel:
            if kind == "partial" and a.writer is not None:
                return  # e.g. Embedding zeroing its padding row after its own init
            writer, where = _classify_writer(sys._getframe(2))
            if kind == "modify" and a.writer is None:
                return
            a.writer, a.where = writer, where

    # -- registration
    # ----------------------------------------------------------------------------------------------
    def on_register(self, module, name, tensor, kind) -> None:
        if tensor is None:
            return
        with _lock:
            e = _BY_TENSOR.entry(tensor)
            if e is not None:
                rec = e[1]
            else:
                rec = _by_id(tensor)  # built in an earlier scope: keep what that scope learned
                if rec is None:
                    rec = Record(type(module).__name__, name, kind, tracker=self.wself)
                    rec.tref = _BY_TENSOR.put(tensor, rec)
            e = _BY_MODULE.entry(module)
            if e is None:
                mod = {}
                mref = _BY_MODULE.put(module, mod)
            else:
                mref, mod = e
            mod[name] = rec
            self.pending.append((mref, name, kind, rec))

    def state_of(self, t) -> tuple[str, str]:
        """The provenance state of tensor ``t`` as far as this scope saw it."""
        if isinstance(t, UninitializedTensorMixin):
            return LAZY, "lazy module, not materialized"
        return self._local_state(local_tensor(t))

    def _local_state(self, lt) -> tuple[str, str]:
        """``state_of`` for a non-lazy tensor's local tensor ``lt`` (``tensors.local_tensor``)."""
        if lt.is_meta:
            return META, "built on the meta device"
        ptr = _storage_ptr(lt)
        a = self.allocs.get(ptr) if ptr else None
        if a is None:
            return CREATED, "created with values"
        if a.writer is None:
            if a.covered:
                return PARTIAL, f"only {min(a.covered, a.numel)} of {a.numel} elements were ever written"
            return UNWRITTEN, "allocated with torch.empty and never written (init skipped or missing)"
        return a.writer, a.where

    # -- end of scope
    # ----------------------------------------------------------------------------------------------
    def finalize(self) -> None:
        """Re-resolve every registered tensor by (module, name), store state + fingerprint, drop the scope."""
        with _lock:
            for mref, name, kind, rec in self.pending:
                module = mref()
                if module is None:
                    continue
                table = module._parameters if kind == "parameter" else module._buffers
                cur = table.get(name)
                if cur is None:
                    continue
                old = rec.tref() if rec.tref is not None else None
                if old is not cur and not (rec.finalized and rec.tid == id(cur)):
                    existing = _BY_TENSOR.get(cur) or _by_id(cur)
                    if existing is not None and existing is not rec:
                        _BY_MODULE.get(module, {})[name] = existing
                        rec = existing
                    else:
                        rec.tref = _BY_TENSOR.put(cur, rec)
                if rec.finalized:
                    continue
                if isinstance(cur, UninitializedTensorMixin):
                    rec.state, rec.detail = LAZY, "lazy module, not materialized"
                    fp, fp_dtype = None, None
                else:
                    lt = local_tensor(cur)
                    rec.state, rec.detail = self._local_state(lt)
                    fp = None if rec.state == META else _fingerprint(lt)
                    fp_dtype = cur.dtype
                    rec.shape = None if _is_dtensor(cur) else tuple(lt.shape)
                try:
                    rec.version = cur._version
                except Exception:
                    rec.version = None
                rec.fp = fp
                rec.fp_dtype = fp_dtype
                rec.tracker = None
            for _, _, _, rec in self.pending:
                _release(rec)
            self.pending.clear()
            self.allocs.clear()


_fingerprint = sampling.local_fingerprint  # the former name (tests and benchmarks use it)


def _param_hook(module, name, param):
    tr = _active
    if tr is not None:
        tr.on_register(module, name, param, "parameter")
    return None


def _buffer_hook(module, name, buffer):
    tr = _active
    if tr is not None:
        tr.on_register(module, name, buffer, "buffer")
    return None


class track:
    """Track where parameters and buffers built inside get their values (context manager or decorator).

    ``with initguard.track(): model = build()`` — every parameter/buffer registered inside is tracked; no need to
    pass the model. ``@initguard.track()`` on a factory does the same per call. Afterwards ``check()``/
    ``assert_initialized()`` know, for each tensor, whether it was never written (empty init), still holds PyTorch's
    constructor default, or was written by your code / loaded. Nested scopes (also re-entering the same instance)
    share the outermost one. Global state (hooks, the torch function mode) is restored on exit, also on exceptions.
    Track construction from one thread at a time (torch function modes are per thread).
    """

    def __init__(self):
        self._owners: list = []  # one flag per (possibly re-entrant) use of this instance

    def __enter__(self):
        global _active, _depth
        with _lock:
            _depth += 1
            if _depth > 1:
                self._owners.append(False)
                return self
            tr = _Tracker()
            _active = tr
            self._owners.append(True)
        try:
            from torch.nn.modules.module import (
                register_module_buffer_registration_hook,
                register_module_parameter_registration_hook,
            )

            tr.handles.append(register_module_parameter_registration_hook(_param_hook))
            tr.handles.append(register_module_buffer_registration_hook(_buffer_hook))
            tr.mode = _Mode(tr)
            tr.mode.__enter__()
        except BaseException:
            self._owners.pop()
            self._teardown(tr, finalize=False)
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        global _depth
        with _lock:
            owner = self._owners.pop() if self._owners else False
            if not owner:
                _depth = max(0, _depth - 1)
                return False
            tr = _active
        self._teardown(tr, finalize=True)
        return False

    def _teardown(self, tr, finalize: bool) -> None:
        global _active, _depth
        try:
            if tr is not None and tr.mode is not None:
                tr.mode.__exit__(None, None, None)
                tr.mode = None
        finally:
            try:
                if tr is not None:
                    for h in tr.handles:
                        h.remove()
                    tr.handles.clear()
            finally:
                with _lock:
                    _active = None
                    _depth = 0
                if tr is not None and finalize:
                    tr.finalize()

    def __call__(self, fn):
        """Use as a decorator: each call of ``fn`` runs inside a fresh ``track()`` scope."""

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with track():
                return fn(*args, **kwargs)

        return wrapper


def is_tracking() -> bool:
    """True while a ``track()`` scope is open (in this process)."""
    return _active is not None


def active_tracker() -> "_Tracker | None":
    """The open ``track()`` scope's tracker (its ``mode`` is the TorchFunctionMode on the stack), or None."""
    return _active


def scope_depth() -> int:
    """How many ``track()`` scopes are open, nested (0 when none; nested scopes share the outermost one)."""
    return _depth


def _ptr_of(t) -> int | None:
    if isinstance(t, UninitializedTensorMixin):
        return None
    try:
        return _storage_ptr(local_tensor(t))
    except Exception:
        return None


def _release(rec: Record) -> None:
    """Finalized: drop the weakref to the tensor (``swap_tensors``, used by ``Module.to`` for DTensor parameters
    and under ``torch.__future__.set_swap_module_params_on_conversion``, refuses tensors with weakrefs) and
    remember it by ``id()`` plus storage address instead."""
    t = rec.tref() if rec.tref is not None else None
    if t is None:
        return
    rec.tid, rec.ptr = id(t), _ptr_of(t)
    e = _BY_TENSOR.entry(t)
    if e is not None and e[1] is rec:
        _BY_TENSOR.discard(t)
    rec.tref = None
    _BY_ID[rec.tid] = rec


def _by_id(tensor) -> Record | None:
    """The finalized record of this very tensor object (an id() reused by another tensor does not match)."""
    rec = _BY_ID.get(id(tensor))
    if rec is None:
        return None
    ptr = _ptr_of(tensor)
    if rec.ptr is not None:
        return rec if rec.ptr == ptr else None
    # no address recorded (meta, lazy): a lazy parameter is materialized in place (same object); a real tensor
    # that took a freed meta tensor's id (to_empty) is another tensor
    return rec if rec.state == LAZY or ptr is None else None


def lookup(module, local_name: str, tensor) -> tuple[Record | None, bool]:
    """The record for ``tensor`` (by identity), else for ``module.<local_name>`` (by name; ``same=False``)."""
    rec = _BY_TENSOR.get(tensor) or _by_id(tensor)
    if rec is not None:
        return rec, True
    mod = _BY_MODULE.get(module)
    if mod is not None:
        rec = mod.get(local_name)
        if rec is not None:
            return rec, False
    return None, False


def mark_initialized(module, local_name: str, tensor, detail: str = "initialized by initguard.initialize()") -> None:
    """Record that ``module.<local_name>`` (``tensor``) was deliberately initialized now.

    :func:`initguard.initialize` calls this for every tensor it wrote, so that ``initialize(model)`` followed by
    ``assert_initialized(model)`` passes without ``track()``; a later change of the values keeps it
    initialized, a replacement by other values is judged as written. Holds no strong references.
    """
    kind = "parameter" if local_name in module._parameters else "buffer"
    with _lock:
        open_entry = _BY_TENSOR.entry(tensor)
        if open_entry is not None:  # registered in a scope that is still open: its record becomes this one
            rec = open_entry[1]
            rec.tracker = None
        else:
            rec = Record(type(module).__name__, local_name, kind)
        rec.state, rec.detail = USER, detail
        rec.fp, rec.fp_dtype, rec.shape = None, None, None
        lt = None if isinstance(tensor, UninitializedTensorMixin) else local_tensor(tensor)
        if lt is not None and not lt.is_meta:
            rec.fp = _fingerprint(lt)
            rec.fp_dtype = tensor.dtype
            rec.shape = None if _is_dtensor(tensor) else tuple(lt.shape)
        try:
            rec.version = tensor._version
        except Exception:
            rec.version = None
        if open_entry is None:  # (an open scope's record is released when that scope closes)
            rec.tid, rec.ptr = id(tensor), _ptr_of(tensor)
            _BY_ID[rec.tid] = rec
        e = _BY_MODULE.entry(module)
        if e is None:
            _BY_MODULE.put(module, {local_name: rec})
        else:
            e[1][local_name] = rec


# what became of a recorded tensor after construction (kept apart for size; the names stay available here)
from initguard.after_construction import current_state, follow, follow_flat  # noqa: E402,F401

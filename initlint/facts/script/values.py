"""The abstract values of the INIT1xx analysis: what a variable holds, and what state a model is in.

A variable holds a :data:`Value` (or nothing we track, ``None``): a model object (:class:`Ref`), part of one
(:class:`Part`), a tuple/list or dict of values (:class:`Seq`, :class:`Mapping`), a same-file function or bound
method (:class:`Func`, :class:`Method`), an object that loads into or trains models it was given
(:class:`Holder`), or the string ``"meta"`` (:data:`META_STR`). A model object's state on a path is a
:class:`Status`. All values are immutable and hashable: paths are compared and merged by them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional, Union

import libcst as cst


class Kind(enum.Enum):
    """The state of a model's weights on one path."""

    EAGER = "eager"  #: initialized (constructed normally, or initialized/loaded explicitly)
    UNINIT = "uninit"  #: its memory holds garbage (empty init, ``to_empty()``, ``skip_init``)
    META = "meta"  #: its parameters hold no storage yet
    LOADED = "loaded"  #: weights loaded from a checkpoint
    PARTIAL = "partial"  #: part of an uninitialized model was initialized/loaded: we cannot tell, stay silent
    UNKNOWN = "unknown"  #: anything not understood (never reported)
    REPORTED = "reported"  #: already reported as trained uninitialized (reported once)

    # members are singletons: identity hashing (Enum's own hashes the name, in Python, on every path merge)
    __hash__ = object.__hash__


class Origin(enum.Enum):
    """How a model became uninitialized or meta (a rule words it)."""

    CONTEXT = enum.auto()  #: built inside an empty-init ``with`` context (``Status.ctx``)
    TO_EMPTY = enum.auto()  #: ``model.to_empty(...)``
    SKIP_INIT = enum.auto()  #: ``skip_init(...)``
    DEFERRED_INIT = enum.auto()  #: ``deferred_init(...)``
    SUBMODULES = enum.auto()  #: some sub-modules, selected by type (``Status.selector``), emptied in a loop
    PARAM_INIT_FN = enum.auto()  #: FSDP's ``param_init_fn`` that only calls ``to_empty()``
    TO_META = enum.auto()  #: ``model.to("meta")``
    DEVICE_ARG = enum.auto()  #: ``Net(device="meta")``
    DEFAULT_DEVICE = enum.auto()  #: built under ``torch.set_default_device("meta")`` (``Status.ctx``)

    __hash__ = object.__hash__  # (members are singletons; see Kind)


class Status(NamedTuple):
    """The state of one model object on one path (a named tuple: paths are hashed and compared by their
    statuses on every merge, and tuples do that in C)."""

    kind: Kind
    #: the call that made the state: the origin (uninit/meta), the load (loaded), the initialization (eager)
    at: Optional[cst.CSTNode] = None
    #: uninit/meta: how it became so
    origin: Optional[Origin] = None
    #: uninit/meta: the empty-init context call (or ``set_default_device`` call) in force when it was built
    ctx: Optional[cst.CSTNode] = None
    #: uninit by ``to_empty()`` of a model's modules after this load: initializing it next overwrites the load
    after_load: Optional[cst.CSTNode] = None
    #: uninit: only the sub-modules this test selects (``isinstance(m, LoRALinear)``) were emptied
    selector: Optional[str] = None
    #: loaded: by ``from_pretrained`` (or marked ``_is_hf_initialized``): init methods skip loaded tensors
    pretrained: bool = False
    #: eager: initialized or loaded explicitly (not only constructed)
    initialized: bool = False


#: constructed normally (initialized by the constructor)
CONSTRUCTED = Status(Kind.EAGER)
#: initialized or loaded by a function that returned it
INITIALIZED = Status(Kind.EAGER, initialized=True)
UNKNOWN = Status(Kind.UNKNOWN)
PARTIAL = Status(Kind.PARTIAL)
REPORTED = Status(Kind.REPORTED)


_new_tuple = tuple.__new__


def initialized_at(call: cst.CSTNode) -> Status:
    """Initialized by ``call``. (Built without the named tuple's keyword handling: this runs per path.)"""
    return _new_tuple(Status, (Kind.EAGER, call, None, None, None, None, False, True))


def loaded_at(call: cst.CSTNode, pretrained: bool = False) -> Status:
    """Loaded by ``call``."""
    return _new_tuple(Status, (Kind.LOADED, call, None, None, None, None, pretrained, False))


# ----------------------------------------------------------------------------- values
# The frequent ones are named tuples (hashed and compared in C); no two of them can be equal (their fields
# differ in number or type). Values holding tuples are dataclasses, never equal to a value of another class.
class Ref(NamedTuple):
    """A model object (see :class:`Obj`)."""

    oid: int


class Part(NamedTuple):
    """Part of a model (``model.lm_head``, a parameter); ``each``: each of its modules/parameters in turn
    (``model.modules()``), so that a loop over it covers the whole model."""

    oid: int
    each: bool


@dataclass(frozen=True, slots=True)
class Seq:
    """A tuple or list of values (``None`` for an element we do not track)."""

    items: tuple


@dataclass(frozen=True, slots=True)
class Mapping:
    """A dict of values: ``((key, value), ...)`` (``state = {"model": model}``)."""

    items: tuple


class Func(NamedTuple):
    """A same-file function."""

    fn: cst.FunctionDef


class Method(NamedTuple):
    """A bound method of a same-file trainer (``self.step_fn = self._train_step``)."""

    fn: cst.FunctionDef
    recv: Ref


@dataclass(frozen=True, slots=True)
class Holder:
    """An object that loads into (``ckpt.load()``) or trains the models it was given (checkpointer, trainer)."""

    models: tuple


class Str(NamedTuple):
    """A string we care about (only ``"meta"``)."""

    value: str


META_STR = Str("meta")

Value = Union[Ref, Part, Seq, Mapping, Func, Method, Holder, Str]
#: the values that are (part of) a model
TRACKED = (Ref, Part)


# ----------------------------------------------------------------------------- objects and records
class Obj:
    """A model object (one per construction site and run); its state lives in each path's ``st``."""

    __slots__ = ("oid", "name", "param", "cls")

    def __init__(self, oid: int, name: Optional[str], param: Optional[str] = None) -> None:
        self.oid = oid
        #: the variable (or ``self.attr``) it was first bound to: how messages name it
        self.name = name
        #: the function parameter it stands for, when it was passed in (summaries)
        self.param = param
        #: the same-file (non-module) class this object is an instance of: its methods run inline
        self.cls: Optional[cst.ClassDef] = None


@dataclass(slots=True)
class Ctx:
    """An active empty-init ``with`` context: its call, whether it is Fabric's, and the state it gives."""

    node: cst.CSTNode
    fabric: bool
    kind: Kind


class Summary:
    """What a same-file function may do to its parameters (judged by its body)."""

    __slots__ = ("params", "inits", "maybe", "loads", "trains", "ret")

    def __init__(
        self, params=(), inits=frozenset(), loads=frozenset(), trains=False, maybe=frozenset(), ret=None
    ) -> None:
        #: status of a model the function builds and returns, when every return path agrees (else None)
        self.ret: Optional[Status] = ret
        self.params: tuple[str, ...] = tuple(params)
        #: parameters that some path initializes as a whole (certain initialization actions)
        self.inits: frozenset[str] = frozenset(inits)
        #: parameters partly initialized, or touched by a method that may initialize (``init_states``...)
        self.maybe: frozenset[str] = frozenset(maybe)
        self.loads: frozenset[str] = frozenset(loads)
        self.trains = trains


EMPTY_SUMMARY = Summary()


def agreed_return(returns: list) -> Optional[Status]:
    """A builder's returned model status, when all return paths agree on uninit/meta (or on initialized)."""
    if not returns or any(r is None for r in returns):
        return None
    kinds = {r.kind for r in returns}
    if all(r == CONSTRUCTED for r in returns):
        return CONSTRUCTED  # constructed: inside an empty-init context the caller's context decides
    if kinds <= {Kind.EAGER, Kind.LOADED}:
        return INITIALIZED  # built and initialized/loaded in the builder: tracked for later effects only
    if len(set(returns)) == 1 and returns[0].kind in (Kind.UNINIT, Kind.META):
        return returns[0]
    return None


def objs_in(val: Any, deep: bool = True, out=None) -> list:
    """``(oid, whole)`` of the objects a value holds (containers only when ``deep``)."""
    out = [] if out is None else out
    t = type(val)
    if t is Ref:
        out.append((val.oid, True))
    elif t is Part:
        out.append((val.oid, val.each))
    elif deep and t is Seq:
        for v in val.items:
            objs_in(v, True, out)
    elif deep and t is Mapping:
        for _k, v in val.items:
            objs_in(v, True, out)
    return out

"""What the INIT1xx analysis found, as typed events: no rule codes, no message text.

Each INIT1xx rule picks the events it reports (``facts.script.events``) and words them itself. Every event
carries the ``node`` a finding is placed on, the model's ``variable`` (its first name, None when it never had
one), and the conditions of the paths on which it happens (``conditions``: alternatives, each a tuple of
:class:`~initlint.facts.script.paths.Literal`; an empty tuple is "on every path"; hidden literals are for
pruning only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import libcst as cst

from .paths import Literal
from .values import Status


@dataclass(frozen=True)
class Event:
    #: where the finding is placed
    node: cst.CSTNode
    #: the model's variable (or ``self.attr``), None when it never had a name
    variable: Optional[str]


@dataclass(frozen=True)
class UninitializedAtTraining(Event):
    """A model whose memory is uninitialized (``status``) reaches ``training`` (a train call) on the paths
    ``conditions`` (only the literals that decide it: flipping them leads to a path that trained it initialized).
    ``node`` is the call that made it uninitialized."""

    status: Status
    training: cst.Call
    conditions: tuple[tuple[Literal, ...], ...]


@dataclass(frozen=True)
class InitInsideEmptyContext(Event):
    """An initialization (``node``) runs inside Fabric's ``init_module(empty_init=...)`` context ``context``."""

    context: cst.Call
    conditions: tuple[Literal, ...]


@dataclass(frozen=True)
class InitOnMeta(Event):
    """An initialization (``node``) of the whole model while its parameters are on the meta device (``status``),
    on a path where it was never anything else."""

    status: Status
    conditions: tuple[Literal, ...]


@dataclass(frozen=True)
class MaybeInitOnMeta(Event):
    """A call that may initialize (``init_states()``, ``node``) ran on the model while it was on the meta device
    (``status``), and the model later trained uninitialized."""

    status: Status
    conditions: tuple[Literal, ...]


@dataclass(frozen=True)
class NonStrictLoad(Event):
    """A non-strict load (``node``) whose result is ignored, into a model uninitialized there (``status``)."""

    status: Status
    conditions: tuple[Literal, ...]


@dataclass(frozen=True)
class InitAfterLoad(Event):
    """An initialization of the whole model (``node``) after the load ``load`` on the paths ``conditions``: the
    loaded weights are overwritten."""

    load: cst.Call
    conditions: tuple[Literal, ...]


# ----------------------------------------------------------------------------- materializers (materialize.py)
@dataclass(frozen=True)
class LeftUninitialized(Event):
    """A materializing function (``function``) empties its parameter ``variable`` with ``to_empty()`` (``node``)
    and leaves it uninitialized on the paths ``conditions`` out of the function (no initialization or load)."""

    function: cst.FunctionDef
    conditions: tuple[Literal, ...]


@dataclass(frozen=True)
class RankMaterializedUnsynced(Event):
    """``FSDP(..., param_init_fn=init_fn)`` (``node``, in ``function``) with ``sync_module_states`` off, where
    ``init_fn`` calls ``to_empty()`` on some ranks only and never initializes."""

    function: cst.FunctionDef
    init_fn: cst.BaseExpression


@dataclass(frozen=True)
class InitBeforeToEmpty(Event):
    """An initialization (``node``) of parameter ``variable`` before ``to_empty`` in the same block of
    ``function``, none after: ``to_empty()`` threw the initialized values away."""

    function: cst.FunctionDef
    to_empty: cst.Call

"""Path-sensitive states of model variables in training code: the analysis behind INIT101–INIT104.

The question: does a model built with deferred/empty initialization reach training on some path without
being initialized or loaded (the "fresh run" bug)? And on the way: initialization that cannot work (inside
the empty-init context, on meta tensors), non-strict loads into garbage, re-initialization after a load.

One abstract interpretation per function body, no generic visitor, no metadata. The package, one module per
responsibility:

* :mod:`.values`: typed abstract values (a model object, part of one, containers, same-file functions,
  checkpointers) and the :class:`~.values.Status` of a model on a path (eager, uninit, meta, loaded,
  partial, unknown, reported);
* :mod:`.paths`: a path's state and its condition (:class:`~.paths.Literal` conjunctions from enclosing
  tests), pruning, joining and bounding paths (toward silence), and which literals of a bug path decide it;
* :mod:`.interpreter`: statements, branches, loops, bindings, expressions and inlined same-file calls;
  :mod:`.calls`: what each call does to the models it touches;
* :mod:`.classes`: trainer classes run from their constructor, ``self.<attr>`` flowing between methods;
  :mod:`.crossfile`: inherited methods and ``cast(Base, model)`` methods judged by their bodies in other
  files, through the project index;
* :mod:`.driver`: the per-file :class:`~.driver.ScriptFacts` (gate, summaries of same-file functions, runs);
* :mod:`.materialize`: functions that materialize a module with ``to_empty()`` and hand it back
  uninitialized, judged from their summary runs (INIT105; an initialization before ``to_empty()``: INIT102);
* :mod:`.events`: what it found, as typed events with no rule codes and no text; each INIT1xx rule picks its
  events from ``facts.script.events`` and writes its own message;
* the names that initialize, load, train, empty or wrap are :mod:`initlint.facts.vocabulary`'s.

Precision first: whatever is not understood becomes *unknown*, and unknown is never reported.
"""

from __future__ import annotations

from .driver import ScriptFacts
from .events import (
    Event, InitAfterLoad, InitBeforeToEmpty, InitInsideEmptyContext, InitOnMeta, LeftUninitialized,
    MaybeInitOnMeta, NonStrictLoad, RankMaterializedUnsynced, UninitializedAtTraining,
)
from .paths import MAX_PATHS, Form, Literal
from .values import Kind, Origin, Status

__all__ = [
    "Event", "Form", "InitAfterLoad", "InitBeforeToEmpty", "InitInsideEmptyContext", "InitOnMeta", "Kind",
    "LeftUninitialized", "Literal", "MAX_PATHS", "MaybeInitOnMeta", "NonStrictLoad", "Origin",
    "RankMaterializedUnsynced", "ScriptFacts", "Status", "UninitializedAtTraining",
]

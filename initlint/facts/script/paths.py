"""Paths of the INIT1xx analysis: the state of every tracked variable and model on one path, and the
condition (a conjunction of :class:`Literal`) under which the path is taken.

Contradictory literals prune a path (``if resume: ...`` twice is one decision); an assignment to a name makes
later literals about it new ones (a literal's key carries the *generation* of each name it reads). Paths with
equal states whose conditions differ in one literal are merged (that literal did not matter); more than
:data:`MAX_PATHS` collapse into one path where disagreeing statuses become unknown (toward silence).
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple, Optional

import libcst as cst

from .values import CONSTRUCTED, UNKNOWN, Status

#: Paths kept per program point before merging toward silence.
MAX_PATHS = 32


class Form(enum.Enum):
    """What kind of test a literal stands for (a rule words it)."""

    TRUTH = "truth"  #: ``if x:`` / ``if f(x) == y:``
    NONE = "none"  #: ``if x is not None:`` (same decision as ``if x:``), worded as written
    LOOP = "loop"  #: the loop over ``node`` runs (or is empty)
    CKPT = "ckpt"  #: ``checkpointer.load(...)`` finds a checkpoint (or not: the fresh run)
    MATCH = "match"  #: ``match node: case <pattern>``

    __hash__ = object.__hash__  # (members are singletons; see values.Kind)


class Literal(NamedTuple):
    """One decision on a path: the test identified by ``key`` is ``positive`` (or not). (A named tuple: path
    conditions are compared on every merge.)"""

    #: ``(source text, ((name, generation), ...))``: the same text with the same assignments is the same decision
    key: tuple
    positive: bool
    #: the expression tested (how a message quotes it)
    node: cst.CSTNode
    form: Form
    #: kept for pruning later tests, left out of messages (an ``assert``, ``if bad: raise``)
    hidden: bool = False
    #: the pattern's text, for :attr:`Form.MATCH`
    pattern: Optional[str] = None

    @property
    def text(self) -> str:
        """The tested expression's source text."""
        return self.key[0]


_new_tuple = tuple.__new__


def literal(key: tuple, positive: bool, node, form: Form, pattern: Optional[str] = None) -> Literal:
    """A visible :class:`Literal` (built without the named tuple's keyword handling: this runs per test)."""
    return _new_tuple(Literal, (key, positive, node, form, False, pattern))


def hidden(lit: Literal) -> Literal:
    """A path literal kept for pruning, left out of messages."""
    return lit if lit.hidden else _new_tuple(Literal, (lit.key, lit.positive, lit.node, lit.form, True, lit.pattern))


class Path:
    """One path through the code being analysed."""

    __slots__ = ("env", "st", "eng", "cond", "gen", "meta", "attrs", "saved")

    def __init__(self, env, st, eng, cond, gen, meta, attrs=None) -> None:
        #: variable -> value
        self.env: dict[str, Any] = env
        #: model object id -> status
        self.st: dict[int, Status] = st
        #: objects engaged in training (wrapped, called, parameters taken, passed to the train call)
        self.eng: set[int] = eng
        #: the path condition
        self.cond: tuple[Literal, ...] = cond
        #: name -> generation (how often it was assigned): literals about a reassigned name are new ones
        self.gen: dict[str, int] = gen
        self.meta = meta  # torch.set_default_device("meta") call in force, or None
        #: ``(object id, attribute) -> value``: ``self.model = model``, ``cfg.init_device = "meta"``
        self.attrs: dict[tuple, Any] = {} if attrs is None else attrs
        #: callers' ``(variables, generations, constructed object)`` while a call runs inline (innermost last)
        self.saved: tuple = ()

    @classmethod
    def start(cls) -> "Path":
        """The path at the start of a body: nothing known."""
        return cls({}, {}, set(), (), {}, None)

    def fork(self) -> "Path":
        q = Path(dict(self.env), dict(self.st), set(self.eng), self.cond, dict(self.gen), self.meta,
                 dict(self.attrs))
        q.saved = self.saved
        return q

    def loose_key(self):
        """:meth:`key` without objects that were only constructed (nothing initialized, loaded or emptied them)."""
        plain = {oid for oid, st in self.st.items() if st == CONSTRUCTED}
        return (frozenset(self.env.items()), frozenset(i for i in self.st.items() if i[0] not in plain),
                frozenset(self.eng - plain), self.meta, frozenset(self.attrs.items()),
                tuple(id(f) for f in self.saved))

    def key(self):
        """The tracked state; generations of names are not part of it (see :func:`join_gen`)."""
        return (frozenset(self.env.items()), frozenset(self.st.items()), frozenset(self.eng),
                self.meta, frozenset(self.attrs.items()), tuple(id(f) for f in self.saved))

    def assume(self, lits) -> Optional["Path"]:
        """This path with ``lits`` added to its condition, or None when one contradicts it."""
        cond = self.cond
        for lit in lits:
            clash = False
            for old in cond:
                if old.key == lit.key:
                    if old.positive != lit.positive:
                        return None
                    clash = True
                    break
            if not clash:
                cond = cond + (lit,)
        self.cond = cond
        return self

    def fsdp(self) -> bool:
        """Does the condition say the strategy is FSDP (``isinstance(fabric.strategy, FSDPStrategy)``,
        ``fabric.is_fsdp``)? Fabric's ``setup()`` then materializes the empty model with ``reset_parameters()``."""
        return any(lit.positive and "fsdp" in lit.text.lower() for lit in self.cond)


def join_gen(paths) -> dict:
    """Generations after merging ``paths``: a name assigned differently on some of them is a new name after."""
    gen = dict(paths[0].gen)
    for q in paths[1:]:
        for k in set(gen) | set(q.gen):
            a, b = gen.get(k, 0), q.gen.get(k, 0)
            if a != b:
                gen[k] = max(a, b) + 1
    return gen


def restore_gen(q: Path, gen: dict) -> dict:
    """The caller's generations ``gen`` after an inlined call on ``q`` (names it reassigned are new)."""
    return join_gen([q, Path({}, {}, set(), (), gen, None)])


def simplify(paths: list) -> list:
    """Merge paths with equal states (see :func:`merge_group`), then :func:`bound` them."""
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
            merged = merge_group(group)
            changed = changed or len(merged) < len(group)
            result.extend(merged)
        paths = result
    return bound(paths)


def bound(paths: list) -> list:
    """At most :data:`MAX_PATHS` paths (per caller of an inlined call): merge toward silence."""
    if len(paths) <= MAX_PATHS:
        return paths
    groups: dict[tuple, list] = {}
    for q in paths:
        groups.setdefault(tuple(id(f) for f in q.saved), []).append(q)
    if len(groups) > 1:
        # paths inside an inlined call return to different callers: bounded per caller
        return [r for g in groups.values() for r in (bound(g) if len(g) > 1 else g)]
    # first merge paths that differ only in objects that were just constructed (datasets, samplers...)
    loose: dict[tuple, list] = {}
    for q in paths:
        loose.setdefault(q.loose_key(), []).append(q)
    if len(loose) <= MAX_PATHS:
        return [g[0] if len(g) == 1 else collapse(g) for g in loose.values()]
    return [collapse(paths)]


def collapse(paths: list) -> Path:
    """One path for ``paths``: what they disagree on becomes unknown, the condition their common prefix."""
    first = paths[0]
    env = {k: v for k, v in first.env.items() if all(q.env.get(k) == v for q in paths)}
    st: dict[int, Status] = {}
    for q in paths:
        for oid, s in q.st.items():
            st[oid] = s if st.get(oid, s) == s else UNKNOWN
    for oid in st:
        if any(q.st.get(oid) != st[oid] for q in paths):
            st[oid] = UNKNOWN
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
    merged = Path(env, st, eng, cond, gen, first.meta, attrs)
    merged.saved = first.saved
    return merged


def merge_group(group: list) -> list:
    """Paths with equal states: drop duplicates; merge conditions that differ in one literal's polarity."""
    uniq: dict[tuple, Path] = {}
    for p in group:
        first = uniq.setdefault(tuple((lit.key, lit.positive) for lit in p.cond), p)
        if first is not p:
            first.gen = join_gen([first, p])
    items = list(uniq.values())
    merged = True
    while merged and len(items) > 1:
        merged = False
        for i in range(len(items)):
            for j in range(i + 1, len(items)):
                a, b = items[i].cond, items[j].cond
                if len(a) != len(b):
                    continue
                diff = [k for k in range(len(a)) if (a[k].key, a[k].positive) != (b[k].key, b[k].positive)]
                if len(diff) == 1 and a[diff[0]].key == b[diff[0]].key:
                    k = diff[0]
                    items[i].cond = a[:k] + a[k + 1:]
                    items[i].gen = join_gen([items[i], items[j]])
                    del items[j]
                    merged = True
                    break
            if merged:
                break
    return items


# ----------------------------------------------------------------------------- conditions of findings
def deciding(cond: tuple, safe: list) -> tuple:
    """The literals of a bug path's ``cond`` that decide it.

    A literal decides when flipping it alone leads to a path (in ``safe``) where the model reached training
    initialized; when no literal does on its own, the literals are taken in order, each one flipped on some
    safe path that agrees with the ones kept so far.
    """
    pols = [{o.key: o.positive for o in other} for other in safe]
    alone = tuple(
        lit for lit in cond
        if any(ps.get(lit.key, lit.positive) != lit.positive
               and all(ps.get(o.key, o.positive) == o.positive for o in cond if o.key != lit.key) for ps in pols)
    )
    if alone:
        return alone
    kept: list = []
    for lit in cond:
        for ps in pols:
            if ps.get(lit.key, lit.positive) != lit.positive and all(
                    ps.get(k.key, k.positive) == k.positive for k in kept):
                kept.append(lit)
                break
    return tuple(kept)


def merge_conds(conds: list) -> list:
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
                diff = [k for k in range(len(a)) if (a[k].text, a[k].positive) != (b[k].text, b[k].positive)]
                if len(diff) == 1 and a[diff[0]].text == b[diff[0]].text:
                    del a[diff[0]]
                    del items[j]
                    merged = True
                    break
            if merged:
                break
    return [tuple(c) for c in items]

"""Maps keyed by an object's identity that hold no strong reference to it (tensors, modules).

``weakref.WeakKeyDictionary`` hashes its keys by value, which tensors do not allow; these maps key by ``id()``
and drop an entry when its key is collected. Used by :mod:`initguard.provenance` for its records.
"""

from __future__ import annotations

import weakref

__all__ = ["KeyRef", "WeakIdMap"]


class KeyRef(weakref.ref):
    """A weakref that knows the ``id()`` its referent had (to find its entry once the referent is gone)."""

    __slots__ = ("k",)


class WeakIdMap:
    """``key -> value`` by identity, holding ``key`` weakly; an entry goes when its key dies.

    Like ``torch.utils.weak.WeakIdKeyDictionary``, but a lookup creates no weakref and runs no Python
    ``__hash__``/``__eq__`` (``id()`` keys): registering a tensor costs a few dict operations instead of ~10
    Python calls. ``put`` returns the entry's weakref, which callers keep instead of making another one.
    """

    __slots__ = ("_d",)

    def __init__(self):
        self._d: dict = {}  # id(key) -> (weakref(key), value)

    def entry(self, key):
        """``(weakref, value)`` for ``key``, or None."""
        e = self._d.get(id(key))
        if e is not None and e[0]() is key:
            return e
        return None

    def get(self, key, default=None):
        e = self._d.get(id(key))
        if e is not None and e[0]() is key:
            return e[1]
        return default

    def put(self, key, value):
        """Map ``key`` to ``value``; returns the weakref to ``key`` that the entry holds."""
        k = id(key)
        d = self._d
        e = d.get(k)
        if e is not None and e[0]() is key:
            r = e[0]
        else:
            r = KeyRef(key, self._drop)
            r.k = k
        d[k] = (r, value)
        return r

    def _drop(self, ref) -> None:
        """Weakref callback: ``ref``'s key died; drop its entry (unless the id already maps to a new key)."""
        d = self._d
        e = d.get(ref.k)
        if e is not None and e[0] is ref:
            d.pop(ref.k, None)
            self.on_drop(e[1])

    def on_drop(self, value) -> None:
        """Called with an entry's value after its key died and the entry left the map (subclasses override)."""

    def discard(self, key) -> None:
        """Remove ``key``'s entry, if it has one (by identity)."""
        if self.entry(key) is not None:
            self._d.pop(id(key), None)

    def __contains__(self, key) -> bool:
        return self.entry(key) is not None

    def __len__(self) -> int:
        return sum(1 for r, _ in list(self._d.values()) if r() is not None)

"""The project index: what other files of the project (and installed libraries) say about a linted file.

One file per responsibility:

* :mod:`.resolver` — import name -> source file (read as text, never imported);
* :mod:`.summaries` — per module, a JSON-serializable summary of its classes and init functions;
* :mod:`.cache` — the on-disk summary cache shared by the CLI, ``-j`` workers and the flake8 plugin;
* :mod:`.index` — :class:`~.index.ProjectIndex`, which the module facts query lazily.

Everything here answers "unknown" (``None``) when it cannot tell, and callers stay silent on unknown.
"""

from __future__ import annotations

__all__ = ["ProjectIndex", "ModuleResolver", "get_index"]


def __getattr__(name):  # lazy: importing the package must not import libcst
    if name in ("ProjectIndex", "get_index"):
        from . import index

        return getattr(index, name)
    if name == "ModuleResolver":
        from .resolver import ModuleResolver

        return ModuleResolver
    raise AttributeError(name)

"""Shared analysis, computed at most once per file and queried by every rule.

``FileFacts`` parses lazily and exposes each kind of fact as a cached property, so a rule that needs
only module facts never pays for script flow analysis, and no rule walks the tree on its own.
"""

from __future__ import annotations

from functools import cached_property

from typing import TYPE_CHECKING

from ..config import Config

if TYPE_CHECKING:  # libcst is imported only once a file passed the prefilter
    import libcst as cst

    from .imports import Imports


class FileFacts:
    """Everything rules may ask about one parsed file."""

    def __init__(self, module: "cst.Module", path: str, config: Config, file_line=None, origin=None) -> None:
        self.module = module
        self.path = path
        self.config = config
        #: maps a line of ``module`` to the file's line when ``module`` was parsed from a slice
        self.file_line = file_line
        #: the file on disk the source came from (None: not known), from which imports are resolved
        self.origin = origin if origin is not None else (path if _is_file(path) else None)

    @cached_property
    def project(self):
        """The :class:`~initlint.project.index.ProjectIndex` for this file (None when the file is not on disk,
        or ``INITLINT_NO_INDEX=1`` is set).

        Classes and init functions of other files (bases, re-exports, the models that initialize a layer
        class) are read from there, lazily; see :mod:`initlint.project`.
        """
        if self.origin is None:
            return None
        import os

        if os.environ.get("INITLINT_NO_INDEX", "") not in ("", "0"):
            return None  # one file at a time, as before the index (benchmarks compare both)
        from ..project.index import get_index

        index = get_index()
        index.begin()
        return index

    @cached_property
    def imports(self) -> "Imports":
        from .imports import Imports

        return Imports(self.module)

    @cached_property
    def modules(self):
        """nn.Module classes, their parameters and init coverage (INIT0xx)."""
        from .modules import ModuleFacts

        return ModuleFacts(self)

    @cached_property
    def script(self):
        """Path-sensitive states of model variables in training code (INIT1xx)."""
        from .script import ScriptFacts

        return ScriptFacts(self)

    @cached_property
    def positions(self):
        """node -> libcst CodeRange for the whole file. About one parse's cost: ask only when reporting.

        Lines are the file's (see :class:`initlint.slicing.Slice`), whether or not the module was sliced.

        The provider's code-generation pass is run directly: ``MetadataWrapper.resolve`` first runs a visit
        that rebuilds every node, which gives the same positions for 40-50% more CPU (measured on
        torch's ``distributed_test.py``: 1.6-2.2 s instead of 3.3-3.7 s). If libcst's internals change,
        the public API is used.
        """
        from libcst.metadata import MetadataWrapper, PositionProvider

        try:
            try:
                provider = PositionProvider()
                provider._gen_impl(self.module)
                computed = provider._computed
                if not isinstance(computed, dict):  # pragma: no cover - libcst internals moved
                    raise AttributeError("_computed")
            except AttributeError:  # pragma: no cover - libcst internals moved
                computed = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        except RecursionError:
            return {}
        return computed if self.file_line is None else _FileLines(computed, self.file_line)


def _is_file(path) -> bool:
    import os

    try:
        return bool(path) and not str(path).startswith("<") and os.path.isfile(path)
    except (OSError, ValueError, TypeError):
        return False


class _FileLines:
    """A sliced module's positions with the file's line numbers, mapped when asked (``get`` is all rules use)."""

    __slots__ = ("_positions", "_line")

    def __init__(self, positions, file_line) -> None:
        self._positions = positions
        self._line = file_line

    def get(self, node, default=None):
        r = self._positions.get(node)
        if r is None:
            return default
        from libcst.metadata import CodePosition, CodeRange

        line = self._line
        return CodeRange(CodePosition(line(r.start.line), r.start.column), CodePosition(line(r.end.line), r.end.column))

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

    def __init__(self, module: "cst.Module", path: str, config: Config) -> None:
        self.module = module
        self.path = path
        self.config = config

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
        from .flow import ScriptFacts

        return ScriptFacts(self)

    @cached_property
    def positions(self):
        """node -> libcst CodeRange for the whole file. About one parse's cost: ask only when reporting."""
        from libcst.metadata import MetadataWrapper, PositionProvider

        try:
            return MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        except RecursionError:
            return {}

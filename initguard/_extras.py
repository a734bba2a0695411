"""Optional dependencies of initguard: import one, or explain which ``initcheck`` extra provides it.

The linter installs without torch; the guard needs the ``guard`` extra (torch), figures the ``plot`` extra
(matplotlib) and ``.safetensors`` files the ``safetensors`` extra. A missing one must be named as such, not
surface as ``No module named 'torch'`` from deep inside a load.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Extra:
    """An optional dependency: the module to import, the distribution to install and the extra that has it."""

    module: str
    package: str
    extra: str


TORCH = Extra("torch", "torch", "guard")
MATPLOTLIB = Extra("matplotlib", "matplotlib", "plot")
SAFETENSORS = Extra("safetensors.torch", "safetensors", "safetensors")


class MissingExtra(ImportError):
    """An optional dependency is not installed (or cannot be imported); the message names the extra."""

    def __init__(self, extra: Extra, purpose: str, cause: ImportError):
        self.extra = extra
        self.purpose = purpose
        missing = isinstance(cause, ModuleNotFoundError) and (cause.name or "").split(".")[0] == extra.package
        if missing:
            what = f"{extra.package} is not installed in this environment"
        else:
            what = f"{extra.package} is installed but cannot be imported ({type(cause).__name__}: {cause})"
        super().__init__(
            f"{purpose} needs {extra.package}, and {what}. Install {extra.package} "
            f"(the `{extra.extra}` extra of initcheck) into the environment that runs initguard.",
            name=extra.module,
        )


def require(extra: Extra, purpose: str) -> ModuleType:
    """Import ``extra.module`` and return it; raise :class:`MissingExtra` (an ``ImportError``) saying that
    ``purpose`` needs it and which ``initcheck`` extra installs it."""
    try:
        return importlib.import_module(extra.module)
    except ImportError as e:
        raise MissingExtra(extra, purpose, e) from e

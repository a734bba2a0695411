"""The rule catalogue: every module in this package named ``init<NNN>_*.py`` holds one rule class.

A new rule is one new file (and its cases, ``init<NNN>_*.toml`` beside it: see :mod:`.base`); it is discovered
here, ordered by code. Discovery reads no cases file: ``Rule.invalid`` / ``Rule.valid`` read it on first access.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import Rule

_CODE_PREFIX = "init"


def _discover() -> tuple[type[Rule], ...]:
    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith(_CODE_PREFIX):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.code:
                if value.__module__ == module.__name__:
                    found.append(value)
    found.sort(key=lambda r: r.code)
    codes = [r.code for r in found]
    assert len(codes) == len(set(codes)), f"duplicate rule codes: {codes}"
    return tuple(found)


ALL_RULES: tuple[type[Rule], ...] = _discover()
RULES_BY_CODE: dict[str, type[Rule]] = {r.code: r for r in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Rule"]

"""Map ``(importing file, dotted module name, relative level)`` to a source file, without importing anything.

Search roots, in order: for relative imports the importing file's package; for absolute imports the linted
file's project (the directory above its top-level package, i.e. the first ancestor without ``__init__.py``;
a ``src/`` directory beside ``pyproject.toml``/``setup.cfg``/``.git``; that marker directory itself), then the
running interpreter's ``sys.path`` entries that are ``site-packages``/``dist-packages`` (the standard library
is not read). Namespace packages (directories without ``__init__.py``) are walked through. ``.pyi`` stubs are
ignored (they hold no code). Answers are memoized per process; an unresolvable name gives ``None``.
"""

from __future__ import annotations

import os
import sys
from typing import Optional

_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


class ModuleResolver:
    """Resolve module names to ``.py`` files (see the module docstring)."""

    def __init__(self, sys_path: Optional[list[str]] = None) -> None:
        # installed packages only: the standard library holds no nn.Module classes worth reading
        self.sys_path = [os.path.abspath(p) for p in (sys.path if sys_path is None else sys_path)
                         if isinstance(p, str) and p and os.path.isdir(p)
                         and (sys_path is not None or os.path.basename(p) in ("site-packages", "dist-packages"))]
        self._roots: dict[str, tuple[str, ...]] = {}
        self._memo: dict[tuple, Optional[str]] = {}

    # ------------------------------------------------------------------ roots
    def project_roots(self, file: str) -> tuple[str, ...]:
        """Directories an absolute import in ``file`` is looked up in, before ``sys.path``."""
        directory = os.path.dirname(os.path.abspath(file))
        cached = self._roots.get(directory)
        if cached is not None:
            return cached
        roots: list[str] = []
        top = directory
        while os.path.isfile(os.path.join(top, "__init__.py")):
            parent = os.path.dirname(top)
            if parent == top:
                break
            top = parent
        roots.append(top)
        probe = top
        for _ in range(8):  # the project directory: pyproject.toml / setup.cfg / .git, with an optional src/
            if any(os.path.exists(os.path.join(probe, m)) for m in _MARKERS):
                src = os.path.join(probe, "src")
                for candidate in (src, probe):
                    if os.path.isdir(candidate) and candidate not in roots:
                        roots.append(candidate)
                break
            parent = os.path.dirname(probe)
            if parent == probe:
                break
            probe = parent
        out = tuple(roots)
        self._roots[directory] = out
        return out

    # ------------------------------------------------------------------ lookup
    def resolve(self, file: str, module: str, level: int = 0) -> Optional[str]:
        """Source file of ``module`` imported from ``file`` (``level`` leading dots), or None."""
        key = (os.path.dirname(os.path.abspath(file)), module, level)
        if key in self._memo:
            return self._memo[key]
        parts = [p for p in module.split(".") if p]
        found: Optional[str] = None
        if level > 0:
            base = os.path.dirname(os.path.abspath(file))
            for _ in range(level - 1):
                base = os.path.dirname(base)
            found = _find(base, parts)
        elif parts:
            for root in self.project_roots(file) + tuple(self.sys_path):
                found = _find(root, parts)
                if found is not None:
                    break
        self._memo[key] = found
        return found


def _find(root: str, parts: list[str]) -> Optional[str]:
    """``root/a/b.py`` or ``root/a/b/__init__.py`` for ``parts = [a, b]``; ``[]``: the package at ``root``."""
    if not parts:
        init = os.path.join(root, "__init__.py")
        return init if os.path.isfile(init) else None
    directory = os.path.join(root, *parts[:-1])
    if not os.path.isdir(directory):
        return None
    leaf = os.path.join(directory, parts[-1])
    if os.path.isfile(leaf + ".py"):
        return leaf + ".py"
    init = os.path.join(leaf, "__init__.py")
    if os.path.isfile(init):
        return init
    return None

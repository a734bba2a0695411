"""Which files to lint: walk the paths given on the command line, skipping what never holds user code.

Every file is named twice:

* ``display``: the path as the user gave it (joined with the names found below it), printed in output;
* ``key``: the path relative to the project root with forward slashes (absolute when outside the root).
  Exclude globs, per-file ignores and the cache all use the key, so they behave the same whichever
  directory initlint is started from.

Rules, in order:

* a path named explicitly on the command line that is a file is always linted, whatever its suffix
  (pre-commit passes files), unless ``force_exclude`` is set and it is excluded;
* inside directories only ``*.py`` and ``*.pyi`` files are linted; directories in :data:`SKIP_DIRS`, any
  directory holding a ``pyvenv.cfg`` (a virtualenv), and anything matching the exclude globs are pruned;
* symlinked directories are not followed (no cycles); a file reached twice is linted once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Iterator

from .config import path_matches

#: Directory names never descended into while walking (VCS, virtualenvs, caches, build output).
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".jj",
        "_darcs",
        "CVS",
        ".venv",
        "venv",
        "__pycache__",
        "build",
        "dist",
        ".tox",
        ".nox",
        ".eggs",
        "node_modules",
        "site-packages",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".initlint_cache",
    }
)

#: Suffixes linted when walking a directory.
SUFFIXES = (".py", ".pyi")


class PathNotFound(Exception):
    """A path given on the command line does not exist (a usage error: exit 2)."""


@dataclass(frozen=True)
class SourceFile:
    """One file to lint: how to print it and how to key it (see the module docstring)."""

    display: str
    key: str


def project_key(path: str, root: str) -> str:
    """``path`` relative to ``root`` with forward slashes, or absolute (forward slashes) when outside."""
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, root)
    except ValueError:  # pragma: no cover - another drive on Windows
        rel = absolute
    if rel == os.curdir:
        rel = ""
    elif rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        rel = absolute
    return rel.replace(os.sep, "/")


def _join_key(key: str, name: str) -> str:
    return f"{key}/{name}" if key else name


def _excluded(key: str, patterns: tuple[str, ...]) -> bool:
    return bool(patterns) and path_matches(key, patterns)


def _ancestors_excluded(key: str, patterns: tuple[str, ...], is_dir: bool = False) -> bool:
    """True when ``key`` or one of its parent directories is skipped or excluded."""
    parts = key.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        if (i < len(parts) or is_dir) and parts[i - 1] in SKIP_DIRS:
            return True
        if _excluded(prefix, patterns):
            return True
    return False


def discover(
    paths: Iterable[str],
    root: str,
    exclude: Iterable[str] = (),
    force_exclude: bool = False,
) -> list[SourceFile]:
    """Files to lint under ``paths``, deduplicated, in a stable order.

    ``root`` is the project root (absolute) that keys and exclude globs are relative to. Raises
    :class:`PathNotFound` for a path that does not exist, before anything is linted.
    """
    root = os.path.abspath(root)
    patterns = tuple(exclude)
    paths = list(paths)
    for path in paths:
        if not os.path.exists(path) and not os.path.islink(path):  # a broken link is reported as unreadable
            raise PathNotFound(path)
    seen: set[str] = set()
    found: list[SourceFile] = []
    for path in paths:
        key = project_key(path, root)
        if os.path.isdir(path):
            if force_exclude and key and _ancestors_excluded(key, patterns, is_dir=True):
                continue
            for item in _walk(path, key, patterns):
                if item.key not in seen:
                    seen.add(item.key)
                    found.append(item)
        else:
            if force_exclude and _ancestors_excluded(key, patterns):
                continue
            if key not in seen:
                seen.add(key)
                found.append(SourceFile(path, key))
    return found


def _walk(top: str, top_key: str, patterns: tuple[str, ...]) -> Iterator[SourceFile]:
    """Depth-first walk with ``os.scandir`` (one system call per directory, no extra stats)."""
    stack = [(top, top_key)]
    while stack:
        directory, dir_key = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # unreadable directory: nothing to lint there
        if directory is not top and any(e.name == "pyvenv.cfg" for e in entries):
            continue  # a virtualenv
        subdirs = []
        for entry in entries:
            name = entry.name
            key = _join_key(dir_key, name)
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if name in SKIP_DIRS or _excluded(key, patterns):
                    continue
                subdirs.append((os.path.join(directory, name), key))
            elif name.endswith(SUFFIXES):
                try:
                    # a broken symbolic link is yielded: reading it fails and it is reported (INIT901), not skipped
                    if not entry.is_file() and not (entry.is_symlink() and not os.path.exists(entry.path)):
                        continue
                except OSError:
                    continue
                if not _excluded(key, patterns):
                    yield SourceFile(os.path.join(directory, name), key)
        stack.extend(reversed(subdirs))

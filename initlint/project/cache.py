"""On-disk cache of module summaries, shared by the CLI, its ``-j`` workers and the flake8 plugin.

Key: sha256 of the file's bytes + the initlint engine hash (version and source of the package, see
:func:`initlint.cache.engine_hash`) + :data:`~.summaries.SUMMARY_FORMAT`. Directory: ``$INITLINT_CACHE_DIR/summaries``,
else ``$XDG_CACHE_HOME/initlint/summaries`` (``~/.cache/initlint/summaries``). ``INITLINT_NO_CACHE=1`` disables it.
One JSON file per summary, written atomically (temporary file + ``os.replace``), so concurrent writers are
safe; an unreadable or corrupt entry is ignored and recomputed; an unwritable directory only costs speed.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from typing import Any, Optional

from ..cache import CACHE_DIR_ENV, NO_CACHE_ENV

_engine: list[str] = []


def summary_dir() -> Optional[str]:
    """Where summaries are kept, or None when caching is disabled."""
    if os.environ.get(NO_CACHE_ENV, "") not in ("", "0"):
        return None
    base = os.environ.get(CACHE_DIR_ENV)
    if base:
        return os.path.join(os.path.abspath(base), "summaries")
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "initlint", "summaries")


def _engine_key() -> str:
    if not _engine:
        from ..cache import engine_hash
        from .summaries import SUMMARY_FORMAT

        _engine.append(f"{SUMMARY_FORMAT}-{engine_hash()[:16]}")
    return _engine[0]


def file_key(data: bytes) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(data).hexdigest()


class SummaryCache:
    """Read and write summaries by content hash (see the module docstring)."""

    def __init__(self, directory: Optional[str] = None, enabled: bool = True) -> None:
        self.directory = (directory or summary_dir()) if enabled else None
        self.hits = 0
        self.misses = 0

    def _path(self, sha: str, part: Optional[str] = None) -> Optional[str]:
        if self.directory is None:
            return None
        return os.path.join(self.directory, _engine_key(), sha[:2], sha + (f".{part}" if part else "") + ".json")

    def get(self, sha: str, part: Optional[str] = None) -> Optional[dict[str, Any]]:
        """The whole summary of the file with this hash, or one ``part`` of it (``"head"``, ``"class-<name>"``:
        see :func:`~.summaries.summarize_head`, :func:`~.summaries.summarize_class`;
        ``"script-<variant>-<path>-<name>"``: :meth:`~.index.ProjectIndex.script_summary`)."""
        path = self._path(sha, part)
        if path is None:
            return None
        try:
            with open(path, "rb") as fh:
                data = json.loads(fh.read())
        except (OSError, ValueError, RecursionError):
            self.misses += 1
            return None
        field = "classes" if part in (None, "head") else "deps" if part.startswith("script-") else "methods"
        if not isinstance(data, dict) or not isinstance(data.get(field), dict):
            self.misses += 1
            return None
        self.hits += 1
        return data

    def put(self, sha: str, summary: dict[str, Any], part: Optional[str] = None) -> None:
        path = self._path(sha, part)
        if path is None:
            return
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".s-", suffix=".tmp", dir=os.path.dirname(path))
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(json.dumps(summary, separators=(",", ":")))  # C encoder; json.dump streams in Python
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, TypeError, ValueError):
            pass

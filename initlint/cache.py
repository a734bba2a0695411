"""Result cache: a file whose bytes, settings and initlint code are unchanged is not linted again.

Validity is decided by content, never by time stamps alone:

* ``engine`` = hash of initlint's version, the source of every module in the ``initlint`` package (rules,
  facts, engine: editing a rule invalidates everything) and libcst's version. A different engine discards
  the whole cache;
* per file, the entry holds the blake2b hash of the file's bytes, a hash of ``Config.fingerprint()`` and
  the findings (after ``# noqa``). A hit needs both hashes to match.

Reading every file is the main cost of a warm run, so an entry also remembers ``(mtime_ns, size)`` of the
bytes it hashed: when both are unchanged the file is not even opened. A stat is only remembered when the
file's mtime is safely in the past (two seconds), so an edit within the file system's time-stamp
granularity cannot hide behind an unchanged stat ("racily clean", as git calls it). When the stat differs,
the file is read and hashed and, if the bytes are the same, the old findings are reused.

Storage: one JSON file (``<cache-dir>/v1.json``), written atomically (temporary file + ``os.replace``) under
an advisory lock, merged with what a concurrent run (pre-commit runs several) wrote meanwhile. Entries for
files that no longer exist are pruned when saving and the entry count is capped. A missing, corrupt or
foreign cache file is ignored and rebuilt; an unwritable cache directory only costs speed. Only the
parent process reads or writes the cache; ``-j`` workers just return results.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from typing import Optional

#: Bump when the layout of the cache file changes.
FORMAT = 1
#: Name of the cache file inside the cache directory.
FILENAME = f"v{FORMAT}.json"
#: At most this many entries are kept (the least recently used go first).
MAX_ENTRIES = 100_000
#: A stat is trusted only when the file's mtime is at least this old when it was hashed.
RACY_NS = 2_000_000_000

#: Environment variable that overrides the default cache directory (findings cache and summaries).
CACHE_DIR_ENV = "INITLINT_CACHE_DIR"
#: Environment variable that disables the project index's summary cache when set to a non-empty value but 0.
NO_CACHE_ENV = "INITLINT_NO_CACHE"
#: The findings cache's default directory, inside the project root.
DEFAULT_CACHE_DIR = ".initlint_cache"

#: ``[line, col, code, message]`` lists, as stored, with the finding's ``fix`` as a fifth item when it has one.
Rows = list


def content_hash(data: bytes) -> str:
    """The cache key of a file's bytes."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def config_hash(fingerprint: str) -> str:
    """Short hash of ``Config.fingerprint()``."""
    return hashlib.blake2b(fingerprint.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def engine_hash(package: Optional[str] = None) -> str:
    """Hash of everything in initlint that can change findings: version, the source of every module in
    ``package`` (default: the installed ``initlint`` package, rules included) and libcst's version."""
    from . import __version__

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{FORMAT}|{__version__}|{sys.version_info[:2]}".encode())
    package = package or os.path.dirname(os.path.abspath(__file__))
    sources = []
    for directory, dirnames, filenames in os.walk(package):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        sources.extend(os.path.join(directory, f) for f in filenames if f.endswith(".py"))
    for path in sorted(sources):
        h.update(os.path.relpath(path, package).encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as fh:
                h.update(fh.read())
        except OSError:
            h.update(b"?")
    h.update(_libcst_version())
    return h.hexdigest()


def _libcst_version() -> bytes:
    """libcst's version file, read without importing libcst (it is slow to import)."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("libcst")
        if spec is None or not spec.origin:
            return b"no-libcst"
        with open(os.path.join(os.path.dirname(spec.origin), "_version.py"), "rb") as fh:
            return fh.read()
    except (OSError, ImportError, ValueError):
        return b"libcst-unknown"


class Cache:
    """The cache of one project. Use :meth:`load`, then :meth:`lookup` / :meth:`store`, then :meth:`save`.

    Keys are the project-relative file keys from :mod:`initlint.discovery`; they are resolved against
    ``root`` when pruning entries of deleted files.
    """

    def __init__(self, directory: str, root: str, engine: str, settings: str) -> None:
        self.directory = directory
        self.root = root
        self.engine = engine
        self.settings = settings
        self.path = os.path.join(directory, FILENAME)
        self.entries: dict[str, list] = {}
        self.touched: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.problem: Optional[str] = None  # why the cache could not be read or written (for --verbose)
        self._today = int(time.time() // 86400)

    # ------------------------------------------------------------------ reading
    @classmethod
    def load(cls, directory: str, root: str, engine: str, settings: str) -> "Cache":
        """Open the cache in ``directory``; a missing or unreadable file gives an empty cache."""
        cache = cls(directory, root, engine, settings)
        cache.entries = cache._read()
        return cache

    def _read(self) -> dict[str, list]:
        try:
            with open(self.path, "rb") as fh:
                data = json.loads(fh.read())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as exc:
            self.problem = f"ignored unreadable cache {self.path}: {exc}"
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("engine") != self.engine:
            return {}
        entries = data.get("files")
        if not isinstance(entries, dict):
            return {}
        return {k: v for k, v in entries.items() if _valid_entry(v)}

    def lookup(self, key: str, stat: Optional[tuple[int, int]]) -> tuple[Optional[Rows], Optional[str]]:
        """``(rows, None)`` on a hit by stat; ``(None, sha)`` when only the content hash can tell;
        ``(None, None)`` on a miss. Entry layout: ``[sha, mtime_ns, size, settings, day, rows]``, plus
        ``{path: sha256}`` of the other files the project index consulted: if one of them changed (or is gone),
        the entry is a miss."""
        entry = self.entries.get(key)
        if entry is None or entry[3] != self.settings:
            return None, None
        if len(entry) > 6 and entry[6] and not self._deps_unchanged(entry[6]):
            return None, None
        if stat is not None and entry[1] is not None and entry[1] == stat[0] and entry[2] == stat[1]:
            entry[4] = self._today
            self.touched.add(key)
            return entry[5], None
        return None, entry[0]

    def _deps_unchanged(self, deps: dict) -> bool:
        memo = self.__dict__.setdefault("_dep_memo", {})
        for path, sha in deps.items():
            current = memo.get(path)
            if current is None:
                try:
                    with open(path, "rb") as fh:
                        current = hashlib.sha256(fh.read()).hexdigest()
                except OSError:
                    current = "?"
                memo[path] = current
            if current != sha:
                return False
        return True

    def deps(self, key: str) -> Optional[dict]:
        """The consulted files recorded with ``key``'s entry (None: none)."""
        entry = self.entries.get(key)
        return entry[6] if entry is not None and len(entry) > 6 else None

    def rows(self, key: str) -> Rows:
        """The stored findings of ``key`` (after :meth:`lookup` returned its sha and the sha matched)."""
        return self.entries[key][5]

    def store(self, key: str, sha: str, stat: Optional[tuple[int, int]], hashed_at_ns: int, rows: Rows,
              deps: Optional[dict] = None) -> None:
        """Remember the findings of ``key`` whose bytes hash to ``sha`` (``stat`` taken before reading);
        ``deps``: ``{path: sha256}`` of the other files they depend on."""
        mtime, size = (stat if stat is not None else (None, None))
        if mtime is not None and hashed_at_ns - mtime < RACY_NS:
            mtime, size = None, None  # too fresh to trust the stat next time; the content hash still works
        self.entries[key] = [sha, mtime, size, self.settings, self._today, rows]
        if deps:
            self.entries[key].append(dict(deps))
        self.touched.add(key)

    # ------------------------------------------------------------------ writing
    def save(self) -> None:
        """Merge with the file on disk, prune, and write atomically. Never raises for I/O problems."""
        if not self.touched:
            return
        try:
            os.makedirs(self.directory, exist_ok=True)
            _mark_cache_dir(self.directory)
            with _Lock(os.path.join(self.directory, "lock")):
                on_disk = self._read()
                merged = {k: v for k, v in on_disk.items() if k not in self.touched}
                for key, entry in self.entries.items():
                    if key in self.touched or key not in merged:
                        merged[key] = entry
                merged = self._prune(merged)
                payload = json.dumps(
                    {"format": FORMAT, "engine": self.engine, "files": merged},
                    separators=(",", ":"),
                    ensure_ascii=True,
                ).encode("ascii")
                fd, tmp = tempfile.mkstemp(prefix=".v1-", suffix=".tmp", dir=self.directory)
                try:
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(payload)
                    os.chmod(tmp, 0o666 & ~_umask())
                    os.replace(tmp, self.path)
                except BaseException:
                    _unlink(tmp)
                    raise
        except OSError as exc:
            self.problem = f"could not write cache {self.path}: {exc}"

    def _prune(self, entries: dict[str, list]) -> dict[str, list]:
        kept = {}
        for key, entry in entries.items():
            if key in self.touched or os.path.exists(key if os.path.isabs(key) else os.path.join(self.root, key)):
                kept[key] = entry
        if len(kept) > MAX_ENTRIES:
            newest = sorted(kept, key=lambda k: (k in self.touched, kept[k][4]), reverse=True)[:MAX_ENTRIES]
            kept = {k: kept[k] for k in newest}
        return kept


def _valid_entry(entry) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) in (6, 7)
        and (len(entry) == 6 or (isinstance(entry[6], dict)
                                 and all(isinstance(k, str) and isinstance(v, str) for k, v in entry[6].items())))
        and isinstance(entry[0], str)
        and isinstance(entry[3], str)
        and isinstance(entry[4], int)
        and isinstance(entry[5], list)
        and all(_valid_row(r) for r in entry[5])
    )


def _valid_row(row) -> bool:
    return (
        isinstance(row, list)
        and len(row) in (4, 5)
        and isinstance(row[0], int)
        and isinstance(row[1], int)
        and isinstance(row[2], str)
        and isinstance(row[3], str)
        and (len(row) == 4 or isinstance(row[4], str))
    )


def _mark_cache_dir(directory: str) -> None:
    """Keep the cache out of git and backups, as pytest and ruff do."""
    for name, text in (
        (".gitignore", "# Created by initlint automatically.\n*\n"),
        ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n# initlint result cache\n"),
    ):
        path = os.path.join(directory, name)
        if not os.path.exists(path):
            try:
                with open(path, "w", encoding="ascii") as fh:
                    fh.write(text)
            except OSError:
                pass


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class _Lock:
    """An advisory exclusive lock on a file (a no-op where ``fcntl`` does not exist)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: Optional[int] = None

    def __enter__(self) -> "_Lock":
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing releases the lock

"""Linting files, not sources: the layer the ``initlint`` command and the public Python API share.

:func:`lint_source` and :func:`lint_file` are the public API: the engine's findings with ``# noqa`` applied
(the flake8 plugin calls the engine directly, because flake8 applies ``# noqa`` itself). :func:`lint_files`
runs many files: it reads bytes (a file that cannot be read is one ``INIT901``, through :func:`unreadable`),
hashes them for the result cache, and lints what the cache cannot answer, here or in a pool of worker
processes that receive paths (never contents), in size-ordered chunks. Ctrl-C stops the pool at once.

Per-file ignores and ``--select``/``--ignore`` are :class:`~initlint.config.Config`'s business, so every
path through here honours them the same way.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, replace
from typing import Iterator, Optional, Sequence

from .cache import CACHE_DIR_ENV, DEFAULT_CACHE_DIR  # noqa: F401 - re-exported (the CLI imports them here)
from .codes import PARSE_ERROR
from .config import Config
from .finding import Finding

#: A finding as stored in the cache and sent back by workers: ``[line, col, code, message]``.
Row = list

#: Non-empty once SIGINT arrived (the command's handler appends to it). A KeyboardInterrupt raised while
#: libcst's native parser calls back into Python can come out as a parse error, so the file loop checks it.
interrupted: list[bool] = []


# ---------------------------------------------------------------------- one file
def lint_source(source: bytes | str, path: str = "<string>", config: Optional[Config] = None, *,
                origin: Optional[str] = None) -> list[Finding]:
    """Lint one file's contents and drop what its ``# noqa`` comments silence. Never raises.

    ``source`` may be bytes (encoding declarations and BOMs are honoured) or text. Findings are sorted.
    ``origin``: the file on disk the source was read from when ``path`` is not it (imports of other files of
    the project are resolved from there; by default from ``path`` when it is a file).
    """
    from .engine import lint_source as lint_core
    from .noqa import apply_noqa

    return apply_noqa(lint_core(source, path, config or Config(), origin=origin), source)


def unreadable(path: str, exc: OSError, config: Config) -> list[Finding]:
    """The one ``INIT901`` for a file that cannot be read (none when INIT901 is not enabled for ``path``)."""
    if not config.enabled(PARSE_ERROR, path):
        return []
    reason = exc.strerror or str(exc)
    real = exc.filename if isinstance(exc.filename, str) else path
    if os.path.islink(real) and not os.path.exists(real):
        reason = f"broken symbolic link to {os.readlink(real)}"
    return [Finding(path, 1, 0, PARSE_ERROR, f"cannot read this file: {reason}")]


def lint_file(path: str, config: Optional[Config] = None) -> list[Finding]:
    """Read and lint one file (``# noqa`` applied); an unreadable file gives one ``INIT901``."""
    config = config or Config()
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return unreadable(path, exc, config)
    return lint_source(data, path, config)


@dataclass(frozen=True)
class FileOutcome:
    """What reading and linting one file produced (sent back from a worker process)."""

    #: Content hash (``None``: the file could not be read).
    sha: Optional[str]
    #: ``(mtime_ns, size)`` when read.
    stat: Optional[tuple[int, int]]
    #: When the bytes were hashed (``time.time_ns()``), for the cache's racy-mtime check.
    hashed_at_ns: int
    #: The findings as rows; ``None`` when the bytes hash to the cached ``sha`` (cached findings hold).
    rows: Optional[list[Row]]
    #: ``{path: sha256}`` of the other files the project index consulted (the findings depend on them).
    deps: Optional[dict] = None


def lint_one(display: str, key: str, expected_sha: Optional[str], config: Config) -> FileOutcome:
    """Read, hash and lint one file (in this process or a worker).

    ``display`` is the path to open and report, ``key`` the project-relative path that per-file ignores
    and the cache use.
    """
    from .cache import content_hash

    try:
        with open(display, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
    except OSError as exc:
        return FileOutcome(None, None, 0, [_row(f) for f in unreadable(key, exc, config)])
    hashed_at = time.time_ns()
    sha = content_hash(data)
    stat = (st.st_mtime_ns, st.st_size)
    if sha == expected_sha:
        return FileOutcome(sha, stat, hashed_at, None)
    from . import engine

    findings = lint_source(data, key, config, origin=display)
    me = os.path.abspath(display)
    deps = {p: h for p, h in engine.last_consulted.items() if p != me} or None
    return FileOutcome(sha, stat, hashed_at, [_row(f) for f in findings], deps)


def _row(f: Finding) -> list:
    """A finding as a cache row, ``[line, col, code, message]`` plus ``fix`` when it has one."""
    return [f.line, f.col, f.code, f.message] + ([f.fix] if f.fix is not None else [])


# ---------------------------------------------------------------------- many files
@dataclass(frozen=True)
class RunResult:
    """Findings of a run (sorted, reported under each file's display path) and how many files were linted."""

    findings: list[Finding]
    files: int
    linted: int


def open_cache(cache_dir: Optional[str], root: str, config: Config):
    """The result cache for ``config`` in ``cache_dir`` (default: ``$INITLINT_CACHE_DIR`` or
    ``.initlint_cache`` in the project root)."""
    from .cache import Cache, config_hash, engine_hash

    directory = cache_dir or os.environ.get(CACHE_DIR_ENV) or os.path.join(root, DEFAULT_CACHE_DIR)
    # Which files are linted does not change any file's findings: excluding more keeps the cache valid.
    settings = replace(config, exclude=(), extend_exclude=()).fingerprint()
    return Cache.load(os.path.abspath(directory), root, engine_hash(), config_hash(settings))


def lint_files(files: Sequence, config: Config, cache=None, jobs: int = 1) -> RunResult:
    """Lint discovered files (:class:`~initlint.discovery.SourceFile`: ``display`` and ``key``).

    ``cache`` (from :func:`open_cache`) answers files whose bytes did not change and records the others;
    the caller saves it. ``jobs`` > 1 runs a process pool. Output order never depends on ``jobs``.
    """
    results: list[Optional[list[Row]]] = [None] * len(files)
    todo: list[tuple[int, str, str, Optional[str]]] = []
    for index, item in enumerate(files):
        expected = None
        if cache is not None:
            try:
                st = os.stat(item.display)
                stat: Optional[tuple[int, int]] = (st.st_mtime_ns, st.st_size)
            except OSError:
                stat = None
            rows, expected = cache.lookup(item.key, stat)
            if rows is not None:
                cache.hits += 1
                results[index] = rows
                continue
        todo.append((index, item.display, item.key, expected))

    linted = 0
    for index, outcome in _execute(todo, config, jobs):
        key = files[index].key
        rows = outcome.rows
        linted += rows is not None
        if cache is not None and outcome.sha is not None:
            if rows is None:
                rows = cache.rows(key)
                cache.hits += 1
            else:
                cache.misses += 1
            cache.store(key, outcome.sha, outcome.stat, outcome.hashed_at_ns, rows,
                        outcome.deps if outcome.rows is not None else cache.deps(key))
        results[index] = rows or []

    findings = [
        Finding(item.display, *row)
        for item, rows in zip(files, results)
        for row in rows or ()
    ]
    findings.sort()
    return RunResult(findings, len(files), linted)


# ---------------------------------------------------------------------- the pool
_worker_config: Optional[Config] = None


def _worker_init(config: Config) -> None:
    import signal

    global _worker_config
    _worker_config = config
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool


def _worker_chunk(tasks: list[tuple[int, str, str, Optional[str]]]) -> list[tuple[int, FileOutcome]]:
    assert _worker_config is not None
    return [(index, lint_one(display, key, sha, _worker_config)) for index, display, key, sha in tasks]


def chunks(todo: list, workers: int) -> list[list]:
    """Largest files first, in chunks of about 1/(8 x workers) of the bytes (at most 32 files each).

    The cost of a file is roughly proportional to its size, so handing out the biggest files first keeps
    one worker from starting a 1 MB file when the others are done; small chunks at the end even out the
    finish, and chunking keeps the per-task overhead of the pool low.
    """
    def size(task) -> int:
        try:
            return os.stat(task[1]).st_size
        except OSError:
            return 0

    sized = sorted(((size(t), t) for t in todo), key=lambda st: -st[0])
    budget = max(1, sum(s for s, _ in sized) // (workers * 8))
    out: list[list] = []
    current: list = []
    used = 0
    for s, task in sized:
        current.append(task)
        used += s
        if used >= budget or len(current) >= 32:
            out.append(current)
            current, used = [], 0
    if current:
        out.append(current)
    return out


def _pool_context():
    """``fork`` where it is safe and cheap (Linux), after importing libcst and the analysis once here.

    Workers then start with everything imported (about 0.4 s of imports per worker saved) instead of
    re-importing it; elsewhere the platform's default start method is kept.
    """
    import multiprocessing
    import threading

    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return None
    if threading.active_count() > 1:  # forking a threaded program (an embedding app) can deadlock the child
        return None
    try:
        import libcst  # noqa: F401

        from . import rules  # noqa: F401
        from .facts import modules, script  # noqa: F401
    except Exception:  # noqa: BLE001 - the workers will report it per file
        pass
    return multiprocessing.get_context("fork")


def _execute(todo, config: Config, jobs: int) -> Iterator[tuple[int, FileOutcome]]:
    """Yield ``(index, outcome)`` for every task, in this process or in a pool of ``jobs`` workers."""
    if jobs <= 1 or len(todo) <= 1:
        for index, display, key, sha in todo:
            outcome = lint_one(display, key, sha, config)
            if interrupted:
                raise KeyboardInterrupt  # it arrived inside native code that swallowed it
            yield index, outcome
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = min(jobs, len(todo))
    executor = ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_init, initargs=(config,), mp_context=_pool_context()
    )
    try:
        futures = [executor.submit(_worker_chunk, chunk) for chunk in chunks(todo, workers)]
        for future in as_completed(futures):
            yield from future.result()
    except BaseException:
        # Ctrl-C (or a broken worker): stop now. shutdown() forgets the processes, so take them first;
        # the workers ignore SIGINT, so they must be terminated or they would outlive us.
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            try:
                process.terminate()
            except Exception:  # noqa: BLE001 - already gone
                pass
        raise
    executor.shutdown(wait=True)

"""The ``initlint`` command: a thin adapter from command-line options to :func:`initlint.engine.lint_source`.

It only wires the pieces together: options and ``[tool.initlint]`` → :class:`~initlint.config.Config`;
paths → :mod:`~initlint.discovery`; the result :mod:`~initlint.cache`; files → the engine (in this process
or in ``-j`` worker processes that receive paths, not contents); ``# noqa`` → :mod:`~initlint.noqa`;
findings → :mod:`~initlint.output`.

Exit status: 0 no findings, 1 findings (unparseable files included), 2 usage or configuration error (or an
internal error of the command itself), 130 interrupted. libcst is imported only when a file has to be
parsed, so ``--version``, ``--help``, ``--list-rules`` and fully cached runs never load it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Optional, Sequence, TextIO

from . import __version__
from .config import Config, ConfigError

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Environment variable that overrides the default cache directory.
CACHE_DIR_ENV = "INITLINT_CACHE_DIR"
DEFAULT_CACHE_DIR = ".initlint_cache"


class UsageError(Exception):
    """A problem with the command line or the configuration (exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage and exits 2; we only change the wording
        self.print_usage(sys.stderr)
        raise UsageError(message)


def _jobs(value: str) -> int:
    if value.strip().lower() == "auto":
        return 0
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of processes or 'auto', got {value!r}") from None
    if jobs < 0:
        raise argparse.ArgumentTypeError("the number of processes cannot be negative")
    return jobs


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also the source of ``initlint --help``)."""
    parser = _Parser(
        prog="initlint",
        description=(
            "Find PyTorch models that would train from uninitialized weights "
            "(INIT0xx: module definitions, INIT1xx: training scripts)."
        ),
        epilog=(
            "Configuration is read from [tool.initlint] in the nearest pyproject.toml (searched upwards "
            "from the current directory) unless --config is given; command-line options override it. "
            "Exit status: 0 clean, 1 findings, 2 usage or configuration error. "
            "Silence one line with '# noqa' or '# noqa: INIT001'."
        ),
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or directories to check (default: the current directory). Files named here are always "
        "checked; in directories only *.py and *.pyi are, and virtualenvs, VCS and build directories are skipped",
    )
    sel = parser.add_argument_group("choosing rules")
    sel.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to check (replaces the configured list; default: INIT)")
    sel.add_argument("--extend-select", metavar="CODES", help="codes or prefixes to check in addition to the selected ones")
    sel.add_argument("--ignore", metavar="CODES", help="codes or prefixes to skip (replaces the configured list)")
    sel.add_argument("--extend-ignore", metavar="CODES", help="codes or prefixes to skip in addition to the ignored ones")
    files = parser.add_argument_group("choosing files")
    files.add_argument("--exclude", metavar="GLOBS", help="comma-separated globs of files or directories to skip, relative to the project root (replaces the configured list)")
    files.add_argument("--extend-exclude", metavar="GLOBS", help="globs to skip in addition to the excluded ones")
    files.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply the exclusions to files named on the command line too (use it in pre-commit hooks)",
    )
    files.add_argument("--config", metavar="PYPROJECT", help="read [tool.initlint] from this pyproject.toml instead of searching for one")
    out = parser.add_argument_group("output")
    out.add_argument("--format", choices=("text", "json", "sarif", "github"), default="text", help="text (path:line:col: CODE message, the default), json, sarif (SARIF 2.1.0 for GitHub code scanning) or github (annotations in GitHub Actions)")
    out.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead of standard output")
    out.add_argument("--show-source", action="store_true", help="show the source line of each finding (text format)")
    out.add_argument("--statistics", action="store_true", help="after the findings, print how many there are of each code")
    out.add_argument("--exit-zero", action="store_true", help="exit with status 0 even when there are findings")
    out.add_argument("-v", "--verbose", action="store_true", help="report configuration, file counts, cache use and time on standard error")
    run = parser.add_argument_group("running")
    run.add_argument("-j", "--jobs", type=_jobs, default=1, metavar="N", help="number of processes (default: 1; 0 or 'auto': one per CPU)")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    run.add_argument("--cache-dir", metavar="DIR", help=f"where to keep the result cache (default: {DEFAULT_CACHE_DIR} in the project root, or ${CACHE_DIR_ENV})")
    info = parser.add_argument_group("information")
    info.add_argument("--list-rules", action="store_true", help="list every code with a one-line summary and exit")
    info.add_argument("--explain", metavar="CODE", help="explain one code (what, why, how to fix, examples) and exit")
    info.add_argument("--version", action="version", version=f"initlint {__version__}")
    return parser


# ---------------------------------------------------------------------- entry point
def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command; returns the exit status (never raises, never prints a traceback)."""
    _tolerant_streams()
    _interrupted.clear()
    previous = _install_sigint()
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        if argv is None:
            _exit_now(EXIT_INTERRUPTED)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_FINDINGS
    except SystemExit as exc:  # argparse --help / --version
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - the promise is: no tracebacks
        if _interrupted:
            # Ctrl-C inside libcst's native parser can surface as an unrelated exception (seen: KeyError)
            return EXIT_INTERRUPTED
        if os.environ.get("INITLINT_DEBUG"):
            raise
        _error(f"internal error: {type(exc).__name__}: {exc} (set INITLINT_DEBUG=1 for a traceback; please report it)")
        return EXIT_USAGE
    finally:
        _restore_sigint(previous)


def _main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    started = time.perf_counter()

    if args.list_rules:
        return _list_rules(args.format)
    if args.explain:
        return _explain(args.explain)

    config_path, root = _find_config(args.config)
    config = _load_config(config_path, args)
    verbose = _Verbose(args.verbose)
    verbose(f"config: {config_path or '(none: defaults)'}; project root: {root}")

    from .discovery import PathNotFound, discover

    exclude = config.exclude + config.extend_exclude
    try:
        files = discover(args.paths or [os.curdir], root, exclude, force_exclude=args.force_exclude)
    except PathNotFound as exc:
        raise UsageError(f"{exc}: no such file or directory") from None

    cache = None
    if files and config.cache and not args.no_cache:
        cache = _open_cache(args.cache_dir, root, config)
    jobs = args.jobs or os.cpu_count() or 1

    findings, linted = _run(files, config, cache, jobs)

    if cache is not None:
        cache.save()
        verbose(f"cache: {cache.path}: {cache.hits} hits, {cache.misses} misses")
        if cache.problem:
            verbose(f"cache: {cache.problem}")
    verbose(
        f"{len(files)} files: {len(files) - linted} from cache, {linted} linted, -j {jobs}, "
        f"{time.perf_counter() - started:.2f}s"
    )

    _report(findings, args)
    if findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


# ---------------------------------------------------------------------- configuration
def find_pyproject(start: Optional[str] = None) -> Optional[str]:
    """The nearest ``pyproject.toml`` in ``start`` (default: the current directory) or above it."""
    directory = os.path.abspath(start or os.getcwd())
    while True:
        candidate = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def _find_config(explicit: Optional[str]) -> tuple[Optional[str], str]:
    if explicit:
        if not os.path.isfile(explicit):
            raise UsageError(f"--config {explicit}: no such file")
        path = os.path.abspath(explicit)
    else:
        path = find_pyproject()
    root = os.path.dirname(path) if path else os.getcwd()
    return path, root


def _load_config(path: Optional[str], args: argparse.Namespace) -> Config:
    try:
        config = Config.from_pyproject(path) if path else Config()
        overrides: dict = {}
        for option in ("select", "ignore", "exclude"):
            value = getattr(args, option)
            if value is not None:
                overrides[option] = value
        if args.extend_select:
            overrides["extend_select"] = list(config.extend_select) + [args.extend_select]
        if args.extend_ignore:
            overrides["ignore"] = ",".join(
                (overrides.get("ignore") or ",".join(config.ignore), args.extend_ignore)
            ).strip(",")
        if args.extend_exclude:
            overrides["extend_exclude"] = list(config.extend_exclude) + [args.extend_exclude]
        return Config.from_mapping(overrides, config) if overrides else config
    except ConfigError as exc:
        raise UsageError(f"configuration error: {exc}") from None


def _open_cache(cache_dir: Optional[str], root: str, config: Config):
    from .cache import Cache, config_hash, engine_hash

    from dataclasses import replace

    directory = cache_dir or os.environ.get(CACHE_DIR_ENV) or os.path.join(root, DEFAULT_CACHE_DIR)
    # Which files are linted does not change any file's findings: excluding more keeps the cache valid.
    settings = replace(config, exclude=(), extend_exclude=()).fingerprint()
    return Cache.load(os.path.abspath(directory), root, engine_hash(), config_hash(settings))


# ---------------------------------------------------------------------- linting
_worker_config: Optional[Config] = None


def lint_one(display: str, key: str, expected_sha: Optional[str], config: Config) -> tuple:
    """Read, hash and lint one file; runs in a worker with ``-j``.

    Returns ``(sha, stat, hashed_at_ns, rows)``. ``rows`` is ``None`` when the bytes hash to
    ``expected_sha`` (the cached findings still hold); ``sha`` is ``None`` when the file could not be read.
    """
    from .cache import content_hash

    try:
        with open(display, "rb") as fh:
            st = os.fstat(fh.fileno())
            data = fh.read()
    except OSError as exc:
        from .engine import PARSE_ERROR

        if not config.enabled(PARSE_ERROR, key):
            return None, None, 0, []
        return None, None, 0, [[1, 0, PARSE_ERROR, f"cannot read this file: {exc.strerror or exc}"]]
    hashed_at = time.time_ns()
    sha = content_hash(data)
    stat = (st.st_mtime_ns, st.st_size)
    if sha == expected_sha:
        return sha, stat, hashed_at, None
    from .engine import lint_source
    from .noqa import apply_noqa

    findings = apply_noqa(lint_source(data, key, config), data)
    return sha, stat, hashed_at, [[f.line, f.col, f.code, f.message] for f in findings]


def _worker_init(config: Config) -> None:
    import signal

    global _worker_config
    _worker_config = config
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops the pool


def _worker_chunk(tasks: list[tuple[int, str, str, Optional[str]]]) -> list[tuple[int, tuple]]:
    assert _worker_config is not None
    return [(index, lint_one(display, key, sha, _worker_config)) for index, display, key, sha in tasks]


def _run(files, config: Config, cache, jobs: int):
    """Findings of every file (sorted) and how many files were actually read and linted."""
    from .finding import Finding

    results: list[Optional[list]] = [None] * len(files)
    todo: list[tuple[int, str, str, Optional[str]]] = []
    for index, item in enumerate(files):
        expected = None
        if cache is not None:
            try:
                st = os.stat(item.display)
                stat = (st.st_mtime_ns, st.st_size)
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
        sha, stat, hashed_at, rows = outcome
        key = files[index].key
        linted += rows is not None
        if cache is not None and sha is not None:
            if rows is None:
                rows = cache.rows(key)
                cache.hits += 1
            else:
                cache.misses += 1
            cache.store(key, sha, stat, hashed_at, rows)
        results[index] = rows or []

    findings = [
        Finding(item.display, row[0], row[1], row[2], row[3]) for item, rows in zip(files, results) for row in rows or ()
    ]
    findings.sort()
    return findings, linted


def _chunks(todo: list, workers: int) -> list[list]:
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
    chunks: list[list] = []
    current: list = []
    used = 0
    for s, task in sized:
        current.append(task)
        used += s
        if used >= budget or len(current) >= 32:
            chunks.append(current)
            current, used = [], 0
    if current:
        chunks.append(current)
    return chunks


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

        from .facts import flow, modules  # noqa: F401
        from . import rules  # noqa: F401
    except Exception:  # noqa: BLE001 - the workers will report it per file
        pass
    return multiprocessing.get_context("fork")


def _execute(todo, config: Config, jobs: int):
    """Yield ``(index, outcome)`` for every task, in this process or in a pool of ``jobs`` workers."""
    if jobs <= 1 or len(todo) <= 1:
        for index, display, key, sha in todo:
            outcome = lint_one(display, key, sha, config)
            if _interrupted:
                raise KeyboardInterrupt  # it arrived inside native code that swallowed it
            yield index, outcome
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    workers = min(jobs, len(todo))
    chunks = _chunks(todo, workers)
    executor = ProcessPoolExecutor(
        max_workers=workers, initializer=_worker_init, initargs=(config,), mp_context=_pool_context()
    )
    try:
        futures = [executor.submit(_worker_chunk, chunk) for chunk in chunks]
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


# ---------------------------------------------------------------------- output
def _report(findings, args: argparse.Namespace) -> None:
    from . import output

    needs_rules = args.format == "sarif" or args.statistics
    rules = output.catalogue() if needs_rules else []
    stream: TextIO
    if args.output_file:
        try:
            stream = open(args.output_file, "w", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            raise UsageError(f"--output-file {args.output_file}: {exc.strerror or exc}") from None
    else:
        stream = sys.stdout
    try:
        if args.format == "json":
            output.write_json(findings, stream)
        elif args.format == "sarif":
            output.write_sarif(findings, stream, rules)
        elif args.format == "github":
            output.write_github(findings, stream)
        else:
            output.write_text(findings, stream, args.show_source, _source_lines)
        if args.statistics:
            # Keep machine-readable reports parseable: statistics go to stderr for json and sarif.
            target = stream if args.format in ("text", "github") else sys.stderr
            output.write_statistics(findings, target, {r.code: r for r in rules})
        stream.flush()
    finally:
        if stream is not sys.stdout:
            stream.close()


_lines_cache: dict[str, list[str]] = {}


def _source_lines(path: str) -> list[str]:
    lines = _lines_cache.get(path)
    if lines is None:
        try:
            with open(path, "rb") as fh:
                lines = fh.read().decode("utf-8", "replace").splitlines()
        except OSError:
            lines = []
        _lines_cache.clear()
        _lines_cache[path] = lines
    return lines


def _list_rules(fmt: str) -> int:
    from .output import catalogue

    infos = catalogue()
    if fmt == "json":
        import json

        json.dump([{"code": i.code, "name": i.name, "summary": i.summary} for i in infos], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_CLEAN
    width = max(len(i.name) for i in infos)
    for info in infos:
        sys.stdout.write(f"{info.code}  {info.name:<{width}}  {info.summary}\n")
    return EXIT_CLEAN


def _explain(code: str) -> int:
    from .output import catalogue

    wanted = code.strip().upper()
    for info in catalogue():
        if info.code == wanted:
            sys.stdout.write(info.explanation.rstrip("\n") + "\n")
            return EXIT_CLEAN
    raise UsageError(f"--explain {code}: unknown code (initlint --list-rules shows them all)")


# ---------------------------------------------------------------------- plumbing
#: Non-empty once SIGINT arrived. A KeyboardInterrupt raised while libcst's native parser calls back into
#: Python can come out as a parse error, so the file loop also checks this flag.
_interrupted: list[bool] = []


def _on_sigint(signum, frame) -> None:
    first = not _interrupted
    _interrupted.append(True)
    if first:  # later ones (a second Ctrl-C while stopping workers) must not escape main()
        raise KeyboardInterrupt


def _install_sigint():
    import signal

    try:
        return signal.signal(signal.SIGINT, _on_sigint)
    except (ValueError, OSError):  # not the main thread
        return None


def _restore_sigint(previous) -> None:
    if previous is None or _interrupted:
        return  # after Ctrl-C keep absorbing SIGINT: a late delivery must not raise outside main()
    import signal

    try:
        signal.signal(signal.SIGINT, previous)
    except (ValueError, OSError, TypeError):
        pass


class _Verbose:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, message: str) -> None:
        if self.enabled:
            sys.stderr.write(f"initlint: {message}\n")


def _error(message: str) -> None:
    try:
        sys.stderr.write(f"initlint: error: {message}\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _tolerant_streams() -> None:
    """Unencodable characters (odd file names, a C locale) must not crash the report."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            pass


def _exit_now(code: int) -> None:
    """End the process at once with ``code``.

    Used after Ctrl-C when running as the command: a KeyboardInterrupt that went through libcst's native
    parser (pyo3 runs Python code with ``PyRun_String``) leaves CPython's "unhandled KeyboardInterrupt"
    flag set, and the interpreter would then kill itself with SIGINT at exit (status -2) even though we
    handled it. Nothing is left to clean up: the cache is not written and the workers are stopped.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def _silence_stdout() -> None:
    """After a broken pipe (``initlint . | head``) point stdout at /dev/null so the exit flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

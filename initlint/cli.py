"""The ``initlint`` command: argument parsing and output; the work is done elsewhere.

Options and ``[tool.initlint]`` → :func:`~initlint.config.find_project_config` and
:meth:`~initlint.config.Config.from_mapping` (every value checked); paths → :mod:`~initlint.discovery`;
files → :func:`~initlint.runner.lint_files` (cache, ``-j`` pool, ``# noqa``); findings → :mod:`~initlint.output`.

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

from . import __version__, runner
from .config import Config, ConfigError, ProjectConfig, find_project_config
from .runner import CACHE_DIR_ENV, DEFAULT_CACHE_DIR

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


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
    sel.add_argument(
        "--select", metavar="CODES",
        help="comma-separated codes or prefixes to check (replaces the configured list; default: INIT)",
    )
    sel.add_argument(
        "--extend-select", metavar="CODES",
        help="codes or prefixes to check in addition to the selected ones",
    )
    sel.add_argument("--ignore", metavar="CODES", help="codes or prefixes to skip (replaces the configured list)")
    sel.add_argument(
        "--extend-ignore", metavar="CODES",
        help="codes or prefixes to skip in addition to the ignored ones",
    )
    files = parser.add_argument_group("choosing files")
    files.add_argument(
        "--exclude", metavar="GLOBS",
        help="comma-separated globs of files or directories to skip, relative to the project root (replaces the "
             "configured list)",
    )
    files.add_argument("--extend-exclude", metavar="GLOBS", help="globs to skip in addition to the excluded ones")
    files.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply the exclusions to files named on the command line too (use it in pre-commit hooks)",
    )
    files.add_argument(
        "--config", metavar="PYPROJECT",
        help="read [tool.initlint] from this pyproject.toml instead of searching for one",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "--format", choices=("text", "json", "sarif", "github"), default="text",
        help="text (path:line:col: CODE message, the default), json, sarif (SARIF 2.1.0 for GitHub code scanning) or "
             "github (annotations in GitHub Actions)",
    )
    out.add_argument("-o", "--output-file", metavar="FILE", help="write the report to FILE instead of standard output")
    out.add_argument("--show-source", action="store_true", help="show the source line of each finding (text format)")
    out.add_argument(
        "--concise", action="store_true",
        help="one line per finding, without the indented 'fix:' line that follows it by default (text format; "
             "json, sarif and github always carry the fix)",
    )
    out.add_argument(
        "--statistics", action="store_true",
        help="after the findings, print how many there are of each code",
    )
    out.add_argument("--exit-zero", action="store_true", help="exit with status 0 even when there are findings")
    out.add_argument(
        "-v", "--verbose", action="store_true",
        help="report configuration, file counts, cache use and time on standard error",
    )
    run = parser.add_argument_group("running")
    run.add_argument(
        "-j", "--jobs", type=_jobs, default=1, metavar="N",
        help="number of processes (default: 1; 0 or 'auto': one per CPU)",
    )
    run.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    run.add_argument(
        "--cache-dir", metavar="DIR",
        help=f"where to keep the result cache (default: {DEFAULT_CACHE_DIR} in the project root, or ${CACHE_DIR_ENV})",
    )
    info = parser.add_argument_group("information")
    info.add_argument("--list-rules", action="store_true", help="list every code with a one-line summary and exit")
    info.add_argument("--explain", metavar="CODE", help="explain one code (what, why, how to fix, examples) and exit")
    info.add_argument("--version", action="version", version=f"initlint {__version__}")
    return parser


# ---------------------------------------------------------------------- entry point
def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command; returns the exit status (never raises, never prints a traceback)."""
    _tolerant_streams()
    runner.interrupted.clear()
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
        if runner.interrupted:
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

    project = _load_config(args)
    config = project.config
    verbose = _Verbose(args.verbose)
    verbose(project.describe())

    from .discovery import PathNotFound, discover

    exclude = config.exclude + config.extend_exclude
    try:
        files = discover(args.paths or [os.curdir], project.root, exclude, force_exclude=args.force_exclude)
    except PathNotFound as exc:
        raise UsageError(f"{exc}: no such file or directory") from None

    cache = None
    if files and config.cache and not args.no_cache:
        cache = runner.open_cache(args.cache_dir, project.root, config)
    jobs = args.jobs or os.cpu_count() or 1

    result = runner.lint_files(files, config, cache, jobs)

    if cache is not None:
        cache.save()
        verbose(f"cache: {cache.path}: {cache.hits} hits, {cache.misses} misses")
        if cache.problem:
            verbose(f"cache: {cache.problem}")
    verbose(
        f"{result.files} files: {result.files - result.linted} from cache, {result.linted} linted, -j {jobs}, "
        f"{time.perf_counter() - started:.2f}s"
    )

    _report(result, args)
    if result.findings and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _load_config(args: argparse.Namespace) -> ProjectConfig:
    """``[tool.initlint]`` overridden by the command line, all checked by :meth:`Config.from_mapping`."""
    from dataclasses import replace

    try:
        project = find_project_config(args.config)
        flags = {
            f"--{option.replace('_', '-')}": getattr(args, option)
            for option in ("select", "ignore", "exclude", "extend_select", "extend_ignore", "extend_exclude")
            if getattr(args, option) is not None
        }
        config = Config.from_mapping(flags, project.config, prefix="--")
    except ConfigError as exc:
        raise UsageError(f"configuration error: {exc}") from None
    return replace(project, config=config)


# ---------------------------------------------------------------------- output
def _report(result: "runner.RunResult", args: argparse.Namespace) -> None:
    from . import output
    from .codes import by_code

    findings = result.findings
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
            from .codes import catalogue

            output.write_sarif(findings, stream, catalogue())
        elif args.format == "github":
            output.write_github(findings, stream)
        else:
            output.write_text(findings, stream, args.show_source, _source_lines, not args.concise)
        if args.statistics:
            # Keep machine-readable reports parseable: statistics go to stderr for json and sarif.
            target = stream if args.format in ("text", "github") else sys.stderr
            output.write_statistics(findings, target, by_code(), result.files)
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
                data = fh.read()
            lines = _decode(data).splitlines()
        except OSError:
            lines = []
        _lines_cache.clear()
        _lines_cache[path] = lines
    return lines


def _decode(data: bytes) -> str:
    """Source text as Python reads it: its coding cookie or BOM (PEP 263), else UTF-8; never raises."""
    import io
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding, "replace")
    except (SyntaxError, LookupError):
        return data.decode("utf-8", "replace")


def _list_rules(fmt: str) -> int:
    from .codes import catalogue

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
    from .codes import by_code, unknown_code_message

    wanted = code.strip().upper()
    info = by_code().get(wanted)
    if info is None:
        problem = unknown_code_message(wanted) or f"{wanted!r} is a prefix, not one code"
        raise UsageError(f"--explain {code}: {problem} (initlint --list-rules shows them all)")
    sys.stdout.write(info.text())
    return EXIT_CLEAN


# ---------------------------------------------------------------------- plumbing
def _on_sigint(signum, frame) -> None:
    first = not runner.interrupted
    runner.interrupted.append(True)
    if first:  # later ones (a second Ctrl-C while stopping workers) must not escape main()
        raise KeyboardInterrupt


def _install_sigint():
    import signal

    try:
        return signal.signal(signal.SIGINT, _on_sigint)
    except (ValueError, OSError):  # not the main thread
        return None


def _restore_sigint(previous) -> None:
    if previous is None or runner.interrupted:
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

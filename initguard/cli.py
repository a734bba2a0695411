"""The ``initguard`` command: ``initguard check CHECKPOINT`` judges every tensor of a saved state dict.

Argument parsing, output and exit codes live here; reading files is :mod:`initguard.checkpoint`, the verdicts
are :mod:`initguard.statistical_verdict`. The exit codes are :class:`ExitCode` (also listed by ``initguard --help``).
"""

from __future__ import annotations

import argparse
import enum
import json
import os
import sys

from initguard._extras import MATPLOTLIB, TORCH, MissingExtra, require
from initguard.checkpoint import CheckpointError, load_state_dict
from initguard.fixes import FIX_CHECKPOINT_DEFAULT as FIX_DEFAULT
from initguard.fixes import FIX_CHECKPOINT_UNINITIALIZED as FIX_UNINITIALIZED


def check_state_dict(sd: dict, *, allow=(), allow_default: bool = False, strict: bool = False,
                     mode: str = "sample", source: str = ""):
    """Judge each floating tensor of a state dict with the statistical verdicts; returns a :class:`Report`.

    Without module types a tensor is compared with the defaults its shape allows (U(+-1/sqrt(fan_in)) for >=2-D
    tensors and biases next to their weight, N(0, 1) for 2-D ones), and "default" is judged at the level of the
    file (:func:`initguard.verdicts.model_default_rule`): a lone default-looking tensor among initialized ones is
    a note, a file whose weights nearly all look default fails. Tensors that fit a default with fewer than
    ``MIN_DEFAULT_N`` values are "too small to judge".
    """
    from initguard import pytorch_defaults, sampling, statistical_verdict
    from initguard.report import DEFAULT, TOO_SMALL, Entry, Report, Verdict
    from initguard.tensors import allowed
    from initguard.verdicts import Judged, all_zero, model_default_rule

    report = Report(mode=mode, source=source)
    judged = []
    with sampling.one_thread():
        for name, t in sd.items():
            if not t.is_floating_point() or t.numel() == 0:
                continue
            exps: list = []
            leaf = name.rsplit(".", 1)[-1]
            if t.dim() >= 2:
                exps = pytorch_defaults.shape_expectations(tuple(t.shape))
            elif t.dim() == 1 and leaf.startswith("bias"):
                w = sd.get(name[: -len(leaf)] + leaf.replace("bias", "weight", 1))
                if w is not None and w.dim() >= 2:
                    fan_in = pytorch_defaults.fan_in_of(w.shape)
                    exps = pytorch_defaults.shape_expectations(tuple(t.shape), fan_in=fan_in)
            kind = "parameter" if (t.dim() >= 2 or leaf.startswith(("weight", "bias"))) else "buffer"
            ex = statistical_verdict.examine(name, t, module_type="", expected=exps, strict=strict, kind=kind,
                                             full=(mode == "full"))
            if ex.skipped:
                continue
            p = ex.problem
            verdict = p.verdict if p is not None else (TOO_SMALL if ex.too_small else Verdict.OK)
            if p is not None and (allowed(name, allow)
                                  or (allow_default and p.verdict == DEFAULT)):
                report.allowed.append(name)
                p, verdict = None, Verdict.ALLOWED
            if p is not None:
                p.fix = FIX_DEFAULT if p.verdict == DEFAULT else FIX_UNINITIALIZED
                report.problems.append(p)
            band = ex.band
            dtype = str(t.dtype).replace("torch.", "")
            lo, hi = band if band else (None, None)
            entry = Entry(name, tuple(t.shape), dtype, "", verdict, kind, ex.std, ex.max_abs, lo, hi)
            report.entries.append(entry)
            judged.append((name, Judged(ex.problem, entry, False, verdict == TOO_SMALL, ex.eligible,
                                        all_zero(ex.problem, ex))))
    model_default_rule(report, judged)
    return report


class ExitCode(enum.IntEnum):
    """Exit status of the ``initguard`` command."""

    OK = 0  # every tensor looks initialized
    PROBLEMS = 1  # something is uninitialized or still at PyTorch's default init
    ERROR = 2  # usage error, unreadable checkpoint, missing dependency, or the figure could not be written
    BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of stdout went away (``| head -1``), as coreutils do


CHECK_DESCRIPTION = """\
Statistical verdicts for every floating tensor of a saved state dict: .pt/.pth/.bin/.ckpt files are read with
torch.load(weights_only=True) and never run pickled code; .safetensors files need the safetensors package.
Lightning/Fabric checkpoints are unwrapped. Needs torch (the 'guard' extra).
"""
DESCRIPTION = "initguard: catch models that would train from uninitialized weights.\n\n" + CHECK_DESCRIPTION

EPILOG = """\
exit status:
  0    every tensor looks initialized
  1    something is uninitialized or still at PyTorch's default init
  2    an error, said in one line on stderr: usage, an unreadable checkpoint, a missing dependency
       (torch: the 'guard' extra; matplotlib for --plot: the 'plot' extra), or the figure could not
       be written (the verdicts are printed, but the exit status no longer carries them)
  141  stdout was closed early (e.g. piped into 'head'): output stops quietly, like other Unix tools
"""


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("initcheck")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        from initlint import __version__

        return __version__


def build_parser() -> argparse.ArgumentParser:
    """The ``initguard`` argument parser (plain-text help, exit codes in the epilog)."""
    fmt = argparse.RawDescriptionHelpFormatter
    ap = argparse.ArgumentParser(prog="initguard", description=DESCRIPTION, epilog=EPILOG, formatter_class=fmt)
    ap.add_argument("--version", action="version", version=f"initguard (initcheck {_version()})")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="COMMAND")
    c = sub.add_parser("check", help="check a saved state dict (.pt/.pth/.bin/.ckpt/.safetensors)",
                       description=CHECK_DESCRIPTION, epilog=EPILOG, formatter_class=fmt)
    c.add_argument("checkpoint", help="the checkpoint file")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--allow", action="append", default=[], metavar="GLOB",
                   help="exempt tensor names (repeatable)")
    c.add_argument("--allow-default", action="store_true",
                   help="do not report PyTorch-default-looking tensors")
    c.add_argument("--strict", action="store_true", help="also report constant defaults (norm ones/zeros)")
    c.add_argument("--full", action="store_true",
                   help="scan every element (one aminmax pass) besides sampling")
    c.add_argument("--plot", metavar="PNG",
                   help="also save the std / max|x| figure (needs matplotlib, the 'plot' extra)")
    return ap


def _error(message: str) -> ExitCode:
    print(f"initguard: {message}", file=sys.stderr)
    return ExitCode.ERROR


def _check(args: argparse.Namespace) -> ExitCode:
    """Run ``initguard check``: dependencies first, then the file, the verdicts, the figure, the output."""
    try:
        require(TORCH, "initguard check")
        if args.plot:
            require(MATPLOTLIB, "--plot")
    except MissingExtra as e:
        hint = " Or drop --plot to check without a figure." if e.extra is MATPLOTLIB else ""
        return _error(f"{e}{hint}")
    if args.plot:
        problem = _plot_format_problem(args.plot)
        if problem:
            return _error(problem)
    try:
        sd = load_state_dict(args.checkpoint)
    except (CheckpointError, MissingExtra) as e:
        return _error(str(e))
    report = check_state_dict(sd, allow=args.allow, allow_default=args.allow_default, strict=args.strict,
                              mode="full" if args.full else "sample", source=args.checkpoint)
    code = ExitCode.OK if report.ok else ExitCode.PROBLEMS
    plot_error = None
    if args.plot:
        try:
            report.plot(args.plot)
        except OSError as e:
            plot_error = f"cannot write the figure to {args.plot}: {e.strerror or e}"
    print(json.dumps(report.to_dict(), indent=2) if args.format == "json" else report)
    sys.stdout.flush()
    return _error(plot_error) if plot_error else code


def _plot_format_problem(path: str) -> str | None:
    """Why matplotlib could not save a figure to ``path`` by its suffix (checked before any work), or None."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    if suffix in formats:
        return None
    listed = ", ".join(sorted(formats))
    what = f"unknown figure format {suffix!r}" if suffix else "no file suffix to choose the figure format"
    return f"--plot {path}: {what}; use one of: {listed} (e.g. --plot report.png)"


def main(argv=None) -> int:
    """Entry point of the ``initguard`` console script and of ``python -m initguard``; returns the exit code
    (:class:`ExitCode`)."""
    args = build_parser().parse_args(argv)
    try:
        return int(_check(args))
    except BrokenPipeError:
        # the reader closed stdout: stop quietly (no traceback, no "Exception ignored" at shutdown)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return int(ExitCode.BROKEN_PIPE)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

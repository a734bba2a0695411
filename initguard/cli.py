"""``initguard check CHECKPOINT``: statistical verdicts for a saved state dict.

``.pt``/``.pth``/``.bin``/``.ckpt`` files are read with ``torch.load(weights_only=True)`` (never arbitrary
unpickling); ``.safetensors`` when the ``safetensors`` package is installed. Lightning/Fabric checkpoints
whose
tensors sit under ``state_dict``/``model``/``module`` are unwrapped. Fan-in comes from the shapes (a bias
takes its
weight's). Exit status: 0 all initialized, 1 something uninitialized or default, 2 the file could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys


def _flatten(obj, prefix: str, out: dict) -> None:
    import torch

    if isinstance(obj, torch.Tensor):
        out[prefix] = obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)


def load_state_dict(path: str) -> dict:
    """Load tensors from a checkpoint file without executing pickled code; returns ``{name: tensor}``."""
    import torch

    if path.endswith(".safetensors"):
        try:
            from safetensors.torch import load_file
        except ImportError as e:
            raise RuntimeError("reading .safetensors needs the 'safetensors' package "
                               "(pip install initcheck[safetensors])") from e
        return load_file(path, device="cpu")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except RuntimeError:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(obj, dict):
        for key in ("state_dict", "model", "module", "model_state_dict"):
            inner = obj.get(key)
            if isinstance(inner, dict) and any(isinstance(v, torch.Tensor) for v in inner.values()):
                obj = inner
                break
    out: dict = {}
    _flatten(obj, "", out)
    return out


def check_state_dict(sd: dict, *, allow=(), allow_default: bool = False, strict: bool = False,
                     mode: str = "sample", source: str = ""):
    """Judge each floating tensor of a state dict with the statistical verdicts; returns a :class:`Report`."""
    import fnmatch

    from initguard import stats
    from initguard.report import DEFAULT, Entry, Report

    report = Report(mode=mode, source=source)
    with stats.one_thread():
        for name, t in sd.items():
            if not t.is_floating_point() or t.numel() == 0:
                continue
            exps: list = []
            leaf = name.rsplit(".", 1)[-1]
            if t.dim() >= 2:
                exps = stats.shape_expectations(tuple(t.shape))
            elif t.dim() == 1 and leaf.startswith("bias"):
                w = sd.get(name[: -len(leaf)] + leaf.replace("bias", "weight", 1))
                if w is not None and w.dim() >= 2:
                    exps = stats.shape_expectations(tuple(t.shape), fan_in=stats.fan_in_of(w.shape))
            kind = "parameter" if (t.dim() >= 2 or leaf.startswith(("weight", "bias"))) else "buffer"
            ex = stats.examine(name, t, module_type="", expected=exps, strict=strict, kind=kind,
                               full=(mode == "full"))
            if ex.skipped:
                continue
            p = ex.problem
            verdict = p.verdict if p is not None else "ok"
            if p is not None and (any(fnmatch.fnmatchcase(name, a) for a in allow)
                                  or (allow_default and p.verdict == DEFAULT)):
                report.allowed.append(name)
                p, verdict = None, "allowed"
            if p is not None:
                if p.verdict != DEFAULT:
                    p.fix = ("re-save the checkpoint from an initialized model: "
                             "this file already holds the bad values")
                report.problems.append(p)
            band = ex.band
            dtype = str(t.dtype).replace("torch.", "")
            lo, hi = band if band else (None, None)
            report.entries.append(
                Entry(name, tuple(t.shape), dtype, "", verdict, kind, ex.std, ex.max_abs, lo, hi))
    return report


def main(argv=None) -> int:
    """Entry point of the ``initguard`` console script."""
    ap = argparse.ArgumentParser(prog="initguard", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="check a saved state dict (.pt/.pth/.bin/.ckpt/.safetensors)")
    c.add_argument("checkpoint")
    c.add_argument("--format", choices=("text", "json"), default="text")
    c.add_argument("--allow", action="append", default=[], metavar="GLOB",
                   help="exempt tensor names (repeatable)")
    c.add_argument("--allow-default", action="store_true",
                   help="do not report PyTorch-default-looking tensors")
    c.add_argument("--strict", action="store_true", help="also report constant defaults (norm ones/zeros)")
    c.add_argument("--full", action="store_true",
                   help="scan every element (one aminmax pass) besides sampling")
    c.add_argument("--plot", metavar="PNG", help="also save the std / max|x| figure (needs matplotlib)")
    args = ap.parse_args(argv)
    try:
        sd = load_state_dict(args.checkpoint)
    except Exception as e:  # unreadable, unsafe pickle, missing package
        print(f"initguard: cannot read {args.checkpoint}: {e}", file=sys.stderr)
        return 2
    report = check_state_dict(sd, allow=args.allow, allow_default=args.allow_default, strict=args.strict,
                              mode="full" if args.full else "sample", source=args.checkpoint)
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(report)
    if args.plot:
        report.plot(args.plot)
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

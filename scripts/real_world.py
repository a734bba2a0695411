#!/usr/bin/env python
"""Run initlint over pinned real-world corpora: zero crashes, per-rule finding counts, time.

    python scripts/real_world.py                         # every corpus
    python scripts/real_world.py --corpus timm litgpt    # some
    python scripts/real_world.py --json results.json --findings findings.jsonl
    python scripts/real_world.py --guard                 # initguard on real models instead (see below)

Corpora (downloaded once with ``pip download --no-deps`` into ``--work-dir``, default
``/tmp/initcheck-corpora``; nothing is ever committed; wheels already in ``benchmarks/_work/wheels`` are
reused):

=============  ==========================================  ==================================
name           source (pinned)                             files linted
=============  ==========================================  ==================================
stdlib         CPython 3.11.7 standard library (local)     ``lib/python3.11`` minus site-packages
torch          ``torch==2.13.0`` wheel                     ``torch/**.py``
transformers   ``transformers==5.24.0`` wheel              ``transformers/models/**.py``
timm           ``timm==1.0.31`` wheel                      ``timm/**.py``
litgpt         ``litgpt==0.5.13`` wheel                    ``litgpt/**.py``
torchtitan     ``torchtitan==0.3.0`` wheel                 ``torchtitan/**.py``
=============  ==========================================  ==================================

Every file goes through :func:`initlint.lint_file` in this one process (the public API, all rules, default
configuration). A *crash* is an exception escaping ``lint_file`` or an ``INIT900`` finding; ``INIT901``
(unparseable) is counted separately. Exit status 1 if any corpus crashed.

``--guard`` runs ``initguard.track()`` + ``initguard.check()`` on every transformers family of
``tests/initguard/test_real_models.py:HF_FAMILIES`` built from a tiny config (``AutoModel.from_config``, no
download), and on LitGPT's ``GPT`` (from the unpacked ``litgpt`` wheel, never installed) under
``fabric.init_module(empty_init=True)`` followed by LitGPT's own ``pretrain.initialize_weights``. It prints one
line per model: verdict, problems, and whether each problem is a known, explained library behaviour.
timm is not run: its wheel needs torchvision, and ``pip install timm`` would replace the pinned torch.
Exit status 1 if any model has an unexplained problem.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_WORK = Path(os.environ.get("INITCHECK_CORPORA", "/tmp/initcheck-corpora"))
STDLIB = Path("/root/.pyenv/versions/3.11.7/lib/python3.11")

# name -> (requirement, path prefix inside the wheel)
WHEELS = {
    "torch": ("torch==2.13.0", "torch/"),
    "transformers": ("transformers==5.24.0", "transformers/models/"),
    "timm": ("timm==1.0.31", "timm/"),
    "litgpt": ("litgpt==0.5.13", "litgpt/"),
    "torchtitan": ("torchtitan==0.3.0", "torchtitan/"),
}
ORDER = ["stdlib", "torch", "transformers", "timm", "litgpt", "torchtitan"]


def _wheel(work: Path, requirement: str) -> Path:
    name, version = requirement.split("==")
    for folder in (work / "wheels", REPO / "benchmarks" / "_work" / "wheels"):
        found = sorted(folder.glob(f"{name}-{version}*.whl")) + sorted(folder.glob(f"{name.capitalize()}-{version}*.whl"))
        if found:
            return found[0]
    (work / "wheels").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", requirement, "-d", str(work / "wheels")],
        check=True,
    )
    return sorted((work / "wheels").glob(f"{name}-{version}*.whl"))[0]


def corpus_root(name: str, work: Path) -> Path:
    """The directory of ``.py`` files for corpus ``name`` (extracted once)."""
    if name == "stdlib":
        return STDLIB
    requirement, prefix = WHEELS[name]
    dest = work / name
    marker = dest / ".complete"
    if not marker.exists():
        wheel = _wheel(work, requirement)
        if dest.exists():
            shutil.rmtree(dest)
        with zipfile.ZipFile(wheel) as zf:
            for member in zf.namelist():
                if member.startswith(prefix) and member.endswith(".py"):
                    zf.extract(member, dest)
        marker.write_text(wheel.name + "\n")
    return dest / prefix.rstrip("/")


def corpus_files(name: str, root: Path) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not (name == "stdlib" and d in ("site-packages", "__pycache__")))
        files.extend(Path(dirpath) / f for f in sorted(filenames) if f.endswith(".py"))
    return files


def run_corpus(name: str, work: Path, findings_out=None) -> dict:
    from initlint import lint_file

    root = corpus_root(name, work)
    files = corpus_files(name, root)
    counts: collections.Counter = collections.Counter()
    crashes: list[dict] = []
    lines = 0
    started = time.perf_counter()
    slowest = (0.0, "")
    for path in files:
        data = path.read_bytes()
        lines += data.count(b"\n") + (0 if data.endswith(b"\n") or not data else 1)
        t0 = time.perf_counter()
        try:
            findings = lint_file(str(path))
        except BaseException as exc:  # noqa: BLE001 - record, go on
            if isinstance(exc, KeyboardInterrupt):
                raise
            crashes.append({"path": str(path.relative_to(root.parent)), "error": traceback.format_exc(limit=3)})
            continue
        dt = time.perf_counter() - t0
        if dt > slowest[0]:
            slowest = (dt, str(path.relative_to(root.parent)))
        for f in findings:
            counts[f.code] += 1
            if f.code == "INIT900":
                crashes.append({"path": str(path.relative_to(root.parent)), "error": f.message})
            if findings_out is not None:
                rec = {"corpus": name, "path": str(path.relative_to(root.parent)), "line": f.line, "col": f.col,
                       "code": f.code, "message": f.message}
                findings_out.write(json.dumps(rec) + "\n")
    elapsed = time.perf_counter() - started
    return {
        "corpus": name,
        "source": "local CPython 3.11.7" if name == "stdlib" else WHEELS[name][0],
        "root": str(root),
        "files": len(files),
        "lines": lines,
        "seconds": round(elapsed, 1),
        "lines_per_second": round(lines / elapsed) if elapsed else None,
        "slowest_file": {"path": slowest[1], "seconds": round(slowest[0], 2)},
        "counts": dict(sorted(counts.items())),
        "crashes": crashes,
    }


def run_guard(work: Path) -> int:
    import zipfile as _zip

    sys.path.insert(0, str(REPO / "tests" / "initguard"))
    import test_real_models as trm

    litgpt_dir = work / "litgpt_pkg"
    if not (litgpt_dir / "litgpt").is_dir():
        wheel = _wheel(work, WHEELS["litgpt"][0])
        with _zip.ZipFile(wheel) as zf:
            zf.extractall(litgpt_dir)
    os.environ["INITCHECK_LITGPT"] = str(litgpt_dir)
    trm.LITGPT_DIR = str(litgpt_dir)
    bad = 0
    rows = []
    for family in trm.HF_FAMILIES:
        try:
            model, report = trm.build_and_check(family)
        except Exception as exc:  # noqa: BLE001 - a config we could not build is recorded, not a verdict
            rows.append((family, "-", "not built", f"{type(exc).__name__}: {str(exc).splitlines()[0][:100]}"))
            continue
        extra = trm.unexplained(family, report)
        bad += bool(extra)
        known = [p.name for p in report.problems if (p.name, p.verdict, p.reason) not in extra]
        verdict = "ok" if report.ok else ("explained" if not extra else "UNEXPLAINED")
        n = sum(p.numel() for p in model.parameters())
        rows.append((family, type(model).__name__, verdict,
                     f"{len(report.entries)} tensors, {n} params; problems={[(p.name, p.verdict) for p in report.problems]}"
                     + (f" known={known}" if known else "")))
    for name in ("pythia-14m", "tiny-llama-1.1b"):
        try:
            model, report = trm.litgpt_check(name)
        except BaseException as exc:  # noqa: BLE001 - pytest.skip raises a BaseException subclass
            rows.append((f"litgpt:{name}", "GPT", "not built", str(exc)[:120]))
            continue
        bad += not report.ok
        rows.append((f"litgpt:{name}", "GPT", "ok" if report.ok else "UNEXPLAINED",
                     f"{len(report.entries)} tensors; problems={[(p.name, p.verdict) for p in report.problems]}"))
    for row in rows:
        print(" | ".join(str(c) for c in row), flush=True)
    built = sum(r[2] != "not built" for r in rows)
    print(f"models checked: {built}, unexplained: {bad}")
    return 1 if bad else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run initlint over pinned real-world corpora.")
    parser.add_argument("--corpus", nargs="*", choices=ORDER, default=ORDER)
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--json", type=Path, help="write the per-corpus results here")
    parser.add_argument("--findings", type=Path, help="write every finding here (JSON lines), for triage")
    parser.add_argument("--guard", action="store_true", help="run initguard on real models instead of the linter")
    args = parser.parse_args(argv)

    args.work_dir.mkdir(parents=True, exist_ok=True)
    if args.guard:
        return run_guard(args.work_dir)
    out = open(args.findings, "w") if args.findings else None
    results = []
    try:
        for name in args.corpus:
            res = run_corpus(name, args.work_dir, out)
            results.append(res)
            codes = " ".join(f"{k}={v}" for k, v in res["counts"].items()) or "-"
            print(f"{name:13s} files={res['files']:6d} lines={res['lines']:8d} time={res['seconds']:7.1f}s "
                  f"crashes={len(res['crashes'])} {codes}", flush=True)
            for crash in res["crashes"]:
                print(f"    CRASH {crash['path']}: {crash['error'].splitlines()[-1]}", flush=True)
    finally:
        if out:
            out.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if any(r["crashes"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

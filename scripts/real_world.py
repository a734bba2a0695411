#!/usr/bin/env python
"""Run initlint over pinned real-world corpora: zero crashes, per-rule finding counts, time.

    python scripts/real_world.py                         # every corpus
    python scripts/real_world.py --corpus timm litgpt    # some
    python scripts/real_world.py --json results.json --findings findings.jsonl
    python scripts/real_world.py --guard                 # initguard on real models instead (see below)
    python scripts/real_world.py --guard-timm            # initguard on timm models (needs timm + torchvision)

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
timm is not run there: its wheel needs torchvision, and ``pip install timm`` would replace the pinned torch.
Exit status 1 if any model has an unexplained problem.

``--guard-timm`` runs the timm architectures of ``tests/initguard/_timm_cases.py:MODELS`` and the layers of
``LAYERS`` (``--timm-models all`` adds the slower ``EXTRA_MODELS``; or name models) in a separate environment
with timm 1.0.31::

    python3 -m venv /work/venv-timm
    /work/venv-timm/bin/pip install torch==2.14.1 torchvision==0.29.1
    /work/venv-timm/bin/pip install timm==1.0.31 numpy pytest hypothesis
    /work/venv-timm/bin/pip install --no-deps -e .
    /work/venv-timm/bin/python scripts/real_world.py --guard-timm [--json timm.json]

Each model is built (``pretrained=False``) eagerly under ``track()``, eagerly without it, and deferred (meta device,
``to_empty``, timm's own re-init, all under ``track()``), and compared with two oracles that do not use initguard
(a sentinel written by every torch.nn constructor; NaN written into the memory ``to_empty`` allocates) and with the
linter's timm findings. Exit status 1 on any unexplained verdict or any disagreement with an oracle.
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
        found = sorted(folder.glob(f"{name}-{version}*.whl"))
        found += sorted(folder.glob(f"{name.capitalize()}-{version}*.whl"))
        if found:
            return found[0]
    (work / "wheels").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", requirement,
         "-d", str(work / "wheels")],
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
                     f"{len(report.entries)} tensors, {n} params; "
                     f"problems={[(p.name, p.verdict) for p in report.problems]}"
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


def _timm_problems(row: dict, tc) -> list:
    """What makes a --guard-timm row fail: unexplained verdicts and disagreements with the oracles."""
    out = []
    for key in ("tracked_unexplained", "untracked_unexplained", "oracle_disagrees", "untracked_false_defaults",
                "deferred_disagrees", "deferred_other_unexplained", "lint_partial"):
        if row.get(key):
            out.append(f"{key}={row[key]}")
    if row.get("lint_refuted") and not row.get("lint_refuted_explained"):
        out.append(f"lint_refuted={row['lint_refuted']} (not in LINT_REFUTED)")
    unknown = [x for x in row.get("runtime_only", []) if x not in tc.RUNTIME_ONLY_EXPLAINED]
    if unknown:
        out.append(f"runtime_only={unknown} (not in RUNTIME_ONLY_EXPLAINED)")
    if str(row.get("deferred", "")).startswith("not built"):
        out.append(row["deferred"])
    return out


def run_guard_timm(models: list, json_out: Path | None = None) -> int:
    sys.path.insert(0, str(REPO / "tests" / "initguard"))
    import _timm_cases as tc

    try:
        import timm
        import torch
        import torchvision
    except Exception as exc:  # noqa: BLE001 - the usual failure is torchvision not matching torch
        print(f"timm cannot be imported here ({type(exc).__name__}: {exc}); see --help for the environment")
        return 2
    if not models:
        models = list(tc.MODELS) + list(tc.LAYERS)
    elif models == ["all"]:
        models = list(tc.MODELS) + list(tc.EXTRA_MODELS) + list(tc.LAYERS)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, timm {timm.__version__}", flush=True)
    started = time.perf_counter()
    rows, bad = [], 0
    for name in models:
        try:
            row = tc.run_model(name)
        except Exception as exc:  # noqa: BLE001 - a model we could not build is recorded, not a verdict
            row = {"model": name, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"}
            print(f"{name} | not built | {row['error']}", flush=True)
            rows.append(row)
            continue
        rows.append(row)
        problems = _timm_problems(row, tc)
        bad += bool(problems)
        nd = sum(v == "default" for _n, v in row["tracked_problems"])
        nzero = len(row["untracked_zero"])
        nud = sum(v == "default" for _n, v in row["untracked_problems"])
        parts = [f"default x{nud}" if nud else "", f"all-zero x{nzero}" if nzero else ""]
        tracked = "ok" if not row["tracked_problems"] else f"default x{nd}"
        untracked = ", ".join(x for x in parts if x) or "ok"
        if row.get("eager"):  # a layer: only the deferred path is run
            tracked = untracked = row["eager"]
        lint = f"linter confirmed {len(row['lint_confirmed'])}"
        if row["lint_refuted"]:
            lint += f", refuted {len(row['lint_refuted'])}"
        print(" | ".join([
            name, row["class"], f"{row['checked']} tensors ({row.get('provenance', '-')} by provenance)",
            f"tracked: {tracked}", f"untracked: {untracked}",
            f"deferred: uninitialized x{len(row['deferred_uninitialized'])} (NaN oracle {row['nan_oracle']})",
            lint, f"{row['eager_s'] + row['deferred_s']:.1f}s", "UNEXPLAINED: " + "; ".join(problems) if problems
            else "explained",
        ]), flush=True)
    built = [r for r in rows if "error" not in r]
    print(f"\nmodels checked: {len(built)}, unexplained or disagreeing: {bad}, "
          f"time {time.perf_counter() - started:.0f}s")
    eager = [r for r in built if not r.get("eager")]
    print(f"eager tracked: {sum(not r['tracked_problems'] for r in eager)} ok, "
          f"{sum(bool(r['tracked_problems']) for r in eager)} with 'default' verdicts "
          f"({sum(len(r['tracked_problems']) for r in eager)} tensors); guard == sentinel oracle on "
          f"{sum(not r['oracle_disagrees'] for r in eager)}/{len(eager)}; untracked: "
          f"{sum(not r['untracked_problems'] for r in eager)} ok, "
          f"{sum(len(r['untracked_zero']) for r in eager)} deliberately all-zero tensors reported uninitialized "
          f"(documented limit) in {sum(bool(r['untracked_zero']) for r in eager)} models")
    print(f"deferred: {sum(bool(r['deferred_uninitialized']) for r in built)} models with unwritten tensors "
          f"({sum(len(r['deferred_uninitialized']) for r in built)} tensors); guard == NaN oracle "
          f"(known misses aside) on {sum(not r['deferred_disagrees'] for r in built)}/{len(built)}")
    confirmed = sorted({x for r in built for x in r["lint_confirmed"]})
    refuted = sorted({x for r in built for x in r["lint_refuted"]})
    runtime_only = sorted({x for r in built for x in r["runtime_only"]})
    print(f"linter findings confirmed at runtime ({len(confirmed)}):")
    for x in confirmed:
        print(f"    {x}")
    print(f"linter findings refuted at runtime ({len(refuted)}):")
    for x in refuted:
        print(f"    {x}")
    print(f"unwritten after the deferred path but not reported by the linter: {runtime_only or 'none'}")
    misses = sorted({(r["model"], n) for r in built for n in r["guard_misses"]})
    if misses:
        print(f"known guard misses, eager (sentinel oracle: default; guard: not reported): {misses}")
    misses = sorted({(r["model"], n) for r in built for n in r.get("deferred_guard_misses", [])})
    if misses:
        print(f"known guard misses, deferred (NaN oracle: unwritten; guard: not reported): {misses}")
    no_record = {r["model"]: len(r["no_provenance"]) for r in built if r.get("no_provenance")}
    print(f"deferred path, tensors without a provenance record: {no_record or 'none'}")
    if json_out:
        json_out.write_text(json.dumps(rows, indent=1) + "\n")
    return 1 if bad else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run initlint over pinned real-world corpora.")
    parser.add_argument("--corpus", nargs="*", choices=ORDER, default=ORDER)
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK)
    parser.add_argument("--json", type=Path, help="write the per-corpus results here")
    parser.add_argument("--findings", type=Path, help="write every finding here (JSON lines), for triage")
    parser.add_argument("--guard", action="store_true", help="run initguard on real models instead of the linter")
    parser.add_argument("--guard-timm", action="store_true", help="run initguard on timm models (needs timm)")
    parser.add_argument("--timm-models", nargs="*", default=[], metavar="NAME",
                        help="with --guard-timm: these timm models, or 'all' (default: MODELS + LAYERS of "
                             "tests/initguard/_timm_cases.py)")
    args = parser.parse_args(argv)

    if args.guard_timm:
        return run_guard_timm(args.timm_models, args.json)

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

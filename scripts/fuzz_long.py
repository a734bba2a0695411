#!/usr/bin/env python
"""Long fuzzing profile for initlint (the fast profile is tests/initlint/test_fuzz_linter.py).

    python scripts/fuzz_long.py                       # 10,000 programs
                                                      # (4,000 grammar, 1,000 libcst-node, 5,000 torch-flavoured)
    python scripts/fuzz_long.py --grammar 100 --node 20 --torch 100   # a quick run
    python scripts/fuzz_long.py --json results.json   # also write the counts as JSON

Every program goes through ``lint_source`` twice (text) and once (bytes), and through the flake8 plugin
class in-process whenever ``ast.parse`` accepts it. A program *fails* when an exception escapes, when the
output is not deterministic, when bytes and text disagree, when the plugin disagrees with the engine, or
when a finding is INIT900 (internal error). Failures do not stop the run: each one is written to
``--failures-dir`` (default ``/tmp/initcheck-fuzz-failures``) and counted. Exit status 1 if any failed.

Single process; about 10-20 minutes for the default 10,000 programs on one free core.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import sys
import time
import traceback
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "initlint"))

warnings.filterwarnings("ignore")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grammar", type=int, default=4000)
    parser.add_argument("--node", type=int, default=1000)
    parser.add_argument("--torch", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--json", help="write the summary here")
    parser.add_argument("--failures-dir", default="/tmp/initcheck-fuzz-failures")
    args = parser.parse_args(argv)

    import hypothesmith
    from hypothesis import HealthCheck, given, seed, settings

    import test_fuzz_linter as fz

    failures_dir = Path(args.failures_dir)
    summary: dict = {"seed": args.seed, "profiles": {}}
    total_failed = 0

    profiles = [
        ("grammar", args.grammar, hypothesmith.from_grammar(), True),
        ("libcst-node", args.node, hypothesmith.from_node(), True),
        ("torch-flavoured", args.torch, fz.torch_program(), False),
    ]
    for name, count, strategy, is_hypothesmith in profiles:
        if count <= 0:
            continue
        stats = collections.Counter()
        codes = collections.Counter()
        seen: set[str] = set()
        started = time.perf_counter()

        body = _make_body(fz, stats, codes, seen, is_hypothesmith, name, failures_dir)
        run = seed(args.seed)(
            settings(max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck))(
                given(strategy)(body)
            )
        )
        run()
        elapsed = time.perf_counter() - started
        summary["profiles"][name] = {
            "programs": stats["programs"],
            "distinct": len(seen),
            "lines": stats["lines"],
            "failed": stats["failed"],
            "with_findings": stats["with_findings"],
            "codes": dict(sorted(codes.items())),
            "seconds": round(elapsed, 1),
        }
        total_failed += stats["failed"]
        print(f"{name:16s} {json.dumps(summary['profiles'][name])}", flush=True)

    summary["failed"] = total_failed
    summary["programs"] = sum(p["programs"] for p in summary["profiles"].values())
    print(f"total programs {summary['programs']}, failed {total_failed}"
          + (f" (see {failures_dir})" if total_failed else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    return 1 if total_failed else 0


def _make_body(fz, stats, codes, seen, is_hypothesmith, name, failures_dir):
    def body(source):
        text = fz.TRIGGER_LINE + source if is_hypothesmith else source
        digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()
        if digest in seen:
            stats["duplicates"] += 1
        seen.add(digest)
        stats["programs"] += 1
        stats["lines"] += text.count("\n") + 1
        try:
            findings = fz.check_program(text, allow_parse_error=is_hypothesmith)
            fz.check_plugin_agrees(text, findings)
        except BaseException as exc:  # noqa: BLE001 - record and go on
            if isinstance(exc, KeyboardInterrupt):
                raise
            stats["failed"] += 1
            failures_dir.mkdir(parents=True, exist_ok=True)
            (failures_dir / f"{name}-{digest[:12]}.py").write_text(text, errors="surrogatepass")
            (failures_dir / f"{name}-{digest[:12]}.txt").write_text(traceback.format_exc())
            return
        for f in findings:
            codes[f.code] += 1
        if findings:
            stats["with_findings"] += 1

    return body


if __name__ == "__main__":
    sys.exit(main())

"""INIT1xx analysis cost per file: two source trees of initlint on the same files, in turns (ABBA).

    python benchmarks/bench_init1xx.py --tree A=/path/to/old/checkout --tree B=. DIR [DIR ...]

For each tree a subprocess imports initlint from that checkout (``PYTHONPATH``) and lints every ``*.py`` file
under the directories with only INIT101-INIT104 selected (the same engine path as the ``initlint`` command:
prefilter, statement slice, parse, analysis), timing each file with ``time.process_time`` (CPU of that
process). Reported per tree: files with a finding, total CPU, median, 95th percentile and the slowest files,
plus the ratio B/A of the totals. The machines here are shared; CPU time is used for that reason, and each
side runs ``--reps`` times in ABBA order, the median of the totals counting.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_CHILD = r"""
import json, sys, time
from initlint import Config, lint_file
cfg = Config(select=("INIT101", "INIT102", "INIT103", "INIT104"))
out = []
for f in sys.argv[1:]:
    t = time.process_time()
    found = lint_file(f, cfg)
    out.append((f, time.process_time() - t, len(found)))
json.dump(out, sys.stdout)
"""


def run_tree(tree: str, files: list[str]) -> list:
    env = dict(os.environ, PYTHONPATH=tree)
    proc = subprocess.run([sys.executable, "-c", _CHILD, *files], capture_output=True, text=True, env=env,
                          cwd="/tmp", check=True)
    return json.loads(proc.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", action="append", required=True, help="NAME=checkout (give two)")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args(argv)
    trees = [t.split("=", 1) for t in args.tree]
    files = sorted(str(p) for d in args.dirs for p in Path(d).rglob("*.py"))
    order = [t for r in range(args.reps) for t in (trees if r % 2 == 0 else trees[::-1])]
    runs: dict[str, list] = {name: [] for name, _ in trees}
    for name, path in order:
        runs[name].append(run_tree(os.path.abspath(path), files))
    totals = {}
    print(f"{len(files)} files under {', '.join(args.dirs)}; {args.reps} run(s) per tree, ABBA; CPU seconds\n")
    print("| tree | total (median of runs) | median/file | p95/file | max/file | files with findings |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, _ in trees:
        per_file = [statistics.median(r[i][1] for r in runs[name]) for i in range(len(files))]
        totals[name] = statistics.median(sum(x[1] for x in r) for r in runs[name])
        ordered = sorted(per_file)
        p95 = ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0
        hits = sum(1 for x in runs[name][0] if x[2])
        print(f"| {name} | {totals[name]:.2f} | {statistics.median(per_file) * 1000:.1f} ms | {p95 * 1000:.1f} ms "
              f"| {max(per_file):.2f} s | {hits} |")
    if len(trees) == 2:
        a, b = trees[0][0], trees[1][0]
        print(f"\nratio {b}/{a} of total CPU: {totals[b] / totals[a]:.2f}x")
    for name, _ in trees:
        per_file = [(statistics.median(r[i][1] for r in runs[name]), files[i]) for i in range(len(files))]
        slowest = sorted(per_file, reverse=True)[:args.top]
        print(f"\nslowest files, {name}: " + "; ".join(f"{Path(f).name} {t:.2f} s" for t, f in slowest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""Cost of the project index (issue 12): the same lint with the index off, cold and warm.

    python benchmarks/bench_index.py DIR [DIR ...] [--reps N] [--flake8]

For each directory (an unpacked package, so that imports resolve inside it), three whole-process runs of
``initlint -j1 --no-cache DIR`` (the findings cache off: only the summary cache differs), in turns:

* ``off``  — ``INITLINT_NO_INDEX=1``: one file at a time, the behaviour before the index;
* ``cold`` — index on, empty summary cache (a fresh ``INITLINT_CACHE_DIR``);
* ``warm`` — index on, the summary cache the cold run just filled.

CPU time is user+sys of the process from ``os.wait4`` (the verdicts use CPU: the machine is shared). It also
reports how many summaries the cold run wrote (files the index read besides the linted ones), the warm run's
hit rate (no new summaries written), and whether findings differ between the modes. ``--flake8`` adds the same
three modes through ``flake8 -j1 --select INIT`` and a plain ``flake8 -j1 --select E9`` run of the same
interpreter as the no-plugin floor (the plugin is installed; ``--select E9`` leaves it inactive).
Writes nothing in the repository.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def run(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall s, cpu s, stdout) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read().decode("utf-8", "replace")
    _pid, _status, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime, out


def count_summaries(directory: str) -> int:
    return sum(len(files) for _d, _s, files in os.walk(directory)) if os.path.isdir(directory) else 0


def count_kinds(directory: str) -> str:
    """How many cache entries of each kind: file heads, class parts, whole summaries (see initlint.project)."""
    kinds = {"head": 0, "class": 0, "whole": 0}
    for _d, _s, files in os.walk(directory):
        for f in files:
            part = f.split(".")[1] if f.count(".") >= 2 else "whole"
            kinds["class" if part.startswith("class-") else part if part in kinds else "whole"] += 1
    return ", ".join(f"{n} {k}" for k, n in kinds.items())


def bench(target: str, reps: int, flake8: bool) -> list[str]:
    base = dict(os.environ)
    base.pop("INITLINT_NO_INDEX", None)
    tools = [("initlint", [sys.executable, "-m", "initlint", "-j1", "--no-cache", target])]
    if flake8:
        tools.append(("flake8", [sys.executable, "-m", "flake8", "-j1", "--isolated", "--select", "INIT", target]))
    lines = []
    for tool, cmd in tools:
        cpu: dict[str, list[float]] = {"off": [], "cold": [], "warm": []}
        wall: dict[str, list[float]] = {"off": [], "cold": [], "warm": []}
        outputs: dict[str, str] = {}
        written = 0
        warm_new = 0
        kinds = ""
        for _ in range(reps):
            cache = tempfile.mkdtemp(prefix="bench-index-")
            try:
                for mode in ("off", "cold", "warm"):
                    env = dict(base, INITLINT_CACHE_DIR=cache)
                    if mode == "off":
                        env["INITLINT_NO_INDEX"] = "1"
                    before = count_summaries(os.path.join(cache, "summaries"))
                    w, c, out = run(cmd, env)
                    after = count_summaries(os.path.join(cache, "summaries"))
                    if mode == "cold":
                        written = after - before
                        kinds = count_kinds(os.path.join(cache, "summaries"))
                    if mode == "warm":
                        warm_new = after - before
                    cpu[mode].append(c)
                    wall[mode].append(w)
                    outputs[mode] = out
            finally:
                shutil.rmtree(cache, ignore_errors=True)
        if tool == "flake8":
            floor = [run([sys.executable, "-m", "flake8", "-j1", "--isolated", "--select", "E9", target], base)[1]
                     for _ in range(reps)]
            lines.append(f"| {target} | flake8 --select E9 (plugin inactive) | {_med(floor):.2f} | | |")
        off = _med(cpu["off"])
        for mode in ("off", "cold", "warm"):
            extra = ""
            if mode == "cold":
                extra = f"{written} summary entries written ({kinds})"
            elif mode == "warm":
                extra = f"{warm_new} new summaries (hit rate {100.0 * (1 - warm_new / max(written, 1)):.0f}%)"
            lines.append(f"| {target} | {tool} {mode} | {_med(cpu[mode]):.2f} (wall {_med(wall[mode]):.2f}) | "
                         f"{_med(cpu[mode]) / off:.2f}x | {extra} |")
        n_off, n_on = len(outputs["off"].splitlines()), len(outputs["warm"].splitlines())
        same = outputs["cold"] == outputs["warm"]
        lines.append(f"| {target} | {tool} findings | off {n_off}, index {n_on} | | cold == warm: {same} |")
    return lines


def _med(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2] if values else float("nan")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dirs", nargs="+")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--flake8", action="store_true")
    args = parser.parse_args(argv)
    print(f"{time.strftime('%Y-%m-%d %H:%M')} UTC; {os.cpu_count()} cores; load {os.getloadavg()[0]:.1f}; "
          f"python {sys.version.split()[0]}; command: {' '.join(sys.argv)}\n")
    print("| corpus | run | CPU s (median) | vs off | note |\n|---|---|---|---|---|")
    for target in args.dirs:
        for line in bench(target, args.reps, args.flake8):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""initguard on a >= 1B-parameter model (issue 16): check cost against one pass over the weights, and the cost of
tracking the construction.

    python benchmarks/bench_guard_scale.py                  # 16 x Linear(8192, 8192) in bf16 = 1.07B params, 2 GiB
    python benchmarks/bench_guard_scale.py --layers 8 --repeat 5 --dtype float32

Measured in one process, sides alternating (ABAB), medians of ``--repeat`` runs, wall and process CPU time:

* S1 ``initguard.check(model)`` (sampled) / one ``sum`` per parameter over all parameters (target <= 0.3x);
* S2 ``initguard.check(model, mode="full")`` / the same pass (target <= 2x);
* S3 constructing the model inside ``initguard.track()`` / constructing it plainly (target <= 1.1x); and the same
  under the process-wide switch ``initguard.enable_tracking()``.
Prints a markdown block with the machine, the command and the ratios (paste it into benchmarks/RESULTS.md).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import initguard  # noqa: E402


def build(layers: int, width: int, dtype) -> nn.Module:
    return nn.Sequential(*[nn.Linear(width, width, dtype=dtype) for _ in range(layers)])


def _tracked_build(layers: int, width: int, dtype) -> nn.Module:
    with initguard.track():
        return build(layers, width, dtype)


def timed(fn):
    gc.collect()
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def one_pass(model):
    with torch.no_grad():
        return sum(float(p.sum()) for p in model.parameters())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=16)
    ap.add_argument("--width", type=int, default=8192)
    ap.add_argument("--dtype", default="bfloat16")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--small-repeat", type=int, default=50, help="constructions per block of the per-tensor cost")
    ap.add_argument("--small-blocks", type=int, default=5, help="blocks per side of the per-tensor cost")
    a = ap.parse_args()
    dtype = getattr(torch, a.dtype)
    res: dict[str, list] = {}

    def rec(key, wall, cpu):
        res.setdefault(key, []).append((wall, cpu))

    # S3: construction, plain / track() / enable_tracking(), alternating; one model alive at a time
    model = None
    for i in range(a.repeat):
        sides = ("plain", "track", "switch")
        for side in sides if i % 2 == 0 else sides[::-1]:  # ABC CBA ...: no side always runs first
            model = None
            gc.collect()
            if side == "plain":
                model, w, c = timed(lambda: build(a.layers, a.width, dtype))
            elif side == "track":
                def tracked():
                    with initguard.track():
                        return build(a.layers, a.width, dtype)
                model, w, c = timed(tracked)
            else:
                def switched():
                    initguard.enable_tracking()
                    try:
                        return build(a.layers, a.width, dtype)
                    finally:
                        initguard.disable_tracking()  # closes (finalizes) the scope: counted
                model, w, c = timed(switched)
            rec("build_" + side, w, c)
    nparams = sum(p.numel() for p in model.parameters())
    # S3'': what track() adds per tensor, without the init kernels that dominate S3: the same layer count at width
    # 64, --small-repeat constructions per side in alternating blocks; (tracked - plain) CPU / tensors
    small = {"plain": [], "track": []}
    for i in range(2 * a.small_blocks):
        side = ("plain", "track")[i % 2]
        fn = (lambda: build(a.layers, 64, dtype)) if side == "plain" else (lambda: _tracked_build(a.layers, 64, dtype))
        gc.collect()
        c0 = time.process_time()
        for _ in range(a.small_repeat):
            fn()
        small[side].append((time.process_time() - c0) / a.small_repeat)
    ntensors = 2 * a.layers
    per_tensor_us = (statistics.median(small["track"]) - statistics.median(small["plain"])) / ntensors * 1e6
    # S1/S2: checks against one pass, alternating, on the last (tracked by the switch) model and an untracked one
    for _ in range(a.repeat):
        _, w, c = timed(lambda: one_pass(model))
        rec("sum", w, c)
        r, w, c = timed(lambda: initguard.check(model))
        rec("check_sample", w, c)
        _, w, c = timed(lambda: initguard.check(model, mode="full"))
        rec("check_full", w, c)
    verdicts = sorted({str(p.verdict) for p in r.problems})

    def med(key, i):
        return statistics.median(x[i] for x in res[key])

    rows = [
        ("S1 sampled check / one pass", "check_sample", "sum", "<= 0.3x"),
        ("S2 full check / one pass", "check_full", "sum", "<= 2x"),
        ("S3 construction in track() / plain", "build_track", "build_plain", "<= 1.1x"),
        ("S3' construction under enable_tracking() / plain", "build_switch", "build_plain", "<= 1.1x"),
    ]
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores ({platform.processor() or 'cpu'}), "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f} at the end.")
    print(f"Command: `python benchmarks/bench_guard_scale.py --layers {a.layers} --width {a.width} --dtype {a.dtype} "
          f"--repeat {a.repeat}`; model: {a.layers} x Linear({a.width}, {a.width}) {a.dtype}, "
          f"{nparams / 1e9:.3f}B parameters; medians of {a.repeat}, sides alternating. Check verdicts: {verdicts}.")
    print()
    print("| ratio | side A wall / CPU (s) | side B wall / CPU (s) | ratio wall | ratio CPU | target |")
    print("|---|---:|---:|---:|---:|---|")
    for label, ka, kb, target in rows:
        wa, ca, wb, cb = med(ka, 0), med(ka, 1), med(kb, 0), med(kb, 1)
        print(f"| {label} | {wa:.3f} / {ca:.3f} | {wb:.3f} / {cb:.3f} | {wa / wb:.3f}x | {ca / cb:.3f}x | {target} |")
    build_cpu = med("build_plain", 1)
    print()
    print(f"S3'' track() bookkeeping: {per_tensor_us:.0f} us CPU per tensor (width-64 model, {a.small_blocks} blocks "
          f"x {a.small_repeat} constructions per side; plain {statistics.median(small['plain']) * 1e3:.2f} ms, "
          f"tracked {statistics.median(small['track']) * 1e3:.2f} ms per construction of {ntensors} tensors), i.e. "
          f"{per_tensor_us * ntensors / 1e6 / build_cpu * 100:.3f} % of the plain S3 construction's CPU time.")


if __name__ == "__main__":
    main()

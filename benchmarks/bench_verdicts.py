"""Verdict quality of the statistical ("untracked") path: false "default" rate and catch rate (issue 14).

For every weight shape from (1, 8) to (4096, 4096), random tensors are drawn from the inits real models use and
judged the two ways initguard judges without provenance:

* untracked: ``tensor_verdict(..., module=nn.Linear(in, out))`` (the module type gives the exact default);
* checkpoint: ``tensor_verdict(...)`` with the shape only (U(+-1/sqrt(fan_in)) and, for 2-D, N(0, 1)).

Families (``fi``/``fo`` = fan in/out, ``b = 1/sqrt(fi)`` = the Linear default's bound):

* normal: N(0, s) for s = 0.02, 1/sqrt(fi) (LeCun), sqrt(2/fi) (Kaiming), sqrt(2/(fi+fo)) (Xavier), b/sqrt(3) (the
  default's own std), 0.5;
* uniform: U(-a, a) for a = sqrt(6/(fi+fo)) (Xavier), sqrt(6/fi) (Kaiming, ReLU), 0.1, b/2, 2b;
* trained: N(0, 0.02) or Kaiming-uniform(ReLU) init, then 10 Adam-like steps of lr 1e-3 (sign updates).

A "false default" is a ``default`` verdict on any of these (a per-tensor rate: the model-level rule of
``check()`` only lowers it further). ``too-small`` (fits the default, fewer than 128 values) is counted apart: it is
not a failure. N(0, 1) is nn.Embedding's default itself, indistinguishable from it by any statistic: shown on its
own row for checkpoints, where only the model-level rule keeps a lone one from being accused. The catch rate is
the share of real PyTorch defaults (``nn.Linear(in, out).weight``; checkpoints also ``nn.Embedding``) judged
``default``.

Run: ``python benchmarks/bench_verdicts.py [--quick] [--out table.md]``.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time

import torch
import torch.nn as nn

from initguard.stats import tensor_verdict

SHAPES = [(1, 8), (1, 32), (4, 32), (8, 16), (16, 16), (32, 32), (10, 64), (64, 64), (128, 128), (256, 256),
          (512, 512), (1024, 1024), (4096, 4096)]


def trials_for(shape, quick: bool) -> int:
    n = shape[0] * shape[1]
    t = 400 if n <= 4096 else 200 if n <= 65536 else 40 if n <= 1 << 20 else 8
    return max(2, t // 4) if quick else t


def draws(shape, g):
    fo, fi = shape
    b = 1 / math.sqrt(fi)
    normal = {"N(0,0.02)": 0.02, "N lecun": 1 / math.sqrt(fi), "N kaiming": math.sqrt(2 / fi),
              "N xavier": math.sqrt(2 / (fi + fo)), "N std=b/sqrt3": b / math.sqrt(3), "N(0,0.5)": 0.5}
    uniform = {"U xavier": math.sqrt(6 / (fi + fo)), "U kaiming-relu": math.sqrt(6 / fi), "U(0.1)": 0.1,
               "U b/2": b / 2, "U 2b": 2 * b}
    for k, s in normal.items():
        yield "normal", k, torch.randn(shape, generator=g) * s
    for k, a in uniform.items():
        yield "uniform", k, (torch.rand(shape, generator=g) * 2 - 1) * a
    for k, w in (("trained N(0,0.02)", torch.randn(shape, generator=g) * 0.02),
                 ("trained kaiming-relu", (torch.rand(shape, generator=g) * 2 - 1) * math.sqrt(6 / fi))):
        for _ in range(10):
            w += 1e-3 * torch.sign(torch.randn(shape, generator=g))
        yield "trained", k, w


def verdict(t, module=None) -> str:
    p = tensor_verdict("weight", t, module=module) if module is not None else tensor_verdict("weight", t)
    return "ok" if p is None else p.verdict


def run(quick: bool) -> tuple[list, list, dict]:
    g = torch.Generator().manual_seed(0)
    rows = []
    worst: dict = {}
    catch = []
    for shape in SHAPES:
        n = trials_for(shape, quick)
        lin = nn.Linear(shape[1], shape[0], device="meta")
        counts: dict = {}
        for _ in range(n):
            for fam, name, t in draws(shape, g):
                for how, v in (("untracked", verdict(t, lin)), ("checkpoint", verdict(t))):
                    c = counts.setdefault((fam, how), [0, 0, 0])
                    c[0] += v == "default"
                    c[1] += v == "too-small"
                    c[2] += 1
                    key = (shape, how, name)
                    worst[key] = worst.get(key, 0) + (v == "default")
            e = torch.randn(shape, generator=g)  # N(0, 1): nn.Embedding's default itself
            c = counts.setdefault(("N(0,1)", "checkpoint"), [0, 0, 0])
            v = verdict(e)
            c[0] += v == "default"
            c[1] += v == "too-small"
            c[2] += 1
        rows.append((shape, n, counts))
        # catch rate on real PyTorch defaults (fresh nn.Linear / nn.Embedding draws)
        m = 40 if shape[0] * shape[1] <= 1 << 20 else 8
        if quick:
            m = max(2, m // 4)
        got = {"untracked": 0, "checkpoint": 0, "embedding": 0}
        for _ in range(m):
            real = nn.Linear(shape[1], shape[0])
            got["untracked"] += verdict(real.weight.detach(), real) == "default"
            got["checkpoint"] += verdict(real.weight.detach()) == "default"
            emb = nn.Embedding(shape[0], shape[1])
            got["embedding"] += verdict(emb.weight.detach(), emb) == "default"
        catch.append((shape, m, got))
        print(f"{shape} done", file=sys.stderr, flush=True)
    return rows, catch, worst


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:.2f} %" if b else "-"


def table(rows, catch, worst) -> str:
    out = ["| shape | values | trials | false default, untracked: normal / uniform / trained | false default, "
           "checkpoint: normal / uniform / trained | too small (untracked, all) | N(0,1) in a checkpoint: "
           "default / too small |", "|---|---:|---:|---|---|---:|---|"]
    tot = {"untracked": [0, 0], "checkpoint": [0, 0]}
    for shape, n, c in rows:
        cells = []
        for how in ("untracked", "checkpoint"):
            parts = []
            for fam in ("normal", "uniform", "trained"):
                d, _, k = c[(fam, how)]
                parts.append(pct(d, k))
                tot[how][0] += d
                tot[how][1] += k
            cells.append(" / ".join(parts))
        small = sum(c[(f, "untracked")][1] for f in ("normal", "uniform", "trained"))
        alln = sum(c[(f, "untracked")][2] for f in ("normal", "uniform", "trained"))
        e = c[("N(0,1)", "checkpoint")]
        out.append(f"| {shape} | {shape[0] * shape[1]:,} | {n} | {cells[0]} | {cells[1]} | {pct(small, alln)} | "
                   f"{pct(e[0], e[2])} / {pct(e[1], e[2])} |")
    out.append(f"| **all** | | | **{pct(*tot['untracked'])}** ({tot['untracked'][0]}/{tot['untracked'][1]}) | "
               f"**{pct(*tot['checkpoint'])}** ({tot['checkpoint'][0]}/{tot['checkpoint'][1]}) | | |")
    bad = sorted(((v, k) for k, v in worst.items() if v), reverse=True)[:8]
    out.append("")
    out.append("Worst cells (shape, path, init: default verdicts): "
               + (", ".join(f"{k[0]} {k[1]} {k[2]}: {v}" for v, k in bad) or "none"))
    out.append("")
    out.append("| shape | values | draws | catch: Linear untracked | Linear checkpoint | Embedding untracked |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for shape, m, got in catch:
        out.append(f"| {shape} | {shape[0] * shape[1]:,} | {m} | {pct(got['untracked'], m)} | "
                   f"{pct(got['checkpoint'], m)} | {pct(got['embedding'], m)} |")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a quarter of the trials")
    ap.add_argument("--out", help="also write the markdown table here")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.time()
    rows, catch, worst = run(args.quick)
    text = table(rows, catch, worst)
    head = (f"machine: {platform.machine()}, {platform.processor() or 'cpu'}; Python {platform.python_version()}, "
            f"torch {torch.__version__}; {time.time() - t0:.0f} s")
    print(head)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(head + "\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

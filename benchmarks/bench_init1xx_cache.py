"""INIT1xx cost per file with a cold and a warm summary cache: two source trees, ABBA.

    python benchmarks/bench_init1xx_cache.py --tree base=/path/to/old --tree branch=. --entries
    python benchmarks/bench_init1xx_cache.py --tree base=/path/to/old --tree branch=. DIR [DIR ...]

Like :mod:`bench_init1xx` (a subprocess per tree imports initlint from that checkout and times ``lint_file`` per
file with ``time.process_time``, only INIT101-INIT104 selected), but each side runs twice per rep on one fresh
summary cache (``INITLINT_CACHE_DIR``): *cold* (every imported helper a file reaches is read and summarized) and
*warm* (the summaries come from the cache). ``--entries``: the originals of the mutation corpus
(``scripts/init1xx_corpus.toml``) unpacked under ``--corpus-x`` (default ``/work/corpora/init1xx/x``), where
their imports resolve as in a user's checkout.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_init1xx import _CHILD  # noqa: E402 - the same child as the per-file benchmark

ROOT = Path(__file__).resolve().parent.parent


def entry_files(x_dir: str) -> list[str]:
    """The corpus entry points' files inside the unpacked archives (wheels: ``<stem>/<path>``; sdists: found)."""
    corpus = tomllib.loads((ROOT / "scripts" / "init1xx_corpus.toml").read_text())
    out = set()
    for e in corpus["entry"]:
        archive, path = e["archive"], e["path"]
        if archive.endswith(".whl") and os.path.exists(os.path.join(x_dir, archive[:-4], path)):
            out.add(os.path.join(x_dir, archive[:-4], path))
            continue
        version = archive[:-len(".tar.gz")].rsplit("-", 1)[-1] if archive.endswith(".tar.gz") else ""
        found = [c for c in glob.glob(os.path.join(x_dir, "*", path)) + glob.glob(os.path.join(x_dir, "*", "*", path))
                 if version in c]
        if found:
            out.add(sorted(found)[0])
    return sorted(out)


def run(tree: str, files: list[str], cache: str) -> list:
    env = dict(os.environ, PYTHONPATH=tree, INITLINT_CACHE_DIR=cache)
    proc = subprocess.run([sys.executable, "-c", _CHILD, *files], capture_output=True, text=True, env=env,
                          cwd=tempfile.gettempdir(), check=True)
    return json.loads(proc.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", action="append", required=True, help="NAME=checkout (give two)")
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--entries", action="store_true", help="the mutation corpus's entry points")
    ap.add_argument("--corpus-x", default="/work/corpora/init1xx/x")
    ap.add_argument("dirs", nargs="*")
    args = ap.parse_args(argv)
    trees = [t.split("=", 1) for t in args.tree]
    files = entry_files(args.corpus_x) if args.entries else sorted(
        str(p) for d in args.dirs for p in Path(d).rglob("*.py"))
    res = {name: {"cold": [], "warm": []} for name, _ in trees}
    for r in range(args.reps):
        for name, tree in (trees if r % 2 == 0 else trees[::-1]):
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as cache:
                res[name]["cold"].append(sum(t for _f, t, _n in run(os.path.abspath(tree), files, cache)))
                res[name]["warm"].append(sum(t for _f, t, _n in run(os.path.abspath(tree), files, cache)))
    print(f"{len(files)} files; {args.reps} rep(s) ABBA; CPU seconds summed over files\n")
    print("| tree | cold (median) | warm (median) | cold runs |")
    print("|---|---:|---:|---|")
    for name, _ in trees:
        d = res[name]
        print(f"| {name} | {statistics.median(d['cold']):.2f} | {statistics.median(d['warm']):.2f} | "
              f"{', '.join(f'{x:.2f}' for x in d['cold'])} |")
    (a, _), (b, _) = trees[0], trees[1]
    for kind in ("cold", "warm"):
        ratio = statistics.median(res[b][kind]) / statistics.median(res[a][kind])
        print(f"\n{kind}: {b}/{a} = {ratio:.2f}x", end="")
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python
"""L1's two sides once more, after ``bench_lint.py --full --only L1`` filled the summary cache (the warm case).

    INITLINT_CACHE_DIR=<the cold run's> python benchmarks/l1_warm_sides.py [WORK_DIR]

``WORK_DIR`` is the ``benchmarks/_work`` that holds the ``flake8-initcheck`` and ``flake8-base`` virtualenvs and
the corpora (default: this checkout's). Runs the plugin side first, then the base side, each
``<venv>/bin/flake8 -j1 --isolated <corpora>/transformers/full`` as one whole process from the corpora
directory, and prints CPU (user+sys from ``os.wait4``, as ``bench_lint.run_once``), wall, peak RSS, output lines,
INIT findings and the load average, one JSON object per side, then the CPU ratio. Writes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    work = Path(argv[0] if argv else Path(__file__).resolve().parent / "_work").resolve()
    corpora = work / "corpora"
    target = json.loads((corpora / "transformers" / "manifest.json").read_text())["full"]["path"]
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    rows = []
    for name, venv in (("flake8 + initcheck", "flake8-initcheck"), ("flake8 (base)", "flake8-base")):
        load = os.getloadavg()[0]
        start = time.perf_counter()
        proc = subprocess.Popen([str(work / venv / "bin" / "flake8"), "-j1", "--isolated", target], cwd=corpora,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = proc.stdout.read()
        _pid, _status, usage = os.wait4(proc.pid, 0)
        row = {"side": name, "cpu": usage.ru_utime + usage.ru_stime, "wall": time.perf_counter() - start,
               "rss_mib": usage.ru_maxrss / 1024, "lines": out.count(b"\n"), "init": out.count(b" INIT"),
               "load_before": load, "load_after": os.getloadavg()[0]}
        print(json.dumps(row), flush=True)
        rows.append(row)
    print(f"CPU ratio plugin / base: {rows[0]['cpu'] / rows[1]['cpu']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

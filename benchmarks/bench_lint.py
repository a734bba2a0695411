#!/usr/bin/env python
"""initlint speed targets L1-L4, each side measured in the same invocation, alternating.

    python benchmarks/bench_lint.py                 # quick: 1/20 samples, 3 repetitions (< 5 min on 2 cores)
    python benchmarks/bench_lint.py --full          # headline: full trees (about 20 min on 2 cores)
    python benchmarks/bench_lint.py --only L2,L3    # a subset
    python benchmarks/bench_lint.py --setup-only    # only create the anchor virtualenvs

Run it with the interpreter of the virtualenv where initcheck is installed (``initlint`` is taken from
there). The anchors live in their own virtualenvs under ``benchmarks/_work/`` and are created on first use:

* ``flake8-base``: flake8 7.5.0 with its default plugins (pyflakes, pycodestyle, mccabe), nothing else;
* ``flake8-initcheck``: the same pins + libcst + this repository (``pip install -e --no-deps``);
* ``torchfix-venv``: ``torchfix==0.7.0`` (it pins an old libcst, hence its own venv).

Every timing is one whole subprocess: wall time, CPU time (user + sys of the process and of the worker processes
it waited for) and peak RSS (the largest resident set among them), all from ``os.wait4``. The machines here are
shared: with other load, wall time also counts time slices taken by other processes, so the verdicts of the
single-process comparisons (L1, L2, L3) use CPU time, with the wall-time ratio beside; L4 (a parallel speed-up)
can only use wall time and is reported with the machine's load average. Sides of one comparison are run in turns
(ABBA order across repetitions) and the report gives medians and the ratio of medians. Output: a markdown
section on stdout (and ``--out``), raw numbers as JSON next to it.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
RESULTS_DIR = WORK / "results"
sys.path.insert(0, str(HERE))

import corpora  # noqa: E402

FLAKE8_PINS = ["flake8==7.5.0", "pyflakes==4.1.0", "pycodestyle==2.15.0", "mccabe==0.7.0"]
LIBCST_PIN = "libcst==1.9.0"
TORCHFIX_PIN = "torchfix==0.7.0"
VENVS = {
    "flake8-base": [FLAKE8_PINS],
    "flake8-initcheck": [FLAKE8_PINS + [LIBCST_PIN], ["--no-deps", "-e", str(ROOT)]],
    "torchfix-venv": [[TORCHFIX_PIN]],
}

# Targets.
L1_MAX = 1.2
L2_MIN_VS_TORCHFIX = 10.0
L2_MAX_VS_FLOOR = 1.0
L3_MAX = 0.1
L4_MIN = 1.6
L4_MAX_RSS_MIB = 300


# ---------------------------------------------------------------------------------------------- venvs
def venv_bin(name: str, exe: str) -> str:
    return str(WORK / name / "bin" / exe)


def ensure_venv(name: str) -> None:
    path = WORK / name
    marker = path / ".initcheck-bench-ok"
    if marker.is_file():
        return
    shutil.rmtree(path, ignore_errors=True)
    _log(f"creating {path}")
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    for args in VENVS[name]:
        cmd = [venv_bin(name, "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args]
        _log("+ " + " ".join(cmd))
        subprocess.run(cmd, check=True)
    marker.write_text("ok\n")


def pip_freeze(name: str) -> str:
    out = subprocess.run(
        [venv_bin(name, "python"), "-m", "pip", "list", "--format=freeze", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
    ).stdout
    keep = ("flake8", "pyflakes", "pycodestyle", "mccabe", "libcst", "torchfix", "initcheck")
    return ", ".join(line for line in out.split() if line.lower().split("==")[0] in keep)


def initlint_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("initlint")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "initlint"]


# ---------------------------------------------------------------------------------------------- running
@dataclass
class Side:
    name: str
    cmd: list[str]
    cwd: str = str(corpora.CORPORA)  # holds an empty pyproject.toml: initlint runs with its defaults
    env: dict | None = None
    before: object = None  # callable run (untimed) before each repetition of this side
    runs: list = field(default_factory=list)

    @property
    def shell(self) -> str:
        return " ".join(_short(c) for c in self.cmd)

    def median(self, key: str = "wall") -> float:
        return statistics.median(r[key] for r in self.runs)

    def values(self, key: str = "wall") -> list[float]:
        return [r[key] for r in self.runs]


def _short(arg: str) -> str:
    for prefix, name in ((str(WORK) + "/", "_work/"), (str(ROOT) + "/", ""), (sys.executable, "python")):
        if arg.startswith(prefix):
            return name + arg[len(prefix) :]
    return arg


#: Raw outputs of this invocation (separate per run, so that two runs never share files).
OUT_DIR = RESULTS_DIR / "out" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"


def run_once(side: Side, tag: str) -> dict:
    out_path = OUT_DIR / f"{tag}.{side.name.replace(' ', '_')}.out"
    err_path = out_path.with_suffix(".err")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if side.before:
        side.before()
    env = dict(os.environ, **(side.env or {}))
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(side.cmd, cwd=side.cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    data = out_path.read_bytes()
    result = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_mib": usage.ru_maxrss / 1024.0,
        "rc": proc.returncode,
        "out_lines": data.count(b"\n"),
        "out": str(out_path),
    }
    if proc.returncode not in (0, 1):
        tail = err_path.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{side.name} failed (rc={proc.returncode}): {side.shell}\n{tail}")
    side.runs.append(result)
    _log(f"  {side.name:28s} {wall:8.2f} s  rss {result['maxrss_mib']:6.0f} MiB  out {result['out_lines']} lines")
    return result


LOADS: dict[str, tuple[float, float]] = {}


def load_note(group: str) -> str:
    a, b = LOADS.get(group, (float("nan"), float("nan")))
    return f"Machine load average (1 min) at start/end of this comparison: {a:.1f} / {b:.1f} on {os.cpu_count()} cores."


def alternate(group: str, sides: list[Side], reps: int, abba: bool = True) -> None:
    """Run every side ``reps`` times in turns: A B, B A, A B... (or always in order when ``abba`` is off)."""
    start_load = os.getloadavg()[0]
    _run_alternating(group, sides, reps, abba)
    LOADS[group] = (start_load, os.getloadavg()[0])


def _run_alternating(group: str, sides: list[Side], reps: int, abba: bool) -> None:
    for rep in range(reps):
        order = sides if (rep % 2 == 0 or not abba) else sides[::-1]
        for side in order:
            run_once(side, f"{group}.{rep}")


def warm_up(paths: list[str], commands: list[list[str]]) -> None:
    """Untimed: read the corpora into the page cache and start each tool once."""
    for path in paths:
        for f in Path(path).rglob("*.py"):
            f.read_bytes()
    for cmd in commands:
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---------------------------------------------------------------------------------------------- floor
def floor_main(path: str) -> int:
    """``--_floor DIR``: parse every .py file under DIR once with libcst's native parser (one process)."""
    t0 = time.perf_counter()
    import libcst

    t1 = time.perf_counter()
    files = corpora.list_files(path)
    errors = 0
    for name in files:
        with open(name, "rb") as fh:
            data = fh.read()
        try:
            libcst.parse_module(data)
        except Exception:  # noqa: BLE001 - counted, not fatal
            errors += 1
    t2 = time.perf_counter()
    print(json.dumps({"files": len(files), "errors": errors, "import_s": t1 - t0, "parse_s": t2 - t1}))
    return 0


def floor_cmd(path: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--_floor", path]


# ---------------------------------------------------------------------------------------------- profile
def profile_main(corpus_spec: str, top: int = 35) -> int:
    """``--profile NAME/SIZE``: where ``initlint.engine.lint_source`` spends its time on a corpus (one process).

    Prints a phase breakdown that follows the engine's own steps (prefilter, slice, libcst parse, rules + facts,
    positions; CPU time), what the same parse costs without libcst's per-node validation, and cProfile's top
    functions by cumulative time for the real entry point.
    """
    import cProfile
    import io
    import pstats

    import libcst
    from libcst._nodes.base import CSTNode
    from libcst.metadata import MetadataWrapper

    from initlint import Config, engine

    name, size = corpus_spec.split("/")
    c = corpora.corpus(name, size)
    files = [(f, Path(f).read_bytes()) for f in corpora.list_files(c["path"])]
    config = Config()
    libcst.parse_module("x = 1\n")
    clock = time.process_time
    pos_time = [0.0]
    real_resolve = MetadataWrapper.resolve

    def timed_resolve(self, provider):
        t = clock()
        try:
            return real_resolve(self, provider)
        finally:
            pos_time[0] += clock() - t

    MetadataWrapper.resolve = timed_resolve
    t = dict(prefilter=0.0, slice=0.0, parse=0.0, rules=0.0, parse_novalidate=0.0)
    matched = matched_lines = parsed_lines = findings = 0
    real_post_init = CSTNode.__post_init__
    try:
        for path, data in files:
            t0 = clock()
            all_rules = engine.enabled_rules(config, path)
            if hasattr(engine, "matching_rules"):
                rules = engine.matching_rules(data, all_rules)
            else:
                rules = all_rules if engine.might_match(data, all_rules) else []
            t1 = clock()
            t["prefilter"] += t1 - t0
            if not rules:
                continue
            matched += 1
            matched_lines += corpora._count_lines(data)
            piece = engine._slice(data, rules, config, None) if hasattr(engine, "_slice") else data
            # a Slice since it drops cut lines; the sliced text (or the bytes themselves) before that
            to_parse = data if piece is None else getattr(piece, "text", piece)
            t2 = clock()
            t["slice"] += t2 - t1
            try:
                module = libcst.parse_module(to_parse)
            except Exception:  # noqa: BLE001
                continue
            t3 = clock()
            t["parse"] += t3 - t2
            findings += len(engine.lint_module(module, path, config, rules))
            t["rules"] += clock() - t3
            text = to_parse.decode("utf-8", "replace") if isinstance(to_parse, bytes) else to_parse
            parsed_lines += sum(1 for ln in text.splitlines() if ln.strip())  # untimed
            CSTNode.__post_init__ = lambda self: None
            try:
                t4 = clock()
                libcst.parse_module(to_parse)
                t["parse_novalidate"] += clock() - t4
            finally:
                CSTNode.__post_init__ = real_post_init
    finally:
        MetadataWrapper.resolve = real_resolve
        CSTNode.__post_init__ = real_post_init
    total = t["prefilter"] + t["slice"] + t["parse"] + t["rules"]
    print(
        f"corpus {c['name']}: {c['files']} files, {c['lines']:,} lines; prefilter passed {matched} files "
        f"({matched_lines:,} lines, {100 * matched_lines / max(1, c['lines']):.0f}%); non-blank lines left to "
        f"parse after slicing: {parsed_lines:,}; {findings} findings. CPU time:"
    )
    for label, v in (
        ("prefilter", t["prefilter"]),
        ("slice (ast.parse + cut)", t["slice"]),
        ("libcst parse", t["parse"]),
        ("rules+facts (incl. positions)", t["rules"]),
        ("  of which positions (MetadataWrapper)", pos_time[0]),
        ("total", total),
    ):
        print(f"  {label:40s} {v:8.2f} s  {100 * v / total:5.1f}%")
    print(
        f"  {'(same parse, libcst node validation off)':40s} {t['parse_novalidate']:8.2f} s  "
        f"({100 * (1 - t['parse_novalidate'] / max(t['parse'], 1e-9)):.0f}% less than the parse above)"
    )
    prof = cProfile.Profile(time.process_time)  # CPU time: wall time on a shared machine counts other processes
    prof.enable()
    for path, data in files:
        engine.lint_source(data, path, config)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumtime").print_stats(top)
    print(buf.getvalue())
    return 0


# ---------------------------------------------------------------------------------------------- report
def fmt_s(v: float) -> str:
    return f"{v:.2f}"


def side_row(side: Side, lines: int) -> str:
    med = side.median()
    vals = " / ".join(fmt_s(v) for v in side.values())
    rss = max(side.values("maxrss_mib"))
    return (
        f"| {side.name} | `{side.shell}` | {fmt_s(med)} | {lines / med:,.0f} | {vals} | "
        f"{fmt_s(side.median('cpu'))} | {rss:.0f} | {side.runs[-1]['out_lines']} |"
    )


TABLE_HEAD = (
    "| side | command | median wall s | lines/s | all runs, wall s | median CPU s | peak RSS MiB | output lines |\n"
    "|---|---|---:|---:|---|---:|---:|---:|"
)


def cpu_ratio(a: Side, b: Side) -> str:
    """CPU-time ratio a/b (user+sys of the process and its waited-for children): robust to other load."""
    return f"{a.median('cpu') / b.median('cpu'):.2f}×"


def corpus_line(c: dict) -> str:
    return f"`{c['name']}`: {c['files']} files, {c['lines']:,} lines ({c['source']})"


def verdict(ok: bool) -> str:
    return "**pass**" if ok else "**MISS**"


# ---------------------------------------------------------------------------------------------- targets
def bench_l1(c: dict, reps: int, select_init_reps: int, summary: list, md: list) -> None:
    ensure_venv("flake8-base")
    ensure_venv("flake8-initcheck")
    md.append(f"### L1: flake8 overhead (target ≤ {L1_MAX}×)\n\nCorpus {corpus_line(c)}.\n")
    md.append(f"flake8-base: {pip_freeze('flake8-base')}; flake8-initcheck: {pip_freeze('flake8-initcheck')}.\n")
    variants = [("default selection", [], reps)]
    if select_init_reps:
        variants.append(("--select INIT", ["--select", "INIT"], select_init_reps))
    for label, extra, n in variants:
        base = Side("flake8 (base)", [venv_bin("flake8-base", "flake8"), "-j1", "--isolated", *extra, c["path"]])
        plug = Side(
            "flake8 + initcheck", [venv_bin("flake8-initcheck", "flake8"), "-j1", "--isolated", *extra, c["path"]]
        )
        warm_up([c["path"]], [base.cmd[:1] + ["--version"], plug.cmd[:1] + ["--version"]])
        tag = "L1" + ("-select" if extra else "")
        _log(f"{tag} {label} on {c['name']} x{n}")
        alternate(tag, [base, plug], n)
        wall_ratio = plug.median() / base.median()
        ratio = plug.median("cpu") / base.median("cpu")
        init_lines = _count_in(plug.runs[-1]["out"], b" INIT")
        md.append(f"**{label}** ({n} runs each, alternating):\n\n{TABLE_HEAD}")
        md.append(side_row(base, c["lines"]))
        md.append(side_row(plug, c["lines"]) + "\n")
        md.append(
            f"Ratio with initcheck / without, CPU time: **{ratio:.2f}×** → {verdict(ratio <= L1_MAX)} "
            f"(wall-time ratio {wall_ratio:.2f}×). "
            f"INIT findings in the plugin run: {init_lines}. {load_note(tag)}\n"
        )
        summary.append(
            (
                "L1",
                f"flake8 -j1 overhead, {label} (CPU; wall {wall_ratio:.2f}×)",
                f"{ratio:.2f}×",
                f"≤ {L1_MAX}×",
                ratio <= L1_MAX,
                c["name"],
                n,
            )
        )


def bench_l2_torchfix(c: dict, reps: int, summary: list, md: list) -> None:
    ensure_venv("torchfix-venv")
    md.append(
        f"### L2a: initlint vs TorchFix (target ≥ {L2_MIN_VS_TORCHFIX:.0f}× TorchFix's lines/s)\n\n"
        f"Corpus {corpus_line(c)}. TorchFix: {pip_freeze('torchfix-venv')}.\n"
    )
    ours = Side("initlint -j1 --no-cache", [*initlint_cmd(), "-j1", "--no-cache", c["path"]])
    tf = Side("torchfix -j1", [venv_bin("torchfix-venv", "torchfix"), "-j1", c["path"]])
    warm_up([c["path"]], [[*initlint_cmd(), "--version"], tf.cmd[:1] + ["--version"]])
    _log(f"L2a on {c['name']} x{reps}")
    alternate("L2a", [ours, tf], reps)
    speedup = tf.median("cpu") / ours.median("cpu")
    md.append(f"{TABLE_HEAD}\n{side_row(ours, c['lines'])}\n{side_row(tf, c['lines'])}\n")
    md.append(
        f"initlint lines/s ÷ TorchFix lines/s, CPU time: **{speedup:.1f}×** → "
        f"{verdict(speedup >= L2_MIN_VS_TORCHFIX)} (wall-time ratio {tf.median() / ours.median():.1f}×). "
        f"{load_note('L2a')}\n"
    )
    summary.append(
        (
            "L2",
            f"initlint -j1 vs torchfix -j1 lines/s (CPU; wall {tf.median() / ours.median():.1f}×)",
            f"{speedup:.1f}×",
            f"≥ {L2_MIN_VS_TORCHFIX:.0f}×",
            speedup >= L2_MIN_VS_TORCHFIX,
            c["name"],
            reps,
        )
    )


def bench_l2_floor_l4(c: dict, reps: int, summary: list, md: list, want_l2: bool, want_l4: bool) -> None:
    j1 = Side("initlint -j1 --no-cache", [*initlint_cmd(), "-j1", "--no-cache", c["path"]])
    j2 = Side("initlint -j2 --no-cache", [*initlint_cmd(), "-j2", "--no-cache", c["path"]])
    floor = Side("libcst parse floor", floor_cmd(c["path"]))
    sides = [j1] + ([j2] if want_l4 else []) + ([floor] if want_l2 else [])
    warm_up([c["path"]], [[*initlint_cmd(), "--version"]])
    _log(f"L2b/L4 on {c['name']} x{reps}")
    alternate("L2b-L4", sides, reps)
    title = " and ".join(
        t
        for t, w in (
            ("L2b: initlint vs parsing every file once", want_l2),
            ("L4: parallel speed-up and memory", want_l4),
        )
        if w
    )
    md.append(f"### {title}\n\nCorpus {corpus_line(c)}.\n\n{TABLE_HEAD}")
    for s in sides:
        md.append(side_row(s, c["lines"]))
    md.append(f"\n{load_note('L2b-L4')}\n")
    if want_l2:
        info = json.loads(Path(floor.runs[-1]["out"]).read_text())
        ratio = j1.median("cpu") / floor.median("cpu")
        md.append(
            f"L2b: initlint -j1 ÷ libcst-parse-every-file (both whole processes), CPU time: **{ratio:.2f}×** "
            f"(target ≤ {L2_MAX_VS_FLOOR}) → {verdict(ratio <= L2_MAX_VS_FLOOR)} (wall-time ratio "
            f"{j1.median() / floor.median():.2f}×). Floor process internals, "
            f"last run: import libcst {info['import_s']:.2f} s, parse {info['parse_s']:.2f} s "
            f"({c['lines'] / info['parse_s']:,.0f} lines/s), {info['errors']} unparseable files.\n"
        )
        summary.append(
            (
                "L2",
                f"initlint -j1 vs libcst parse of every file (CPU; wall {j1.median() / floor.median():.2f}×)",
                f"{ratio:.2f}×",
                f"≤ {L2_MAX_VS_FLOOR}×",
                ratio <= L2_MAX_VS_FLOOR,
                c["name"],
                reps,
            )
        )
    if want_l4:
        speedup = j1.median() / j2.median()
        rss = max(j1.values("maxrss_mib") + j2.values("maxrss_mib"))
        same = _same_output(j1.runs[-1]["out"], j2.runs[-1]["out"])
        md.append(
            f"L4: -j1 median ÷ -j2 median: **{speedup:.2f}×** (target ≥ {L4_MIN}) → "
            f"{verdict(speedup >= L4_MIN)}. Peak RSS of any initlint process (main or worker): "
            f"**{rss:.0f} MiB** (target ≤ {L4_MAX_RSS_MIB}) → {verdict(rss <= L4_MAX_RSS_MIB)}. "
            f"-j1 and -j2 findings identical: {same}. CPU time -j2 ÷ -j1: "
            f"{j2.median('cpu') / j1.median('cpu'):.2f}× (the extra work of the pool; with two idle cores the "
            f"speed-up is at most 2 ÷ that). Wall-time speed-up needs two idle cores: compare the load "
            f"average above.\n"
        )
        summary.append(
            (
                "L4",
                f"initlint -j2 vs -j1 wall speed-up (load {LOADS['L2b-L4'][0]:.1f}-{LOADS['L2b-L4'][1]:.1f})",
                f"{speedup:.2f}×",
                f"≥ {L4_MIN}×",
                speedup >= L4_MIN,
                c["name"],
                reps,
            )
        )
        summary.append(
            (
                "L4",
                "peak RSS per process",
                f"{rss:.0f} MiB",
                f"≤ {L4_MAX_RSS_MIB} MiB",
                rss <= L4_MAX_RSS_MIB,
                c["name"],
                reps,
            )
        )


def bench_l3(c: dict, reps: int, summary: list, md: list) -> None:
    cache_dir = OUT_DIR / "l3-cache"

    def fresh() -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)

    cold = Side(
        "initlint -j1 (cold cache)", [*initlint_cmd(), "-j1", "--cache-dir", str(cache_dir), c["path"]], before=fresh
    )
    warm = Side("initlint -j1 (warm cache)", [*initlint_cmd(), "-j1", "--cache-dir", str(cache_dir), c["path"]])
    warm_up([c["path"]], [[*initlint_cmd(), "--version"]])
    _log(f"L3 on {c['name']} x{reps}")
    alternate("L3", [cold, warm], reps, abba=False)
    ratio = warm.median("cpu") / cold.median("cpu")
    same = all(_same_output(a["out"], b["out"]) for a, b in zip(cold.runs, warm.runs))
    md.append(
        f"### L3: warm cache (target ≤ {L3_MAX}× the cold run)\n\nCorpus {corpus_line(c)}. Each repetition: "
        f"delete the cache directory, run once (cold), run again over the unchanged files (warm).\n\n{TABLE_HEAD}"
    )
    md.append(side_row(cold, c["lines"]))
    md.append(side_row(warm, c["lines"]) + "\n")
    md.append(
        f"Warm ÷ cold, CPU time: **{ratio:.3f}×** → {verdict(ratio <= L3_MAX)} (wall-time ratio "
        f"{warm.median() / cold.median():.3f}×). Warm findings identical to cold: {same}. "
        f"{load_note('L3')}\n"
    )
    summary.append(
        (
            "L3",
            f"warm-cache run vs cold run (CPU; wall {warm.median() / cold.median():.3f}×)",
            f"{ratio:.3f}×",
            f"≤ {L3_MAX}×",
            ratio <= L3_MAX,
            c["name"],
            reps,
        )
    )


def _count_in(path: str, needle: bytes) -> int:
    return sum(1 for line in Path(path).read_bytes().splitlines() if needle in line)


def _same_output(a: str, b: str) -> bool:
    return sorted(Path(a).read_bytes().splitlines()) == sorted(Path(b).read_bytes().splitlines())


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------- main
def machine() -> str:
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = model or platform.processor()
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="full trees (headline run) instead of the 1/20 samples")
    ap.add_argument("--reps", type=int, help="repetitions per side (default: 3 quick, 1 full)")
    ap.add_argument("--only", default="L1,L2,L3,L4", help="comma-separated subset of L1,L2,L3,L4")
    ap.add_argument("--out", help="also write the markdown section to this file")
    ap.add_argument("--setup-only", action="store_true", help="create the anchor virtualenvs and exit")
    ap.add_argument(
        "--profile",
        metavar="NAME/SIZE",
        help="profile initlint.engine.lint_source on a corpus " "(e.g. transformers/sample) and exit",
    )
    ap.add_argument("--_floor", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._floor:
        return floor_main(args._floor)
    if args.profile:
        return profile_main(args.profile)
    if args.setup_only:
        for name in VENVS:
            ensure_venv(name)
        return 0

    only = {t.strip().upper() for t in args.only.split(",")}
    size = "full" if args.full else "sample"
    reps = args.reps or (1 if args.full else 3)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    summary: list = []
    md: list[str] = []
    mode = "full" if args.full else "quick"
    cmdline = "python benchmarks/bench_lint.py " + " ".join(argv if argv is not None else sys.argv[1:])
    md.append(
        f"## initlint benchmarks ({mode})\n\n{_dt.datetime.now().strftime('%Y-%m-%d %H:%M %Z').strip()}; "
        f"{machine()}; command: `{cmdline.strip()}`; {reps} repetition(s) per side unless noted; "
        f"initlint: `{' '.join(_short(c) for c in initlint_cmd())}`.\n"
    )

    def guarded(label, fn, *a):
        try:
            fn(*a)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - one failing target must not lose the others
            _log(f"{label} failed: {exc}")
            md.append(f"### {label}: FAILED\n\n```\n{str(exc)[-2000:]}\n```\n")
            summary.append((label, "failed to run", "-", "-", False, "-", 0))

    if "L1" in only:
        guarded("L1", bench_l1, corpora.corpus("transformers", size), reps, 0 if args.full else 2, summary, md)
    if "L2" in only:
        # TorchFix is ~0.4k lines/s here: quick runs use the 1/100 sample, the headline run the 1/20 sample.
        guarded(
            "L2a",
            bench_l2_torchfix,
            corpora.corpus("transformers", "sample" if args.full else "tiny"),
            reps,
            summary,
            md,
        )
    if "L2" in only or "L4" in only:
        guarded(
            "L2b/L4", bench_l2_floor_l4, corpora.corpus("torch", size), reps, summary, md, "L2" in only, "L4" in only
        )
    if "L3" in only:
        guarded("L3", bench_l3, corpora.corpus("transformers", size), reps, summary, md)

    table = ["| target | measured | ratio | goal | result | corpus | runs/side |", "|---|---|---:|---|---|---|---:|"]
    for target, what, value, goal, ok, cname, n in summary:
        table.append(f"| {target} | {what} | {value} | {goal} | {verdict(ok)} | {cname} | {n} |")
    md.insert(1, "\n".join(table) + "\n")
    md.append(f"_Total benchmark time: {time.perf_counter() - started:.0f} s._\n")
    text = "\n".join(md)
    print(text)
    out = Path(args.out) if args.out else RESULTS_DIR / f"lint-{mode}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    (out.with_suffix(".json")).write_text(
        json.dumps(
            [
                {"target": t, "what": w, "value": v, "goal": g, "pass": ok, "corpus": cn, "runs": n}
                for t, w, v, g, ok, cn, n in summary
            ],
            indent=2,
        )
    )
    _log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

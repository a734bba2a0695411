"""LitGPT's fresh-run bug end to end: the real ``litgpt/pretrain.py`` of 0.2.0 (bug) and 0.3.0 (fix) with initguard.

What is run (per version, per mode, ``--runs`` times, each in a fresh subprocess):
LitGPT's own ``litgpt.pretrain.setup(...)`` -- the function its ``litgpt pretrain`` CLI calls -- for a fresh run
of the ``pythia-14m`` config on one CPU device, 2 iterations (``max_tokens = 2 * micro_batch * seq_len``),
``bf16-mixed`` as LitGPT sets it. In 0.2.0, ``main()`` builds ``GPT`` under ``fabric.init_module(empty_init=True)``
and only *assigns* ``reset_parameters`` (nothing calls them on one device), so the weights are whatever
``torch.empty`` returned; 0.3.0's ``initialize_weights`` calls them.

Where the guard goes: ``litgpt.pretrain.fit`` is replaced (module attribute; ``main()`` looks it up at call time)
by a wrapper that calls ``initguard.assert_initialized(state["model"])`` on the Fabric-wrapped model and then the
original ``fit``. That is the point a user would add the check: after ``fabric.setup`` and after any checkpoint
load, before the first forward pass. Modes:

* ``untracked``: nothing else; the guard judges the values.
* ``tracked``: ``INITGUARD_TRACK=1`` in the child's environment (the process-wide switch; no change to LitGPT's
  code), so the guard also knows who wrote each tensor.
* ``noguard``: no check at all, to show what happens without the guard (0.2.0 then dies at
  ``fabric.clip_gradients`` with a non-finite total norm, or trains on garbage).

Other patches, none of which touches the model's parameters: ``torch.compile`` is the identity (inductor on
a 2-core CPU takes minutes; the compiled module shares the same parameters), ``save_hyperparameters`` is a no-op
(it re-parses ``sys.argv`` with jsonargparse, which holds this script's arguments), and the data module is a
small offline one with seeded random token ids (no tokenizer, no download). ``chunked_cross_entropy`` is wrapped
only to record each training loss.

Downloads happen here, at run time, never in the test suite: the wheels with
``pip download --no-deps litgpt==<v>`` into ``--pkg-dir`` (unzipped to ``<pkg-dir>/v<v>``, never installed),
and LitGPT's missing light dependencies (``tqdm``, ``jsonargparse[signatures]``) with ``pip install --target``
into ``--deps-dir``. ``lightning``, ``torch`` and ``torchmetrics`` come from the running interpreter (LitGPT pins
dev builds of lightning 2.3; this run uses what is installed, printed in the header).

Usage::

    python scripts/litgpt_e2e.py --runs 3
    python scripts/litgpt_e2e.py --versions 0.2.0 --modes noguard --runs 1

Exit status 0 when every run matched the expectation: 0.2.0 raises ``NotInitializedError`` before any optimizer
step in the guarded modes, 0.3.0 passes the check and completes 2 steps with finite losses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PKG = Path("/work/corpora/litgpt_pkg")
DEFAULT_DEPS = Path("/work/venvs/guard-e2e/site")
MARK = "LITGPT_E2E_RESULT "
SEQ_LEN = 64
MICRO_BATCH = 4
ITERS = 2


# ----------------------------------------------------------------------------------------------- parent side
def ensure_wheel(pkg_dir: Path, version: str) -> Path:
    """``<pkg_dir>/v<version>`` holding the unzipped wheel; downloads it with pip if missing."""
    target = pkg_dir / f"v{version}"
    if (target / "litgpt" / "pretrain.py").exists():
        return target
    pkg_dir.mkdir(parents=True, exist_ok=True)
    wheel = pkg_dir / f"litgpt-{version}-py3-none-any.whl"
    if not wheel.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", f"litgpt=={version}", "-d", str(pkg_dir)],
            check=True,
        )
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    return target


def ensure_deps(deps_dir: Path) -> None:
    """Install LitGPT's import-time needs that the running interpreter lacks into ``deps_dir`` (pip --target)."""
    missing = []
    for mod, req in (("tqdm", "tqdm"), ("jsonargparse", "jsonargparse[signatures]>=4.27.6")):
        probe = subprocess.run(
            [sys.executable, "-c", f"import {mod}"], env={**os.environ, "PYTHONPATH": str(deps_dir)},
            capture_output=True,
        )
        if probe.returncode != 0:
            missing.append(req)
    if missing:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(deps_dir), *missing], check=True
        )


def run_child(version: str, mode: str, run: int, pkg: Path, deps: Path, timeout: float) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(pkg), str(deps), str(REPO)])
    env.pop("INITGUARD_TRACK", None)
    if mode == "tracked":
        env["INITGUARD_TRACK"] = "1"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--version", version, "--mode", mode,
           "--seed", str(42 + run)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"version": version, "mode": mode, "run": run, "outcome": "timeout", "wall_s": timeout}
    wall = time.perf_counter() - t0
    res = None
    for line in proc.stdout.splitlines():
        if line.startswith(MARK):
            res = json.loads(line[len(MARK):])
    if res is None:
        tail = (proc.stdout + proc.stderr)[-2000:]
        res = {"outcome": "crashed", "error": tail}
    res.update(version=version, mode=mode, run=run, wall_s=round(wall, 1), returncode=proc.returncode)
    return res


def expected(res: dict) -> bool:
    if res["mode"] == "noguard":
        return True  # shown for information: what the run does without the guard
    if res["version"] == "0.2.0":
        return res["outcome"] == "raised" and res.get("steps_at_check") == 0
    return res["outcome"] == "trained" and res.get("steps") == ITERS and all(
        isinstance(x, float) and x == x and abs(x) != float("inf") for x in res.get("losses", [])
    )


def first_lines(text: str, n: int = 2) -> str:
    return " / ".join(line.strip() for line in text.strip().splitlines()[:n])


def parent(args: argparse.Namespace) -> int:
    import lightning
    import torch

    ensure_deps(args.deps_dir)
    print(f"# python {sys.version.split()[0]}, torch {torch.__version__}, lightning {lightning.__version__}, "
          f"cpu threads {torch.get_num_threads()}, load {os.getloadavg()[0]:.2f}")
    rows = []
    for version in args.versions:
        pkg = ensure_wheel(args.pkg_dir, version)
        for mode in args.modes:
            for run in range(args.runs):
                res = run_child(version, mode, run, pkg, args.deps_dir, args.timeout)
                res["as_expected"] = expected(res)
                rows.append(res)
                detail = res.get("message") or res.get("error") or ""
                print(f"litgpt {version} {mode:9s} run {run + 1}: {res['outcome']:8s} "
                      f"steps={res.get('steps', '-')} losses={res.get('losses', '-')} {res['wall_s']:.1f}s "
                      f"{'ok' if res['as_expected'] else 'UNEXPECTED'} | {first_lines(detail)}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    bad = [r for r in rows if not r["as_expected"]]
    print(f"# {len(rows) - len(bad)}/{len(rows)} runs as expected")
    return 1 if bad else 0


# ------------------------------------------------------------------------------------------------ child side
def child(args: argparse.Namespace) -> int:
    import initguard  # first: INITGUARD_TRACK=1 turns the switch on at import, before LitGPT builds anything

    import torch
    import litgpt
    import litgpt.pretrain as pretrain
    from litgpt.args import EvalArgs, TrainArgs
    from litgpt.data import DataModule
    from torch.utils.data import DataLoader

    assert Path(litgpt.__file__).resolve().parent.parent.name == f"v{args.version}", litgpt.__file__

    class RandomTokens(DataModule):
        """Offline stand-in for TinyLlama's token stream: seeded random ids, ``max_seq_length + 1`` per row."""

        def __init__(self, vocab: int, rows: int = 32, seed: int = 0):
            super().__init__()
            self.vocab, self.rows, self.seed = vocab, rows, seed
            self.batch_size, self.max_seq_length = 1, SEQ_LEN

        def connect(self, tokenizer=None, batch_size: int = 1, max_seq_length=None) -> None:
            self.batch_size = batch_size
            self.max_seq_length = max_seq_length or SEQ_LEN

        def _loader(self, offset: int) -> DataLoader:
            g = torch.Generator().manual_seed(self.seed + offset)
            data = torch.randint(0, self.vocab, (self.rows, self.max_seq_length + 1), generator=g)
            return DataLoader(data, batch_size=self.batch_size, shuffle=False)

        def train_dataloader(self) -> DataLoader:
            return self._loader(0)

        def val_dataloader(self) -> DataLoader:
            return self._loader(1)

    result: dict = {"outcome": None, "losses": []}
    state_seen: dict = {}
    orig_fit = pretrain.fit
    orig_ce = pretrain.chunked_cross_entropy

    def guarded_fit(fabric, devices, state, *rest, **kw):
        state_seen["state"] = state
        if args.mode != "noguard":
            result["steps_at_check"] = state["step_count"]
            t0 = time.perf_counter()
            try:
                report = initguard.assert_initialized(state["model"])
            except initguard.NotInitializedError as e:
                result["check_s"] = round(time.perf_counter() - t0, 3)
                result["outcome"] = "raised"
                result["message"] = str(e)
                result["problems"] = len(e.report.problems)
                raise
            result["check_s"] = round(time.perf_counter() - t0, 3)
            result["check_summary"] = str(report).strip().splitlines()[0] if str(report).strip() else ""
            result["tracked"] = getattr(report, "tracked", None)
        return orig_fit(fabric, devices, state, *rest, **kw)

    def recording_ce(logits, targets, *a, **kw):
        loss = orig_ce(logits, targets, *a, **kw)
        if torch.is_grad_enabled() and not loss.is_meta:  # training passes only: not validate(), not the FLOP count
            result["losses"].append(round(float(loss.detach()), 4))
        return loss

    pretrain.fit = guarded_fit
    pretrain.chunked_cross_entropy = recording_ce
    pretrain.save_hyperparameters = lambda *a, **k: None
    torch.compile = lambda model, *a, **k: model

    from litgpt import Config

    vocab = Config.from_name("pythia-14m").padded_vocab_size
    train = TrainArgs(
        save_interval=None, log_interval=1, global_batch_size=MICRO_BATCH, micro_batch_size=MICRO_BATCH,
        max_tokens=ITERS * MICRO_BATCH * SEQ_LEN, max_seq_length=SEQ_LEN, learning_rate=4e-4, weight_decay=0.1,
        beta1=0.9, beta2=0.95, max_norm=1.0, min_lr=4e-5, lr_warmup_steps=1, tie_embeddings=False,
    )
    import tempfile

    with tempfile.TemporaryDirectory() as out_dir:
        try:
            pretrain.setup(
                model_name="pythia-14m", out_dir=Path(out_dir), data=RandomTokens(vocab, seed=args.seed),
                train=train, eval=EvalArgs(interval=1000, max_iters=2), devices=1, logger_name="csv",
                seed=args.seed,
            )
            if result["outcome"] is None:
                result["outcome"] = "trained"
        except initguard.NotInitializedError:
            pass
        except Exception as e:  # the unguarded failure (e.g. non-finite grad norm at clipping)
            result["outcome"] = "failed"
            result["error"] = f"{type(e).__name__}: {e}"
    st = state_seen.get("state")
    if st is not None:
        result["steps"] = st["step_count"]
    result["tracking"] = initguard.tracking_enabled()
    print(MARK + json.dumps(result), flush=True)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--versions", nargs="+", default=["0.2.0", "0.3.0"])
    ap.add_argument("--modes", nargs="+", default=["untracked", "tracked"],
                    choices=["untracked", "tracked", "noguard"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pkg-dir", type=Path, default=DEFAULT_PKG)
    ap.add_argument("--deps-dir", type=Path, default=DEFAULT_DEPS)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    ap.add_argument("--json", help="write every run's result here")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--version", help=argparse.SUPPRESS)
    ap.add_argument("--mode", help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=42, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    return child(args) if args.child else parent(args)


if __name__ == "__main__":
    sys.exit(main())

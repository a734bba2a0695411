"""Run a worker module's ``run_all(rank, world, port, out_dir)`` on a real 2-rank process group (spawned
processes, gloo on CPU) and read back what each rank wrote: the one harness of the distributed tests."""

from __future__ import annotations

import json
import socket
from pathlib import Path

WORLD = 2
TIMEOUT_S = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn_ranks(run_all, mktemp, world: int = WORLD, timeout_s: int = TIMEOUT_S, retries: int = 2) -> list[dict]:
    """``[rank0 results, rank1 results, ...]`` from ``out/rank{r}.json``; a hung rank is killed and fails the test.

    ``mktemp()`` gives a fresh output directory per attempt; a second attempt runs only when a rank wrote nothing
    (the rendezvous port can be taken between choosing it and binding it).
    """
    import torch.multiprocessing as mp

    ctx = mp.get_context("spawn")
    for attempt in range(retries):
        out = Path(mktemp())
        port = free_port()
        procs = [ctx.Process(target=run_all, args=(r, world, port, str(out))) for r in range(world)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout_s)
        hung = [p for p in procs if p.is_alive()]
        for p in hung:
            p.kill()
            p.join(5)
        assert not hung, f"distributed workers hung for {timeout_s}s (killed)"
        files = [out / f"rank{r}.json" for r in range(world)]
        if all(f.exists() for f in files) or attempt == retries - 1:
            break
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    return [json.loads(f.read_text()) for f in files]


def run_workers(module: str, tmp_path_factory) -> list[dict]:
    """Test side, for a module-scoped fixture: every rank's results of the worker module ``module`` (its
    ``run_all``), in ``tmp_path_factory`` directories; skipped where torch has no gloo process groups."""
    import importlib

    import pytest
    import torch

    if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():  # pragma: no cover
        pytest.skip("torch.distributed with the gloo backend is not available in this torch build")
    workers = importlib.import_module(module)
    return spawn_ranks(workers.run_all, lambda: tmp_path_factory.mktemp("dist"))


def on_every_rank(results: list[dict], name: str) -> list[dict]:
    """Scenario ``name``'s result on every rank; a rank whose scenario crashed fails the test with its traceback."""
    rs = [res[name] for res in results]
    for r, res in enumerate(rs):
        assert res["ok"], f"rank {r} crashed in {name}:\n{res.get('error')}"
    return rs


def default_names(result: dict) -> list[str]:
    """The sorted names of the tensors a rank's result reports as still holding PyTorch's default init."""
    return sorted(p["name"] for p in result["problems"] if p["verdict"] == "default")


def scenarios_of(module: str) -> list:
    """Worker side: the scenarios of worker module ``module``, its ``sc_*`` functions in the order they are
    defined (a scenario that tears the process group down, as Lightning's strategy does, is defined last)."""
    import sys

    return [f for name, f in vars(sys.modules[module]).items() if name.startswith("sc_") and callable(f)]


def run_scenarios(scenarios, rank: int, world: int, port: int, out_dir: str, setup=None) -> None:
    """Worker side: join a gloo group, run each scenario ``sc(rank, world) -> dict`` in lockstep (a barrier after
    each), and write ``{name: {"ok": ..., "seconds": ..., ...}}`` to ``out_dir/rank{rank}.json`` even when one
    crashed. The environment is what a launcher such as torchrun sets (so Lightning treats the processes as
    externally launched). ``setup()`` runs after the group exists, before the first scenario (a crash there is
    reported per scenario). A scenario may tear the group down (Lightning's strategy does): nothing waits then."""
    import os
    import time
    import traceback
    from datetime import timedelta

    import torch
    import torch.distributed as dist

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), WORLD_SIZE=str(world),
                      LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(world), NODE_RANK="0", GROUP_RANK="0")
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world, timeout=timedelta(seconds=60))
    results = {}
    try:
        if setup is not None:
            setup()
        for sc in scenarios:
            t0 = time.perf_counter()
            try:
                results[sc.__name__] = {"ok": True, **sc(rank, world)}
            except Exception:
                results[sc.__name__] = {"ok": False, "error": traceback.format_exc()}
            results[sc.__name__]["seconds"] = round(time.perf_counter() - t0, 2)
            if dist.is_initialized():
                dist.barrier()
    finally:
        Path(out_dir, f"rank{rank}.json").write_text(json.dumps(results, default=str))
        if dist.is_initialized():
            dist.destroy_process_group()


def outcome(check) -> dict:
    """Worker side: run ``check()`` (an initguard check that returns its report, or None) and record what it
    said: ``raised`` and, when it raised, the message and problems; the report's counts and summary line."""
    import initguard

    try:
        report = check()
    except initguard.NotInitializedError as e:
        report = e.report
        out = {"raised": True, "message": str(e), "problems": [p.to_dict() for p in report.problems]}
    else:
        out = {"raised": False}
    if report is not None:
        out.update(tracked=report.tracked, checked=report.checked, summary=report.summary())
    return out

"""Worker side of the multi-process tests (must be importable by spawned children).

``run_all(rank, world, port, out_dir)`` joins a gloo group on 127.0.0.1 and runs every scenario in
lockstep on both ranks, writing ``rank<r>.json`` with one result dict per scenario.  The parent
test module spawns it once and asserts on the files.  Each scenario is independent and catches its
own exceptions so that one failure does not desynchronise the ranks; the process group has a
timeout so a hang ends instead of blocking CI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _models import HFConfig, HFStyleModel  # noqa: E402
from _spawn import outcome, run_scenarios, scenarios_of  # noqa: E402


def _model(seed: int, **kw) -> HFStyleModel:
    torch.manual_seed(seed)
    return HFStyleModel(HFConfig(**kw), fixed=True)


# ------------------------------------------------------------------------------------------ scenarios
def sc_identical(rank, world):
    """Same seed on every rank: must pass, and the check must be read-only."""
    import initguard

    model = _model(0)
    before = {n: (p._version, p.data_ptr()) for n, p in model.named_parameters()}
    out = outcome(lambda: initguard.assert_initialized(model))
    out["read_only"] = all(
        (p._version, p.data_ptr()) == before[n] and p.grad is None for n, p in model.named_parameters()
    )
    return out


def sc_per_rank_seed(rank, world):
    """Replicas seeded with their rank before wrapping: every random tensor differs."""
    import initguard

    model = _model(seed=rank)
    return outcome(lambda: initguard.assert_initialized(model))


def sc_init_after_wrap_on_rank0(rank, world):
    """DDP wraps identical replicas; then `if rank == 0: model.apply(init)` re-initializes one block."""
    import initguard
    from torch.nn.parallel import DistributedDataParallel as DDP

    model = DDP(_model(0))
    if rank == 0:
        torch.manual_seed(1234)
        model.module.layers[1].apply(model.module._init_weights)
    return outcome(lambda: initguard.assert_initialized(model))


def sc_nan_on_both_ranks(rank, world):
    """Identical NaN on every rank: not a rank mismatch (NaN bits compare equal) but uninitialized."""
    import initguard

    model = _model(0)
    with torch.no_grad():
        model.layers[0].mlp.weight.fill_(float("nan"))
    return outcome(lambda: initguard.assert_initialized(model))


def sc_nan_on_one_rank(rank, world):
    """A replicated weight left as garbage on rank 1 only: one row, uninitialized, naming rank 1."""
    import initguard

    model = _model(0)
    if rank == 1:
        with torch.no_grad():
            model.layers[0].mlp.weight.fill_(float("nan"))
    return outcome(lambda: initguard.assert_initialized(model))


def sc_param_sets_differ(rank, world):
    """Rank-dependent construction: rank 1 has an extra parameter.  Must fail, not deadlock."""
    import initguard

    model = _model(0)
    if rank == 1:
        model.extra = nn.Parameter(torch.randn(3) * 0.02)
    return outcome(lambda: initguard.assert_initialized(model))


def _sharded_model(rank):
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh("cpu", (2,))
    with torch.device("meta"):
        model = HFStyleModel(HFConfig(), fixed=True)
    for layer in model.layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    model.to_empty(device="cpu")
    torch.manual_seed(0)
    model.init_weights()
    return model


def sc_dtensor_one_shard_uninit(rank, world):
    """FSDP2 fully_shard on meta, to_empty, init; rank 1's shard of one weight never written."""
    import initguard
    from torch.distributed.tensor import DTensor

    model = _sharded_model(rank)
    w = model.layers[1].mlp.weight
    out = {"is_dtensor": isinstance(w, DTensor), "placements": str(getattr(w, "placements", ""))}
    if rank == 1:
        with torch.no_grad():
            w.to_local().fill_(float("nan"))  # deterministic stand-in for empty memory
    out.update(outcome(lambda: initguard.assert_initialized(model)))
    return out


def sc_dtensor_ok(rank, world):
    """The same sharded model fully initialized passes on every rank."""
    import initguard

    model = _sharded_model(rank)
    return outcome(lambda: initguard.assert_initialized(model))


def sc_one_collective(rank, world):
    """Count every collective of a passing check, for a small and a 4x deeper model (constant: one),
    and of a failing one (per-rank seeds: the slow path that names tensors and ranks)."""
    import initguard

    counts: list[dict] = []
    names = ("all_reduce", "all_gather_into_tensor", "all_gather_object", "all_gather", "broadcast",
             "broadcast_object_list", "gather", "reduce", "barrier")
    real = {n: getattr(dist, n) for n in names}

    def counting(name):
        def call(*a, **k):
            counts[-1][name] = counts[-1].get(name, 0) + 1
            return real[name](*a, **k)
        return call

    for n in names:
        setattr(dist, n, counting(n))
    try:
        for layers in (1, 4):
            model = _model(0, num_layers=layers)
            counts.append({})
            initguard.check(model)
        counts.append({})
        initguard.check(_model(seed=rank))
    finally:
        for n in names:
            setattr(dist, n, real[n])
    nparams = [len(list(_model(0, num_layers=n).parameters())) for n in (1, 4)]
    return {"counts": counts, "nparams": nparams}


def sc_ranks_false(rank, world):
    """ranks=False: no collectives at all, per-rank verdicts only (per-rank seeds then pass)."""
    import initguard

    model = _model(seed=rank)
    return outcome(lambda: initguard.assert_initialized(model, ranks=False))


def sc_initialize_fsdp2(rank, world):
    """torchtitan-style: build on meta, fully_shard, then initguard.initialize materialises the shards
    and runs the (LitGPT, instance-patched) reset_parameters on the DTensors."""
    import initguard
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    from _models import LitGPTStyle, assign_init_partials

    mesh = init_device_mesh("cpu", (2,))
    with torch.device("meta"):
        model = LitGPTStyle()
    assign_init_partials(model)
    for block in model.transformer.h:
        fully_shard(block, mesh=mesh)
    fully_shard(model, mesh=mesh)
    torch.manual_seed(0)
    report = initguard.initialize(model, device="cpu")
    out = {"init_ok": report.ok, "called": len(report.called), "init_report": str(report)}
    out.update(outcome(lambda: initguard.assert_initialized(model)))
    return out


def run_all(rank: int, world: int, port: int, out_dir: str) -> None:
    run_scenarios(scenarios_of(__name__), rank, world, port, out_dir)

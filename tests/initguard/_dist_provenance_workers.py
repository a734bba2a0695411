"""Worker side of test_provenance_dist.py: provenance across DDP's broadcast and FSDP2's re-created parameters.

``run_all(rank, world, port, out_dir)`` joins a 2-rank gloo group on 127.0.0.1, runs every scenario in lockstep
and writes ``rank<r>.json``. Scenarios catch their own exceptions so one failure does not desynchronise ranks.
"""

from __future__ import annotations


import torch

from _models import two_layer_net, user_init  # the test module put this directory on sys.path
from _spawn import outcome, run_scenarios, scenarios_of


def _tracked_ddp(seed: int, init: bool) -> dict:
    """A two-layer net built under track() with ``seed`` (and the user's init), wrapped in DDP, then checked;
    with the parameters' version counters after the wrap."""
    import initguard
    from torch.nn.parallel import DistributedDataParallel as DDP

    torch.manual_seed(seed)
    with initguard.track():
        m = two_layer_net()
        if init:
            user_init(m)
    ddp = DDP(m)
    versions = [p._version for p in m.parameters()]  # (DDP's broadcast writes in place: the counters move)
    return {"versions": versions, **outcome(lambda: initguard.assert_initialized(ddp))}


def sc_ddp_default_tracked(rank, world):
    """Same seed, PyTorch's default kept, tracked construction, then DDP(m): the broadcast is no init."""
    return _tracked_ddp(seed=0, init=False)


def sc_ddp_default_seeds_differ_tracked(rank, world):
    """Per-rank seeds, default kept: rank 1 receives rank 0's values (a copy, not an init)."""
    return _tracked_ddp(seed=rank, init=False)


def sc_ddp_initialized_tracked(rank, world):
    """The designer's init ran inside track(): passes after DDP's broadcast, decided by provenance."""
    return _tracked_ddp(seed=0, init=True)


def _tracked_fsdp2(world: int, init: bool) -> dict:
    """An eager two-layer net built under track() (with the user's init or PyTorch's default), then
    fully_shard: its parameters become DTensor shards, checked."""
    import initguard
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    torch.manual_seed(0)
    with initguard.track():
        m = two_layer_net()
        if init:
            user_init(m)
    fully_shard(m, mesh=init_device_mesh("cpu", (world,)))
    return {"dtensor": type(m[0].weight).__name__, **outcome(lambda: initguard.assert_initialized(m))}


def sc_fsdp2_default_tracked(rank, world):
    """An eager default-init model under track(), then fully_shard: the DTensor shards are copies of defaults."""
    return _tracked_fsdp2(world, init=False)


def sc_fsdp2_initialized_tracked(rank, world):
    """The same with the designer's init inside track(): passes, decided by provenance."""
    return _tracked_fsdp2(world, init=True)


def sc_fsdp2_meta_init_after_shard_tracked(rank, world):
    """torchtitan order under track(): meta build, fully_shard, to_empty, init: passes; without init: fails."""
    import initguard
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh("cpu", (world,))
    out = {}
    for do_init in (True, False):
        with initguard.track(), torch.device("meta"):
            m = two_layer_net()
        fully_shard(m, mesh=mesh)
        m.to_empty(device="cpu")
        if do_init:
            torch.manual_seed(0)
            user_init(m)
        else:
            with torch.no_grad():
                for p in m.parameters():
                    p.to_local().fill_(float("nan"))  # deterministic stand-in for never-written memory
        out["init" if do_init else "no_init"] = outcome(lambda: initguard.assert_initialized(m))
    return out


def run_all(rank: int, world: int, port: int, out_dir: str) -> None:
    run_scenarios(scenarios_of(__name__), rank, world, port, out_dir)

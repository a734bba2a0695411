"""Worker side of test_zero3.py: DeepSpeed ZeRO-3 partitioned parameters on a 2-rank gloo group (CPU).

Needs ``deepspeed`` importable (``DS_BUILD_OPS=0 pip install deepspeed``). DeepSpeed's shared-memory
communication op would be JIT-compiled with a C++ toolchain on first use; it is switched off here (gloo does
the communication), which changes nothing about how parameters are partitioned.
"""

from __future__ import annotations


import torch
from torch import nn

from _spawn import outcome, run_scenarios, scenarios_of  # the test module put this directory on sys.path

CONFIG = {"zero_optimization": {"stage": 3}, "train_batch_size": 2}


class Net(nn.Module):
    def __init__(self, fresh: bool = False):
        super().__init__()
        self.a = nn.Linear(32, 64)
        self.b = nn.Linear(64, 8)
        if fresh:  # a parameter nobody ever writes
            self.extra = nn.Parameter(torch.empty(64, 32))


def _build(fresh=False):
    import deepspeed

    torch.manual_seed(0)
    with deepspeed.zero.Init(config_dict_or_path=CONFIG):
        return Net(fresh)


def sc_partitioned_default(rank, world):
    """PyTorch's default kept: judged from each rank's partition, reported on every rank."""
    import initguard

    m = _build()
    w = m.a.weight
    out = {"numel": w.numel(), "partition": w.ds_tensor.numel()}
    out.update(outcome(lambda: initguard.assert_initialized(m)))
    return out


def sc_partitioned_never_written(rank, world):
    """A parameter allocated with torch.empty and never written: rank 1's half holds NaN (a deterministic
    stand-in for empty memory); every rank raises, naming it."""
    import deepspeed
    import initguard

    m = _build(fresh=True)
    with deepspeed.zero.GatheredParameters([m.a.weight, m.a.bias, m.b.weight, m.b.bias], modifier_rank=0):
        if rank == 0:
            for layer in (m.a, m.b):
                nn.init.normal_(layer.weight, std=0.02)
                nn.init.zeros_(layer.bias)
    if rank == 1:
        with torch.no_grad():
            m.extra.ds_tensor.fill_(float("nan"))
    return outcome(lambda: initguard.assert_initialized(m))


def sc_partitioned_initialized(rank, world):
    """Initialized through GatheredParameters(modifier_rank=0): passes, with every tensor examined."""
    import deepspeed
    import initguard

    m = _build()
    with deepspeed.zero.GatheredParameters(list(m.parameters()), modifier_rank=0):
        if rank == 0:
            for layer in (m.a, m.b):
                nn.init.normal_(layer.weight, std=0.02)
                nn.init.zeros_(layer.bias)
    return outcome(lambda: initguard.assert_initialized(m))


def sc_padding_only_partition(rank, world):
    """A 1-element bias: rank 1's partition is padding only. Rank 0 examines it; every rank says so."""
    import deepspeed
    import initguard

    torch.manual_seed(0)
    with deepspeed.zero.Init(config_dict_or_path=CONFIG):
        m = nn.Linear(64, 1)
    with deepspeed.zero.GatheredParameters(list(m.parameters()), modifier_rank=0):
        if rank == 0:
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
    local = initguard.check(m, ranks=False)
    out = {"local_not_examined": local.not_examined, "local_summary": local.summary()}
    out.update(outcome(lambda: initguard.assert_initialized(m)))
    return out


def _no_shm_op() -> None:
    import deepspeed
    import deepspeed.ops

    deepspeed.ops.__compatible_ops__["deepspeed_shm_comm"] = False  # no C++ JIT build (see module doc)


def run_all(rank: int, world: int, port: int, out_dir: str) -> None:
    run_scenarios(scenarios_of(__name__), rank, world, port, out_dir, setup=_no_shm_op)

"""DTensor parameters (one-process gloo group): read through ``to_local()``, fan-in from the global shape."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import initguard

dist = pytest.importorskip("torch.distributed")


@pytest.fixture
def mesh(tmp_path):
    if not dist.is_available():
        pytest.skip("torch.distributed not available")
    if dist.is_initialized():
        pytest.skip("a process group is already initialized in this process")
    from torch.distributed.device_mesh import init_device_mesh

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        yield init_device_mesh("cpu", (1,))
    finally:
        dist.destroy_process_group()


def _shard(module: nn.Module, mesh) -> None:
    from torch.distributed.tensor import Shard, distribute_tensor

    for name, p in list(module.named_parameters(recurse=False)):
        setattr(module, name, nn.Parameter(distribute_tensor(p.detach(), mesh, [Shard(0)])))


def test_dtensor_default_and_garbage_and_initialized(mesh, h):
    lin = nn.Linear(96, 64)
    _shard(lin, mesh)
    assert type(lin.weight).__name__ == "DTensor"
    r = initguard.check(lin)
    assert h.names(r, "default") == {"weight"}
    assert r.too_small == ["bias"]  # 64 values: fits the default, too few to judge (listed, not failed)
    with torch.no_grad():
        lin.weight.to_local().normal_(0, 0.02)
        lin.bias.to_local().zero_()
    assert initguard.check(lin).ok
    v = lin.weight._version
    with torch.no_grad():
        lin.weight.to_local().fill_(float("nan"))
    r = initguard.check(lin, mode="full")
    assert h.names(r, "uninitialized") == {"weight"} and r.problems[0].shape == (64, 96)
    assert lin.weight._version == v  # read-only: nothing the check did moved the DTensor's version

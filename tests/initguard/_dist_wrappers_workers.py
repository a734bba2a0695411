"""Worker side of test_dist_wrappers.py: FSDP1 with ``sync_module_states`` and Lightning's DDP strategy, 2 ranks.

``run_all(rank, world, port, out_dir)`` joins a 2-rank gloo group on 127.0.0.1 (the environment variables a
launcher such as torchrun sets, so Lightning treats the processes as externally launched), runs every scenario
in lockstep and writes ``rank<r>.json``. Scenarios catch their own exceptions so one failure does not
desynchronise the ranks.
"""

from __future__ import annotations

import functools

import torch
import torch.distributed as dist
from torch import nn

from _models import two_layer_net, user_init  # the test module put this directory on sys.path
from _spawn import outcome, run_scenarios, scenarios_of


def _fsdp1(init: bool, tracked: bool, use_orig_params: bool = True, nested: bool = False, hide: str = "") -> dict:
    import torch.distributed.fsdp._init_utils as fsdp_init
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    import initguard

    # torch refuses sync_module_states for CPU tensors (a check meant for NCCL); gloo broadcasts CPU tensors fine.
    # Only that check is switched off: the broadcast FSDP then runs is its real one (_sync_params_and_buffers).
    fsdp_init._check_module_states_for_sync_module_states = lambda states: None
    torch.manual_seed(dist.get_rank())  # per-rank seeds: sync_module_states copies rank 0's values
    if tracked:
        with initguard.track():
            m = two_layer_net()
            if init:
                user_init(m)
    else:
        m = two_layer_net()
        if init:
            user_init(m)
    kw = {}
    if nested:  # one FSDP unit per Linear (nested FlatParameters), as auto-wrapping a transformer block does
        from torch.distributed.fsdp.wrap import ModuleWrapPolicy

        kw["auto_wrap_policy"] = ModuleWrapPolicy({nn.Linear})
    wrapped = FSDP(m, sync_module_states=True, use_orig_params=use_orig_params, device_id=torch.device("cpu"), **kw)
    leaf = dict(wrapped.named_parameters())
    out = {"wrapper": type(wrapped).__name__, "names": sorted(leaf)}
    # per-rank seeds: after the sync every rank holds rank 0's values (the broadcast really ran)
    with FSDP.summon_full_params(wrapped, writeback=False):
        flat = torch.cat([p.detach().reshape(-1).clone() for p in m.parameters()])
    gathered = [torch.zeros_like(flat) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, flat)
    out["same_on_ranks"] = all(torch.equal(gathered[0], g) for g in gathered)
    flats = [mod._flat_param for mod in wrapped.modules()
             if isinstance(mod, FSDP) and getattr(mod, "_flat_param", None) is not None]
    out["flat_params"] = len(flats)
    hidden = [(fp, getattr(fp, hide)) for fp in flats] if hide else []
    for fp, _ in hidden:  # a torch whose FlatParameter lacks this metadata (restored right after the check)
        delattr(fp, hide)
    try:
        out.update(outcome(lambda: initguard.assert_initialized(wrapped)))
        if hide:
            report = initguard.check(wrapped)
            out.update(summary=report.summary(), not_examined=report.not_examined, notes=report.notes)
    finally:
        for fp, value in hidden:
            setattr(fp, hide, value)
    if out.get("problems"):
        out["shapes"] = {p["name"]: list(p["shape"]) for p in out["problems"]}
    return out


def sc_fsdp1_default_tracked(rank, world):
    return _fsdp1(init=False, tracked=True)


def sc_fsdp1_default_untracked(rank, world):
    return _fsdp1(init=False, tracked=False)


def sc_fsdp1_initialized_tracked(rank, world):
    return _fsdp1(init=True, tracked=True)


def sc_fsdp1_default_untracked_flat(rank, world):
    return _fsdp1(init=False, tracked=False, use_orig_params=False)


def sc_fsdp1_default_tracked_flat(rank, world):
    return _fsdp1(init=False, tracked=True, use_orig_params=False)


def sc_fsdp1_initialized_untracked_flat(rank, world):
    return _fsdp1(init=True, tracked=False, use_orig_params=False)


def sc_fsdp1_default_tracked_nested(rank, world):
    return _fsdp1(init=False, tracked=True, use_orig_params=False, nested=True)


def sc_fsdp1_check_inside_summon_then_train(rank, world):
    """A check while FSDP holds the unsharded parameters, then FSDP reshards (frees them) and a step runs."""
    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    import initguard

    torch.manual_seed(0)
    with initguard.track():
        m = two_layer_net()
    wrapped = FSDP(m, use_orig_params=False, device_id=torch.device("cpu"))
    with FSDP.summon_full_params(wrapped, writeback=False):
        inside = outcome(lambda: initguard.assert_initialized(wrapped))
    opt = torch.optim.SGD(wrapped.parameters(), lr=0.1)
    wrapped(torch.randn(4, 32)).pow(2).mean().backward()
    opt.step()
    after = outcome(lambda: initguard.assert_initialized(wrapped))
    return {"inside": inside, "after": after}


def sc_fsdp1_inner_module_and_lightning_hook(rank, world):
    """Checks of the module *inside* FSDP1 (what a Lightning callback receives as ``pl_module``), and the Lightning
    hook, which checks the ``FullyShardedDataParallel`` that Lightning's FSDPStrategy keeps as ``strategy.model``
    (that strategy needs CUDA, so the wrapper it builds, ``FSDP(module=pl_module)``, is handed in directly)."""
    from types import SimpleNamespace

    from torch.distributed.fsdp import FullyShardedDataParallel as FSDP

    import initguard
    from initguard.integrations.lightning import InitGuardCallback

    out = {}
    for uop in (False, True):
        torch.manual_seed(0)
        with initguard.track():
            m = two_layer_net()
        wrapped = FSDP(m, use_orig_params=uop, device_id=torch.device("cpu"))
        report = initguard.check(m)
        out[f"inner_{uop}"] = {"problems": [p.to_dict() for p in report.problems], "summary": report.summary(),
                               "not_examined": report.not_examined, "notes": report.notes}
        trainer = SimpleNamespace(strategy=SimpleNamespace(model=wrapped))
        out[f"hook_{uop}"] = outcome(lambda: InitGuardCallback().on_train_start(trainer, m))
    return out


def sc_fsdp1_layout_unknown(rank, world):
    return _fsdp1(init=False, tracked=False, use_orig_params=False, hide="_shard_param_infos")


def _lightning(init: bool, tmp: str) -> dict:
    """``L.Trainer(strategy="ddp", devices=2, accelerator="cpu")`` with the initguard callback, under tracking."""
    import lightning as L

    import initguard
    from initguard.integrations.lightning import InitGuardCallback

    class Lit(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = two_layer_net()
            if init:
                user_init(self.net)

        def training_step(self, batch, batch_idx):
            (x,) = batch
            return self.net(x).pow(2).mean()

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    torch.manual_seed(0)
    initguard.enable_tracking()
    try:
        module = Lit()
    finally:
        initguard.disable_tracking()
    cb = InitGuardCallback()
    trainer = L.Trainer(
        strategy="ddp", devices=2, accelerator="cpu", max_steps=2, callbacks=[cb], logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp,
    )
    data = torch.utils.data.TensorDataset(torch.randn(16, 32))
    out = {"strategy": type(trainer.strategy).__name__, "world": trainer.world_size}
    try:
        trainer.fit(module, torch.utils.data.DataLoader(data, batch_size=4))
        out.update(raised=False, steps=trainer.global_step, ok=cb.report is not None and cb.report.ok,
                   tracked=cb.report.tracked if cb.report is not None else None)
    except initguard.NotInitializedError as e:
        out.update(raised=True, steps=trainer.global_step, message=str(e),
                   problems=[p.to_dict() for p in e.report.problems])
    return out


def sc_lightning_ddp_default_tracked(rank, world, tmp):
    return _lightning(init=False, tmp=tmp)


def sc_lightning_ddp_initialized_tracked(rank, world, tmp):
    return _lightning(init=True, tmp=tmp)


def run_all(rank: int, world: int, port: int, out_dir: str) -> None:
    def with_tmp(sc):  # the Lightning scenarios also get a directory for the Trainer's files
        @functools.wraps(sc)
        def run(rank, world):
            return sc(rank, world, out_dir)
        return run

    scenarios = [with_tmp(sc) if sc.__name__.startswith("sc_lightning") else sc for sc in scenarios_of(__name__)]
    run_scenarios(scenarios, rank, world, port, out_dir)

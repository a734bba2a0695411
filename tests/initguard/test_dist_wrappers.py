"""FSDP1 (``sync_module_states=True``) and Lightning's ``strategy="ddp"``: a real 2-rank gloo group on CPU.

One spawn runs every scenario (``sc_*`` function) of ``_dist_wrappers_workers`` in lockstep (issue 16, "2 ranks where it
matters"). FSDP1 refuses ``sync_module_states`` for CPU tensors with a check meant for NCCL; the worker switches
off only that check, so FSDP1's real broadcast runs over gloo (the test asserts it did: per-rank seeds, equal
values afterwards).
"""

from __future__ import annotations

import pytest

from _spawn import WORLD, default_names, on_every_rank

pytest.importorskip("lightning", reason="the Lightning DDP scenarios need `lightning` (pip install lightning)")


WORKERS = "_dist_wrappers_workers"  # the worker module whose results the ``results`` fixture (conftest.py) holds


# ------------------------------------------------------------------------------------------------ FSDP1
def test_fsdp1_sync_module_states_really_broadcast(results):
    for name in ("sc_fsdp1_default_tracked", "sc_fsdp1_default_untracked", "sc_fsdp1_initialized_tracked"):
        for r in on_every_rank(results, name):
            assert r["wrapper"] == "FullyShardedDataParallel"
            assert r["same_on_ranks"], f"{name}: per-rank seeds, but values differ after sync_module_states"


def test_fsdp1_initialized_model_passes(results):
    for name in ("sc_fsdp1_initialized_tracked", "sc_fsdp1_initialized_untracked_flat"):
        for r in on_every_rank(results, name):
            assert r["raised"] is False, f"{name}: {r.get('message')}"


@pytest.mark.parametrize("name", ["sc_fsdp1_default_tracked", "sc_fsdp1_default_untracked",
                                  "sc_fsdp1_default_untracked_flat"])
def test_fsdp1_default_init_fails_on_every_rank(results, name):
    rs = on_every_rank(results, name)
    for r in rs:
        assert r["raised"], f"{name}: a model at PyTorch's default passed after FSDP1 ({r.get('summary')})"
        assert "_flat_param" not in r["message"] and "_fsdp_wrapped_module" not in r["message"]
    assert rs[0]["message"] == rs[1]["message"]
    # statistics judge each original's segments with its real fan-in; reported under its own name and shape
    assert {"0.weight", "2.weight"} <= set(default_names(rs[0]))
    assert rs[0]["shapes"]["0.weight"] == [64, 32] and rs[0]["shapes"]["2.weight"] == [8, 64]


ALL4 = ["0.bias", "0.weight", "2.bias", "2.weight"]


@pytest.mark.parametrize("name", ["sc_fsdp1_default_tracked", "sc_fsdp1_default_tracked_flat",
                                  "sc_fsdp1_default_tracked_nested"])
def test_fsdp1_tracked_default_keeps_rank0_provenance(results, name):
    """Per-rank seeds and ``sync_module_states``: every rank holds rank 0's values, so rank 0's construction record
    decides, also for the segments only rank 1 holds (0.bias, 2.*: rank 0's shard is a part of 0.weight)."""
    rs = on_every_rank(results, name)
    for r in rs:
        assert r["raised"]
        assert default_names(r) == ALL4
        for p in r["problems"]:
            assert p["source"] == "provenance"
            assert "written only by Linear's own constructor" in p["reason"]
    assert rs[0]["message"] == rs[1]["message"]
    if name.endswith("nested"):
        assert rs[0]["flat_params"] == 2


def test_fsdp1_check_inside_summon_full_params_then_training_goes_on(results):
    """Inside ``summon_full_params`` the originals are whole again (judged as such); leaving it, FSDP frees them by
    resizing their storage, which the check must not have forbidden; after a step the model passes."""
    for r in on_every_rank(results, "sc_fsdp1_check_inside_summon_then_train"):
        assert r["inside"]["raised"] and default_names(r["inside"]) == ALL4
        assert r["after"]["raised"] is False, r["after"].get("message")


def test_fsdp1_inner_module_and_lightning_hook(results):
    """The module inside FSDP1: with use_orig_params=False its FlatParameter is registered on it (judged per
    original); with True only 1-D shard views are, whose metadata sits in the wrapper: "not examined", never a false
    "inconsistent"/"initialized". The Lightning hook checks the wrapper, so both raise with all 4 names."""
    rs = on_every_rank(results, "sc_fsdp1_inner_module_and_lightning_hook")
    for r in rs:
        flat, orig = r["inner_False"], r["inner_True"]
        assert sorted(p["name"] for p in flat["problems"]) == ALL4
        assert {p["verdict"] for p in flat["problems"]} == {"default"}
        assert orig["problems"] == [] and sorted(orig["not_examined"]) == ALL4
        assert "could be examined" in orig["summary"]
        assert any("FullyShardedDataParallel wrapper" in n for n in orig["notes"])
        for uop in (False, True):
            hook = r[f"hook_{uop}"]
            assert hook["raised"] and default_names(hook) == ALL4
    assert rs[0]["hook_True"]["message"] == rs[1]["hook_True"]["message"]


def test_fsdp1_metadata_not_understood_is_not_examined(results):
    """A FlatParameter without ``_shard_param_infos``: its originals are "not examined" with that reason on every
    rank, never "initialized"."""
    for r in on_every_rank(results, "sc_fsdp1_layout_unknown"):
        assert r["raised"] is False
        assert sorted(r["not_examined"]) == ALL4
        assert "none of the 4 tensors" in r["summary"] and "could be examined" in r["summary"]
        assert any("_shard_param_infos" in n and "not understood" in n for n in r["notes"])


# ------------------------------------------------------------------------------------- Lightning DDP
def test_lightning_ddp_default_init_raises_on_every_rank_before_any_step(results):
    rs = on_every_rank(results, "sc_lightning_ddp_default_tracked")
    for r in rs:
        assert r["strategy"] == "DDPStrategy" and r["world"] == WORLD
        assert r["raised"], "a model at PyTorch's default passed the Lightning callback under DDP"
        assert r["steps"] == 0
        assert default_names(r) == ["net.0.bias", "net.0.weight", "net.2.bias", "net.2.weight"]
        assert "written only by Linear's own constructor" in r["message"]
        assert "on ranks 0, 1 of 2" in r["message"]
    assert rs[0]["message"] == rs[1]["message"]


def test_lightning_ddp_initialized_model_passes_and_trains(results):
    for r in on_every_rank(results, "sc_lightning_ddp_initialized_tracked"):
        assert r["raised"] is False, r.get("message")
        assert r["tracked"] == 4, "decided by provenance"
        assert r["steps"] == 2

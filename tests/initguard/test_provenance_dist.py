"""Provenance across DDP's broadcast and FSDP2's re-created parameters: a real 2-rank gloo group on CPU.

One spawn runs every scenario of ``_dist_provenance_workers.SCENARIOS`` in lockstep (issue 16 items 3-4).
"""

from __future__ import annotations

from _spawn import default_names, on_every_rank


WORKERS = "_dist_provenance_workers"  # the worker module whose results the ``results`` fixture (conftest.py) holds


def test_ddp_broadcast_is_not_an_init_under_track(results):
    rs = on_every_rank(results, "sc_ddp_default_tracked")
    assert all(v > 0 for r in rs for v in r["versions"]), "DDP's broadcast moved _version (the old false pass)"
    for r in rs:
        assert r["raised"], "a model at PyTorch's default passed after DDP(m)"
        assert default_names(r) == ["0.bias", "0.weight", "2.bias", "2.weight"]
        assert "written only by Linear's own constructor" in r["message"]
    assert rs[0]["message"] == rs[1]["message"]


def test_ddp_copy_of_rank0_defaults_fails_on_every_rank(results):
    rs = on_every_rank(results, "sc_ddp_default_seeds_differ_tracked")
    for r in rs:
        assert r["raised"]
        assert default_names(r) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert rs[0]["message"] == rs[1]["message"]


def test_ddp_initialized_model_passes_by_provenance(results):
    for r in on_every_rank(results, "sc_ddp_initialized_tracked"):
        assert r["raised"] is False, r.get("message")
        assert r["tracked"] == 4


def test_fully_shard_keeps_default_provenance(results):
    rs = on_every_rank(results, "sc_fsdp2_default_tracked")
    for r in rs:
        assert r["dtensor"] == "DTensor"
        assert r["raised"], "fully_shard of a default-init model passed under track()"
        assert default_names(r) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert rs[0]["message"] == rs[1]["message"]


def test_fully_shard_of_initialized_model_passes(results):
    for r in on_every_rank(results, "sc_fsdp2_initialized_tracked"):
        assert r["raised"] is False, r.get("message")
        assert r["tracked"] == 4


def test_meta_fully_shard_to_empty_then_init(results):
    for r in on_every_rank(results, "sc_fsdp2_meta_init_after_shard_tracked"):
        assert r["init"]["raised"] is False, r["init"].get("message")
        assert r["no_init"]["raised"] is True

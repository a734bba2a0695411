"""Provenance across DDP's broadcast and FSDP2's re-created parameters: a real 2-rank gloo group on CPU.

One spawn runs every scenario (``sc_*`` function) of ``_dist_provenance_workers`` in lockstep (issue 16 items 3-4).
"""

from __future__ import annotations

from _spawn import default_names, on_every_rank


ALL4 = ["0.bias", "0.weight", "2.bias", "2.weight"]
WORKERS = "_dist_provenance_workers"  # the worker module whose results the ``results`` fixture (conftest.py) holds


def _defaults_reported_alike(rs: list[dict]) -> None:
    """Every rank raised, naming all 4 tensors as PyTorch's default, with the same message."""
    for r in rs:
        assert r["raised"], "a model at PyTorch's default passed under track()"
        assert default_names(r) == ALL4
    assert rs[0]["message"] == rs[1]["message"]


def _passes_by_provenance(rs: list[dict]) -> None:
    for r in rs:
        assert r["raised"] is False, r.get("message")
        assert r["tracked"] == 4


def test_ddp_broadcast_is_not_an_init_under_track(results):
    rs = on_every_rank(results, "sc_ddp_default_tracked")
    assert all(v > 0 for r in rs for v in r["versions"]), "DDP's broadcast moved _version (the old false pass)"
    _defaults_reported_alike(rs)
    assert all("written only by Linear's own constructor" in r["message"] for r in rs)


def test_ddp_copy_of_rank0_defaults_fails_on_every_rank(results):
    _defaults_reported_alike(on_every_rank(results, "sc_ddp_default_seeds_differ_tracked"))


def test_ddp_initialized_model_passes_by_provenance(results):
    _passes_by_provenance(on_every_rank(results, "sc_ddp_initialized_tracked"))


def test_fully_shard_keeps_default_provenance(results):
    rs = on_every_rank(results, "sc_fsdp2_default_tracked")
    assert all(r["dtensor"] == "DTensor" for r in rs)
    _defaults_reported_alike(rs)


def test_fully_shard_of_initialized_model_passes(results):
    _passes_by_provenance(on_every_rank(results, "sc_fsdp2_initialized_tracked"))


def test_meta_fully_shard_to_empty_then_init(results):
    for r in on_every_rank(results, "sc_fsdp2_meta_init_after_shard_tracked"):
        assert r["init"]["raised"] is False, r["init"].get("message")
        assert r["no_init"]["raised"] is True

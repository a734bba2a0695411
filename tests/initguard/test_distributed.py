"""Multi-process tests of the rank-consistency and sharded checks: a real 2-rank gloo group on CPU.

One spawn for the whole module runs every scenario (``sc_*`` function) of ``_dist_workers`` in lockstep; the
tests below assert on what each rank reported.
"""

from __future__ import annotations

from _spawn import on_every_rank


WORKERS = "_dist_workers"  # the worker module whose results the ``results`` fixture (conftest.py) holds


def test_identical_init_passes_on_every_rank_and_is_read_only(results):
    for res in on_every_rank(results, "sc_identical"):
        assert res["raised"] is False, res.get("message")
        assert res["read_only"] is True


def test_per_rank_seeds_fail_on_every_rank_naming_params_and_ranks(results):
    rs = on_every_rank(results, "sc_per_rank_seed")
    assert all(r["raised"] for r in rs)
    assert rs[0]["message"] == rs[1]["message"], "every rank must raise the same error"
    names = {p["name"] for p in rs[0]["problems"]}
    # every randomly initialized tensor differs; the constant ones (LayerNorm, zero biases) do not
    assert {"embed.weight", "layers.0.attn.weight", "layers.1.mlp.weight", "head.proj.weight"} <= names
    assert "layers.0.norm.weight" not in names and "layers.0.attn.bias" not in names
    msg = rs[0]["message"]
    assert "not identical across ranks" in msg and "rank 0 and rank 1" in msg
    assert {p["verdict"] for p in rs[0]["problems"]} == {"inconsistent"}
    assert "seed" in msg  # the fix


def test_init_after_wrapping_on_one_rank_is_caught(results):
    rs = on_every_rank(results, "sc_init_after_wrap_on_rank0")
    assert all(r["raised"] for r in rs)
    assert rs[0]["message"] == rs[1]["message"]
    names = {p["name"] for p in rs[0]["problems"]}
    assert "layers.1.attn.weight" in names and "layers.1.mlp.weight" in names
    assert not any(n.startswith("layers.0.") for n in names), names


def test_identical_nan_is_uninitialized_not_a_rank_mismatch(results):
    rs = on_every_rank(results, "sc_nan_on_both_ranks")
    assert all(r["raised"] for r in rs)
    probs = rs[0]["problems"]
    assert [p["name"] for p in probs] == ["layers.0.mlp.weight"]
    assert probs[0]["verdict"] == "uninitialized"
    assert "ranks 0, 1" in probs[0]["reason"]
    assert rs[0]["message"] == rs[1]["message"]


def test_garbage_on_one_rank_only_is_one_row_naming_that_rank(results):
    rs = on_every_rank(results, "sc_nan_on_one_rank")
    assert all(r["raised"] for r in rs) and rs[0]["message"] == rs[1]["message"]
    [p] = rs[0]["problems"]
    assert p["name"] == "layers.0.mlp.weight" and p["verdict"] == "uninitialized"
    assert "(on rank 1 of 2)" in p["reason"] and "not identical across ranks" in p["reason"]


def test_different_parameter_sets_fail_without_deadlock(results):
    rs = on_every_rank(results, "sc_param_sets_differ")
    assert all(r["raised"] for r in rs)
    for r in rs:
        assert "extra (only on rank 1)" in r["message"]


def test_dtensor_shard_left_uninitialized_fails_on_all_ranks(results):
    rs = on_every_rank(results, "sc_dtensor_one_shard_uninit")
    assert all(r["is_dtensor"] for r in rs) and "Shard" in rs[0]["placements"]
    assert all(r["raised"] for r in rs), "rank 0's shard is fine, yet rank 0 must raise too"
    assert rs[0]["message"] == rs[1]["message"]
    probs = rs[0]["problems"]
    assert [p["name"] for p in probs] == ["layers.1.mlp.weight"]
    assert "local shard on rank 1 of 2" in probs[0]["reason"]


def test_dtensor_fully_initialized_passes(results):
    for r in on_every_rank(results, "sc_dtensor_ok"):
        assert r["raised"] is False, r.get("message")


def test_one_collective_for_the_whole_model(results):
    for r in on_every_rank(results, "sc_one_collective"):
        assert r["nparams"][1] > 2 * r["nparams"][0]
        # a passing check: one fixed-size all_reduce, whatever the number of tensors
        assert r["counts"][:2] == [{"all_reduce": 1}, {"all_reduce": 1}], r
        # a failing check (per-rank seeds) also gathers the header, the records and the problems
        assert r["counts"][2] == {"all_reduce": 1, "all_gather_into_tensor": 2, "all_gather_object": 1}, r


def test_ranks_false_skips_the_cross_rank_check(results):
    for r in on_every_rank(results, "sc_ranks_false"):
        assert r["raised"] is False, r.get("message")


def test_initialize_after_fully_shard_on_meta(results):
    for r in on_every_rank(results, "sc_initialize_fsdp2"):
        assert r["init_ok"] and r["called"] == 15, r["init_report"]
        assert r["raised"] is False, r.get("message")

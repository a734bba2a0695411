"""DeepSpeed ZeRO-3: partitioned parameters are examined on every rank, never passed unexamined (issue 16).

Skipped when deepspeed is not importable (``DS_BUILD_OPS=0 pip install deepspeed`` installs it CPU-only).
"""

from __future__ import annotations

import pytest

pytest.importorskip("deepspeed", reason="deepspeed not installed (DS_BUILD_OPS=0 pip install deepspeed)")

from _spawn import WORLD, on_every_rank  # noqa: E402


WORKERS = "_dist_zero3_workers"  # the worker module whose results the ``results`` fixture (conftest.py) holds


def test_partitioned_default_is_reported_on_every_rank(results):
    rs = on_every_rank(results, "sc_partitioned_default")
    for r in rs:
        assert r["numel"] == 0 and r["partition"] == 32 * 64 // WORLD
        assert r["raised"], "a ZeRO-3 model at PyTorch's default passed (0 tensors examined)"
        assert r["checked"] == 4
        assert {p["name"] for p in r["problems"] if p["verdict"] == "default"} >= {"a.weight", "b.weight"}
        assert all(p["shape"] in ([64, 32], [8, 64], [64], [8]) for p in r["problems"])
    assert rs[0]["message"] == rs[1]["message"]


def test_never_written_partition_is_named_on_every_rank(results):
    rs = on_every_rank(results, "sc_partitioned_never_written")
    for r in rs:
        assert r["raised"]
        assert [p["name"] for p in r["problems"]] == ["extra"]
        assert r["problems"][0]["verdict"] == "uninitialized"
        assert "rank 1" in r["problems"][0]["reason"]
    assert rs[0]["message"] == rs[1]["message"]


def test_initialized_partitions_pass_and_are_counted(results):
    for r in on_every_rank(results, "sc_partitioned_initialized"):
        assert r["raised"] is False, r.get("message")
        assert r["checked"] == 4
        assert r["summary"] == "initguard: all 4 tensors of Net are initialized."


def test_padding_only_partition_is_not_examined_locally_but_merged(results):
    rs = on_every_rank(results, "sc_padding_only_partition")
    assert rs[0]["local_not_examined"] == []
    assert rs[1]["local_not_examined"] == ["bias"]
    assert "1 tensor(s) not examined" in rs[1]["local_summary"]
    assert "all 1 examined tensors of Linear are initialized" in rs[1]["local_summary"]
    for r in rs:
        assert r["raised"] is False, r.get("message")
        assert r["checked"] == 2
        assert r["summary"] == "initguard: all 2 tensors of Linear are initialized."

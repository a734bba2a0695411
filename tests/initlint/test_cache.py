"""The result cache as a unit: validity by content hash, stat shortcut, corruption, pruning, merging."""

from __future__ import annotations

import json
import os
import time

import pytest

from initlint import cache as cache_mod
from initlint.cache import Cache, config_hash, content_hash, engine_hash

OLD = time.time_ns() - 10 * 10**9  # a time stamp safely in the past (not "racily clean")


def _open(tmp_path, engine="E", settings="S") -> Cache:
    return Cache.load(str(tmp_path / "cache"), str(tmp_path), engine, settings)


def test_round_trip_and_stat_hit(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    c = _open(tmp_path)
    assert c.lookup("a.py", (OLD, 6)) == (None, None)
    c.store("a.py", "sha1", (OLD, 6), time.time_ns(), [[1, 0, "INIT003", "m"]])
    c.save()
    c2 = _open(tmp_path)
    assert c2.lookup("a.py", (OLD, 6)) == ([[1, 0, "INIT003", "m"]], None)
    # the stat changed: only the content hash can tell, so the stored sha is returned for comparison
    assert c2.lookup("a.py", (OLD + 1, 6)) == (None, "sha1")
    assert c2.rows("a.py") == [[1, 0, "INIT003", "m"]]


def test_fresh_mtime_is_not_trusted(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    now = time.time_ns()
    c = _open(tmp_path)
    c.store("a.py", "sha1", (now, 6), now, [])
    c.save()
    assert _open(tmp_path).lookup("a.py", (now, 6)) == (None, "sha1")


def test_other_settings_or_engine_miss(tmp_path):
    (tmp_path / "a.py").write_text("")
    c = _open(tmp_path)
    c.store("a.py", "sha1", (OLD, 0), time.time_ns(), [])
    c.save()
    assert _open(tmp_path, settings="other").lookup("a.py", (OLD, 0)) == (None, None)
    assert _open(tmp_path, engine="other").entries == {}


@pytest.mark.parametrize(
    "garbage",
    [b"", b"{", b"\xff\xfe", b"[]", b'{"format": 1, "engine": "E", "files": []}',
     b'{"format": 1, "engine": "E", "files": {"a.py": [1, 2]}}', b"null", b"[" * 100000],
)
def test_corrupt_cache_is_ignored_and_rebuilt(tmp_path, garbage):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / cache_mod.FILENAME).write_bytes(garbage)
    (tmp_path / "a.py").write_text("")
    c = _open(tmp_path)
    assert c.entries == {}
    c.store("a.py", "sha1", (OLD, 0), time.time_ns(), [])
    c.save()
    data = json.loads((tmp_path / "cache" / cache_mod.FILENAME).read_text())
    assert data["format"] == cache_mod.FORMAT and list(data["files"]) == ["a.py"]


def test_save_is_atomic_and_marks_directory(tmp_path):
    (tmp_path / "a.py").write_text("")
    c = _open(tmp_path)
    c.store("a.py", "sha1", (OLD, 0), time.time_ns(), [])
    c.save()
    names = set(os.listdir(tmp_path / "cache"))
    assert names == {".gitignore", "CACHEDIR.TAG", cache_mod.FILENAME, "lock"}  # no temporary left behind
    assert (tmp_path / "cache" / ".gitignore").read_text().strip().endswith("*")


def test_nothing_written_when_nothing_used(tmp_path):
    _open(tmp_path).save()
    assert not (tmp_path / "cache").exists()


def test_prunes_deleted_files(tmp_path):
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("")
    c = _open(tmp_path)
    c.store("a.py", "sha1", (OLD, 0), time.time_ns(), [])
    c.store("b.py", "sha2", (OLD, 0), time.time_ns(), [])
    c.save()
    (tmp_path / "b.py").unlink()
    c2 = _open(tmp_path)
    c2.store("a.py", "sha1", (OLD, 0), time.time_ns(), [])
    c2.save()
    assert set(_open(tmp_path).entries) == {"a.py"}


def test_caps_entry_count(tmp_path, monkeypatch):
    monkeypatch.setattr(cache_mod, "MAX_ENTRIES", 3)
    c = _open(tmp_path)
    for i in range(5):
        (tmp_path / f"f{i}.py").write_text("")
        c.store(f"f{i}.py", f"sha{i}", (OLD, 0), time.time_ns(), [])
    c.save()
    assert len(_open(tmp_path).entries) == 3


def test_merges_with_a_concurrent_writer(tmp_path):
    for name in ("a.py", "b.py"):
        (tmp_path / name).write_text("")
    first, second = _open(tmp_path), _open(tmp_path)  # two runs started at the same time
    first.store("a.py", "sha1", (OLD, 0), time.time_ns(), [])
    first.save()
    second.store("b.py", "sha2", (OLD, 0), time.time_ns(), [])
    second.save()
    assert set(_open(tmp_path).entries) == {"a.py", "b.py"}


def test_unwritable_cache_directory_is_not_fatal(tmp_path):
    (tmp_path / "cache").write_text("a file where the directory should be")
    c = _open(tmp_path)
    c.store("a.py", "sha1", (OLD, 0), time.time_ns(), [])
    c.save()  # must not raise
    assert c.problem and "could not write" in c.problem


def test_engine_hash_follows_rule_sources(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "rules").mkdir(parents=True)
    (pkg / "rules" / "init001_x.py").write_text("code = 'INIT001'\n")
    (pkg / "__pycache__").mkdir()
    before = engine_hash(str(pkg))
    assert engine_hash(str(pkg)) == before  # stable
    (pkg / "__pycache__" / "junk.py").write_text("ignored")
    assert engine_hash(str(pkg)) == before
    (pkg / "rules" / "init001_x.py").write_text("code = 'INIT001'  # edited\n")
    assert engine_hash(str(pkg)) != before
    assert engine_hash() != engine_hash(str(pkg))


def test_hash_helpers():
    assert content_hash(b"a") == content_hash(b"a") != content_hash(b"b")
    assert config_hash("x") != config_hash("y")

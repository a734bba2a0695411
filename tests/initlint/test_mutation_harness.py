"""scripts/mutate_init1xx.py: its mutation operations on a bundled tiny script, and one end-to-end run.

No network: the "archive" of the end-to-end run is a zip built here from the bundled script.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import json
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = Path(__file__).parent / "mutation_data" / "tiny_pretrain.py"


@pytest.fixture(scope="module")
def harness():
    spec = importlib.util.spec_from_file_location("mutate_init1xx", REPO / "scripts" / "mutate_init1xx.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def source():
    return TINY.read_text()


def _lines(text):
    return [line for line in text.splitlines()]


def test_delete_removes_exactly_the_statement_and_keeps_the_block_valid(harness, source):
    out = harness.delete(source, "module.reset_parameters()")
    assert "reset_parameters" not in out
    assert len(_lines(out)) == len(_lines(source))  # the emptied `if` body became `pass`
    assert "            pass" in out
    ast.parse(out)


def test_delete_of_a_compound_statement_removes_its_body(harness, source):
    out = harness.delete(source, "for module in model.modules():")
    assert "model.modules()" not in out and "reset_parameters" not in out
    assert len(_lines(source)) - len(_lines(out)) == 3


def test_move_after_puts_the_statement_after_the_target_at_its_indentation(harness, source):
    out = harness.move_after(source, "for module in model.modules():", "    if resume:")
    lines = _lines(out)
    loop = lines.index("    for module in model.modules():")
    assert lines[loop - 1].strip() == "fabric.load(resume, state)"
    assert lines[loop + 2].strip() == "module.reset_parameters()"
    assert out.count("reset_parameters") == 1


def test_move_into_appends_to_the_with_body_reindented(harness, source):
    out = harness.move_into(source, "for module in model.modules():", "with fabric.init_module(empty_init=True):")
    lines = _lines(out)
    w = lines.index("    with fabric.init_module(empty_init=True):")
    assert lines[w + 2] == "        for module in model.modules():"
    assert lines[w + 4] == "                module.reset_parameters()"
    ast.parse(out)


def test_nonstrict_flips_or_adds_strict_false(harness, source):
    out = harness.nonstrict(source, "model.load_state_dict(", "load_state_dict")
    assert "model.load_state_dict(state_dict, strict=False)" in out and "strict=True" not in out
    added = harness.nonstrict(out.replace(", strict=False", ""), "model.load_state_dict(", "load_state_dict")
    assert "model.load_state_dict(state_dict, strict=False)" in added


def test_nonstrict_on_a_call_closed_on_its_own_line(harness):
    src = "def f(model, sd):\n    model.load_state_dict(\n        sd,\n        assign=True\n    )\n"
    out = harness.nonstrict(src, "model.load_state_dict(", "load_state_dict")
    assert out == "def f(model, sd):\n    model.load_state_dict(\n        sd,\n        assign=True,\n" \
        "        strict=False,\n    )\n"
    ast.parse(out)


def test_ambiguous_or_missing_anchor_is_a_corpus_error(harness, source):
    with pytest.raises(harness.MutationError):
        harness.delete(source, "nn.Linear(width, width)")  # two lines
    with pytest.raises(harness.MutationError):
        harness.delete(source, "no such text")
    with pytest.raises(harness.MutationError):
        harness.replace(source, "torch", "jax")  # many occurrences
    with pytest.raises(harness.MutationError):
        harness.apply_mutation(source, {"op": "replace", "old": "strict=True", "new": "strict=True"})


def _tiny_corpus(tmp_path, pin=True, mutations=""):
    """A wheel holding TINY as tiny/pretrain.py, and a corpus.toml entry for it (hashes pinned, or a wrong pin)."""
    data = TINY.read_bytes()
    archive = tmp_path / "tiny-0.1-py3-none-any.whl"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("tiny/pretrain.py", data)
    archive_pin = hashlib.sha256(archive.read_bytes()).hexdigest() if pin else "0" * 64
    corpus = tmp_path / "corpus.toml"
    corpus.write_text(f"""
[[entry]]
name = "tiny"
framework = "tiny"
requirement = "tiny==0.1"
archive = "{archive.name}"
archive_sha256 = "{archive_pin}"
path = "tiny/pretrain.py"
file_sha256 = "{hashlib.sha256(data).hexdigest()}"
""" + mutations)
    return corpus


def test_end_to_end_on_a_local_archive(harness, tmp_path, capsys):
    corpus = _tiny_corpus(tmp_path, mutations="""
[[entry.mutation]]
name = "delete-init"
op = "delete"
anchor = "for module in model.modules():"
expect = "INIT101"

[[entry.mutation]]
name = "init-inside-empty-init"
op = "move_into"
anchor = "for module in model.modules():"
target = "with fabric.init_module(empty_init=True):"
expect = "INIT102"

[[entry.mutation]]
name = "nonstrict-load"
op = "nonstrict"
anchor = "model.load_state_dict("
also = [{op = "delete", anchor = "module.reset_parameters()"}]
expect = "INIT103"

[[entry.mutation]]
name = "renamed-loop-variable"
op = "replace"
old = "for _ in range(3):"
new = "for _step in range(3):"
expect = "silent"

[[entry.mutation]]
name = "broken-anchor"
op = "delete"
anchor = "not in the file"
expect = "INIT101"
""")
    out_json = tmp_path / "r.json"
    rc = harness.main(["--corpus", str(corpus), "--corpus-dir", str(tmp_path), "--work-dir", str(tmp_path / "w"),
                       "--json", str(out_json)])
    assert rc == 1  # the broken anchor: a corpus that could not be fully measured
    result = json.loads(out_json.read_text())
    assert result["false_alarms"] == []
    assert result["total"] == 3  # the broken anchor is reported as not measured, not as a miss
    assert result["silent_variants"] == 1 and result["entry_points"] == 1  # a silent variant is no recall case
    assert [b["mutant"] for b in result["broken"]] == ["broken-anchor"]
    detail = {m["name"]: m for m in result["details"][0]["mutants"]}
    assert detail["delete-init"]["caught"] and detail["init-inside-empty-init"]["caught"]
    assert {f["code"] for f in detail["delete-init"]["findings"]} >= {"INIT101"}
    printed = capsys.readouterr().out
    assert "| tiny | tiny | `tiny/pretrain.py` | training | plain script |" in printed


def test_hash_mismatch_is_not_measured(harness, tmp_path):
    corpus = _tiny_corpus(tmp_path, pin=False)
    entries = harness.load_corpus(corpus)
    harness.prepare(entries, tmp_path, tmp_path / "w")
    assert entries[0].error and "sha256" in entries[0].error and entries[0].original is None

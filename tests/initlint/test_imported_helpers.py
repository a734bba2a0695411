"""INIT101-INIT104 with imported free functions judged by their bodies (issue 13 item 3).

The project is ``fixtures/imported_helpers/proj``: entry points (``train_*.py``) that import init, load,
build and re-initialization helpers from other files of the package. One entry point is a file there
(``train_init_flag.py``); the others are edits of it listed in ``fixtures/imported_helpers/entry_points.toml``
(its helper import, what runs between materializing and training, and sometimes how the model is built), written
with the package into a temporary directory once per test process. Each bad entry point has a good twin that
differs only in what the rule judges; all of them are linted through the public API (and flake8), with the
project index on, as a user's run would lint them.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from initlint import Config, lint_file

from ._project import _summary_cache, line_of  # noqa: F401 - the fixture applies to every test here
from ._twins import twin

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the ``tomli`` dependency (same API)
    import tomli as tomllib

SOURCE = Path(__file__).parent / "fixtures" / "imported_helpers"
#: what an entry of entry_points.toml replaces in proj/train_init_flag.py
BASE_PARTS = {
    "imports": "from proj.helpers import init_if\n",
    "build": '    with torch.device("meta"):\n        model = torch.nn.Linear(args.width, args.width)\n'
             '    model.to_empty(device="cpu")\n',
    "steps": "    init_if(model, args.init)\n",
}


def _write_project() -> Path:
    """The fixture project copied into a temporary directory, with every entry point of entry_points.toml written
    there as its edit of ``train_init_flag.py``; the path of the copied ``proj``."""
    root = Path(tempfile.mkdtemp(prefix="initlint-imported-helpers-"))
    atexit.register(shutil.rmtree, root, True)
    shutil.copytree(SOURCE, root / SOURCE.name, ignore=shutil.ignore_patterns("__pycache__"))
    proj = root / SOURCE.name / "proj"
    base = (proj / "train_init_flag.py").read_text(encoding="utf-8")
    body = base[base.index('"""', 3) + 3:]
    entries = tomllib.loads((SOURCE / "entry_points.toml").read_text(encoding="utf-8"))["entry"]
    for name, entry in entries.items():
        edits = [(BASE_PARTS[k], entry[k].rstrip("\n") + "\n") for k in ("imports", "build", "steps") if k in entry]
        (proj / name).write_text(f'"""{entry["doc"]}"""' + twin(body, *edits), encoding="utf-8")
    return proj


PROJ = _write_project()


def found(name: str, **cfg) -> set[tuple[int, str]]:
    """``{(line, code)}`` of the INIT1xx findings on the entry point ``name`` of the fixture project."""
    return {(f.line, f.code) for f in lint_file(str(PROJ / name), Config(**cfg)) if f.code.startswith("INIT1")}


def messages(name: str) -> list[str]:
    return [f.message for f in lint_file(str(PROJ / name), Config()) if f.code.startswith("INIT1")]


TO_EMPTY = "model.to_empty"


def at(name: str, needle: str) -> int:
    return line_of(PROJ / name, needle)


# ------------------------------------------------------------------ init helpers
def test_helper_that_initializes_on_every_path_is_silent():
    assert found("train_init_all.py") == set()


def test_helper_that_initializes_only_under_its_flag_reports_the_callers_path():
    assert found("train_init_flag.py") == {(at("train_init_flag.py", TO_EMPTY), "INIT101")}
    (msg,) = messages("train_init_flag.py")
    assert "`model`" in msg and "when `args.init` is falsy" in msg  # the helper's `init` is the caller's args.init
    # the twin: the flag's default (True) decides, on every path
    assert found("train_init_flag_good.py") == set()


def test_helper_condition_on_an_attribute_of_its_parameter():
    assert found("train_init_by_config.py") == {(at("train_init_by_config.py", TO_EMPTY), "INIT101")}
    (msg,) = messages("train_init_by_config.py")
    assert "when `args.fresh` is falsy" in msg
    # the twin loads on exactly the other path: `cfg.fresh` in the helper is the caller's `args.fresh`
    assert found("train_init_by_config_good.py") == set()


def test_helper_named_init_weights_that_does_nothing_is_not_an_initialization():
    # by its name (`*init_weights*`) it would count as one; its body prints a parameter count: the body wins
    assert found("train_named_init.py") == {(at("train_named_init.py", TO_EMPTY), "INIT101")}
    assert found("train_named_init_good.py") == set()  # the same call, to an init_weights that initializes


# ------------------------------------------------------------------ load helpers
def test_imported_nonstrict_load_into_uninitialized_model_is_init103():
    assert found("train_load.py") == {(at("train_load.py", "load_weights(model"), "INIT103")}
    assert found("train_load_good.py") == set()  # strict load on every path


# ------------------------------------------------------------------ factories
def test_imported_factory_called_in_meta_context_builds_there():
    assert found("train_factory.py") == {(at("train_factory.py", TO_EMPTY), "INIT101")}
    assert found("train_factory_good.py") == set()


# ------------------------------------------------------------------ re-initialization after a load
def test_imported_helper_reinitializing_after_load_is_init104():
    assert found("train_reinit.py") == {(at("train_reinit.py", "model = prepare(model)"), "INIT104")}
    (msg,) = messages("train_reinit.py")
    assert "`prepare(model)`" in msg and "when `args.resume` is truthy" in msg
    assert found("train_reinit_good.py") == set()  # the helper runs only on the fresh path


# ------------------------------------------------------------------ chains, cycles, unresolved names
def test_helper_chain_across_two_files():
    assert found("train_chain.py") == set()  # helpers.prepare -> deep.reset_all initializes
    assert found("train_chain_bad.py") == {(at("train_chain_bad.py", TO_EMPTY), "INIT101")}


def test_helpers_in_a_cycle_are_unknown_and_silent():
    assert found("train_cycle.py") == set()


@pytest.mark.parametrize("name", ["train_unresolved.py", "train_unresolved_bad.py"])
def test_unresolved_import_keeps_the_name_patterns(name, monkeypatch):
    with_index = found(name)
    monkeypatch.setenv("INITLINT_NO_INDEX", "1")
    assert found(name) == with_index  # nothing resolves: exactly what the name patterns alone give
    expected = set() if name == "train_unresolved.py" else {(at(name, TO_EMPTY), "INIT101")}
    assert with_index == expected


def test_init_helpers_option_does_not_override_a_resolved_body():
    # configuring `init_weights` as an init helper changes nothing once its body resolves (it does nothing)
    assert found("train_named_init.py", init_helpers=("init_weights",)) == {
        (at("train_named_init.py", TO_EMPTY), "INIT101")}


# ------------------------------------------------------------------ summaries on disk, caches
def test_summaries_are_stored_with_the_files_they_read(tmp_path, monkeypatch):
    from initlint.project import index
    from initlint.project.cache import summary_dir

    monkeypatch.setattr(index, "_index", [])  # a fresh process-wide index, with this test's summary cache
    found("train_chain.py")
    stored = [json.loads(p.read_text()) for p in Path(summary_dir()).rglob("*.script-*-prepare.json")]
    assert len(stored) == 1
    assert stored[0]["script"]["outcomes"] == [{"when": [], "fx": {"model": "init"}}]
    assert list(stored[0]["deps"]) == [str(PROJ / "deep.py")]  # the helper's helper
    # nothing stored for the cycle (its answer would depend on where the cycle was entered)
    found("train_cycle.py")
    assert not list(Path(summary_dir()).rglob("*.script-*-setup.json"))


def _cli_run(tmp_path: Path, monkeypatch, entry: str):
    """A copy of the project (the current directory from now on) and a function that lints ``entry`` there with
    the CLI and its findings cache: its exit status."""
    from initlint import cli

    root = tmp_path / "copy"
    shutil.copytree(PROJ.parent, root, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "pyproject.toml").write_text("")
    monkeypatch.chdir(root)
    cache_dir = str(tmp_path / "findings")
    return root, lambda: cli.main(["--cache-dir", cache_dir, "--select", "INIT1", f"proj/{entry}"])


def test_cli_cache_goes_stale_when_an_imported_helper_changes(tmp_path, monkeypatch):
    root, run = _cli_run(tmp_path, monkeypatch, "train_init_all.py")
    assert run() == 0
    helpers = root / "proj/helpers.py"
    text = helpers.read_text()
    old = "            m.reset_parameters()\n\n\ndef init_if"
    helpers.write_text(text.replace(old, "            pass\n\n\ndef init_if"))
    assert run() == 1  # train_init_all.py did not change, but the helper it calls no longer initializes


def test_cli_cache_goes_stale_when_a_helpers_helper_changes(tmp_path, monkeypatch):
    root, run = _cli_run(tmp_path, monkeypatch, "train_chain.py")
    assert run() == 0
    stored = json.loads((tmp_path / "findings" / "v1.json").read_text())["files"]
    consulted = next(iter(stored.values()))[6]
    deep = root / "proj/deep.py"
    assert str(deep) in consulted and str(root / "proj/helpers.py") in consulted
    deep.write_text(deep.read_text().replace("            m.reset_parameters()", "            pass"))
    assert run() == 1  # two files away: helpers.prepare -> deep.reset_all no longer initializes


def test_flake8_plugin_judges_imported_helpers_by_their_bodies(tmp_path):
    env = dict(os.environ, INITLINT_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("INITLINT_NO_INDEX", None)
    res = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "INIT1", "proj/train_init_flag.py",
         "proj/train_init_flag_good.py", "proj/train_named_init.py", "proj/train_named_init_good.py"],
        cwd=PROJ.parent, capture_output=True, text=True, env=env,
    )
    lines = res.stdout.splitlines()
    assert sorted(line.split(":")[0] for line in lines) == ["proj/train_init_flag.py", "proj/train_named_init.py"], res
    assert all("INIT101" in line for line in lines)
    assert "`args.init` is falsy" in res.stdout


def test_a_damaged_summary_in_the_cache_is_not_fatal(monkeypatch):
    from initlint.codes import INTERNAL_ERROR
    from initlint.project import index
    from initlint.project.cache import summary_dir

    monkeypatch.setattr(index, "_index", [])
    assert found("train_chain.py") == set()
    damaged = list(Path(summary_dir()).rglob("*.script-*.json"))
    assert damaged
    for p in damaged:
        p.write_text(json.dumps({"script": {"outcomes": [{"when": 5, "fx": {"model": "boom"}}]}, "deps": {}}))
    monkeypatch.setattr(index, "_index", [])
    codes = {f.code for f in lint_file(str(PROJ / "train_chain.py"), Config())}
    assert INTERNAL_ERROR not in codes  # judged by name instead (the damaged answer is not used)


def test_strictness_passed_through_the_helpers_parameter():
    # litgpt's load_checkpoint(fabric, model, path, strict=False): the helper loads with strict=strict
    assert found("train_load_forwarded.py") == {(at("train_load_forwarded.py", "load_into(model"), "INIT103")}
    assert found("train_load_forwarded_good.py") == set()


def test_keyword_expansion_into_a_helper_that_does_nothing():
    # `**extra` may bind anything, but the helper does nothing to any parameter: the model stays uninitialized
    assert found("train_star_args.py") == {(at("train_star_args.py", TO_EMPTY), "INIT101")}


def test_name_patterns_give_way_to_the_body_for_an_initialized_model(monkeypatch):
    # `load_checkpoint_meta` matches `load_checkpoint*`: by name it loads, and the init after it would be INIT104
    assert found("train_eager_named_load.py") == set()
    bad = "train_eager_named_load_bad.py"
    assert found(bad) == {(at(bad, "model.reset_parameters()"), "INIT104")}
    monkeypatch.setenv("INITLINT_NO_INDEX", "1")
    assert found("train_eager_named_load.py") == {(at("train_eager_named_load.py", "model.reset_parameters()"),
                                                   "INIT104")}  # the name alone: a (wrong) finding


def test_model_apply_of_an_imported_function_is_judged_by_its_body(monkeypatch):
    assert found("train_apply.py") == {(at("train_apply.py", TO_EMPTY), "INIT101")}
    assert found("train_apply_good.py") == set()
    monkeypatch.setenv("INITLINT_NO_INDEX", "1")
    assert found("train_apply.py") == set()  # by its name alone `log_module` may initialize: unknown, silent

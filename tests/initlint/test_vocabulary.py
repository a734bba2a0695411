"""The vocabulary (initlint.facts.vocabulary) and its readers agree: the INIT1xx statement slicer, the INIT1xx
analysis's gate, the rules' byte triggers and the module facts' notion of an initializing call.

Each check runs the real reader on a real snippet built from a vocabulary name; a name one reader knows and
another ignores fails here instead of silently losing findings (slicing must never change findings).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import libcst as cst
import pytest

import initlint
from initlint import Config, lint_source
from initlint.facts import FileFacts, vocabulary as V
from initlint.facts.effects import is_init_callee
from initlint.facts.imports import Imports
from initlint.slicing import statement_plan

CFG = Config()
UNRELATED = "def unrelated(x):\n    return x.flip(0)\n"

#: every origin as it is written in real code (some are origins only with their argument)
ORIGIN_CALLS = {
    "init_module": "with fabric.init_module(empty_init=True):\n        model = GPT(cfg)",
    "init_empty_weights": "with init_empty_weights():\n        model = GPT(cfg)",
    "skip_init": "model = skip_init(GPT, cfg)",
    "deferred_init": "model = deferred_init(GPT, cfg)",
    "to_empty": "model = GPT(cfg)\n    model.to_empty(device='cuda')",
    "set_default_device": "torch.set_default_device('meta')\n    model = GPT(cfg)",
    "init_on_device": "with init_on_device('meta'):\n        model = GPT(cfg)",
}
INIT_NAMES = sorted(V.INIT_METHODS | V.NN_INIT_NAMES | V.TENSOR_INIT_METHODS | V.MATERIALIZE | {"apply"})
LOAD_NAMES = sorted(V.LOAD_NAMES)


def _kept(src: str) -> bool:
    """Does the INIT1xx slice keep the first top-level definition of ``src``?"""
    plan = statement_plan(src, CFG)
    return plan is None or 0 in plan


def _gate(src: str) -> bool:
    """Does the INIT1xx analysis's gate find the body of ``build`` worth analysing?"""
    module = cst.parse_module(src)
    script = FileFacts(module, "<test>", CFG).script
    fn = next(s for s in module.body if isinstance(s, cst.FunctionDef) and s.name.value == "build")
    return script._interesting(list(fn.body.body))


def test_every_origin_is_known_to_the_slicer_the_gate_and_the_triggers():
    assert set(ORIGIN_CALLS) == set(V.ORIGIN_NAMES)
    for name, code in ORIGIN_CALLS.items():
        src = f"def build(fabric, cfg):\n    {code}\n    return model\n\n\n{UNRELATED}"
        assert _kept(src), name
        assert _gate(src), name
        assert V.name_kind(name, CFG, ()) == V.KIND_ORIGIN
        assert any(t in src.encode() for t in V.ORIGIN_TRIGGERS), name
    # and the slicer keeps nothing for the unrelated function (the check above is not vacuous)
    src = f"def build(fabric, cfg):\n    {ORIGIN_CALLS['skip_init']}\n\n\n{UNRELATED}"
    assert statement_plan(src, CFG) == {0}


@pytest.mark.parametrize("init", INIT_NAMES)
@pytest.mark.parametrize("load", LOAD_NAMES + ["load_checkpoint"])
def test_a_load_and_an_init_are_known_to_both_the_slicer_and_the_gate(init, load):
    src = f"def build(model, sd):\n    model.{load}(sd)\n    model.{init}(fn)\n\n\n{UNRELATED}"
    assert _kept(src) and _gate(src)
    # a load alone is no reason to analyse a body (the slicer may keep more: a superset is safe)
    alone = f"def build(model, sd):\n    model.{load}(sd)\n    model.flip(fn)\n\n\n{UNRELATED}"
    assert not _gate(alone)


def test_trainer_load_keywords_are_what_the_slicer_looks_for():
    for kw in V.TRAINER_LOAD_KWS:
        src = (f"def build(model, path):\n    t = Trainer(model, {kw}=path)\n    model.reset_parameters()\n\n\n"
               f"{UNRELATED}")
        assert _kept(src) and _gate(src), kw
        assert V.TRAINER_LOAD_RE.search(f"{kw} =")
    assert not V.TRAINER_LOAD_RE.search("load_path_extra=")


def test_every_initializing_name_is_a_write_to_the_module_facts():
    imports = Imports(cst.parse_module("import torch\n"))
    for name in V.INIT_METHODS | V.NN_INIT_NAMES | V.TENSOR_INIT_METHODS | V.FORWARDERS:
        call = cst.parse_expression(f"torch.nn.init.{name}(w)" if name in V.NN_INIT_NAMES else f"m.{name}(w)")
        assert is_init_callee(call, imports), name
    for name in V.NOT_WRITES:
        assert not is_init_callee(cst.parse_expression(f"w.{name}(True)"), imports), name
    assert not V.NOT_WRITES & (V.TENSOR_INIT_METHODS | V.NN_INIT_NAMES)
    # and the INIT1xx analysis counts them as initializations
    for name in V.INIT_METHODS | V.NN_INIT_NAMES | V.TENSOR_INIT_METHODS:
        assert V.name_kind(name, CFG, ()) == V.KIND_INIT, name


def test_an_initializing_name_initializes_a_model_end_to_end():
    """The interpreter and the vocabulary: each model-level init method, after to_empty, silences INIT101."""
    for name in sorted(V.INIT_METHODS):
        src = textwrap.dedent(f"""\
            def main():
                model = Net()
                model.to_empty(device="cuda")
                model.{name}()
                fit(model)
            """)
        assert lint_source(src, "s.py", Config(select=("INIT1",))) == [], name
        broken = src.replace(f"    model.{name}()\n", "")
        assert [f.code for f in lint_source(broken, "s.py", Config(select=("INIT1",)))] == ["INIT101"]


def _word_literals(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_readers_keep_no_word_lists_of_their_own():
    """No reader spells a vocabulary name itself (it would drift from the vocabulary)."""
    words = (V.ORIGIN_NAMES | V.LOAD_NAMES | V.INIT_METHODS | V.NN_INIT_NAMES | V.TENSOR_INIT_METHODS
             | V.MATERIALIZE | set(V.TRAINER_LOAD_KWS) | set(V.FABRIC_INIT_CONTEXTS) | {V.EMPTY_INIT_KEYWORD})
    root = Path(initlint.__file__).parent
    script = sorted(f"facts/script/{p.name}" for p in (root / "facts/script").glob("*.py"))
    readers = ["slicing.py", "facts/effects.py"] + script
    assert len(readers) > 8
    for rel in readers:
        assert not (_word_literals(root / rel) & words), rel
    for rel in ("slicing.py", "facts/effects.py"):
        assert not (_word_literals(root / rel) & V.WRAPPERS), rel

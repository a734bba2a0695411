"""The INIT1xx analysis emits typed events (no rule codes, no text); the rules word them.

Real scripts in, the events ``facts.script.events`` lists out: what each event says about the model, and that
each rule's message is built from its events' fields.
"""

from __future__ import annotations

import dataclasses
import textwrap

import libcst as cst

from initlint import Config, lint_source
from initlint.facts import FileFacts
from initlint.facts.script import (
    Form, InitAfterLoad, InitInsideEmptyContext, Kind, NonStrictLoad, Origin, UninitializedAtTraining,
)

CFG = Config(select=("INIT1",))

SCRIPT = textwrap.dedent("""\
    import torch

    def main(fabric, cfg, resume, path):
        with fabric.init_module(empty_init=True):
            model = GPT(cfg)
            model.reset_parameters()
        if resume:
            model.load_state_dict(torch.load(path), strict=False)
            model.apply(init_weights)
        fabric.fit(model)
    """)


def _events(src: str):
    module = cst.parse_module(src)
    facts = FileFacts(module, "train.py", CFG)
    return facts, facts.script.events


def _line(facts, node) -> int:
    return facts.positions[node].start.line


def test_events_say_what_happened_to_which_model_where_and_when():
    facts, events = _events(SCRIPT)
    by_type = {type(e): e for e in events}
    assert set(by_type) == {UninitializedAtTraining, InitInsideEmptyContext, NonStrictLoad, InitAfterLoad}

    uninit = by_type[UninitializedAtTraining]
    assert uninit.variable == "model"
    assert uninit.status.kind is Kind.UNINIT and uninit.status.origin is Origin.CONTEXT
    assert _line(facts, uninit.node) == 5 and _line(facts, uninit.status.ctx) == 4
    assert facts.script.text(uninit.training) == "fabric.fit(model)"
    # the fresh run (resume falsy) is the bug path, and its only deciding condition
    [[lit]] = uninit.conditions
    assert (lit.text, lit.positive, lit.form) == ("resume", False, Form.TRUTH)

    in_ctx = by_type[InitInsideEmptyContext]
    assert _line(facts, in_ctx.node) == 6 and _line(facts, in_ctx.context) == 4

    nonstrict = by_type[NonStrictLoad]
    assert _line(facts, nonstrict.node) == 8 and nonstrict.status.kind is Kind.UNINIT

    after = by_type[InitAfterLoad]
    assert _line(facts, after.node) == 9 and _line(facts, after.load) == 8
    assert [(lit.text, lit.positive) for lit in after.conditions] == [("resume", True)]


def test_events_carry_no_rule_codes_and_no_text():
    _facts, events = _events(SCRIPT)
    for e in events:
        for f in dataclasses.fields(e):
            value = getattr(e, f.name)
            assert not (isinstance(value, str) and value != e.variable), (type(e).__name__, f.name, value)


def test_each_rule_words_its_own_events():
    found = {(f.line, f.code): f for f in lint_source(SCRIPT, "train.py", CFG)}
    assert sorted(found) == [(5, "INIT101"), (6, "INIT102"), (8, "INIT103"), (9, "INIT104")]
    assert found[5, "INIT101"].message.startswith("`model` (built inside `fabric.init_module(empty_init=True)`, "
                                                  "line 5) reaches training at line 10 (`fabric.fit(...)`)")
    assert "when `resume` is falsy" in found[5, "INIT101"].message
    assert found[9, "INIT104"].message.startswith("`model.apply(init_weights)` re-initializes `model` after it "
                                                  "was loaded at line 8 (`model.load_state_dict(...)`) when "
                                                  "`resume` is truthy")
    assert found[9, "INIT104"].fix == "initialize before loading, or only on the path that does not load"

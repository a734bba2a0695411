"""A real Hugging Face transformers model from a tiny config (no download)."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import initguard

transformers = pytest.importorskip("transformers")


def _config():
    return transformers.GPT2Config(n_layer=2, n_embd=64, n_head=2, vocab_size=128, n_positions=64,
                                   bos_token_id=0, eos_token_id=0)


def test_gpt2_passes_as_built_with_and_without_track():
    with initguard.track():
        tracked = transformers.GPT2LMHeadModel(_config())
    plain = transformers.GPT2LMHeadModel(_config())
    r = initguard.assert_initialized(tracked)
    assert r.tracked == r.checked > 0
    # lm_head.weight is tied to transformer.wte.weight: checked once
    assert sum(1 for e in r.entries if e.name.endswith("wte.weight") or e.name == "lm_head.weight") == 1
    assert initguard.assert_initialized(plain).ok


def test_gpt2_weights_left_at_garbage_are_caught(h):
    model = transformers.GPT2LMHeadModel(_config())
    h.poison([model.transformer.h[1].mlp.c_fc.weight], "denormal")
    h.poison([model.transformer.ln_f.bias], "nan")
    r = initguard.check(model)
    assert h.names(r) == {"transformer.h.1.mlp.c_fc.weight", "transformer.ln_f.bias"}
    assert {p.module_type for p in r.problems} == {"Conv1D", "LayerNorm"}


class ScoredGPT2(transformers.GPT2LMHeadModel if transformers else object):
    """A subclass that declares a head in __init__ that ``_init_weights`` does not know (the Tapas/OmDet
    bug)."""

    def __init__(self, config):
        super().__init__(config)
        self.column_bias = nn.Parameter(torch.empty(config.n_embd, 4))


def test_parameter_missed_by_init_weights_is_caught_with_track(h):
    with initguard.track():
        model = ScoredGPT2(_config())
    r = initguard.check(model)
    assert h.names(r) == {"column_bias"}
    p = r.problems[0]
    assert p.verdict == "uninitialized" and p.module_type == "ScoredGPT2" and p.source == "provenance"


def test_from_pretrained_local_directory_passes(tmp_path):
    # transformers builds on meta and loads (Parameters replaced after construction): loaded means initialized
    transformers.GPT2LMHeadModel(_config()).save_pretrained(tmp_path)
    with initguard.track():
        model = transformers.GPT2LMHeadModel.from_pretrained(tmp_path)
    r = initguard.check(model)
    assert r.ok, str(r)
    assert initguard.check(transformers.GPT2LMHeadModel.from_pretrained(tmp_path)).ok

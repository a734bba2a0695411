"""Provenance that survives what training stacks do between construction and the first step (issue 16).

``initialize()`` on models whose ``reset_parameters`` replaces buffers and whose designer init lives on the root,
``initialize(); assert_initialized()`` without ``track()``, and casts / re-created parameters that keep a
tensor's recorded provenance. Real torch modules on CPU; the distributed cases are in test_provenance_dist.py.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

import initguard
from initguard import provenance
from initguard.initializer import initialize


class RopeCache(nn.Module):
    """LitGPT's pattern: ``reset_parameters()`` *replaces* a non-persistent buffer (the RoPE cache)."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 8)
        self.register_buffer("cache", torch.zeros(4), persistent=False)

    def reset_parameters(self):
        self.cache = torch.arange(4.0)


class DesignerInit(nn.Module):
    """A root with a torchtitan-style ``init_weights()`` (std 0.02 everywhere, zero biases)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(64, 64)
        self.b = nn.Linear(64, 64)

    def init_weights(self):
        for m in (self.a, self.b):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)


class AppliedInit(nn.Module):
    """A root with LitGPT/HF's ``_init_weights(module)`` meant for ``model.apply``."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(32, 16)
        self.head = nn.Linear(16, 32, bias=False)

    def _init_weights(self, module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)


def test_initialize_accepts_a_buffer_replaced_by_reset_parameters():
    m = RopeCache()
    report = initialize(m)
    assert report.ok, str(report)
    assert torch.equal(m.cache, torch.arange(4.0))
    initguard.assert_initialized(m)


def test_initialize_on_meta_with_replaced_buffer():
    with torch.device("meta"):
        m = RopeCache()
    report = initialize(m, "cpu")
    assert report.ok and report.materialized, str(report)
    assert torch.equal(m.cache, torch.arange(4.0))
    assert not torch.isnan(m.lin.weight).any()
    initguard.assert_initialized(m)


def test_initialize_then_assert_initialized_passes_without_track():
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 8))
    # the same model untouched is at PyTorch's default: the check says so
    with pytest.raises(initguard.NotInitializedError, match="default"):
        initguard.assert_initialized(nn.Sequential(nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 8)))
    report = initialize(m)
    assert report.ok
    checked = initguard.assert_initialized(m)
    assert checked.tracked == 4  # provenance (the deliberate init) decided, not statistics


def test_initialize_marks_survive_a_later_dtype_cast():
    m = nn.Sequential(nn.Linear(32, 32), nn.Linear(32, 8))
    initialize(m)
    m.to(torch.bfloat16)
    initguard.assert_initialized(m)


def test_initialize_runs_the_root_init_weights():
    torch.manual_seed(0)
    m = DesignerInit()
    report = initialize(m)
    assert report.model_init == "DesignerInit.init_weights()"
    assert abs(float(m.a.weight.detach().std()) - 0.02) < 0.004
    assert float(m.a.bias.detach().abs().max()) == 0.0
    assert "then DesignerInit.init_weights()" in str(report)
    initguard.assert_initialized(m)


def test_initialize_applies_the_root_underscore_init_weights():
    torch.manual_seed(0)
    with torch.device("meta"):
        m = AppliedInit()
    report = initialize(m, "cpu")
    assert report.ok and report.model_init == "AppliedInit.apply(_init_weights)"
    assert abs(float(m.head.weight.detach().std()) - 0.02) < 0.004
    initguard.assert_initialized(m)


def test_initialize_model_init_none_keeps_only_reset_parameters():
    torch.manual_seed(0)
    m = DesignerInit()
    report = initialize(m, model_init=None)
    assert report.model_init == ""
    bound = 1 / math.sqrt(64)
    assert float(m.a.weight.detach().abs().max()) <= bound  # PyTorch's default, not std 0.02 normal
    assert float(m.a.weight.detach().abs().max()) > 0.1
    initguard.assert_initialized(m)  # still a deliberate init


def test_initialize_leaves_uncovered_tensors_unmarked():
    class NoReset(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.empty(16, 16))

    with torch.device("meta"):
        m = NoReset()
    report = initialize(m, "cpu")
    assert not report.ok
    with pytest.raises(initguard.NotInitializedError, match="w"):
        initguard.assert_initialized(m)


def test_rewrite_of_identical_values_keeps_default_provenance():
    """What DDP's broadcast does on every rank when the ranks agree: copy_ of the same values."""
    with initguard.track():
        m = nn.Linear(64, 64)
    with torch.no_grad():
        m.weight.copy_(m.weight.detach().clone())
    assert m.weight._version > 0
    report = initguard.check(m)
    assert [p.name for p in report.defaults] == ["weight", "bias"]


def test_tracked_default_replaced_by_a_cast_copy_stays_default():
    with initguard.track():
        m = nn.Linear(64, 64)
    m.weight = nn.Parameter(m.weight.detach().to(torch.bfloat16))  # a new Parameter, same values
    m.bias = nn.Parameter(m.bias.detach().clone())
    report = initguard.check(m)
    assert {p.name for p in report.defaults} == {"weight", "bias"}
    assert report.tracked == 2


def test_tracked_default_replaced_by_other_values_is_initialized():
    with initguard.track():
        m = nn.Linear(64, 64)
    new = torch.empty(64, 64)
    nn.init.normal_(new, std=0.02)
    m.weight = nn.Parameter(new)
    report = initguard.check(m)
    assert [p.name for p in report.defaults] == ["bias"]


def test_follow_returns_none_for_fresh_unwritten_memory():
    with initguard.track():
        m = nn.Linear(64, 64)
    rec, _ = provenance.lookup(m, "weight", m.weight)
    fresh = torch.zeros(64, 64)  # version 0, other values: nothing to say, statistics decide
    assert provenance.follow(rec, fresh) is None
    assert provenance.follow(rec, m.weight.detach().clone()) == (rec.state, rec.detail)


def test_initialize_on_real_litgpt_gpt_with_rope_cache():
    """LitGPT's GPT (0.2.0, 0.3.0, 0.5.13) replaces its RoPE buffers in reset_parameters(): no KeyError.

    Runs when an unpacked litgpt wheel is at $INITCHECK_LITGPT (``pip download --no-deps litgpt==0.3.0`` and
    unzip; never installed).
    """
    import warnings

    from ._litgpt import import_litgpt

    config_module, model_module = import_litgpt("config", "model")
    Config, GPT = config_module.Config, model_module.GPT
    config = Config.from_name("pythia-14m", n_layer=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with torch.device("meta"):
            model = GPT(config)
        report = initialize(model, "cpu")
    assert report.ok, str(report)
    assert report.model_init == "GPT.apply(_init_weights)"
    initguard.assert_initialized(model)


def test_swap_tensors_cast_of_a_tracked_model_works_and_keeps_provenance():
    """``Module.to`` swaps tensors (torch's future default, and always for DTensor parameters); swap_tensors
    refuses tensors with weakrefs, so finalized records hold none (it used to raise 'Couldn't swap')."""
    old = torch.__future__.get_swap_module_params_on_conversion()
    torch.__future__.set_swap_module_params_on_conversion(True)
    try:
        with initguard.track():
            m = nn.Linear(64, 64)
        w = m.weight
        m.to(torch.bfloat16)
        assert m.weight is w and m.weight.dtype == torch.bfloat16
        report = initguard.check(m)
        assert report.tracked == 2
        assert sorted(p.name for p in report.defaults) == ["bias", "weight"]
        initialize(m)
        m.to(torch.float32)
        initguard.assert_initialized(m)
    finally:
        torch.__future__.set_swap_module_params_on_conversion(old)


def test_follow_flat_keeps_provenance_of_a_flat_piece_and_takes_the_record_whose_values_it_holds():
    """FSDP1 keeps each original parameter as a 1-D run of its FlatParameter; a rank holds a piece of it. The piece
    keeps the recorded state when it holds the recorded values (also another rank's record: sync_module_states
    broadcasts rank 0's values), reads as written when it holds other values, and says nothing without a
    fingerprint position inside it."""
    from initguard import sampling
    from initguard.after_construction import follow_flat

    torch.manual_seed(0)
    with initguard.track():
        a = nn.Linear(64, 32)  # "rank 0": its constructor's default
    torch.manual_seed(1)
    with initguard.track():
        b = nn.Linear(64, 32)  # "rank 1": other values, same state
    ra, _ = provenance.lookup(a, "weight", a.weight)
    rb, _ = provenance.lookup(b, "weight", b.weight)
    assert ra.state == rb.state == provenance.DEFAULT
    shape = (32, 64)
    flat = a.weight.detach().reshape(-1).clone()  # what FSDP's flattening copies (the test's copy, not the guard's)
    piece = flat[700:2048]  # a rank's segment: elements 700.. of the flattened weight
    assert follow_flat([ra], piece, 700, shape) == (provenance.DEFAULT, ra.detail)
    # rank 1's own record does not match rank 0's broadcast values; rank 0's record (a peer) does
    assert follow_flat([rb, ra], piece, 700, shape) == (provenance.DEFAULT, ra.detail)
    assert follow_flat([rb], piece, 700, shape)[0] == provenance.WRITTEN
    assert follow_flat([ra], torch.full_like(piece, 0.5), 700, shape)[0] == provenance.WRITTEN
    # no fingerprint position inside a 2-element piece, a wrong shape, no record: statistics decide
    pos = set(sampling.positions(2048, 16).tolist())
    gap = next(i for i in range(2047) if i not in pos and i + 1 not in pos)
    assert follow_flat([ra], flat[gap:gap + 2], gap, shape) is None
    assert follow_flat([ra], piece, 700, (64, 32)) is None
    assert follow_flat([None], piece, 700, shape) is None
    assert a.weight._version == ra.version  # read-only

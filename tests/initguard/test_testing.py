"""initguard.testing on realistic models: the planted misses are found, the fixed models pass."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from _models import GPTConfig, HFConfig, HFStyleModel, NanoGPT, TableHead

from initguard.testing import assert_init_complete, assert_init_parity, find_unwritten


def _hf(fixed, **kw):
    return lambda: HFStyleModel(HFConfig(**kw), fixed=fixed)


def _gpt(fixed):
    return lambda: NanoGPT(GPTConfig(), fixed=fixed)


def _gpt_eager(fixed):
    def build():
        m = NanoGPT(GPTConfig(), fixed=fixed)
        m.init_weights()  # nanochat's eager path: construct, then init_weights()
        return m

    return build


# ------------------------------------------------------------------------------ assert_init_complete
def test_hf_style_dispatch_missing_a_module_is_named():
    with pytest.raises(AssertionError) as ei:
        assert_init_complete(_hf(False), lambda m: m.init_weights())
    msg = str(ei.value)
    assert "parameter 'head.column_bias' shape=[8] float32 (owner TableHead): never written" in msg
    assert "parameter 'head.temperature' shape=[1] float32 (owner TableHead)" in msg
    assert "2 tensor(s)" in msg and "_init_weights" in msg and "TableHead" in msg.split("Fix:")[1]
    # nothing the dispatch does cover is reported
    assert "proj" not in msg and "embed" not in msg and "norm" not in msg


def test_hf_style_fixed_dispatch_passes():
    assert_init_complete(_hf(True), lambda m: m.init_weights())


def test_nanogpt_scalar_missing_from_init_weights_is_named():
    with pytest.raises(AssertionError) as ei:
        assert_init_complete(_gpt(False), "init_weights")
    msg = str(ei.value)
    assert "parameter 'resid_lambdas' shape=[2] float32 (owner NanoGPT): never written" in msg
    assert "1 tensor(s)" in msg


def test_nanogpt_fixed_passes():
    assert_init_complete(_gpt(True), "init_weights")


def test_non_persistent_buffers_computed_in_init_are_required():
    def init_without_rope(m):  # forgets to recompute the rotary cache
        for mod in m.modules():
            if isinstance(mod, (nn.Linear, nn.Embedding)):
                nn.init.normal_(mod.weight, std=0.02)
        nn.init.ones_(m.resid_lambdas)

    with pytest.raises(AssertionError) as ei:
        assert_init_complete(_gpt(True), init_without_rope)
    msg = str(ei.value)
    assert "buffer 'cos'" in msg and "buffer 'sin'" in msg and "resid_lambdas" not in msg
    assert_init_complete(_gpt(True), init_without_rope, buffers=False)
    assert_init_complete(_gpt(True), init_without_rope, allow=["cos", "s?n"])


def test_does_not_depend_on_allocator_contents():
    # A large tensor from to_empty is usually zero-filled fresh memory; a miss that "should be zero"
    # would pass a naive check.  The poison makes it fail every time, identically.
    build = _hf(False, num_columns=40_000)
    runs = [find_unwritten(build, "init_weights") for _ in range(2)]
    assert runs[0] == runs[1]
    assert {u.name for u in runs[0]} == {"head.column_bias", "head.temperature"}
    assert runs[0][0].unwritten == runs[0][0].numel


def test_partial_writes_and_in_place_updates_of_garbage_are_found():
    def init(m):
        m.init_weights()
        with torch.no_grad():
            m.head.column_bias[:3] = 0.0  # only part written
            m.head.temperature.mul_(0.5)  # reads the empty memory

    misses = {u.name: u for u in find_unwritten(_hf(False), init)}
    assert misses["head.column_bias"].unwritten == 5
    assert "only partly written (5/8" in misses["head.column_bias"].describe()
    assert misses["head.temperature"].unwritten == 0 and misses["head.temperature"].garbage_dependent == 1
    assert "depend on the uninitialized memory" in misses["head.temperature"].describe()


def test_integer_and_bool_buffers_are_checked():
    class Counter(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(2, 2)
            self.register_buffer("steps", torch.zeros((), dtype=torch.long))
            self.register_buffer("mask", torch.ones(4, dtype=torch.bool))

    def init(m):
        m.lin.reset_parameters()

    names = {u.name for u in find_unwritten(Counter, init)}
    assert names == {"steps", "mask"}

    def init_all(m):
        m.lin.reset_parameters()
        m.steps.zero_()
        m.mask.fill_(True)

    assert find_unwritten(Counter, init_all) == []


# ------------------------------------------------------------------------------- assert_init_parity
def test_parity_hf_style_fixed_passes_and_buggy_fails():
    assert_init_parity(_hf(True), init="init_weights")
    with pytest.raises(AssertionError) as ei:
        assert_init_parity(_hf(False), init="init_weights")
    msg = str(ei.value)
    assert "'head.column_bias'" in msg and "non-finite" in msg and "'head.temperature'" in msg
    assert "layers.0" not in msg


def test_parity_nanogpt():
    assert_init_parity(_gpt_eager(True), init="init_weights")
    with pytest.raises(AssertionError, match="resid_lambdas"):
        assert_init_parity(_gpt_eager(False), init="init_weights")


def test_parity_finds_distribution_differences():
    # The deferred path initializes with each module's reset_parameters() (PyTorch defaults) instead of
    # the model's _init_weights (normal(0, 0.02)): shapes agree, values are finite, distributions differ.
    def deferred():
        with torch.device("meta"):
            m = HFStyleModel(HFConfig(), fixed=True)
        m.to_empty(device="cpu")
        for mod in m.modules():
            if hasattr(mod, "reset_parameters"):
                mod.reset_parameters()
        if True:  # TableHead has no reset_parameters; its own tensors are set by hand
            nn.init.zeros_(m.head.column_bias)
            nn.init.constant_(m.head.temperature, 0.07)
        return m

    with pytest.raises(AssertionError) as ei:
        assert_init_parity(_hf(True), deferred)
    msg = str(ei.value)
    for name in ("embed.weight", "layers.0.attn.weight", "layers.1.mlp.weight", "head.proj.weight"):
        assert f"'{name}'" in msg
    assert "KS test" in msg and "std" in msg
    assert "norm" not in msg and "column_bias" not in msg  # constants agree


def test_parity_reports_shape_and_missing_tensors():
    def deferred():
        m = HFStyleModel(HFConfig(), fixed=True)
        m.head = TableHead(HFConfig(num_columns=9))
        nn.init.normal_(m.head.proj.weight, std=0.02)
        m.extra = nn.Parameter(torch.zeros(2))
        return m

    with pytest.raises(AssertionError) as ei:
        assert_init_parity(_hf(True), deferred)
    msg = str(ei.value)
    assert "'head.column_bias' shape=[8]" in msg and "shape [8] eager vs [9] deferred" in msg
    assert "'extra'" in msg and "exists only on the deferred path" in msg


# -------------------------------------------------------------------------------- the pytest plugin
def test_plugin_is_registered_through_the_entry_point(request):
    assert request.config.pluginmanager.has_plugin("initguard")


def test_plugin_fixtures(assert_init_complete, assert_init_parity, assert_initialized):
    from initguard import testing

    assert assert_init_complete is testing.assert_init_complete
    assert assert_init_parity is testing.assert_init_parity
    assert_init_complete(_gpt(True), "init_weights")
    with pytest.raises(AssertionError):
        assert_init_complete(_gpt(False), "init_weights")
    assert_initialized(_hf(True)())


# ---------------------------------------------------------------------- real transformers models
def _tiny_pretrained_classes():
    transformers = pytest.importorskip("transformers")

    class TinyConfig(transformers.PretrainedConfig):
        model_type = "initguard-tiny"

        def __init__(self, hidden=16, fixed=False, **kw):
            super().__init__(**kw)
            self.hidden = hidden
            self.fixed = fixed

    class TinyPreTrained(transformers.PreTrainedModel):
        """A real ``PreTrainedModel``: ``scale`` is declared in ``__init__`` (the Tapas pattern)."""

        config_class = TinyConfig

        def __init__(self, config):
            super().__init__(config)
            self.proj = nn.Linear(config.hidden, config.hidden)
            self.norm = nn.LayerNorm(config.hidden)
            self.scale = nn.Parameter(torch.ones(config.hidden))
            self.post_init()

        def _init_weights(self, module):
            if isinstance(module, nn.Linear):
                nn.init.normal_(module.weight, std=0.02)
                nn.init.zeros_(module.bias)
            elif isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)
            elif isinstance(module, TinyPreTrained) and self.config.fixed:
                nn.init.ones_(module.scale)

    return transformers, TinyConfig, TinyPreTrained


def test_real_pretrained_model_subclass_missing_parameter():
    _, TinyConfig, TinyPreTrained = _tiny_pretrained_classes()
    expected = r"parameter 'scale' shape=\[16\] float32 \(owner TinyPreTrained\)"
    with pytest.raises(AssertionError, match=expected):
        assert_init_complete(lambda: TinyPreTrained(TinyConfig()), "init_weights")
    assert_init_complete(lambda: TinyPreTrained(TinyConfig(fixed=True)), "init_weights")
    assert_init_parity(lambda: TinyPreTrained(TinyConfig(fixed=True)), init="init_weights")


def test_real_llama_init_weights_is_complete():
    transformers, _, _ = _tiny_pretrained_classes()
    cfg = transformers.LlamaConfig(
        vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
        num_key_value_heads=2, max_position_embeddings=32,
    )
    # transformers' own init covers every parameter and recomputes the RoPE buffers
    assert_init_complete(lambda: transformers.LlamaForCausalLM(cfg), "init_weights")

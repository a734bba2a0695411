"""No false alarms on real models as their libraries build them (tiny configs, no download).

The normal suite checks a fast subset; ``python scripts/real_world.py --guard`` runs every family in
:data:`HF_FAMILIES` plus LitGPT and records the verdicts (docs/real-world.md).

Known, explained verdicts (:data:`EXPECTED_PROBLEMS`) are real: the library does leave PyTorch's default there.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

import initguard  # noqa: E402

from ._litgpt import import_litgpt  # noqa: E402

TINY = dict(
    hidden_size=32, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, intermediate_size=64,
    vocab_size=128, max_position_embeddings=64, d_model=32, encoder_layers=1, decoder_layers=1,
    encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, n_embd=32,
    n_layer=2, n_head=4, n_positions=64, num_layers=2, num_heads=4, d_ff=64, d_kv=8, head_dim=8, image_size=32,
    patch_size=8, num_channels=3,
)
#: Per-family corrections to TINY (config validation differs between families).
OVERRIDES = {
    "falcon": dict(head_dim=None),
    "whisper": dict(pad_token_id=0, max_source_positions=32, max_target_positions=32, num_mel_bins=16),
    "phi3": dict(pad_token_id=0),
    "swin": dict(num_heads=[2, 4], depths=[1, 1], embed_dim=16, num_layers=None),
    "mamba2": dict(num_heads=8, head_dim=8, n_groups=1, expand=2),
}
HF_FAMILIES = [
    "bert", "roberta", "distilbert", "albert", "electra", "deberta", "xlm-roberta", "gpt2", "gpt_neox", "gptj",
    "codegen", "opt", "bloom", "mpt", "llama", "mistral", "mixtral", "qwen2", "qwen3", "gemma", "gemma2", "phi",
    "phi3", "olmo", "stablelm", "starcoder2", "granite", "cohere", "falcon", "t5", "bart", "mbart", "whisper",
    "vit", "deit", "beit", "dinov2", "swin", "convnext", "resnet", "clip_text_model", "wav2vec2", "mamba",
    "mamba2", "falcon_mamba", "rwkv", "jamba", "recurrent_gemma",
]
FAST_SUBSET = ["bert", "gpt2", "llama", "t5", "vit", "mamba", "wav2vec2", "convnext"]

#: family -> {tensor name: (verdict, why it is real)}
EXPECTED_PROBLEMS = {
    "wav2vec2": {
        "encoder.pos_conv_embed.conv.parametrizations.weight.original1": (
            "default",
            "Wav2Vec2PreTrainedModel._init_weights calls init.normal_(module.conv.weight) on a weight-norm "
            "parametrized Conv1d: that writes into the freshly computed weight, not into original1, which keeps "
            "Conv1d's kaiming-uniform default (transformers bug, verified: _init_weights leaves original1's bytes "
            "unchanged, max |x| == 1/sqrt(fan_in))",
        )
    },
}


def tiny_config(family: str):
    from transformers import AutoConfig

    kwargs = dict(TINY)
    for key, value in OVERRIDES.get(family, {}).items():
        if value is None:
            kwargs.pop(key, None)
        else:
            kwargs[key] = value
    return AutoConfig.for_model(family, **kwargs)


def build_and_check(family: str, tracked: bool = True):
    """Build ``AutoModel.from_config`` for a tiny config of ``family`` (optionally under track()); check it."""
    import contextlib

    from transformers import AutoModel

    transformers.logging.set_verbosity_error()
    config = tiny_config(family)
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with initguard.track() if tracked else contextlib.nullcontext():
            model = AutoModel.from_config(config)
    return model, initguard.check(model)


def unexplained(family: str, report) -> list:
    expected = EXPECTED_PROBLEMS.get(family, {})
    return [(p.name, p.verdict, p.reason) for p in report.problems
            if expected.get(p.name, (None,))[0] != p.verdict]


@pytest.mark.parametrize("family", FAST_SUBSET)
def test_transformers_model_from_config_has_no_unexplained_problem(family):
    model, report = build_and_check(family)
    assert report.entries, "nothing was checked"
    assert unexplained(family, report) == []
    for name in EXPECTED_PROBLEMS.get(family, {}):
        assert name in {p.name for p in report.problems}, f"{name}: the known library bug is no longer reported"


@pytest.mark.parametrize("family", ["llama", "gpt2"])
def test_transformers_model_untracked_statistics_agree(family):
    # without track() the verdicts come from statistics alone: still no false alarm
    _model, report = build_and_check(family, tracked=False)
    assert unexplained(family, report) == []


def test_transformers_meta_built_model_is_reported():
    # the guard must still catch the real failure on the same architecture: meta build, to_empty, no init
    from transformers import AutoModel

    transformers.logging.set_verbosity_error()
    with torch.device("meta"):
        model = AutoModel.from_config(tiny_config("llama"))
    model.to_empty(device="cpu")
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(float("nan"))
    assert not initguard.check(model).ok


def test_wav2vec2_pos_conv_default_is_real():
    """The one 'default' verdict on a transformers model: the library's own init does not reach original1."""
    model, _report = build_and_check("wav2vec2")
    pc = model.encoder.pos_conv_embed
    original = pc.conv.parametrizations.weight.original1
    before = original.detach().clone()
    model._init_weights(pc)
    assert torch.equal(before, original.detach())  # _init_weights did not change it
    fan_in = pc.conv.in_channels // pc.conv.groups * pc.conv.kernel_size[0]
    assert original.abs().max().item() <= 1 / fan_in**0.5 + 1e-6  # Conv1d's kaiming-uniform bound


# --- LitGPT (pip download litgpt --no-deps; imported from the unpacked wheel, never installed) ----------

def _litgpt():
    import lightning as L

    config, model, pretrain = import_litgpt("config", "model", "pretrain")
    return L, config.Config, model.GPT, pretrain.initialize_weights


def litgpt_check(name: str, *, with_init: bool = True):
    L, Config, GPT, initialize_weights = _litgpt()
    small = dict(n_layer=2, n_embd=64, n_head=4, intermediate_size=128, padded_vocab_size=256, block_size=64)
    if "llama" in name:
        small["n_query_groups"] = 2
    config = Config.from_name(name, **small)
    fabric = L.Fabric(accelerator="cpu", devices=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with initguard.track():
            with fabric.init_module(empty_init=True):
                model = GPT(config)
        if with_init:
            initialize_weights(fabric, model, n_layer=config.n_layer, n_embd=config.n_embd)
    return model, initguard.check(model)


@pytest.mark.parametrize("name", ["pythia-14m", "tiny-llama-1.1b"])
def test_litgpt_gpt_with_its_own_initialize_weights_is_clean(name):
    _model, report = litgpt_check(name)
    assert report.ok, str(report)


def test_litgpt_gpt_empty_init_without_init_is_caught():
    # litgpt issue 1150: empty init and the fresh path never calls the init -> must be reported
    _model, report = litgpt_check("pythia-14m", with_init=False)
    assert not report.ok

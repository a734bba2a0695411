"""Correct Hugging Face models whose own init draws PyTorch-like distributions pass without track() (issue 16
item 6): T5's shared N(0, 1) embedding, Mamba's kaiming-uniform(a=sqrt(5)) projections, ResNet's classifier,
Wav2Vec2's U(+-1/sqrt(fan_in)) feature projection, Swin's zero relative-position bias tables. The same models
with their init skipped are still caught, in memory and from a saved checkpoint."""

from __future__ import annotations

import pytest
import torch

import initguard
from initguard.cli import main

transformers = pytest.importorskip("transformers")

TINY = {
    "t5": dict(d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2, num_heads=4, vocab_size=256,
               pad_token_id=0, eos_token_id=1, decoder_start_token_id=0),
    "mamba": dict(hidden_size=32, num_hidden_layers=2, vocab_size=256, state_size=8, expand=2, time_step_rank=4,
                  pad_token_id=0, bos_token_id=1, eos_token_id=2),
    "resnet": dict(hidden_sizes=[16, 32], depths=[1, 1], embedding_size=16, num_labels=10),
    "wav2vec2": dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                     conv_dim=[16, 16], conv_stride=[5, 2], conv_kernel=[10, 3], num_feat_extract_layers=2,
                     num_conv_pos_embeddings=8, num_conv_pos_embedding_groups=2, vocab_size=32, pad_token_id=0),
    "swin": dict(embed_dim=16, depths=[1, 1], num_heads=[2, 2], window_size=2, image_size=32, patch_size=4),
}
TYPES = sorted(TINY)


def _build(model_type: str, skip_init: bool = False):
    cfg = transformers.AutoConfig.for_model(model_type, **TINY[model_type])
    if model_type == "resnet":
        auto = transformers.AutoModelForImageClassification  # the classifier is what was misjudged
    else:
        auto = transformers.AutoModel
    torch.manual_seed(0)
    if not skip_init:
        return auto.from_config(cfg)
    cls = auto._model_mapping[type(cfg)]
    saved = [(k, k.__dict__["_init_weights"]) for k in cls.__mro__ if "_init_weights" in k.__dict__]
    for k, _ in saved:
        k._init_weights = lambda self, module: None
    try:
        return auto.from_config(cfg)  # every module keeps PyTorch's constructor default
    finally:
        for k, f in saved:
            k._init_weights = f


@pytest.mark.parametrize("model_type", TYPES)
def test_correct_model_passes_untracked_and_skipped_init_is_caught(model_type, tmp_path, capsys):
    model = _build(model_type)
    report = initguard.assert_initialized(model)  # no track(): statistics and the model-level rule
    from initguard.integrations.transformers import InitGuardTrainerCallback

    InitGuardTrainerCallback().on_train_begin(None, None, None, model=model)  # raises on a false alarm
    good = tmp_path / "good.pt"
    torch.save(model.state_dict(), good)
    assert main(["check", str(good)]) == 0, capsys.readouterr().out

    skipped = _build(model_type, skip_init=True)
    bad = initguard.check(skipped)
    assert not bad.ok and bad.defaults, str(bad)
    assert bad.default_share[0] >= 0.8 * bad.default_share[1]
    assert report.default_share[0] < 0.6 * report.default_share[1]
    path = tmp_path / "skipped.pt"
    torch.save(skipped.state_dict(), path)
    assert main(["check", str(path)]) == 1
    capsys.readouterr()


def test_the_designed_defaults_are_named_in_a_note():
    notes = {t: initguard.check(_build(t)) for t in ("t5", "mamba", "swin")}
    assert notes["t5"].default_like == ["shared.weight"]
    assert {n.rsplit(".", 2)[-2] for n in notes["mamba"].default_like} >= {"conv1d", "out_proj"}
    assert all(n.endswith("relative_position_bias_table") for n in notes["swin"].default_like)
    assert all(r.notes for r in notes.values())


def test_wav2vec2_weight_norm_pos_conv_is_a_true_finding_under_track():
    with initguard.track():
        model = _build("wav2vec2")
    r = initguard.check(model)
    assert [p.name for p in r.problems] == ["encoder.pos_conv_embed.conv.parametrizations.weight.original1"]
    assert r.problems[0].verdict == "default" and r.problems[0].source == "provenance"

"""The initguard zoo: Hugging Face architectures from tiny configs, correct and with their init skipped.

For each model type (``AutoConfig.for_model`` shrunk to a tiny size, ``AutoModel.from_config``, no download):

* correct, untracked: ``initguard.check(model)`` and the HF ``InitGuardTrainerCallback`` (``on_train_begin``);
* correct, tracked: built under ``initguard.track()``;
* skipped init: ``_init_weights`` replaced by a no-op (every module keeps PyTorch's constructor default), untracked
  and tracked;
* meta: built on the meta device, ``to_empty`` without any init, untracked and tracked.

A correct model must pass (problems are listed as findings, to be explained in docs/real-world.md); every skipped
variant must fail. The model-level default share (default-or-uninitialized / judged weight tensors) is printed for
each run, which is how ``initguard.verdicts.MODEL_DEFAULT_SHARE`` was chosen.

Run: ``python scripts/guard_zoo.py [--json out.json] [model_type ...]`` (CPU, a few minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
import warnings

import torch

import initguard
from _zoo import finish  # scripts/ is on sys.path when a script here runs

MODEL_TYPES = [
    "albert", "bart", "bert", "bloom", "codegen", "convbert", "convnext", "deberta", "deberta-v2", "deit",
    "distilbert", "electra", "falcon", "gemma", "gemma2", "gpt2", "gpt_neo", "gpt_neox", "gptj",
    "granite", "hubert", "llama", "mamba", "mamba2", "marian", "mbart", "mistral", "mixtral", "mobilebert", "mpt",
    "mt5", "olmo", "opt", "pegasus", "phi", "phi3", "qwen2", "qwen2_moe", "regnet", "resnet", "roberta",
    "segformer", "stablelm", "starcoder2", "swin", "t5", "vit", "wav2vec2", "whisper", "xglm", "xlm-roberta",
    "dinov2", "beit", "mobilenet_v2", "clip", "squeezebert", "layoutlm", "cohere", "persimmon",
]

# attribute -> tiny value, applied where the config has the attribute
TINY = {
    "hidden_size": 32, "d_model": 32, "n_embd": 32, "n_embed": 32, "embed_dim": 32, "dim": 32,
    "num_hidden_layers": 2, "num_layers": 2, "n_layer": 2, "n_layers": 2, "encoder_layers": 2,
    "decoder_layers": 2, "num_decoder_layers": 2,
    "num_attention_heads": 2, "n_head": 2, "n_heads": 2, "encoder_attention_heads": 2,
    "decoder_attention_heads": 2, "num_heads": 2, "num_key_value_heads": 1, "num_kv_heads": 1,
    "intermediate_size": 64, "ffn_dim": 64, "d_ff": 64, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64,
    "n_inner": 64, "d_kv": 16, "head_dim": 16, "vocab_size": 256, "max_position_embeddings": 64,
    "n_positions": 64, "num_experts": 4, "num_local_experts": 4, "num_experts_per_tok": 2,
    "moe_intermediate_size": 32, "shared_expert_intermediate_size": 32, "state_size": 8, "expand": 2,
    "time_step_rank": 4, "embedding_size": 32, "num_channels": 3, "image_size": 32, "patch_size": 8,
    "rotary_dim": 8, "partial_rotary_factor": 0.5, "sliding_window": None,
    "pad_token_id": 0, "bos_token_id": 1, "eos_token_id": 2, "decoder_start_token_id": 0,
}
# per type, lists that must shrink together (vision backbones)
VISION = {
    "resnet": {"hidden_sizes": [16, 32], "depths": [1, 1], "embedding_size": 16},
    "regnet": {"hidden_sizes": [16, 32], "depths": [1, 1], "embedding_size": 16, "groups_width": 8},
    "convnext": {"hidden_sizes": [16, 32], "depths": [1, 1], "num_stages": 2, "out_features": None,
                 "out_indices": None, "stage_names": ["stem", "stage1", "stage2"]},
    "swin": {"embed_dim": 16, "depths": [1, 1], "num_heads": [2, 2], "window_size": 2, "image_size": 32,
             "patch_size": 4},
    "segformer": {"hidden_sizes": [16, 32], "depths": [1, 1], "num_attention_heads": [1, 2], "sr_ratios": [2, 1],
                  "num_encoder_blocks": 2, "patch_sizes": [7, 3], "strides": [4, 2], "mlp_ratios": [2, 2],
                  "decoder_hidden_size": 32},
    "mobilenet_v2": {"depth_multiplier": 0.35, "image_size": 32},
    "wav2vec2": {"conv_dim": [16, 16], "conv_stride": [5, 2], "conv_kernel": [10, 3], "num_conv_pos_embeddings": 8,
                 "num_conv_pos_embedding_groups": 2, "num_feat_extract_layers": 2},
    "hubert": {"conv_dim": [16, 16], "conv_stride": [5, 2], "conv_kernel": [10, 3], "num_conv_pos_embeddings": 8,
               "num_conv_pos_embedding_groups": 2, "num_feat_extract_layers": 2},
    "whisper": {"num_mel_bins": 16, "max_source_positions": 32, "max_target_positions": 32},
    "mamba2": {"num_heads": 4, "head_dim": 16, "n_groups": 1},
}


def tiny_config(model_type: str):
    from transformers import AutoConfig

    cfg = AutoConfig.for_model(model_type)
    subs = [cfg] + [getattr(cfg, k) for k in ("text_config", "vision_config", "audio_config")
                    if getattr(cfg, k, None) is not None]
    for c in subs:
        for k, v in TINY.items():
            if hasattr(c, k) and not isinstance(getattr(c, k), (list, dict)):
                with contextlib.suppress(Exception):
                    setattr(c, k, v)
        for k, v in VISION.get(model_type, {}).items():
            with contextlib.suppress(Exception):
                setattr(c, k, v)
    return cfg


def build(model_type: str, *, skip_init: bool = False, meta: bool = False):
    from transformers import AutoModel

    cfg = tiny_config(model_type)
    if meta:
        with torch.device("meta"):
            m = AutoModel.from_config(cfg)
        return m.to_empty(device="cpu")
    if not skip_init:
        return AutoModel.from_config(cfg)
    from transformers import PreTrainedModel

    saved = PreTrainedModel.__dict__["_init_weights"]
    patched = []
    cls = AutoModel._model_mapping[type(cfg)]
    for k in cls.__mro__:
        if "_init_weights" in k.__dict__:
            patched.append((k, k.__dict__["_init_weights"]))
            k._init_weights = lambda self, module: None
    try:
        return AutoModel.from_config(cfg)
    finally:
        for k, f in patched:
            k._init_weights = f
        PreTrainedModel._init_weights = saved


def run_check(model, via_callback: bool):
    if via_callback:
        from initguard.integrations.transformers import InitGuardTrainerCallback

        cb = InitGuardTrainerCallback(raise_on_failure=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            cb.on_train_begin(None, None, None, model=model)
        return cb.report
    return initguard.check(model)


def one(model_type: str) -> dict:
    out: dict = {"model_type": model_type}
    for variant in ("correct", "skip_init", "meta"):
        for tracked in (False, True):
            key = f"{variant}{'_tracked' if tracked else ''}"
            torch.manual_seed(0)
            try:
                ctx = initguard.track() if tracked else contextlib.nullcontext()
                with ctx:
                    m = build(model_type, skip_init=variant == "skip_init", meta=variant == "meta")
                r = run_check(m, via_callback=(variant == "correct" and not tracked))
                if variant == "correct" and not tracked:
                    out["correct_assert"] = initguard.check(m).ok
            except Exception as e:  # a config this script cannot shrink: reported, not counted
                out[key] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"}
                continue
            out[key] = {
                "ok": r.ok, "checked": r.checked, "share": list(r.default_share),
                "problems": [f"{p.name} {p.verdict}: {p.reason[:90]}" for p in r.problems][:8],
                "default_like": r.default_like[:8], "too_small": len(r.too_small),
            }
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("types", nargs="*", default=MODEL_TYPES)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    import transformers

    transformers.logging.set_verbosity_error()
    rows = []
    t0 = time.time()
    for mt in args.types:
        r = one(mt)
        rows.append(r)
        cells = []
        for k in ("correct", "correct_tracked", "skip_init", "skip_init_tracked", "meta", "meta_tracked"):
            v = r.get(k, {})
            if "error" in v:
                cells.append(f"{k}=ERR")
            else:
                sh = v.get("share") or [0, 0]
                cells.append(f"{k}={'ok' if v.get('ok') else 'FAIL'}({sh[0]}/{sh[1]})")
        print(f"{mt:14s} " + " ".join(cells), flush=True)
        for k in ("correct", "correct_tracked"):
            v = r.get(k, {})
            if v.get("problems"):
                print(f"    {k}: " + "; ".join(v["problems"]), flush=True)
            if v.get("default_like"):
                print(f"    {k} default-like (note): {', '.join(v['default_like'])}", flush=True)
            if "error" in v:
                print(f"    {k}: {v['error']}", flush=True)
    built = [r for r in rows if "error" not in r.get("correct", {"error": 1})]
    false_alarms = [r["model_type"] for r in built if not (r["correct"].get("ok") and r.get("correct_assert"))
                    or not r.get("correct_tracked", {}).get("ok", True)]
    missed = [f"{r['model_type']}:{k}" for r in built for k in ("skip_init", "skip_init_tracked", "meta",
                                                                "meta_tracked")
              if "error" not in r.get(k, {"error": 1}) and r[k]["ok"]]
    return finish(rows, args.json, f"{len(built)} architectures built; correct models with findings: "
                  f"{false_alarms or 'none'}; skipped-init variants passing: {missed or 'none'}; "
                  f"{time.time() - t0:.0f} s")


if __name__ == "__main__":
    sys.exit(main())

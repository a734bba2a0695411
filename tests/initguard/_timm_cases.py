"""timm models through initguard: the cases, the deferred-init recipe and two oracles that do not use initguard.

Shared by ``tests/initguard/test_real_timm.py`` and ``python scripts/real_world.py --guard-timm``. Nothing here
imports timm or torchvision at import time (only torch), so importing this module never fails where timm is
missing; the functions import timm on first use.

Three ways to build each model (``pretrained=False``, nothing downloaded; ``layer:...`` names of :data:`LAYERS`
build one timm layer directly and run the deferred path only):

* **eager, tracked**: ``timm.create_model(name)`` inside ``initguard.track()``, then ``initguard.check()``;
* **eager, untracked**: the same without ``track()`` (verdicts from statistics alone);
* **deferred**: inside ``track()``: ``timm.create_model(name, device="meta")``, ``to_empty(device="cpu")``, then
  :func:`reinit` (every ``reset_parameters()``, every ``init_non_persistent_buffers()``, then the model's own
  timm init), then ``check()``.

Oracles (independent of initguard):

* :func:`sentinel_defaults`: every ``nn.Linear``/``nn.Conv*``/``nn.Embedding``/``nn.Bilinear``/
  ``nn.MultiheadAttention`` constructor is wrapped so that the values it just gave its own parameters are replaced
  by ``SENTINEL``; a tensor that still holds ``SENTINEL`` after ``create_model`` returns was never written by timm:
  it trains from PyTorch's default init. This is what the guard's ``default`` verdict claims.
* :func:`nan_oracle`: the deferred path with every parameter and floating buffer filled with NaN right after
  ``to_empty``; a tensor with a NaN left after :func:`reinit` was never written by any init: this is what the
  guard's ``uninitialized`` verdict claims (the guard itself sees the real, unfilled memory).
"""

from __future__ import annotations

import contextlib
import fnmatch
import inspect
import sys
import time
import warnings
from functools import partial

import torch
from torch import nn

import initguard

TIMM_VERSION = "1.0.31"

#: Architectures run by ``scripts/real_world.py --guard-timm`` (small variants that build in about a second).
#: The second group contains every class of the timm INIT0xx findings that a small model instantiates.
MODELS = [
    # CNNs and hybrids
    "resnet18", "resnet50d", "efficientnet_b0", "mobilenetv3_small_100", "mobilenetv4_conv_small", "regnetx_002",
    "densenet121", "dla34", "ghostnet_100", "repvit_m0_9", "nf_resnet26", "levit_128s", "tiny_vit_5m_224",
    # transformers and MLPs
    "vit_tiny_patch16_224", "deit_tiny_patch16_224", "eva02_tiny_patch14_224", "swin_tiny_patch4_window7_224",
    "maxvit_pico_rw_256", "mixer_s32_224",
    # models with classes the linter flagged (docs/real-world.md, INIT0xx on timm 1.0.31)
    "convnext_atto", "convnextv2_atto", "cait_xxs24_224", "coat_tiny", "convit_tiny", "edgenext_xx_small",
    "efficientformer_l1", "fastvit_sa12", "hgnetv2_b0", "hiera_tiny_224", "inception_next_atto", "poolformer_s12",
    "resmlp_12_224", "mvitv2_tiny", "nest_tiny", "pit_ti_224", "rdnet_tiny", "swiftformer_xs", "visformer_tiny",
    "xcit_nano_12_p16_224",
]


#: timm layers with linter findings that no small model instantiates (their flagged parameter is optional),
#: built directly: name -> constructor taking ``device``.
def _layer_cases() -> dict:
    from timm.layers import AttentionPool2d, RotAttentionPool2d
    from timm.layers.ml_decoder import MLDecoder
    from timm.layers.other_pool import LsePlus1d, LsePlus2d

    def on(device, fn):
        with torch.device(device or "cpu"):
            return fn()

    return {
        "layer:AttentionPool2d": lambda device: AttentionPool2d(64, feat_size=4, class_token=True, device=device),
        "layer:RotAttentionPool2d": lambda device: RotAttentionPool2d(64, ref_feat_size=4, class_token=True,
                                                                      device=device),
        "layer:LsePlus2d": lambda device: LsePlus2d(device=device),
        "layer:LsePlus1d": lambda device: LsePlus1d(device=device),
        "layer:MLDecoder": lambda device: on(device, lambda: MLDecoder(10, decoder_embedding=32,
                                                                       initial_num_features=64)),
    }


LAYERS = ["layer:AttentionPool2d", "layer:RotAttentionPool2d", "layer:LsePlus2d", "layer:LsePlus1d",
          "layer:MLDecoder"]

#: Slower architectures (2-3 s each to build) that cover the remaining linter-flagged classes:
#: ``--timm-models all`` runs them too.
EXTRA_MODELS = [
    "tnt_s_patch16_224", "volo_d1_224", "sam2_hiera_tiny", "vit_small_patch16_rope_mixed_224", "caformer_s18",
    "mvitv2_small_cls",
]

SENTINEL = 1234.5

#: The 58 INIT0xx findings of initlint on the timm 1.0.31 wheel (identical at initcheck b18260f and in the
#: docs/real-world.md runs): (file, class, parameters, line, rule).
LINT_FINDINGS = [
    ("timm/layers/attention_pool2d.py", "RotAttentionPool2d", ("cls_token",), 79, "INIT002"),
    ("timm/layers/attention_pool2d.py", "AttentionPool2d", ("cls_token",), 244, "INIT002"),
    ("timm/layers/grn.py", "GlobalResponseNorm", ("weight", "bias"), 18, "INIT001"),
    ("timm/layers/ml_decoder.py", "MLDecoder", ("duplicate_pooling", "duplicate_pooling_bias"), 90, "INIT001"),
    ("timm/layers/other_pool.py", "LsePlus2d", ("r",), 24, "INIT001"),
    ("timm/layers/other_pool.py", "LsePlus1d", ("r",), 67, "INIT001"),
    ("timm/layers/pos_embed_sincos.py", "RotaryEmbeddingMixed", ("freqs",), 1190, "INIT002"),
    ("timm/models/cait.py", "LayerScaleBlockClassAttn", ("gamma_1", "gamma_2"), 82, "INIT001"),
    ("timm/models/cait.py", "LayerScaleBlock", ("gamma_1", "gamma_2"), 185, "INIT001"),
    ("timm/models/cait.py", "Cait", ("cls_token",), 290, "INIT002"),
    ("timm/models/cait.py", "Cait", ("pos_embed",), 292, "INIT002"),
    ("timm/models/coat.py", "CoaT", ("cls_token1",), 442, "INIT002"),
    ("timm/models/coat.py", "CoaT", ("cls_token2",), 443, "INIT002"),
    ("timm/models/coat.py", "CoaT", ("cls_token3",), 444, "INIT002"),
    ("timm/models/coat.py", "CoaT", ("cls_token4",), 445, "INIT002"),
    ("timm/models/convit.py", "GPSA", ("gating_param",), 43, "INIT001"),
    ("timm/models/convit.py", "ConVit", ("cls_token",), 326, "INIT002"),
    ("timm/models/convit.py", "ConVit", ("pos_embed",), 331, "INIT002"),
    ("timm/models/convnext.py", "ConvNeXtBlock", ("gamma",), 123, "INIT001"),
    ("timm/models/edgenext.py", "ConvBlock", ("gamma",), 86, "INIT001"),
    ("timm/models/edgenext.py", "CrossCovarianceAttn", ("temperature",), 143, "INIT001"),
    ("timm/models/edgenext.py", "SplitTransposeBlock", ("gamma_xca", "gamma"), 185, "INIT001"),
    ("timm/models/efficientformer.py", "Attention", ("attention_biases",), 56, "INIT001"),
    ("timm/models/fasternet.py", "MLPBlock", ("layer_scale",), 66, "INIT001"),
    ("timm/models/fastvit.py", "LayerScale2d", ("gamma",), 642, "INIT001"),
    ("timm/models/hgnet.py", "LearnableAffineBlock", ("scale", "bias"), 28, "INIT001"),
    ("timm/models/hiera.py", "Hiera", ("pos_embed_spatial", "pos_embed_temporal", "pos_embed", "pos_embed_win"),
     466, "INIT001"),
    ("timm/models/hieradet_sam2.py", "HieraDet", ("pos_embed", "pos_embed_window"), 278, "INIT001"),
    ("timm/models/inception_next.py", "MetaNeXtBlock", ("gamma",), 183, "INIT001"),
    ("timm/models/metaformer.py", "Scale", ("scale",), 131, "INIT001"),
    ("timm/models/metaformer.py", "StarReLU", ("scale", "bias"), 167, "INIT001"),
    ("timm/models/mlp_mixer.py", "Affine", ("alpha", "beta"), 112, "INIT001"),
    ("timm/models/mlp_mixer.py", "ResBlock", ("ls1", "ls2"), 131, "INIT001"),
    ("timm/models/mvitv2.py", "MultiScaleAttentionPoolFirst", ("rel_pos_h", "rel_pos_w"), 205, "INIT001"),
    ("timm/models/mvitv2.py", "MultiScaleAttention", ("rel_pos_h", "rel_pos_w"), 381, "INIT001"),
    ("timm/models/mvitv2.py", "MultiScaleVit", ("cls_token",), 771, "INIT002"),
    ("timm/models/mvitv2.py", "MultiScaleVit", ("pos_embed",), 780, "INIT002"),
    ("timm/models/nest.py", "NestLevel", ("pos_embed",), 218, "INIT001"),
    ("timm/models/nfnet.py", "NormFreeBlock", ("skipinit_gain",), 152, "INIT001"),
    ("timm/models/pit.py", "PoolingVisionTransformer", ("pos_embed",), 206, "INIT002"),
    ("timm/models/pit.py", "PoolingVisionTransformer", ("cls_token",), 207, "INIT002"),
    ("timm/models/rdnet.py", "DenseBlock", ("gamma",), 90, "INIT001"),
    ("timm/models/swiftformer.py", "LayerScale2d", ("gamma",), 31, "INIT001"),
    ("timm/models/swiftformer.py", "EfficientAdditiveAttention", ("w_g",), 151, "INIT001"),
    ("timm/models/tnt.py", "TNT", ("cls_token",), 297, "INIT002"),
    ("timm/models/tnt.py", "TNT", ("patch_pos",), 298, "INIT002"),
    ("timm/models/tnt.py", "TNT", ("pixel_pos",), 299, "INIT002"),
    ("timm/models/visformer.py", "Visformer", ("pos_embed1",), 281, "INIT002"),
    ("timm/models/visformer.py", "Visformer", ("pos_embed2",), 322, "INIT002"),
    ("timm/models/visformer.py", "Visformer", ("pos_embed3",), 361, "INIT002"),
    ("timm/models/vision_transformer_sam.py", "Attention", ("rel_pos_h", "rel_pos_w"), 122, "INIT001"),
    ("timm/models/vision_transformer_sam.py", "VisionTransformerSAM", ("pos_embed",), 331, "INIT001"),
    ("timm/models/volo.py", "VOLO", ("pos_embed",), 796, "INIT002"),
    ("timm/models/volo.py", "VOLO", ("cls_token",), 863, "INIT002"),
    ("timm/models/xcit.py", "ClassAttentionBlock", ("gamma1", "gamma2"), 173, "INIT001"),
    ("timm/models/xcit.py", "XCA", ("temperature",), 241, "INIT001"),
    ("timm/models/xcit.py", "XCABlock", ("gamma1", "gamma3", "gamma2"), 297, "INIT001"),
    ("timm/models/xcit.py", "Xcit", ("cls_token",), 437, "INIT002"),
]

_HEAD_LINEAR = ("timm's init for this model covers other layer types only; the classifier nn.Linear that "
                "create_classifier()/ClassifierHead builds keeps PyTorch's default")
_PATCH_CONV = ("the model's init (init_weights_vit_timm / _init_weights) writes nn.Linear (and LayerNorm) only, and "
               "vit/eva/swin skip reset_parameters() at construction (needs_reset=False): the patch-embedding "
               "nn.Conv2d (PatchEmbed.proj) keeps PyTorch's default, which timm relies on (after to_empty their "
               "init_weights() calls its reset_parameters())")

#: model -> [(tensor-name glob, module types, why the library really leaves PyTorch's default there)].
#: Every ``default`` verdict of an eager build must match one rule (and the sentinel oracle must agree).
DEFAULT_EXPLAINED = {
    "resnet18": [("fc.*", ("Linear",), "ResNet.init_weights() (resnet.py:627) kaiming-inits nn.Conv2d only and "
                                       "zero-inits the last BN; " + _HEAD_LINEAR)],
    "resnet50d": [("fc.*", ("Linear",), "ResNet.init_weights() (resnet.py:627) kaiming-inits nn.Conv2d only; "
                                        + _HEAD_LINEAR)],
    "densenet121": [("classifier.weight", ("Linear",), "DenseNet.__init__ (densenet.py:356-363) sets only the "
                                                       "bias of nn.Linear (constant 0); the weight keeps PyTorch's "
                                                       "default")],
    "dla34": [("fc.bias", ("Conv2d",), "DLA.__init__ (dla.py:405-411) writes conv weights (normal_) and BN only; "
                                       "the classifier is a 1x1 nn.Conv2d (create_classifier use_conv=True) whose "
                                       "bias keeps PyTorch's default")],
    "ghostnet_100": [("*", ("Conv2d", "Linear"), "ghostnet.py has no weight init at all (no nn.init / "
                                                 "_init_weights): every conv and linear layer keeps PyTorch's "
                                                 "default")],
    "repvit_m0_9": [("*", ("Conv2d",), "repvit.py initializes only BN constants (ConvNorm, line 51) and its "
                                       "NormLinear head (line 89); every nn.Conv2d keeps PyTorch's default")],
    "levit_128s": [("*", ("Conv2d", "Linear"), "Levit.__init__ calls init_weights(needs_reset=False) "
                                               "(levit.py:760-767), which does nothing at construction: every "
                                               "conv/linear inside ConvNorm/LinearNorm keeps PyTorch's default "
                                               "(only the BN weights are set, bn_weight_init)")],
    "tiny_vit_5m_224": [("*", ("Conv2d",), "TinyVit._init_weights (tiny_vit.py:611) trunc-normals nn.Linear only "
                                           "(needs_reset=False at construction); the nn.Conv2d inside ConvNorm "
                                           "keeps PyTorch's default")],
    "vit_tiny_patch16_224": [("patch_embed.proj.*", ("Conv2d",), _PATCH_CONV)],
    "deit_tiny_patch16_224": [("patch_embed.proj.*", ("Conv2d",), _PATCH_CONV)],
    "eva02_tiny_patch14_224": [("patch_embed.proj.*", ("Conv2d",), _PATCH_CONV)],
    "swin_tiny_patch4_window7_224": [("patch_embed.proj.*", ("Conv2d",), _PATCH_CONV)],
    "cait_xxs24_224": [("patch_embed.proj.*", ("Conv2d",), _PATCH_CONV)],
    "convit_tiny": [("patch_embed.proj.*", ("Conv2d",), _PATCH_CONV)],
    "maxvit_pico_rw_256": [("head.*", ("Linear",), "MaxxVit._init_weights (maxxvit.py:1562) only calls the "
                                                   "blocks' init_weights(); " + _HEAD_LINEAR)],
    "coat_tiny": [("*", ("Conv2d", "Conv1d"), "CoaT._init_weights (coat.py:579) writes nn.Linear and LayerNorm "
                                              "only; the patch-embedding, ConvPosEnc and ConvRelPosEnc nn.Conv2d "
                                              "and the `aggregate` nn.Conv1d keep PyTorch's default")],
    "pit_ti_224": [("*", ("Conv2d", "Linear"), "PoolingVisionTransformer._init_weights (pit.py:254) writes "
                                               "LayerNorm only: every linear and conv layer keeps PyTorch's "
                                               "default")],
    "mvitv2_tiny": [("*", ("Conv2d",), "MultiScaleVit._init_weights (mvitv2.py:836) writes nn.Linear only; the "
                                       "patch-embedding and attention-pooling nn.Conv2d keep PyTorch's default")],
    "hiera_tiny_224": [("patch_embed.proj.bias", ("Conv2d",), "init_weight_vit (layers/weight_init.py:145) "
                                                              "trunc-normals conv weights but sets the bias only "
                                                              "for nn.Linear: the patch-embedding conv bias keeps "
                                                              "PyTorch's default")],
    "xcit_nano_12_p16_224": [("*", ("Conv2d",), "Xcit._init_weights (xcit.py:487) writes nn.Linear only; the "
                                                "ConvPatchEmbed, LPI and Fourier pos-embed nn.Conv2d keep "
                                                "PyTorch's default")],
    "efficientformer_l1": [("*", ("Conv2d",), "EfficientFormer._init_weights (efficientformer.py:472) writes "
                                              "nn.Linear only; the stem, pooling-MLP and downsample nn.Conv2d keep "
                                              "PyTorch's default")],
    "fastvit_sa12": [("*", ("Conv2d",), "FastVit._init_weights (fastvit.py:1314) writes nn.Linear only (the "
                                        "conv init at line 817 belongs to ConvMlp); the MobileOne/RepMixer/"
                                        "PatchEmbed nn.Conv2d keep PyTorch's default")],
    "hgnetv2_b0": [("head.fc.weight", ("Linear",), "HighPerfGpuNet.__init__ (hgnet.py:561-568) sets only the "
                                                   "bias of nn.Linear (zeros); the head weight keeps PyTorch's "
                                                   "default")],
    "rdnet_tiny": [
        ("*.bias", ("Conv2d",), "rdnet _init_weights (rdnet.py:458) kaiming-inits conv weights but never writes "
                                "conv biases: they keep PyTorch's default"),
        ("head.fc.weight", ("Linear",), "rdnet _init_weights only multiplies a head nn.Linear weight by "
                                        "head_init_scale (rdnet.py:467, `.data.mul_`), which is 1.0 for "
                                        "rdnet_tiny: the values stay exactly PyTorch's default (see GUARD_MISSES)"),
    ],
    # EXTRA_MODELS
    "tnt_s_patch16_224": [("pixel_embed.proj.*", ("Conv2d",), "TNT._init_weights (tnt.py:333) writes nn.Linear "
                                                              "and LayerNorm only; the PixelEmbed nn.Conv2d keeps "
                                                              "PyTorch's default")],
    "volo_d1_224": [("*", ("Conv2d",), "VOLO._init_weights (volo.py:879) writes nn.Linear only; the conv stem of "
                                       "PatchEmbed and the Downsample nn.Conv2d (network.1.proj, volo.py:589) keep "
                                       "PyTorch's default")],
    "sam2_hiera_tiny": [("patch_embed.proj.bias", ("Conv2d",), "init_weight_vit (layers/weight_init.py:145) sets "
                                                               "the bias only for nn.Linear: the patch-embedding "
                                                               "conv bias keeps PyTorch's default")],
    "vit_small_patch16_rope_mixed_224": [("patch_embed.proj.*", ("Conv2d",), _PATCH_CONV)],
    "mvitv2_small_cls": [("*", ("Conv2d",), "MultiScaleVit._init_weights (mvitv2.py:836) writes nn.Linear only; "
                                            "the patch-embedding and attention-pooling nn.Conv2d keep PyTorch's "
                                            "default")],
}

#: Tensors the sentinel oracle shows at PyTorch's default but the tracked guard does not report (known
#: initguard false negatives, not false alarms): model -> {tensor name: why}.
GUARD_MISSES = {
    "coat_tiny": {
        "aggregate.bias": "a 1-element nn.Conv1d bias: every 1-element tensor is 'constant' to the guard, and "
                          "constant defaults are reported only with strict=True (verdicts.py: `const = "
                          "ex.constant is not None`)",
    },
    "rdnet_tiny": {
        "head.fc.weight": "timm calls `weight.data.mul_(1.0)` on PyTorch's default values: track() counts any "
                          "in-place write as the user's init, although the values are unchanged (statistics "
                          "without track() do report it as default)",
    },
}

_DEEPCOPY = ("never written after to_empty (NaN oracle) but reported only when the memory happens to look like "
             "garbage: nn.TransformerDecoder clones its layer with copy.deepcopy, and parameters created by deepcopy "
             "inside track() get no provenance record (provenance.lookup() is None), so statistics alone decide; "
             "nn.MultiheadAttention has no reset_parameters(), so nothing writes it")

#: Deferred path: tensors the NaN oracle shows unwritten that the guard may miss (known initguard false negatives).
DEFERRED_GUARD_MISSES = {
    "layer:MLDecoder": {
        "decoder.layers.0.multihead_attn.in_proj_weight": _DEEPCOPY,
        "decoder.layers.0.multihead_attn.in_proj_bias": _DEEPCOPY,
    },
}

#: Deferred path: verdicts other than ``uninitialized`` (model -> [(tensor-name glob, why)]). Only MLDecoder has any:
#: a possible initguard false alarm, see docs/real-world.md section 4.
DEFERRED_OTHER_EXPLAINED = {
    "layer:MLDecoder": [(
        "decoder.layers.*",
        "default: the cloned decoder layer's Linear layers were re-initialized by our reset_parameters() inside "
        "track(), which counts as the user's init, but deepcopy left them without a provenance record, so "
        "statistics see PyTorch's default distribution",
    )],
}

#: Statistics-only (untracked) verdicts on tensors timm deliberately initializes to zero: the guard's documented
#: limit "without provenance an all-zero >=2-D weight is reported as uninitialized" (docs/initguard.md).
#: model -> [(tensor-name glob, why it is zero on purpose)].
ZERO_EXPLAINED = {
    "levit_128s": [("*attention_biases", "torch.zeros learned attention bias (levit.py), a deliberate init")],
    "tiny_vit_5m_224": [("*attention_biases", "torch.zeros learned attention bias (tiny_vit.py)")],
    "efficientformer_l1": [("*attention_biases", "torch.zeros learned attention bias (efficientformer.py:56)")],
    "mixer_s32_224": [("head.weight", "mlp_mixer _init_weights zero-inits the head (flax-style)")],
    "resmlp_12_224": [("head.weight", "mlp_mixer _init_weights zero-inits the head (flax-style)"),
                      ("*.beta", "Affine.beta = torch.zeros((1, 1, dim)), a bias in a 3-D shape")],
    "hiera_tiny_224": [("head.fc.weight", "init_weight_vit zero-inits the classifier (classifier_name='head.fc')")],
    "nf_resnet26": [("*.conv3.gain", "NormFreeBlock zero_init_last zeros the last ScaledStdConv2d gain "
                                     "(shape (C, 1, 1, 1)), skip-init style")],
}

#: Tensors left unwritten by the deferred path that the linter does not report, with the reason.
RUNTIME_ONLY_EXPLAINED = {
    "MultiheadAttention.in_proj_weight": "torch.nn.MultiheadAttention has no reset_parameters() (only the private "
                                         "_reset_parameters()), so a reset_parameters()-based re-init after "
                                         "to_empty skips it; PyTorch code, outside the timm corpus the linter read",
    "MultiheadAttention.in_proj_bias": "as in_proj_weight",
}

#: Linter findings the deferred path shows to be wrong, with the reason (read in timm 1.0.31).
LINT_REFUTED = {
    ("timm/models/nest.py", 218): (
        "Nest.init_weights() (nest.py:435-439) runs `for level in self.levels: trunc_normal_(level.pos_embed, "
        "...)`: the model's init reaches the child's parameter through the parent, so after meta + to_empty + "
        "init_weights() it is written (runtime: the guard and the NaN oracle both find it initialized)"
    ),
}


@contextlib.contextmanager
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def create(name: str, **kwargs):
    """``timm.create_model(name, pretrained=False, **kwargs)``; ``layer:...`` names build a layer of LAYERS."""
    import timm

    with quiet():
        if name.startswith("layer:"):
            return _layer_cases()[name](kwargs.get("device"))
        return timm.create_model(name, pretrained=False, **kwargs)


def eager(name: str, tracked: bool = True):
    """Build ``name`` eagerly (optionally under ``track()``) and check it: ``(model, report)``."""
    torch.manual_seed(0)
    with initguard.track() if tracked else contextlib.nullcontext():
        model = create(name)
    return model, initguard.check(model)


# --- oracle 1: which tensors still hold what a torch.nn constructor wrote -----------------------------------

_SENTINEL_CLASSES = (nn.Linear, nn.modules.conv._ConvNd, nn.Embedding, nn.Bilinear, nn.MultiheadAttention)


def sentinel_defaults(name: str) -> tuple[set, set]:
    """Tensor names still entirely (first set) or partly (second set) at the torch.nn constructor's values.

    Independent of initguard: the wrapped constructors overwrite their own non-constant parameters with
    ``SENTINEL`` (1-element tensors count as non-constant: a Linear/Conv bias of size 1 is still random).
    """
    originals = {}

    def wrap(cls):
        original = cls.__dict__["__init__"]

        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            with torch.no_grad():
                for p in self._parameters.values():
                    if p is None or not p.is_floating_point() or p.is_meta:
                        continue
                    if p.numel() > 1 and bool((p == p.reshape(-1)[0]).all()):
                        continue  # a constant default (zeros/ones): not what "default" means for the guard
                    p.fill_(SENTINEL)

        originals[cls] = original
        cls.__init__ = __init__

    for cls in _SENTINEL_CLASSES:
        wrap(cls)
    try:
        torch.manual_seed(0)
        model = create(name)
    finally:
        for cls, original in originals.items():
            cls.__init__ = original
    full, part = set(), set()
    for n, p in _named_tensors(model):
        hit = p == SENTINEL
        if bool(hit.all()):
            full.add(n)
        elif bool(hit.any()):
            part.add(n)
    return full, part


def _named_tensors(model, buffers: bool = False):
    seen = set()
    items = list(model.named_parameters())
    if buffers:
        items += [(n, b) for n, b in model.named_buffers() if b.is_floating_point()]
    for n, t in items:
        if id(t) not in seen:
            seen.add(id(t))
            yield n, t


# --- deferred init: meta device, to_empty, timm's own re-init -----------------------------------------------

def reinit(model) -> str:
    """Re-initialize a model materialized with ``to_empty``, as generously as timm allows; return the recipe.

    1. ``reset_parameters()`` of every submodule that has one (children first: PyTorch's / FSDP's convention);
    2. ``init_non_persistent_buffers()`` of every submodule that has one (timm's hook for computed buffers);
    3. the model's own init: ``init_weights()`` if the class has it, else its ``_init_weights`` applied to every
       module (``named_apply`` when it takes a name), else the module-level ``_init_weights`` of its file
       (``named_apply``), else (Hiera) ``init_weight_vit`` as its ``__init__`` applies it.
    """
    from timm.models._manipulate import named_apply

    steps = []
    with quiet(), torch.no_grad():
        mods = list(model.modules())
        n_reset = 0
        for m in reversed(mods):
            if callable(getattr(m, "reset_parameters", None)):
                m.reset_parameters()
                n_reset += 1
        steps.append(f"reset_parameters x{n_reset}")
        n_buf = 0
        for m in mods:
            if callable(getattr(m, "init_non_persistent_buffers", None)):
                m.init_non_persistent_buffers()
                n_buf += 1
        if n_buf:
            steps.append(f"init_non_persistent_buffers x{n_buf}")
        cls = type(model).__name__
        module_fn = getattr(sys.modules[type(model).__module__], "_init_weights", None)
        if callable(getattr(model, "init_weights", None)):
            model.init_weights()
            steps.append(f"{cls}.init_weights()")
        elif callable(getattr(model, "_init_weights", None)):
            fn = model._init_weights
            if "name" in inspect.signature(fn).parameters:
                named_apply(fn, model)
                steps.append(f"named_apply({cls}._init_weights)")
            else:
                model.apply(fn)
                steps.append(f"apply({cls}._init_weights)")
        elif callable(module_fn):
            named_apply(module_fn, model)
            steps.append(f"named_apply({type(model).__module__.rsplit('.', 1)[-1]}._init_weights)")
        elif cls in ("Hiera", "HieraDet"):
            from timm.layers import init_weight_vit

            named_apply(partial(init_weight_vit, classifier_name="head.fc"), model)
            steps.append("named_apply(init_weight_vit)")
        else:
            steps.append("no model-level init in timm")
    return " + ".join(steps)


def deferred(name: str):
    """Meta build + ``to_empty`` + :func:`reinit`, all inside ``track()``: ``(model, report, recipe)``."""
    torch.manual_seed(0)
    with initguard.track():
        model = create(name, device="meta")
        model.to_empty(device="cpu")
        recipe = reinit(model)
    return model, initguard.check(model), recipe


def nan_oracle(name: str) -> set:
    """Names of parameters/floating buffers that :func:`reinit` leaves unwritten after meta + ``to_empty``."""
    model = create(name, device="meta")
    model.to_empty(device="cpu")
    with torch.no_grad():
        for _n, t in _named_tensors(model, buffers=True):
            t.fill_(float("nan"))
    reinit(model)
    return {n for n, t in _named_tensors(model, buffers=True) if bool(torch.isnan(t).any())}


# --- bookkeeping --------------------------------------------------------------------------------------------

def owner(model, name: str):
    """``(module, local name)`` owning the tensor called ``name``."""
    mod_name, _, local = name.rpartition(".")
    return (model.get_submodule(mod_name) if mod_name else model), local


def has_record(model, name: str, tensor) -> bool:
    """Whether ``track()`` recorded the tensor ``name`` (read-only lookup in initguard.provenance)."""
    from initguard import provenance

    mod, local = owner(model, name)
    return provenance.lookup(mod, local, tensor)[0] is not None


def _module_file(mod) -> str:
    return type(mod).__module__.replace(".", "/") + ".py"


def lint_applicable(model) -> dict:
    """The linter findings whose (file, class, parameter) exists in ``model``: ``{finding: [tensor names]}``."""
    index = {}
    for f in LINT_FINDINGS:
        for p in f[2]:
            index.setdefault((f[0], f[1], p), f)
    found: dict = {}
    seen = set()
    for mod_name, mod in model.named_modules():
        for local, p in mod._parameters.items():
            if p is None or id(p) in seen:
                continue
            seen.add(id(p))
            f = index.get((_module_file(mod), type(mod).__name__, local))
            if f is not None:
                found.setdefault(f, []).append(f"{mod_name}.{local}" if mod_name else local)
    return found


def _rules_match(rules, name: str, module_type: str | None = None) -> str | None:
    for rule in rules:
        glob, types, why = rule if len(rule) == 3 else (rule[0], None, rule[1])
        if fnmatch.fnmatchcase(name, glob) and (types is None or module_type in types):
            return why
    return None


def unexplained_defaults(name: str, report) -> list:
    """``default`` problems no :data:`DEFAULT_EXPLAINED` rule explains, and problems of any other verdict."""
    rules = DEFAULT_EXPLAINED.get(name, [])
    out = []
    for p in report.problems:
        if p.verdict == "default" and _rules_match(rules, p.name, p.module_type):
            continue
        out.append((p.name, p.verdict, p.reason))
    return out


def unexplained_untracked(name: str, report) -> list:
    """Like :func:`unexplained_defaults`, also allowing the documented all-zero limit of :data:`ZERO_EXPLAINED`."""
    zero = ZERO_EXPLAINED.get(name, [])
    return [(n, v, r) for n, v, r in unexplained_defaults(name, report)
            if not (v == "uninitialized" and "entirely zero" in r and _rules_match(zero, n))]


def _fmt_lint(f, names=None) -> str:
    params = f[2] if names is None else [p for p in f[2] if any(n.rsplit(".", 1)[-1] == p for n in names)]
    return f"{f[0].split('/', 1)[1]}:{f[3]} {f[4]} {f[1]}.{'/'.join(params)}"


def _eager_rows(name: str, row: dict) -> None:
    model, rep = eager(name, tracked=True)
    row["class"] = type(model).__name__
    row["params_m"] = round(sum(p.numel() for p in model.parameters()) / 1e6, 1)
    row["checked"] = rep.checked
    row["provenance"] = rep.tracked
    row["tracked_problems"] = [(p.name, p.verdict) for p in rep.problems]
    row["tracked_unexplained"] = unexplained_defaults(name, rep)
    full, part = sentinel_defaults(name)
    row["oracle_defaults"] = len(full)
    row["oracle_partial"] = sorted(part)
    guard_defaults = {p.name for p in rep.problems if p.verdict == "default"}
    misses = set(GUARD_MISSES.get(name, {}))
    row["oracle_disagrees"] = sorted(guard_defaults ^ (full - misses))
    row["guard_misses"] = sorted(misses & full - guard_defaults)
    row["default_why"] = sorted({_rules_match(DEFAULT_EXPLAINED.get(name, []), p.name, p.module_type) or "?"
                                 for p in rep.problems if p.verdict == "default"})
    del model
    _model, rep_u = eager(name, tracked=False)
    row["untracked_problems"] = [(p.name, p.verdict) for p in rep_u.problems]
    row["untracked_unexplained"] = unexplained_untracked(name, rep_u)
    row["untracked_zero"] = sorted(p.name for p in rep_u.problems if p.verdict == "uninitialized")
    untracked_defaults = {p.name for p in rep_u.problems if p.verdict == "default"}
    row["untracked_missed_defaults"] = sorted(full - untracked_defaults)
    row["untracked_false_defaults"] = sorted(untracked_defaults - full)


def run_model(name: str) -> dict:
    """Everything the docs table records for one architecture (``layer:...``: the deferred path only)."""
    t0 = time.perf_counter()
    row: dict = {"model": name}
    if name.startswith("layer:"):
        # a layer alone is not how timm builds it (its model runs the layer's init); only the deferred path and
        # the linter cross-check are meaningful
        model = create(name)
        row.update(cls=type(model).__name__, checked=initguard.check(model).checked, eager="skipped (layer)")
        row["class"] = row.pop("cls")
        for key in ("tracked_problems", "tracked_unexplained", "oracle_partial", "oracle_disagrees", "guard_misses",
                    "default_why", "untracked_problems", "untracked_unexplained", "untracked_zero",
                    "untracked_missed_defaults", "untracked_false_defaults"):
            row[key] = []
    else:
        _eager_rows(name, row)
    row["eager_s"] = round(time.perf_counter() - t0, 1)

    t1 = time.perf_counter()
    try:
        model_d, rep_d, recipe = deferred(name)
    except Exception as exc:  # noqa: BLE001 - a model that cannot be built on meta is recorded
        row["deferred"] = f"not built: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
        for key in ("deferred_uninitialized", "deferred_other", "deferred_other_unexplained", "deferred_disagrees",
                    "deferred_guard_misses", "no_provenance", "lint_confirmed", "lint_refuted", "lint_partial",
                    "runtime_only"):
            row[key] = []
        row.update(recipe="", nan_oracle=0, deferred_provenance=0, lint_refuted_explained=True, deferred_s=0.0)
        return row
    row["recipe"] = recipe
    flagged = {p.name for p in rep_d.problems if p.verdict == "uninitialized"}
    row["deferred_uninitialized"] = sorted(flagged)
    row["deferred_other"] = [(p.name, p.verdict) for p in rep_d.problems if p.verdict != "uninitialized"]
    row["deferred_other_unexplained"] = [(n, v) for n, v in row["deferred_other"]
                                         if not _rules_match(DEFERRED_OTHER_EXPLAINED.get(name, []), n)]
    row["deferred_provenance"] = rep_d.tracked
    nan = nan_oracle(name)
    row["nan_oracle"] = len(nan)
    known = set(DEFERRED_GUARD_MISSES.get(name, {}))
    row["deferred_disagrees"] = sorted((flagged - nan) | (nan - flagged - known))
    row["deferred_guard_misses"] = sorted((nan - flagged) & known)
    row["no_provenance"] = sorted(n for n, t in _named_tensors(model_d, buffers=True) if not has_record(model_d, n, t))
    applicable = lint_applicable(model_d)
    row["lint_confirmed"] = sorted(_fmt_lint(f, names) for f, names in applicable.items() if set(names) <= flagged)
    row["lint_refuted"] = sorted(_fmt_lint(f, names) for f, names in applicable.items() if not set(names) & flagged)
    row["lint_refuted_explained"] = all((f[0], f[3]) in LINT_REFUTED for f, names in applicable.items()
                                        if not set(names) & flagged)
    row["lint_partial"] = sorted(_fmt_lint(f, names) for f, names in applicable.items()
                                 if set(names) & flagged and not set(names) <= flagged)
    linted = {n for names in applicable.values() for n in names}
    unlinted = sorted(nan - linted)  # ground truth, so a guard miss does not hide a linter miss
    row["runtime_only"] = sorted({f"{type(owner(model_d, n)[0]).__name__}.{owner(model_d, n)[1]}" for n in unlinted})
    row["deferred_s"] = round(time.perf_counter() - t1, 1)
    return row

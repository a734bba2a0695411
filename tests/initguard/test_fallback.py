"""The statistical fallback (no track()): garbage tests and recognition of PyTorch's constructor defaults."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn

import initguard
from initguard import stats
from initguard.stats import tensor_verdict

DEFAULT_BUILDERS = [
    lambda: nn.Linear(64, 48),
    lambda: nn.Linear(7, 300),
    lambda: nn.Conv1d(5, 24, 3),
    lambda: nn.Conv2d(3, 16, 3),
    lambda: nn.Conv2d(16, 32, 3, groups=4),
    lambda: nn.ConvTranspose2d(8, 16, 4),
    lambda: nn.Bilinear(12, 10, 20),
    lambda: nn.Embedding(300, 32),
    lambda: nn.GRU(16, 24),
    lambda: nn.LSTM(16, 24),
    lambda: nn.RNN(8, 32),
    lambda: nn.LSTMCell(8, 32),
]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("build", DEFAULT_BUILDERS)
def test_pytorch_defaults_are_recognised(build, seed):
    torch.manual_seed(seed)
    m = build()
    r = initguard.check(m)
    expected = {n for n, p in m.named_parameters() if p.numel() >= stats.MIN_KS_N}
    assert {p.name for p in r.problems if p.verdict == "default"} == expected
    assert not r.uninitialized


def test_multihead_attention_default():
    m = nn.MultiheadAttention(32, 4)
    r = initguard.check(m)
    assert {p.name for p in r.problems} == {"in_proj_weight", "out_proj.weight"}
    assert "in_proj_bias" in {p.name for p in initguard.check(m, strict=True).problems}


INITS = {
    "normal(0.02)": lambda w: nn.init.normal_(w, std=0.02),
    "gpt-neox small_init": lambda w: nn.init.normal_(w, std=math.sqrt(2 / (5 * w.shape[1]))),
    "xavier_uniform": nn.init.xavier_uniform_,
    "xavier_normal": nn.init.xavier_normal_,
    "kaiming_normal": nn.init.kaiming_normal_,
    "kaiming_uniform(relu)": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "trunc_normal": lambda w: nn.init.trunc_normal_(w, std=0.02),
    "orthogonal": nn.init.orthogonal_,
    "0.9 x default": lambda w: nn.init.uniform_(w, -0.9 / math.sqrt(w.shape[1]), 0.9 / math.sqrt(w.shape[1])),
    "eye": nn.init.eye_,
}


@pytest.mark.parametrize("init", sorted(INITS))
@pytest.mark.parametrize("shape", [(64, 64), (256, 128), (32, 512)])
def test_other_inits_are_not_taken_for_the_default(init, shape):
    lin = nn.Linear(shape[1], shape[0])
    INITS[init](lin.weight)
    nn.init.zeros_(lin.bias)
    assert tensor_verdict("weight", lin.weight, module=lin) is None
    assert initguard.check(lin).ok


@pytest.mark.parametrize("how,needle", [
    ("nan", "NaN"), ("inf", "Inf"), ("huge", "1000"), ("denormal", "denormal"), ("zero", "zero"),
])
def test_garbage_values_are_uninitialized(h, how, needle):
    lin = nn.Linear(32, 32)
    nn.init.normal_(lin.weight, std=0.02)
    nn.init.zeros_(lin.bias)
    h.poison([lin.weight], how)
    r = initguard.check(lin)
    assert [(p.name, p.verdict) for p in r.problems] == [("weight", "uninitialized")]
    assert needle in r.problems[0].reason


def test_zero_bias_and_constant_norms_are_fine():
    m = nn.Sequential(nn.Linear(16, 16, bias=True), nn.LayerNorm(16), nn.BatchNorm1d(16))
    nn.init.normal_(m[0].weight, std=0.02)
    nn.init.zeros_(m[0].bias)
    assert initguard.check(m).ok
    strict = {p.name for p in initguard.check(m, strict=True).problems}
    assert strict == {"1.weight", "1.bias", "2.weight", "2.bias"}


def test_mixed_denormal_garbage_is_found_even_with_a_few_normal_values():
    w = torch.full((64, 64), 1e-39)
    w[::7, ::5] = 0.01  # garbage seldom is uniform: a few plausible values between denormals
    assert tensor_verdict("w", w).verdict == "uninitialized"


def test_low_precision_dtypes():
    lin = nn.Linear(128, 128).to(torch.bfloat16)
    assert tensor_verdict("weight", lin.weight, module=lin).verdict == "default"
    nn.init.normal_(lin.weight, std=0.02)
    assert tensor_verdict("weight", lin.weight, module=lin) is None
    half = nn.Linear(128, 128).half()
    nn.init.normal_(half.weight, std=0.02)  # fp16 has many subnormals near 0: not garbage
    assert tensor_verdict("weight", half.weight, module=half) is None
    half.weight.data[0, 0] = float("nan")
    assert tensor_verdict("weight", half.weight, module=half, full=True).verdict == "uninitialized"


def test_tensor_verdict_from_fan_in_or_shape_only():
    w = torch.empty(64, 100).uniform_(-0.1, 0.1)  # U(+-1/sqrt(100)): the Linear default for fan_in=100
    assert tensor_verdict("x.weight", w).verdict == "default"
    b = torch.empty(256).uniform_(-0.1, 0.1)
    assert tensor_verdict("x.bias", b, fan_in=100).verdict == "default"
    assert tensor_verdict("x.bias", b[:64], fan_in=100).verdict == "too-small"  # fits, but only 64 values
    assert tensor_verdict("x.bias", b) is None  # a 1-D tensor alone has no known fan-in
    e = torch.randn(500, 16)
    assert tensor_verdict("emb.weight", e).verdict == "default"  # N(0,1) 2-D: nn.Embedding's default
    assert tensor_verdict("emb.weight", e * 0.02) is None


def test_non_contiguous_and_read_only_sampling():
    lin = nn.Linear(300, 200)
    wt = lin.weight.t()  # non-contiguous view, more elements than the sample
    v = lin.weight._version
    assert not wt.is_contiguous()
    assert tensor_verdict("weight_t", wt, fan_in=300) is None or True  # transposed: shape fan-in differs
    s = stats.read_sample(wt)
    assert s.numel() == stats.SAMPLE_SIZE and s.dtype == torch.float64
    assert lin.weight._version == v and lin.weight.grad is None


def test_sample_positions_are_fixed_and_spread():
    p1 = stats._positions(10_000_000, 4096)
    p2 = stats._positions(10_000_000, 4096)
    assert torch.equal(p1, p2)
    assert p1.min() >= 0 and p1.max() < 10_000_000
    assert len(set(p1.tolist())) == 4096
    hist = torch.histc(p1.double(), bins=16, min=0, max=10_000_000)
    assert hist.min() >= 128  # every 1/16 of the tensor is sampled (runs of 64 at spread offsets)


def test_untracked_model_reset_parameters_is_indistinguishable_from_the_default():
    # documented limit of the fallback: without track(), reset_parameters() values look like the default
    lin = nn.Linear(64, 64)
    lin.reset_parameters()
    assert initguard.check(lin).problems[0].verdict == "default"
    with initguard.track():
        lin2 = nn.Linear(64, 64)
    lin2.reset_parameters()
    assert initguard.check(lin2).ok  # provenance knows the user asked for it


def test_zeroed_tokens_and_gains_are_vectors_but_a_zero_matrix_is_garbage():
    """timm zeroes (1, 1, dim) cls tokens / biases and (C, 1, 1, 1) gains on purpose; a zero matrix is not an init."""
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.cls_token = nn.Parameter(torch.zeros(1, 1, 32))
            self.gain = nn.Parameter(torch.zeros(16, 1, 1, 1))
            self.proj = nn.Parameter(torch.zeros(16, 32))

    report = initguard.check(M())
    assert [(p.name, p.verdict) for p in report.problems] == [("proj", "uninitialized")]

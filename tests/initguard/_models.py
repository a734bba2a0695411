"""Small but realistic models, in the styles whose init bugs initguard exists for.

* ``HFStyleModel`` — Hugging Face style: a central ``_init_weights(module)`` dispatch applied with
  ``self.apply``; ``TableHead`` declares ``column_bias`` / ``temperature`` directly in ``__init__``
  (as Tapas / OmDetTurbo did) and the buggy dispatch has no branch for it.
* ``NanoGPT`` — nanoGPT / nanochat style: ``init_weights()`` covers Linear/Embedding and the rotary
  cache but misses the per-layer scalar ``resid_lambdas`` declared in ``GPT.__init__``.
* ``LitGPTStyle`` — LitGPT style: every module has ``reset_parameters`` (custom ``RMSNorm`` too), and
  ``assign_init_partials`` patches ``reset_parameters`` partials onto module *instances* with the
  GPT-NeoX / small-init std, exactly like ``litgpt.pretrain.init_weights``.

Each buggy model has a ``fixed=True`` variant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn
from torch.nn import functional as F


# ------------------------------------------------------------------------------------- the smallest
def two_layer_net() -> nn.Sequential:
    """Two Linear layers (4 tensors), as the distributed tests shard and wrap them."""
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 8))


def user_init(m: nn.Sequential) -> None:
    """A user's own initialization of :func:`two_layer_net` (not PyTorch's default)."""
    for layer in (m[0], m[2]):
        nn.init.normal_(layer.weight, std=0.02)
        nn.init.zeros_(layer.bias)


# ------------------------------------------------------------------------------------- HF style
@dataclass
class HFConfig:
    vocab_size: int = 64
    hidden_size: int = 32
    num_layers: int = 2
    num_columns: int = 8
    initializer_range: float = 0.02


class HFLayer(nn.Module):
    def __init__(self, cfg: HFConfig):
        super().__init__()
        self.attn = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.mlp = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.norm = nn.LayerNorm(cfg.hidden_size)

    def forward(self, x):
        return x + self.mlp(F.gelu(self.attn(self.norm(x))))


class TableHead(nn.Module):
    """Parameters created directly in ``__init__`` (the Tapas / OmDetTurbo pattern)."""

    def __init__(self, cfg: HFConfig):
        super().__init__()
        self.column_bias = nn.Parameter(torch.zeros(cfg.num_columns))
        self.temperature = nn.Parameter(torch.full((1,), 0.07))
        self.proj = nn.Linear(cfg.hidden_size, cfg.num_columns, bias=False)

    def forward(self, x):
        return self.proj(x) / self.temperature + self.column_bias


class HFStyleModel(nn.Module):
    """``PreTrainedModel``-like: ``post_init`` applies ``_init_weights`` to every module."""

    def __init__(self, cfg: HFConfig | None = None, fixed: bool = False):
        super().__init__()
        self.config = cfg = cfg or HFConfig()
        self.fixed = fixed
        self.embed = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList(HFLayer(cfg) for _ in range(cfg.num_layers))
        self.final_norm = nn.LayerNorm(cfg.hidden_size)
        self.head = TableHead(cfg)
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=std)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, TableHead) and self.fixed:
            nn.init.zeros_(module.column_bias)
            nn.init.constant_(module.temperature, 0.07)

    def init_weights(self) -> None:
        self.apply(self._init_weights)

    def post_init(self) -> None:
        self.init_weights()

    def forward(self, ids):
        x = self.embed(ids)
        for layer in self.layers:
            x = layer(x)
        return self.head(self.final_norm(x))


# ---------------------------------------------------------------------------- nanoGPT / nanochat
@dataclass
class GPTConfig:
    vocab_size: int = 64
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 32
    block_size: int = 16


def _rotary(seq: int, head_dim: int, base: float = 10000.0):
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
    t = torch.arange(seq, dtype=torch.float32)
    freqs = torch.outer(t, inv)
    return freqs.cos(), freqs.sin()


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=False)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=False)
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=False)
        self.mlp_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=False)

    def forward(self, x, cos, sin):
        B, T, C = x.shape
        q, k, v = self.c_attn(F.rms_norm(x, (C,))).split(C, dim=2)
        hd = C // self.n_head
        q, k, v = (t.view(B, T, self.n_head, hd).transpose(1, 2) for t in (q, k, v))
        c, s = cos[:T].repeat(1, 2), sin[:T].repeat(1, 2)
        q, k = q * c + q.roll(hd // 2, -1) * s, k * c + k.roll(hd // 2, -1) * s
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
        x = x + self.c_proj(y)
        return x + self.mlp_proj(F.relu(self.c_fc(F.rms_norm(x, (C,)))).square())


class NanoGPT(nn.Module):
    """nanochat-style GPT: scalars declared in ``__init__``; ``init_weights`` is the init function."""

    def __init__(self, cfg: GPTConfig | None = None, fixed: bool = False):
        super().__init__()
        self.config = cfg = cfg or GPTConfig()
        self.fixed = fixed
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        # per-layer learnable scalars (nanochat PR 686): only set here, at construction
        self.resid_lambdas = nn.Parameter(torch.ones(cfg.n_layer))
        cos, sin = _rotary(cfg.block_size, cfg.n_embd // cfg.n_head)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)

    @torch.no_grad()
    def init_weights(self) -> None:
        nn.init.normal_(self.wte.weight, std=1.0)
        nn.init.zeros_(self.lm_head.weight)
        for block in self.blocks:
            bound = math.sqrt(3) * self.config.n_embd**-0.5
            for lin in (block.c_attn, block.c_fc):
                nn.init.uniform_(lin.weight, -bound, bound)
            nn.init.zeros_(block.c_proj.weight)
            nn.init.zeros_(block.mlp_proj.weight)
        cos, sin = _rotary(self.config.block_size, self.config.n_embd // self.config.n_head)
        self.cos.copy_(cos)
        self.sin.copy_(sin)
        if self.fixed:
            self.resid_lambdas.fill_(1.0)

    def forward(self, idx):
        x = self.wte(idx)
        for i, block in enumerate(self.blocks):
            x = self.resid_lambdas[i] * block(x, self.cos, self.sin)
        return self.lm_head(F.rms_norm(x, (x.size(-1),)))


# ------------------------------------------------------------------------------------ LitGPT style
@dataclass
class LitConfig:
    vocab_size: int = 64
    n_layer: int = 2
    n_embd: int = 32
    n_head: int = 2


class RMSNorm(nn.Module):
    """LitGPT's RMSNorm: a custom module whose own ``reset_parameters`` writes its weight."""

    def __init__(self, size: int, eps: float = 1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x):
        return F.rms_norm(x, (x.size(-1),), self.weight, self.eps)

    def reset_parameters(self) -> None:
        nn.init.ones_(self.weight)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: LitConfig):
        super().__init__()
        self.attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.n_head = cfg.n_head

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, -1).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class LitBlock(nn.Module):
    def __init__(self, cfg: LitConfig):
        super().__init__()
        self.norm_1 = RMSNorm(cfg.n_embd)
        self.attn = CausalSelfAttention(cfg)
        self.norm_2 = RMSNorm(cfg.n_embd)
        self.mlp = nn.Sequential(
            nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(), nn.Linear(4 * cfg.n_embd, cfg.n_embd)
        )

    def forward(self, x):
        x = x + self.attn(self.norm_1(x))
        return x + self.mlp(self.norm_2(x))


class LitGPTStyle(nn.Module):  # noqa: INIT001 - logit_scale is the planted miss
    """LitGPT's GPT layout.  ``extra_scale=True`` adds a parameter that no ``reset_parameters`` covers."""

    def __init__(self, cfg: LitConfig | None = None, extra_scale: bool = False):
        super().__init__()
        self.config = cfg = cfg or LitConfig()
        self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(cfg.vocab_size, cfg.n_embd),
                h=nn.ModuleList(LitBlock(cfg) for _ in range(cfg.n_layer)),
                ln_f=RMSNorm(cfg.n_embd),
            )
        )
        if extra_scale:
            self.logit_scale = nn.Parameter(torch.ones(()))

    def forward(self, idx):
        x = self.transformer.wte(idx)
        for block in self.transformer.h:
            x = block(x)
        out = self.lm_head(self.transformer.ln_f(x))
        if hasattr(self, "logit_scale"):
            out = out * self.logit_scale
        return out


def _init_weights(module: nn.Module, std: float) -> None:
    nn.init.normal_(module.weight, mean=0.0, std=std)
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)


def assign_init_partials(model: LitGPTStyle) -> None:
    """``litgpt.pretrain.init_weights``: patch ``reset_parameters`` partials onto module instances.

    This only *assigns* them; something must still call them (the LitGPT bug: nothing did on the
    fresh-run path).
    """
    n_embd = model.config.n_embd
    for mod in model.modules():
        if isinstance(mod, (nn.Embedding, nn.Linear)):
            mod.reset_parameters = partial(_init_weights, mod, std=math.sqrt(2.0 / 5 / n_embd))
    for mod in model.modules():
        if isinstance(mod, CausalSelfAttention):
            mod.proj.reset_parameters = partial(
                _init_weights, mod.proj, std=1 / math.sqrt(n_embd) / model.config.n_layer
            )


def token_batch(vocab: int = 64, batch: int = 4, seq: int = 8, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (batch, seq), generator=g)

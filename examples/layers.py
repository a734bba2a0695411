"""Custom layers with the init bugs initlint finds (run `initlint examples/`). Each bug has a twin that is fine.

These are the shapes behind real incidents: an RMSNorm skipped by the model's init under FSDP meta init
(llm-foundry PR 1745), scalars declared in __init__ and missed by init_weights (nanochat PR 686), a CRF
allocated with torch.empty and never written, LoRA matrices that nn.Linear.reset_parameters knows nothing of.
"""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class RMSNorm(nn.Module):
    """INIT001: parameters but no reset_parameters(); under to_empty()/FSDP the weight stays garbage."""

    def __init__(self, dim: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return F.rms_norm(x, (x.size(-1),), self.weight, self.eps)


class RMSNormFixed(RMSNorm):
    def reset_parameters(self):
        nn.init.ones_(self.weight)


class CRF(nn.Module):
    """INIT003: torch.empty storage that __init__ never writes: garbage even when built normally."""

    def __init__(self, num_tags: int):
        super().__init__()
        self.transitions = nn.Parameter(torch.empty(num_tags, num_tags))


class LoRALinear(nn.Linear):
    """INIT002: inherits nn.Linear.reset_parameters, which never touches lora_A / lora_B."""

    def __init__(self, n_in: int, n_out: int, r: int = 8):
        super().__init__(n_in, n_out)
        self.lora_A = nn.Parameter(torch.randn(r, n_in) / math.sqrt(n_in))
        self.lora_B = nn.Parameter(torch.zeros(n_out, r))


class LoRALinearFixed(nn.Linear):
    def __init__(self, n_in: int, n_out: int, r: int = 8):
        self.r = r
        super().__init__(n_in, n_out)  # calls self.reset_parameters() before the LoRA matrices exist
        self.lora_A = nn.Parameter(torch.empty(r, n_in))
        self.lora_B = nn.Parameter(torch.empty(n_out, r))
        self.reset_parameters()

    def reset_parameters(self):
        super().reset_parameters()
        if hasattr(self, "lora_A"):
            nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
            nn.init.zeros_(self.lora_B)


class ScaledInit(nn.Linear):
    """INIT004: reset_parameters(std) cannot be called by FSDP / module.reset_parameters()."""

    def reset_parameters(self, std):
        nn.init.normal_(self.weight, std=std)
        nn.init.zeros_(self.bias)


class Gate(nn.Module):
    """INIT005: reset_parameters replaces the Parameter; the optimizer keeps training the old one."""

    def __init__(self, dim: int):
        super().__init__()
        self.gate = nn.Parameter(torch.zeros(dim))

    def reset_parameters(self):
        self.gate = nn.Parameter(torch.zeros_like(self.gate))

"""The process-wide tracking switch (``initguard.enable_tracking()`` / ``INITGUARD_TRACK=1``), issue 16.

Real torch modules; the environment variable is exercised in a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

import initguard
from initguard import autotrack, provenance

ROOT = Path(__file__).resolve().parents[2]


class Designed(nn.Module):
    """Its own init draws U(+-1/sqrt(fan_in)) with a=sqrt(5), exactly PyTorch's Linear default distribution
    (Mamba, ResNet heads do this): statistics alone cannot tell it from a skipped init; provenance can."""

    def __init__(self, skip_head: bool = False):
        super().__init__()
        self.body = nn.Linear(64, 64)
        self.head = nn.Linear(64, 8)
        for m in ([self.body] if skip_head else [self.body, self.head]):
            nn.init.kaiming_uniform_(m.weight, a=5 ** 0.5)
            nn.init.zeros_(m.bias)

    def forward(self, x):
        return self.head(torch.relu(self.body(x)))


@pytest.fixture
def switch():
    initguard.enable_tracking()
    try:
        yield
    finally:
        initguard.disable_tracking()
    assert not autotrack.tracking_enabled()


def test_designer_init_that_looks_like_the_default_passes_with_the_switch(switch):
    m = Designed()
    report = initguard.assert_initialized(m)
    assert report.tracked == 4


def test_without_the_switch_the_same_model_is_accused():
    assert not autotrack.tracking_enabled()
    with pytest.raises(initguard.NotInitializedError, match="default"):
        initguard.assert_initialized(Designed())


def test_skipped_init_is_named_with_the_switch(switch):
    m = Designed(skip_head=True)
    with pytest.raises(initguard.NotInitializedError) as e:
        initguard.assert_initialized(m)
    assert sorted(p.name for p in e.value.report.problems) == ["head.bias", "head.weight"]
    assert "written only by Linear's own constructor" in str(e.value)


def test_scope_closes_at_first_forward_and_reopens_for_the_next_model(switch):
    m = Designed()
    assert provenance.is_tracking()
    m(torch.randn(2, 64))
    assert not provenance.is_tracking()  # training ops do not run under the function mode
    m2 = nn.Linear(4, 4)
    assert provenance.is_tracking()
    m2.to(torch.float64)  # _apply closes it before converting
    assert not provenance.is_tracking()
    report = initguard.check(m2)
    assert report.tracked == 2 and [p.verdict for p in report.problems] == ["default", "default"]


def test_explicit_track_scope_is_left_alone(switch):
    with initguard.track():
        a = nn.Linear(4, 4)
        a.to(torch.float64)  # would close an automatic scope; the explicit one stays open
        assert provenance.is_tracking()
        b = nn.Linear(4, 4)
    assert not provenance.is_tracking()
    for m in (a, b):
        assert initguard.check(m).tracked == 2


def test_disable_restores_module_init():
    initguard.enable_tracking()
    initguard.disable_tracking()
    assert nn.Module.__init__ is getattr(nn.Module.__init__, "__wrapped__", nn.Module.__init__)
    nn.Linear(2, 2)
    assert not provenance.is_tracking()


def test_environment_variable_turns_the_switch_on(tmp_path):
    code = textwrap.dedent("""
        import initguard, torch
        from torch import nn
        assert initguard.tracking_enabled()
        m = nn.Sequential(nn.Linear(16, 16), nn.Linear(16, 4))
        nn.init.normal_(m[0].weight, std=0.02)
        try:
            initguard.assert_initialized(m)
        except initguard.NotInitializedError as e:
            print(sorted(p.name for p in e.report.problems), e.report.tracked)
    """)
    env = dict(os.environ, INITGUARD_TRACK="1", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['0.bias', '1.bias', '1.weight'] 4"

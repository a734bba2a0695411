"""A failing ``initguard.testing`` assertion in a real pytest run: the report shows the test's line and the
helper's message naming the tensor, not pages of the helper's source (``__tracebackhide__``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.initguard._process import environment

FAILING_TESTS = '''
import torch
from torch import nn

from initguard.testing import assert_init_complete, assert_init_parity


class Scaled(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 16)
        self.gain = nn.Parameter(torch.ones(16))  # set only here: garbage on the meta-device path


def init_proj_only(model):
    nn.init.normal_(model.proj.weight, std=0.02)
    nn.init.zeros_(model.proj.bias)


def test_complete():
    assert_init_complete(Scaled, init_proj_only)


def test_parity():
    assert_init_parity(lambda: nn.Linear(256, 256), init=lambda m: nn.init.normal_(m.weight, std=0.5))
'''


@pytest.mark.parametrize("test", ["test_complete", "test_parity"])
def test_failure_report_is_short_and_names_the_tensor(tmp_path, test):
    (tmp_path / "test_model_init.py").write_text(FAILING_TESTS)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"test_model_init.py::{test}"],
        cwd=tmp_path, env=environment(tmp_path), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    out = proc.stdout
    failure = out[out.index("___"):out.index("short test summary")]
    name = "'gain'" if test == "test_complete" else "'weight'"
    assert name in failure, failure
    assert "def assert_init_complete" not in failure and "def assert_init_parity" not in failure
    assert "initguard/testing.py" not in failure, failure
    assert len(failure.splitlines()) < 25, failure

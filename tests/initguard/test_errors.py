"""``NotInitializedError``: shown under its public name, and it survives pickling (multiprocessing, spawn)."""

from __future__ import annotations

import pickle
import subprocess
import sys

import torch
import torch.nn as nn

import initguard
from tests.initguard._process import REPO, environment

# a weight full of NaN: uninitialized by any verdict rule
NAN_LINEAR = "nn.Linear(64, 64); m.weight.data.fill_(float('nan'))"


def _nan_linear() -> nn.Module:
    m = nn.Linear(64, 64)
    with torch.no_grad():
        m.weight.fill_(float("nan"))
    return m


def _raised(model) -> initguard.NotInitializedError:
    try:
        initguard.assert_initialized(model)
    except initguard.NotInitializedError as e:
        return e
    raise AssertionError("a Linear whose weight is NaN must raise")


def test_public_name():
    err = _raised(_nan_linear())
    assert f"{type(err).__module__}.{type(err).__qualname__}" == "initguard.NotInitializedError"


def test_traceback_shows_the_public_name(tmp_path):
    code = f"import torch.nn as nn, initguard; m = {NAN_LINEAR}; initguard.assert_initialized(m)"
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=environment(tmp_path), capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 1
    assert "\ninitguard.NotInitializedError: initguard: " in proc.stderr, proc.stderr
    assert "_errors" not in proc.stderr


def test_pickle_round_trip_keeps_message_and_report():
    err = _raised(nn.Sequential(_nan_linear(), _nan_linear()))
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is initguard.NotInitializedError
    assert str(back) == str(err)
    assert [p.name for p in back.report.problems] == [p.name for p in err.report.problems]
    assert back.report.problems

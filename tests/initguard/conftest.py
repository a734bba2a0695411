"""Shared builders for the initguard tests: the tiny LitGPT-style GPT from examples/pretrain.py and helpers.

Tests of "garbage memory" never depend on what uninitialized memory holds: either ``track()`` knows a tensor was
never written, or the test poisons the never-written tensors explicitly (NaN, denormals, huge values, zeros).

This directory is put on ``sys.path``: the helper modules (``_models``, ``_spawn``, the ``_dist_*_workers``) are
imported by their top-level names, as the spawned worker processes of the distributed tests import them.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _load_example():
    path = os.path.join(ROOT, "examples", "pretrain.py")
    spec = importlib.util.spec_from_file_location("initguard_example_pretrain", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


EXAMPLE = _load_example()


@pytest.fixture
def example():
    """The examples/pretrain.py module (GPT, Config, initialize_weights, reset_parameters, main)."""
    return EXAMPLE


@pytest.fixture(scope="module")
def results(request, tmp_path_factory):
    """Every rank's results of the worker module the test module names in ``WORKERS`` (2 spawned ranks, gloo,
    one run for the whole test module)."""
    from _spawn import run_workers

    return run_workers(request.module.WORKERS, tmp_path_factory)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield


def poison(tensors, how: str = "nan") -> None:
    """Deterministically fill tensors with what garbage memory looks like (the stats path's test input)."""
    values = {"nan": float("nan"), "denormal": 1e-39, "huge": 1e30, "zero": 0.0, "inf": float("inf")}
    with torch.no_grad():
        for t in tensors:
            t.detach().fill_(values[how])


def names(report, verdict=None):
    """Set of problem names (optionally only one verdict)."""
    return {p.name for p in report.problems if verdict is None or p.verdict == verdict}


def mode_stack_depth() -> int:
    return torch._C._len_torch_function_stack()


def registration_hook_count() -> int:
    from torch.nn.modules import module as m

    return len(m._global_parameter_registration_hooks) + len(m._global_buffer_registration_hooks)


class Helpers:
    """Helper functions for tests, handed out by the ``h`` fixture (conftest modules are not importable)."""

    poison = staticmethod(poison)
    names = staticmethod(names)
    mode_stack_depth = staticmethod(mode_stack_depth)
    registration_hook_count = staticmethod(registration_hook_count)


@pytest.fixture
def h():
    """Helpers: poison, names, mode_stack_depth, registration_hook_count."""
    return Helpers

"""The process-wide tracking switch must not change what a torch function-mode context does after its block.

Found by ``scripts/litgpt_e2e.py`` (LitGPT 0.3.0 under ``INITGUARD_TRACK=1``): the automatic ``track()`` scope
opens while a model is built inside ``fabric.init_module(empty_init=True)`` (Lightning's ``_EmptyInit``, a
``TorchFunctionMode``) or ``with torch.device("meta")``, and stays open past that block. When the user's
context exits it pops the top of the mode stack -- initguard's mode -- so the user's mode stays active: init
calls after ``init_module`` are skipped (LitGPT 0.3.0's ``initialize_weights`` then writes nothing, and the
guard reports the garbage it caused), and tensors keep landing on ``meta``. The guard then changes the program.
Fixed in ``initguard.autotrack``: the automatic scope's mode goes to the bottom of the stack when it opens, and
leaves it by itself when it settles. Each test restores the mode stack it found.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.overrides import _get_current_function_mode_stack, _pop_mode

import initguard


def _names():
    return [type(m).__name__ for m in _get_current_function_mode_stack()]


@pytest.fixture
def switch():
    before = len(_get_current_function_mode_stack())
    initguard.enable_tracking()
    try:
        yield
    finally:
        initguard.disable_tracking()
        while len(_get_current_function_mode_stack()) > before:  # undo whatever the bug left behind
            _pop_mode()


def test_lightning_empty_init_ends_with_its_block_under_the_switch(switch):
    init_mod = pytest.importorskip("lightning.fabric.utilities.init")
    with init_mod._EmptyInit(enabled=True):
        m = nn.Linear(4, 4)
    stack_after = _names()
    nn.init.constant_(m.weight, 1.0)
    assert "_EmptyInit" not in stack_after, stack_after
    assert torch.equal(m.weight.detach(), torch.ones(4, 4)), "the init after init_module() was skipped"


def test_device_context_ends_with_its_block_under_the_switch(switch):
    with torch.device("meta"):
        nn.Linear(4, 4)
    assert torch.zeros(2).device.type == "cpu", _names()


def test_without_the_switch_both_contexts_end_with_their_blocks():
    init_mod = pytest.importorskip("lightning.fabric.utilities.init")
    with init_mod._EmptyInit(enabled=True):
        m = nn.Linear(4, 4)
    nn.init.constant_(m.weight, 1.0)
    assert torch.equal(m.weight.detach(), torch.ones(4, 4))
    with torch.device("meta"):
        nn.Linear(4, 4)
    assert torch.zeros(2).device.type == "cpu"

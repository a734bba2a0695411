"""Meta-device construction: ``to_empty`` with and without init, ``load_state_dict`` from a ``torch.save``
file,
``torch.nn.utils.skip_init`` and accelerate's ``init_empty_weights`` — each with ``track()`` and without
it."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

import initguard


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 32)
        self.fc1 = nn.Linear(32, 64)
        self.norm = nn.LayerNorm(64)
        self.fc2 = nn.Linear(64, 10)
        self.temperature = nn.Parameter(torch.empty(1))  # declared, left to init_weights (nanochat-style)
        self.register_buffer("inv_freq", torch.empty(16), persistent=False)

    def init_weights(self, cover_scalar=True):
        for m in (self.emb, self.fc1, self.fc2):
            nn.init.normal_(m.weight, std=0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        self.norm.reset_parameters()
        if cover_scalar:
            nn.init.ones_(self.temperature)
        with torch.no_grad():
            self.inv_freq.copy_(1.0 / (10000 ** (torch.arange(16) / 16)))


ALL = {"emb.weight", "fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "fc2.weight", "fc2.bias",
       "temperature", "inv_freq"}


def _build_meta():
    with torch.device("meta"):
        return Net()


def test_meta_model_is_uninitialized_with_and_without_track(h):
    with initguard.track():
        a = _build_meta()
    b = _build_meta()
    for m in (a, b):
        r = initguard.check(m)
        assert h.names(r, "uninitialized") == ALL
        assert all("meta" in p.reason for p in r.problems)
        assert "to_empty" in r.problems[0].fix


def test_to_empty_without_init_inside_track_is_uninitialized(h):
    with initguard.track():
        m = _build_meta()
        m.to_empty(device="cpu")
    r = initguard.check(m)
    # norm.weight/bias too: to_empty re-allocates them and nothing wrote them
    assert h.names(r, "uninitialized") == ALL
    assert all(p.source == "provenance" for p in r.problems)


def test_to_empty_with_init_passes_with_and_without_track():
    with initguard.track():
        m = _build_meta()
        m.to_empty(device="cpu")
        m.init_weights()
    assert initguard.check(m).ok
    m2 = _build_meta()
    m2.to_empty(device="cpu")
    m2.init_weights()
    assert initguard.check(m2).ok


def test_init_missing_a_scalar_parameter(h):
    with initguard.track():
        m = _build_meta()
        m.to_empty(device="cpu")
        m.init_weights(cover_scalar=False)
    r = initguard.check(m)
    assert h.names(r) == {"temperature"}
    p = r.problems[0]
    assert p.module_type == "Net" and p.shape == (1,) and "'temperature' of Net" in p.fix
    # statistics alone: only when the garbage shows (poisoned deterministically)
    m2 = _build_meta()
    m2.to_empty(device="cpu")
    m2.init_weights(cover_scalar=False)
    h.poison([m2.temperature], "nan")
    assert h.names(initguard.check(m2)) == {"temperature"}


def test_to_empty_after_tracked_meta_build_falls_back_to_statistics(h):
    with initguard.track():
        m = _build_meta()
    m.to_empty(device="cpu")  # outside the scope: new tensors the tracker never saw
    h.poison([p for p in m.parameters()] + [m.inv_freq], "nan")
    r = initguard.check(m)
    assert h.names(r, "uninitialized") == ALL
    assert all(p.source == "statistics" for p in r.problems)


@pytest.mark.parametrize("assign", [False, True])
@pytest.mark.parametrize("tracked", [False, True])
def test_load_state_dict_from_a_torch_save_file(tmp_path, assign, tracked):
    src = Net()
    src.init_weights()
    path = tmp_path / "model.pt"
    torch.save(src.state_dict(), path)
    sd = torch.load(path, weights_only=True, map_location="cpu")
    if tracked:
        with initguard.track():
            m = _build_meta()
    else:
        m = _build_meta()
    if not assign:
        m.to_empty(device="cpu")
    result = m.load_state_dict(sd, assign=assign)  # strict: the non-persistent buffer is not expected
    assert not result.missing_keys and not result.unexpected_keys
    if assign:  # the non-persistent buffer is not in the state dict
        m.inv_freq = torch.empty(16, device="cpu")
    with torch.no_grad():
        m.inv_freq.copy_(src.inv_freq)
    assert initguard.check(m).ok
    for (n, a), b in zip(m.state_dict().items(), src.state_dict().values()):
        assert torch.equal(a, b), n


def test_skip_init_is_uninitialized_with_track():
    with initguard.track():
        lin = torch.nn.utils.skip_init(nn.Linear, 32, 32)
    r = initguard.check(lin)
    assert {p.name for p in r.uninitialized} == {"weight", "bias"}
    nn.init.normal_(lin.weight, std=0.02)
    nn.init.zeros_(lin.bias)
    assert initguard.check(lin).ok


def test_accelerate_init_empty_weights(tmp_path, h):
    accelerate = pytest.importorskip("accelerate")
    from accelerate.utils import set_module_tensor_to_device

    src = Net()
    src.init_weights()
    sd = src.state_dict()
    for tracked in (True, False):
        if tracked:
            with initguard.track(), accelerate.init_empty_weights():
                m = Net()
        else:
            with accelerate.init_empty_weights():
                m = Net()
        r = initguard.check(m)
        params = {n for n, _ in m.named_parameters()}
        # parameters are on meta (buffers stay on cpu with include_buffers=False)
        assert h.names(r, "uninitialized") >= params
        for name, value in sd.items():
            set_module_tensor_to_device(m, name, "cpu", value=value)
        m.inv_freq = src.inv_freq.clone()
        assert initguard.check(m).ok, str(initguard.check(m))


def test_tracked_meta_build_materialized_and_reset_outside_the_scope_is_initialized():
    # built under track() on meta; materialized + reset_parameters() afterwards (what initguard.initialize and
    # Lightning's meta materialisation do): written after construction, so not "default"
    with initguard.track():
        m = _build_meta()
    m.to_empty(device="cpu")
    for mod in m.modules():
        if hasattr(mod, "reset_parameters"):
            mod.reset_parameters()
    nn.init.ones_(m.temperature)
    with torch.no_grad():
        m.inv_freq.copy_(torch.linspace(0, 1, 16))
    assert initguard.check(m).ok
    untracked = _build_meta()  # the same values without provenance look like PyTorch's default
    untracked.to_empty(device="cpu")
    for mod in untracked.modules():
        if hasattr(mod, "reset_parameters"):
            mod.reset_parameters()
    assert {p.verdict for p in initguard.check(untracked, buffers=False, allow=["temperature"]).problems} == {
        "default"}

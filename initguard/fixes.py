"""Every fix text initguard writes: what to do about a tensor that is not initialized.

One place, so that the same situation gets the same advice from ``check()``, the checkpoint CLI,
``initialize()``, ``initguard.testing`` and the cross-rank check, and a report can group tensors under one
fix line.
"""

from __future__ import annotations

FIX_UNINIT = (
    "initialize it on the fresh-run path: call model.apply(init_fn) / each module's reset_parameters() "
    "(e.g. initguard.initialize(model)) after building under empty init or meta, or load a checkpoint"
)
FIX_META = (
    "materialize it (model.to_empty(device=...)) and then initialize it (reset_parameters()/init_weights(), "
    "initguard.initialize(model)) or load_state_dict(checkpoint, assign=True)"
)
FIX_LAZY = "run one forward pass with a sample batch so lazy modules materialize, then initialize them"


def allow_snippets(name: str, flags: bool = False) -> str:
    """How to accept an intended PyTorch default for tensor ``name``: per module, per tensor, everywhere.

    ``flags=True``: the ``initguard check`` command-line flags instead of the API's keyword arguments.
    """
    module = name.rsplit(".", 1)[0] if "." in name else ""
    if flags:
        per_module = f"--allow '{module}.*' (this module), " if module else ""
        return f"{per_module}--allow '{name}' (this tensor) or --allow-default (every default-looking tensor)"
    per_module = f"allow=['{module}.*'] (this module), " if module else ""
    return (f"{per_module}allow=['{name}'] (this tensor) or allow_default=True (every default-init tensor), "
            "passed to check / assert_initialized or to the Lightning/HF callback")


def fix_default(name: str, label: str) -> str:
    """The fix text for a tensor that still holds PyTorch's default init: apply the init, or accept the default
    (per module, per tensor or everywhere) when it is the intended init. The same text for every tensor with the
    same default, so a report groups them under one fix line."""
    return (
        f"they still hold {label}: apply your init (e.g. model.apply(init_weights) or "
        "initguard.initialize(model)) or load a checkpoint; if PyTorch's default is the intended init, accept it "
        "per module (allow=['<module>.*']), per tensor (allow=['<tensor name>']) or everywhere "
        "(allow_default=True), in check / assert_initialized or the Lightning/HF callback"
    )

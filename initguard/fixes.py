"""Every fix text initguard writes: what to do about a tensor that is not initialized.

One place, so that the same situation gets the same advice from ``check()``, the checkpoint CLI,
``initialize()``, ``initguard.testing`` and the cross-rank check, and a report can group tensors under one
fix line.
"""

from __future__ import annotations

from initguard.report import DEFAULT

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


def fix_for_state(state: str, name: str, module_type: str, local_name: str, is_torch_module: bool) -> str:
    """The fix for a tensor that provenance (``track()``) saw left at PyTorch's default or never written."""
    if state == DEFAULT:
        return fix_default(name, f"{module_type}'s PyTorch default init")
    if is_torch_module:
        return FIX_UNINIT
    return (
        f"make your init cover it: add '{local_name}' of {module_type} to your init function "
        f"(_init_weights / reset_parameters / init_weights), or {FIX_UNINIT}"
    )


# ``initguard check`` (a saved file): problems are fixed by re-saving it, intended defaults accepted with its flags
FIX_CHECKPOINT_UNINITIALIZED = (
    "re-save the checkpoint from an initialized model: this file already holds the bad values"
)
FIX_CHECKPOINT_DEFAULT = (
    "re-save the checkpoint after your init ran; if PyTorch's default is intended here, accept it per "
    "module (--allow '<module>.*'), per tensor (--allow '<tensor name>') or everywhere (--allow-default)"
)

# initguard.distributed: replicas that differ across ranks, tensor sets that differ
FIX_RANKS_DIFFER = (
    "Seed every rank identically before building the model (torch.manual_seed(seed) / "
    "L.seed_everything(seed) / fabric.seed_everything(seed) on all ranks), run the initialization on "
    "every rank (not under `if rank == 0`), and initialize before wrapping with DDP, which broadcasts "
    "rank 0's values only at wrap time. Or broadcast explicitly: "
    "torch.distributed.broadcast(p.data, src=0) for each replicated tensor."
)
FIX_RANK_TENSOR_SETS = (
    "Build the same model on every rank: parameter names must not depend on the rank. Make any "
    "rank-dependent construction (e.g. `if rank == 0: self.extra = ...`) unconditional."
)

# initguard.initialize(): tensors no reset_parameters() wrote
FIX_NO_RESET_PARAMETERS = (
    "give {owner} a reset_parameters() that initializes its own parameters and buffers (FSDP contract), "
    "or initialize the tensor explicitly after initialize(); values assigned only in __init__ are lost "
    "under meta-device or empty_init construction"
)
FIX_RESET_PARAMETERS_MISSED = "make {owner}.reset_parameters() also write this tensor"

FIX_NON_PERSISTENT = (
    "a non-persistent buffer is not saved in checkpoints, so loading one cannot restore it: re-run the code that "
    "creates it (the module's reset_parameters() / init_weights() or its cache builder, e.g. via "
    "initguard.initialize(model)) after materializing the model"
)


def fix_init_incomplete(owners: list[str]) -> str:
    """``testing.assert_init_complete``: the init function leaves tensors unwritten on the meta-device path."""
    return (
        "initialize these tensors in the init function (e.g. add a branch for "
        f"{', '.join(owners)} to `_init_weights` / `init_weights`), or give the owning module a "
        "`reset_parameters()` that writes them (recompute buffers such as RoPE caches there too). "
        "Values set only in `__init__` are lost on the meta-device path. If a tensor is "
        "deliberately left for a later step (e.g. loaded from a checkpoint), pass allow=[name]."
    )


FIX_INIT_PARITY = (
    "make the init function reproduce the eager distribution for these tensors (same "
    "init function and std/bounds as the module's constructor or reset_parameters), or make eager "
    "construction call the same init function so both paths agree. Pass allow=[name] for "
    "tensors that differ on purpose."
)

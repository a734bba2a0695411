"""``initguard.initialize()`` (defined here): initialize a deferred-construction model the way the environment expects.

This is the fix for LitGPT issue 1150 as a library function.  A model built under
``fabric.init_module(empty_init=True)`` or ``torch.device("meta")`` has no values until something
writes them; the FSDP contract (pytorch PR 104189) says *each module's* ``reset_parameters()``
initializes *that module's own* parameters and buffers.  :func:`initialize` materialises the model
if it is on the meta device and then calls every module's ``reset_parameters()`` exactly once,
children before parents — including ``reset_parameters`` partials patched onto module *instances*
(LitGPT's ``init_weights`` does that) — and reports what no ``reset_parameters`` wrote.

When to use it in a pretrain script:

* single device / DDP, model built with ``fabric.init_module(empty_init=True)`` or on meta: call
  ``initialize(model, device)`` on the **fresh-run path** (no checkpoint, no resume) before
  ``fabric.setup``/DDP wrapping, on every rank, after seeding identically.  Do not call it after
  loading a checkpoint: it overwrites the loaded weights (flash-linear-attention PR 820).
* FSDP / ``fully_shard``: let the strategy materialise and initialize the shards (it calls
  ``reset_parameters`` per shard unit), then call :func:`initguard.assert_initialized`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import torch
from torch import nn

from initguard.fixes import FIX_NO_RESET_PARAMETERS, FIX_RESET_PARAMETERS_MISSED
from initguard.checksums import content_checksum as _fingerprint
from initguard.tensors import allowed, is_dtensor, own_tensors

__all__ = ["initialize", "InitializeReport", "Uncovered"]

_FIX_NO_RESET, _FIX_RESET_MISSED = FIX_NO_RESET_PARAMETERS, FIX_RESET_PARAMETERS_MISSED


@dataclass
class Uncovered:
    """A tensor that no ``reset_parameters()`` call wrote."""

    name: str
    kind: str  # "parameter" | "buffer"
    shape: tuple
    dtype: str
    module_type: str
    reason: str
    fix: str

    def describe(self) -> str:
        """One human-readable line."""
        return (
            f"{self.kind} {self.name!r} shape={list(self.shape)} {self.dtype} (owner {self.module_type}): "
            f"{self.reason}. Fix: {self.fix}"
        )


@dataclass
class InitializeReport:
    """What :func:`initialize` did.

    ``called``: module names whose ``reset_parameters()`` ran, in call order (``""`` is the root);
    ``materialized``: whether meta tensors were materialised and on which device;
    ``uncovered``: tensors no ``reset_parameters`` wrote (``problems`` is an alias);
    ``contract_violations``: ``reset_parameters`` calls that wrote tensors owned by another module;
    ``model_init``: the designer's whole-model init that ran after them (e.g. ``"GPT.apply(_init_weights)"``),
    or ``""``.
    """

    called: list = field(default_factory=list)
    materialized: bool = False
    device: str = ""
    uncovered: list = field(default_factory=list)
    contract_violations: list = field(default_factory=list)
    model_init: str = ""

    @property
    def ok(self) -> bool:
        """True when every checked tensor was written by some ``reset_parameters``."""
        return not self.uncovered

    @property
    def problems(self) -> list:
        """Alias of ``uncovered``."""
        return self.uncovered

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        head = (
            f"initguard.initialize: called reset_parameters() on {len(self.called)} module(s)"
            + (f" after materialising meta tensors on {self.device}" if self.materialized else "")
            + (f", then {self.model_init}" if self.model_init else "")
            + ("; every tensor covered." if self.ok else f"; {len(self.uncovered)} tensor(s) not covered:")
        )
        lines = [head] + [f"  - {u.describe()}" for u in self.uncovered]
        lines += [f"  note: {v}" for v in self.contract_violations]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-able dict."""
        return {
            "ok": self.ok,
            "called": list(self.called),
            "materialized": self.materialized,
            "device": self.device,
            "uncovered": [dict(vars(u), shape=list(u.shape)) for u in self.uncovered],
            "contract_violations": list(self.contract_violations),
            "model_init": self.model_init,
        }


class InitializationIncomplete(RuntimeError):
    """Raised by ``initialize(strict=True)``; ``.report`` is the :class:`InitializeReport`."""

    def __init__(self, report: InitializeReport):
        self.report = report
        super().__init__(str(report))


# ------------------------------------------------------------------------------------------ helpers
def _materialize(model: nn.Module, device: torch.device) -> set[int]:
    """Replace meta parameters/buffers by uninitialized tensors on ``device``, keeping tied tensors tied.

    (``nn.Module.to_empty`` unties shared parameters; this does the same materialisation per tensor
    object.)  Returns the ids of the new tensors.
    """
    memo: dict[int, torch.Tensor] = {}
    for module in model.modules():
        for name, p in list(module._parameters.items()):
            if p is None or p.device.type != "meta":
                continue
            new = memo.get(id(p))
            if new is None:
                data = torch.empty_like(p, device=device)
                new = nn.Parameter(data, requires_grad=p.requires_grad) if type(p) is nn.Parameter else (
                    type(p)(data, requires_grad=p.requires_grad)
                )
                memo[id(p)] = new
            module._parameters[name] = new
        for name, b in list(module._buffers.items()):
            if b is None or b.device.type != "meta":
                continue
            new = memo.get(id(b))
            if new is None:
                new = memo[id(b)] = torch.empty_like(b, device=device)
            module._buffers[name] = new
    return {id(t) for t in memo.values()}


def _poison(t: torch.Tensor) -> None:
    with torch.no_grad():
        d = t.detach()
        if d.is_floating_point() or d.is_complex():
            d.fill_(float("nan"))


def _post_order(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules children-first (in declaration order), each module object once."""
    out: list[tuple[str, nn.Module]] = []
    seen: set[int] = set()

    def visit(prefix: str, module: nn.Module) -> None:
        if id(module) in seen:
            return
        seen.add(id(module))
        for name, child in module.named_children():
            visit(f"{prefix}.{name}" if prefix else name, child)
        out.append((prefix, module))

    visit("", model)
    return out


# ---------------------------------------------------------------------------------------- initialize
def initialize(
    model: nn.Module,
    device: Any = None,
    *,
    strict: bool = False,
    buffers: bool = True,
    allow: Sequence[str] = (),
    model_init: Any = "auto",
) -> InitializeReport:
    """Materialise (if on meta) and initialize ``model`` with every module's own ``reset_parameters()``.

    Args:
        model: the model, typically built under ``torch.device("meta")`` or
            ``fabric.init_module(empty_init=True)``.
        device: where meta tensors are materialised (default: ``torch.get_default_device()``).
            Tensors already off meta stay where they are.
        strict: raise :class:`InitializationIncomplete` (a ``RuntimeError`` carrying ``.report``)
            when some tensor is not covered.
        buffers: also report buffers that were materialised from meta and not written (a buffer
            computed in ``__init__``, e.g. a RoPE cache, is garbage after materialisation).
        allow: names or fnmatch patterns of tensors that may stay uncovered.
        model_init: the designer's whole-model init, run after every ``reset_parameters()``.
            ``"auto"`` (default): the root's ``init_weights()`` when it takes no arguments (torchtitan
            style; Hugging Face ``PreTrainedModel.init_weights``, whose per-module "already initialized"
            flags are cleared first), else ``model.apply(model._init_weights)`` when the root has an
            ``_init_weights(module)`` (LitGPT's ``GPT``, Hugging Face); a callable: ``model_init(model)``;
            ``None``: only ``reset_parameters()``.

    Every module's ``reset_parameters`` (a method, or a callable patched onto the instance) is called
    exactly once, children before parents.  A tensor counts as covered when a call changed its
    version counter or its contents; materialised tensors are first filled with NaN so that any
    write is seen, independent of allocator contents.  Calls that write tensors of *other* modules
    (which breaks FSDP's per-module contract and double-initializes children) are listed in
    ``contract_violations``.  A ``reset_parameters`` that *replaces* a buffer or parameter (LitGPT's
    ``GPT.reset_parameters()`` rebuilds its RoPE cache) covers it.  Runs under ``torch.no_grad()``.

    Every covered tensor is marked as deliberately initialized (``provenance.mark_initialized``), so
    ``initialize(model); assert_initialized(model)`` passes without ``track()`` even where the result is
    PyTorch's per-module default (that is what ``reset_parameters()`` writes).

    Returns:
        :class:`InitializeReport` (falsy when something is uncovered).
    """
    has_meta = any(t.device.type == "meta" for t in list(model.parameters()) + list(model.buffers()))
    report = InitializeReport()
    materialized: set[int] = set()
    if has_meta:
        default = getattr(torch, "get_default_device", lambda: torch.device("cpu"))
        dev = torch.device(device) if device is not None else default()
        if any(is_dtensor(p) for p in model.parameters()):
            model.to_empty(device=dev)  # DTensor-aware (FSDP2); ties are the strategy's business
            materialized = {id(t) for t in list(model.parameters()) + list(model.buffers())}
        else:
            materialized = _materialize(model, dev)
        report.materialized, report.device = True, str(dev)

    order = _post_order(model)
    owner_of: dict[int, tuple[str, str, nn.Module, str]] = {}  # id -> (full name, kind, owner, local name)
    for mname, module in order:
        for kind, lname, t in own_tensors(module):
            owner_of.setdefault(id(t), (f"{mname}.{lname}" if mname else lname, kind, module, mname))
    tensors = {tid: t for _, m in order for _, _, t in own_tensors(m) for tid in [id(t)]}

    before: dict[int, tuple] = {}
    with torch.no_grad():
        for tid, t in tensors.items():
            if tid in materialized and (t.is_floating_point() or t.is_complex()):
                _poison(t)  # any write is visible as "not NaN"; no fingerprint needed
                continue
            before[tid] = _fingerprint(t)
        written: set[int] = set()
        for mname, module in order:
            reset = getattr(module, "reset_parameters", None)
            if not callable(reset):
                continue
            sub = {id(t): t for m in module.modules() for _, _, t in own_tensors(m)}
            versions = {tid: t._version for tid, t in sub.items()}
            reset()
            report.called.append(mname)
            own = {id(t) for _, _, t in own_tensors(module)}
            foreign = [
                owner_of[tid][0]
                for tid, t in sub.items()
                if tid not in own and t._version != versions[tid] and tid in owner_of
            ]
            if foreign:
                report.contract_violations.append(
                    f"{type(module).__name__} {mname or '<root>'!r}.reset_parameters() also wrote "
                    f"{', '.join(sorted(foreign))} owned by submodules (FSDP contract: each "
                    "reset_parameters() initializes only its module's own tensors; the submodules' "
                    "values were overwritten)"
                )
            written |= {tid for tid, t in sub.items() if t._version != versions[tid]}
        designer = _designer_init(model, model_init)
        if designer is not None:
            label, fn = designer
            cur = {id(t): t for _, m in order for _, _, t in own_tensors(m)}
            versions = {tid: t._version for tid, t in cur.items()}
            fn()
            report.model_init = label
            written |= {tid for tid, t in cur.items() if t._version != versions[tid]}

    covered: list = []  # (module, local name, tensor) to mark as deliberately initialized
    for mname, module in order:
        has_reset = callable(getattr(module, "reset_parameters", None))
        for kind, lname, t in own_tensors(module):
            tid = id(t)
            if tid not in owner_of:
                covered.append((module, lname, t))  # replaced by reset_parameters()/the model's init
                continue
            full = owner_of[tid][0]
            if owner_of[tid][2] is not module:
                continue
            n_before = len(report.uncovered)
            if _judge_one(report, module, kind, lname, t, full, tid, has_reset, allow, buffers, materialized,
                          written, before) or (len(report.uncovered) == n_before and tid in written):
                covered.append((module, lname, t))

    from initguard import provenance

    for module, lname, t in covered:
        provenance.mark_initialized(module, lname, t)
    if strict and report.uncovered:
        raise InitializationIncomplete(report)
    return report


def _designer_init(model: nn.Module, model_init: Any):
    """``(label, zero-argument callable)`` for the model's own whole-model init, or None."""
    if model_init is None or model_init is False:
        return None
    if callable(model_init):
        return getattr(model_init, "__name__", "model_init") + "(model)", lambda: model_init(model)
    if model_init != "auto":
        raise ValueError(f"model_init must be 'auto', None or a callable, got {model_init!r}")
    import inspect

    fn = getattr(model, "init_weights", None)
    if callable(fn):
        try:
            required = [
                p for p in inspect.signature(fn).parameters.values()
                if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            ]
        except (TypeError, ValueError):
            required = [None]
        if not required:
            def run():
                for m in model.modules():  # Hugging Face skips modules flagged as already initialized
                    if getattr(m, "_is_hf_initialized", False):
                        m._is_hf_initialized = False
                    for _, t in _own_tensors_plain(m):
                        if getattr(t, "_is_hf_initialized", False):
                            t._is_hf_initialized = False
                fn()
            return f"{type(model).__name__}.init_weights()", run
    fn = getattr(model, "_init_weights", None)
    if callable(fn):
        return f"{type(model).__name__}.apply(_init_weights)", lambda: model.apply(fn)
    return None


def _own_tensors_plain(module: nn.Module):
    for _, name, t in own_tensors(module):
        yield name, t


def _judge_one(report, module, kind, lname, t, full, tid, has_reset, allow, buffers, materialized, written,
               before) -> bool:
    """Add ``t`` to ``report.uncovered`` when nothing wrote it; True when some call wrote all of it."""
    if allowed(full, allow):
        return False
    if kind == "buffer" and (not buffers or tid not in materialized):
        return False  # buffers built eagerly keep their constructed values
    if tid in materialized and (t.is_floating_point() or t.is_complex()):
        n = t.numel()
        nan = int(torch.isnan(t.detach()).sum()) if n else 0
        if nan == 0:
            return True
        if nan < n or tid in written:
            what = "were not written" if nan < n else "were only updated in place (NaN stays NaN)"
            reason = f"{nan}/{n} elements {what} by reset_parameters()"
            report.uncovered.append(_uncovered(full, kind, t, module, reason, has_reset))
            return False
    elif tid in written or (tid in before and _fingerprint(t) != before[tid]):
        return True
    if has_reset and tid not in materialized:
        reason = (
            f"{type(module).__name__}.reset_parameters() did not change it (neither its version "
            "counter nor its bits; a rewrite of identical values through .data looks the same)"
        )
    elif has_reset:
        reason = f"{type(module).__name__}.reset_parameters() did not write it"
    else:
        reason = f"no reset_parameters() covers it ({type(module).__name__} has none)"
    report.uncovered.append(_uncovered(full, kind, t, module, reason, has_reset))
    return False


def _uncovered(
    name: str, kind: str, t: torch.Tensor, module: nn.Module, reason: str, has_reset: bool
) -> Uncovered:
    owner = type(module).__name__
    fix = (_FIX_RESET_MISSED if has_reset else _FIX_NO_RESET).format(owner=owner)
    return Uncovered(name, kind, tuple(t.shape), str(t.dtype).replace("torch.", ""), owner, reason, fix)

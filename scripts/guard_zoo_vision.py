"""The initguard vision zoo: timm and torchvision models, correct and with their init skipped.

Each model (``timm.create_model(name, pretrained=False)`` / ``torchvision.models.get_model(name, weights=None)``,
nothing downloaded, CPU) is built five ways, each untracked and under ``initguard.track()``:

* ``correct``: as the library builds it;
* ``skip_init``: the library's own init skipped: while the model is constructed, every ``torch.nn.init`` call and
  every in-place write (``normal_``, ``uniform_``, ``fill_``, ``zero_``, ``copy_``, ``mul_``, ...) on a parameter's
  storage is a no-op unless it comes from a PyTorch layer's constructor (``torch/nn/modules``). So torchvision's
  init loops in ``__init__`` and timm's ``init_weights`` / ``_init_weights`` / ``named_apply`` write nothing, and
  every layer keeps PyTorch's constructor default (the number of skipped calls is printed);
* ``garbage``: the same, with PyTorch's constructor writes skipped too: parameters keep ``torch.empty`` memory
  (whatever the allocator recycled) unless the library created them with values (``torch.zeros`` / ``randn``);
* ``meta``: built on the meta device, ``to_empty(device="cpu")``, no init at all.

Every build goes through ``initguard.assert_initialized`` and through the Lightning ``InitGuardCallback``
(``Trainer.fit``, one step, batch of one image, only reached when the guard lets training start). A correct
model must pass (a failure is listed as a finding and explained in docs/real-world.md); every skipped variant must
fail, except a ``skip_init`` build where the library's init made no write (nothing was skipped).

Run (needs timm, torchvision and lightning, see docs/real-world.md section 4)::

    python scripts/guard_zoo_vision.py [--json out.json] [--no-lightning] [timm:NAME | tv:NAME ...]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import warnings

import torch
from torch import nn

import initguard
from _zoo import finish  # scripts/ is on sys.path when a script here runs

TIMM_MODELS = [
    "resnet18", "resnet50d", "efficientnet_b0", "mobilenetv3_small_100", "mobilenetv4_conv_small", "regnetx_002",
    "regnety_002", "densenet121", "convnext_atto", "convnextv2_atto", "vit_tiny_patch16_224",
    "deit_tiny_patch16_224", "swin_tiny_patch4_window7_224", "maxvit_pico_rw_256", "mixer_s32_224",
    "efficientvit_b0", "mobilevit_xxs", "edgenext_xx_small", "poolformer_s12", "inception_next_atto",
    "eva02_tiny_patch14_224", "levit_128s", "tiny_vit_5m_224", "cspresnet50", "dla34",
]
TV_MODELS = [
    "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large", "efficientnet_b0",
    "efficientnet_v2_s", "shufflenet_v2_x0_5", "squeezenet1_0", "mnasnet0_5", "regnet_x_400mf", "regnet_y_400mf",
    "densenet121", "convnext_tiny", "swin_t", "swin_v2_t", "vit_b_16", "maxvit_t", "googlenet", "alexnet",
]
VARIANTS = ("correct", "skip_init", "garbage", "meta")
IMG = {"maxvit_pico_rw_256": 256}

_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_TORCH_MODULES = os.path.join(_TORCH_DIR, "nn", "modules") + os.sep
_PASS_THROUGH = (os.path.dirname(initguard.__file__) + os.sep, os.path.abspath(__file__))
_WRITES = ("normal_", "uniform_", "fill_", "zero_", "copy_", "mul_", "add_", "sub_", "div_", "clamp_", "erfinv_",
           "exponential_", "log_normal_", "random_", "bernoulli_", "geometric_", "cauchy_", "masked_fill_")


def _from_pytorch_layer() -> bool:
    """True when the nearest caller outside torch internals / initguard / this file is a PyTorch layer."""
    f = sys._getframe(2)
    while f is not None:
        fn = f.f_code.co_filename
        if fn.startswith(_TORCH_MODULES):
            return True
        if fn.startswith(_TORCH_DIR) or fn.startswith(_PASS_THROUGH):
            f = f.f_back
            continue
        return False
    return True


@contextlib.contextmanager
def skipped_init(keep_pytorch_defaults: bool):
    """Construction where the library's writes to parameters (and, if not keep_pytorch_defaults, PyTorch's) no-op."""
    storages: set = set()
    counts = {"skipped": 0}
    saved = []

    def param_storage(t) -> bool:
        try:
            return t.numel() > 0 and t.untyped_storage().data_ptr() in storages
        except Exception:  # noqa: BLE001 - meta / sparse / odd tensors: not a parameter we track
            return False

    def skip(t) -> bool:
        if not isinstance(t, torch.Tensor) or not param_storage(t):
            return False
        if keep_pytorch_defaults and _from_pytorch_layer():
            return False
        counts["skipped"] += 1
        return True

    orig_new = nn.Parameter.__new__

    def new(cls, data=None, requires_grad=True):
        p = orig_new(cls, data, requires_grad)
        with contextlib.suppress(Exception):
            if p.numel():
                storages.add(p.untyped_storage().data_ptr())
        return p

    saved.append((nn.Parameter, "__new__", orig_new))
    nn.Parameter.__new__ = staticmethod(new)
    for name in dir(nn.init):
        fn = getattr(nn.init, name)
        if name.endswith("_") and not name.startswith("_") and callable(fn):
            def wrapped(tensor, *a, _fn=fn, **k):
                return tensor if skip(tensor) else _fn(tensor, *a, **k)
            saved.append((nn.init, name, fn))
            setattr(nn.init, name, wrapped)
    for name in _WRITES:
        meth = getattr(torch.Tensor, name)

        def wrapped_m(self, *a, _m=meth, **k):
            return self if skip(self) else _m(self, *a, **k)
        saved.append((torch.Tensor, name, meth))
        setattr(torch.Tensor, name, wrapped_m)
    try:
        yield counts
    finally:
        for obj, name, val in reversed(saved):
            setattr(obj, name, val)


def create(spec: str, device=None):
    lib, name = spec.split(":", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if lib == "timm":
            import timm

            return timm.create_model(name, pretrained=False, **({"device": device} if device else {}))
        import torchvision

        kw = {"init_weights": True} if name in ("googlenet", "inception_v3") else {}
        if device is not None:
            with torch.device(device):
                return torchvision.models.get_model(name, weights=None, **kw)
        return torchvision.models.get_model(name, weights=None, **kw)


def build(spec: str, variant: str):
    """(model, skipped init calls or None)."""
    if variant == "meta":
        m = create(spec, device="meta")
        return m.to_empty(device="cpu"), None
    if variant == "correct":
        return create(spec), None
    with skipped_init(keep_pytorch_defaults=variant == "skip_init") as counts:
        m = create(spec)
    return m, counts["skipped"]


def via_lightning(model, size: int) -> str:
    """'passed' (fit ran one step), 'raised' (NotInitializedError at on_train_start) or 'error: ...'."""
    import lightning as L

    from initguard.integrations.lightning import InitGuardCallback

    class Lit(L.LightningModule):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def training_step(self, batch, _i):
            out = self.net(batch[0])
            if isinstance(out, (tuple, list)):
                out = out[0]
            out = getattr(out, "logits", out)
            return out.float().square().mean()

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=1e-3)

    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(1, 3, size, size)), batch_size=1)
    cb = InitGuardCallback()
    trainer = L.Trainer(max_steps=1, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, callbacks=[cb])
    try:
        trainer.fit(Lit(model), data)
    except initguard.NotInitializedError:
        return "raised"
    except Exception as e:  # noqa: BLE001 - reported, not hidden
        why = f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
        if cb.report is not None and cb.report.ok:  # the guard let training start; the step itself failed
            return f"passed (then the training step failed: {why})"
        return f"error: {why}"
    return "passed"


def one(spec: str, lightning: bool) -> dict:
    out: dict = {"model": spec}
    size = IMG.get(spec.split(":", 1)[1], 224)
    for variant in VARIANTS:
        for tracked in (False, True):
            key = f"{variant}{'_tracked' if tracked else ''}"
            torch.manual_seed(0)
            try:
                with initguard.track() if tracked else contextlib.nullcontext():
                    m, skipped = build(spec, variant)
                try:
                    initguard.assert_initialized(m)
                    asserted = "passed"
                except initguard.NotInitializedError:
                    asserted = "raised"
                r = initguard.check(m)
                lit = via_lightning(m, size) if lightning else None
            except Exception as e:  # noqa: BLE001 - a model this script cannot build: reported, not counted
                out[key] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:160] if str(e) else ''}"}
                continue
            out[key] = {
                "ok": r.ok, "assert": asserted, "lightning": lit, "skipped_calls": skipped,
                "checked": r.checked, "share": list(r.default_share),
                "problems": [f"{p.name} {p.verdict}: {p.reason[:100]}" for p in r.problems],
                "default_like": list(r.default_like), "too_small": len(r.too_small),
            }
            del m
    return out


def _cell(v: dict) -> str:
    if "error" in v:
        return "ERR"
    sh = v.get("share") or [0, 0]
    verdict = "pass" if v["ok"] else f"FAIL {len(v['problems'])}"
    lit_v = v.get("lightning") or ""
    lit = " (step failed after the guard passed)" if lit_v.startswith("passed (") else (
        " L!" if lit_v.startswith("error") else "")
    lit_v = "passed" if lit_v.startswith("passed") else lit_v
    agree = "" if (v["assert"] == "passed") == v["ok"] and lit_v in (
        "", "passed" if v["ok"] else "raised") else " DISAGREE"
    return f"{verdict} {sh[0]}/{sh[1]}{lit}{agree}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*")
    ap.add_argument("--json")
    ap.add_argument("--no-lightning", action="store_true")
    args = ap.parse_args(argv)
    models = args.models or [f"timm:{n}" for n in TIMM_MODELS] + [f"tv:{n}" for n in TV_MODELS]
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    import logging

    logging.getLogger("lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    rows = []
    t0 = time.time()
    keys = [f"{v}{t}" for v in VARIANTS for t in ("", "_tracked")]
    print("| model | " + " | ".join(keys) + " | skipped calls |")
    print("|---" * (len(keys) + 2) + "|")
    for spec in models:
        t1 = time.time()
        r = one(spec, lightning=not args.no_lightning)
        rows.append(r)
        sk = r.get("skip_init", {}).get("skipped_calls")
        print(f"| {spec} | " + " | ".join(_cell(r.get(k, {"error": 1})) for k in keys)
              + f" | {sk} | {time.time() - t1:.0f}s", flush=True)
        for k in keys:
            v = r.get(k, {})
            if "error" in v:
                print(f"    {k}: {v['error']}", flush=True)
            elif k.startswith("correct") and v.get("problems"):
                print(f"    {k}: " + "; ".join(v["problems"][:6])
                      + (f" (+{len(v['problems']) - 6} more)" if len(v["problems"]) > 6 else ""), flush=True)
            if k.startswith("correct") and v.get("default_like"):
                print(f"    {k} default-like (note, not failed): {len(v['default_like'])}: "
                      f"{', '.join(v['default_like'][:6])}", flush=True)
            if (v.get("lightning") or "").startswith(("error", "passed (")):
                print(f"    {k} lightning: {v['lightning']}", flush=True)
    flagged = [f"{r['model']}:{k}" for r in rows for k in ("correct", "correct_tracked")
               if "error" not in r.get(k, {"error": 1}) and not r[k]["ok"]]
    missed = [f"{r['model']}:{k}" for r in rows for k in keys if not k.startswith("correct")
              if "error" not in r.get(k, {"error": 1}) and r[k]["ok"]]
    disagree = [f"{r['model']}:{k}" for r in rows for k in keys if "DISAGREE" in _cell(r.get(k, {"error": 1}))]
    return finish(rows, args.json, f"{len(rows)} models; correct builds flagged: {flagged or 'none'}; skipped "
                  f"variants passing: {missed or 'none'}; assert/Lightning disagreeing with check: "
                  f"{disagree or 'none'}; {time.time() - t0:.0f} s")


if __name__ == "__main__":
    sys.exit(main())

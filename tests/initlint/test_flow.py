"""INIT101–INIT104 through the engine API: each case is a small script and the exact (line, code) findings.

Lines are those of the dedented snippet; ``FLOW`` selects only the INIT1xx rules so INIT0xx rules written
elsewhere cannot change these expectations.
"""

from __future__ import annotations

import textwrap

import pytest

from initlint import Config, lint_source

FLOW = Config(select=("INIT1", "INIT9"))


def run(src: str, config: Config = FLOW):
    return lint_source(textwrap.dedent(src).lstrip("\n"), "script.py", config)


def codes(src: str, config: Config = FLOW):
    return sorted((f.line, f.code) for f in run(src, config))


CASES = {
    # ------------------------------------------------------------------ INIT101: origins
    "fabric empty init, never initialized": ("""
        def main(fabric, cfg):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            model = fabric.setup(model)
            fit(model)
        """, [(3, "INIT101")]),
    "skip_init": ("""
        import torch
        layer = torch.nn.utils.skip_init(torch.nn.Linear, 4, 4)
        opt = torch.optim.SGD(layer.parameters(), lr=1)
        layer(torch.ones(4)).sum().backward()
        """, [(2, "INIT101")]),
    "meta then to_empty on a chained construction": ("""
        import torch
        def main():
            model = Net(device="meta").to_empty(device="cuda")
            loss = model(x).sum()
            loss.backward()
        """, [(3, "INIT101")]),
    "set_default_device meta": ("""
        import torch
        def main():
            torch.set_default_device("meta")
            model = Net()
            torch.set_default_device("cuda")
            model.to_empty(device="cuda")
            trainer.fit(model)
        """, [(6, "INIT101")]),
    "to_empty makes an eager model uninitialized again": ("""
        def main():
            model = Net()
            model.to_empty(device="cuda")
            trainer.fit(model)
        """, [(3, "INIT101")]),
    "meta model that is never materialized is not reported (fails loudly)": ("""
        import torch
        def main():
            with torch.device("meta"):
                model = Net()
            trainer.fit(model)
        """, []),
    "deferred_init then materialize_module": ("""
        from torchdistx.deferred_init import deferred_init, materialize_module
        def main():
            model = deferred_init(Net, 10)
            materialize_module(model)
            trainer.fit(model)
        """, []),
    "init_empty_weights + load_checkpoint_and_dispatch": ("""
        from accelerate import init_empty_weights, load_checkpoint_and_dispatch
        def main(cfg, ckpt):
            with init_empty_weights():
                model = AutoModelForCausalLM.from_config(cfg)
            model = load_checkpoint_and_dispatch(model, ckpt, device_map="auto")
            trainer.fit(model)
        """, []),
    "conditional empty_init is the FSDP convention (silent by default)": ("""
        def main(fabric, cfg):
            with fabric.init_module(empty_init=(fabric.world_size > 1)):
                model = GPT(cfg)
            fit(model)
        """, []),
    "empty_init=False is eager": ("""
        def main(fabric, cfg):
            with fabric.init_module(empty_init=False):
                model = GPT(cfg)
            fit(model)
        """, []),
    # ------------------------------------------------------------------ INIT101: control flow
    "if/elif/else: one branch forgets": ("""
        def main(fabric, cfg, resume, init_from):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if resume:
                fabric.load(resume, {"model": model})
            elif init_from:
                fabric.load_raw(init_from, model)
            elif cfg.fresh:
                model.apply(init_fn)
            fit(model)
        """, [(3, "INIT101")]),
    "if/elif/else: all branches initialize or load": ("""
        def main(fabric, cfg, resume, init_from):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if resume:
                fabric.load(resume, {"model": model})
            elif init_from:
                fabric.load_raw(init_from, model)
            else:
                model.apply(init_fn)
            fit(model)
        """, []),
    "same test twice is one decision": ("""
        def main(fabric, cfg, resume):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if not resume:
                model.reset_parameters()
            print("setting up")
            if resume:
                fabric.load(resume, {"model": model})
            fit(model)
        """, []),
    "reassigned between tests: no longer the same decision": ("""
        def main(fabric, cfg, resume):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if not resume:
                model.reset_parameters()
            resume = find_resume(resume)
            if resume:
                fabric.load(resume, {"model": model})
            fit(model)
        """, [(3, "INIT101")]),
    "is None tests pair with truthiness": ("""
        def main(fabric, cfg, ckpt):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if ckpt is not None:
                fabric.load_raw(ckpt, model)
            if not ckpt:
                model.apply(init_fn)
            fit(model)
        """, []),
    "early return and raise leave the path": ("""
        def main(fabric, cfg, ckpt):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if ckpt is None:
                return
            fabric.load_raw(ckpt, model)
            fit(model)
        """, []),
    "loop that may not run": ("""
        def main(fabric, cfg, ckpts):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            for ckpt in ckpts:
                fabric.load_raw(ckpt, model)
            fit(model)
        """, [(3, "INIT101")]),
    "continue/break inside loops": ("""
        def main(fabric, cfg, ckpts):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            model.apply(init_fn)
            for ckpt in ckpts:
                if not ckpt.exists():
                    continue
                fabric.load_raw(ckpt, model)
                break
            fit(model)
        """, []),
    "try: load, except: initialize": ("""
        import torch
        def main(cfg, path):
            with torch.device("meta"):
                model = GPT(cfg)
            model.to_empty(device="cuda")
            try:
                model.load_state_dict(torch.load(path))
            except FileNotFoundError:
                model.reset_parameters()
            trainer.fit(model)
        """, []),
    "try: load, except: pass": ("""
        import torch
        def main(cfg, path):
            with torch.device("meta"):
                model = GPT(cfg)
            model.to_empty(device="cuda")
            try:
                model.load_state_dict(torch.load(path))
            except FileNotFoundError:
                pass
            trainer.fit(model)
        """, [(5, "INIT101")]),
    "module-level script with __main__ guard": ("""
        import torch
        with torch.device("meta"):
            model = GPT()
        model.to_empty(device="cpu")
        if __name__ == "__main__":
            opt = torch.optim.AdamW(model.parameters())
            model(x).sum().backward()
            opt.step()
        """, [(4, "INIT101")]),
    "objects not engaged in training are not reported": ("""
        import torch
        def main():
            probe = torch.nn.utils.skip_init(torch.nn.Linear, 4, 4)
            print(probe)
            model = Net()
            model(x).sum().backward()
        """, []),
    # ------------------------------------------------------------------ helpers judged by their bodies
    "helper that only assigns reset_parameters": ("""
        from functools import partial
        def set_inits(model):
            def init(m, std):
                m.weight.data.normal_(0, std)
            for mod in model.modules():
                mod.reset_parameters = partial(init, mod, std=0.02)
        def main(fabric, cfg):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            set_inits(model)
            fit(fabric.setup(model))
        """, [(9, "INIT101")]),
    "helper whose nested def is called": ("""
        def setup_weights(model):
            def init(m):
                m.weight.data.normal_(0, 0.02)
            for mod in model.modules():
                init(mod)
        def main(fabric, cfg):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            setup_weights(model)
            fit(fabric.setup(model))
        """, []),
    "helper may initialize on some path": ("""
        def maybe_init(fabric, model):
            if not fabric.is_fsdp:
                model.apply(init_fn)
        def main(fabric, cfg):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            maybe_init(fabric, model=model)
            fit(fabric.setup(model))
        """, []),
    "training start inside a same-file function": ("""
        def loop(state):
            for batch in state["data"]:
                state["opt"].step()
        def main(fabric, cfg):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            model, opt = fabric.setup(model, make_opt())
            loop({"model": model, "opt": opt})
        """, [(6, "INIT101")]),
    "a same-file function named train that does not train": ("""
        def train(cfg):
            print(cfg)
        def main(fabric, cfg):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            train(cfg)
            fabric.load_raw(cfg.ckpt, model)
            fit(model)
        """, []),
    "imported helpers judged by name": ("""
        from mylib import initialize_weights, load_checkpoint
        def main(fabric, cfg, ckpt):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if ckpt:
                load_checkpoint(fabric, model, ckpt)
            else:
                initialize_weights(model)
            fit(model)
        """, []),
    "tuple unpacking and aliases": ("""
        import torch
        def main(cfg):
            model = torch.nn.utils.skip_init(GPT, cfg)
            compiled = torch.compile(model)
            net, opt = accelerator.prepare(compiled, make_opt())
            net.train()
            accelerator.backward(net(x).loss)
        """, [(3, "INIT101")]),
    # ------------------------------------------------------------------ INIT102
    "init on meta tensors before to_empty": ("""
        import torch
        def main():
            with torch.device("meta"):
                model = Net()
            model.apply(init_fn)
            model.to_empty(device="cuda")
            trainer.fit(model)
        """, [(5, "INIT102"), (6, "INIT101")]),
    "init of an eager model inside a meta context is real": ("""
        import torch
        def main():
            model = Net()
            with torch.device("meta"):
                model.apply(init_fn)
            trainer.fit(model)
        """, []),
    # ------------------------------------------------------------------ INIT103
    "non-strict load with the result kept": ("""
        import torch
        def main():
            model = torch.nn.utils.skip_init(Net)
            result = model.load_state_dict(torch.load("x.pt"), strict=False)
            assert not result.missing_keys
            trainer.fit(model)
        """, []),
    "non-strict load into an initialized model": ("""
        import torch
        def main():
            model = Net()
            model.load_state_dict(torch.load("x.pt"), strict=False)
        """, []),
    "non-strict load helper": ("""
        import torch
        from mylib import load_checkpoint
        def main(fabric, cfg):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            load_checkpoint(fabric, model, "x.pth", strict=False)
            fit(model)
        """, [(6, "INIT103")]),
    "non-strict DCP set_model_state_dict": ("""
        import torch
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_model_state_dict
        def main(sd):
            with torch.device("meta"):
                model = GPT()
            model.to_empty(device="cuda")
            set_model_state_dict(model, sd, options=StateDictOptions(strict=False))
            fit(model)
        """, [(7, "INIT103")]),
    # ------------------------------------------------------------------ INIT104
    "init after load on the resume path": ("""
        from mylib import reset_parameters
        def main(fabric, resume):
            model = GPT()
            if resume:
                fabric.load(resume, {"model": model})
            reset_parameters(model)
            fit(model)
        """, [(6, "INIT104")]),
    "sub-module re-init after load is deliberate": ("""
        import torch
        def main(path):
            model = GPT()
            model.load_state_dict(torch.load(path))
            model.lm_head.reset_parameters()
            fit(model)
        """, []),
    "from_pretrained then init_weights is not INIT104": ("""
        def main():
            model = AutoModel.from_pretrained("gpt2")
            model.init_weights()
            fit(model)
        """, []),
    "load result used as a test is undecided": ("""
        def main(model_path):
            model = GPT()
            if not load_checkpoint(model, model_path):
                model.apply(init_fn)
            fit(model)
        """, []),
    "a same-file builder returns an uninitialized model": ("""
        import torch
        def build(cfg, device):
            with torch.device("meta"):
                model = GPT(cfg)
            model.to_empty(device=device)
            return model
        def main(cfg, resume):
            model = build(cfg, "cuda")
            if resume:
                model.load_state_dict(torch.load(resume))
            trainer.fit(model)
        """, [(5, "INIT101")]),
    "a builder that initializes on one path only is not trusted either way": ("""
        import torch
        def build(cfg, fresh):
            model = torch.nn.utils.skip_init(GPT, cfg)
            if fresh:
                model.reset_parameters()
                return model
            return model
        def main(cfg):
            trainer.fit(build(cfg, True))
        """, []),
    "DDP .module is the model": ("""
        import torch
        from torch.nn.parallel import DistributedDataParallel as DDP
        def main(resume):
            model = torch.nn.utils.skip_init(GPT)
            model = DDP(model)
            if resume:
                model.module.load_state_dict(torch.load(resume))
            else:
                model.module.apply(init_fn)
            model(x).sum().backward()
        """, []),
    "trainer.train() trains even when the trainer is a parameter": ("""
        import torch
        def run(trainer, cfg):
            model = torch.nn.utils.skip_init(GPT, cfg)
            trainer.model = model
            trainer.train(model)
        """, [(3, "INIT101")]),
    "Lightning docs: load_from_checkpoint inside trainer.init_module(empty_init=True)": ("""
        import lightning as L
        def main(ckpt):
            trainer = L.Trainer(max_epochs=3)
            with trainer.init_module(empty_init=True):
                model = LitModel.load_from_checkpoint(ckpt)
            trainer.fit(model)
        """, []),
    "apply with an imported or lambda function of unknown purpose after a load": ("""
        import torch
        from helpers import convert_bn
        def main(path):
            model = Net()
            model.load_state_dict(torch.load(path))
            model.apply(convert_bn)
            model.apply(lambda m: setattr(m, "eps", 1e-5))
            fit(model)
        """, []),
    "apply with an imported init function after a load": ("""
        import torch
        from helpers import weights_init
        def main(path):
            model = Net()
            model.load_state_dict(torch.load(path))
            model.apply(weights_init)
            fit(model)
        """, [(6, "INIT104")]),
    "assert rules out the fresh path": ("""
        def main(fabric, cfg, resume, init_ckpt):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            assert resume or init_ckpt, "this script needs a checkpoint"
            if resume:
                fabric.load(resume, {"model": model})
            if init_ckpt:
                fabric.load_raw(init_ckpt, model)
            fit(model)
        """, []),
    "assert of something else keeps the path": ("""
        def main(fabric, cfg, resume):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            assert cfg.n_layer > 0
            if resume:
                fabric.load(resume, {"model": model})
            fit(model)
        """, [(3, "INIT101")]),
    "non-strict load whose result goes to _": ("""
        import torch
        def main():
            model = torch.nn.utils.skip_init(Net)
            _ = model.load_state_dict(torch.load("x.pt"), strict=False)
        """, [(4, "INIT103")]),
    "load_model(model, path) loads into its argument": ("""
        from mylib import load_model
        def main(fabric, cfg, path):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            load_model(model, path)
            fit(model)
        """, []),
    "zeroing gradients or copying EMA weights after a load is not a re-initialization": ("""
        import torch
        def main(path, ema):
            model = Net()
            model.load_state_dict(torch.load(path))
            for p in model.parameters():
                if p.grad is not None:
                    p.grad.zero_()
            for name, p in model.named_parameters():
                p.data.copy_(ema[name])
            fit(model)
        """, []),
    "zeroing every weight after a load is": ("""
        import torch
        def main(path):
            model = Net()
            model.load_state_dict(torch.load(path))
            for p in model.parameters():
                p.data.zero_()
            fit(model)
        """, [(6, "INIT104")]),
    "initializing only the modules a checkpoint lacks is selective": ("""
        import torch
        import torch.nn as nn
        def main(path):
            model = Net()
            sd = torch.load(path)
            model.load_state_dict(sd, strict=False)
            for name, m in model.named_modules():
                if f"{name}.weight" not in sd and isinstance(m, nn.Linear):
                    nn.init.normal_(m.weight, std=0.02)
            fit(model)
        """, []),
    "transformers: loaded tensors marked _is_hf_initialized, then initialize_weights()": ("""
        def finalize(model, ckpt_dir):
            load_model_checkpoint_distributed(model, ckpt_dir)
            for tensor in model.state_dict(keep_vars=True).values():
                tensor._is_hf_initialized = True
            model.initialize_weights()
        class Mixin:
            def _finalize(self, ckpt_dir):
                _load_model_checkpoint_distributed(self, ckpt_dir)
                self.initialize_weights()
        """, []),
    # ------------------------------------------------------------------ regressions from real-world runs
    "torchtitan 0.3: init_states() may initialize (silent)": ("""
        import torch
        def test_moe():
            with torch.device("meta"):
                native_moe = moe_config.build()
            native_moe.to_empty(device=torch.device("cuda"))
            native_moe.init_states(buffer_device=torch.device("cuda"))
            native_moe(x).sum().backward()
        """, []),
    "litgpt chat: a helper resetting a kv cache after load is not INIT104": ("""
        def process_prompt(model):
            for block in model.transformer.h:
                block.attn.kv_cache.reset_parameters()
        def main(fabric, ckpt):
            model = GPT()
            load_checkpoint(fabric, model, ckpt)
            process_prompt(model)
        """, []),
    "litgpt tp: meta model loaded on its rank, then a kv-cache reset": ("""
        import torch
        def main(fabric, config, ckpt):
            with fabric.init_tensor(), torch.device("meta"):
                model = GPT(config)
            for rank in range(fabric.world_size):
                if fabric.global_rank == rank:
                    model.load_state_dict(torch.load(ckpt), assign=True)
                fabric.barrier()
            for i in range(3):
                for block in model.transformer.h:
                    block.attn.kv_cache.reset_parameters()
        """, []),
    "whole-model init on meta on only some paths is not INIT102": ("""
        import torch
        def main(on_device):
            with torch.device("meta"):
                model = GPT()
            if on_device:
                model.to_empty(device="cuda")
            model.apply(init_fn)
        """, []),
}


@pytest.mark.parametrize("name", list(CASES))
def test_case(name):
    src, expected = CASES[name]
    assert codes(src) == sorted(expected)


def test_message_names_variable_build_training_and_condition():
    (f,) = run("""
        def main(fabric, cfg, initial_checkpoint_dir, resume):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if initial_checkpoint_dir:
                fabric.load_raw(initial_checkpoint_dir / "lit_model.pth", model)
            state = {"model": model, "iter_num": 0}
            if resume:
                fabric.load(resume, state)
            fit(fabric, state)
        """)
    assert f.code == "INIT101" and f.line == 3
    assert f.message.startswith("`model` (built inside `fabric.init_module(empty_init=True)`, line 3) reaches training "
                                "at line 9 (`fit(...)`) uninitialized when `initial_checkpoint_dir` is falsy and "
                                "`resume` is falsy.")
    assert "reset_parameters()" in f.fix and "load a checkpoint" in f.fix


def test_message_loop_and_none_conditions():
    (f,) = run("""
        def main(fabric, cfg, ckpts, extra):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if extra is not None:
                fabric.load_raw(extra, model)
            for c in ckpts:
                fabric.load_raw(c, model)
            fit(model)
        """)
    assert "when `extra` is None and `ckpts` is empty (the loop body does not run)" in f.message


def test_message_init104_names_load_line_and_condition():
    (f,) = run(CASES["init after load on the resume path"][0])
    expected = "re-initializes `model` after it was loaded at line 5 (`fabric.load(...)`) when `resume` is truthy"
    assert expected in f.message


def test_conditional_empty_init_option():
    src = CASES["conditional empty_init is the FSDP convention (silent by default)"][0]
    config = Config(select=("INIT1",), conditional_empty_init=True)
    assert codes(src, config) == [(3, "INIT101")]
    # under the convention fabric.setup() materializes with reset_parameters(): only uses before it count
    assert codes(src.replace("fit(model)", "fit(fabric.setup(model))"), config) == []
    litgpt_lora = """
        def main(fabric, cfg, ckpt):
            with fabric.init_module(empty_init=(fabric.world_size > 1)):
                model = GPT(cfg)
            mark_only_lora_as_trainable(model)
            model = fabric.setup_module(model)
            load_checkpoint(fabric, model, ckpt, strict=False)
            fit(fabric, model)
        """
    assert codes(litgpt_lora, config) == []
    before_setup = "\n".join(line for line in litgpt_lora.splitlines() if "setup_module" not in line)
    assert codes(before_setup, config) == [(5, "INIT103")]


def test_configurable_train_calls():
    src = """
        import torch
        def main():
            model = torch.nn.utils.skip_init(Net)
            run_epochs(model)
        """
    assert codes(src) == []
    assert codes(src, Config(select=("INIT1",), train_calls=("run_epochs",))) == [(3, "INIT101")]


def test_configurable_init_helpers():
    src = """
        import torch
        from mylib import warm_start
        def main():
            model = torch.nn.utils.skip_init(Net)
            warm_start(model)
            model(x).sum().backward()
        """
    assert codes(src) == [(4, "INIT101")]
    assert codes(src, Config(select=("INIT1",), init_helpers=("warm_*",))) == []


def test_many_branches_stay_bounded_and_silent_when_merged():
    branches = "\n".join(f"    if flag{i}:\n        print({i})" for i in range(60))
    src = (
        "import torch\n"
        "def main():\n"
        "    model = torch.nn.utils.skip_init(Net)\n"
        f"{branches}\n"
        "    if a:\n        model.reset_parameters()\n"
        + "\n".join(f"    if g{i}:\n        model{i} = Net()" for i in range(40))
        + "\n    model(x).sum().backward()\n"
    )
    # (how long this takes is measured in benchmarks/, not asserted here)
    found = lint_source(src, "big.py", FLOW)
    assert all(f.code != "INIT900" for f in found)


def test_no_internal_errors_on_odd_syntax():
    src = """
        import torch
        async def main(*args, **kw):
            with torch.device("meta") as d, open(f) as g:
                [a, *b] = model = Net()
                model.to_empty(device=d)
            async with lock:
                (yield)
            match cmd:
                case {"x": x, **rest} if x:
                    model.reset_parameters()
                case [1, 2, *others]:
                    pass
            del model[0], b
            lambda: model.apply(f)
            global q
            x: int = 3
            x += model
            await (model := other)
            return [m for m in model.modules()]
        """
    found = run(src)
    assert all(f.code != "INIT900" for f in found), found


def test_irrelevant_decisions_stay_out_of_the_condition():
    """litgpt 0.5's torch-2.7 workaround ``if (A or B) and C and D: ...`` must not appear in the message."""
    (f,) = run("""
        def main(fabric, cfg, resume):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            model = fabric.setup(model)
            if resume:
                fabric.load(resume, {"model": model})
            if (_T27 or _T28) and (model._forward_module.kind == "x") and (model.other == "y"):
                from torch.distributed.fsdp._runtime_utils import _root_pre_forward
                _root_pre_forward(model, model, [], {})
            if fabric.global_rank == 0:
                print("go")
            fit(fabric, model)
        """)
    assert "when `resume` is falsy." in f.message, f.message


# ---------------------------------------------------------------------- generated scripts
from ._optional_hypothesis import HealthCheck, given, settings  # noqa: E402
from ._optional_hypothesis import st  # noqa: E402

_LEAF = st.sampled_from([
    "model.apply(init_fn)", "model.reset_parameters()", "fabric.load(resume, state)",
    "fabric.load_raw(ckpt, model)", "model.load_state_dict(sd, strict=False)", "model.to_empty(device='cpu')",
    "model = fabric.setup(model)", "state = {'model': model}", "fit(fabric, state)", "loss.backward()",
    "return", "raise SystemExit", "resume = find(resume)", "continue", "break", "pass",
    "model, opt = fabric.setup(model, opt)", "helper(model)", "x = model(batch)", "assert resume or ckpt",
])
_TEST = st.sampled_from(
    ["resume", "not resume", "ckpt is None", "resume and ckpt", "a or not b", "fabric.is_global_zero"]
)


def _block(children):
    def render(kind, test, body, other):
        inner = "\n".join("    " + line for stmt in body for line in stmt.splitlines()) or "    pass"
        alt = "\n".join("    " + line for stmt in other for line in stmt.splitlines()) or "    pass"
        if kind == "if":
            return f"if {test}:\n{inner}\nelse:\n{alt}"
        if kind == "for":
            return f"for batch in loader:\n{inner}"
        if kind == "while":
            return f"while {test}:\n{inner}"
        if kind == "try":
            return f"try:\n{inner}\nexcept OSError:\n{alt}\nfinally:\n    pass"
        return f"with torch.device('meta'):\n{inner}"
    return st.builds(render, st.sampled_from(["if", "for", "while", "try", "with"]), _TEST,
                     st.lists(children, min_size=1, max_size=3), st.lists(children, max_size=2))


_STMT = st.recursive(_LEAF, _block, max_leaves=12)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_STMT, min_size=1, max_size=6))
def test_generated_scripts_never_crash_and_are_deterministic(stmts):
    body = "\n".join("    " + line for stmt in stmts for line in stmt.splitlines())
    src = (
        "import torch\n"
        "def helper(m):\n    if m.fresh:\n        m.apply(init_fn)\n"
        "def main(fabric, resume, ckpt, sd, loader):\n"
        "    with fabric.init_module(empty_init=True):\n        model = GPT()\n"
        f"{body}\n"
        "    fit(fabric, model)\n"
    )
    first = lint_source(src, "gen.py", FLOW)
    assert not [f for f in first if f.code in ("INIT900", "INIT901")], (first, src)
    assert lint_source(src, "gen.py", FLOW) == first

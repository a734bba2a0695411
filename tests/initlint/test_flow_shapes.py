"""INIT101–INIT104 on the shapes of real training code (issue 13): each shape has a bad script with its exact
findings and a good twin (the bad script with the edits that fix it) that must stay silent.

Lines are those of the dedented snippet; only the INIT1xx rules (and INIT9xx) run.
"""

from __future__ import annotations

import textwrap

import pytest

from initlint import Config, lint_source

from ._twins import twin

FLOW = Config(select=("INIT1", "INIT9"))


def run(src: str, config: Config = FLOW):
    return lint_source(textwrap.dedent(src).lstrip("\n"), "script.py", config)


def codes(src: str, config: Config = FLOW):
    return sorted((f.line, f.code) for f in run(src, config))


#: seven decisions about the learning rate: 128 paths if each forked
_UNRELATED = "".join(f"        if cfg.opt{i}:\n            lr{i} = {i}\n        else:\n            wd{i} = 0.1\n"
                     for i in range(7))[8:]

#: a meta model materialized, loaded on resume, then initialized by ``apply(partial(...))`` on every path
_PARTIAL_INIT = """
        import torch
        from functools import partial
        def init_fn(m, std):
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.normal_(m.weight, std=std)
        def main(cfg):
            with torch.device("meta"):
                model = Transformer(cfg)
            model.to_empty(device="cuda")
            if cfg.resume:
                model.load_state_dict(torch.load(cfg.resume))
            model.apply(partial(init_fn, std=0.02))
            trainer.fit(model)
        """

#: a meta model materialized, handed to a checkpointer that loads it when it finds a checkpoint, then initialized
_CHECKPOINTER = """
        import torch
        def main(cfg):
            with torch.device("meta"):
                model = Transformer(cfg)
            model.to_empty(device="cuda")
            ckpt = CheckpointManager(model_parts=[model], folder=cfg.folder)
            ckpt.load(step=-1)
            model.init_weights()
            trainer.fit(model)
        """

#: the most common fix: initialize right after materializing (in a function body, one level deep)
INIT_AFTER_TO_EMPTY = (
    '    model.to_empty(device="cuda")\n',
    '    model.to_empty(device="cuda")\n    model.init_weights()\n',
)

#: name -> (bad source, its findings, the edits that make its good twin)
SHAPES = {
    "trainer class: model in self.model, built in __init__, trained in train()": ("""
        import torch
        class Trainer:
            def __init__(self, cfg):
                with torch.device("meta"):
                    self.model = Transformer(cfg)
                self.model.to_empty(device="cuda")
                if cfg.checkpoint:
                    self.model.load_state_dict(torch.load(cfg.checkpoint))
                self.optimizer = torch.optim.AdamW(self.model.parameters())

            def train(self):
                for batch in self.loader:
                    loss = self.model(batch).sum()
                    loss.backward()
                    self.optimizer.step()
        """, [(6, "INIT101")], [
            (
                "            self.model.load_state_dict(torch.load(cfg.checkpoint))\n",
                "            self.model.load_state_dict(torch.load(cfg.checkpoint))\n"
                "        else:\n"
                "            self.model.init_weights()\n",
            ),
        ]),
    "trainer class: self._model built in setup(), main() drives setup and train": ("""
        import torch
        class Recipe:
            def __init__(self, cfg):
                self.cfg = cfg

            def setup(self):
                with torch.device("meta"):
                    model = Transformer(self.cfg)
                model.to_empty(device="cuda")
                self._model = model

            def load(self, path):
                self._model.load_state_dict(torch.load(path))

            def train(self):
                opt = torch.optim.AdamW(self._model.parameters())
                for batch in self.loader:
                    self._model(batch).sum().backward()
                    opt.step()

        def main(cfg):
            recipe = Recipe(cfg)
            recipe.setup()
            if cfg.resume:
                recipe.load(cfg.resume)
            recipe.train()
        """, [(9, "INIT101")], [
            (
                "        model.to_empty(device=\"cuda\")\n",
                "        model.to_empty(device=\"cuda\")\n"
                "        model.init_weights()\n",
            ),
        ]),
    "trainer class: list of model parts": ("""
        import torch
        class Trainer:
            def __init__(self, cfg, checkpoint):
                with torch.device("meta"):
                    model = Transformer(cfg)
                model.to_empty(device="cuda")
                self.model_parts = [model]
                if checkpoint:
                    checkpoint.load(self.model_parts)

            def train(self):
                for batch in self.loader:
                    for m in self.model_parts:
                        m(batch).sum().backward()
        """, [(6, "INIT101")], [
            (
                "        model.to_empty(device=\"cuda\")\n",
                "        model.to_empty(device=\"cuda\")\n"
                "        with torch.no_grad():\n"
                "            model.init_weights()\n",
            ),
        ]),
    "model reassigned by an unknown call, then to_empty": ("""
        import torch
        def main(cfg, parallelize_fn):
            with torch.device("meta"):
                model = Transformer(cfg)
            model = parallelize_fn(model, cfg)
            model.to_empty(device="cuda")
            trainer.fit(model)
        """, [(6, "INIT101")], [INIT_AFTER_TO_EMPTY]),
    "model class held in a variable": ("""
        import torch
        def main(cfg):
            model_cls = MODELS[cfg.name]
            with torch.device("meta"):
                model = model_cls(cfg)
            model.to_empty(device="cuda")
            trainer.fit(model)
        """, [(6, "INIT101")], [INIT_AFTER_TO_EMPTY]),
    "apply(partial(init_fn, ...))": (_PARTIAL_INIT, [(12, "INIT104")], [
            (
                "    model.apply(partial(init_fn, std=0.02))\n",
                "",
            ),
            (
                "    model.to_empty(device=\"cuda\")\n",
                "    model.to_empty(device=\"cuda\")\n"
                "    model.apply(partial(init_fn, std=0.02))\n",
            ),
        ]),
    "apply(partial(init_fn, ...)) missing on the fresh path": (
        twin(_PARTIAL_INIT, ("            model.apply(partial(init_fn, std=0.02))\n", "")), [(9, "INIT101")], [
            (
                "        model.load_state_dict(torch.load(cfg.resume))\n",
                "        model.load_state_dict(torch.load(cfg.resume))\n"
                "    else:\n"
                "        model.apply(partial(init_fn, std=0.02))\n",
            ),
        ]),
    "checkpointer object (loads only when it finds a checkpoint)": (
        twin(_CHECKPOINTER, ("            model.init_weights()\n", "")), [(5, "INIT101")], [INIT_AFTER_TO_EMPTY]),
    "checkpointer object: re-initialized after its load": (_CHECKPOINTER, [(8, "INIT104")], [
            (
                "    model.init_weights()\n",
                "",
            ),
            (
                "    model.to_empty(device=\"cuda\")\n",
                "    model.to_empty(device=\"cuda\")\n"
                "    model.init_weights()\n",
            ),
        ]),
    "FSDP param_init_fn with to_empty(recurse=False) on a meta model": ("""
        import torch
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
        def main(cfg):
            with torch.device("meta"):
                model = Transformer(cfg)
            model = FSDP(model, param_init_fn=lambda m: m.to_empty(device="cuda", recurse=False),
                         sync_module_states=False)
            opt = torch.optim.AdamW(model.parameters())
            model(x).sum().backward()
        """, [(6, "INIT101")], [
            (
                "                 sync_module_states=False)\n",
                "                 sync_module_states=False)\n"
                "    model.apply(init_weights)\n",
            ),
        ]),
    "meta chosen by a config value": ("""
        import torch
        def main(cfg):
            cfg.init_device = "meta"
            with torch.device(cfg.init_device):
                model = Transformer(cfg)
            model.to_empty(device="cuda")
            trainer.fit(model)
        """, [(6, "INIT101")], [INIT_AFTER_TO_EMPTY]),
    "sub-module loop: isinstance + to_empty, initialized in the loop": ("""
        import torch
        def main(cfg, sd):
            with torch.device("meta"):
                model = LoraModel(cfg)
            model.load_state_dict(sd, strict=False, assign=True)
            for m in model.modules():
                if isinstance(m, LoRALinear):
                    m.lora_a.to_empty(device="cuda")
                    m.lora_b.to_empty(device="cuda")
            trainer.fit(model)
        """, [(9, "INIT101")], [
            (
                "            m.lora_b.to_empty(device=\"cuda\")\n",
                "            m.lora_b.to_empty(device=\"cuda\")\n"
                "            m.initialize_parameters()\n",
            ),
        ]),
    "same-file factory inside the meta context": ("""
        import torch
        import torch.nn as nn
        def build(cfg):
            return nn.Sequential(nn.Linear(cfg.d, cfg.d), nn.ReLU())
        def main(cfg):
            with torch.device("meta"):
                model = build(cfg)
            model = model.to_empty(device="cpu")
            trainer.fit(model)
        """, [(8, "INIT101")], [
            (
                "    model = model.to_empty(device=\"cpu\")\n",
                "    model = model.to_empty(device=\"cpu\")\n"
                "    for m in model.modules():\n"
                "        if isinstance(m, nn.Linear):\n"
                "            m.reset_parameters()\n",
            ),
        ]),
    "eager model re-initialized by a modules() loop after the resume load": ("""
        import torch
        def main(cfg):
            model = Transformer(cfg)
            if cfg.resume:
                model.load_state_dict(torch.load(cfg.resume))
            for m in model.modules():
                if hasattr(m, "reset_parameters"):
                    m.reset_parameters()
            trainer.fit(model)
        """, [(8, "INIT104")], [
            (
                "            m.reset_parameters()\n",
                "            m.reset_parameters()\n"
                "    if cfg.resume:\n"
                "        model.load_state_dict(torch.load(cfg.resume))\n",
            ),
            (
                "    model = Transformer(cfg)\n"
                "    if cfg.resume:\n"
                "        model.load_state_dict(torch.load(cfg.resume))\n",
                "    model = Transformer(cfg)\n",
            ),
        ]),
    "eager model re-initialized by a same-file reset_all(model) after the resume load": ("""
        import torch
        def reset_all(model):
            for m in model.modules():
                if hasattr(m, "reset_parameters"):
                    m.reset_parameters()
        def main(cfg):
            model = Transformer(cfg)
            if cfg.resume:
                model.load_state_dict(torch.load(cfg.resume))
            reset_all(model)
            trainer.fit(model)
        """, [(10, "INIT104")], [
            (
                "    reset_all(model)\n",
                "",
            ),
            (
                "    model = Transformer(cfg)\n",
                "    model = Transformer(cfg)\n"
                "    reset_all(model)\n",
            ),
        ]),
    "eager model re-initialized by model.apply(init_fn) after the resume load": ("""
        import torch
        def init_fn(m):
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.normal_(m.weight, std=0.02)
        def main(cfg):
            model = Transformer(cfg)
            if cfg.resume:
                model.load_state_dict(torch.load(cfg.resume))
            model.apply(init_fn)
            trainer.fit(model)
        """, [(9, "INIT104")], [
            (
                "    model.apply(init_fn)\n",
                "",
            ),
            (
                "    model = Transformer(cfg)\n",
                "    model = Transformer(cfg)\n"
                "    model.apply(init_fn)\n",
            ),
        ]),
    "same-file helper that initializes on only some paths": ("""
        import torch
        def initialize(model, flag):
            if flag:
                model.reset_parameters()
        def main(cfg):
            with torch.device("meta"):
                model = Transformer(cfg)
            model.to_empty(device="cuda")
            initialize(model, cfg.init)
            trainer.fit(model)
        """, [(8, "INIT101")], [
            (
                "        model.reset_parameters()\n",
                "        model.reset_parameters()\n"
                "    else:\n"
                "        model.apply(init_fn)\n",
            ),
        ]),
    "unrelated decisions do not fork paths (module-level script past the path cap)": ("""
        import torch
        cfg = parse()
        with torch.device("meta"):
            model = Transformer(cfg)
        model.to_empty(device="cuda")
        """ + _UNRELATED + """
        if cfg.resume:
            model.load_state_dict(torch.load(cfg.resume))
        trainer.fit(model)
        """, [(5, "INIT101")], [
            (
                "    model.load_state_dict(torch.load(cfg.resume))\n",
                "    model.load_state_dict(torch.load(cfg.resume))\n"
                "else:\n"
                "    model.init_weights()\n",
            ),
        ]),
    "FSDP strategy check: setup() materializes under FSDP": ("""
        import torch
        def main(fabric, cfg):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if isinstance(fabric.strategy, FSDPStrategy):
                print("sharded")
            model = fabric.setup(model)
            fit(fabric, model)
        """, [(4, "INIT101")], [
            (
                "    if isinstance(fabric.strategy, FSDPStrategy):\n"
                "        print(\"sharded\")\n",
                "    if not isinstance(fabric.strategy, FSDPStrategy):\n"
                "        reset_parameters(model)\n",
            ),
            (
                "import torch\n",
                "import torch\n"
                "from litgpt.utils import reset_parameters\n",
            ),
        ]),
}


@pytest.mark.parametrize("name", list(SHAPES))
def test_bad(name):
    bad, expected, _edits = SHAPES[name]
    assert codes(bad) == sorted(expected)


@pytest.mark.parametrize("name", list(SHAPES))
def test_good_twin(name):
    bad, _expected, edits = SHAPES[name]
    assert codes(twin(textwrap.dedent(bad).lstrip("\n"), *edits)) == []


def test_message_names_the_ordinary_fresh_path_and_only_deciding_conditions():
    """``resume is True`` picks the latest checkpoint; it changes nothing tracked, so it is no condition: the
    fresh run is simply ``resume`` falsy (issue 13: a message said "when resume is True is true and resume is
    falsy", leaving out the ordinary ``resume=False`` run). A check that raises is no condition either."""
    (f,) = run("""
        def main(fabric, cfg, resume):
            with fabric.init_module(empty_init=True):
                model = GPT(cfg)
            if cfg.devices < 1:
                raise ValueError("devices")
            if resume is True:
                resume = find_latest(cfg.out_dir)
            if resume:
                fabric.load(resume, {"model": model})
            fit(fabric, model)
        """)
    assert f.code == "INIT101" and f.line == 3
    assert "uninitialized when `resume` is falsy." in f.message, f.message
    assert "is True" not in f.message and "devices" not in f.message


def test_sub_module_loop_message_is_the_same_under_every_hash_seed(tmp_path):
    """torchtune's ``isinstance(m, LoRALinear) or isinstance(m, DoRALinear)`` loop: the message named one class or
    the other from run to run (a set's order depends on PYTHONHASHSEED). It names the test on the path that
    emptied the sub-modules, in every process."""
    import os
    import subprocess
    import sys

    script = tmp_path / "lora.py"
    script.write_text(textwrap.dedent("""
        import torch
        from torchtune.modules.peft import DoRALinear, LoRALinear

        def main(cfg, base_model_state_dict=None):
            with torch.device("meta"):
                model = build_model(cfg)
            if base_model_state_dict is not None:
                model.load_state_dict(base_model_state_dict, strict=False, assign=True)
            for m in model.modules():
                if isinstance(m, LoRALinear) or isinstance(m, DoRALinear):
                    m.to_empty(device="cpu")
            train(model)
        """))
    outputs = set()
    for seed in ("0", "1", "2", "3", "4", "5"):
        proc = subprocess.run([sys.executable, "-m", "initlint", "--no-cache", "--concise", str(script)],
                              capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed})
        assert proc.returncode == 1, proc.stderr
        outputs.add(proc.stdout)
    (out,) = outputs
    assert "INIT101" in out and "`isinstance(m, LoRALinear)` sub-modules" in out

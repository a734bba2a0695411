"""INIT101-INIT104 with helpers from other files (issue 13 item 3): multi-file projects built in tmp_path.

Each shape has a bad project (reported, at the line named) and a silent twin that differs only in the
behaviour the rule judges. Imported code is judged by its body when it resolves (project index summaries).
"""

from __future__ import annotations

from pathlib import Path

from ._project import _summary_cache, findings, line_of, write  # noqa: F401 - the fixture applies to every test here


def found(path: Path) -> set[tuple[int, str]]:
    return findings(path, "INIT1")


# ------------------------------------------------------------------ a training step inherited from another file
BASE_TRAINER = """
    class Trainer:
        def __init__(self, cfg):
            self.cfg = cfg
            self.fwd_bwd = self._fwd_bwd_body

        def forward_backward_step(self, batch):
            return self.fwd_bwd(batch)

        def _fwd_bwd_body(self, batch):
            loss = self.model_parts[0](batch).sum()
            loss.backward()
            return loss
"""

FT_TRAINER = """
    import torch
    from pkg.base import Trainer


    class FTTrainer(Trainer):
        def __init__(self, cfg):
            with torch.device("meta"):
                model = Transformer(cfg)
            model.to_empty(device="cuda")
            {init}
            self.model_parts = [model]
            self.checkpointer = cfg.checkpoint.build(model_parts=self.model_parts)

        def train(self):
            self.checkpointer.load(step=-1)
            for batch in self.cfg.batches:
                self.forward_backward_step(batch)
"""


def test_training_step_inherited_from_another_file(tmp_path):
    init = "model.init_weights()"
    root = write(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": BASE_TRAINER,
                            "pkg/ft.py": FT_TRAINER.replace("{init}", "pass")})
    bad = root / "pkg/ft.py"
    assert found(bad) == {(line_of(bad, "model.to_empty"), "INIT101")}
    good = write(tmp_path / "good", {"pkg/__init__.py": "", "pkg/base.py": BASE_TRAINER,
                                     "pkg/ft.py": FT_TRAINER.replace("{init}", init)}) / "pkg/ft.py"
    assert found(good) == set()


def test_inherited_method_that_does_not_train_stays_silent(tmp_path):
    base = BASE_TRAINER.replace("loss.backward()", "pass").replace("self.model_parts[0](batch)", "batch")
    root = write(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": base,
                            "pkg/ft.py": FT_TRAINER.replace("{init}", "pass")})
    assert found(root / "pkg/ft.py") == set()


def test_unresolved_base_class_stays_silent(tmp_path):
    root = write(tmp_path, {"pkg/__init__.py": "", "pkg/ft.py": FT_TRAINER.replace("{init}", "pass")})
    assert found(root / "pkg/ft.py") == set()  # pkg.base does not exist: the training step is unknown


# ------------------------------------------------------------------ cast(Base, model).init_states() judged by Base
BASE_MODEL = """
    from torch import nn


    class BaseModel(nn.Module):
        def init_states(self, buffer_device=None):
            self._init_self_parameters()

        def _init_self_parameters(self):
            for p in self.parameters():
                nn.init.normal_(p)
"""

SCRIPT = """
    from typing import cast

    import torch
    from pkg.base import BaseModel


    def main(cfg, load):
        with torch.device("meta"):
            model = Transformer(cfg)
        model.to_empty(device="cuda")
        {meta_init}
        if load:
            model.load_state_dict(torch.load(cfg.path))
        {init}
        train(model)


    def train(model):
        model(1).sum().backward()
"""


def _script(meta_init="pass", init="pass"):
    return SCRIPT.replace("{meta_init}", meta_init).replace("{init}", init)


def test_init_states_judged_by_the_imported_base_class(tmp_path):
    # an initialization after the load: reported as INIT104 because BaseModel.init_states initializes every weight
    bad = write(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": BASE_MODEL,
                           "pkg/run.py": _script(meta_init="cast(BaseModel, model).init_states()",
                                                 init="cast(BaseModel, model).init_states()")}) / "pkg/run.py"
    lines = bad.read_text().splitlines()
    second = max(n for n, text in enumerate(lines, 1) if "init_states" in text)
    assert found(bad) == {(second, "INIT104")}
    good = write(tmp_path / "good", {"pkg/__init__.py": "", "pkg/base.py": BASE_MODEL,
                                     "pkg/run.py": _script(meta_init="cast(BaseModel, model).init_states()")})
    assert found(good / "pkg/run.py") == set()


def test_init_states_that_does_not_initialize_stays_a_maybe(tmp_path):
    base = BASE_MODEL.replace("nn.init.normal_(p)", "print(p.shape)")
    path = write(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": base,
                            "pkg/run.py": _script(meta_init="cast(BaseModel, model).init_states()",
                                                  init="cast(BaseModel, model).init_states()")}) / "pkg/run.py"
    assert found(path) == set()  # not an initialization by its body: may or may not write, stay silent


# ------------------------------------------------------------------ a may-initialize call on the meta model
META_MAYBE = """
    import torch


    def main(cfg):
        with torch.device("meta"):
            model = Transformer(cfg)
            {inside}
        model.to_empty(device="cuda")
        {after}
        model(1).sum().backward()
"""


def test_maybe_init_on_meta_then_trained_uninitialized_is_init102(tmp_path):
    bad = write(tmp_path, {"run.py": META_MAYBE.replace("{inside}", "model.init_states()")
                           .replace("{after}", "pass")}) / "run.py"
    assert found(bad) == {(line_of(bad, "model.init_states"), "INIT102"), (line_of(bad, "to_empty"), "INIT101")}
    good = write(tmp_path / "good", {"run.py": META_MAYBE.replace("{inside}", "pass")
                                     .replace("{after}", "model.init_states()")}) / "run.py"
    assert found(good) == set()


# ------------------------------------------------------------------ loads through trainer objects built from the model
OLMO = """
    import torch


    def main(config):
        model = config.model.build(init_device="meta")
        train_module = config.train_module.build(model)
        trainer = config.trainer.build(train_module, config.data)
        if config.load_path:
            trainer.load_checkpoint(config.load_path)
        {init}
        trainer.fit()
"""


def test_reinit_after_load_through_a_trainer_object(tmp_path):
    bad = write(tmp_path, {"run.py": OLMO.replace("{init}", "model.init_weights()")}) / "run.py"
    assert found(bad) == {(line_of(bad, "model.init_weights"), "INIT104")}
    good = write(tmp_path / "good", {"run.py": OLMO.replace("{init}", "pass")}) / "run.py"
    assert found(good) == set()


COMPOSER = """
    from composer import Trainer
    from llmfoundry.utils.builders import build_composer_model


    def train(cfg):
        model = build_composer_model(cfg)
        trainer = Trainer(model=model, load_path={path})
        {init}
        trainer.fit()
"""


def test_reinit_of_wrapped_model_after_trainer_load_path(tmp_path):
    bad = write(tmp_path, {"run.py": COMPOSER.replace("{path}", "cfg.load_path")
                           .replace("{init}", "model.model.apply(model.model.param_init_fn)")}) / "run.py"
    assert found(bad) == {(line_of(bad, "model.model.apply"), "INIT104")}
    no_load = write(tmp_path / "a", {"run.py": COMPOSER.replace("{path}", "None")
                                     .replace("{init}", "model.model.apply(model.model.param_init_fn)")}) / "run.py"
    assert found(no_load) == set()
    no_init = write(tmp_path / "b", {"run.py": COMPOSER.replace("{path}", "cfg.load_path")
                                     .replace("{init}", "pass")}) / "run.py"
    assert found(no_init) == set()

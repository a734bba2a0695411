"""INIT003 and owners in other files: a child built by a class of another file of the package (peft's
``PolyLayer.update_layer`` building ``get_router(config)`` into a ModuleDict by key) and initialized there.

Real multi-file packages on disk in tmp_path, linted through the public API; nothing is mocked.
"""

from __future__ import annotations

from pathlib import Path

from initlint import Config, lint_file

from ._project import _summary_cache, write  # noqa: F401 - the fixture applies to every test here

ROUTER = """
    from abc import ABC, abstractmethod

    import torch
    from torch import nn


    def get_router(config):
        if config.kind == "poly":
            return PolyRouter(config)
        raise ValueError(config.kind)


    class Router(nn.Module, ABC):
        @abstractmethod
        def reset(self): ...


    class PolyRouter(Router):
        def __init__(self, config):
            super().__init__()
            self.module_logits = nn.Parameter(torch.empty((config.n_tasks, config.n_skills)))

        def reset(self):
            torch.nn.init.uniform_(self.module_logits, -1e-3, 1e-3)

        def forward(self, task_ids):
            return torch.sigmoid(self.module_logits[task_ids])
"""

LAYER = """
    import torch
    from torch import nn

    from .router import get_router


    class TunerLayer:
        pass


    class PolyLayer(TunerLayer):
        def __init__(self, base_layer):
            self.base_layer = base_layer
            self.poly_router = nn.ModuleDict()

        def update_layer(self, name, config):
            self.poly_router[name] = get_router(config)
            self.reset_poly_parameters(name, config.init_weights)

        def reset_poly_parameters(self, name, init_weights):
            {reset}


    class Linear(nn.Module, PolyLayer):
        def __init__(self, base_layer, name, config):
            super().__init__()
            PolyLayer.__init__(self, base_layer)
            self.update_layer(name, config)
"""


def _project(tmp_path: Path, reset: str, import_from: str = ".router") -> Path:
    layer = LAYER.replace("{reset}", reset).replace("from .router import", f"from {import_from} import")
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/poly/__init__.py": "",
        "pkg/poly/router.py": ROUTER,
        "pkg/poly/layer.py": layer,
        "pkg/other.py": "def get_router(config):\n    return None\n",
    })
    return tmp_path / "pkg/poly/router.py"


def _init003(path: Path) -> list[int]:
    return [f.line for f in lint_file(str(path), Config()) if f.code == "INIT003"]


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_child_built_by_a_factory_in_another_file_and_reset_there_is_not_init003(tmp_path):
    router = _project(tmp_path, "self.poly_router[name].reset()")
    assert _init003(router) == []
    # INIT001 stays: nothing re-runs reset() under deferred init
    assert {f.code for f in lint_file(str(router), Config())} == {"INIT001"}


def test_the_owner_in_another_file_that_never_initializes_the_child_leaves_init003(tmp_path):
    router = _project(tmp_path, "self.poly_router[name].train(bool(init_weights))")
    assert _init003(router) == [_line(router, "self.module_logits = nn.Parameter")]


def test_a_factory_of_the_same_name_in_another_module_does_not_count(tmp_path):
    # layer.py imports ``get_router`` from pkg/other.py: its children are not PolyRouters
    router = _project(tmp_path, "self.poly_router[name].reset()", import_from="..other")
    assert _init003(router) == [_line(router, "self.module_logits = nn.Parameter")]


def test_the_result_cache_goes_stale_when_the_owner_file_changes(tmp_path, monkeypatch):
    from initlint import cli

    _project(tmp_path, "self.poly_router[name].reset()")
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)

    def run() -> int:
        return cli.main(["--cache-dir", str(tmp_path / "findings"), "--select", "INIT003", "pkg/poly/router.py"])

    assert run() == 0
    layer = tmp_path / "pkg/poly/layer.py"
    layer.write_text(layer.read_text().replace("self.poly_router[name].reset()", "pass"))
    assert run() == 1  # router.py did not change, but the owner that initialized its child did

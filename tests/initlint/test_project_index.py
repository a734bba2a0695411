"""The project index: module rules judged with the code of other files (multi-file projects in tmp_path).

Every project here is real source on disk, linted through the public API, the CLI runner and flake8's
plugin; nothing is mocked. The summary cache goes to a per-test directory.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from initlint import lint_file
from initlint.project.resolver import ModuleResolver

from ._project import _summary_cache, findings, line_of, write  # noqa: F401 - the fixture applies to every test here


def codes(path: Path, **cfg) -> set[tuple[int, str]]:
    return findings(path, "INIT0", **cfg)


BASE = """
    import torch
    from torch import nn

    class BaseLayer(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(d, d))
            self.reset_parameters()

        def reset_parameters(self):
            nn.init.normal_(self.weight)
"""


# ---------------------------------------------------------------------- resolver
def test_resolver_relative_absolute_src_and_namespace(tmp_path):
    write(tmp_path, {
        "pyproject.toml": "",
        "src/pkg/__init__.py": "",
        "src/pkg/a.py": "",
        "src/pkg/sub/__init__.py": "",
        "src/pkg/sub/b.py": "",
        "src/nspkg/mod.py": "",  # namespace package: no __init__.py
        "src/pkg/c.pyi": "",
    })
    r = ModuleResolver(sys_path=[])
    b = str(tmp_path / "src/pkg/sub/b.py")
    assert r.resolve(b, "a", 2) == str(tmp_path / "src/pkg/a.py")
    assert r.resolve(b, "pkg.a") == str(tmp_path / "src/pkg/a.py")
    assert r.resolve(b, "pkg.sub") == str(tmp_path / "src/pkg/sub/__init__.py")
    assert r.resolve(b, "nspkg.mod") == str(tmp_path / "src/nspkg/mod.py")
    assert r.resolve(b, "pkg.c") is None  # stubs hold no code
    assert r.resolve(b, "does.not.exist") is None


def test_resolver_reads_installed_packages_as_text():
    import importlib.util

    torch_dir = Path(importlib.util.find_spec("torch").origin).parent  # not imported, like the resolver
    r = ModuleResolver()
    found = r.resolve(str(Path(__file__)), "torch.nn.modules.linear")
    assert found is not None and Path(found).resolve() == (torch_dir / "nn/modules/linear.py").resolve()


# ---------------------------------------------------------------------- cross-file bases
def test_class_whose_base_is_a_module_in_another_file_is_checked(tmp_path):
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/base.py": BASE,
        "pkg/lora.py": """
            import torch
            from torch import nn
            from .base import BaseLayer

            class LoraLayer(BaseLayer):
                def __init__(self, d, r):
                    super().__init__(d)
                    self.lora_A = nn.Parameter(torch.zeros(r, d))

            class CoveredLayer(BaseLayer):
                def __init__(self, d, r):
                    super().__init__(d)
                    self.lora_B = nn.Parameter(torch.zeros(r, d))

                def reset_parameters(self):
                    super().reset_parameters()
                    nn.init.zeros_(self.lora_B)
        """,
    })
    lora = tmp_path / "pkg/lora.py"
    # BaseLayer.reset_parameters (read from base.py) is LoraLayer's path and misses lora_A
    assert codes(lora) == {(line_of(lora, "self.lora_A ="), "INIT002")}


def test_unresolvable_base_stays_silent(tmp_path):
    write(tmp_path, {"pkg/__init__.py": "", "pkg/x.py": """
        import torch
        from torch import nn
        from somewhere_unknown import Mystery

        class Layer(Mystery):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.zeros(3))
    """})
    assert codes(tmp_path / "pkg/x.py") == set()


# ---------------------------------------------------------------------- init in another file
LAYER = """
    import torch
    from torch import nn

    class Mixer(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.A_log = nn.Parameter(torch.log(torch.arange(1, n + 1, dtype=torch.float32)))
            self.D = nn.Parameter(torch.ones(n))
"""


def model_file(branch: str) -> str:
    return f"""
        from torch import nn
        from ..layers import Mixer

        class PreTrained(nn.Module):
            def _init_weights(self, module):
                if isinstance(module, nn.Linear):
                    nn.init.normal_(module.weight)
                elif isinstance(module, Mixer):
{textwrap.indent(textwrap.dedent(branch).strip(), ' ' * 20)}
    """


def test_layer_initialized_by_the_init_weights_of_a_model_in_another_file(tmp_path):
    write(tmp_path, {
        "lib/__init__.py": "", "lib/layers.py": LAYER, "lib/models/__init__.py": "",
        "lib/models/modeling.py": model_file("""
            module.A_log.data.copy_(module.A_log.new_ones(module.A_log.shape))
            nn.init.ones_(module.D)
        """),
    })
    assert codes(tmp_path / "lib/layers.py") == set()


def test_model_in_another_file_that_misses_a_parameter_is_named(tmp_path):
    write(tmp_path, {
        "lib/__init__.py": "", "lib/layers.py": LAYER, "lib/models/__init__.py": "",
        "lib/models/modeling.py": model_file("nn.init.ones_(module.D)"),
    })
    layers = tmp_path / "lib/layers.py"
    findings = [f for f in lint_file(str(layers)) if f.code == "INIT002"]
    assert [(f.line, f.code) for f in findings] == [(line_of(layers, "self.A_log ="), "INIT002")]
    assert "PreTrained._init_weights" in findings[0].message and "A_log" in findings[0].message


def _apply_project(root: Path, writes_gain: bool) -> Path:
    extra = "\n    if hasattr(module, 'gain'):\n        nn.init.ones_(module.gain)" if writes_gain else ""
    return write(root, {
        "lib/__init__.py": "",
        "lib/param_init_fns.py": (
            "from torch import nn\n\n\ndef generic_init(module):\n"
            "    if isinstance(module, nn.Linear):\n        nn.init.normal_(module.weight)" + extra + "\n"
        ),
        "lib/model.py": """
            import torch
            from torch import nn
            from .param_init_fns import generic_init

            class Block(nn.Module):
                def __init__(self, d):
                    super().__init__()
                    self.proj = nn.Linear(d, d)
                    self.gain = nn.Parameter(torch.empty(d))
                    self.apply(generic_init)
        """,
    }) / "lib/model.py"


def test_apply_of_an_init_function_from_another_file(tmp_path):
    model = _apply_project(tmp_path / "a", writes_gain=False)
    # generic_init (read from param_init_fns.py) writes no `gain`: it stays torch.empty garbage
    assert (line_of(model, "self.gain ="), "INIT003") in codes(model)
    model = _apply_project(tmp_path / "b", writes_gain=True)
    assert not {c for _l, c in codes(model)} & {"INIT003"}


# ---------------------------------------------------------------------- transformers' base _init_weights, read
def _hf_tree(root: Path, base_body: str, llama_extra: str = "") -> Path:
    return write(root, {
        "transformers/__init__.py": "",
        "transformers/modeling_utils.py": f"""
            from torch import nn

            class PreTrainedModel(nn.Module):
                def _init_weights(self, module):
{textwrap.indent(textwrap.dedent(base_body).strip(), ' ' * 20)}
        """,
        "transformers/models/__init__.py": "",
        "transformers/models/llama/__init__.py": "",
        "transformers/models/llama/modeling_llama.py": f"""
            import torch
            from torch import nn
            from ...modeling_utils import PreTrainedModel

            class LlamaRMSNorm(nn.Module):
                def __init__(self, hidden_size, eps=1e-6):
                    super().__init__()
                    self.weight = nn.Parameter(torch.ones(hidden_size))

            class LlamaPreTrainedModel(PreTrainedModel):
                def _init_weights(self, module):
                    std = 0.02
                    if isinstance(module, nn.Linear):
                        module.weight.data.normal_(mean=0.0, std=std)
                    elif isinstance(module, nn.Embedding):
                        module.weight.data.normal_(mean=0.0, std=std)
{textwrap.indent(textwrap.dedent(llama_extra).strip(), ' ' * 20)}

            class LlamaModel(LlamaPreTrainedModel):
                def __init__(self, config):
                    super().__init__()
                    self.norm = LlamaRMSNorm(config.hidden_size)
        """,
    }) / "transformers/models/llama/modeling_llama.py"


def test_transformers_449_llama_rmsnorm_is_reported(tmp_path):
    llama = _hf_tree(tmp_path, "pass")
    assert codes(llama) == {(line_of(llama, "class LlamaRMSNorm"), "INIT001")}


def test_transformers_452_llama_rmsnorm_branch_is_silent(tmp_path):
    llama = _hf_tree(tmp_path, "pass", """
        elif isinstance(module, LlamaRMSNorm):
            module.weight.data.fill_(1.0)
    """)
    assert codes(llama) == set()


def test_transformers_v5_style_base_covering_norms_by_name(tmp_path):
    base = """
        if "RMSNorm" in module.__class__.__name__:
            nn.init.ones_(module.weight)
    """
    llama = _hf_tree(tmp_path, base, "")
    # the model's own _init_weights overrides the base one and does not call super(): still missed
    assert codes(llama) == {(line_of(llama, "class LlamaRMSNorm"), "INIT001")}
    llama.write_text(llama.read_text().replace("std = 0.02", "super()._init_weights(module)\n        std = 0.02"))
    assert codes(llama) == set()


# ---------------------------------------------------------------------- findings cache and flake8
def test_cli_cache_goes_stale_when_a_consulted_file_changes(tmp_path, monkeypatch):
    from initlint import cli

    write(tmp_path, {
        "pyproject.toml": "",
        "lib/__init__.py": "", "lib/layers.py": LAYER, "lib/models/__init__.py": "",
        "lib/models/modeling.py": model_file("""
            nn.init.ones_(module.D)
            nn.init.zeros_(module.A_log)
        """),
    })
    monkeypatch.chdir(tmp_path)
    cache_dir = str(tmp_path / "findings")

    def run() -> int:
        return cli.main(["--cache-dir", cache_dir, "lib/layers.py"])

    assert run() == 0
    modeling = tmp_path / "lib/models/modeling.py"
    modeling.write_text(modeling.read_text().replace("nn.init.zeros_(module.A_log)", "pass"))
    assert run() == 1  # layers.py did not change, but the init that covered A_log did
    stored = json.loads((Path(cache_dir) / "v1.json").read_text())["files"]
    entry = next(iter(stored.values()))
    assert str(modeling) in entry[6]


def test_flake8_plugin_gets_the_cross_file_answer(tmp_path):
    import subprocess
    import sys

    write(tmp_path, {
        "lib/__init__.py": "", "lib/layers.py": LAYER, "lib/models/__init__.py": "",
        "lib/models/modeling.py": model_file("nn.init.ones_(module.D)"),
    })
    env = dict(os.environ, INITLINT_CACHE_DIR=str(tmp_path / "cache"))
    res = subprocess.run([sys.executable, "-m", "flake8", "--select", "INIT", "lib/layers.py"], cwd=tmp_path,
                         capture_output=True, text=True, env=env)
    layers = tmp_path / "lib/layers.py"
    assert res.stdout.splitlines() and all("INIT002" in line for line in res.stdout.splitlines()), res
    assert f"lib/layers.py:{line_of(layers, 'self.A_log =')}:" in res.stdout


def test_summary_cache_is_shared_and_survives_corruption(tmp_path):
    from initlint.project.cache import SummaryCache, file_key
    from initlint.project.index import ProjectIndex

    write(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": BASE})
    base = tmp_path / "pkg/base.py"
    cache = SummaryCache(str(tmp_path / "s"))
    first = ProjectIndex(ModuleResolver([]), cache).summary(str(base))
    assert first is not None and cache.misses == 1 and "BaseLayer" in first["classes"]
    again = ProjectIndex(ModuleResolver([]), SummaryCache(str(tmp_path / "s")))
    assert again.summary(str(base)) == first and again.cache.hits == 1
    for p in Path(tmp_path / "s").rglob("*.json"):
        p.write_text("{not json")
    third = ProjectIndex(ModuleResolver([]), SummaryCache(str(tmp_path / "s")))
    assert third.summary(str(base)) == first  # recomputed
    assert third.consulted == {str(base): file_key(base.read_bytes())}


def test_init_helpers_of_another_file_count_as_writes(tmp_path):
    """torch_geometric style: ``glorot(self.weight)`` / ``zeros(self.bias)`` from ``nn/inits.py``; ``zeros``
    passes its argument on to ``constant``, which writes it. A helper that writes nothing stays a non-write."""
    write(tmp_path, {
        "geo/__init__.py": "",
        "geo/inits.py": """
            import math

            def glorot(value):
                stdv = math.sqrt(6.0 / (value.size(-2) + value.size(-1)))
                value.data.uniform_(-stdv, stdv)

            def constant(value, fill_value):
                value.data.fill_(fill_value)

            def zeros(value):
                constant(value, 0.0)

            def describe(value):
                return value.shape
        """,
        "geo/conv.py": """
            import torch
            from torch.nn import Parameter
            from .base import MessagePassing
            from .inits import describe, glorot, zeros

            class GATConv(MessagePassing):
                def __init__(self, d):
                    super().__init__()
                    self.att = Parameter(torch.empty(1, d))
                    self.bias = Parameter(torch.empty(d))
                    self.scale = Parameter(torch.empty(d))
                    self.reset_parameters()

                def reset_parameters(self):
                    glorot(self.att)
                    zeros(self.bias)
                    describe(self.scale)
        """,
        "geo/base.py": """
            from torch import nn

            class MessagePassing(nn.Module):
                def reset_parameters(self):
                    pass
        """,
    })
    conv = tmp_path / "geo/conv.py"
    assert codes(conv) == {(line_of(conv, "self.scale ="), "INIT003")}


def test_classes_in_test_files_are_not_reported(tmp_path):
    body = """
        import torch
        from torch import nn

        class Toy(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.empty(3))
    """
    write(tmp_path, {"tests/helpers.py": body, "test_models.py": body, "lib/models.py": body,
                     "tests/fixtures/sample.py": body})
    assert codes(tmp_path / "tests/helpers.py") == set()
    assert codes(tmp_path / "test_models.py") == set()
    assert {c for _l, c in codes(tmp_path / "lib/models.py")} == {"INIT003"}
    assert {c for _l, c in codes(tmp_path / "tests/fixtures/sample.py")} == {"INIT003"}  # inputs of tests


def test_summaries_round_trip_through_json(tmp_path):
    from initlint.project.summaries import effects_from_json, effects_to_json, summarize

    source = textwrap.dedent(model_file("nn.init.ones_(module.D)")).encode()
    summary = summarize(source, "modeling.py")
    assert json.loads(json.dumps(summary)) == summary
    fx = effects_from_json(summary["classes"]["PreTrained"]["methods"]["_init_weights"]["fx"])
    assert effects_to_json(fx) == summary["classes"]["PreTrained"]["methods"]["_init_weights"]["fx"]
    guards = {frozenset(t.guard or ()): t.attrs for t in fx.dispatch}
    assert guards[frozenset({"Mixer"})] == {"D"} and guards[frozenset({"Linear"})] == {"weight"}
    assert summarize(b"def broken(:\n", "x.py") is None


PARTS_SOURCE = '''
import torch
import torch.nn as tnn
from torch import nn
from . import sibling as sib
from ..pkg.mod import Base, Other as Renamed
if True: import one_line_suite_is_not_read
try:
    from fast import Impl
except ImportError:
    from slow import Impl
else:
    import extra.pkg
if False:
    pass
elif True:
    from elif_branch import E
else:
    if True:
        from nested_else import N


def helper(m):
    import inside_function as inside
    nn.init.zeros_(m.weight)


def no_params():
    pass


async def ahelper(x):
    pass


class Local(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.empty(2))


@decorator
class Mixed(Local, Renamed, *extra_bases, metaclass=Meta):
    def reset_parameters(self):
        nn.init.normal_(self.w)

    async def train_step(self):
        self.loss.backward()

    def _init_weights(self, module):
        if isinstance(module, Local):
            helper(module)


if TYPE_CHECKING:
    class Guarded(tnn.Linear):
        def reset_parameters(self):
            self.weight.data.zero_()
'''


def test_summary_parts_equal_the_whole_summary():
    """The index reads a file's head (``ast``) and one class at a time; both give what the whole summary gives
    (imports in suites/else/functions, decorated and guarded classes, starred bases, async methods)."""
    from initlint.project.summaries import summarize, summarize_class, summarize_head

    full = summarize(PARTS_SOURCE, "m.py")
    head = summarize_head(PARTS_SOURCE, "m.py")
    assert head["aliases"] == full["aliases"] and "one_line_suite_is_not_read" not in head["aliases"]
    assert head["aliases"]["inside"] == "inside_function" and head["aliases"]["N"] == "nested_else.N"
    assert list(head["classes"]) == list(full["classes"]) == ["Local", "Mixed", "Guarded"]
    assert [n for n, p in head["functions"].items() if p] == list(full["functions"]) == ["helper", "ahelper"]
    for name, entry in full["classes"].items():
        assert {k: head["classes"][name][k] for k in ("local_bases", "bases", "module")} == \
            {k: entry[k] for k in ("local_bases", "bases", "module")}
        part = summarize_class(PARTS_SOURCE, head, name)
        assert part == {"methods": entry["methods"], "flow": entry["flow"]}, name
    assert full["classes"]["Mixed"]["bases"] == ["..pkg.mod.Other", "extra_bases"]
    assert full["classes"]["Guarded"]["module"] is True
    assert full["classes"]["Mixed"]["flow"]["methods"]["train_step"]["backward"] is True


def test_index_reads_only_the_class_it_needs(tmp_path):
    """A base class of another file is read from its own lines, and only once one of its methods is looked
    up: the other classes of that file are not summarized, and no whole summary is written to the cache."""
    from initlint.project.cache import SummaryCache
    from initlint.project.index import ProjectIndex

    base = textwrap.dedent(BASE) + "\n\nclass Unrelated(nn.Module):\n    pass\n"
    write(tmp_path, {"pkg/__init__.py": "", "pkg/base.py": base,
                     "pkg/user.py": "from .base import BaseLayer\n\nclass User(BaseLayer):\n    pass\n"})
    index = ProjectIndex(ModuleResolver([]), SummaryCache(str(tmp_path / "s")))
    user = str(tmp_path / "pkg/user.py")
    assert index.is_module_class(user, ".base.BaseLayer")
    [cls] = index.remote_mro(user, ".base.BaseLayer")

    def written():
        return sorted(p.name.split(".", 1)[1] for p in (tmp_path / "s").rglob("*.json"))

    assert cls.name == "BaseLayer" and "_init_weights" not in cls.methods and written() == ["head.json"]
    assert "reset_parameters" in cls.methods and cls.methods["reset_parameters"].fx.inits == {"weight"}
    assert written() == ["class-BaseLayer.json", "head.json"]

"""INIT001–INIT005 on realistic model files: exact (line, code) pairs, clean files silent."""

from __future__ import annotations

import textwrap

import pytest

from initlint import Config, lint_file, lint_source

from ._expect import expected_findings
from ._twins import MODULES, fixture_files

FIXTURES = fixture_files(MODULES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_findings_match_expectations(path):
    got = {(f.line, f.code) for f in lint_file(str(path))}
    assert got == expected_findings(path)


def test_clean_fixtures_exist():
    clean = [p for p in FIXTURES if not expected_findings(p)]
    assert len(clean) >= 4  # nanoGPT, fixed nanochat, torchtitan style, non-modules, no torch


def _codes(src: str, **cfg) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in lint_source(textwrap.dedent(src), "m.py", Config(**cfg))]


def test_every_spelling_of_module_base_is_recognised():
    for header, base in [
        ("import torch", "torch.nn.Module"),
        ("import torch.nn as nn", "nn.Module"),
        ("from torch.nn import Module", "Module"),
        ("import torch.nn.modules.module as M", "M.Module"),
        ("from torch import nn", "nn.Conv2d"),
        ("import lightning as L", "L.LightningModule"),
        ("from pytorch_lightning import LightningModule", "LightningModule"),
    ]:
        src = f"""
        {header}
        import torch
        class A({base}):
            def __init__(self):
                super().__init__()
                self.w = torch.nn.Parameter(torch.ones(3))
        """
        codes = {c for _, c in _codes(src)}
        assert codes & {"INIT001", "INIT002"}, (header, base, codes)


def test_same_file_module_bases_are_transitive():
    src = """
    import torch
    from torch import nn
    class Base(nn.Module):
        pass
    class Mid(Base):
        pass
    class Leaf(Mid):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.ones(2))
    """
    assert _codes(src) == [(8, "INIT001")]


def test_configured_module_bases():
    src = """
    import torch
    from mylib import MyModule
    class A(MyModule):
        def __init__(self):
            self.w = torch.nn.Parameter(torch.ones(2))
    """
    assert _codes(src) == []
    assert _codes(src, module_bases=("MyModule",)) == [(4, "INIT001")]


def test_register_parameter_and_parameter_list_count_as_creation():
    src = """
    import torch
    import torch.nn as nn
    class A(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.register_parameter("scale", nn.Parameter(torch.ones(n)))
            self.register_parameter("unused", None)
            self.experts = nn.ParameterList([nn.Parameter(torch.randn(4)) for _ in range(n)])
    """
    [(line, code)] = _codes(src)
    assert (line, code) == (4, "INIT001")
    message = lint_source(textwrap.dedent(src), "m.py")[0].message
    assert "`scale`" in message and "`experts`" in message and "unused" not in message


def test_inherited_reset_from_same_file_base_covers():
    src = """
    import torch
    from torch import nn
    class Base(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.empty(3))
            self.reset_parameters()
        def reset_parameters(self):
            nn.init.normal_(self.w)
    class Child(Base):
        def __init__(self):
            super().__init__()
            self.extra = nn.Parameter(torch.zeros(3))
    """
    assert _codes(src) == [(14, "INIT002")]


def test_subclass_reset_chain_through_super():
    src = """
    import torch
    from torch import nn
    class Base(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(torch.empty(3))
            self.reset_parameters()
        def reset_parameters(self):
            nn.init.normal_(self.w)
    class Child(Base):
        def __init__(self):
            super().__init__()
            self.extra = nn.Parameter(torch.empty(3))
            self.reset_parameters()
        def reset_parameters(self):
            super().reset_parameters()
            nn.init.zeros_(self.extra)
    """
    assert _codes(src) == []


def test_deprecated_init_spellings_and_data_writes_count():
    src = """
    import torch
    from torch import nn
    class A(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Parameter(torch.zeros(3))
            self.b = nn.Parameter(torch.zeros(3))
            self.c = nn.Parameter(torch.zeros(3))
            self.d = nn.Parameter(torch.zeros(3))
        def reset_parameters(self):
            nn.init.normal(self.a)
            self.b.data = torch.randn(3)
            self.c.data.uniform_(-1, 1)
            with torch.no_grad():
                self.d[:] = 1.0
    """
    assert _codes(src) == []


def test_reset_parameters_with_defaults_is_fine_and_kwonly_required_is_not():
    ok = """
    import torch.nn as nn
    class A(nn.Linear):
        def reset_parameters(self, std=0.02, *, gain=1.0):
            nn.init.normal_(self.weight, std=std * gain)
    """
    bad = """
    import torch.nn as nn
    class A(nn.Linear):
        def reset_parameters(self, *, gain):
            nn.init.normal_(self.weight, std=gain)
    """
    assert _codes(ok) == []
    assert _codes(bad) == [(4, "INIT004")]


def test_replacement_in_central_init_function():
    src = """
    import torch
    from torch import nn
    class Head(nn.Module):
        def __init__(self):
            super().__init__()
            self.bias = nn.Parameter(torch.zeros(3))
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = Head()
            self.apply(self._init_weights)
        def _init_weights(self, module):
            if isinstance(module, Head):
                module.bias = nn.Parameter(torch.zeros(3))
    """
    assert _codes(src) == [(15, "INIT005")]


def test_messages_name_class_parameter_and_fix():
    src = """
    import torch
    from torch import nn
    class Norm(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(torch.ones(d))
    """
    [f] = lint_source(textwrap.dedent(src), "m.py")
    assert f.code == "INIT001" and f.line == 4 and f.col == 6
    assert "`Norm`" in f.message and "`weight`" in f.message and f.fix and "reset_parameters" in f.fix

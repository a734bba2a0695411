"""Slicing may change speed, never findings: every line keeps its number and the slice still parses."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

import initlint.engine as engine
from initlint import Config, lint_source
from initlint.slicing import slice_classes

HERE = Path(__file__).parent
FILES = sorted((HERE / "fixtures" / "modules").glob("*.py")) + sorted((HERE.parents[1] / "examples").glob("*.py"))


def _hf_files(n=6):
    try:
        import transformers
    except ImportError:
        return []
    root = Path(transformers.__file__).parent / "models"
    return sorted(root.glob("*/modeling_*.py"))[::97][:n]


def _unsliced(monkeypatch, src, path):
    monkeypatch.setattr(engine, "_slice", lambda source, rules, config, tree: source)
    return lint_source(src, path, Config())


@pytest.mark.parametrize("path", FILES + _hf_files(), ids=lambda p: p.name)
def test_slicing_never_changes_findings(path, monkeypatch):
    src = path.read_bytes()
    sliced = lint_source(src, str(path), Config())
    assert sliced == _unsliced(monkeypatch, src, str(path))


def test_slice_keeps_line_numbers_stubs_decorated_bodies_and_bases():
    src = textwrap.dedent(
        '''\
        import torch
        from torch import nn

        @decorator
        class Output(Base):
            @property
            def x(self):
                return 1

        class Base2(nn.Module):
            def helper(self):
                pass

        class Norm(Base2):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.ones(1))

        class Unrelated(nn.Module):  # trailing comment
            """doc"""
            def forward(self, x):
                return x
        '''
    )
    out = slice_classes(src, ["Parameter"])
    assert out is not None
    assert out.count("\n") == src.count("\n")
    ast.parse(out)
    lines = out.splitlines()
    assert "self.w = nn.Parameter" in lines[16]  # kept whole
    assert lines[9] == "class Base2(nn.Module):" and "def helper" in lines[10]  # a base of a kept class
    assert lines[4] == "class Output(Base):" and lines[5].strip() == "pass" and lines[3] == ""
    assert lines[18].startswith("class Unrelated") and lines[19].strip() == "pass" and lines[20] == ""


def test_form_feeds_and_crlf_do_not_shift_lines():
    src = "import torch\r\n\x0c\r\nclass A(B):\r\n    x = '\x0c'\r\n    y = 2\r\nclass C(torch.nn.Module):\r\n    p = torch.nn.Parameter\r\n"
    out = slice_classes(src, ["Parameter"])
    assert out.count("\n") == src.count("\n")
    ast.parse(out)
    assert out.split("\r\n")[5] == "class C(torch.nn.Module):"  # str.splitlines would split at \x0c


def test_unparseable_text_is_left_alone():
    assert slice_classes("class A(:\n  Parameter\n", ["Parameter"]) is None


def test_big_data_literals_are_blanked_but_lines_stay():
    table = "TABLE = {\n" + "".join(f"    {i}: {i * 2},\n" for i in range(50)) + "}\n"
    src = "import torch\n" + table + "class A(torch.nn.Module):\n    def __init__(self):\n        self.w = torch.nn.Parameter(torch.ones(1))\n"
    out = slice_classes(src, ["Parameter"])
    assert out.count("\n") == src.count("\n")
    ast.parse(out)
    assert out.splitlines()[1] == "None" and "self.w = torch.nn.Parameter" in out.splitlines()[-1]
    assert [(f.line, f.code) for f in lint_source(src, "t.py")] == [(54, "INIT001")]

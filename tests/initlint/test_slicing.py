"""Slicing may change speed, never findings: every kept line maps back to its number and the slice still parses."""

from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

import initlint.engine as engine
from initlint import Config, lint_source
from initlint.slicing import slice_classes, slice_statements

from ._twins import MODULES, SCRIPTS, fixture_files

HERE = Path(__file__).parent
FILES = (
    fixture_files(MODULES)
    + sorted((HERE / "fixtures" / "regressions").glob("*.py"))
    + fixture_files(SCRIPTS)
    + sorted((HERE.parents[1] / "examples").glob("*.py"))
)


def _hf_files(n=6):
    try:
        import transformers
    except ImportError:
        return []
    root = Path(transformers.__file__).parent / "models"
    return sorted(root.glob("*/modeling_*.py"))[::97][:n]


def _unsliced(monkeypatch, src, path):
    monkeypatch.setattr(engine, "_slice", lambda source, rules, config, tree: None)
    return lint_source(src, path, Config())


def _padded(piece, src: str) -> str:
    """The slice with its dropped lines back as empty lines, after checking what a Slice promises."""
    assert piece is not None
    ast.parse(piece.text)
    file_lines = src.splitlines(keepends=True) if "\x0c" not in src else src.split("\n")
    kept = piece.text.splitlines(keepends=True) if "\x0c" not in src else piece.text.split("\n")
    assert len(kept) == len(piece.origin) <= len(file_lines)
    assert list(piece.origin) == sorted(set(piece.origin))
    for number, line in zip(piece.origin, kept):
        original = file_lines[number - 1]
        assert line == original or line.strip() in ("pass", "None"), (number, line, original)  # whole, or a placeholder
    out = piece.padded()
    assert len(out.splitlines()) == piece.origin[-1]  # every kept line at its number (cut lines at the end stay off)
    return out


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
    out = _padded(slice_classes(src, ["Parameter"]), src)
    lines = out.splitlines()
    assert "self.w = nn.Parameter" in lines[16]  # kept whole
    assert lines[9] == "class Base2(nn.Module):" and "def helper" in lines[10]  # a base of a kept class
    assert lines[4] == "class Output(Base):" and lines[5].strip() == "pass" and lines[3] == ""
    assert lines[18].startswith("class Unrelated") and lines[19].strip() == "pass" and len(lines) == 20


def test_form_feeds_and_crlf_do_not_shift_lines():
    src = ("import torch\r\n\x0c\r\nclass A(B):\r\n    x = '\x0c'\r\n    y = 2\r\n"
           "class C(torch.nn.Module):\r\n    p = torch.nn.Parameter\r\n")
    piece = slice_classes(src, ["Parameter"])
    ast.parse(piece.text)
    assert list(piece.origin) == [1, 3, 4, 6, 7]  # the form-feed line is blank: dropped, as is A's body
    row = piece.text.split("\r\n").index("class C(torch.nn.Module):")
    assert piece.line(row + 1) == 6  # str.splitlines would split at \x0c and miscount


def test_unparseable_text_is_left_alone():
    assert slice_classes("class A(:\n  Parameter\n", ["Parameter"]) is None


def test_big_data_literals_are_blanked_but_lines_stay():
    table = "TABLE = {\n" + "".join(f"    {i}: {i * 2},\n" for i in range(50)) + "}\n"
    src = ("import torch\n" + table
           + "class A(torch.nn.Module):\n    def __init__(self):\n        self.w = torch.nn.Parameter(torch.ones(1))\n")
    out = _padded(slice_classes(src, ["Parameter"]), src)
    assert out.splitlines()[1] == "None" and "self.w = torch.nn.Parameter" in out.splitlines()[-1]
    assert [(f.line, f.code) for f in lint_source(src, "t.py")] == [(54, "INIT001")]


def test_unreachable_methods_and_functions_are_stubbed_reachable_ones_kept(monkeypatch):
    src = textwrap.dedent(
        '''\
        import torch
        from torch import nn


        def rotate(x):
            return x.flip(-1)


        def fill(module):
            module.scale.data.fill_(1.0)


        class Block(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.w = nn.Parameter(torch.empty(d))
                self.scale = nn.Parameter(torch.empty(d))
                self._setup()
                fill(self)

            def _setup(self):
                self._fill_w()

            def _fill_w(self):
                with torch.no_grad():
                    self.w.normal_()

            def forward(self, x):
                # Feed-forward: the comment names _fill_w and forward, which must not keep anything
                return rotate(x) * self.w

            def extra(self):
                return getattr(self, "_dyn")

            def _reset_by_name(self):
                nn.init.zeros_(self.w)

            def _late(self):
                return 2

            def _dyn(self):
                return 1


        INIT_ORDER = ["_late"]  # a string in module-level code keeps the method of that name
        '''
    )
    out = _padded(slice_classes(src, ["Parameter"]), src)
    lines = out.splitlines()
    code = [line.strip() for line in lines]
    names = ("rotate", "fill", "_setup", "_fill_w", "forward", "extra", "_dyn", "_late", "_reset_by_name")
    body = {name: next(c for c in code[i + 1:] if c and not c.startswith("#")) for i, c in enumerate(code)
            for name in names if c.startswith(f"def {name}(")}
    assert body["forward"] == "pass" and body["rotate"] == "pass" and body["extra"] == "pass"
    assert body["_setup"] == "self._fill_w()"  # called from __init__
    assert body["_fill_w"] == "with torch.no_grad():"  # reached through _setup
    assert body["fill"] == "module.scale.data.fill_(1.0)"  # called with the module from __init__
    assert body["_late"] == "return 2"
    # nothing here calls it, but Block allocates uninitialized storage: an owner in another file may call an
    # init-named method on the Block it builds (``ModuleFacts.remote_owner_coverage``), so it stays
    assert body["_reset_by_name"] == "nn.init.zeros_(self.w)"
    assert body["_dyn"] == "pass"  # named only by a string inside the stubbed ``extra``
    # INIT001 (no re-init path) only: INIT003 sees w and scale initialized through the kept helpers
    found = lint_source(src, "t.py")
    assert [f.code for f in found] == ["INIT001"] and found == _unsliced(monkeypatch, src, "t.py")


def test_statement_slice_keeps_origins_their_callers_and_what_they_use(monkeypatch):
    table = "CASES = [\n" + "".join(f"    Case({i}, device_type='meta'),\n" for i in range(40)) + "]\n"
    src = textwrap.dedent(
        '''\
        import torch
        from torch import nn

        LR = 1e-3


        def build():
            with torch.device("meta"):
                return nn.Linear(4, 4)


        def train(model):
            opt = torch.optim.SGD(model.parameters(), lr=LR)
            model(torch.ones(4)).sum().backward()
            opt.step()


        def main():
            model = build()
            model.to_empty(device="cpu")
            train(model)


        def unrelated(x):
            return x.flip(0)


        '''
    ) + table
    out = _padded(slice_statements(src, Config()), src)
    lines = out.splitlines()
    for kept in ("LR = 1e-3", 'with torch.device("meta"):', "opt.step()", "train(model)"):
        assert any(line.strip() == kept for line in lines), kept
    assert "return x.flip(0)" not in out and "Case(" not in out  # no origin, not used by what stays
    found = lint_source(src, "train.py")
    assert [f.code for f in found] == ["INIT101"]  # through build()'s return value and train()
    assert found == _unsliced(monkeypatch, src, "train.py")


def test_statement_slice_keeps_every_module_statement_when_the_module_body_is_interesting():
    src = "import torch\nx = 1\nwith torch.device('meta'):\n    m = Net()\ndef f():\n    return 2\nm.fit()\n"
    out = _padded(slice_statements(src, Config()), src)
    assert "x = 1" in out and "m.fit()" in out and "return 2" not in out


def test_statement_slice_leaves_statements_sharing_a_line_alone():
    assert slice_statements("import torch; x = torch.device('meta')\ndef f():\n    return 1\n", Config()) is None


def test_docstring_mentions_keep_nothing_but_code_does():
    src = textwrap.dedent(
        '''\
        import torch
        from torch import nn


        class Mixin:
            def generate(self, x):
                """Parameters: x (see nn.Parameter and reset_parameters)."""
                return x


        class Norm(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.w = nn.Parameter(torch.ones(d))
        '''
    )
    out = _padded(slice_classes(src, ["Parameter"]), src)
    assert "return x" not in out and "nn.Parameter(torch.ones(d))" in out


def test_both_kinds_of_rules_get_the_union_of_both_slices(monkeypatch):
    src = textwrap.dedent(
        '''\
        import torch
        from torch import nn


        class Norm(nn.Module):
            def __init__(self, d):
                super().__init__()
                self.w = nn.Parameter(torch.ones(d))

            def forward(self, x):
                return x * self.w


        def helper(x):
            return x + 1


        def main():
            with torch.device("meta"):
                model = Norm(4)
            model.to_empty(device="cpu")
            opt = torch.optim.SGD(model.parameters())
            model(torch.ones(4)).sum().backward()
            opt.step()
        '''
    )
    rules = engine.matching_rules(src, engine.enabled_rules(Config(), "t.py"), Config())
    assert {r.scope for r in rules} == {"classes", "file"}
    out = _padded(engine._slice(src, rules, Config(), None), src)
    assert "return x + 1" not in out  # neither slice needs the helper
    assert "opt.step()" in out and "self.w = nn.Parameter" in out  # each slice's own code stays
    assert "return x * self.w" in out  # forward: the INIT1xx slice keeps Norm whole (main builds it)
    found = lint_source(src, "t.py")
    assert {f.code for f in found} == {"INIT001", "INIT101"}
    assert found == _unsliced(monkeypatch, src, "t.py")


def test_meta_as_data_is_no_origin_but_as_an_argument_it_is():
    table = "ARGS = {\n" + "".join(f"    'f{i}': [{{'name': 'meta', 'type': 'Tensor'}}],\n" for i in range(30)) + "}\n"
    head = "import torch\n\n\ndef run(model):\n    model.train()\n    return model\n\n\n"
    out = _padded(slice_statements(head + table, Config()), head + table)
    assert "'name': 'meta'" not in out  # a dict value: the table is blanked
    for origin in ('torch.device("meta")', "Net(device='meta')", "set_default_device(\n    'meta')"):
        out = _padded(slice_statements(head + table + f"x = {origin}\n", Config()), head + table + f"x = {origin}\n")
        assert "'name': 'meta'" in out, origin  # an origin: every module statement stays


def test_a_body_on_the_signatures_last_line_is_left_alone():
    """torch/nn/modules/conv.py: ``def f(\\n    self, x\\n) -> T: ...`` must not be cut inside its signature."""
    src = textwrap.dedent(
        '''\
        import torch
        from torch import nn


        class Conv(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.ones(1))

            def _conv_forward(  # type: ignore[empty-body]
                self, x
            ) -> torch.Tensor: ...

            def forward(self, x):
                return x
        '''
    )
    out = _padded(slice_classes(src, ["Parameter"]), src)
    assert ") -> torch.Tensor: ..." in out and "return x" not in out


def test_findings_and_the_lines_their_messages_name_are_the_files_after_dropped_lines(monkeypatch):
    """Cut lines are dropped from what libcst parses; every reported line is still the file's own."""
    helpers = "".join(
        f"\n\ndef helper_{i}(x):\n    x = x + 1\n    # a comment\n    return x.flip({i})\n" for i in range(20)
    )
    forward = "".join(f"        x = x + {i}\n" for i in range(30))
    src = (
        "import torch\nfrom torch import nn\n" + helpers + textwrap.dedent(
            '''

            class Unrelated(nn.Module):
                def forward(self, x):
            '''
        ) + forward + textwrap.dedent(
            '''\
                    return x


            class Block(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.w = nn.Parameter(torch.empty(4))


            def main():
                with torch.device("meta"):
                    model = Block()
                model.to_empty(device="cpu")
                opt = torch.optim.SGD(model.parameters())
                model(torch.ones(4)).sum().backward()
                opt.step()
            '''
        )
    )
    rules = engine.matching_rules(src, engine.enabled_rules(Config(), "t.py"), Config())
    piece = engine._slice(src, rules, Config(), None)
    assert len(piece.origin) < src.count("\n") - 60  # the helpers' bodies and forward's are not parsed
    found = lint_source(src, "t.py")
    file_lines = src.splitlines()
    where = {f.code: f for f in found}
    assert file_lines[where["INIT003"].line - 1].strip() == "self.w = nn.Parameter(torch.empty(4))"
    assert file_lines[where["INIT101"].line - 1].strip() == 'model.to_empty(device="cpu")'
    named = [int(n) for n in re.findall(r"line (\d+)", where["INIT101"].message)]
    assert named and {file_lines[n - 1].strip() for n in named} <= {
        "model = Block()", "opt.step()", 'model.to_empty(device="cpu")', "model(torch.ones(4)).sum().backward()"}
    assert found == _unsliced(monkeypatch, src, "t.py")


def test_a_slice_libcst_rejects_falls_back_to_the_whole_file(monkeypatch):
    """Should a slice ever not parse (a slicing bug), the file is parsed whole: no INIT901, same findings."""
    from array import array

    from initlint.slicing import Slice

    src = ("import torch\nclass A(torch.nn.Module):\n    def __init__(self):\n"
           "        self.w = torch.nn.Parameter(torch.empty(2))\n")
    expected = lint_source(src, "t.py")
    assert [f.code for f in expected] == ["INIT003"]
    monkeypatch.setattr(engine, "_slice", lambda source, rules, config, tree: Slice("class (:\n", array("i", [1])))
    assert lint_source(src, "t.py") == expected


def test_blank_and_comment_lines_are_dropped_but_never_inside_a_string():
    src = textwrap.dedent(
        '''\
        import torch
        # a comment line

        class A(torch.nn.Module):
            """Docstring.

            # not a comment: part of the string
            """

            def __init__(self):  # trailing comments stay with their code
                super().__init__()
                # another comment
                self.w = torch.nn.Parameter(torch.empty(2, 2))
                self.doc = \'\'\'

        # inside a string too
        \'\'\'
        # a last comment, no line break after it'''
    )
    piece = slice_classes(src, ["Parameter"])
    lines = src.splitlines()
    kept = {lines[n - 1] for n in piece.origin}
    assert "# a comment line" not in kept and "        # another comment" not in kept and "" in kept
    assert "    # not a comment: part of the string" in kept and "# inside a string too" in kept
    assert not any(line.endswith("no line break after it") for line in kept)
    assert piece.origin[-1] == 17 and _padded(piece, src)
    assert [(f.line, f.code) for f in lint_source(src, "t.py")] == [(13, "INIT003")]

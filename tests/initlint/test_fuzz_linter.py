"""Property-based fuzzing of the linter: no exception escapes, no internal error, output is deterministic.

Three sources of programs:

* ``hypothesmith.from_grammar()``: arbitrary syntactically valid Python (from the Python grammar);
* ``hypothesmith.from_node()``: programs built from libcst nodes (slower; fewer examples);
* a torch-flavoured generator below that composes real-looking fragments (``nn.Module`` classes with
  parameters, init methods, empty/meta construction, loads, training calls) under random control flow,
  so that every rule's analysis actually runs (hypothesmith programs almost never contain the trigger
  strings, and the engine does not even parse a file without them).

Each program goes through :func:`initlint.lint_source` (text and bytes), the flake8 plugin class run
in-process on the same text, and (a few) the ``initlint`` CLI in-process.

This is the *fast profile* of the normal suite. The long profile (>= 10,000 programs) is
``python scripts/fuzz_long.py`` (see docs/fuzz-results.md).
"""

from __future__ import annotations

import ast
import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from initlint import Config, lint_source  # noqa: E402
from initlint.flake8_plugin import Plugin  # noqa: E402

#: A comment that contains every rule's trigger strings, so the engine never skips a generated file.
TRIGGER_LINE = (
    "# Parameter empty Tensor( reset_parameters empty_init meta init_empty_weights skip_init deferred_init "
    "to_empty load_state_dict load_raw .load( load_checkpoint load_state\n"
)

FUZZ_EXAMPLES = int(os.environ.get("INITLINT_FUZZ_EXAMPLES", "30"))
COMMON = dict(deadline=None, suppress_health_check=list(HealthCheck), database=None)


# --------------------------------------------------------------------------------------------------
# torch-flavoured program generator
# --------------------------------------------------------------------------------------------------

NAMES = st.sampled_from(["w", "bias", "A_log", "D", "scale", "weight", "pos", "emb", "gamma", "x", "_p", "lambdas"])
ATTR = NAMES.map(lambda n: f"self.{n}")
SHAPE = st.sampled_from(["4", "d", "(d, d)", "config.n_embd", "*shape", "d, 4", "()", "n, *rest"])

ALLOC = st.sampled_from(
    [
        "torch.empty({s})",
        "torch.ones({s})",
        "torch.zeros({s})",
        "torch.randn({s})",
        "torch.Tensor({s})",
        "torch.FloatTensor({s})",
        "torch.empty({s}, device='meta')",
        "torch.empty_like(x)",
        "torch.arange({s})",
        "torch.log(torch.arange(1, 5))",
        "x",
        "self.weight.new_empty({s})",
        "torch.tensor(1.0)",
    ]
)

MODULE_STMT = st.one_of(
    st.builds(lambda a, al, s: f"{a} = nn.Parameter({al.format(s=s)})", ATTR, ALLOC, SHAPE),
    st.builds(lambda a, al, s: f"{a} = torch.nn.Parameter({al.format(s=s)}, requires_grad=False)", ATTR, ALLOC, SHAPE),
    st.builds(lambda n, al, s: f"self.register_buffer('{n}', {al.format(s=s)})", NAMES, ALLOC, SHAPE),
    st.builds(lambda n, al, s: f"self.register_parameter('{n}', nn.Parameter({al.format(s=s)}))", NAMES, ALLOC, SHAPE),
    st.builds(lambda n: f"self.register_parameter('{n}', None)", NAMES),
    st.builds(lambda a: f"{a} = nn.Linear(d, d)", ATTR),
    st.builds(lambda a: f"{a} = nn.LayerNorm(d)", ATTR),
    st.builds(lambda a: f"{a} = nn.ModuleList([nn.Linear(d, d) for _ in range(n)])", ATTR),
    st.builds(lambda a: f"{a} = Block(config)", ATTR),
    st.builds(lambda a: f"{a}.data = torch.zeros_like({a})", ATTR),
    st.builds(lambda a, al, s: f"{a}.data = {al.format(s=s)}", ATTR, ALLOC, SHAPE),
    st.builds(lambda a: f"{a} = None", ATTR),
    st.builds(lambda a: f"nn.init.normal_({a}, std=0.02)", ATTR),
    st.builds(lambda a: f"torch.nn.init.zeros_({a})", ATTR),
    st.builds(lambda a: f"init.kaiming_uniform_({a}, a=math.sqrt(5))", ATTR),
    st.builds(lambda a: f"{a}.data.normal_(0, 0.02)", ATTR),
    st.builds(lambda a: f"{a}.fill_(1.0)", ATTR),
    st.builds(lambda a: f"{a}.copy_(torch.ones_like({a}))", ATTR),
    st.builds(lambda a: f"with torch.no_grad():\n    {a}.uniform_(-1, 1)", ATTR),
    st.just("self.reset_parameters()"),
    st.just("self.apply(self._init_weights)"),
    st.just("self.init_weights()"),
    st.just("self.post_init()"),
    st.just("super().__init__()"),
    st.just("super().reset_parameters()"),
    st.just("super(Model, self).__init__(config)"),
    st.just("for m in self.modules():\n    if isinstance(m, nn.Linear):\n        nn.init.xavier_uniform_(m.weight)"),
    st.just("for name, p in self.named_parameters():\n    p.data.zero_()"),
    st.just("self.__dict__.update(kw)"),
    st.just("setattr(self, name, nn.Parameter(torch.empty(d)))"),
    st.just("return"),
    st.just("pass"),
    st.just("del self.w"),
    st.just("self.w, self.b = nn.Parameter(torch.empty(d)), None"),
    st.just("(self.w) = nn.Parameter(torch.empty(d))"),
    st.just("self.w: nn.Parameter = nn.Parameter(torch.empty(d))"),
    st.just("self.w += 1"),
    st.just("global w\nw = nn.Parameter(torch.empty(d))"),
    st.just("lambda: self.reset_parameters()"),
)

SCRIPT_STMT = st.sampled_from(
    [
        "model = GPT(config)",
        "model = Model.from_config(config)",
        "model = AutoModelForCausalLM.from_pretrained(path)",
        "with torch.device('meta'):\n    model = GPT(config)",
        "with fabric.init_module(empty_init=True):\n    model = GPT(config)",
        "with fabric.init_module(empty_init=(devices > 1)):\n    model = GPT(config)",
        "with init_empty_weights():\n    model = AutoModel.from_config(config)",
        "model = torch.nn.utils.skip_init(nn.Linear, 4, 4)",
        "model = deferred_init(GPT, config)",
        "model.to_empty(device='cpu')",
        "model = model.to_empty(device=device)",
        "model.apply(model._init_weights)",
        "model.apply(init_weights)",
        "model.init_weights()",
        "model.reset_parameters()",
        "initialize_weights(fabric, model)",
        "model.load_state_dict(state_dict)",
        "model.load_state_dict(sd, strict=False)",
        "missing, unexpected = model.load_state_dict(sd, strict=strict)",
        "fabric.load(resume, state)",
        "fabric.load_raw(path, model)",
        "load_checkpoint(model, path)",
        "model = fabric.setup(model)",
        "optimizer = torch.optim.AdamW(model.parameters())",
        "trainer.fit(model)",
        "loss.backward()",
        "optimizer.step()",
        "train(fabric, model, optimizer)",
        "del model",
        "model = None",
        "return model",
        "raise SystemExit",
        "break",
        "continue",
        "yield model",
        "pass",
        "if resume:\n    fabric.load(resume, state)\nelse:\n    model.apply(model._init_weights)",
        "model.to(device)",
        "model, opt = accelerator.prepare(model, opt)",
    ]
)


def _indent(text: str, level: int = 1) -> str:
    pad = "    " * level
    return "\n".join(pad + line if line else line for line in text.splitlines())


@st.composite
def wrapped(draw, stmt_strategy, depth: int = 0):
    """A statement, possibly wrapped in if/for/while/try/with/def/match, recursively."""
    body = "\n".join(draw(st.lists(stmt_strategy, min_size=1, max_size=3)))
    if depth >= 2:
        return body
    kind = draw(st.sampled_from(["plain", "plain", "if", "ifelse", "for", "while", "try", "with", "def", "match"]))
    if kind == "plain":
        return body
    inner = _indent(draw(wrapped(stmt_strategy, depth + 1)) + "\n" + body)
    if kind == "if":
        return f"if cond:\n{inner}"
    if kind == "ifelse":
        other = _indent(draw(wrapped(stmt_strategy, depth + 1)))
        return f"if not cond and flag or x:\n{inner}\nelif other:\n    pass\nelse:\n{other}"
    if kind == "for":
        return f"for i in range(n):\n{inner}\nelse:\n    pass"
    if kind == "while":
        return f"while step < max_steps:\n{inner}"
    if kind == "try":
        return f"try:\n{inner}\nexcept Exception:\n    pass\nfinally:\n    pass"
    if kind == "with":
        return f"with torch.no_grad(), ctx() as c:\n{inner}"
    if kind == "def":
        return f"def helper(*args, **kw):\n{inner}\nhelper()"
    return f"match x:\n    case 1:\n{_indent(inner)}\n    case _:\n        pass"


METHOD_NAMES = st.sampled_from(
    ["__init__", "reset_parameters", "_init_weights", "init_weights", "_reset_parameters", "forward", "extra_repr",
     "initialize", "_initialize_weights", "post_init", "setup"]
)
BASES = st.sampled_from(
    ["nn.Module", "torch.nn.Module", "Module", "PreTrainedModel", "LlamaPreTrainedModel", "nn.Linear",
     "Block", "nn.LayerNorm", "object", "nn.Module, Mixin", "metaclass=ABCMeta", ""]
)


@st.composite
def method(draw):
    name = draw(METHOD_NAMES)
    args = draw(st.sampled_from(["self", "self, config", "self, module", "self, d, *args, **kwargs",
                                 "self, /, x=None", "self, *, std=0.02"]))
    deco = draw(st.sampled_from(["", "", "@torch.no_grad()\n", "@staticmethod\n", "@property\n"]))
    body = draw(wrapped(MODULE_STMT))
    return f"{deco}def {name}({args}):\n{_indent(body)}"


@st.composite
def module_class(draw):
    name = draw(st.sampled_from(["GPT", "Block", "Model", "RMSNorm", "Mamba2Mixer", "LlamaPreTrainedModel",
                                 "MyLinear", "Attention"]))
    base = draw(BASES)
    methods = draw(st.lists(method(), min_size=0, max_size=4))
    attrs = draw(st.sampled_from(["", "_no_split_modules = ['Block']\n", "config_class = Config\n",
                                  "weight: torch.Tensor\n"]))
    body = attrs + "\n".join(methods) if (attrs or methods) else "pass"
    return f"class {name}({base}):\n{_indent(body)}"


@st.composite
def torch_program(draw):
    header = draw(st.sampled_from([
        "import torch\nimport torch.nn as nn\n",
        "import torch\nfrom torch import nn\nfrom torch.nn import init, Parameter\n",
        "from torch.nn import *\nimport math\n",
        "import torch.nn as nn\nfrom transformers import PreTrainedModel\n"
        "from accelerate import init_empty_weights\nimport lightning as L\n",
        "",
    ]))
    parts = draw(st.lists(
        st.one_of(module_class(), wrapped(SCRIPT_STMT),
                  st.builds(lambda b: f"def main(fabric, config):\n{_indent(b)}", wrapped(SCRIPT_STMT)),
                  st.builds(lambda b: f"if __name__ == '__main__':\n{_indent(b)}", wrapped(SCRIPT_STMT))),
        min_size=1, max_size=5))
    return header + "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------------
# the properties
# --------------------------------------------------------------------------------------------------


def _plugin_findings(text: str, filename: str = "fuzz.py") -> list[tuple]:
    """The flake8 plugin run in-process the way flake8 runs it (only when ``ast.parse`` succeeded)."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    return list(Plugin(tree, filename, lines).run())


def check_program(text: str, *, allow_parse_error: bool = False) -> list:
    first = lint_source(text, "fuzz.py", Config())
    second = lint_source(text, "fuzz.py", Config())
    assert first == second, "lint_source is not deterministic"
    as_bytes = lint_source(text.encode("utf-8"), "fuzz.py", Config())
    assert as_bytes == first, "bytes and text inputs disagree"
    codes = [f.code for f in first]
    assert "INIT900" not in codes, [f.message for f in first if f.code == "INIT900"]
    if not allow_parse_error:
        assert "INIT901" not in codes, [f.message for f in first if f.code == "INIT901"]
    n_lines = text.count("\n") + 1
    for f in first:
        assert 1 <= f.line <= n_lines and f.col >= 0, f
        assert f.message and "\n" not in f.message, f
    assert first == sorted(first)
    return first


def check_plugin_agrees(text: str, findings: list) -> None:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return  # flake8 does not run tree plugins on files ast cannot parse
    got = _plugin_findings(text)
    assert got == _plugin_findings(text)
    assert [(line, col, msg.split(" ", 1)[0]) for line, col, msg, _ in got] == [
        (f.line, f.col, f.code) for f in findings
    ]


@settings(max_examples=FUZZ_EXAMPLES, **COMMON)
@given(hypothesmith.from_grammar())
def test_grammar_programs_never_crash(source):
    text = TRIGGER_LINE + source
    findings = check_program(text, allow_parse_error=True)
    check_plugin_agrees(text, findings)


@settings(max_examples=max(8, FUZZ_EXAMPLES // 5), **COMMON)
@given(hypothesmith.from_node())
def test_libcst_node_programs_never_crash(source):
    text = TRIGGER_LINE + source
    findings = check_program(text, allow_parse_error=True)
    check_plugin_agrees(text, findings)


@settings(max_examples=FUZZ_EXAMPLES * 3 // 2, **COMMON)
@given(torch_program())
def test_torch_flavoured_programs_never_crash(text):
    try:
        compile(text, "fuzz.py", "exec", dont_inherit=True, flags=ast.PyCF_ONLY_AST)
    except SyntaxError:
        # e.g. 'return'/'yield' at module level after wrapping: still must not crash, may be INIT901-free
        pass
    findings = check_program(text, allow_parse_error=False)
    check_plugin_agrees(text, findings)


@settings(max_examples=max(5, FUZZ_EXAMPLES // 10), **COMMON)
@given(st.lists(torch_program(), min_size=1, max_size=4))
def test_cli_on_generated_files(tmp_path_factory, programs):
    from initlint import cli

    root = tmp_path_factory.mktemp("fuzzcli")
    for i, text in enumerate(programs):
        (root / f"m{i}.py").write_text(text)
    out = root / "report.json"
    argv = [str(root), "--no-cache", "--format", "json", "-o", str(out)]
    status = cli.main(argv)
    assert status in (0, 1), status
    first = out.read_text()
    assert cli.main(argv) == status
    assert out.read_text() == first, "CLI output is not deterministic"
    assert "INIT900" not in first
    expected = sum(len(lint_source(t, "x.py")) for t in programs)
    assert (status == 1) == (expected > 0)

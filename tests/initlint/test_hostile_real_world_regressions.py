"""Regression fixtures for false positives found on real corpora (docs/real-world.md).

Each file in fixtures/regressions/ is one pattern; a ``# expect: CODE`` comment marks each line where a finding
is expected (the convention of fixtures/modules/). Files listed in KNOWN_FALSE_POSITIVES are xfail until the
linter is fixed (strict=False, so fixing it turns them into XPASS, not a failure).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from initlint import lint_file

HERE = Path(__file__).parent / "fixtures" / "regressions"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")

KNOWN_FALSE_POSITIVES = {
    "hf_init_calls_module_method.py": "INIT001: _init_weights calls module.<method>() which initializes the "
    "parameters (transformers Mamba/FalconMamba/Mamba2 init_mamba_weights); facts do not follow the call",
    "hf_init_through_parent_attribute.py": "INIT001: _init_weights initializes a child's parameter through the "
    "parent (isinstance(m, SparseMoeBlock): init.normal_(m.gate.weight)); not credited to the child class",
    "hf_init_loop_over_parameters.py": "INIT003/INIT001: _init_weights initializes parameters through a loop "
    "variable (for param in [module.q, module.k]: init.normal_(param); for w in module.weights: ...), not credited",
    "hf_norm_named_class_in_modular_file.py": "INIT001: *LayerNorm*/*RMSNorm*-named classes are initialized by "
    "PreTrainedModel._init_weights by name; missed when the file's PreTrainedModel subclass inherits from "
    "another model's (transformers modular_*.py files)",
}


def expected(path: Path) -> list[tuple[int, str]]:
    out = []
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        m = EXPECT.search(line)
        if m:
            out += [(lineno, code.strip()) for code in m.group(1).split(",") if code.strip()]
    return sorted(out)


FILES = sorted(p.name for p in HERE.glob("*.py"))


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(strict=False, reason=KNOWN_FALSE_POSITIVES[n]))
     if n in KNOWN_FALSE_POSITIVES else n for n in FILES],
)
def test_regression_fixture(name):
    path = HERE / name
    got = sorted((f.line, f.code) for f in lint_file(str(path)))
    assert got == expected(path)

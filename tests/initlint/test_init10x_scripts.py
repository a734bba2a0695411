"""INIT101–INIT104 through the real ``flake8 --select INIT`` on realistic training scripts.

Every script in ``scripts/`` marks the findings it must produce with ``# expect: INIT1xx`` on the line;
every other line must stay silent (the fixed/clean scripts have no markers at all). flake8 runs in a
subprocess on copies in a temporary directory, once for the whole set.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from initlint import ALL_RULES, Config, lint_file, lint_source

from ._expect import expected_findings
from ._twins import SCRIPTS, fixture_files

FILES = fixture_files(SCRIPTS)
FLOW_RULES = [r for r in ALL_RULES if r.code.startswith("INIT1")]
_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>INIT\d{3}) (?P<msg>.*)$")


@pytest.fixture(scope="module")
def flake8_findings(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scripts")
    for f in FILES:
        shutil.copy(f, tmp / f.name)
    proc = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "INIT1,INIT9", "--isolated", str(tmp)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode in (0, 1), proc.stderr
    found: dict[str, set] = {f.name: set() for f in FILES}
    messages: dict[tuple, str] = {}
    for line in proc.stdout.splitlines():
        m = _LINE.match(line)
        assert m, line
        name = Path(m["path"]).name
        found[name].add((int(m["line"]), m["code"]))
        messages[(name, int(m["line"]), m["code"])] = m["msg"]
    return found, messages


def test_there_are_buggy_and_clean_scripts():
    marked = [f for f in FILES if expected_findings(f)]
    assert len(marked) >= 6 and len(FILES) - len(marked) >= 6
    codes = {c for f in FILES for _l, c in expected_findings(f)}
    assert codes == {"INIT101", "INIT102", "INIT103", "INIT104"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_flake8_reports_exactly_the_marked_lines(path, flake8_findings):
    found, _ = flake8_findings
    assert found[path.name] == expected_findings(path)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_engine_agrees_with_flake8(path, flake8_findings):
    found, _ = flake8_findings
    config = Config(select=("INIT1", "INIT9"))
    assert {(f.line, f.code) for f in lint_file(str(path), config)} == found[path.name]


def test_litgpt_shape_message(flake8_findings):
    _, messages = flake8_findings
    msg = messages[("fabric_pretrain_bug.py", 31, "INIT101")]
    assert msg.startswith(
        "`model` (built inside `fabric.init_module(empty_init=True)`, line 31) reaches training at line 53 "
        "(`fit(...)`) uninitialized when `initial_checkpoint_dir` is falsy and `resume` is falsy"
    )


def test_fixing_one_line_silences_the_litgpt_shape():
    """The bug and its fix differ only by the reset_parameters() loop: the analysis reads the helper body."""
    bug = (SCRIPTS / "fabric_pretrain_bug.py").read_text()
    assert lint_source(bug, "a.py", Config(select=("INIT1",)))
    loop = "\n    for mod in model.modules():\n        mod.reset_parameters()\n"
    fixed = bug.replace("\n\ndef make_dataloader", loop + "\n\ndef make_dataloader")
    assert fixed != bug
    assert lint_source(fixed, "a.py", Config(select=("INIT1",))) == []
    # a nested def that is never called does not count
    unused = bug.replace(
        "\n\ndef make_dataloader", "\n    def later():\n        reset_all(model)\n\n\ndef make_dataloader"
    )
    assert lint_source(unused, "a.py", Config(select=("INIT1",)))


def test_flake8_option_for_conditional_empty_init(tmp_path):
    src = textwrap.dedent("""
        def main(fabric, cfg):
            with fabric.init_module(empty_init=(fabric.world_size > 1)):
                model = GPT(cfg)
            model.load_state_dict(torch.load("base.pt"), strict=False)
            fit(fabric.setup(model))
    """)
    (tmp_path / "fsdp.py").write_text(src)
    base = [sys.executable, "-m", "flake8", "--select", "INIT", "--isolated", str(tmp_path)]
    assert subprocess.run(base, capture_output=True, text=True, timeout=60).stdout == ""
    flag = ["--initlint-conditional-empty-init"]
    out = subprocess.run(base + flag, capture_output=True, text=True, timeout=60).stdout
    assert ":5:" in out and "INIT103" in out and "INIT101" not in out


@pytest.mark.parametrize("rule", FLOW_RULES, ids=lambda r: r.code)
def test_rule_examples(rule):
    config = Config(select=("INIT",))
    assert rule.code in {f.code for f in lint_source(textwrap.dedent(rule.bad), "bad.py", config)}
    assert lint_source(textwrap.dedent(rule.good), "good.py", config) == []

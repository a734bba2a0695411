"""The repository against its own tools and scripts, through the real executables in subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if k != "INITLINT_CACHE_DIR"}


def run(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=300, env=env or ENV
    )


def rows(out: str) -> set[tuple[str, int, str]]:
    found = set()
    for line in out.splitlines():
        path, number, _col, rest = line.split(":", 3)
        found.add((os.path.normpath(path), int(number), rest.split()[0]))
    return found


def test_initlint_and_flake8_agree_on_the_examples():
    """The README's quick start runs ``initlint examples/``; flake8 must report the same findings there."""
    ours = run("-m", "initlint", "--no-cache", "--concise", "examples/")
    theirs = run("-m", "flake8", "--select", "INIT", "examples/")
    assert ours.returncode == theirs.returncode == 1, (ours.stderr, theirs.stderr)
    assert rows(ours.stdout) == rows(theirs.stdout) and len(rows(ours.stdout)) >= 6


def test_repository_passes_initlint_outside_the_intentionally_buggy_examples():
    result = run("-m", "initlint", "--no-cache", "--extend-exclude", "examples", ".")
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_statistics_with_no_findings_says_how_many_files_were_checked(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    for name in ("a.py", "b.py", "c.py"):
        (tmp_path / name).write_text("import torch\nx = torch.ones(2)\n")
    result = run("-m", "initlint", "--no-cache", "--statistics", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "0 findings in 0 files (3 files checked)\n"), result.stderr


def test_gen_rule_docs_help_does_not_rewrite_the_docs():
    docs = REPO / "docs" / "rules.md"
    before = docs.stat().st_mtime_ns
    result = run("scripts/gen_rule_docs.py", "--help")
    assert result.returncode == 0 and "usage:" in result.stdout and "--check" in result.stdout
    assert docs.stat().st_mtime_ns == before
    bad = run("scripts/gen_rule_docs.py", "--chek")
    assert bad.returncode == 2 and docs.stat().st_mtime_ns == before


def test_flow_table_is_collected_without_hypothesis(tmp_path):
    """Without hypothesis only the property test skips; the INIT1xx case table still runs."""
    blocker = tmp_path / "hypothesis"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('hypothesis is blocked for this test')\n")
    env = dict(ENV, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO), ENV.get("PYTHONPATH", "")]))
    args = ["-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-o", "addopts="]
    collected = run(*args, "--collect-only", "tests/initlint/test_flow.py", env=env)
    assert collected.returncode == 0, collected.stdout[-2000:]
    assert "hypothesis is blocked" not in collected.stdout
    count = sum(1 for line in collected.stdout.splitlines() if "test_flow.py::" in line)
    assert count > 20, collected.stdout[-2000:]
    prop = run(*args, "-rs", "tests/initlint/test_flow.py", "-k", "generated_scripts", env=env)
    assert prop.returncode == 0 and "1 skipped" in prop.stdout and "hypothesis is not installed" in prop.stdout, (
        prop.stdout[-2000:]
    )

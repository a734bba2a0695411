"""Strict configuration: the real ``initlint`` and ``flake8`` executables in subprocesses on temp projects.

A typo must never silently turn checking off: unknown codes or prefixes, wrong types and unknown keys are
configuration errors with a did-you-mean (``initlint`` exits 2; flake8 stops with ``flake8: error: ...``
and exit 2, no traceback). The checks live in one place (:meth:`initlint.config.Config.from_mapping`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from initlint.config import Config, ConfigError, find_project_config

from .test_cli import BAD

ENV = {k: v for k, v in os.environ.items() if k != "INITLINT_CACHE_DIR"}


def initlint(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "initlint", "--no-cache", *args], cwd=cwd, capture_output=True, text=True,
        timeout=120, env=ENV,
    )


def flake8(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=ENV
    )


def project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'demo'\n\n[tool.initlint]\n{table}\n")
    (tmp_path / "model.py").write_text(BAD)
    return tmp_path


def assert_config_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert result.stdout == "" and "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# ---------------------------------------------------------------------- initlint
@pytest.mark.parametrize(
    "table, fragments",
    [
        ('select = ["INTI"]', ["select", "'INTI'", "did you mean 'INIT'?"]),
        ('ignore = ["INTI004"]', ["ignore", "'INTI004'", "did you mean 'INIT004'?"]),
        ('extend-select = ["INIT2"]', ["extend-select", "'INIT2'"]),
        ('per-file-ignores = { "tests/*" = ["INIT0O1"] }', ["per-file-ignores", "'INIT0O1'"]),
        ('conditional-empty-init = "ture"', ["conditional-empty-init", "expected true or false", "'ture'"]),
        ("conditional-empty-init = 1", ["conditional-empty-init", "expected true or false"]),
        ("module-bases = [1]", ["module-bases", "expected a list of strings"]),
        ("per_file_ignore = {}", ["unknown option 'per_file_ignore'", "did you mean 'per-file-ignores'?",
                                  "per-file-ignores, select"]),
        ("slect = ['INIT']", ["unknown option 'slect'", "did you mean 'select'?"]),
    ],
)
def test_bad_pyproject_values_exit_2_with_a_did_you_mean(tmp_path, table, fragments):
    result = initlint(project(tmp_path, table), ".")
    assert_config_error(result, "configuration error", "pyproject.toml [tool.initlint]", *fragments)


def test_unknown_key_error_lists_the_documented_dashed_names(tmp_path):
    result = initlint(project(tmp_path, "bogus = 1"), ".")
    assert_config_error(result, "per-file-ignores", "conditional-empty-init", "extend-exclude")
    assert "per_file_ignores" not in result.stderr and "conditional_empty_init" not in result.stderr


@pytest.mark.parametrize(
    "flags, fragment",
    [
        (["--select", "INTI"], "--select: unknown code or prefix 'INTI' (did you mean 'INIT'?)"),
        (["--ignore", "INIT001,INTI004"], "--ignore: unknown code or prefix 'INTI004' (did you mean 'INIT004'?)"),
        (["--extend-ignore", "E501"], "--extend-ignore: unknown code or prefix 'E501'"),
        (["--extend-select", "INIT7"], "--extend-select: unknown code or prefix 'INIT7'"),
    ],
)
def test_bad_codes_on_the_command_line_exit_2(tmp_path, flags, fragment):
    result = initlint(project(tmp_path, ""), *flags, ".")
    assert_config_error(result, fragment)


@pytest.mark.parametrize("prefix", ["INIT", "INIT0", "INIT00", "INIT003", "INIT1", "INIT10", "INIT9", "INIT901", "I"])
def test_every_real_prefix_is_accepted(tmp_path, prefix):
    result = initlint(project(tmp_path, f'select = ["{prefix}"]'), ".")
    assert result.returncode in (0, 1) and "error" not in result.stderr, result.stderr
    assert ("INIT003" in result.stdout) == "INIT003".startswith(prefix)


def test_valid_config_is_used_and_verbose_says_so(tmp_path):
    root = project(tmp_path, 'ignore = ["INIT003"]\nconditional-empty-init = true\nextend-ignore = ["INIT9"]')
    result = initlint(root, "-v", ".")
    assert result.returncode == 0 and result.stdout == "", result.stderr
    assert f"config: [tool.initlint] in {root / 'pyproject.toml'}" in result.stderr


def test_verbose_never_claims_an_unused_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "model.py").write_text(BAD)
    result = initlint(tmp_path, "-v", ".")
    assert result.returncode == 1
    assert "has no [tool.initlint] table: defaults" in result.stderr
    assert "config: [tool.initlint] in" not in result.stderr


def test_extend_ignore_adds_to_the_configured_ignores(tmp_path):
    root = project(tmp_path, 'ignore = ["INIT001"]')
    assert "INIT003" in initlint(root, ".").stdout
    assert initlint(root, "--extend-ignore", "INIT003", ".").stdout == ""
    # --ignore replaces the configured list
    assert "INIT003" in initlint(root, "--ignore", "INIT001", ".").stdout


def test_config_discovery_lives_in_config_and_reads_the_nearest_pyproject(tmp_path):
    root = project(tmp_path, 'ignore = ["INIT003"]')
    (root / "sub").mkdir()
    found = find_project_config(start=str(root / "sub"))
    assert found.path == str(root / "pyproject.toml") and found.root == str(root) and found.has_table
    assert found.config.ignore == ("INIT003",)
    with pytest.raises(ConfigError, match="did you mean 'INIT003'"):
        Config.from_mapping({"ignore": ["INTI003"]})


# ---------------------------------------------------------------------- flake8
@pytest.mark.parametrize(
    "setting, fragment",
    [
        ("initlint-ignore = INTI003", "initlint-ignore: unknown code or prefix 'INTI003' (did you mean 'INIT003'?)"),
        ("initlint-conditional-empty-init = ture",
         "initlint-conditional-empty-init: expected true or false, got 'ture'"),
        ("initlint-per-file-ignores =\n    m.py: INTI1",
         "initlint-per-file-ignores 'm.py': unknown code or prefix 'INTI1'"),
    ],
)
def test_flake8_rejects_bad_plugin_options_without_a_traceback(tmp_path, setting, fragment):
    (tmp_path / "m.py").write_text(BAD)
    (tmp_path / "setup.cfg").write_text(f"[flake8]\nselect = INIT\n{setting}\n")
    result = flake8(tmp_path, "m.py")
    assert_config_error(result, "flake8: error: ", fragment)


def test_flake8_misspelt_plugin_key_is_an_error_not_silence(tmp_path):
    """flake8 skips config keys it does not know; the plugin names its own misspelt ``initlint-*`` keys."""
    (tmp_path / "m.py").write_text(BAD)
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = INIT\ninitlint-ignroe = INIT003\n")
    result = flake8(tmp_path, "m.py")
    assert_config_error(result, "flake8: error: unknown option 'initlint-ignroe' (did you mean 'initlint-ignore'?)")
    assert "initlint-select" not in result.stderr  # only the options the plugin really has are listed
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = INIT\ninitlint_ignore = INIT003\n")
    assert flake8(tmp_path, "m.py").returncode == 0  # flake8 accepts underscores; so do we


def test_flake8_boolean_option_from_config_and_command_line(tmp_path):
    script = (
        "from lightning import Fabric\n"
        "def main(fabric, resume):\n"
        "    with fabric.init_module(empty_init=(fabric.world_size > 1)):\n"
        "        model = GPT()\n"
        "    fabric.backward(model(1))\n"
    )
    (tmp_path / "train.py").write_text(script)
    assert flake8(tmp_path, "--select", "INIT", "train.py").stdout == ""
    on = flake8(tmp_path, "--select", "INIT", "--initlint-conditional-empty-init", "train.py")
    assert "INIT101" in on.stdout, on.stderr
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = INIT\ninitlint-conditional-empty-init = yes\n")
    assert "INIT101" in flake8(tmp_path, "train.py").stdout
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = INIT\ninitlint-conditional-empty-init = false\n")
    assert flake8(tmp_path, "train.py").stdout == ""

"""Traps a new user hit after the strict-configuration work, each through the real executables on temp projects.

Globs written the way users write them (``./tests/*``, ``**/conftest.py``), an empty ``select``, a ``--config``
file that configures nothing, broken symbolic links, flake8 run from a sub-directory, and ``--show-source`` on
a file that declares another encoding.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from initlint.config import path_matches

from .test_cli import BAD
from .test_cli_config import flake8, initlint, project


@pytest.mark.parametrize(
    "path, pattern, expected",
    [
        ("tests/test_a.py", "./tests/*", True),
        ("./tests/test_a.py", "tests/*", True),
        ("tests/deep/x.py", "./tests", True),
        ("src/x.py", "./tests/*", False),
        ("conftest.py", "**/conftest.py", True),
        ("a/b/conftest.py", "**/conftest.py", True),
        ("a/b/other.py", "**/conftest.py", False),
    ],
)
def test_globs_as_users_write_them(path, pattern, expected):
    assert path_matches(path, [pattern]) is expected


def test_dot_slash_exclude_really_excludes(tmp_path):
    root = project(tmp_path, 'exclude = ["./vendor/*"]')
    (root / "vendor").mkdir()
    (root / "vendor" / "m.py").write_text(BAD)
    out = initlint(root, ".").stdout
    assert "model.py" in out and "vendor" not in out


def test_empty_select_is_an_error_not_a_silent_pass(tmp_path):
    root = project(tmp_path, "select = []")
    r = initlint(root, ".")
    assert r.returncode == 2, r.stdout
    assert "select: empty: no rule would run" in r.stderr


def test_config_file_without_a_table_is_an_error(tmp_path):
    (tmp_path / "other.toml").write_text("[tool.black]\nline-length = 100\n")
    (tmp_path / "model.py").write_text(BAD)
    r = initlint(tmp_path, "--config", "other.toml", ".")
    assert r.returncode == 2
    assert "has no [tool.initlint] table" in r.stderr


def test_config_that_is_a_directory_says_so(tmp_path):
    (tmp_path / "model.py").write_text(BAD)
    r = initlint(tmp_path, "--config", str(tmp_path), ".")
    assert r.returncode == 2
    assert "is a directory" in r.stderr


@pytest.mark.skipif(os.name == "nt", reason="symbolic links need privileges on Windows")
def test_broken_symlink_is_reported_not_skipped(tmp_path):
    (tmp_path / "model.py").write_text(BAD)
    os.symlink(tmp_path / "gone.py", tmp_path / "link.py")
    walked = initlint(tmp_path, ".")
    assert "link.py:1:1: INIT901 cannot read this file: broken symbolic link to" in walked.stdout
    named = initlint(tmp_path, "link.py")
    assert named.returncode == 1
    assert "INIT901" in named.stdout and "broken symbolic link" in named.stdout


def test_flake8_per_file_ignores_are_relative_to_the_config_file(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\nselect = INIT\ninitlint-per-file-ignores = tests/*: INIT\n")
    for sub in ("tests", "src"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "layers.py").write_text(BAD)
    from_root = flake8(tmp_path).stdout
    from_sub = flake8(tmp_path / "tests", ".", "../src").stdout
    assert "src/layers.py" in from_root and "tests/layers.py" not in from_root
    assert "src/layers.py" in from_sub
    assert "./layers.py" not in from_sub, from_sub


def test_show_source_decodes_the_declared_encoding(tmp_path: Path):
    source = BAD.replace("torch.empty(3, 4))", "torch.empty(3, 4))  # café", 1)
    data = ("# -*- coding: latin-1 -*-\n" + source).encode("latin-1")
    (tmp_path / "lat.py").write_bytes(data)
    r = initlint(tmp_path, "--show-source", "lat.py")
    assert r.returncode == 1, r.stderr
    assert "torch.empty(3, 4))  # café" in r.stdout

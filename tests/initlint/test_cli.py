"""The ``initlint`` command, run in-process through ``cli.main([...])`` on real files in temporary projects.

The subprocess tests (the real executable, broken pipes, Ctrl-C) are in ``test_cli_subprocess.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from initlint import cli
from initlint.config import Config
from initlint.engine import lint_source

BAD = """\
import torch
from torch import nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.empty(3, 4))

    def forward(self, x):
        return x @ self.w
"""
#: Where INIT003 points in BAD (1-based line and column).
BAD_AT = (8, 9)

CLEAN = """\
import torch
from torch import nn


class M(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 4)
"""

UNPARSEABLE = "import torch\nclass M(nn.Module):\n    def (\n        self.w = nn.Parameter(torch.empty(3))\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A temporary project root (with its own pyproject.toml) as the current directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(cli.CACHE_DIR_ENV, raising=False)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    return tmp_path


def write(root: Path, rel: str, text: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def codes_in(out: str) -> list[str]:
    return [line.split(": ", 1)[1].split()[0] for line in out.splitlines() if ": INIT" in line]


# ---------------------------------------------------------------------- basics
def test_reports_findings_like_the_engine(project, capsys):
    write(project, "pkg/model.py", BAD)
    code, out, err = run(capsys, "--no-cache", "--concise")
    assert code == 1
    expected = [f.format().replace("pkg/model.py", "./pkg/model.py", 1) for f in lint_source(BAD, "pkg/model.py")]
    assert out.splitlines() == expected
    assert f"./pkg/model.py:{BAD_AT[0]}:{BAD_AT[1]}: INIT003 " in out


def test_paths_are_printed_as_given(project, capsys):
    write(project, "pkg/model.py", BAD)
    _, out, _ = run(capsys, "--no-cache", "pkg")
    assert out.startswith("pkg/model.py:8:9: INIT003")
    _, out, _ = run(capsys, "--no-cache", "pkg/model.py")
    assert out.startswith("pkg/model.py:8:9: INIT003")


def test_clean_project_exits_zero(project, capsys):
    write(project, "model.py", CLEAN)
    assert run(capsys, "--no-cache") == (0, "", "")


def test_empty_directory_and_no_python_files(project, capsys):
    assert run(capsys)[0] == 0
    write(project, "notes.txt", BAD)
    (project / "empty").mkdir()
    assert run(capsys, ".", "empty")[:2] == (0, "")


def test_nonexistent_path_is_a_usage_error(project, capsys):
    write(project, "model.py", BAD)
    code, out, err = run(capsys, "model.py", "missing.py")
    assert code == 2 and out == ""
    assert "missing.py" in err and "no such file" in err


@pytest.mark.parametrize("args", [["--bogus"], ["--format", "xml"], ["-j", "many"], ["-j", "-3"]])
def test_bad_options_are_usage_errors(project, capsys, args):
    code, _, err = run(capsys, *args)
    assert code == 2 and "initlint: error:" in err


def test_exit_zero(project, capsys):
    write(project, "model.py", BAD)
    code, out, _ = run(capsys, "--no-cache", "--exit-zero")
    assert code == 0 and "INIT003" in out


def test_version_and_help(project, capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("initlint ")
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "--format" in out and "pre-commit" in out


# ---------------------------------------------------------------------- rules information
def test_list_rules(project, capsys):
    from initlint.rules import RULES_BY_CODE

    code, out, _ = run(capsys, "--list-rules")
    listed = [line.split()[0] for line in out.splitlines()]
    assert code == 0 and set(RULES_BY_CODE) | {"INIT900", "INIT901"} == set(listed)
    assert listed == sorted(listed)
    code, out, _ = run(capsys, "--list-rules", "--format", "json")
    assert {r["code"] for r in json.loads(out)} == set(listed)


def test_explain(project, capsys):
    from initlint.rules import RULES_BY_CODE

    code, out, _ = run(capsys, "--explain", "init003")
    assert code == 0 and out.startswith("INIT003 (") and RULES_BY_CODE["INIT003"].summary in out
    assert "**" not in out.split("\nBad:\n")[0] and "``" not in out  # terminal text, not Markdown
    code, out, _ = run(capsys, "--explain", "INIT901")
    assert code == 0 and "INIT901" in out
    code, out, err = run(capsys, "--explain", "INIT999")
    assert code == 2 and out == "" and "INIT999" in err


# ---------------------------------------------------------------------- selection and configuration
def test_select_ignore_extend(project, capsys):
    write(project, "model.py", BAD)
    assert "INIT003" in codes_in(run(capsys, "--no-cache")[1])
    assert "INIT003" not in codes_in(run(capsys, "--no-cache", "--select", "INIT001")[1])
    assert run(capsys, "--no-cache", "--ignore", "INIT003,INIT001")[0] == 0
    assert run(capsys, "--no-cache", "--extend-ignore", "INIT0")[0] == 0
    code, out, _ = run(capsys, "--no-cache", "--select", "INIT1", "--extend-select", "INIT003")
    assert codes_in(out) == ["INIT003"]


def test_bad_code_in_option_is_usage_error(project, capsys):
    code, _, err = run(capsys, "--select", "INIT-003")
    assert code == 2 and "configuration error" in err


def test_pyproject_is_found_from_a_subdirectory(project, capsys, monkeypatch):
    (project / "pyproject.toml").write_text(
        '[tool.initlint]\nper-file-ignores = {"tests/*" = ["INIT003"]}\nexclude = ["generated/*"]\n'
    )
    write(project, "tests/test_model.py", BAD)
    write(project, "src/model.py", BAD)
    write(project, "generated/model.py", BAD)
    code, out, _ = run(capsys, "--no-cache")
    assert code == 1
    assert "./src/model.py:8:9: INIT003" in out
    assert "tests/test_model.py:8" not in out and "generated" not in out
    # the globs are relative to the project root, wherever initlint is started from
    monkeypatch.chdir(project / "tests")
    assert run(capsys, "--no-cache")[0] == 0
    assert run(capsys, "--no-cache", "test_model.py")[0] == 0


def test_explicit_files_are_linted_even_if_excluded_unless_force_exclude(project, capsys):
    (project / "pyproject.toml").write_text('[tool.initlint]\nexclude = ["generated"]\n')
    write(project, "generated/model.py", BAD)
    assert run(capsys, "--no-cache")[0] == 0
    assert run(capsys, "--no-cache", "generated/model.py")[0] == 1
    assert run(capsys, "--no-cache", "--force-exclude", "generated/model.py")[0] == 0
    assert run(capsys, "--no-cache", "--force-exclude", "generated")[0] == 0


def test_exclude_options(project, capsys):
    write(project, "a/model.py", BAD)
    write(project, "b/model.py", BAD)
    _, out, _ = run(capsys, "--no-cache", "--exclude", "a")
    assert "a/model.py" not in out and "b/model.py" in out
    _, out, _ = run(capsys, "--no-cache", "--extend-exclude", "b/*.py")
    assert "a/model.py" in out and "b/model.py" not in out


def test_explicit_config_and_config_errors(project, capsys, tmp_path_factory):
    other = tmp_path_factory.mktemp("other") / "custom.toml"
    other.write_text('[tool.initlint]\nignore = ["INIT003"]\n')
    write(project, "model.py", BAD)
    assert "INIT003" not in run(capsys, "--no-cache", "--config", str(other))[1]
    assert run(capsys, "--config", "nope.toml")[0] == 2
    (project / "pyproject.toml").write_text("[tool.initlint]\nbogus-option = 1\n")
    code, _, err = run(capsys)
    assert code == 2 and "bogus-option" in err
    (project / "pyproject.toml").write_text("[tool.initlint\n")
    code, _, err = run(capsys)
    assert code == 2 and "pyproject.toml" in err


def test_discovery_skips_vendored_and_generated_directories(project, capsys):
    for skipped in (".git/hooks", "venv", ".venv", "myenv", "build", "dist", ".tox", "node_modules",
                    "__pycache__", "lib/site-packages", ".eggs"):
        write(project, f"{skipped}/model.py", BAD)
    write(project, "myenv/pyvenv.cfg", "home = /usr\n")
    write(project, "stubs/model.pyi", BAD)
    write(project, "script.txt", BAD)
    _, out, _ = run(capsys, "--no-cache", "--concise")
    assert sorted({line.split(":")[0] for line in out.splitlines()}) == ["./stubs/model.pyi"]
    # a file named on the command line is linted whatever its name or directory
    assert "INIT003" in run(capsys, "--no-cache", "script.txt", "venv/model.py")[1]
    assert "INIT003" in run(capsys, "--no-cache", "build")[1]
    # unless --force-exclude is given
    assert run(capsys, "--no-cache", "--force-exclude", "venv/model.py", "build", "lib/site-packages")[0] == 0


# ---------------------------------------------------------------------- noqa
def test_noqa_comments(project, capsys):
    lines = BAD.splitlines()
    target = lines[BAD_AT[0] - 1]
    for comment, suppressed in [
        ("  # noqa", True),
        ("  # NOQA:init003", True),
        ("  # noqa: INIT0", True),
        ("  # noqa: INIT001,E501", False),
        ("  # noqa:E501", False),
    ]:
        lines[BAD_AT[0] - 1] = target + comment
        write(project, "model.py", "\n".join(lines) + "\n")
        out = run(capsys, "--no-cache")[1]
        assert ("INIT003" not in out) is suppressed, comment


# ---------------------------------------------------------------------- hostile input
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), id="binary"),
        pytest.param(b"import torch\nx = nn.Parameter(torch.empty(3))\n\xff\xfe\x00", id="undecodable"),
        pytest.param(b"import torch\nx = nn.Parameter(torch.empty(3))\x00\n", id="null-byte"),
        pytest.param(UNPARSEABLE.encode(), id="syntax-error"),
        pytest.param(b"# -*- coding: latin-9000 -*-\nx = nn.Parameter(torch.empty(3))\n", id="bad-codec"),
        pytest.param(b"x = (" * 5000 + b"nn.Parameter(torch.empty(3))" + b")" * 5000, id="deep"),
        pytest.param("import torch\nname = 'caf\u00e9 \u2603'\n".encode("utf-16"), id="utf16"),
    ],
)
def test_hostile_files_never_crash_and_the_run_goes_on(project, capsys, content):
    write(project, "a_hostile.py", content)
    write(project, "b_model.py", BAD)
    code, out, err = run(capsys, "--no-cache")
    assert code == 1
    assert "./b_model.py:8:9: INIT003" in out  # the good file is still checked
    hostile = [line for line in out.splitlines() if line.startswith("./a_hostile.py")]
    assert len(hostile) <= 1 and all(" INIT901 " in line for line in hostile)


def test_unparseable_file_gives_one_clear_error(project, capsys):
    write(project, "broken.py", UNPARSEABLE)
    code, out, _ = run(capsys, "--no-cache")
    assert code == 1
    assert len(out.splitlines()) == 1 and out.startswith("./broken.py:") and " INIT901 cannot parse" in out


def test_bom_and_crlf_give_the_same_findings(project, capsys):
    write(project, "lf.py", BAD)
    write(project, "crlf.py", ("\ufeff" + BAD.replace("\n", "\r\n")).encode("utf-8"))
    out = run(capsys, "--no-cache")[1]
    by_file = {}
    for line in out.splitlines():
        path, rest = line.split(":", 1)
        by_file.setdefault(path, []).append(rest)
    assert by_file["./lf.py"] == by_file["./crlf.py"] and by_file["./lf.py"]


def test_file_vanishing_after_discovery_is_one_read_error(project):
    from initlint.runner import lint_one

    outcome = lint_one("gone.py", "gone.py", None, Config())
    assert outcome.sha is None
    assert outcome.rows == [[1, 0, "INIT901", "cannot read this file: No such file or directory"]]
    assert lint_one("gone.py", "gone.py", None, Config(ignore=("INIT901",))).rows == []


def test_unreadable_file(project, capsys):
    write(project, "model.py", BAD)
    secret = write(project, "secret.py", BAD)
    secret.chmod(0)
    try:
        if os.access(secret, os.R_OK):
            pytest.skip("running as a user that can read anything")
        code, out, _ = run(capsys, "--no-cache")
        assert code == 1 and "./secret.py:1:1: INIT901 cannot read this file" in out
        assert "./model.py:8:9: INIT003" in out
    finally:
        secret.chmod(0o644)


# ---------------------------------------------------------------------- formats
def test_json_format(project, capsys):
    write(project, "model.py", BAD)
    code, out, _ = run(capsys, "--no-cache", "--format", "json")
    data = json.loads(out)
    assert code == 1 and {"path": "./model.py", "line": 8, "column": 9, "code": "INIT003"}.items() <= next(
        d for d in data if d["code"] == "INIT003"
    ).items()
    assert all(set(d) == {"path", "line", "column", "code", "message", "fix"} for d in data)
    assert json.loads(run(capsys, "--no-cache", "--format", "json", "--select", "INIT9")[1]) == []


def test_sarif_format(project, capsys):
    from initlint.rules import RULES_BY_CODE

    write(project, "sub dir/model.py", BAD)
    write(project, "broken.py", UNPARSEABLE)
    code, out, _ = run(capsys, "--no-cache", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0" and "sarif" in log["$schema"]
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "initlint" and driver["version"] and "informationUri" not in driver
    ids = [r["id"] for r in driver["rules"]]
    assert set(RULES_BY_CODE) <= set(ids) and {"INIT900", "INIT901"} <= set(ids)
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"INIT003", "INIT901"}
    for result in results:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note") and result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "./", "file:")) and "\\" not in uri
        assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
    init003 = next(r for r in results if r["ruleId"] == "INIT003")
    loc = init003["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "sub%20dir/model.py"
    assert (loc["region"]["startLine"], loc["region"]["startColumn"]) == BAD_AT


def test_github_format(project, capsys):
    write(project, "model.py", BAD)
    out = run(capsys, "--no-cache", "--format", "github")[1]
    line = next(line for line in out.splitlines() if "title=INIT003" in line)
    assert line.startswith("::error file=model.py,line=8,col=9,title=INIT003::parameter")


def test_statistics_and_show_source(project, capsys):
    write(project, "a.py", BAD)
    write(project, "b.py", BAD)
    write(project, "c.py", UNPARSEABLE)
    code, out, _ = run(capsys, "--no-cache", "--statistics", "--show-source", "--select", "INIT003,INIT901")
    lines = out.splitlines()
    assert "            self.w = nn.Parameter(torch.empty(3, 4))" in lines
    assert "            ^" in lines  # caret under column 9
    assert any(line.split()[:2] == ["2", "INIT003"] for line in lines)
    assert any(line.split()[:2] == ["1", "INIT901"] for line in lines)
    assert lines[-1] == "3 findings in 3 files (3 files checked)"


def test_statistics_keep_json_parseable(project, capsys):
    write(project, "a.py", BAD)
    code, out, err = run(capsys, "--no-cache", "--statistics", "--format", "json")
    assert json.loads(out) and "INIT003" in err


def test_output_file(project, capsys):
    write(project, "a.py", BAD)
    code, out, _ = run(capsys, "--no-cache", "--format", "sarif", "-o", "report.sarif")
    assert code == 1 and out == ""
    assert json.loads((project / "report.sarif").read_text())["runs"][0]["results"]
    assert run(capsys, "--no-cache", "-o", str(project / "no" / "such" / "dir.txt"))[0] == 2


# ---------------------------------------------------------------------- parallel runs
def _many_files(root: Path, n: int = 14) -> None:
    for i in range(n):
        write(root, f"pkg{i % 3}/m{i:02d}.py", BAD if i % 2 else CLEAN)
    write(root, "pkg0/broken.py", UNPARSEABLE)


def test_jobs_give_identical_sorted_output(project, capsys):
    _many_files(project)
    serial = run(capsys, "--no-cache", "--concise", "-j", "1")
    assert serial[0] == 1 and len(serial[1].splitlines()) >= 8
    assert serial[1].splitlines() == sorted(serial[1].splitlines(), key=lambda text: text.split(":")[0])
    assert run(capsys, "--no-cache", "--concise", "-j", "3") == serial
    with_fix_serial = run(capsys, "--no-cache", "-j", "1")
    with_fix_pool = run(capsys, "--no-cache", "-j", "3")
    assert with_fix_pool == with_fix_serial and "\n    fix: " in with_fix_serial[1]
    assert run(capsys, "--no-cache", "--concise", "-j", "auto") == serial
    assert run(capsys, "-j", "2") == with_fix_serial  # fills the cache from worker results
    assert run(capsys, "-j", "2") == with_fix_serial  # and reads it (the fix lines come back from the cache)


# ---------------------------------------------------------------------- cache
def _cache_line(err: str) -> str:
    return next(line for line in err.splitlines() if line.startswith("initlint: cache: ") and "hits" in line)


def _age(root: Path) -> None:
    """Make every file look old, so its stat can be trusted (see ``initlint.cache.RACY_NS``)."""
    for path in root.rglob("*.py"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns - 60 * 10**9))


def test_cache_hits_and_invalidation(project, capsys):
    _many_files(project, 4)
    _age(project)
    first = run(capsys, "-v")
    assert "0 hits, 5 misses" in _cache_line(first[2])
    cache_file = project / ".initlint_cache" / "v1.json"
    data = json.loads(cache_file.read_text())
    assert sorted(data["files"]) == ["pkg0/broken.py", "pkg0/m00.py", "pkg0/m03.py", "pkg1/m01.py", "pkg2/m02.py"]
    second = run(capsys, "-v")
    assert "5 hits, 0 misses" in _cache_line(second[2]) and second[1] == first[1]
    # an edit is a miss, for this file only
    write(project, "pkg1/m01.py", BAD + "\n# edited\n")
    assert "4 hits, 1 misses" in _cache_line(run(capsys, "-v")[2])
    # same bytes, new time stamp: found by content hash, not linted again
    os.utime(project / "pkg0/m00.py", ns=(0, 10**9))
    third = run(capsys, "-v")
    assert "5 hits, 0 misses" in _cache_line(third[2]) and "4 from cache, 0 linted" not in third[2]
    # excluding files changes no file's findings: the rest stays cached
    assert "4 hits, 0 misses" in _cache_line(run(capsys, "-v", "--extend-exclude", "pkg2")[2])
    # other settings are other results
    assert "0 hits" in _cache_line(run(capsys, "-v", "--ignore", "INIT003")[2])


def test_cache_reports_the_same_as_no_cache_after_edits_and_noqa(project, capsys):
    write(project, "m.py", BAD)
    _age(project)
    assert run(capsys)[1] == run(capsys, "--no-cache")[1] != ""
    write(project, "m.py", BAD.replace("torch.empty(3, 4))", "torch.empty(3, 4))  # noqa"))
    assert run(capsys)[:2] == (0, "")


def test_corrupt_cache_is_rebuilt(project, capsys):
    write(project, "m.py", BAD)
    expected = run(capsys, "--no-cache")
    (project / ".initlint_cache").mkdir()
    (project / ".initlint_cache" / "v1.json").write_bytes(b"\x00garbage{")
    assert run(capsys) == expected
    assert json.loads((project / ".initlint_cache" / "v1.json").read_text())["files"]


def test_no_cache_and_cache_dir(project, capsys, monkeypatch):
    write(project, "m.py", BAD)
    run(capsys, "--no-cache")
    assert not (project / ".initlint_cache").exists()
    run(capsys, "--cache-dir", "elsewhere")
    assert (project / "elsewhere" / "v1.json").is_file() and not (project / ".initlint_cache").exists()
    monkeypatch.setenv(cli.CACHE_DIR_ENV, str(project / "from-env"))
    run(capsys)
    assert (project / "from-env" / "v1.json").is_file()
    (project / "pyproject.toml").write_text("[tool.initlint]\ncache = false\n")
    monkeypatch.delenv(cli.CACHE_DIR_ENV)
    run(capsys)
    assert not (project / ".initlint_cache").exists()


def test_cache_lives_in_the_project_root(project, capsys, monkeypatch):
    write(project, "sub/m.py", BAD)
    monkeypatch.chdir(project / "sub")
    assert run(capsys, "m.py")[0] == 1
    assert (project / ".initlint_cache" / "v1.json").is_file()
    assert not (project / "sub" / ".initlint_cache").exists()


def test_config_fingerprint_is_part_of_the_key():
    assert Config().fingerprint() != Config(ignore=("INIT003",)).fingerprint()


# ---------------------------------------------------------------------- pre-commit
def test_pre_commit_hook_definition(project, capsys):
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load((Path(__file__).parents[2] / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "initlint")
    assert hook["entry"] == "initlint" and hook["language"] == "python"
    assert hook["types"] == ["python"] and hook["require_serial"] is False
    # run it the way pre-commit does: entry + args + the staged files (here: one excluded fixture)
    (project / "pyproject.toml").write_text('[tool.initlint]\nexclude = ["fixtures/*"]\n')
    write(project, "fixtures/bad.py", BAD)
    write(project, "model.py", BAD)
    code, out, _ = run(capsys, *hook.get("args", []), "model.py", "fixtures/bad.py")
    assert code == 1 and out.startswith("model.py:8:9: INIT003") and "fixtures" not in out
    assert run(capsys, *hook.get("args", []))[0] == 1  # with no files it checks the project

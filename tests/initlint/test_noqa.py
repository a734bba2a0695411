"""``# noqa`` handling (flake8 semantics) on real source text."""

from __future__ import annotations

import pytest

from initlint.finding import Finding
from initlint.noqa import apply_noqa, directives, is_suppressed, parse_comment


def _f(line: int, code: str = "INIT003") -> Finding:
    return Finding("m.py", line, 0, code, "msg")


@pytest.mark.parametrize(
    "comment, expected",
    [
        ("# noqa", None),
        ("# NOQA", None),
        ("# NoQa", None),
        ("#noqa", None),
        ("# noqa: INIT001", frozenset({"INIT001"})),
        ("# noqa:INIT001", frozenset({"INIT001"})),
        ("# noqa: init001,e501", frozenset({"INIT001", "E501"})),
        ("# noqa: INIT001, E501", frozenset({"INIT001", "E501"})),
        ("# noqa: INIT001 E501", frozenset({"INIT001", "E501"})),
        ("# noqa: INIT0", frozenset({"INIT0"})),
        ("# noqa: INIT001 because the weights are loaded", frozenset({"INIT001"})),
        # as in flake8, a code needs digits; a bare family name makes it a blanket noqa
        ("# noqa: INIT", None),
        ("# type: ignore  # noqa: INIT003", frozenset({"INIT003"})),
        ("# a comment", False),
        ("# noq", False),
    ],
)
def test_parse_comment(comment, expected):
    assert parse_comment(comment) == expected


def test_is_suppressed_prefixes():
    assert is_suppressed("INIT003", None)
    assert is_suppressed("INIT003", frozenset({"INIT003"}))
    assert is_suppressed("INIT003", frozenset({"INIT0"}))
    assert not is_suppressed("INIT003", frozenset({"INIT001"}))
    assert not is_suppressed("INIT003", frozenset({"E501"}))
    assert not is_suppressed("INIT103", frozenset({"INIT0"}))


SOURCE = """\
import torch
a = 1  # noqa
b = 2  # noqa: INIT001
c = 3  # noqa:init003
d = "# noqa"
e = 5
"""


def test_apply_noqa_per_line():
    findings = [_f(n) for n in range(1, 7)]
    kept = apply_noqa(findings, SOURCE)
    assert [f.line for f in kept] == [1, 3, 5, 6]


def test_bytes_and_text_agree():
    findings = [_f(n) for n in range(1, 7)]
    assert apply_noqa(findings, SOURCE) == apply_noqa(findings, SOURCE.encode())


def test_noqa_in_string_does_not_count():
    assert directives('x = "# noqa"\n') == {}


def test_multiline_statement_comment_applies_to_all_lines():
    source = "w = make(\n    torch.empty(3),\n    4,\n)  # noqa: INIT003\nz = 1\n"
    table = directives(source)
    assert all(table[line] == frozenset({"INIT003"}) for line in (1, 2, 3, 4))
    assert 5 not in table
    assert apply_noqa([_f(1), _f(5)], source) == [_f(5)]


def test_triple_quoted_string_spans():
    source = 'x = """\nline\n"""  # noqa\n'
    assert apply_noqa([_f(1), _f(2)], source) == []


def test_untokenizable_source_falls_back_to_lines():
    source = "def (:\n  x = '''unterminated  # noqa\ny = 1  # noqa: INIT003\n"
    kept = apply_noqa([_f(1), _f(2), _f(3)], source)
    assert kept == [_f(1)]


def test_crlf_and_bom():
    source = "\ufeffimport torch\r\nx = 1  # noqa\r\ny = 2\r\n".encode("utf-8")
    assert apply_noqa([_f(2), _f(3)], source) == [_f(3)]


def test_undecodable_bytes_do_not_raise():
    source = b"x = 1  # noqa\n\xff\xfe y = 2\n"
    assert apply_noqa([_f(1), _f(2)], source) == [_f(2)]


def test_no_noqa_fast_path_keeps_everything():
    findings = [_f(1), _f(2)]
    assert apply_noqa(findings, "a = 1\nb = 2\n") == findings
    assert apply_noqa([], "a = 1  # noqa\n") == []


# ---------------------------------------------------------------------- one place for # noqa and unreadable files
BUGGY = (
    "import torch\nfrom torch import nn\n\n\n"
    "class Norm(nn.Module):{comment}\n"
    "    def __init__(self, d):\n"
    "        super().__init__()\n"
    "        self.weight = nn.Parameter(torch.ones(d))\n"
)


def test_public_api_honours_noqa_on_the_reported_line(tmp_path):
    """``initlint.lint_source``/``lint_file`` apply ``# noqa`` like the command; the engine core (what the
    flake8 plugin calls, flake8 applying ``# noqa`` itself) does not."""
    from initlint import lint_file, lint_source
    from initlint.engine import lint_source as lint_core

    plain = BUGGY.format(comment="")
    assert [f.code for f in lint_source(plain, "m.py")] == ["INIT001"]
    for comment in ("  # noqa: INIT001", "  # noqa", "  # noqa: INIT0"):
        silenced = BUGGY.format(comment=comment)
        assert lint_source(silenced, "m.py") == []
        assert lint_source(silenced.encode(), "m.py") == []
        assert [f.code for f in lint_core(silenced, "m.py")] == ["INIT001"]
        (tmp_path / "m.py").write_text(silenced)
        assert lint_file(str(tmp_path / "m.py")) == []
    # another code on the line does not silence INIT001
    assert [f.code for f in lint_source(BUGGY.format(comment="  # noqa: INIT003"), "m.py")] == ["INIT001"]


def test_unreadable_file_is_one_path_honouring_ignore_and_per_file_ignores(tmp_path):
    """``lint_file`` and the command's runner report an unreadable file through the same function."""
    from initlint import Config, lint_file
    from initlint.runner import lint_one

    missing = str(tmp_path / "gone.py")
    assert [f.code for f in lint_file(missing)] == ["INIT901"]
    assert lint_file(missing, Config(ignore=("INIT901",))) == []
    assert lint_file(missing, Config(per_file_ignores=(("*gone.py", ("INIT9",)),))) == []
    assert lint_one(missing, "gone.py", None, Config(ignore=("INIT901",))).rows == []
    assert lint_one(missing, "gone.py", None, Config()).rows == [[f.line, f.col, f.code, f.message]
                                                                 for f in lint_file(missing)]

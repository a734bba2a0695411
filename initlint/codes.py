"""Every code initlint can report, in one table: the rules' codes plus the two the tool itself reports.

``INIT900`` (a rule crashed on a file) and ``INIT901`` (a file could not be read, decoded or parsed) are not
rules; they are described once here and read by the engine, the runner, the output formats, ``--explain``,
``--list-rules``, the flake8 plugin's option checks and ``scripts/gen_rule_docs.py``.

The set of valid codes and code prefixes (for ``select``/``ignore``) is derived from this table, so a new
rule file is known everywhere as soon as it exists. Rule documentation is written in Markdown (it becomes
docs/rules.md and SARIF ``help.markdown``); :func:`plain_text` turns it into terminal text.
"""

from __future__ import annotations

import difflib
import inspect
import re
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

#: Internal error in a rule (the run goes on with the other rules and files).
INTERNAL_ERROR = "INIT900"
#: The file could not be read, decoded or parsed.
PARSE_ERROR = "INIT901"


@dataclass(frozen=True)
class CodeInfo:
    """What outputs and docs need to know about one code."""

    code: str
    name: str
    summary: str
    #: The documentation body in Markdown (no heading): what, why, fix, examples.
    doc: str
    bad: str = ""
    good: str = ""
    level: str = "error"

    def markdown(self) -> str:
        """The documentation in Markdown: the body, then the examples as fenced Python blocks."""
        parts = [self.doc.strip()]
        if self.bad:
            parts.append("Bad:\n\n```python\n" + textwrap.dedent(self.bad).strip() + "\n```")
        if self.good:
            parts.append("Good:\n\n```python\n" + textwrap.dedent(self.good).strip() + "\n```")
        return "\n\n".join(parts) + "\n"

    def text(self) -> str:
        """The documentation as terminal text (``initlint --explain``, SARIF ``help.text``): no Markdown."""
        parts = [f"{self.code} ({self.name}): {self.summary}", plain_text(self.doc.strip())]
        if self.bad:
            parts.append("Bad:\n" + textwrap.indent(textwrap.dedent(self.bad).strip(), "    "))
        if self.good:
            parts.append("Good:\n" + textwrap.indent(textwrap.dedent(self.good).strip(), "    "))
        return "\n\n".join(parts) + "\n"


BUILTIN_CODES: tuple[CodeInfo, ...] = (
    CodeInfo(
        INTERNAL_ERROR,
        "internal-error",
        "a rule hit an internal error on this file (reported; the other rules and files are still checked)",
        "A rule raised an exception on this file. This is a bug in initlint, not in your code: please report\n"
        "it with the file (or a reduced version of it). The other rules still checked the file. Silence it\n"
        "with `--ignore INIT900` (or `ignore = [\"INIT900\"]` in `[tool.initlint]`).\n",
        level="warning",
    ),
    CodeInfo(
        PARSE_ERROR,
        "unparseable-file",
        "the file could not be read, decoded or parsed",
        "initlint cannot check a file it cannot read or parse, so it says so instead of passing it silently.\n"
        "Fix the syntax error or the encoding (Python source is UTF-8 unless a coding declaration says\n"
        "otherwise), or exclude the file (`--extend-exclude`, or `extend-exclude` in `[tool.initlint]`), or\n"
        "ignore the code (`--ignore INIT901`).\n",
    ),
)

_BOLD_HEADING = re.compile(r"\*\*([^*\n]+?)([.:]?)\*\*([.:]?)")
_CODE_SPAN = re.compile(r"``(.+?)``|`([^`\n]+)`", re.DOTALL)


def plain_text(markdown: str) -> str:
    """``markdown`` without its inline markup: ``**What**:`` and ``**What.**`` both become ``What:``, other
    bold text loses its asterisks, code spans their backticks. Used on prose only, never on code examples."""
    text = _BOLD_HEADING.sub(lambda m: m.group(1) + (":" if m.group(2) or m.group(3) else ""), markdown)
    return _CODE_SPAN.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def _rule_info(rule) -> CodeInfo:
    try:
        doc = inspect.cleandoc(rule.__doc__ or "") or rule.summary
    except Exception:  # noqa: BLE001 - a broken docstring must not break --list-rules
        doc = rule.summary
    return CodeInfo(
        rule.code,
        rule.name,
        rule.summary,
        doc,
        rule.bad,
        rule.good,
        getattr(rule, "level", "error") or "error",
    )


@lru_cache(maxsize=1)
def catalogue() -> tuple[CodeInfo, ...]:
    """Every code initlint can report, ordered by code (imports the rule catalogue, not libcst)."""
    from .rules import ALL_RULES

    infos = {info.code: info for info in BUILTIN_CODES}
    for rule in ALL_RULES:
        infos[rule.code] = _rule_info(rule)
    return tuple(infos[code] for code in sorted(infos))


def by_code() -> dict[str, CodeInfo]:
    """:func:`catalogue` keyed by code."""
    return {info.code: info for info in catalogue()}


@lru_cache(maxsize=1)
def _prefixes() -> frozenset[str]:
    return frozenset(info.code[:n] for info in catalogue() for n in range(1, len(info.code) + 1))


def unknown_code_message(value: str) -> Optional[str]:
    """``None`` when ``value`` is a code or a prefix of one (``INIT``, ``INIT0``, ``INIT001``); otherwise why
    not, with the closest known code or prefix if one is close."""
    if value in _prefixes():
        return None
    candidates = sorted(p for p in _prefixes() if len(p) >= 4)
    close = difflib.get_close_matches(value, candidates, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"unknown code or prefix {value!r}{hint}: initlint's codes are "
        f"{', '.join(info.code for info in catalogue())} or a prefix of them such as INIT, INIT0 or INIT1"
    )

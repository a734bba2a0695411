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
class Section:
    """One titled part of a code's documentation: prose (Markdown inline markup) and optionally code."""

    title: str
    prose: str = ""
    #: Python source shown as a block after the prose (an example).
    code: str = ""


@dataclass(frozen=True)
class CodeInfo:
    """What outputs and docs need to know about one code."""

    code: str
    name: str
    summary: str
    #: The documentation in Markdown (no heading): with ``sections``, only the lead paragraph; without,
    #: the whole body (what, why, fix), followed by ``bad``/``good`` as examples.
    doc: str
    bad: str = ""
    good: str = ""
    level: str = "error"
    #: What / Why / Example / Fix / Limitations / Options, in that order (see :func:`rule_info`).
    sections: tuple[Section, ...] = ()

    def markdown(self) -> str:
        """The documentation in Markdown: the lead, then each section under a ``###`` heading with its
        example as a fenced Python block (docs/rules.md, SARIF ``help.markdown``)."""
        parts = [self.doc.strip()]
        if self.sections:
            for sec in self.sections:
                parts.append(f"### {sec.title}")
                if sec.prose.strip():
                    parts.append(sec.prose.strip())
                if sec.code.strip():
                    parts.append("```python\n" + textwrap.dedent(sec.code).strip() + "\n```")
            return "\n\n".join(p for p in parts if p) + "\n"
        if self.bad:
            parts.append("Bad:\n\n```python\n" + textwrap.dedent(self.bad).strip() + "\n```")
        if self.good:
            parts.append("Good:\n\n```python\n" + textwrap.dedent(self.good).strip() + "\n```")
        return "\n\n".join(parts) + "\n"

    def text(self) -> str:
        """The documentation as terminal text (``initlint --explain``, SARIF ``help.text``): no Markdown.

        Section titles stand alone on a line; their prose is indented by 4 spaces, examples by 8."""
        parts = [f"{self.code} ({self.name}): {self.summary}", plain_text(self.doc.strip())]
        if self.sections:
            for sec in self.sections:
                body = [sec.title]
                if sec.prose.strip():
                    body.append(_wrap(plain_text(sec.prose.strip()), "    "))
                if sec.code.strip():
                    if sec.prose.strip():
                        body.append("")
                    body.append(textwrap.indent(textwrap.dedent(sec.code).strip(), "        "))
                parts.append("\n".join(body))
            return "\n\n".join(p for p in parts if p) + "\n"
        if self.bad:
            parts.append("Bad:\n" + textwrap.indent(textwrap.dedent(self.bad).strip(), "    "))
        if self.good:
            parts.append("Good:\n" + textwrap.indent(textwrap.dedent(self.good).strip(), "    "))
        return "\n\n".join(parts) + "\n"


def _wrap(text: str, indent: str, width: int = 112) -> str:
    """``text`` indented; lines longer than ``width`` (generated ones: options, counts) are wrapped, a
    ``- `` list item's continuation under its text."""
    out = []
    for line in text.splitlines():
        if len(indent + line) <= width:
            out.append(indent + line if line else "")
            continue
        more = indent + ("  " if line.startswith("- ") else "")
        out.append(textwrap.fill(line, width, initial_indent=indent, subsequent_indent=more,
                                 break_on_hyphens=False, break_long_words=False))
    return "\n".join(out)


BUILTIN_CODES: tuple[CodeInfo, ...] = (
    CodeInfo(
        INTERNAL_ERROR,
        "internal-error",
        "a rule hit an internal error on this file (reported; the other rules and files are still checked)",
        "A rule raised an exception on this file.",
        level="warning",
        sections=(
            Section("What", "One of initlint's rules raised an exception (or ran out of recursion depth) on this "
                            "file. The message names the rule and the exception."),
            Section("Why", "This is a bug in initlint, not in your code. It is reported rather than hidden so that "
                           "a file is never passed as clean when a rule did not finish checking it."),
            Section("Fix", "Please report it with the file (or a reduced version of it). Meanwhile silence it with "
                           "`--ignore INIT900` (or `ignore = [\"INIT900\"]` in `[tool.initlint]`)."),
            Section("Limitations", "The rule that failed did not check the file; the other rules did, and their "
                                   "findings are reported as usual."),
        ),
    ),
    CodeInfo(
        PARSE_ERROR,
        "unparseable-file",
        "the file could not be read, decoded or parsed",
        "initlint cannot check a file it cannot read or parse, so it says so instead of passing it silently.",
        sections=(
            Section("What", "The file could not be read (permissions, a vanished file), decoded (Python source is "
                            "UTF-8 unless a coding declaration says otherwise) or parsed (a syntax error, or "
                            "syntax libcst cannot parse although Python can; the message says which)."),
            Section("Why", "No rule checked the file: reporting it keeps a broken or unreadable file from "
                           "passing as clean."),
            Section("Fix", "Fix the syntax error or the encoding, or exclude the file (`--extend-exclude`, or "
                           "`extend-exclude` in `[tool.initlint]`), or ignore the code (`--ignore INIT901`)."),
            Section("Limitations", "Only the first problem is reported, at the line Python (or libcst) names. "
                                   "Under flake8, a file Python cannot read or parse gets flake8's own E902/E999 "
                                   "and the plugin does not run; INIT901 there means libcst could not parse a file "
                                   "that Python accepts."),
        ),
    ),
)

_BOLD_HEADING = re.compile(r"\*\*([^*\n]+?)([.:]?)\*\*([.:]?)")
_CODE_SPAN = re.compile(r"``(.+?)``|`([^`\n]+)`", re.DOTALL)


def plain_text(markdown: str) -> str:
    """``markdown`` without its inline markup: ``**What**:`` and ``**What.**`` both become ``What:``, other
    bold text loses its asterisks, code spans their backticks. Used on prose only, never on code examples."""
    text = _BOLD_HEADING.sub(lambda m: m.group(1) + (":" if m.group(2) or m.group(3) else ""), markdown)
    return _CODE_SPAN.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


_SECTION_HEADING = re.compile(r"^([A-Z][a-z]+):[ \t]*$")


def split_sections(doc: str) -> tuple[str, dict[str, str]]:
    """``(lead, {title: body})`` from a cleaned rule docstring whose sections are heading lines (``What:``)
    with their text indented below them. Text before the first heading is the lead; bodies are dedented."""
    lead: list[str] = []
    sections: dict[str, list[str]] = {}
    current = lead
    for line in doc.splitlines():
        m = _SECTION_HEADING.match(line)
        if m:
            current = sections.setdefault(m.group(1), [])
        else:
            current.append(line)
    return "\n".join(lead).strip(), {k: textwrap.dedent("\n".join(v)).strip() for k, v in sections.items()}


def _option_prose(names) -> str:
    from .config import Config
    from .rules.base import OPTION_HELP

    if not names:
        return "None of its own: `select`, `ignore`, `per-file-ignores` and `# noqa` apply to every rule."
    defaults = Config()
    lines = []
    for name in names:
        value = getattr(defaults, name.replace("-", "_"), None)
        if isinstance(value, bool):
            shown = "`true`" if value else "`false`"
        elif value:
            shown = ", ".join(f"`{v}`" for v in value)
        else:
            shown = "none"
        lines.append(f"- `{name}` (default: {shown}): {OPTION_HELP.get(name, '')}")
    return "\n".join(lines)


def _example_caption(rule) -> str:
    cases = [c for c in getattr(rule, "invalid", ()) if textwrap.dedent(c.source).strip()
             == textwrap.dedent(rule.bad).strip()]
    if not cases:
        return f"initlint reports {rule.code} here:"
    return f"initlint reports {rule.code} at line {cases[0].line}:"


def _case_count(rule) -> str:
    valid, invalid = len(getattr(rule, "valid", ())), len(getattr(rule, "invalid", ()))
    if not valid and not invalid:
        return ""
    return (f"{invalid} cases that are reported and {valid} that are not, each with the line it is reported on "
            f"and why, are the `[[invalid]]` and `[[valid]]` entries of `{rule.__module__.replace('.', '/')}.toml`; "
            "the test-suite runs every one through initlint and through flake8.")


def rule_info(rule) -> CodeInfo:
    """A rule class's documentation: its docstring's lead and What / Why / Fix / Limitations sections, with
    the Example (``bad``), the fixed example (``good``) and the Options (``options``) added. A docstring
    without sections is shown whole (and the test-suite rejects it for a shipped rule)."""
    try:
        doc = inspect.cleandoc(rule.__doc__ or "") or rule.summary
    except Exception:  # noqa: BLE001 - a broken docstring must not break --list-rules
        doc = rule.summary
    level = getattr(rule, "level", "error") or "error"
    lead, parts = split_sections(doc)
    if not parts:
        return CodeInfo(rule.code, rule.name, rule.summary, doc, rule.bad, rule.good, level)
    example = _example_caption(rule) if rule.bad else ""
    more = _case_count(rule)
    sections = (
        Section("What", parts.get("What", "")),
        Section("Why", parts.get("Why", "")),
        Section("Example", example, rule.bad),
        Section("Fix", parts.get("Fix", "") + ("\n\nFixed:" if rule.good else ""), rule.good),
        Section("Limitations", parts.get("Limitations", "")),
        Section("Options", _option_prose(getattr(rule, "options", ()))),
    )
    if more:
        sections += (Section("Cases", more),)
    return CodeInfo(rule.code, rule.name, rule.summary, lead or rule.summary, rule.bad, rule.good, level, sections)


@lru_cache(maxsize=1)
def catalogue() -> tuple[CodeInfo, ...]:
    """Every code initlint can report, ordered by code (imports the rule catalogue, not libcst)."""
    from .rules import ALL_RULES

    infos = {info.code: info for info in BUILTIN_CODES}
    for rule in ALL_RULES:
        infos[rule.code] = rule_info(rule)
    return tuple(infos[code] for code in sorted(infos))


def by_code() -> dict[str, CodeInfo]:
    """:func:`catalogue` keyed by code."""
    return {info.code: info for info in catalogue()}


@lru_cache(maxsize=1)
def _codes() -> tuple[str, ...]:
    """Every code, sorted, without building the documentation (option checks must not read the rules' cases)."""
    from .rules import ALL_RULES

    return tuple(sorted({info.code for info in BUILTIN_CODES} | {rule.code for rule in ALL_RULES}))


@lru_cache(maxsize=1)
def _prefixes() -> frozenset[str]:
    return frozenset(code[:n] for code in _codes() for n in range(1, len(code) + 1))


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
        f"{', '.join(_codes())} or a prefix of them such as INIT, INIT0 or INIT1"
    )

"""The contract every rule follows (Fixit-style: one class per rule, docs and examples beside it).

A rule declares:

* ``code`` (``INIT001``), ``name`` (a slug), ``summary`` (one line for ``--list-rules``);
* its docstring: a one-sentence lead, then the sections ``What:``, ``Why:``, ``Fix:`` and ``Limitations:``
  (each a heading line of its own, its text indented below it; see :data:`DOC_SECTIONS`). Limitations
  says what the rule does not see and therefore stays silent on (the rules are precision-first).
  ``initlint --explain`` and docs/rules.md add the Example (``bad``), the fixed example (``good``) and the
  Options (``options``);
* ``options``: the ``[tool.initlint]`` option names (dashed) that change what the rule finds (see
  :data:`OPTION_HELP`);
* ``triggers``: byte strings of which at least one must occur in a file for the rule to possibly match.
  Files that contain none of any selected rule's triggers are never parsed;
* ``bad`` and ``good``: the example and its fixed version shown in the docs. The test-suite checks that
  ``bad`` yields the rule's code and ``good`` yields no INIT finding at all;
* its cases, in a TOML file beside the rule's module with the same name (``init001_no_reinit_path.toml``):
  ``[[invalid]]`` entries (:class:`Invalid`: ``source``, the ``line`` it is reported on, a fragment of the
  ``message``, ``why``, optionally ``also`` and ``xfail``) and ``[[valid]]`` entries (:class:`Valid`:
  ``source``, ``why``, optionally ``xfail``), run as tests through the engine and the real flake8. The first
  entry of each list is the documented example, written ``example = true`` without a ``source`` (the case's
  source is then ``bad`` or ``good``). ``Rule.invalid`` / ``Rule.valid`` read the file on first access
  (:class:`RuleCases`), never when the catalogue is loaded; a missing or malformed file is a
  :class:`RuleCasesError` that names it;
* :meth:`check`, which asks questions of :class:`~initlint.facts.FileFacts` and yields hits: ``(node,
  message)`` or, with the fix apart, ``(node, message, fix)`` (build one with :meth:`Rule.report`). The
  message says what is wrong and why it matters, in one sentence; the fix says what to change. A rule
  that still builds one string ``"<problem>. Fix: <what to do>"`` has it split by the engine
  (:func:`initlint.finding.split_fix`).

Rule modules must not import libcst at module level: the catalogue is loaded to read ``triggers`` before
any file is known to need parsing.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Optional, Tuple, Union

if TYPE_CHECKING:
    from ..facts import FileFacts

#: ``(node, message)`` or ``(node, message, fix)``: the node locates the finding (its position is resolved
#: only when reported); ``fix`` is ``None`` or the text of what to change.
Hit = Union[Tuple[Any, str], Tuple[Any, str, Optional[str]]]

#: The docstring sections every rule writes, in this order (``Example`` and ``Options`` are generated).
DOC_SECTIONS = ("What", "Why", "Fix", "Limitations")

#: What each option that changes a rule's findings does (defaults are read from :class:`~initlint.config.Config`).
OPTION_HELP = {
    "module-bases": "extra base classes (simple or dotted names) that make a class an `nn.Module`; classes "
                    "whose bases cannot be resolved are not examined",
    "init-functions": "names of central init functions (`model.apply(fn)`-style, `_init_weights(module)`) whose "
                      "`isinstance` branches count as a class's re-initialization path",
    "init-helpers": "name patterns (globs) of imported helpers that initialize the model passed to them (for "
                    "helpers whose body does not resolve to a file of the project: a resolved body decides)",
    "load-helpers": "name patterns (globs) of imported helpers that load weights into the model passed to them "
                    "(likewise, when the body does not resolve)",
    "train-calls": "names of calls that start training (`fit`, `backward`, `step`...)",
    "conditional-empty-init": "also treat `init_module(empty_init=<expression>)` (the FSDP convention) as "
                              "empty init",
}


def case_source(source: str) -> str:
    """A case's source as it is linted: dedented, without the blank lines around it (line 1 is its first line)."""
    return textwrap.dedent(source).strip("\n") + "\n"


@dataclass(frozen=True)
class Valid:
    """A source on which the rule must report nothing.

    ``why``: what the case shows (one line). ``xfail``: when set, the rule currently reports here; the
    reason names the bug (the test is a non-strict expected failure, so a fix in the rule is not blocked).
    """

    source: str
    why: str = ""
    xfail: str = ""

    @property
    def text(self) -> str:
        return case_source(self.source)


@dataclass(frozen=True)
class Invalid:
    """A source on which the rule must report at ``line`` (1-based in :func:`case_source`, so line 1 is the
    case's first line) with ``message`` (a fragment) in the finding's message, and nowhere else except on
    the lines in ``also``. ``xfail`` as for :class:`Valid` (here: a finding the rule misses)."""

    source: str
    line: int
    message: str
    why: str = ""
    also: tuple[int, ...] = ()
    xfail: str = ""

    @property
    def text(self) -> str:
        return case_source(self.source)


class RuleCasesError(Exception):
    """A rule's cases file is missing, unreadable or malformed; the message names the file."""


#: The keys an entry of each list may have, and the Python type of each (``also`` is a list of ints).
_CASE_KEYS = {
    "invalid": {"example": bool, "source": str, "line": int, "message": str, "why": str, "also": list, "xfail": str},
    "valid": {"example": bool, "source": str, "why": str, "xfail": str},
}
_REQUIRED = {"invalid": ("line", "message"), "valid": ()}
_TYPE_WORDS = {bool: "true or false", str: "a string", int: "a whole number", list: "a list"}


def cases_file(rule: type) -> Path:
    """The TOML file that holds ``rule``'s cases: beside its module, with the module's name."""
    file = getattr(sys.modules.get(rule.__module__), "__file__", None)
    if not file:
        raise RuleCasesError(f"module {rule.__module__} of {rule.code} has no file, so no cases file beside it")
    return Path(file).with_suffix(".toml")


def read_cases(rule: type) -> dict[str, tuple]:
    """``{"invalid": (Invalid, ...), "valid": (Valid, ...)}`` from :func:`cases_file` (no caching here).

    Raises :class:`RuleCasesError`, naming the file, when it is missing, is not TOML, or an entry has an
    unknown key, lacks ``source`` (and is not ``example = true``), ``line`` or ``message``, or has a value
    of the wrong type."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the ``tomli`` dependency (same API)
        import tomli as tomllib

    path = cases_file(rule)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise RuleCasesError(
            f"{path}: cannot read the cases of {rule.code}: {exc} (every rule module has its [[invalid]] and "
            "[[valid]] cases in a TOML file of the same name beside it)"
        ) from exc
    unknown = sorted(set(data) - set(_CASE_KEYS))
    if unknown:
        raise RuleCasesError(f"{path}: unknown table {unknown[0]!r}: only [[invalid]] and [[valid]] entries")
    out: dict[str, tuple] = {}
    for kind, make in (("invalid", Invalid), ("valid", Valid)):
        entries = data.get(kind, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise RuleCasesError(f"{path}: {kind!r} must be an array of tables ([[{kind}]] entries)")
        out[kind] = tuple(make(**_case_fields(rule, path, kind, i, e)) for i, e in enumerate(entries, 1))
    return out


def _case_fields(rule: type, path: Path, kind: str, index: int, entry: dict) -> dict[str, Any]:
    """One entry's keyword arguments for :class:`Invalid`/:class:`Valid`, checked (see :func:`read_cases`)."""
    where = f"{path}: [[{kind}]] entry {index}"
    for key, value in entry.items():
        wanted = _CASE_KEYS[kind].get(key)
        if wanted is None:
            raise RuleCasesError(f"{where}: unknown key {key!r} (known: {', '.join(_CASE_KEYS[kind])})")
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            raise RuleCasesError(f"{where}: {key!r} must be {_TYPE_WORDS[wanted]}, not {value!r}")
    missing = [key for key in _REQUIRED[kind] if key not in entry]
    fields = {key: value for key, value in entry.items() if key != "example"}
    if entry.get("example"):
        if "source" in entry:
            raise RuleCasesError(f"{where}: example = true takes the source from the class: drop 'source'")
        fields["source"] = rule.bad if kind == "invalid" else rule.good
        if not fields["source"].strip():
            example = "bad" if kind == "invalid" else "good"
            raise RuleCasesError(f"{where}: example = true, but the class has no `{example}` example to take")
    elif "source" not in entry:
        missing.insert(0, "source")
    if missing:
        raise RuleCasesError(f"{where}: missing {', '.join(repr(k) for k in missing)}")
    if "also" in fields:
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in fields["also"]):
            raise RuleCasesError(f"{where}: 'also' must be a list of line numbers, not {fields['also']!r}")
        fields["also"] = tuple(fields["also"])
    return fields


class RuleCases:
    """``Rule.invalid`` / ``Rule.valid``: the rule's cases, read from :func:`cases_file` on first access and
    kept for the process (reading the catalogue for triggers, as the flake8 plugin does, never reads them).
    A class without a ``code`` (:class:`Rule`, :class:`ScriptRule`) has none."""

    #: rule class -> what :func:`read_cases` gave for it (one read per file, shared by both lists)
    _loaded: ClassVar[dict[type, dict[str, tuple]]] = {}

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __get__(self, instance: Any, owner: Optional[type] = None) -> tuple:
        rule = owner if owner is not None else type(instance)
        if not rule.code:
            return ()
        if rule not in self._loaded:
            self._loaded[rule] = read_cases(rule)
        return self._loaded[rule][self.kind]


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    triggers: ClassVar[tuple[bytes, ...]] = ()
    #: "classes": the rule looks only at module-level simple statements, classes that mention its triggers
    #: (or Parameter/init/reset) and their same-file bases, so the engine may parse a slice of the file
    #: (see :mod:`initlint.slicing`). "file": the rule needs every function body.
    scope: ClassVar[str] = "file"
    bad: ClassVar[str] = ""
    good: ClassVar[str] = ""
    #: the cases, from the rule's TOML file on first access (:class:`RuleCases`)
    invalid: ClassVar[tuple[Invalid, ...]] = RuleCases("invalid")
    valid: ClassVar[tuple[Valid, ...]] = RuleCases("valid")
    options: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def required(cls, config) -> tuple[tuple[str, ...], ...]:
        """Further necessary words, as groups: each group must have one member in the file (beside one trigger).

        A conjunctive prefilter: a training-script rule cannot fire in a file that never starts training.
        """
        return ()

    def check(self, facts: "FileFacts") -> Iterable[Hit]:  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def report(node: Any, message: str, fix: Optional[str] = None) -> Hit:
        """One hit for :meth:`check` to yield: ``message`` says what is wrong (short, no fix in it),
        ``fix`` what to change (initlint's fix line, JSON ``fix``, SARIF; flake8 appends it to the message)."""
        return (node, message, fix)

    @classmethod
    def explain(cls) -> str:
        """Full documentation of the rule as terminal text: what ``initlint --explain CODE`` prints."""
        from ..codes import rule_info

        return rule_info(cls).text()


class ScriptRule(Rule):
    """An INIT1xx rule: it reports events of the training-script analysis (:mod:`initlint.facts.script.events`).

    It names the event classes it reports in ``events``, words each event in :meth:`message` and says what to
    change in ``fix`` (or :meth:`fix_for`, when that depends on the event), as ruff separates a violation's
    message from its fix title. The analysis never writes text, so a new INIT1xx rule is one new file of this
    shape.
    """

    #: names of the event classes in :mod:`initlint.facts.script.events` that this rule reports
    events: ClassVar[Tuple[str, ...]] = ()
    #: what to change, when it is the same for every event the rule reports
    fix: ClassVar[Optional[str]] = None

    def check(self, facts: "FileFacts") -> Iterable[Hit]:
        # (imported here: loading the rules must not import libcst, see test_files_without_triggers_are_not_parsed)
        from ..facts.script import events
        from ._script_text import Words

        say = Words(facts)
        for event in facts.script.events_of(*(getattr(events, name) for name in self.events)):
            yield event.node, self.message(event, say), self.fix_for(event)

    def message(self, event: Any, say: Any) -> str:  # pragma: no cover - interface
        """What is wrong, for one event; ``say`` is the file's :class:`~._script_text.Words`."""
        raise NotImplementedError

    def fix_for(self, event: Any) -> Optional[str]:
        """What to change for ``event``: the rule's ``fix`` unless the rule words it per event."""
        return self.fix

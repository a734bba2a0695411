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
* ``invalid`` and ``valid``: lists of cases (:class:`Invalid` pins the line and a fragment of the message;
  :class:`Valid` must give no finding of the rule), run as tests through the engine and the real flake8;
* :meth:`check`, which asks questions of :class:`~initlint.facts.FileFacts` and yields hits: ``(node,
  message)`` or, with the fix apart, ``(node, message, fix)`` (build one with :meth:`Rule.report`). The
  message says what is wrong and why it matters, in one sentence; the fix says what to change. A rule
  that still builds one string ``"<problem>. Fix: <what to do>"`` has it split by the engine
  (:func:`initlint.finding.split_fix`).

Rule modules must not import libcst at module level: the catalogue is loaded to read ``triggers`` before
any file is known to need parsing.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
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


class Rule:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    triggers: ClassVar[tuple[bytes, ...]] = ()
    #: "classes": the rule looks only at module-level simple statements, classes that mention its triggers
    #: (or Parameter/init/reset) and their same-file bases, so the engine may parse a slice of the file
    #: (see :mod:`initlint.slicing`). "file": the rule needs every function body.
    scope: ClassVar[str] = "file"

    @classmethod
    def required(cls, config) -> tuple[tuple[str, ...], ...]:
        """Further necessary words, as groups: each group must have one member in the file (beside one trigger).

        A conjunctive prefilter: a training-script rule cannot fire in a file that never starts training.
        """
        return ()
    bad: ClassVar[str] = ""
    good: ClassVar[str] = ""
    invalid: ClassVar[tuple[Invalid, ...]] = ()
    valid: ClassVar[tuple[Valid, ...]] = ()
    options: ClassVar[tuple[str, ...]] = ()

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

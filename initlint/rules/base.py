"""The contract every rule follows (Fixit-style: one class per rule, docs and examples beside it).

A rule declares:

* ``code`` (``INIT001``), ``name`` (a slug), ``summary`` (one line for ``--list-rules``);
* its docstring: *what* it finds, *why* it matters, and the *fix* (shown by ``initlint --explain``);
* ``triggers``: byte strings of which at least one must occur in a file for the rule to possibly match.
  Files that contain none of any selected rule's triggers are never parsed;
* ``bad`` and ``good``: example sources. The test-suite checks that every ``bad`` example yields the rule's
  code and every ``good`` example yields no INIT finding at all;
* :meth:`check`, which asks questions of :class:`~initlint.facts.FileFacts` and yields hits: ``(node,
  message)`` or, with the fix apart, ``(node, message, fix)`` (build one with :meth:`Rule.report`). The
  message says what is wrong and why it matters, in one sentence; the fix says what to change. A rule
  that still builds one string ``"<problem>. Fix: <what to do>"`` has it split by the engine
  (:func:`initlint.finding.split_fix`).

Rule modules must not import libcst at module level: the catalogue is loaded to read ``triggers`` before
any file is known to need parsing.
"""

from __future__ import annotations

import inspect
import textwrap
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Optional, Tuple, Union

if TYPE_CHECKING:
    from ..facts import FileFacts

#: ``(node, message)`` or ``(node, message, fix)``: the node locates the finding (its position is resolved
#: only when reported); ``fix`` is ``None`` or the text of what to change.
Hit = Union[Tuple[Any, str], Tuple[Any, str, Optional[str]]]


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

    def check(self, facts: "FileFacts") -> Iterable[Hit]:  # pragma: no cover - interface
        raise NotImplementedError

    @staticmethod
    def report(node: Any, message: str, fix: Optional[str] = None) -> Hit:
        """One hit for :meth:`check` to yield: ``message`` says what is wrong (short, no fix in it),
        ``fix`` what to change (shown by ``--show-fix``, JSON ``fix``, SARIF; never by flake8)."""
        return (node, message, fix)

    @classmethod
    def explain(cls) -> str:
        """Full documentation of the rule, for ``initlint --explain CODE`` and the docs."""
        doc = inspect.cleandoc(cls.__doc__ or "")
        return (
            f"{cls.code} ({cls.name}): {cls.summary}\n\n{doc}\n\n"
            f"Bad:\n{textwrap.indent(textwrap.dedent(cls.bad).strip(), '    ')}\n\n"
            f"Good:\n{textwrap.indent(textwrap.dedent(cls.good).strip(), '    ')}\n"
        )

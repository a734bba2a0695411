"""Report objects: what a check found, as data (``to_dict``/``from_dict``) and as a readable table.

Nothing here imports torch, so reports can be built from JSON (e.g. gathered across ranks) anywhere.
"""

from __future__ import annotations

import enum
import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Iterable


class StrEnum(str, enum.Enum):
    """An enum whose members are their string values for every use: ``==``, ``hash``, ``str``, f-strings, JSON.

    (``enum.StrEnum`` needs Python 3.11; the verdict and provenance-state enums derive from this one.)
    """

    __str__ = str.__str__
    __format__ = str.__format__
    __hash__ = str.__hash__


class Verdict(StrEnum):
    """What a check says of one tensor. A ``str``: compares, hashes, formats and serializes as its value.

    Failures (:class:`Problem` verdicts): ``UNINITIALIZED``, ``DEFAULT``, ``INCONSISTENT`` (values differ across
    ranks, from ``initguard.distributed``). Not failures: ``TOO_SMALL`` (fits PyTorch's default but too few values
    to judge), ``DEFAULT_LIKE`` (default-looking, not accused by the model-level rule). :class:`Entry` verdicts
    besides: ``OK``, ``ALLOWED`` (exempted by ``allow``/``allow_default``), ``NOT_EXAMINED`` (the tensor holds
    values, but none were readable here).
    """

    UNINITIALIZED = "uninitialized"
    DEFAULT = "default"
    INCONSISTENT = "inconsistent"
    TOO_SMALL = "too-small"
    DEFAULT_LIKE = "default-like"
    NOT_EXAMINED = "not examined"
    OK = "ok"
    ALLOWED = "allowed"


UNINITIALIZED = Verdict.UNINITIALIZED
DEFAULT = Verdict.DEFAULT
INCONSISTENT = Verdict.INCONSISTENT  # used by initguard.distributed: values differ across ranks
TOO_SMALL = Verdict.TOO_SMALL
DEFAULT_LIKE = Verdict.DEFAULT_LIKE
VERDICTS = (UNINITIALIZED, DEFAULT, INCONSISTENT)  # the failures
NOT_EXAMINED = Verdict.NOT_EXAMINED


def _num_out(x: float | None) -> Any:
    """JSON has no NaN/Inf: write them as strings."""
    if x is None:
        return None
    if math.isfinite(x):
        return x
    return str(x)  # "nan", "inf", "-inf"


def _num_in(x: Any) -> float | None:
    if x is None:
        return None
    return float(x)


@dataclass
class Problem:
    """One tensor that is not initialized.

    ``verdict`` is ``"uninitialized"`` (never written, meta/lazy, or holds values only garbage has) or ``"default"``
    (still PyTorch's built-in constructor init); ``initguard.distributed`` adds ``"inconsistent"`` (values differ
    across ranks). ``reason`` says what showed it, ``fix`` what to do, ``source`` whether provenance (``track()``) or
    statistics decided.
    """

    name: str
    verdict: str
    reason: str
    shape: tuple = ()
    dtype: str = ""
    module_type: str = ""
    fix: str = ""
    source: str = "statistics"
    kind: str = "parameter"
    std: float | None = None
    max_abs: float | None = None

    def to_dict(self) -> dict:
        """A JSON-able dict (non-finite numbers become strings)."""
        d = asdict(self)
        d["shape"] = list(self.shape)
        d["std"] = _num_out(self.std)
        d["max_abs"] = _num_out(self.max_abs)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Problem":
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["shape"] = tuple(kw.get("shape", ()))
        kw["std"] = _num_in(kw.get("std"))
        kw["max_abs"] = _num_in(kw.get("max_abs"))
        return cls(**kw)


@dataclass
class Entry:
    """Summary of one examined tensor (for tables and :meth:`Report.plot`): O(1) numbers, never values."""

    name: str
    shape: tuple
    dtype: str
    module_type: str
    verdict: str  # a Verdict: ok, uninitialized, default, allowed, too-small, default-like, not examined
    kind: str = "parameter"
    std: float | None = None
    max_abs: float | None = None
    band_std: float | None = None  # PyTorch-default std for this shape, when one is known
    band_max: float | None = None  # PyTorch-default max |x| (uniform bound) for this shape

    def to_dict(self) -> dict:
        """A JSON-able dict."""
        d = asdict(self)
        d["shape"] = list(self.shape)
        for k in ("std", "max_abs", "band_std", "band_max"):
            d[k] = _num_out(d[k])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Entry":
        """Inverse of :meth:`to_dict`."""
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw["shape"] = tuple(kw.get("shape", ()))
        for k in ("std", "max_abs", "band_std", "band_max"):
            kw[k] = _num_in(kw.get(k))
        return cls(**kw)


@dataclass
class Report:
    """Result of :func:`initguard.check`.

    ``ok`` is true when no problem was found; ``problems`` lists :class:`Problem` entries; ``entries`` has one
    :class:`Entry` per examined tensor (tied weights once). ``str(report)`` is a table.
    """

    problems: list = field(default_factory=list)
    entries: list = field(default_factory=list)
    allowed: list = field(default_factory=list)
    mode: str = "sample"
    tracked: int = 0
    source: str = ""  # what was checked: a model class name or a checkpoint path
    notes: list = field(default_factory=list)
    # names of tensors not judged: values that fit PyTorch's default but too few of them (never failed)
    too_small: list = field(default_factory=list)
    # names of default-looking tensors the model-level rule did not accuse (a note, never failed)
    default_like: list = field(default_factory=list)
    # (default-or-uninitialized, judged) counts of the model-level default rule's eligible weight tensors
    default_share: tuple = ()

    @property
    def ok(self) -> bool:
        """True when nothing is uninitialized or default."""
        return not self.problems

    @property
    def checked(self) -> int:
        """Number of tensors examined (entries marked ``"not examined"`` excluded)."""
        return sum(1 for e in self.entries if e.verdict != NOT_EXAMINED)

    @property
    def not_examined(self) -> list:
        """Names of tensors whose values nobody examined (e.g. an empty ZeRO-3 partition/shard on this rank)."""
        return [e.name for e in self.entries if e.verdict == NOT_EXAMINED]

    @property
    def uninitialized(self) -> list:
        """Problems whose verdict is ``"uninitialized"``."""
        return [p for p in self.problems if p.verdict == UNINITIALIZED]

    @property
    def defaults(self) -> list:
        """Problems whose verdict is ``"default"``."""
        return [p for p in self.problems if p.verdict == DEFAULT]

    def to_dict(self) -> dict:
        """A JSON-able dict (``json.dumps(report.to_dict())`` works)."""
        return {
            "ok": self.ok,
            "source": self.source,
            "mode": self.mode,
            "checked": self.checked,
            "tracked": self.tracked,
            "allowed": list(self.allowed),
            "notes": list(self.notes),
            "too_small": list(self.too_small),
            "default_like": list(self.default_like),
            "default_share": list(self.default_share),
            "problems": [p.to_dict() for p in self.problems],
            "entries": [e.to_dict() for e in self.entries],
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Report":
        """Rebuild a report from :meth:`to_dict` output."""
        return cls(
            problems=[Problem.from_dict(p) for p in d.get("problems", [])],
            entries=[Entry.from_dict(e) for e in d.get("entries", [])],
            allowed=list(d.get("allowed", [])),
            mode=d.get("mode", "sample"),
            tracked=int(d.get("tracked", 0)),
            source=d.get("source", ""),
            notes=list(d.get("notes", [])),
            too_small=list(d.get("too_small", [])),
            default_like=list(d.get("default_like", [])),
            default_share=tuple(d.get("default_share", ())),
        )

    def summary(self) -> str:
        """One line: how many tensors were checked and what was found."""
        nu, nd = len(self.uninitialized), len(self.defaults)
        what = f" of {self.source}" if self.source else ""
        ne = len(self.not_examined)
        unseen = f"; {ne} tensor(s) not examined (no values readable here, see notes)" if ne else ""
        small = len(self.too_small)
        if self.ok:
            extra = f", {len(self.allowed)} allowed" if self.allowed else ""
            if self.default_like:
                extra += f", {len(self.default_like)} default-like taken as intended (see note)"
            if ne and not self.checked:
                return f"initguard: none of the {ne} tensors{what} could be examined (see notes)."
            if not small:
                if ne:
                    return f"initguard: all {self.checked} examined tensors{what} are initialized{extra}{unseen}."
                return f"initguard: all {self.checked} tensors{what} are initialized{extra}."
            return (f"initguard: {self.checked - small} of {self.checked} tensors{what} are initialized{extra}; "
                    f"{small} too small to judge (not failed){unseen}.")
        parts = []
        if nu:
            parts.append(f"{nu} uninitialized")
        if nd:
            parts.append(f"{nd} still at PyTorch's default init")
        others: dict[str, int] = {}
        for p in self.problems:
            if p.verdict not in (UNINITIALIZED, DEFAULT):
                others[p.verdict] = others.get(p.verdict, 0) + 1
        parts.extend(f"{n} {v}" for v, n in others.items())
        tail = f"; {small} too small to judge" if small else ""
        return f"initguard: {' and '.join(parts)} (of {self.checked} tensors{what}{tail}){unseen}."

    def table(self, max_rows: int | None = None) -> str:
        """The problems as an aligned text table, followed by one fix line per distinct fix."""
        return format_problems(self.problems, max_rows=max_rows)

    def __str__(self) -> str:
        lines = [self.summary()]
        if self.problems:
            lines.append(self.table())
        lines.extend(f"note: {n}" for n in self.notes)
        if self.too_small:
            lines.append(f"note: {too_small_note(self.too_small)}")
        return "\n".join(lines)

    def plot(self, path: str, **kwargs) -> str:
        """Save one figure of every tensor's std and max |x| (log scale) against PyTorch's default band.

        Needs matplotlib (the ``plot`` extra). Returns ``path``.
        """
        from initguard.plot import plot_report

        return plot_report(self, path, **kwargs)


def too_small_note(names: list, shown: int = 8) -> str:
    """One line naming the tensors that were too small to judge."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return (f"too small to judge ({len(names)}): {', '.join(names[:shown])}{more}: their values fit PyTorch's "
            "default but are too few (fewer than 128) to tell it from an init of similar scale; not failed, "
            "not claimed initialized (track() construction gives them a verdict)")


def _fmt_shape(shape: Iterable[int]) -> str:
    return "(" + ", ".join(str(int(s)) for s in shape) + ")"


def format_problems(problems: list, max_rows: int | None = None) -> str:
    """Render problems as a table: name, shape, module, verdict, reason; then the distinct fixes."""
    if not problems:
        return ""
    shown = problems if max_rows is None else problems[:max_rows]
    rows = [("parameter", "shape", "module", "verdict", "reason")]
    for p in shown:
        rows.append((p.name, _fmt_shape(p.shape), p.module_type, p.verdict, p.reason))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = []
    for i, r in enumerate(rows):
        out.append("  " + "  ".join(r[j].ljust(widths[j]) for j in range(4)) + "  " + r[4])
        if i == 0:
            out.append("  " + "  ".join("-" * w for w in widths) + "  " + "-" * 6)
    if max_rows is not None and len(problems) > max_rows:
        out.append(f"  ... and {len(problems) - max_rows} more (see error.report)")
    fixes: dict[str, list[str]] = {}
    for p in problems:
        if p.fix:
            fixes.setdefault(p.fix, []).append(p.name)
    for fix, names in fixes.items():
        who = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
        out.append(f"fix ({who}): {fix}")
    return "\n".join(out)

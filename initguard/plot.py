"""``Report.plot``: one figure of every parameter's std and max |x| against PyTorch's default band
(matplotlib)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from initguard._extras import MATPLOTLIB, require

COLORS = {"ok": "#2ca02c", "default": "#ff7f0e", "uninitialized": "#d62728", "allowed": "#7f7f7f",
          "too-small": "#17becf", "default-like": "#bcbd22"}
LO, HI = 1e-6, 1e6  # finite values outside are clipped to these edges (zero/denormal below, huge above)
NONFINITE = 1e8  # tensors holding NaN/Inf get their own line above the huge edge
CLIPPED_MARKER, NONFINITE_MARKER = "x", "X"
# a Problem's reason names NaN/Inf for a tensor that holds some (std and max |x| cover only its finite values)
_NONFINITE_REASON = re.compile(r"\b(NaN|Inf)\b")


@dataclass(frozen=True)
class Mark:
    """One point of the figure: where (column, height), how (marker) and why (clipped / non-finite)."""

    x: float
    y: float
    marker: str
    clipped: bool = False
    nonfinite: bool = False


def _place(x: float) -> tuple[float, bool]:
    """Where to draw a finite or non-finite value, and whether it was clipped to an edge."""
    if math.isnan(x) or math.isinf(x):
        return NONFINITE, False
    if x >= HI:
        return HI, True
    if x <= LO:
        return LO, True
    return x, False


def _is_nonfinite(entry, reason: str) -> bool:
    values = [v for v in (entry.std, entry.max_abs) if v is not None]
    return any(not math.isfinite(v) for v in values) or bool(_NONFINITE_REASON.search(reason))


def marks_for(i: int, entry, reason: str = "") -> list[Mark]:
    """The points for the ``i``-th entry: std (circle) and max |x| (triangle), each clipped to an edge
    (cross) when outside [LO, HI]; one big X on the NaN/Inf line when the tensor holds NaN/Inf
    (``reason``, its problem's reason, says so even when the finite values look tiny)."""
    if _is_nonfinite(entry, reason):
        return [Mark(i, NONFINITE, NONFINITE_MARKER, nonfinite=True)]
    out = []
    # constants: a std of 0 says nothing, draw only their max |x|
    if entry.std is not None and not (entry.std == 0 and entry.max_abs not in (None, 0)):
        y, clipped = _place(entry.std)
        out.append(Mark(i - 0.12, y, CLIPPED_MARKER if clipped else "o", clipped))
    if entry.max_abs is not None:
        y, clipped = _place(entry.max_abs)
        out.append(Mark(i + 0.12, y, CLIPPED_MARKER if clipped else "^", clipped))
    return out


def plot_report(report, path: str, *, title: str | None = None, max_tensors: int = 400) -> str:
    """Draw every parameter of ``report.entries`` (see :func:`render`) and save the figure as a PNG to
    ``path``; returns ``path``. Needs matplotlib (the ``plot`` extra)."""
    fig = render(report, title=title, max_tensors=max_tensors)
    try:
        fig.savefig(path, dpi=110)
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return path


def render(report, *, title: str | None = None, max_tensors: int = 400):
    """The figure of :func:`plot_report`, not saved: std (circle) and max |x| (triangle) of every parameter on
    a log axis, coloured by verdict, over a grey bar spanning PyTorch's default [std, bound] for that shape.
    Finite values outside [1e-6, 1e6] sit on the bottom/top edges as crosses; a tensor holding NaN/Inf is one
    X on its own line above. Returns the matplotlib ``Figure`` (close it with ``plt.close``)."""
    require(MATPLOTLIB, "report.plot").use("Agg", force=False)
    import matplotlib.pyplot as plt

    entries = [e for e in report.entries if e.kind == "parameter"][:max_tensors]
    reasons = {p.name: p.reason for p in report.problems}
    n = len(entries)
    fig, ax = plt.subplots(figsize=(max(6.0, min(0.28 * n + 2, 24.0)), 5.0))
    marks = []
    for i, e in enumerate(entries):
        if e.band_std is not None and e.band_max is not None and e.band_max > 0:
            ax.fill_between([i - 0.35, i + 0.35], max(e.band_std, LO), e.band_max, color="#cccccc", zorder=1,
                            lw=0)
        c = COLORS.get(e.verdict, "#1f77b4")
        for m in marks_for(i, e, reasons.get(e.name, "")):
            marks.append(m)
            ax.scatter([m.x], [m.y], color=c, marker=m.marker, s=70 if m.nonfinite else 26, zorder=3)
    ax.set_yscale("log")
    ax.set_ylim(LO / 3, NONFINITE * 5)
    for y in (LO, HI, NONFINITE):
        ax.axhline(y, color="#999999", lw=0.6, ls=":")
    ax.text(-0.5, LO * 1.3, "zero / denormal (clipped)", fontsize=7, va="bottom", color="#666666")
    ax.text(-0.5, HI / 1.3, f"huge, |x| >= {HI:g} (clipped)", fontsize=7, va="top", color="#666666")
    ax.text(-0.5, NONFINITE / 1.3, "holds NaN / Inf", fontsize=7, va="top", color="#666666")
    ax.set_xlim(-0.8, n - 0.2)
    ax.set_xticks(range(n))
    ax.set_xticklabels([e.name for e in entries], rotation=90, fontsize=6 if n > 30 else 8)
    ax.set_ylabel("|x| scale (log)")
    ax.legend(handles=_legend(entries, marks), loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    ax.set_title(title or report.summary(), fontsize=9)
    fig.tight_layout()
    return fig


def _legend(entries, marks: list[Mark]) -> list:
    """Legend handles: the band, the two statistics, the clipped / NaN markers in use, the verdict colours."""
    from matplotlib.lines import Line2D

    grey = "#444444"
    handles = [
        Line2D([], [], color="#cccccc", lw=8, label="PyTorch default [std, bound]"),
        Line2D([], [], color=grey, marker="o", ls="", label="std"),
        Line2D([], [], color=grey, marker="^", ls="", label="max |x|"),
    ]
    if any(m.clipped for m in marks):
        handles.append(Line2D([], [], color=grey, marker=CLIPPED_MARKER, ls="", label="clipped to an edge"))
    if any(m.nonfinite for m in marks):
        handles.append(Line2D([], [], color=grey, marker=NONFINITE_MARKER, ls="", markersize=9,
                              label="holds NaN / Inf"))
    for v in ("ok", "default", "uninitialized", "allowed", "too-small", "default-like"):
        if any(e.verdict == v for e in entries):
            handles.append(Line2D([], [], color=COLORS[v], marker="s", ls="", label=v))
    return handles

"""``Report.plot``: one figure of every parameter's std and max |x| against PyTorch's default band
(matplotlib)."""

from __future__ import annotations

import math

COLORS = {"ok": "#2ca02c", "default": "#ff7f0e", "uninitialized": "#d62728", "allowed": "#7f7f7f"}
LO, HI = 1e-6, 1e6  # values outside are drawn on the edges (zero/denormal below, NaN/Inf/huge above)


def _place(x):
    """Where to draw a value, and whether it was clipped to an edge."""
    if x is None:
        return None, False
    if math.isnan(x) or math.isinf(x) or x >= HI:
        return HI, True
    if x <= LO:
        return LO, True
    return x, False


def plot_report(report, path: str, *, title: str | None = None, max_tensors: int = 400) -> str:
    """Draw every parameter of ``report.entries``: std (circle) and max |x| (triangle) on a log axis,
    coloured by
    verdict, over a grey bar spanning PyTorch's default [std, bound] for that shape. Values that only garbage
    has
    (zero/denormal, NaN/Inf/huge) sit on the bottom/top edges as crosses. Saves a PNG to ``path``; returns it.
    Needs matplotlib (the ``plot`` extra)."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
    except ImportError as e:  # pragma: no cover - optional extra
        raise ImportError("report.plot needs matplotlib: pip install initcheck[plot]") from e
    entries = [e for e in report.entries if e.kind == "parameter"][:max_tensors]
    n = len(entries)
    fig, ax = plt.subplots(figsize=(max(6.0, min(0.28 * n + 2, 24.0)), 5.0))
    for i, e in enumerate(entries):
        if e.band_std is not None and e.band_max is not None and e.band_max > 0:
            ax.fill_between([i - 0.35, i + 0.35], max(e.band_std, LO), e.band_max, color="#cccccc", zorder=1,
                            lw=0)
        c = COLORS.get(e.verdict, "#1f77b4")
        # constants: a std of 0 says nothing, draw only their max |x|
        if e.std is not None and not (e.std == 0 and e.max_abs not in (None, 0)):
            y, clipped = _place(e.std)
            ax.scatter([i - 0.12], [y], color=c, marker="x" if clipped else "o", s=26, zorder=3)
        if e.max_abs is not None:
            y, clipped = _place(e.max_abs)
            ax.scatter([i + 0.12], [y], color=c, marker="x" if clipped else "^", s=26, zorder=3)
    ax.set_yscale("log")
    ax.set_ylim(LO / 3, HI * 3)
    ax.axhline(LO, color="#999999", lw=0.6, ls=":")
    ax.axhline(HI, color="#999999", lw=0.6, ls=":")
    ax.text(-0.5, LO * 1.3, "zero / denormal (clipped)", fontsize=7, va="bottom", color="#666666")
    ax.text(-0.5, HI / 1.3, "NaN / Inf / huge (clipped)", fontsize=7, va="top", color="#666666")
    ax.set_xlim(-0.8, n - 0.2)
    ax.set_xticks(range(n))
    ax.set_xticklabels([e.name for e in entries], rotation=90, fontsize=6 if n > 30 else 8)
    ax.set_ylabel("|x| scale (log)")
    handles = [
        Line2D([], [], color="#cccccc", lw=8, label="PyTorch default [std, bound]"),
        Line2D([], [], color="#444444", marker="o", ls="", label="std"),
        Line2D([], [], color="#444444", marker="^", ls="", label="max |x|"),
    ]
    for v in ("ok", "default", "uninitialized", "allowed"):
        if any(e.verdict == v for e in entries):
            handles.append(Line2D([], [], color=COLORS[v], marker="s", ls="", label=v))
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    ax.set_title(title or report.summary(), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

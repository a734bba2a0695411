"""``Report.plot``: one figure of every tensor's std and max |x| against PyTorch's default band (matplotlib)."""

from __future__ import annotations

import math

COLORS = {"ok": "#2ca02c", "default": "#ff7f0e", "uninitialized": "#d62728", "allowed": "#7f7f7f"}
FLOOR, CEIL = 1e-40, 1e40


def _clip(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if math.isinf(x) or x > CEIL:
        return CEIL
    return max(x, FLOOR)


def plot_report(report, path: str, *, title: str | None = None, max_tensors: int = 400) -> str:
    """Draw ``report.entries`` (parameters): std (dot) and max |x| (triangle) on a log axis, coloured by verdict,
    with a grey bar for PyTorch's default [std, bound] for that shape. Zeros are drawn at the bottom edge,
    NaN/Inf at the top. Saves to ``path`` and returns it."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - optional extra
        raise ImportError("report.plot needs matplotlib: pip install initcheck[plot]") from e
    entries = [e for e in report.entries if e.kind == "parameter"][:max_tensors]
    n = len(entries)
    fig, ax = plt.subplots(figsize=(max(6.0, min(0.28 * n + 2, 24.0)), 4.8))
    for i, e in enumerate(entries):
        if e.band_std is not None and e.band_max is not None and e.band_max > 0:
            ax.plot([i, i], [max(e.band_std, FLOOR), e.band_max], color="#bbbbbb", lw=6, solid_capstyle="butt",
                    zorder=1)
        c = COLORS.get(e.verdict, "#1f77b4")
        s, m = _clip(e.std), _clip(e.max_abs)
        if e.std is not None and (math.isnan(e.std) or math.isinf(e.std)):
            s = CEIL
        if e.max_abs is not None and (math.isnan(e.max_abs) or math.isinf(e.max_abs)):
            m = CEIL
        if s is not None:
            ax.scatter([i], [s], color=c, marker="o", s=22, zorder=3)
        if m is not None:
            ax.scatter([i], [m], color=c, marker="^", s=22, zorder=3)
    ax.set_yscale("log")
    ax.set_ylim(FLOOR / 10, CEIL * 10)
    ax.set_xticks(range(n))
    ax.set_xticklabels([e.name for e in entries], rotation=90, fontsize=6 if n > 30 else 8)
    ax.set_ylabel("std (o) and max |x| (^), log scale")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="#bbbbbb", lw=6, label="PyTorch default [std, bound]")]
    for v in ("ok", "default", "uninitialized", "allowed"):
        if any(e.verdict == v for e in entries):
            handles.append(Line2D([], [], color=COLORS[v], marker="o", ls="", label=v))
    ax.legend(handles=handles, loc="upper right", fontsize=8)
    ax.set_title(title or report.summary(), fontsize=9)
    ax.axhline(FLOOR, color="#999999", lw=0.5, ls=":")
    ax.axhline(CEIL, color="#999999", lw=0.5, ls=":")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

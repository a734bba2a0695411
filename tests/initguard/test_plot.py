"""``Report.plot`` on real reports: tensors holding NaN get their own line (not the zero/denormal edge, even
when their finite values are tiny), and every marker drawn is explained by the legend."""

from __future__ import annotations

import pytest
import torch
import torch.nn as nn

pytest.importorskip("matplotlib")

from initguard import plot  # noqa: E402
from initguard.checkpoint import load_state_dict  # noqa: E402
from initguard.cli import check_state_dict  # noqa: E402


def _report_with_garbage(tmp_path):
    """A saved checkpoint whose ``1.weight`` holds ~12 % NaN among tiny finite values (the issue's tensor:
    477/4096 NaN samples, max |x| 8.7e-09 over the rest), ``2.weight`` denormals, ``3.weight`` huge values."""
    torch.manual_seed(0)
    m = nn.Sequential(*[nn.Linear(64, 64) for _ in range(4)])
    with torch.no_grad():
        for layer in m:
            nn.init.normal_(layer.weight, std=0.02)
            nn.init.zeros_(layer.bias)
        w = torch.rand(64, 64) * 8.7e-9
        w[torch.rand(64, 64) < 0.12] = float("nan")
        m[1].weight.copy_(w)
        m[2].weight.fill_(1e-39)
        m[3].weight.fill_(1e9)
    path = tmp_path / "garbage.pt"
    torch.save(m.state_dict(), path)
    return check_state_dict(load_state_dict(str(path)), source=str(path))


def _points(fig) -> list[tuple[float, float]]:
    """Every scatter point of the figure (the default bands are PolyCollections, not points)."""
    from matplotlib.collections import PathCollection

    ax = fig.axes[0]
    return [tuple(xy) for coll in ax.collections if isinstance(coll, PathCollection) for xy in coll.get_offsets()]


def _column(points, i):
    return [y for x, y in points if abs(x - i) < 0.4]


def test_nan_tensor_is_drawn_on_its_own_line_not_as_zero(tmp_path):
    report = _report_with_garbage(tmp_path)
    nan_entry = next(e for e in report.entries if e.name == "1.weight")
    assert 0 < nan_entry.max_abs < 1e-8  # the finite values alone would put it on the zero/denormal edge
    fig = plot.render(report)
    try:
        names = [t.get_text() for t in fig.axes[0].get_xticklabels()]
        points = _points(fig)
        assert _column(points, names.index("1.weight")) == [plot.NONFINITE]
        assert _column(points, names.index("2.weight")) == [plot.LO]  # denormals: the zero/denormal edge
        assert _column(points, names.index("3.weight")) == [plot.HI]  # huge: clipped to the top edge
        assert plot.LO not in _column(points, names.index("1.weight"))
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert "clipped to an edge" in legend and "holds NaN / Inf" in legend
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_clean_report_has_no_clipped_or_nan_legend(tmp_path):
    torch.manual_seed(0)
    path = tmp_path / "clean.pt"
    w = {"0.weight": torch.randn(64, 64) * 0.02, "0.bias": torch.randn(64) * 0.01}
    torch.save(w, path)
    fig = plot.render(check_state_dict(load_state_dict(str(path))))
    try:
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert "clipped to an edge" not in legend and "holds NaN / Inf" not in legend
        assert all(plot.LO < y < plot.HI for _, y in _points(fig))
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def test_plot_writes_the_png(tmp_path):
    png = tmp_path / "garbage.png"
    assert _report_with_garbage(tmp_path).plot(str(png)) == str(png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

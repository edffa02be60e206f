"""Figures of the conclusion (end of synquant.figures)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from synquant.book import figures, paper


def test_lead_by_batch():
    sizes = [60000, 100, 20000, 1000]
    leads = [2.4, 34.8, 10.1, 42.2]
    fig = figures.lead_by_batch(sizes, leads, chosen=20000)
    assert figures.check_readable(fig) == []
    assert plt.get_fignums() == []
    (ax,) = fig.axes
    assert ax.get_xscale() == "log"
    line, ring = ax.get_lines()[:2]
    np.testing.assert_array_equal(line.get_xdata(), [100, 1000, 20000, 60000])
    np.testing.assert_array_equal(line.get_ydata(), [34.8, 42.2, 10.1, 2.4])
    assert list(ring.get_xdata()) == [20000] and list(ring.get_ydata()) == [10.1]
    levels = sorted(ln.get_ydata()[0] for ln in ax.get_lines()[2:])
    gap = paper.tolerances()["gap_5_pct"]
    assert levels == pytest.approx(sorted([gap.low, gap.figure, gap.high]))


def test_lead_by_batch_bad_input():
    with pytest.raises(ValueError, match="same non-zero length"):
        figures.lead_by_batch([100, 200], [1.0])

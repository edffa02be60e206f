"""Figures of the optimal-levels chapter (end of synquant.figures)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from synquant.book import figures

LEVELS = [5, 6, 7, 8]
METHODS = ("sampling", "proposed", "optimal")


def rows():
    out = [{"method": "software", "levels": "", "accuracy_pct": 96.4}]
    for i, m in enumerate(METHODS):
        out += [
            {"method": m, "levels": L, "accuracy_pct": 90 + i + L / 10} for L in LEVELS
        ]
    return out


@pytest.fixture(autouse=True)
def close():
    yield
    plt.close("all")


def test_error_accuracy_readable_and_drawn():
    mse = {m: [10.0 ** -(i + 2) / L for L in LEVELS] for i, m in enumerate(METHODS)}
    fig = figures.optimal_error_accuracy(rows(), mse, LEVELS, marked=[7, 30])
    assert figures.check_readable(fig) == []
    assert plt.get_fignums() == []  # shown once in a notebook: as the cell's value
    top, bottom = fig.axes
    assert top.get_yscale() == "log"
    lines = {line.get_label(): line for line in top.get_lines()}
    np.testing.assert_allclose(
        lines["optimal device levels"].get_ydata(), mse["optimal"]
    )
    rings = [ln for ln in bottom.get_lines() if ln.get_label().startswith("optimal vs")]
    assert len(rings) == 1 and list(rings[0].get_xdata()) == [7]  # 30 is not a level
    assert list(rings[0].get_ydata()) == [90 + 2 + 0.7]


def test_error_accuracy_without_marks_has_no_ring():
    mse = {m: [1e-3] * len(LEVELS) for m in METHODS}
    fig = figures.optimal_error_accuracy(rows(), mse, LEVELS)
    labels = [ln.get_label() for ln in fig.axes[1].get_lines()]
    assert not any(label.startswith("optimal vs") for label in labels)


def test_chosen_levels_shows_every_level_and_no_legend():
    chosen = {
        "sampling": np.array([0, 0.6, 0.85, 0.95, 1.0]),
        "proposed": np.array([0, 0.25, 0.5, 0.75, 1.0]),
        "optimal": np.array([0, 0.07, 0.13, 0.25, 0.39]),
    }
    magnitudes = np.abs(np.random.default_rng(0).laplace(0, 0.1, 5000)).clip(0, 1)
    fig = figures.optimal_chosen_levels(magnitudes, chosen)
    assert figures.check_readable(fig) == []
    assert plt.get_fignums() == []
    top, bottom = fig.axes
    assert top.get_legend() is None and bottom.get_legend() is None
    labels = [t.get_text() for t in top.get_yticklabels()]
    assert labels == [figures.LABELS[m] for m in reversed(METHODS)]
    low, high = top.get_xlim()
    drawn = sorted(
        x for c in top.collections for seg in c.get_segments() for x in {seg[0][0]}
    )
    assert drawn == sorted(np.concatenate(list(chosen.values())).tolist())
    assert low < 0 and high > 1  # the levels at 0 and 1.0 are inside the frame

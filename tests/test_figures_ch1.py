"""Figures of the first part (introduction, proposed method, results): each readable at
the size the page shows it, and drawing what its data says."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from synquant import devices, evaluate
from synquant.book import figures
from tests.conftest import random_weight_set


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", ["PCMO", "EpiRAM"])
def test_device_curve_marks_every_reference_level(name):
    device = devices.get(name)
    fig = figures.device_curve(name)
    assert figures.check_readable(fig) == []
    left, right = fig.axes
    dots = [line for line in left.get_lines() if line.get_marker() == "o"]
    assert len(dots) == 1
    np.testing.assert_allclose(dots[0].get_ydata(), device.reference_levels())
    labels = [t.get_text() for t in right.get_xticklabels()]
    assert device.name in labels
    assert f"{device.states} reference levels" in [
        t.get_text() for t in fig.legends[0].get_texts()
    ]
    assert left.get_legend() is None  # below the panels, off the curves


@pytest.mark.parametrize("hidden", [128, 256, 5])
def test_network_diagram_names_the_layer_sizes(hidden):
    fig = figures.network_diagram(784, hidden, 10)
    assert figures.check_readable(fig) == []
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert f"hidden (ReLU)\n{hidden} nodes" in texts
    times = "\u00d7"
    assert f"W1: 784{times}{hidden}" in texts and f"W2: {hidden}{times}10" in texts
    drawn = [c.get_offsets().shape[0] for c in fig.axes[0].collections]
    assert drawn == [12, min(hidden, 12), 10]


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_network_diagram_refuses_a_bad_size(bad):
    with pytest.raises(ValueError, match="hidden"):
        figures.network_diagram(784, bad, 10)


def test_level_grids_draws_one_line_per_level():
    rng = np.random.default_rng(0)
    proposed, sampling = [0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 0.6, 0.85, 1.0]
    fig = figures.level_grids(np.abs(rng.normal(0, 0.2, 5000)), proposed, sampling)
    assert figures.check_readable(fig) == []
    lines = fig.axes[0].get_lines()
    assert len(lines) == len(proposed) + len(sampling)
    assert sorted(line.get_xdata()[0] for line in lines) == sorted(proposed + sampling)
    with pytest.raises(ValueError, match="empty"):
        figures.level_grids([], proposed, sampling)


def test_figure2_shows_both_methods_and_the_title():
    rng = np.random.default_rng(3)
    x = rng.random((200, 784)).astype(np.float32)
    y = rng.integers(0, 10, 200)
    rows = evaluate.sweep(
        random_weight_set(), range(5, 9), methods=("sampling", "proposed"), x=x, y=y
    )
    fig = figures.figure2(rows, title="PCMO, seed 0")
    assert figures.check_readable(fig) == []
    ax = fig.axes[0]
    assert ax.get_title() == "PCMO, seed 0"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert figures.LABELS["sampling"] in legend and figures.LABELS["proposed"] in legend
    assert ax.get_legend() is None  # below the panels, off the curves
    zoom = fig.axes[1]  # the top band: the software lines and the paper's 10 levels
    low, high = zoom.get_ylim()
    reported = figures.paper.REPORTED
    assert low < reported["proposed_10_pct"] < reported["software_pct"] < high
    proposed = next(
        line
        for line in ax.get_lines()
        if line.get_label() == figures.LABELS["proposed"]
    )
    acc = evaluate.lookup(rows)
    np.testing.assert_allclose(
        proposed.get_ydata(), [acc[("proposed", L)] for L in range(5, 9)]
    )


def test_figure2_title_names_the_run_and_its_readings_off_default():
    rng = np.random.default_rng(4)
    x = rng.random((100, 784)).astype(np.float32)
    y = rng.integers(0, 10, 100)
    rows = evaluate.sweep(
        random_weight_set(),
        [5, 6],
        methods=("sampling", "proposed"),
        device="EpiRAM",
        seed=3,
        recipe="paper",
        x=x,
        y=y,
        mapping="reference",
    )
    title = figures.figure2(rows).axes[0].get_title()
    assert title == "EpiRAM, paper, seed 3, mapping: reference"
    assert figures.figure2(rows, title="").axes[0].get_title() == ""

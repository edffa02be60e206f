"""The figures of the reproduction notes, the devices and the non-idealities chapters,
on
synthetic rows: each readable at page size, each showing its data."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from synquant import devices, quantize  # noqa: E402
from synquant.book import figures

LEVELS = (5, 10, 15, 25)


def sweep_rows(low=40.0, **extra):
    """Rows of one sweep: sampling from ``low`` up, proposed above it, software 97."""
    rows = [{"method": "software", "levels": "", "accuracy_pct": 97.0, **extra}]
    for i, L in enumerate(LEVELS):
        rows.append(
            {"method": "sampling", "levels": L, "accuracy_pct": low + 10 * i, **extra}
        )
        rows.append(
            {"method": "proposed", "levels": L, "accuracy_pct": 90 + i, **extra}
        )
    return rows


def lines_data(ax):
    return [line.get_ydata() for line in ax.get_lines()]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_seed_spread():
    rows = [{**r, "seed": s} for s in (0, 1) for r in sweep_rows(low=40.0 + s)]
    fig = figures.seed_spread(rows)
    assert figures.check_readable(fig) == []
    assert not plt.fignum_exists(fig.number)  # shown once in a notebook
    (ax,) = fig.axes
    assert len(ax.collections) == 2  # a band of one standard deviation per method


def test_batch_accuracy():
    fig = figures.batch_accuracy({100: 98.0, 1000: 97.5, 20000: 96.5, 60000: 94.0})
    assert figures.check_readable(fig) == []
    assert not plt.fignum_exists(fig.number)  # shown once in a notebook
    (ax,) = fig.axes
    assert list(ax.get_lines()[0].get_ydata()) == [98.0, 97.5, 96.5, 94.0]
    assert ax.get_xscale() == "log"


def test_readings_shows_every_curve_in_every_panel():
    rows = []
    for k, changed in enumerate(["none", *quantize.OPTIONS]):
        rows += sweep_rows(low=20.0 + 5 * k, changed=changed)
    fig = figures.readings(rows)
    assert figures.check_readable(fig) == []
    assert not plt.fignum_exists(fig.number)  # shown once in a notebook
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == 1 + len(quantize.OPTIONS)
    assert panels[0].get_title() == "default reading"
    for ax in panels:
        low, high = ax.get_ylim()
        for y in lines_data(ax):
            assert low <= np.min(y) and np.max(y) <= high  # nothing below the floor
        assert [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(fig.legends) == 1


def test_accuracy_vs_states():
    rows = [
        {
            "states": n,
            "method": "proposed",
            "levels": L,
            "accuracy_pct": 80 + L / 5 + n / 50,
        }
        for n in (10, 50, 200)
        for L in (5, 10, 25)
    ]
    rows += [
        {"states": n, "method": "software", "levels": "", "accuracy_pct": 97.0}
        for n in (10, 50, 200)
    ]
    fig = figures.accuracy_vs_states(rows)
    assert figures.check_readable(fig) == []
    assert not plt.fignum_exists(fig.number)  # shown once in a notebook
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 4  # 3 numbers of levels and the software line
    assert list(ax.get_lines()[0].get_xdata()) == [10, 50, 200]


def test_device_panels_own_ranges_and_tick_labels():
    names = devices.names()
    rows = []
    for k, name in enumerate(names):
        rows += sweep_rows(low=30.0 + 8 * k, device=name)
    fig = figures.device_panels(rows, names)
    assert figures.check_readable(fig) == []
    assert not plt.fignum_exists(fig.number)  # shown once in a notebook
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert len(panels) == len(names)
    assert all(d in ax.get_title() for d, ax in zip(names, panels, strict=True))
    ranges = {ax.get_ylim() for ax in panels}
    assert len(ranges) > 1  # not one shared y axis
    for ax in panels:
        assert [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        low, high = ax.get_ylim()
        assert all(low <= np.min(y) and np.max(y) <= high for y in lines_data(ax))
    assert fig.get_figwidth() <= figures.MAX_WIDTH


def test_lead_vs_nonlinearity_marks_material_leads():
    summary = [
        {"device": "A", "nl": 3.0, "mean_lead": 5.0, "material": True},
        {"device": "B", "nl": -0.5, "mean_lead": 0.1, "material": False},
    ]
    fig = figures.lead_vs_nonlinearity(summary)
    assert figures.check_readable(fig) == []
    assert not plt.fignum_exists(fig.number)  # shown once in a notebook
    (ax,) = fig.axes
    filled, hollow = ax.collections[:2]
    assert filled.get_offsets().tolist() == [[3.0, 5.0]]
    assert hollow.get_offsets().tolist() == [[0.5, 0.1]]
    assert {t.get_text() for t in ax.texts} == {"A", "B"}


def test_lead_vs_nonlinearity_labels_the_seven_devices_apart():
    """The benchmark devices' |NL| cluster near 0 and near 2 (Fig 6.2): labelled at
    one offset, their names overlap; placed by label_points, none does."""
    leads = {"TaOx/HfOx": 0.02, "GST PCM": 0.05, "EpiRAM": 0.3, "HZO FeFET": 1.0}
    leads |= {"AlOx/HfO2": 1.2, "Ag:a-Si": 2.5, "PCMO": 5.0}
    summary = [
        {"device": d, "nl": devices.get(d).nl_increase, "mean_lead": v}
        for d, v in leads.items()
    ]
    fig = figures.lead_vs_nonlinearity(summary)
    assert figures.check_readable(fig) == []
    (ax,) = fig.axes
    assert {t.get_text() for t in ax.texts} == set(leads)
    for note in ax.texts:  # the naive placement, one offset for all: overlaps
        note.set_position((4, 4))
        note.set_ha("left")
        note.set_va("baseline")
    assert any("overlaps" in p for p in figures.check_readable(fig))


def test_write_noise():
    rows = [
        {
            "method": "software",
            "levels": None,
            "mean": 97.0,
            "low": None,
            "high": None,
            "ideal": 97.0,
        }
    ]
    rows += [
        {
            "method": m,
            "levels": L,
            "mean": 90.0 + i,
            "low": 89.0 + i,
            "high": 91.0 + i,
            "ideal": 92.0 + i,
        }
        for m in ("sampling", "proposed")
        for i, L in enumerate(LEVELS)
    ]
    fig = figures.write_noise(rows)
    assert figures.check_readable(fig) == []
    assert not plt.fignum_exists(fig.number)  # shown once in a notebook
    (ax,) = fig.axes
    assert len(ax.get_lines()) == 5  # noisy and ideal of two methods, software
    assert len(ax.collections) == 2  # the intervals


def test_effects_panels():
    rows = [
        {
            "effect": title,
            "keyword": key,
            "value": v,
            "method": m,
            "mean": 95 - 100 * v,
            "low": 94 - 100 * v,
            "high": 96 - 100 * v,
        }
        for title, key in (
            ("read noise σ", "read_sigma"),
            ("stuck at Gmax", "stuck_max"),
            ("stuck at Gmin", "stuck_min"),
        )
        for m in ("sampling", "proposed")
        for v in (0.0, 0.01, 0.05)
    ]
    fig = figures.effects(rows, levels=10)
    assert figures.check_readable(fig) == []
    assert not plt.fignum_exists(fig.number)  # shown once in a notebook
    panels = [ax for ax in fig.axes if ax.get_xlabel()]
    assert [ax.get_xlabel() for ax in panels] == [
        "read noise σ",
        "stuck at Gmax",
        "stuck at Gmin",
    ]
    assert all("L = 10" in ax.get_ylabel() for ax in panels)
    assert len(fig.legends) == 1

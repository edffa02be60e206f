"""The on-chip chapter's tables and figures (synquant.book.insitu) on made-up runs."""

import csv
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from synquant import insitu  # noqa: E402
from synquant.book import figures  # noqa: E402
from synquant.book import insitu as chapter  # noqa: E402


@pytest.fixture(autouse=True)
def close():
    yield
    plt.close("all")


def made_up(tmp_path, epochs=12, seeds=(0, 1), option="", value="", shift=0.0):
    """A CSV like the cache: each device climbs to its Table II value plus the seed."""
    path = tmp_path / f"runs{option}.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(insitu.CSV_FIELDS)
        for name in (*insitu.TABLE_II, "ideal"):
            top = insitu.TABLE_II.get(name, 94.0) + shift
            for s in seeds:
                for e in range(1, epochs + 1):
                    acc = top + s - 20 * math.exp(-e)
                    w.writerow([name, s, e, acc, 100 * e, 50, 1e-6, 1.0, option, value])
    return path


def test_load_types_and_final_accuracy(tmp_path):
    rows = chapter.load(made_up(tmp_path))
    assert rows[0]["epoch"] == 1 and isinstance(rows[0]["accuracy_pct"], float)
    final = insitu.summary(rows, last=3)
    expected = np.mean([72 + s - 20 * np.exp(-np.arange(10, 13)) for s in (0, 1)])
    assert final["Ag:a-Si"]["accuracy"] == pytest.approx(expected)
    with pytest.raises(FileNotFoundError, match="make insitu"):
        chapter.load(tmp_path / "missing.csv")


def test_claims_strict_and_tolerant(tmp_path):
    final = insitu.summary(chapter.load(made_up(tmp_path)), last=3)
    final["PCMO"]["accuracy"] = 33 + 5.0  # tolerant only
    final["EpiRAM"]["accuracy"] = 92 - 15.0  # fails
    result = {c.name: c for c in chapter.claims(final)}
    assert result["PCMO"].verdict.startswith("holds within the tolerance")
    assert result["EpiRAM"].verdict.startswith("fails")
    assert result["HZO FeFET"].verdict == "holds"  # 88.5 against 88
    header, body = chapter.claims_table(list(result.values()), final)
    assert len(body) == 7 and body[2][4] == "+5.0" and len(header) == len(body[0])
    assert header[1] == "verdict" and body[2][1].startswith("holds within")


def test_curves_and_figure(tmp_path):
    rows = chapter.load(made_up(tmp_path))
    c = chapter.curves(rows)
    assert list(c)[-1] == "ideal" and len(c) == 8
    assert c["PCMO"]["high"][-1] - c["PCMO"]["low"][-1] == pytest.approx(1.0)
    fig = chapter.curves_figure(rows)
    assert figures.check_readable(fig) == []
    labels = [ln.get_label() for ln in fig.axes[0].get_lines()]
    assert "PCMO" in labels and "ideal" in labels


def test_sensitivity_against_the_same_seeds_and_epochs(tmp_path):
    main = chapter.load(made_up(tmp_path, epochs=12))
    varied = chapter.load(
        made_up(tmp_path, epochs=6, seeds=(0,), option="adc", value="ideal", shift=7)
    )
    out = {r["device"]: r for r in chapter.sensitivity(main, varied, last=3)}
    assert out["PCMO"]["shift"] == pytest.approx(7.0)
    assert out["PCMO"]["chosen"] == "neurosim" and out["PCMO"]["epochs"] == 6


def test_off_chip_costs_and_figure(tmp_path):
    from synquant import model

    weights, _ = model.resolve_weights(None, "paper", 0)
    off = chapter.off_chip(weights, ["PCMO"], levels=10)
    assert {(r["method"], r["levels"]) for r in off} == {
        ("proposed", 10),
        ("sampling", 10),
        ("proposed", 50),
        ("sampling", 50),
    }
    assert all(50 < r["accuracy_pct"] <= 100 for r in off)
    rows = [r for r in chapter.load(made_up(tmp_path)) if r["device"] == "PCMO"]
    cost = chapter.costs(rows, weights, levels=10)
    assert cost[0]["onchip_pulses"] == pytest.approx(100 * 12 * 13 / 2 + 50 * 12)
    assert cost[0]["proposed_pulses"] > 0 and cost[0]["sampling_energy"] > 0
    final = insitu.summary(rows, last=3)
    header, body = chapter.costs_table(cost, final)
    assert len(body[0]) == len(header) and body[0][2].endswith("J")
    fig = chapter.on_off_figure(final, off, levels=10)
    assert figures.check_readable(fig) == []
    assert len(fig.axes[0].patches) == 5  # one device, five bars

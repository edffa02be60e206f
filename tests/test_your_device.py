"""The Your device chapter's pieces (synquant.book.your_device)."""

import numpy as np
import pytest

from synquant import devices, fit
from synquant.book import your_device

TRUE = devices.Device("true", 41, 2.5, -3.2, 2e6, 4.0, 0.02)


def test_load_presets_files_and_one_branch(tmp_path):
    both = your_device.load("crosssim", "crosssim")
    assert (both["potentiation"].cycles, both["depression"].cycles) == (39, 40)
    assert "0.1 V" in both["potentiation"].described
    one = your_device.load("synthetic", "")
    assert one["depression"] is None and one["potentiation"].cycles == 10
    path = fit.write_csv(fit.simulate(TRUE, cycles=2), tmp_path / "mine.csv")
    mine = your_device.load(str(path), "")
    assert len(mine["potentiation"]) == 82
    with pytest.raises(ValueError, match="give potentiation, depression or both"):
        your_device.load("", "")


def test_table_scales_units_and_says_fixed_by_the_data():
    data = {b: fit.simulate(TRUE, b, cycles=2, sigma=0.0) for b in devices.BRANCHES}
    exact = fit.fit(**data, name="exact", bootstrap=20)
    rows = your_device.table(exact, TRUE, read_noise=0.0)
    labels = [r[0] for r in rows[:7]]
    assert labels == [
        "NL",
        "Gmin (nS)",
        "Gmax (nS)",
        "write noise sigma (%)",
        "read noise (%)",
        "pulses",
        "RMS distance / range",
    ]
    gmin = rows[1]
    assert gmin[2] == "125" and gmin[3] == "fixed by the data" and gmin[4] == "125"
    assert all(len(r) == len(your_device.TABLE_HEADER) for r in rows)
    measured = fit.fit(
        depression=your_device.load("", "crosssim")["depression"], bootstrap=20
    )
    rows = your_device.table(measured)
    assert rows[1][0] == "Gmin (mS)" and rows[1][4] == "unknown"
    low, high = (float(v) for v in rows[1][3].split(" to "))
    assert low < float(rows[1][2]) < high


def test_warnings_markdown():
    clean = fit.fit(fit.synthetic("potentiation"), bootstrap=0)
    assert "no warning" in your_device.warnings_markdown(clean).data
    accelerating = fit.fit(
        your_device.load("crosssim", "")["potentiation"], name="x", bootstrap=0
    )
    text = your_device.warnings_markdown(accelerating).data
    assert text.startswith("- set.csv:") and "bends the other way" in text


def test_coverage_and_rule_bias_report_fractions():
    rows = your_device.coverage(sets=3, cycles=(1, 4), bootstrap=30)
    assert [r["cycles"] for r in rows] == [1, 4]
    for row in rows:
        assert row["sets"] == 3
        assert all(0 <= row[k] <= 1 for k in ("nl", "g_min", "g_max", "sigma"))
    bias = your_device.rule_bias(TRUE, sets=3, cycles=2)
    assert set(bias) == set(devices.BRANCHES)
    assert all(np.isfinite(b["bias"]) and b["se"] >= 0 for b in bias.values())
    assert bias["potentiation"]["true_nl"] == pytest.approx(2.5, abs=1e-6)

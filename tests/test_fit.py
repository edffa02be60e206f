import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synquant import devices, fit
from synquant.book import your_device

ROOT = Path(__file__).resolve().parent.parent

# Devices of known parameters; labels on which nl_to_a solves the gap rule exactly.
TRUE = devices.Device("true", 41, 2.5, -3.2, 2e6, 4.0, 0.02)
SHAPES = [(2.5, -3.2), (0.3, 0.8), (-1.5, 1.2), (6.1, -7.4)]


def exact(device, branch):
    """The device's true curve parameter and label (NL as the gap rule reads its a)."""
    a = device.a(branch)
    return a, devices.a_to_nl(a)


def assert_recovers(result, device, branch, rel=1e-6):
    a, nl = exact(device, branch)
    assert result.g_min == pytest.approx(device.g_min, rel=rel)
    assert result.g_max == pytest.approx(device.g_max, rel=rel)
    assert result.a == pytest.approx(a, rel=rel)
    assert result.nl == pytest.approx(nl, rel=rel)
    assert result.pulses == device.states - 1


@pytest.mark.parametrize("nl_inc, nl_dec", SHAPES)
@pytest.mark.parametrize("branch", devices.BRANCHES)
def test_noise_free_data_recovers_every_parameter(branch, nl_inc, nl_dec):
    device = devices.Device("d", 31, nl_inc, nl_dec, 1e5, 7.0, 0.0)
    data = fit.simulate(device, branch, cycles=2, sigma=0.0)
    result = fit.fit_branch(data, branch, bootstrap=0)
    assert_recovers(result, device, branch)
    assert result.sigma == pytest.approx(0, abs=1e-9)
    assert result.rms == pytest.approx(0, abs=1e-6 * device.g_max)
    # the label read back by the book gives the same curve
    assert devices.nl_to_a(result.nl, grid=None, table=False) == pytest.approx(
        result.a, rel=1e-6
    )


def test_noise_free_fit_of_a_device_file_round_trips(tmp_path):
    pot, dep = (fit.simulate(TRUE, b, cycles=1, sigma=0.0) for b in devices.BRANCHES)
    result = fit.fit(pot, dep, name="mine", bootstrap=0)
    d = result.device
    assert d.states == TRUE.states
    assert d.nl_increase == pytest.approx(TRUE.nl_increase, rel=1e-6)
    assert d.nl_decrease == pytest.approx(TRUE.nl_decrease, rel=1e-6)
    assert d.r_on == pytest.approx(TRUE.r_on, rel=1e-6) and d.on_off == pytest.approx(
        TRUE.on_off, rel=1e-6
    )
    assert d.sigma == pytest.approx(0, abs=1e-9)
    path = fit.save(result, tmp_path / "mine.json")
    assert devices.get(path) == d
    record = json.loads(path.read_text())["fit"]
    assert set(record["branches"]) == {"potentiation", "depression"}
    assert record["branches"]["depression"]["orientation"] == "falling"
    with pytest.raises(FileExistsError, match="already exists"):
        fit.save(result, path)


@pytest.mark.slow
def test_interval_coverage_over_50_noisy_data_sets():
    # 50 seeded data sets, 10 cycles each; 200 resamples per bootstrap (not 1000) keep
    # this test near 30 s; the percentiles move by a few hundredths of NL with it.
    truth = exact(TRUE, "potentiation")[1]
    hits = 0
    for seed in range(50):
        data = fit.simulate(TRUE, "potentiation", cycles=10, seed=seed)
        result = fit.fit_branch(data, "potentiation", bootstrap=200, seed=seed)
        low, high = result.intervals["nl"]
        hits += low <= truth <= high
    assert hits >= 45


def test_sigma_is_neurosims_step_deviation():
    data = fit.simulate(TRUE, "depression", cycles=40, seed=3)
    result = fit.fit_branch(data, "depression", bootstrap=100, seed=0)
    assert result.sigma == pytest.approx(TRUE.sigma, rel=0.1)
    low, high = result.intervals["sigma"]
    assert low < result.sigma < high


def test_bootstrap_is_seeded_and_over_cycles_or_points():
    data = fit.simulate(TRUE, "potentiation", cycles=4, seed=1)
    a = fit.fit_branch(data, bootstrap=50, seed=7)
    b = fit.fit_branch(data, bootstrap=50, seed=7)
    c = fit.fit_branch(data, bootstrap=50, seed=8)
    assert a.intervals == b.intervals and a.intervals != c.intervals
    assert a.unit == "steps" and len(a.samples["nl"]) == 50
    assert fit.fit_branch(data, bootstrap=20, over="cycles").unit == "cycles"
    no_cycle = fit.from_arrays(data.pulse, data.conductance)
    with pytest.raises(ValueError, match="needs a cycle column"):
        fit.fit_branch(no_cycle, bootstrap=20, over="cycles")
    assert fit.fit_branch(no_cycle, bootstrap=0).nl == pytest.approx(a.nl, rel=1e-9)


def test_depression_orientations_agree():
    measured = fit.simulate(TRUE, "depression", cycles=3, seed=4)
    listed = fit.simulate(TRUE, "depression", cycles=3, seed=4, orientation="neurosim")
    r1 = fit.fit_branch(measured, "depression", bootstrap=0)
    r2 = fit.fit_branch(listed, "depression", bootstrap=0)
    assert (r1.orientation, r2.orientation) == ("falling", "rising")
    assert (
        "from Gmax downward" in r1.orientation_text
        and "NeuroSim's axis" in r2.orientation_text
    )
    for name in ("g_min", "g_max", "nl", "sigma"):
        assert getattr(r1, name) == pytest.approx(getattr(r2, name), rel=1e-8)
    np.testing.assert_allclose(
        r1.predict(measured.pulse), r2.predict(listed.pulse), rtol=1e-8
    )


def test_fractional_unsorted_and_repeated_pulses(tmp_path):
    data = fit.simulate(TRUE, "potentiation", cycles=3, seed=5)
    base = fit.fit_branch(data, bootstrap=0)
    # fractional pulse numbers (half-pulse units, offset), rows shuffled
    order = np.random.default_rng(0).permutation(len(data))
    shuffled = fit.from_arrays(
        0.5 * data.pulse[order] + 3.25, data.conductance[order], data.cycle[order]
    )
    r = fit.fit_branch(shuffled, bootstrap=0)
    assert r.pulses == 0.5 * base.pulses and r.first_pulse == 3.25
    for name in ("g_min", "g_max", "nl"):
        assert getattr(r, name) == pytest.approx(getattr(base, name), rel=1e-8)
    assert r.sigma == pytest.approx(
        base.sigma * np.sqrt(2), rel=1e-8
    )  # per sqrt(pulse): half-pulse steps
    # repeated pulse numbers without a cycle column: cycles listed one after the other
    path = tmp_path / "no-cycle.csv"
    path.write_text(
        "pulse,conductance\n"
        + "".join(
            f"{p:g},{float(g)!r}\n"
            for p, g in zip(data.pulse, data.conductance, strict=True)
        )
    )
    read = fit.read_csv(path)
    assert not read.has_cycle and read.cycles == 3
    np.testing.assert_array_equal(read.cycle, data.cycle)
    assert fit.fit_branch(read, bootstrap=0).sigma == pytest.approx(
        base.sigma, rel=1e-8
    )


def test_csv_round_trip_and_checksum(tmp_path):
    data = fit.simulate(TRUE, "potentiation", cycles=2, seed=6)
    path = fit.write_csv(data, tmp_path / "ltp.csv")
    read = fit.read_csv(path)
    np.testing.assert_array_equal(read.pulse, data.pulse)
    np.testing.assert_allclose(read.conductance, data.conductance, rtol=1e-9)
    assert read.has_cycle and read.sha256 == data.sha256
    with pytest.raises(FileExistsError):
        fit.write_csv(data, path)
    # labels, comments, extra columns and other column orders are fine
    (tmp_path / "other.csv").write_text(
        "# measured on bench 2\nConductance , Cycle,pulse,temp\n"
        + "".join(
            f"{float(g)!r},run-{c},{p:g},300\n"
            for c, p, g in zip(data.cycle, data.pulse, data.conductance, strict=True)
        )
    )
    other = fit.read_csv(tmp_path / "other.csv")
    np.testing.assert_array_equal(other.cycle, read.cycle)


def test_one_branch_only():
    pot = fit.simulate(TRUE, "potentiation", cycles=2, sigma=0.0)
    result = fit.fit(pot, None, name="half", bootstrap=0)
    assert list(result.branches) == ["potentiation"]
    assert result.device.nl_decrease == pytest.approx(-result.device.nl_increase)
    assert any("depression not measured" in a for a in result.assumed)
    dep = fit.simulate(TRUE, "depression", cycles=2, sigma=0.0)
    result = fit.fit(None, dep, name="other half", bootstrap=0)
    assert result.device.nl_decrease == pytest.approx(TRUE.nl_decrease, rel=1e-6)
    assert result.device.nl_increase == pytest.approx(-TRUE.nl_decrease, rel=1e-6)
    with pytest.raises(ValueError, match="no data"):
        fit.fit(None, None)


def test_neurosim_parameters():
    pot, dep = (fit.simulate(TRUE, b, cycles=1, sigma=0.0) for b in devices.BRANCHES)
    result = fit.fit(pot, dep, name="mine", bootstrap=0)
    params = fit.neurosim(result)
    assert params["maxNumLevelLTP"] == params["maxNumLevelLTD"] == TRUE.states - 1
    assert params["NL_LTP"] == pytest.approx(TRUE.nl_increase, abs=0.005)
    assert params["NL_LTD"] == pytest.approx(TRUE.nl_decrease, abs=0.005)
    assert params["maxConductance"] == pytest.approx(TRUE.g_max, rel=1e-6)
    text = fit.neurosim_text(result)
    for name in ("NL_LTP", "NL_LTD", "maxNumLevelLTP", "maxNumLevelLTD", "sigmaCtoC"):
        assert name in text
    assert fit.neurosim("PCMO")["maxNumLevelLTP"] == 49


# --- bad input: exception, message, no file written ---

GOOD_ROWS = "pulse,conductance\n" + "".join(f"{p},{1e-7 * (1 + p)}\n" for p in range(8))


@pytest.mark.parametrize(
    "name, content, branch, error, message",
    [
        (
            "no-conductance.csv",
            "pulse,current\n0,1\n1,2\n",
            "potentiation",
            fit.FitError,
            "missing column\\(s\\) conductance in the header",
        ),
        (
            "no-header.csv",
            "0,1e-7\n1,2e-7\n",
            "potentiation",
            fit.FitError,
            "missing column\\(s\\) pulse, conductance",
        ),
        (
            "few.csv",
            "pulse,conductance\n0,1e-7\n1,2e-7\n2,3e-7\n3,3.5e-7\n",
            "potentiation",
            fit.FitError,
            "has 4 data point\\(s\\); a fit needs at least 5",
        ),
        (
            "nan.csv",
            GOOD_ROWS.replace("4,5e-07", "4,nan"),
            "potentiation",
            fit.FitError,
            "row 6: conductance is nan",
        ),
        (
            "negative.csv",
            GOOD_ROWS.replace("3,4e-07", "3,-4e-07"),
            "potentiation",
            fit.FitError,
            "row 5: conductance -4e-07 S is negative",
        ),
        (
            "constant.csv",
            "pulse,conductance\n" + "".join(f"{p},1e-7\n" for p in range(6)),
            "potentiation",
            fit.FitError,
            "conductance is 1e-07 S on every row",
        ),
        (
            "text.csv",
            GOOD_ROWS.replace("2,3e-07", "2,high"),
            "potentiation",
            fit.FitError,
            "row 4: conductance 'high' is not a number",
        ),
        (
            "fields.csv",
            GOOD_ROWS.replace("2,3e-07", "2,3e-07,5"),
            "potentiation",
            fit.FitError,
            "row 4 has 3 field\\(s\\), the header 2",
        ),
        (
            "falling.csv",
            "pulse,conductance\n"
            + "".join(f"{p},{1e-7 * (9 - p)}\n" for p in range(8)),
            "potentiation",
            fit.FitError,
            "the potentiation branch falls overall .*pass falling data as the "
            "depression",
        ),
        (
            "two-pulses.csv",
            "pulse,conductance\n0,1e-7\n0,2e-7\n1,3e-7\n1,4e-7\n0,1e-7\n",
            "potentiation",
            fit.FitError,
            "fewer than 3 distinct pulse numbers",
        ),
        (
            "empty-cycle.csv",
            "cycle,pulse,conductance\n"
            + "".join(f"a,{p},{1e-7 * (1 + p)}\n" for p in range(6))
            + ",6,8e-7\n",
            "depression",
            fit.FitError,
            "row 8: the cycle is empty",
        ),
        ("empty.csv", "\n\n", "potentiation", fit.FitError, "the file is empty"),
    ],
)
def test_bad_csv(tmp_path, name, content, branch, error, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(error, match=f"{name}: .*{message}"):
        fit.fit(**{branch: path}, name="x", bootstrap=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_binary_and_missing_files(tmp_path):
    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff")
    with pytest.raises(
        fit.FitError, match="image.csv: not a CSV file \\(binary content\\)"
    ):
        fit.read_csv(tmp_path / "image.csv")
    with pytest.raises(
        FileNotFoundError, match="no potentiation data file at .*nowhere.csv"
    ):
        fit.read_csv(tmp_path / "nowhere.csv")
    with pytest.raises(ValueError, match="unknown branch"):
        fit.read_csv(tmp_path / "image.csv", branch="up")


def test_bad_arguments():
    data = fit.simulate(TRUE, "potentiation", cycles=2, seed=0)
    for kwargs, message in [
        ({"bootstrap": -1}, "bootstrap=-1"),
        ({"seed": "a"}, "seed='a'"),
        ({"confidence": 1.5}, "confidence=1.5"),
    ]:
        with pytest.raises(ValueError, match=message):
            fit.fit_branch(data, **kwargs)
    with pytest.raises(ValueError, match="name=''"):
        fit.fit(data, name="")
    with pytest.raises(TypeError, match="give a CSV path or PulseData"):
        fit.fit(potentiation=[1, 2, 3])
    with pytest.raises(fit.FitError, match="3 pulse numbers but 2 conductances"):
        fit.from_arrays([0, 1, 2], [1, 2])
    with pytest.raises(ValueError, match="drove a conductance below 0"):
        fit.simulate(
            devices.Device("x", 200, 1.0, -1.0, 1e6, 1000.0, 0.3),
            "potentiation",
            cycles=5,
        )


# --- the command line and the shipped example ---


def cli(*args, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "synquant", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_shipped_example_is_what_the_simulator_makes():
    for branch, path in fit.SYNTHETIC_FILES.items():
        shipped = fit.read_csv(path, branch)
        assert shipped.sha256 == fit.synthetic(branch).sha256, (
            f"{path} differs from fit.synthetic({branch!r})"
        )


@pytest.mark.slow
def test_cli_fit_then_sweep_round_trip(tmp_path):
    out = tmp_path / "synthetic.json"
    ltp, ltd = fit.SYNTHETIC_FILES.values()
    done = cli(
        "fit",
        "--potentiation",
        str(ltp),
        "--depression",
        str(ltd),
        "--name",
        "synthetic fit",
        "--out",
        str(out),
        "--bootstrap",
        "200",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "NL_LTP" in done.stdout and "from Gmax downward" in done.stdout
    device = devices.get(out)
    record = json.loads(out.read_text())["fit"]
    truth = fit.SYNTHETIC
    for branch, nl in (
        ("potentiation", truth.nl_increase),
        ("depression", truth.nl_decrease),
    ):
        low, high = record["branches"][branch]["nl_interval"]
        assert low < record["branches"][branch]["nl"] < high
        assert (
            abs(record["branches"][branch]["nl"] - nl) < 0.5
        )  # near the truth (the interval may miss it)
    assert device.states == truth.states
    # a second run refuses to overwrite, and leaves the file as it was
    before = out.read_bytes()
    again = cli(
        "fit",
        "--potentiation",
        str(ltp),
        "--name",
        "x",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert (
        again.returncode != 0
        and "already exists" in again.stderr
        and len(again.stderr.splitlines()) == 1
    )
    assert out.read_bytes() == before
    sweep = cli("sweep", "--device", str(out), "--levels", "5,10", cwd=tmp_path)
    assert sweep.returncode == 0, sweep.stderr
    assert sweep.stdout.startswith("synthetic fit,")
    assert "proposed" in sweep.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--potentiation", "{bad}", "--name", "x", "--out", "d.json"],
            "bad.csv: the potentiation branch falls",
        ),
        (
            [
                "--depression",
                "{bad}",
                "--potentiation",
                "{missing}",
                "--name",
                "x",
                "--out",
                "d.json",
            ],
            "no potentiation",
        ),
        (["--name", "x", "--out", "d.json"], "give --potentiation"),
        (
            ["--potentiation", "{bad}", "--name", "x", "--out", "d.txt"],
            "with a .json suffix",
        ),
        (
            [
                "--potentiation",
                "{good}",
                "--name",
                "x",
                "--out",
                "d.json",
                "--bootstrap",
                "-5",
            ],
            "--bootstrap -5",
        ),
    ],
)
def test_cli_errors_write_nothing(tmp_path, args, message):
    (tmp_path / "bad.csv").write_text(
        "pulse,conductance\n" + "".join(f"{p},{1e-7 * (9 - p)}\n" for p in range(8))
    )
    (tmp_path / "good.csv").write_text(GOOD_ROWS)
    names = {"bad": "bad.csv", "good": "good.csv", "missing": "missing.csv"}
    done = cli("fit", *[a.format(**names) for a in args], cwd=tmp_path)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "good.csv"]


@pytest.mark.slow
def test_cli_help():
    done = cli("fit", "--help", cwd=ROOT)
    assert (
        done.returncode == 0
        and "--potentiation" in done.stdout
        and "--bootstrap" in done.stdout
    )


def test_accuracy_band_spans_the_interval():
    rng = np.random.default_rng(0)
    weights = {
        "W1": rng.normal(0, 0.1, (784, 128)).astype(np.float32),
        "b1": np.zeros(128, np.float32),
        "W2": rng.normal(0, 0.1, (128, 10)).astype(np.float32),
        "b2": np.zeros(10, np.float32),
    }
    x, y = rng.random((40, 784), dtype=np.float32), rng.integers(0, 10, 40)
    data = fit.simulate(TRUE, "potentiation", cycles=3, seed=2)
    result = fit.fit(data, name="band", bootstrap=30)
    rows = your_device.accuracy_band(
        weights, result, levels=(5, 10), points=3, x=x, y=y
    )
    branch = result.branches["potentiation"]
    nls = sorted({r["nl"] for r in rows})
    assert nls[0] == pytest.approx(branch.intervals["nl"][0])
    assert nls[-1] == pytest.approx(branch.intervals["nl"][1])
    assert branch.nl in nls and len(nls) == 4
    assert len(rows) == 4 * (1 + 2 * 2)
    with pytest.raises(ValueError, match="bootstrap > 0"):
        your_device.accuracy_band(weights, fit.fit(data, bootstrap=0))


def test_table_of_estimates():
    data = fit.simulate(TRUE, "potentiation", cycles=3, seed=2)
    result = fit.fit(data, name="t", bootstrap=20)
    rows = your_device.table(result, TRUE)
    assert [r[0] for r in rows] == [
        "NL",
        "Gmin (nS)",
        "Gmax (nS)",
        "sigma (%)",
        "pulses",
    ]
    assert all(len(r) == len(your_device.TABLE_HEADER) for r in rows)
    assert rows[0][4] == f"{TRUE.nl_increase:.3f}" and rows[4][4] == str(
        TRUE.states - 1
    )
    assert float(rows[0][2]) == pytest.approx(
        result.branches["potentiation"].nl, abs=1e-3
    )
    assert all(r[4] == "unknown" for r in your_device.table(result))

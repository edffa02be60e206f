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
@pytest.mark.parametrize("cycles", [1, 10])
@pytest.mark.parametrize(
    "read_noise, sigma",
    [(0.01, 0.02), (0.02, 0.0), (0.0, 0.02)],
    ids=["both", "read", "write"],
)
def test_interval_coverage_with_read_and_write_noise(cycles, read_noise, sigma):
    # 40 seeded data sets where the model holds (additive write noise of sigma per
    # pulse, read noise), one cycle or ten; 200 resamples each (10 to 25 s per case).
    # Under 95 % intervals, fewer than 34 hits of 40 has probability below 1 %. A
    # sigma of 0 sits on the bound of its interval and is not scored.
    truth = {
        "nl": exact(TRUE, "potentiation")[1],
        "g_min": TRUE.g_min,
        "g_max": TRUE.g_max,
    } | ({"sigma": sigma} if sigma else {})
    hits = dict.fromkeys(truth, 0)
    for seed in range(40):
        data = fit.simulate(
            TRUE,
            cycles=cycles,
            seed=seed,
            sigma=sigma,
            read_noise=read_noise,
            rule="additive",
        )
        result = fit.fit_branch(data, bootstrap=200, seed=seed)
        for name, value in truth.items():
            low, high = result.intervals[name]
            hits[name] += low <= value <= high
    print(
        f"coverage of 40, {cycles} cycle(s), read {read_noise}, write {sigma}: {hits}"
    )
    assert all(h >= 34 for h in hits.values()), hits


def test_one_cycle_rests_on_all_points():
    # one cycle: moving its first point does not drag the curve's level with it
    data = fit.simulate(TRUE, cycles=1, seed=3, read_noise=0.01, rule="additive")
    moved = data.conductance.copy()
    moved[np.argmin(data.pulse)] += 0.2 * (TRUE.g_max - TRUE.g_min)
    other = fit.from_arrays(data.pulse, moved)
    a, b = (fit.fit_branch(d, bootstrap=0) for d in (data, other))
    assert abs(b.g_min - a.g_min) < 0.05 * (TRUE.g_max - TRUE.g_min)
    # a least-squares curve: no other curve of the model is closer to the data
    np.testing.assert_allclose(b.rms, np.sqrt(np.mean(b.residuals() ** 2)))
    for shift in (-0.01, 0.01):
        nudged = b.predict(other.pulse) * (1 + shift)
        assert np.sqrt(np.mean((other.conductance - nudged) ** 2)) > b.rms


def test_simulate_follows_neurosims_write_rule():
    device = devices.Device("d", 21, 3.0, -3.0, 1e6, 5.0, 0.05)
    exact_data = fit.simulate(device, cycles=2, sigma=0.0)
    x = exact_data.pulse / 20
    np.testing.assert_allclose(
        exact_data.conductance,
        device.g_min + (device.g_max - device.g_min) * devices.curve(x, device.a()),
        rtol=1e-9,
    )
    for branch in devices.BRANCHES:
        data = fit.simulate(device, branch, cycles=200, seed=1)
        g = data.conductance.reshape(200, 21)
        assert g.min() >= device.g_min and g.max() <= device.g_max  # clipped
        assert np.any(g == device.g_max) and np.any(g == device.g_min)
        # each step from the current conductance: one pulse on along the curve,
        # plus noise of sigma (Gmax - Gmin), where no clipping intervened
        span = device.g_max - device.g_min
        b = 1 / device.a(branch)
        step = 1 / 20 if branch == "potentiation" else -1 / 20
        now = fit._inverse((g[:, :-1] - device.g_min) / span, b)
        expected = device.g_min + span * fit.model(now + step, b)
        inside = (g[:, 1:] > device.g_min) & (g[:, 1:] < device.g_max)
        noise = (g[:, 1:] - expected)[inside] / span
        assert abs(noise.mean()) < 0.01 and noise.std() == pytest.approx(0.05, rel=0.1)


@pytest.mark.slow
def test_bias_under_neurosims_rule_is_measured():
    # where the model holds (additive noise) the fitted NL has no detectable bias; under
    # NeuroSim's own rule (clipped, each step from the noisy state) it is measured
    additive = fit.write_rule_bias(TRUE, rule="additive", sets=20)
    assert abs(additive["bias"]) < 3 * additive["se"] + 0.02, additive
    neurosim = fit.write_rule_bias(TRUE, rule="neurosim", sets=20)
    assert neurosim["sets"] == 20 and np.isfinite(neurosim["bias"])
    assert neurosim["true_nl"] == pytest.approx(exact(TRUE, "potentiation")[1])
    with pytest.raises(ValueError, match="sets=1"):
        fit.write_rule_bias(TRUE, sets=1)


def test_sigma_is_neurosims_step_deviation():
    data = fit.simulate(TRUE, "depression", cycles=40, seed=3)
    result = fit.fit_branch(data, "depression", bootstrap=100, seed=0)
    assert result.sigma == pytest.approx(TRUE.sigma, rel=0.1)
    low, high = result.intervals["sigma"]
    assert low < result.sigma < high


def test_bootstrap_is_seeded_and_over_the_noise_model_or_cycles():
    data = fit.simulate(TRUE, "potentiation", cycles=4, seed=1)
    a = fit.fit_branch(data, bootstrap=50, seed=7)
    b = fit.fit_branch(data, bootstrap=50, seed=7)
    c = fit.fit_branch(data, bootstrap=50, seed=8)
    assert a.intervals == b.intervals and a.intervals != c.intervals
    assert a.unit == "model" and len(a.samples["nl"]) == 50
    many = fit.simulate(TRUE, "potentiation", cycles=8, seed=1)
    over_cycles = fit.fit_branch(many, bootstrap=50, over="cycles")
    assert over_cycles.unit == "cycles"
    low, high = over_cycles.intervals["nl"]
    assert low < over_cycles.nl < high
    with pytest.raises(ValueError, match="needs at least 5 cycles"):
        fit.fit_branch(data, bootstrap=20, over="cycles")
    no_cycle = fit.from_arrays(data.pulse, data.conductance)
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
            "current.csv",
            "pulse,current\n" + "".join(f"{p},{1e-6 * (1 + p)}\n" for p in range(8)),
            "potentiation",
            fit.FitError,
            "the values are read currents \\('current'\\); give the read voltage",
        ),
        (
            "no-header.csv",
            "0,1e-7\n1,2e-7\n",
            "potentiation",
            fit.FitError,
            "the potentiation branch has 2 data point\\(s\\)",
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
            rule="additive",
        )
    with pytest.raises(ValueError, match="rule='x'"):
        fit.simulate(TRUE, rule="x")
    with pytest.raises(ValueError, match="bootstrap=1000000000: use an integer from"):
        fit.fit(data, bootstrap=1_000_000_000)


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
        "write noise sigma (%)",
        "read noise (%)",
        "pulses",
        "RMS distance / range",
    ]
    assert all(len(r) == len(your_device.TABLE_HEADER) for r in rows)
    assert rows[0][4] == f"{TRUE.nl_increase:.3f}" and rows[5][4] == str(
        TRUE.states - 1
    )
    assert float(rows[0][2]) == pytest.approx(
        result.branches["potentiation"].nl, abs=1e-3
    )
    assert all(r[4] in ("unknown", "") for r in your_device.table(result))


# --- real data and the layouts labs export ---


def test_reads_crosssim_as_it_is():
    pot = fit.read_csv(fit.CROSSSIM_FILES["potentiation"], read_voltage=0.1)
    dep = fit.read_csv(fit.CROSSSIM_FILES["depression"], "depression", read_voltage=0.1)
    assert (len(pot), pot.cycles, len(dep), dep.cycles) == (7362, 39, 6055, 40)
    assert pot.pulse.max() == 191 and dep.pulse.max() == 152  # ragged runs
    assert 1.6e-3 < pot.conductance.min() < pot.conductance.max() < 2.5e-3
    assert "wide layout" in pot.summary() and "0.1 V" in pot.summary()
    assert "1.606 to 2.485 mS" in pot.summary()
    # the shipped copy is the shared measurement, byte for byte
    shared = ROOT.parent / "shared" / "devices" / "measured" / "crosssim-example"
    if shared.is_dir():
        for path in fit.CROSSSIM_FILES.values():
            assert path.read_bytes() == (shared / path.name).read_bytes()


def plain_curve_rms(data, branch):
    """RMS distance of the data from scipy's curve_fit of NeuroSim's curve (the plain
    least-squares curve, fitted here independently of synquant.fit)."""
    from scipy.optimize import curve_fit

    u = (data.pulse - data.pulse.min()) / np.ptp(data.pulse)
    x = 1 - u if branch == "depression" else u
    scale = data.conductance.max()

    def curve(x, lo, hi, b):
        return lo + (hi - lo) * fit.model(x, b)

    best = np.inf
    for b0 in (-3.0, -0.5, 0.5, 3.0):
        try:
            p, _ = curve_fit(curve, x, data.conductance / scale, p0=(0.6, 1.0, b0))
        except RuntimeError:
            continue
        best = min(
            best, np.sqrt(np.mean((curve(x, *p) - data.conductance / scale) ** 2))
        )
    return best * scale


@pytest.mark.parametrize("branch", devices.BRANCHES)
def test_crosssim_fit_tracks_the_data(branch):
    data = fit.read_csv(fit.CROSSSIM_FILES[branch], branch, read_voltage=0.1)
    result = fit.fit_branch(data, branch, bootstrap=0)
    plain = plain_curve_rms(data, branch)
    assert result.rms <= 1.10 * plain, (result.rms, plain)
    assert result.rms_fraction < 0.08
    assert 0 < result.g_min < result.g_max
    assert result.rms_weighted >= result.rms  # the check of the noise model
    if branch == "potentiation":  # accelerates: said plainly
        assert any("bends the other way" in w for w in result.warnings)


def test_noise_free_intervals_are_fixed_by_the_data():
    data = fit.simulate(TRUE, cycles=2, sigma=0.0)
    result = fit.fit(data, name="exact", bootstrap=20)
    branch = result.branches["potentiation"]
    assert branch.fixed("g_min") and branch.fixed("g_max")
    assert "Gmin 125 nS (fixed by the data)" in result.report()


def test_warns_when_the_residuals_are_structured():
    # five cycles of a logistic response (an inflection NeuroSim's curve lacks)
    p, cycle = np.tile(np.arange(80.0), 5), np.repeat(np.arange(5), 80)
    s_shape = 1e-7 * (1 + 1 / (1 + np.exp(-(p - 40) / 6)))
    noisy = s_shape + np.random.default_rng(0).normal(0, 3e-9, 400)
    result = fit.fit_branch(fit.from_arrays(p, noisy, cycle), bootstrap=0)
    assert any("residuals are structured" in w for w in result.warnings)
    assert any("of the data's range from the data" in w for w in result.warnings)
    clean = fit.fit_branch(fit.synthetic("potentiation"), bootstrap=0)
    assert clean.warnings == []


def test_layouts_units_and_encodings(tmp_path):
    data = fit.simulate(TRUE, cycles=3, seed=5, read_noise=0.005)
    base = fit.fit_branch(data, bootstrap=0)
    g, pulse, cycle = data.conductance, data.pulse, data.cycle

    def check(path, **kw):
        read = fit.read_csv(path, **kw)
        np.testing.assert_allclose(np.sort(read.conductance), np.sort(g), rtol=1e-9)
        assert fit.fit_branch(read, bootstrap=0).nl == pytest.approx(base.nl, rel=1e-6)
        return read

    # no header, three numeric columns: pulse, conductance, cycle
    (tmp_path / "bare.csv").write_text(
        "".join(
            f"{p:g},{float(v)!r},{c}\n" for p, v, c in zip(pulse, g, cycle, strict=True)
        )
    )
    assert check(tmp_path / "bare.csv").cycles == 3
    # Latin-1 header with a unit, semicolons and decimal commas (a European export)
    (tmp_path / "latin1.csv").write_bytes(
        (
            "Pulse;Conductance (µS)\n"
            + "".join(
                f"{p:g};{1e6 * float(v)!r}\n".replace(".", ",")
                for p, v in zip(pulse, g, strict=True)
            )
        ).encode("latin-1")
    )
    assert "µS" in check(tmp_path / "latin1.csv").described
    # currents in uA at 0.2 V, columns named by option
    (tmp_path / "current.csv").write_text(
        "run,step,I_read (uA),T\n"
        + "".join(
            f"{c},{p:g},{1e6 * 0.2 * float(v)!r},300\n"
            for p, v, c in zip(pulse, g, cycle, strict=True)
        )
    )
    read = check(
        tmp_path / "current.csv",
        read_voltage=0.2,
        pulse_column="step",
        value_column="I_read (uA)",
        cycle_column=1,
    )
    assert read.has_cycle and "read current (uA) / 0.2 V" in read.described
    # wide: one column per cycle, ragged (the last cycle stops early)
    runs = [g[cycle == k] for k in range(3)]
    runs[2] = runs[2][:30]
    rows = [
        ",".join(f"{float(r[i])!r}" if i < len(r) else "" for r in runs)
        for i in range(len(runs[0]))
    ]
    (tmp_path / "wide.csv").write_text("a,b,c\n" + "\n".join(rows) + "\n")
    wide = fit.read_csv(tmp_path / "wide.csv")
    assert wide.cycles == 3 and len(wide) == 2 * len(runs[0]) + 30
    assert "wide layout" in wide.summary()


def test_report_scales_units():
    big = devices.Device("big", 41, 2.0, -2.0, 400.0, 2.0, 0.01)  # Gmax 2.5 mS
    result = fit.fit(fit.simulate(big, cycles=3, seed=0), name="big", bootstrap=20)
    report = result.report()
    assert "mS" in report and "e+0" not in report and " nS" not in report


def test_one_cycle_file_with_fractional_pulses_and_a_unit_in_the_header(tmp_path):
    # the layout of the digitized single-cycle file (header pulse,conductance_S
    # and fractional pulse numbers), here with simulated values: no real data made up
    data = fit.simulate(TRUE, cycles=1, seed=4, read_noise=0.01, rule="additive")
    pulse = data.pulse * 0.95 + 0.3
    (tmp_path / "one.csv").write_text(
        "time (s),pulse,conductance_S\n"
        + "".join(
            f"{10 * k},{p:.4f},{float(g)!r}\n"
            for k, (p, g) in enumerate(zip(pulse, data.conductance, strict=True))
        )
    )
    read = fit.read_csv(tmp_path / "one.csv")
    assert "conductance (S) 'conductance_S'" in read.described
    assert read.cycles == 1 and read.pulse[1] == pytest.approx(1.25)
    result = fit.fit_branch(read, bootstrap=200)
    assert 0 < result.intervals["g_min"][0] < result.g_min < result.g_max
    assert result.intervals["g_max"][1] < 2 * TRUE.g_max  # inside the bounds, finite
    assert result.rms_fraction < 0.08

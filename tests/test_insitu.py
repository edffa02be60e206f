"""On-chip training (synquant.insitu) against NeuroSim's formulas worked by hand."""

import dataclasses
import math

import numpy as np
import pytest

from synquant import devices, insitu


def neurosim_write(G, n, device, branch):
    """NeuroSim's RealDevice::Write for n pulses without noise, in siemens, by hand:
    xPulse = -A ln(1 - (G - Gmin)/B), G' = B (1 - exp(-(xPulse + n)/A)) + Gmin."""
    pmax = device.states
    A = device.a(branch) * pmax
    gmin, gmax = device.g_min, device.g_max
    B = (gmax - gmin) / (1 - math.exp(-pmax / A))
    x = -A * math.log(1 - (G - gmin) / B)
    return min(max(B * (1 - math.exp(-(x + n) / A)) + gmin, gmin), gmax)


def ours(G, n, device, z=0.0):
    phys = insitu._physics(device, "none")
    dg = device.g_max - device.g_min
    g = np.float32((G - device.g_min) / dg)
    new = insitu.write(
        np.array([g]),
        np.array([float(n)], np.float32),
        np.array([z], np.float32),
        phys.a_up,
        phys.a_down,
        phys.pmax,
        phys.sigma,
    )
    return device.g_min + float(new[0]) * dg


@pytest.mark.parametrize("name", ["PCMO", "Ag:a-Si", "GST PCM"])
@pytest.mark.parametrize("n", [3, -3, 1, -7])
def test_one_pulse_update_matches_neurosim_by_hand(name, n):
    device = devices.get(name)
    G = device.g_min + 0.4 * (device.g_max - device.g_min)
    branch = "potentiation" if n > 0 else "depression"
    expected = neurosim_write(G, n, device, branch)
    assert ours(G, n, device) == pytest.approx(expected, rel=2e-5)
    assert (ours(G, n, device) > G) == (n > 0)


def test_cycle_to_cycle_noise_is_sigma_sqrt_pulses_and_clipped():
    device = devices.get("AlOx/HfO2")  # sigma 5 %
    G = device.g_min + 0.5 * (device.g_max - device.g_min)
    quiet = ours(G, 4, device)
    noisy = ours(G, 4, device, z=1.0)
    step = (noisy - quiet) / (device.g_max - device.g_min)
    assert step == pytest.approx(0.05 * math.sqrt(4), rel=1e-4)
    assert ours(G, 4, device, z=100.0) == pytest.approx(device.g_max)
    assert ours(G, -4, device, z=-100.0) == pytest.approx(device.g_min)
    assert ours(G, 0, device, z=5.0) == pytest.approx(G, rel=1e-6)  # no pulse, no noise


def test_pulse_count_is_neurosim_truncate():
    # truncate(dw / 2, P) * P: |dw| / 2 * P rounded half up, sign kept
    dw = np.array([0.1, -0.1, 0.019, 0.021, 0.0, 3.0])
    got = np.asarray(insitu.pulse_count(dw, 50))
    assert got.tolist() == [3.0, -3.0, 0.0, 1.0, 0.0, 75.0]


def test_linear_device_moves_one_level_per_pulse():
    g = np.array([0.25], np.float32)
    new = insitu.write(g, np.array([2.0]), np.zeros(1), 1e9, -1e9, 64.0, 0.0)
    assert float(new[0]) == pytest.approx(0.25 + 2 / 64)


def test_read_back_against_the_reference():
    # no access resistance: W = 2 g - 1
    g = np.array([0.0, 0.25, 1.0], np.float32)
    assert np.allclose(insitu.read_back(g, 0.2, 0.0), [-1.0, -0.5, 1.0])
    # with a series resistance R: I = 1 / (1/G + R), W = 2 (I - Imin)/(Imax - Imin) - 1
    device = devices.get("GST PCM")
    phys = insitu._physics(device, "neurosim")
    R = insitu.ACCESS_RESISTANCE
    G = device.g_min + 0.5 * (device.g_max - device.g_min)

    def current(G):
        return 1 / (1 / G + R)

    i_min, i_max = current(device.g_min), current(device.g_max)
    expected = 2 * (current(G) - i_min) / (i_max - i_min) - 1
    got = float(insitu.read_back(np.float32(0.5), phys.g_min, phys.r_access))
    assert got == pytest.approx(expected, rel=1e-5)
    assert expected > 0.2  # the access transistor bends the read-back well above 0


def test_fefet_has_no_access_transistor():
    assert insitu._physics(devices.get("HZO FeFET"), "neurosim").r_access == 0.0
    assert insitu._physics(devices.get("PCMO"), "neurosim").r_access > 0.0


def test_forward_is_half_the_weighted_sum_and_the_adc_quantizes_it():
    rng = np.random.default_rng(0)
    w = rng.uniform(-1, 1, (7, 400)).astype(np.float32)
    x = (rng.random((5, 400)) < 0.3).astype(np.float32)
    exact = np.asarray(insitu.forward(w, x, 0.3, adc=False))
    assert np.allclose(exact, x @ w.T / 2, atol=1e-3)
    adc = np.asarray(insitu.forward(w, x, 0.3, adc=True))
    step = 400 / 255  # one ADC digit of the 400-row array
    assert np.all(np.abs(adc - exact) <= step + 1e-4)
    assert np.allclose(adc / step, np.round(adc / step), atol=1e-3)


def test_prepare_crops_and_binarizes():
    x = np.zeros((2, 784), np.float32)
    img = x.reshape(2, 28, 28)
    img[0, 4, 4] = 0.5  # the crop's first pixel, at the threshold
    img[0, 3, 3] = 1.0  # outside the center crop
    img[1, 23, 23] = 0.49  # the last pixel, below the threshold
    out = insitu.prepare(x)
    assert out.shape == (2, 400) and out.dtype == np.uint8
    assert out[0, 0] == 1 and out[0].sum() == 1 and out[1].sum() == 0


def test_initial_weights_are_neurosims_seven_values():
    w1, w2 = insitu.initial_weights(3)
    assert w1.shape == (100, 400) and w2.shape == (10, 100)
    assert set(np.round(np.unique(w1) * 3).astype(int)) == set(range(-3, 4))


def test_initial_mapping_without_gmin_offset():
    device = devices.get("AlOx/HfO2")  # on/off 4.43
    w = np.array([-1.0, 0.0, 1.0], np.float32)
    g = insitu._initial_g(w, device, "neurosim")
    # G = (W+1)/2 (Gmax - Gmin), clipped at Gmin, as a fraction of (Gmax - Gmin)
    expected = np.clip((w + 1) / 2 - 1 / (device.on_off - 1), 0, 1)
    assert np.allclose(g, expected)
    assert np.allclose(insitu._initial_g(w, device, "offset"), (w + 1) / 2)


def tiny_data(n_train=1000, n_test=500):
    from synquant import data

    (x, y), (xt, yt) = data.load_mnist()
    return (insitu.prepare(x[:n_train]), y[:n_train]), (
        insitu.prepare(xt[:n_test]),
        yt[:n_test],
    )


def dense_updates(state, xs, ys, phys, rates):
    """NeuroSim's update written out over every cell, one image at a time, with the
    public pieces (forward, pulse_count, write, read_back) and no noise."""
    g1, w1, g2, w2 = (np.asarray(v) for v in state)
    offset = insitu._adc_offset(phys.g_min, phys.r_access)

    def sig(v):
        return 1 / (1 + np.exp(-v))

    def written(g, dw):
        n = np.asarray(insitu.pulse_count(dw, phys.pmax))
        z = np.zeros_like(g)
        new = np.asarray(
            insitu.write(g, n, z, phys.a_up, phys.a_down, phys.pmax, phys.sigma)
        )
        return new, np.asarray(insitu.read_back(new, phys.g_min, phys.r_access))

    for x, y in zip(xs.astype(np.float32), ys, strict=True):
        a1 = sig(np.asarray(insitu.forward(w1, x, offset, True)))
        h = (a1 >= 0.5).astype(np.float32)
        a2 = sig(np.asarray(insitu.forward(w2, h, offset, True)))
        s2 = -2 * a2 * (1 - a2) * (y - a2)
        s1 = a1 * (1 - a1) * (w2.T @ s2)
        g1, w1 = written(g1, -rates[0] * np.outer(s1, x))
        g2, w2 = written(g2, -rates[1] * np.outer(s2, a1))
    return g1, g2


@pytest.mark.slow  # compiles the training loop
def test_the_jitted_epoch_is_the_update_written_over_every_cell():
    # a noiseless nonlinear device: the epoch writes only the rows of the pixels that
    # are on, in passes, and must land where the dense update lands
    device = dataclasses.replace(devices.get("PCMO"), name="PCMO, no noise", sigma=0.0)
    phys = insitu._physics(device, "none")
    (x, y), _ = tiny_data(40, 1)
    onehot = np.eye(10, dtype=np.float32)[y]
    w1, w2 = insitu.initial_weights(0)
    g1, g2 = (insitu._initial_g(w, device, "neurosim") for w in (w1, w2))
    state = (
        g1,
        insitu.read_back(g1, phys.g_min, 0.0),
        g2,
        insitu.read_back(g2, phys.g_min, 0.0),
    )
    epoch, _ = insitu._epoch_fn(phys, True, True, insitu.RATES, True)
    (e1, _, e2, _), tally = epoch(state, x, onehot, insitu.jax.random.PRNGKey(0))
    d1, d2 = dense_updates(state, x, onehot, phys, insitu.RATES)
    assert np.abs(np.asarray(e1) - g1).max() > 0.01  # the updates moved the cells
    np.testing.assert_allclose(np.asarray(e1), d1, atol=1e-5)
    np.testing.assert_allclose(np.asarray(e2), d2, atol=1e-5)
    assert float(tally[0]) > 0 and float(tally[1]) > 0


@pytest.mark.slow  # compiles the training loop: about 10 s
def test_a_few_epochs_on_a_tiny_subset_learn():
    train, test = tiny_data()
    run = insitu.train(
        "EpiRAM", seed=0, epochs=3, images=1000, train_data=train, test_data=test
    )
    assert run.accuracy.shape == (3,)
    assert run.accuracy[-1] > 50.0  # chance is 10 %
    assert np.all(run.pulses > 0) and np.all(run.energy > 0)
    assert np.all(np.abs(run.weights[0]) <= 1.0 + 1e-6)


def test_write_energy_is_cell_cpp_by_hand():
    device = devices.get("PCMO")
    assert insitu.PULSES["PCMO"] == insitu.Pulse(2.0, 1e-3, 2.0, 1e-3)  # Table II
    # 3 potentiation pulses at a mean conductance of Gmax/2, 1 depression pulse at Gmax
    e = insitu.write_energy(device, 3 * 0.5, 1 * 1.0, 3, 1)
    G = device.g_max
    expected = 2.0**2 * 1e-3 * 3 * G / 2 + 2.0**2 * 1e-3 * 1 * G
    assert e == pytest.approx(expected)
    fefet = insitu.write_energy("HZO FeFET", 0.0, 0.0, 2, 0)
    assert fefet == pytest.approx(3.65**2 * insitu.FEFET_GATE_CAPACITANCE * 2)


def test_summary_means_the_last_epochs_over_seeds():
    rows = [
        {"device": "d", "seed": s, "epoch": e, "accuracy_pct": a}
        for s, accs in ((0, [10, 50, 70]), (1, [20, 60, 80]))
        for e, a in enumerate(accs, 1)
    ]
    out = insitu.summary(rows, last=2)["d"]
    assert out["accuracy"] == pytest.approx(65.0)
    assert out["seeds"] == 2 and out["sd"] == pytest.approx(math.sqrt(50))


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"device": "nope"}, ValueError, "unknown device"),
        ({"adc": "fast"}, ValueError, "adc"),
        ({"colour": "red"}, ValueError, "unknown option"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"seed": -1}, ValueError, "seed"),
        ({"rates": (0.4,)}, ValueError, "rates"),
        ({"images": 2.5}, TypeError, "images"),
    ],
)
def test_bad_arguments_fail_before_any_work(kwargs, error, words):
    train = (np.zeros((4, 400), np.uint8), np.zeros(4, np.int64))
    with pytest.raises(error, match=words):
        insitu.train(**{"train_data": train, "test_data": train, **kwargs})


def test_bad_data_is_refused():
    good = (np.zeros((4, 400), np.uint8), np.zeros(4, np.int64))
    with pytest.raises(ValueError, match="insitu.prepare"):
        insitu.train(train_data=(np.zeros((4, 784)), good[1]), test_data=good)
    with pytest.raises(ValueError, match="0 and 1"):
        insitu.train(train_data=(np.full((4, 400), 0.5), good[1]), test_data=good)
    with pytest.raises(ValueError, match="labels"):
        insitu.train(train_data=(good[0], np.zeros(3, np.int64)), test_data=good)


def test_grid_refuses_to_overwrite_before_training(tmp_path):
    out = tmp_path / "insitu.csv"
    out.write_text("keep\n")
    with pytest.raises(FileExistsError, match="--force"):
        insitu.run_grid(["PCMO"], [0], 1, out)
    assert out.read_text() == "keep\n"
    with pytest.raises(ValueError, match="unknown device"):
        insitu.run_grid(["nope"], [0], 1, tmp_path / "new.csv")
    with pytest.raises(ValueError, match=".csv"):
        insitu.run_grid(["PCMO"], [0], 1, tmp_path / "new.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["insitu.csv"]


def test_cli_reports_errors_in_one_line(tmp_path, capsys):
    out = tmp_path / "x.csv"
    out.write_text("")
    assert insitu.main(["--devices", "PCMO", "--epochs", "1", "--out", str(out)]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_compare_verdicts():
    final = {d: {"accuracy": v + 5, "sd": 1.0} for d, v in insitu.TABLE_II.items()}
    out = insitu.compare(final)
    assert out["rho"] == pytest.approx(1.0) and out["rank"].n == 7
    assert out["bottom_ok"] and out["top_ok"]
    assert all(r["within"] and r["difference"] == 5 for r in out["rows"])
    final["PCMO"]["accuracy"] = 99.0
    out = insitu.compare(final)
    assert not out["bottom_ok"] and not out["top_ok"] and out["rho"] < 0.8
    del final["EpiRAM"]
    with pytest.raises(ValueError, match="EpiRAM"):
        insitu.compare(final)


def test_mapping_cost_counts_pulses_from_gmin():
    from synquant import model

    weights, _ = model.resolve_weights(None, "paper", 0)
    ones = {
        k: (np.sign(v) + (v == 0) if k.startswith("W") else v)
        for k, v in weights.items()
    }
    n = sum(v.size for k, v in ones.items() if k.startswith("W"))
    for method in ("proposed", "sampling"):
        cost = insitu.mapping_cost(ones, method, 10, "PCMO")
        # every magnitude is 1: the top state, states - 1 pulses from Gmin
        assert cost["pulses"] == 49 * n and cost["devices"] == 2 * n
        assert cost["energy_j"] > 0
    with pytest.raises(ValueError, match="method"):
        insitu.mapping_cost(weights, "magic", 10, "PCMO")


def test_vary_names_an_option(tmp_path):
    with pytest.raises(ValueError, match="option to vary"):
        insitu.run_grid(["PCMO"], [0], 1, tmp_path / "s.csv", vary=["colour"])

"""Device non-idealities: seeded Monte Carlo on synthetic weights (no MNIST, Keras)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from synquant import devices, evaluate, nonideal, quantize
from tests.conftest import random_weight_set

PCMO = devices.get("PCMO")
OFF = dict(sigma=0.0)  # every effect off (write noise is on by default)


@pytest.fixture(scope="module")
def weights():
    return random_weight_set()


@pytest.fixture(scope="module")
def xy(weights):
    """200 synthetic images labelled by the unquantized network itself (its accuracy is
    1)."""
    x = np.random.default_rng(1).random((200, 784), dtype=np.float32)
    x[:, :50] = 0  # a border of always-dark pixels, as in MNIST
    return x, np.argmax(evaluate.predict(weights, x), axis=1)


def layer(q, scale=1.0):
    """A one-layer 'quantized' dict around given normalized values."""
    return {"W1": (np.asarray(q, dtype=np.float32), scale)}


def draw(q, trials=20, seed=0, device=PCMO, **effects):
    return nonideal.perturb(
        layer(q), device, trials, np.random.default_rng(seed), **effects
    )["W1"][0]


# -- no effect: the quantized values, exactly
# ---------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"mapping": "reference"},
        {"bias": "crossbar", "scale": "network"},
        {"branch": "depression"},
    ],
)
@pytest.mark.parametrize("method", ["proposed", "sampling", "uniform"])
def test_effects_off_returns_quantized_exactly(weights, method, options):
    q = quantize.layers(weights, method, 9, PCMO, **options)
    opt = {**quantize.DEFAULTS, **options}
    out = nonideal.perturb(
        q,
        PCMO,
        3,
        np.random.default_rng(0),
        mapping=opt["mapping"],
        branch=opt["branch"],
        **OFF,
    )
    assert out.keys() == q.keys()
    for name, (q_trials, s) in out.items():
        assert s == q[name][1]
        assert q_trials.shape == (3, *q[name][0].shape) and q_trials.dtype == np.float32
        for trial in q_trials:
            np.testing.assert_array_equal(trial, q[name][0])


# -- pulses and the curve
# -----------------------------------------------------------------


@pytest.mark.parametrize("name", devices.names())
@pytest.mark.parametrize("branch", devices.BRANCHES)
def test_pulses_at_the_ends_and_on_the_levels(name, branch):
    device = devices.get(name)
    steps = device.states - 1
    np.testing.assert_allclose(
        nonideal.pulses([0.0, 1.0], device, branch), [0, steps], atol=1e-9
    )
    np.testing.assert_allclose(
        nonideal.pulses(device.reference_levels(branch), device, branch),
        np.arange(device.states),
        atol=1e-7,
    )


@given(
    arrays(np.float64, st.integers(1, 50), elements=st.floats(0, 1)),
    st.sampled_from(devices.names()),
    st.sampled_from(devices.BRANCHES),
)
@settings(max_examples=50, deadline=None)
def test_pulses_invert_the_curve(g, name, branch):
    device = devices.get(name)
    p = nonideal.pulses(g, device, branch)
    assert p.shape == g.shape and np.all((p >= 0) & (p <= device.states - 1))
    np.testing.assert_allclose(
        device.conductance(p / (device.states - 1), branch), g, atol=1e-9
    )


def test_pulses_of_a_linear_device_are_proportional():
    linear = devices.Device("linear", 11, 0.0, 0.0, 1e6, 10.0, 0.01)
    np.testing.assert_allclose(nonideal.pulses([0, 0.35, 1], linear), [0, 3.5, 10])


@given(st.floats(-9.9, 9.9).filter(lambda nl: abs(nl) > 1e-3))
@settings(max_examples=40, deadline=None)
def test_labels_to_a_matches_root_finding(nl):
    assert nonideal.labels_to_a(nl) == pytest.approx(
        devices.nl_to_a(nl, grid=None, table=False), rel=2e-6
    )


@given(st.floats(0, 1), st.sampled_from([0.03, 0.3, 2.5, 31.6]), st.booleans())
def test_curve_matches_the_direct_formula_for_both_signs(x, a, negative):
    a = -a if negative else a
    direct = np.expm1(-x / a) / np.expm1(-1 / a)  # no overflow for these |a|
    assert devices.curve(x, a) == pytest.approx(direct, abs=1e-9)
    per_device = devices.curve(np.full(3, x), np.full(3, a))
    assert per_device == pytest.approx(np.full(3, direct), abs=1e-9)


def test_curve_stays_finite_for_steep_depression():
    f = devices.curve(np.linspace(0, 1, 11), np.full(11, -1e-6))
    assert np.all(np.isfinite(f)) and f[0] == 0 and f[-1] == 1


# -- write noise
# --------------------------------------------------------------------------


def test_write_noise_scales_with_sqrt_of_pulses():
    sigma, counts = 0.01, np.array([0, 1, 4, 9, 16, 25])
    g = PCMO.reference_levels()[counts]
    q = np.concatenate([g, -g])  # both signs, differential
    out = draw(q, trials=20000, sigma=sigma)
    expected = sigma * np.sqrt(np.concatenate([counts, counts]))
    np.testing.assert_allclose(np.std(out, axis=0), expected, rtol=0.03)
    np.testing.assert_allclose(
        np.mean(out, axis=0), q, atol=4 * expected.max() / np.sqrt(20000)
    )
    assert np.all(
        out[:, [0, len(counts)]] == 0
    )  # a device left at Gmin takes no write noise


def test_write_noise_defaults_to_the_device_sigma():
    q = np.full(4, PCMO.reference_levels()[9])
    np.testing.assert_array_equal(draw(q, sigma=None), draw(q, sigma=PCMO.sigma))
    assert np.std(draw(q, trials=5000)) == pytest.approx(PCMO.sigma * 3, rel=0.05)


def test_reference_mapping_noise_on_the_single_device():
    sigma = 0.01
    q = np.array([-1.0, 1.0, 2 * PCMO.reference_levels()[16] - 1], dtype=np.float32)
    out = draw(q, trials=20000, mapping="reference", sigma=sigma)
    assert np.all(out[:, 0] == -1)  # u = 0: Gmin, no pulse, no noise
    assert np.all(out[:, 1] <= 1) and np.any(
        out[:, 1] < 1
    )  # u = 1: noisy, clipped at Gmax
    assert np.std(out[:, 2]) == pytest.approx(
        2 * sigma * 4, rel=0.03
    )  # weight = 2u - 1


def test_programmed_conductance_is_clipped():
    out = draw(np.array([1.0, -1.0, 0.99]), trials=2000, sigma=0.2)
    assert np.all(np.abs(out) <= 1) and np.any(out[:, 0] < 1) and np.any(out[:, 1] > -1)


# -- read noise
# ---------------------------------------------------------------------------


def test_read_noise_on_both_devices_unclipped():
    q = np.array([0.0, 0.5, -0.5, 1.0], dtype=np.float32)
    out = draw(q, trials=20000, sigma=0, read_sigma=0.01)
    # differential: two devices read, so the weight's read noise is sqrt(2) * read_sigma
    np.testing.assert_allclose(np.std(out, axis=0), 0.01 * np.sqrt(2), rtol=0.03)
    np.testing.assert_allclose(
        np.mean(out, axis=0), q, atol=1e-3
    )  # unbiased, no clipping
    assert np.max(out[:, 3]) > 1
    ref = draw(q, trials=20000, sigma=0, read_sigma=0.01, mapping="reference")
    np.testing.assert_allclose(np.std(ref, axis=0), 0.02, rtol=0.03)


def test_effects_draw_from_separate_streams():
    q = np.random.default_rng(3).uniform(-0.8, 0.8, 500).astype(np.float32)
    write = draw(q, sigma=0.005) - q
    read = draw(q, sigma=0, read_sigma=0.01) - q
    both = draw(q, sigma=0.005, read_sigma=0.01) - q
    np.testing.assert_allclose(both, write + read, atol=1e-6)


# -- stuck-at faults
# ----------------------------------------------------------------------


def test_stuck_fractions_come_out_as_requested():
    q = np.full(50_000, 0.3, dtype=np.float32)
    out = draw(q, trials=4, mapping="reference", sigma=0, stuck_min=0.1, stuck_max=0.05)
    n = out.size
    for value, p in ((-1.0, 0.1), (1.0, 0.05), (0.3, 0.85)):
        frac = np.mean(np.isclose(out, value))
        assert abs(frac - p) < 5 * np.sqrt(p * (1 - p) / n), (value, frac)


def test_idle_device_stuck_at_gmax_gives_minus_one():
    q = np.zeros(50_000, dtype=np.float32)
    out = draw(q, trials=2, sigma=0, stuck_max=0.3)
    assert set(np.unique(out)) == {-1.0, 0.0, 1.0}
    for value, p in ((-1.0, 0.3 * 0.7), (1.0, 0.3 * 0.7), (0.0, 0.09 + 0.49)):
        assert np.mean(out == value) == pytest.approx(p, abs=0.01)
    signed = draw(np.array([0.5, -0.5] * 20000), trials=2, sigma=0, stuck_max=0.3)
    # the idle device of a positive weight is G-, of a negative one G+
    assert set(np.unique(signed[:, 0::2])) == {-0.5, 0.0, 0.5, 1.0}
    assert set(np.unique(signed[:, 1::2])) == {-1.0, -0.5, 0.0, 0.5}


def test_stuck_at_gmin_leaves_zero_weights_alone():
    out = draw(np.zeros(1000), sigma=0, stuck_min=0.5)
    assert np.all(out == 0)


def test_everything_stuck():
    q = np.array([0.2, -0.7, 0.0])
    assert np.all(draw(q, sigma=0.01, stuck_min=1.0) == 0)
    assert np.all(draw(q, mapping="reference", stuck_max=1.0) == 1)


# -- device-to-device spread of the nonlinearity
# ------------------------------------------


def test_zero_spread_is_the_nominal_curve():
    g = PCMO.reference_levels()[::7]
    q = np.concatenate([g, -g]).astype(np.float32)
    np.testing.assert_array_equal(
        draw(q, sigma=0, nl_spread=0.0), np.broadcast_to(q, (20, q.size))
    )
    np.testing.assert_allclose(
        draw(q, sigma=0, nl_spread=1e-9), np.broadcast_to(q, (20, q.size)), atol=2e-5
    )


@pytest.mark.parametrize("branch", devices.BRANCHES)
def test_spread_moves_levels_between_fixed_ends(branch):
    levels = PCMO.reference_levels(branch)
    q = np.array([0.0, levels[25], levels[40], 1.0], dtype=np.float32)
    out = draw(q, trials=4000, sigma=0, nl_spread=0.5, branch=branch)
    assert np.all(out[:, 0] == 0) and np.allclose(
        out[:, 3], 1, atol=1e-6
    )  # every curve runs from 0 to 1
    assert np.all((out >= 0) & (out <= 1))
    assert np.all(np.std(out[:, 1:3], axis=0) > 1e-3)
    # each device reaches its own curve at the nominal pulse number, its label
    # N(nominal, 0.5):
    # the map label -> conductance is monotone, so quantiles map onto quantiles
    x, nominal = 25 / (PCMO.states - 1), nonideal._nominal_label(PCMO, branch)
    for p in (0.1, 0.5, 0.9):
        expected = [
            devices.curve(x, nonideal.labels_to_a(nominal + 0.5 * stats.norm.ppf(c)))
            for c in (p, 1 - p)
        ]
        assert np.quantile(out[:, 1], p) == pytest.approx(
            sorted(expected)[0 if p < 0.5 else 1], abs=3e-3
        )


# -- seeds
# --------------------------------------------------------------------------------


EFFECTS = dict(nl_spread=0.3, read_sigma=0.01, stuck_min=0.01, stuck_max=0.01)


def test_same_seed_same_draws_different_seed_different(weights):
    q = quantize.layers(weights, "proposed", 7, PCMO)
    a, b, c = (
        nonideal.perturb(q, PCMO, 2, np.random.default_rng(s), **EFFECTS)
        for s in (5, 5, 6)
    )
    for name in q:
        np.testing.assert_array_equal(a[name][0], b[name][0])
        assert not np.array_equal(a[name][0], c[name][0])
        assert not np.array_equal(a[name][0][0], a[name][0][1])  # trials differ


def test_monte_carlo_is_seeded(weights, xy):
    x, y = xy
    runs = [
        nonideal.monte_carlo(
            weights, "proposed", 5, trials=6, seed=s, x=x, y=y, **EFFECTS
        )
        for s in (1, 1, 2)
    ]
    # each trial is the accuracy of perturb's trial of the same seed, evaluated one by
    # one
    q = quantize.layers(weights, "proposed", 5, PCMO)
    noisy = nonideal.perturb(q, PCMO, 6, np.random.default_rng(1), **EFFECTS)
    full = quantize.unnormalize(weights, noisy)
    alone = [
        evaluate.accuracy({**full, "W1": full["W1"][t], "W2": full["W2"][t]}, x, y)
        for t in range(6)
    ]
    np.testing.assert_allclose(runs[0], alone, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.array_equal(runs[0], runs[2])


@pytest.mark.parametrize("options", [{}, {"bias": "crossbar", "mapping": "reference"}])
def test_monte_carlo_without_effects_is_the_quantized_network(weights, xy, options):
    x, y = xy
    acc = nonideal.monte_carlo(
        weights, "uniform", 6, trials=3, x=x, y=y, **OFF, **options
    )
    expected = evaluate.accuracy(
        quantize.network(weights, "uniform", 6, PCMO, **options), x, y
    )
    np.testing.assert_allclose(acc, expected)


def test_monte_carlo_faults_cost_accuracy(weights, xy):
    x, y = xy
    clean = nonideal.monte_carlo(weights, "proposed", 15, trials=4, x=x, y=y, **OFF)
    broken = nonideal.monte_carlo(
        weights, "proposed", 15, trials=4, x=x, y=y, stuck_max=0.3
    )
    assert np.mean(broken) < np.mean(clean) - 0.1


# -- confidence interval
# ------------------------------------------------------------------


def test_confidence_interval_is_the_t_interval():
    acc = np.array([0.90, 0.92, 0.94, 0.93])
    mean, lo, hi = nonideal.confidence_interval(acc, 0.9)
    expected = stats.t.interval(0.9, 3, loc=acc.mean(), scale=stats.sem(acc))
    assert mean == pytest.approx(0.9225) and (lo, hi) == pytest.approx(expected)
    assert nonideal.confidence_interval(np.full(5, 0.95)) == pytest.approx(
        (0.95, 0.95, 0.95)
    )
    assert nonideal.confidence_interval(acc, 0.99)[1] < lo


# -- bad inputs
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(sigma=-0.1), "sigma must be a finite number >= 0"),
        (dict(read_sigma=np.nan), "read_sigma must be a finite number"),
        (dict(nl_spread=np.inf), "nl_spread must be a finite number"),
        (dict(stuck_min=1.5), "stuck_min is a fraction"),
        (dict(stuck_max=-0.01), "stuck_max is a fraction"),
        (dict(stuck_min=0.6, stuck_max=0.5), "exceeds 1"),
        (
            dict(mapping="single"),
            "unknown mapping 'single': use one of differential, reference",
        ),
        (dict(branch="up"), "unknown branch 'up'"),
        (dict(trials=0), "trials must be at least 1, got 0"),
        (dict(trials=10**9), r"trials=1000000000 copies of W1 \(1 weights\)"),
    ],
)
def test_bad_effects_raise(kwargs, match):
    args = (
        dict(
            quantized=layer([0.5]), device=PCMO, trials=2, rng=np.random.default_rng(0)
        )
        | kwargs
    )
    with pytest.raises(ValueError, match=match):
        nonideal.perturb(**args)


def test_bad_inputs_raise():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="trials must be an integer"):
        nonideal.perturb(layer([0.5]), PCMO, 2.5, rng)
    with pytest.raises(TypeError, match="trials must be an integer"):
        nonideal.perturb(layer([0.5]), PCMO, True, rng)
    with pytest.raises(TypeError, match="default_rng"):
        nonideal.perturb(layer([0.5]), PCMO, 2, 0)
    with pytest.raises(ValueError, match="not quantize.network"):
        nonideal.perturb(layer([1.5]), PCMO, 2, rng)
    with pytest.raises(ValueError, match="must be a pair"):
        nonideal.perturb({"W1": np.zeros(3)}, PCMO, 2, rng)
    # trials x weights beyond MAX_TRIAL_WEIGHTS: refused before any copy is made
    wide = {"W1": (np.broadcast_to(np.float32(0.5), (784, 4096)), 1.0)}
    with pytest.raises(ValueError, match=r"trials=1000 copies of W1 \(3211264 weights"):
        nonideal.perturb(wide, PCMO, 1000, rng)
    with pytest.raises(ValueError, match="trials must be at most 1000, got 1000000"):
        nonideal.monte_carlo({}, "proposed", 5, trials=10**6)
    with pytest.raises(ValueError, match="NaN"):
        nonideal.perturb(layer([np.nan]), PCMO, 2, rng)
    with pytest.raises(ValueError, match="unknown device"):
        nonideal.perturb(layer([0.5]), "memristor", 2, rng)
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        nonideal.pulses([-0.5, 0.5], PCMO)
    with pytest.raises(ValueError, match="at least 2 trials"):
        nonideal.confidence_interval([0.9])
    with pytest.raises(ValueError, match="level must lie"):
        nonideal.confidence_interval([0.9, 0.8], level=95)
    with pytest.raises(ValueError, match="1-D"):
        nonideal.confidence_interval(np.zeros((2, 2)))


def test_monte_carlo_rejects_unknown_keywords(weights, xy):
    with pytest.raises(ValueError, match="unknown keyword.*read_noise.*read_sigma"):
        nonideal.monte_carlo(weights, "proposed", 5, x=xy[0], y=xy[1], read_noise=0.1)

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from synquant import devices, quantize

unit = arrays(
    np.float64, st.integers(1, 200), elements=st.floats(-1, 1, allow_nan=False)
)
finite = arrays(
    np.float64,
    st.integers(1, 200),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)
levels = st.integers(2, 60)
PCMO = devices.get("PCMO")


@given(finite)
def test_normalize_into_unit_range(w):
    assume(np.any(w))
    w_n, s = quantize.normalize(w)
    assert s == np.max(np.abs(w)) and np.max(np.abs(w_n)) == pytest.approx(1)
    assert np.all(np.abs(w_n) <= 1)
    assert np.all(
        (np.sign(w_n) == np.sign(w)) | (w_n == 0)
    )  # a subnormal may underflow to 0


@given(unit, levels)
def test_uniform_levels_idempotent_and_signs(w, L):
    q = quantize.uniform(w, L)
    grid = np.linspace(0, 1, L)
    assert len(np.unique(np.abs(q))) <= L
    assert np.all(np.min(np.abs(np.abs(q)[:, None] - grid[None, :]), axis=1) < 1e-12)
    np.testing.assert_array_equal(quantize.uniform(q, L), q)
    assert np.all((np.sign(q) == np.sign(w)) | (q == 0))
    assert np.max(np.abs(q - w)) <= 0.5 / (L - 1) + 1e-12


@given(unit, st.integers(2, 60))
def test_snap_gives_nearest_member_of_reference(w, n):
    ref = PCMO.reference_levels(states=n)
    q = quantize.snap(w, ref)
    assert np.all(np.isin(np.abs(q), ref))
    best = np.min(np.abs(np.abs(w)[:, None] - ref[None, :]), axis=1)
    np.testing.assert_allclose(np.abs(np.abs(q) - np.abs(w)), best, atol=1e-12)
    assert np.all((np.sign(q) == np.sign(w)) | (q == 0))


@given(unit, arrays(np.float64, st.integers(1, 8), elements=st.floats(0.01, 1)))
def test_snap_lands_on_the_reference_even_without_zero(w, ref):
    ref = np.sort(ref)
    q = quantize.snap(w, ref)
    assert np.all(np.isin(np.abs(q), ref))
    assert np.all(np.sign(q[w != 0]) == np.sign(w[w != 0])) and np.all(q[w == 0] > 0)


def test_ties_go_up_everywhere():
    assert quantize.snap(np.array([0.5, -0.5]), [0.0, 1.0]).tolist() == [1.0, -1.0]
    assert quantize.uniform(np.array([0.125, -0.125]), 5).tolist() == [0.25, -0.25]


@given(unit, st.integers(2, 25))
def test_proposed_output_on_device_levels(w, L):
    q = quantize.proposed(w, L, PCMO.reference_levels())
    assert np.all(np.isin(np.abs(q), PCMO.reference_levels()))
    assert len(np.unique(np.abs(q))) <= L


@given(unit, st.integers(2, 25))
@settings(deadline=None)
def test_proposed_approaches_uniform_with_many_states(w, L):
    fine = PCMO.reference_levels(states=devices.MAX_STATES)
    gap = np.max(np.diff(fine))
    np.testing.assert_allclose(
        quantize.proposed(w, L, fine), quantize.uniform(w, L), atol=gap
    )


@given(
    unit,
    st.integers(2, 25),
    st.sampled_from(devices.names()),
    st.sampled_from(devices.BRANCHES),
)
def test_sampling_levels_lie_on_the_device_curve(w, L, name, branch):
    device = devices.get(name)
    lv = quantize.sampling_levels(L, device, branch)
    np.testing.assert_allclose(lv, device.conductance(np.linspace(0, 1, L), branch))
    assert (
        lv.shape == (L,)
        and lv[0] == pytest.approx(0, abs=1e-12)
        and lv[-1] == pytest.approx(1)
    )
    q = quantize.sampling(w, L, device, branch)
    assert np.all(np.isin(np.abs(q), lv))


def test_device_levels_counting():
    assert quantize.device_levels(10) == 10
    assert quantize.device_levels(10, counting="signed") == 5
    assert (
        quantize.device_levels(9, counting="signed") == 5
    )  # -4..4: nine signed values
    assert quantize.device_levels(10, mapping="reference") == 19
    assert quantize.device_levels(10, mapping="reference", counting="signed") == 10


@pytest.mark.parametrize("method", quantize.METHODS)
@pytest.mark.parametrize(
    "option",
    [
        {},
        {"mapping": "reference"},
        {"counting": "signed"},
        {"scale": "network"},
        {"branch": "depression"},
        {"bias": "crossbar"},
    ],
)
def test_network_keeps_shapes_and_counts_levels(random_weights, method, option):
    out = quantize.network(random_weights, method, 7, **option)
    for key, a in random_weights.items():
        assert out[key].shape == a.shape and out[key].dtype == np.float32
    layers = quantize.layers(random_weights, method, 7, **option)
    for name, (q, s) in layers.items():
        assert np.max(np.abs(q)) <= 1 + 1e-6
        np.testing.assert_allclose(
            q * s,
            out[name]
            if q.shape == out[name].shape
            else np.vstack([out[name], out["b" + name[1:]]]),
            rtol=1e-6,
        )
        distinct = len(np.unique(np.round(q, 9)))
        signed = 7 if option.get("counting") == "signed" else 13
        assert distinct <= signed
    if option.get("bias") != "crossbar":
        np.testing.assert_array_equal(out["b1"], random_weights["b1"])


def test_network_scale_option(random_weights):
    layers = quantize.layers(random_weights, "uniform", 9, scale="network")
    assert (
        layers["W1"][1]
        == layers["W2"][1]
        == max(np.abs(random_weights["W2"]).max(), np.abs(random_weights["W1"]).max())
    )
    per_layer = quantize.layers(random_weights, "uniform", 9)
    assert per_layer["W1"][1] == np.abs(random_weights["W1"]).max()


def test_reference_mapping_holds_device_values(random_weights):
    q, _ = quantize.layers(random_weights, "proposed", 5, mapping="reference")["W1"]
    u = (q + 1) / 2
    assert np.all(
        np.min(np.abs(u.ravel()[:, None] - PCMO.reference_levels()[None, :]), axis=1)
        < 1e-6
    )


def test_proposed_beats_sampling_on_small_weights():
    # most trained weights are small; the sampling method's first level above zero is
    # far out
    w = np.linspace(-0.3, 0.3, 1001)
    err_p = np.mean((quantize.proposed(w, 5, PCMO.reference_levels()) - w) ** 2)
    err_s = np.mean((quantize.sampling(w, 5, PCMO) - w) ** 2)
    assert err_p < err_s / 2


@pytest.mark.parametrize("bad", [1, 0, -3])
def test_levels_below_two(bad):
    with pytest.raises(ValueError, match="levels must be at least 2"):
        quantize.uniform(np.zeros(3), bad)


@pytest.mark.parametrize("bad", [2.5, "10", True, None])
def test_levels_not_an_integer(bad):
    with pytest.raises(TypeError, match="levels must be an integer"):
        quantize.uniform(np.zeros(3), bad)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights(bad, random_weights):
    w = np.array([0.1, bad, 0.3])
    with pytest.raises(ValueError, match="NaN or infinite"):
        quantize.normalize(w)
    with pytest.raises(ValueError, match="NaN or infinite"):
        quantize.snap(w, [0, 1])
    random_weights["W1"][3, 4] = bad
    with pytest.raises(ValueError, match="W1 contain 1 NaN or infinite"):
        quantize.network(random_weights, "proposed", 10)


def test_all_zero_weights(random_weights):
    with pytest.raises(ValueError, match="all-zero weights"):
        quantize.normalize(np.zeros((4, 4)))
    random_weights["W2"][:] = 0
    with pytest.raises(ValueError, match="all-zero weights"):
        quantize.network(random_weights, "sampling", 10)


def test_unnormalized_input():
    with pytest.raises(ValueError, match="call normalize"):
        quantize.uniform(np.array([0.5, 2.0]), 5)


@pytest.mark.parametrize(
    "ref, match",
    [
        ([], "non-empty"),
        ([0.5, 0.2], "sorted"),
        ([0, np.nan], "NaN"),
        ([[0, 1]], "1-D"),
    ],
)
def test_bad_reference(ref, match):
    with pytest.raises(ValueError, match=match):
        quantize.snap(np.array([0.1]), ref)


def test_unknown_method_and_options(random_weights):
    with pytest.raises(ValueError, match="unknown method 'best'"):
        quantize.network(random_weights, "best", 10)
    with pytest.raises(ValueError, match="unknown option"):
        quantize.network(random_weights, "proposed", 10, colour="red")
    with pytest.raises(ValueError, match="unknown mapping 'single'"):
        quantize.network(random_weights, "proposed", 10, mapping="single")
    with pytest.raises(ValueError, match="levels must be at least 3"):
        quantize.network(random_weights, "proposed", 2, counting="signed")
    with pytest.raises(ValueError, match="missing W2"):
        quantize.network({"W1": random_weights["W1"]}, "proposed", 10)


def test_snap_refuses_signed_or_non_numeric_reference_levels():
    with pytest.raises(
        ValueError,
        match=r"reference levels must be non-negative magnitudes \(smallest -0.5\)",
    ):
        quantize.snap(np.array([0.1, 0.6]), [-0.5, -0.2])
    with pytest.raises(TypeError, match="reference levels must be numeric"):
        quantize.snap(np.array([0.1, 0.6]), ["a", "b"])


def test_levels_have_an_upper_bound():
    assert quantize.MAX_LEVELS == 1000
    quantize.uniform(np.array([0.3]), quantize.MAX_LEVELS)
    with pytest.raises(ValueError, match="levels must be at most 1000"):
        quantize.uniform(np.array([0.3]), quantize.MAX_LEVELS + 1)


def test_network_refuses_a_weight_set_that_is_not_784_h_10(random_weights):
    with pytest.raises(ValueError, match=r"W1 has shape \(3, 3\), expected \(784, 3\)"):
        quantize.network({**random_weights, "W1": np.ones((3, 3))}, "proposed", 5)

import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from synquant import devices, optimal, quantize

PCMO = devices.get("PCMO").reference_levels()


def brute_force(ref, L, m, keep_first=False):
    """Smallest error over every L-subset of the distinct reference levels (with the
    lowest, if kept)."""
    ref = np.unique(ref)
    subsets = itertools.combinations(ref, min(L, ref.size))
    return min(
        optimal.mse(m, np.array(c)) for c in subsets if not keep_first or c[0] == ref[0]
    )


def weight_magnitudes(size=100_000, seed=0):
    """|w| of bell-shaped normalized weights, as trained weights look."""
    w = np.random.default_rng(seed).laplace(0, 0.05, size)
    return np.abs(quantize.normalize(w)[0])


def check_subset(chosen, ref, L):
    ref = np.unique(ref)
    assert chosen.shape == (min(L, ref.size),)
    assert np.all(np.diff(chosen) > 0)
    assert np.all(np.isin(chosen, ref))


@pytest.mark.parametrize("keep_first", [False, True])
@pytest.mark.parametrize("seed", range(40))
def test_dp_equals_brute_force_random(seed, keep_first):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 10))
    L = int(rng.integers(1, 5))
    ref = np.sort(rng.random(n))
    m = rng.random(int(rng.integers(1, 60))) ** rng.choice(
        [1, 3]
    )  # uniform, or crowded near zero
    chosen = optimal.levels(ref, L, m, keep_first=keep_first)
    check_subset(chosen, ref, L)
    if keep_first:
        assert chosen[0] == ref[0]
    assert optimal.mse(m, chosen) == pytest.approx(
        brute_force(ref, L, m, keep_first), rel=1e-9, abs=1e-15
    )


unit = st.floats(0, 1, allow_nan=False)


@given(
    arrays(np.float64, st.integers(1, 9), elements=unit),
    st.integers(1, 4),
    arrays(np.float64, st.integers(1, 40), elements=unit),
)
@example(
    ref=np.array([0.0, 1.0]), L=1, m=np.array([0.0, 1.0])
)  # a zero weight must still snap to a level
@settings(max_examples=60, deadline=None)
def test_dp_equals_brute_force_hypothesis(ref, L, m):
    ref = np.sort(ref)  # hypothesis may repeat values: they count once
    chosen = optimal.levels(ref, L, m)
    check_subset(chosen, ref, L)
    assert optimal.mse(m, chosen) == pytest.approx(
        brute_force(ref, L, m), rel=1e-9, abs=1e-15
    )


@pytest.mark.parametrize("L", [1, 2, 3, 5, 8, 13, 25, 49])
def test_pcmo_subset_and_not_worse_than_proposed(L):
    m = weight_magnitudes(20_000)
    chosen = optimal.levels(PCMO, L, m)
    check_subset(chosen, PCMO, L)
    err = optimal.mse(m, chosen)
    if L >= 2:
        proposed = np.unique(
            quantize.snap(np.linspace(0, 1, L), PCMO)
        )  # may hold fewer than L
        assert err <= optimal.mse(m, proposed) + 1e-15
        if (PCMO.size - 1) % (L - 1) == 0:  # the sampled pulses fall on the 50 states
            sampling = quantize.sampling_levels(L, "PCMO")
            assert np.all(
                np.isclose(sampling[:, None], PCMO[None, :], rtol=0, atol=1e-12).any(
                    axis=1
                )
            )
            assert err <= optimal.mse(m, sampling) + 1e-15
        # more levels never hurt
        assert err <= optimal.mse(m, optimal.levels(PCMO, L - 1, m)) + 1e-15


def test_pcmo_error_falls_with_levels():
    m = weight_magnitudes(20_000, seed=1)
    errors = [optimal.mse(m, optimal.levels(PCMO, L, m)) for L in range(1, 26)]
    assert np.all(np.diff(errors) <= 1e-15)


def test_mse_matches_direct_computation():
    m = weight_magnitudes(5_000)
    chosen = np.array([0.7, 0.0, 0.2])  # any order
    direct = np.mean(np.min((m[:, None] - chosen[None, :]) ** 2, axis=1))
    assert optimal.mse(m, chosen) == pytest.approx(direct, rel=1e-12)


def test_all_levels_when_asking_for_all_states():
    m = np.repeat(PCMO, 3)
    for L in (PCMO.size, PCMO.size + 7):
        chosen = optimal.levels(PCMO, L, m)
        np.testing.assert_array_equal(chosen, PCMO)
        assert optimal.mse(m, chosen) == 0


def test_repeated_reference_values_count_once():
    ref = np.array([0.0, 0.3, 0.3, 0.3, 1.0])
    np.testing.assert_array_equal(optimal.levels(ref, 4, [0.1, 0.9]), [0.0, 0.3, 1.0])
    assert optimal.levels(ref, 2, [0.3, 0.31]).tolist() == [
        0.0,
        0.3,
    ]  # tie on 0.0 vs 1.0: the lower


def test_finds_the_levels_the_magnitudes_sit_on():
    rng = np.random.default_rng(3)
    for L in (2, 5, 12):
        target = np.sort(rng.choice(PCMO, L, replace=False))
        m = rng.permutation(np.repeat(target, 50))
        np.testing.assert_array_equal(optimal.levels(PCMO, L, m), target)


def test_ties_go_to_lower_levels():
    # one magnitude at 0.5, levels 0 and 1 equally far: the lower set wins
    assert optimal.levels([0.0, 1.0], 1, [0.5]).tolist() == [0.0]
    assert optimal.levels([0.0, 0.4, 0.6, 1.0], 1, [0.5]).tolist() == [0.4]
    assert optimal.levels([0.0, 0.4, 0.6, 1.0], 2, [0.5]).tolist() == [0.0, 0.4]


def test_quantize_keeps_signs_and_uses_few_reference_levels():
    rng = np.random.default_rng(5)
    w = quantize.normalize(rng.laplace(0, 0.05, (300, 40)))[0]
    for L in (1, 4, 10):
        q = optimal.quantize(w, L, PCMO)
        assert q.shape == w.shape and q.dtype == w.dtype
        assert np.all((np.sign(q) == np.sign(w)) | (q == 0))
        mags = np.unique(np.abs(q))
        assert mags.size <= L and np.all(np.isin(mags, PCMO))
        assert np.all(np.isin(mags, optimal.levels(PCMO, L, np.abs(w))))
        assert np.mean((np.abs(q) - np.abs(w)) ** 2) == pytest.approx(
            optimal.mse(np.abs(w), optimal.levels(PCMO, L, np.abs(w))), rel=1e-12
        )


def test_quantize_float32_and_empty():
    w = np.array([[-0.5, 0.25], [1.0, 0.0]], dtype=np.float32)
    q = optimal.quantize(w, 3, PCMO)
    assert q.dtype == np.float32 and q.shape == (2, 2)
    assert optimal.quantize(np.zeros((0, 3)), 3, PCMO).shape == (0, 3)


@pytest.mark.parametrize("bad", [2.5, "10", True, None])
def test_levels_not_an_integer(bad):
    with pytest.raises(TypeError, match="levels must be an integer"):
        optimal.levels(PCMO, bad, [0.1])
    with pytest.raises(TypeError, match="levels must be an integer"):
        optimal.quantize(np.array([0.1]), bad, PCMO)


@pytest.mark.parametrize("bad", [0, -3])
def test_levels_below_one(bad):
    with pytest.raises(ValueError, match="levels must be at least 1"):
        optimal.levels(PCMO, bad, [0.1])


@pytest.mark.parametrize(
    "ref, match",
    [
        ([], "non-empty"),
        ([0.5, 0.2], "sorted"),
        ([0, np.nan], "NaN"),
        ([0, np.inf], "NaN or infinite"),
        ([[0, 1]], "1-D"),
    ],
)
def test_bad_reference(ref, match):
    with pytest.raises(ValueError, match=match):
        optimal.levels(ref, 2, [0.1])


@pytest.mark.parametrize(
    "m, exc, match",
    [
        ([0.1, np.nan], ValueError, "magnitudes contain 1 NaN or infinite"),
        ([np.inf], ValueError, "NaN or infinite"),
        ([], ValueError, "magnitudes are empty"),
        ([0.1, -0.2], ValueError, r"non-negative .* np\.abs\(w\)"),
        ([0.1, 3.0], ValueError, r"\[0, 1\] .* normalize"),
        (["a"], TypeError, "magnitudes must be numeric"),
    ],
)
def test_bad_magnitudes(m, exc, match):
    with pytest.raises(exc, match=match):
        optimal.levels(PCMO, 3, np.array(m))
    with pytest.raises(exc, match=match):
        optimal.mse(np.array(m), [0.0, 1.0])


def test_bad_weights_and_chosen():
    with pytest.raises(ValueError, match="normalize"):
        optimal.quantize(np.array([0.5, -2.0]), 3, PCMO)
    with pytest.raises(ValueError, match="weights contain 1 NaN"):
        optimal.quantize(np.array([0.5, np.nan]), 3, PCMO)
    with pytest.raises(ValueError, match="chosen levels are empty"):
        optimal.mse([0.1], [])
    with pytest.raises(ValueError, match="NaN"):
        optimal.mse([0.1], [0.2, np.nan])

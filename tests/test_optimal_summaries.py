"""The optimal-levels chapter's summaries at the end of synquant.optimal."""

import numpy as np
import pytest

from synquant import devices, quantize
from synquant.book import optimal_levels
from tests.conftest import random_weight_set

PCMO = devices.get("PCMO")


@pytest.mark.parametrize("levels", [3, 5, 9])
def test_weight_mse_by_hand_for_uniform(levels):
    weights = random_weight_set(3)
    errors = []
    for name in ("W1", "W2"):
        w = weights[name].astype(np.float64)
        u = w / np.abs(w).max()
        step = 1 / (levels - 1)
        q = np.sign(u) * np.minimum(np.floor(np.abs(u) / step + 0.5), levels - 1) * step
        errors.append(((q - u) ** 2).ravel())
    expected = np.concatenate(errors).mean()
    assert optimal_levels.weight_mse(weights, "uniform", levels) == pytest.approx(
        expected, rel=1e-5
    )
    assert expected <= (1 / (2 * (levels - 1))) ** 2


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("levels", [5, 7, 12])
def test_weight_mse_optimal_never_above_proposed(seed, levels):
    weights = random_weight_set(seed)
    proposed = optimal_levels.weight_mse(weights, "proposed", levels, PCMO)
    best = optimal_levels.weight_mse(weights, "optimal", levels, PCMO)
    assert best <= proposed + 1e-9


def test_weight_mse_counts_the_bias_row_on_the_crossbar():
    weights = random_weight_set(4)
    digital = optimal_levels.weight_mse(weights, "proposed", 5, PCMO)
    crossbar = optimal_levels.weight_mse(weights, "proposed", 5, PCMO, bias="crossbar")
    assert crossbar != digital and np.isfinite(crossbar)


def test_chosen_levels():
    weights = random_weight_set(5)
    chosen = optimal_levels.chosen_levels(weights, 5, PCMO)
    reference = PCMO.reference_levels()
    assert chosen["sampling"].shape == (5,)
    np.testing.assert_allclose(chosen["sampling"], quantize.sampling_levels(5, PCMO))
    assert chosen["optimal"].shape == (5,) and chosen["optimal"][0] == 0
    assert np.all(np.isin(chosen["optimal"], reference))
    grid = quantize.proposed(np.linspace(0, 1, 5), 5, reference)
    np.testing.assert_array_equal(chosen["proposed"], np.unique(grid))
    with pytest.raises(ValueError, match="levels must be at least 2"):
        optimal_levels.chosen_levels(weights, 1, PCMO)


def test_clipping():
    weights = random_weight_set(6)
    clip = optimal_levels.clipping(weights, 5, PCMO, layer="W1")
    w = weights["W1"]
    u = w / np.abs(w).max()
    assert clip.top == pytest.approx(
        optimal_levels.chosen_levels(weights, 5, PCMO)["optimal"][-1]
    )
    above = np.abs(u) > clip.top
    assert clip.count == above.sum() > 0
    assert clip.fraction == pytest.approx(above.mean())
    assert np.abs(clip.clipped["W1"]).max() == pytest.approx(clip.top * np.abs(w).max())
    np.testing.assert_array_equal(clip.clipped["W1"][~above], w[~above])
    np.testing.assert_array_equal(clip.zeroed["W1"][above], 0)
    np.testing.assert_array_equal(clip.zeroed["W1"][~above], w[~above])
    for name in ("b1", "W2", "b2"):
        assert (
            clip.clipped[name] is weights[name] and clip.zeroed[name] is weights[name]
        )

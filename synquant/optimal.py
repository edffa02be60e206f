"""Optimal device-aware levels: the ``L`` reference levels that fit the weights best.

The proposed method fixes its ``L`` levels in advance (a uniform grid snapped to the
device); here they are chosen from the weights. Given the device's ``N`` reference
levels ``u_0 < ... < u_{N-1}`` (normalized conductances) and the magnitudes ``m`` of the
normalized weights, :func:`levels` returns the ``L``-subset ``c_1 < ... < c_L`` that
minimizes the mean squared snapping error

    E(c) = mean over m of min_j (m - c_j)^2.

It is exact, by dynamic programming rather than search. Snapping sends the sorted
magnitudes to the sorted levels contiguously: everything below ``c_1`` goes to ``c_1``,
everything above ``c_L`` to ``c_L``, and the magnitudes between consecutive levels
``c_k`` and ``c_{k+1}`` split at their midpoint. So the error is a sum of terms that
each
depend on one or two consecutive chosen levels,

    E(c) = head(c_1) + sum_k pair(c_k, c_{k+1}) + tail(c_L),

and the best subset of ``k`` levels whose largest is ``u_b`` extends the best subset of
``k - 1`` levels ending at some ``u_a < u_b``:

    D_1(b) = head(u_b),    D_k(b) = min_{a < b} D_{k-1}(a) + pair(u_a, u_b),

with the answer at ``min_b D_L(b) + tail(u_b)``. With the magnitudes sorted once and
prefix sums of ``m`` and ``m^2``, each term is O(1) (the sum of ``(m - c)^2`` over a run
of magnitudes is ``S2 - 2 c S1 + c^2 n``), and the run boundaries are found by
``searchsorted``; the table of all ``pair`` terms is N x N, and the DP is O(L N^2),
vectorized over the states. For PCMO (N = 50) and 100,000 magnitudes a call takes a few
milliseconds, most of it the sort.
"""

from __future__ import annotations

import numpy as np

from . import checks
from .levels import check_reference as _check_reference
from .levels import snap

__all__ = ["MAX_REFERENCE", "levels", "mse", "quantize"]

#: Most distinct reference levels :func:`levels` chooses from: its tables are N x N
#: float64 (2000: 32 MB each); the benchmark devices have 32 to 128.
MAX_REFERENCE = 2000

#: Slack above 1 allowed for magnitudes, as for normalized weights in
#: :mod:`synquant.quantize`.
UNIT_SLACK = 1e-6


def _check_magnitudes(magnitudes) -> np.ndarray:
    """Flattened float64 magnitudes, checked to be finite and in [0, 1]."""
    m = checks.finite_array("magnitudes", magnitudes)
    m = np.asarray(m, dtype=np.float64).ravel()
    if m.size == 0:
        raise ValueError(
            "magnitudes are empty: pass the |w| of at least one normalized weight"
        )
    if np.min(m) < 0:
        raise ValueError(
            f"magnitudes must be non-negative (smallest {np.min(m):.4g}): pass "
            "np.abs(w) of the normalized weights"
        )
    if np.max(m) > 1 + UNIT_SLACK:
        raise ValueError(
            f"magnitudes must lie in [0, 1] (largest {np.max(m):.4g}): "
            "normalize the weights first with synquant.quantize.normalize()"
        )
    return m


def _segment_cost(s1: np.ndarray, s2: np.ndarray, lo, hi, c) -> np.ndarray:
    """Sum of (m - c)^2 over sorted magnitudes m[lo:hi], from prefix sums ``s1``, ``s2``
    (arrays broadcast)."""
    return (s2[hi] - s2[lo]) - 2 * c * (s1[hi] - s1[lo]) + c * c * (hi - lo)


def _choose(
    ref: np.ndarray, count: int, m: np.ndarray, keep_first: bool = False
) -> np.ndarray:
    """Indices into ``ref`` (distinct, ascending) of the best ``count`` levels for
    magnitudes ``m``.

    ``m`` is sorted here; ``count < ref.size``. With ``keep_first`` the lowest level is
    ``ref[0]``.
    """
    n = ref.size
    m = np.sort(m)
    s1 = np.concatenate(([0.0], np.cumsum(m)))
    s2 = np.concatenate(([0.0], np.cumsum(m * m)))
    total = m.size
    at = np.searchsorted(m, ref, side="left")  # first magnitude >= u_i

    head = _segment_cost(s1, s2, 0, at, ref)  # m < u_i all go to u_i
    if keep_first:
        head[1:] = np.inf
    tail = _segment_cost(s1, s2, at, total, ref)  # m >= u_i all go to u_i

    # pair[a, b], a < b: m in [u_a, mid) go to u_a and m in [mid, u_b) to u_b (a tie
    # goes up, as in snap)
    mid = np.searchsorted(m, (ref[:, None] + ref[None, :]) / 2, side="left")
    lo, hi = at[:, None], at[None, :]
    pair = _segment_cost(s1, s2, lo, mid, ref[:, None]) + _segment_cost(
        s1, s2, mid, hi, ref[None, :]
    )
    pair[np.tril_indices(n)] = np.inf  # only a < b

    best = head
    back = np.empty(
        (count, n), dtype=np.intp
    )  # back[k, b]: the level before u_b in the best k+1 ending at b
    for k in range(
        1, count
    ):  # one step per chosen level: O(count * n^2), vectorized over states
        through = best[:, None] + pair
        back[k] = np.argmin(through, axis=0)  # ties: the lowest predecessor
        best = through[back[k], np.arange(n)]

    chosen = np.empty(count, dtype=np.intp)
    chosen[-1] = np.argmin(best + tail)  # ties: the lowest last level
    for k in range(count - 1, 0, -1):
        chosen[k - 1] = back[k, chosen[k]]
    return chosen


@checks.validate(levels=checks.Levels(least=1))
def levels(reference, levels: int, magnitudes, keep_first: bool = False) -> np.ndarray:
    """The ``levels`` reference levels that minimize the mean squared snapping error of
    ``magnitudes``.

    Args:
        reference: a device's normalized conductances, 1-D, ascending (for instance
            ``devices.get("PCMO").reference_levels()``, shape (50,)); repeated values
            count once.
        levels: how many levels to choose, an integer >= 1.
        magnitudes: ``np.abs(w)`` of normalized weights, any shape, values in [0, 1];
        they
            weight the error (each value once).
        keep_first: always include the lowest reference level (for a device, Gmin:
        zero).

    Returns:
        Shape (levels,), ascending, float64: members of ``reference`` that minimize the
        mean
        over ``magnitudes`` of the squared distance to the nearest chosen level (exact,
        by
        dynamic programming; see the module docstring). When ``levels`` is at least the
        number of distinct reference values, all of them are returned (shape
        (n_distinct,)),
        as more levels cannot be had from the device.

    Ties: among subsets with the same error (the same floating-point value along the
    DP), the one with the lowest largest level is returned, then the lowest second
    largest, and so on (``np.argmin`` takes the first of equal values); the result is
    deterministic.
    """
    count = levels
    ref = np.unique(_check_reference(reference))
    m = _check_magnitudes(magnitudes)
    if count >= ref.size:
        return ref
    if ref.size > MAX_REFERENCE:
        raise ValueError(
            f"reference levels: {ref.size} distinct values, above {MAX_REFERENCE} "
            "(optimal.MAX_REFERENCE): the search builds tables of their number "
            "squared; pass a device's reference_levels(states=...) with fewer states"
        )
    return ref[_choose(ref, count, m, keep_first)]


def mse(magnitudes, chosen) -> float:
    """Mean squared error of snapping ``magnitudes`` (any shape, in [0, 1]) to the
    nearest of ``chosen``.

    ``chosen``: 1-D levels in any order (sorted here). A tie between two levels costs
    the
    same either way.
    """
    m = _check_magnitudes(magnitudes)
    ref = np.asarray(chosen, dtype=np.float64).ravel()
    if ref.size == 0:
        raise ValueError("chosen levels are empty: pass at least one level")
    ref = _check_reference(np.sort(ref))
    return float(np.mean((m - snap(m, ref)) ** 2))


@checks.validate(levels=checks.Levels(least=1))
def quantize(w, levels: int, reference, keep_first: bool = False) -> np.ndarray:
    """Snap normalized weights ``w`` (any shape, in [-1, 1]) to their optimal ``levels``
    reference levels.

    The levels are chosen by :func:`levels` from ``np.abs(w)``; each weight keeps its
    sign
    and its magnitude goes to the nearest chosen level (:func:`synquant.quantize.snap`);
    ``keep_first`` keeps the lowest reference level (zero) among them, as ``L`` counts
    it
    for the other methods,
    so the result has at most ``levels`` distinct magnitudes, all in ``reference``.
    Shape
    and floating dtype of ``w`` are kept (float32 weights give float32-rounded levels).
    An empty ``w`` comes back empty.
    """
    count = levels
    w = checks.finite_array("weights", w)
    if w.size == 0:
        return snap(w, _check_reference(reference))
    return snap(w, _optimal_levels(reference, count, np.abs(w), keep_first))


_optimal_levels = levels  # `levels` is shadowed by the argument inside quantize()

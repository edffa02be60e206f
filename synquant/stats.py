"""Paired tests and intervals behind the book's comparative sentences.

Every "ahead", "behind", "tied", "within noise" or "follows" in the book rests on one of
these, each through scipy:

* :func:`mcnemar`: two weight sets on the same test images, compared image by image: the
  images that only one of them classifies correctly (the *discordant* images) and the
  exact two-sided binomial p-value of that split (``scipy.stats.binomtest``);
* :func:`sign_test`: paired differences (one method minus another at each number of
  levels): how many are positive and negative, ties dropped, with the exact binomial p;
* :func:`rank_correlation`: Spearman's rank correlation with a permutation p-value,
  exact (every permutation) for small samples (``scipy.stats.permutation_test``);
* :func:`compare_correlations`: whether one variable ranks the same items better than
  another, a paired permutation test of two rank correlations with a shared ``y``;
* :func:`bootstrap_accuracy` and :func:`bootstrap_difference`: percentile bootstrap
  intervals over the test images, for one accuracy (percent) and for the paired
  difference of two (percentage points) (``scipy.stats.bootstrap``, seeded).

Results are frozen dataclasses; each has ``.text()``, a short phrase for the prose, such
as "104 vs 47 discordant images, p < 0.001". Two-sided p-values throughout. The tests
are conditional on the one network and the one test set they are given: they say how
much the 10,000 test images can tell two quantized copies of a network apart, not how
another training run would turn out.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from scipy import stats as _scipy

from . import checks

__all__ = [
    "MAX_RESAMPLES",
    "McNemar",
    "SignTest",
    "RankCorrelation",
    "CorrelationDifference",
    "Interval",
    "mcnemar",
    "sign_test",
    "rank_correlation",
    "compare_correlations",
    "bootstrap_accuracy",
    "bootstrap_difference",
    "format_p",
    "word",
    "phrase",
    "PHRASES",
    "signed",
    "over_levels",
    "OverLevels",
    "table",
    "EXACT_MAX",
]

#: Largest sample for which :func:`rank_correlation` enumerates every permutation
#: (8! = 40,320); above it, a seeded random sample of permutations.
EXACT_MAX = 8


def format_p(p: float) -> str:
    """A p-value for the prose: "p < 0.001", else two significant digits ("p = 0.0028",
    "p = 0.17", "p = 1.0")."""
    p = float(p)
    if not 0 <= p <= 1:
        raise ValueError(f"p-value must lie in [0, 1], got {p!r}")
    if p < 0.001:
        return "p < 0.001"
    text = f"{p:.2g}"
    return f"p = {text if '.' in text else text + '.0'}"


@checks.validate(alpha=checks.Fraction())
def word(result, significant: str, otherwise: str, alpha: float = 0.05) -> str:
    """``significant`` when ``result.pvalue < alpha``, else ``otherwise``: the words of
    a sentence chosen by its test, so that a chapter re-run with other parameters never
    says more than its numbers (for instance ``word(test, "resolves", "cannot tell")``).
    """
    p = getattr(result, "pvalue", None)
    if p is None:
        raise TypeError(f"result must be a test result with a pvalue, got {result!r}")
    return significant if p < alpha else otherwise


#: The book's comparative words (the keys), each with the words for a result that its
#: test resolves and for one it does not (:func:`phrase`): a non-significant result
#: reads "not detected with this test set", never "does not".
PHRASES = {
    "ahead": ("ahead", "not detected ahead with this test set"),
    "matters": ("matters", "has no effect detected with this test set"),
    "does not": ("does", "is not shown, with this test set, to"),
    "costs little": (
        "has a cost that this test set detects",
        "has no cost detected with this test set",
    ),
}


@checks.validate(alpha=checks.Fraction())
def phrase(result, key: str, alpha: float = 0.05) -> str:
    """:func:`word` with the words of :data:`PHRASES` ``[key]``: the comparative words
    of a sentence, chosen by its test ``result`` (anything with a ``pvalue``)."""
    if key not in PHRASES:
        raise ValueError(f"key={key!r}: use one of {', '.join(map(repr, PHRASES))}")
    return word(result, *PHRASES[key], alpha=alpha)


# --- argument checks ---------------------------------------------------------------


def _check_correct(values, name: str, least: int = 1) -> np.ndarray:
    """``values`` as a 1-D bool array, or a clear error naming ``name``."""
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(
            f"{name} must be an array of booleans (one per test image), got {values!r}"
        )
    a = np.asarray(values)
    if a.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one entry per test image), got shape {a.shape}"
        )
    if a.size < least:
        raise ValueError(
            f"{name} has {a.size} entries: need at least {least} test images"
        )
    if a.dtype == bool:
        return a
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise TypeError(
            f"{name} must be booleans (True where an image is classified correctly), "
            f"got dtype {a.dtype}"
        )
    bad = a[(a != 0) & (a != 1)]
    if bad.size:
        raise ValueError(
            f"{name} must be booleans (True where an image is classified correctly), "
            f"got the value {bad[0]!r}: pass evaluate.correct(...)"
        )
    return a.astype(bool)


def _check_pair(a, b, names=("correct_a", "correct_b"), least: int = 1):
    a = _check_correct(a, names[0], least=0)
    b = _check_correct(b, names[1], least=0)
    if a.size != b.size:
        raise ValueError(
            f"{names[0]} and {names[1]} differ in length ({a.size} vs {b.size}): "
            "pass per-image results on the same test images"
        )
    return _check_correct(a, names[0], least), _check_correct(b, names[1], least)


def _check_numbers(values, name: str, least: int) -> np.ndarray:
    if isinstance(values, (str, bytes)) or values is None:
        raise TypeError(f"{name} must be a 1-D array of numbers, got {values!r}")
    a = np.asarray(values)
    if a.dtype == bool or not (
        np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)
    ):
        raise TypeError(f"{name} must be numbers, got dtype {a.dtype}")
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
    if a.size < least:
        raise ValueError(f"{name} has {a.size} values: need at least {least}")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return a


#: Most resamples of a bootstrap or permutation test: beyond 100 000 the Monte Carlo
#: error of a p-value or a percentile is far below any difference the book reads.
MAX_RESAMPLES = 100_000
#: Memory for the resampled data held at once (bytes); above it scipy gets a batch.
BATCH_BYTES = 256 * 2**20


def _batch(n_resamples: int, size: int) -> int | None:
    """Resamples per batch so that ``size`` float64 values resampled stay within
    :data:`BATCH_BYTES`; None (all at once, as before) when they fit."""
    per = 8 * max(1, size)
    return None if n_resamples * per <= BATCH_BYTES else max(1, BATCH_BYTES // per)


#: The constraints of a bootstrap's resampling arguments.
_RESAMPLING = {
    "n_resamples": checks.Integer(
        least=100, most=MAX_RESAMPLES, hint=f"from 100 to {MAX_RESAMPLES}"
    ),
    "seed": checks.Seed(),
    "confidence": checks.Fraction(),
}


# --- McNemar ------------------------------------------------------------------------


@dataclass(frozen=True)
class McNemar:
    """Exact McNemar test of two weight sets on the same test images.

    ``a_only``: images only A classifies correctly; ``b_only``: only B; ``both`` and
    ``neither`` are the concordant images. ``pvalue``: exact two-sided binomial p of
    ``a_only`` out of the discordant images, with success probability 1/2 (1.0 when
    there are none).
    """

    a_only: int
    b_only: int
    both: int
    neither: int
    pvalue: float

    @property
    def n(self) -> int:
        """Number of test images."""
        return self.a_only + self.b_only + self.both + self.neither

    @property
    def discordant(self) -> int:
        return self.a_only + self.b_only

    @property
    def difference(self) -> float:
        """Accuracy of A minus accuracy of B, in percentage points."""
        return 100 * (self.a_only - self.b_only) / self.n

    @property
    def accuracy_a(self) -> float:
        """Accuracy of A in percent."""
        return 100 * (self.both + self.a_only) / self.n

    @property
    def accuracy_b(self) -> float:
        """Accuracy of B in percent."""
        return 100 * (self.both + self.b_only) / self.n

    def text(self) -> str:
        return (
            f"{self.a_only} vs {self.b_only} discordant images, {format_p(self.pvalue)}"
        )


def mcnemar(correct_a, correct_b) -> McNemar:
    """Exact McNemar test between two weight sets' per-image correctness.

    ``correct_a``, ``correct_b``: bool arrays of the same length, one entry per test
    image (:func:`synquant.evaluate.correct`). The p-value is the exact two-sided
    binomial test (``scipy.stats.binomtest``) of the images only A gets right among
    those exactly one of the two gets right.
    """
    a, b = _check_pair(correct_a, correct_b)
    a_only = int(np.count_nonzero(a & ~b))
    b_only = int(np.count_nonzero(~a & b))
    both = int(np.count_nonzero(a & b))
    neither = a.size - a_only - b_only - both
    k = a_only + b_only
    p = 1.0 if k == 0 else float(_scipy.binomtest(a_only, k, 0.5).pvalue)
    return McNemar(a_only, b_only, both, neither, min(p, 1.0))


def table(
    comparisons: dict[int, McNemar], names=("A", "B")
) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of strings for a table of :func:`paired_over_levels`: levels,
    both accuracies (%), their difference (points), the discordant counts and the
    p-value; ``names`` label the two methods."""
    a, b = names
    header = [
        "levels",
        f"{a} (%)",
        f"{b} (%)",
        "difference (points)",
        f"only {a}",
        f"only {b}",
        "p (McNemar)",
    ]
    rows = [
        [
            str(k),
            f"{m.accuracy_a:.2f}",
            f"{m.accuracy_b:.2f}",
            signed(m.difference),
            str(m.a_only),
            str(m.b_only),
            format_p(m.pvalue).removeprefix("p = ").removeprefix("p "),
        ]
        for k, m in comparisons.items()
    ]
    return header, rows


@dataclass(frozen=True)
class OverLevels:
    """A summary of :func:`paired_over_levels`: the sign test of the differences, the
    numbers of levels where McNemar's p is below ``alpha``, those that stay below it
    after a Bonferroni correction (p times the number of tests), and ``settled``: the
    smallest number of levels from which no test is below ``alpha`` (None when the
    last one is); ``strongest``: the number of levels with the smallest p (the lowest
    of equal ones); ``ahead`` and ``behind``: the significant ones where A is ahead and
    behind; ``worst``: the number of levels where A's lead is smallest (most behind)."""

    levels: tuple[int, ...]
    sign: SignTest
    alpha: float
    significant: tuple[int, ...]
    bonferroni: tuple[int, ...]
    settled: int | None
    strongest: int
    ahead: tuple[int, ...]
    behind: tuple[int, ...]
    worst: int

    def text(self) -> str:
        where = ", ".join(map(str, self.significant)) or "none"
        return (
            f"{self.sign.text()}; McNemar p < {self.alpha:g} at "
            f"{len(self.significant)} of {len(self.levels)} (levels: {where})"
        )


@checks.validate(alpha=checks.Fraction())
def over_levels(comparisons: dict[int, McNemar], alpha: float = 0.05) -> OverLevels:
    """Summarize paired tests at several numbers of levels (see :class:`OverLevels`).

    The sign test counts, over the levels, where A is ahead (more images only A gets
    right) and where behind; a tie is an equal split of the discordant images."""
    if not comparisons:
        raise ValueError("comparisons is empty: pass the result of paired_over_levels")
    levels = tuple(sorted(comparisons))
    sign = sign_test([comparisons[k].a_only - comparisons[k].b_only for k in levels])
    significant = tuple(k for k in levels if comparisons[k].pvalue < alpha)
    bonferroni = tuple(k for k in levels if comparisons[k].pvalue * len(levels) < alpha)
    settled = levels[0] if not significant else None
    if significant and significant[-1] != levels[-1]:
        settled = levels[levels.index(significant[-1]) + 1]
    strongest = min(levels, key=lambda k: comparisons[k].pvalue)
    ahead = tuple(k for k in significant if comparisons[k].difference > 0)
    behind = tuple(k for k in significant if comparisons[k].difference < 0)
    worst = min(levels, key=lambda k: comparisons[k].difference)
    return OverLevels(
        levels,
        sign,
        float(alpha),
        significant,
        bonferroni,
        settled,
        strongest,
        ahead,
        behind,
        worst,
    )


# --- sign test ----------------------------------------------------------------------


@dataclass(frozen=True)
class SignTest:
    """Sign test of paired differences: counts of each sign and the exact binomial p
    (two-sided, ties dropped; 1.0 when every difference is a tie)."""

    positive: int
    negative: int
    ties: int
    pvalue: float

    def text(self) -> str:
        tied = f", {self.ties} tied" if self.ties else ""
        counts = f"{self.positive} ahead vs {self.negative} behind{tied}"
        return f"{counts}, sign test {format_p(self.pvalue)}"


def sign_test(differences, tolerance: float = 0.0) -> SignTest:
    """Sign test over paired differences (for instance, at each number of levels, one
    method's accuracy minus another's).

    ``differences``: 1-D numbers; those with ``|d| <= tolerance`` count as ties and are
    dropped. The p-value is the exact two-sided binomial test of the positive ones among
    the rest (``scipy.stats.binomtest``).
    """
    d = _check_numbers(differences, "differences", least=1)
    if (
        isinstance(tolerance, bool)
        or not isinstance(tolerance, numbers.Real)
        or not tolerance >= 0
    ):
        raise ValueError(f"tolerance must be a non-negative number, got {tolerance!r}")
    positive = int(np.count_nonzero(d > tolerance))
    negative = int(np.count_nonzero(d < -tolerance))
    ties = d.size - positive - negative
    k = positive + negative
    p = 1.0 if k == 0 else float(_scipy.binomtest(positive, k, 0.5).pvalue)
    return SignTest(positive, negative, ties, min(p, 1.0))


# --- rank correlation ---------------------------------------------------------------


@dataclass(frozen=True)
class RankCorrelation:
    """Spearman's rank correlation ``rho`` of ``n`` pairs, with a two-sided permutation
    p-value: ``exact`` when every permutation was enumerated (n <= :data:`EXACT_MAX`).
    """

    rho: float
    pvalue: float
    n: int
    exact: bool

    def text(self) -> str:
        how = "exact permutation" if self.exact else "permutation"
        return f"Spearman {self.rho:.2f}, n = {self.n}, {how} {format_p(self.pvalue)}"


@checks.validate(seed=checks.Seed())
def rank_correlation(x, y, n_resamples: int = 20000, seed: int = 0) -> RankCorrelation:
    """Spearman's rank correlation of ``x`` and ``y`` with a permutation p-value.

    ``x``, ``y``: 1-D numbers of the same length n >= 3, neither constant (ties get
    average ranks). For n <= :data:`EXACT_MAX` the p-value counts, over all n!
    pairings, those whose correlation is at least as extreme as the observed one
    (``scipy.stats.permutation_test``, two-sided); above, ``n_resamples`` random
    pairings drawn with ``seed``. Small samples need this: the usual t approximation is
    poor at n = 7.
    """
    xs = _check_numbers(x, "x", least=0)
    ys = _check_numbers(y, "y", least=0)
    if xs.size != ys.size:
        raise ValueError(
            f"x and y differ in length ({xs.size} vs {ys.size}): pass one pair per item"
        )
    xs, ys = _check_numbers(xs, "x", least=3), _check_numbers(ys, "y", least=3)
    for name, v in (("x", xs), ("y", ys)):
        if np.all(v == v[0]):
            raise ValueError(
                f"{name} is constant: a rank correlation needs values that differ"
            )
    rx = _scipy.rankdata(xs)
    ry = _scipy.rankdata(ys)
    ry = (ry - ry.mean()) / np.sqrt(np.sum((ry - ry.mean()) ** 2))

    def rho(r, axis=-1):  # Pearson correlation of the ranks: Spearman's rho
        r = r - r.mean(axis=axis, keepdims=True)
        return np.sum(r * ry, axis=axis) / np.sqrt(np.sum(r * r, axis=axis))

    n = xs.size
    exact = n <= EXACT_MAX
    if not exact:
        checks.integer(
            "n_resamples",
            n_resamples,
            least=100,
            most=MAX_RESAMPLES,
            hint=f"from 100 to {MAX_RESAMPLES}",
        )
    result = _scipy.permutation_test(
        (rx,),
        rho,
        permutation_type="pairings",
        vectorized=True,
        batch=None if exact else _batch(int(n_resamples), 2 * n),
        n_resamples=np.inf if exact else int(n_resamples),
        alternative="two-sided",
        rng=np.random.default_rng(seed),
    )
    statistic = float(_scipy.spearmanr(xs, ys).statistic)
    return RankCorrelation(statistic, float(min(result.pvalue, 1.0)), n, exact)


#: Largest sample for which :func:`compare_correlations` enumerates every one of the
#: 2**n exchanges (2**16 = 65,536).
EXACT_PAIRED_MAX = 16


@dataclass(frozen=True)
class CorrelationDifference:
    """Two Spearman correlations with one ``y`` (``rho_a``: of ``a``, ``rho_b``: of
    ``b``), their difference and its two-sided paired permutation p-value over ``n``
    items (``exact``: every exchange enumerated)."""

    rho_a: float
    rho_b: float
    pvalue: float
    n: int
    exact: bool

    @property
    def difference(self) -> float:
        return self.rho_a - self.rho_b

    def text(self) -> str:
        how = "exact paired permutation" if self.exact else "paired permutation"
        return (
            f"Spearman {self.rho_a:.2f} against {self.rho_b:.2f}, n = {self.n}, "
            f"{how} {format_p(self.pvalue)}"
        )


def _ranks_standardized(v: np.ndarray) -> np.ndarray:
    r = _scipy.rankdata(v)
    r = r - r.mean()
    return r / np.sqrt(np.sum(r * r))


@checks.validate(seed=checks.Seed())
def compare_correlations(
    a, b, y, n_resamples: int = 20000, seed: int = 0
) -> CorrelationDifference:
    """Does ``a`` rank the items by ``y`` better than ``b`` does? Spearman's rho of
    ``a`` and of ``b`` with the same ``y``, and a paired permutation test of their
    difference.

    ``a``, ``b``, ``y``: 1-D numbers of one length n >= 3, none constant. Under the
    null hypothesis ``a`` and ``b`` are exchangeable predictors of ``y``: each item's
    standardized ranks of ``a`` and ``b`` may be swapped. The p-value is the fraction
    of swap patterns whose |rho_a - rho_b| is at least the observed one, over all 2**n
    patterns for n <= :data:`EXACT_PAIRED_MAX`, else over ``n_resamples`` seeded
    random ones.
    """
    xa = _check_numbers(a, "a", least=3)
    xb = _check_numbers(b, "b", least=3)
    yy = _check_numbers(y, "y", least=3)
    if not xa.size == xb.size == yy.size:
        raise ValueError(
            f"a, b and y differ in length ({xa.size}, {xb.size}, {yy.size}): pass "
            "one value of each per item"
        )
    for name, v in (("a", xa), ("b", xb), ("y", yy)):
        if np.all(v == v[0]):
            raise ValueError(
                f"{name} is constant: a rank correlation needs values that differ"
            )
    ra, rb, ry = map(_ranks_standardized, (xa, xb, yy))
    n = xa.size
    exact = n <= EXACT_PAIRED_MAX
    if exact:
        codes = np.arange(2**n)[:, None]
        swap = ((codes >> np.arange(n)) & 1).astype(bool)
    else:
        checks.integer("n_resamples", n_resamples, least=100)
        rng = np.random.default_rng(seed)
        swap = rng.random((int(n_resamples), n)) < 0.5
        swap[0] = False  # the observed pairing counts among the resamples

    def rho(r):  # Pearson correlation of (swapped) standardized ranks with y's
        r = r - r.mean(axis=-1, keepdims=True)
        return np.sum(r * ry, axis=-1) / np.sqrt(np.sum(r * r, axis=-1))

    diff = rho(np.where(swap, rb, ra)) - rho(np.where(swap, ra, rb))
    observed = abs(rho(ra) - rho(rb))
    p = float(np.mean(np.abs(diff) >= observed - 1e-12))
    return CorrelationDifference(
        float(_scipy.spearmanr(xa, yy).statistic),
        float(_scipy.spearmanr(xb, yy).statistic),
        min(p, 1.0),
        n,
        exact,
    )


# --- bootstrap intervals ------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """An estimate with its bootstrap interval, in ``unit`` ("%" for an accuracy,
    "points" for a difference of two)."""

    estimate: float
    low: float
    high: float
    confidence: float
    unit: str

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def text(self) -> str:
        level = f"{100 * self.confidence:g} %"
        if self.unit == "%":
            bounds = f"{self.low:.2f} to {self.high:.2f} %"
            return f"{self.estimate:.2f} % ({level} interval {bounds})"
        return (
            f"{signed(self.estimate)} points ({level} interval {signed(self.low)} to "
            f"{signed(self.high)})"
        )


def signed(value: float, digits: int = 2) -> str:
    """``value`` with its sign and ``digits`` decimals ("+1.23", "-0.40"); a value that
    rounds to zero prints "0.00", never "-0.00" or "+0.00"."""
    text = f"{float(value):+.{digits}f}"
    return text[1:] if float(text) == 0 else text


def _interval(
    data, statistic, n_resamples, seed, confidence, paired
) -> tuple[float, float]:
    result = _scipy.bootstrap(
        data,
        statistic,
        n_resamples=int(n_resamples),
        batch=_batch(int(n_resamples), sum(np.size(d) for d in data)),
        vectorized=True,
        paired=paired,
        confidence_level=float(confidence),
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


@checks.validate(**_RESAMPLING)
def bootstrap_accuracy(
    correct, n_resamples: int = 2000, seed: int = 0, confidence: float = 0.95
) -> Interval:
    """Accuracy in percent with a percentile bootstrap interval over the test images.

    ``correct``: bool per test image (:func:`synquant.evaluate.correct`), at least 2.
    The images are resampled with replacement ``n_resamples`` times
    (``scipy.stats.bootstrap``, seeded with ``seed``, vectorized).
    """
    c = _check_correct(correct, "correct", least=2)
    values = c.astype(np.float64)

    def percent(sample, axis=-1):
        return 100 * np.mean(sample, axis=axis)

    low, high = _interval(
        (values,), percent, n_resamples, seed, confidence, paired=False
    )
    return Interval(float(100 * values.mean()), low, high, float(confidence), "%")


@checks.validate(**_RESAMPLING)
def bootstrap_difference(
    correct_a,
    correct_b,
    n_resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Interval:
    """Accuracy of A minus accuracy of B, in percentage points, with a paired percentile
    bootstrap interval over the test images (each resample draws images, and both
    networks' results on them).

    ``correct_a``, ``correct_b``: bool per test image, same length, at least 2.
    """
    a, b = _check_pair(correct_a, correct_b, least=2)
    a, b = a.astype(np.float64), b.astype(np.float64)

    def points(sample_a, sample_b, axis=-1):
        return 100 * (np.mean(sample_a, axis=axis) - np.mean(sample_b, axis=axis))

    low, high = _interval((a, b), points, n_resamples, seed, confidence, paired=True)
    return Interval(
        float(100 * (a.mean() - b.mean())), low, high, float(confidence), "points"
    )

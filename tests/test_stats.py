"""synquant.stats against cases computed by hand here (math.comb, enumeration)."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synquant import evaluate, stats
from synquant.book import paper


def binomial_two_sided(k: int, n: int) -> float:
    """Exact two-sided binomial p at 1/2, by hand: twice the smaller tail."""
    tail = sum(math.comb(n, i) for i in range(min(k, n - k) + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired(a_only, b_only, both, neither, seed=0):
    """Two bool arrays with the given concordant and discordant counts, shuffled."""
    a = np.array([1] * a_only + [0] * b_only + [1] * both + [0] * neither, bool)
    b = np.array([0] * a_only + [1] * b_only + [1] * both + [0] * neither, bool)
    order = np.random.default_rng(seed).permutation(a.size)
    return a[order], b[order]


# --- McNemar ------------------------------------------------------------------------


def test_mcnemar_104_vs_47_by_hand():
    a, b = paired(104, 47, 8800, 1049)
    result = stats.mcnemar(a, b)
    assert (result.a_only, result.b_only, result.both, result.neither) == (
        104,
        47,
        8800,
        1049,
    )
    assert result.n == 10000 and result.discordant == 151
    assert result.pvalue == pytest.approx(binomial_two_sided(47, 151), rel=1e-9)
    assert result.pvalue < 0.001
    assert result.difference == pytest.approx(100 * (104 - 47) / 10000)
    assert result.text() == "104 vs 47 discordant images, p < 0.001"


def test_mcnemar_even_split_and_swap():
    a, b = paired(111, 110, 9000, 779)
    result = stats.mcnemar(a, b)
    assert result.pvalue == pytest.approx(binomial_two_sided(110, 221), rel=1e-9)
    assert result.pvalue == pytest.approx(1.0)
    assert result.text() == "111 vs 110 discordant images, p = 1.0"
    swapped = stats.mcnemar(b, a)
    assert (swapped.a_only, swapped.b_only) == (110, 111)
    assert swapped.pvalue == pytest.approx(result.pvalue)


def test_mcnemar_72_vs_41():
    a, b = paired(72, 41, 9000, 887)
    result = stats.mcnemar(a, b)
    assert result.pvalue == pytest.approx(binomial_two_sided(41, 113), rel=1e-9)
    assert 0.001 < result.pvalue < 0.01


def test_mcnemar_no_discordant_images():
    a = np.array([True, False, True])
    result = stats.mcnemar(a, a.copy())
    assert (result.a_only, result.b_only, result.pvalue) == (0, 0, 1.0)


def test_mcnemar_accepts_zero_one_integers():
    result = stats.mcnemar([1, 0, 1, 1], [0, 0, 1, 0])
    assert (result.a_only, result.b_only, result.both, result.neither) == (2, 0, 1, 1)
    assert result.pvalue == pytest.approx(binomial_two_sided(0, 2))


@given(st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=60))
@settings(max_examples=60, deadline=None)
def test_mcnemar_counts_add_up(pairs):
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    result = stats.mcnemar(a, b)
    assert result.n == len(pairs)
    assert result.a_only - result.b_only == int(a.sum()) - int(b.sum())
    assert result.pvalue == pytest.approx(
        binomial_two_sided(result.a_only, result.discordant)
    )


@pytest.mark.parametrize(
    "a, b, error, words",
    [
        (
            [True, False],
            [True],
            ValueError,
            "correct_a and correct_b differ in length (2 vs 1)",
        ),
        ([0.5, 1.0], [True, True], ValueError, "correct_a must be booleans"),
        ([True, True], [2, 1], ValueError, "correct_b must be booleans"),
        ([True], ["yes"], TypeError, "correct_b must be booleans"),
        ([], [], ValueError, "correct_a has 0 entries"),
        ([[True, False]], [[True, False]], ValueError, "correct_a must be 1-D"),
        (
            "TTF",
            [True, True, False],
            TypeError,
            "correct_a must be an array of booleans",
        ),
        (None, [True], TypeError, "correct_a must be an array of booleans"),
    ],
)
def test_mcnemar_bad_input(a, b, error, words):
    with pytest.raises(error) as info:
        stats.mcnemar(a, b)
    assert words in str(info.value)


# --- sign test ----------------------------------------------------------------------


def test_sign_test_13_vs_6_with_ties_by_hand():
    differences = [0.3] * 13 + [-0.2] * 6 + [0.0, 0.0]
    result = stats.sign_test(differences)
    assert (result.positive, result.negative, result.ties) == (13, 6, 2)
    assert result.pvalue == pytest.approx(binomial_two_sided(6, 19), rel=1e-9)
    assert 0.1 < result.pvalue < 0.2
    assert result.text() == "13 ahead vs 6 behind, 2 tied, sign test p = 0.17"


def test_sign_test_all_one_way():
    result = stats.sign_test(np.arange(1, 9, dtype=float))
    assert result.pvalue == pytest.approx(2 / 2**8)
    assert result.text().endswith("p = 0.0078") and "tied" not in result.text()


def test_sign_test_tolerance_and_all_ties():
    result = stats.sign_test([0.01, -0.01, 0.5], tolerance=0.02)
    assert (result.positive, result.negative, result.ties) == (1, 0, 2)
    assert result.pvalue == pytest.approx(1.0)
    assert stats.sign_test([0.0, 0.0]).pvalue == 1.0


@pytest.mark.parametrize(
    "values, kwargs, error, words",
    [
        ([], {}, ValueError, "differences has 0 values"),
        ([1.0, np.nan], {}, ValueError, "differences contains NaN"),
        ([True, False], {}, TypeError, "differences must be numbers"),
        (["a"], {}, TypeError, "differences must be numbers"),
        ([[1.0]], {}, ValueError, "differences must be 1-D"),
        (
            [1.0],
            {"tolerance": -1},
            ValueError,
            "tolerance must be a non-negative number",
        ),
    ],
)
def test_sign_test_bad_input(values, kwargs, error, words):
    with pytest.raises(error) as info:
        stats.sign_test(values, **kwargs)
    assert words in str(info.value)


# --- rank correlation ---------------------------------------------------------------


def ranks(values):
    """Average ranks (1-based), by hand."""
    values = list(values)
    order = sorted(range(len(values)), key=values.__getitem__)
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def pearson(u, v):
    mu, mv = sum(u) / len(u), sum(v) / len(v)
    num = sum((a - mu) * (b - mv) for a, b in zip(u, v, strict=True))
    den = math.sqrt(sum((a - mu) ** 2 for a in u) * sum((b - mv) ** 2 for b in v))
    return num / den


def exact_permutation_p(x, y):
    """Two-sided p by enumerating every pairing of y with x."""
    rx, ry = ranks(x), ranks(y)
    observed = abs(pearson(rx, ry))
    perms = list(itertools.permutations(ry))
    hits = sum(abs(pearson(rx, p)) >= observed - 1e-12 for p in perms)
    return hits / len(perms), len(perms)


def test_rank_correlation_n7_exact_by_enumeration():
    x = [3.1, 0.4, 2.2, 5.0, 1.7, 4.4, 6.3]  # like |NL| of seven devices
    y = [2.0, 0.1, 2.5, 4.1, 0.9, 3.0, 5.2]  # like the lead at 5 levels
    rx, ry = ranks(x), ranks(y)
    d2 = sum((a - b) ** 2 for a, b in zip(rx, ry, strict=True))
    rho = 1 - 6 * d2 / (7 * (7**2 - 1))  # Spearman's formula, no ties
    p, count = exact_permutation_p(x, y)
    assert count == 5040
    result = stats.rank_correlation(x, y)
    assert result.exact and result.n == 7
    assert result.rho == pytest.approx(rho)
    assert result.pvalue == pytest.approx(p, abs=1e-12)
    assert (
        result.text()
        == f"Spearman {rho:.2f}, n = 7, exact permutation {stats.format_p(p)}"
    )


def test_rank_correlation_one_swap_n7():
    # one adjacent swap: rho = 1 - 6 * 2 / 336 = 0.964..., the devices chapter's case
    result = stats.rank_correlation(range(7), [0, 2, 1, 3, 4, 5, 6])
    p, _ = exact_permutation_p(range(7), [0, 2, 1, 3, 4, 5, 6])
    assert result.rho == pytest.approx(1 - 12 / 336)
    assert result.pvalue == pytest.approx(p, abs=1e-12)
    assert "p = 0.0028" in result.text()


def test_rank_correlation_with_ties_and_negative():
    x = [1, 2, 2, 3, 5, 8]
    y = [9, 7, 7, 4, 4, 1]
    p, count = exact_permutation_p(x, y)
    result = stats.rank_correlation(x, y)
    assert count == 720
    assert result.rho == pytest.approx(pearson(ranks(x), ranks(y)))
    assert result.rho < 0
    assert result.pvalue == pytest.approx(p, abs=1e-12)


def test_rank_correlation_sampled_above_exact_max(monkeypatch):
    x = [0.3, 1.2, 0.8, 2.5, 1.9, 3.3, 2.8, 0.1]
    y = [1.0, 1.5, 0.2, 2.0, 2.6, 1.8, 3.1, 0.9]
    p, count = exact_permutation_p(x, y)
    assert count == 40320
    assert stats.rank_correlation(x, y).pvalue == pytest.approx(p, abs=1e-12)
    monkeypatch.setattr(stats, "EXACT_MAX", 5)
    sampled = stats.rank_correlation(x, y, n_resamples=20000, seed=1)
    assert not sampled.exact and "exact" not in sampled.text()
    assert sampled.pvalue == pytest.approx(p, abs=0.015)  # about 4 standard errors
    assert stats.rank_correlation(x, y, n_resamples=20000, seed=1) == sampled


@pytest.mark.parametrize(
    "x, y, error, words",
    [
        ([1, 2, 3], [1, 2], ValueError, "x and y differ in length (3 vs 2)"),
        ([1, 2], [1, 2], ValueError, "x has 2 values: need at least 3"),
        ([1, 1, 1], [1, 2, 3], ValueError, "x is constant"),
        ([1, 2, 3], [4, 4, 4], ValueError, "y is constant"),
        ([1, 2, np.inf], [1, 2, 3], ValueError, "x contains NaN or infinite"),
        ([1, 2, 3], ["a", "b", "c"], TypeError, "y must be numbers"),
    ],
)
def test_rank_correlation_bad_input(x, y, error, words):
    with pytest.raises(error) as info:
        stats.rank_correlation(x, y)
    assert words in str(info.value)


# --- bootstrap ----------------------------------------------------------------------


def test_bootstrap_accuracy_matches_binomial_standard_error():
    correct = np.random.default_rng(3).random(10000) < 0.95
    result = stats.bootstrap_accuracy(correct, n_resamples=2000, seed=0)
    p = correct.mean()
    assert result.estimate == pytest.approx(100 * p)
    assert result.unit == "%" and result.confidence == 0.95
    assert result.low < result.estimate < result.high
    half = 1.96 * 100 * math.sqrt(p * (1 - p) / correct.size)  # normal approximation
    assert (result.high - result.low) / 2 == pytest.approx(half, rel=0.15)
    assert result.contains(result.estimate) and not result.contains(result.high + 0.01)
    assert result.text() == (
        f"{100 * p:.2f} % (95 % interval {result.low:.2f} to {result.high:.2f} %)"
    )


def test_bootstrap_is_seeded():
    correct = np.random.default_rng(4).random(2000) < 0.9
    first = stats.bootstrap_accuracy(correct, seed=7)
    assert stats.bootstrap_accuracy(correct, seed=7) == first
    assert stats.bootstrap_accuracy(correct, seed=8) != first
    narrow = stats.bootstrap_accuracy(correct, seed=7, confidence=0.5)
    assert narrow.high - narrow.low < first.high - first.low


def test_bootstrap_difference_is_paired():
    a, b = paired(104, 47, 8800, 1049, seed=5)
    result = stats.bootstrap_difference(a, b, n_resamples=2000, seed=0)
    assert result.estimate == pytest.approx(stats.mcnemar(a, b).difference)
    assert result.unit == "points"
    diff = a.astype(float) - b.astype(float)
    half = 1.96 * 100 * diff.std() / math.sqrt(diff.size)  # paired normal approximation
    assert (result.high - result.low) / 2 == pytest.approx(half, rel=0.15)
    assert result.low > 0  # agrees with McNemar's p < 0.001
    assert result.text().startswith("+0.57 points (95 % interval +")
    # unpaired resampling would be about 3 times wider here: the pairing is used
    assert (result.high - result.low) < 0.5 * 2 * 1.96 * 100 * math.sqrt(
        2 * 0.9 * 0.1 / 10000
    )


def test_bootstrap_difference_of_identical_results_is_zero():
    a = np.random.default_rng(6).random(500) < 0.8
    result = stats.bootstrap_difference(a, a.copy())
    assert (result.estimate, result.low, result.high) == (0.0, 0.0, 0.0)
    assert result.text() == "0.00 points (95 % interval 0.00 to 0.00)"


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: stats.bootstrap_accuracy([True]), ValueError, "correct has 1 entries"),
        (
            lambda: stats.bootstrap_accuracy([0.2, 0.9]),
            ValueError,
            "correct must be booleans",
        ),
        (
            lambda: stats.bootstrap_accuracy([True, False], n_resamples=10),
            ValueError,
            "n_resamples",
        ),
        (
            lambda: stats.bootstrap_accuracy([True, False], seed=-1),
            ValueError,
            "seed must be",
        ),
        (
            lambda: stats.bootstrap_accuracy([True, False], confidence=95),
            ValueError,
            "confidence",
        ),
        (
            lambda: stats.bootstrap_difference([True, False], [True]),
            ValueError,
            "correct_a and correct_b differ in length",
        ),
        (
            lambda: stats.bootstrap_difference([True, False], [1, 3]),
            ValueError,
            "correct_b must be booleans",
        ),
    ],
)
def test_bootstrap_bad_input(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


# --- formatting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "p, text",
    [
        (4e-6, "p < 0.001"),
        (0.0028, "p = 0.0028"),
        (0.00499, "p = 0.005"),
        (0.17, "p = 0.17"),
        (1.0, "p = 1.0"),
        (0.999, "p = 1.0"),
        (0.05, "p = 0.05"),
    ],
)
def test_format_p(p, text):
    assert stats.format_p(p) == text


def test_format_p_rejects_a_non_probability():
    with pytest.raises(ValueError, match="p-value must lie in"):
        stats.format_p(1.5)


def test_results_are_frozen():
    result = stats.sign_test([1.0, -1.0])
    with pytest.raises(AttributeError):
        result.pvalue = 0.0


# --- paired tests over levels -------------------------------------------------------


def test_paired_over_levels_matches_mcnemar_of_each_network():
    from synquant import evaluate, quantize
    from tests.conftest import random_weight_set

    weights = random_weight_set(1)
    rng = np.random.default_rng(2)
    x = rng.random((300, 784)).astype(np.float32)
    y = rng.integers(0, 10, 300)
    result = evaluate.paired_over_levels(
        weights, "proposed", "sampling", [3, 6], "PCMO", x, y
    )
    assert list(result) == [3, 6]
    for k, test in result.items():
        a = evaluate.correct(quantize.network(weights, "proposed", k, "PCMO"), x, y)
        b = evaluate.correct(quantize.network(weights, "sampling", k, "PCMO"), x, y)
        assert test == stats.mcnemar(a, b)
        assert test.accuracy_a == pytest.approx(100 * a.mean())
        assert test.accuracy_b == pytest.approx(100 * b.mean())
    software = evaluate.paired_over_levels(
        weights, "software", "uniform", [4], "PCMO", x, y
    )
    unq = evaluate.correct(weights, x, y)
    uni = evaluate.correct(quantize.network(weights, "uniform", 4, "PCMO"), x, y)
    assert software[4] == stats.mcnemar(unq, uni)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"method_a": "propsed"}, "method_a='propsed' is not a method"),
        ({"method_b": "p"}, "method_b='p' is not a method"),
        ({"levels": []}, "levels is empty"),
        ({"x": np.zeros((2, 784))}, "pass both x and y"),
    ],
)
def test_paired_over_levels_bad_input(kwargs, words):
    from tests.conftest import random_weight_set

    args = {
        "weights": random_weight_set(0),
        "method_a": "proposed",
        "method_b": "sampling",
        "levels": [5],
        **kwargs,
    }
    with pytest.raises(ValueError) as info:
        evaluate.paired_over_levels(**args)
    assert words in str(info.value)


def test_table_rows():
    a, b = paired(104, 47, 8800, 1049)
    c, d = paired(20, 25, 9000, 955)
    header, rows = stats.table(
        {7: stats.mcnemar(a, b), 8: stats.mcnemar(c, d)}, names=("optimal", "proposed")
    )
    assert header[1:3] == ["optimal (%)", "proposed (%)"] and len(header) == len(
        rows[0]
    )
    assert rows[0] == ["7", "89.04", "88.47", "+0.57", "104", "47", "< 0.001"]
    assert rows[1][3] == "-0.05" and rows[1][4:6] == ["20", "25"]
    assert rows[1][6] == stats.format_p(binomial_two_sided(20, 45)).removeprefix("p = ")


def mcnemar_of(a_only, b_only, n=1000):
    a, b = paired(a_only, b_only, n - a_only - b_only, 0)
    return stats.mcnemar(a, b)


def test_over_levels_by_hand():
    counts = {5: (111, 110), 6: (68, 50), 7: (104, 47), 8: (30, 30), 9: (40, 12)}
    comparisons = {k: mcnemar_of(*c) for k, c in counts.items()}
    summary = stats.over_levels(comparisons)
    assert summary.levels == (5, 6, 7, 8, 9)
    assert (summary.sign.positive, summary.sign.negative, summary.sign.ties) == (
        4,
        0,
        1,
    )
    assert summary.sign.pvalue == pytest.approx(binomial_two_sided(0, 4))
    assert summary.significant == (7, 9)  # p by hand below
    assert binomial_two_sided(47, 151) < 0.05 and binomial_two_sided(12, 52) < 0.05
    assert binomial_two_sided(50, 118) > 0.05
    assert summary.bonferroni == tuple(
        k for k, (a, b) in counts.items() if 5 * binomial_two_sided(b, a + b) < 0.05
    )
    assert summary.settled is None  # the last one is significant
    assert summary.strongest == 7
    assert summary.ahead == (7, 9) and summary.behind == ()
    assert summary.worst == 8  # 30 vs 30: the smallest lead
    assert summary.text().endswith("McNemar p < 0.05 at 2 of 5 (levels: 7, 9)")


def test_over_levels_settled():
    comparisons = {
        5: mcnemar_of(60, 20),
        6: mcnemar_of(50, 20),
        7: mcnemar_of(30, 28),
        8: mcnemar_of(10, 12),
    }
    comparisons[6] = mcnemar_of(20, 50)
    summary = stats.over_levels(comparisons)
    assert summary.significant == (5, 6) and summary.settled == 7
    assert summary.ahead == (5,) and summary.behind == (6,) and summary.worst == 6
    calm = stats.over_levels({5: mcnemar_of(10, 12), 6: mcnemar_of(3, 3)})
    assert calm.significant == () and calm.settled == 5
    assert "(levels: none)" in calm.text()


def test_over_levels_bad_input():
    with pytest.raises(ValueError, match="comparisons is empty"):
        stats.over_levels({})
    with pytest.raises(ValueError, match="alpha must be"):
        stats.over_levels({5: mcnemar_of(1, 2)}, alpha=5)


# --- the paper's claims -------------------------------------------------------------


def sweep_rows(software, proposed, sampling, seed=0, recipe="paper"):
    """Rows of a sweep: ``proposed`` and ``sampling`` map levels 5..25 to accuracy."""
    base = {"seed": seed, "recipe": recipe}
    rows = [{**base, "method": "software", "levels": "", "accuracy_pct": software}]
    for method, acc in (("proposed", proposed), ("sampling", sampling)):
        rows += [
            {**base, "method": method, "levels": k, "accuracy_pct": acc(k)}
            for k in range(5, 26)
        ]
    return rows


def claims_of(software, p10, gap5, worst):
    """paper.claims of a sweep with the given software accuracy, proposed at 10
    levels, lead at 5 levels and worst lead (at 25 levels)."""
    from synquant.book import paper

    def proposed(k):
        return {5: 90.0, 10: p10}.get(k, 95.0)

    def sampling(k):
        return {5: 90.0 - gap5, 10: p10 - 1, 25: 95.0 - worst}.get(k, 94.0)

    return sweep_rows(software, proposed, sampling), paper.claims(
        sweep_rows(software, proposed, sampling)
    )


def test_claim_verdicts_over_seeds():
    from synquant.book import paper

    low = paper.tolerances()["gap_5_pct"].low
    rows0, claims0 = claims_of(96.40, 95.80, 10.5, -0.02)
    rows1, _ = claims_of(96.30, 96.20, low + 0.5, -0.09)
    rows2, _ = claims_of(96.45, 96.60, low - 0.5, 0.05)
    for seed, rows in ((1, rows1), (2, rows2)):
        for r in rows:
            r["seed"] = seed
    verdicts = paper.claim_verdicts(rows0, rows0 + rows1 + rows2)
    assert [v.name for v in verdicts] == [c.name for c in claims0]
    gap = verdicts[3]
    assert gap.measured == pytest.approx(10.5) and gap.strict and gap.tolerance
    assert gap.mean == pytest.approx((10.5 + 2 * low) / 3)
    assert gap.sd == pytest.approx(np.std([10.5, low + 0.5, low - 0.5], ddof=1))
    assert (gap.low, gap.high) == pytest.approx((low - 0.5, 10.5))
    assert (gap.seeds, gap.strict_seeds, gap.tolerance_seeds) == (3, 1, 2)
    every = verdicts[4]
    # no tolerance reading: it holds or fails, strictly
    assert not every.strict and not every.tolerance and not every.has_tolerance
    assert every.text() == "does not hold"
    assert (every.strict_seeds, every.tolerance_seeds) == (1, 1)
    assert gap.text() == "holds strictly"
    header, body = paper.verdict_table(verdicts)
    assert header[2] == "seeds (of 3): strictly" and len(body) == 5
    assert body[3][1:] == ["holds strictly", "1", "2"]
    assert body[4][1:] == ["does not hold", "1", "no tolerance"]
    with pytest.raises(ValueError, match="seed_rows is empty"):
        paper.claim_verdicts(rows0, [])


def test_lead_by_recipe():
    rows = sweep_rows(96.0, lambda k: 95.0, lambda k: 90.0 + k / 10, recipe="a")
    rows += sweep_rows(97.0, lambda k: 94.0, lambda k: 93.5, recipe="b")
    assert paper.lead(rows, 5) == pytest.approx({"a": 4.5, "b": 0.5})
    assert paper.lead(rows, 10, by="recipe")["a"] == pytest.approx(4.0)
    with pytest.raises(ValueError, match="lack the proposed or sampling method at 30"):
        paper.lead(rows, 30)
    with pytest.raises(ValueError, match="rows have no column 'batch'"):
        paper.lead(rows, 5, by="batch")


def test_word_follows_the_test():
    strong, weak = mcnemar_of(104, 47), mcnemar_of(111, 110)
    assert stats.word(strong, "resolves", "cannot tell") == "resolves"
    assert stats.word(weak, "resolves", "cannot tell") == "cannot tell"
    assert stats.word(stats.sign_test([1.0] * 6), "yes", "no") == "yes"  # p = 2/64
    assert stats.word(stats.sign_test([1.0] * 6), "yes", "no", alpha=0.01) == "no"
    with pytest.raises(TypeError, match="must be a test result with a pvalue"):
        stats.word(3.0, "a", "b")
    with pytest.raises(ValueError, match="alpha must be"):
        stats.word(strong, "a", "b", alpha=0)


def test_compare_correlations_counts_every_exchange_for_small_samples():
    y = [1, 2, 3, 4, 5, 6, 7]
    a = [1, 2, 3, 4, 5, 6, 7]  # ranks y perfectly
    b = [7, 6, 5, 4, 3, 2, 1]  # ranks y backwards
    result = stats.compare_correlations(a, b, y)
    assert (result.rho_a, result.rho_b, result.n, result.exact) == (1.0, -1.0, 7, True)
    assert result.difference == pytest.approx(2.0)
    # only the two all-or-nothing exchanges (times the tied middle item) reach it
    assert result.pvalue == pytest.approx(4 / 2**7)
    assert "exact paired permutation p = 0.031" in result.text()
    same = stats.compare_correlations(a, a, y)
    assert same.difference == 0 and same.pvalue == 1.0


def test_compare_correlations_is_symmetric_and_samples_large_sets():
    rng = np.random.default_rng(3)
    y = rng.random(20)
    a, b = y + 0.1 * rng.random(20), rng.random(20)
    ab = stats.compare_correlations(a, b, y, n_resamples=2000, seed=1)
    ba = stats.compare_correlations(b, a, y, n_resamples=2000, seed=1)
    assert not ab.exact and ab.difference == pytest.approx(-ba.difference)
    assert ab.pvalue == pytest.approx(ba.pvalue) and ab.pvalue < 0.05


@pytest.mark.parametrize(
    "args, match",
    [
        (([1, 2, 3, 4], [1, 2, 3], [1, 2, 3]), "differ in length"),
        (([1, 1, 1], [1, 2, 3], [1, 2, 3]), "a is constant"),
        (([1, 2], [1, 2], [1, 2]), "at least 3"),
    ],
)
def test_compare_correlations_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        stats.compare_correlations(*args)

"""The paper's claims, their two readings (strict and within the tolerance), the check
and the claims table, on synthetic sweep rows; the paired tests on a synthetic test
set."""

import numpy as np
import pytest

from synquant import evaluate
from synquant.book import paper
from tests.conftest import random_weight_set

R, T = paper.REPORTED, paper.TOLERANCE
LEVELS = range(5, 26)


def sweep_rows(software, proposed, sampling, levels=LEVELS):
    """Rows like evaluate.sweep's; ``proposed``, ``sampling``: levels -> accuracy."""
    rows = [{"method": "software", "levels": "", "accuracy_pct": software}]
    for method, acc in (("sampling", sampling), ("proposed", proposed)):
        rows += [
            {"method": method, "levels": L, "accuracy_pct": acc(L)} for L in levels
        ]
    return rows


def by_name(result):
    return {c.name.split(" (")[0]: c for c in result}


def paper_like(shift_sw=0.0, gap5=None, dip=None):
    """A sweep that matches the paper's figures, then moved as asked."""
    gap5 = R["gap_5_pct"] if gap5 is None else gap5
    sw = R["software_pct"] + shift_sw

    def proposed(L):
        return (
            R["proposed_10_pct"] if L == 10 else R["proposed_10_pct"] + 0.01 * (L - 10)
        )

    def sampling(L):
        if L == 5:
            return proposed(5) - gap5
        if dip is not None and L in dip:
            return proposed(L) + dip[L]  # sampling ahead of proposed by dip[L]
        return proposed(L) - 0.5

    return sweep_rows(sw, proposed, sampling)


def test_every_claim_holds_strictly_on_the_papers_own_figures():
    result = paper.claims(paper_like())
    assert len(result) == 5
    assert all(c.strict and c.holds for c in result)
    assert [row[-1] for row in paper.table(result)] == ["holds"] * len(result)
    assert paper.check(paper_like()) == result


def test_claims_that_hold_only_within_the_tolerance_say_so():
    # software 0.3 below the paper (more than one standard error, less than the
    # tolerance), a lead of 5 points at 5 levels, behind by 0.05 at 22 and 23 levels
    rows = paper_like(shift_sw=-0.3, gap5=5.0, dip={22: 0.05, 23: 0.03})
    c = by_name(paper.claims(rows))
    for name in (
        "software accuracy",
        "proposed ahead at 5 levels",
        "proposed ahead at every level",
    ):
        assert c[name].holds and not c[name].strict, name
        assert c[name].verdict == f"holds within the tolerance ({c[name].criterion})"
    assert c["proposed ahead at every level"].measured == pytest.approx(-0.05)
    assert c["proposed, 10 levels"].strict  # untouched claims still hold strictly
    table = {row[0].split(" (")[0]: row for row in paper.table(list(c.values()))}
    assert table["proposed ahead at every level"][-1].startswith(
        "holds within the tolerance"
    )
    assert table["software accuracy"][-1].startswith("holds within the tolerance")
    assert paper.check(rows)  # the tolerance reading is what check asserts


def test_failing_claims_fail_the_check_and_the_table_says_fails():
    rows = paper_like(gap5=1.0, dip={12: 0.4})
    c = by_name(paper.claims(rows))
    assert not c["proposed ahead at 5 levels"].holds
    assert not c["proposed ahead at 5 levels"].strict
    assert not c["proposed ahead at every level"].holds
    verdicts = {row[0].split(" (")[0]: row[-1] for row in paper.table(list(c.values()))}
    assert verdicts["proposed ahead at 5 levels"].startswith("fails")
    with pytest.raises(AssertionError, match="proposed ahead at 5 levels") as err:
        paper.check(rows)
    assert "proposed ahead at every level" in str(err.value)
    assert "software accuracy" not in str(err.value)


def test_strict_reading_of_about_11_points_is_rounding_to_11():
    for gap, strict in (
        (R["gap_5_pct"] - 0.49, True),
        (R["gap_5_pct"] + 0.6, False),
        (R["gap_5_pct"] - 0.6, False),
    ):
        c = by_name(paper.claims(paper_like(gap5=gap)))["proposed ahead at 5 levels"]
        assert c.strict is strict
        assert c.holds  # far above the tolerance's floor either way


def test_software_strict_reading_follows_the_standard_error():
    se = paper.standard_error(R["software_pct"])
    inside = by_name(paper.claims(paper_like(shift_sw=0.9 * se)))["software accuracy"]
    outside = by_name(paper.claims(paper_like(shift_sw=1.1 * se)))["software accuracy"]
    assert inside.strict and not outside.strict
    assert inside.holds and outside.holds


@pytest.mark.parametrize("drop", ["software", "level 10", "level 5", "sampling"])
def test_missing_rows_are_a_clear_error(drop):
    rows = paper_like()
    if drop == "software":
        rows = [r for r in rows if r["method"] != "software"]
    elif drop == "level 10":
        rows = [r for r in rows if r["levels"] != 10]
    elif drop == "level 5":
        rows = [r for r in rows if r["levels"] != 5]
    else:
        rows = [r for r in rows if r["method"] != "sampling"]
    match = "software row" if drop == "software" else "5 and 10 levels"
    with pytest.raises(ValueError, match=match):
        paper.claims(rows)
    with pytest.raises(ValueError, match=match):
        paper.check(rows)


def test_table_never_prints_negative_zero():
    rows = paper_like(dip={15: 0.001})  # worst difference -0.001
    table = paper.table(paper.claims(rows))
    assert len(table) == 5 and all(len(row) == len(paper.TABLE_HEADER) for row in table)
    assert not any("-0.00" in cell for row in table for cell in row)
    assert paper.table([]) == []


def test_standard_error_is_largest_at_half_and_shrinks_with_more_images():
    assert paper.standard_error(0) == 0 == paper.standard_error(100)
    assert paper.standard_error(30) == pytest.approx(paper.standard_error(70))
    assert (
        paper.standard_error(50) > paper.standard_error(60) > paper.standard_error(90)
    )
    assert paper.standard_error(90, n=400) == pytest.approx(
        2 * paper.standard_error(90, 1600)
    )
    with pytest.raises(ValueError, match="accuracy_pct"):
        paper.standard_error(101)
    with pytest.raises(ValueError, match="n="):
        paper.standard_error(50, n=0)


@pytest.fixture
def synthetic_test_set():
    rng = np.random.default_rng(1)
    x = rng.random((300, 784)).astype(np.float32)
    weights = random_weight_set(2)
    # labels that the unquantized network mostly gets right, so that tests have pairs
    y = np.argmax(evaluate.predict(weights, x), axis=1)
    flip = rng.random(len(y)) < 0.2
    y[flip] = rng.integers(0, 10, flip.sum())
    return weights, x, y


def test_paired_tests_count_the_images_behind_the_sweeps_differences(
    synthetic_test_set,
):
    pytest.importorskip("synquant.stats")
    weights, x, y = synthetic_test_set
    rows = evaluate.sweep(
        weights, range(5, 12), methods=("sampling", "proposed"), x=x, y=y
    )
    tests = paper.paired_tests(weights, rows, x=x, y=y)
    acc = evaluate.lookup(rows)
    low = tests["low"]
    # the discordant counts make up the difference of the two accuracies
    assert 100 * (low.a_only - low.b_only) / len(y) == pytest.approx(
        acc[("proposed", 5)] - acc[("sampling", 5)]
    )
    ten = tests["software_10"]
    assert 100 * (ten.a_only - ten.b_only) / len(y) == pytest.approx(
        acc[("software", None)] - acc[("proposed", 10)]
    )
    diffs = [acc[("proposed", L)] - acc[("sampling", L)] for L in range(5, 12)]
    sign = tests["every_level"]
    assert (sign.positive, sign.negative) == (
        sum(d > 0 for d in diffs),
        sum(d < 0 for d in diffs),
    )
    assert 0 <= low.pvalue <= 1 and 0 <= sign.pvalue <= 1


def test_paired_tests_without_10_levels_and_with_a_level_not_swept(synthetic_test_set):
    pytest.importorskip("synquant.stats")
    weights, x, y = synthetic_test_set
    rows = evaluate.sweep(weights, [5, 6], methods=("sampling", "proposed"), x=x, y=y)
    assert paper.paired_tests(weights, rows, x=x, y=y)["software_10"] is None
    with pytest.raises(ValueError, match="levels_low=7"):
        paper.paired_tests(weights, rows, levels_low=7, x=x, y=y)


def test_leads_and_lead_table_follow_the_rows():
    rows = paper_like(dip={22: 0.05})
    lead = paper.leads(rows)
    assert list(lead) == list(LEVELS)
    assert lead[22] == pytest.approx(-0.05) and lead[5] == pytest.approx(R["gap_5_pct"])
    table = paper.lead_table(rows)
    assert [row[0] for row in table] == [str(L) for L in LEVELS]
    row22 = table[list(LEVELS).index(22)]
    assert row22[3] == "-0.05" and float(row22[2]) - float(row22[1]) == pytest.approx(
        -0.05
    )
    tied = paper.lead_table(sweep_rows(96.0, lambda L: 95.0, lambda L: 95.0 + 1e-9))
    assert all(row[3] == "0.00" for row in tied)
    with pytest.raises(ValueError, match="sampling and proposed"):
        paper.leads([r for r in rows if r["method"] != "sampling"])


@pytest.mark.parametrize("p", [0.0, 0.001, 0.049])
def test_significance_words_below_alpha(p):
    assert paper.significance(p).startswith("a significant difference")


@pytest.mark.parametrize("p", [0.05, 0.17, 1.0])
def test_significance_words_at_or_above_alpha(p):
    assert paper.significance(p).startswith("no significant difference")
    assert paper.significance(p, alpha=0.2).startswith(
        "a significant" if p < 0.2 else "no significant"
    )


def test_significance_refuses_a_value_that_is_no_p_value():
    with pytest.raises(ValueError, match="pvalue"):
        paper.significance(1.5)

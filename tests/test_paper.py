"""The paper's claims, their two readings (strict and within the tolerance interval),
the tolerances and their sources, the check and the claims table, on synthetic sweep
rows; the paired tests on a synthetic test set."""

import json
import math

import numpy as np
import pytest

from synquant import evaluate
from synquant.book import paper, sensitivity
from tests.conftest import random_weight_set

R = paper.REPORTED
T = paper.tolerances()
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
    verdicts = [row[1] for row in paper.table(result)]
    assert verdicts == ["holds"] * 5
    assert paper.check(paper_like()) == result
    assert paper.failing(result) == []


def test_claims_that_hold_only_within_the_tolerance_say_so():
    # software and the lead at 5 levels between one standard error (the strict
    # reading) and the end of the interval; behind by 0.05 at 22 and 23 levels
    sw, gap = T["software_pct"], T["gap_5_pct"]
    shift = -(sw.standard_error + sw.half_width) / 2
    rows = paper_like(
        shift_sw=shift, gap5=gap.figure - gap.half_width / 2, dip={22: 0.05, 23: 0.03}
    )
    c = by_name(paper.claims(rows))
    for name in ("software accuracy", "proposed ahead at 5 levels"):
        assert c[name].holds and not c[name].strict, name
        assert c[name].verdict == f"holds within the tolerance ({c[name].criterion})"
        assert c[name].criterion == f"in {c[name].tolerance.text()}"
    every = c["proposed ahead at every level"]
    assert every.measured == pytest.approx(-0.05)
    assert every.tolerance is None and not every.holds  # holds or fails, no slack
    assert every.verdict == "fails (ahead at 19 of 21 levels)"
    assert c["proposed, 10 levels"].strict  # untouched claims still hold strictly
    table = {row[0].split(" (")[0]: row for row in paper.table(list(c.values()))}
    every_row = table["proposed ahead at every level"]
    assert every_row[1] == "fails"
    assert every_row[3] == "ahead at 19 of 21 levels; smallest lead -0.05 points"
    assert every_row[4] == "ahead at every level: no"
    assert every_row[5] == "none: holds or fails"
    assert table["software accuracy"][1] == "holds within the tolerance"
    assert table["software accuracy"][4].endswith(": no")
    assert table["software accuracy"][5] == f"in {sw.text()}: yes"
    assert table["software accuracy"][3].endswith(" %")
    assert table["10 levels below software"][3].endswith(" points below software")
    assert paper.check(rows)  # only claims with a tolerance are asserted
    assert paper.failing(list(c.values())) == [every.name]


def test_failing_claims_fail_the_check_and_the_table_says_fails():
    gap = T["gap_5_pct"]
    rows = paper_like(gap5=gap.low - 0.5, dip={12: 0.4})
    c = by_name(paper.claims(rows))
    assert not c["proposed ahead at 5 levels"].holds
    assert not c["proposed ahead at 5 levels"].strict
    assert not c["proposed ahead at every level"].holds
    table = {row[0].split(" (")[0]: row for row in paper.table(list(c.values()))}
    assert table["proposed ahead at 5 levels"][1] == "fails"
    assert table["proposed ahead at 5 levels"][5] == f"in {gap.text()}: no"
    assert [
        d.name for d in paper.differing(list(c.values()), paper.claims(paper_like()))
    ] == [
        "proposed ahead at 5 levels",
        c["proposed ahead at every level"].name,
    ]
    assert paper.differing(paper.claims(paper_like()), paper.claims(paper_like())) == []
    with pytest.raises(AssertionError, match="proposed ahead at 5 levels") as err:
        paper.check(rows)
    assert "proposed ahead at every level" not in str(err.value)  # not asserted
    assert "software accuracy" not in str(err.value)


@pytest.mark.parametrize("side", [-1, 1])
def test_about_11_points_is_an_interval_around_11(side):
    gap = T["gap_5_pct"]
    assert gap.low < R["gap_5_pct"] == gap.figure < gap.high
    inside = gap.figure + side * 0.99 * gap.half_width
    outside = gap.figure + side * 1.01 * gap.half_width
    lead = "proposed ahead at 5 levels"
    assert by_name(paper.claims(paper_like(gap5=inside)))[lead].holds
    assert not by_name(paper.claims(paper_like(gap5=outside)))[lead].holds


def test_a_lead_of_45_points_is_not_about_11():
    c = by_name(paper.claims(paper_like(gap5=45.0)))["proposed ahead at 5 levels"]
    assert not c.holds and c.verdict.startswith("fails")


def test_tolerances_come_from_the_standard_error_and_the_held_out_seeds():
    spread = paper.load_spread()
    assert tuple(spread["seeds"]) == paper.TOLERANCE_SEEDS
    assert not set(paper.TOLERANCE_SEEDS) & set(sensitivity.SEEDS)  # held out
    for key, t in T.items():
        s = np.std(spread["values"][key], ddof=1)
        assert t.seed_sd == pytest.approx(s)
        assert t.half_width == pytest.approx(
            paper.Z * math.sqrt(2 * (s**2 + t.standard_error**2))
        )
        assert t.contains(t.figure) and not t.contains(t.high + 1e-9)
        assert f"{t.half_width:.2f}" in t.source() and f"{s:.2f}" in t.source()
    assert T["software_pct"].standard_error == paper.standard_error(R["software_pct"])
    assert T["below_software"].figure == pytest.approx(
        R["software_pct"] - R["proposed_10_pct"]
    )
    assert T["gap_5_pct"].standard_error == pytest.approx(
        math.sqrt(2) * paper.standard_error(50)
    )
    table = paper.tolerance_table()
    assert len(table) == len(T) and all(
        len(r) == len(paper.TOLERANCE_HEADER) for r in table
    )


def test_the_spread_file_refuses_to_be_overwritten_and_says_how(tmp_path):
    path = tmp_path / "spread.json"
    path.write_text("{}")
    with pytest.raises(FileExistsError, match="force"):
        paper.write_spread(path)
    with pytest.raises(ValueError, match="regenerate"):
        paper.load_spread(path)
    with pytest.raises(FileNotFoundError, match="synquant.book.tolerances"):
        paper.load_spread(tmp_path / "none.json")
    path.write_text(json.dumps({"seeds": [1], "values": {}}))
    with pytest.raises(ValueError, match="software_pct"):
        paper.load_spread(path)


@pytest.mark.slow
def test_the_cached_spread_is_what_the_held_out_networks_measure():
    cached = paper.load_spread()
    fresh = paper.seed_spread(cached["seeds"])
    assert fresh["seeds"] == cached["seeds"] and fresh["recipe"] == cached["recipe"]
    for key in paper.MEASURES:
        np.testing.assert_allclose(
            fresh["values"][key], cached["values"][key], atol=1e-6
        )


def test_strict_reading_of_about_11_points_is_rounding_to_11():
    for gap, strict in (
        (R["gap_5_pct"] - 0.49, True),
        (R["gap_5_pct"] + 0.6, False),
        (R["gap_5_pct"] - 0.6, False),
    ):
        c = by_name(paper.claims(paper_like(gap5=gap)))["proposed ahead at 5 levels"]
        assert c.strict is strict
        assert c.holds  # well inside the interval either way


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
    assert paper.significance(p).startswith("a difference not detected with this")
    assert paper.significance(p, alpha=0.2).startswith(
        "a significant" if p < 0.2 else "a difference not detected"
    )


def test_significance_refuses_a_value_that_is_no_p_value():
    with pytest.raises(ValueError, match="pvalue"):
        paper.significance(1.5)


def test_check_held_out_refuses_verdicts_on_the_seeds_that_set_the_intervals():
    paper.check_held_out(sensitivity.SEEDS)  # the book's verdict seeds pass
    with pytest.raises(ValueError, match=r"seeds \[5\] set the tolerances"):
        paper.check_held_out([0, 5])
    with pytest.raises(ValueError, match="recipe 'paper' on PCMO"):
        paper.check_held_out([0], recipe="mse")
    with pytest.raises(ValueError, match="recipe 'paper' on PCMO"):
        paper.check_held_out([0], device="EpiRAM")


def test_the_tolerances_command_refuses_to_overwrite(tmp_path, capsys):
    from synquant.book import tolerances

    path = tmp_path / "spread.json"
    path.write_text("{}")
    assert tolerances.main(["--out", str(path)]) == 1
    assert "--force" in capsys.readouterr().err
    assert path.read_text() == "{}"

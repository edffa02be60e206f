"""The summaries, tables and verdict rules behind the reproduction notes, the devices
and
the non-idealities chapters: on synthetic rows where the answer is known by
construction, and on the cached network where a paired test is involved."""

from types import SimpleNamespace

import numpy as np
import pytest

from synquant import devices, evaluate, quantize
from synquant.book import paper, sensitivity

LEVELS = (5, 10, 25)


GAP = paper.tolerances()["gap_5_pct"]
#: A lead at 5 levels inside the interval around 11 but not 11 strictly, and one below.
INSIDE, OUTSIDE = GAP.figure - GAP.half_width / 2, GAP.low - 1.0


def sweep(software=96.5, p10=95.8, gap5=INSIDE, worst=0.2, **extra):
    """Rows of one synthetic sweep with the given claim values."""
    rows = [{"method": "software", "levels": "", "accuracy_pct": software, **extra}]
    for L in LEVELS:
        proposed = p10 if L == 10 else 94.0 + L / 25
        lead = gap5 if L == 5 else worst if L == 25 else 1.0
        rows.append(
            {"method": "proposed", "levels": L, "accuracy_pct": proposed, **extra}
        )
        rows.append(
            {
                "method": "sampling",
                "levels": L,
                "accuracy_pct": proposed - lead,
                **extra,
            }
        )
    return rows


def test_claims_by_groups_in_order_and_checks_the_column():
    rows = sweep(seed=3) + sweep(gap5=1.0, seed=1)
    claims = sensitivity.claims_by(rows, "seed")
    assert list(claims) == [3, 1]
    assert claims[3]["proposed ahead at 5 levels"].measured == pytest.approx(INSIDE)
    assert claims[1]["proposed ahead at 5 levels"].measured == pytest.approx(1.0)
    with pytest.raises(ValueError, match="column 'recipe'"):
        sensitivity.claims_by(rows, "recipe")
    with pytest.raises(ValueError, match="no rows"):
        sensitivity.claims_by([], "seed")


def test_claim_verdicts_count_strict_and_tolerance_separately():
    # seed 0 meets the gap tolerance, seed 1 not; strict counts follow Claim.strict
    rows = sweep(gap5=INSIDE, seed=0) + sweep(gap5=OUTSIDE, seed=1)
    spread = {v.name: v for v in paper.claim_verdicts(sweep(gap5=INSIDE), rows)}
    gap = spread["proposed ahead at 5 levels"]
    assert (gap.mean, gap.low, gap.high) == pytest.approx(
        ((INSIDE + OUTSIDE) / 2, OUTSIDE, INSIDE)
    )
    assert gap.sd == pytest.approx(np.std([INSIDE, OUTSIDE], ddof=1))
    assert gap.tolerance_seeds == 1 and gap.seeds == 2
    assert gap.measured == pytest.approx(INSIDE) and gap.tolerance
    per_seed = [
        {c.name: c for c in paper.claims(sweep(gap5=g))} for g in (INSIDE, OUTSIDE)
    ]
    for name, v in spread.items():
        assert v.strict_seeds == sum(bool(p[name].strict) for p in per_seed)
        assert v.tolerance_seeds == sum(bool(p[name].holds) for p in per_seed)


def test_spread_table_never_prints_negative_zero():
    rows = sweep(worst=-0.001, seed=0) + sweep(worst=-0.002, seed=1)
    table = sensitivity.spread_table(paper.claim_verdicts(sweep(worst=-0.001), rows))
    assert len(table) == len(paper.claims(sweep())) and all(len(r) == 6 for r in table)
    assert not any("-0.00" in cell for row in table for cell in map(str, row))


@pytest.mark.parametrize(
    "meet, seeds, failing, strict, expected",
    [
        (5, 5, [], 5, "robust"),
        (5, 5, [], None, "robust"),
        (5, 5, [], 0, "robust within the tolerance"),
        (5, 5, ["mapping: reference"], 5, "holds under the default reading"),
        (3, 5, [], 0, "holds for most seeds"),
        (2, 4, [], 0, "fragile"),
        (1, 5, ["x"], 0, "fragile"),
        (0, 5, [], 0, "not reproduced"),
    ],
)
def test_verdict_rules(meet, seeds, failing, strict, expected):
    assert paper.verdict(meet, seeds, failing, strict) == expected


@pytest.mark.parametrize(
    "meet, seeds, strict", [(6, 5, 0), (-1, 5, 0), (1, 0, 0), (5, 5, 6)]
)
def test_verdict_rejects_impossible_counts(meet, seeds, strict):
    with pytest.raises(ValueError, match="meet"):
        paper.verdict(meet, seeds, (), strict)


def test_verdict_and_option_tables_name_the_failing_readings():
    seeds = sweep(seed=0) + sweep(seed=1)
    options = (
        sweep(changed="none")
        + sweep(gap5=-2.0, changed="mapping")
        + sweep(changed="bias")
    )
    option_claims = sensitivity.claims_by(options, "changed")
    header, body = paper.verdict_table(
        paper.claim_verdicts(sweep(), seeds), option_claims
    )
    assert header == [
        "claim",
        "verdict",
        "this network",
        "seeds (of 2): strictly",
        "within the tolerance",
        "fails under",
    ]
    table = {r[0]: r for r in body}
    gap = table["proposed ahead at 5 levels"]
    claim = {c.name: c for c in paper.claims(sweep())}["proposed ahead at 5 levels"]
    assert gap[1] == "holds under the default reading"
    assert gap[2] == (
        "holds strictly" if claim.strict else "holds within the tolerance only"
    )
    assert gap[3:5] == ["0", "2"]
    assert gap[5] == "mapping: reference"
    assert table["software accuracy"][5] == "none"
    assert len(paper.verdict_table(paper.claim_verdicts(sweep(), seeds))[0]) == 4
    rows = sensitivity.option_table(option_claims)
    assert [r[0] for r in rows] == [
        "default reading",
        "mapping: reference",
        "bias: crossbar",
    ]
    assert rows[1][4] == "no (-2.00)" and rows[0][4] == f"yes ({INSIDE:.2f})"


def test_reading_title():
    assert paper.reading_title("none") == "default reading"
    for name, choices in quantize.OPTIONS.items():
        assert paper.reading_title(name) == f"{name}: {choices[1]}"
    with pytest.raises(ValueError, match="unknown reading 'colour'"):
        paper.reading_title("colour")


def test_recipe_table_and_batch_accuracy():
    rows = (
        sweep(software=96.5, recipe="paper")
        + sweep(software=98.1, recipe="batch-100")
        + sweep(software=90.0, recipe="mse")
        + sweep(software=95.0, recipe="batch-60000")
    )
    table = sensitivity.recipe_table(rows)
    assert [r[0] for r in table] == ["paper", "batch-100", "mse", "batch-60000"]
    assert [r[1] for r in table] == [
        "(the book's recipe)",
        "batch 100",
        "mse loss",
        "batch 60,000",
    ]
    assert table[0][2] == "96.50" and table[0][4] == f"+{INSIDE:.1f}"
    assert all(len(r) == len(sensitivity.RECIPE_HEADER) for r in table)
    # mse differs in its loss, not its batch: left out
    assert sensitivity.batch_accuracy(rows) == {100: 98.1, 20000: 96.5, 60000: 95.0}


def test_standard_error_is_binomial():
    assert paper.standard_error(50.0, 100) == pytest.approx(5.0)
    assert paper.standard_error(90.0, 10000) == pytest.approx(0.3)
    assert paper.standard_error(100.0, 10) == 0.0
    for bad in ((101.0, 10), (50.0, 0), (50.0, 2.5)):
        with pytest.raises(ValueError, match="accuracy in"):
            paper.standard_error(*bad)


def test_paired_test_counts_match_the_accuracies(trained, mnist):
    weights, _ = trained
    test = sensitivity.paired_test(weights, 5, "PCMO")
    a = evaluate.accuracy(quantize.network(weights, "proposed", 5, "PCMO"))
    b = evaluate.accuracy(quantize.network(weights, "sampling", 5, "PCMO"))
    n = len(mnist[1][1])
    assert (test.a_only - test.b_only) / n == pytest.approx(a - b, abs=1e-12)
    assert 0 <= test.pvalue <= 1


def test_worst_level_tests_pick_the_smallest_lead(trained, mnist):
    rows = sensitivity.over_seeds([0], levels=(5, 12, 20))
    (worst,) = sensitivity.worst_level_tests(rows)
    acc = evaluate.lookup(rows)
    leads = {L: acc[("proposed", L)] - acc[("sampling", L)] for L in (5, 12, 20)}
    assert worst["levels"] == min(leads, key=leads.get)
    assert worst["difference"] == pytest.approx(min(leads.values()))
    n = len(mnist[1][1])
    assert 100 * (worst["test"].a_only - worst["test"].b_only) / n == pytest.approx(
        worst["difference"], abs=1e-9
    )


def test_device_table():
    (row,) = sensitivity.device_table(["PCMO"])
    d = devices.get("PCMO")
    assert row[0] == "PCMO" and row[1] == d.states
    assert row[2] == f"{d.nl_increase:g} / {d.nl_decrease:g}"
    assert row[5] == f"{100 * d.sigma:.1f} %"


def test_device_summary_leads_and_material():
    rows = sweep(gap5=6.0, worst=0.5, device="PCMO") + sweep(
        gap5=0.01, worst=-0.01, device="EpiRAM"
    )
    tests = {
        "PCMO": SimpleNamespace(a_only=700, b_only=100, pvalue=1e-9),
        "EpiRAM": SimpleNamespace(a_only=3, b_only=2, pvalue=1.0),
    }
    summary = sensitivity.device_summary(rows, ["PCMO", "EpiRAM"], "depression", tests)
    pcmo, epi = summary
    assert pcmo["nl"] == devices.get("PCMO").nl_decrease
    assert pcmo["lead_first"] == pytest.approx(6.0)
    assert pcmo["mean_lead"] == pytest.approx((6.0 + 1.0 + 0.5) / 3)
    assert pcmo["material"] is True and epi["material"] is False
    assert pcmo["proposed_10"] == 95.8 and pcmo["software"] == 96.5
    table = sensitivity.device_summary_table(summary)
    assert [r[0] for r in table] == ["PCMO", "EpiRAM"]
    assert table[1][4] == "3 vs 2, p = 1.0"
    assert (pcmo["sign"].positive, pcmo["sign"].negative) == (3, 0)
    assert (epi["sign"].positive, epi["sign"].negative) == (2, 1)
    assert table[0][6] == f"3 / 0, p = {pcmo['sign'].pvalue:.2g}"  # 0.25
    assert table[0][4] == "700 vs 100, p < 0.001"  # never "p = 0"
    assert not any("-0.00" in str(cell) for row in table for cell in row)
    with pytest.raises(ValueError, match="no rows of device 'GST PCM'"):
        sensitivity.device_summary(rows, ["GST PCM"])


def test_device_tests_and_over_devices_on_the_cached_network(trained, mnist):
    weights, _ = trained
    rows = sensitivity.over_devices(weights, ["EpiRAM"], levels=(5, 6))
    assert {r["device"] for r in rows} == {"EpiRAM"}
    tests = sensitivity.device_tests(weights, ["EpiRAM"], levels=5)
    acc = evaluate.lookup(rows)
    n = len(mnist[1][1])
    diff = 100 * (tests["EpiRAM"].a_only - tests["EpiRAM"].b_only) / n
    assert diff == pytest.approx(acc[("proposed", 5)] - acc[("sampling", 5)], abs=1e-9)


def test_interval_without_noise_is_the_ideal_accuracy(trained, mnist):
    weights, _ = trained
    _, (x, y) = mnist
    x, y = x[:500], y[:500]
    ideal = 100 * evaluate.accuracy(
        quantize.network(weights, "proposed", 10, "PCMO"), x, y
    )
    assert sensitivity.interval(
        weights, "proposed", 10, "PCMO", trials=3, sigma=0.0, x=x, y=y
    ) == pytest.approx((ideal, ideal, ideal))
    mean, low, high = sensitivity.interval(
        weights, "proposed", 10, "PCMO", trials=4, sigma=0.05, x=x, y=y
    )
    assert low < mean < high


def test_write_noise_rows_and_by_device(trained, mnist):
    weights, _ = trained
    _, (x, y) = mnist
    x, y = x[:300], y[:300]
    rows = sensitivity.write_noise_rows(
        weights, "PCMO", levels=(5, 10), trials=2, x=x, y=y
    )
    assert [(r["method"], r["levels"]) for r in rows] == [
        ("software", None),
        ("sampling", 5),
        ("sampling", 10),
        ("proposed", 5),
        ("proposed", 10),
    ]
    assert sensitivity.pick(rows, method="proposed", levels=10)[
        "ideal"
    ] == pytest.approx(
        100 * evaluate.accuracy(quantize.network(weights, "proposed", 10, "PCMO"), x, y)
    )
    per_device = sensitivity.write_noise_by_device(
        weights, ["PCMO", "EpiRAM"], 10, trials=2, x=x, y=y
    )
    for r in per_device:
        d = devices.get(r["device"])
        assert r["pulse_noise"] == pytest.approx(100 * d.sigma * np.sqrt(d.states - 1))
        assert r["loss"] == pytest.approx(r["ideal"] - r["mean"])
    table = sensitivity.write_noise_table(per_device)
    assert [r[0] for r in table] == ["PCMO", "EpiRAM"] and len(table[0]) == 8


def test_effect_rows_each_effect_alone(trained, mnist):
    weights, _ = trained
    _, (x, y) = mnist
    x, y = x[:300], y[:300]
    rows = sensitivity.effect_rows(
        weights,
        {"read": ("read_sigma", [0.0, 0.05])},
        "PCMO",
        10,
        methods=("proposed",),
        trials=2,
        x=x,
        y=y,
    )
    assert [(r["effect"], r["value"]) for r in rows] == [("read", 0.0), ("read", 0.05)]
    ideal = 100 * evaluate.accuracy(
        quantize.network(weights, "proposed", 10, "PCMO"), x, y
    )
    assert rows[0]["mean"] == pytest.approx(ideal)  # size 0 and write noise off: ideal
    with pytest.raises(ValueError, match="unknown effect 'glitter'"):
        sensitivity.effect_rows(weights, {"x": ("glitter", [0.1])}, trials=2, x=x, y=y)


def test_pick():
    rows = [{"a": 1, "b": 2}, {"a": 1, "b": 3}]
    assert sensitivity.pick(rows, b=3) == {"a": 1, "b": 3}
    with pytest.raises(ValueError, match="2 rows match"):
        sensitivity.pick(rows, a=1)
    with pytest.raises(ValueError, match="0 rows match"):
        sensitivity.pick(rows, a=2)


def test_within_paper():
    t = paper.tolerances()["software_pct"]
    r, w = t.figure, t.half_width
    acc = {100: r + w + 0.01, 1000: r + w - 1e-9, 20000: r, 60000: r - w - 0.5}
    assert sensitivity.within_paper(acc) == [1000, 20000]


def test_fewest_levels():
    rows = sweep(
        device="A"
    )  # proposed 94.2 at 5, 95.8 at 10, 95.0 at 25; software 96.5
    rows += sweep(software=99.0, device="B")
    assert sensitivity.fewest_levels(rows, within=1.0) == {"A": 10, "B": None}
    assert sensitivity.fewest_levels(rows, within=2.5) == {"A": 5, "B": None}
    assert sensitivity.fewest_levels(rows, within=0.3, method="sampling") == {
        "A": None,
        "B": None,
    }

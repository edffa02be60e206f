"""What the paper reports, and the checks that a run reproduces it.

The paper's figures are data here, so that the book glues them like any other number.
:func:`claims` compares a sweep (tidy rows of :func:`synquant.evaluate.sweep`)
with them, each claim read two ways: *strictly*, as the paper's words say, and within
a *tolerance*: an interval around the paper's figure (:func:`tolerances`), derived from
two stated sources, the binomial standard error of a 10,000-image accuracy and the
spread of the claim over training seeds that no verdict uses (:data:`TOLERANCE_SEEDS`,
measured by :func:`seed_spread` and cached in :data:`SPREAD_FILE`). "Ahead at every
level" has no tolerance reading: it holds or fails. :func:`check` raises AssertionError,
printing rounded values, when a claim with a tolerance falls outside it; :func:`table`
lays the verdicts out for a chapter, :func:`tolerance_table` the intervals and their
sources. :func:`paired_tests` backs the comparisons with paired tests on the same test
images (:mod:`synquant.stats`).

Regenerate the cached spread with ``python -m synquant.book.tolerances --force``
(``make tolerances``), after ``make weights`` has the held-out seeds' networks.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import checks, devices, evaluate, model, quantize, stats
from ..files import ROOT, atomic_write, check_writable
from .format import fixed, markdown, markdown_table

__all__ = [
    "COVERAGE",
    "ClaimVerdict",
    "LEAD_HEADER",
    "REPORTED",
    "TABLE_ALIGN",
    "TABLE_HEADER",
    "SPREAD_FILE",
    "TEST_IMAGES",
    "TOLERANCE_HEADER",
    "TOLERANCE_SEEDS",
    "Z",
    "Claim",
    "Tolerance",
    "check",
    "check_held_out",
    "claim_verdicts",
    "claims",
    "differences",
    "differing",
    "failing",
    "lead",
    "lead_table",
    "leads",
    "paired_tests",
    "reading_title",
    "load_spread",
    "measures",
    "seed_spread",
    "significance",
    "standard_error",
    "table",
    "tolerance_table",
    "tolerances",
    "write_spread",
    "verdict",
    "verdict_table",
]

#: Figures stated in the paper's text (accuracies in percent on the MNIST test set).
REPORTED = {
    "software_pct": 96.47,
    "proposed_10_pct": 95.75,
    "gap_5_pct": 11.0,  # "about 11 %": proposed minus sampling at 5 levels
    "levels_min": 5,
    "levels_max": 25,
    "reference_states": 50,
    "learning_rate": 0.5,
    "epochs": 200,
    "hidden": 128,
}

#: Images in the MNIST test set, on which every accuracy of the paper is measured.
TEST_IMAGES = 10_000


def standard_error(accuracy_pct: float, n: int = TEST_IMAGES) -> float:
    """Binomial standard error (points) of an accuracy (%) measured on ``n`` test
    images."""
    if not 0 <= accuracy_pct <= 100 or int(n) != n or n < 1:
        raise ValueError(
            f"accuracy_pct={accuracy_pct!r}, n={n!r}: need an accuracy in [0, 100] "
            "(percent) and a whole number n >= 1 of test images"
        )
    p = accuracy_pct / 100
    return 100 * math.sqrt(p * (1 - p) / n)


#: Training seeds of the paper's recipe that set the tolerances: held out, so that no
#: verdict of the book (seeds 0 to 4) is judged by an interval it helped to set.
TOLERANCE_SEEDS = (5, 6, 7, 8, 9)

#: Standard deviations on each side of a tolerance (about 95 % of a normal
#: difference).
Z = 2.0
#: The probability that a normal difference lies within :data:`Z` standard deviations.
COVERAGE = math.erf(Z / math.sqrt(2))

#: The held-out seeds' measured claims, cached (``python -m synquant.book.tolerances``).
SPREAD_FILE = ROOT / "data" / "results" / "tolerance-seeds.json"
#: The same file inside an installed package (package data of ``synquant._data``).
PACKAGED_SPREAD_FILE = (
    Path(__file__).resolve().parent.parent / "_data" / "results" / SPREAD_FILE.name
)
#: The command that writes :data:`SPREAD_FILE`.
SPREAD_COMMAND = "python -m synquant.book.tolerances --force"

#: What :func:`measures` reads from a sweep, with the paper's figure for each.
MEASURES = {
    "software_pct": "software accuracy (%)",
    "proposed_10_pct": "proposed method at 10 levels (%)",
    "below_software": "software minus proposed at 10 levels (points)",
    "gap_5_pct": "proposed minus sampling at 5 levels (points)",
}


@dataclass(frozen=True)
class Tolerance:
    """An interval around one of the paper's figures: ``figure`` ± ``half_width``.

    A reproduction and the paper are two independent runs of one recipe, each off the
    recipe's mean by the spread between training seeds (``seed_sd``, measured on
    ``seeds``) and by the sampling error of a 10,000-image test set
    (``standard_error``, binomial; ``se_source`` says which). Their difference then has
    the standard deviation √(2 (seed_sd² + standard_error²)), and the interval is
    :data:`Z` of those on each side of the paper's figure. Units: those of the figure
    (percent or points).
    """

    figure: float
    standard_error: float
    seed_sd: float
    seeds: tuple[int, ...]
    se_source: str

    @property
    def half_width(self) -> float:
        return Z * math.sqrt(2 * (self.seed_sd**2 + self.standard_error**2))

    @property
    def low(self) -> float:
        return self.figure - self.half_width

    @property
    def high(self) -> float:
        return self.figure + self.half_width

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high

    def text(self) -> str:
        """The interval, for a table: "95.84 to 96.66"."""
        return f"{fixed(self.low)} to {fixed(self.high)}"

    def source(self) -> str:
        """Where the interval comes from, in words, with its numbers."""
        first, last = self.seeds[0], self.seeds[-1]
        return (
            f"{self.figure:g} ± {Z:g} √(2 (s² + SE²)) = ± {self.half_width:.2f}: "
            f"seed spread s = {self.seed_sd:.2f} over the held-out seeds "
            f"{first} to {last}, SE = {self.standard_error:.2f} ({self.se_source})"
        )


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: what it says, what this run measured, whether it holds.

    ``strict``: the verdict under the strict reading of the paper's words
    (``strict_criterion``). ``tolerance``: the interval around the paper's figure
    (None for "ahead at every level", which has no tolerance reading); ``holds``: the
    claim meets the strict reading or lies in the interval. ``ahead`` and ``compared``:
    for "ahead at every level", the numbers of levels ahead and compared.
    """

    name: str
    paper: str
    measured: float
    strict: bool
    strict_criterion: str
    reported: float | None = None  # the paper's number, where it gives or implies one
    tolerance: Tolerance | None = None
    ahead: int | None = None
    compared: int | None = None
    unit: str = "%"  # what the measured number is: "%" or words after "points"

    @property
    def holds(self) -> bool:
        inside = self.tolerance is not None and self.tolerance.contains(self.measured)
        return bool(self.strict or inside)

    @property
    def criterion(self) -> str:
        """The tolerance reading in words ("in 94.84 to 96.66", or that there is
        none)."""
        if self.tolerance is None:
            return "no tolerance: holds or fails"
        return f"in {self.tolerance.text()}"

    @property
    def difference(self) -> float | None:
        """This run minus the paper, in points (None where the paper gives none)."""
        return None if self.reported is None else self.measured - self.reported

    @property
    def value_text(self) -> str:
        """This run's value for a table, with what it is: "96.38 %", "0.31 points below
        software", "ahead at 18 of 21 levels; smallest lead -0.03 points"."""
        if self.ahead is not None:
            return (
                f"ahead at {self.ahead} of {self.compared} levels; smallest lead "
                f"{stats.signed(self.measured)} points"
            )
        if self.unit == "%":
            return f"{fixed(self.measured)} %"
        return f"{fixed(self.measured)} points {self.unit}".rstrip()

    @property
    def outcome(self) -> str:
        """The verdict alone: "holds", "holds within the tolerance" or "fails"."""
        if self.strict:
            return "holds"
        return "holds within the tolerance" if self.holds else "fails"

    @property
    def verdict(self) -> str:
        """Verdict: "holds" (strictly), "holds within the tolerance (in ...)",
        "fails (...)"."""
        if self.ahead is not None:
            where = f"ahead at {self.ahead} of {self.compared} levels"
            return f"holds ({where})" if self.strict else f"fails ({where})"
        if self.strict:
            return "holds"
        if self.holds:
            return f"holds within the tolerance ({self.criterion})"
        return f"fails (outside {self.tolerance.text()})"


def measures(rows: list[dict]) -> dict[str, float]:
    """The quantities of :data:`MEASURES` in one sweep covering 5 and 10 levels with
    both methods: accuracies in percent, differences in points."""
    acc = _by(rows)
    _compared_levels(acc)
    sw, p10 = acc[("software", None)], acc[("proposed", 10)]
    return {
        "software_pct": sw,
        "proposed_10_pct": p10,
        "below_software": sw - p10,
        "gap_5_pct": acc[("proposed", 5)] - acc[("sampling", 5)],
    }


def seed_spread(seeds=TOLERANCE_SEEDS, recipe: str = "paper", device="PCMO") -> dict:
    """The claims of :data:`MEASURES` on each of ``seeds`` (cached networks of
    ``recipe``, never trained here): ``{"recipe", "device", "seeds", "values":
    {measure: [value per seed]}, "command"}``."""
    seeds = [checks.seed(k) for k in seeds]
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds={seeds!r}: need at least 2 distinct seeds")
    device = devices.get(device)
    values = {key: [] for key in MEASURES}
    for seed in seeds:
        weights, _ = model.resolve_weights("", recipe, seed)
        rows = evaluate.sweep(weights, (5, 10), ("sampling", "proposed"), device)
        for key, value in measures(rows).items():
            values[key].append(round(float(value), 6))
    return {
        "recipe": model.get_recipe(recipe).tag,
        "device": device.name,
        "seeds": seeds,
        "values": values,
        "command": SPREAD_COMMAND,
    }


def write_spread(path: Path | str = SPREAD_FILE, force: bool = False, **kw) -> Path:
    """Measure :func:`seed_spread` (``kw``: its arguments) and write it to ``path``
    as JSON; an existing file is kept unless ``force``."""
    path = Path(path)
    check_writable(path, force=force)
    spread = seed_spread(**kw)
    text = json.dumps(spread, indent=1, sort_keys=True) + "\n"
    return atomic_write(path, lambda f: f.write(text.encode()))


def load_spread(path: Path | str | None = None) -> dict:
    """The cached :func:`seed_spread` (:data:`SPREAD_FILE`, else the packaged copy)."""
    candidates = [Path(path)] if path else [SPREAD_FILE, PACKAGED_SPREAD_FILE]
    for candidate in candidates:
        if candidate.is_file():
            spread = json.loads(candidate.read_text())
            missing = [k for k in MEASURES if k not in spread.get("values", {})]
            if missing or len(spread.get("seeds", [])) < 2:
                raise ValueError(
                    f"{candidate} lacks {', '.join(missing) or 'seeds'}: regenerate "
                    f"it with `{SPREAD_COMMAND}`"
                )
            return spread
    raise FileNotFoundError(
        f"no seed spread at {candidates[0]}: write it with `{SPREAD_COMMAND}` (after "
        "`make weights`)"
    )


@functools.cache
def tolerances() -> dict[str, Tolerance]:
    """The tolerance of each claim with a figure, keyed as :data:`MEASURES`.

    Sources of the standard error: the binomial standard error of the paper's own
    accuracy on 10,000 images (software, 10 levels); the two combined for their
    difference; for the lead at 5 levels, where the paper states no accuracy, the
    largest standard error of a difference of two 10,000-image accuracies (both at
    50 %). The seed spread: the sample standard deviation over :func:`load_spread`'s
    seeds."""
    spread = load_spread()
    seeds = tuple(spread["seeds"])
    sd = {k: float(np.std(spread["values"][k], ddof=1)) for k in MEASURES}
    r = REPORTED
    se_sw = standard_error(r["software_pct"])
    se_p10 = standard_error(r["proposed_10_pct"])
    return {
        "software_pct": Tolerance(
            r["software_pct"],
            se_sw,
            sd["software_pct"],
            seeds,
            f"binomial, of {r['software_pct']:.2f} % on {TEST_IMAGES:,} images",
        ),
        "proposed_10_pct": Tolerance(
            r["proposed_10_pct"],
            se_p10,
            sd["proposed_10_pct"],
            seeds,
            f"binomial, of {r['proposed_10_pct']:.2f} % on {TEST_IMAGES:,} images",
        ),
        "below_software": Tolerance(
            round(r["software_pct"] - r["proposed_10_pct"], 6),
            math.hypot(se_sw, se_p10),
            sd["below_software"],
            seeds,
            "the two binomial standard errors above, combined",
        ),
        "gap_5_pct": Tolerance(
            r["gap_5_pct"],
            math.sqrt(2) * standard_error(50),
            sd["gap_5_pct"],
            seeds,
            "largest binomial error of a difference of two accuracies, at 50 %: the "
            "paper gives no accuracy at 5 levels",
        ),
    }


#: Column headers of :func:`tolerance_table`.
TOLERANCE_HEADER = [
    "claim",
    "paper",
    "standard error",
    "seed spread",
    "tolerance",
    "source",
]


def tolerance_table() -> list[list[str]]:
    """Rows of strings under :data:`TOLERANCE_HEADER`: each tolerance with its
    interval and its sources."""
    names = {
        "software_pct": "software accuracy",
        "proposed_10_pct": "proposed, 10 levels",
        "below_software": "10 levels below software",
        "gap_5_pct": "proposed ahead at 5 levels",
    }
    return [
        [
            names[key],
            f"{t.figure:g}",
            f"{t.standard_error:.2f}",
            f"{t.seed_sd:.2f}",
            t.text(),
            t.source(),
        ]
        for key, t in tolerances().items()
    ]


def _by(rows: list[dict]) -> dict:
    table = evaluate.lookup(rows)
    if ("software", None) not in table:
        raise ValueError("rows lack the software row: pass the rows of evaluate.sweep")
    return table


def _compared_levels(acc: dict) -> list[int]:
    levels = sorted(L for m, L in acc if m == "proposed" and ("sampling", L) in acc)
    if 5 not in levels or 10 not in levels:
        raise ValueError(
            "the sweep must cover 5 and 10 levels with both the sampling and proposed "
            "methods (levels_min <= 5 and levels_max >= 10)"
        )
    return levels


def leads(rows: list[dict]) -> dict[int, float]:
    """Proposed minus sampling accuracy (points) by number of levels, at every number of
    levels that ``rows`` (one sweep) cover with both methods, in increasing order."""
    acc = evaluate.lookup(rows)
    levels = sorted(L for m, L in acc if m == "proposed" and ("sampling", L) in acc)
    if not levels:
        raise ValueError(
            "rows lack the sampling and proposed methods at a common level: "
            "sweep with methods=('sampling', 'proposed')"
        )
    return {L: acc[("proposed", L)] - acc[("sampling", L)] for L in levels}


#: Column headers of :func:`lead_table`.
LEAD_HEADER = [
    "levels",
    "sampling (%)",
    "proposed (%)",
    "proposed \u2212 sampling (points)",
]


def lead_table(rows: list[dict]) -> list[list[str]]:
    """Rows of strings under :data:`LEAD_HEADER`: both methods' accuracy and the lead at
    each number of levels of one sweep (the table beside Figure 2)."""
    acc = evaluate.lookup(rows)
    return [
        [
            str(L),
            fixed(acc[("sampling", L)]),
            fixed(acc[("proposed", L)]),
            stats.signed(lead),
        ]
        for L, lead in leads(rows).items()
    ]


@checks.validate(pvalue=checks.Number(least=0, most=1), alpha=checks.Fraction())
def significance(pvalue: float, alpha: float = 0.05) -> str:
    """Words for a paired test's p-value: "a significant difference (p < alpha)" or
    "a difference not detected with this test set (p >= alpha)"."""
    if pvalue < alpha:
        return f"a significant difference (p < {alpha:g})"
    return f"a difference not detected with this test set (p ≥ {alpha:g})"


def claims(rows: list[dict]) -> list[Claim]:
    """The paper's claims checked against one sweep of the sampling and proposed
    methods.

    Strict readings: a reported accuracy is matched within one binomial standard error
    of the paper's figure on 10,000 images; "less than 1 %" below software is less than
    1 point; "about 11 %" rounds to 11 points (10.5 to 11.5); "more accurate at every
    level" is a lead above zero at every level. The tolerances are :func:`tolerances`;
    "ahead at every level" has none.
    """
    acc = _by(rows)
    levels = _compared_levels(acc)
    m = measures(rows)
    lead = leads(rows)
    worst = min(lead.values())
    t, r = tolerances(), REPORTED
    se_sw, se_p10 = (
        t["software_pct"].standard_error,
        t["proposed_10_pct"].standard_error,
    )
    gap_paper = r["gap_5_pct"]
    return [
        Claim(
            "software accuracy",
            f"{r['software_pct']:.2f} %",
            m["software_pct"],
            abs(m["software_pct"] - r["software_pct"]) <= se_sw,
            f"within 1 standard error ({se_sw:.2f} points)",
            r["software_pct"],
            t["software_pct"],
        ),
        Claim(
            "proposed, 10 levels",
            f"{r['proposed_10_pct']:.2f} %",
            m["proposed_10_pct"],
            abs(m["proposed_10_pct"] - r["proposed_10_pct"]) <= se_p10,
            f"within 1 standard error ({se_p10:.2f} points)",
            r["proposed_10_pct"],
            t["proposed_10_pct"],
        ),
        Claim(
            "10 levels below software",
            "less than 1 point",
            m["below_software"],
            m["below_software"] < 1.0,
            "less than 1 point",
            t["below_software"].figure,  # implied by the paper's two figures
            t["below_software"],
            unit="below software",
        ),
        Claim(
            "proposed ahead at 5 levels",
            f"about {gap_paper:.0f} points",
            m["gap_5_pct"],
            gap_paper - 0.5 <= m["gap_5_pct"] < gap_paper + 0.5,
            f"rounds to {gap_paper:.0f} points",
            gap_paper,
            t["gap_5_pct"],
            unit="ahead of the sampling method",
        ),
        Claim(
            f"proposed ahead at every level ({levels[0]}-{levels[-1]})",
            "at every level",
            worst,
            worst > 0,
            "ahead at every level",
            ahead=sum(v > 0 for v in lead.values()),
            compared=len(lead),
            unit="",
        ),
    ]


def check(rows: list[dict]) -> list[Claim]:
    """Raise AssertionError, listing each failing claim with rounded values, unless
    every claim with a tolerance lies within it (strict readings, and "ahead at every
    level", which has no tolerance, are reported, not asserted).
    """
    result = claims(rows)
    failed = [c for c in result if c.tolerance is not None and not c.holds]
    if failed:
        lines = [
            f"  {c.name}: measured {c.measured:.2f}, paper {c.paper}, "
            f"needs {c.criterion}"
            for c in failed
        ]
        raise AssertionError(
            "the run does not reproduce the paper:\n" + "\n".join(lines)
        )
    return result


def check_held_out(seeds, recipe: str = "paper", device="PCMO") -> None:
    """What the derivation of the tolerances requires of a verdict, raised as
    ValueError: its ``seeds`` are not among the held-out seeds that set the intervals
    (:func:`load_spread`), and those seeds ran the same ``recipe`` on the same
    ``device``."""
    spread = load_spread()
    shared = sorted(set(seeds) & set(spread["seeds"]))
    if shared:
        raise ValueError(
            f"seeds {shared} set the tolerances (held out: {spread['seeds']}); a "
            "verdict on them would be judged by an interval they helped to set: use "
            "other seeds"
        )
    asked = (model.get_recipe(recipe).tag, devices.get(device).name)
    if asked != (spread["recipe"], spread["device"]):
        raise ValueError(
            f"the tolerances were measured with recipe {spread['recipe']!r} on "
            f"{spread['device']}, not {asked[0]!r} on {asked[1]}: re-measure them "
            f"(`{SPREAD_COMMAND}`)"
        )


def failing(result: list[Claim]) -> list[str]:
    """Names of the claims of ``result`` that fail (neither strictly nor within their
    tolerance)."""
    return [c.name for c in result if not c.holds]


#: Column headers of :func:`table`: the verdict second, so that a narrow screen shows it
#: beside the claim.
TABLE_HEADER = [
    "claim",
    "verdict",
    "paper",
    "this book",
    "criterion (strict)",
    "criterion (tolerance)",
]
#: Column alignment of :func:`table` for ``format.markdown_table``: all text.
TABLE_ALIGN = "l" * len(TABLE_HEADER)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def table(result: list[Claim]) -> list[list[str]]:
    """Rows of strings, one per claim, under :data:`TABLE_HEADER`: the claim, its
    verdict (:attr:`Claim.outcome`), the paper's words, this run's value with what it
    is, and each reading's criterion with whether this run meets it.
    """
    return [
        [
            c.name,
            c.outcome,
            c.paper,
            c.value_text,
            f"{c.strict_criterion}: {_yes(c.strict)}",
            "none: holds or fails"
            if c.tolerance is None
            else f"{c.criterion}: {_yes(c.tolerance.contains(c.measured))}",
        ]
        for c in result
    ]


def differing(result: list[Claim], reference: list[Claim]) -> list[Claim]:
    """The claims of ``result`` whose :attr:`Claim.outcome` differs from the claim of
    the same name in ``reference`` (the book's network, as the results chapter shows
    it): what another table needs to show beside a link to that one."""
    before = {c.name: c.outcome for c in reference}
    return [c for c in result if before.get(c.name) != c.outcome]


def differences(result: list[Claim], reference: list[Claim]):
    """For a notebook's output: the rows of :func:`table` whose verdict differs from
    ``reference`` (:func:`differing`), or a sentence saying that none does."""
    rows = differing(result, reference)
    if not rows:
        return markdown("No claim's verdict differs from the book's network.")
    return markdown_table(TABLE_HEADER, table(rows), TABLE_ALIGN)


def paired_tests(
    weights: dict,
    rows: list[dict],
    device="PCMO",
    levels_low: int = 5,
    x=None,
    y=None,
    **options,
) -> dict:
    """Paired tests behind the results chapter's comparisons (:mod:`synquant.stats`).

    ``rows``: the sweep of ``weights`` (sampling and proposed methods); ``options``: the
    readings it was run with. Returns a dict with

    * ``"low"``: McNemar test of the proposed method (a) against the sampling method (b)
      at ``levels_low`` levels, on the same test images;
    * ``"every_level"``: sign test of the proposed-minus-sampling differences over
      every number of levels in ``rows``;
    * ``"software_10"``: McNemar test of the unquantized network (a) against the
      proposed method (b) at 10 levels, or None when ``rows`` lack 10 levels.

    ``x``, ``y``: test images and labels (default: the MNIST test set).
    """
    device = devices.get(device)
    _by(rows)  # the software row is needed below
    lead = leads(rows)
    levels = list(lead)
    if levels_low not in levels:
        raise ValueError(
            f"levels_low={levels_low!r} is not among the swept levels {levels}: "
            "pass one of them"
        )

    def test(a, b, L):
        return evaluate.paired_over_levels(weights, a, b, [L], device, x, y, **options)[
            L
        ]

    return {
        "low": test("proposed", "sampling", levels_low),
        "every_level": stats.sign_test(list(lead.values())),
        "software_10": test("software", "proposed", 10) if 10 in levels else None,
    }


# --- the claims over seeds: strict reading, tolerance ---------------------------


@dataclass(frozen=True)
class ClaimVerdict:
    """One claim of the paper for one network and over seeds.

    ``measured``, ``strict`` and ``tolerance``: this network's value and whether it
    meets the strict reading (:attr:`Claim.strict`) and holds within the tolerance
    (:attr:`Claim.holds`, the interval of :func:`tolerances`). ``mean``, ``sd``,
    ``low``, ``high``: the value over ``seeds`` training seeds; ``strict_seeds`` and
    ``tolerance_seeds``: how many of them meet each reading. ``has_tolerance``: False
    for a claim with no tolerance reading ("ahead at every level"); ``value_text``:
    this network's value for a table.
    """

    name: str
    paper: str
    measured: float
    strict: bool
    strict_criterion: str
    tolerance: bool
    criterion: str
    mean: float
    sd: float
    low: float
    high: float
    seeds: int
    strict_seeds: int
    tolerance_seeds: int
    has_tolerance: bool = True
    value_text: str = ""

    def text(self) -> str:
        if self.strict:
            return "holds strictly"
        if self.tolerance and self.has_tolerance:
            return "holds within the tolerance only"
        return "does not hold"


def claim_verdicts(rows: list[dict], seed_rows: list[dict]) -> list[ClaimVerdict]:
    """Each of the paper's claims (``paper.claims``) for one network's sweep ``rows``,
    under the strict reading and the book's tolerance, and over the seeds of
    ``seed_rows`` (sweeps with a ``seed`` column, as ``sensitivity.over_seeds`` gives).
    """
    if not seed_rows:
        raise ValueError("seed_rows is empty: pass the sweeps of at least one seed")
    here = claims(rows)
    seeds = sorted({r["seed"] for r in seed_rows})
    per_seed = [claims([r for r in seed_rows if r["seed"] == s]) for s in seeds]
    out = []
    for i, claim in enumerate(here):
        values = np.array([claims[i].measured for claims in per_seed])
        holds, words = claim.strict, claim.strict_criterion
        out.append(
            ClaimVerdict(
                claim.name,
                claim.paper,
                float(claim.measured),
                bool(holds),
                words,
                bool(claim.holds),
                claim.criterion,
                float(values.mean()),
                float(values.std(ddof=1)) if values.size > 1 else 0.0,
                float(values.min()),
                float(values.max()),
                len(seeds),
                sum(claims[i].strict for claims in per_seed),
                sum(bool(claims[i].holds) for claims in per_seed),
                claim.tolerance is not None,
                claim.value_text,
            )
        )
    return out


def verdict_table(
    verdicts: list[ClaimVerdict], option_claims: dict | None = None
) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of strings, one row per claim of :func:`claim_verdicts`: the
    claim, this network's verdict, and the seeds meeting it strictly and within the
    tolerance (the paper's figures, the values and the criteria are in :func:`table`).

    With ``option_claims`` (``{reading: {claim name: Claim}}``, the claims under each
    reading of the method, ``"none"`` the default), two more columns: the
    :func:`verdict` that sums the claim up (second) and the readings under which the
    claim fails within the tolerance (last).
    """
    n = verdicts[0].seeds if verdicts else 0
    header = [
        "claim",
        "this network",
        f"seeds (of {n}): strictly",
        "within the tolerance",
    ]
    rows = []
    for v in verdicts:
        row = [
            v.name,
            v.text(),
            str(v.strict_seeds),
            str(v.tolerance_seeds) if v.has_tolerance else "no tolerance",
        ]
        if option_claims is not None:
            broken = [
                reading_title(k)
                for k, claims_k in option_claims.items()
                if k != "none" and not claims_k[v.name].holds
            ]
            # the verdict beside the claim, where a narrow screen still shows it
            row.insert(1, verdict(v.tolerance_seeds, v.seeds, broken, v.strict_seeds))
            row.append(", ".join(broken) or "none")
        rows.append(row)
    if option_claims is not None:
        header.insert(1, "verdict")
        header.append("fails under")
    return header, rows


def verdict(
    meet: int, seeds: int, failing: list[str] | tuple = (), strict: int | None = None
) -> str:
    """The rule that sums a claim up over seeds and readings.

    ``meet``: seeds (of ``seeds``) meeting the book's tolerance; ``failing``: readings
    of
    the method under which it fails; ``strict``: seeds meeting the paper's words
    strictly (None: not known).

    * "robust": every seed, every reading, and strictly in every seed;
    * "robust within the tolerance": the same, but not strictly in every seed;
    * "holds under the default reading": every seed, but some reading breaks it;
    * "holds for most seeds" / "fragile": more / at most half of the seeds;
    * "not reproduced": no seed.
    """
    if (
        seeds < 1
        or not 0 <= meet <= seeds
        or (strict is not None and not 0 <= strict <= seeds)
    ):
        raise ValueError(
            f"need 0 <= meet, strict <= seeds and seeds >= 1, got meet={meet}, "
            f"strict={strict}, seeds={seeds}"
        )
    if meet == seeds and not failing:
        return (
            "robust"
            if strict is None or strict == seeds
            else "robust within the tolerance"
        )
    if meet == seeds:
        return "holds under the default reading"
    if meet > 0:
        return "holds for most seeds" if 2 * meet > seeds else "fragile"
    return "not reproduced"


def reading_title(changed: str) -> str:
    """A short title for a reading of :func:`over_options` ("none" is the default)."""
    if changed == "none":
        return "default reading"
    if changed not in quantize.OPTIONS:
        raise ValueError(
            f"unknown reading {changed!r}: use 'none' or one of "
            f"{', '.join(quantize.OPTIONS)}"
        )
    return f"{changed}: {quantize.OPTIONS[changed][1]}"


def lead(rows: list[dict], levels: int = 5, by: str = "recipe") -> dict:
    """The proposed method's lead over the sampling method (points, :func:`leads`) at
    ``levels``, for each value of the column ``by`` (for instance, each recipe)."""
    if not rows:
        raise ValueError("rows is empty: pass the rows of a sweep")
    if by not in rows[0]:
        raise ValueError(f"rows have no column {by!r}: use one of {', '.join(rows[0])}")
    out = {}
    for value in dict.fromkeys(r[by] for r in rows):
        per_level = leads([r for r in rows if r[by] == value])
        if levels not in per_level:
            raise ValueError(
                f"rows with {by}={value!r} lack the proposed or sampling "
                f"method at {levels} levels"
            )
        out[value] = per_level[levels]
    return out

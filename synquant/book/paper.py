"""What the paper reports, and the checks that a run reproduces it.

The paper's figures are data here, so that the book glues them like any other number.
:func:`claims` compares a sweep (tidy rows of :func:`synquant.evaluate.sweep`)
with them, each claim read two ways: *strictly*, as the paper's words say, and within
this book's *tolerance* (:data:`TOLERANCE`). :func:`check` raises AssertionError,
printing rounded values, when a claim fails even within the tolerance; :func:`table`
lays the verdicts out for a chapter. :func:`paired_tests` backs the comparisons with
paired tests on the same test images (:mod:`synquant.stats`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import checks, devices, evaluate, quantize, stats
from .format import fixed

__all__ = [
    "ClaimVerdict",
    "LEAD_HEADER",
    "REPORTED",
    "TABLE_HEADER",
    "TEST_IMAGES",
    "TOLERANCE",
    "Claim",
    "check",
    "claim_verdicts",
    "claims",
    "lead",
    "lead_table",
    "leads",
    "paired_tests",
    "reading_title",
    "significance",
    "standard_error",
    "table",
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

#: How close a reproduction must come (percentage points).
TOLERANCE = {
    "software_pct": 0.5,  # |software - 96.47|
    "proposed_10_pct": 0.75,  # |proposed at 10 levels - 95.75|
    "within_software": 1.0,  # proposed at 10 levels less than this below software
    "gap_5_min": 3.0,  # the paper's 11 swings widely from seed to seed
    "ahead_slack": 0.15,  # proposed >= sampling - this, at every level
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


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: what it says, what this run measured, whether it holds.

    ``holds`` is the verdict within this book's tolerance (``criterion``); ``strict`` is
    the verdict under the strict reading of the paper's words (``strict_criterion``).
    """

    name: str
    paper: str
    measured: float
    criterion: str
    holds: bool
    reported: float | None = None  # the paper's number, where it gives or implies one
    strict: bool = False
    strict_criterion: str = ""

    @property
    def difference(self) -> float | None:
        """This run minus the paper, in points (None where the paper gives none)."""
        return None if self.reported is None else self.measured - self.reported

    @property
    def verdict(self) -> str:
        """Verdict: "holds" (strictly), "holds within the tolerance (...)", "fails"."""
        if self.strict:
            return "holds"
        if self.holds:
            return f"holds within the tolerance ({self.criterion})"
        return f"fails (needs {self.criterion})"


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
    "no significant difference (p >= alpha)"."""
    if pvalue < alpha:
        return f"a significant difference (p < {alpha:g})"
    return f"no significant difference (p ≥ {alpha:g})"


def claims(rows: list[dict]) -> list[Claim]:
    """The paper's claims checked against one sweep of the sampling and proposed
    methods.

    Strict readings: a reported accuracy is matched within one standard error of a
    10,000-image accuracy; "less than 1 %" below software is less than 1 point; "about
    11 %" rounds to 11 points; "more accurate at every level" is a lead above zero at
    every level. The tolerances are :data:`TOLERANCE`.
    """
    acc = _by(rows)
    levels = _compared_levels(acc)
    sw, p10 = acc[("software", None)], acc[("proposed", 10)]
    gap5 = acc[("proposed", 5)] - acc[("sampling", 5)]
    worst = min(leads(rows).values())
    t, r = TOLERANCE, REPORTED
    se_sw, se_p10 = standard_error(sw), standard_error(p10)
    gap_paper = r["gap_5_pct"]
    return [
        Claim(
            "software accuracy",
            f"{r['software_pct']:.2f} %",
            sw,
            f"within {t['software_pct']} points",
            abs(sw - r["software_pct"]) <= t["software_pct"],
            r["software_pct"],
            strict=abs(sw - r["software_pct"]) <= se_sw,
            strict_criterion=f"within 1 standard error ({se_sw:.2f} points)",
        ),
        Claim(
            "proposed, 10 levels",
            f"{r['proposed_10_pct']:.2f} %",
            p10,
            f"within {t['proposed_10_pct']} points",
            abs(p10 - r["proposed_10_pct"]) <= t["proposed_10_pct"],
            r["proposed_10_pct"],
            strict=abs(p10 - r["proposed_10_pct"]) <= se_p10,
            strict_criterion=f"within 1 standard error ({se_p10:.2f} points)",
        ),
        Claim(
            "10 levels below software",
            "less than 1 point",
            sw - p10,
            f"less than {t['within_software']:g} point",
            sw - p10 < t["within_software"],
            r["software_pct"]
            - r["proposed_10_pct"],  # implied by the paper's two figures
            strict=sw - p10 < 1.0,
            strict_criterion="less than 1 point",
        ),
        Claim(
            "proposed ahead at 5 levels",
            f"about {gap_paper:.0f} points",
            gap5,
            f"at least {t['gap_5_min']:g} points",
            gap5 >= t["gap_5_min"],
            gap_paper,
            strict=gap_paper - 0.5 <= gap5 < gap_paper + 0.5,
            strict_criterion=f"rounds to {gap_paper:.0f} points",
        ),
        Claim(
            f"proposed ahead at every level ({levels[0]}-{levels[-1]})",
            "at every level",
            worst,
            f"worst difference at least -{t['ahead_slack']} points",
            worst >= -t["ahead_slack"],
            strict=worst > 0,
            strict_criterion="ahead at every level (worst difference above 0)",
        ),
    ]


def check(rows: list[dict]) -> list[Claim]:
    """Raise AssertionError, listing each failing claim with rounded values, unless
    every claim holds within the tolerance (strict readings are reported, not asserted).
    """
    result = claims(rows)
    failed = [c for c in result if not c.holds]
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


#: Column headers of :func:`table`.
TABLE_HEADER = [
    "claim",
    "paper",
    "this book",
    "difference (points)",
    "strict reading",
    "verdict",
]


def table(result: list[Claim]) -> list[list[str]]:
    """Rows of strings, one per claim, under :data:`TABLE_HEADER`: the claim, the
    paper's words, this run's value, the difference to the paper, the strict reading and
    the verdict ("holds", "holds within the tolerance (...)", "fails (needs ...)").
    """
    return [
        [
            c.name,
            c.paper,
            fixed(c.measured),
            "" if c.difference is None else stats.signed(c.difference),
            c.strict_criterion,
            c.verdict,
        ]
        for c in result
    ]


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
    meets the strict reading (:attr:`Claim.strict`) and the book's tolerance
    (:data:`TOLERANCE`). ``mean``, ``sd``, ``low``, ``high``: the value over
    ``seeds`` training seeds; ``strict_seeds`` and ``tolerance_seeds``: how many of
    them meet each reading.
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

    def text(self) -> str:
        if self.strict:
            return "holds strictly"
        return "holds within the tolerance only" if self.tolerance else "does not hold"


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
            )
        )
    return out


def verdict_table(
    verdicts: list[ClaimVerdict], option_claims: dict | None = None
) -> tuple[list[str], list[list[str]]]:
    """``(header, rows)`` of strings, one row per claim of :func:`claim_verdicts`: the
    claim, the paper's words, this network's value, the strict reading and the
    tolerance with this network's verdict, and the claim over the seeds.

    With ``option_claims`` (``{reading: {claim name: Claim}}``, the claims under each
    reading of the method, ``"none"`` the default), two more columns: the readings
    under which the claim fails within the tolerance, and the :func:`verdict` that sums
    the claim up.
    """
    n = verdicts[0].seeds if verdicts else 0
    header = [
        "claim",
        "paper",
        "this network",
        "strict reading",
        "book's tolerance",
        f"over {n} seeds",
    ]

    def yes(flag):
        return "yes" if flag else "no"

    rows = []
    for v in verdicts:
        row = [
            v.name,
            v.paper,
            fixed(v.measured),
            f"{v.strict_criterion}: {yes(v.strict)}",
            f"{v.criterion}: {yes(v.tolerance)}",
            f"{fixed(v.mean)} ± {fixed(v.sd)} ({fixed(v.low)} to {fixed(v.high)}); "
            f"strict {v.strict_seeds}/{v.seeds}, "
            f"tolerance {v.tolerance_seeds}/{v.seeds}",
        ]
        if option_claims is not None:
            failing = [
                reading_title(k)
                for k, claims_k in option_claims.items()
                if k != "none" and not claims_k[v.name].holds
            ]
            row += [
                ", ".join(failing) or "none",
                verdict(v.tolerance_seeds, v.seeds, failing, v.strict_seeds),
            ]
        rows.append(row)
    if option_claims is not None:
        header += ["fails under", "verdict"]
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

"""What the paper reports, and the checks that a run reproduces it.

The paper's figures are data here, so that the book glues them like any other number.
:func:`claims` compares a sweep (tidy rows of :func:`synquant.evaluate.sweep`) with them,
each claim with its tolerance; :func:`check` raises AssertionError, printing rounded
values, when one fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import evaluate

__all__ = ["REPORTED", "TOLERANCE", "Claim", "claims", "check", "table"]

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


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: what it says, what this run measured, and whether it holds."""

    name: str
    paper: str
    measured: float
    criterion: str
    holds: bool
    reported: float | None = None  # the paper's number, where it gives or implies one

    @property
    def difference(self) -> float | None:
        """This run minus the paper, in points (None where the paper gives no number)."""
        return None if self.reported is None else self.measured - self.reported


def _by(rows: list[dict]) -> dict:
    table = evaluate.lookup(rows)
    if ("software", None) not in table:
        raise ValueError("rows lack the software row: pass the rows of evaluate.sweep")
    return table


def claims(rows: list[dict]) -> list[Claim]:
    """The paper's claims checked against one sweep of the sampling and proposed methods."""
    acc = _by(rows)
    levels = sorted(L for m, L in acc if m == "proposed" and (("sampling", L) in acc))
    if 5 not in levels or 10 not in levels:
        raise ValueError("the sweep must cover 5 and 10 levels with both the sampling and proposed methods")
    sw, p10 = acc[("software", None)], acc[("proposed", 10)]
    gap5 = acc[("proposed", 5)] - acc[("sampling", 5)]
    worst = min(acc[("proposed", L)] - acc[("sampling", L)] for L in levels)
    t, r = TOLERANCE, REPORTED
    return [
        Claim("software accuracy", f"{r['software_pct']:.2f} %", sw,
              f"within {t['software_pct']} points", abs(sw - r["software_pct"]) <= t["software_pct"],
              r["software_pct"]),
        Claim("proposed, 10 levels", f"{r['proposed_10_pct']:.2f} %", p10,
              f"within {t['proposed_10_pct']} points", abs(p10 - r["proposed_10_pct"]) <= t["proposed_10_pct"],
              r["proposed_10_pct"]),
        Claim("10 levels below software", "less than 1 point", sw - p10,
              f"less than {t['within_software']} point", sw - p10 < t["within_software"],
              r["software_pct"] - r["proposed_10_pct"]),  # implied by the paper's two figures
        Claim("proposed ahead at 5 levels", f"about {r['gap_5_pct']:.0f} points", gap5,
              f"at least {t['gap_5_min']} points", gap5 >= t["gap_5_min"], r["gap_5_pct"]),
        Claim(f"proposed ahead at every level ({levels[0]}-{levels[-1]})", "at every level", worst,
              f"worst difference at least -{t['ahead_slack']} points", worst >= -t["ahead_slack"]),
    ]


def check(rows: list[dict]) -> list[Claim]:
    """Raise AssertionError, listing every claim with rounded values, unless all hold."""
    result = claims(rows)
    failed = [c for c in result if not c.holds]
    if failed:
        lines = [f"  {c.name}: measured {c.measured:.2f}, paper {c.paper}, needs {c.criterion}" for c in failed]
        raise AssertionError("the run does not reproduce the paper:\n" + "\n".join(lines))
    return result


def table(result: list[Claim]) -> list[list[str]]:
    """Rows of strings (claim, paper, this book, difference, criterion, holds) for a results table."""
    return [[c.name, c.paper, f"{c.measured:.2f}", "" if c.difference is None else f"{c.difference:+.2f}",
             c.criterion, "yes" if c.holds else "no"] for c in result]

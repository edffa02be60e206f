"""Plots that several chapters share. Each takes tidy rows or arrays and an optional axes."""

from __future__ import annotations

import numpy as np

from . import paper

__all__ = ["accuracy_vs_levels", "levels_axis", "markdown_table", "COLORS", "LABELS"]

COLORS = {"software": "0.3", "sampling": "#d95f02", "proposed": "#1b9e77", "uniform": "#7570b3", "optimal": "#e7298a"}
LABELS = {"software": "software (unquantized)", "sampling": "sampling method", "proposed": "proposed method",
          "uniform": "uniform only (ideal device)", "optimal": "optimal device levels"}


def _axes(ax, size=(6.4, 4.0)):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
    return ax.figure, ax


def levels_axis(ax) -> None:
    """Label the x axis as the number of levels, with whole-number ticks."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("number of levels L")


def accuracy_vs_levels(rows: list[dict], ax=None, methods=("sampling", "proposed"), reported: bool = True,
                       spread: bool = True, ylim=None):
    """Accuracy (%) against number of levels, one line per method; returns the figure.

    ``rows`` may hold several seeds or trials: the line is their mean and, with ``spread``,
    a band of one standard deviation. The software accuracy is a horizontal line; with
    ``reported`` the paper's own figures are marked.
    """
    fig, ax = _axes(ax)
    for method in methods:
        levels = sorted({r["levels"] for r in rows if r["method"] == method})
        if not levels:
            continue
        acc = [np.array([r["accuracy_pct"] for r in rows if r["method"] == method and r["levels"] == L]) for L in levels]
        mean = np.array([a.mean() for a in acc])
        ax.plot(levels, mean, "o-", ms=3.5, color=COLORS[method], label=LABELS[method])
        if spread and max(len(a) for a in acc) > 1:
            sd = np.array([a.std(ddof=1) if len(a) > 1 else 0 for a in acc])
            ax.fill_between(levels, mean - sd, mean + sd, color=COLORS[method], alpha=0.2, lw=0)
    software = [r["accuracy_pct"] for r in rows if r["method"] == "software"]
    if software:
        ax.axhline(np.mean(software), color=COLORS["software"], ls="--", lw=1, label=LABELS["software"])
    if reported:
        r = paper.REPORTED
        ax.axhline(r["software_pct"], color="k", ls=":", lw=1, label=f"paper: software {r['software_pct']} %")
        ax.plot([10], [r["proposed_10_pct"]], "k*", ms=10, label=f"paper: proposed at 10 levels, {r['proposed_10_pct']} %")
    levels_axis(ax)
    ax.set_ylabel("MNIST test accuracy (%)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def markdown_table(header: list[str], rows: list[list], align: str | None = None):
    """A table for a notebook's output (IPython Markdown); ``align`` like "lrr", one letter a column."""
    from IPython.display import Markdown

    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else ":---:" if a == "c" else ":---" for a in align]
    lines = ["| " + " | ".join(map(str, header)) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return Markdown("\n".join(lines))

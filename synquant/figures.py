"""Every figure of the book, as functions that return a matplotlib figure.

Each takes tidy rows or arrays (and, for one panel, an optional axes). Figures are made
at :data:`DPI` dots per inch, at most :data:`MAX_WIDTH` inches wide (the page's text
column), with no text smaller than :data:`FONT_MIN` points, so that they read at the size
the page shows them; :func:`check_readable` says where a figure falls short.
"""

from __future__ import annotations

import numpy as np

from . import paper

__all__ = ["accuracy_vs_levels", "levels_axis", "markdown_table", "new", "check_readable", "COLORS", "LABELS",
           "STYLE", "DPI", "MAX_WIDTH", "FONT_MIN"]

#: Resolution of the figures' images (dots per inch).
DPI = 150
#: Widest figure (inches): the book's text column, about 730 px on the page.
MAX_WIDTH = 7.2
#: Smallest text (points): at MAX_WIDTH and DPI, about 14 px on the page, the size of the
#: book's smallest body text.
FONT_MIN = 10
#: Matplotlib settings of every figure of the book (applied by :func:`new`).
STYLE = {
    "figure.dpi": DPI, "savefig.dpi": DPI, "font.size": 11, "axes.titlesize": 11, "axes.labelsize": 11,
    "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10, "figure.titlesize": 12,
}


def new(nrows: int = 1, ncols: int = 1, width: float = 6.4, height: float = 4.0, **kwargs):
    """``(fig, axes)`` of the book's style: ``plt.subplots`` at ``width`` x ``height`` inches."""
    import matplotlib
    import matplotlib.pyplot as plt

    if width > MAX_WIDTH:
        raise ValueError(f"width={width} in: figures are at most {MAX_WIDTH} in wide (the page's text column)")
    matplotlib.rcParams.update(STYLE)
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, figsize=(width, height), dpi=DPI, **kwargs)


def check_readable(fig) -> list[str]:
    """What keeps ``fig`` from reading on the page: too wide, too coarse, or text smaller
    than :data:`FONT_MIN` points; an empty list when nothing does."""
    problems = []
    width = fig.get_figwidth()
    if width > MAX_WIDTH + 1e-9:
        problems.append(f"{width:.1f} in wide (at most {MAX_WIDTH})")
    if fig.dpi < DPI:
        problems.append(f"{fig.dpi:.0f} dpi (at least {DPI})")
    fig.canvas.draw()  # creates the tick labels
    for text in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text")):
        if text.get_visible() and text.get_text().strip() and text.get_fontsize() < FONT_MIN - 1e-9:
            problems.append(f"text {text.get_text()!r} at {text.get_fontsize():.1f} pt (at least {FONT_MIN})")
    return problems

COLORS = {"software": "0.3", "sampling": "#d95f02", "proposed": "#1b9e77", "uniform": "#7570b3", "optimal": "#e7298a"}
LABELS = {"software": "software (unquantized)", "sampling": "sampling method", "proposed": "proposed method",
          "uniform": "uniform only (ideal device)", "optimal": "optimal device levels"}


def _axes(ax, size=(6.4, 4.0)):
    if ax is None:
        fig, ax = new(width=size[0], height=size[1])
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
    ax.legend(loc="lower right")
    return fig


def markdown_table(header: list[str], rows: list[list], align: str | None = None):
    """A table for a notebook's output (IPython Markdown); ``align`` like "lrr", one letter a column."""
    from IPython.display import Markdown

    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else ":---:" if a == "c" else ":---" for a in align]
    lines = ["| " + " | ".join(map(str, header)) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return Markdown("\n".join(lines))


# --- your device ---

BRANCH_COLORS = {"potentiation": "#1b9e77", "depression": "#d95f02"}


def device_fit(result, width: float = 7.2, height: float = 5.0):
    """A fitted device's data and model: per branch (columns), the measured conductance
    against pulse number with the fitted curve (top) and the residuals (bottom).

    ``result``: a :class:`synquant.fit.DeviceFit`. Conductances in nS.
    """
    branches = list(result.branches.items())
    fig, axes = new(2, len(branches), width=width, height=height, sharex="col",
                    gridspec_kw={"height_ratios": [2, 1]}, squeeze=False)
    for col, (name, b) in enumerate(branches):
        top, bottom = axes[0, col], axes[1, col]
        pulse, g = b.data.pulse, b.data.conductance
        color = BRANCH_COLORS[name]
        top.plot(pulse, 1e9 * g, ".", ms=2.5, color=color, alpha=0.45, label="data")
        grid = np.linspace(pulse.min(), pulse.max(), 300)
        top.plot(grid, 1e9 * b.predict(grid), "k-", lw=1.5, label=f"fit, NL = {b.nl:.2f}")
        top.set_title(f"{name} ({b.data.cycles} cycles)")
        top.set_ylabel("conductance (nS)")
        top.legend(loc="lower right" if b.orientation == "rising" else "upper right")
        top.grid(alpha=0.3)
        bottom.plot(pulse, 1e9 * b.residuals(), ".", ms=2.5, color=color, alpha=0.45)
        bottom.axhline(0, color="k", lw=1)
        bottom.set_xlabel("pulse number")
        bottom.set_ylabel("residual (nS)")
        bottom.grid(alpha=0.3)
    return fig


def nl_bootstrap(result, truth: dict | None = None, width: float = 7.2, height: float = 3.0):
    """The bootstrap distribution of each branch's NL, with the estimate, its interval and,
    where given (``truth``: ``{branch: NL}``, e.g. for synthetic data), the true value."""
    branches = [(k, b) for k, b in result.branches.items() if "nl" in b.samples]
    if not branches:
        raise ValueError("no bootstrap samples: fit with bootstrap > 0")
    fig, axes = new(1, len(branches), width=width, height=height, squeeze=False)
    for ax, (name, b) in zip(axes[0], branches):
        ax.hist(b.samples["nl"], bins=30, color=BRANCH_COLORS[name], alpha=0.6)
        low, high = b.intervals["nl"]
        ax.axvspan(low, high, color="0.5", alpha=0.15, label=f"{round(100 * b.confidence)} % interval")
        ax.axvline(b.nl, color="k", lw=1.5, label=f"estimate {b.nl:.2f}")
        if truth and name in truth:
            ax.axvline(truth[name], color="k", ls="--", lw=1.5, label=f"true {truth[name]:.2f}")
        ax.set_xlabel(f"NL ({name})")
        ax.set_ylabel("resamples")
        ax.legend(loc="upper left", fontsize=FONT_MIN)
    return fig


def accuracy_over_nl(rows: list[dict], estimate: float | None = None, ax=None):
    """Accuracy (%) against the potentiation NL for each method and number of levels
    (rows of :func:`synquant.fit.accuracy_band`), over the fitted NL's interval; the
    estimate marked."""
    fig, ax = _axes(ax)
    styles = {5: "o-", 10: "s--"}
    for method in ("sampling", "proposed", "uniform", "optimal"):
        for L in sorted({r["levels"] for r in rows if r["method"] == method}):
            pts = sorted((r["nl"], r["accuracy_pct"]) for r in rows if r["method"] == method and r["levels"] == L)
            if pts:
                nl, acc = zip(*pts)
                ax.plot(nl, acc, styles.get(L, "^-"), ms=4, color=COLORS[method], label=f"{LABELS[method]}, {L} levels")
    software = [r["accuracy_pct"] for r in rows if r["method"] == "software"]
    if software:
        ax.axhline(np.mean(software), color=COLORS["software"], ls=":", lw=1, label=LABELS["software"])
        low, high = ax.get_ylim()
        ax.set_ylim(low, max(high, np.mean(software) + 0.1 * (high - low)))
    if estimate is not None:
        ax.axvline(estimate, color="k", lw=1, alpha=0.6)
    ax.set_xlabel("NL of the potentiation branch (over its interval)")
    ax.set_ylabel("MNIST test accuracy (%)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=FONT_MIN)
    return fig

"""Every figure of the book, as functions that return a matplotlib figure.

Each takes tidy rows or arrays (and, for one panel, an optional axes). Figures are made
at :data:`DPI` dots per inch, at most :data:`MAX_WIDTH` inches wide (the page's text
column), with no text smaller than :data:`FONT_MIN` points, so that they read at the
size the page shows them; :func:`check_readable` says where a figure falls short.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import devices, fit, quantize
from . import paper

__all__ = [
    "COLORS",
    "LABELS",
    "STYLE",
    "DPI",
    "MAX_WIDTH",
    "FONT_MIN",
    "BRANCH_COLORS",
    "accuracy_over_nl",
    "accuracy_vs_levels",
    "accuracy_vs_states",
    "batch_accuracy",
    "check_readable",
    "legends_on_data",
    "overlapping_text",
    "device_curve",
    "device_fit",
    "device_panels",
    "effects",
    "figure2",
    "lead_by_batch",
    "lead_vs_nonlinearity",
    "level_grids",
    "levels_axis",
    "network_diagram",
    "new",
    "nl_bootstrap",
    "optimal_chosen_levels",
    "optimal_error_accuracy",
    "panel_legend",
    "readings",
    "seed_spread",
    "write_noise",
]

#: Resolution of the figures' images (dots per inch).
DPI = 150
#: Widest figure (inches): the book's text column, about 730 px on the page.
MAX_WIDTH = 7.2
#: Smallest text (points): at MAX_WIDTH and DPI, about 14 px on the page, the size of
#: the book's smallest body text.
FONT_MIN = 10
#: Matplotlib settings of every figure of the book (applied by :func:`new`).
STYLE = {
    "figure.dpi": DPI,
    "savefig.dpi": DPI,
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "figure.titlesize": 12,
}


def new(
    nrows: int = 1, ncols: int = 1, width: float = 6.4, height: float = 4.0, **kwargs
):
    """``(fig, axes)`` of the book's style: ``plt.subplots`` at ``width`` x ``height``
    inches.

    The figure is closed in pyplot at once, so that a notebook shows it once, as the
    value of the cell that returns it (the inline backend would show a figure pyplot
    still holds a second time); it draws and saves as usual.
    """
    import matplotlib
    import matplotlib.pyplot as plt

    if width > MAX_WIDTH:
        raise ValueError(
            f"width={width} in: figures are at most {MAX_WIDTH} in wide (the page's "
            "text column)"
        )
    matplotlib.rcParams.update(STYLE)
    kwargs.setdefault("layout", "constrained")
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), dpi=DPI, **kwargs)
    plt.close(fig)
    fig.canvas.mpl_connect("draw_event", _check_on_draw)
    return fig, axes


def _check_on_draw(event) -> None:
    """Warn when a figure of the book, as drawn (for the page, in a notebook), does not
    read (:func:`check_readable`): the book build turns the warning into an error."""
    fig = event.canvas.figure
    if getattr(fig, "_checking", False):
        return
    # Only what was drawn, measured with the draw's own renderer: a second draw inside
    # a save would leave the saved image blank. No width: a save with
    # bbox_inches="tight" (the notebook's) draws the figure cropped and padded.
    problems = _text_problems(fig, _visible_texts(fig), event.renderer)
    if problems:
        warnings.warn(
            "the figure does not read: " + "; ".join(problems),
            UserWarning,
            stacklevel=2,
        )


def check_readable(fig) -> list[str]:
    """What keeps ``fig`` from reading on the page; an empty list when nothing does.

    Too wide, too coarse, text smaller than :data:`FONT_MIN` points, two drawn texts
    that overlap (tick labels, labels, titles, annotations, legend entries), or a legend
    inside an axes that covers the axes' data (a line, a marker, a bar or a band under
    the legend's box).
    """
    problems = []
    width = fig.get_figwidth()
    if width > MAX_WIDTH + 1e-9:
        problems.append(f"{width:.1f} in wide (at most {MAX_WIDTH})")
    if fig.dpi < DPI:
        problems.append(f"{fig.dpi:.0f} dpi (at least {DPI})")
    fig._checking = True  # no second check from the draw below (_check_on_draw)
    try:
        drawn = _drawn_texts(fig)  # draws the figure: tick labels, layout done
    finally:
        fig._checking = False
    return problems + _text_problems(fig, drawn)


def _text_problems(fig, texts, renderer=None) -> list[str]:
    """Text of ``texts`` smaller than :data:`FONT_MIN`, overlapping text, legends on
    data, for a figure just drawn (``renderer``: the draw's, or None for the
    figure's own)."""
    problems = [
        f"text {t.get_text()!r} at {t.get_fontsize():.1f} pt (at least {FONT_MIN})"
        for t in texts
        if t.get_fontsize() < FONT_MIN - 1e-9
    ]
    problems += overlapping_text(fig, texts, renderer=renderer)
    return problems + legends_on_data(fig, renderer=renderer)


def _visible_texts(fig) -> list:
    """The texts that a draw of ``fig`` puts on the canvas, found without drawing it:
    visible ones, not empty, of visible parents; of an axis, its label, offset text
    and the tick labels of the ticks within its view."""
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.text import Text

    found = []

    def ticks(axis):
        low, high = sorted(axis.get_view_interval())
        close = 1e-9 * max(1.0, abs(high - low))
        drawn = []
        for locs, get in (
            (axis.get_majorticklocs(), axis.get_major_ticks),
            (axis.get_minorticklocs(), axis.get_minor_ticks),
        ):
            drawn += [
                tick
                for tick, loc in zip(get(len(locs)), locs, strict=False)
                if low - close <= loc <= high + close
            ]
        return drawn

    def walk(artist):
        if not artist.get_visible():
            return
        if isinstance(artist, Text) and artist.get_text().strip():
            found.append(artist)
        if isinstance(artist, Axis):
            children = [artist.label, artist.offsetText, *ticks(artist)]
        elif isinstance(artist, Axes) and not artist.axison:
            children = [c for c in artist.get_children() if not isinstance(c, Axis)]
        else:
            children = artist.get_children()
        for child in children:
            walk(child)

    walk(fig)
    return list(dict.fromkeys(found))


def _drawn_texts(fig) -> list:
    """The texts that drawing ``fig`` puts on the canvas (visible, not empty, tick
    labels within the axes' view only), in drawing order; draws the figure."""
    from matplotlib.text import Text

    drawn, draw = [], Text.draw

    def recording(self, renderer):
        if self.get_visible() and self.get_text().strip():
            drawn.append(self)
        return draw(self, renderer)

    Text.draw = recording
    try:
        fig.draw_without_rendering()
    finally:
        Text.draw = draw
    return list(dict.fromkeys(drawn))


def overlapping_text(
    fig, texts=None, tolerance: float = 1.0, renderer=None
) -> list[str]:
    """Pairs of drawn texts of ``fig`` whose boxes overlap by more than ``tolerance``
    pixels both ways, as sentences (``texts``: what :func:`_drawn_texts` returned;
    ``renderer``: the last draw's, None for the figure's own)."""
    if texts is None:
        texts = _drawn_texts(fig)
    from matplotlib.text import Text

    # the text alone: an annotation's own box takes in its line to the point
    boxes = np.array([Text.get_window_extent(t, renderer).extents for t in texts])
    if len(boxes) < 2:
        return []
    x0, y0, x1, y1 = boxes.T
    wide = np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :])
    high = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    i, j = np.nonzero(np.triu((wide > tolerance) & (high > tolerance), k=1))
    return [
        f"text {texts[a].get_text()!r} overlaps {texts[b].get_text()!r}"
        for a, b in zip(i, j, strict=True)
    ]


def _covered(artist, box, step: float = 2.0) -> bool:
    """Whether ``artist`` (a line, collection or patch of an axes) draws inside the
    display-space ``box`` (a matplotlib ``Bbox``)."""
    from matplotlib.collections import Collection, LineCollection, PolyCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    def inside(xy, connected=True):
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        if connected and len(xy) > 1:  # points every ``step`` pixels along the line
            seg = np.diff(xy, axis=0)
            n = np.maximum(1, np.ceil(np.hypot(*seg.T) / step)).astype(int)
            t = np.concatenate([np.arange(k) / k for k in n])[:, None]
            xy = np.vstack(
                [np.repeat(xy[:-1], n, axis=0) + t * np.repeat(seg, n, axis=0), xy[-1:]]
            )
        x, y = xy.T
        return bool(np.any((x > box.x0) & (x < box.x1) & (y > box.y0) & (y < box.y1)))

    if not artist.get_visible():
        return False
    if isinstance(artist, Line2D):
        xy = artist.get_transform().transform(artist.get_xydata())
        return inside(xy, artist.get_linestyle() not in ("None", "none", " ", ""))
    if isinstance(artist, LineCollection):
        transform = artist.get_transform()
        return any(inside(transform.transform(s)) for s in artist.get_segments())
    if isinstance(artist, PolyCollection):
        transform = artist.get_transform()
        corners = np.array(
            [
                [x, y]
                for x in np.linspace(box.x0, box.x1, 7)
                for y in np.linspace(box.y0, box.y1, 5)
            ]
        )
        return any(
            path.contains_points(corners, transform).any()
            or inside(transform.transform(path.vertices))
            for path in artist.get_paths()
        )
    if isinstance(artist, Collection):  # markers (scatter)
        offsets = artist.get_offset_transform().transform(artist.get_offsets())
        return inside(offsets, connected=False)
    if isinstance(artist, Patch):
        extent = artist.get_window_extent()
        if extent.width < 0.5 or extent.height < 0.5:
            return False
        return bool(
            min(extent.x1, box.x1) > max(extent.x0, box.x0)
            and min(extent.y1, box.y1) > max(extent.y0, box.y0)
        )
    return False


def legends_on_data(fig, margin: float = 2.0, renderer=None) -> list[str]:
    """Legends drawn inside an axes of ``fig`` that cover its data (lines, markers,
    bars, bands), as sentences; ``margin``: pixels of the legend's frame allowed to
    touch the data. The figure must have been drawn."""
    problems = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None or not legend.get_visible():
            continue
        box = legend.get_window_extent(renderer).padded(-margin)
        data = ax.lines + ax.collections + ax.patches
        hit = [a for a in data if _covered(a, box)]
        if hit:
            names = sorted(
                {a.get_label() for a in hit if not a.get_label().startswith("_")}
            )
            what = ", ".join(names) if names else f"{len(hit)} data artists"
            problems.append(
                f"the legend of {ax.get_title() or 'an axes'!r} covers data ({what})"
            )
    return problems


COLORS = {
    "software": "0.3",
    "sampling": "#d95f02",
    "proposed": "#1b9e77",
    "uniform": "#7570b3",
    "optimal": "#e7298a",
}
LABELS = {
    "software": "software (unquantized)",
    "sampling": "sampling method",
    "proposed": "proposed method",
    "uniform": "uniform only (ideal device)",
    "optimal": "optimal device levels",
}


def _axes(ax, size=(6.4, 4.0)):
    if ax is None:
        fig, ax = new(width=size[0], height=size[1])
    return ax.figure, ax


def levels_axis(ax) -> None:
    """Label the x axis as the number of levels, with whole-number ticks."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("number of levels L")


def accuracy_vs_levels(
    rows: list[dict],
    ax=None,
    methods=("sampling", "proposed"),
    reported: bool = True,
    spread: bool = True,
    ylim=None,
):
    """Accuracy (%) against number of levels, one line per method; returns the figure.

    ``rows`` may hold several seeds or trials: the line is their mean and, with
    ``spread``, a band of one standard deviation. The software accuracy is a horizontal
    line; with ``reported`` the paper's own figures are marked. The legend goes below
    the axes when the figure is its own, in the axes for a caller's panel (which moves
    it).
    """
    own = ax is None
    fig, ax = _axes(ax)
    for method in methods:
        levels = sorted({r["levels"] for r in rows if r["method"] == method})
        if not levels:
            continue
        acc = [
            np.array(
                [
                    r["accuracy_pct"]
                    for r in rows
                    if r["method"] == method and r["levels"] == L
                ]
            )
            for L in levels
        ]
        mean = np.array([a.mean() for a in acc])
        ax.plot(levels, mean, "o-", ms=3.5, color=COLORS[method], label=LABELS[method])
        if spread and max(len(a) for a in acc) > 1:
            sd = np.array([a.std(ddof=1) if len(a) > 1 else 0 for a in acc])
            ax.fill_between(
                levels, mean - sd, mean + sd, color=COLORS[method], alpha=0.2, lw=0
            )
    software = [r["accuracy_pct"] for r in rows if r["method"] == "software"]
    if software:
        ax.axhline(
            np.mean(software),
            color=COLORS["software"],
            ls="--",
            lw=1,
            label=LABELS["software"],
        )
    if reported:
        r = paper.REPORTED
        ax.axhline(
            r["software_pct"],
            color="k",
            ls=":",
            lw=1,
            label=f"paper: software {r['software_pct']} %",
        )
        ax.plot(
            [10],
            [r["proposed_10_pct"]],
            "k*",
            ms=10,
            label=f"paper: proposed at 10 levels, {r['proposed_10_pct']} %",
        )
    levels_axis(ax)
    ax.set_ylabel("MNIST test accuracy (%)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    if own:
        panel_legend(fig, [ax])
    else:
        ax.legend(loc="lower right")
    return fig


# --- optimal levels ---


def optimal_error_accuracy(
    rows: list[dict], mse: dict[str, list[float]], levels, marked=()
):
    """Two panels over the number of levels: above, the mean squared error of the
    normalized weights of each method in ``mse`` (log scale, ``mse[method][i]`` at
    ``levels[i]``); below, the test accuracy of the same methods from ``rows`` (a
    sweep). ``marked``: numbers of levels circled on the optimal method's accuracy line
    (for instance, where a paired test finds it differs from the proposed method)."""
    fig, (top, bottom) = new(2, 1, width=6.4, height=6.4, sharex=True)
    levels = list(levels)
    for method, values in mse.items():
        top.semilogy(
            levels, values, "o-", ms=3.5, color=COLORS[method], label=LABELS[method]
        )
    top.set_ylabel("squared error of weights")
    top.grid(alpha=0.3, which="both")
    accuracy_vs_levels(rows, ax=bottom, methods=tuple(mse), reported=False)
    marked = [L for L in marked if L in levels]
    if marked:
        acc = {r["levels"]: r["accuracy_pct"] for r in rows if r["method"] == "optimal"}
        bottom.plot(
            marked,
            [acc[L] for L in marked],
            "o",
            ms=11,
            mfc="none",
            mec="k",
            mew=1.2,
            label="optimal vs proposed: p < 0.05",
        )
    top.tick_params(labelbottom=True)
    panel_legend(fig, [top, bottom])
    return fig


def optimal_chosen_levels(magnitudes, chosen: dict[str, np.ndarray]):
    """The levels of each method (one row each, above) over the distribution of a
    layer's normalized weight magnitudes (histogram, log scale, below).

    ``magnitudes``: ``|w|`` of the normalized weights; ``chosen``: ``{method: levels}``
    (see :func:`synquant.optimal.chosen_levels`). The rows carry the methods' names, so
    no legend covers a level."""
    fig, (top, bottom) = new(
        2, 1, width=6.4, height=4.4, sharex=True, gridspec_kw={"height_ratios": [1, 2]}
    )
    names = list(chosen)
    for i, method in enumerate(names):
        row = len(names) - 1 - i
        values = np.asarray(chosen[method], dtype=float)
        top.vlines(values, row - 0.35, row + 0.35, color=COLORS[method], lw=3)
    top.set_yticks(range(len(names)), [LABELS[m] for m in reversed(names)])
    top.set_ylim(-0.6, len(names) - 0.4)
    top.set_xlim(-0.02, 1.02)
    top.grid(axis="x", alpha=0.3)
    top.tick_params(labelbottom=True)
    bottom.hist(np.ravel(magnitudes), bins=100, range=(0, 1), color="0.6", log=True)
    bottom.set_xlabel("normalized weight magnitude")
    bottom.set_ylabel("number of weights")
    return fig


# --- conclusion ---


def lead_by_batch(batch_sizes, leads, chosen: int | None = None):
    """The proposed method's lead over the sampling method at 5 levels (points) against
    the training batch size (log scale), with the paper's "about 11 points" and the
    ends of its tolerance (``paper.tolerances()["gap_5_pct"]``) as horizontal lines;
    ``chosen``:
    the batch size of the book's recipe, ringed."""
    sizes = np.asarray(batch_sizes, dtype=float)
    values = np.asarray(leads, dtype=float)
    if sizes.shape != values.shape or sizes.ndim != 1 or sizes.size == 0:
        raise ValueError(
            "batch_sizes and leads must be 1-D, of the same non-zero length"
        )
    order = np.argsort(sizes)
    fig, ax = new(width=6.4, height=3.6)
    ax.semilogx(
        sizes[order],
        values[order],
        "o-",
        color=COLORS["proposed"],
        label="this book, one seed",
    )
    if chosen is not None and chosen in sizes:
        ax.plot(
            [chosen],
            values[sizes == chosen][:1],
            "o",
            ms=12,
            mfc="none",
            mec="k",
            mew=1.2,
            label=f"the book's recipe ({int(chosen):,})",
        )
    ax.axhline(
        paper.REPORTED["gap_5_pct"],
        color="k",
        ls=":",
        lw=1,
        label=f"paper: about {paper.REPORTED['gap_5_pct']:g} points",
    )
    tolerance = paper.tolerances()["gap_5_pct"]
    for end, label in (
        (tolerance.low, f"tolerance: {tolerance.text()}"),
        (tolerance.high, None),
    ):
        ax.axhline(end, color="0.5", ls="--", lw=1, label=label)
    ax.set_xlabel("training batch size (images per step)")
    ax.set_ylabel("lead at 5 levels (points)")
    ax.grid(alpha=0.3, which="both")
    panel_legend(fig, [ax])
    return fig


# --- introduction ---


def device_curve(device="PCMO"):
    """A device's normalized conductance curve and its reference levels; returns the
    figure.

    Left: conductance against pulse number for both branches, the potentiation branch's
    reference levels as dots and a linear device for comparison. Right: the reference
    levels as ticks beside the evenly spaced levels of a linear device with as many
    states.
    """
    device = devices.get(device)
    reference = device.reference_levels()
    fig, (left, right) = new(
        1, 2, width=7.2, height=3.6, gridspec_kw={"width_ratios": [2.4, 1]}
    )
    x = np.linspace(0, 1, 400)
    pulses = x * (device.states - 1)
    left.plot(pulses, x, color="0.6", ls=":", lw=1, label="linear device")
    for branch, color in (
        ("potentiation", COLORS["proposed"]),
        ("depression", COLORS["sampling"]),
    ):
        left.plot(
            pulses,
            device.conductance(x, branch),
            color=color,
            lw=1.5,
            label=f"{branch} branch",
        )
    left.plot(
        np.arange(device.states),
        reference,
        "o",
        ms=3,
        color=COLORS["proposed"],
        label=f"{device.states} reference levels",
    )
    left.set_xlabel("pulse number P")
    left.set_ylabel("normalized conductance g")
    left.grid(alpha=0.3)
    right.eventplot(
        [reference, np.linspace(0, 1, device.states)],
        orientation="vertical",
        colors=[COLORS["proposed"], "0.6"],
        lineoffsets=[0.5, 1.5],
        linelengths=0.8,
    )
    right.set_xticks([0.5, 1.5], [device.name, "linear"])
    right.set_ylabel("normalized conductance g")
    right.set_xlim(-0.2, 2.2)
    panel_legend(fig, [left])
    return fig


# --- proposed method ---


def network_diagram(
    n_inputs: int = 784, n_hidden: int = 128, n_outputs: int = 10, shown: int = 12
):
    """The fully connected network drawn as three columns of nodes (the paper's Figure
    1); at most ``shown`` nodes a layer are drawn, the rest elided. Returns the
    figure."""
    sizes = {"input": n_inputs, "hidden (ReLU)": n_hidden, "output": n_outputs}
    for name, n in sizes.items():
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"{name} layer: {n!r} nodes; give a positive whole number")
    if shown < 2:
        raise ValueError(f"shown={shown!r}: draw at least 2 nodes a layer")
    fig, ax = new(width=7.0, height=3.6)
    ys = []
    for col, (name, n) in enumerate(sizes.items()):
        k = min(n, shown)
        y = np.linspace(0.9, 0.1, k)
        ys.append(y)
        ax.scatter(np.full(k, col), y, s=90, facecolor="white", edgecolor="k", zorder=3)
        if n > shown:
            ax.text(
                col,
                0.5,
                "⋮",
                ha="center",
                va="center",
                fontsize=18,
                zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none"},
            )
        ax.text(col, 1.0, f"{name}\n{n} nodes", ha="center", va="bottom")
    for col in range(2):
        for y0 in ys[col]:
            for y1 in ys[col + 1]:
                ax.plot([col, col + 1], [y0, y1], color="0.75", lw=0.4, zorder=1)
    ax.text(0.5, -0.05, f"W1: {n_inputs}×{n_hidden}", ha="center")
    ax.text(1.5, -0.05, f"W2: {n_hidden}×{n_outputs}", ha="center")
    ax.set_xlim(-0.4, 2.4)
    ax.set_ylim(-0.12, 1.2)
    ax.axis("off")
    return fig


def level_grids(magnitudes, proposed_levels, sampling_levels):
    """A histogram of normalized weight magnitudes (log count) with the levels of the
    proposed method (solid) and of the sampling method (dashed); returns the figure."""
    magnitudes = np.asarray(magnitudes, dtype=float).ravel()
    if magnitudes.size == 0:
        raise ValueError("magnitudes is empty: pass the normalized |weights|")
    fig, ax = new(width=7.0, height=3.8)
    ax.hist(
        magnitudes,
        bins=200,
        range=(0, 1),
        color="0.7",
        log=True,
        label="normalized |weights| (both layers)",
    )
    for i, v in enumerate(proposed_levels):
        ax.axvline(
            v,
            color=COLORS["proposed"],
            lw=2,
            label=LABELS["proposed"] + " levels" if i == 0 else None,
        )
    for i, v in enumerate(sampling_levels):
        ax.axvline(
            v,
            color=COLORS["sampling"],
            lw=2,
            ls="--",
            label=LABELS["sampling"] + " levels" if i == 0 else None,
        )
    ax.set_xlabel("normalized weight magnitude")
    ax.set_ylabel("number of weights")
    panel_legend(fig, [ax])
    return fig


# --- results ---


def figure2(rows: list[dict], title: str | None = None):
    """The paper's Figure 2 from one sweep: accuracy against levels for the sampling and
    proposed methods, software and the paper's figures marked (above), and the same
    zoomed on the top band (below), where the software accuracies, the book's and the
    paper's, and the proposed method's best levels lie a few tenths of a point apart.
    ``title`` defaults to what the rows say of the run: device, recipe, seed and the
    readings off their default."""
    fig, (full, zoom) = new(
        2, 1, width=6.4, height=7.0, gridspec_kw={"height_ratios": [3, 2]}
    )
    accuracy_vs_levels(rows, ax=full)
    accuracy_vs_levels(rows, ax=zoom)
    reported = paper.REPORTED
    software = [r["accuracy_pct"] for r in rows if r["method"] == "software"]
    tops = [reported["software_pct"], reported["proposed_10_pct"]]
    if software:
        tops.append(float(np.mean(software)))
    low, high = min(tops) - 0.6, max(tops) + 0.4
    zoom.set_ylim(low, high)
    zoom.set_title("the top band, zoomed")
    full.axhspan(low, high, color="0.5", alpha=0.12, lw=0, zorder=0)
    for ax in (full, zoom):
        for line in ax.get_lines():
            if software and line.get_label() == LABELS["software"]:
                line.set_label(f"this book: software {np.mean(software):.2f} %")
    if title is None and rows:
        first = rows[0]
        seed = first.get("seed")
        parts = [
            first.get("device"),
            first.get("recipe"),
            None if seed in ("", None) else f"seed {seed}",
        ]
        parts += [
            f"{k}: {first[k]}"
            for k, v in quantize.DEFAULTS.items()
            if first.get(k, v) != v
        ]
        title = ", ".join(str(p) for p in parts if p)
    if title:
        full.set_title(title)
    panel_legend(fig, [full, zoom])
    return fig


# --- reproduction notes, devices, non-idealities ---


def panel_legend(fig, axes, spare=None, ncols: int = 2) -> None:
    """One legend for a multi-panel figure: in ``spare`` (an unused axes) or below."""
    handles = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    if spare is not None:
        spare.axis("off")
        spare.legend(list(handles.values()), list(handles), loc="center", frameon=False)
    else:
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="outside lower center",
            ncols=ncols,
            frameon=False,
        )


def _levels_panels(
    panels: dict,
    ncols: int = 2,
    height_per_row: float = 2.6,
    methods=("sampling", "proposed"),
):
    """Accuracy against levels, one panel per ``{title: rows}``, each panel with its own
    y range (every curve shown) and its own tick labels; one legend."""
    n = len(panels)
    nrows = -(-n // ncols)
    fig, axes = new(
        nrows,
        ncols,
        width=MAX_WIDTH,
        height=height_per_row * nrows + 0.4,
        squeeze=False,
    )
    flat = list(axes.ravel())
    for ax, (title, rows) in zip(flat, panels.items(), strict=False):
        accuracy_vs_levels(rows, ax=ax, methods=methods, reported=False)
        ax.set_title(title)
        ax.set_xlabel("levels L")
        ax.set_ylabel("accuracy (%)")
        ax.margins(y=0.08)
    spare = flat[n] if n < len(flat) else None
    for ax in flat[n + 1 :]:
        ax.axis("off")
    panel_legend(fig, flat[:n], spare)
    return fig


def seed_spread(seed_rows: list[dict]):
    """Figure 2 over training seeds (rows of :func:`synquant.sensitivity.over_seeds`):
    :func:`accuracy_vs_levels` with a band of one standard deviation and the paper's
    figures."""
    return accuracy_vs_levels(seed_rows)


def batch_accuracy(batch_acc: dict):
    """Software accuracy (%) against the batch size (``{batch: accuracy}``), with the
    paper's software accuracy and its tolerance as a band."""
    fig, ax = new(width=6.4, height=3.6)
    tolerance = paper.tolerances()["software_pct"]
    ax.semilogx(
        list(batch_acc),
        list(batch_acc.values()),
        "o-",
        color=COLORS["software"],
        label="this book, seed 0",
    )
    ax.axhspan(
        tolerance.low,
        tolerance.high,
        color="k",
        alpha=0.1,
        label=f"paper: {tolerance.figure:g} %, tolerance {tolerance.text()}",
    )
    ax.set_xlabel("batch size (images per SGD step)")
    ax.set_ylabel("software accuracy (%)")
    ax.grid(alpha=0.3)
    panel_legend(fig, [ax])
    return fig


def readings(option_rows: list[dict]):
    """Figure 2 under each reading of the method (rows of
    :func:`synquant.sensitivity.over_options`), one panel each, the default first."""
    changed = list(dict.fromkeys(r["changed"] for r in option_rows))
    panels = {
        paper.reading_title(c): [r for r in option_rows if r["changed"] == c]
        for c in changed
    }
    return _levels_panels(panels)


def accuracy_vs_states(state_rows: list[dict], levels=(5, 10, 25)):
    """The proposed method's accuracy against the number of device states (rows of
    :func:`synquant.sensitivity.over_states`), one line per number of levels."""
    fig, ax = new(width=6.4, height=3.8)
    states = sorted({r["states"] for r in state_rows})
    for L, marker in zip(levels, "os^vD", strict=False):
        acc = [
            np.mean(
                [
                    r["accuracy_pct"]
                    for r in state_rows
                    if r["states"] == n
                    and r["method"] == "proposed"
                    and r["levels"] == L
                ]
            )
            for n in states
        ]
        ax.semilogx(states, acc, marker + "-", ms=4, label=f"proposed, {L} levels")
    software = [r["accuracy_pct"] for r in state_rows if r["method"] == "software"]
    if software:
        ax.axhline(
            np.mean(software), color=COLORS["software"], ls="--", lw=1, label="software"
        )
    ax.set_xticks(states, [str(n) for n in states], minor=False)
    ax.minorticks_off()
    ax.set_xlabel("device states (PCMO's nonlinearity)")
    ax.set_ylabel("MNIST test accuracy (%)")
    ax.grid(alpha=0.3)
    panel_legend(fig, [ax])
    return fig


def device_panels(rows: list[dict], device_list, branch: str = "potentiation"):
    """Figure 2 for each device (rows of :func:`synquant.sensitivity.over_devices`), one
    panel each with its own y range; the title gives the states and the branch's NL."""
    panels = {}
    for d in map(devices.get, device_list):
        nl = d.nl_increase if branch == "potentiation" else d.nl_decrease
        title = f"{d.name} ({d.states} states, NL {nl:g})"
        panels[title] = [r for r in rows if r["device"] == d.name]
    return _levels_panels(panels, height_per_row=2.3)


def lead_vs_nonlinearity(summary: list[dict], branch: str = "potentiation"):
    """Mean lead of the proposed method against |NL| (one point per device of
    :func:`synquant.sensitivity.device_summary`); filled where the lead at the fewest
    levels is material (paired test), open where it is not."""
    fig, ax = new(width=6.4, height=4.0)
    x = [abs(s["nl"]) for s in summary]
    y = [s["mean_lead"] for s in summary]
    filled = [s.get("material") is not False for s in summary]
    ax.scatter(
        [a for a, f in zip(x, filled, strict=True) if f],
        [b for b, f in zip(y, filled, strict=True) if f],
        color=COLORS["proposed"],
        label="lead material (p < 0.05)",
    )
    if not all(filled):
        ax.scatter(
            [a for a, f in zip(x, filled, strict=True) if not f],
            [b for b, f in zip(y, filled, strict=True) if not f],
            facecolors="none",
            edgecolors=COLORS["proposed"],
            label="within a few test images",
        )
    ax.axhline(0, color="0.5", lw=0.8)
    ax.set_xlabel(f"|NL| ({branch} branch)")
    ax.set_ylabel("mean lead, 5 to 25 levels\n(points)")
    ax.margins(x=0.15, y=0.15)
    ax.grid(alpha=0.3)
    panel_legend(fig, [ax])
    label_points(ax, [s["device"] for s in summary], x, y)
    return fig


#: Where :func:`label_points` tries a label, in points from its marker: right, left,
#: above, below, then further out.
_LABEL_OFFSETS = [
    (5, 3, "left", "bottom"),
    (5, -3, "left", "top"),
    (-5, 3, "right", "bottom"),
    (-5, -3, "right", "top"),
    (0, 7, "center", "bottom"),
    (0, -7, "center", "top"),
    (5, 14, "left", "bottom"),
    (5, -14, "left", "top"),
    (-5, 14, "right", "bottom"),
    (-5, -14, "right", "top"),
    (0, 20, "center", "bottom"),
    (0, -20, "center", "top"),
    (5, 28, "left", "bottom"),
    (-5, 28, "right", "bottom"),
    (5, -28, "left", "top"),
    (-5, -28, "right", "top"),
]


def label_points(ax, labels, x, y) -> list:
    """Label each point ``(x[i], y[i])`` of ``ax`` with ``labels[i]``, beside its marker
    where the label covers no label placed before it and no point's marker, and stays
    inside the axes (the first of :data:`_LABEL_OFFSETS` that does); a label set
    further out than the nearest places gets a thin line to its point. Returns the
    annotations. Draws the figure to measure the text."""
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    fig = ax.figure
    fig.draw_without_rendering()  # the layout, so that the axes keep their place
    inside = ax.get_window_extent()
    radius = 5 * fig.dpi / 72  # a marker, in pixels
    points = ax.transData.transform(np.column_stack([x, y]))
    placed = []
    boxes = [
        Bbox.from_extents(u - radius, v - radius, u + radius, v + radius)
        for u, v in points
    ]
    for label, a, b in zip(labels, x, y, strict=True):
        for dx, dy, ha, va in _LABEL_OFFSETS:
            line = {"arrowstyle": "-", "color": "0.5", "lw": 0.6, "shrinkB": 4}
            note = ax.annotate(
                label,
                (a, b),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                arrowprops=line if abs(dy) > 7 else None,
            )
            note.get_window_extent()  # places the text
            box = Text.get_window_extent(note)  # the text alone, not its line
            free = all(
                box.x1 <= o.x0 or o.x1 <= box.x0 or box.y1 <= o.y0 or o.y1 <= box.y0
                for o in boxes
            )
            within = inside.x0 <= box.x0 and box.x1 <= inside.x1
            within = within and inside.y0 <= box.y0 and box.y1 <= inside.y1
            if free and within:
                break
            note.remove()
        else:  # nowhere free: the first place, which the readability check reports
            dx, dy, ha, va = _LABEL_OFFSETS[0]
            note = ax.annotate(
                label, (a, b), xytext=(dx, dy), textcoords="offset points", ha=ha, va=va
            )
            box = note.get_window_extent()
        placed.append(note)
        boxes.append(box)
    return placed


def write_noise(rows: list[dict]):
    """Accuracy against levels with write noise (solid, 95 % interval) and on an ideal
    device (dotted), from :func:`synquant.sensitivity.write_noise_rows`."""
    fig, ax = new(width=6.4, height=4.2)
    methods = [m for m in dict.fromkeys(r["method"] for r in rows) if m != "software"]
    for m in methods:
        part = sorted((r for r in rows if r["method"] == m), key=lambda r: r["levels"])
        levels = [r["levels"] for r in part]
        ax.plot(
            levels,
            [r["mean"] for r in part],
            "o-",
            ms=3,
            color=COLORS[m],
            label=f"{m}, write noise",
        )
        ax.fill_between(
            levels,
            [r["low"] for r in part],
            [r["high"] for r in part],
            color=COLORS[m],
            alpha=0.25,
            lw=0,
        )
        ax.plot(
            levels,
            [r["ideal"] for r in part],
            ":",
            color=COLORS[m],
            label=f"{m}, ideal",
        )
    for r in rows:
        if r["method"] == "software":
            ax.axhline(
                r["mean"], color=COLORS["software"], ls="--", lw=1, label="software"
            )
    levels_axis(ax)
    ax.set_ylabel("MNIST test accuracy (%)")
    ax.grid(alpha=0.3)
    panel_legend(fig, [ax])
    return fig


def effects(rows: list[dict], levels: int | None = None):
    """Accuracy against the size of each effect alone, one panel per effect (rows of
    :func:`synquant.sensitivity.effect_rows`), both methods, 95 % intervals."""
    titles = list(dict.fromkeys(r["effect"] for r in rows))
    ncols = 2
    nrows = -(-len(titles) // ncols)
    fig, axes = new(
        nrows, ncols, width=MAX_WIDTH, height=2.7 * nrows + 0.5, squeeze=False
    )
    flat = list(axes.ravel())
    for ax, title in zip(flat, titles, strict=False):
        part = [r for r in rows if r["effect"] == title]
        for m in dict.fromkeys(r["method"] for r in part):
            pts = sorted(
                (r for r in part if r["method"] == m), key=lambda r: r["value"]
            )
            values = [r["value"] for r in pts]
            ax.plot(
                values,
                [r["mean"] for r in pts],
                "o-",
                ms=3,
                color=COLORS[m],
                label=LABELS[m],
            )
            ax.fill_between(
                values,
                [r["low"] for r in pts],
                [r["high"] for r in pts],
                color=COLORS[m],
                alpha=0.25,
                lw=0,
            )
        ax.set_xlabel(title)
        ax.set_ylabel(
            "accuracy (%)" if levels is None else f"accuracy at L = {levels} (%)"
        )
        ax.grid(alpha=0.3)
        ax.margins(y=0.08)
    for ax in flat[len(titles) :]:
        ax.axis("off")
    panel_legend(fig, flat[: len(titles)])
    return fig


# --- your device ---

BRANCH_COLORS = {"potentiation": "#1b9e77", "depression": "#d95f02"}


def device_fit(result, width: float = 7.2, height: float = 5.0):
    """A fitted device's data and model: per branch (columns), the measured conductance
    against pulse number with the fitted curve (top) and the residuals (bottom).

    ``result``: a :class:`synquant.fit.DeviceFit`. Conductances in the unit that suits
    the device (nS, uS or mS).
    """
    branches = list(result.branches.items())
    unit, factor = fit.conductance_unit(max(b.g_max for _, b in branches))
    fig, axes = new(
        2,
        len(branches),
        width=width,
        height=height,
        sharex="col",
        gridspec_kw={"height_ratios": [2, 1]},
        squeeze=False,
    )
    for col, (name, b) in enumerate(branches):
        top, bottom = axes[0, col], axes[1, col]
        pulse, g = b.data.pulse, b.data.conductance
        color = BRANCH_COLORS[name]
        top.plot(
            pulse,
            factor * g,
            ".",
            ms=2.5,
            color=color,
            alpha=0.45,
            label=f"{name} data",
        )
        grid = np.linspace(pulse.min(), pulse.max(), 300)
        top.plot(grid, factor * b.predict(grid), "k-", lw=1.5, label="fitted curve")
        top.set_title(f"{name} ({b.data.cycles} cycles)\nfitted NL = {b.nl:.2f}")
        top.set_ylabel(f"conductance ({unit})")
        top.grid(alpha=0.3)
        bottom.plot(pulse, factor * b.residuals(), ".", ms=2.5, color=color, alpha=0.45)
        bottom.axhline(0, color="k", lw=1)
        bottom.set_xlabel("pulse number")
        bottom.set_ylabel(f"residual ({unit})")
        bottom.grid(alpha=0.3)
    panel_legend(fig, list(axes[0]), ncols=3)
    return fig


def nl_bootstrap(
    result, truth: dict | None = None, width: float = 7.2, height: float = 3.0
):
    """The bootstrap distribution of each branch's NL, with the estimate, its interval
    and, where given (``truth``: ``{branch: NL}``, e.g. for synthetic data), the true
    value."""
    branches = [(k, b) for k, b in result.branches.items() if "nl" in b.samples]
    if not branches:
        raise ValueError("no bootstrap samples: fit with bootstrap > 0")
    fig, axes = new(1, len(branches), width=width, height=height, squeeze=False)
    for ax, (name, b) in zip(axes[0], branches, strict=True):
        ax.hist(b.samples["nl"], bins=30, color=BRANCH_COLORS[name], alpha=0.6)
        low, high = b.intervals["nl"]
        pct = round(100 * b.confidence)
        ax.axvspan(low, high, color="0.5", alpha=0.15, label=f"{pct} % interval")
        ax.axvline(b.nl, color="k", lw=1.5, label="estimate")
        title = f"{name}: estimate {b.nl:.2f}\n{pct} % interval {low:.2f} to {high:.2f}"
        if truth and name in truth:
            ax.axvline(truth[name], color="k", ls="--", lw=1.5, label="true value")
            title += f", true {truth[name]:.2f}"
        ax.set_title(title)
        ax.set_xlabel(f"NL ({name})")
        ax.set_ylabel("resamples")
    panel_legend(fig, list(axes[0]), ncols=3)
    return fig


def accuracy_over_nl(rows: list[dict], estimate: float | None = None, ax=None):
    """Accuracy (%) against the potentiation NL for each method and number of levels
    (rows of :func:`synquant.book.your_device.accuracy_band`), over the fitted NL's
    interval; the estimate marked. The legend goes below the axes when the figure is
    its own."""
    own = ax is None
    fig, ax = _axes(ax)
    styles = {5: "o-", 10: "s--"}
    for method in ("sampling", "proposed", "uniform", "optimal"):
        for L in sorted({r["levels"] for r in rows if r["method"] == method}):
            pts = sorted(
                (r["nl"], r["accuracy_pct"])
                for r in rows
                if r["method"] == method and r["levels"] == L
            )
            if pts:
                nl, acc = zip(*pts, strict=True)
                ax.plot(
                    nl,
                    acc,
                    styles.get(L, "^-"),
                    ms=4,
                    color=COLORS[method],
                    label=f"{LABELS[method]}, {L} levels",
                )
    software = [r["accuracy_pct"] for r in rows if r["method"] == "software"]
    if software:
        ax.axhline(
            np.mean(software),
            color=COLORS["software"],
            ls=":",
            lw=1,
            label=LABELS["software"],
        )
        low, high = ax.get_ylim()
        ax.set_ylim(low, max(high, np.mean(software) + 0.1 * (high - low)))
    if estimate is not None:
        ax.axvline(estimate, color="k", lw=1, alpha=0.6)
    ax.set_xlabel("NL of the potentiation branch (over its interval)")
    ax.set_ylabel("MNIST test accuracy (%)")
    ax.grid(alpha=0.3)
    if own:
        panel_legend(fig, [ax])
    else:
        ax.legend(loc="best")
    return fig

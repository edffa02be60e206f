import warnings

import numpy as np
import pytest

from synquant.book import format as fmt


@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (np.float32(-0.001), 2, 0.0),
        (-0.004, 2, 0.0),
        (-0.006, 2, -0.01),
        (np.int64(7), 2, 7),
        (1.23456, None, 1.23456),
        (True, 2, True),
        ("PCMO", 2, "PCMO"),
    ],
)
def test_tidy(value, digits, expected):
    got = fmt.tidy(value, digits)
    assert got == expected and type(got) is type(expected)
    if isinstance(got, float):
        assert f"{got:.2f}" != "-0.00"


def test_glue_glues_every_value_and_say_fills_them_in(monkeypatch):
    glued = {}
    monkeypatch.setattr(
        "myst_nb.glue",
        lambda name, value, display=True: glued.setdefault(name, (value, display)),
    )
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    assert fmt.glue(lead=np.float64(-0.0004), level=np.int64(5), name="PCMO") is None
    assert glued == {"lead": (0.0, False), "level": (5, False), "name": ("PCMO", False)}
    assert shown == []  # no table of internal names
    fmt.glue(lead=1.234)
    said = fmt.say("{name} leads by {lead:.1f} points.", "At {level} levels.")
    assert said.data == "PCMO leads by 1.2 points.\n\nAt 5 levels."
    with pytest.raises(KeyError, match="'nothing' has not been glued"):
        fmt.say("{nothing}")


def test_check_readable_flags_small_text_and_coarse_figures():
    import matplotlib
    import matplotlib.image

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from synquant.book import figures

    fig, ax = figures.new()
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set_xlabel("x")
    ax.legend()
    assert figures.check_readable(fig) == []
    ax.set_title("tiny", fontsize=6)
    assert figures.check_readable(fig) == ["text 'tiny' at 6.0 pt (at least 10)"]
    plt.close(fig)
    coarse = plt.figure(figsize=(9, 3), dpi=72)
    coarse.text(0.5, 0.5, "big enough", fontsize=12)
    assert figures.check_readable(coarse) == [
        "9.0 in wide (at most 7.2)",
        "72 dpi (at least 150)",
    ]
    plt.close(coarse)
    crowded, ax = figures.new()
    ax.set_xlim(0, 1)
    ax.text(0.5, 0.5, "one label")
    ax.text(0.52, 0.5, "another label")
    assert figures.check_readable(crowded) == [
        "text 'one label' overlaps 'another label'"
    ]
    covered, ax = figures.new()
    ax.plot([0, 1], [0.95, 0.95], label="a line under the legend")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    assert figures.check_readable(covered) == [
        "the legend of 'an axes' covers data (a line under the legend)"
    ]
    ax.get_legend().remove()
    ax.legend(loc="lower right")
    assert figures.check_readable(covered) == []
    bars, ax = figures.new()
    ax.hist(np.linspace(0, 1, 100), bins=10, label="histogram")
    ax.legend(loc="upper left")
    assert figures.check_readable(bars) == [
        "the legend of 'an axes' covers data (histogram)"
    ]
    with pytest.raises(ValueError, match="at most 7.2 in wide"):
        figures.new(width=10)


def test_a_figure_that_does_not_read_warns_when_drawn():
    """Every figure of the book is checked as it is drawn for the page: the book build
    (-W) fails on the warning."""
    import io

    import matplotlib
    import matplotlib.image

    matplotlib.use("Agg")
    from synquant.book import figures

    fig, ax = figures.new()
    ax.plot([0, 1], [0.95, 0.95], label="a line")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    with pytest.warns(UserWarning, match="does not read: the legend .* covers data"):
        fig.savefig(io.BytesIO(), format="png")
    crowded, labelled = figures.new()
    labelled.set_xlim(0, 1)
    labelled.text(0.5, 0.5, "one label")
    labelled.text(0.52, 0.5, "another label")
    with pytest.warns(UserWarning, match="'one label' overlaps 'another label'"):
        crowded.savefig(io.BytesIO(), format="png", bbox_inches="tight")
    ax.get_legend().remove()
    wide, ax = figures.new(width=figures.MAX_WIDTH)
    ax.plot([0, 1], [0, 1], label="a line")
    figures.panel_legend(wide, [ax])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig.savefig(io.BytesIO(), format="png")
        # as a notebook saves it: cropped, padded, a little over MAX_WIDTH
        saved = io.BytesIO()
        wide.savefig(saved, format="png", bbox_inches="tight")
    # the check draws nothing into the saved image: it shows the line and legend
    saved.seek(0)
    image = matplotlib.image.imread(saved)[..., :3].mean(axis=-1)
    assert (image < 0.5).sum() > 500

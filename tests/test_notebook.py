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


def test_glue_glues_every_value_and_shows_a_table(monkeypatch):
    glued = {}
    monkeypatch.setattr(
        "myst_nb.glue",
        lambda name, value, display=True: glued.setdefault(name, (value, display)),
    )
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    assert fmt.glue(lead=np.float64(-0.0004), level=np.int64(5), name="PCMO") is None
    (table,) = shown
    assert glued == {"lead": (0.0, False), "level": (5, False), "name": ("PCMO", False)}
    assert "| `lead` | 0 |" in table.data and "| `name` | PCMO |" in table.data


def test_check_readable_flags_small_text_and_coarse_figures():
    import matplotlib

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
    with pytest.raises(ValueError, match="at most 7.2 in wide"):
        figures.new(width=10)

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from synquant import devices, fit  # noqa: E402
from synquant.book import figures

TRUE = devices.Device("true", 21, 2.0, -2.5, 1e6, 4.0, 0.02)


@pytest.fixture(scope="module")
def result():
    data = {b: fit.simulate(TRUE, b, cycles=3, seed=1) for b in devices.BRANCHES}
    return fit.fit(**data, name="t", bootstrap=50)


def test_device_fit_figure(result):
    fig = figures.device_fit(result)
    assert figures.check_readable(fig) == []
    assert len(fig.axes) == 4
    top = fig.axes[0]
    # data and the fitted curve of the first branch
    assert len(top.lines) == 2 and len(top.lines[0].get_xdata()) == len(
        result.branches["potentiation"].data
    )
    unit, factor = fit.conductance_unit(TRUE.g_max)  # Gmax 1 uS: in uS
    assert unit == "uS" and top.get_ylabel() == "conductance (uS)"
    np.testing.assert_allclose(
        top.lines[1].get_ydata()[0],
        factor * result.branches["potentiation"].g_min,
        rtol=1e-9,
    )


def test_device_fit_one_branch():
    data = fit.simulate(TRUE, "depression", cycles=2, seed=0)
    fig = figures.device_fit(fit.fit(depression=data, bootstrap=0))
    assert len(fig.axes) == 2 and figures.check_readable(fig) == []


def test_nl_bootstrap_figure(result):
    fig = figures.nl_bootstrap(result, truth={"potentiation": 2.0, "depression": -2.5})
    assert figures.check_readable(fig) == []
    assert len(fig.axes) == 2
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "true value" in labels and "95 % interval" in labels
    assert "true 2.00" in fig.axes[0].get_title()  # the numbers in the titles
    with pytest.raises(ValueError, match="bootstrap > 0"):
        figures.nl_bootstrap(fit.fit(result.branches["potentiation"].data, bootstrap=0))


def test_accuracy_over_nl_figure():
    rows = [{"method": "software", "levels": "", "nl": 1.0, "accuracy_pct": 96.0}]
    rows += [
        {
            "method": m,
            "levels": L,
            "nl": nl,
            "accuracy_pct": 90 + nl + L / 10 + (m == "proposed"),
        }
        for m in ("sampling", "proposed")
        for L in (5, 10)
        for nl in (1.0, 1.5, 2.0)
    ]
    fig = figures.accuracy_over_nl(rows, estimate=1.5)
    assert figures.check_readable(fig) == []
    ax = fig.axes[0]
    assert len(ax.lines) == 4 + 1 + 1  # 2 methods x 2 levels, software, estimate
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1.0, 1.5, 2.0])


def test_device_fit_figure_in_millisiemens():
    data = fit.read_csv(
        fit.CROSSSIM_FILES["depression"], "depression", read_voltage=0.1
    )
    fig = figures.device_fit(fit.fit(depression=data, bootstrap=0))
    assert fig.axes[0].get_ylabel() == "conductance (mS)"
    assert 1.5 < fig.axes[0].lines[0].get_ydata().min() < 2.6

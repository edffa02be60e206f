import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synquant import devices

# NeuroSim's label -> a table, as listed in shared/devices/README.md.
NEUROSIM = [
    (0.04, 31.566827), (0.105, 12.625807), (0.5, 2.519877), (0.61, 2.063266), (0.63, 1.997332),
    (1.46, 0.848677), (1.75, 0.702081), (1.85, 0.661941), (1.94, 0.629249), (2.4, 0.499181),
    (3.68, 0.300644), (4.88, 0.200303), (6.76, 0.100251),
]
# The PCMO potentiation curve at 50 pulses, from shared/devices/README.md.
PCMO_50 = np.array(
    "0.000000 0.068075 0.131682 0.191114 0.246646 0.298534 0.347016 0.392317 0.434644 0.474194 "
    "0.511148 0.545676 0.577939 0.608084 0.636251 0.662569 0.687160 0.710138 0.731607 0.751667 "
    "0.770411 0.787924 0.804288 0.819579 0.833865 0.847215 0.859688 0.871342 0.882232 0.892406 "
    "0.901914 0.910797 0.919097 0.926852 0.934099 0.940870 0.947196 0.953108 0.958631 0.963792 "
    "0.968614 0.973120 0.977330 0.981264 0.984939 0.988373 0.991582 0.994581 0.997382 1.000000".split(),
    dtype=float,
)


@pytest.mark.parametrize("nl, a", NEUROSIM)
def test_root_finding_matches_neurosim_table(nl, a):
    # solved from the gap rule alone, without the table entries
    assert devices.nl_to_a(nl, table=False) == pytest.approx(a, rel=1e-3)
    assert devices.nl_to_a(-nl, table=False) == pytest.approx(-a, rel=1e-3)


@pytest.mark.parametrize("nl, a", NEUROSIM)
def test_default_uses_neurosim_entries(nl, a):
    assert devices.nl_to_a(nl) == pytest.approx(a, rel=1e-9)


def test_label_is_read_on_neurosims_grid():
    # NeuroSim reads 0.105 as 0.10: the exact root differs by about 5 %
    exact = devices.nl_to_a(0.105, grid=None, table=False)
    assert exact == pytest.approx(12.02, rel=1e-2)
    assert devices.nl_to_a(0.105, table=False) == pytest.approx(devices.nl_to_a(0.10, table=False))


@given(st.floats(0.01, 9.5))
@settings(max_examples=50, deadline=None)
def test_gap_rule_holds_for_any_label(nl):
    a = devices.nl_to_a(nl, grid=None, table=False)
    x = np.linspace(0, 1, 200001)
    assert np.max(devices.curve(x, a) - x) == pytest.approx(devices.GAP_PER_NL * nl, rel=1e-6, abs=1e-9)


def test_pcmo_check_vector():
    np.testing.assert_allclose(devices.get("PCMO").reference_levels(), PCMO_50, atol=1e-5, rtol=0)


def test_linear_device_and_endpoints():
    assert devices.nl_to_a(0) == float("inf")
    np.testing.assert_array_equal(devices.curve([0, 0.25, 1], float("inf")), [0, 0.25, 1])
    for d in devices.BENCHMARK.values():
        for branch in devices.BRANCHES:
            levels = d.reference_levels(branch)
            assert levels.shape == (d.states,)
            assert levels[0] == pytest.approx(0, abs=1e-12) and levels[-1] == pytest.approx(1, abs=1e-12)
            assert np.all(np.diff(levels) > 0)


def test_branches_bend_opposite_ways():
    pcmo = devices.get("PCMO")
    x = np.linspace(0, 1, 11)[1:-1]
    assert np.all(pcmo.conductance(x, "potentiation") > x)  # saturating from Gmin
    assert np.all(pcmo.conductance(x, "depression") < x)  # NL < 0: bent the other way


def test_benchmark_table():
    assert devices.names() == ["Ag:a-Si", "TaOx/HfOx", "PCMO", "AlOx/HfO2", "GST PCM", "EpiRAM", "HZO FeFET"]
    pcmo = devices.get("pcmo")
    assert (pcmo.states, pcmo.nl_increase, pcmo.nl_decrease) == (50, 3.68, -6.76)
    assert pcmo.g_max == pytest.approx(43.48e-9, rel=1e-3)
    assert pcmo.g_min == pytest.approx(6.36e-9, rel=1e-3)
    assert devices.get(pcmo) is pcmo


def test_with_states_keeps_nonlinearity():
    big = devices.get("PCMO").with_states(200)
    assert big.states == 200 and big.a() == devices.get("PCMO").a()
    assert devices.get("PCMO").reference_levels(states=200).shape == (200,)


def test_bad_input():
    with pytest.raises(ValueError, match="unknown device 'nope': use one of"):
        devices.get("nope")
    with pytest.raises(ValueError, match="out of range"):
        devices.nl_to_a(11)
    with pytest.raises(ValueError, match="out of range"):
        devices.nl_to_a(float("nan"))
    with pytest.raises(ValueError, match="unknown branch"):
        devices.get().reference_levels("sideways")
    with pytest.raises(ValueError, match="states must be an integer >= 2"):
        devices.get().reference_levels(states=1)
    with pytest.raises(ValueError, match="states must be an integer >= 2"):
        devices.Device("x", 2.5, 1, -1, 1e6, 10, 0.01)

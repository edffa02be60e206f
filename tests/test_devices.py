import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synquant import devices

# NeuroSim's label -> a table, as listed in shared/devices/README.md.
NEUROSIM = [
    (0.04, 31.566827),
    (0.105, 12.625807),
    (0.5, 2.519877),
    (0.61, 2.063266),
    (0.63, 1.997332),
    (1.46, 0.848677),
    (1.75, 0.702081),
    (1.85, 0.661941),
    (1.94, 0.629249),
    (2.4, 0.499181),
    (3.68, 0.300644),
    (4.88, 0.200303),
    (6.76, 0.100251),
]
# The PCMO potentiation curve at 50 pulses, from shared/devices/README.md.
PCMO_50 = np.array(
    "0.000000 0.068075 0.131682 0.191114 0.246646 0.298534 0.347016 0.392317 0.434644 "
    "0.474194 0.511148 0.545676 0.577939 0.608084 0.636251 0.662569 0.687160 0.710138 "
    "0.731607 0.751667 0.770411 0.787924 0.804288 0.819579 0.833865 0.847215 0.859688 "
    "0.871342 0.882232 0.892406 0.901914 0.910797 0.919097 0.926852 0.934099 0.940870 "
    "0.947196 0.953108 0.958631 0.963792 0.968614 0.973120 0.977330 0.981264 0.984939 "
    "0.988373 0.991582 0.994581 0.997382 1.000000".split(),
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
    assert devices.nl_to_a(0.105, table=False) == pytest.approx(
        devices.nl_to_a(0.10, table=False)
    )


@given(st.floats(0.01, 9.5))
@settings(max_examples=50, deadline=None)
def test_gap_rule_holds_for_any_label(nl):
    a = devices.nl_to_a(nl, grid=None, table=False)
    x = np.linspace(0, 1, 200001)
    assert np.max(devices.curve(x, a) - x) == pytest.approx(
        devices.GAP_PER_NL * nl, rel=1e-6, abs=1e-9
    )


def test_pcmo_check_vector():
    np.testing.assert_allclose(
        devices.get("PCMO").reference_levels(), PCMO_50, atol=1e-5, rtol=0
    )


def test_linear_device_and_endpoints():
    assert devices.nl_to_a(0) == float("inf")
    np.testing.assert_array_equal(
        devices.curve([0, 0.25, 1], float("inf")), [0, 0.25, 1]
    )
    for d in devices.BENCHMARK.values():
        for branch in devices.BRANCHES:
            levels = d.reference_levels(branch)
            assert levels.shape == (d.states,)
            assert levels[0] == pytest.approx(0, abs=1e-12) and levels[
                -1
            ] == pytest.approx(1, abs=1e-12)
            assert np.all(np.diff(levels) > 0)


def test_branches_bend_opposite_ways():
    pcmo = devices.get("PCMO")
    x = np.linspace(0, 1, 11)[1:-1]
    assert np.all(pcmo.conductance(x, "potentiation") > x)  # saturating from Gmin
    assert np.all(pcmo.conductance(x, "depression") < x)  # NL < 0: bent the other way


def test_benchmark_table():
    assert devices.names() == [
        "Ag:a-Si",
        "TaOx/HfOx",
        "PCMO",
        "AlOx/HfO2",
        "GST PCM",
        "EpiRAM",
        "HZO FeFET",
    ]
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
    with pytest.raises(ValueError, match="states must be an integer from 2 to"):
        devices.get().reference_levels(states=1)
    with pytest.raises(ValueError, match="states must be an integer from 2 to"):
        devices.Device("x", 2.5, 1, -1, 1e6, 10, 0.01)


# --- device files and validation ---

GOOD = {
    "name": "MyRRAM",
    "states": 64,
    "nl_increase": 1.5,
    "nl_decrease": -2.0,
    "r_on": 5e5,
    "on_off": 20.0,
    "sigma": 0.02,
}


def write(path, data):
    path.write_text(json.dumps(data))
    return path


def test_device_file_round_trip(tmp_path):
    device = devices.Device(**GOOD)
    path = devices.save(device, tmp_path / "my.json", extra={"fit": {"rms": 1e-10}})
    assert devices.load(path) == device
    assert json.loads(path.read_text())["fit"] == {"rms": 1e-10}
    assert devices.get(path) == device and devices.get(str(path)) == device
    assert devices.Device(**device.to_dict()) == device
    with pytest.raises(FileExistsError, match="already exists"):
        devices.save(device, path)
    other = devices.Device(**{**GOOD, "states": 10})
    devices.save(other, path, force=True)
    assert devices.load(path) == other
    assert [p.name for p in tmp_path.iterdir()] == ["my.json"]  # no temporary file left


def test_device_file_defaults(tmp_path):
    path = write(
        tmp_path / "d.json", {"name": "mine", "states": 20, "nl_increase": 2.0}
    )
    d = devices.load(path)
    assert d.nl_decrease == -2.0  # the symmetric device
    assert (d.r_on, d.on_off, d.sigma) == (
        devices.DEFAULTS["r_on"],
        devices.DEFAULTS["on_off"],
        devices.DEFAULTS["sigma"],
    )
    assert d.reference_levels().shape == (20,)


def test_get_path_without_json_suffix(tmp_path):
    path = write(tmp_path / "device.txt", GOOD)
    assert devices.get(str(path)).name == "MyRRAM"
    with pytest.raises(FileNotFoundError, match="no device file at .*missing.json"):
        devices.get(str(tmp_path / "missing.json"))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("states", 1, "states=1: states must be an integer from 2 to"),
        ("states", 2.5, "states must be an integer"),
        ("states", 1000000000, "states=1000000000: states must be an integer from"),
        ("states", 1e300, r"states=1e\+300: states must be an integer from 2 to 10001"),
        ("states", "50", "states='50'"),
        ("states", True, "states=True"),
        ("states", None, "states=None"),
        ("nl_increase", "abc", "nl_increase='abc': use a finite number"),
        (
            "nl_increase",
            11.0,
            "nl_increase=11.0: use a finite number with |NL| < 10.10",
        ),
        ("nl_decrease", -10.5, "nl_decrease=-10.5"),
        ("nl_decrease", [1], "nl_decrease=\\[1\\]"),
        ("r_on", 0, "r_on=0: the on resistance must be"),
        ("r_on", -5.0, "r_on=-5.0"),
        ("on_off", 1.0, "on_off=1.0: the on/off ratio must be a finite number > 1"),
        ("on_off", 0.5, "on_off=0.5"),
        ("sigma", -0.01, "sigma=-0.01: the cycle-to-cycle variation must be"),
        ("name", "", "name='': give the device a non-empty name"),
        ("name", 5, "name=5: give the device a name"),
    ],
)
def test_every_bad_field(tmp_path, field, value, message):
    with pytest.raises((TypeError, ValueError), match=message):
        devices.Device(**{**GOOD, field: value})
    path = write(tmp_path / "bad.json", {**GOOD, field: value})
    with pytest.raises(devices.DeviceFileError, match=f"{path.name}: .*{message}"):
        devices.get(path)


@pytest.mark.parametrize(
    "field", ["states", "nl_increase", "nl_decrease", "r_on", "on_off", "sigma"]
)
def test_non_finite_fields(field):
    for value in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=f"{field}={value!r}"):
            devices.Device(**{**GOOD, field: value})


def test_bad_device_files(tmp_path):
    cases = {
        "extra.json": (
            json.dumps({**GOOD, "colour": "red"}),
            "unknown field\\(s\\) 'colour'",
        ),
        "missing.json": (
            json.dumps({"name": "x", "nl_increase": 1.0}),
            "missing field\\(s\\) states",
        ),
        "list.json": ("[1, 2]", "a device file holds one JSON object"),
        "broken.json": ('{"name": ', "not valid JSON \\(line 1"),
    }
    for name, (text, message) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(devices.DeviceFileError, match=f"{name}: {message}"):
            devices.get(tmp_path / name)
    (tmp_path / "binary.json").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe")
    with pytest.raises(devices.DeviceFileError, match="binary.json: not a text file"):
        devices.get(tmp_path / "binary.json")
    with pytest.raises(
        ValueError, match="unknown device 'nope'.*path of a device JSON file"
    ):
        devices.get("nope")
    with pytest.raises(TypeError, match="device 3"):
        devices.get(3)


def test_save_refuses_bad_input_and_writes_nothing(tmp_path):
    device = devices.Device(**GOOD)
    with pytest.raises(ValueError, match=".json suffix"):
        devices.save(device, tmp_path / "d.txt")
    with pytest.raises(ValueError, match="'extra_key'"):
        devices.save(device, tmp_path / "d.json", extra={"extra_key": 1})
    with pytest.raises(ValueError):  # NaN in the fit record is not JSON
        devices.save(device, tmp_path / "d.json", extra={"fit": {"rms": float("nan")}})
    with pytest.raises(TypeError, match="needs a Device"):
        devices.save(GOOD, tmp_path / "d.json")
    assert list(tmp_path.iterdir()) == []


def test_nl_to_a_bad_types():
    with pytest.raises(TypeError, match="'abc' is not a number"):
        devices.nl_to_a("abc")
    with pytest.raises(TypeError, match="not a number"):
        devices.nl_to_a(None)
    with pytest.raises(TypeError, match="not a number"):
        devices.nl_to_a([1.0])


@pytest.mark.parametrize("nl", [-6.76, -0.5, 0.04, 1.0, 3.68, 9.0])
def test_a_to_nl_inverts_nl_to_a(nl):
    a = devices.nl_to_a(nl, grid=None, table=False)
    assert devices.a_to_nl(a) == pytest.approx(nl, rel=1e-9)
    assert devices.a_to_nl(float("inf")) == 0.0
    with pytest.raises(ValueError, match="nonzero"):
        devices.a_to_nl(0.0)

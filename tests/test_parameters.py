import numpy as np
import pytest

from synquant.book import parameters

SPEC = {
    "device": str,
    "seed": int,
    "rate": float,
    "flag": bool,
    "seeds": list[int],
    "sigmas": list[float],
}


def namespace(**changes):
    ns = {
        "__name__": "__main__",
        "_": None,
        "In": [],
        "Out": {},
        "np": np,
        "device": "PCMO",
        "seed": 0,
        "rate": 0.5,
        "flag": True,
        "seeds": [0, 1],
        "sigmas": [0.0, 0.01],
    }
    ns.update(changes)
    return ns


def test_valid_values_pass_through():
    values = parameters.check(
        namespace(rate=1, seeds=range(3)), SPEC, choices={"device": ["PCMO", "EpiRAM"]}
    )
    assert (
        values["rate"] == 1
        and list(values["seeds"]) == [0, 1, 2]
        and set(values) == set(SPEC)
    )


@pytest.mark.parametrize(
    "name, given, expected",
    [
        ("seeds", "[0, 1, 2]", [0, 1, 2]),  # -p seeds "[0, 1, 2]"
        ("seeds", 3, [3]),  # -p seeds 3
        ("seeds", (4, 5), [4, 5]),
        ("sigmas", "[0, 0.02]", [0.0, 0.02]),
        ("device", "PCMO", "PCMO"),
        ("names", "PCMO", ["PCMO"]),  # -p names PCMO
        ("names", "GST PCM", ["GST PCM"]),
        ("names", "[PCMO, EpiRAM]", ["PCMO", "EpiRAM"]),
        ("limits", "{a: 1, b: 2.5}", {"a": 1.0, "b": 2.5}),
        ("rate", 1, 1.0),
        ("seed", "7", 7),
    ],
)
def test_papermill_strings_are_read_as_yaml(name, given, expected):
    spec = {**SPEC, "names": list[str], "limits": dict[str, float]}
    ns = namespace(**{"names": ["x"], "limits": {}, name: given})
    values = parameters.check(ns, spec)
    assert values[name] == expected and type(values[name]) is type(expected)
    assert ns[name] == expected  # written back for the rest of the notebook


def test_bad_yaml_names_the_parameter():
    with pytest.raises(
        ValueError, match=r"parameter seeds: '\[0, 1' is not a valid YAML"
    ):
        parameters.check(namespace(seeds="[0, 1"), SPEC)


def test_unknown_name():
    with pytest.raises(
        ValueError, match="unknown parameter.*colour: this chapter takes device, seed"
    ):
        parameters.check(namespace(colour="red"), SPEC)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"seed": "zero"}, "seed='zero' must be of type int"),
        ({"seed": "1.5"}, "seed='1.5' must be of type int"),
        ({"seed": True}, "seed=True must be of type int"),
        ({"rate": "fast"}, "rate='fast' must be of type float"),
        ({"seeds": [0, 1.5]}, r"seeds=\[0, 1.5\] must be of type list\[int\]"),
        ({"sigmas": ["a"]}, r"must be of type list\[float\]"),
    ],
)
def test_wrong_type(change, message):
    with pytest.raises(TypeError, match=message):
        parameters.check(namespace(**change), SPEC)


def test_value_not_allowed_and_missing():
    with pytest.raises(ValueError, match="'Unobtainium' is not one of PCMO, EpiRAM"):
        parameters.check(
            namespace(device="Unobtainium"),
            SPEC,
            choices={"device": ["PCMO", "EpiRAM"]},
        )
    with pytest.raises(ValueError, match="'x' is not one of a, b"):
        parameters.check(
            namespace(device=["a", "x"]),
            {**SPEC, "device": list[str]},
            choices={"device": ["a", "b"]},
        )
    ns = namespace()
    del ns["flag"]
    with pytest.raises(ValueError, match="parameter 'flag' is missing"):
        parameters.check(ns, SPEC)


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(seeds=[0, 0]), r"parameter seeds=\[0, 0\]: 0 is given more than once"),
        (dict(seeds="[0, 1, 0]"), "0 is given more than once"),
        (dict(sigmas=[0.0, 0]), "0.0 is given more than once"),
    ],
)
def test_a_list_that_repeats_a_value_is_refused(change, message):
    """Each item of a list parameter is a run or a point: a repeat would double it."""
    with pytest.raises(ValueError, match=message):
        parameters.check(namespace(**change), SPEC)

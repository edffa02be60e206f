"""Papermill runs of the results chapter: parameters, bad input, collected rows."""

import papermill
import pytest

from synquant import evaluate, sweeps


def test_parameters_are_documented():
    params = papermill.inspect_notebook(str(sweeps.NOTEBOOK))
    assert {"device", "seed", "levels_min", "levels_max", "mapping", "counting", "scale", "branch", "bias"} <= set(params)
    assert params["device"]["inferred_type_name"] == "str" and params["device"]["default"] == '"PCMO"'
    assert "benchmark device" in params["device"]["help"]
    assert params["seed"]["inferred_type_name"] == "int"


def test_run_collects_rows(tmp_path, mnist):
    collected = tmp_path / "all.csv"
    rows = sweeps.run({"device": ["EpiRAM"], "seed": [0], "levels_max": [12]}, results_dir=tmp_path,
                      output_dir=tmp_path / "nb", collect=collected)
    assert [r["levels"] for r in rows] == [None] + list(range(5, 13)) * 2
    assert {r["device"] for r in rows} == {"EpiRAM"}
    assert evaluate.read_csv(collected) == rows
    assert len(list((tmp_path / "nb").glob("results-*.ipynb"))) == 1
    with pytest.raises(FileExistsError, match="pass --force"):
        sweeps.run({"device": ["EpiRAM"]}, results_dir=tmp_path, collect=collected)


def test_unknown_name_stops_before_running(tmp_path):
    with pytest.raises(ValueError, match="unknown parameter.*colour for results.ipynb: it takes device"):
        sweeps.run({"colour": ["red"]}, results_dir=tmp_path, output_dir=tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("parameters, message", [
    ({"colour": "red"}, "unknown parameter(s) colour"),  # papermill itself only warns
    ({"device": "Unobtainium"}, "'Unobtainium' is not one of"),
    ({"seed": "zero"}, "seed='zero' must be of type int"),
    ({"levels_min": 12, "levels_max": 6}, "need 2 <= levels_min <= levels_max"),
])
def test_bad_parameters_stop_the_notebook(tmp_path, parameters, message, mnist):
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(str(sweeps.NOTEBOOK), str(tmp_path / "out.ipynb"), kernel_name="python3",
                                   parameters={**parameters, "results_dir": str(tmp_path)},
                                   cwd=str(sweeps.NOTEBOOK.parent), progress_bar=False)
    assert message in str(err.value)
    assert not list(tmp_path.glob("*.csv"))

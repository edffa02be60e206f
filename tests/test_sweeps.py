"""Papermill runs over a grid: the results chapter's parameters, bad input, collected
rows, and the Dask cluster (a tiny notebook on two workers), failures reported with
their cell."""

import sys

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from synquant import evaluate
from synquant.book import sweeps


def test_parameters_are_documented():
    params = papermill.inspect_notebook(str(sweeps.NOTEBOOK))
    assert {
        "device",
        "seed",
        "levels_min",
        "levels_max",
        "mapping",
        "counting",
        "scale",
        "branch",
        "bias",
    } <= set(params)
    assert (
        params["device"]["inferred_type_name"] == "str"
        and params["device"]["default"] == '"PCMO"'
    )
    assert "benchmark device" in params["device"]["help"]
    assert params["seed"]["inferred_type_name"] == "int"


@pytest.mark.book
def test_run_collects_rows(tmp_path, mnist):
    """The results chapter, one run, one after another (no Dask)."""
    collected = tmp_path / "all.csv"
    rows = sweeps.run(
        {"device": ["EpiRAM"], "seed": [0], "levels_max": [12]},
        results_dir=tmp_path,
        output_dir=tmp_path / "nb",
        collect=collected,
        workers=1,
    )
    assert [r["levels"] for r in rows] == [None] + list(range(5, 13)) * 2
    assert {r["device"] for r in rows} == {"EpiRAM"}
    assert evaluate.read_csv(collected) == rows
    assert [p.name for p in (tmp_path / "nb").glob("*/out.ipynb")] == ["out.ipynb"]
    with pytest.raises(FileExistsError, match="--force"):
        sweeps.run(
            {"device": ["EpiRAM"]}, results_dir=tmp_path, collect=collected, workers=1
        )


def tiny_notebook(path):
    """A notebook that writes one row per run, and fails for ``device="broken"``."""
    nb = new_notebook(
        cells=[
            new_code_cell(
                'device: str = "PCMO"  # a name\nseed: int = 0  # a '
                'seed\nresults_dir: str = ""  # where',
                metadata={"tags": ["parameters"]},
            ),
            new_code_cell(
                "from synquant import evaluate\n\n"
                "if device == 'broken':\n    raise ValueError(f'cannot run {device}')"
            ),
            new_code_cell(
                "row = dict.fromkeys(evaluate.COLUMNS, '')\nrow.update(device=device, "
                "method='software', levels=None, seed=seed, "
                "accuracy_pct=90.0)\nevaluate.write_csv([row], "
                "f'{results_dir}/tiny-{seed}.csv')"
            ),
        ],
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
        },
    )
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def two_workers():
    pytest.importorskip("dask.distributed", reason=sweeps.NEED_DASK)
    return 2


@pytest.mark.book
def test_grid_on_a_two_worker_cluster(tmp_path, two_workers):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    rows = sweeps.run(
        {"device": ["PCMO"], "seed": [3, 4]},
        notebook,
        results_dir=tmp_path,
        collect=tmp_path / "all.csv",
        workers=two_workers,
    )
    assert sorted(r["seed"] for r in rows) == [3, 4]
    assert evaluate.read_csv(tmp_path / "all.csv") == rows
    assert len(list((tmp_path / "papermill").glob("tiny-*/out.ipynb"))) == 2


@pytest.mark.book
def test_a_failed_run_names_its_parameters_and_cell_and_the_others_finish(
    tmp_path, two_workers
):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    with pytest.raises(sweeps.SweepError) as err:
        sweeps.run(
            {"device": ["broken", "PCMO"], "seed": [0]},
            notebook,
            results_dir=tmp_path,
            collect=tmp_path / "all.csv",
            workers=two_workers,
        )
    message = str(err.value)
    assert "1 of 2 runs failed" in message
    # In [3] of the run's notebook: papermill's injected parameters are In [2]
    assert (
        "{'device': 'broken', 'seed': 0}: cell In [3] ('from synquant import "
        "evaluate'): ValueError: cannot run broken"
    ) in message
    good = [r for r in err.value.runs if not r.error]
    assert [r.parameters["device"] for r in good] == ["PCMO"] and len(good[0].rows) == 1
    assert (good[0].folder / "tiny-0.csv").is_file()
    assert not (tmp_path / "all.csv").exists(), "nothing is collected when a run failed"


@pytest.mark.book
def test_without_dask_a_clear_message(tmp_path, monkeypatch):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    with pytest.raises(RuntimeError, match=r"pip install .*\[scale\].*--workers 1"):
        sweeps.run({"seed": [0]}, notebook, results_dir=tmp_path, workers=2)
    assert not list((tmp_path).glob("papermill"))
    assert (
        sweeps.run({"seed": [0]}, notebook, results_dir=tmp_path, workers=1)[0]["seed"]
        == 0
    )


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_bad_workers(tmp_path, workers):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    with pytest.raises(ValueError, match="workers="):
        sweeps.run({"seed": [0]}, notebook, results_dir=tmp_path, workers=workers)


@pytest.mark.book
def test_cli_reports_a_failure(tmp_path, capsys, two_workers, monkeypatch):
    notebook = tiny_notebook(tmp_path / "tiny.ipynb")
    monkeypatch.setattr(evaluate, "RESULTS_DIR", tmp_path)  # not the checkout's
    code = sweeps.main(
        [
            "--devices",
            "PCMO",
            "--seeds",
            "0",
            "--notebook",
            str(notebook),
            "--collect",
            str(tmp_path / "all.csv"),
            "--workers",
            "1",
        ]
    )
    assert code == 0 and evaluate.read_csv(tmp_path / "all.csv")[0]["device"] == "PCMO"
    code = sweeps.main(
        ["--devices", "Unobtainium", "--notebook", str(notebook), "--workers", "1"]
    )
    assert code == 1 and "Unobtainium" in capsys.readouterr().err


def test_unknown_name_stops_before_running(tmp_path):
    with pytest.raises(
        ValueError, match="unknown parameter.*colour for results.ipynb: it takes device"
    ):
        sweeps.run({"colour": ["red"]}, results_dir=tmp_path, output_dir=tmp_path)
    assert not list(tmp_path.iterdir())


@pytest.mark.book
@pytest.mark.parametrize(
    "parameters, message",
    [
        (
            {"colour": "red"},
            "unknown parameter(s) colour",
        ),  # papermill itself only warns
        ({"device": "Unobtainium"}, "unknown device 'Unobtainium'"),
        ({"seed": "zero"}, "seed='zero' must be of type int"),
        (
            {"levels_min": 12, "levels_max": 6},
            "need 2 <= levels_min, levels_max <= 1000",
        ),
    ],
)
def test_bad_parameters_stop_the_notebook(tmp_path, parameters, message, mnist):
    with pytest.raises(papermill.PapermillExecutionError) as err:
        papermill.execute_notebook(
            str(sweeps.NOTEBOOK),
            str(tmp_path / "out.ipynb"),
            kernel_name="python3",
            parameters={**parameters, "results_dir": str(tmp_path)},
            cwd=str(sweeps.NOTEBOOK.parent),
            progress_bar=False,
        )
    assert message in str(err.value)
    assert not list(tmp_path.glob("*.csv"))

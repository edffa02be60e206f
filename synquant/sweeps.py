"""Run a chapter with papermill over a grid of parameters and collect its results.

``python -m synquant.sweeps --devices PCMO EpiRAM --seeds 0 1`` runs the results chapter
once per device and seed (one output notebook each, under ``data/results/papermill/``),
then gathers the rows that the runs wrote into one CSV, ``data/results/sweeps.csv``.
Parameter names are checked against the notebook's ``parameters`` cell before anything
runs, so a misspelt name stops the whole sweep at once.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from . import evaluate, model, quantize

__all__ = ["run", "check_names", "NOTEBOOK"]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "chapters" / "results.ipynb"


def check_names(notebook: Path | str, parameters: dict) -> dict:
    """The notebook's parameters (name -> papermill's description); raises ValueError for an unknown name."""
    import papermill

    known = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(f"unknown parameter(s) {', '.join(unknown)} for {Path(notebook).name}: "
                         f"it takes {', '.join(known)}")
    return known


def _slug(value) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(value))


def run(grid: dict[str, list], notebook: Path | str = NOTEBOOK, results_dir: Path | str | None = None,
        output_dir: Path | str | None = None, collect: Path | str | None = None, force: bool = False) -> list[dict]:
    """Execute ``notebook`` once per combination of ``grid`` values; return the rows of all runs.

    ``grid``: parameter name -> list of values, e.g. ``{"device": ["PCMO"], "seed": [0, 1]}``.
    Each run writes its rows into ``results_dir`` (default data/results); with ``collect``
    all rows are also written to that CSV (refused if it exists, unless ``force``).
    Missing weights of a seed are trained first.
    """
    import papermill

    notebook = Path(notebook)
    results_dir = Path(results_dir or evaluate.RESULTS_DIR)
    output_dir = Path(output_dir or results_dir / "papermill")
    check_names(notebook, {**dict.fromkeys(grid), "results_dir": None})
    if collect is not None and Path(collect).exists() and not force:
        raise FileExistsError(f"{collect} already exists; pass --force to overwrite it")
    for recipe, seed in itertools.product(grid.get("recipe", ["paper"]), grid.get("seed", [0])):
        model.load_or_train(recipe, int(seed))
    rows = []
    names = list(grid)
    for values in itertools.product(*(grid[n] for n in names)):
        parameters = dict(zip(names, values), results_dir=str(results_dir))
        out = output_dir / (notebook.stem + "-" + "-".join(f"{n}_{_slug(v)}" for n, v in zip(names, values)) + ".ipynb")
        out.parent.mkdir(parents=True, exist_ok=True)
        print(f"running {notebook.name} with {dict(zip(names, values))}", file=sys.stderr)
        papermill.execute_notebook(str(notebook), str(out), parameters=parameters, cwd=str(notebook.parent),
                                   progress_bar=False, kernel_name="python3")
        options = {k: v for k, v in parameters.items() if k in quantize.OPTIONS}
        path = evaluate.results_path(parameters.get("device", "PCMO"), int(parameters.get("seed", 0)),
                                     parameters.get("recipe", "paper"), **options)
        rows += evaluate.read_csv(results_dir / path.name)
    if collect is not None:
        evaluate.write_csv(rows, collect, force=force)
    return rows


def main(argv: list[str] | None = None) -> int:
    from . import devices

    p = argparse.ArgumentParser(prog="python -m synquant.sweeps", description=__doc__.splitlines()[0])
    p.add_argument("--devices", nargs="+", default=[devices.DEFAULT_DEVICE], help="device names")
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="training seeds")
    p.add_argument("--notebook", type=Path, default=NOTEBOOK, help="the chapter to run (default: results)")
    p.add_argument("--collect", type=Path, default=evaluate.RESULTS_DIR / "sweeps.csv", help="CSV of all rows")
    p.add_argument("--force", action="store_true", help="overwrite the collected CSV")
    args = p.parse_args(argv)
    try:
        for name in args.devices:
            devices.get(name)
        rows = run({"device": args.devices, "seed": args.seeds}, args.notebook, collect=args.collect, force=args.force)
    except (ValueError, OSError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{len(rows)} rows from {len(args.devices) * len(args.seeds)} runs collected in {args.collect}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run a chapter with papermill over a grid of parameters, on Dask, and collect its
results.

``python -m synquant.book.sweeps --devices PCMO EpiRAM --seeds 0 1`` runs the results
chapter once per device and seed. The runs are independent, so they run on
``dask.distributed``:
a local cluster with one worker per core of this machine by default, ``--workers N`` for
another number (``--workers 1`` runs them one after another, in this process, without
Dask), or ``--scheduler ADDRESS`` for an existing cluster (its workers need synquant,
the notebook and the results folder at the same paths: a shared file system). Dask is
the optional extra ``scale``: ``pip install -c constraints.txt '.[scale]'``.

Each run writes its executed notebook and its CSV files into a folder of its own under
``data/results/papermill/``; all rows are then gathered into one CSV,
``data/results/sweeps.csv``. A progress bar counts the runs. A run that fails does not
stop the others: at the end each failure is reported with its parameters and the cell
that failed, and nothing is collected. Parameter names are checked against the
notebook's ``parameters`` cell before anything runs, so a misspelt name stops the whole
sweep at once.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import devices, evaluate, files, model
from ..files import ROOT

__all__ = [
    "run",
    "check_names",
    "grid_runs",
    "run_one",
    "Run",
    "SweepError",
    "NOTEBOOK",
    "NEED_DASK",
]

NOTEBOOK = ROOT / "chapters" / "results.ipynb"
NEED_DASK = (
    "the sweep runs on Dask, which is not installed: pip install -c constraints.txt "
    "'.[scale]' (or 'synquant[scale]'), or pass --workers 1 to run the notebooks one "
    "after another"
)


@dataclass
class Run:
    """One notebook run of a sweep: its parameters, where it writes, and how it
    ended."""

    parameters: dict
    folder: Path
    rows: list[dict] = field(default_factory=list)
    error: str | None = None  # "cell In [n]: ValueError: ..." when the run failed

    @property
    def notebook(self) -> Path:
        return self.folder / "out.ipynb"


class SweepError(RuntimeError):
    """Some runs failed; ``runs`` holds every run (the failed ones have ``error``
    set)."""

    def __init__(self, runs: list[Run]):
        self.runs = runs
        failed = [r for r in runs if r.error]
        lines = [f"{len(failed)} of {len(runs)} runs failed:"]
        lines += [
            f"  {r.parameters}: {r.error} (notebook: {r.notebook})" for r in failed
        ]
        super().__init__("\n".join(lines))


def check_names(notebook: Path | str, parameters: dict) -> dict:
    """The notebook's parameters (name -> papermill's description); raises ValueError
    for an unknown name."""
    import papermill

    known = papermill.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {', '.join(unknown)} for {Path(notebook).name}: "
            f"it takes {', '.join(known)}"
        )
    return known


def _slug(value) -> str:
    return "".join(c if c.isalnum() else "_" for c in str(value))


def grid_runs(
    grid: dict[str, list], notebook: Path | str, output_dir: Path | str
) -> list[Run]:
    """One :class:`Run` per combination of ``grid`` values, each with a folder of its
    own; a value given twice for one name is refused (ValueError naming it)."""
    names = list(grid)
    for name, values in grid.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError(f"grid[{name!r}] = {values!r}: give a list of values")
        values = list(values)
        repeated = [v for i, v in enumerate(values) if v in values[:i]]
        if repeated:
            raise ValueError(
                f"grid[{name!r}] gives {repeated[0]!r} more than once: every run "
                "would be repeated and its rows doubled; give each value once"
            )
    runs = []
    for values in itertools.product(*(list(grid[n]) for n in names)):
        slug = "-".join(f"{n}_{_slug(v)}" for n, v in zip(names, values, strict=True))
        runs.append(
            Run(
                dict(zip(names, values, strict=True)),
                Path(output_dir) / f"{Path(notebook).stem}-{slug}",
            )
        )
    return runs


def run_one(notebook: str, run: Run) -> Run:
    """Execute ``notebook`` for ``run`` (its CSVs into ``run.folder``); return it with
    its rows or error.

    Runs on a Dask worker as well as here: it reads and writes only ``run.folder``.
    """
    import papermill

    folder = Path(run.folder)
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.csv"):
        old.unlink()
    try:
        papermill.execute_notebook(
            notebook,
            str(run.notebook),
            parameters={**run.parameters, "results_dir": str(folder)},
            cwd=str(Path(notebook).parent),
            progress_bar=False,
            kernel_name="python3",
        )
    except papermill.PapermillExecutionError as err:
        first = next(
            (line.strip() for line in (err.source or "").splitlines() if line.strip()),
            "",
        )
        run.error = (
            f"cell In [{err.exec_count}] ({first[:60]!r}): {err.ename}: {err.evalue}"
        )
        return run
    except (
        Exception
    ) as err:  # a kernel that died, an unreadable notebook: the others go on
        run.error = f"{type(err).__name__}: {err}"
        return run
    run.rows = [
        row for path in sorted(folder.glob("*.csv")) for row in evaluate.read_csv(path)
    ]
    if not run.rows:
        run.error = (
            f"the run wrote no CSV into {folder} (does the notebook take results_dir?)"
        )
    return run


def _progress(total: int):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="runs", unit="run", file=sys.stderr)


def _sequential(notebook: str, runs: list[Run]) -> list[Run]:
    with _progress(len(runs)) as bar:
        done = []
        for r in runs:
            done.append(run_one(notebook, r))
            bar.update()
    return done


#: Seconds to wait for an existing Dask scheduler (``--scheduler``) to answer.
CONNECT_TIMEOUT = 3


def _client(workers: int | None, scheduler: str | None):
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:
        raise RuntimeError(NEED_DASK) from err
    if scheduler:
        try:
            return Client(scheduler, timeout=f"{CONNECT_TIMEOUT}s")
        except (OSError, ValueError, TypeError) as err:
            raise ConnectionError(
                f"--scheduler {scheduler}: no Dask scheduler answered there within "
                f"{CONNECT_TIMEOUT} s ({type(err).__name__}: {err}); check the "
                "address (tcp://HOST:PORT), or leave --scheduler out to run on this "
                "machine"
            ) from None
    # one single-threaded process per worker: each run drives a kernel of its own
    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )
    return Client(cluster)


def _distributed(notebook: str, runs: list[Run], client) -> list[Run]:
    from dask.distributed import as_completed

    try:
        futures = {
            client.submit(run_one, notebook, r, pure=False): i
            for i, r in enumerate(runs)
        }
        done: list[Run | None] = [None] * len(runs)
        with _progress(len(runs)) as bar:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    done[i] = future.result()
                except (
                    Exception
                ) as err:  # a worker lost, say: report it like a failed run
                    runs[i].error = f"{type(err).__name__}: {err}"
                    done[i] = runs[i]
                bar.update()
        return done
    finally:
        _close(client)


def _close(client) -> None:
    """Close ``client``, and its local cluster when it made one."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def run(
    grid: dict[str, list],
    notebook: Path | str = NOTEBOOK,
    results_dir: Path | str | None = None,
    output_dir: Path | str | None = None,
    collect: Path | str | None = None,
    force: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
) -> list[dict]:
    """Execute ``notebook`` once per combination of ``grid`` values; return the rows of
    all runs.

    ``grid``: parameter name -> list of values, e.g. ``{"device": ["PCMO"], "seed": [0,
    1]}``. Each run gets a folder under ``output_dir`` (default
    ``<results_dir>/papermill``, with ``results_dir`` defaulting to data/results) for
    its notebook and CSVs; with ``collect`` all rows are also written to that CSV
    (refused if it exists, unless ``force``); the runs' folder, the collected CSV and
    the cluster (``scheduler`` answers within :data:`CONNECT_TIMEOUT` s) are checked
    before any training. ``workers``: 1 runs one after another
    without Dask; None or more run on a local Dask cluster of that many workers
    (default: the machine's cores); ``scheduler``: the address of an existing Dask
    cluster. Missing weights of a seed are trained first, here. Raises
    :class:`SweepError` after all runs when any failed (nothing is collected then).
    """

    notebook = Path(notebook).resolve()
    results_dir = Path(results_dir or evaluate.RESULTS_DIR)
    output_dir = Path(output_dir or results_dir / "papermill")
    check_names(notebook, {**dict.fromkeys(grid), "results_dir": None})
    if workers is not None and (
        not isinstance(workers, int) or isinstance(workers, bool) or workers < 1
    ):
        raise ValueError(f"workers={workers!r}: give a whole number of at least 1")
    runs = grid_runs(grid, notebook, output_dir)
    # every output, then the cluster, before any training: nothing fails after it
    files.check_folder(output_dir, "the runs' folder")
    if collect is not None:
        files.check_writable(collect, force=force)
    sequential = workers == 1 and not scheduler
    client = None if sequential else _client(workers, scheduler)
    try:
        if "device" in grid or "seed" in grid or "recipe" in grid:
            for recipe, seed in itertools.product(
                grid.get("recipe", ["paper"]), grid.get("seed", [0])
            ):
                model.load_or_train(recipe, int(seed))
        if sequential:
            done = _sequential(str(notebook), runs)
        else:
            done, client = _distributed(str(notebook), runs, client), None
    finally:
        if client is not None:
            _close(client)
    if any(r.error for r in done):
        raise SweepError(done)
    rows = [row for r in done for row in r.rows]
    if collect is not None:
        evaluate.write_csv(rows, collect, force=force)
    return rows


def _device_key(name: str) -> str:
    """What names a device once: a benchmark device's own name (any case), or a
    device file's resolved path; a bad name or file raises its error here."""
    device = devices.get(name)
    if device is devices.BENCHMARK.get(device.name):
        return device.name
    return str(Path(name).resolve())


def _check_once(option: str, given: list, keys: list) -> None:
    """Refuse an option that names one value twice (ValueError naming both)."""
    for i, key in enumerate(keys):
        if key in keys[:i]:
            first = given[keys.index(key)]
            twice = f"{first}" if first == given[i] else f"{first} and {given[i]}"
            raise ValueError(
                f"{option} names {twice} more than once (the same "
                f"{'device' if option == '--devices' else 'seed'}): each run would be "
                "repeated and its rows doubled; give each once"
            )


def main(argv: list[str] | None = None) -> int:

    p = argparse.ArgumentParser(
        prog="python -m synquant.book.sweeps",
        description=" ".join(__doc__.split("\n\n")[0].split()),
    )
    p.add_argument(
        "--devices",
        nargs="+",
        default=[devices.DEFAULT_DEVICE],
        help="device names or files",
    )
    p.add_argument("--seeds", nargs="+", type=int, default=[0], help="training seeds")
    p.add_argument(
        "--notebook",
        type=Path,
        default=NOTEBOOK,
        help="the chapter to run (default: results)",
    )
    p.add_argument(
        "--collect",
        type=Path,
        default=evaluate.RESULTS_DIR / "sweeps.csv",
        help="CSV of all rows",
    )
    p.add_argument("--force", action="store_true", help="overwrite the collected CSV")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help=(
            "Dask workers on this machine (default: one per core); 1 runs without Dask"
        ),
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="an existing Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    args = p.parse_args(argv)
    try:
        _check_once("--devices", args.devices, [_device_key(d) for d in args.devices])
        _check_once("--seeds", args.seeds, args.seeds)
        rows = run(
            {"device": args.devices, "seed": args.seeds},
            args.notebook,
            collect=args.collect,
            force=args.force,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    except (ValueError, OSError, RuntimeError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(
        f"{len(rows)} rows from {len(args.devices) * len(args.seeds)} runs collected "
        f"in {args.collect}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

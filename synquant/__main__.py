"""Terminal entry points: ``python -m synquant train | sweep | devices | fit``.

Every error prints as one line ``error: ...`` on stderr, with exit status 1 (2 for a
malformed command line); ``--debug`` prints the traceback as well. Arguments and output
files are checked before any training or sweep starts.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from . import checks, devices, evaluate, files, fit, insitu, model, quantize
from .book import report


def _levels(text: str) -> list[int]:
    """'5:25' (inclusive), '5,10,20' or '10'; each from 2 to MAX_LEVELS."""

    try:
        if ":" in text:
            lo, hi = (int(t) for t in text.split(":"))
            values = list(range(lo, hi + 1))
            if lo > hi:
                raise argparse.ArgumentTypeError(
                    f"levels {text!r} is an empty range: write the smaller number "
                    f"first, e.g. {hi}:{lo}"
                )
        else:
            values = [int(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"levels {text!r}: use 5:25, 5,10,20 or 10"
        ) from None
    if not values or min(values) < 2:
        raise argparse.ArgumentTypeError(
            f"levels {text!r}: every number of levels must be at least 2"
        )
    if max(values) > checks.MAX_LEVELS:
        raise argparse.ArgumentTypeError(
            f"levels {text!r}: every number of levels must be at most "
            f"{checks.MAX_LEVELS} (a device holds far fewer)"
        )
    return values


def _recipe_options(p: argparse.ArgumentParser) -> None:

    p.add_argument(
        "--recipe",
        default="paper",
        choices=sorted(model.RECIPES),
        help="training recipe (default: paper)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument(
        "--epochs",
        type=int,
        default=None,
        help="override the recipe's epochs (its own tag)",
    )
    p.add_argument(
        "--batch-size", type=int, default=None, help="override the recipe's batch size"
    )
    p.add_argument(
        "--hidden",
        type=int,
        default=None,
        help="override the hidden width (paper: 128)",
    )


def _parser() -> argparse.ArgumentParser:

    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="print the traceback of an error",
    )
    p = argparse.ArgumentParser(
        prog="python -m synquant", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--debug", action="store_true", help="print the traceback of an error"
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser(
        "insitu",
        add_help=False,
        help="on-chip training after NeuroSim V3.0 into a tidy CSV "
        "(python -m synquant insitu --help)",
    )

    t = sub.add_parser(
        "train", parents=[debug], help="train the 784-H-10 network and save its weights"
    )
    _recipe_options(t)
    t.add_argument(
        "--out",
        type=Path,
        default=None,
        help="weights file .npz (default: <recipe tag>-seed<k>.npz in data/weights or "
        "the user cache)",
    )
    t.add_argument(
        "--force", action="store_true", help="overwrite an existing weights file"
    )

    s = sub.add_parser(
        "sweep",
        parents=[debug],
        help="accuracy of each method at each number of levels",
    )
    s.add_argument(
        "--weights",
        type=Path,
        default=None,
        help="your weights file .npz (recipe and seed from its metadata; default: the "
        "cached weights)",
    )
    _recipe_options(s)
    s.add_argument(
        "--device",
        default=devices.DEFAULT_DEVICE,
        help=f"a device name ({', '.join(devices.names())}) or a device JSON file",
    )
    s.add_argument(
        "--levels",
        type=_levels,
        default=list(range(5, 26)),
        help="5:25 (default), 5,10,20 or 10",
    )
    s.add_argument(
        "--methods",
        default="sampling,proposed",
        help="comma-separated: " + ", ".join(quantize.METHODS),
    )
    for name, choices in quantize.OPTIONS.items():
        s.add_argument(
            f"--{name}",
            default=choices[0],
            choices=choices,
            help=f"default: {choices[0]}",
        )
    s.add_argument(
        "--out", type=Path, default=None, help="also write the rows to this CSV file"
    )
    s.add_argument(
        "--force", action="store_true", help="overwrite an existing CSV file"
    )

    d = sub.add_parser(
        "devices",
        parents=[debug],
        help="list the benchmark devices and their curve parameters",
    )
    d.add_argument(
        "--device",
        action="append",
        default=None,
        help="show this device instead (a name or a device JSON file; repeatable)",
    )
    _fit_parser(sub, debug)

    r = sub.add_parser(
        "report",
        parents=[debug],
        help="an executed chapter (papermill output) as a standalone HTML report",
    )
    r.add_argument("notebook", type=Path, help="the executed notebook, e.g. out.ipynb")
    r.add_argument(
        "--out", type=Path, default=None, help="HTML file (default: beside it, .html)"
    )
    r.add_argument("--force", action="store_true", help="overwrite an existing file")
    return p


def _report(args) -> None:
    out = report.to_html(args.notebook, args.out, force=args.force)
    print(f"report written to {out}")


# --- fit (synquant.fit): a device file from measured pulse-response data ---


def _fit_parser(sub, debug) -> None:
    f = sub.add_parser(
        "fit",
        parents=[debug],
        help=(
            "fit NeuroSim's device model to measured pulse-response data and write a "
            "device file"
        ),
        description=(
            "Fit NeuroSim's device model (Gmin, Gmax, NL, pulses, cycle-to-cycle "
            "sigma) to measured pulse-response data, with read and write noise and "
            "bootstrap intervals, and write a device file that `sweep --device FILE` "
            "and the chapters accept. Data: CSV, long (pulse and conductance columns, "
            "optionally cycle, any header or none) or wide (one column per cycle, one "
            "row per pulse); conductance in siemens, or read current with "
            "--read-voltage."
        ),
    )
    f.add_argument(
        "--potentiation", type=Path, default=None, help="CSV of the potentiation branch"
    )
    f.add_argument(
        "--depression",
        type=Path,
        default=None,
        help="CSV of the depression branch (optional)",
    )
    f.add_argument("--name", required=True, help="the device's name")
    f.add_argument(
        "--out", type=Path, required=True, help="device file to write (.json)"
    )
    f.add_argument(
        "--force", action="store_true", help="overwrite an existing device file"
    )
    f.add_argument(
        "--read-voltage",
        type=float,
        default=None,
        metavar="V",
        help="the files hold read currents (A) at this read voltage (V); the "
        "conductance is current / V",
    )
    f.add_argument(
        "--layout",
        choices=("auto", "long", "wide"),
        default="auto",
        help="long (a row per reading) or wide (a column per cycle); default: auto",
    )
    for column, what in (
        ("pulse", "pulse numbers"),
        ("value", "conductances (or currents)"),
        ("cycle", "cycle labels"),
    ):
        f.add_argument(
            f"--{column}-column",
            default=None,
            metavar="NAME",
            help=f"the long layout's column of {what}: a header name or a 1-based "
            "number",
        )
    f.add_argument(
        "--bootstrap",
        type=int,
        default=1000,
        help="bootstrap resamples for the intervals (default: 1000, at most 100000)",
    )
    f.add_argument(
        "--seed", type=int, default=0, help="seed of the bootstrap (default: 0)"
    )
    f.add_argument(
        "--over",
        choices=("model", "cycles"),
        default="model",
        help="what the bootstrap redraws: noise from the fitted noise model "
        "(default) or whole cycles",
    )


def _fit(args) -> None:

    if args.potentiation is None and args.depression is None:
        raise ValueError("give --potentiation LTP.csv, --depression LTD.csv, or both")
    if args.out.suffix.lower() != ".json":
        raise ValueError(f"--out {args.out}: name the device file with a .json suffix")
    if not 0 <= args.bootstrap <= fit.MAX_BOOTSTRAP:
        raise ValueError(
            f"--bootstrap {args.bootstrap}: use 0 (no intervals) to "
            f"{fit.MAX_BOOTSTRAP} resamples, e.g. 1000"
        )
    if args.seed < 0:
        raise ValueError(f"--seed {args.seed}: use an integer >= 0")
    files.check_writable(args.out, force=args.force)  # before the work
    data = {
        branch: fit.read_csv(
            path,
            branch,
            read_voltage=args.read_voltage,
            layout=args.layout,
            pulse_column=args.pulse_column,
            value_column=args.value_column,
            cycle_column=args.cycle_column,
        )
        for branch, path in (
            ("potentiation", args.potentiation),
            ("depression", args.depression),
        )
        if path is not None
    }
    for branch, d in data.items():  # data no orientation explains: before printing
        fit.check_shape(d, branch)
    for branch, d in data.items():  # what was read, before the fit
        print(d.summary(branch), flush=True)
    result = fit.fit(
        data.get("potentiation"),
        data.get("depression"),
        name=args.name,
        bootstrap=args.bootstrap,
        seed=args.seed,
        over=args.over,
    )
    fit.save(result, args.out, force=args.force)
    print(result.report())
    print(fit.neurosim_text(result))
    print(
        f"device file written to {args.out}; use it with: python -m synquant sweep "
        f"--device {args.out}"
    )


def _recipe(args):
    """The recipe asked for, with the overrides of the command line (each gives its own
    tag)."""

    recipe = model.get_recipe(args.recipe)
    changes = {
        k: v
        for k, v in (
            ("epochs", args.epochs),
            ("batch_size", args.batch_size),
            ("hidden", args.hidden),
        )
        if v is not None
    }
    return recipe.replace(**changes) if changes else recipe


def _train(args) -> None:

    recipe, seed = _recipe(args), checks.seed(args.seed, "--seed")
    out = args.out or model.weights_path(recipe, seed, model.default_dir())
    if out.suffix != ".npz":
        raise ValueError(f"--out {out}: a weights file must end in .npz")
    # everything that could fail after an expensive training run fails now
    files.check_writable(out, out.with_suffix(".json"), force=args.force)
    if recipe.tag != recipe.name:
        print(
            f"recipe {recipe.name} with "
            f"{', '.join(recipe.differences(model.get_recipe(recipe.name)))}: "
            f"tag {recipe.tag}"
        )
    weights, meta = model.train(recipe, seed)
    model.save_weights(out, weights, meta, force=args.force)
    print(f"test accuracy {100 * meta['test_accuracy']:.2f} %, weights saved to {out}")


def _sweep(args) -> None:

    device = devices.get(args.device)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not methods:
        raise ValueError(
            f"--methods {args.methods!r} names no method: use one or more of "
            f"{', '.join(quantize.METHODS)}, comma-separated"
        )
    for m in methods:
        checks.choice("method", m, quantize.METHODS)
    if args.out is not None:
        files.check_writable(args.out, force=args.force)
    if args.weights is not None:
        weights, meta = model.resolve_weights(args.weights)
    else:
        weights, meta = model.resolve_weights(
            None, _recipe(args), checks.seed(args.seed, "--seed")
        )
    seed = meta.get("seed") if meta else None
    recipe = meta.get("tag", "") if meta else ""
    options = {name: getattr(args, name) for name in quantize.OPTIONS}
    rows = evaluate.sweep(
        weights, args.levels, methods, device, seed=seed, recipe=recipe, **options
    )
    print(f"{device.name}, {', '.join(f'{k}={v}' for k, v in options.items())}")
    print(f"software accuracy {rows[0]['accuracy_pct']:.2f} %")
    print("levels " + " ".join(f"{m:>9}" for m in methods))
    by = evaluate.lookup(rows)
    for L in args.levels:
        print(f"{L:>6} " + " ".join(f"{by[(m, L)]:>9.2f}" for m in methods))
    if args.out is not None:
        evaluate.write_csv(rows, args.out, force=args.force)
        print(f"rows written to {args.out}")


def _devices(args) -> None:

    shown = [devices.get(d) for d in args.device] if args.device else None
    print(
        f"{'device':<10} {'states':>6} {'NL inc':>7} {'NL dec':>7} {'a inc':>9} "
        f"{'a dec':>9} {'Gmax nS':>9} {'Gmin nS':>9} {'sigma':>6}"
    )
    for d in shown or devices.BENCHMARK.values():
        print(
            f"{d.name:<10} {d.states:>6} {d.nl_increase:>7.4g} {d.nl_decrease:>7.4g} "
            f"{d.a('potentiation'):>9.4f} "
            f"{d.a('depression'):>9.4f} {1e9 * d.g_max:>9.3f} {1e9 * d.g_min:>9.3f} "
            f"{100 * d.sigma:>5.1f}%"
        )


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["insitu"]:  # its own options: synquant.insitu.main
        return insitu.main(argv[1:])
    args = _parser().parse_args(argv)
    try:
        commands = {
            "train": _train,
            "sweep": _sweep,
            "devices": _devices,
            "fit": _fit,
            "report": _report,
        }
        commands[args.command](args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # one line for every error; --debug for the trace
        if args.debug:
            traceback.print_exc()
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

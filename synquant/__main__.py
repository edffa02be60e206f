"""Terminal entry points: ``python -m synquant train | sweep | devices | fit``.

Errors print as one line on stderr, with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _levels(text: str) -> list[int]:
    """'5:25' (inclusive), '5,10,20' or '10'."""
    try:
        if ":" in text:
            lo, hi = (int(t) for t in text.split(":"))
            values = list(range(lo, hi + 1))
        else:
            values = [int(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"levels {text!r}: use 5:25, 5,10,20 or 10") from None
    if not values or min(values) < 2:
        raise argparse.ArgumentTypeError(f"levels {text!r}: every number of levels must be at least 2")
    return values


def _parser() -> argparse.ArgumentParser:
    from . import devices, quantize
    from .model import RECIPES

    p = argparse.ArgumentParser(prog="python -m synquant", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train the 784-128-10 network and save its weights")
    t.add_argument("--recipe", default="paper", choices=sorted(RECIPES), help="training recipe (default: paper)")
    t.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    t.add_argument("--epochs", type=int, default=None, help="override the recipe's epochs (quick runs)")
    t.add_argument("--batch-size", type=int, default=None, help="override the recipe's batch size")
    t.add_argument("--out", type=Path, default=None, help="weights file (default: data/weights/<recipe>-seed<k>.npz)")
    t.add_argument("--force", action="store_true", help="overwrite an existing weights file")

    s = sub.add_parser("sweep", help="accuracy of each method at each number of levels")
    s.add_argument("--weights", type=Path, default=None, help="weights file (default: the recipe's cached weights)")
    s.add_argument("--recipe", default="paper", choices=sorted(RECIPES), help="recipe of the cached weights")
    s.add_argument("--seed", type=int, default=0, help="seed of the cached weights (default: 0)")
    s.add_argument("--device", default=devices.DEFAULT_DEVICE, help=f"one of: {', '.join(devices.names())}")
    s.add_argument("--levels", type=_levels, default=list(range(5, 26)), help="5:25 (default), 5,10,20 or 10")
    s.add_argument("--methods", default="sampling,proposed", help="comma-separated: " + ", ".join(quantize.METHODS))
    for name, choices in quantize.OPTIONS.items():
        s.add_argument(f"--{name}", default=choices[0], choices=choices, help=f"default: {choices[0]}")
    s.add_argument("--out", type=Path, default=None, help="also write the rows to this CSV file")
    s.add_argument("--force", action="store_true", help="overwrite an existing CSV file")

    sub.add_parser("devices", help="list the benchmark devices and their curve parameters")
    _fit_parser(sub)
    return p


# --- fit (synquant.fit): a device file from measured pulse-response data ---

def _fit_parser(sub) -> None:
    f = sub.add_parser(
        "fit", help="fit NeuroSim's device model to measured pulse-response data and write a device file",
        description="Fit NeuroSim's device model (Gmin, Gmax, NL, pulses, cycle-to-cycle sigma) to measured "
                    "pulse-response data, with bootstrap intervals, and write a device file that "
                    "`sweep --device FILE` and the chapters accept. Data: CSV with the header "
                    "pulse,conductance (siemens) and optionally cycle.")
    f.add_argument("--potentiation", type=Path, default=None, help="CSV of the potentiation branch")
    f.add_argument("--depression", type=Path, default=None, help="CSV of the depression branch (optional)")
    f.add_argument("--name", required=True, help="the device's name")
    f.add_argument("--out", type=Path, required=True, help="device file to write (.json)")
    f.add_argument("--force", action="store_true", help="overwrite an existing device file")
    f.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the intervals (default: 1000)")
    f.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    f.add_argument("--over", choices=("steps", "cycles"), default="steps",
                   help="what the bootstrap resamples: pulse-to-pulse steps (default) or whole cycles")


def _fit(args) -> None:
    from . import fit
    from .files import check_new

    if args.potentiation is None and args.depression is None:
        raise ValueError("give --potentiation LTP.csv, --depression LTD.csv, or both")
    if args.out.suffix.lower() != ".json":
        raise ValueError(f"--out {args.out}: name the device file with a .json suffix")
    if args.bootstrap < 0:
        raise ValueError(f"--bootstrap {args.bootstrap}: use 0 (no intervals) or more resamples, e.g. 1000")
    if args.seed < 0:
        raise ValueError(f"--seed {args.seed}: use an integer >= 0")
    check_new(args.out, force=args.force)  # before the work
    result = fit.fit(args.potentiation, args.depression, name=args.name, bootstrap=args.bootstrap, seed=args.seed,
                     over=args.over)
    fit.save(result, args.out, force=args.force)
    print(result.report())
    print(fit.neurosim_text(result))
    print(f"device file written to {args.out}; use it with: python -m synquant sweep --device {args.out}")


def _train(args) -> None:
    from . import model

    recipe = model.get_recipe(args.recipe)
    if args.batch_size is not None:
        recipe = recipe.replace(batch_size=args.batch_size)
    out = args.out or model.weights_path(recipe, args.seed)
    if out.exists() and not args.force:  # fail before an expensive training run
        raise FileExistsError(f"{out} already exists; pass --force to overwrite it")
    weights, meta = model.train(recipe, args.seed, epochs=args.epochs)
    model.save_weights(out, weights, meta, force=args.force)
    print(f"test accuracy {100 * meta['test_accuracy']:.2f} %, weights saved to {out}")


def _sweep(args) -> None:
    from . import devices, evaluate, model, quantize

    device = devices.get(args.device)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for m in methods:
        if m not in quantize.METHODS:
            raise ValueError(f"unknown method {m!r}: use one of {', '.join(quantize.METHODS)}")
    if args.out is not None and args.out.exists() and not args.force:
        raise FileExistsError(f"{args.out} already exists; pass --force to overwrite it")
    if args.weights is not None:
        weights, meta = model.load_weights(args.weights)
    else:
        weights, meta = model.load_weights(model.weights_path(args.recipe, args.seed))
    seed = meta.get("seed") if meta else None
    recipe = meta.get("tag", "") if meta else ""
    options = {name: getattr(args, name) for name in quantize.OPTIONS}
    rows = evaluate.sweep(weights, args.levels, methods, device, seed=seed, recipe=recipe, **options)
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
    from . import devices

    print(f"{'device':<10} {'states':>6} {'NL inc':>7} {'NL dec':>7} {'a inc':>9} {'a dec':>9} {'Gmax nS':>9} {'Gmin nS':>9} {'sigma':>6}")
    for d in devices.BENCHMARK.values():
        print(f"{d.name:<10} {d.states:>6} {d.nl_increase:>7} {d.nl_decrease:>7} {d.a('potentiation'):>9.4f} "
              f"{d.a('depression'):>9.4f} {1e9 * d.g_max:>9.3f} {1e9 * d.g_min:>9.3f} {100 * d.sigma:>5.1f}%")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        {"train": _train, "sweep": _sweep, "devices": _devices, "fit": _fit}[args.command](args)
    except (ValueError, TypeError, OSError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""How much the paper's result depends on chance and on the choices it does not state.

The computations behind the book's reproduction notes, each returning tidy rows (the
columns of :data:`synquant.evaluate.COLUMNS`, plus the column that varies):

* :func:`over_seeds`: the sweep for several training seeds of one recipe;
* :func:`over_recipes`: the sweep for recipes that differ in one unstated choice;
* :func:`over_options`: each alternative reading of :data:`synquant.quantize.OPTIONS`;
* :func:`over_states`: the proposed method with more or fewer device states, same nonlinearity;
* :func:`claim_spread`: each of the paper's claims as mean, standard deviation and count;
* :func:`mean_rows`: Figure 2 averaged over seeds, to check against the paper.
"""

from __future__ import annotations

import numpy as np

from . import devices, evaluate, model, paper, quantize

__all__ = ["over_seeds", "over_recipes", "over_options", "over_states", "mean_rows", "claim_spread", "benchmark",
           "SEEDS",
           "STATES"]

SEEDS = (0, 1, 2, 3, 4)
STATES = (10, 20, 30, 50, 75, 100, 150, 200)


def over_seeds(seeds=SEEDS, recipe="paper", levels=evaluate.LEVELS, device="PCMO", **options) -> list[dict]:
    """Sweeps of the sampling and proposed methods for each seed (cached weights, trained if missing)."""
    rows = []
    for seed in seeds:
        weights, meta = model.load_or_train(recipe, seed)
        rows += evaluate.sweep(weights, levels, ("sampling", "proposed"), device, seed=seed,
                               recipe=model.get_recipe(recipe).tag, **options)
    return rows


def over_recipes(recipes, seed: int = 0, levels=evaluate.LEVELS) -> list[dict]:
    """Sweeps for several training recipes (names of :data:`synquant.model.RECIPES`)."""
    rows = []
    for name in recipes:
        weights, _ = model.load_or_train(name, seed)
        rows += evaluate.sweep(weights, levels, ("sampling", "proposed"), seed=seed, recipe=name)
    return rows


def over_options(weights: dict, seed: int = 0, levels=evaluate.LEVELS) -> list[dict]:
    """The default sweep and one sweep per alternative reading, the others at their default.

    Each row's ``changed`` names the option that differs from the default ("none" for the default).
    """
    rows = [{**r, "changed": "none"} for r in evaluate.sweep(weights, levels, ("sampling", "proposed"), seed=seed)]
    for name, choices in quantize.OPTIONS.items():
        for choice in choices[1:]:
            part = evaluate.sweep(weights, levels, ("sampling", "proposed"), seed=seed, **{name: choice})
            rows += [{**r, "changed": name} for r in part]
    return rows


def over_states(weights: dict, states=STATES, levels=evaluate.LEVELS, device="PCMO", seed: int = 0) -> list[dict]:
    """The proposed method with ``states`` reference levels (the device's nonlinearity kept)."""
    base = devices.get(device)
    rows = []
    for n in states:
        part = evaluate.sweep(weights, levels, ("proposed",), base.with_states(n), seed=seed)
        rows += [{**r, "states": n} for r in part if r["method"] == "proposed"]
    return rows


def mean_rows(rows: list[dict]) -> list[dict]:
    """Rows averaged over seeds: one row per (method, levels), accuracy the mean, seed empty."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["method"], r["levels"]), []).append(r)
    return [{**group[0], "seed": "", "accuracy_pct": float(np.mean([r["accuracy_pct"] for r in group]))}
            for group in groups.values()]


def claim_spread(rows: list[dict]) -> list[dict]:
    """Each claim over the seeds in ``rows``: mean, sample standard deviation, how many meet it."""
    per_seed = {}
    for seed in sorted({r["seed"] for r in rows}):
        per_seed[seed] = paper.claims([r for r in rows if r["seed"] == seed])
    names = [c.name for c in next(iter(per_seed.values()))]
    out = []
    for i, name in enumerate(names):
        values = np.array([claims[i].measured for claims in per_seed.values()])
        first = next(iter(per_seed.values()))[i]
        out.append({"claim": name, "paper": first.paper, "criterion": first.criterion, "mean": float(values.mean()),
                    "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                    "min": float(values.min()), "max": float(values.max()),
                    "meet": int(sum(claims[i].holds for claims in per_seed.values())), "seeds": len(values)})
    return out


def benchmark() -> None:
    """All the quantize-and-evaluate work of the reproduction notes (weights cached)."""
    weights, _ = model.load_weights(model.weights_path("paper", 0))
    over_seeds()
    over_recipes([name for name in model.RECIPES if name != "paper"])
    over_options(weights)
    over_states(weights)

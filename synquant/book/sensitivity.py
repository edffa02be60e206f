"""How much the paper's result depends on chance, on the choices it does not state, on
the device and on the device's non-idealities.

The computations behind the chapters "Reproduction notes", "Every benchmark device" and
"Device non-idealities". Sweeps return tidy rows (the columns of
:data:`synquant.evaluate.COLUMNS`, plus the column that varies); summaries return plain
dicts; ``*_table`` functions return rows of strings for
:func:`synquant.figures.markdown_table`.

Reproduction notes:

* :func:`over_seeds`, :func:`over_recipes`, :func:`over_options`, :func:`over_states`:
  the sweep over training seeds, recipes, readings of the method, device states;
* :func:`mean_rows`: Figure 2 averaged over seeds, to check against the paper;
* :func:`claims_by`: the paper's claims for each value of a column (seed, recipe,
  reading);
* :func:`spread_table`: each claim over the seeds
  (:func:`synquant.book.paper.claim_verdicts`), under the strict reading of the paper's
  words and under the book's tolerance, side by side;
* :func:`recipe_table`, :func:`batch_accuracy`, :func:`option_table`;
* :func:`paired_test` and :func:`worst_level_tests`: McNemar tests on the same test
  images.

Devices: :func:`over_devices`, :func:`device_table`, :func:`device_summary`,
:func:`device_tests`, :func:`device_summary_table`.

Non-idealities (Monte Carlo of :mod:`synquant.nonideal`): :func:`interval`,
:func:`write_noise_rows`, :func:`write_noise_by_device`, :func:`write_noise_table`,
:func:`effect_rows`, :func:`pick`.
"""

from __future__ import annotations

import numpy as np

from .. import devices, evaluate, model, nonideal, quantize, stats
from . import cache, paper
from .format import fixed

__all__ = [
    "MATERIAL_P",
    "SEEDS",
    "book_claims",
    "STATES",
    "batch_accuracy",
    "benchmark",
    "claims_by",
    "device_summary",
    "device_summary_table",
    "device_table",
    "device_tests",
    "effect_rows",
    "interval",
    "mean_rows",
    "option_table",
    "over_devices",
    "over_options",
    "over_recipes",
    "over_seeds",
    "over_states",
    "paired_test",
    "pick",
    "recipe_table",
    "spread_table",
    "within_paper",
    "fewest_levels",
    "worst_level_tests",
    "write_noise_by_device",
    "write_noise_rows",
    "write_noise_table",
]

SEEDS = (0, 1, 2, 3, 4)
STATES = (10, 20, 30, 50, 75, 100, 150, 200)
#: The paper's two methods, compared in every sweep here.
PAIR = ("sampling", "proposed")
#: A difference between two methods counts as material when a paired test on the same
#: test images gives p below this.
MATERIAL_P = 0.05


# --- reproduction notes: sweeps ------------------------------------------------------


@cache.memo
def over_seeds(
    seeds=SEEDS, recipe="paper", levels=evaluate.LEVELS, device="PCMO", **options
) -> list[dict]:
    """Sweeps of the sampling and proposed methods for each seed (cached weights,
    trained if missing)."""
    device = devices.get(device)
    rows = []
    for seed in seeds:
        weights, _ = model.load_or_train(recipe, seed)
        rows += evaluate.sweep(
            weights,
            levels,
            PAIR,
            device,
            seed=seed,
            recipe=model.get_recipe(recipe).tag,
            **options,
        )
    return rows


@cache.memo
def over_recipes(recipes, seed: int = 0, levels=evaluate.LEVELS) -> list[dict]:
    """Sweeps for several training recipes (names of :data:`synquant.model.RECIPES`)."""
    rows = []
    for name in recipes:
        weights, _ = model.load_or_train(name, seed)
        rows += evaluate.sweep(weights, levels, PAIR, seed=seed, recipe=name)
    return rows


@cache.memo
def over_options(weights: dict, seed: int = 0, levels=evaluate.LEVELS) -> list[dict]:
    """The default sweep and one sweep per alternative reading, the others at their
    default.

    Each row's ``changed`` names the option that differs from the default ("none" for
    the default).
    """
    rows = [
        {**r, "changed": "none"}
        for r in evaluate.sweep(weights, levels, PAIR, seed=seed)
    ]
    for name, choices in quantize.OPTIONS.items():
        for choice in choices[1:]:
            part = evaluate.sweep(weights, levels, PAIR, seed=seed, **{name: choice})
            rows += [{**r, "changed": name} for r in part]
    return rows


@cache.memo
def over_states(
    weights: dict, states=STATES, levels=evaluate.LEVELS, device="PCMO", seed: int = 0
) -> list[dict]:
    """The proposed method with ``states`` reference levels (the device's nonlinearity
    kept), plus the software row of each count."""
    base = devices.get(device)
    rows = []
    for n in states:
        part = evaluate.sweep(
            weights, levels, ("proposed",), base.with_states(n), seed=seed
        )
        rows += [{**r, "states": n} for r in part]
    return rows


def mean_rows(rows: list[dict]) -> list[dict]:
    """Rows averaged over seeds: one row per (method, levels), accuracy the mean, seed
    empty."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["method"], r["levels"]), []).append(r)
    return [
        {
            **group[0],
            "seed": "",
            "accuracy_pct": float(np.mean([r["accuracy_pct"] for r in group])),
        }
        for group in groups.values()
    ]


def claims_by(rows: list[dict], column: str) -> dict:
    """``{value: {claim name: Claim}}``: :func:`synquant.paper.claims` of the rows with
    each value of ``column`` (e.g. "seed", "recipe", "changed"), in the order the values
    first
    appear."""
    if not rows:
        raise ValueError("no rows: pass the rows of a sweep")
    if any(column not in r for r in rows):
        raise ValueError(f"every row needs the column {column!r}")
    values = list(dict.fromkeys(r[column] for r in rows))
    return {
        v: {c.name: c for c in paper.claims([r for r in rows if r[column] == v])}
        for v in values
    }


# --- reproduction notes: claims over seeds, strict and within tolerance ---------------


def spread_table(verdicts: list[paper.ClaimVerdict]) -> list[list[str]]:
    """Rows (claim, paper, mean ± sd, range, seeds meeting it strictly, seeds meeting
    the tolerance) of :func:`synquant.book.paper.claim_verdicts`' output."""
    return [
        [
            v.name,
            v.paper,
            f"{fixed(v.mean)} ± {fixed(v.sd)}",
            f"{fixed(v.low)} to {fixed(v.high)}",
            f"{v.strict_seeds} of {v.seeds}",
            f"{v.tolerance_seeds} of {v.seeds}" if v.has_tolerance else "no tolerance",
        ]
        for v in verdicts
    ]


def option_table(option_claims: dict) -> list[list[str]]:
    """Rows (reading, then for each claim "yes (measured)" or "no (measured)")."""
    return [
        [paper.reading_title(k)]
        + [f"{'yes' if c.holds else 'no'} ({fixed(c.measured)})" for c in v.values()]
        for k, v in option_claims.items()
    ]


#: Columns of :func:`recipe_table`.
RECIPE_HEADER = [
    "recipe",
    "differs from paper",
    "software (%)",
    "10 levels (%)",
    "lead at 5 (points)",
    "claims: tolerance",
    "strictly",
]


def _recipe_change(recipe: model.Recipe) -> str:
    """What a recipe changes from the book's default, in a few words ("" for none)."""
    default = model.get_recipe("paper")
    words = {
        "batch_size": lambda v: f"batch {v:,}",
        "loss": lambda v: f"{v} loss",
        "use_bias": lambda v: "biases" if v else "no biases",
        "initializer": lambda v: f"{v} init",
    }
    return ", ".join(
        words.get(name, lambda v, n=name: f"{n} {v}")(getattr(recipe, name))
        for name in (
            "batch_size",
            "loss",
            "use_bias",
            "initializer",
            "learning_rate",
            "epochs",
            "momentum",
            "hidden",
        )
        if getattr(recipe, name) != getattr(default, name)
    )


def recipe_table(recipe_rows: list[dict]) -> list[list]:
    """Rows of :data:`RECIPE_HEADER` for :func:`over_recipes`' rows: each recipe, what
    it changes, software and proposed-at-10 accuracy (%), the lead at 5 levels
    (points), and how many of the paper's claims hold within the tolerance and
    strictly."""
    out = []
    for name, c in claims_by(recipe_rows, "recipe").items():
        out.append(
            [
                name,
                _recipe_change(model.get_recipe(name)) or "(the book's recipe)",
                fixed(c["software accuracy"].measured),
                fixed(c["proposed, 10 levels"].measured),
                stats.signed(c["proposed ahead at 5 levels"].measured, 1),
                f"{sum(bool(x.holds) for x in c.values())} of {len(c)}",
                f"{sum(bool(x.strict) for x in c.values())} of {len(c)}",
            ]
        )
    return out


def batch_accuracy(recipe_rows: list[dict]) -> dict[int, float]:
    """Software accuracy (%) by batch size, for the recipes that differ from the default
    only in their batch size (and the default itself), ascending."""
    default = model.get_recipe("paper")
    out = {}
    for r in recipe_rows:
        recipe = model.get_recipe(r["recipe"])
        same = (
            recipe.replace(name=default.name, batch_size=default.batch_size) == default
        )
        if r["method"] == "software" and same:
            out[recipe.batch_size] = r["accuracy_pct"]
    return dict(sorted(out.items()))


def within_paper(batch_acc: dict[int, float]) -> list[int]:
    """The batch sizes of :func:`batch_accuracy` whose software accuracy lies within the
    tolerance of the paper's (:func:`synquant.book.paper.tolerances`)."""
    tolerance = paper.tolerances()["software_pct"]
    return [b for b, acc in batch_acc.items() if tolerance.contains(acc)]


def fewest_levels(
    rows: list[dict], within: float = 0.5, method: str = "proposed"
) -> dict:
    """``{device: L}``: per device of a sweep's rows, the fewest levels at which
    ``method`` comes within ``within`` points of the software accuracy (None where it
    never does)."""
    out = {}
    for name in dict.fromkeys(r["device"] for r in rows):
        acc = evaluate.lookup([r for r in rows if r["device"] == name])
        close = [
            L
            for (m, L), a in acc.items()
            if m == method and acc[("software", None)] - a <= within
        ]
        out[name] = min(close) if close else None
    return out


def paired_test(
    weights: dict,
    levels: int,
    device="PCMO",
    a: str = "proposed",
    b: str = "sampling",
    **options,
):
    """McNemar's test (:func:`synquant.stats.mcnemar`) of method ``a`` against ``b`` at
    ``levels`` levels, on the same MNIST test images; ``a_only`` counts the images only
    ``a`` classifies correctly."""
    return evaluate.paired_over_levels(weights, a, b, [levels], device, **options)[
        levels
    ]


@cache.memo
def worst_level_tests(
    seed_rows: list[dict], recipe="paper", device="PCMO"
) -> list[dict]:
    """For each seed of :func:`over_seeds`' rows, the number of levels where the
    proposed
    method is furthest behind (or least ahead of) the sampling method, the difference
    (points) and the McNemar test there: ``{seed, levels, difference, test}``."""
    out = []
    for seed in dict.fromkeys(r["seed"] for r in seed_rows):
        acc = evaluate.lookup([r for r in seed_rows if r["seed"] == seed])
        levels = sorted(L for m, L in acc if m == "proposed" and ("sampling", L) in acc)
        worst = min(levels, key=lambda L: acc[("proposed", L)] - acc[("sampling", L)])
        weights, _ = model.load_or_train(recipe, seed)
        out.append(
            {
                "seed": seed,
                "levels": worst,
                "difference": acc[("proposed", worst)] - acc[("sampling", worst)],
                "test": paired_test(weights, worst, device),
            }
        )
    return out


# --- devices --------------------------------------------------------------------------


@cache.memo
def over_devices(
    weights: dict,
    device_list,
    seed: int = 0,
    branch: str = "potentiation",
    levels=evaluate.LEVELS,
) -> list[dict]:
    """The sweep of the sampling and proposed methods for each device (names, files or
    :class:`~synquant.devices.Device`), each with its own reference levels."""
    rows = []
    for d in device_list:
        rows += evaluate.sweep(
            weights, levels, PAIR, devices.get(d), seed=seed, branch=branch
        )
    return rows


def device_table(device_list) -> list[list]:
    """Rows (device, states, NL potentiation / depression, a of potentiation, on/off,
    cycle-to-cycle σ)."""
    out = []
    for d in map(devices.get, device_list):
        out.append(
            [
                d.name,
                d.states,
                f"{d.nl_increase:g} / {d.nl_decrease:g}",
                f"{d.a('potentiation'):.3f}",
                f"{d.on_off:g}",
                f"{100 * d.sigma:.1f} %",
            ]
        )
    return out


@cache.memo
def device_tests(
    weights: dict, device_list, levels: int = 5, branch: str = "potentiation"
) -> dict:
    """``{device name: McNemar result}`` of the proposed against the sampling method at
    ``levels`` levels on each device."""
    return {
        d.name: paired_test(weights, levels, d, branch=branch)
        for d in map(devices.get, device_list)
    }


def device_summary(
    rows: list[dict],
    device_list,
    branch: str = "potentiation",
    tests: dict | None = None,
) -> list[dict]:
    """Per device, in the order of ``device_list``: ``{device, states, nl, lead_first,
    mean_lead, proposed_10, sampling_10, software, test, sign, material}`` from
    :func:`over_devices`' rows. ``lead_first`` is the proposed method's lead at the
    fewest levels swept, ``mean_lead`` its mean over all levels (points), ``sign`` the
    sign test (:func:`synquant.stats.sign_test`) of the leads over the levels; with
    ``tests`` (:func:`device_tests`, at the fewest levels), ``material`` says whether
    the lead there is positive with p < :data:`MATERIAL_P`."""
    out = []
    for d in map(devices.get, device_list):
        part = [r for r in rows if r["device"] == d.name]
        if not part:
            raise ValueError(
                f"no rows of device {d.name!r}: pass the rows of over_devices"
            )
        acc = evaluate.lookup(part)
        levels = sorted(L for m, L in acc if m == "proposed" and ("sampling", L) in acc)
        if not levels:
            raise ValueError(
                f"rows of {d.name!r} lack the sampling and proposed methods"
            )
        leads = np.array([acc[("proposed", L)] - acc[("sampling", L)] for L in levels])
        test = None if tests is None else tests[d.name]
        out.append(
            {
                "device": d.name,
                "states": d.states,
                "nl": d.nl_increase if branch == "potentiation" else d.nl_decrease,
                "lead_first": float(leads[0]),
                "mean_lead": float(leads.mean()),
                "proposed_10": acc.get(("proposed", 10)),
                "sampling_10": acc.get(("sampling", 10)),
                "software": acc[("software", None)],
                "test": test,
                "sign": stats.sign_test(leads),
                "material": None
                if test is None
                else bool(test.pvalue < MATERIAL_P and leads[0] > 0),
            }
        )
    return out


def device_summary_table(summary: list[dict]) -> list[list]:
    """Rows (device, states, NL, lead at the fewest levels, its McNemar test, mean lead,
    levels ahead / behind with the sign test's p), by mean lead, largest first."""
    out = []
    for s in sorted(summary, key=lambda s: -s["mean_lead"]):
        t, g = s["test"], s["sign"]
        test = (
            "" if t is None else f"{t.a_only} vs {t.b_only}, {stats.format_p(t.pvalue)}"
        )
        out.append(
            [
                s["device"],
                s["states"],
                f"{s['nl']:g}",
                stats.signed(s["lead_first"]),
                test,
                stats.signed(s["mean_lead"]),
                f"{g.positive} / {g.negative}, {stats.format_p(g.pvalue)}",
            ]
        )
    return out


# --- non-idealities -------------------------------------------------------------------


@cache.memo
def interval(
    weights: dict,
    method: str,
    levels: int,
    device="PCMO",
    trials: int = 20,
    seed: int = 0,
    **effects,
) -> tuple[float, float, float]:
    """``(mean, low, high)`` in percent: the mean test accuracy over ``trials`` Monte
    Carlo chips (:func:`synquant.nonideal.monte_carlo`) and its 95 % Student-t interval.

    The interval is over chips, for this network and these test images."""
    acc = nonideal.monte_carlo(
        weights, method, levels, device, trials=trials, seed=seed, **effects
    )
    mean, low, high = nonideal.confidence_interval(acc)
    return 100 * mean, 100 * low, 100 * high


@cache.memo
def write_noise_rows(
    weights: dict,
    device="PCMO",
    levels=evaluate.LEVELS,
    methods=PAIR,
    trials: int = 20,
    seed: int = 0,
    x=None,
    y=None,
) -> list[dict]:
    """With the device's write noise and without: ``{method, levels, mean, low, high,
    ideal}`` per method and number of levels (percent), plus one ``method="software"``
    row (``levels`` None, ``mean`` the unquantized accuracy)."""
    device = devices.get(device)
    ideal = evaluate.lookup(
        evaluate.sweep(weights, levels, methods, device, seed=seed, x=x, y=y)
    )
    rows = [
        {
            "method": "software",
            "levels": None,
            "mean": ideal[("software", None)],
            "low": None,
            "high": None,
            "ideal": ideal[("software", None)],
        }
    ]
    for m in methods:
        for L in levels:
            mean, low, high = interval(weights, m, L, device, trials, seed, x=x, y=y)
            rows.append(
                {
                    "method": m,
                    "levels": L,
                    "mean": mean,
                    "low": low,
                    "high": high,
                    "ideal": ideal[(m, L)],
                }
            )
    return rows


def pick(rows: list[dict], **match) -> dict:
    """The one row of ``rows`` whose columns equal ``match`` (ValueError if none or
    several)."""
    found = [r for r in rows if all(r.get(k) == v for k, v in match.items())]
    if len(found) != 1:
        raise ValueError(f"{len(found)} rows match {match}, expected one")
    return found[0]


@cache.memo
def write_noise_by_device(
    weights: dict,
    device_list,
    levels: int = 10,
    trials: int = 20,
    seed: int = 0,
    method: str = "proposed",
    x=None,
    y=None,
) -> list[dict]:
    """Each device with its own write noise σ and states, at ``levels`` levels:
    ``{device, sigma_pct, states, ideal, mean, low, high, loss, pulse_noise}``.

    ``loss`` is ideal minus mean (points); ``pulse_noise`` is σ √(states − 1) (%), the
    write noise of a device programmed from Gmin to Gmax by pulse counting."""
    out = []
    for d in map(devices.get, device_list):
        ideal = 100 * evaluate.accuracy(
            quantize.network(weights, method, levels, d), x, y
        )
        mean, low, high = interval(weights, method, levels, d, trials, seed, x=x, y=y)
        out.append(
            {
                "device": d.name,
                "sigma_pct": 100 * d.sigma,
                "states": d.states,
                "ideal": ideal,
                "mean": mean,
                "low": low,
                "high": high,
                "loss": ideal - mean,
                "pulse_noise": 100 * d.sigma * np.sqrt(d.states - 1),
            }
        )
    return out


def write_noise_table(per_device: list[dict]) -> list[list]:
    """Rows (device, σ, states, σ √(states − 1), ideal, with write noise, 95 % interval,
    loss) of :func:`write_noise_by_device`."""
    return [
        [
            r["device"],
            f"{r['sigma_pct']:.1f}",
            r["states"],
            f"{r['pulse_noise']:.1f}",
            fixed(r["ideal"]),
            fixed(r["mean"]),
            f"{fixed(r['low'])} to {fixed(r['high'])}",
            fixed(r["loss"]),
        ]
        for r in per_device
    ]


@cache.memo
def effect_rows(
    weights: dict,
    effects: dict,
    device="PCMO",
    levels: int = 10,
    methods=PAIR,
    trials: int = 20,
    seed: int = 0,
    x=None,
    y=None,
) -> list[dict]:
    """Each effect alone (write noise off) at each of its sizes: ``{effect, keyword,
    value, method, mean, low, high}`` (percent).

    ``effects``: ``{title: (keyword of synquant.nonideal.perturb, sizes)}``."""
    rows = []
    for title, (keyword, values) in effects.items():
        if keyword not in nonideal.EFFECTS:
            raise ValueError(
                f"unknown effect {keyword!r}: use one of {', '.join(nonideal.EFFECTS)}"
            )
        for m in methods:
            for v in values:
                mean, low, high = interval(
                    weights,
                    m,
                    levels,
                    device,
                    trials,
                    seed,
                    x=x,
                    y=y,
                    sigma=0.0,
                    **{keyword: v},
                )
                rows.append(
                    {
                        "effect": title,
                        "keyword": keyword,
                        "value": v,
                        "method": m,
                        "mean": mean,
                        "low": low,
                        "high": high,
                    }
                )
    return rows


def benchmark() -> None:
    """All the quantize-and-evaluate work of the reproduction notes (weights cached)."""
    weights, _ = model.load_weights(model.weights_path("paper", 0))
    over_seeds()
    over_recipes([name for name in model.RECIPES if name != "paper"])
    over_options(weights)
    over_states(weights)


def book_claims() -> list[paper.Claim]:
    """The paper's claims for the book's network (seed 0 of the paper's recipe, PCMO,
    the default readings): the verdicts of the results chapter's table, against which
    other chapters show only the claims that differ (:func:`paper.differences`)."""
    return paper.claims(over_seeds((0,)))

"""Device non-idealities as seeded, vectorized Monte Carlo over trials.

Everything here is in normalized conductance units: Gmin -> 0, Gmax -> 1, so that
(Gmax - Gmin) -> 1 and a noise ``sigma`` is a fraction of the conductance range, as in
NeuroSim. The input is the output of :func:`synquant.quantize.layers`, one ``(q, s)``
per layer with ``q`` in [-1, 1]; each trial is a freshly programmed chip.

Mapping of a weight onto devices (:data:`synquant.quantize.OPTIONS` ``"mapping"``):

* ``"differential"``: a pair of devices. The one of the weight's sign (G+ for a zero
  weight) is programmed to conductance ``|q|``, the idle one stays at Gmin (0); the
  weight is ``G+ - G-``.
* ``"reference"``: one device holds ``u = (q + 1) / 2``; the weight is ``2u - 1`` (the
  reference column is ideal).

Effects, each off by default in :func:`perturb` except the write noise, and combinable:

* **write (cycle-to-cycle) noise**, as NeuroSim adds it: ``N(0, sigma) * sqrt(P)`` on
  the programmed device, with ``P`` = :func:`pulses` from Gmin to the target. A device
  left at Gmin takes no pulse and no write noise. ``sigma`` defaults to the device's
  own.
* **device-to-device spread of the nonlinearity**, as NeuroSim's ``sigmaDtoD``
  (``Cell.cpp``: ``paramA = getParamA(NL + N(0, sigmaDtoD))``): each device's label is
  the branch's label plus ``N(0, nl_spread)`` (additive, in NL units; a label that
  crosses zero bends the other way). The controller programs by pulse count, so the
  device receives the nominal pulse number ``x`` and reaches ``f_{a_i}(x)``.
* **read noise**: ``N(0, read_sigma)`` added to every device's conductance when read.
* **stuck-at faults**: a fraction ``stuck_min`` of devices stuck at Gmin and
  ``stuck_max`` stuck at Gmax, idle devices included (an idle device stuck at Gmax turns
  a zero weight into -1 under the differential mapping).

Clipping: a *programmed* conductance (curve, spread and write noise) is clipped to
[0, 1], since a device cannot be written past Gmin or Gmax. Read noise is added after
that and is *not* clipped: it is a fluctuation of the read current, not a state, and
clipping it would shift every idle device at Gmin up by about 0.4 ``read_sigma`` on
average. So with ``read_sigma > 0`` a weight may leave [-1, 1] slightly.

Each effect draws from its own stream (spawned from the generator), so switching one
effect on or off leaves the random numbers of the others unchanged.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
from scipy import stats

from . import checks, devices, evaluate, model, quantize

__all__ = [
    "MAX_TRIALS",
    "MAX_TRIAL_WEIGHTS",
    "EFFECTS",
    "pulses",
    "labels_to_a",
    "perturb",
    "monte_carlo",
    "confidence_interval",
]

#: Keyword arguments of :func:`perturb` that set an effect (the rest of
#: :func:`monte_carlo`'s keywords are :data:`synquant.quantize.OPTIONS`).
EFFECTS = ("sigma", "nl_spread", "read_sigma", "stuck_min", "stuck_max")

#: Range of |a| covered by :func:`labels_to_a`: labels beyond it are clamped to its ends
#: (|a| = 1e-6 is nearly a step, |NL| ~ 10.1; |a| = 1e8 is linear to about 1e-9).
A_RANGE = (1e-6, 1e8)
#: Points of the (logit gap, log a) table behind :func:`labels_to_a`; 4096 keeps its
#: relative error in ``a`` below 2e-6 against :func:`synquant.devices.nl_to_a`.
A_GRID = 4096
#: Slack allowed on a conductance or weight bound before it counts as out of range.
_TOL = 1e-6


# -- the device curve, vectorized
# ---------------------------------------------------------


def pulses(g, device="PCMO", branch: str = "potentiation") -> np.ndarray:
    """Pulse numbers from Gmin to normalized conductances ``g`` (float64, the shape of
    ``g``).

    ``P = x * (states - 1)`` with ``x`` the inverse of the branch's curve
    ``f(x) = (1 - exp(-x/a)) / (1 - exp(-1/a))`` at ``g``, ``a = device.a(branch)``
    (``a = inf`` is linear). ``P`` is 0 at ``g = 0`` and ``states - 1`` at ``g = 1``; it
    is
    fractional for a ``g`` between the device's levels (e.g. from the "uniform" method).
    """
    device = devices.get(device)
    devices.check_branch(branch)
    g = np.asarray(g, dtype=np.float64)
    if not np.all(np.isfinite(g)):
        raise ValueError("conductances contain NaN or infinite values")
    if g.size and (g.min() < -_TOL or g.max() > 1 + _TOL):
        raise ValueError(
            f"normalized conductances must lie in [0, 1] (got {g.min():.4g} to "
            f"{g.max():.4g}): "
            "pass |q| of quantize.layers (differential) or (q + 1) / 2 (reference)"
        )
    g = np.clip(g, 0.0, 1.0)
    a = device.a(branch)
    if np.isinf(a):
        x = g
    else:
        b = abs(a)
        h = g if a > 0 else 1 - g
        x = -b * np.log1p(h * np.expm1(-1 / b))
        x = x if a > 0 else 1 - x
    return np.clip(x, 0.0, 1.0) * (device.states - 1)


@functools.lru_cache(maxsize=1)
def _a_table() -> tuple[float, float, np.ndarray, float, float]:
    """log a on :data:`A_GRID` evenly spaced values of logit(gap), from NeuroSim's label
    rule.

    The gap of each ``a`` is in closed form (as in :func:`synquant.devices.max_gap`); a
    dense
    table of it is inverted once by interpolation. In logit(gap) = log(gap / (1 - gap)),
    log a is close to linear at both ends, so an evenly spaced grid serves, and reading
    it
    is index arithmetic rather than a search. Returns (first logit, step, log a,
    smallest
    gap, largest gap).
    """
    log_a = np.linspace(np.log(A_RANGE[1]), np.log(A_RANGE[0]), 1 << 18)
    a = np.exp(log_a)
    norm = -np.expm1(-1 / a)
    x_star = -a * np.log(a * norm)  # where f'(x) = 1
    gap = -np.expm1(-x_star / a) / norm - x_star
    logit = np.log(gap) - np.log1p(-gap)  # ascending as a falls
    grid = np.linspace(logit[0], logit[-1], A_GRID)
    return (
        float(grid[0]),
        float(grid[1] - grid[0]),
        np.interp(grid, logit, log_a),
        float(gap[0]),
        float(gap[-1]),
    )


def labels_to_a(nl) -> np.ndarray:
    """Curve parameters ``a`` for an array of nonlinearity labels ``nl`` (float64, same
    shape).

    The vectorized form of ``devices.nl_to_a(nl, grid=None, table=False)``: ``a`` solves
    ``max_x |f_a(x) - x| = 0.099 |NL|``, read by linear interpolation of ``log a`` on
    :data:`A_GRID` evenly spaced values of logit(gap) (relative error below 2e-6). The
    sign
    of ``a`` follows ``nl``; labels beyond :data:`A_RANGE` are clamped (``nl = 0`` gives
    ``a = 1e8``, linear to about 1e-9; ``|nl| >= 10.1`` a near-step curve).
    """
    nl = np.asarray(nl, dtype=np.float64)
    first, step, table, gap_min, gap_max = _a_table()
    gap = np.clip(devices.GAP_PER_NL * np.abs(nl), gap_min, gap_max)
    t = (np.log(gap) - np.log1p(-gap) - first) / step
    i = np.clip(t.astype(np.intp), 0, table.size - 2)
    a = np.exp(table[i] + (t - i) * (table[i + 1] - table[i]))
    return np.where(nl < 0, -a, a)


def _nominal_label(device: devices.Device, branch: str) -> float:
    """The label whose gap-rule curve is the branch's nominal one (NeuroSim's table
    entry)."""
    a = device.a(branch)
    return (
        0.0
        if np.isinf(a)
        else float(np.copysign(devices.max_gap(abs(a)) / devices.GAP_PER_NL, a))
    )


# -- validation
# ---------------------------------------------------------------------------


#: Most Monte Carlo trials (simulated chips) in one call: the 95 % interval of the mean
#: accuracy narrows as 1 / sqrt(trials), so 1000 trials already pin it to a few
#: hundredths of a point; more are almost always a typo.
MAX_TRIALS = 1000
#: Most perturbed weights held at once (trials x weights of one layer): each is a
#: float32 in several arrays of that shape, so this bounds a call to a few GB. The
#: paper's network (100 352 weights in W1) fits 1000 trials.
MAX_TRIAL_WEIGHTS = 2**27
#: The declared constraint of :func:`monte_carlo`'s ``trials`` (:func:`perturb` takes
#: any number whose copies stay within :data:`MAX_TRIAL_WEIGHTS`).
TRIALS = checks.Integer(
    least=1,
    most=MAX_TRIALS,
    hint=f"a number of simulated chips from 1 to {MAX_TRIALS} (e.g. 20)",
)


def _check_size(trials: int, name: str, size: int) -> None:
    """Refuse ``trials`` copies of a layer of ``size`` weights beyond
    :data:`MAX_TRIAL_WEIGHTS`, before any of them is made."""
    if trials * size > MAX_TRIAL_WEIGHTS:
        raise ValueError(
            f"trials={trials} copies of {name} ({size} weights) would hold "
            f"{trials * size:.3g} perturbed weights at once, above {MAX_TRIAL_WEIGHTS} "
            f"(nonideal.MAX_TRIAL_WEIGHTS): use at most {MAX_TRIAL_WEIGHTS // size} "
            "trials, and run more with other seeds"
        )


def _real(name: str, value) -> float:
    """A real number (TypeError naming ``name`` for a string or other non-number)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a number, got {value!r} ({type(value).__name__})"
        )
    return float(value)


def _check_effects(
    sigma, nl_spread, read_sigma, stuck_min, stuck_max
) -> dict[str, float]:
    out = {}
    for name, value in (
        ("sigma", sigma),
        ("nl_spread", nl_spread),
        ("read_sigma", read_sigma),
    ):
        value = _real(name, value)
        if not np.isfinite(value) or value < 0:
            raise ValueError(
                f"{name} must be a finite number >= 0 (0 turns the effect off), got "
                f"{value!r}"
            )
        out[name] = value
    for name, value in (("stuck_min", stuck_min), ("stuck_max", stuck_max)):
        value = _real(name, value)
        if not 0 <= value <= 1:  # also rejects NaN
            raise ValueError(
                f"{name} is a fraction of devices and must lie in [0, 1], got {value!r}"
            )
        out[name] = value
    if out["stuck_min"] + out["stuck_max"] > 1:
        raise ValueError(
            f"stuck_min + stuck_max = {out['stuck_min'] + out['stuck_max']:.4g} "
            "exceeds 1: "
            "at most every device can be stuck"
        )
    return out


def _check_mapping(mapping: str) -> str:
    return checks.choice("mapping", mapping, quantize.OPTIONS["mapping"])


# -- Monte Carlo
# --------------------------------------------------------------------------


def _stuck(
    g: np.ndarray, rng: np.random.Generator, stuck_min: float, stuck_max: float
) -> None:
    """Set, in place, a fraction ``stuck_min`` of ``g`` to 0 and ``stuck_max`` to 1
    (disjoint)."""
    u = rng.random(g.shape, dtype=np.float32)
    g[u < stuck_min] = 0
    g[u >= 1 - stuck_max] = 1


@checks.validate(trials=checks.Integer(least=1, hint="a number of copies, e.g. 20"))
def perturb(
    quantized: dict,
    device,
    trials: int,
    rng: np.random.Generator,
    mapping: str = "differential",
    branch: str = "potentiation",
    sigma: float | None = None,
    nl_spread: float = 0.0,
    read_sigma: float = 0.0,
    stuck_min: float = 0.0,
    stuck_max: float = 0.0,
) -> dict[str, tuple[np.ndarray, float]]:
    """``trials`` noisy copies of quantized layers: ``{name: (q_trials, s)}``.

    ``quantized``: :func:`synquant.quantize.layers`' output, ``{name: (q, s)}`` with
    ``q``
    in [-1, 1]; ``q_trials`` has shape ``(trials, *q.shape)``, the dtype of ``q`` (at
    least
    float32), and the same scale ``s``. ``mapping`` and ``branch`` must be those the
    layers were quantized with. Effects (see the module's docstring), all in units of
    (Gmax - Gmin): ``sigma`` write noise per sqrt(pulse) (None: ``device.sigma``; 0:
    off),
    ``nl_spread`` standard deviation of the NL label per device (additive),
    ``read_sigma``
    read noise, ``stuck_min`` / ``stuck_max`` fractions of devices stuck at Gmin / Gmax.
    With every effect off each trial equals ``q`` exactly. ``rng``:
    ``np.random.default_rng(seed)``; the same seed gives the same trials.
    """
    device = devices.get(device)
    _check_mapping(mapping)
    devices.check_branch(branch)
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy Generator, got {type(rng).__name__}: pass "
            "np.random.default_rng(seed)"
        )
    eff = _check_effects(
        device.sigma if sigma is None else sigma,
        nl_spread,
        read_sigma,
        stuck_min,
        stuck_max,
    )
    stuck = eff["stuck_min"] > 0 or eff["stuck_max"] > 0
    # one stream per effect, so that each effect's draws do not depend on the others
    rng_d2d, rng_write, rng_stuck, rng_read = rng.spawn(4)
    nominal_nl = _nominal_label(device, branch)
    steps = device.states - 1

    layers = {}
    for name, pair in quantized.items():
        try:
            q, s = pair
        except (TypeError, ValueError):
            raise ValueError(
                f"quantized[{name!r}] must be a pair (q, s) as quantize.layers returns"
            ) from None
        layers[name] = checks.finite_array(f"quantized[{name!r}]", q), s
        _check_size(trials, name, layers[name][0].size)

    out = {}
    for name, (q, s) in layers.items():
        if q.size and np.max(np.abs(q)) > 1 + _TOL:
            raise ValueError(
                f"quantized[{name!r}] leaves [-1, 1] (largest magnitude "
                f"{np.max(np.abs(q)):.4g}): "
                "pass the normalized output of quantize.layers, not quantize.network"
            )
        dtype = np.result_type(q.dtype, np.float32)
        q = q.astype(dtype, copy=False)
        shape = (trials, *q.shape)
        if (
            mapping == "differential"
        ):  # the device of the weight's sign (G+ for 0) holds |q|
            target, sign = np.abs(q), np.where(q < 0, -1, 1).astype(np.float32)
        else:  # one device holds u = (q + 1) / 2, the weight is 2u - 1
            target, sign = (q + 1) / 2, None

        # conductance of the programmed device: curve, write noise, clipped to [0, 1]
        target32 = target.astype(np.float32)
        g = np.broadcast_to(target32, shape).copy()
        if eff["nl_spread"] > 0 or eff["sigma"] > 0:
            p = pulses(target, device, branch).astype(np.float32)
            if eff["nl_spread"] > 0:  # its own curve, at the nominal pulse number
                labels = nominal_nl + eff["nl_spread"] * rng_d2d.standard_normal(
                    shape, dtype=np.float32
                )
                g = devices.curve(
                    p / np.float32(steps), labels_to_a(labels).astype(np.float32)
                ).astype(np.float32)
            if eff["sigma"] > 0:
                g += (
                    np.float32(eff["sigma"])
                    * np.sqrt(p)
                    * rng_write.standard_normal(shape, dtype=np.float32)
                )
            np.clip(g, 0, 1, out=g)
        if stuck:
            _stuck(g, rng_stuck, eff["stuck_min"], eff["stuck_max"])
        if eff["read_sigma"] > 0:
            g += np.float32(eff["read_sigma"]) * rng_read.standard_normal(
                shape, dtype=np.float32
            )

        untouched = g == target32
        if mapping == "differential":  # the idle device sits at Gmin, 0
            idle = np.zeros(shape, dtype=np.float32)
            if stuck:
                _stuck(idle, rng_stuck, eff["stuck_min"], eff["stuck_max"])
            if eff["read_sigma"] > 0:
                idle += np.float32(eff["read_sigma"]) * rng_read.standard_normal(
                    shape, dtype=np.float32
                )
            weight = sign * (g - idle)
            untouched &= idle == 0
        else:
            weight = 2 * g - 1
        # where no effect touched a weight, give q back free of rounding
        out[name] = (np.where(untouched, q, weight).astype(dtype, copy=False), s)
    return out


@checks.validate(trials=TRIALS)
def monte_carlo(
    weights: dict,
    method: str,
    levels: int,
    device="PCMO",
    trials: int = 20,
    seed=0,
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    **effects_and_options,
) -> np.ndarray:
    """Test accuracies (fractions in [0, 1]) of ``trials`` perturbed networks, shape
    (trials,).

    Quantizes ``weights`` ({"W1", "b1", "W2", "b2"}) with
    :func:`synquant.quantize.layers`,
    perturbs the layers with :func:`perturb` and evaluates every trial with
    :func:`synquant.evaluate.accuracies` (default test set: the 10,000 MNIST test
    images).
    ``effects_and_options`` are :func:`perturb`'s effects (:data:`EFFECTS`; by default
    only
    the device's own write noise) and the readings of :data:`synquant.quantize.OPTIONS`.
    ``seed`` (a non-negative integer) seeds ``np.random.default_rng``: the same seed
    gives
    identical numbers. Every argument is checked before the first trial.
    """
    unknown = set(effects_and_options) - set(EFFECTS) - set(quantize.OPTIONS)
    if unknown:
        raise ValueError(
            f"unknown keyword(s) {', '.join(sorted(unknown))}: use the effects "
            f"{', '.join(EFFECTS)} "
            f"or the options {', '.join(quantize.OPTIONS)}"
        )
    effects = {k: v for k, v in effects_and_options.items() if k in EFFECTS}
    options = {k: v for k, v in effects_and_options.items() if k in quantize.OPTIONS}
    seed = checks.seed(seed)
    device = devices.get(device)
    weights = model.check_weights(weights)
    opt = quantize.check_options(options)
    _check_effects(
        device.sigma if effects.get("sigma") is None else effects["sigma"],
        *(effects.get(k, 0.0) for k in EFFECTS[1:]),
    )
    x, y = evaluate.test_set(x, y)
    layers = quantize.layers(weights, method, levels, device, **options)
    noisy = perturb(
        layers,
        device,
        trials,
        np.random.default_rng(seed),
        mapping=opt["mapping"],
        branch=opt["branch"],
        **effects,
    )
    crossbar = opt["bias"] == "crossbar"
    full = quantize.unnormalize(weights, noisy, crossbar)
    per_trial = set(noisy) | (
        {"b" + name[1:] for name in noisy} & set(weights) if crossbar else set()
    )
    sets = [
        {k: (v[t] if k in per_trial else v) for k, v in full.items()}
        for t in range(trials)
    ]
    return evaluate.accuracies(sets, x, y)


def confidence_interval(acc, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of trial accuracies and its two-sided Student-t interval: ``(mean, low,
    high)``.

    ``mean +- t_{(1 + level)/2, n - 1} * std(acc, ddof=1) / sqrt(n)`` over the ``n``
    trials,
    in the units of ``acc``: an interval for the *expected* accuracy of a chip, not for
    one chip's accuracy. Needs at least 2 trials.
    """
    acc = np.asarray(acc, dtype=np.float64)
    if acc.ndim != 1:
        raise ValueError(
            f"acc must be 1-D (one accuracy per trial), got shape {acc.shape}"
        )
    if acc.size < 2:
        raise ValueError(
            f"a confidence interval needs at least 2 trials, got {acc.size}: run more "
            "trials"
        )
    if not np.all(np.isfinite(acc)):
        raise ValueError("acc contains NaN or infinite values")
    level = float(level)
    if not 0 < level < 1:
        raise ValueError(
            f"level must lie strictly between 0 and 1 (e.g. 0.95), got {level!r}"
        )
    mean = float(np.mean(acc))
    half = float(
        stats.t.ppf((1 + level) / 2, acc.size - 1)
        * np.std(acc, ddof=1)
        / np.sqrt(acc.size)
    )
    return mean, mean - half, mean + half

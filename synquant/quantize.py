"""Quantization of trained weights onto a synaptic device's conductance levels.

The paper's pipeline, one function each:

* :func:`normalize` divides weights by their largest magnitude, into [-1, 1];
* :func:`uniform` rounds magnitudes to ``L`` evenly spaced levels 0, 1/(L-1), ..., 1;
* :func:`snap` moves each magnitude to the nearest *reference level*;
* :func:`proposed` is uniform, then snap to the device's reference levels (its 50
  states);
* :func:`sampling` is the existing "sampling method": snap to the device curve sampled
  at
  ``L`` evenly spaced pulses, so the levels are as nonlinear as the device.

Beyond the paper, the method "optimal" (:mod:`synquant.optimal`) picks the ``L`` of the
device's reference levels that fit each layer's weights best.

All of them keep the sign and act on the magnitude (sign and magnitude, as on a
differential pair). A value exactly halfway between two levels goes to the larger one,
in :func:`uniform` and :func:`snap` alike.

:func:`network` applies a method to a whole weight set under the readings the paper
leaves open (mapping of signed weights, what ``L`` counts, where the maximum is taken,
what happens to biases); their defaults are in :data:`DEFAULTS`.
"""

from __future__ import annotations

import numpy as np

from . import checks, devices, model, optimal
from .levels import snap

__all__ = [
    "normalize",
    "uniform",
    "snap",
    "proposed",
    "sampling",
    "sampling_levels",
    "network",
    "layers",
    "unnormalize",
    "device_levels",
    "check_method",
    "check_options",
    "METHODS",
    "OPTIONS",
    "DEFAULTS",
    "MAX_LEVELS",
]

METHODS = ("proposed", "sampling", "uniform", "optimal")

#: Largest number of levels (see :data:`synquant.checks.MAX_LEVELS` for why).
MAX_LEVELS = checks.MAX_LEVELS

#: The readings the paper leaves open, each with its choices; the first is the default.
OPTIONS: dict[str, tuple[str, ...]] = {
    # differential: W = G+ - G-, sign and magnitude, the idle device at Gmin;
    # reference: one device per weight, G = Gmin + (W + 1)/2 (Gmax - Gmin), minus a
    # reference.
    "mapping": ("differential", "reference"),
    # magnitude: L magnitude levels, zero included (2L - 1 signed values);
    # signed: L counts the signed values, at most L of them.
    "counting": ("magnitude", "signed"),
    # layer: each layer divided by its own maximum; network: one maximum for all layers.
    "scale": ("layer", "network"),
    # which branch of the device curve gives the conductances.
    "branch": devices.BRANCHES,
    # digital: biases stay at full precision in the periphery;
    # crossbar: a bias is one more row of the layer's array, quantized with it.
    "bias": ("digital", "crossbar"),
}
DEFAULTS: dict[str, str] = {name: choices[0] for name, choices in OPTIONS.items()}


def _check_levels(levels, least: int = 2) -> int:
    return checks.levels(levels, least)


def _check_finite(w, what: str = "weights") -> np.ndarray:
    return checks.finite_array(what, w)


def _check_unit(w) -> np.ndarray:
    w = _check_finite(w)
    if w.size and np.max(np.abs(w)) > 1 + 1e-6:
        raise ValueError(
            "weights must be normalized into [-1, 1] (largest magnitude "
            f"{np.max(np.abs(w)):.4g}): "
            "call normalize() first"
        )
    return w


def normalize(w, scale: float | None = None) -> tuple[np.ndarray, float]:
    """Divide weights by their largest magnitude (or by ``scale``), into [-1, 1].

    Returns ``(w / s, s)`` with the array's shape and dtype kept; ``s`` is a positive
    float.
    """
    w = _check_finite(w)
    if scale is None:
        if w.size == 0:
            raise ValueError("weights are empty: pass at least one weight to normalize")
        s = float(np.max(np.abs(w)))
        if s == 0:
            raise ValueError(
                "cannot normalize all-zero weights (their maximum is 0): check that "
                "training ran"
            )
    else:
        s = checks.number(
            "scale", scale, positive=True, hint="pass the largest magnitude, or None"
        )
    return (
        w / np.asarray(s, dtype=w.dtype)
        if np.issubdtype(w.dtype, np.floating)
        else w / s
    ), s


@checks.validate(levels=checks.Levels())
def uniform(w, levels: int) -> np.ndarray:
    """Round magnitudes of normalized weights to ``levels`` evenly spaced values in
    [0, 1].

    ``w``: any shape, values in [-1, 1]. The result has at most ``levels`` distinct
    magnitudes, zero and one included; signs are kept.
    """
    w = _check_unit(w)
    steps = levels - 1
    magnitude = np.minimum(np.floor(np.abs(w) * steps + 0.5), steps) / steps
    return (np.sign(w) * magnitude).astype(
        w.dtype if np.issubdtype(w.dtype, np.floating) else np.float64
    )


def proposed(w, levels: int, reference) -> np.ndarray:
    """The proposed method: :func:`uniform` to ``levels``, then :func:`snap` to
    ``reference``."""
    return snap(uniform(w, levels), reference)


@checks.validate(levels=checks.Levels(), branch=checks.Choice(devices.BRANCHES))
def sampling_levels(
    levels: int, device="PCMO", branch: str = "potentiation"
) -> np.ndarray:
    """The device curve at ``levels`` evenly spaced pulse numbers (first, last
    included), shape (levels,)."""
    return devices.get(device).conductance(np.linspace(0.0, 1.0, levels), branch)


def sampling(w, levels: int, device="PCMO", branch: str = "potentiation") -> np.ndarray:
    """The sampling method: snap magnitudes to the device curve sampled at ``levels``
    pulses."""
    _check_unit(w)
    return snap(w, sampling_levels(levels, device, branch))


def device_levels(
    levels: int, mapping: str = "differential", counting: str = "magnitude"
) -> int:
    """How many levels one device must hold to give ``levels`` under a mapping and
    counting.

    Differential pair, magnitude counting: ``L`` (each device holds the magnitude).
    Differential pair, signed counting: ``(L + 1) // 2`` magnitudes, at most ``L``
    signed values.
    One device plus a reference, magnitude counting: ``2L - 1`` (the signed range).
    One device plus a reference, signed counting: ``L``.
    """
    _check_option("mapping", mapping)
    _check_option("counting", counting)
    least = 3 if (mapping, counting) == ("differential", "signed") else 2
    levels = _check_levels(levels, least)
    if mapping == "differential":
        return levels if counting == "magnitude" else (levels + 1) // 2
    return 2 * levels - 1 if counting == "magnitude" else levels


def _check_option(name: str, value: str) -> str:
    """``value`` when it is a choice of the option ``name`` (of :data:`OPTIONS`)."""
    return checks.choice(name, value, OPTIONS[name])


def check_method(method: str) -> str:
    """``method`` when it is one of :data:`METHODS`; else an error listing them."""
    if isinstance(method, str) and method not in METHODS and "," in method:
        raise ValueError(
            f"method {method!r} is one method: pass one of {', '.join(METHODS)}"
        )
    return checks.choice("method", method, METHODS)


def _method(u, method: str, k: int, device: devices.Device, branch: str) -> np.ndarray:
    """Quantize ``u`` in [-1, 1] (or [0, 1]) to ``k`` levels of ``device`` by a checked
    ``method``."""
    if method == "proposed":
        return proposed(u, k, device.reference_levels(branch))
    if method == "sampling":
        return sampling(u, k, device, branch)
    if method == "uniform":
        return uniform(u, k)
    # "optimal", beyond the paper (synquant.optimal): zero (Gmin) stays a level, as in
    # the other methods' L
    return optimal.quantize(u, k, device.reference_levels(branch), keep_first=True)


def check_options(options: dict) -> dict[str, str]:
    """The readings ``options`` (names of :data:`OPTIONS`) completed with
    :data:`DEFAULTS`; an unknown name or choice is an error naming it."""
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise ValueError(
            f"unknown option(s) {', '.join(sorted(unknown))}: use {', '.join(OPTIONS)}"
        )
    opt = {**DEFAULTS, **options}
    for name, value in opt.items():
        _check_option(name, value)
    return opt


def layers(
    weights: dict, method: str, levels: int, device="PCMO", **options
) -> dict[str, tuple[np.ndarray, float]]:
    """Quantized layers in normalized units: ``{"W1": (q1, s1), "W2": (q2, s2)}``.

    ``q`` lies in [-1, 1] with the layer's shape (one more row, the bias, with
    ``bias="crossbar"``); ``q * s`` is the layer in the original units. Under the
    differential mapping ``|q|`` is the programmed device's normalized conductance;
    under
    the reference mapping the device holds ``(q + 1) / 2``. ``weights`` must be a
    784-H-10 network (:func:`synquant.model.check_weights`).
    """
    opt = check_options(options)
    check_method(method)
    device = devices.get(device)
    k = device_levels(levels, opt["mapping"], opt["counting"])
    model.check_weights(weights)

    arrays = {}
    for name in ("W1", "W2"):
        w = _check_finite(weights[name], name)
        bias = "b" + name[1:]
        if opt["bias"] == "crossbar" and bias in weights:
            w = np.vstack([w, np.asarray(weights[bias], dtype=w.dtype)[None, :]])
        arrays[name] = w
    scales = {name: float(np.max(np.abs(w))) for name, w in arrays.items()}
    if opt["scale"] == "network":
        scales = dict.fromkeys(scales, max(scales.values()))

    out = {}
    for name, w in arrays.items():
        w_n, s = normalize(w, scales[name] or None)
        if opt["mapping"] == "differential":
            q = _method(w_n, method, k, device, opt["branch"])
        else:  # the device holds (w + 1) / 2; the reference column subtracts the middle
            q = 2 * _method((w_n + 1) / 2, method, k, device, opt["branch"]) - 1
        out[name] = (q, s)
    return out


def network(weights: dict, method: str, levels: int, device="PCMO", **options) -> dict:
    """Quantize a weight set ``{"W1", "b1", "W2", "b2"}`` and return it in the original
    units.

    Each layer's weights (and, with ``bias="crossbar"``, its bias as one more row) are
    normalized, quantized by ``method`` (one of :data:`METHODS`) and scaled
    back by the same maximum, so that the result plugs into the unquantized network.
    ``options`` are those of :data:`OPTIONS` (defaults in :data:`DEFAULTS`).
    """
    crossbar = options.get("bias") == "crossbar"
    return unnormalize(
        weights, layers(weights, method, levels, device, **options), crossbar
    )


def unnormalize(weights: dict, quantized: dict, crossbar: bool = False) -> dict:
    """Weight set in the original units from :func:`layers`' output (biases split off if
    ``crossbar``).

    ``quantized[name]`` may carry leading axes (Monte Carlo trials); biases not on the
    crossbar are taken from ``weights`` unchanged.
    """
    out = dict(weights)
    for name, (q, s) in quantized.items():
        q = (np.asarray(q) * s).astype(np.float32)
        bias = "b" + name[1:]
        if crossbar and bias in weights:
            out[name], out[bias] = q[..., :-1, :], q[..., -1, :]
        else:
            out[name] = q
    return out

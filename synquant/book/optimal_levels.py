"""The optimal-levels chapter's summaries: what each method's levels cost the weights.

:func:`weight_mse` (the mean squared error of the normalized weights after
quantization), :func:`chosen_levels` (the levels each method uses for one layer) and
:func:`clipping` (what the optimal levels give up at the top), on top of
:mod:`synquant.optimal`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import devices, optimal, quantize

__all__ = ["Clipping", "chosen_levels", "clipping", "weight_mse"]


def weight_mse(
    weights: dict, method: str, levels: int, device="PCMO", **options
) -> float:
    """Mean squared error of the normalized weights of both layers after quantization.

    Each layer is compared in its own normalized units (``quantize.layers``), and the
    squared errors of all weights of ``W1`` and ``W2`` are averaged together.
    ``options``: the readings of :data:`synquant.quantize.OPTIONS`.
    """
    errors = []
    layers = quantize.layers(weights, method, levels, device, **options)
    for name, (q, s) in layers.items():
        w = np.asarray(weights[name], dtype=np.float64)
        if q.shape != w.shape:  # bias="crossbar": the bias is one more row
            bias = np.asarray(weights["b" + name[1:]], dtype=np.float64)
            w = np.vstack([w, bias[None]])
        errors.append(((np.asarray(q, dtype=np.float64) - w / s) ** 2).ravel())
    return float(np.concatenate(errors).mean())


def chosen_levels(
    weights: dict,
    levels: int,
    device="PCMO",
    layer: str = "W1",
    branch: str = "potentiation",
) -> dict[str, np.ndarray]:
    """The magnitude levels each method uses for one layer (normalized, ascending).

    ``{"sampling", "proposed", "optimal"}``: the device curve at ``levels`` evenly
    spaced pulses; the uniform grid snapped to the device's reference levels (distinct
    values); and the optimal levels for the layer's own magnitudes, zero among them.
    """
    device = devices.get(device)
    sampling = quantize.sampling_levels(levels, device, branch)  # checks levels
    reference = device.reference_levels(branch)
    magnitudes = np.abs(quantize.normalize(weights[layer])[0])
    grid = np.linspace(0.0, 1.0, levels)
    return {
        "sampling": sampling,
        "proposed": np.unique(quantize.proposed(grid, levels, reference)),
        "optimal": optimal.levels(reference, levels, magnitudes, keep_first=True),
    }


@dataclass(frozen=True, eq=False)
class Clipping:
    """What the optimal levels of one layer give up at the top.

    ``top``: the largest chosen level (normalized); ``count`` and ``fraction``: how many
    of the layer's weights lie above it (and so are clipped to it); ``clipped``: the
    weight set with only that clipping applied, everything else at full precision;
    ``zeroed``: the same weights set to zero instead, to see whether they matter at all.
    """

    layer: str
    levels: int
    top: float
    count: int
    fraction: float
    clipped: dict
    zeroed: dict


def clipping(weights: dict, levels: int, device="PCMO", layer: str = "W1") -> Clipping:
    """The clipping that the optimal ``levels`` levels of ``layer`` impose
    (see :class:`Clipping`)."""
    top = float(chosen_levels(weights, levels, device, layer)["optimal"][-1])
    w = np.asarray(weights[layer])
    w_n, s = quantize.normalize(w)
    above = np.abs(w_n) > top
    clipped = np.where(above, np.sign(w) * (top * s), w).astype(w.dtype)
    zeroed = np.where(above, 0, w).astype(w.dtype)
    return Clipping(
        layer,
        int(levels),
        top,
        int(above.sum()),
        float(above.mean()),
        {**weights, layer: clipped},
        {**weights, layer: zeroed},
    )

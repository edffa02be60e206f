"""The Your device chapter's summaries of a fit: its table, and the accuracy over the
fitted nonlinearity's interval (on top of :mod:`synquant.fit`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .. import checks, devices, evaluate, fit

__all__ = ["TABLE_HEADER", "accuracy_band", "table"]


def accuracy_band(
    weights: dict,
    result: fit.DeviceFit,
    levels=(5, 10),
    methods=("sampling", "proposed"),
    points: int = 5,
    x=None,
    y=None,
) -> list[dict]:
    """Accuracy of each method at each number of levels over the fitted NL's interval.

    The fitted device's potentiation label (the branch the book quantizes onto) is set
    to ``points`` values evenly spaced over its bootstrap interval (the estimate added),
    the rest of the device kept; rows of :func:`synquant.evaluate.sweep` with a column
    ``nl``.
    """
    branch = result.branches.get("potentiation")
    if branch is None or branch.intervals.get("nl") is None:
        raise ValueError(
            "accuracy_band needs a fitted potentiation branch with a bootstrap "
            "interval: fit with bootstrap > 0"
        )
    checks.integer("points", points, least=2)
    low, high = branch.intervals["nl"]
    labels = sorted({*np.linspace(low, high, points).tolist(), branch.nl})
    rows = []
    for nl in labels:
        device = replace(result.device, nl_increase=float(nl))
        found = evaluate.sweep(weights, list(levels), methods, device, x=x, y=y)
        rows += [{**r, "nl": float(nl)} for r in found]
    return rows


#: Header of :func:`table`.
TABLE_HEADER = ["parameter", "branch", "estimate", "95 % interval", "true value"]


def table(
    result: fit.DeviceFit, truth: devices.Device | None = None
) -> list[list[str]]:
    """Rows of strings (parameter, branch, estimate, interval, true value) of a fit, for
    a table; ``truth``: the device the data came from, where known (synthetic data),
    else the last column says "unknown". Conductances in nS, sigma in %."""
    rows = []
    for name, b in result.branches.items():
        nl_true = None
        if truth is not None:
            nl_true = devices.a_to_nl(truth.a(name))
        spec = [
            ("NL", "nl", 1.0, ".3f", nl_true),
            ("Gmin (nS)", "g_min", 1e9, ".1f", truth and truth.g_min),
            ("Gmax (nS)", "g_max", 1e9, ".1f", truth and truth.g_max),
            ("sigma (%)", "sigma", 100.0, ".2f", truth and truth.sigma),
        ]
        for label, key, factor, fmt, true in spec:
            iv = b.intervals.get(key)
            rows.append(
                [
                    label,
                    name,
                    f"{getattr(b, key) * factor:{fmt}}",
                    ""
                    if iv is None
                    else f"{iv[0] * factor:{fmt}} to {iv[1] * factor:{fmt}}",
                    "unknown" if true is None else f"{true * factor:{fmt}}",
                ]
            )
        rows.append(
            [
                "pulses",
                name,
                f"{b.pulses:g}",
                "(the data's span)",
                "unknown" if truth is None else f"{truth.states - 1}",
            ]
        )
    return rows

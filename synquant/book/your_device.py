"""The Your device chapter's pieces on top of :mod:`synquant.fit`: the chapter's data
(the measured CrossSim example, the synthetic recovery check, or your files), the table
of a fit, its warnings, the interval coverage and write-rule bias it reports, and the
accuracy over the fitted nonlinearity's interval."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from .. import checks, devices, evaluate, fit
from . import cache

__all__ = [
    "PRESETS",
    "TABLE_HEADER",
    "accuracy_band",
    "coverage",
    "load",
    "rule_bias",
    "table",
    "warnings_markdown",
]

#: The chapter's named data sets: files per branch and the read voltage of their
#: values (None: conductances in siemens).
PRESETS = {
    "crosssim": (fit.CROSSSIM_FILES, fit.CROSSSIM_READ_VOLTAGE),
    "synthetic": (fit.SYNTHETIC_FILES, None),
}


def load(potentiation: str, depression: str, read_voltage: float = 0.0) -> dict:
    """The branches to fit, ``{branch: PulseData or None}``: each a preset name of
    :data:`PRESETS` ("crosssim", "synthetic"), a CSV path (read by
    :func:`synquant.fit.read_csv`, with ``read_voltage`` volts when it is nonzero: the
    file holds read currents), or "" for a branch not fitted."""
    out = {}
    for branch, value in (("potentiation", potentiation), ("depression", depression)):
        if not value:
            out[branch] = None
        elif value in PRESETS:
            files, volts = PRESETS[value]
            out[branch] = fit.read_csv(files[branch], branch, read_voltage=volts)
        else:
            out[branch] = fit.read_csv(
                Path(value), branch, read_voltage=read_voltage or None
            )
    if all(v is None for v in out.values()):
        raise ValueError(
            "give potentiation, depression or both: a CSV file, 'crosssim' or "
            "'synthetic'"
        )
    return out


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
    result: fit.DeviceFit,
    truth: devices.Device | None = None,
    read_noise: float | None = None,
) -> list[list[str]]:
    """Rows of strings (parameter, branch, estimate, interval, true value) of a fit, for
    a table; ``truth``: the device the data came from, where known (synthetic data),
    and ``read_noise`` its read noise, else the last column says "unknown".
    Conductances in the unit that suits the device (nS, uS or mS), noises in % of
    Gmax - Gmin; an interval of zero width reads "fixed by the data"."""
    unit, factor = fit.conductance_unit(max(b.g_max for b in result.branches.values()))
    rows = []
    for name, b in result.branches.items():
        nl_true = None
        if truth is not None:
            nl_true = devices.a_to_nl(truth.a(name))
        spec = [
            ("NL", "nl", 1.0, ".3f", nl_true),
            (f"Gmin ({unit})", "g_min", factor, ".4g", truth and truth.g_min),
            (f"Gmax ({unit})", "g_max", factor, ".4g", truth and truth.g_max),
            ("write noise sigma (%)", "sigma", 100.0, ".3g", truth and truth.sigma),
            ("read noise (%)", "read_noise", 100.0, ".3g", read_noise),
        ]
        for label, key, scale, fmt, true in spec:
            iv = b.intervals.get(key)
            if iv is None:
                shown = ""
            elif b.fixed(key):
                shown = "fixed by the data"
            else:
                shown = f"{iv[0] * scale:{fmt}} to {iv[1] * scale:{fmt}}"
            rows.append(
                [
                    label,
                    name,
                    f"{getattr(b, key) * scale:{fmt}}",
                    shown,
                    "unknown" if true is None else f"{true * scale:{fmt}}",
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
        rows.append(
            [
                "RMS distance / range",
                name,
                f"{b.rms_fraction:.4f}",
                f"(noise-weighted fit: {b.rms_weighted_fraction:.4f})",
                "",
            ]
        )
    return rows


def warnings_markdown(result: fit.DeviceFit):
    """The fit's warnings as a Markdown list for a notebook's output (IPython
    Markdown; ``.data`` is the text): the sentences that say where the model does not
    describe the data, or a sentence saying there are none."""
    from IPython.display import Markdown

    found = [w for b in result.branches.values() for w in b.warnings]
    if not found:
        return Markdown("The fit raised no warning: the model describes these data.")
    return Markdown("\n".join(f"- {w}" for w in found))


@cache.memo
def coverage(
    sets: int = 20,
    cycles=(1, 10),
    bootstrap: int = 200,
    seed: int = 0,
    device: devices.Device | None = None,
) -> list[dict]:
    """How often the fit's 95 % intervals hold the truth where the model holds: per
    number of cycles, ``sets`` data sets of ``device`` (default the synthetic example's)
    drawn with additive write noise and read noise (``fit.SYNTHETIC_READ_NOISE``), each
    fitted with ``bootstrap`` resamples. Rows ``{"cycles", "sets", name: fraction}``
    for NL, Gmin, Gmax and sigma. Cached (:func:`synquant.book.cache.memo`)."""
    checks.integer("sets", sets, least=2)
    device = device or fit.SYNTHETIC
    truth = {
        "nl": devices.a_to_nl(device.a("potentiation")),
        "g_min": device.g_min,
        "g_max": device.g_max,
        "sigma": device.sigma,
    }
    rows = []
    for n in cycles:
        hits = dict.fromkeys(truth, 0)
        for k in range(sets):
            data = fit.simulate(
                device,
                cycles=n,
                seed=seed + k,
                read_noise=fit.SYNTHETIC_READ_NOISE,
                rule="additive",
            )
            result = fit.fit_branch(data, bootstrap=bootstrap, seed=seed + k)
            for key, value in truth.items():
                low, high = result.intervals[key]
                hits[key] += low <= value <= high
        rows.append(
            {"cycles": n, "sets": sets} | {k: v / sets for k, v in hits.items()}
        )
    return rows


@cache.memo
def rule_bias(device="Ag:a-Si", sets: int = 20, cycles: int = 10) -> dict:
    """The fitted NL's bias per branch, ``{branch: row of fit.write_rule_bias}``, on
    data that NeuroSim's own write rule draws from ``device`` (its sigma). Cached."""
    return {
        branch: fit.write_rule_bias(
            device, branch, "neurosim", sets=sets, cycles=cycles
        )
        for branch in devices.BRANCHES
    }

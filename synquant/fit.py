"""NeuroSim's device model fitted to measured pulse-response data.

A pulse-response measurement programs a device with identical pulses and reads its
conductance after each one: a potentiation branch from Gmin up, a depression branch from
Gmax down, often over several cycles. NeuroSim's model of a branch of ``P`` pulses is

    G(p) = Gmin + (Gmax - Gmin) * f(x),   x = p / P in [0, 1],

with the normalized curve ``f`` of :func:`synquant.devices.curve` (x counted from Gmin,
so a depression branch is read from Gmin up, as NeuroSim writes its formula). Here the
curve is parameterized by ``b = 1 / a``, which passes smoothly through the linear device
(b = 0) from the curves that saturate (b > 0) to those that bend the other way (b < 0).

Per branch, :func:`fit_branch` estimates

* ``g_min``, ``g_max``: free parameters of the fit (not the extremes of noisy data);
* ``a`` = 1 / b and its label ``nl`` (:func:`synquant.devices.a_to_nl`, the inverse of
  :func:`synquant.devices.nl_to_a` by the same rule);
* ``pulses``: the number of pulses of the branch (the span of its pulse numbers), the
  count NeuroSim calls ``maxNumLevelLTP`` / ``maxNumLevelLTD``;
* ``sigma``: NeuroSim's cycle-to-cycle variation, the standard deviation of each pulse's
  conductance step about the model's step from the measured conductance, as a fraction
  of Gmax - Gmin and per square root of the pulses of the step (NeuroSim writes P pulses
  with a spread of sigma * sqrt(P)),

by least squares (``scipy.optimize.least_squares``) of each cycle's first point and each
step's deviation from the model's step (independent terms under NeuroSim's write noise),
each estimate with a percentile interval from a seeded bootstrap over these steps (or
over whole cycles, ``over="cycles"``). The bootstrap's refits run as stacked
least-squares problems with a sparse Jacobian.

:func:`fit` fits one or both branches into a :class:`DeviceFit`, whose ``device`` is a
:class:`synquant.devices.Device`; :func:`save` writes it as a device file with a
``"fit"`` record; :func:`neurosim` and :func:`neurosim_text` give NeuroSim's parameters.
:func:`simulate` draws pulse trains from a known device with NeuroSim's write noise (the
book's synthetic example and the tests).

Input files are CSV with a header ``pulse,conductance`` (siemens) and optionally
``cycle``; see :func:`read_csv`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.optimize import least_squares

from . import devices
from .files import ROOT, atomic_write, check_new

__all__ = [
    "MIN_POINTS",
    "SYNTHETIC",
    "BranchFit",
    "DeviceFit",
    "FitError",
    "PulseData",
    "fit",
    "fit_branch",
    "from_arrays",
    "model",
    "neurosim",
    "neurosim_text",
    "read_csv",
    "save",
    "simulate",
    "synthetic",
    "write_csv",
]

#: Fewest data points of a branch that the fit accepts.
MIN_POINTS = 5
#: Columns of a pulse-response file (``cycle`` optional).
COLUMNS = ("pulse", "conductance", "cycle")
_HELP = (
    "a pulse-response file is CSV with the header pulse,conductance (siemens) and "
    "optionally cycle"
)


class FitError(ValueError):
    """Data that cannot be fitted; the message names the file, and the row where one is
    at fault."""


# --- the model, in b = 1 / a ----------------------------------------------------------

_B_TINY = 1e-12  # below this |b| the curve is the line to far below float precision
_B_SERIES = 1e-4  # below this |b| the derivative in b comes from its series


def _g(y, c):
    """The rising curve (1 - exp(-c y)) / (1 - exp(-c)) for c > 0."""
    return np.expm1(-c * y) / np.expm1(-c)


def model(x, b) -> np.ndarray:
    """Normalized conductance f(x) in [0, 1] of curve parameter ``b = 1 / a``,
    broadcast.

    Equal to ``devices.curve(x, 1 / b)``; ``b = 0`` is the linear device.
    """
    x = np.asarray(x, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.maximum(np.abs(b), _B_TINY)
    rising = b >= 0
    g = _g(np.where(rising, x, 1 - x), c)
    return np.where(rising, g, 1 - g)


def _model_db(x, b) -> np.ndarray:
    """Derivative of :func:`model` with respect to ``b``."""
    x = np.asarray(x, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.maximum(np.abs(b), _B_SERIES)
    y = np.where(b >= 0, x, 1 - x)
    num, den = np.expm1(-c * y), np.expm1(-c)
    exact = (
        -y * np.exp(-c * y) * den + num * np.exp(-c)
    ) / den**2  # d/dc of _g, = d/db of f
    series = x * (1 - x) / 2 + 2 * b * x * (1 / 12 - x / 4 + x**2 / 6)
    return np.where(np.abs(b) < _B_SERIES, series, exact)


# --- data -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PulseData:
    """One branch's measurements: arrays of equal length, in the file's row order.

    ``cycle`` holds cycle indices 0, 1, ...; ``has_cycle`` says whether they come from a
    ``cycle`` column (else: one train, or cycles inferred from repeated pulse numbers).
    ``rows`` are the file's line numbers (for messages); ``sha256`` the checksum of the
    file's bytes (or of the CSV text of data made in memory).
    """

    pulse: np.ndarray
    conductance: np.ndarray
    cycle: np.ndarray
    has_cycle: bool
    source: str
    sha256: str
    rows: np.ndarray

    def __len__(self) -> int:
        return len(self.pulse)

    def csv_text(self) -> str:
        """The data as CSV text with the header ``cycle,pulse,conductance``."""
        lines = ["cycle,pulse,conductance"]
        lines += [
            f"{c},{p:.10g},{g:.10g}"
            for c, p, g in zip(self.cycle, self.pulse, self.conductance, strict=True)
        ]
        return "\n".join(lines) + "\n"

    @property
    def cycles(self) -> int:
        return int(self.cycle.max()) + 1 if len(self.cycle) else 0


def _check_arrays(pulse, conductance, cycle, source: str, branch: str, rows) -> None:
    """The checks that do not depend on the file format; FitError naming ``source``."""
    n = len(pulse)
    if n < MIN_POINTS:
        raise FitError(
            f"{source}: the {branch} branch has {n} data point(s); a fit needs at "
            f"least {MIN_POINTS}"
        )
    for name, values in (("pulse", pulse), ("conductance", conductance)):
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise FitError(
                f"{source}: row {rows[bad[0]]}: {name} is {float(values[bad[0]])}; "
                "remove the row or give a finite number"
            )
    negative = np.flatnonzero(conductance < 0)
    if negative.size:
        i = negative[0]
        raise FitError(
            f"{source}: row {rows[i]}: conductance {conductance[i]:g} S is negative; "
            "conductances are in siemens and >= 0"
        )
    if np.ptp(conductance) == 0:
        raise FitError(
            f"{source}: the conductance is {conductance[0]:g} S on every row: a "
            "constant is not a pulse response"
        )
    if len(np.unique(pulse)) < 3:
        raise FitError(
            f"{source}: the {branch} branch has fewer than 3 distinct pulse numbers; a "
            "fit of Gmin, Gmax and the curve needs at least 3"
        )


def _infer_cycles(pulse: np.ndarray) -> np.ndarray:
    """Without a cycle column: the k-th row with a given pulse number is in cycle k."""
    cycle = np.zeros(len(pulse), dtype=np.int64)
    seen: dict[float, int] = {}
    for i, p in enumerate(pulse):
        cycle[i] = seen.get(p, 0)
        seen[p] = cycle[i] + 1
    return cycle


def from_arrays(
    pulse, conductance, cycle=None, source: str = "<data>", branch: str = "potentiation"
) -> PulseData:
    """Pulse-response data from arrays (checked as :func:`read_csv` checks a file)."""
    devices.check_branch(branch)
    try:
        pulse = np.asarray(pulse, dtype=np.float64).ravel()
        conductance = np.asarray(conductance, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise FitError(
            f"{source}: pulse and conductance must be arrays of numbers"
        ) from None
    if pulse.shape != conductance.shape:
        raise FitError(
            f"{source}: {len(pulse)} pulse numbers but {len(conductance)} conductances"
        )
    rows = np.arange(1, len(pulse) + 1)
    _check_arrays(pulse, conductance, cycle, source, branch, rows)
    has_cycle = cycle is not None
    if has_cycle:
        labels = list(np.asarray(cycle).ravel())
        if len(labels) != len(pulse):
            raise FitError(
                f"{source}: {len(labels)} cycle labels for {len(pulse)} points"
            )
        index = {c: i for i, c in enumerate(dict.fromkeys(labels))}
        cycle = np.array([index[c] for c in labels], dtype=np.int64)
    else:
        cycle = _infer_cycles(pulse)
    data = PulseData(pulse, conductance, cycle, has_cycle, source, "", rows)
    return PulseData(
        pulse,
        conductance,
        cycle,
        has_cycle,
        source,
        hashlib.sha256(data.csv_text().encode()).hexdigest(),
        rows,
    )


def read_csv(path: Path | str, branch: str = "potentiation") -> PulseData:
    """A branch's data from a CSV file with the header ``pulse,conductance[,cycle]``.

    Conductances are in siemens. Pulse numbers may be fractional, unsorted and repeated
    over cycles; ``cycle`` labels may be any text. Without a ``cycle`` column, repeated
    pulse numbers are read as cycles listed one after the other (the k-th row with a
    pulse number belongs to cycle k). Blank lines and lines starting with ``#`` are
    skipped; other columns are ignored. Raises FitError (a ValueError) naming the file,
    and the row where one is at fault, for a file that is not CSV text, a missing
    column, a value that is not a number, NaN, a negative or constant conductance, or
    fewer than
    :data:`MIN_POINTS` points; FileNotFoundError for a missing file.
    """
    devices.check_branch(branch)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {branch} data file at {path}: {_HELP}")
    raw = path.read_bytes()
    try:
        if b"\x00" in raw[:65536]:
            raise UnicodeDecodeError("utf-8", raw[:1], 0, 1, "NUL byte")
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FitError(f"{path}: not a CSV file (binary content); {_HELP}") from None
    lines = [
        (i, line)
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise FitError(f"{path}: the file is empty; {_HELP}")
    (header_row, header_line), body = lines[0], lines[1:]
    header = [h.strip().lower() for h in next(csv.reader([header_line]))]
    missing = [c for c in COLUMNS[:2] if c not in header]
    if missing:
        raise FitError(
            f"{path}: missing column(s) {', '.join(missing)} in the header (row "
            f"{header_row}: {header_line.strip()[:60]!r}); {_HELP}"
        )
    col = {c: header.index(c) for c in COLUMNS if c in header}
    pulse, conductance, cycle, rows = [], [], [], []
    for row_number, line in body:
        cells = next(csv.reader([line]))
        if len(cells) != len(header):
            raise FitError(
                f"{path}: row {row_number} has {len(cells)} field(s), the header "
                f"{len(header)}"
            )
        for name, out in (("pulse", pulse), ("conductance", conductance)):
            cell = cells[col[name]].strip()
            try:
                out.append(float(cell))
            except ValueError:
                raise FitError(
                    f"{path}: row {row_number}: {name} {cell!r} is not a number"
                ) from None
        if "cycle" in col:
            label = cells[col["cycle"]].strip()
            if not label:
                raise FitError(
                    f"{path}: row {row_number}: the cycle is empty; label every row's "
                    "cycle"
                )
            cycle.append(label)
        rows.append(row_number)
    pulse_a, conductance_a, rows_a = (
        np.array(pulse),
        np.array(conductance),
        np.array(rows, dtype=np.int64),
    )
    _check_arrays(
        pulse_a,
        conductance_a,
        None,
        str(path),
        branch,
        rows_a if len(rows_a) else np.array([0]),
    )
    if "cycle" in col:
        index = {c: i for i, c in enumerate(dict.fromkeys(cycle))}
        cycle_a = np.array([index[c] for c in cycle], dtype=np.int64)
    else:
        cycle_a = _infer_cycles(pulse_a)
    return PulseData(
        pulse_a,
        conductance_a,
        cycle_a,
        "cycle" in col,
        str(path),
        hashlib.sha256(raw).hexdigest(),
        rows_a,
    )


def write_csv(data: PulseData, path: Path | str, force: bool = False) -> Path:
    """Write ``data`` as a CSV file (``cycle,pulse,conductance``), atomically; refuses
    to overwrite unless ``force``."""
    path = Path(path)
    check_new(path, force=force)
    text = data.csv_text()
    return atomic_write(path, lambda f: f.write(text.encode()))


# --- the fit --------------------------------------------------------------------------


@dataclass
class BranchFit:
    """NeuroSim's model of one branch, fitted, with bootstrap intervals.

    Conductances in siemens; ``nl`` and ``a`` as in :mod:`synquant.devices`;
    ``pulses``: pulses from one end of the branch to the other; ``sigma``: fraction of
    Gmax - Gmin per sqrt(pulse); ``rms``: residual RMS of the fit (siemens);
    ``intervals``: ``{name: (low, high)}`` at ``confidence``; ``samples``: the
    bootstrap's estimates ``{name: array}``; ``orientation``: "rising" (conductance
    rises with the pulse number: potentiation, or depression on NeuroSim's axis counted
    from Gmin) or "falling" (depression as measured, from Gmax downward).
    """

    branch: str
    data: PulseData
    orientation: str
    first_pulse: float
    pulses: float
    g_min: float
    g_max: float
    b: float
    sigma: float
    rms: float
    bootstrap: int
    seed: int
    confidence: float
    over: str = "steps"
    intervals: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)

    @property
    def a(self) -> float:
        """Curve parameter a = A / Pmax (inf for a linear branch)."""
        return math.inf if self.b == 0 else 1 / self.b

    @property
    def nl(self) -> float:
        """Nonlinearity label of the branch (the inverse of ``devices.nl_to_a``)."""
        return devices.a_to_nl(self.a)

    @property
    def unit(self) -> str:
        """What the bootstrap resamples: "steps" or "cycles"."""
        return self.over

    @property
    def orientation_text(self) -> str:
        if self.orientation == "falling":
            return (
                "as measured, from Gmax downward (conductance falls with the pulse "
                "number)"
            )
        if self.branch == "depression":
            return (
                "on NeuroSim's axis, pulse numbers counted from Gmin (conductance "
                "rises with the pulse number)"
            )
        return "rising with the pulse number"

    def x(self, pulse) -> np.ndarray:
        """Normalized pulse number on NeuroSim's axis (0 at Gmin, 1 at Gmax)."""
        u = (np.asarray(pulse, dtype=np.float64) - self.first_pulse) / self.pulses
        return 1 - u if self.orientation == "falling" else u

    def predict(self, pulse) -> np.ndarray:
        """The fitted model's conductance (siemens) at pulse numbers ``pulse``."""
        return self.g_min + (self.g_max - self.g_min) * model(self.x(pulse), self.b)

    def residuals(self) -> np.ndarray:
        """Measured minus fitted conductance (siemens), in the data's row order."""
        return self.data.conductance - self.predict(self.data.pulse)

    def record(self) -> dict:
        """The branch's entry of a device file's "fit" record (JSON-ready)."""
        out = {
            "file": Path(self.data.source).name,
            "sha256": self.data.sha256,
            "points": len(self.data),
            "cycles": self.data.cycles,
            "cycle_column": self.data.has_cycle,
            "orientation": self.orientation,
            "first_pulse": self.first_pulse,
            "pulses": self.pulses,
        }
        for name in ("g_min", "g_max", "a", "nl", "sigma"):
            value = getattr(self, name)
            out[name] = None if math.isinf(value) else value
            low_high = self.intervals.get(name)
            out[f"{name}_interval"] = (
                None if low_high is None else [float(v) for v in low_high]
            )
        out["rms"] = self.rms
        out["bootstrap"] = {
            "resamples": self.bootstrap,
            "over": self.unit,
            "seed": self.seed,
            "confidence": self.confidence,
        }
        return out


def _orientation(data: PulseData, branch: str) -> str:
    r = np.corrcoef(data.pulse, data.conductance)[0, 1]
    if branch == "potentiation" and r < 0:
        first, last = np.argmin(data.pulse), np.argmax(data.pulse)
        raise FitError(
            f"{data.source}: the potentiation branch falls overall (conductance "
            f"{data.conductance[first]:.4g} S at pulse {data.pulse[first]:g}, "
            f"{data.conductance[last]:.4g} S at pulse {data.pulse[last]:g}); a "
            "potentiation branch rises: pass falling data as the depression branch"
        )
    return "rising" if r >= 0 else "falling"


def _stacked(x, g, rows, weights, start, tol):
    """Least squares of (g_min, g_max, b), one fit per row of ``weights`` (K, R),
    stacked as one problem with a sparse Jacobian; returns the parameters (K, 3).

    ``rows`` = (ia, ib, scale): residual r = scale * (e[ia] - e[ib]) of the model's
    error e = model - g, with ``ib = -1`` for a plain residual: each cycle's first point
    and then each step's deviation from the model's step (the write noise of NeuroSim,
    which adds up along a cycle, is independent from step to step).
    """
    ia, ib, scale = rows
    k, n = weights.shape
    sw = np.sqrt(weights) * scale
    pad = np.zeros((k, 1))

    def diff(e):  # e (K, N) -> rows (K, R); column N is zero (ib = -1)
        e = np.concatenate([np.broadcast_to(e, (k, e.shape[-1])), pad], axis=1)
        return e[:, ia] - e[:, ib]

    def residual(theta):
        p = theta.reshape(k, 3)
        return (
            sw * diff(p[:, :1] + (p[:, 1:2] - p[:, :1]) * model(x, p[:, 2:3]) - g)
        ).ravel()

    # Sparse block structure: residual (j, r) depends on the three parameters of fit j.
    pattern = (
        sparse.kron(sparse.eye(k, format="csr"), np.ones((n, 3)), format="csr")
        if k > 1
        else None
    )

    def jacobian(theta):
        p = theta.reshape(k, 3)
        f = model(x, p[:, 2:3])
        d = np.stack(
            [
                sw * diff(1 - f),
                sw * diff(f),
                sw * diff((p[:, 1:2] - p[:, :1]) * _model_db(x, p[:, 2:3])),
            ],
            axis=-1,
        )
        if k == 1:
            return d.reshape(n, 3)
        return sparse.csr_matrix(
            (d.ravel(), pattern.indices, pattern.indptr), shape=pattern.shape
        )

    result = least_squares(
        residual,
        start.ravel(),
        jac=jacobian,
        method="trf",
        x_scale="jac",
        tr_solver="exact" if k == 1 else "lsmr",
        xtol=tol,
        ftol=tol,
        gtol=tol,
        max_nfev=200 if k == 1 else 100,
    )
    return result.x.reshape(k, 3)


def _start(x, g) -> np.ndarray:
    """Starting values: the best (g_min, g_max) for each b of a grid, by linear least
    squares."""
    grid = np.concatenate(
        [-np.geomspace(50, 1e-3, 40), [0.0], np.geomspace(1e-3, 50, 40)]
    )
    f = model(x, grid[:, None])  # (G, N)
    fm, gm = f.mean(axis=1, keepdims=True), g.mean()
    slope = ((f - fm) @ (g - gm)) / np.maximum(((f - fm) ** 2).sum(axis=1), 1e-300)
    offset = gm - slope * fm[:, 0]
    sse = (((offset[:, None] + slope[:, None] * f) - g) ** 2).sum(axis=1)
    i = int(np.argmin(sse))
    return np.array([[offset[i], offset[i] + slope[i], grid[i]]])


def _steps(data: PulseData, x: np.ndarray, branch: str):
    """The pulse-to-pulse steps of each cycle, in the order the device was written.

    Returns index arrays (from, to), the normalized step (signed, on NeuroSim's axis)
    and the number of pulses of each step; steps between equal pulse numbers are left
    out.
    """
    order = np.lexsort((x, data.cycle))
    if branch == "depression":  # written from Gmax (x = 1) down
        order = np.lexsort((-x, data.cycle))
    same = data.cycle[order][1:] == data.cycle[order][:-1]
    i, j = order[:-1][same], order[1:][same]
    dx = x[j] - x[i]
    keep = dx != 0
    return i[keep], j[keep], dx[keep]


def _sigma(x_i, x_j, g_i, g_j, params, n_pulses, weights):
    """NeuroSim's cycle-to-cycle sigma for each parameter row (K,): the weighted RMS of
    each step's deviation from the model's step, per Gmax - Gmin and per sqrt(pulses of
    the step)."""
    lo, hi, b = params[:, :1], params[:, 1:2], params[:, 2:3]
    span = hi - lo
    r2 = ((g_j - g_i - span * (model(x_j, b) - model(x_i, b))) / span) ** 2 / n_pulses
    return np.sqrt((weights * r2).sum(axis=1) / weights.sum(axis=1))


def _integer(name: str, value, least: int) -> None:
    """Raise ValueError, naming ``name``, unless ``value`` is an integer >= ``least``
    (a Python or numpy integer; not a bool)."""
    integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not integral or value < least:
        raise ValueError(f"{name}={value!r}: use an integer >= {least}")


def fit_branch(
    data: PulseData,
    branch: str = "potentiation",
    bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    over: str = "steps",
) -> BranchFit:
    """NeuroSim's model fitted to one branch, with percentile bootstrap intervals.

    The fit is least squares of each cycle's first point and of each step's deviation
    from the model's step (per sqrt(pulses)): under NeuroSim's write noise these are
    independent, where the deviations of the points from the curve add up along a cycle.
    ``bootstrap``: resamples (0: no intervals); ``over``: what they resample, "steps"
    (these independent terms, each a point with its step from the previous point of its
    cycle) or "cycles" (whole cycles; needs a cycle column, and is valid whatever the
    noise within a cycle, but with few cycles its intervals come out too narrow);
    ``seed``: the resampling's seed. Raises FitError for a potentiation branch that
    falls overall.
    """
    if over not in ("steps", "cycles"):
        raise ValueError(f"over={over!r}: resample 'steps' or 'cycles'")
    if over == "cycles" and not data.has_cycle:
        raise ValueError(
            f"{data.source}: over='cycles' needs a cycle column; resample 'steps'"
        )
    devices.check_branch(branch)
    _integer("bootstrap", bootstrap, 0)
    _integer("seed", seed, 0)
    if not (isinstance(confidence, numbers.Real) and 0 < confidence < 1):
        raise ValueError(
            f"confidence={confidence!r}: use a number between 0 and 1, e.g. 0.95"
        )
    orientation = _orientation(data, branch)
    first_pulse, pulses = float(data.pulse.min()), float(np.ptp(data.pulse))
    u = (data.pulse - first_pulse) / pulses
    x = 1 - u if orientation == "falling" else u
    scale = float(data.conductance.max())
    g = data.conductance / scale
    n = len(g)
    i, j, dx = _steps(data, x, branch)
    if len(i) < 2:
        raise FitError(
            f"{data.source}: the {branch} branch has {len(i)} pulse-to-pulse step(s) "
            "within a cycle; a fit needs at least 2 (give each cycle's points, or "
            "label the cycles)"
        )
    n_pulses = np.abs(dx) * pulses
    first = np.setdiff1d(
        np.arange(n), j
    )  # each cycle's first point (and repeated reads)
    rows = (
        np.concatenate([first, j]),
        np.concatenate([np.full(len(first), -1), i]),
        np.concatenate([np.ones(len(first)), 1 / np.sqrt(n_pulses)]),
    )
    start = _stacked(
        x,
        g,
        (np.arange(n), np.full(n, -1), np.ones(n)),
        np.ones((1, n)),
        _start(x, g),
        1e-10,
    )
    theta = _stacked(x, g, rows, np.ones((1, len(rows[0]))), start, 1e-14)[0]
    sigma = float(
        _sigma(x[i], x[j], g[i], g[j], theta[None], n_pulses, np.ones((1, len(i))))[0]
    )
    rms = float(
        np.sqrt(
            np.mean((g - theta[0] - (theta[1] - theta[0]) * model(x, theta[2])) ** 2)
        )
        * scale
    )
    result = BranchFit(
        branch,
        data,
        orientation,
        first_pulse,
        pulses,
        float(theta[0] * scale),
        float(theta[1] * scale),
        float(theta[2]),
        sigma,
        rms,
        int(bootstrap),
        int(seed),
        float(confidence),
        over,
    )
    if bootstrap:
        rng = np.random.default_rng(seed)
        r = len(rows[0])
        units = data.cycles if over == "cycles" else r
        counts = rng.multinomial(
            units, np.full(units, 1 / units), size=bootstrap
        ).astype(np.float64)
        w = counts[:, data.cycle[rows[0]]] if over == "cycles" else counts
        params = np.empty((bootstrap, 3))
        chunk = 250  # keeps each stacked problem small enough for its solver
        for s in range(0, bootstrap, chunk):
            block = w[s : s + chunk]
            params[s : s + chunk] = _stacked(
                x, g, rows, block, np.repeat(theta[None], len(block), axis=0), 1e-10
            )
        step_w = w[:, len(first) :]
        sig = _sigma(x[i], x[j], g[i], g[j], params, n_pulses, step_w)
        b = params[:, 2]
        samples = {
            "g_min": params[:, 0] * scale,
            "g_max": params[:, 1] * scale,
            "b": b,
            "sigma": sig,
            "nl": np.array([devices.a_to_nl(1 / v) if v != 0 else 0.0 for v in b]),
        }
        tail = 100 * (1 - confidence) / 2
        intervals = {
            k: tuple(float(q) for q in np.percentile(v, [tail, 100 - tail]))
            for k, v in samples.items()
        }
        lo, hi = intervals["b"]
        intervals["a"] = (
            (1 / hi, 1 / lo) if lo * hi > 0 else None
        )  # a's interval runs through infinity otherwise
        result.samples, result.intervals = samples, intervals
    return result


@dataclass
class DeviceFit:
    """A device fitted from its branches: ``device`` (a
    :class:`synquant.devices.Device`), ``branches`` (``{"potentiation": BranchFit,
    ...}``, one or both) and ``assumed`` (what the data did not give)."""

    device: devices.Device
    branches: dict
    assumed: list

    def record(self) -> dict:
        """The device file's "fit" record: method, every branch's estimates and
        intervals, residual RMS and checksum, and the assumptions."""
        any_branch = next(iter(self.branches.values()))
        return {
            "method": "least squares of NeuroSim's model "
            "(scipy.optimize.least_squares); percentile bootstrap",
            "confidence": any_branch.confidence,
            "branches": {name: b.record() for name, b in self.branches.items()},
            "assumed": self.assumed,
        }

    def report(self) -> str:
        """What was fitted, in a few lines (orientations, counts, estimates and
        intervals)."""
        lines = [f"{self.device.name}: NeuroSim's model fitted by least squares"]
        for name, b in self.branches.items():
            iv = b.intervals
            pct = round(100 * b.confidence)

            def span(key, factor=1.0, fmt=".3g", iv=iv):
                return (
                    ""
                    if iv.get(key) is None
                    else (
                        f" [{iv[key][0] * factor:{fmt}}, {iv[key][1] * factor:{fmt}}]"
                    )
                )

            lines += [
                (
                    f"  {name}: {len(b.data)} points, {b.data.cycles} "
                    f"cycle(s){'' if b.data.has_cycle else ' (no cycle column)'}, "
                    f"{b.pulses:g} pulses; read {b.orientation_text}"
                ),
                (
                    f"    NL {b.nl:.3f}{span('nl', fmt='.3f')}, a {b.a:.4g}, Gmin "
                    f"{1e9 * b.g_min:.4g} nS{span('g_min', 1e9)}, Gmax "
                    f"{1e9 * b.g_max:.4g} nS{span('g_max', 1e9)}"
                ),
                f"    sigma {100 * b.sigma:.2f} %{span('sigma', 100, '.2f')}, residual "
                f"RMS {1e9 * b.rms:.3g} nS"
                + (
                    f"; {pct} % intervals from {b.bootstrap} resamples over {b.unit}"
                    if b.bootstrap
                    else ""
                ),
            ]
        lines += [f"  assumed: {a}" for a in self.assumed]
        return "\n".join(lines)


def _data(value, branch: str) -> PulseData | None:
    if value is None or isinstance(value, PulseData):
        return value
    if isinstance(value, (str, Path)):
        return read_csv(value, branch)
    raise TypeError(
        f"{branch}: give a CSV path or PulseData, got {type(value).__name__}"
    )


def fit(
    potentiation=None,
    depression=None,
    name: str = "fitted device",
    bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    over: str = "steps",
) -> DeviceFit:
    """A device fitted to its potentiation and/or depression data (CSV paths or
    PulseData).

    The device's fields: ``states`` = pulses of the potentiation branch (else of the
    depression branch) + 1, rounded; ``nl_increase`` / ``nl_decrease`` the branches' NL;
    Gmin and Gmax the mean of the branches' fits (``r_on = 1 / Gmax``, ``on_off = Gmax /
    Gmin``); ``sigma`` the RMS of the branches' sigmas weighted by their numbers of
    steps. A branch not given is assumed the mirror of the other (NL of the opposite
    sign: the symmetric device), and the fit's record says so.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name={name!r}: give the device a non-empty name")
    data = {
        "potentiation": _data(potentiation, "potentiation"),
        "depression": _data(depression, "depression"),
    }
    if all(v is None for v in data.values()):
        raise ValueError(
            "no data: give the potentiation branch, the depression branch, or both"
        )
    branches = {
        k: fit_branch(v, k, bootstrap, seed, confidence, over)
        for k, v in data.items()
        if v is not None
    }
    assumed = []
    pot, dep = branches.get("potentiation"), branches.get("depression")
    main = pot or dep
    nl_inc = pot.nl if pot else -dep.nl
    nl_dec = dep.nl if dep else -pot.nl
    if pot is None:
        assumed.append(
            "nl_increase = -NL of the depression branch (potentiation not measured)"
        )
    if dep is None:
        assumed.append(
            "nl_decrease = -NL of the potentiation branch (depression not measured)"
        )
    if pot and dep and round(pot.pulses) != round(dep.pulses):
        assumed.append(
            f"states from the potentiation branch ({round(pot.pulses)} pulses; "
            f"depression {round(dep.pulses)})"
        )
    g_min = float(np.mean([b.g_min for b in branches.values()]))
    g_max = float(np.mean([b.g_max for b in branches.values()]))
    if not g_max > g_min > 0:
        raise FitError(
            f"fitted Gmin {g_min:.4g} S and Gmax {g_max:.4g} S: a device needs 0 < "
            "Gmin < Gmax; check that the data reaches both ends of the branch"
        )
    steps = {
        k: max(len(_steps(b.data, b.x(b.data.pulse), k)[0]), 1)
        for k, b in branches.items()
    }
    sigma = math.sqrt(
        sum(steps[k] * b.sigma**2 for k, b in branches.items()) / sum(steps.values())
    )
    states = round(main.pulses) + 1
    if states < 2:
        raise FitError(
            f"{main.data.source}: the branch spans {main.pulses:g} pulses; a device "
            "needs at least one"
        )
    device = devices.Device(
        name.strip(), states, nl_inc, nl_dec, 1 / g_max, g_max / g_min, sigma
    )
    return DeviceFit(device, branches, assumed)


def save(result: DeviceFit, path: Path | str, force: bool = False) -> Path:
    """Write the fitted device as a device file with its "fit" record, atomically;
    refuses to overwrite unless ``force``. :func:`synquant.devices.get` reads it
    back."""
    return devices.save(
        result.device, path, force=force, extra={"fit": result.record()}
    )


def neurosim(result: DeviceFit | devices.Device) -> dict:
    """NeuroSim's parameters of a device (names as in NeuroSim's Param.cpp / Cell.cpp).

    ``maxNumLevelLTP`` / ``maxNumLevelLTD`` count pulses from one end of the branch to
    the other, as NeuroSim does (a fitted branch's own count; the book's ``states`` - 1
    for a Device); conductances in siemens.
    """
    device = result.device if isinstance(result, DeviceFit) else devices.get(result)
    branches = result.branches if isinstance(result, DeviceFit) else {}
    levels = {
        k: round(branches[k].pulses) if k in branches else device.states - 1
        for k in devices.BRANCHES
    }
    return {
        "maxConductance": device.g_max,
        "minConductance": device.g_min,
        "NL_LTP": round(device.nl_increase, 2),
        "NL_LTD": round(device.nl_decrease, 2),
        "maxNumLevelLTP": levels["potentiation"],
        "maxNumLevelLTD": levels["depression"],
        "sigmaCtoC": round(device.sigma, 4),
    }


def neurosim_text(result: DeviceFit | devices.Device) -> str:
    """NeuroSim's parameters as lines to copy into its source (see :func:`neurosim`)."""
    notes = {
        "maxConductance": "siemens (1 / R_on)",
        "minConductance": "siemens (Gmax / on-off ratio)",
        "NL_LTP": "nonlinearity label of potentiation",
        "NL_LTD": "nonlinearity label of depression",
        "maxNumLevelLTP": "pulses from Gmin to Gmax",
        "maxNumLevelLTD": "pulses from Gmax to Gmin",
        "sigmaCtoC": "cycle-to-cycle variation, fraction of (Gmax - Gmin)",
    }
    params = neurosim(result)
    name = (
        result.device.name
        if isinstance(result, DeviceFit)
        else devices.get(result).name
    )
    lines = [f"NeuroSim parameters of {name}:"]
    lines += [f"  {k:<15} = {v:<12g} // {notes[k]}" for k, v in params.items()]
    return "\n".join(lines)


# --- synthetic data -------------------------------------------------------------------


def simulate(
    device,
    branch: str = "potentiation",
    cycles: int = 5,
    seed: int = 0,
    pulses: int | None = None,
    sigma: float | None = None,
    orientation: str = "measured",
) -> PulseData:
    """Pulse trains of a known device with cycle-to-cycle write noise.

    Each cycle starts at the branch's end (Gmin for potentiation, Gmax for depression)
    and applies ``pulses`` (default ``device.states - 1``) single pulses. Each pulse's
    step is the model's step plus Gaussian noise of ``sigma`` (default ``device.sigma``)
    times Gmax - Gmin, as NeuroSim draws its write noise; the noise of a cycle's steps
    adds up (a random walk about the model's curve, not clipped, so that the data's mean
    is the model). ``orientation``: "measured" numbers the pulses in the order applied
    (a depression branch falls); "neurosim" counts them from Gmin (a depression branch
    on NeuroSim's axis). Seeded by ``seed``.
    """
    device = devices.get(device)
    devices.check_branch(branch)
    if orientation not in ("measured", "neurosim"):
        raise ValueError(f"orientation={orientation!r}: use 'measured' or 'neurosim'")
    pulses = device.states - 1 if pulses is None else pulses
    _integer("cycles", cycles, 1)
    _integer("pulses", pulses, 2)
    _integer("seed", seed, 0)
    sigma = device.sigma if sigma is None else float(sigma)
    if not (math.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma={sigma!r}: use a finite fraction >= 0")
    lo, hi = device.g_min, device.g_max
    x = np.linspace(0, 1, pulses + 1)
    if branch == "depression":
        x = x[::-1]  # written from Gmax down
    mean = lo + (hi - lo) * devices.curve(x, device.a(branch))
    noise = np.random.default_rng(seed).normal(0, sigma * (hi - lo), (cycles, pulses))
    conductance = mean + np.concatenate(
        [np.zeros((cycles, 1)), np.cumsum(noise, axis=1)], axis=1
    )
    pulse = np.arange(pulses + 1, dtype=np.float64)
    if orientation == "neurosim" and branch == "depression":
        pulse = pulses - pulse
    if conductance.min() < 0:
        raise ValueError(
            f"simulate: the noise (sigma={sigma:g} over {pulses} pulses) drove a "
            f"conductance below 0 (Gmin {lo:.3g} S); use a smaller sigma, fewer pulses "
            "or a larger Gmin"
        )
    cycle = np.repeat(np.arange(1, cycles + 1), pulses + 1)
    return from_arrays(
        np.tile(pulse, cycles),
        conductance.ravel(),
        cycle,
        f"<simulated {device.name} {branch}>",
        branch,
    )


#: The device behind the book's synthetic example (data/devices/synthetic-*.csv): made
#: up, not a measured device.
SYNTHETIC = devices.Device("synthetic", 60, 2.5, -3.2, 1e6, 5.0, 0.01)
#: Cycles and seeds of the synthetic example's pulse trains.
SYNTHETIC_CYCLES = 10
SYNTHETIC_SEEDS = {"potentiation": 1, "depression": 2}
#: Where the book ships the synthetic example.
DATA_DIR = ROOT / "data" / "devices"
SYNTHETIC_FILES = {
    "potentiation": DATA_DIR / "synthetic-LTP.csv",
    "depression": DATA_DIR / "synthetic-LTD.csv",
}


def synthetic(branch: str = "potentiation") -> PulseData:
    """The book's synthetic example: :func:`simulate` of :data:`SYNTHETIC`, with
    :data:`SYNTHETIC_CYCLES` cycles and the branch's seed of :data:`SYNTHETIC_SEEDS`
    (depression as measured, from Gmax downward). ``write_csv(synthetic(b), path)``
    regenerates the shipped files."""
    devices.check_branch(branch)
    return simulate(
        SYNTHETIC, branch, cycles=SYNTHETIC_CYCLES, seed=SYNTHETIC_SEEDS[branch]
    )

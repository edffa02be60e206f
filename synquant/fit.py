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

* ``g_min``, ``g_max``: free parameters of the fit (0 < Gmin < Gmax; not the extremes
  of noisy data);
* ``a`` = 1 / b and its label ``nl`` (:func:`synquant.devices.a_to_nl`, the inverse of
  :func:`synquant.devices.nl_to_a` by the same rule);
* ``pulses``: the number of pulses of the branch (the span of its pulse numbers), the
  count NeuroSim calls ``maxNumLevelLTP`` / ``maxNumLevelLTD``;
* ``sigma``: NeuroSim's cycle-to-cycle (write) noise, a fraction of Gmax - Gmin per
  square root of pulses, which adds up along a cycle; ``read_noise``: the independent
  noise of each reading; ``offset_noise``: the spread of the cycles' starting states,

as the least-squares curve through all the points (``scipy.optimize.least_squares``),
with the noises from the residuals' variogram, each estimate with a percentile interval
from a seeded parametric bootstrap of that noise model (or over whole cycles,
``over="cycles"``), refitted on a grid of b with the rest in closed form. The curve
refitted by least squares weighted by the fitted noise, the RMS distances of both from
the data, and warnings say how well the model describes the data; data it cannot
describe (no trend, a trend that turns back, a step) are refused before the bootstrap.

:func:`fit` fits one or both branches into a :class:`DeviceFit`, whose ``device`` is a
:class:`synquant.devices.Device`; :func:`save` writes it as a device file with a
``"fit"`` record; :func:`neurosim` and :func:`neurosim_text` give NeuroSim's parameters.
:func:`simulate` draws pulse trains from a known device under NeuroSim's write rule
(``RealDevice::Write``: each pulse from the current noisy conductance, clipped to
[Gmin, Gmax]) or with additive noise, plus read noise; :func:`write_rule_bias` measures
the fitted NL's bias on such data.

Input files are CSV as labs export them: long (pulse and conductance columns, any
header or none) or wide (one column per cycle), conductances or read currents with a
read voltage; see :func:`read_csv`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from scipy.linalg import cholesky, solve_triangular
from scipy.optimize import least_squares
from scipy.stats import rankdata

from . import devices
from .files import ROOT, atomic_write, check_new

__all__ = [
    "MIN_POINTS",
    "SYNTHETIC",
    "BranchFit",
    "DeviceFit",
    "FitError",
    "PulseData",
    "check_shape",
    "conductance_unit",
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
    "write_rule_bias",
]

#: Fewest data points of a branch that the fit accepts.
MIN_POINTS = 5
_HELP = (
    "a pulse-response file is CSV: long (pulse and conductance columns, optionally "
    "cycle) or wide (one column per cycle, one row per pulse); see fit.read_csv"
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

#: Largest span of a branch in pulses: NeuroSim's devices take tens to a few hundred
#: pulses per branch, and the book holds one weight level per state, so a longer span
#: is almost always a time or a sample count given as pulse numbers.
MAX_PULSES = 10_000
#: Largest conductance accepted, in siemens (1 S is a 1 ohm device: far above any
#: synaptic device); a larger value is almost always in another unit.
MAX_CONDUCTANCE = 1.0
#: Most bootstrap resamples accepted (each holds the data's size in memory while it
#: runs; 1,000 give intervals to about a hundredth of NL).
MAX_BOOTSTRAP = 100_000

# Unit prefixes of header names such as "conductance (uS)" or "I_read [mA]".
_PREFIX = {"": 1.0, "m": 1e-3, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "n": 1e-9, "p": 1e-12}
_UNIT = re.compile(r"^(.*?)[\s_]*[\(\[]?\s*([mupnµμ]?)(s|a|siemens|amps?)\s*[\)\]]?$")
_PULSE_NAMES = {
    "pulse",
    "pulses",
    "pulse number",
    "pulse_number",
    "pulse no",
    "n",
    "number",
    "index",
    "step",
    "p",
    "#",
    "pulse #",
    "x",
}
_CONDUCTANCE_NAMES = {"conductance", "g", "cond", "y"}
_CURRENT_NAMES = {"current", "i", "read current", "read_current", "i_read", "iread"}
_CYCLE_NAMES = {"cycle", "cycles", "run", "sweep", "train", "cycle number", "epoch"}
_TIME_NAMES = {"time", "t", "elapsed", "timestamp", "duration", "width", "pulse width"}


@dataclass(frozen=True, eq=False)
class PulseData:
    """One branch's measurements: arrays of equal length, in the file's row order.

    ``conductance`` in siemens (a file of read currents is divided by its read voltage);
    ``cycle`` holds cycle indices 0, 1, ...; ``has_cycle`` says whether they come from
    the file (a cycle column, or one column per cycle) rather than from repeated pulse
    numbers. ``rows`` are the file's line numbers (for messages); ``sha256`` the
    checksum of the file's bytes (or of the CSV text of data made in memory);
    ``described``: how the file was read, in words (layout, columns, units).
    """

    pulse: np.ndarray
    conductance: np.ndarray
    cycle: np.ndarray
    has_cycle: bool
    source: str
    sha256: str
    rows: np.ndarray
    described: str = "pulse, conductance (S)"

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

    def summary(self, branch: str = "") -> str:
        """What was read, in one line: points, cycles, pulses, conductance range (units
        scaled), orientation, and how the file was laid out."""
        r = np.corrcoef(self.pulse, self.conductance)[0, 1] if len(self) > 1 else 0.0
        unit, factor = conductance_unit(self.conductance.max())
        g = self.conductance * factor
        return (
            f"read {self.source}{' (' + branch + ')' if branch else ''}: "
            f"{len(self)} points, {self.cycles} cycle(s), pulses "
            f"{self.pulse.min():g} to {self.pulse.max():g}, conductance "
            f"{g.min():.4g} to {g.max():.4g} {unit}, "
            f"{'rising' if r >= 0 else 'falling'} with the pulse number; "
            f"{self.described}"
        )


def conductance_unit(reference: float) -> tuple[str, float]:
    """The unit ("mS", "uS", "nS" or "pS") in which ``reference`` siemens reads as a
    number from 1 to 1000, and the factor that converts siemens to it."""
    for unit, factor in (("S", 1.0), ("mS", 1e3), ("uS", 1e6), ("nS", 1e9)):
        if abs(reference) * factor >= 1:
            return unit, factor
    return "pS", 1e12


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
    large = np.flatnonzero(conductance > MAX_CONDUCTANCE)
    if large.size:
        i = large[0]
        raise FitError(
            f"{source}: row {rows[i]}: conductance {conductance[i]:g} S is above "
            f"{MAX_CONDUCTANCE:g} S, far above any synaptic device: give siemens, or "
            "name the unit in the header (e.g. 'conductance (uS)')"
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
    span = float(np.ptp(pulse))
    if span > MAX_PULSES:
        raise FitError(
            f"{source}: the {branch} branch spans {span:.4g} pulses, more than "
            f"{MAX_PULSES} (a device of {span:.2g} states): give pulse numbers "
            "(counts of pulses), not times or sample indices"
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
        "arrays: pulse, conductance (S)" + (", cycle" if has_cycle else ""),
    )


def _text(path: Path, raw: bytes) -> str:
    """The file's text: UTF-8 (with or without BOM), else Latin-1; FitError for binary
    content (NUL bytes or mostly control characters)."""
    head = raw[:65536]
    control = sum(b < 9 or 13 < b < 32 for b in head)
    if b"\x00" in head or control > 0.01 * max(len(head), 1):
        raise FitError(f"{path}: not a CSV file (binary content); {_HELP}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # Windows exports (e.g. "µS" as 0xB5)


def _number(cell: str, comma_decimal: bool) -> float:
    """A cell as a float; NaN for an empty cell. ValueError if not a number."""
    cell = cell.strip()
    if not cell:
        return math.nan
    if comma_decimal:
        cell = cell.replace(",", ".")
    return float(cell)


def _name_and_unit(header: str) -> tuple[str, str, str]:
    """A header cell as (base name, quantity "S"/"A"/"", unit prefix)."""
    text = header.strip().lower()
    m = _UNIT.match(text)
    if m and (m.group(1) or m.group(3) in ("siemens", "amp", "amps")):
        base, prefix, unit = m.group(1).strip(" _-"), m.group(2), m.group(3)
        # a bare name ending in s ("pulses") is not a unit: require a separator
        timed = base in _TIME_NAMES  # "time (s)": seconds, not siemens
        if not timed and (
            text.endswith((")", "]")) or re.search(r"[\s_\-][mupnµμ]?(s|a)$", text)
        ):
            quantity = "S" if unit in ("s", "siemens") else "A"
            return base, quantity, prefix
    return text, "", ""


def _column(spec, header: list[str] | None, n: int, path: Path, what: str) -> int:
    """The index of a column named by ``spec`` (a header name, or a 1-based number)."""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        i = int(spec) - 1
        if not 0 <= i < n:
            raise FitError(f"{path}: {what} column {spec}: the file has {n} columns")
        return i
    names = [h.strip().lower() for h in header or []]
    if str(spec).strip().lower() not in names:
        raise FitError(
            f"{path}: no {what} column named {spec!r}; the header has "
            f"{', '.join(repr(h) for h in (header or [])) or 'no names'}"
        )
    return names.index(str(spec).strip().lower())


def read_csv(
    path: Path | str,
    branch: str = "potentiation",
    read_voltage: float | None = None,
    layout: str = "auto",
    pulse_column=None,
    value_column=None,
    cycle_column=None,
) -> PulseData:
    """A branch's data from a CSV file as labs export it.

    Two layouts:

    * ``"long"``: one row per reading, with a pulse column, a value column and
      optionally a cycle column, under any header names or none. Without names, two
      numeric columns are pulse, value; a third is the cycle. Recognized names:
      pulse/pulses/n/index/step, conductance/g, current/i, cycle/run. Without a cycle
      column, repeated pulse numbers are read as cycles listed one after the other.
    * ``"wide"``: one column per cycle, one row per pulse (pulse 0 on the first row),
      runs of different lengths ending in empty cells.

    ``layout="auto"`` takes "long" when a column is named as a pulse column, or when the
    file has at most three columns and no header or a first column of pulse numbers
    (>= 0, mostly increasing, reaching at least 2); else "wide". ``pulse_column``,
    ``value_column``, ``cycle_column`` (header names or 1-based numbers) name the long
    layout's columns.

    Values are conductances in siemens, unless the header names a unit ("G (uS)",
    "current_mA") or ``read_voltage`` (volts) is given: then they are read currents in
    amperes (or the header's unit) and the conductance is current / read_voltage.
    Pulse numbers may be fractional, unsorted and repeated. Comma, semicolon or tab
    separated; UTF-8 or Latin-1; blank lines and lines starting with ``#`` skipped.

    Raises FitError (a ValueError) naming the file, and the row or column at fault, for
    binary content, a value that is not a number, NaN or an empty cell in the middle of
    a run, columns of different units, a negative, constant or implausibly large
    conductance, or fewer than :data:`MIN_POINTS` points; FileNotFoundError for a
    missing file.
    """
    devices.check_branch(branch)
    if layout not in ("auto", "long", "wide"):
        raise ValueError(f"layout={layout!r}: use 'auto', 'long' or 'wide'")
    if read_voltage is not None:
        if isinstance(read_voltage, bool) or not isinstance(read_voltage, numbers.Real):
            raise TypeError(f"read_voltage={read_voltage!r}: give volts, e.g. 0.1")
        if not (math.isfinite(read_voltage) and read_voltage != 0):
            raise ValueError(
                f"read_voltage={read_voltage!r}: give the (nonzero) read voltage in "
                "volts, e.g. 0.1"
            )
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no {branch} data file at {path}: {_HELP}")
    raw = path.read_bytes()
    text = _text(path, raw)
    lines = [
        (i, line)
        for i, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise FitError(f"{path}: the file is empty; {_HELP}")
    sample = "\n".join(line for _, line in lines[:20])
    delimiter = (
        max(",;\t", key=sample.count) if any(d in sample for d in ",;\t") else ","
    )
    comma_decimal = delimiter != "," and "," in sample
    table = [(i, next(csv.reader([line], delimiter=delimiter))) for i, line in lines]

    def numeric(cell: str) -> bool:
        try:
            _number(cell, comma_decimal)
        except ValueError:
            return False
        return True

    first = table[0][1]
    second = table[1][1] if len(table) > 1 else []
    header = None
    if any(
        not numeric(c) and (k >= len(second) or numeric(second[k]))
        for k, c in enumerate(first)
    ) or not any(numeric(c) for c in first):
        header = [h.strip() for h in first]
    body = table[1:] if header else table
    if not body:
        raise FitError(f"{path}: no data rows below the header; {_HELP}")
    width = len(header) if header else max(len(cells) for _, cells in body)
    for row, cells in body:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            raise FitError(
                f"{path}: row {row} has {len(cells)} field(s), the "
                f"{'header' if header else 'first row'} {width}"
            )
    columns = header or [f"column {k + 1}" for k in range(width)]
    parsed = [_name_and_unit(h) for h in header] if header else [("", "", "")] * width
    names = [p[0] for p in parsed]

    values = np.full((len(body), width), np.nan)
    text_cells: dict[int, tuple[int, str]] = {}  # column -> first non-number
    for r, (row, cells) in enumerate(body):
        for k, cell in enumerate(cells[:width]):
            try:
                values[r, k] = _number(cell, comma_decimal)
            except ValueError:
                text_cells.setdefault(k, (row, cell.strip()))

    def numbers_in(k: int) -> np.ndarray:
        if k in text_cells:
            row, cell = text_cells[k]
            raise FitError(f"{path}: row {row}: {columns[k]} {cell!r} is not a number")
        return values[:, k]

    rows = np.array([row for row, _ in body], dtype=np.int64)

    named = any(c is not None for c in (pulse_column, value_column, cycle_column))
    pulse_named = [k for k, n in enumerate(names) if n in _PULSE_NAMES]
    if layout == "auto":
        col0 = values[:, 0]
        col0 = col0[np.isfinite(col0)]
        pulse_like = (
            0 not in text_cells
            and len(col0) > 2
            and col0.min() >= 0
            and col0.max() >= 2
            and np.mean(np.diff(col0) > 0) >= 0.5
        )
        long = (
            named
            or bool(pulse_named)
            or (width <= 3 and (pulse_like or header is None))
        )
        layout = "long" if long else "wide"
    if layout == "long":
        if width < 2:
            raise FitError(
                f"{path}: one column: a long file has pulse and conductance columns; "
                "for one column per cycle read it as wide (--layout wide)"
            )
        p_col = (
            _column(pulse_column, header, width, path, "pulse")
            if pulse_column is not None
            else (pulse_named[0] if pulse_named else 0)
        )
        value_named = [
            k for k, n in enumerate(names) if n in _CONDUCTANCE_NAMES | _CURRENT_NAMES
        ] + [k for k in range(width) if parsed[k][1]]
        value_named = [k for k in value_named if k != p_col]
        if value_column is not None:
            v_col = _column(value_column, header, width, path, "value")
        elif value_named:
            v_col = value_named[0]
        else:
            others = [k for k in range(width) if k != p_col]
            if header and width > 3:
                raise FitError(
                    f"{path}: which column holds the conductance? the header names "
                    f"{', '.join(repr(c) for c in columns)}; name it with "
                    "--value-column (value_column=...)"
                )
            v_col = others[0]
        cycle_named = [k for k, n in enumerate(names) if n in _CYCLE_NAMES]
        if cycle_column is not None:
            c_col = _column(cycle_column, header, width, path, "cycle")
        elif cycle_named:
            c_col = cycle_named[0]
        elif width == 3 and not header:
            c_col = 3 - p_col - v_col
        else:
            c_col = None
        quantity, prefix = parsed[v_col][1], parsed[v_col][2]
        if not quantity and names[v_col] in _CURRENT_NAMES:
            quantity = "A"
        if not quantity and names[v_col] == "conductance":
            quantity = "S"
        v_cols = [v_col]
    else:
        if named:
            raise FitError(
                f"{path}: column options name a long file's columns; this file is read "
                "as wide (one column per cycle): drop them or pass --layout long"
            )
        v_cols = list(range(width))
        units = {(q, pr) for _, q, pr in parsed}
        if len(units) > 1:
            shown = ", ".join(
                f"{c!r} ({(pr + q) or 'no unit'})"
                for c, (_, q, pr) in zip(columns, parsed, strict=True)
            )
            raise FitError(
                f"{path}: the columns have different units ({shown}); a wide file "
                "holds one quantity in one unit: convert the columns to one unit"
            )
        quantity, prefix = parsed[0][1], parsed[0][2]
        c_col = p_col = None
    unit_factor = _PREFIX.get(prefix, 1.0)
    if quantity == "A" or (not quantity and read_voltage is not None):
        if read_voltage is None:
            raise FitError(
                f"{path}: the values are read currents ({columns[v_cols[0]]!r}); give "
                "the read voltage (--read-voltage V, read_voltage=V) to turn them into "
                "conductances"
            )
        factor = unit_factor / read_voltage
        what = f"read current ({prefix or ''}A) / {read_voltage:g} V"
    else:
        if read_voltage is not None:
            raise FitError(
                f"{path}: the header says the values are conductances "
                f"({columns[v_cols[0]]!r}); drop the read voltage, which is for "
                "files of read currents"
            )
        factor = unit_factor
        what = f"conductance ({prefix or ''}S)"

    if layout == "long":
        pulse_a = numbers_in(p_col)
        conductance_a = numbers_in(v_col) * factor
        described = (
            f"long layout: pulse {columns[p_col]!r}, {what} {columns[v_col]!r}"
            + (f", cycle {columns[c_col]!r}" if c_col is not None else "")
        )
        keep = ~(np.isnan(pulse_a) & np.isnan(conductance_a))  # all-empty rows
        pulse_a, conductance_a, rows_a = pulse_a[keep], conductance_a[keep], rows[keep]
        labels = (
            [body[r][1][c_col].strip() for r in np.flatnonzero(keep)]
            if c_col is not None
            else None
        )
        if labels is not None:
            empty = [r for r, lab in zip(rows_a, labels, strict=True) if not lab]
            if empty:
                raise FitError(
                    f"{path}: row {empty[0]}: the cycle is empty; label every row's "
                    "cycle"
                )
        _check_arrays(
            pulse_a,
            conductance_a,
            None,
            str(path),
            branch,
            rows_a if len(rows_a) else np.array([0]),
        )
        if labels is not None:
            index = {c: i for i, c in enumerate(dict.fromkeys(labels))}
            cycle_a = np.array([index[c] for c in labels], dtype=np.int64)
        else:
            cycle_a = _infer_cycles(pulse_a)
        has_cycle = labels is not None
    else:
        for k in v_cols:
            numbers_in(k)
        present = np.isfinite(values)
        pulse_list, g_list, c_list, r_list = [], [], [], []
        for k in v_cols:
            filled = np.flatnonzero(present[:, k])
            if not filled.size:
                continue
            end = filled[-1]
            gap = np.flatnonzero(~present[: end + 1, k])
            if gap.size:
                raise FitError(
                    f"{path}: column {columns[k]!r}, row {rows[gap[0]]}: empty or NaN "
                    f"in the middle of the run (row {rows[end]} has a value); a run "
                    "ends at its last value: fill the gap or end the run there"
                )
            pulse_list.append(np.arange(end + 1, dtype=np.float64))
            g_list.append(values[: end + 1, k] * factor)
            c_list.append(np.full(end + 1, len(c_list)))
            r_list.append(rows[: end + 1])
        if not pulse_list:
            raise FitError(f"{path}: no values in any column; {_HELP}")
        pulse_a, conductance_a = np.concatenate(pulse_list), np.concatenate(g_list)
        cycle_a, rows_a = np.concatenate(c_list), np.concatenate(r_list)
        _check_arrays(pulse_a, conductance_a, None, str(path), branch, rows_a)
        has_cycle = True
        described = (
            f"wide layout: {len(pulse_list)} column(s) "
            f"({columns[v_cols[0]]!r} to {columns[v_cols[-1]]!r}), one per cycle, "
            f"pulse = row; {what}"
        )
    return PulseData(
        pulse_a,
        conductance_a,
        cycle_a,
        has_cycle,
        str(path),
        hashlib.sha256(raw).hexdigest(),
        rows_a,
        described,
    )


def write_csv(data: PulseData, path: Path | str, force: bool = False) -> Path:
    """Write ``data`` as a CSV file (``cycle,pulse,conductance``), atomically; refuses
    to overwrite unless ``force``."""
    path = Path(path)
    check_new(path, force=force)
    text = data.csv_text()
    return atomic_write(path, lambda f: f.write(text.encode()))


# --- the fit --------------------------------------------------------------------------

#: What the bootstrap resamples: "model" (a parametric bootstrap: new noise drawn from
#: the fitted read and write noise) or "cycles" (whole measured cycles).
RESAMPLE = ("model", "cycles")
_OVER_TEXT = {"model": "of the noise model", "cycles": "over cycles"}
#: RMS distance of the best curve from the data, as a fraction of the data's range,
#: above which the fit refuses the data (the model does not describe them) ...
MAX_RMS_FRACTION = 0.15
#: ... and above which it warns (smooth measured branches fit within a few hundredths).
WARN_RMS_FRACTION = 0.05
#: Fewest cycles for a bootstrap over cycles.
MIN_CYCLES_RESAMPLED = 5
_LAGS = 5  # pulse-to-pulse lags of the variogram that separates read and write noise
_B_MAX = 200.0  # |b| beyond this the curve is a step to far below a pulse
_FLOOR = 1e-24  # variance floor (in units of the largest conductance squared)


@dataclass
class BranchFit:
    """NeuroSim's model of one branch, fitted, with bootstrap intervals.

    Conductances in siemens; ``nl`` and ``a`` as in :mod:`synquant.devices`;
    ``pulses``: pulses from one end of the branch to the other; ``sigma``: NeuroSim's
    cycle-to-cycle (write) noise, a fraction of Gmax - Gmin per sqrt(pulse);
    ``read_noise``: the standard deviation of a reading about the device's state, a
    fraction of Gmax - Gmin; ``offset_noise``: the spread of each cycle's starting
    state (fraction of Gmax - Gmin; 0 with one cycle); ``rms``: RMS distance of the data
    from the fitted (least-squares) curve, siemens; ``weighted``: (g_min, g_max, b) of
    the same model fitted by generalized least squares under the fitted noise, and
    ``rms_weighted`` its RMS distance (a check of the noise model); ``intervals``:
    ``{name: (low, high)}`` at ``confidence``; ``samples``: the bootstrap's estimates
    ``{name: array}``;
    ``warnings``: sentences saying where the model does not describe the data;
    ``orientation``: "rising" (conductance rises with the pulse number: potentiation, or
    depression on NeuroSim's axis counted from Gmin) or "falling" (depression as
    measured, from Gmax downward).
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
    over: str = "model"
    read_noise: float = 0.0
    offset_noise: float = 0.0
    rms_weighted: float = math.nan
    weighted: tuple = ()
    intervals: dict = field(default_factory=dict)
    samples: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    @property
    def a(self) -> float:
        """Curve parameter a = A / Pmax (inf for a linear branch)."""
        return math.inf if self.b == 0 else 1 / self.b

    @property
    def nl(self) -> float:
        """Nonlinearity label of the branch (the inverse of ``devices.nl_to_a``)."""
        return _nl(self.b)

    @property
    def unit(self) -> str:
        """What the bootstrap resamples: "model" or "cycles"."""
        return self.over

    @property
    def data_range(self) -> float:
        """Range of the measured conductance (siemens)."""
        return float(np.ptp(self.data.conductance))

    @property
    def rms_fraction(self) -> float:
        """RMS distance of the data from the fitted curve, over the data's range."""
        return self.rms / self.data_range

    @property
    def rms_weighted_fraction(self) -> float:
        """The same for the noise-weighted curve."""
        return self.rms_weighted / self.data_range

    def fixed(self, name: str) -> bool:
        """Whether the interval of ``name`` has zero width: the data fix the value (as
        when simulated cycles all start exactly at a bound), no interval to give."""
        iv = self.intervals.get(name)
        if iv is None:
            return False
        value = getattr(self, name)
        return iv[1] - iv[0] <= 1e-6 * max(abs(value), 1e-300)

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

    def predict_weighted(self, pulse) -> np.ndarray:
        """The noise-weighted curve's conductance (siemens) at ``pulse``."""
        lo, hi, b = self.weighted
        return lo + (hi - lo) * model(self.x(pulse), b)

    def residuals(self) -> np.ndarray:
        """Measured minus fitted conductance (siemens), in the data's row order."""
        return self.data.conductance - self.predict(self.data.pulse)

    def record(self) -> dict:
        """The branch's entry of a device file's "fit" record (JSON-ready)."""
        out = {
            "file": Path(self.data.source).name,
            "sha256": self.data.sha256,
            "read_as": self.data.described,
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
            out[f"{name}_fixed_by_data"] = self.fixed(name)
        out |= {
            "read_noise": self.read_noise,
            "offset_noise": self.offset_noise,
            "rms": self.rms,
            "rms_fraction_of_range": self.rms_fraction,
            "noise_weighted": {
                "g_min": self.weighted[0],
                "g_max": self.weighted[1],
                "nl": _nl(self.weighted[2]),
                "rms": self.rms_weighted,
                "rms_fraction_of_range": self.rms_weighted_fraction,
            },
            "warnings": list(self.warnings),
            "bootstrap": {
                "resamples": self.bootstrap,
                "over": self.unit,
                "seed": self.seed,
                "confidence": self.confidence,
            },
        }
        return out


def _nl(b: float) -> float:
    return 0.0 if b == 0 else devices.a_to_nl(1 / float(b))


def _trend(data: PulseData) -> float:
    """Spearman's rank correlation of conductance with pulse number."""
    return float(np.corrcoef(rankdata(data.pulse), rankdata(data.conductance))[0, 1])


def check_shape(data: PulseData, branch: str = "potentiation") -> str:
    """The branch's orientation ("rising"/"falling"); FitError, before any fitting, for
    data without a trend or with one that reverses (no orientation explains them)."""
    rho = _trend(data)
    edges = np.linspace(data.pulse.min(), data.pulse.max(), 9)
    bins = np.clip(np.searchsorted(edges, data.pulse, side="right") - 1, 0, 7)
    counts = np.bincount(bins, minlength=8)
    means = np.bincount(bins, data.conductance, minlength=8) / np.maximum(counts, 1)
    means, mids = means[counts > 0], ((edges[:-1] + edges[1:]) / 2)[counts > 0]
    span = float(np.ptp(means))
    profile = ", ".join(
        f"{g:.3g} S at pulse {p:.3g}"
        for p, g in zip(mids[::2], means[::2], strict=True)
    )
    if abs(rho) < 0.5 or span == 0:
        raise FitError(
            f"{data.source}: the {branch} branch has no clear trend (rank correlation "
            f"of conductance with pulse number {rho:.2f}; means {profile}): noise or "
            "a non-monotone response is not a pulse response that NeuroSim's model "
            "describes; check the columns and that the file holds one branch"
        )
    sign = 1 if rho > 0 else -1
    running = np.maximum.accumulate(sign * means)
    reversal = float(np.max(running - sign * means))
    # a turn back beyond a tenth of the range and beyond the noise of the bin means
    scatter = (
        data.conductance
        - (np.bincount(bins, data.conductance, minlength=8) / np.maximum(counts, 1))[
            bins
        ]
    )
    noise = float(np.sqrt(np.mean(scatter**2) * 2 / max(counts[counts > 0].min(), 1)))
    if reversal > 0.1 * span and reversal > 3 * noise:
        turn = int(np.argmax(running - sign * means))
        peak = int(np.argmax(sign * means[: turn + 1]))
        raise FitError(
            f"{data.source}: the {branch} branch {'rises' if sign > 0 else 'falls'} to "
            f"{means[peak]:.4g} S near pulse {mids[peak]:.3g} and turns back to "
            f"{means[turn]:.4g} S near pulse {mids[turn]:.3g}: not monotone, which no "
            "orientation of NeuroSim's model explains; fit each monotone part as its "
            "own branch"
        )
    orientation = "rising" if rho > 0 else "falling"
    if branch == "potentiation" and orientation == "falling":
        first, last = np.argmin(data.pulse), np.argmax(data.pulse)
        raise FitError(
            f"{data.source}: the potentiation branch falls overall (conductance "
            f"{data.conductance[first]:.4g} S at pulse {data.pulse[first]:g}, "
            f"{data.conductance[last]:.4g} S at pulse {data.pulse[last]:g}); a "
            "potentiation branch rises: pass falling data as the depression branch"
        )
    return orientation


class _Cycles:
    """The data's cycles in write order, for the noise model: per cycle the indices of
    its points and the pulses applied since its first point, grouped so that cycles
    whose pulse counts are a prefix of a longer one share one factorization."""

    def __init__(self, data: PulseData, x: np.ndarray, pulses: float, branch: str):
        key = -x if branch == "depression" else x  # depression is written from Gmax
        order = np.lexsort((key, data.cycle))
        cyc = data.cycle[order]
        splits = np.flatnonzero(np.diff(cyc)) + 1
        self.index = np.split(order, splits)
        self.t = [np.abs(x[i] - x[i[0]]) * pulses for i in self.index]
        self.n = len(x)
        groups: list[tuple[np.ndarray, list[int]]] = []
        for c in sorted(range(len(self.t)), key=lambda c: -len(self.t[c])):
            t = self.t[c]
            for t_long, members in groups:
                if np.array_equal(t_long[: len(t)], t):
                    members.append(c)
                    break
            else:
                groups.append((t, [c]))
        self.groups = []
        for t_long, members in groups:
            idx = np.full((len(t_long), len(members)), self.n)
            for j, c in enumerate(members):
                idx[: len(self.index[c]), j] = self.index[c]
            mask = idx < self.n
            self.groups.append((t_long, members, idx, mask))
        self.first = np.array([i[0] for i in self.index])
        self.cycle_of = np.empty(self.n, dtype=np.int64)
        for c, i in enumerate(self.index):
            self.cycle_of[i] = c

    def factors(self, variances) -> list[np.ndarray]:
        """Cholesky factors of each group's noise covariance: read noise on the
        diagonal, the write noise's random walk (variance per pulse times the pulses
        both readings share) and a cycle offset common to a cycle's readings.

        ``variances`` = (read, write per pulse, cycle offset), normalized units.
        """
        vr, vw, v0 = (max(float(v), _FLOOR) for v in variances)
        out = []
        for t_long, *_ in self.groups:
            c = vw * np.minimum.outer(t_long, t_long) + v0
            c[np.diag_indices_from(c)] += vr
            out.append(cholesky(c, lower=True))
        return out

    def whiten(self, factors, v: np.ndarray) -> np.ndarray:
        """L^-1 v cycle by cycle: rows (N, ...) to whitened rows (N, ...)."""
        v = np.asarray(v, dtype=np.float64)
        flat = v.reshape(self.n, -1)
        ext = np.concatenate([flat, np.zeros((1, flat.shape[1]))])
        out = []
        for low, (_, _, idx, mask) in zip(factors, self.groups, strict=True):
            p = ext[idx]  # (n_long, cycles, m); rows past a cycle's end are zero
            z = solve_triangular(low, p.reshape(len(low), -1), lower=True)
            out.append(z.reshape(p.shape)[mask])
        return np.concatenate(out).reshape((self.n, *v.shape[1:]))

    def color(self, factors, z: np.ndarray) -> np.ndarray:
        """L z: whitened rows (N, m) back to noise in the data's row order (N, m)."""
        out = np.zeros_like(z)
        start = 0
        for low, (_, _, idx, mask) in zip(factors, self.groups, strict=True):
            k = int(mask.sum())
            p = np.zeros((*idx.shape, z.shape[1]))
            p[mask] = z[start : start + k]
            e = (low @ p.reshape(len(low), -1)).reshape(p.shape)
            out[idx[mask]] = e[mask]
            start += k
        return out

    def variogram(self, e: np.ndarray) -> np.ndarray:
        """Per cycle, the sums (count, dt, dt^2, d^2, dt d^2) of the squared differences
        d^2 of ``e`` (N,) or (N, K) over lags 1.._LAGS readings apart in write order
        (dt: the pulses between them); shape (cycles, 5) or (cycles, 5, K)."""
        e2 = e.reshape(self.n, -1)
        k = e2.shape[1]
        out = np.zeros((len(self.index), 5, k))
        ext = np.concatenate([e2, np.zeros((1, k))])
        for t_long, members, idx, mask in self.groups:
            vals = ext[idx]  # (n_long, cycles, K); zero past a cycle's end
            for lag in range(1, min(_LAGS, len(t_long) - 1) + 1):
                dt = (t_long[lag:] - t_long[:-lag])[:, None]
                ok = (mask[lag:] & mask[:-lag] & (dt > 0)).astype(np.float64)
                d = vals[lag:] - vals[:-lag]
                d2 = d * d
                out[members, 0] += ok.sum(0)[:, None]
                out[members, 1] += (dt * ok).sum(0)[:, None]
                out[members, 2] += (dt**2 * ok).sum(0)[:, None]
                out[members, 3] += np.einsum("pc,pck->ck", ok, d2)
                out[members, 4] += np.einsum("pc,pck->ck", dt * ok, d2)
        return out if e.ndim > 1 else out[..., 0]


def _noise(stats: np.ndarray, first2: np.ndarray, cycles: int):
    """Read, write (per pulse) and offset variances from summed variogram sums
    (5, ...) and the mean squared first residual of the cycles (...): the squared
    difference of two readings ``dt`` pulses apart has mean 2 read + write * dt."""
    n, st, stt, sy, sty = stats
    det = n * stt - st**2
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = (stt * sy - st * sty) / det
        beta = (n * sty - st * sy) / det
        beta = np.where(det > 1e-12 * np.maximum(n * stt, 1e-300), beta, 0.0)
        alpha = np.where(det > 1e-12 * np.maximum(n * stt, 1e-300), alpha, sy / n)
        beta_only = np.where(stt > 0, sty / stt, 0.0)
        alpha_only = sy / np.maximum(n, 1)
    neg_b, neg_a = beta < 0, alpha < 0
    alpha, beta = np.where(neg_b, alpha_only, alpha), np.where(neg_b, 0.0, beta)
    alpha, beta = (
        np.where(neg_a & ~neg_b, 0.0, alpha),
        np.where(neg_a & ~neg_b, beta_only, beta),
    )
    read, write = alpha / 2, beta
    offset = np.maximum(first2 - read, 0.0) if cycles > 1 else np.zeros_like(read)
    return read, write, offset


def _start(x, g) -> np.ndarray:
    """Starting values (g_min, span, b): the best (g_min, span) for each b of a grid,
    by linear least squares."""
    grid = np.concatenate(
        [-np.geomspace(50, 1e-3, 40), [0.0], np.geomspace(1e-3, 50, 40)]
    )
    f = model(x, grid[:, None])  # (G, N)
    fm, gm = f.mean(axis=1, keepdims=True), g.mean()
    slope = ((f - fm) @ (g - gm)) / np.maximum(((f - fm) ** 2).sum(axis=1), 1e-300)
    offset = gm - slope * fm[:, 0]
    sse = (((offset[:, None] + slope[:, None] * f) - g) ** 2).sum(axis=1)
    i = int(np.argmin(sse))
    return np.array([max(offset[i], 1e-6), max(slope[i], 1e-6), grid[i]])


def _least_squares(x, g, theta, white=None):
    """Least squares of the model (g_min, span, b) to ``g`` with 0 < g_min, 0 < span;
    ``white``: the whitening (L^-1) of correlated noise, None for plain least
    squares."""
    white = white or (lambda v: v)
    wg = white(g)
    ones = np.ones_like(x)

    def residual(th):
        return white(th[0] + th[1] * model(x, th[2])) - wg

    def jacobian(th):
        f = model(x, th[2])
        return white(np.stack([ones, f, th[1] * _model_db(x, th[2])], axis=1))

    tiny = 1e-12
    start = np.clip(theta, [tiny, tiny, -_B_MAX], [np.inf, np.inf, _B_MAX])
    result = least_squares(
        residual,
        start,
        jac=jacobian,
        bounds=([tiny, tiny, -_B_MAX], [np.inf, np.inf, _B_MAX]),
        method="trf",
        x_scale="jac",
        xtol=1e-14,
        ftol=1e-14,
        gtol=1e-14,
        max_nfev=400,
    )
    return result.x, result.jac


def _grid_solve(a11, a12, a22, c1, c2, yy, grid):
    """For each resample (rows), the best b of ``grid`` (refined by a parabola through
    its neighbours), the (g_min, span) there and its position on the grid: the linear
    least squares of the data on [1, f_b], from the cross products a11 = 1.1, a12 =
    1.f_b, a22 = f_b.f_b, c1 = 1.y, c2 = f_b.y, yy = y.y (broadcast to (K, G))."""
    det = a11 * a22 - a12**2
    det = np.where(np.abs(det) > 0, det, np.inf)
    lo = (a22 * c1 - a12 * c2) / det
    span = (a11 * c2 - a12 * c1) / det
    rss = yy - (lo * c1 + span * c2)
    # the physical bounds: where g_min < 0 or span <= 0, g_min = 0 and the span alone
    span_alone = np.maximum(c2, 0) / np.where(a22 > 0, a22, np.inf)
    bad = (lo < 0) | (span <= 0)
    lo, span = np.where(bad, 0.0, lo), np.where(bad, span_alone, span)
    rss = np.where(bad, yy - span_alone * c2, rss)
    k = rss.shape[0]
    i = np.argmin(rss, axis=1)
    i = np.clip(i, 1, len(grid) - 2)
    rows = np.arange(k)
    r0, r1, r2 = rss[rows, i - 1], rss[rows, i], rss[rows, i + 1]
    curv = r0 - 2 * r1 + r2
    shift = np.where(curv > 0, 0.5 * (r0 - r2) / np.where(curv > 0, curv, 1), 0.0)
    shift = np.clip(shift, -1, 1)
    pos = i + shift

    def at(v):
        step = np.where(
            shift > 0, v[rows, i + 1] - v[rows, i], v[rows, i] - v[rows, i - 1]
        )
        return v[rows, i] + shift * step

    b = np.interp(pos, np.arange(len(grid)), grid)
    return b, at(lo), at(span), pos


def fit_branch(
    data: PulseData,
    branch: str = "potentiation",
    bootstrap: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
    over: str = "model",
) -> BranchFit:
    """NeuroSim's model fitted to one branch, with its read and write noise, and
    percentile bootstrap intervals.

    The curve (Gmin, Gmax and b = 1 / a) is the least-squares curve through all the
    points (``scipy.optimize.least_squares``, 0 < Gmin < Gmax), so that its level rests
    on every point, also with one cycle. About it the data carry two noises: NeuroSim's
    write noise, which adds up along a cycle (a random walk of ``sigma`` (Gmax - Gmin)
    per sqrt(pulse)), and read noise, independent from reading to reading; cycles may
    also start from different states (``offset_noise``). Their variances come from the
    variogram of the residuals (the squared difference of two readings dt pulses apart
    has mean 2 read^2 + write^2 dt, lags of 1 to 5 readings). The intervals come from
    this noise model: ``over="model"`` redraws the noise about the fitted curve (a
    parametric bootstrap; one cycle is enough), ``over="cycles"`` redraws whole cycles
    (valid whatever the noise; needs :data:`MIN_CYCLES_RESAMPLED` cycles); each
    resample is refitted by least squares. The curve refitted by generalized least
    squares under the fitted noise (``weighted``) checks the noise model; ``warnings``
    say where the model does not describe the data.

    ``bootstrap``: resamples (0: no intervals; at most :data:`MAX_BOOTSTRAP`);
    ``seed``: the resampling's seed. Raises FitError, before fitting, for data without a
    monotone trend and for a potentiation branch that falls.
    """
    if over not in RESAMPLE:
        raise ValueError(f"over={over!r}: resample {' or '.join(map(repr, RESAMPLE))}")
    devices.check_branch(branch)
    _integer("bootstrap", bootstrap, 0, MAX_BOOTSTRAP)
    _integer("seed", seed, 0)
    if not (isinstance(confidence, numbers.Real) and 0 < confidence < 1):
        raise ValueError(
            f"confidence={confidence!r}: use a number between 0 and 1, e.g. 0.95"
        )
    if over == "cycles" and data.cycles < MIN_CYCLES_RESAMPLED:
        raise ValueError(
            f"{data.source}: over='cycles' needs at least {MIN_CYCLES_RESAMPLED} "
            f"cycles, the data have {data.cycles}; resample 'model'"
        )
    orientation = check_shape(data, branch)
    first_pulse, pulses = float(data.pulse.min()), float(np.ptp(data.pulse))
    u = (data.pulse - first_pulse) / pulses
    x = 1 - u if orientation == "falling" else u
    scale = float(data.conductance.max())
    g = data.conductance / scale
    n = len(g)
    cycles = _Cycles(data, x, pulses, branch)

    fitted, jac = _least_squares(x, g, _start(x, g))
    lo, span, b = (float(v) for v in fitted)
    e = g - lo - span * model(x, b)
    variances = _noise(
        cycles.variogram(e).sum(axis=0),
        float(np.mean(e[cycles.first] ** 2)),
        data.cycles,
    )
    factors = cycles.factors(variances)
    # the noise model's scale on these residuals (1 where it describes them)
    phi = float(e @ _solve(cycles, factors, e)) / max(n - 3, 1)
    weighted, wjac = _least_squares(
        x, g, fitted, lambda v, f=factors: cycles.whiten(f, v)
    )
    e_weighted = g - weighted[0] - weighted[1] * model(x, weighted[2])
    read, write, offset = (math.sqrt(max(float(v), 0.0)) for v in variances)
    result = BranchFit(
        branch,
        data,
        orientation,
        first_pulse,
        pulses,
        lo * scale,
        (lo + span) * scale,
        b,
        write / span,
        float(np.sqrt(np.mean(e**2)) * scale),
        int(bootstrap),
        int(seed),
        float(confidence),
        over,
        read / span,
        offset / span,
        float(np.sqrt(np.mean(e_weighted**2)) * scale),
        (
            float(weighted[0] * scale),
            float((weighted[0] + weighted[1]) * scale),
            float(weighted[2]),
        ),
    )
    if not all(
        math.isfinite(v)
        for v in (result.g_min, result.g_max, result.b, result.sigma, result.rms)
    ):
        raise FitError(
            f"{data.source}: the fit of the {branch} branch did not converge to finite "
            "values; the data are not a pulse response that NeuroSim's model describes"
        )
    # the estimate's covariance under the noise model (least squares' sandwich) and
    # the noise-weighted estimate's: their difference tests the noise model (Hausman)
    bread = np.linalg.pinv(jac.T @ jac)
    cov = bread @ _gram(cycles, factors, jac) @ bread * max(phi, 1.0)
    cov_w = np.linalg.pinv(wjac.T @ wjac) * max(phi, 1.0)
    if result.rms_fraction > MAX_RMS_FRACTION:
        raise FitError(
            f"{data.source}: the best curve of NeuroSim's model is on average "
            f"{result.rms_fraction:.2f} of the data's range away from the {branch} "
            f"data (more than {MAX_RMS_FRACTION}): the model does not describe them (a "
            "step, a plateau, or more than one branch?); check the file and the columns"
        )
    result.warnings = _warnings(
        result, cycles, factors, max(phi, 1.0), e * scale, cov[2, 2] - cov_w[2, 2]
    )
    if bootstrap:

        def resample(factors, count, start):
            """``count`` bootstrap estimates under the noise model's ``factors``, the
            draws seeded with ``start``."""
            return _bootstrap(
                result,
                cycles,
                factors,
                max(phi, 1.0),
                x,
                g,
                fitted,
                cov,
                count,
                start,
                over,
            )

        if over == "model" and data.cycles < 10:
            # the variogram underestimates the write noise of few, short cycles (the
            # curve takes up part of the walk); a pilot of the bootstrap shows by how
            # much, and the noise redrawn is the write noise corrected by that ratio
            pilot = resample(factors, min(bootstrap, 100), seed + 1)["sigma"]
            ratio = result.sigma / max(float(np.median(pilot)), 1e-300)
            if 1 < ratio < 10:
                factors = cycles.factors(
                    (variances[0], variances[1] * ratio**2, variances[2])
                )
        result.samples = resample(factors, bootstrap, seed)
        tail = 100 * (1 - confidence) / 2
        intervals = {
            k: tuple(float(q) for q in np.percentile(v, [tail, 100 - tail]))
            for k, v in result.samples.items()
        }
        # the variogram underestimates the write noise of few, short cycles (the
        # curve takes up part of the walk); the resamples show by how much, and the
        # interval is moved by that ratio (estimate / resamples' median)
        median = float(np.median(result.samples["sigma"]))
        if median > 0:
            ratio = result.sigma / median
            intervals["sigma"] = tuple(v * ratio for v in intervals["sigma"])
        lo_b, hi_b = intervals["b"]
        intervals["a"] = (
            (1 / hi_b, 1 / lo_b) if lo_b * hi_b > 0 else None
        )  # a's interval runs through infinity otherwise
        result.intervals = intervals
    return result


def _bootstrap(result, cycles, factors, phi, x, g, theta, cov, k_total, seed, over):
    """The bootstrap's estimates {name: (K,)}: each resample refitted by least squares
    on a grid of b (the estimate +- 6 standard errors, refined by a parabola) with its
    (g_min, span) in closed form. ``over="model"``: the fitted curve plus noise drawn
    from the fitted noise model (scaled by ``phi`` for the curve); "cycles": whole
    cycles drawn with replacement."""
    rng = np.random.default_rng(seed)
    lo, span, b = theta
    se = math.sqrt(max(cov[2, 2], 0.0))
    se = min(max(se, 1e-6), _B_MAX)
    grid = np.unique(np.clip(b + se * np.linspace(-6, 6, 61), -_B_MAX, _B_MAX))
    if len(grid) < 3:
        grid = np.linspace(b - 1e-3, b + 1e-3, 5)
    f = model(x[:, None], grid[None, :])  # (N, G)
    mean = lo + span * model(x, b)
    scale = float(result.data.conductance.max())
    m = len(cycles.index)
    out = {k: [] for k in ("g_min", "g_max", "b", "sigma")}
    if over == "cycles":
        member = sparse.csr_matrix(
            (np.ones(cycles.n), (cycles.cycle_of, np.arange(cycles.n))),
            shape=(m, cycles.n),
        )
        per = {
            "n": member @ np.ones(cycles.n),
            "f": member @ f,
            "ff": member @ (f * f),
            "y": member @ g,
            "fy": member @ (f * g[:, None]),
            "yy": member @ (g * g),
        }
        e = g - mean
        per_stats = cycles.variogram(e).reshape(m, 5)
    chunk = 250
    for s in range(0, k_total, chunk):
        k = min(chunk, k_total - s)
        if over == "model":
            noise = cycles.color(factors, rng.normal(0.0, 1.0, (len(x), k)))
            y = mean[:, None] + math.sqrt(phi) * noise
            a11 = np.full((k, 1), float(len(x)))
            a12 = np.broadcast_to(f.sum(0), (k, len(grid)))
            a22 = np.broadcast_to((f * f).sum(0), (k, len(grid)))
            c1 = y.sum(0)[:, None]
            c2 = (f.T @ y).T
            yy = (y * y).sum(0)[:, None]
        else:
            counts = rng.multinomial(m, np.full(m, 1 / m), k).astype(np.float64)
            a11 = (counts @ per["n"])[:, None]
            a12, a22 = counts @ per["f"], counts @ per["ff"]
            c1, c2 = (counts @ per["y"])[:, None], counts @ per["fy"]
            yy = (counts @ per["yy"])[:, None]
            stats = (counts @ per_stats).T
        b_k, lo_k, span_k, pos = _grid_solve(a11, a12, a22, c1, c2, yy, grid)
        if over == "model":  # the noise as the fit sees it: residuals of the refit
            i = np.clip(np.floor(pos).astype(np.int64), 0, len(grid) - 2)
            w = pos - i  # the refitted curve, interpolated between grid columns
            refit = lo_k + span_k * ((1 - w) * f[:, i] + w * f[:, i + 1])
            stats = cycles.variogram(y - refit).sum(axis=0) / phi  # (5, K)
        write = np.sqrt(np.maximum(_noise(stats, 0.0 * stats[0], 1)[1], 0.0))
        out["g_min"].append(lo_k * scale)
        out["g_max"].append((lo_k + span_k) * scale)
        out["b"].append(b_k)
        out["sigma"].append(write / np.where(span_k > 0, span_k, np.inf))
    samples = {k: np.concatenate(v) for k, v in out.items()}
    samples["nl"] = np.array([_nl(v) for v in samples["b"]])
    return samples


def _solve(cycles, factors, v: np.ndarray) -> np.ndarray:
    """C^-1 v in the data's row order (C the noise covariance)."""
    z = cycles.whiten(factors, v)  # L^-1 v, whitened row order
    ext = np.concatenate([z, np.zeros(1)])
    out = np.zeros(cycles.n)
    start = 0
    for low, (_, _, idx, mask) in zip(factors, cycles.groups, strict=True):
        k = int(mask.sum())
        p = np.zeros(idx.shape)
        p[mask] = ext[start : start + k]
        q = solve_triangular(low, p, lower=True, trans="T")
        out[idx[mask]] = q[mask]
        start += k
    return out


def _gram(cycles, factors, w: np.ndarray) -> np.ndarray:
    """w^T C w (m, m) for ``w`` (N, m), C the noise covariance whose Cholesky factors
    are ``factors``: (L^T w)^T (L^T w) cycle by cycle."""
    ext = np.concatenate([w, np.zeros((1, w.shape[1]))])
    total = np.zeros((w.shape[1], w.shape[1]))
    for low, (_, _, idx, _) in zip(factors, cycles.groups, strict=True):
        q = np.einsum("ij,icm->jcm", low, ext[idx])  # L^T p, (n_long, cycles, m)
        total += np.einsum("jcm,jcl->ml", q, q)
    return total


def _warnings(result: BranchFit, cycles, factors, phi, e, var_diff) -> list[str]:
    """Sentences that say where the model does not describe the data: residuals with a
    structure that the fitted noise does not explain, a noise-weighted fit that moves
    away from the data (the noise is not the model's), or data bending the other way
    from a saturating curve."""
    out = []
    name, source = result.branch, Path(result.data.source).name
    # structure: residual means over 10 bins of pulses against their spread under the
    # fitted noise (the write noise's random walk included)
    pulse = result.data.pulse
    edges = np.quantile(pulse, np.linspace(0, 1, 11))
    bins = np.clip(np.searchsorted(edges, pulse, side="right") - 1, 0, 9)
    counts = np.bincount(bins, minlength=10).astype(float)
    means = np.bincount(bins, e, minlength=10) / np.maximum(counts, 1)
    busy = counts > 0
    m = len(cycles.index)
    if m >= 3:
        # with several cycles, a shape the curve lacks repeats from cycle to cycle,
        # where noise does not: each bin's mean residual (each cycle's own offset
        # taken out) against the spread of the cycles' means in that bin
        cell = cycles.cycle_of * 10 + bins
        n_cell = np.bincount(cell, minlength=10 * m).reshape(m, 10)
        per = np.bincount(cell, e, minlength=10 * m).reshape(m, 10) / np.maximum(
            n_cell, 1
        )
        have = n_cell > 0
        offset = (per * have).sum(1, keepdims=True) / np.maximum(
            have.sum(1, keepdims=True), 1
        )
        per = per - offset
        k = have.sum(axis=0)
        means = np.where(k > 0, (per * have).sum(0) / np.maximum(k, 1), 0.0)
        spread = np.sqrt(
            ((per - means) ** 2 * have).sum(0) / np.maximum(k - 1, 1)
        ) / np.sqrt(np.maximum(k, 1))
        busy = k >= 3
        expected = np.where(busy, spread, np.inf)
        limit = 4.5  # |t| per bin; about 1.5 % of clean data sets flag one of 10 bins
    else:  # one or two cycles: against the fitted noise (its random walk included)
        weights = np.zeros((cycles.n, 10))
        weights[np.arange(cycles.n), bins] = 1.0 / np.maximum(counts[bins], 1)
        scale = float(result.data.conductance.max())
        expected = np.sqrt(phi * np.diag(_gram(cycles, factors, weights))) * scale
        limit = 4.5
    if not busy.any():
        busy = counts > 0
    z = np.where(busy, means / np.where(expected > 0, expected, np.inf), 0.0)
    flagged = busy & (np.abs(z) > limit) & (np.abs(means) > 0.01 * result.data_range)
    if flagged.any():
        mids = (edges[:-1] + edges[1:]) / 2
        above = ", ".join(f"{v:.3g}" for v in mids[flagged & (z > 0)]) or "none"
        below = ", ".join(f"{v:.3g}" for v in mids[flagged & (z < 0)]) or "none"
        biggest = float(np.max(np.abs(means[flagged])))
        out.append(
            f"{source}: the {name} residuals are structured: the data lie above the "
            f"curve near pulses {above} and below it near pulses {below}, by up to "
            f"{biggest / result.data_range:.3f} of the range, in every cycle alike, "
            "more than the noise explains: NeuroSim's curve does not have the data's "
            "shape there"
        )
    ratio = result.rms_weighted / result.rms
    shift = abs(result.weighted[2] - result.b) / math.sqrt(max(var_diff, 1e-300))
    if ratio > 1.1 and shift > 3:
        out.append(
            f"{source}: weighted by the fitted read and write noise, the {name} curve "
            f"moves to NL {_nl(result.weighted[2]):.2f} and {ratio:.2f} times as far "
            f"from the data (RMS {result.rms_weighted_fraction:.3f} against "
            f"{result.rms_fraction:.3f} of the range): the data's noise is not read "
            "plus write noise about this curve, so the intervals are approximate"
        )
    if result.rms_fraction > WARN_RMS_FRACTION:
        out.append(
            f"{source}: the fitted {name} curve is on average "
            f"{result.rms_fraction:.3f} of the data's range from the data (more than "
            f"{WARN_RMS_FRACTION}): "
            "noisy data, or a shape the model does not have; look at the residuals"
        )
    saturating = result.b > 0 if name == "potentiation" else result.b < 0
    if abs(result.nl) >= 0.1 and not saturating:
        out.append(
            f"{source}: the {name} branch bends the other way from a saturating "
            f"curve (NL {result.nl:.2f}): its steps grow toward the end of the branch; "
            "the model takes it with NL of that sign, unlike the paper's devices"
        )
    return out


def _integer(name: str, value, least: int, most: int | None = None) -> None:
    """Raise ValueError, naming ``name``, unless ``value`` is an integer in [least,
    most] (a Python or numpy integer; not a bool)."""
    integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not integral or value < least:
        raise ValueError(f"{name}={value!r}: use an integer >= {least}")
    if most is not None and value > most:
        raise ValueError(f"{name}={value!r}: use an integer from {least} to {most}")


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
        """What was fitted, in a few lines: orientations, counts, estimates with their
        intervals (conductances in the data's unit: nS, uS or mS), goodness of fit, and
        the warnings."""
        lines = [f"{self.device.name}: NeuroSim's model fitted by least squares"]
        unit, factor = conductance_unit(max(b.g_max for b in self.branches.values()))
        for name, b in self.branches.items():

            def span(key, factor=1.0, fmt=".3g", b=b):
                if b.intervals.get(key) is None:
                    return ""
                if b.fixed(key):
                    return " (fixed by the data)"
                low, high = b.intervals[key]
                return f" [{low * factor:{fmt}}, {high * factor:{fmt}}]"

            lines += [
                (
                    f"  {name}: {len(b.data)} points, {b.data.cycles} "
                    f"cycle(s){'' if b.data.has_cycle else ' (no cycle column)'}, "
                    f"{b.pulses:g} pulses; read {b.orientation_text}"
                ),
                (
                    f"    NL {b.nl:.3f}{span('nl', fmt='.3f')}, a {b.a:.4g}, Gmin "
                    f"{factor * b.g_min:.4g} {unit}{span('g_min', factor, '.4g')}, "
                    f"Gmax {factor * b.g_max:.4g} {unit}"
                    f"{span('g_max', factor, '.4g')}"
                ),
                (
                    f"    write noise (sigma) {100 * b.sigma:.3g} %"
                    f"{span('sigma', 100, '.3g')} per sqrt(pulse), read noise "
                    f"{100 * b.read_noise:.3g} %, cycle offsets "
                    f"{100 * b.offset_noise:.3g} % of Gmax - Gmin"
                ),
                (
                    f"    RMS distance from the data {b.rms_fraction:.4f} of its range "
                    f"({factor * b.rms:.3g} {unit}); noise-weighted fit "
                    f"{b.rms_weighted_fraction:.4f}"
                    + (
                        f"; {round(100 * b.confidence)} % intervals from {b.bootstrap} "
                        f"resamples ({_OVER_TEXT[b.unit]})"
                        if b.bootstrap
                        else ""
                    )
                ),
            ]
            lines += [f"  warning: {w}" for w in b.warnings]
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
    over: str = "model",
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
    _integer("bootstrap", bootstrap, 0, MAX_BOOTSTRAP)  # before reading any data
    _integer("seed", seed, 0)
    if over not in RESAMPLE:
        raise ValueError(f"over={over!r}: resample {' or '.join(map(repr, RESAMPLE))}")
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
    steps = {k: max(len(b.data) - b.data.cycles, 1) for k, b in branches.items()}
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


def _inverse(f, b) -> np.ndarray:
    """Normalized pulse number x at which :func:`model` (curve parameter ``b``) reaches
    ``f`` in [0, 1], broadcast (NeuroSim's InvNonlinearWeight, normalized)."""
    f = np.asarray(f, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    c = np.maximum(np.abs(b), _B_TINY)
    rising = b >= 0
    h = np.where(rising, f, 1 - f)
    y = -np.log1p(h * np.expm1(-c)) / c
    return np.where(rising, y, 1 - y)


#: Rules of :func:`simulate`: "neurosim" (each pulse from the current noisy
#: conductance, clipped to [Gmin, Gmax], as NeuroSim's RealDevice::Write) or "additive"
#: (the model's curve plus a random walk, unclipped: the fit's noise model).
RULES = ("neurosim", "additive")


def simulate(
    device,
    branch: str = "potentiation",
    cycles: int = 5,
    seed: int = 0,
    pulses: int | None = None,
    sigma: float | None = None,
    orientation: str = "measured",
    read_noise: float = 0.0,
    rule: str = "neurosim",
) -> PulseData:
    """Pulse trains of a known device with cycle-to-cycle write noise and read noise.

    Each cycle starts at the branch's end (Gmin for potentiation, Gmax for depression)
    and applies ``pulses`` (default ``device.states - 1``) single pulses. With
    ``rule="neurosim"`` each pulse is written as NeuroSim's ``RealDevice::Write`` writes
    it: the pulse number at which the curve reaches the current (noisy) conductance,
    one pulse on along the curve, plus Gaussian noise of ``sigma`` (default
    ``device.sigma``) times Gmax - Gmin, the result clipped to [Gmin, Gmax]. With
    ``rule="additive"`` the noise of a cycle's pulses adds up about the model's curve,
    unclipped (the fit's noise model, whose mean is the curve). Each reading then adds
    independent Gaussian read noise of ``read_noise`` times Gmax - Gmin.
    ``orientation``: "measured" numbers the pulses in the order applied (a depression
    branch falls); "neurosim" counts them from Gmin (a depression branch on NeuroSim's
    axis). Seeded by ``seed``.
    """
    device = devices.get(device)
    devices.check_branch(branch)
    if orientation not in ("measured", "neurosim"):
        raise ValueError(f"orientation={orientation!r}: use 'measured' or 'neurosim'")
    if rule not in RULES:
        raise ValueError(f"rule={rule!r}: use 'neurosim' or 'additive'")
    pulses = device.states - 1 if pulses is None else pulses
    _integer("cycles", cycles, 1, 100_000)
    _integer("pulses", pulses, 2, MAX_PULSES)
    _integer("seed", seed, 0)
    sigma = device.sigma if sigma is None else float(sigma)
    for label, value in (("sigma", sigma), ("read_noise", read_noise)):
        if not (
            isinstance(value, numbers.Real) and math.isfinite(value) and value >= 0
        ):
            raise ValueError(f"{label}={value!r}: use a finite fraction >= 0")
    lo, hi = device.g_min, device.g_max
    b = 1 / device.a(branch)
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, pulses + 1)
    if branch == "depression":
        x = x[::-1]  # written from Gmax down
    if rule == "additive":
        mean = model(x, b)
        noise = rng.normal(0, sigma, (cycles, pulses))
        f = mean + np.concatenate(
            [np.zeros((cycles, 1)), np.cumsum(noise, axis=1)], axis=1
        )
    else:
        step = 1 / pulses if branch == "potentiation" else -1 / pulses
        f = np.empty((cycles, pulses + 1))
        f[:, 0] = model(x[0], b)
        for k in range(pulses):  # pulse by pulse, every cycle at once
            now = _inverse(np.clip(f[:, k], 0, 1), b)
            new = model(now + step, b) + rng.normal(0, sigma, cycles)
            f[:, k + 1] = np.clip(new, 0, 1)
    conductance = lo + (hi - lo) * (f + rng.normal(0, read_noise, f.shape))
    pulse = np.arange(pulses + 1, dtype=np.float64)
    if orientation == "neurosim" and branch == "depression":
        pulse = pulses - pulse
    if conductance.min() < 0:
        raise ValueError(
            f"simulate: the noise (sigma={sigma:g}, read_noise={read_noise:g} over "
            f"{pulses} pulses) drove a conductance below 0 (Gmin {lo:.3g} S); use a "
            "smaller noise, fewer pulses or a larger Gmin"
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
#: Read noise of the synthetic example, a fraction of Gmax - Gmin.
SYNTHETIC_READ_NOISE = 0.005
SYNTHETIC_SEEDS = {"potentiation": 1, "depression": 2}
#: Where the book ships the synthetic example.
DATA_DIR = ROOT / "data" / "devices"
SYNTHETIC_FILES = {
    "potentiation": DATA_DIR / "synthetic-LTP.csv",
    "depression": DATA_DIR / "synthetic-LTD.csv",
}
#: A real measurement shipped with the book: CrossSim's example (Sandia National
#: Laboratories, BSD-3; see data/devices/README.md), wide CSVs of read currents at
#: :data:`CROSSSIM_READ_VOLTAGE` volts.
CROSSSIM_FILES = {
    "potentiation": DATA_DIR / "crosssim" / "set.csv",
    "depression": DATA_DIR / "crosssim" / "reset.csv",
}
CROSSSIM_READ_VOLTAGE = 0.1


def synthetic(branch: str = "potentiation") -> PulseData:
    """The book's synthetic example: :func:`simulate` of :data:`SYNTHETIC` under
    NeuroSim's write rule, with :data:`SYNTHETIC_CYCLES` cycles, read noise
    :data:`SYNTHETIC_READ_NOISE` and the branch's seed of :data:`SYNTHETIC_SEEDS`
    (depression as measured, from Gmax downward). ``write_csv(synthetic(b), path)``
    regenerates the shipped files."""
    devices.check_branch(branch)
    return simulate(
        SYNTHETIC,
        branch,
        cycles=SYNTHETIC_CYCLES,
        seed=SYNTHETIC_SEEDS[branch],
        read_noise=SYNTHETIC_READ_NOISE,
    )


def write_rule_bias(
    device,
    branch: str = "potentiation",
    rule: str = "neurosim",
    sigma: float | None = None,
    read_noise: float = 0.0,
    cycles: int = 10,
    sets: int = 40,
    seed: int = 0,
) -> dict:
    """The fitted NL's bias on data drawn by :func:`simulate` under a write ``rule``:
    ``sets`` data sets of ``cycles`` cycles (seeds ``seed``, ``seed + 1``, ...), each
    fitted without bootstrap. Returns ``{"true_nl", "mean_nl", "bias", "se", "sets"}``
    (``se``: the standard error of the bias)."""
    device = devices.get(device)
    _integer("sets", sets, 2, 10_000)
    _integer("seed", seed, 0)
    true_nl = devices.a_to_nl(device.a(branch))
    nls = np.array(
        [
            fit_branch(
                simulate(
                    device,
                    branch,
                    cycles=cycles,
                    seed=seed + k,
                    sigma=sigma,
                    read_noise=read_noise,
                    rule=rule,
                ),
                branch,
                bootstrap=0,
            ).nl
            for k in range(sets)
        ]
    )
    return {
        "true_nl": true_nl,
        "mean_nl": float(nls.mean()),
        "bias": float(nls.mean() - true_nl),
        "se": float(nls.std(ddof=1) / math.sqrt(sets)),
        "sets": sets,
    }

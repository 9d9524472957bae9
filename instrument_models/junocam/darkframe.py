"""JunoCam's dark/bias frame: level gradient down the CCD, column defects, reference columns, hot pixels.

What the real frames show (12-bit DN, TDI 1, per 1648 x 128 strip; ``../shared/reference/calibration/README.md``
for PJ28 dark frames, and the PJ18 frame ``debias18.tiff`` (Brian Swift, MIT licence) measured here with
:mod:`instrument_models.junocam.darkstats`):

- the level rises from strip to strip down the CCD, 8.8 / 10.1 / 11.4 DN mean over the active columns of
  BLUE / GREEN / RED (PJ28), and within debias18's strips by 0.5-0.7 DN from their first to last line;
- warm columns: a column that is warm in BLUE is warm by the same amount in GREEN and RED, and new ones appear
  further down (debias18: the same 25, 52 and 130 DN columns in all three strips; the strips' column
  structures correlate 0.73-0.93). This is what charge-transfer defects in a column's vertical register do
  when the read-out register is on METHANE's side (CCD row 0): every packet from farther rows passes the
  defect and picks up its charge. So a column defect starts at a CCD row and adds its amplitude to every row
  beyond it; above ~2 DN their amplitudes follow a power law of index ~1 (debias18: 139 / 46 / 27 / 15 / 5
  RED columns above 2 / 5 / 10 / 20 / 50 DN), up to ~130 DN. Counts of columns > 5 DN above the base: 19 / 51
  / 80 per strip (PJ28). Below that, a Gaussian column-to-column scatter (debias18: 0.64-0.82 DN robust);
- the dark reference columns 0-22 read 3-5 DN below the active area (PJ28);
- hot pixels: 136-546 clusters per strip, mostly 3-line vertical streaks, 179-394 pixels above 100 DN,
  the brightest 700-1,550 DN (PJ28). A hot photosite adds its charge to every packet that passes it while
  the packet is being exposed and transferred; the streak is ``hot_streak_lines`` lines at TDI 1 and one line
  longer per further TDI stage, each line getting the hot pixel's amplitude (DN per line period).

METHANE has no real frame: its level and column-defect count follow the BLUE-GREEN-RED trend down the CCD
(level linear in CCD row: 7.5 DN at METHANE's centre; defects uniform in rows above BLUE's centre: 13 columns
> 5 DN). Both are assumptions, changeable in :class:`DarkFrameParams`.

The level calibration: each strip's base is set so that the mean over its active columns of the expected
TDI 1 dark frame, after the ADC's floor (-0.5 DN on average), equals ``level_dn`` x ``level_scale``.

debias18's amplitudes above are read with the file scaled by 65535. Its stored values turn out to be whole
multiples of 1 / (2879 x 288) (:mod:`instrument_models.junocam.calibration_files`: DN / 2879, mean of 288
framelets), which makes them 22.8 times smaller in DN: a bias-removed residual, not a PJ28-like dark. Only
its shapes are used here (which columns, from which row, the strips' correlation, the power-law index); every
amplitude and count of the defaults comes from the PJ28 figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from instrument_models.errors import InstrumentError

# PJ28 dark frames, calibration README: mean over the active columns (DN, TDI 1) and columns > 5 DN above the
# base, per strip.
PJ28_LEVEL_DN = MappingProxyType({"BLUE": 8.8, "GREEN": 10.1, "RED": 11.4})
PJ28_WARM_COLUMNS = MappingProxyType({"BLUE": 19.0, "GREEN": 51.0, "RED": 80.0})


@dataclass(frozen=True)
class DarkFrameParams:
    """The dark/bias frame model (module doc). DN are 12-bit DN at TDI 1 at the default gain.

    Attributes
    ----------
    level_dn : filter -> mean dark DN over the active columns (PJ28: B/G/R 8.8 / 10.1 / 11.4). Filters not
        given (METHANE) follow the straight line through the given ones in CCD row (assumption).
    level_scale : multiplies every level (1 = PJ28). The knob for mission time (radiation aging).
    reference_offset_dn : mean level of the dark reference columns minus that of the active area (PJ28: 3-5 DN
        lower; -4).
    column_sigma_dn : Gaussian column-to-column scatter (debias18: 0.64 / 0.76 / 0.82 DN robust; 0.75).
    warm_columns : filter -> expected number of columns more than 5 DN above the base in that strip (PJ28:
        19 / 51 / 80). Column defects start at CCD rows with this density (piecewise constant between the
        strips' centres; METHANE and the rows above BLUE take BLUE's density, the rows below RED take RED's).
    warm_column_scale : multiplies the defect counts (mission-time knob).
    defect_min_dn, defect_max_dn, defect_index : column-defect amplitudes follow a power law
        ``P(A > a) ~ a^-index`` between min and max (debias18: index ~1 from 2 to 130 DN; max 150 DN assumed).
    hot_per_strip : mean number of hot pixels per 128 x 1648 strip (Poisson). Assumption fitted to the PJ28
        cluster count 136-546 per strip: 600 (~200 of them above the 30 DN cluster threshold).
    hot_median_dn, hot_sigma_ln : the hot pixels' amplitude per streak line is log-normal with this median
        and log-width. Assumption fitted to the PJ28 figures (179-394 pixels > 100 DN per strip, warm columns
        included, in 3-line streaks, brightest 700-1,550 DN): median 16 DN, sigma 1.44 put ~1/10 of them above
        100 DN (~180 pixels, the rest from warm columns) and the brightest of 600 near 1,100 DN.
    hot_density_scale, hot_amplitude_scale : multiply the count and the amplitudes (mission-time knobs).
    hot_streak_lines : streak length at TDI 1 (PJ28: mostly 3 lines); TDI N adds N - 1 lines.
    """

    level_dn: Mapping[str, float] = field(default_factory=lambda: dict(PJ28_LEVEL_DN))
    level_scale: float = 1.0
    reference_offset_dn: float = -4.0
    column_sigma_dn: float = 0.75
    warm_columns: Mapping[str, float] = field(default_factory=lambda: dict(PJ28_WARM_COLUMNS))
    warm_column_scale: float = 1.0
    defect_min_dn: float = 2.0
    defect_max_dn: float = 150.0
    defect_index: float = 1.0
    hot_per_strip: float = 600.0
    hot_median_dn: float = 16.0
    hot_sigma_ln: float = 1.44
    hot_density_scale: float = 1.0
    hot_amplitude_scale: float = 1.0
    hot_streak_lines: int = 3

    def __post_init__(self) -> None:
        for name in ("level_scale", "column_sigma_dn", "warm_column_scale", "hot_per_strip", "hot_sigma_ln",
                     "hot_density_scale", "hot_amplitude_scale"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise InstrumentError(f"dark-frame parameter {name} = {v!r} is invalid; expected a number >= 0")
        for name in ("defect_min_dn", "defect_index", "hot_median_dn"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InstrumentError(f"dark-frame parameter {name} = {v!r} is invalid; expected a number > 0")
        if not self.defect_max_dn > self.defect_min_dn:
            raise InstrumentError(f"dark-frame parameter defect_max_dn = {self.defect_max_dn!r} is invalid; "
                                  f"expected more than defect_min_dn = {self.defect_min_dn!r}")
        if not (isinstance(self.hot_streak_lines, (int, np.integer)) and self.hot_streak_lines >= 1):
            raise InstrumentError(f"dark-frame parameter hot_streak_lines = {self.hot_streak_lines!r} is invalid; "
                                  "expected a whole number >= 1")
        if not self.level_dn or not self.warm_columns:
            raise InstrumentError("dark-frame parameters level_dn and warm_columns need at least one filter each")

    def exceed_fraction(self, threshold_dn: float) -> float:
        """Fraction of column defects whose amplitude exceeds ``threshold_dn`` (truncated power law)."""
        a, lo, hi = self.defect_index, self.defect_min_dn, self.defect_max_dn
        t = min(max(threshold_dn, lo), hi)
        return float(((lo / t) ** a - (lo / hi) ** a) / (1.0 - (lo / hi) ** a))


@dataclass(frozen=True)
class ColumnDefects:
    """Column defects of the whole CCD: each adds ``amplitude_dn`` to column ``column`` at CCD rows >= ``row``."""

    column: np.ndarray
    row: np.ndarray
    amplitude_dn: np.ndarray
    scatter_dn: np.ndarray      # (samples,) the Gaussian column-to-column part, every row

    def offsets(self, first_row: int, n_rows: int, samples: int) -> np.ndarray:
        """(n_rows, samples) DN the defects and the scatter add to CCD rows ``first_row ..``."""
        steps = np.zeros((n_rows + 1, samples))
        start = np.clip(self.row - first_row, 0, n_rows)       # defects above the strip act from its first row
        np.add.at(steps, (start, self.column), self.amplitude_dn)
        return np.cumsum(steps, axis=0)[:n_rows] + self.scatter_dn[None, :]


@dataclass(frozen=True)
class HotPixels:
    """Hot photosites of the whole CCD: CCD row and column, and amplitude (DN per line period)."""

    row: np.ndarray
    column: np.ndarray
    amplitude_dn: np.ndarray

    def streaks(self, first_row: int, n_rows: int, samples: int, tdi: int, streak_lines: int) -> np.ndarray:
        """(n_rows, samples) DN the hot pixels of CCD rows ``first_row ..`` add: each a vertical streak of
        ``streak_lines + tdi - 1`` lines from its own row toward higher lines, cut at the strip's end."""
        out = np.zeros((n_rows, samples))
        inside = (self.row >= first_row) & (self.row < first_row + n_rows)
        r, c, a = self.row[inside] - first_row, self.column[inside], self.amplitude_dn[inside]
        for k in range(streak_lines + int(tdi) - 1):
            keep = r + k < n_rows
            np.add.at(out, (r[keep] + k, c[keep]), a[keep])
        return out


def strip_centres(first_rows: Mapping[str, int], lines: int = 128) -> dict[str, float]:
    """CCD row of each strip's centre from its first row."""
    return {f: r + 0.5 * lines for f, r in first_rows.items()}


def level_line(params: DarkFrameParams, centres: Mapping[str, float], filter_name: str) -> float:
    """Target mean level of a strip (DN, before ``level_scale``): ``level_dn`` if given, else the straight line
    through the given filters' levels in CCD row (a constant for one given filter)."""
    if filter_name in params.level_dn:
        return float(params.level_dn[filter_name])
    known = [f for f in params.level_dn if f in centres]
    if not known:
        raise InstrumentError(f"dark-frame levels {dict(params.level_dn)!r} name no strip of the CCD; expected "
                              f"some of {sorted(centres)}")
    x = np.array([centres[f] for f in known])
    y = np.array([float(params.level_dn[f]) for f in known])
    if x.size == 1:
        return float(y[0])
    slope, intercept = np.polyfit(x, y, 1)
    return float(intercept + slope * centres[filter_name])


def defect_density_knots(params: DarkFrameParams, centres: Mapping[str, float], ccd_lines: int):
    """(rows, cumulative expected defects above ``defect_min_dn``) knots of the piecewise linear count of
    column defects starting above each CCD row (module doc); rows from 0 to ``ccd_lines``."""
    known = sorted((centres[f], float(params.warm_columns[f])) for f in params.warm_columns if f in centres)
    if not known:
        raise InstrumentError(f"warm-column counts {dict(params.warm_columns)!r} name no strip of the CCD; "
                              f"expected some of {sorted(centres)}")
    rows = [0.0] + [r for r, _ in known]
    counts = [0.0] + [n for _, n in known]
    if len(known) >= 2:
        (r0, n0), (r1, n1) = known[-2], known[-1]
        slope = (n1 - n0) / (r1 - r0)
    else:
        slope = known[0][1] / known[0][0]
    rows.append(float(ccd_lines))
    counts.append(counts[-1] + slope * (ccd_lines - rows[-2]))
    counts = np.maximum.accumulate(np.array(counts))
    return np.array(rows), counts * params.warm_column_scale / params.exceed_fraction(5.0)


def draw_column_defects(params: DarkFrameParams, rng: np.random.Generator, centres: Mapping[str, float],
                        ccd_lines: int = 1200, samples: int = 1648) -> ColumnDefects:
    """Draw the CCD's column defects (Poisson count from :func:`defect_density_knots`, start rows by inverse
    CDF of that count, columns uniform, truncated power-law amplitudes) and the column scatter."""
    rows, cum = defect_density_knots(params, centres, ccd_lines)
    n = int(rng.poisson(cum[-1]))
    u = rng.random((3, n))
    row = np.floor(np.interp(u[0] * cum[-1], cum, rows)).astype(np.int64)
    column = np.minimum((u[1] * samples).astype(np.int64), samples - 1)
    a, lo, hi = params.defect_index, params.defect_min_dn, params.defect_max_dn
    amplitude = lo * (1.0 - u[2] * (1.0 - (lo / hi) ** a)) ** (-1.0 / a)
    scatter = params.column_sigma_dn * rng.standard_normal(samples)
    return ColumnDefects(column=column, row=row, amplitude_dn=amplitude, scatter_dn=scatter)


def draw_hot_pixels(params: DarkFrameParams, rng: np.random.Generator, ccd_lines: int = 1200,
                    samples: int = 1648, strip_lines: int = 128) -> HotPixels:
    """Draw the CCD's hot photosites: Poisson count (``hot_per_strip`` per ``strip_lines`` rows x density
    scale), uniform positions, log-normal amplitudes x amplitude scale."""
    n = int(rng.poisson(params.hot_per_strip * params.hot_density_scale * ccd_lines / strip_lines))
    u = rng.random((2, n))
    amplitude = params.hot_median_dn * params.hot_amplitude_scale * np.exp(params.hot_sigma_ln
                                                                           * rng.standard_normal(n))
    return HotPixels(row=np.minimum((u[0] * ccd_lines).astype(np.int64), ccd_lines - 1),
                     column=np.minimum((u[1] * samples).astype(np.int64), samples - 1), amplitude_dn=amplitude)

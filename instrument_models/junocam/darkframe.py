"""JunoCam's dark/bias frame: level gradient down the CCD, column defects, reference columns, hot pixels.

What the real frames show (12-bit DN, TDI 1, per 1648 x 128 strip; ``../shared/reference/calibration/README.md``
for PJ28 dark frames, and the PJ18 frame ``debias18.tiff`` (Brian Swift, MIT licence) measured here with
:mod:`instrument_models.junocam.darkstats`):

- the level rises from strip to strip down the CCD, 8.8 / 10.1 / 11.4 DN mean over the active columns of
  BLUE / GREEN / RED (PJ28), and within debias18's strips by 0.5-0.7 DN from their first to last line;
- warm columns: a column that is warm in BLUE is warm by the same amount in GREEN and RED, and new ones appear
  further down (debias18: the same columns in all three strips; the strips' column structures correlate
  0.73-0.93). This is what charge-transfer defects in a column's vertical register do when the read-out
  register is on METHANE's side (CCD row 0): every packet from farther rows passes the defect and picks up its
  charge. So a column defect starts at a CCD row and adds its amplitude to every row beyond it. Counts of
  columns > 5 DN above the base: 19 / 51 / 80 per strip (PJ28); below that, a Gaussian column-to-column
  scatter (assumption, 0.75 DN);
- the dark reference columns 0-22 read 3-5 DN below the active area (PJ28);
- hot pixels: 136-546 clusters per strip, mostly 3-line vertical streaks, 179-394 pixels above 100 DN,
  the brightest 700-1,550 DN (PJ28). A hot photosite adds its charge to every packet that passes it while
  the packet is being exposed and transferred; the streak is ``hot_streak_lines`` lines at TDI 1 and one line
  longer per further TDI stage, each line getting the hot pixel's amplitude (DN per line period).

The warm columns' amplitude law, derived from the PJ28 figures (no real PJ28 frame is in ``../shared``):

- the std of column medians, 4.3 / 5.2 / 6.9 DN, is almost all warm columns: it needs a sum of squared
  amplitudes of ~29,000 / 43,000 / 76,000 DN^2 over the 1,608 active columns;
- pixels > 100 DN, 179-394 per strip, leave no room for a whole column above 100 DN beside the ~250 pixels
  of hot-pixel streaks that BLUE (19 warm columns) needs to reach 179; so no column is brighter than ~80 DN
  (a column at base + 70 DN already puts a few pixels above 100 through noise and the SQROOT table's ~5 DN
  steps there);
- pixels > 20 DN, 1,755-8,897 per strip: RED's noise tail above its ~10 DN base gives ~900, its hot pixels
  ~850, and each column brighter than ~15 DN adds up to 128, so of RED's 80 warm columns only ~20-35 can be
  more than ~10 DN above the base;
- so the spread comes from few bright columns and the other warm columns are faint: ``bright_columns``
  (7 / 10 / 16 of the 19 / 51 / 80, amplitudes uniform in 55-70 DN) and faint ones (a steep power law,
  index 4, from 7 DN: a column 5.5 DN above the base measures 5 DN as a median of whole DN, so the law starts
  where the README's count sees it).
- The counts are the camera's, not a Poisson mean (start rows at stratified quantiles, every column at most
  one defect), so each strip has its figure within one; the std then varies by ~+-5 % from camera to camera.
  Over 40 cameras (``python -m benchmarks.dark_seeds``) every dark figure of every strip lies inside the real
  range for all 40 of them (README "The detector").

METHANE has no real frame: its level and column-defect counts follow the BLUE-GREEN-RED trend down the CCD
(level linear in CCD row: 7.5 DN at METHANE's centre; defects uniform in rows above BLUE's centre). Both are
assumptions, changeable in :class:`DarkFrameParams`.

The level calibration: each strip's base is set so that the mean over its active columns of the expected
TDI 1 dark frame, after the ADC's floor (-0.5 DN on average) and its clipping at 0 (with
``level_noise_dn`` of Gaussian noise), equals ``level_dn`` x ``level_scale``; the reference columns' mean is
``reference_offset_dn`` from it the same way (they sit near 5 DN, where the clipping at 0 matters).

debias18's stored values are whole multiples of 1 / (2879 x 288)
(:mod:`instrument_models.junocam.calibration_files`: DN / 2879, mean of 288 framelets): a bias-removed
residual of ~0.7 DN, not a PJ28-like dark. Only its shapes are used here (which columns, from which row, the
strips' correlation); every amplitude and count of the defaults comes from the PJ28 figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
from scipy import special

from instrument_models.errors import InstrumentError

# PJ28 dark frames, calibration README: mean over the active columns (DN, TDI 1) and columns > 5 DN above the
# base, per strip.
PJ28_LEVEL_DN = MappingProxyType({"BLUE": 8.8, "GREEN": 10.1, "RED": 11.4})
PJ28_WARM_COLUMNS = MappingProxyType({"BLUE": 19.0, "GREEN": 51.0, "RED": 80.0})
WARM_DN = 5.0     # the README's "columns more than 5 DN above the base"
# How many of those are bright (DarkFrameParams.bright_columns): set to reproduce the PJ28 std of column medians.
BRIGHT_COLUMNS = MappingProxyType({"BLUE": 7.0, "GREEN": 10.0, "RED": 16.0})


@dataclass(frozen=True)
class DarkFrameParams:
    """The dark/bias frame model (module doc). DN are 12-bit DN at TDI 1 at the default gain.

    Attributes
    ----------
    level_dn : filter -> mean dark DN over the active columns (PJ28: B/G/R 8.8 / 10.1 / 11.4). Filters not
        given (METHANE) follow the straight line through the given ones in CCD row (assumption).
    level_scale : multiplies every level (1 = PJ28). The knob for mission time (radiation aging).
    reference_offset_dn : mean level of the dark reference columns minus that of the active area (PJ28: 3-5 DN
        lower; -4), x ``level_scale`` (the active area's excess is dark signal, which ages with the level).
    column_sigma_dn : Gaussian column-to-column scatter (assumption: 0.75 DN; a small part of the column
        medians' spread, which the warm columns make).
    warm_columns : filter -> number of columns more than 5 DN above the base in that strip (PJ28: 19 / 51 /
        80), bright columns included. Column defects start at CCD rows with this cumulative count (piecewise
        linear between the strips' centres; METHANE and the rows above BLUE take BLUE's density, the rows below
        RED continue GREEN-to-RED's). The counts are the camera's, not a Poisson mean: each population's start
        rows are stratified quantiles of the cumulative count, so every strip has its count within one.
    bright_columns : filter -> how many of ``warm_columns`` are bright, amplitudes uniform in
        ``bright_min_dn .. bright_max_dn`` (7 / 10 / 16; METHANE and other unnamed strips follow the same
        cumulative line). Set to reproduce the PJ28 std of column medians, 4.3 / 5.2 / 6.9 DN (calibration
        README; module doc): a documented, configurable assumption.
    bright_min_dn, bright_max_dn : the bright columns' amplitude range (55-70 DN). The top keeps a column's
        pixels below 100 DN with base and noise (the README's 179-394 pixels > 100 DN per strip leave no room
        for 128-pixel columns beside the hot pixels); the range's squared mean (~3,900 DN^2) sets how many
        bright columns the std needs, and so RED's pixels > 20 DN. Set to reproduce the PJ28 figures.
    warm_column_scale : multiplies the defect counts (mission-time knob).
    defect_min_dn, defect_max_dn, defect_index : the faint warm columns (``warm_columns - bright_columns``)
        have amplitudes from a power law ``P(A > a) ~ a^-index`` on min .. max (7-40 DN, index 4: mean 9.3 DN,
        6 % above 14 DN). Set to reproduce the PJ28 figures: steep, or RED's 80 warm columns would put it
        above 8,897 pixels > 20 DN; from 7 DN, because a column 5-6 DN above the base measures 5 DN as a
        median of whole DN (not "more than 5"). Documented, configurable assumption.
    hot_per_strip : mean number of hot pixels per 128 x 1648 strip (Poisson).
    hot_median_dn, hot_sigma_ln, hot_max_dn : the hot pixels' amplitude per streak line is log-normal with
        this median and log-width, truncated at ``hot_max_dn`` (600 per strip, 13.5 DN, 1.95, 1,100 DN). Set
        to reproduce the PJ28 figures per strip: ~95 hot pixels above ~90 DN (3-line streaks: ~250 of the
        179-394 pixels > 100 DN), ~200 above 30 DN (the 136-546 clusters), ~6 above 690 DN (the brightest,
        700-1,550 DN; the cap leaves room for the base, shot noise, the SQROOT step and the transform
        compression's overshoot, up to +35 % on an isolated streak at quality 85).
    hot_density_scale, hot_amplitude_scale : multiply the count and the amplitudes (mission-time knobs).
    hot_streak_lines : streak length at TDI 1 (PJ28: mostly 3 lines); TDI N adds N - 1 lines.
    level_noise_dn : the dark noise the level calibration assumes for the ADC's clipping at 0 (PJ28 robust noise
        4.45 DN, calibration README; the mission-time model scales it with the read noise). 0 = no clipping.
    """

    level_dn: Mapping[str, float] = field(default_factory=lambda: dict(PJ28_LEVEL_DN))
    level_scale: float = 1.0
    reference_offset_dn: float = -4.0
    column_sigma_dn: float = 0.75
    warm_columns: Mapping[str, float] = field(default_factory=lambda: dict(PJ28_WARM_COLUMNS))
    bright_columns: Mapping[str, float] = field(default_factory=lambda: dict(BRIGHT_COLUMNS))
    bright_min_dn: float = 55.0
    bright_max_dn: float = 70.0
    warm_column_scale: float = 1.0
    defect_min_dn: float = 7.0
    defect_max_dn: float = 40.0
    defect_index: float = 4.0
    hot_per_strip: float = 600.0
    hot_median_dn: float = 13.5
    hot_sigma_ln: float = 1.95
    hot_max_dn: float = 1100.0
    hot_density_scale: float = 1.0
    hot_amplitude_scale: float = 1.0
    hot_streak_lines: int = 3
    level_noise_dn: float = 4.45

    def __post_init__(self) -> None:
        for name in ("level_scale", "column_sigma_dn", "warm_column_scale", "hot_per_strip", "hot_sigma_ln",
                     "hot_density_scale", "hot_amplitude_scale", "level_noise_dn"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise InstrumentError(f"dark-frame parameter {name} = {v!r} is invalid; expected a number >= 0")
        for name in ("defect_min_dn", "defect_index", "hot_median_dn", "bright_min_dn"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InstrumentError(f"dark-frame parameter {name} = {v!r} is invalid; expected a number > 0")
        for lo, hi in (("defect_min_dn", "defect_max_dn"), ("bright_min_dn", "bright_max_dn"),
                       ("hot_median_dn", "hot_max_dn")):
            if not getattr(self, hi) > getattr(self, lo):
                raise InstrumentError(f"dark-frame parameter {hi} = {getattr(self, hi)!r} is invalid; "
                                      f"expected more than {lo} = {getattr(self, lo)!r}")
        if not (isinstance(self.hot_streak_lines, (int, np.integer)) and self.hot_streak_lines >= 1):
            raise InstrumentError(f"dark-frame parameter hot_streak_lines = {self.hot_streak_lines!r} is invalid; "
                                  "expected a whole number >= 1")
        if not self.level_dn or not self.warm_columns:
            raise InstrumentError("dark-frame parameters level_dn and warm_columns need at least one filter each")
        for f, n in self.bright_columns.items():
            if not 0 <= float(n) <= float(self.warm_columns.get(f, np.inf)):
                raise InstrumentError(f"bright columns {f} = {n!r} is invalid; expected 0 to that strip's warm "
                                      f"columns ({self.warm_columns.get(f)!r})")


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


def clipped_mean(expected_dn: np.ndarray, noise_dn: float) -> np.ndarray:
    """Mean 12-bit DN the ADC returns for a pixel whose value before the ADC has mean ``expected_dn`` and
    Gaussian noise ``noise_dn``: floored and clipped at 0. The floor is taken as a shift of -0.5 DN plus a
    uniform error (variance 1/12 DN^2) independent of the noise, then the mean of a clipped Gaussian: within
    ~0.01 DN of the true mean for noise >= 2 DN (the dark noise is 4.45 DN)."""
    m = np.asarray(expected_dn, dtype=float) - 0.5
    if noise_dn <= 0:
        return np.maximum(m, 0.0)
    return _clipped_terms(np.atleast_1d(m), noise_dn)[0].reshape(np.shape(m))[()]   # a scalar for a scalar


def _clipped_terms(m: np.ndarray, noise_dn: float) -> tuple[np.ndarray, np.ndarray, float]:
    """:func:`clipped_mean` of ``m`` (the mean before the ADC minus 0.5 DN, a float64 array of at least one
    dimension) for ``noise_dn > 0``, with the normal CDF ``ndtr(m / sigma)`` it used (``level_shift``'s Newton
    slope) and ``sigma``: the operations of ``m ndtr(z) + sigma exp(-0.5 z z) / sqrt(2 pi)`` in its order, with
    fewer temporaries (the same bits)."""
    sigma = np.sqrt(noise_dn * noise_dn + 1.0 / 12.0)
    z = m / sigma
    cdf = special.ndtr(z)
    tail = np.multiply(-0.5, z)
    tail *= z
    np.exp(tail, out=tail)
    tail *= sigma
    tail /= np.sqrt(2.0 * np.pi)
    z = np.multiply(m, cdf, out=z)
    z += tail
    return z, cdf, float(sigma)


def level_shift(expected_dn: np.ndarray, target_dn: float, noise_dn: float, tol_dn: float = 1e-9,
                max_iterations: int = 100) -> float:
    """The DN to add to ``expected_dn`` (values before the ADC) so the mean of :func:`clipped_mean` over them
    is ``target_dn``. Newton's method from the shift without clipping, where the mean is at or above the target:
    the mean is convex and increasing in the shift, so the steps approach the root from above. A target at
    or below 0 DN cannot be a clipped mean; it gets the shift without clipping (the ADC then returns ~0)."""
    v = np.asarray(expected_dn, dtype=float).ravel()
    c = target_dn + 0.5 - float(v.mean())
    if target_dn <= 0 or noise_dn <= 0:
        return c
    sigma = float(np.hypot(noise_dn, 12 ** -0.5))
    m = np.empty_like(v)
    for _ in range(max_iterations):
        np.add(v, c, out=m)
        m -= 0.5                         # v + c - 0.5, as clipped_mean(v + c) forms it
        value, cdf, sigma_mean = _clipped_terms(m, noise_dn)
        err = float(value.mean()) - target_dn
        if abs(err) <= tol_dn:
            break
        if sigma_mean != sigma:          # the slope's CDF at its own sigma (the two roundings can differ)
            cdf = special.ndtr(m / sigma)
        c -= err / max(float(np.mean(cdf)), 1e-12)
    return c


def count_knots(counts: Mapping[str, float], centres: Mapping[str, float], ccd_lines: int):
    """(rows, cumulative count) knots of a per-strip count of column defects: the count of defects starting
    above each CCD row, 0 at row 0, ``counts[f]`` at strip ``f``'s centre, piecewise linear (module doc), the
    rows below the last strip continuing the last two strips' slope; rows from 0 to ``ccd_lines``."""
    known = sorted((centres[f], float(counts[f])) for f in counts if f in centres)
    if not known:
        raise InstrumentError(f"column-defect counts {dict(counts)!r} name no strip of the CCD; expected some of "
                              f"{sorted(centres)}")
    rows = [0.0] + [r for r, _ in known]
    cum = [0.0] + [n for _, n in known]
    if len(known) >= 2:
        (r0, n0), (r1, n1) = known[-2], known[-1]
        slope = (n1 - n0) / (r1 - r0)
    else:
        slope = known[0][1] / known[0][0]
    rows.append(float(ccd_lines))
    cum.append(cum[-1] + slope * (ccd_lines - rows[-2]))
    return np.array(rows), np.maximum.accumulate(np.array(cum))


def stratified_rows(rows: np.ndarray, cum: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Start rows of ``cum[-1]`` defects (a fractional part is one more defect with that probability), one in
    each equal slice of the cumulative count: the count above any row is within one of ``cum`` there."""
    total = float(cum[-1])
    n = int(np.floor(total)) + int(rng.random() < total - np.floor(total))
    if n == 0:
        return np.zeros(0, np.int64)
    q = (np.arange(n) + rng.random(n)) / n * total
    return np.minimum(np.floor(np.interp(q, cum, rows)), rows[-1] - 1).astype(np.int64)


def distinct_columns(n: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random columns of ``0 .. samples - 1``, all different while ``n <= samples`` (each column
    ``n // samples`` times more beyond that), in random order."""
    reps, rest = divmod(int(n), samples)
    cols = np.concatenate([np.tile(np.arange(samples), reps), rng.choice(samples, rest, replace=False)])
    return (rng.permutation(cols) if reps else cols).astype(np.int64)


def power_law(u: np.ndarray, index: float, lo: float, hi: float) -> np.ndarray:
    """Inverse CDF of the power law ``P(A > a) ~ a^-index`` truncated to ``lo .. hi`` at uniform ``u``."""
    return lo * (1.0 - u * (1.0 - (lo / hi) ** index)) ** (-1.0 / index)


def draw_column_defects(params: DarkFrameParams, rng: np.random.Generator, centres: Mapping[str, float],
                        ccd_lines: int = 1200, samples: int = 1648) -> ColumnDefects:
    """Draw the CCD's column defects and the column scatter.

    Two populations, each with stratified start rows (:func:`stratified_rows`) and columns all different
    (:func:`distinct_columns`; two defects in one column would count as one warm column twice as bright): bright
    columns (``bright_columns``, amplitudes uniform in ``bright_min_dn .. bright_max_dn``) and faint ones
    (``warm_columns - bright_columns``, the power law on ``defect_min_dn .. defect_max_dn``), counts x
    ``warm_column_scale``.
    """
    p, scale = params, params.warm_column_scale
    bright = {f: float(p.bright_columns.get(f, 0.0)) for f in p.warm_columns}
    faint = {f: max(0.0, float(p.warm_columns[f]) - bright[f]) for f in p.warm_columns}
    row, amplitude = [], []
    for counts, lo, hi in ((bright, p.bright_min_dn, p.bright_max_dn), (faint, p.defect_min_dn, p.defect_max_dn)):
        knots, cum = count_knots(counts, centres, ccd_lines)
        r = stratified_rows(knots, cum * scale, rng)
        u = rng.random(r.size)
        row.append(r)
        amplitude.append(lo + u * (hi - lo) if counts is bright else power_law(u, p.defect_index, lo, hi))
    row, amplitude = np.concatenate(row), np.concatenate(amplitude)
    column = distinct_columns(row.size, samples, rng)
    scatter = p.column_sigma_dn * rng.standard_normal(samples)
    return ColumnDefects(column=column, row=row, amplitude_dn=amplitude, scatter_dn=scatter)


def draw_hot_pixels(params: DarkFrameParams, rng: np.random.Generator, ccd_lines: int = 1200,
                    samples: int = 1648, strip_lines: int = 128) -> HotPixels:
    """Draw the CCD's hot photosites: Poisson count (``hot_per_strip`` per ``strip_lines`` rows x density
    scale), uniform positions, log-normal amplitudes truncated at ``hot_max_dn`` (inverse CDF) x amplitude
    scale."""
    p = params
    n = int(rng.poisson(p.hot_per_strip * p.hot_density_scale * ccd_lines / strip_lines))
    u = rng.random((3, n))
    top = special.ndtr(np.log(p.hot_max_dn / p.hot_median_dn) / p.hot_sigma_ln) if p.hot_sigma_ln > 0 else 1.0
    with np.errstate(divide="ignore"):
        z = special.ndtri(u[2] * top)
    amplitude = p.hot_median_dn * p.hot_amplitude_scale * np.exp(p.hot_sigma_ln * z)
    return HotPixels(row=np.minimum((u[0] * ccd_lines).astype(np.int64), ccd_lines - 1),
                     column=np.minimum((u[1] * samples).astype(np.int64), samples - 1), amplitude_dn=amplitude)

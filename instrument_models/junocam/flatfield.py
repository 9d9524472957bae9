"""JunoCam's flat field: an asymmetric fall-off along the line per filter strip, and dust shadows.

The profile is fitted to the real smoothed flat field of the B/G/R strips (Brian Swift's
``flatFieldsSmooth12to16.tiff``, MIT licence, ``../shared/reference/calibration/README.md``) by
``docs/flat_profile_fit.py``: the response peaks left of the optical centre and falls to ~0.80-0.84 of its peak
near column 23 and ~0.60-0.65 near column 1630 (``1 - (1 - edge) |(x - peak) / (x_edge - peak)| ^ p`` on each side
of the peak), and in the last three columns at each end it rolls off further (column 23 5-6 % below that trend,
24 ~3 %, 25 ~1 %; modelled as ``1 - drop exp(-d / width)``, ``d`` the columns from the end column). Measured as
:func:`instrument_models.junocam.darkstats.flat_profile` measures it (31-column median and mean), the real flat
reads 0.79-0.82 at column 23 and so does this model; without the roll-off it read 0.84 (the smooth fall-off alone).
Dust on the optics casts small dips (7-13 per strip, the deepest at 0.18-0.48 of the local level in the real
flat); they are drawn as elliptical Gaussian dips.
PRNU stays in :mod:`instrument_models.junocam.detector` (``make_fixed_pattern``). METHANE has no real flat: its
profile is GREEN's (assumption, :class:`FlatFieldParams`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from instrument_models.errors import InstrumentError

# Per-filter profile fitted by docs/flat_profile_fit.py (least squares) to flatFieldsSmooth12to16.tiff's column
# medians over the 128 lines, columns 23-1630: (peak column, smooth response at column 23, at column 1630,
# exponent left, exponent right, roll-off drop at column 23, at column 1630, roll-off width in columns); largest
# residual 0.69 / 0.93 / 0.66 % of the peak (B/G/R). The top is broad: the fitted peak (702-719) lies right of the
# smoothed maximum (573-629), both in 575-775. METHANE: no real frame; GREEN's values are assumed.
REAL_PROFILE = MappingProxyType({
    "BLUE": (715.7, 0.840, 0.601, 4.35, 1.25, 0.055, 0.045, 0.91),
    "GREEN": (718.7, 0.831, 0.653, 4.76, 1.28, 0.046, 0.062, 1.40),
    "RED": (702.0, 0.801, 0.620, 3.92, 1.35, 0.040, 0.051, 0.84),
    "METHANE": (718.7, 0.831, 0.653, 4.76, 1.28, 0.046, 0.062, 1.40),
})
NO_ROLL_OFF = (0.0, 0.0, 1.0)   # (drop left, drop right, width) of a 5-value profile: no roll-off at the ends


@dataclass(frozen=True)
class FlatFieldParams:
    """The flat field model (see module doc); every default from the real B/G/R flat or named as assumption.

    Attributes
    ----------
    profile : filter -> (peak column, smooth response at ``left_column``, at ``right_column``, exponent left,
        exponent right[, roll-off drop at ``left_column``, at ``right_column``, roll-off width in columns]);
        :data:`REAL_PROFILE` by default. Five values: no roll-off.
    left_column, right_column : the photoactive line ends where the edge responses apply (23 and 1630).
    line_trend : relative change of the response from the framelet's first to its last line (real flat:
        -0.5..+2.4 %; assumption 0: no trend).
    dust_per_strip : mean number of dust shadows per 128-line strip (Poisson; real flat: 7-13 dips below
        0.9 of the local level per strip, so 10).
    dust_depth_range : the dip's depth ``1 - minimum`` is uniform in this range (0.1-0.8: the deepest of ~10
        then reaches ~0.2-0.4 of the local level, as the real 0.18-0.48).
    dust_sigma_samples_px, dust_sigma_lines_px : Gaussian widths of a dip along samples and lines, uniform in
        these ranges (real dips are 1-8 columns by 2-9 lines below 0.9).
    """

    profile: Mapping[str, tuple] = field(default_factory=lambda: dict(REAL_PROFILE))
    left_column: float = 23.0
    right_column: float = 1630.0
    line_trend: float = 0.0
    dust_per_strip: float = 10.0
    dust_depth_range: tuple[float, float] = (0.1, 0.8)
    dust_sigma_samples_px: tuple[float, float] = (0.7, 1.6)
    dust_sigma_lines_px: tuple[float, float] = (1.0, 2.5)

    def __post_init__(self) -> None:
        for f, values in self.profile.items():
            ok = len(values) in (5, 8)
            if ok:
                peak, left, right, p_left, p_right, drop_left, drop_right, width = _shape(values)
                ok = (self.left_column < peak < self.right_column and 0 < left <= 1 and 0 < right <= 1
                      and p_left > 0 and p_right > 0 and 0 <= drop_left < 1 and 0 <= drop_right < 1 and width > 0)
            if not ok:
                raise InstrumentError(f"flat-field profile of {f} = {values!r} is invalid; expected (peak column "
                                      f"between {self.left_column:g} and {self.right_column:g}, two edge responses "
                                      "in (0, 1], two exponents > 0[, two roll-off drops in [0, 1), a width > 0])")
        lo, hi = self.dust_depth_range
        if not (0 <= lo <= hi < 1):
            raise InstrumentError(f"dust depth range {self.dust_depth_range!r} is invalid; expected 0 <= lo <= hi < 1")
        if not (np.isfinite(self.dust_per_strip) and self.dust_per_strip >= 0):
            raise InstrumentError(f"dust_per_strip = {self.dust_per_strip!r} is invalid; expected a number >= 0")


def _shape(values) -> tuple[float, ...]:
    """The eight profile values of a 5- or 8-value profile (5: :data:`NO_ROLL_OFF`)."""
    values = tuple(float(v) for v in values)
    return values + NO_ROLL_OFF if len(values) == 5 else values


def profile(params: FlatFieldParams, filter_name: str, sample) -> np.ndarray:
    """The large-scale relative response along a line at pixel-centre coordinates ``sample`` (any shape),
    1 at the peak: the smooth fall-off times the roll-off of the end columns (module doc). Outside the
    photoactive ends the fall-off continues without the roll-off and is clipped at 0.05."""
    if filter_name not in params.profile:
        raise InstrumentError(f"the flat-field profile has no filter {filter_name!r}; expected one of "
                              f"{sorted(params.profile)}")
    peak, left, right, p_left, p_right, drop_left, drop_right, width = _shape(params.profile[filter_name])
    x = np.asarray(sample, dtype=float)
    x_left, x_right = params.left_column + 0.5, params.right_column + 0.5
    u_left = np.abs((x - peak) / (x_left - peak))
    u_right = np.abs((x - peak) / (x_right - peak))
    out = np.where(x < peak, 1.0 - (1.0 - left) * u_left ** p_left, 1.0 - (1.0 - right) * u_right ** p_right)
    inside = (x >= x_left) & (x <= x_right)
    with np.errstate(over="ignore"):
        roll = ((1.0 - drop_left * np.exp(-(x - x_left) / width)) * (1.0 - drop_right * np.exp(-(x_right - x) / width)))
    return np.clip(np.where(inside, out * roll, out), 0.05, 1.0)


def large_scale(params: FlatFieldParams, filter_name: str, lines: int, samples: int) -> np.ndarray:
    """(lines, samples) response without dust or PRNU: :func:`profile` times the linear line trend."""
    along = profile(params, filter_name, np.arange(samples) + 0.5)
    trend = 1.0 + params.line_trend * ((np.arange(lines) + 0.5) / lines - 0.5)
    return trend[:, None] * along[None, :]


@dataclass(frozen=True)
class Dust:
    """Dust shadows of one strip: centres (framelet sample, line), depth and Gaussian widths, each (n,)."""

    sample: np.ndarray
    line: np.ndarray
    depth: np.ndarray
    sigma_samples: np.ndarray
    sigma_lines: np.ndarray


def draw_dust(params: FlatFieldParams, rng: np.random.Generator, lines: int = 128, samples: int = 1648,
              first_column: int = 23, last_column: int = 1630) -> Dust:
    """Draw one strip's dust shadows (count Poisson(``dust_per_strip``), centres uniform on the photoactive
    area, depths and widths uniform in their ranges) from ``rng``."""
    n = int(rng.poisson(params.dust_per_strip))
    u = rng.random((5, n))
    lo, hi = params.dust_depth_range
    (s0, s1), (l0, l1) = params.dust_sigma_samples_px, params.dust_sigma_lines_px
    return Dust(sample=first_column + u[0] * (last_column + 1 - first_column), line=u[1] * lines,
                depth=lo + u[2] * (hi - lo), sigma_samples=s0 + u[3] * (s1 - s0), sigma_lines=l0 + u[4] * (l1 - l0))


def dust_transmission(dust: Dust, lines: int, samples: int) -> np.ndarray:
    """(lines, samples) transmission of the dust shadows: the product of ``1 - depth exp(-r^2 / 2)`` dips
    (elliptical Gaussians, evaluated within 5 sigma of each centre)."""
    out = np.ones((lines, samples))
    for s, ln, d, ss, sl in zip(dust.sample, dust.line, dust.depth, dust.sigma_samples, dust.sigma_lines):
        c0, c1 = max(0, int(s - 5 * ss)), min(samples, int(s + 5 * ss) + 2)
        r0, r1 = max(0, int(ln - 5 * sl)), min(lines, int(ln + 5 * sl) + 2)
        x = (np.arange(c0, c1) + 0.5 - s) / ss
        y = (np.arange(r0, r1) + 0.5 - ln) / sl
        out[r0:r1, c0:c1] *= 1.0 - d * np.exp(-0.5 * (y[:, None] ** 2 + x[None, :] ** 2))
    return out

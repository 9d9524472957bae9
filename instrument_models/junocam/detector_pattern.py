"""Per-camera fixed-pattern maps (PRNU, hot pixels, hot-pixel charge, bias map) and the ideal vignetting.

Split out of :mod:`instrument_models.junocam.detector` (which re-exports every name); ``params`` is its
``DetectorParams``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from instrument_models.errors import InstrumentError


# --- fixed-pattern maps (persist per camera) -----------------------------------------------------------

@dataclass(frozen=True)
class FixedPattern:
    """Per-camera fixed-pattern maps over the full CCD (lines, samples).

    Attributes
    ----------
    prnu : (lines, samples) float64, relative response (mean 1, rms ``prnu_sigma``).
    hot : (lines, samples) bool, hot pixels.
    hot_e : optional (lines, samples) float64 excess dark charge (e-) of every pixel over the exposure (the
        renderer's hot-pixel streaks, :mod:`instrument_models.junocam.defects`); None: ``hot_pixel_dark_e_s x
        exposure`` where ``hot``.
    bias_dn : optional (lines, samples) float64 DN added before the ADC (the dark/bias frame's level and
        column structure); None: ``DetectorParams.bias_dn`` everywhere.
    """

    prnu: np.ndarray
    hot: np.ndarray
    hot_e: np.ndarray | None = None
    bias_dn: np.ndarray | None = None

    @cached_property
    def bias_median_dn(self) -> float | None:
        """Median of ``bias_dn`` (None without a map), computed once per pattern: the renderer reuses one
        pattern for every framelet of a filter, and the framelet's read noise depends on this level."""
        return None if self.bias_dn is None else float(np.median(self.bias_dn))

    def rows(self, first_row: int, n_rows: int, summing: int = 1) -> "FixedPattern":
        """The maps of CCD rows ``first_row .. first_row + n_rows - 1`` (one framelet), summed if asked.

        With ``summing=2`` the PRNU is averaged over each 2x2 block and a summed pixel is hot if any of
        its four pixels is; ``hot_e`` and ``bias_dn`` are averaged.
        """
        cut = lambda a: None if a is None else a[first_row:first_row + n_rows]  # noqa: E731
        prnu, hot, hot_e, bias = cut(self.prnu), cut(self.hot), cut(self.hot_e), cut(self.bias_dn)
        if prnu.shape[0] != n_rows:
            raise InstrumentError(f"rows {first_row}..{first_row + n_rows - 1} are outside the "
                                  f"{self.prnu.shape[0]}-line CCD")
        if summing == 2:
            h, w = prnu.shape
            mean = lambda a: None if a is None else a.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))  # noqa: E731
            prnu, hot_e, bias = mean(prnu), mean(hot_e), mean(bias)
            hot = hot.reshape(h // 2, 2, w // 2, 2).any(axis=(1, 3))
        return FixedPattern(prnu=prnu, hot=hot, hot_e=hot_e, bias_dn=bias)

    def columns(self, lo: int, hi: int) -> "FixedPattern":
        """The maps cut to columns ``lo .. hi - 1``."""
        cut = lambda a: None if a is None else a[:, lo:hi]  # noqa: E731
        return FixedPattern(prnu=cut(self.prnu), hot=cut(self.hot), hot_e=cut(self.hot_e), bias_dn=cut(self.bias_dn))


def make_fixed_pattern(params, rng: np.random.Generator,
                       shape: tuple[int, int] = (1200, 1648)) -> FixedPattern:
    """Draw the PRNU map and hot-pixel mask once per camera from the caller's generator.

    Parameters
    ----------
    params : detector parameters (``prnu_sigma``, ``hot_pixel_fraction``).
    rng : the camera's own generator (e.g. a named child of the scenario seed); the same generator
        state gives the same maps.
    shape : (lines, samples) of the full CCD (1200 x 1648, junoAddendum005.ti).
    """
    # 1 + sigma z and u < fraction in place and by row blocks (the same numbers: the uniforms come off the
    # generator in C order whatever the block), without full-CCD float64 temporaries.
    prnu = rng.standard_normal(shape)
    prnu *= params.prnu_sigma
    prnu += 1.0
    hot = np.empty(shape, dtype=bool)
    for r0 in range(0, shape[0], _HOT_DRAW_ROWS):
        rows = hot[r0:r0 + _HOT_DRAW_ROWS]
        np.less(rng.random(rows.shape), params.hot_pixel_fraction, out=rows)
    return FixedPattern(prnu=prnu, hot=hot)


_HOT_DRAW_ROWS = 128     # rows of hot-pixel uniforms drawn at once by make_fixed_pattern (any value: same map)


def vignetting(sample, line, cx: float, cy: float, edge_response: float, edge_radius_px: float = 790.71):
    """Relative response of the lens at framelet coordinates (assumption: quadratic fall-off).

    ``1 - (1 - edge_response) (r / edge_radius_px)^2`` with ``r`` the distance from the optical centre
    (cx, cy); the default radius is the photoactive line end's offset, 814.21 - 23.5 px.
    """
    r2 = (np.asarray(sample, dtype=float) - cx) ** 2 + (np.asarray(line, dtype=float) - cy) ** 2
    return np.clip(1.0 - (1.0 - edge_response) * r2 / edge_radius_px**2, 0.0, 1.0)

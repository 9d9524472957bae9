"""The camera's defects drawn once (column defects, hot pixels, dust, blemishes) and cut per filter strip.

:func:`draw_camera_defects` draws everything a camera has from one generator in a fixed order (column defects
and hot pixels over the whole CCD, then dust and blemishes per strip in CCD order), so a strip's defects do
not depend on which filters an image reads out. :meth:`CameraDefects.strip` gives a strip's
:class:`StripCalibration`: the DN the dark/bias frame adds, the response the flat field applies and the
``DEFECT`` bit flags of every pixel.

Blemishes: a real bad-pixel (inpainting) mask flags 0.18-0.57 % of the pixels in 19-40 blobs of about
4-8 x 5-8 px per strip (calibration README). Their response is not published, and the real smoothed flat
shows only 7-13 dips below 0.9 per strip, so blemishes are not deep: the model lowers their response by
2-10 % (uniform in ``response_range``, assumption) and flags them for inpainting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam import darkframe, flatfield

# DEFECT truth-plane bits (uint8).
HOT = 1            # a hot pixel's streak (every line its charge reaches at this TDI)
WARM_COLUMN = 2    # column defects add more than WARM_COLUMN_DN at this pixel
BLEMISH = 4        # a blemish blob (model) or a pixel of the user's bad-pixel mask
DUST = 8           # a dust shadow lowers the response below DUST_FLAG_TRANSMISSION of the local level
REFERENCE = 16     # a dark reference column (0-22): covered, no signal
DEFECT_BITS = {"HOT": HOT, "WARM_COLUMN": WARM_COLUMN, "BLEMISH": BLEMISH, "DUST": DUST, "REFERENCE": REFERENCE}
WARM_COLUMN_DN = 5.0             # the calibration README's "columns > 5 DN above the base"
DUST_FLAG_TRANSMISSION = 0.9     # the threshold the dips were counted at (darkstats.flat_profile_stats)


@dataclass(frozen=True)
class BlemishParams:
    """Blemish blobs per strip (module doc).

    Attributes
    ----------
    per_strip : count per 128 x 1648 strip (real 19-40: 30).
    width_px, height_px : the ellipse's full width along samples and height along lines, uniform in these
        ranges (real ~4-8 x 5-8 px).
    response_range : the blob's relative response, uniform in this range (assumption: 0.90-0.98).
    """

    per_strip: float = 30.0
    width_px: tuple[float, float] = (4.0, 8.0)
    height_px: tuple[float, float] = (5.0, 8.0)
    response_range: tuple[float, float] = (0.90, 0.98)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.per_strip) and self.per_strip >= 0):
            raise InstrumentError(f"blemish count per_strip = {self.per_strip!r} is invalid; expected >= 0")
        lo, hi = self.response_range
        if not (0 <= lo <= hi <= 1):
            raise InstrumentError(f"blemish response range {self.response_range!r} is invalid; expected "
                                  "0 <= lo <= hi <= 1")


@dataclass(frozen=True)
class Blemishes:
    """One strip's blemish ellipses: centre (sample, line), full width, height and response, each (n,)."""

    sample: np.ndarray
    line: np.ndarray
    width: np.ndarray
    height: np.ndarray
    response: np.ndarray

    def response_map(self, lines: int, samples: int) -> np.ndarray:
        """(lines, samples) relative response: the blob's response inside each ellipse, 1 elsewhere."""
        out = np.ones((lines, samples))
        for s, ln, w, h, r in zip(self.sample, self.line, self.width, self.height, self.response):
            c0, c1 = max(0, int(s - w / 2)), min(samples, int(s + w / 2) + 1)
            r0, r1 = max(0, int(ln - h / 2)), min(lines, int(ln + h / 2) + 1)
            x = (np.arange(c0, c1) + 0.5 - s) / (w / 2)
            y = (np.arange(r0, r1) + 0.5 - ln) / (h / 2)
            inside = y[:, None] ** 2 + x[None, :] ** 2 <= 1.0
            out[r0:r1, c0:c1] = np.where(inside, np.minimum(out[r0:r1, c0:c1], r), out[r0:r1, c0:c1])
        return out


def draw_blemishes(params: BlemishParams, rng: np.random.Generator, lines: int = 128, first_column: int = 23,
                   last_column: int = 1630) -> Blemishes:
    """Draw one strip's blemishes from ``rng``: ``per_strip`` of them (a fractional part is one more with that
    probability; the count is the camera's, not a Poisson mean, as for the warm columns), uniform centres on
    the photoactive area."""
    n = int(np.floor(params.per_strip)) + int(rng.random() < params.per_strip - np.floor(params.per_strip))
    u = rng.random((5, n))
    (w0, w1), (h0, h1), (q0, q1) = params.width_px, params.height_px, params.response_range
    return Blemishes(sample=first_column + u[0] * (last_column + 1 - first_column), line=u[1] * lines,
                     width=w0 + u[2] * (w1 - w0), height=h0 + u[3] * (h1 - h0), response=q0 + u[4] * (q1 - q0))


@dataclass(frozen=True)
class StripCalibration:
    """What the camera does to one filter strip at one TDI, (lines, samples) each, unsummed.

    Attributes
    ----------
    bias_dn : DN added before the ADC without shot noise: level, column defects, reference columns.
    hot_dn : DN of the hot pixels' streaks (dark charge: gets shot noise in the chain).
    response : relative response (flat-field profile x dust x blemishes; PRNU is the fixed pattern's).
    defect : uint8 bit flags (:data:`DEFECT_BITS`).
    """

    bias_dn: np.ndarray
    hot_dn: np.ndarray
    response: np.ndarray
    defect: np.ndarray

    def columns(self, lo: int, hi: int) -> "StripCalibration":
        """The same maps cut to columns ``lo .. hi - 1`` (contiguous copies)."""
        cut = lambda a: np.ascontiguousarray(a[:, lo:hi])  # noqa: E731
        return StripCalibration(cut(self.bias_dn), cut(self.hot_dn), cut(self.response), cut(self.defect))


@dataclass(frozen=True)
class CameraDefects:
    """Everything :func:`draw_camera_defects` drew (see module doc)."""

    dark: darkframe.DarkFrameParams
    flat: flatfield.FlatFieldParams
    first_rows: Mapping[str, int]
    columns: darkframe.ColumnDefects
    hot: darkframe.HotPixels
    dust: Mapping[str, flatfield.Dust]
    blemishes: Mapping[str, Blemishes]
    lines: int
    samples: int
    dark_columns: int = 23

    def strip(self, filter_name: str, tdi: int = 1) -> StripCalibration:
        """The :class:`StripCalibration` of ``filter_name`` at ``tdi`` stages (module doc of
        :mod:`instrument_models.junocam.darkframe` for the level calibration)."""
        if filter_name not in self.first_rows:
            raise InstrumentError(f"no strip {filter_name!r} on the CCD; expected one of {sorted(self.first_rows)}")
        p, n, w = self.dark, self.lines, self.samples
        r0 = int(self.first_rows[filter_name])
        columns = self.columns.offsets(r0, n, w)
        streaks = self.hot.streaks(r0, n, w, tdi, p.hot_streak_lines)
        streaks_tdi1 = streaks if tdi == 1 else self.hot.streaks(r0, n, w, 1, p.hot_streak_lines)
        centres = darkframe.strip_centres(self.first_rows, n)
        ccd_row = r0 + np.arange(n) + 0.5
        slope = _level_slope(p, centres)
        target = darkframe.level_line(p, centres, filter_name) * p.level_scale
        shape = columns + (slope * p.level_scale * (ccd_row - centres[filter_name]))[:, None]
        # Bases set so the mean TDI 1 dark of the active columns, floored and clipped at 0 by the ADC, is the
        # target level, and the reference columns' mean is reference_offset_dn from it.
        bias = shape.copy()
        reference = target + p.reference_offset_dn * p.level_scale      # the offset ages with the level
        for part, level in ((slice(self.dark_columns, None), target), (slice(0, self.dark_columns), reference)):
            bias[:, part] += darkframe.level_shift(shape[:, part] + streaks_tdi1[:, part], level, p.level_noise_dn)
        response = flatfield.large_scale(self.flat, filter_name, n, w)
        dust = flatfield.dust_transmission(self.dust[filter_name], n, w)
        blem = self.blemishes[filter_name].response_map(n, w)
        defect = np.zeros((n, w), np.uint8)
        defect[streaks > 0] |= HOT
        defect[columns - self.columns.scatter_dn[None, :] > WARM_COLUMN_DN] |= WARM_COLUMN
        defect[blem < 1.0] |= BLEMISH
        defect[dust < DUST_FLAG_TRANSMISSION] |= DUST
        defect[:, :self.dark_columns] |= REFERENCE
        return StripCalibration(bias_dn=bias, hot_dn=streaks, response=response * dust * blem, defect=defect)


def _level_slope(p: darkframe.DarkFrameParams, centres: Mapping[str, float]) -> float:
    """DN per CCD row of the level line (0 with one known filter)."""
    known = [f for f in p.level_dn if f in centres]
    if len(known) < 2:
        return 0.0
    return float(np.polyfit([centres[f] for f in known], [float(p.level_dn[f]) for f in known], 1)[0])


def draw_camera_defects(dark: darkframe.DarkFrameParams, flat: flatfield.FlatFieldParams,
                        blemishes: BlemishParams, rng: np.random.Generator, first_rows: Mapping[str, int],
                        ccd_lines: int = 1200, samples: int = 1648, lines: int = 128,
                        dark_columns: int = 23, last_column: int = 1630) -> CameraDefects:
    """Draw a camera's defects from ``rng`` (its own generator; the same state gives the same camera).

    ``first_rows``: filter -> first CCD row of its strip (``StripLayout.first_ccd_row``), in CCD order.
    """
    order = sorted(first_rows, key=lambda f: first_rows[f])
    centres = darkframe.strip_centres(first_rows, lines)
    columns = darkframe.draw_column_defects(dark, rng, centres, ccd_lines, samples)
    hot = darkframe.draw_hot_pixels(dark, rng, ccd_lines, samples, lines)
    dust, blem = {}, {}
    for f in order:
        dust[f] = flatfield.draw_dust(flat, rng, lines, samples, dark_columns, last_column)
        blem[f] = draw_blemishes(blemishes, rng, lines, dark_columns, last_column)
    return CameraDefects(dark=dark, flat=flat, first_rows=dict(first_rows), columns=columns, hot=hot, dust=dust,
                         blemishes=blem, lines=lines, samples=samples, dark_columns=dark_columns)

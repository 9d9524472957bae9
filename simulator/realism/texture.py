"""Texture figures of a product on a map in km, and compression block artefacts.

The per-image definitions are :mod:`scenes.texture_stats` (``patch_contrast``, ``radial_power_spectrum``,
``spectral_slope``), the ones the scene's own texture is tuned with; this module applies them to I/F
resampled onto a square grid of ``cell_km`` cells (a tangent-plane map, ``simulator.products.colourview``),
as issue #13 measured a real PJ32 GREEN image at ~150 km/px:

* contrast: std / mean of I/F in every whole ``patch_km`` (5,500 km) patch of valid cells, median over
  patches; plain (the issue's "std/mean of I/F in ~5,500 km patches away from the limb") and, as a second
  figure, with each patch's least-squares plane removed (limb darkening and illumination gradients left out);
* spectral slope: ``radial_power_spectrum`` (relative fluctuation, plane removed, Hann window, annulus mean)
  of every fully valid square window of the fewest cells covering 2 x the longest wavelength (9,600 km),
  averaged over windows, then ``spectral_slope`` over each band's wavelengths (1,200-4,800 km, 400-1,200 km).
  On synthetic power-law fields (tests) the estimate is within 0.1 for slopes -2 to -2.5 and 0.1-0.2 too
  steep at -3.2 (the taper's leakage).

Block artefacts: JunoCam's lossy mode codes 8 x 8 blocks (facts.md "Detector and electronics"; ours:
``instrument_models.junocam.compression``). Along each axis, the ratio is the mean absolute difference between
neighbours across block boundaries over the mean across pairs inside blocks; the figure is the mean of the
two axes' ratios (1.0 = no blocking).
"""

from __future__ import annotations

import numpy as np

from scenes.texture_stats import (LARGE_BAND_KM, PATCH_KM, SMALL_BAND_KM, patch_contrast as _patch_contrasts,
                                  radial_power_spectrum, band_slopes)

CONTRAST_PATCH_KM = PATCH_KM         # issue #13: "std/mean of I/F in ~5,500 km patches away from the limb"
SLOPE_BANDS_KM = (LARGE_BAND_KM, SMALL_BAND_KM)   # issue #13's two wavelength bands
BLOCK_PX = 8                         # facts.md: integer cosine transform, JPEG-like 8 x 8 blocks
MIN_PATCH_CELLS = 8                  # a patch or window narrower than this many cells is not measured


def patch_contrast(iof, valid, cell_km: float, patch_km: float = CONTRAST_PATCH_KM,
                   detrend: bool = False) -> tuple[float, int]:
    """Median over fully valid patches of std / mean of I/F (``detrend``: each patch's plane removed).

    Parameters
    ----------
    iof : (rows, cols) I/F on a square grid of ``cell_km`` cells.
    valid : (rows, cols) bool, cells that may be measured (lit, away from the limb).

    Returns
    -------
    contrast : fraction (0.016 = 1.6 %), NaN when no patch fits.
    patches : number of patches used.
    """
    size = int(round(patch_km / cell_km))
    if size < MIN_PATCH_CELLS:
        return float("nan"), 0
    values = _patch_contrasts(iof, size, valid, detrend=detrend)
    return (float(np.median(values)) if values.size else float("nan")), int(values.size)


def _windows(valid: np.ndarray, size: int):
    """Top-left corners of non-overlapping fully valid square windows of ``size`` cells."""
    for r in range(0, valid.shape[0] - size + 1, size):
        for c in range(0, valid.shape[1] - size + 1, size):
            if valid[r:r + size, c:c + size].all():
                yield r, c


def spectral_slopes(iof, valid, cell_km: float, bands_km=SLOPE_BANDS_KM) -> tuple[list[float], int, float]:
    """Power-spectrum slope in each wavelength band (NaN where the grid cannot resolve it).

    Returns
    -------
    slopes : one per band (d log P / d log k).
    windows : how many windows were averaged.
    window_km : their size.
    """
    iof = np.asarray(iof, dtype=np.float64)
    valid = np.asarray(valid, bool) & np.isfinite(iof)
    longest = max(b[1] for b in bands_km)
    size = max(MIN_PATCH_CELLS, int(np.ceil(2 * longest / cell_km)))
    corners = list(_windows(valid, size)) if size <= min(iof.shape) else []
    corners = [(r, c) for r, c in corners if iof[r:r + size, c:c + size].mean() > 0]
    if not corners:
        return [float("nan")] * len(bands_km), 0, size * cell_km
    spectra = [radial_power_spectrum(iof[r:r + size, c:c + size], cell_km) for r, c in corners]
    wavelength = spectra[0][0]
    power = np.mean([p for _, p in spectra], axis=0)
    return band_slopes(wavelength, power, bands_km), len(spectra), size * cell_km


def block_ratio(image, mask=None, block: int = BLOCK_PX) -> float:
    """Block-boundary discontinuity ratio of a framelet-aligned image (blocks start at line 0, sample 0).

    Parameters
    ----------
    image : (lines, samples) DN (decompanded or 8-bit), blocks aligned to its first line and sample.
    mask : (lines, samples) bool, pixels to measure (both members of a pair must be measured).
    """
    image = np.asarray(image, dtype=np.float64)
    ok = np.isfinite(image) if mask is None else np.isfinite(image) & np.asarray(mask, bool)
    ratios = []
    for axis in (0, 1):
        d = np.abs(np.diff(image, axis=axis))
        pair = (ok[1:, :] & ok[:-1, :]) if axis == 0 else (ok[:, 1:] & ok[:, :-1])
        pos = np.arange(d.shape[axis]) % block == block - 1            # pair (8k-1, 8k) straddles a boundary
        edge = pos[:, None] if axis == 0 else pos[None, :]
        across, inside = d[pair & edge], d[pair & ~edge]
        if across.size and inside.size and inside.mean() > 0:
            ratios.append(across.mean() / inside.mean())
    return float(np.mean(ratios)) if ratios else float("nan")

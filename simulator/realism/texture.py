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

Two ways of putting a product's pixels on the grid (``measure_product(texture_mode=...)``):

* ``"map"`` (the default; ``compare``'s definition): the way the real figures were measured. The issue's
  PJ32 figures come from the mission site's GREEN map of JNCE_2021052_32C00054, an orthographic full-disk
  view 1,600 px wide (limb a 799 px circle: ``MISSION_MAP_PIXEL_KM`` = 89.5 km/px) stored as 8-bit grey,
  which ``benchmarks.map_texture`` averages into 150 km cells. So a product is first averaged into map
  pixels of ``MISSION_MAP_PIXEL_KM`` (every camera pixel into the map pixel its surface point falls in; how
  the mission resamples is not published: an assumption), quantised to 8 bits at the real map's level
  (``MISSION_MAP_LEVEL``: its median over the measured pixels), then averaged into cells by
  :func:`cell_average`, the same code ``map_texture`` runs on the real map.
* ``"cells"``: every camera pixel averaged straight into the cells (no map, no 8-bit step).

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
# The real map the texture figures were measured on (README "Texture in the product";
# python -m benchmarks.map_texture): JNCE_2021052_32C00054's GREEN map, 1,600 x 1,600 px, orthographic, limb
# fitted as a 799.0 px circle = 71,492 km (pck00010 equatorial radius) -> 89.5 km/px; 8-bit, median 106.0
# over the pixels map_texture measures.
MISSION_MAP_PIXEL_KM = 89.5
MISSION_MAP_LEVEL = 106.0
TEXTURE_MODES = ("map", "cells")
POWER_WAVELENGTHS_KM = (4800.0, 2400.0, 1200.0, 800.0, 600.0, 400.0, 300.0)   # where compare quotes the spectrum


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


def cell_average(image, valid, pixel_km: float, cell_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Average a map's pixels into square cells of ``cell_km`` (each pixel into the cell its centre falls in).

    Parameters
    ----------
    image : (rows, cols) map of ``pixel_km`` pixels.
    valid : (rows, cols) bool, pixels that may be measured.

    Returns
    -------
    means : (cell rows, cell cols) mean of each cell's valid pixels, NaN where the cell is not valid.
    ok : (cell rows, cell cols) bool, cells holding valid pixels and no invalid one.
    """
    image = np.asarray(image, dtype=np.float64)
    valid = np.asarray(valid, bool)
    yy, xx = np.indices(image.shape)
    iy = ((yy + 0.5) * pixel_km // cell_km).astype(np.int64)
    ix = ((xx + 0.5) * pixel_km // cell_km).astype(np.int64)
    shape = (int(iy.max()) + 1, int(ix.max()) + 1)
    cell = (iy * shape[1] + ix).ravel()
    flat_valid = valid.ravel()
    total = np.bincount(cell[flat_valid], weights=image.ravel()[flat_valid], minlength=shape[0] * shape[1])
    count = np.bincount(cell[flat_valid], minlength=shape[0] * shape[1])
    bad = np.bincount(cell[~flat_valid], minlength=shape[0] * shape[1])
    ok = ((count > 0) & (bad == 0)).reshape(shape)
    means = np.where(ok, total.reshape(shape) / np.maximum(count, 1).reshape(shape), np.nan)
    return means, ok


def mission_map(x_km, y_km, value, map_km: float = MISSION_MAP_PIXEL_KM,
                level: float | None = MISSION_MAP_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Points on an orthographic plane averaged into ``map_km`` map pixels, quantised to 8 bits like the
    mission's map (``level``: the median of the filled pixels becomes this many of 255; None: not quantised).

    Parameters
    ----------
    x_km, y_km : (N,) orthographic plane coordinates of the camera pixels' surface points, km.
    value : (N,) I/F-like values (calibrated DN).

    Returns
    -------
    image : (rows, cols) float64 map (row 0 at the largest ``y_km``), 0 where no point fell.
    filled : (rows, cols) bool, map pixels holding at least one point.
    """
    x, y, v = (np.asarray(a, dtype=np.float64).ravel() for a in (x_km, y_km, value))
    col = np.floor((x - x.min()) / map_km).astype(np.int64)
    row = np.floor((y.max() - y) / map_km).astype(np.int64)
    shape = (int(row.max()) + 1, int(col.max()) + 1)
    cell = row * shape[1] + col
    total = np.bincount(cell, weights=v, minlength=shape[0] * shape[1]).reshape(shape)
    count = np.bincount(cell, minlength=shape[0] * shape[1]).reshape(shape)
    filled = count > 0
    image = np.where(filled, total / np.maximum(count, 1), 0.0)
    if level is not None and filled.any():
        scale = level / float(np.median(image[filled]))
        image = np.where(filled, np.clip(np.round(image * scale), 0, 255), 0.0)
    return image, filled


def _windows(valid: np.ndarray, size: int):
    """Top-left corners of non-overlapping fully valid square windows of ``size`` cells."""
    for r in range(0, valid.shape[0] - size + 1, size):
        for c in range(0, valid.shape[1] - size + 1, size):
            if valid[r:r + size, c:c + size].all():
                yield r, c


def mean_spectrum(iof, valid, cell_km: float, longest_km: float = max(b[1] for b in SLOPE_BANDS_KM)):
    """``radial_power_spectrum`` averaged over the non-overlapping fully valid windows of 2 x ``longest_km``.

    Returns
    -------
    wavelength_km : (K,) annulus wavelengths (None when no window fits).
    power : (K,) mean power (None when no window fits).
    windows : how many windows were averaged.
    window_km : their size.
    """
    iof = np.asarray(iof, dtype=np.float64)
    valid = np.asarray(valid, bool) & np.isfinite(iof)
    size = max(MIN_PATCH_CELLS, int(np.ceil(2 * longest_km / cell_km)))
    corners = list(_windows(valid, size)) if size <= min(iof.shape) else []
    corners = [(r, c) for r, c in corners if iof[r:r + size, c:c + size].mean() > 0]
    if not corners:
        return None, None, 0, size * cell_km
    spectra = [radial_power_spectrum(iof[r:r + size, c:c + size], cell_km) for r, c in corners]
    return spectra[0][0], np.mean([p for _, p in spectra], axis=0), len(spectra), size * cell_km


def powers_at(wavelength_km, power, wavelengths_km=POWER_WAVELENGTHS_KM) -> dict:
    """``{wavelength: power}`` of a mean spectrum, log-log interpolated, at the wavelengths it resolves.

    The power is that of :func:`mean_spectrum` (relative fluctuation, 9,600 km windows): comparable between
    images measured on the same cell size (README "Texture in the product")."""
    wl, p = np.asarray(wavelength_km, float), np.asarray(power, float)
    order = np.argsort(wl)
    out = {}
    for w in wavelengths_km:
        if wl.min() <= w <= wl.max():
            out[f"{w:.0f}"] = float(np.exp(np.interp(np.log(w), np.log(wl[order]), np.log(p[order]))))
    return out


def spectral_slopes(iof, valid, cell_km: float, bands_km=SLOPE_BANDS_KM) -> tuple[list[float], int, float]:
    """Power-spectrum slope in each wavelength band (NaN where the grid cannot resolve it).

    Returns
    -------
    slopes : one per band (d log P / d log k).
    windows : how many windows were averaged.
    window_km : their size.
    """
    wavelength, power, windows, window_km = mean_spectrum(iof, valid, cell_km, max(b[1] for b in bands_km))
    if not windows:
        return [float("nan")] * len(bands_km), 0, window_km
    return band_slopes(wavelength, power, bands_km), windows, window_km


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

"""Texture figures on a map in km: patch contrast, power-spectrum slopes, and compression block artefacts.

Contrast and spectra are measured on I/F resampled onto a square grid of ``cell_km`` cells (a tangent-plane
map, ``simulator.products.colourview``), as issue #13 measured a real PJ32 GREEN image at ~150 km/px:

* contrast: the grid is cut into square patches of ``patch_km`` (5,500 km); in every patch whose cells are
  all valid, a best-fitting plane is removed (limb darkening and illumination gradients are not cloud
  contrast) and std / mean of I/F is taken; the figure is the median over patches.
* spectral slope: in every fully valid square window of the fewest cells covering 2 x the longest
  wavelength (9,600 km), mean and plane removed, Hann-tapered 2D FFT, power averaged
  in rings of wavenumber; the slope is the least-squares fit of log power against log wavenumber over the
  band's wavelengths (1,200-4,800 km, 400-1,200 km). On synthetic power-law fields (tests) the estimate is
  within 0.1 for slopes -2 to -2.5 and 0.1-0.2 too steep at -3.2 (the taper's leakage).

Block artefacts: JunoCam's lossy mode codes 8 x 8 blocks (facts.md "Detector and electronics"; ours:
``instrument_models.junocam.compression``). Along each axis, the ratio is the mean absolute difference between
neighbours across block boundaries over the mean across pairs inside blocks; the figure is the mean of the
two axes' ratios (1.0 = no blocking).
"""

from __future__ import annotations

import numpy as np

CONTRAST_PATCH_KM = 5500.0           # issue #13: "std/mean of I/F in ~5,500 km patches away from the limb"
SLOPE_BANDS_KM = ((1200.0, 4800.0), (400.0, 1200.0))  # issue #13's two wavelength bands
BLOCK_PX = 8                         # facts.md: integer cosine transform, JPEG-like 8 x 8 blocks
MIN_PATCH_CELLS = 8                  # a patch or window narrower than this many cells is not measured


def _remove_plane(values: np.ndarray) -> np.ndarray:
    """``values`` (n, m) minus its least-squares plane a + b y + c x."""
    n, m = values.shape
    y, x = np.mgrid[0:n, 0:m]
    design = np.stack([np.ones(values.size), y.ravel(), x.ravel()], axis=1)
    coef, *_ = np.linalg.lstsq(design, values.ravel(), rcond=None)
    return values - (design @ coef).reshape(n, m)


def patch_contrast(iof, valid, cell_km: float, patch_km: float = CONTRAST_PATCH_KM) -> tuple[float, int]:
    """Median over fully valid patches of std / mean of the plane-removed I/F, and how many patches.

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
    iof = np.asarray(iof, dtype=np.float64)
    valid = np.asarray(valid, bool) & np.isfinite(iof)
    if size < MIN_PATCH_CELLS:
        return float("nan"), 0
    out = []
    for r in range(0, iof.shape[0] - size + 1, size):
        for c in range(0, iof.shape[1] - size + 1, size):
            if valid[r:r + size, c:c + size].all():
                block = iof[r:r + size, c:c + size]
                mean = block.mean()
                if mean > 0:
                    out.append(_remove_plane(block).std() / mean)
    return (float(np.median(out)) if out else float("nan")), len(out)


def radial_power(window: np.ndarray, cell_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Ring-averaged power of a square window: (wavenumber in cycles/km, power), zero frequency left out."""
    n = window.shape[0]
    taper = np.outer(np.hanning(n), np.hanning(n))
    spec = np.abs(np.fft.fft2(_remove_plane(window) * taper)) ** 2
    k = np.fft.fftfreq(n, d=cell_km)
    kr = np.hypot(k[:, None], k[None, :])
    ring = np.rint(kr * n * cell_km).astype(int)            # ring index = |k| in units of 1 / window
    power = np.bincount(ring.ravel(), spec.ravel()) / np.maximum(np.bincount(ring.ravel()), 1)
    rings = np.arange(power.size)
    keep = (rings > 0) & (rings <= n // 2)
    return rings[keep] / (n * cell_km), power[keep]


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
    if size > min(iof.shape) or not any(True for _ in _windows(valid, size)):
        return [float("nan")] * len(bands_km), 0, size * cell_km
    spectra = [radial_power(iof[r:r + size, c:c + size], cell_km) for r, c in _windows(valid, size)]
    k = spectra[0][0]
    power = np.mean([p for _, p in spectra], axis=0)
    slopes = []
    for short, long in bands_km:
        sel = (k >= 1.0 / long) & (k <= 1.0 / short) & (k <= 0.5 / cell_km) & (power > 0)
        if sel.sum() < 3:
            slopes.append(float("nan"))
            continue
        slopes.append(float(np.polyfit(np.log(k[sel]), np.log(power[sel]), 1)[0]))
    return slopes, len(spectra), size * cell_km


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

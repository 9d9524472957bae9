"""Texture statistics of planetary images: patch contrast, radially averaged power spectrum, spectral slope.

Pure functions of a 2-D image (any quantity proportional to I/F: our noise-free I/F, a decompanded,
flat-fielded raw framelet mosaic, a map projection) and a boolean mask of the pixels to use. They are the
measurements of issue #13 item 3, made the same way on real and synthetic images:

* :func:`patch_contrast`: ``std / mean`` in square patches (~5,500 km in the issue) lying wholly inside the
  mask; the issue measured 1.5-1.7 % (median over patches) on a real PJ32 GREEN image at ~150 km/px.
* :func:`radial_power_spectrum`: the 2-D periodogram of the relative fluctuation ``image / mean - 1``
  (best-fit plane removed, Hann-windowed) averaged over annuli of constant wavenumber, with the wavelength
  of each annulus in km. "Averaged" is the mean over the annulus (not its sum): for an isotropic field this
  slope is the slope of a 1-D (single-scan) spectrum minus 1, so the issue's -2.4..-2.5 (1,200-4,800 km)
  corresponds to -1.4..-1.5 along one scan, in line with Barrado-Izagirre et al. (2009, Icarus 202, 181)
  who found -1.3 +- 0.4 in zonal scans at L > 1,000 km and -2.5 +- 0.7 at L < 1,000 km.
* :func:`spectral_slope`: least-squares slope of ``log P`` against ``log k`` over a wavelength band.
* :func:`texture_summary`: all of them on one image, as the issue reported them.

The one definition of these figures: used by ``benchmarks/bench_scene.py`` and the scene tests on our
rendered disk, and by ``junocam-sim compare`` on products (``simulator.realism.texture`` applies them to a
km map, averaging the spectrum over windows).
"""

from __future__ import annotations

import numpy as np

from scenes.errors import SceneError

# The measurement (item 3): patch side and the two wavelength bands of the slope fits, km.
PATCH_KM = 5500.0
LARGE_BAND_KM = (1200.0, 4800.0)
SMALL_BAND_KM = (400.0, 1200.0)


def _image_and_mask(image, valid) -> tuple[np.ndarray, np.ndarray]:
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2:
        raise SceneError(f"image of shape {img.shape} is not a 2-D array")
    mask = np.isfinite(img) if valid is None else np.asarray(valid, dtype=bool) & np.isfinite(img)
    if mask.shape != img.shape:
        raise SceneError(f"mask of shape {mask.shape} does not match the image's {img.shape}")
    return img, mask


def patch_contrast(image, patch_px: int, valid=None, detrend: bool = False) -> np.ndarray:
    """``std / mean`` of each non-overlapping ``patch_px`` x ``patch_px`` patch wholly inside ``valid``.

    Parameters
    ----------
    image : (H, W) array
        Image (proportional to I/F; NaN pixels count as invalid).
    patch_px : int
        Patch side in pixels (>= 2). Patches tile the image from its upper-left corner.
    valid : (H, W) bool array, optional
        Pixels that may be used (default: the finite ones).
    detrend : bool
        Remove each patch's least-squares plane before the std (the texture without the smooth limb
        darkening / illumination gradient across the patch); False is the issue's plain ``std / mean``.

    Returns
    -------
    (P,) float64
        Relative standard deviation (population std over mean) of each complete patch with a positive
        mean, in tiling order (row-major). Empty when no patch fits.
    """
    img, mask = _image_and_mask(image, valid)
    n = int(patch_px)
    if n < 2:
        raise SceneError(f"patch size {patch_px!r} px must be at least 2")
    rows, cols = img.shape[0] // n, img.shape[1] // n
    if rows == 0 or cols == 0:
        return np.zeros(0)
    tiles = img[:rows * n, :cols * n].reshape(rows, n, cols, n).swapaxes(1, 2).reshape(rows * cols, n * n)
    full = mask[:rows * n, :cols * n].reshape(rows, n, cols, n).all(axis=(1, 3)).ravel()
    tiles = tiles[full]
    mean = tiles.mean(axis=1) if tiles.size else np.zeros(0)
    keep = mean > 0.0
    tiles, mean = tiles[keep], mean[keep]
    if detrend and tiles.size:
        design = _plane_design(n, n)
        coef, *_ = np.linalg.lstsq(design, tiles.T, rcond=None)
        tiles = tiles - (design @ coef).T
    return tiles.std(axis=1) / mean


def _plane_design(rows: int, cols: int) -> np.ndarray:
    """``(rows cols, 3)`` design matrix of a plane ``a + b x + c y`` over a row-major image."""
    yy, xx = np.mgrid[0:rows, 0:cols]
    return np.stack([np.ones(rows * cols), xx.ravel(), yy.ravel()], axis=1).astype(np.float64)


def _detrended(img: np.ndarray) -> np.ndarray:
    """``img / mean - 1`` minus its least-squares plane."""
    rel = img / img.mean() - 1.0
    design = _plane_design(*img.shape)
    coef, *_ = np.linalg.lstsq(design, rel.ravel(), rcond=None)
    return rel - (design @ coef).reshape(img.shape)


def radial_power_spectrum(image, pixel_km: float) -> tuple[np.ndarray, np.ndarray]:
    """Annulus-averaged 2-D power spectrum of the relative fluctuation of a square, fully valid image.

    The image is divided by its mean, 1 subtracted, its best-fit plane removed (limb darkening and
    illumination gradients), multiplied by a 2-D Hann window and Fourier transformed; ``|F|^2`` is averaged
    over annuli one frequency step (1 / N cycles per pixel) wide, from 1 to N/2 steps.

    Parameters
    ----------
    image : (N, N) array
        Finite image, N >= 8 (take a square from a disk with :func:`valid_square`).
    pixel_km : float
        Pixel size on the surface, km.

    Returns
    -------
    wavelength_km : (N // 2,) float64
        Wavelength of each annulus centre, decreasing (``N pixel_km / m`` for annulus m = 1..N/2).
    power : (N // 2,) float64
        Mean periodogram in the annulus (arbitrary units; slopes and ratios are what compare).
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2 or img.shape[0] != img.shape[1] or img.shape[0] < 8:
        raise SceneError(f"image of shape {img.shape} is not a square of at least 8 x 8 pixels")
    if not np.isfinite(img).all() or img.mean() <= 0.0:
        raise SceneError("image for the power spectrum has non-finite values or a mean that is not positive")
    if not pixel_km > 0.0:
        raise SceneError(f"pixel size {pixel_km!r} km must be positive")
    n = img.shape[0]
    hann = np.hanning(n)
    spectrum = np.abs(np.fft.fft2(_detrended(img) * np.outer(hann, hann))) ** 2
    freq = np.fft.fftfreq(n) * n                       # integer frequency steps
    radius = np.rint(np.hypot(freq[:, np.newaxis], freq[np.newaxis, :])).astype(np.intp)
    m = np.arange(1, n // 2 + 1)
    sums = np.bincount(radius.ravel(), weights=spectrum.ravel(), minlength=n)
    counts = np.bincount(radius.ravel(), minlength=n)
    return n * float(pixel_km) / m, sums[m] / counts[m]


def spectral_slope(wavelength_km, power, band_km=LARGE_BAND_KM) -> float:
    """Least-squares slope of ``log P`` against ``log k`` (k = 1 / wavelength) for wavelengths in ``band_km``.

    Raises :class:`SceneError` when fewer than three annuli fall in the band (image too small or pixels too
    coarse for it).
    """
    lo, hi = sorted(float(b) for b in band_km)
    wl = np.asarray(wavelength_km, dtype=np.float64)
    p = np.asarray(power, dtype=np.float64)
    sel = (wl >= lo) & (wl <= hi) & (p > 0.0)
    if sel.sum() < 3:
        raise SceneError(f"only {int(sel.sum())} spectrum annuli fall between {lo:g} and {hi:g} km; "
                         "expected at least 3 (a larger image or finer pixels)")
    slope, _ = np.polyfit(np.log(1.0 / wl[sel]), np.log(p[sel]), 1)
    return float(slope)


def band_slopes(wavelength_km, power, bands_km) -> list[float]:
    """:func:`spectral_slope` for each band of ``bands_km``, NaN for a band too few annuli fall in."""
    slopes = []
    for band in bands_km:
        try:
            slopes.append(spectral_slope(wavelength_km, power, band))
        except SceneError:
            slopes.append(float("nan"))
    return slopes


def valid_square(valid) -> tuple[slice, slice]:
    """The largest square wholly inside ``valid`` centred on the valid pixels' centroid: (rows, cols) slices.

    Raises :class:`SceneError` when not even an 8 x 8 square fits.
    """
    mask = np.asarray(valid, dtype=bool)
    if not mask.any():
        raise SceneError("no valid pixel to take a square from")
    rr, cc = np.nonzero(mask)
    r0, c0 = int(round(rr.mean())), int(round(cc.mean()))
    lo, hi = 0, min(mask.shape) // 2 + 1          # half-sizes: lo fits, hi does not
    while hi - lo > 1:
        h = (lo + hi) // 2
        box = (slice(r0 - h, r0 + h), slice(c0 - h, c0 + h))
        fits = r0 - h >= 0 and c0 - h >= 0 and r0 + h <= mask.shape[0] and c0 + h <= mask.shape[1]
        lo, hi = (h, hi) if fits and mask[box].all() else (lo, h)
    if lo < 4:
        raise SceneError("the valid region holds no 8 x 8 pixel square")
    return slice(r0 - lo, r0 + lo), slice(c0 - lo, c0 + lo)


def texture_summary(image, pixel_km: float, valid=None, patch_km: float = PATCH_KM,
                    bands_km=(LARGE_BAND_KM, SMALL_BAND_KM)) -> dict:
    """The issue's texture measurements on one image.

    Parameters
    ----------
    image : (H, W) array
        Image proportional to I/F (NaN = unusable).
    pixel_km : float
        Pixel size on the surface, km (the image's mean scale; foreshortening is the caller's business:
        keep ``valid`` away from the limb).
    valid : (H, W) bool array, optional
        Pixels to use (default: finite ones).
    patch_km : float
        Side of the contrast patches, km.
    bands_km : sequence of (lo, hi)
        Wavelength bands of the slope fits, km.

    Returns
    -------
    dict
        ``contrast_median``, ``contrast_p10``, ``contrast_p90`` (fractions), ``texture_median`` (the
        median with each patch's plane removed, see :func:`patch_contrast`), ``patches`` (count),
        ``slopes`` (one per band, same order; NaN when a band does not fit the square) and ``square_px``
        (side of the square used for the spectrum).
    """
    img, mask = _image_and_mask(image, valid)
    patch_px = max(int(round(patch_km / pixel_km)), 2)
    contrast = patch_contrast(img, patch_px, mask)
    texture = patch_contrast(img, patch_px, mask, detrend=True)
    rows, cols = valid_square(mask)
    wl, power = radial_power_spectrum(img[rows, cols], pixel_km)
    slopes = band_slopes(wl, power, bands_km)
    pct = np.percentile(contrast, [10, 50, 90]) if contrast.size else np.full(3, np.nan)
    return {"contrast_median": float(pct[1]),
            "texture_median": float(np.median(texture)) if texture.size else float("nan"), "contrast_p10": float(pct[0]), "contrast_p90": float(pct[2]),
            "patches": int(contrast.size), "slopes": tuple(slopes), "square_px": int(rows.stop - rows.start)}

"""The Gaussian optical PSF on the pixel grid, conserving total signal.

The renderer samples the scene once per pixel at each stage node's time; pixels where the scene is not
smooth at the pixel scale (a limb, a body's edge) are integrated exactly over their area and over the image
motion during the time they represent (``sampling.py``). Elsewhere a box average over the pixel or over a
~1 px motion differs from the centre value only at second order, so no further kernel is needed for the
aperture or the motion. What remains is the optics: a Gaussian PSF applied as a separable convolution
with weights sampled at integer pixel offsets and normalised to sum to one (so total signal is conserved
and a symmetric kernel keeps edges where they are). The aperture is not applied twice.

Default sigma 0.5 px (``RenderOptions.psf_sigma_px``): an assumption, no JunoCam PSF is published
(facts.md); FWHM ~1.2 px, the order of a well-focused f/3.2 refractor on 7.4 um pixels. On a 1 px grid a
sigma below ~0.6 px is represented by a slightly narrower discrete kernel (variance 0.21 px^2 for 0.5 px).
"""

from __future__ import annotations

import numpy as np

MIN_SIGMA_PX = 1e-3  # below this the PSF is a delta on the pixel grid (its weight beyond 0 is < 1e-200)


def gaussian_weights(sigma_px: float, radius_px: int | None = None) -> np.ndarray:
    """Discrete PSF weights ``w_m`` for offsets ``m = -R..R`` (float64, sum 1; ``[1.]`` for sigma 0).

    Parameters
    ----------
    sigma_px : Gaussian sigma in pixels (>= 0).
    radius_px : half-width R; default ``ceil(4 sigma)``.
    """
    if sigma_px < MIN_SIGMA_PX:
        return np.ones(1)
    r = int(np.ceil(4.0 * sigma_px)) if radius_px is None else int(radius_px)
    m = np.arange(-r, r + 1, dtype=float)
    w = np.exp(-0.5 * (m / sigma_px) ** 2)
    return w / w.sum()


def convolve_lines(image: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Convolve ``(rows, cols)`` along axis 0 with weights ``(2R+1,)``; rows beyond the array are zero.

    Callers pad the picture with ``R`` rows of real scene on each side (rows outside the readout window
    are physical CCD rows of the same strip, see ``los.py``), so light spreading into the window is kept.
    """
    r = (weights.shape[0] - 1) // 2
    out = weights[r] * image
    n = image.shape[0]
    for m in range(1, r + 1):
        out[m:] += weights[r + m] * image[:n - m]
        out[:n - m] += weights[r - m] * image[m:]
    return out


def convolve_samples(image: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Convolve ``(rows, cols)`` along axis 1 with weights ``(2R+1,)``; columns beyond the array are zero."""
    return convolve_lines(image.T, weights).T


def apply_psf(image: np.ndarray, sigma_px: float) -> np.ndarray:
    """Separable Gaussian PSF of ``sigma_px`` on a ``(rows, cols)`` picture (zero outside it)."""
    w = gaussian_weights(sigma_px)
    if w.size == 1:
        return image.copy()
    return convolve_samples(convolve_lines(image, w), w)

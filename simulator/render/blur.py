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

Speed: :func:`psf_window` computes only the output rows and columns the caller keeps (the readout window
inside the padded picture), line by line in one compiled loop (numba) that adds the same products in the same
order as :func:`convolve_lines` / :func:`convolve_samples`, so its bytes equal theirs; without numba it falls
back to them.
"""

from __future__ import annotations

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; the numpy path is the fallback
    numba = None

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
    for m in range(1, min(r, n - 1) + 1):      # offsets as long as the array have no terms inside it
        out[m:] += weights[r + m] * image[:n - m]
        out[:n - m] += weights[r - m] * image[m:]
    return out


def convolve_samples(image: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Convolve ``(rows, cols)`` along axis 1 with weights ``(2R+1,)``; columns beyond the array are zero."""
    return convolve_lines(image.T, weights).T


def apply_psf(image: np.ndarray, sigma_px: float) -> np.ndarray:
    """Separable Gaussian PSF of ``sigma_px`` on a ``(rows, cols)`` picture (zero outside it)."""
    return psf_window(image, sigma_px, (0, image.shape[0]), (0, image.shape[1]))


def psf_window(image: np.ndarray, sigma_px: float, rows: tuple[int, int], cols: tuple[int, int]) -> np.ndarray:
    """``apply_psf(image, sigma_px)[rows[0]:rows[1], cols[0]:cols[1]]`` (same bytes), computed on that window
    only: ``(rows[1] - rows[0], cols[1] - cols[0])`` float64, C-contiguous.

    The picture's other rows and columns still feed the window (light spreading into it); only outputs the
    caller would crop away are skipped.
    """
    image = np.ascontiguousarray(image, dtype=float)
    (r0, r1), (c0, c1) = (int(rows[0]), int(rows[1])), (int(cols[0]), int(cols[1]))
    if not (0 <= r0 <= r1 <= image.shape[0] and 0 <= c0 <= c1 <= image.shape[1]):
        raise ValueError(f"PSF window rows {rows}, columns {cols} outside the picture of shape {image.shape}")
    w = gaussian_weights(sigma_px)
    if w.size == 1:
        return image[r0:r1, c0:c1].copy()
    if numba is None:  # pragma: no cover - numba is a declared dependency
        return np.ascontiguousarray(convolve_samples(convolve_lines(image, w), w)[r0:r1, c0:c1])
    return _psf_window(image, w, r0, r1, c0, c1)


def _jit(fn):
    return numba.njit(cache=True, nogil=True)(fn) if numba is not None else fn


@_jit
def _scaled(out, w, x, n):
    """``out[:n] = w * x[:n]``."""
    for j in range(n):
        out[j] = w * x[j]


@_jit
def _add_scaled(out, w, x, n):
    """``out[:n] += w * x[:n]`` (a product, then a sum: what numpy's ``out += w * x`` does per element)."""
    for j in range(n):
        out[j] += w * x[j]


@_jit
def _psf_window(image, w, r0, r1, c0, c1):
    """The compiled :func:`psf_window`: for each output row, the line pass on the columns the sample pass
    needs (``c0 - R .. c1 + R``), then the sample pass; per element the terms of :func:`convolve_lines`
    in its order (centre, then ``-m`` and ``+m`` for m = 1..R, terms beyond the picture left out)."""
    n_rows, n_cols = image.shape
    r = (w.shape[0] - 1) // 2
    a, b = max(0, c0 - r), min(n_cols, c1 + r)
    out = np.empty((r1 - r0, c1 - c0))
    line = np.empty(b - a)
    for i in range(r0, r1):
        _scaled(line, w[r], image[i, a:b], b - a)
        for m in range(1, r + 1):
            if i - m >= 0:
                _add_scaled(line, w[r + m], image[i - m, a:b], b - a)
            if i + m < n_rows:
                _add_scaled(line, w[r - m], image[i + m, a:b], b - a)
        row = out[i - r0]
        _scaled(row, w[r], line[c0 - a:], c1 - c0)
        for m in range(1, r + 1):
            lo = max(c0, m)                      # columns j with j - m inside the picture
            _add_scaled(row[lo - c0:], w[r + m], line[lo - m - a:], c1 - lo)
            hi = min(c1, n_cols - m)             # columns j with j + m inside the picture
            _add_scaled(row, w[r - m], line[c0 + m - a:], hi - c0)
    return out

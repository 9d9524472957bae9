"""Resampling scattered camera pixels onto a map grid: the map maker's interpolation kernel.

The mission's PJ32 maps (README "What the mission's maps hold") are perspective views from the spacecraft made
by MSSS with an unpublished resampler. Their high-passed pixels correlate with their neighbours (GREEN 0.43
along rows, 0.50 along columns, 0.27 / 0.21 on the diagonals) and their 2-D power near the map's Nyquist
frequency is low, which a map that puts each camera pixel into the one map pixel it falls in (``"average"``,
our earlier assumption: neighbours ~0) does not reproduce; nor does plain interpolation (bilinear 0.16 / 0.47,
bicubic 0.11 / 0.44 along rows / columns): a tent 1.25-1.5 camera pixels wide (``"bilinear*1.25"`` ..
``"bilinear*1.5"``) does, on a product without the dark frame's column pattern (``benchmarks.map_noise``;
README "What the mission's maps hold" has the figures).

:func:`splat` evaluates, at every map pixel centre, the kernel-weighted and weight-normalised mean of the
scattered samples near it. With a kernel that is a partition of unity (box, tent, Keys cubic) on a regular
source grid this *is* interpolation of that grid at the map pixel centre (bilinear for ``"bilinear"``,
bicubic for ``"bicubic"``), written as a forward scatter so it needs no inverse projection of map pixels into
framelets. The kernel is evaluated in source-pixel units: ``to_source`` maps a map-pixel offset to a
source-pixel offset (the inverse of the local Jacobian of the projection, per sample), so a rotated or scaled
source grid is interpolated along its own axes.
"""

from __future__ import annotations

import numpy as np

from simulator.errors import SimulatorError

RESAMPLERS = ("average", "bilinear", "bicubic", "lanczos3", "bspline2", "bspline3", "gauss")
GAUSS_SIGMA = 0.5          # "gauss": the Gaussian's std at width 1, source pixels (a tent's is 0.41)
SUPPORT = {"bilinear": 1.0, "bicubic": 2.0, "lanczos3": 3.0, "bspline2": 1.5, "bspline3": 2.0,
           "gauss": 4.0 * GAUSS_SIGMA}   # kernel half-width, source pixels (the Gaussian's cut at 4 sigma)
KEYS_A = -0.5              # Keys (1981) cubic convolution parameter (the usual "bicubic")
CHUNK = 1 << 20            # samples per pass (bounds the temporaries' memory)
MIN_WEIGHT = 0.1           # weights sum to ~1 inside a regularly sampled area (partition of unity); a map
                           # pixel under this is at the data's edge, where normalising would amplify noise


def kernel(kind: str, d: np.ndarray) -> np.ndarray:
    """The 1-D interpolation kernel ``kind`` at distances ``d`` (source pixels; any shape) -> same shape.

    ``"bilinear"``: tent ``max(0, 1 - |d|)``; ``"bicubic"``: Keys' cubic convolution with ``a = -0.5``;
    ``"lanczos3"``: ``sinc(d) sinc(d / 3)`` for ``|d| < 3``; ``"bspline2"``, ``"bspline3"``: the quadratic and
    cubic B-splines (the unit box convolved with itself 3 and 4 times): smoothing, not interpolating, kernels
    (std 0.50 and 0.58 source pixels, a tent's 0.41) that, unlike a tent widened by a non-integer factor, still
    sum to one over the source grid and reproduce a linear field, so the smoothing moves no value's position
    (a ``bilinear*1.25`` map puts a linear field up to 0.1 px off); ``"gauss"``: a Gaussian of std
    ``GAUSS_SIGMA`` source pixels, cut at 4 std, the one kernel that is both separable and round (the same
    smoothing in every direction, whatever the source grid's rotation), a partition of unity to 1.4 % at
    width 1 and 0.08 % at width 1.2 (its sum over the grid ripples by ``2 exp(-2 pi^2 sigma^2)``). Raises :class:`SimulatorError` for another name.
    """
    d = np.abs(np.asarray(d, dtype=np.float64))
    if kind == "bilinear":
        return np.maximum(0.0, 1.0 - d)
    if kind == "bicubic":
        a = KEYS_A
        near = ((a + 2.0) * d - (a + 3.0)) * d * d + 1.0
        far = ((a * d - 5.0 * a) * d + 8.0 * a) * d - 4.0 * a
        return np.where(d <= 1.0, near, np.where(d < 2.0, far, 0.0))
    if kind == "lanczos3":
        return np.where(d < 3.0, np.sinc(d) * np.sinc(d / 3.0), 0.0)
    if kind == "bspline2":
        return np.where(d <= 0.5, 0.75 - d * d, np.where(d < 1.5, 0.5 * (1.5 - d) ** 2, 0.0))
    if kind == "bspline3":
        return np.where(d <= 1.0, 2.0 / 3.0 - d * d + 0.5 * d ** 3, np.where(d < 2.0, (2.0 - d) ** 3 / 6.0, 0.0))
    if kind == "gauss":
        return np.where(d < SUPPORT["gauss"], np.exp(-0.5 * (d / GAUSS_SIGMA) ** 2) / (np.sqrt(2 * np.pi) * GAUSS_SIGMA),
                        0.0)
    raise SimulatorError(f"resampling kernel {kind!r} is unknown; expected one of {', '.join(RESAMPLERS[1:])}")


def splat(col: np.ndarray, row: np.ndarray, values: np.ndarray, shape: tuple[int, int], kind: str = "average",
          to_source: np.ndarray | None = None, group: np.ndarray | None = None, width: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Kernel-weighted means of scattered samples at the pixel centres of a map.

    Parameters
    ----------
    col, row : (N,) float map coordinates of the samples (pixel corners at integers, row 0 at the top).
    values : (C, N) or (N,) sample values (C channels share the weights).
    shape : (rows, cols) of the map.
    kind : one of :data:`RESAMPLERS`. ``"average"``: each sample counts once in the map pixel it falls in
        (the plain mean, no kernel); the others weight each sample by ``k(u) k(v)``, ``(u, v) = to_source @
        (pixel centre - sample)`` in source pixels (:func:`kernel`).
    to_source : (2, 2) or (K, 2, 2) matrices taking a map offset ``(d_col, d_row)`` to source-pixel offsets
        ``(u, v)`` (:func:`local_to_source`); default the identity (source pixels the size of map pixels).
    group : (N,) int index of each sample's matrix in ``to_source`` (K > 1: e.g. one per framelet).
    width : the kernel's scale in source pixels: 1 interpolates; > 1 also smooths (a ``width`` x wider kernel).

    Returns
    -------
    means : (C, rows, cols) or (rows, cols) float64, 0 where no weight.
    weight : (rows, cols) float64 sum of weights (sample count for ``"average"``).
    """
    col = np.asarray(col, dtype=np.float64).ravel()
    row = np.asarray(row, dtype=np.float64).ravel()
    v = np.asarray(values, dtype=np.float64)
    single = v.ndim == 1
    v = v.reshape(1, -1) if single else v
    if col.shape != row.shape or v.shape[1] != col.size:
        raise SimulatorError(f"splat got {col.size} columns, {row.size} rows and values of shape {v.shape}; "
                             "expected one column, row and value per sample")
    if kind not in RESAMPLERS:
        raise SimulatorError(f"resampler {kind!r} is unknown; expected one of {', '.join(RESAMPLERS)}")
    nrow, ncol = shape
    total = np.zeros((v.shape[0], nrow * ncol))
    weight = np.zeros(nrow * ncol)

    def add(i, j, w, s=slice(None)):
        ok = (i >= 0) & (i < nrow) & (j >= 0) & (j < ncol) & (w != 0)
        cell = i[ok] * ncol + j[ok]
        weight[:] += np.bincount(cell, weights=w[ok], minlength=nrow * ncol)
        for c in range(v.shape[0]):
            total[c] += np.bincount(cell, weights=w[ok] * v[c][s][ok], minlength=nrow * ncol)

    if kind == "average":
        add(np.floor(row).astype(np.int64), np.floor(col).astype(np.int64), np.ones(col.size))
    else:
        if not (np.isfinite(width) and width > 0):
            raise SimulatorError(f"resampling kernel width {width!r} is invalid; expected a number > 0 (source pixels)")
        m = np.eye(2) if to_source is None else np.asarray(to_source, dtype=np.float64)
        m = (m.reshape(1, 2, 2) if m.ndim == 2 else m) / width
        g = np.zeros(col.size, np.int64) if group is None else np.asarray(group, dtype=np.int64).ravel()
        if g.size != col.size or g.min(initial=0) < 0 or g.max(initial=0) >= len(m):
            raise SimulatorError(f"splat got {g.size} group indices for {col.size} samples and {len(m)} "
                                 "matrices; expected one index per sample into to_source")
        # reach in map pixels: the support times the largest map-pixel size of a source pixel
        reach = SUPPORT[kind] * float(np.max(1.0 / np.linalg.svd(m, compute_uv=False)[:, -1]))
        r = int(np.ceil(reach + 0.5))
        for start in range(0, col.size, CHUNK):
            s = slice(start, start + CHUNK)
            c_, r_, mg = col[s], row[s], m[g[s]]
            i0, j0 = np.floor(r_).astype(np.int64), np.floor(c_).astype(np.int64)
            for di in range(-r, r + 1):
                for dj in range(-r, r + 1):
                    i, j = i0 + di, j0 + dj
                    dc, dr = j + 0.5 - c_, i + 0.5 - r_
                    u = mg[:, 0, 0] * dc + mg[:, 0, 1] * dr
                    w_ = mg[:, 1, 0] * dc + mg[:, 1, 1] * dr
                    add(i, j, kernel(kind, u) * kernel(kind, w_), s)
    has = weight > MIN_WEIGHT
    means = np.where(has, total / np.where(has, weight, 1.0), 0.0).reshape(v.shape[0], nrow, ncol)
    weight = np.where(has, weight, 0.0).reshape(nrow, ncol)
    return (means[0] if single else means), weight


def resampler_spec(text: str) -> tuple[str, float]:
    """``"KIND"`` or ``"KIND*WIDTH"`` (e.g. ``"bilinear*1.5"``) -> (kind, width) for :func:`splat`."""
    kind, _, w = str(text).partition("*")
    try:
        width = float(w) if w else 1.0
    except ValueError:
        width = float("nan")
    if kind not in RESAMPLERS or not (np.isfinite(width) and width > 0) or (kind == "average" and w):
        raise SimulatorError(f"resampler {text!r} is invalid; expected one of {', '.join(RESAMPLERS)}, the kernels "
                             "optionally as KIND*WIDTH with a width > 0 in source pixels (e.g. bilinear*1.5)")
    return kind, width


def local_to_source(col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """(2, 2) median inverse Jacobian of a source grid's map coordinates (col, row: (lines, samples), NaN
    where the pixel is not on the map): the matrix taking a map offset to (sample, line) offsets."""
    col = np.asarray(col, dtype=np.float64)
    row = np.asarray(row, dtype=np.float64)
    parts = [np.gradient(a, axis=ax) for a in (col, row) for ax in (1, 0)]   # dcol/ds, dcol/dl, drow/ds, drow/dl
    med = [np.nanmedian(p) if np.isfinite(p).any() else np.nan for p in parts]
    jac = np.array([[med[0], med[1]], [med[2], med[3]]])
    if not np.all(np.isfinite(jac)) or abs(np.linalg.det(jac)) < 1e-12:
        raise SimulatorError("a source grid's map coordinates give no invertible local Jacobian; expected at "
                             "least two neighbouring pixels on the map along both axes")
    return np.linalg.inv(jac)

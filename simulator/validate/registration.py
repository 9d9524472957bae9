"""Sub-cell registration of a user's map against the truth map: shift, gain and offset.

Model: ``user(r, c) = gain * truth(r + dr, c + dc) + offset`` over the cells both maps cover. An integer
start comes from the peak of the FFT cross-correlation (NaN cells as zero after removing the mean); then
Gauss-Newton on the four parameters with cubic-spline interpolation of the truth map converges to a
small fraction of a cell. A user's feature at map row ``r`` is the truth's at ``r + dr``, so the user's
geolocation is off by ``-dr`` rows and ``-dc`` columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from simulator.errors import SimulatorError


class RegistrationError(SimulatorError):
    """The two maps share too few cells or too little texture to register."""


@dataclass(frozen=True)
class Registration:
    """Result of :func:`register_maps`.

    Attributes
    ----------
    drow, dcol : truth-map shift (cells) that best matches the user's map.
    gain, offset : radiometric scale and offset of the user's map against the truth.
    cells : cells used.
    residual_rms : rms of ``user - (gain truth(shifted) + offset)`` (user's units).
    """

    drow: float
    dcol: float
    gain: float
    offset: float
    cells: int
    residual_rms: float


def _fill(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ok = np.isfinite(a)
    filled = np.where(ok, a, np.nanmean(a) if ok.any() else 0.0)
    return filled, ok


def _integer_shift(user: np.ndarray, truth: np.ndarray, max_shift: int) -> tuple[int, int]:
    u, uok = _fill(user)
    t, tok = _fill(truth)
    u = np.where(uok, u - u[uok].mean(), 0.0)
    t = np.where(tok, t - t[tok].mean(), 0.0)
    corr = np.fft.irfft2(np.fft.rfft2(u) * np.conj(np.fft.rfft2(t)), s=u.shape)
    rows, cols = corr.shape
    shifts_r = np.fft.fftfreq(rows, 1.0 / rows).astype(int)
    shifts_c = np.fft.fftfreq(cols, 1.0 / cols).astype(int)
    window = (np.abs(shifts_r)[:, None] <= max_shift) & (np.abs(shifts_c)[None, :] <= max_shift)
    corr = np.where(window, corr, -np.inf)
    i, j = np.unravel_index(np.argmax(corr), corr.shape)
    # corr peaks at the displacement of user relative to truth: user(x) ~ truth(x - s), so dr = -s.
    return -int(shifts_r[i]), -int(shifts_c[j])


def register_maps(user, truth, max_shift_cells: int = 8, min_cells: int = 50,
                  iterations: int = 20) -> Registration:
    """Estimate shift, gain and offset of ``user`` against ``truth`` (same grid, NaN = no data).

    Parameters
    ----------
    user, truth : (rows, cols) float arrays on the same grid.
    max_shift_cells : largest shift searched (cells).
    min_cells : fewer overlapping cells raise :class:`RegistrationError`.
    iterations : Gauss-Newton iterations at most.
    """
    u = np.asarray(user, dtype=np.float64)
    t = np.asarray(truth, dtype=np.float64)
    if u.shape != t.shape:
        raise RegistrationError(f"map shape {u.shape} differs from the truth grid {t.shape}")
    t_filled, t_ok = _fill(t)
    overlap = int((t_ok & np.isfinite(u)).sum())
    if overlap < min_cells:
        raise RegistrationError(f"the map and the truth overlap in {overlap} cells; at least {min_cells} "
                                "are needed (check --bounds and --filter)")
    coeffs = ndimage.spline_filter(t_filled, order=3, mode="nearest")
    # Valid truth region shrunk by 2 cells so that interpolation never leans on filled gaps.
    t_valid = ndimage.binary_erosion(t_ok, iterations=2)
    dr, dc = (float(v) for v in _integer_shift(u, t, max_shift_cells))
    gain, offset = 1.0, 0.0
    rr, cc = np.meshgrid(np.arange(u.shape[0], dtype=float), np.arange(u.shape[1], dtype=float), indexing="ij")
    used = 0
    rms = np.nan
    for _ in range(iterations):
        coords = np.array([rr + dr, cc + dc])
        tv = ndimage.map_coordinates(coeffs, coords, order=3, mode="nearest", prefilter=False)
        valid = ndimage.map_coordinates(t_valid.astype(float), coords, order=0, mode="constant") > 0.5
        gr = ndimage.map_coordinates(coeffs, coords + np.array([0.5, 0.0])[:, None, None], order=3,
                                     mode="nearest", prefilter=False)
        gr -= ndimage.map_coordinates(coeffs, coords - np.array([0.5, 0.0])[:, None, None], order=3,
                                      mode="nearest", prefilter=False)
        gc = ndimage.map_coordinates(coeffs, coords + np.array([0.0, 0.5])[:, None, None], order=3,
                                     mode="nearest", prefilter=False)
        gc -= ndimage.map_coordinates(coeffs, coords - np.array([0.0, 0.5])[:, None, None], order=3,
                                      mode="nearest", prefilter=False)
        ok = valid & np.isfinite(u)
        used = int(ok.sum())
        if used < min_cells:
            raise RegistrationError(f"the map and the truth overlap in {used} cells; at least {min_cells} "
                                    "are needed (check --bounds and --filter)")
        resid = u[ok] - (gain * tv[ok] + offset)
        jac = np.stack([gain * gr[ok], gain * gc[ok], tv[ok], np.ones(used)], axis=1)
        step, *_ = np.linalg.lstsq(jac, resid, rcond=None)
        dr, dc, gain, offset = dr + step[0], dc + step[1], gain + step[2], offset + step[3]
        rms = float(np.sqrt(np.mean(resid ** 2)))
        if abs(dr) > max_shift_cells + 2 or abs(dc) > max_shift_cells + 2:
            raise RegistrationError(f"the map does not register against the truth (shift > {max_shift_cells} "
                                    "cells); check --bounds and --filter")
        if abs(step[0]) < 1e-5 and abs(step[1]) < 1e-5:
            break
    texture = np.hypot(gr[ok], gc[ok])
    if not np.any(texture > 0):
        raise RegistrationError("the truth map has no texture in the overlap; the shift cannot be measured")
    return Registration(drow=dr, dcol=dc, gain=gain, offset=offset, cells=used, residual_rms=rms)

"""Read noise: white or autoregressive along lines, one sigma per framelet growing with its dark level.

Split out of :mod:`instrument_models.junocam.detector` (which re-exports every name); ``params`` is its
``DetectorParams``. The real PJ28 dark strips' noise is white along a line after the column medians and grows
with the dark level (README "The dark noise").
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from instrument_models.junocam.detector import DetectorParams
    from instrument_models.junocam.detector_pattern import FixedPattern


def add_read_noise(image_e, read_noise_e: float, rng: np.random.Generator, correlation: float = 0.0):
    """Add Gaussian read noise of ``read_noise_e`` electrons rms, correlated along each line (axis 1) as a
    first-order autoregressive sequence: ``n_0 = sigma z_0``, ``n_j = rho n_(j-1) + sigma sqrt(1 - rho^2) z_j``
    (``rho = correlation``; 0 = white). The normals are drawn at once in C order."""
    img = np.asarray(image_e, dtype=float)
    z = rng.standard_normal(img.shape)
    if img.ndim != 2 or img.shape[1] == 0:
        return img + read_noise_e * z
    rho, innov = _read_noise_terms(read_noise_e, correlation)
    n = np.empty_like(z)
    n[:, 0] = read_noise_e * z[:, 0]
    for j in range(1, z.shape[1]):
        n[:, j] = rho * n[:, j - 1] + innov * z[:, j]
    return img + n


def _read_noise_terms(read_noise_e: float, correlation: float) -> tuple[float, float]:
    """``(rho, sigma sqrt(1 - rho^2))`` of the autoregressive read noise."""
    rho = float(correlation)
    return rho, float(read_noise_e) * float(np.sqrt(1.0 - rho * rho))


def framelet_read_noise_e(params: DetectorParams, bias=None) -> float:
    """The read noise (e- rms) of a framelet whose dark/bias map is ``bias`` (DN, any shape; None: ``bias_dn``):
    ``sqrt(read_noise_e^2 + dark_noise_dn2_per_dn gain^2 max(0, median(bias) - bias_dn))`` (see
    :class:`DetectorParams`)."""
    if bias is None or params.dark_noise_dn2_per_dn == 0:
        return float(params.read_noise_e)
    return _read_noise_at_level(params, float(np.median(bias)))


def _read_noise_at_level(params: DetectorParams, median_dn: float) -> float:
    """:func:`framelet_read_noise_e` for a dark/bias map whose median is ``median_dn``."""
    above = max(0.0, median_dn - params.bias_dn)
    return float(np.sqrt(params.read_noise_e**2 + params.dark_noise_dn2_per_dn * params.gain_e_per_dn**2 * above))


def with_framelet_noise(params: DetectorParams, pattern: FixedPattern | None) -> DetectorParams:
    """``params`` with the framelet's read noise (:func:`framelet_read_noise_e` of ``pattern.bias_dn``) as
    ``read_noise_e`` and the dark-signal term spent (0), so applying it again changes nothing."""
    if params.dark_noise_dn2_per_dn == 0:
        return params
    median = None if pattern is None else pattern.bias_median_dn   # kept per pattern: reused for every framelet
    read_e = float(params.read_noise_e) if median is None else _read_noise_at_level(params, median)
    return replace(params, read_noise_e=read_e, dark_noise_dn2_per_dn=0.0)

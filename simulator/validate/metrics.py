"""Comparing reconstructed geometry and radiometry with the truth: per-pixel errors and their summaries.

Geometry: a pixel's reconstructed (planetographic latitude, west longitude) and the truth's are turned
into surface points on the body's ellipsoid; their distance is the error in km, divided by the truth
``PIXEL_SCALE`` (km per pixel) it is the error in pixels. :func:`error_in_pixel_axes` also expresses the
error vector in the framelet's own axes (samples, lines) through the local Jacobian of the truth surface
points, which separates a timing error (lines, along the scan) from a cross-scan one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenes import Ellipsoid


def surface_points(ellipsoid: Ellipsoid, lat_pg_deg, lon_w_deg) -> np.ndarray:
    """Body-frame points (..., 3) km of planetographic latitude / west longitude on the ellipsoid."""
    return ellipsoid.surface_point(lat_pg_deg, lon_w_deg, kind="planetographic")


def surface_distance_km(ellipsoid: Ellipsoid, lat1_pg, lon1_w, lat2_pg, lon2_w) -> np.ndarray:
    """Distance (km) between two sets of surface points given in degrees (chord; equals the arc to
    1e-7 relative for the sub-100 km errors scored here). NaN where either is NaN."""
    p1 = surface_points(ellipsoid, lat1_pg, lon1_w)
    p2 = surface_points(ellipsoid, lat2_pg, lon2_w)
    return np.linalg.norm(p1 - p2, axis=-1)


@dataclass(frozen=True)
class ErrorSummary:
    """Robust summary of a set of non-negative errors.

    Attributes
    ----------
    count : number of finite values.
    median, p99, max, mean : statistics of the finite values (NaN when there are none).
    """

    count: int
    median: float
    p99: float
    max: float
    mean: float

    @classmethod
    def of(cls, values) -> "ErrorSummary":
        v = np.asarray(values, dtype=np.float64).ravel()
        v = v[np.isfinite(v)]
        if v.size == 0:
            return cls(0, np.nan, np.nan, np.nan, np.nan)
        return cls(int(v.size), float(np.median(v)), float(np.percentile(v, 99.0)), float(v.max()),
                   float(v.mean()))

    def as_dict(self, prefix: str) -> dict:
        """``{prefix_median: ..., prefix_p99: ..., ...}`` with JSON-safe values (None for NaN)."""
        return {f"{prefix}_{k}": json_number(getattr(self, k)) for k in ("median", "p99", "max", "mean")} | {
            f"{prefix}_count": self.count}


def json_number(value):
    value = float(value)
    return value if np.isfinite(value) else None


def error_in_pixel_axes(truth_points, recon_points) -> tuple[np.ndarray, np.ndarray]:
    """Reconstruction error expressed in (sample, line) pixels of one framelet.

    The truth surface points of neighbouring pixels give the local Jacobian ``dP/dsample``,
    ``dP/dline``; the error vector ``recon - truth`` is solved for in that basis (least squares, the
    small out-of-plane part is dropped).

    Parameters
    ----------
    truth_points, recon_points : (lines, samples, 3) km, NaN off the planet.

    Returns
    -------
    d_sample, d_line : (lines, samples) signed errors in the framelet's pixels (NaN where a neighbour
        is off the planet).
    """
    p = np.asarray(truth_points, dtype=np.float64)
    e = np.asarray(recon_points, dtype=np.float64) - p
    d_line, d_sample = np.gradient(p, axis=(0, 1)) if min(p.shape[:2]) > 1 else (np.full_like(p, np.nan),) * 2
    a11 = np.einsum("...i,...i", d_sample, d_sample)
    a12 = np.einsum("...i,...i", d_sample, d_line)
    a22 = np.einsum("...i,...i", d_line, d_line)
    b1 = np.einsum("...i,...i", d_sample, e)
    b2 = np.einsum("...i,...i", d_line, e)
    det = a11 * a22 - a12 * a12
    with np.errstate(divide="ignore", invalid="ignore"):
        ds = (a22 * b1 - a12 * b2) / det
        dl = (a11 * b2 - a12 * b1) / det
    return ds, dl


def compared_values(recon, truth, noise_sigma=None):
    """The entries where ``recon``, ``truth`` (and ``noise_sigma`` when given) are all finite, as 1-D float64
    arrays ``(recon, truth, noise_sigma or None)``."""
    r = np.asarray(recon, dtype=np.float64)
    t = np.asarray(truth, dtype=np.float64)
    ok = np.isfinite(r) & np.isfinite(t)
    if noise_sigma is None:
        return r[ok], t[ok], None
    s = np.broadcast_to(np.asarray(noise_sigma, dtype=np.float64), r.shape)
    ok &= np.isfinite(s)
    return r[ok], t[ok], s[ok]


@dataclass(frozen=True)
class RadiometrySummary:
    """Reconstructed minus truth values over the cells (or pixels) both have.

    Attributes
    ----------
    count : number of compared values.
    bias : mean difference.
    rms : root-mean-square difference.
    noise_rms : rms the noise model predicts for the difference (NaN when not given).
    truth_mean : mean truth value (to read the others as fractions).
    """

    count: int
    bias: float
    rms: float
    noise_rms: float
    truth_mean: float

    @classmethod
    def of(cls, recon, truth, noise_sigma=None) -> "RadiometrySummary":
        r, t, s = compared_values(recon, truth, noise_sigma)
        if r.size == 0:
            return cls(0, np.nan, np.nan, np.nan, np.nan)
        d = r - t
        noise = float(np.sqrt(np.mean(s ** 2))) if s is not None else np.nan
        return cls(int(r.size), float(d.mean()), float(np.sqrt(np.mean(d * d))), noise, float(t.mean()))

    @property
    def explained_fraction(self) -> float:
        """Share of the mean-square difference the noise model accounts for (1 = all of it)."""
        return float(self.noise_rms ** 2 / self.rms ** 2) if self.rms > 0 else np.nan

    def as_dict(self, prefix: str) -> dict:
        return {f"{prefix}_bias": json_number(self.bias), f"{prefix}_rms": json_number(self.rms),
                f"{prefix}_noise_rms": json_number(self.noise_rms),
                f"{prefix}_noise_explained_fraction": json_number(self.explained_fraction),
                f"{prefix}_truth_mean": json_number(self.truth_mean), f"{prefix}_count": self.count}

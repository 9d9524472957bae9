"""Projecting every photoactive pixel of a framelet onto the planet (the reconstruction's geometry).

A raw pixel ``(i, j)`` (summed pixels when SAMPLING_FACTOR is 2) of a framelet with ``N`` TDI stages is
reconstructed along the camera ray of the framelet position ``(i + 0.5, j + 0.5 + row_shift)`` at the
framelet's mid-exposure time, through the geometry service's vectorised ``sincpt`` (SPICE once per
framelet, never per pixel), with the product's aberration correction.

Two conventions for ``row_shift`` (unsummed rows, divided by the summing):

* ``"packet"`` (the product's truth convention, ``simulator/render/truth.py`` and README): the row the
  charge packet occupied at mid-exposure, ``-d (N - 1) / 2`` with ``d = +-1`` the direction in which the
  image moves along the lines; :func:`image_motion_direction` measures ``d`` from the attitude kernel.
* ``"isis"``: the pixel's own row at mid-exposure (``row_shift = 0``), what ISIS does.

For TDI 1 both are the pixel's own ray.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instrument_models.junocam import JunoCam
from simulator.errors import SimulatorError

CONVENTIONS = ("packet", "isis")


@dataclass(frozen=True)
class FrameletGeometry:
    """Reconstructed geometry of one framelet's photoactive pixels.

    Every array is ``(lines, samples)`` over the full framelet width (``samples`` = 1648 / summing);
    dark columns and pixels off the planet are NaN (``hit`` False).

    Attributes
    ----------
    hit : bool, the ray meets the ellipsoid.
    lat_pc, lat_pg, lon_w : degrees (System III west longitude in [0, 360)).
    incidence, emission, phase : degrees (float32).
    range_km : observer to surface point (float32).
    mid_et : the epoch used (s).
    row_shift_px : the row shift used (framelet pixels).
    """

    hit: np.ndarray
    lat_pc: np.ndarray
    lat_pg: np.ndarray
    lon_w: np.ndarray
    incidence: np.ndarray
    emission: np.ndarray
    phase: np.ndarray
    range_km: np.ndarray
    mid_et: float
    row_shift_px: float


def image_motion_rows_per_s(camera: JunoCam, filter_name: str, cam_to_j2000_t, cam_to_j2000_later,
                            dt_s: float, summing: int = 1) -> float:
    """Signed speed (framelet rows per second) at which a fixed inertial direction moves along the lines.

    Parameters
    ----------
    cam_to_j2000_t, cam_to_j2000_later : (3, 3) JUNO_JUNOCAM -> J2000 at two epochs ``dt_s`` apart.
    dt_s : the epochs' separation (s, > 0).
    summing : rows are summed rows when 2.
    """
    sample = np.array([600.0, 800.0, 1000.0]) / summing
    line = np.full(3, 64.0 / summing)
    rays = camera.pixel_to_ray(filter_name, sample, line, summing=summing)
    inertial = rays @ np.asarray(cam_to_j2000_t).T
    later = inertial @ np.asarray(cam_to_j2000_later)
    _, moved = camera.ray_to_pixel(filter_name, later, summing=summing)
    step = float(np.nanmedian(moved - line))
    if not np.isfinite(step) or step == 0.0:
        raise SimulatorError("the attitude kernel shows no image motion between the two epochs; "
                             "a spinning spacecraft is expected")
    return step / dt_s


def image_motion_direction(camera: JunoCam, filter_name: str, cam_to_j2000_t, cam_to_j2000_later,
                           summing: int = 1) -> int:
    """Direction (+1 / -1) in which a fixed inertial direction moves along the lines of a framelet."""
    rate = image_motion_rows_per_s(camera, filter_name, cam_to_j2000_t, cam_to_j2000_later, 1.0, summing)
    return 1 if rate > 0 else -1


def row_shift_px(tdi_stages: int, direction: int, convention: str, summing: int = 1) -> float:
    """Line shift (framelet pixels) of the ray used for a pixel under ``convention`` (see module doc)."""
    if convention not in CONVENTIONS:
        raise SimulatorError(f"ray convention {convention!r} is not one of {', '.join(CONVENTIONS)}")
    if convention == "isis":
        return 0.0
    return -float(direction) * 0.5 * (int(tdi_stages) - 1) / summing


def framelet_rays(camera: JunoCam, filter_name: str, summing: int, shift_px: float,
                  lines: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rays of every photoactive pixel of a framelet and the mask of photoactive columns.

    Returns
    -------
    rays : (lines, n_photoactive, 3) unit rays in JUNO_JUNOCAM.
    columns : (samples,) bool, photoactive columns (the rays' second axis runs over them).
    """
    columns = camera.strips.photoactive_mask(summing)
    n_lines = camera.strips.framelet_lines(summing) if lines is None else lines
    sample = np.flatnonzero(columns) + 0.5
    line = np.arange(n_lines) + 0.5 + shift_px
    rays = camera.pixel_to_ray(filter_name, sample[None, :], line[:, None], summing=summing)
    return rays, columns


def near_planet(rays: np.ndarray, sample, index: int, radius_km: float, margin_rad: float) -> np.ndarray:
    """Rays (M, 3) that pass within the planet's bounding sphere plus ``margin_rad`` (the rest miss).

    A cheap cone test on the geometric directions: light time and aberration move the planet by far less
    than the margin, so no ray that :meth:`Geometry.intercept` would find a hit for is dropped.
    """
    d = rays @ np.asarray(sample.cam_to_j2000[index]).T
    to_centre = -np.asarray(sample.obs_j2000[index])
    distance = float(np.linalg.norm(to_centre))
    cos_angle = d @ (to_centre / distance) / np.linalg.norm(d, axis=1)
    half_width = np.arcsin(min(1.0, radius_km / distance)) + margin_rad
    return cos_angle >= np.cos(min(np.pi, half_width))


CONE_MARGIN_RAD = 5e-3  # ~7 px around the bounding sphere (assumption: >> aberration, light-time shifts)


def project_rays(geo, sample, index: int, rays: np.ndarray, columns: np.ndarray, mid_et: float,
                 shift_px: float) -> FrameletGeometry:
    """Intersect ``rays`` (lines, n_cols, 3) with the planet at geometry sample ``index``."""
    n_lines, n_cols = rays.shape[:2]
    samples = columns.size
    flat = rays.reshape(-1, 3)
    good = near_planet(flat, sample, index, max(geo.radii_km), CONE_MARGIN_RAD)
    m = flat.shape[0]
    lat_pc, lat_pg, lon_w, rng = (np.full(m, np.nan) for _ in range(4))
    angles = {k: np.full(m, np.nan) for k in ("incidence", "emission", "phase")}
    if np.any(good):
        inter = geo.intercept(flat[good], sample, index)
        idx = np.flatnonzero(good)[inter.hit]
        good[:] = False
        good[idx] = True
        pts = inter.points[inter.hit]
        rng[idx] = inter.range_km[inter.hit]
        if idx.size:
            lat_pc[idx], lat_pg[idx], lon_w[idx] = geo.ellipsoid.lonlat(pts)
            ill = geo.illumination(pts, sample, index, obs_body=inter.obs_body[inter.hit])
            for k in angles:
                angles[k][idx] = ill[k]
    hit = np.zeros((n_lines, samples), dtype=bool)
    hit[:, columns] = good.reshape(n_lines, n_cols)
    full = {}
    for name, values in (("lat_pc", lat_pc), ("lat_pg", lat_pg), ("lon_w", lon_w), ("range_km", rng),
                         *angles.items()):
        # Latitudes and longitudes stay float64 (float32 loses ~0.01 px); angles and range need less.
        dtype = np.float64 if name.startswith(("lat", "lon")) else np.float32
        out = np.full((n_lines, samples), np.nan, dtype=dtype)
        out[:, columns] = values.reshape(n_lines, n_cols)
        full[name] = out
    return FrameletGeometry(hit=hit, mid_et=float(mid_et), row_shift_px=float(shift_px), **full)

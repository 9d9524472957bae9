"""Per-pixel and per-map comparisons of a reconstruction with the truth.

Geometry (:func:`geometry_errors`): for pixels that both the reconstruction and the truth put on the planet
(and that are photoactive), the surface distance between the two points in km, that distance over the
truth PIXEL_SCALE in pixels (PIXEL_SCALE is the pixel's footprint perpendicular to the line of sight, so
near the limb a surface error of one pixel's angle reads larger than one pixel), and the error resolved
along the framelet's samples and lines through the local Jacobian of the truth (``error_in_pixel_axes``),
which is foreshortening-free and separates timing (lines) from cross-scan errors.

Radiometry (:func:`iof_maps`): the reconstructed I/F binned at the reconstructed positions against the
truth I/F (the noise-free I/F each pixel records, truth backplane IOF) binned at the true positions on the
same grid; the noise model's prediction for each cell is ``sqrt(mean(sigma^2) / n)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenes import Ellipsoid
from simulator.validate.maps import MapGrid
from simulator.validate.metrics import error_in_pixel_axes, surface_points


@dataclass(frozen=True)
class GeometryErrors:
    """Per-pixel geometry errors, each ``(lines, samples)`` like the raw PNG, NaN where not compared.

    Attributes
    ----------
    km : surface distance reconstruction - truth.
    px : ``km / PIXEL_SCALE``.
    d_sample, d_line : signed error along the framelet's samples / lines (pixels).
    hit_disagreements : pixels that one of the two puts on the planet and the other not.
    """

    km: np.ndarray
    px: np.ndarray
    d_sample: np.ndarray
    d_line: np.ndarray
    hit_disagreements: int


def geometry_errors(ellipsoid: Ellipsoid, lat_pg, lon_w, truth_planes: dict, framelet_lines: int,
                    photoactive: np.ndarray) -> GeometryErrors:
    """Compare reconstructed planetographic latitude / west longitude (image-shaped) with the truth.

    Parameters
    ----------
    ellipsoid : the body's shape (from the product's PCK).
    lat_pg, lon_w : (lines, samples) reconstructed degrees, NaN off the planet.
    truth_planes : the truth backplanes (LAT_PG, LON_W, PIXEL_SCALE, BODY).
    framelet_lines : rows per framelet (the Jacobian is taken within each framelet).
    photoactive : (samples,) bool, columns that see light.
    """
    lat = np.asarray(lat_pg, dtype=np.float64)
    lon = np.asarray(lon_w, dtype=np.float64)
    km, px, d_s, d_l = (np.full(lat.shape, np.nan) for _ in range(4))
    disagree = 0
    # One framelet at a time: the (lines, samples, 3) surface points of the whole image would be large.
    for first in range(0, lat.shape[0], framelet_lines):
        rows = slice(first, first + framelet_lines)
        block = {name: truth_planes[name][rows] for name in ("LAT_PG", "LON_W", "PIXEL_SCALE")}
        e = framelet_geometry_errors(ellipsoid, lat[rows], lon[rows], block, photoactive)
        km[rows], px[rows], d_s[rows], d_l[rows] = e.km, e.px, e.d_sample, e.d_line
        disagree += e.hit_disagreements
    return GeometryErrors(km=km, px=px, d_sample=d_s, d_line=d_l, hit_disagreements=disagree)


def framelet_geometry_errors(ellipsoid: Ellipsoid, lat_pg, lon_w, truth_planes: dict,
                             photoactive: np.ndarray) -> GeometryErrors:
    """:func:`geometry_errors` of one framelet (arrays ``(lines, samples)`` of that framelet; the truth
    planes LAT_PG, LON_W, PIXEL_SCALE of the same rows)."""
    f_lat = np.asarray(lat_pg, dtype=np.float64)
    f_lon = np.asarray(lon_w, dtype=np.float64)
    km, px, d_s, d_l = (np.full(f_lat.shape, np.nan) for _ in range(4))
    t_lat, t_lon = truth_planes["LAT_PG"], truth_planes["LON_W"]
    cols = np.broadcast_to(np.asarray(photoactive, dtype=bool)[None, :], f_lat.shape)
    recon_hit = np.isfinite(f_lat) & np.isfinite(f_lon) & cols
    truth_hit = np.isfinite(t_lat) & np.isfinite(t_lon) & cols
    both = recon_hit & truth_hit
    disagree = int(np.sum(recon_hit != truth_hit))
    if both.any():
        p_recon = np.full(f_lat.shape + (3,), np.nan)
        p_truth = np.full(f_lat.shape + (3,), np.nan)
        p_recon[both] = surface_points(ellipsoid, f_lat[both], f_lon[both])
        p_truth[truth_hit] = surface_points(ellipsoid, t_lat[truth_hit], t_lon[truth_hit])
        block = np.linalg.norm(p_recon - p_truth, axis=-1)
        km = np.where(both, block, np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            px = km / truth_planes["PIXEL_SCALE"]
        d_s, d_l = error_in_pixel_axes(p_truth, p_recon)
    return GeometryErrors(km=km, px=px, d_sample=d_s, d_line=d_l, hit_disagreements=disagree)

def default_grid(lat_pg, lon_w, pixel_scale_km, radius_km: float, cells_per_pixel: float = 0.5) -> MapGrid:
    """A grid covering the given points with cells about ``1 / cells_per_pixel`` pixels wide.

    ``cells_per_pixel`` 0.5 (cells two pixels wide) leaves few empty cells where the footprint is
    foreshortened (assumption). The resolution is the median ``pixel_scale_km`` over ``cells_per_pixel``;
    the bounds are :func:`grid_covering` of the points.
    """
    scale = np.asarray(pixel_scale_km)[np.isfinite(pixel_scale_km)]
    km_per_deg = np.radians(1.0) * radius_km
    res = float(np.median(scale)) / cells_per_pixel / km_per_deg
    return grid_covering(lat_pg, lon_w, max(res, 1e-4))


def grid_covering(lat_pg, lon_w, resolution_deg: float, pad_deg: float = 0.0) -> MapGrid:
    """A grid of ``resolution_deg`` cells covering the points (plus ``pad_deg`` on every side).

    The longitude range starts after the widest gap in the covered longitudes, so a footprint across
    0 deg W stays in one piece; cell edges lie on multiples of the resolution, and one more cell is added
    on each side in latitude and at the end in longitude.
    """
    lat = np.asarray(lat_pg)[np.isfinite(lat_pg)]
    lon = np.asarray(lon_w)[np.isfinite(lon_w)]
    res = float(resolution_deg)
    pad = float(pad_deg)
    order = np.sort(np.mod(lon, 360.0))
    gaps = np.diff(np.concatenate([order, [order[0] + 360.0]]))
    k = int(np.argmax(gaps))
    lon0 = float(order[(k + 1) % order.size]) - pad
    span = 360.0 - float(gaps[k]) + 2.0 * pad
    lon0 = np.floor(lon0 / res) * res
    lon1 = lon0 + min(360.0, np.ceil((span + res) / res) * res)
    lat0 = max(-90.0, np.floor((lat.min() - pad) / res) * res - res)
    lat1 = min(90.0, np.ceil((lat.max() + pad) / res) * res + res)
    return MapGrid.from_bounds((lat0, lat1, float(lon0 % 360.0), float(lon0 % 360.0) + (lon1 - lon0)), res)


@dataclass(frozen=True)
class IofMaps:
    """Maps of one filter on one grid (NaN where a map has no pixel)."""

    grid: MapGrid
    recon: np.ndarray
    truth: np.ndarray
    noise: np.ndarray
    albedo: np.ndarray


def iof_maps(grid: MapGrid, lat_pg, lon_w, iof, iof_sigma, albedo, truth_planes: dict, rows: np.ndarray) -> IofMaps:
    """Reconstructed and truth I/F maps of the image rows ``rows`` (one filter's framelets) on ``grid``."""
    recon, count = grid.bin_values(lat_pg[rows], lon_w[rows], iof[rows])
    var, _ = grid.bin_values(lat_pg[rows], lon_w[rows], np.asarray(iof_sigma)[rows] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        noise = np.sqrt(var / count)
    truth, _ = grid.bin_values(truth_planes["LAT_PG"][rows], truth_planes["LON_W"][rows], truth_planes["IOF"][rows])
    alb, _ = grid.bin_values(lat_pg[rows], lon_w[rows], albedo[rows])
    return IofMaps(grid=grid, recon=recon, truth=truth, noise=noise, albedo=alb)

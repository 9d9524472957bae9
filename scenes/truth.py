"""Truth maps, disk views and the geometric albedo (zero-phase disk average) of an appearance.

Map convention: equirectangular, planetographic latitude +90 at the top row, System III west longitude 0
at the left edge increasing to the right (pixel centres, see :mod:`scenes.maps`).
"""

from __future__ import annotations

import numpy as np

from scenes.ellipsoid import Ellipsoid
from scenes.errors import SceneError
from scenes.filters import FILTERS, check_filter
from scenes.photometry import Photometry


def map_axes(resolution_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre latitude (descending from +90) and west longitude (ascending from 0) axes, degrees."""
    res = float(resolution_deg)
    if not (0.0 < res <= 30.0) or not np.isclose(180.0 / res, round(180.0 / res)):
        raise SceneError(f"resolution {resolution_deg!r} deg must be in (0, 30] and divide 180 evenly")
    nlat = int(round(180.0 / res))
    lat = 90.0 - (np.arange(nlat) + 0.5) * res
    lon = (np.arange(2 * nlat) + 0.5) * res
    return lat, lon


def truth_maps(appearance, resolution_deg: float, filters=FILTERS, rows_per_chunk: int = 64) -> dict:
    """Normal albedo maps ``{filter: (nlat, nlon) float32}`` plus ``lat`` and ``lon`` axes (degrees)."""
    lat, lon = map_axes(resolution_deg)
    names = [check_filter(f) for f in filters]
    maps = {name: np.empty((lat.size, lon.size), dtype=np.float32) for name in names}
    for start in range(0, lat.size, rows_per_chunk):
        rows = lat[start:start + rows_per_chunk]
        la, lo = np.meshgrid(rows, lon, indexing="ij")
        for name in names:
            maps[name][start:start + rows.size] = appearance.normal_albedo(name, la.ravel(), lo.ravel()).reshape(la.shape)
    return {**maps, "lat": lat, "lon": lon}


def disk_view(appearance, photometry: Photometry, filter_name: str, sub_lat_pc_deg: float,
              sub_lon_w_deg: float, size: int = 256, sun_lat_pc_deg=None, sun_lon_w_deg=None,
              shape: Ellipsoid = Ellipsoid()) -> np.ndarray:
    """Orthographic view ``(size, size)`` of I/F from far away (NaN off the disk); north up.

    The Sun is in the observer's direction (zero phase) unless its sub-solar point is given.
    """
    def direction(lat, lon_w):
        lat, lon_e = np.radians(lat), -np.radians(lon_w)
        return np.array([np.cos(lat) * np.cos(lon_e), np.cos(lat) * np.sin(lon_e), np.sin(lat)])

    view = direction(sub_lat_pc_deg, sub_lon_w_deg)
    sun = view if sun_lat_pc_deg is None else direction(sun_lat_pc_deg, sun_lon_w_deg)
    right = np.cross([0.0, 0.0, 1.0], view)
    if np.linalg.norm(right) < 1e-9:
        right = np.array([0.0, 1.0, 0.0])
    right /= np.linalg.norm(right)
    up = np.cross(view, right)
    extent = max(shape.radii_km) * 1.02
    s = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    x, y = np.meshgrid(s * extent, -s * extent)
    distance = 10.0 * extent
    origins = view * distance + x.reshape(-1, 1) * right + y.reshape(-1, 1) * up
    points, t = shape.intersect_points(origins, -view)
    hit = np.isfinite(t)
    image = np.full(t.shape, np.nan)
    p = points[hit]
    normal = shape.normal(p)
    _, lat_pg, lon_w = shape.lonlat(p)
    albedo = appearance.normal_albedo(filter_name, lat_pg, lon_w)
    image[hit] = photometry.iof(albedo, normal @ sun, normal @ view, float(sun @ view), filter_name)
    return image.reshape(size, size)


def geometric_albedo(appearance, photometry: Photometry, filter_name: str, sub_lon_w_deg=(0.0, 90.0, 180.0, 270.0),
                     size: int = 256) -> float:
    """Disk-averaged I/F at zero phase seen from the equatorial plane (the geometric albedo), averaged
    over several sub-observer longitudes; the disk is the projected ellipsoid (pixels that hit)."""
    values = [np.nanmean(disk_view(appearance, photometry, filter_name, 0.0, lon, size)) for lon in sub_lon_w_deg]
    return float(np.mean(values))

"""Truth maps, disk views and the geometric albedo (zero-phase disk average) of an appearance.

Map convention: equirectangular, planetographic latitude +90 at the top row, System III west longitude 0
at the left edge increasing to the right (pixel centres, see :mod:`scenes.maps`).
"""

from __future__ import annotations

import os
from pathlib import Path

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


def truth_maps(appearance, resolution_deg: float, filters=FILTERS, rows_per_chunk: int = 64,
               footprint_km=None, progress=None) -> dict:
    """Normal albedo maps ``{filter: (nlat, nlon) float32}`` plus ``lat`` and ``lon`` axes (degrees).

    Values are the appearance at the pixel centres, band-limited to ``footprint_km`` (default: the map's
    pixel size at the equator, so texture finer than a map pixel is left out instead of aliasing; pass
    0 for point samples with all detail). ``progress(done, total)``, when given, is called after each
    chunk of rows (``done``, ``total`` in map rows).
    """
    lat, lon = map_axes(resolution_deg)
    if footprint_km is None:
        footprint_km = np.radians(float(resolution_deg)) * 71492.0   # equatorial radius, facts.md
    footprint_km = None if footprint_km == 0 else footprint_km
    names = [check_filter(f) for f in filters]
    maps = {name: np.empty((lat.size, lon.size), dtype=np.float32) for name in names}
    for start in range(0, lat.size, rows_per_chunk):
        rows = lat[start:start + rows_per_chunk]
        la, lo = np.meshgrid(rows, lon, indexing="ij")
        for name in names:
            values = appearance.normal_albedo(name, la.ravel(), lo.ravel(), footprint_km=footprint_km)
            maps[name][start:start + rows.size] = values.reshape(la.shape)
        if progress is not None:
            progress(start + rows.size, lat.size)
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
    albedo = appearance.normal_albedo(filter_name, lat_pg, lon_w, footprint_km=2.0 * extent / size)
    image[hit] = photometry.iof(albedo, normal @ sun, normal @ view, float(sun @ view), filter_name)
    return image.reshape(size, size)


def geometric_albedo(appearance, photometry: Photometry, filter_name: str, sub_lon_w_deg=(0.0, 90.0, 180.0, 270.0),
                     size: int = 256) -> float:
    """Disk-averaged I/F at zero phase seen from the equatorial plane (the geometric albedo), averaged
    over several sub-observer longitudes; the disk is the projected ellipsoid (pixels that hit)."""
    values = [np.nanmean(disk_view(appearance, photometry, filter_name, 0.0, lon, size)) for lon in sub_lon_w_deg]
    return float(np.mean(values))


def _replace_atomically(path: Path, write) -> None:
    """Write ``path`` through ``write(tmp_path)`` to a temporary sibling, then rename it into place."""
    tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def display_rgb(red: np.ndarray, green: np.ndarray, blue: np.ndarray, gamma: float = 1.4) -> np.ndarray:
    """8-bit RGB ``(H, W, 3)`` for people: one common stretch to the 99.8th percentile, then a gamma."""
    rgb = np.nan_to_num(np.stack([red, green, blue], axis=-1).astype(np.float64))
    top = np.percentile(rgb, 99.8) or 1.0
    return (np.clip(rgb / top, 0.0, 1.0) ** (1.0 / gamma) * 255.0 + 0.5).astype(np.uint8)


def write_truth_maps(maps: dict, out_dir) -> list[Path]:
    """Write ``truth-map.npz`` (float32 per filter + ``lat``/``lon``), ``truth-map-<FILTER>.png`` (16-bit,
    normal albedo x 65535) and ``quicklook.png`` (RGB of BLUE/GREEN/RED) into ``out_dir``; return the paths."""
    from PIL import Image

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    names = [name for name in FILTERS if name in maps]
    written = []
    npz = out / "truth-map.npz"

    def save_npz(tmp):
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **{n: maps[n].astype(np.float32) for n in names},
                                lat=np.asarray(maps["lat"]), lon=np.asarray(maps["lon"]))

    _replace_atomically(npz, save_npz)
    written.append(npz)
    for name in names:
        path = out / f"truth-map-{name}.png"
        data = (np.clip(np.nan_to_num(maps[name]), 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
        _replace_atomically(path, lambda tmp, d=data: Image.fromarray(d).save(tmp, format="PNG"))
        written.append(path)
    if all(n in maps for n in ("RED", "GREEN", "BLUE")):
        path = out / "quicklook.png"
        rgb = display_rgb(maps["RED"], maps["GREEN"], maps["BLUE"])
        _replace_atomically(path, lambda tmp: Image.fromarray(rgb).save(tmp, format="PNG"))
        written.append(path)
    return written


def write_views(appearance, photometry: Photometry, out_dir, size: int = 768) -> list[Path]:
    """Orthographic RGB quicklooks: ``view-equator.png`` (zero phase, centred on the GRS longitude when the
    appearance has one), ``view-north.png`` and ``view-south.png`` (over the poles, Sun overhead), and
    ``view-equator-methane.png`` (grey, METHANE)."""
    from PIL import Image

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lon0 = next((v.lon_w_deg for v in getattr(appearance, "vortices", ()) if v.name == "GRS"), 0.0)
    written = []
    for label, lat, lon in (("equator", 0.0, lon0), ("north", 90.0, 0.0), ("south", -90.0, 0.0)):
        channels = [disk_view(appearance, photometry, f, lat, lon, size) for f in ("RED", "GREEN", "BLUE")]
        rgb = display_rgb(*channels)
        path = out / f"view-{label}.png"
        _replace_atomically(path, lambda tmp, im=rgb: Image.fromarray(im).save(tmp, format="PNG"))
        written.append(path)
    methane = np.nan_to_num(disk_view(appearance, photometry, "METHANE", 0.0, lon0, size))
    grey = display_rgb(methane, methane, methane, gamma=1.0)[..., 0]
    path = out / "view-equator-methane.png"
    _replace_atomically(path, lambda tmp: Image.fromarray(grey).save(tmp, format="PNG"))
    written.append(path)
    return written


# The texture measurement (#13 item 3) as made on our scene: GREEN at ~150 km/px, patches within
# 0.7 of the disk radius of the centre (emission < ~45 deg: "away from the limb"). Views: assumption (a
# spread of sub-observer latitudes and longitudes at 25 deg phase; the real image's geometry is not given).
TEXTURE_PIXEL_KM = 150.0
TEXTURE_MAX_RADIUS = 0.7
TEXTURE_VIEWS = ((0.0, 0.0), (0.0, 120.0), (45.0, 0.0), (45.0, 120.0), (-45.0, 0.0), (-45.0, 120.0))
TEXTURE_PHASE_DEG = 25.0


def scene_texture(appearance, photometry: Photometry, filter_name: str = "GREEN", views=TEXTURE_VIEWS,
                  pixel_km: float = TEXTURE_PIXEL_KM, max_radius: float = TEXTURE_MAX_RADIUS,
                  phase_deg: float = TEXTURE_PHASE_DEG, shape: Ellipsoid = Ellipsoid()) -> list[dict]:
    """:func:`scenes.texture_stats.texture_summary` of noise-free I/F in orthographic disk views.

    Parameters
    ----------
    appearance, photometry
        What to measure (e.g. ``JupiterAppearance(seed=0)``, ``Photometry()``).
    filter_name : str
        Filter.
    views : sequence of (sub_lat_pc_deg, sub_lon_w_deg)
        Sub-observer points; the Sun is ``phase_deg`` east of each in longitude (same latitude).
    pixel_km : float
        Pixel size at the disk centre, km (the band limit uses it as the footprint).
    max_radius : float
        Only pixels within this fraction of the disk's projected radius are used.

    Returns
    -------
    list of dict
        One summary per view, plus ``lat`` and ``lon`` of the view.
    """
    from scenes.texture_stats import texture_summary

    extent = max(shape.radii_km) * 1.02
    size = int(round(2.0 * extent / float(pixel_km)))
    s = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    x, y = np.meshgrid(s * 1.02, -s * 1.02)
    out = []
    for lat, lon in views:
        # Projected ellipse of the view, approximated by the equatorial radius across and the radius of
        # the sub-observer latitude's outline along (enough for a mask well inside the limb).
        polar = np.hypot(shape.radii_km[2] * np.cos(np.radians(lat)), shape.radii_km[0] * np.sin(np.radians(lat)))
        valid = np.hypot(x, y * shape.radii_km[0] / polar) < max_radius
        image = disk_view(appearance, photometry, filter_name, lat, lon, size, lat, (lon - phase_deg) % 360.0,
                          shape)
        out.append({"lat": float(lat), "lon": float(lon), **texture_summary(image, 2.0 * extent / size, valid)})
    return out

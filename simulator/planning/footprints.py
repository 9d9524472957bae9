"""Framelet footprints: where the edges of each planned framelet fall on Jupiter.

Each framelet's outline (its photoactive corners and points along its edges) is turned into rays with
the camera model, intersected with the planet by the geometry service at the framelet's mid-exposure
time (the time the renderer's truth uses for TDI 1), and converted to latitude/longitude. Points that
miss the planet are NaN. One SPICE sample per framelet, no per-pixel SPICE.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instrument_models.junocam import JunoCam

# Points per framelet edge between the corners (assumption: 12 follow the distorted, curved edges on a map).
EDGE_POINTS = 12


@dataclass(frozen=True)
class Footprint:
    """The outline of one framelet on the planet.

    Attributes
    ----------
    frame, filter : which framelet.
    mid_et : mid-exposure ET (s) at which it is projected.
    lat_pg_deg, lat_pc_deg, lon_w_deg : (P,) outline points, corners included, walked around the edge
        (NaN where the ray misses Jupiter).
    corners_lat_pg_deg, corners_lon_w_deg : (4,) the photoactive corners (upper-left, upper-right,
        lower-right, lower-left in framelet coordinates).
    """

    frame: int
    filter: str
    mid_et: float
    lat_pg_deg: np.ndarray
    lat_pc_deg: np.ndarray
    lon_w_deg: np.ndarray

    @property
    def corners_lat_pg_deg(self) -> np.ndarray:
        return self.lat_pg_deg[::EDGE_POINTS + 1][:4]

    @property
    def corners_lon_w_deg(self) -> np.ndarray:
        return self.lon_w_deg[::EDGE_POINTS + 1][:4]

    @property
    def on_planet_fraction(self) -> float:
        """Fraction of the outline points that land on Jupiter."""
        return float(np.mean(np.isfinite(self.lon_w_deg)))


def outline_pixels(cam: JunoCam, edge_points: int = EDGE_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(sample, line) unsummed coordinates around a framelet's photoactive area, corners first of each side.

    The walk starts at the upper-left corner and goes clockwise in framelet coordinates; each side has
    ``edge_points + 1`` points (its first corner and the points before the next corner).
    """
    s0 = float(cam.strips.first_photoactive_column)
    s1 = float(cam.strips.last_photoactive_column + 1)
    l0, l1 = 0.0, float(cam.strips.framelet_lines(1))
    f = np.arange(edge_points + 1) / (edge_points + 1)
    sample = np.concatenate([s0 + (s1 - s0) * f, np.full_like(f, s1), s1 - (s1 - s0) * f, np.full_like(f, s0)])
    line = np.concatenate([np.full_like(f, l0), l0 + (l1 - l0) * f, np.full_like(f, l1), l1 - (l1 - l0) * f])
    return sample, line


def project_pixels(geo, cam: JunoCam, filter_name: str, sample, line, s, index: int) -> dict[str, np.ndarray]:
    """Latitude/longitude where unsummed framelet coordinates look at geometry sample ``index`` of ``s``.

    Returns a dict of (N,) arrays ``lat_pc``, ``lat_pg``, ``lon_w`` (degrees, NaN off the planet) and
    ``hit`` (bool).
    """
    rays = cam.pixel_to_ray(filter_name, np.ravel(sample), np.ravel(line))
    hit_info = geo.intercept(rays, s, index)
    hit = np.asarray(hit_info.hit, dtype=bool)
    out = {k: np.full(hit.shape, np.nan) for k in ("lat_pc", "lat_pg", "lon_w")}
    if hit.any():
        out["lat_pc"][hit], out["lat_pg"][hit], out["lon_w"][hit] = geo.ellipsoid.lonlat(hit_info.points[hit])
    out["hit"] = hit
    return out


def framelet_footprints(geo, cam: JunoCam, frame_mid_ets: dict[tuple[int, str], float]) -> list[Footprint]:
    """Footprints of framelets given as ``{(frame, filter): mid_et}``, in the dict's order.

    One geometry sample per framelet, taken in a single vectorised call.
    """
    sample, line = outline_pixels(cam)
    keys = list(frame_mid_ets)
    s = geo.sample(np.array([frame_mid_ets[k] for k in keys], dtype=float))
    result = []
    for i, (frame, filter_name) in enumerate(keys):
        p = project_pixels(geo, cam, filter_name, sample, line, s, i)
        result.append(Footprint(int(frame), filter_name, float(s.et[i]), p["lat_pg"], p["lat_pc"], p["lon_w"]))
    return result

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
from simulator.planning.opportunities import body_to_camera
from simulator.render.los import image_motion
from simulator.render.timing import truth_stage

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


def truth_row_offset(geo, cam: JunoCam, filter_name: str, tdi_stages: int, et: float) -> float:
    """Line offset (unsummed rows) of the ray the renderer's truth uses for a pixel, at TDI ``tdi_stages``.

    The truth of a TDI-N pixel is the scene its charge packet integrated, seen along the ray of the row
    the packet occupied at mid-exposure: ``-(N - 1) / 2`` rows along the image motion
    (``simulator.render.truth``). The motion's sign comes from two attitude samples one TDI period apart.
    """
    if int(tdi_stages) <= 1:
        return 0.0
    s = geo.sample(np.array([et, et + cam.timing.tdi_line_period_s]))
    line0 = 0.5 * cam.strips.framelet_lines(1)
    ray = cam.pixel_to_ray(filter_name, np.array([cam.optics.cx]), np.array([line0]))
    eye = np.eye(3)
    direction, _ = image_motion(cam, filter_name, ray, s.cam_to_j2000[0], eye, s.cam_to_j2000[1], eye,
                                np.array([line0]))
    return -(int(tdi_stages) - 1 - truth_stage(int(tdi_stages))) * direction


def framelet_footprints(geo, cam: JunoCam, frame_mid_ets: dict[tuple[int, str], float],
                        tdi: dict[str, int]) -> list[Footprint]:
    """Footprints of framelets given as ``{(frame, filter): mid_et}``, in the dict's order.

    Projected as the renderer's truth is (:func:`truth_row_offset`), so footprints and truth backplanes
    describe the same ground. One geometry sample per framelet, taken in a single vectorised call.
    """
    sample, line = outline_pixels(cam)
    keys = list(frame_mid_ets)
    s = geo.sample(np.array([frame_mid_ets[k] for k in keys], dtype=float))
    first_et = float(s.et[0])
    offsets = {f: truth_row_offset(geo, cam, f, tdi[f], first_et) for f in {k[1] for k in keys}}
    result = []
    for i, (frame, filter_name) in enumerate(keys):
        p = project_pixels(geo, cam, filter_name, sample, line + offsets[filter_name], s, i)
        result.append(Footprint(int(frame), filter_name, float(s.et[i]), p["lat_pg"], p["lat_pc"], p["lon_w"]))
    return result


def body_point_to_pixel(geo, cam: JunoCam, filter_name: str, point_body: np.ndarray, ets: np.ndarray):
    """Framelet (sample, line) where a body-fixed point appears at each ET (geometric direction, no aberration).

    Good to a fraction of a pixel for planning (stellar aberration moves Jupiter by ~0.3 px); NaN when the
    point is behind the camera.
    """
    s = geo.sample(np.asarray(ets, dtype=float))
    return cam.ray_to_pixel(filter_name, body_to_camera(s, np.asarray(point_body, dtype=float)[None, :] - s.obs_body))

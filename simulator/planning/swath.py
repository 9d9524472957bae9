"""JunoCam's swath: the band of directions its filter strips sweep in one spin, derived from the camera model.

The camera looks perpendicular to the spin axis (+Z of JUNO_SPACECRAFT) with its 1648-sample lines along
that axis (facts.md "Camera geometry"), so each spin its strips sweep a band around the spin plane. A
direction ``d`` seen from Juno is described by

* its **elevation** ``asin(d . z)`` above the spin plane (``z`` the spin axis in JUNO_JUNOCAM), which the spin
  does not change: the target is in the swath when it lies between the elevations of a strip's line ends;
* its **azimuth** about the spin axis in the camera frame, which the spin sweeps at the spin rate: the target
  crosses a filter's strip when its azimuth equals that strip's.

The spin axis and rate are read off the attitude itself (the rotation between two C-matrices), so the same
code serves synthetic and flight kernels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instrument_models.junocam import JunoCam
from simulator.render.los import spin_axis_rate


@dataclass(frozen=True)
class Spin:
    """Spin of the camera frame, measured from the attitude.

    Attributes
    ----------
    axis_cam : (3,) unit spin axis in JUNO_JUNOCAM, oriented so the spin is positive (right-handed) about it.
    rate_rad_s : spin rate (rad/s), > 0.
    """

    axis_cam: np.ndarray
    rate_rad_s: float

    @property
    def period_s(self) -> float:
        """One spin (s)."""
        return 2.0 * np.pi / self.rate_rad_s

    @classmethod
    def from_attitudes(cls, cam_to_j2000_a: np.ndarray, cam_to_j2000_b: np.ndarray, dt_s: float) -> "Spin":
        """Spin from two C-matrices ``dt_s`` apart (``dt_s`` well under half a spin), as the renderer reads it."""
        axis, rate = spin_axis_rate(cam_to_j2000_a, cam_to_j2000_b, dt_s)
        return cls(axis_cam=np.asarray(axis, dtype=float), rate_rad_s=float(rate))


def elevation_azimuth(dirs_cam: np.ndarray, spin_axis_cam: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Elevation above the spin plane and azimuth about the spin axis of camera-frame directions.

    Parameters
    ----------
    dirs_cam : (..., 3) directions in JUNO_JUNOCAM (any length).
    spin_axis_cam : (3,) unit spin axis in JUNO_JUNOCAM.

    Returns
    -------
    elevation, azimuth : (...) radians; azimuth 0 is the camera's +Z (boresight side) projected on the spin
        plane, increasing right-handed about the spin axis. As the spacecraft spins by +a, a fixed inertial
        direction's azimuth changes by -a.
    """
    z = np.asarray(spin_axis_cam, dtype=float)
    e1 = np.array([0.0, 0.0, 1.0]) - z[2] * z
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(z, e1)
    d = np.asarray(dirs_cam, dtype=float)
    d = d / np.linalg.norm(d, axis=-1, keepdims=True)
    elevation = np.arcsin(np.clip(d @ z, -1.0, 1.0))
    azimuth = np.arctan2(d @ e2, d @ e1)
    return elevation, azimuth


@dataclass(frozen=True)
class Swath:
    """Where the chosen filter strips look, relative to the spin axis.

    Attributes
    ----------
    filters : the filters the image reads out.
    elevation_min_rad, elevation_max_rad : the elevation band every chosen filter covers across its
        photoactive columns at the framelet's middle line (the swath's cross-scan extent).
    azimuth_rad : per filter, the azimuth of the strip's centre pixel (optical centre column, middle line).
    strip_height_rad : the angular height of a framelet along the scan (128 unsummed lines).
    """

    filters: tuple[str, ...]
    elevation_min_rad: float
    elevation_max_rad: float
    azimuth_rad: dict[str, float]
    strip_height_rad: float

    @property
    def half_width_deg(self) -> float:
        """Half the cross-scan width of the swath (deg); ~29 deg for JunoCam."""
        return float(np.degrees(0.5 * (self.elevation_max_rad - self.elevation_min_rad)))

    @classmethod
    def from_camera(cls, cam: JunoCam, filters, spin_axis_cam: np.ndarray) -> "Swath":
        """Derive the swath from the camera model's pixel rays (photoactive columns, middle line)."""
        filters = tuple(cam.filter_name(f) for f in filters)
        strips = cam.strips
        lines = strips.framelet_lines(1)
        columns = np.arange(strips.first_photoactive_column, strips.last_photoactive_column + 1) + 0.5
        lows, highs, azimuth, heights = [], [], {}, []
        for f in filters:
            rays = cam.pixel_to_ray(f, columns, np.full(columns.shape, 0.5 * lines))
            elev, _ = elevation_azimuth(rays, spin_axis_cam)
            lows.append(elev.min())
            highs.append(elev.max())
            centre = cam.pixel_to_ray(f, np.array([cam.optics.cx, cam.optics.cx]), np.array([0.0, lines]))
            _, az_edges = elevation_azimuth(centre, spin_axis_cam)
            heights.append(abs(wrap_angle(az_edges[1] - az_edges[0])))
            _, az = elevation_azimuth(cam.pixel_to_ray(f, cam.optics.cx, 0.5 * lines), spin_axis_cam)
            azimuth[f] = float(az)
        return cls(filters, float(max(lows)), float(min(highs)), azimuth, float(min(heights)))


def wrap_angle(angle):
    """Angle(s) wrapped to [-pi, pi) (radians)."""
    return (np.asarray(angle) + np.pi) % (2.0 * np.pi) - np.pi

"""Juno's modelled attitude: a uniform spin about +Z of JUNO_SPACECRAFT, optionally with a coning nutation.

The spin axis is inertially fixed (Juno is spin-stabilised; in flight it points at Earth and is re-pointed
only between passes): the direction to Earth (or the Sun, or a given RA/Dec) from Juno at perijove. The spin
phase is referenced at perijove: the spacecraft -X axis (JunoCam's boresight side, facts.md 'Camera
geometry') makes the angle ``phase_deg`` about +Z with Jupiter's centre direction projected on the spin plane.

Spin sense: right-handed (counter-clockwise seen from +Z), as the flight frames kernel draws it (juno_v12.tf,
"Spacecraft Bus Frame", the "+Z side view" diagram's "Spin Direction" arrow turns counter-clockwise with +X
right and +Y up). It sets the direction the scene moves along the framelet rows, hence the TDI direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@dataclass(frozen=True)
class SpinModel:
    """Rotation J2000 -> JUNO_SPACECRAFT as a function of TDB seconds."""

    epoch_et: float
    rate_rad_s: float
    axis_j2000: tuple[float, float, float]
    x_axis_j2000: tuple[float, float, float]   # body +X at epoch (perpendicular to the axis)
    nutation_amplitude_rad: float = 0.0
    nutation_period_s: float = 120.0

    def j2000_to_body(self, ets: np.ndarray) -> np.ndarray:
        """(N, 3, 3) C-matrices (rows are the body axes in J2000)."""
        ets = np.atleast_1d(np.asarray(ets, dtype=float))
        a = np.asarray(self.axis_j2000)
        x0 = np.asarray(self.x_axis_j2000)
        y0 = np.cross(a, x0)
        phi = (self.rate_rad_s * (ets - self.epoch_et))[:, None]
        x = np.cos(phi) * x0 + np.sin(phi) * y0
        z = np.broadcast_to(a, x.shape)
        if self.nutation_amplitude_rad:
            psi = 2 * np.pi * (ets - self.epoch_et) / self.nutation_period_s
            tilt_axis = -np.sin(psi)[:, None] * x0 + np.cos(psi)[:, None] * y0   # tilts a toward cos x0 + sin y0
            x = _rotate(x, tilt_axis, self.nutation_amplitude_rad)
            z = _rotate(z, tilt_axis, self.nutation_amplitude_rad)
        y = np.cross(z, x)
        return np.stack([x, y, z], axis=1)

    def angular_velocity_j2000(self, ets: np.ndarray) -> np.ndarray:
        """(N, 3) angular velocity of the body relative to J2000, expressed in J2000 (rad/s)."""
        ets = np.atleast_1d(np.asarray(ets, dtype=float))
        if not self.nutation_amplitude_rad:
            return np.broadcast_to(self.rate_rad_s * np.asarray(self.axis_j2000), (ets.size, 3)).copy()
        h = 1e-3
        c = self.j2000_to_body(ets)
        dc = (self.j2000_to_body(ets + h) - self.j2000_to_body(ets - h)) / (2 * h)
        w_skew_body = -dc @ np.transpose(c, (0, 2, 1))     # dC/dt = -[w_b]x C
        w_body = np.stack([w_skew_body[:, 2, 1], w_skew_body[:, 0, 2], w_skew_body[:, 1, 0]], axis=1)
        return np.einsum("nji,nj->ni", c, w_body)


def _rotate(v: np.ndarray, axis: np.ndarray, angle: float) -> np.ndarray:
    """Rodrigues rotation of vectors ``v`` (N,3) about unit ``axis`` (N,3) by ``angle`` rad."""
    c, s = np.cos(angle), np.sin(angle)
    return v * c + np.cross(axis, v) * s + axis * np.sum(axis * v, axis=1, keepdims=True) * (1 - c)


def spin_model(epoch_et: float, rate_rpm: float, axis_j2000: np.ndarray, jupiter_dir_j2000: np.ndarray,
               phase_deg: float, nutation_amplitude_deg: float = 0.0,
               nutation_period_s: float = 120.0) -> SpinModel:
    """Build the :class:`SpinModel` from scenario values (see the module docstring)."""
    a = _unit(np.asarray(axis_j2000, float))
    ref = jupiter_dir_j2000 - (jupiter_dir_j2000 @ a) * a
    if np.linalg.norm(ref) < 1e-9:
        ref = np.cross(a, [0.0, 0.0, 1.0]) if abs(a[2]) < 0.9 else np.cross(a, [1.0, 0.0, 0.0])
    ref = _unit(ref)
    ph = np.radians(phase_deg)
    minus_x = np.cos(ph) * ref + np.sin(ph) * np.cross(a, ref)
    return SpinModel(epoch_et=float(epoch_et), rate_rad_s=float(rate_rpm) * 2 * np.pi / 60.0,
                     axis_j2000=tuple(a), x_axis_j2000=tuple(-minus_x),
                     nutation_amplitude_rad=float(np.radians(nutation_amplitude_deg)),
                     nutation_period_s=float(nutation_period_s))

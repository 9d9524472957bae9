"""Juno's orbit about Jupiter: a polar conic from the scenario's perijove, optionally perturbed by J2.

The perijove state is built in J2000 from Jupiter's pole and the Sun's direction at the perijove epoch:

* the orbit plane contains Jupiter's pole (a polar orbit) and the perijove meridian, which lies at local
  solar time ``perijove_local_time_h`` (12 h = the sub-solar meridian, 6 h = dawn, east of it = later);
* at perijove Juno is at planetocentric latitude ``perijove_latitude_deg`` and at altitude
  ``perijove_altitude_km`` above the ellipsoid (nearest-point sense, as SPICE ``nearpt``);
* Juno moves north to south at perijove (as in flight);
* the semi-major axis follows from ``period_days`` and Jupiter's GM (two-body).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import spiceypy

from simulator.kernelset.pck import JUPITER_RADII_KM


def altitude_km(position_body_km: np.ndarray) -> float:
    """Altitude of a body-fixed point above Jupiter's ellipsoid (SPICE ``nearpt`` sense), km."""
    a, b, c = JUPITER_RADII_KM
    return float(spiceypy.nearpt(np.asarray(position_body_km, float), a, b, c)[1])


@dataclass(frozen=True)
class OrbitModel:
    """Juno's modelled trajectory relative to Jupiter's centre in J2000 (km, km/s)."""

    perijove_et: float
    perijove_state: tuple[float, ...]      # (6,) J2000 state at perijove_et
    gm_km3_s2: float
    pole_j2000: tuple[float, float, float]  # Jupiter's pole at perijove (fixed; precession 0.0065 deg/century)
    j2: float = 0.0                         # 0 = two-body
    reference_radius_km: float = JUPITER_RADII_KM[0]

    def states(self, ets: np.ndarray) -> np.ndarray:
        """J2000 states at TDB seconds ``ets``: (N, 6) array."""
        ets = np.atleast_1d(np.asarray(ets, dtype=float))
        if self.j2 == 0.0:
            s0 = np.asarray(self.perijove_state)
            return np.array([spiceypy.prop2b(self.gm_km3_s2, s0, float(t - self.perijove_et)) for t in ets])
        return self._integrated(ets)

    # -- J2 --------------------------------------------------------------------------------------------
    def _rhs(self, _t: float, y: np.ndarray) -> np.ndarray:
        r, v = y[:3], y[3:]
        k = np.asarray(self.pole_j2000)
        rn = np.linalg.norm(r)
        z = r @ k
        acc = -self.gm_km3_s2 * r / rn**3
        f = 1.5 * self.j2 * self.gm_km3_s2 * self.reference_radius_km**2 / rn**5
        acc = acc + f * ((5.0 * z * z / rn**2 - 1.0) * r - 2.0 * z * k)
        return np.concatenate([v, acc])

    def integrate(self, et_start: float, et_stop: float):
        """Dense solutions ``(backward, forward)`` of the J2 problem from the perijove state."""
        from scipy.integrate import solve_ivp   # here: a render from cached kernels never integrates (~0.2 s import)

        s0 = np.asarray(self.perijove_state)
        opts = dict(method="DOP853", rtol=1e-13, atol=1e-9, dense_output=True)
        back = fwd = None
        if et_start < self.perijove_et:
            back = solve_ivp(self._rhs, (self.perijove_et, et_start), s0, **opts).sol
        if et_stop > self.perijove_et:
            fwd = solve_ivp(self._rhs, (self.perijove_et, et_stop), s0, **opts).sol
        return back, fwd

    def _integrated(self, ets: np.ndarray) -> np.ndarray:
        return self.state_function(float(ets.min()), float(ets.max()))(ets)

    def state_function(self, et_start: float, et_stop: float):
        """A callable ``ets -> (N, 6)`` states valid on ``[et_start, et_stop]`` (integrates J2 once)."""
        if self.j2 == 0.0:
            return self.states
        back, fwd = self.integrate(et_start, et_stop)

        def evaluate(ets):
            ets = np.atleast_1d(np.asarray(ets, dtype=float))
            out = np.empty((ets.size, 6))
            for mask, sol in ((ets < self.perijove_et, back), (ets >= self.perijove_et, fwd)):
                if mask.any():
                    out[mask] = sol(ets[mask]).T if sol is not None else np.asarray(self.perijove_state)
            return out
        return evaluate


def perijove_state(perijove_et: float, pole_j2000: np.ndarray, sun_dir_j2000: np.ndarray,
                   j2000_to_body: np.ndarray, altitude_km_: float, latitude_deg: float,
                   local_time_h: float, period_days: float, gm_km3_s2: float) -> np.ndarray:
    """The J2000 state of Juno relative to Jupiter at perijove (see the module docstring).

    Parameters
    ----------
    pole_j2000, sun_dir_j2000 : (3,) unit vectors at the perijove epoch.
    j2000_to_body : (3, 3) rotation J2000 -> IAU_JUPITER at the perijove epoch (for the altitude).
    """
    k = pole_j2000 / np.linalg.norm(pole_j2000)
    s_eq = sun_dir_j2000 - (sun_dir_j2000 @ k) * k
    s_eq /= np.linalg.norm(s_eq)
    hour_angle = np.radians((local_time_h - 12.0) * 15.0)   # east of the sub-solar meridian is later
    east = np.cross(k, s_eq)
    meridian = np.cos(hour_angle) * s_eq + np.sin(hour_angle) * east
    lat = np.radians(latitude_deg)
    up = np.cos(lat) * meridian + np.sin(lat) * k
    from scipy.optimize import brentq

    radius = brentq(lambda r: altitude_km(j2000_to_body @ (r * up)) - altitude_km_,
                    JUPITER_RADII_KM[2] * 0.99, JUPITER_RADII_KM[0] + altitude_km_ * 1.01 + 1.0, xtol=1e-9)
    a = (gm_km3_s2 * (period_days * 86400.0 / (2 * np.pi)) ** 2) ** (1.0 / 3.0)
    if radius >= a:
        raise ValueError("perijove radius exceeds the semi-major axis")
    speed = np.sqrt(gm_km3_s2 * (2.0 / radius - 1.0 / a))
    south = np.sin(lat) * meridian - np.cos(lat) * k    # direction of decreasing latitude
    return np.concatenate([radius * up, speed * south])

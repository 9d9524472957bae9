"""The scenario ``[orbit]`` of a twin: Juno where the original's metadata put it, on that perijove's orbit.

Given START_TIME, SPACECRAFT_ALTITUDE and the sub-spacecraft point (planetocentric latitude, System III
west longitude of the near point: the convention our products report, ``simulator.products.description``),
the spacecraft's position at START_TIME is fixed in Jupiter's body frame. The published perijove time and
the orbit period (``simulator.twins.perijoves``) fix the time since perijove and the semi-major axis
(two-body, Jupiter's GM); Kepler's equation then fixes the eccentricity (the one conic through that radius
at that time) and the true anomaly. The model of ``simulator.kernelset.orbit`` is a polar orbit (its plane
holds Jupiter's pole) crossed north to south at perijove, so the plane is the one through the pole and the
position, and the perijove lies the true anomaly further north along it. The result is expressed in the
scenario's own keys (perijove time, altitude, latitude, local time, period), so the ordinary kernel writer
reproduces the position; ``tests/test_twins.py`` checks it on real products through the written kernels.

Approximations (stated in the product's note): two-body (no J2: Juno's real orbit turns by J2 near
perijove), polar plane, and the synthetic Sun ephemeris of ``simulator.kernelset.ephemeris`` for the local
time. None moves the position at START_TIME, which is fitted exactly.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import spiceypy
from scipy.optimize import brentq

from simulator.errors import ProductError
from simulator.kernelset import ephemeris, lsk, pck
from simulator.kernelset.orbit import altitude_km
from simulator.kernelset.pck import JUPITER_RADII_KM
from simulator.spice import KernelPool


@dataclass(frozen=True)
class OrbitFit:
    """A fitted twin orbit.

    Attributes
    ----------
    orbit : scenario ``[orbit]`` values (perijove_utc, perijove_altitude_km, perijove_latitude_deg,
        perijove_local_time_h, period_days, j2).
    eccentricity : of the fitted conic.
    position_body_km : (3,) the spacecraft at START_TIME in IAU_JUPITER, km.
    note : one sentence saying how the orbit was obtained.
    """

    orbit: dict
    eccentricity: float
    position_body_km: tuple[float, float, float]
    note: str


def position_from_metadata(altitude: float, lat_pc_deg: float, lon_w_deg: float) -> np.ndarray:
    """(3,) body-fixed position (km) of a spacecraft ``altitude`` km above the near point at planetocentric
    latitude ``lat_pc_deg`` and west longitude ``lon_w_deg`` (inverse of SPICE ``subpnt`` NEAR POINT)."""
    radii = np.asarray(JUPITER_RADII_KM, float)
    lat, lon_e = np.radians(lat_pc_deg), -np.radians(lon_w_deg)
    d = np.array([np.cos(lat) * np.cos(lon_e), np.cos(lat) * np.sin(lon_e), np.sin(lat)])
    point = d / np.sqrt(np.sum((d / radii) ** 2))
    normal = point / radii**2
    return point + altitude * normal / np.linalg.norm(normal)


def _eccentric_anomaly(mean: float, e: float) -> float:
    """Kepler's equation M = E - e sin E by Newton (e < 1)."""
    big = mean if e < 0.8 else np.pi * np.sign(mean or 1.0)
    for _ in range(100):
        step = (big - e * np.sin(big) - mean) / (1.0 - e * np.cos(big))
        big -= step
        if abs(step) < 1e-15:
            break
    return big


def _radius_at(a: float, e: float, dt_s: float, period_s: float) -> float:
    mean = (2 * np.pi * dt_s / period_s + np.pi) % (2 * np.pi) - np.pi
    return a * (1.0 - e * np.cos(_eccentric_anomaly(mean, e)))


def conic_through(radius_km: float, dt_s: float, period_s: float, gm: float,
                  min_perijove_radius_km: float = JUPITER_RADII_KM[0]) -> tuple[float, float, float, float]:
    """(a, e, true anomaly, dt) of the two-body ellipse of period ``period_s`` at ``radius_km`` ``dt_s`` after
    perijove (true anomaly negative before perijove).

    Near perijove the radius reached at a given time has a minimum over the eccentricity: of the two
    conics through the point, the one with the larger perijove radius (above ``min_perijove_radius_km``) is
    kept. When the point is closer than any such conic reaches at ``dt_s`` (a table time a little off), the
    eccentricity of that minimum is kept and the time from perijove ``dt`` is moved until the radius fits.
    """
    a = (gm * (period_s / (2 * np.pi)) ** 2) ** (1.0 / 3.0)
    rps = np.geomspace(min_perijove_radius_km, 0.999 * a, 1500)
    err = np.array([_radius_at(a, 1.0 - rp / a, dt_s, period_s) - radius_km for rp in rps])
    roots = np.flatnonzero(np.sign(err[:-1]) != np.sign(err[1:]))
    if roots.size:
        i = roots[0]
        rp = brentq(lambda x: _radius_at(a, 1.0 - x / a, dt_s, period_s) - radius_km, rps[i], rps[i + 1],
                    xtol=1e-9)
        dt = dt_s
    else:
        rp = float(rps[np.argmin(err)])
        if err.min() < 0:
            raise ProductError(f"no orbit of period {period_s / 86400:.2f} d passes {radius_km:.0f} km from "
                               f"Jupiter's centre {dt_s / 3600:.2f} h from perijove; is ORBIT_NUMBER right?")
        sign = 1.0 if dt_s >= 0 else -1.0
        dt = sign * brentq(lambda t: _radius_at(a, 1.0 - rp / a, sign * t, period_s) - radius_km,
                           0.0, abs(dt_s), xtol=1e-6)
    e = 1.0 - rp / a
    mean = (2 * np.pi * dt / period_s + np.pi) % (2 * np.pi) - np.pi
    big = _eccentric_anomaly(mean, e)
    nu = 2.0 * np.arctan2(np.sqrt(1 + e) * np.sin(big / 2), np.sqrt(1 - e) * np.cos(big / 2))
    return a, float(e), float(nu), float(dt)


def fit_orbit(start_utc: str, altitude: float, lat_pc_deg: float, lon_w_deg: float,
              perijove_utc: str, period_days: float, gm_km3_s2: float) -> OrbitFit:
    """The twin's ``[orbit]`` (see the module docstring)."""
    with tempfile.TemporaryDirectory() as tmp:
        files = [lsk.write_lsk(Path(tmp) / lsk.FILE_NAME), pck.write_pck(Path(tmp) / pck.FILE_NAME)]
        with KernelPool(files):
            et_s, et_p = spiceypy.str2et(str(start_utc)), spiceypy.str2et(str(perijove_utc))
            to_body_s = np.asarray(spiceypy.pxform("J2000", "IAU_JUPITER", et_s))
            to_body_p = np.asarray(spiceypy.pxform("J2000", "IAU_JUPITER", et_p))
    body = position_from_metadata(altitude, lat_pc_deg, lon_w_deg)
    r = to_body_s.T @ body
    a, e, nu, dt = conic_through(float(np.linalg.norm(r)), et_s - et_p, period_days * 86400.0, gm_km3_s2)
    moved = abs(dt - (et_s - et_p)) > 1e-3
    if moved:                     # the table's perijove time is moved so that the conic reaches the point
        with tempfile.TemporaryDirectory() as tmp:
            with KernelPool([lsk.write_lsk(Path(tmp) / lsk.FILE_NAME), pck.write_pck(Path(tmp) / pck.FILE_NAME)]):
                et_p = et_s - dt
                perijove_utc = spiceypy.et2utc(et_p, "ISOC", 3)
                to_body_p = np.asarray(spiceypy.pxform("J2000", "IAU_JUPITER", et_p))
    k = to_body_p[2]                                     # Jupiter's pole at perijove (as kernelset.orbit)
    u = r / np.linalg.norm(r)
    m = u - (u @ k) * k
    if np.linalg.norm(m) < 1e-9:
        raise ProductError("the spacecraft is over a pole at START_TIME: the polar orbit plane is undefined")
    m /= np.linalg.norm(m)
    # Two polar orbits pass through the point (one on each sense of travel); in each, latitude along the
    # perijove meridian mp decreases at perijove. Keep the one whose perijove lies nearest the equator.
    choices = []
    for mp in (m, -m):
        phi_p = np.arctan2(u @ k, u @ mp) + nu
        phi_p = (phi_p + np.pi) % (2 * np.pi) - np.pi
        if abs(phi_p) < np.radians(89.0):
            choices.append((abs(phi_p), phi_p, mp))
    if not choices:
        raise ProductError("no polar orbit through the metadata's position has its perijove off the poles")
    _, phi_p, mp = min(choices, key=lambda c: c[0])
    sun = -ephemeris.heliocentric_position_km(5, np.array([et_p]))[0]   # Sun from Jupiter (= barycentre 5) as in the synthetic de440s.bsp
    s_eq = sun - (sun @ k) * k
    s_eq /= np.linalg.norm(s_eq)
    hour_angle = np.arctan2(mp @ np.cross(k, s_eq), mp @ s_eq)
    local_time = (12.0 + np.degrees(hour_angle) / 15.0) % 24.0
    up = np.cos(phi_p) * mp + np.sin(phi_p) * k
    peri_alt = altitude_km(to_body_p @ (a * (1.0 - e) * up))
    orbit = {"perijove_utc": str(perijove_utc), "perijove_altitude_km": float(peri_alt),
             "perijove_latitude_deg": float(np.degrees(phi_p)), "perijove_local_time_h": float(local_time),
             "period_days": float(period_days), "gm_km3_s2": float(gm_km3_s2), "j2": False}
    when = f"perijove moved to {perijove_utc} to reach it" if moved else f"perijove {perijove_utc}"
    note = (f"two-body polar orbit through the original's SPACECRAFT_ALTITUDE and sub-spacecraft point at "
            f"START_TIME, {when} and period {period_days:.2f} d from the published table "
            f"(e = {e:.5f}, perijove altitude {peri_alt:.0f} km, latitude {np.degrees(phi_p):.2f} deg)")
    return OrbitFit(orbit, float(e), tuple(float(x) for x in body), note)

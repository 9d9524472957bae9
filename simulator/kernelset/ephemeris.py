"""Approximate heliocentric ephemerides of Jupiter and the Earth from published mean Keplerian elements.

Source: E. M. Standish, "Keplerian Elements for Approximate Positions of the Major Planets" (JPL Solar
System Dynamics), Table 1 (valid 1800-2050, mean ecliptic and equinox of J2000). Standish states errors for
this table of order tens of arcseconds in heliocentric longitude for the Earth-Moon barycentre and up to a
few arcminutes (~600") for Jupiter; i.e. Jupiter's heliocentric position is good to ~1e-3 rad (~10^6 km),
which moves the Sun direction seen from Jupiter by at most ~0.2 deg. That is harmless for illumination
(phase/incidence) but means solar distance and Earth direction are approximate: use the real kernels
(``--kernels``) for absolute positions.

The Sun is placed about the solar system barycentre by Jupiter's pull alone (mass ratio below), Jupiter's
barycentre and Jupiter's centre coincide, and the Earth is put at the Earth-Moon barycentre: assumptions
good to ~5e5 km (Saturn's pull on the Sun) and ~4,700 km (Moon) respectively.
"""

from __future__ import annotations

import numpy as np

AU_KM = 149597870.7            # IAU 2012 astronomical unit
GM_SUN_KM3_S2 = 1.32712440018e11  # IAU / DE GM of the Sun (widely published)
JUPITER_SUN_MASS_RATIO = 1.0 / 1047.3486  # IAU 2009 (widely published)
OBLIQUITY_J2000_DEG = 23.43928  # IAU obliquity of the ecliptic at J2000 (84381.448")

# Standish Table 1: a (AU), e, I (deg), L (deg), long. perihelion (deg), long. node (deg); value, rate/century
ELEMENTS = {
    "EMB": ((1.00000261, 0.00000562), (0.01671123, -0.00004392), (-0.00001531, -0.01294668),
            (100.46457166, 35999.37244981), (102.93768193, 0.32327364), (0.0, 0.0)),
    "JUPITER": ((5.20288700, -0.00011607), (0.04838624, -0.00013253), (1.30439695, -0.00183714),
                (34.39644051, 3034.74612775), (14.72847983, 0.21252668), (100.47390909, 0.20469106)),
}


def _kepler(mean_anomaly: np.ndarray, e: np.ndarray) -> np.ndarray:
    ea = mean_anomaly + e * np.sin(mean_anomaly)
    for _ in range(30):
        ea = ea - (ea - e * np.sin(ea) - mean_anomaly) / (1.0 - e * np.cos(ea))
    return ea


def heliocentric_position_km(body: str, et: np.ndarray) -> np.ndarray:
    """Heliocentric J2000 equatorial position of ``body`` ("JUPITER" or "EMB") at TDB seconds ``et``.

    Returns
    -------
    (N, 3) float64 array, km.
    """
    et = np.atleast_1d(np.asarray(et, dtype=float))
    t = et / (86400.0 * 36525.0)
    (a, e, inc, mlon, lperi, lnode) = [v0 + v1 * t for v0, v1 in ELEMENTS[body]]
    inc, mlon, lperi, lnode = (np.radians(x) for x in (inc, mlon, lperi, lnode))
    omega = lperi - lnode
    m = np.mod(mlon - lperi + np.pi, 2 * np.pi) - np.pi
    ea = _kepler(m, e)
    xp = a * (np.cos(ea) - e)
    yp = a * np.sqrt(1.0 - e * e) * np.sin(ea)
    co, so, cn, sn, ci, si = np.cos(omega), np.sin(omega), np.cos(lnode), np.sin(lnode), np.cos(inc), np.sin(inc)
    x = (co * cn - so * sn * ci) * xp + (-so * cn - co * sn * ci) * yp
    y = (co * sn + so * cn * ci) * xp + (-so * sn + co * cn * ci) * yp
    z = (so * si) * xp + (co * si) * yp
    eps = np.radians(OBLIQUITY_J2000_DEG)
    ecl = np.stack([x, y, z], axis=-1) * AU_KM
    to_eq = np.array([[1, 0, 0], [0, np.cos(eps), -np.sin(eps)], [0, np.sin(eps), np.cos(eps)]])
    return ecl @ to_eq.T


def barycentric_states(et: np.ndarray, step_s: float = 60.0) -> dict[int, np.ndarray]:
    """J2000 states about the solar system barycentre of the Sun (10), Jupiter's barycentre (5), the EMB (3).

    Velocities are central differences of the positions over ``step_s``.

    Returns
    -------
    dict NAIF id -> (N, 6) float64 array, km and km/s.
    """
    et = np.atleast_1d(np.asarray(et, dtype=float))

    def positions(t):
        jup = heliocentric_position_km("JUPITER", t)
        emb = heliocentric_position_km("EMB", t)
        sun = -JUPITER_SUN_MASS_RATIO / (1.0 + JUPITER_SUN_MASS_RATIO) * jup
        return {10: sun, 5: sun + jup, 3: sun + emb}

    p0, pm, pp = positions(et), positions(et - step_s), positions(et + step_s)
    return {k: np.hstack([p0[k], (pp[k] - pm[k]) / (2 * step_s)]) for k in p0}

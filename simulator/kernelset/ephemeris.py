"""Approximate solar-system ephemeris from published mean elements: the bodies a DE ``de*s.bsp`` carries.

Planets: E. M. Standish, "Keplerian Elements for Approximate Positions of the Major Planets" (JPL Solar
System Dynamics), Table 1 (valid 1800-2050, mean ecliptic and equinox of J2000): heliocentric Keplerian
ellipses of Mercury, Venus, the Earth-Moon barycentre (EMB), Mars, Jupiter, Saturn, Uranus, Neptune and
Pluto, taken as the orbits of the planets' system barycentres (NAIF 1-9). Standish's stated errors for that
table over 1800-2050 are of order 15-600 arcsec in heliocentric longitude (Jupiter ~400", Saturn ~600",
the EMB ~20") and up to ~1e6 km in distance for the giant planets; so the Sun direction seen from Jupiter is
good to ~0.1-0.2 deg and Earth's direction to about as much. Fine for illumination and for tools that
need every body present; use the real kernels (``--kernels``) for absolute positions.

The Sun (10) is placed about the solar system barycentre (0) so that the mass-weighted sum of the Sun and
the nine system barycentres is zero, with the IAU 2009 Sun/planet-system mass ratios (Luzum et al. 2011,
Celest. Mech. Dyn. Astr. 110:293). Mercury (199) and Venus (299) sit at their barycentres (no moons).

Moon: a Keplerian ellipse about the Earth with the mean lunar arguments of J. Meeus, "Astronomical
Algorithms" (2nd ed., ch. 47: mean longitude, mean anomaly, node; referred to the J2000 equinox with the
general precession in longitude, 1.3969713 deg/century), mean eccentricity 0.0549, inclination 5.145 deg to
the ecliptic and semi-major axis 384400 km. The periodic terms (evection 1.27 deg, variation 0.66 deg, ...)
are left out: the Moon is misplaced by up to ~1.5-2 deg (~1.5e4 km) about the Earth, the Earth by ~200 km
about the EMB (split with the IAU 2009 Moon/Earth mass ratio 0.0123000371).
"""

from __future__ import annotations

import numpy as np

AU_KM = 149597870.7            # IAU 2012 astronomical unit
GM_SUN_KM3_S2 = 1.32712440018e11  # IAU / DE GM of the Sun (widely published)
OBLIQUITY_J2000_DEG = 23.43928  # IAU obliquity of the ecliptic at J2000 (84381.448")
DAY_S = 86400.0
CENTURY_S = 36525.0 * DAY_S

# Standish Table 1: a (AU), e, I (deg), L (deg), long. perihelion (deg), long. node (deg); value, rate/century.
# Keyed by the NAIF id of the system barycentre the ellipse stands for.
ELEMENTS = {
    1: ((0.38709927, 0.00000037), (0.20563593, 0.00001906), (7.00497902, -0.00594749),
        (252.25032350, 149472.67411175), (77.45779628, 0.16047689), (48.33076593, -0.12534081)),
    2: ((0.72333566, 0.00000390), (0.00677672, -0.00004107), (3.39467605, -0.00078890),
        (181.97909950, 58517.81538729), (131.60246718, 0.00268329), (76.67984255, -0.27769418)),
    3: ((1.00000261, 0.00000562), (0.01671123, -0.00004392), (-0.00001531, -0.01294668),
        (100.46457166, 35999.37244981), (102.93768193, 0.32327364), (0.0, 0.0)),
    4: ((1.52371034, 0.00001847), (0.09339410, 0.00007882), (1.84969142, -0.00813131),
        (-4.55343205, 19140.30268499), (-23.94362959, 0.44441088), (49.55953891, -0.29257343)),
    5: ((5.20288700, -0.00011607), (0.04838624, -0.00013253), (1.30439695, -0.00183714),
        (34.39644051, 3034.74612775), (14.72847983, 0.21252668), (100.47390909, 0.20469106)),
    6: ((9.53667594, -0.00125060), (0.05386179, -0.00050991), (2.48599187, 0.00193609),
        (49.95424423, 1222.49362201), (92.59887831, -0.41897216), (113.66242448, -0.28867794)),
    7: ((19.18916464, -0.00196176), (0.04725744, -0.00004397), (0.77263783, -0.00242939),
        (313.23810451, 428.48202785), (170.95427630, 0.40805281), (74.01692503, 0.04240589)),
    8: ((30.06992276, 0.00026291), (0.00859048, 0.00005105), (1.77004347, 0.00035372),
        (-55.12002969, 218.45945325), (44.96476227, -0.32241464), (131.78422574, -0.00508664)),
    9: ((39.48211675, -0.00031596), (0.24882730, 0.00005170), (17.14001206, 0.00004818),
        (238.92903833, 145.20780515), (224.06891629, -0.04062942), (110.30393684, -0.01183482)),
}
NAMES = {1: "MERCURY BARYCENTER", 2: "VENUS BARYCENTER", 3: "EARTH-MOON BARYCENTER", 4: "MARS BARYCENTER",
         5: "JUPITER BARYCENTER", 6: "SATURN BARYCENTER", 7: "URANUS BARYCENTER", 8: "NEPTUNE BARYCENTER",
         9: "PLUTO BARYCENTER"}
# IAU 2009 system of astronomical constants: mass of the Sun / mass of the planet with its satellites
SUN_MASS_RATIO = {1: 6.0236e6, 2: 4.08523719e5, 3: 3.28900559616e5, 4: 3.09870359e6, 5: 1.047348644e3,
                  6: 3.4979018e3, 7: 2.290298e4, 8: 1.941226e4, 9: 1.36566e8}
JUPITER_SUN_MASS_RATIO = 1.0 / SUN_MASS_RATIO[5]
MOON_EARTH_MASS_RATIO = 0.0123000371   # IAU 2009

# Meeus ch. 47 mean arguments (deg, deg/century, of date): mean longitude L', mean anomaly M', node Omega
MOON_MEAN_LONGITUDE = (218.3164477, 481267.88123421)
MOON_MEAN_ANOMALY = (134.9633964, 477198.8675055)
MOON_NODE = (125.0445479, -1934.1362891)
GENERAL_PRECESSION_DEG_CY = 1.3969713   # of-date longitudes minus this x T are referred to the J2000 equinox
MOON_ECCENTRICITY = 0.0549
MOON_INCLINATION_DEG = 5.145
MOON_SEMI_MAJOR_AXIS_KM = 384400.0


def _kepler(mean_anomaly: np.ndarray, e) -> np.ndarray:
    ea = mean_anomaly + e * np.sin(mean_anomaly)
    for _ in range(30):
        ea = ea - (ea - e * np.sin(ea) - mean_anomaly) / (1.0 - e * np.cos(ea))
    return ea


def _ellipse_ecliptic(a, e, inc, mean_anomaly, omega, node) -> np.ndarray:
    """(N, 3) position on a Keplerian ellipse in the ecliptic frame; angles in radians, ``a`` in any unit."""
    ea = _kepler(np.mod(mean_anomaly + np.pi, 2 * np.pi) - np.pi, e)
    xp = a * (np.cos(ea) - e)
    yp = a * np.sqrt(1.0 - e * e) * np.sin(ea)
    co, so, cn, sn, ci, si = np.cos(omega), np.sin(omega), np.cos(node), np.sin(node), np.cos(inc), np.sin(inc)
    x = (co * cn - so * sn * ci) * xp + (-so * cn - co * sn * ci) * yp
    y = (co * sn + so * cn * ci) * xp + (-so * sn + co * cn * ci) * yp
    z = (so * si) * xp + (co * si) * yp
    return np.stack([x, y, z], axis=-1)


def _ecliptic_to_j2000(xyz: np.ndarray) -> np.ndarray:
    eps = np.radians(OBLIQUITY_J2000_DEG)
    to_eq = np.array([[1, 0, 0], [0, np.cos(eps), -np.sin(eps)], [0, np.sin(eps), np.cos(eps)]])
    return xyz @ to_eq.T


def heliocentric_position_km(body: int, et) -> np.ndarray:
    """Heliocentric J2000 equatorial position of system barycentre ``body`` (NAIF 1-9) at TDB seconds ``et``.

    Returns
    -------
    (N, 3) float64 array, km.
    """
    et = np.atleast_1d(np.asarray(et, dtype=float))
    t = et / CENTURY_S
    (a, e, inc, mlon, lperi, lnode) = [v0 + v1 * t for v0, v1 in ELEMENTS[int(body)]]
    inc, mlon, lperi, lnode = (np.radians(x) for x in (inc, mlon, lperi, lnode))
    return _ecliptic_to_j2000(_ellipse_ecliptic(a * AU_KM, e, inc, mlon - lperi, lperi - lnode, lnode))


def geocentric_moon_km(et) -> np.ndarray:
    """(N, 3) J2000 position of the Moon relative to the Earth (mean Keplerian orbit, see the module doc), km."""
    et = np.atleast_1d(np.asarray(et, dtype=float))
    t = et / CENTURY_S
    precession = GENERAL_PRECESSION_DEG_CY * t
    mlon, manom, node = (np.radians(v0 + v1 * t - p) for (v0, v1), p in
                         ((MOON_MEAN_LONGITUDE, precession), (MOON_MEAN_ANOMALY, 0.0), (MOON_NODE, precession)))
    perigee = mlon - manom
    return _ecliptic_to_j2000(_ellipse_ecliptic(MOON_SEMI_MAJOR_AXIS_KM, MOON_ECCENTRICITY,
                                                np.radians(MOON_INCLINATION_DEG), manom, perigee - node, node))


def _positions(et: np.ndarray) -> dict[int, np.ndarray]:
    helio = {body: heliocentric_position_km(body, et) for body in ELEMENTS}
    mu = {body: 1.0 / SUN_MASS_RATIO[body] for body in ELEMENTS}
    sun = -sum(mu[b] * helio[b] for b in ELEMENTS) / (1.0 + sum(mu.values()))
    out = {body: sun + helio[body] for body in ELEMENTS}
    out[10] = sun
    moon = geocentric_moon_km(et)
    out[301] = moon / (1.0 + MOON_EARTH_MASS_RATIO)                       # Moon about the EMB
    out[399] = -moon * MOON_EARTH_MASS_RATIO / (1.0 + MOON_EARTH_MASS_RATIO)   # Earth about the EMB
    return out


# (body, centre) of each segment a DE short file carries, in the order NAIF lists them
SEGMENTS = tuple((b, 0) for b in range(1, 11)) + ((301, 3), (399, 3), (199, 1), (299, 2))


def planet_states(et, step_s: float = 60.0) -> dict[tuple[int, int], np.ndarray]:
    """J2000 states of every (body, centre) pair of :data:`SEGMENTS` at TDB seconds ``et``.

    Velocities are central differences of the positions over ``step_s``; Mercury and Venus are at their
    barycentres (zero states).

    Returns
    -------
    dict (NAIF body, NAIF centre) -> (N, 6) float64 array, km and km/s.
    """
    et = np.atleast_1d(np.asarray(et, dtype=float))
    p0, pm, pp = _positions(et), _positions(et - step_s), _positions(et + step_s)
    out = {}
    for body, centre in SEGMENTS:
        if body in p0:
            out[body, centre] = np.hstack([p0[body], (pp[body] - pm[body]) / (2 * step_s)])
        else:
            out[body, centre] = np.zeros((et.size, 6))
    return out


def barycentric_states(et, step_s: float = 60.0) -> dict[int, np.ndarray]:
    """J2000 states about the solar system barycentre of the Sun (10), the nine system barycentres (1-9).

    Returns
    -------
    dict NAIF id -> (N, 6) float64 array, km and km/s.
    """
    return {body: s for (body, centre), s in planet_states(et, step_s).items() if centre == 0}

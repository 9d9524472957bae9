"""Io, Europa, Ganymede, Callisto and Amalthea: the Jupiter-system SPK (``jup365.bsp``) from mean elements.

Orbits: JPL Solar System Dynamics, "Planetary Satellite Mean Orbital Parameters", Jupiter table ("mean
orbital elements referred to the local Laplace planes", epoch 1997 Jan 16.00 TT, ref. 11 of that page):
semi-major axis ``a``, eccentricity ``e``, argument of periapsis ``w``, mean anomaly ``M`` at the epoch,
inclination ``i`` to the Laplace plane, ascending node ``node`` on the Laplace plane measured from the
Laplace plane's ascending node on the ICRF equator, mean motion ``n`` (deg/day, the sidereal rate of the
mean longitude) and the Laplace plane's pole (RA, Dec, ICRF).

Model (a documented simplification, not an ephemeris): a fixed Keplerian ellipse in its Laplace frame whose
mean longitude ``node + w + M`` advances at ``n``; the apsidal and nodal precessions of the table (periods
``Pw``, ``Pnode`` of 0.2-340 years) and all mutual perturbations (the Laplace resonance) are left out. The
moons' mean longitudes (and so their orbital phases and periods) follow the table; the periapsis and node
are frozen at their epoch values, which misplaces a moon by up to ~2e in longitude (e <= 0.0094: <= 1.1 deg)
and ~i in latitude (<= 0.47 deg) against the real moons. Positions are relative to Jupiter's centre (NAIF
599), as Juno's SPK, in J2000 (= ICRF here).

Written as a Jupiter-system file does (``jup*.bsp``): the moons and Jupiter (599) about Jupiter's barycentre
(5). Assumption: Jupiter's centre is put at the barycentre (the moons' pull moves the real one by up to
~230 km, mostly Callisto's and Ganymede's), so a moon's state about the barycentre equals its state about Jupiter's centre.

Rotation and radii of the moons are in the PCK (``pck.py``, the IAU 2009 table of every body).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import spiceypy

from simulator.kernelset import names

DAY_S = 86400.0
# JPL SSD mean elements epoch: 1997 Jan 16.00 TT = JD 2450464.5 TT; ET (TDB) differs from TT by < 2 ms.
ELEMENTS_EPOCH_ET = (2450464.5 - 2451545.0) * DAY_S
JUPITER, JUPITER_BARYCENTER = 599, 5
SPK_STEP_S = 900.0        # type 13 sample spacing: Hermite error ~1e-6 km for Amalthea's 12 h orbit (tested)
HERMITE_DEGREE = 7


@dataclass(frozen=True)
class MoonElements:
    """JPL SSD mean elements of one moon (see the module doc)."""

    a_km: float
    e: float
    w_deg: float
    m_deg: float
    i_deg: float
    node_deg: float
    n_deg_day: float
    laplace_ra_deg: float
    laplace_dec_deg: float

    @property
    def period_days(self) -> float:
        return 360.0 / self.n_deg_day


# JPL SSD "Planetary Satellite Mean Orbital Parameters", Jupiter, epoch 1997 Jan 16.00 TT:
#                          a (km)     e       w (deg)  M (deg)  i (deg) node (deg) n (deg/day)  RA      Dec
ELEMENTS = {
    501: MoonElements(421800.0, 0.0041, 84.129, 342.021, 0.036, 43.977, 203.4889583, 268.057, 64.495),
    502: MoonElements(671100.0, 0.0094, 88.970, 171.016, 0.466, 219.106, 101.3747242, 268.084, 64.506),
    503: MoonElements(1070400.0, 0.0013, 192.417, 317.540, 0.177, 63.552, 50.3176072, 268.168, 64.543),
    504: MoonElements(1882700.0, 0.0074, 52.643, 181.408, 0.192, 298.848, 21.5710728, 268.639, 64.749),
    505: MoonElements(181400.0, 0.0032, 155.873, 185.194, 0.380, 108.946, 722.6317143, 268.057, 64.495),
}
NAMES = {501: "IO", 502: "EUROPA", 503: "GANYMEDE", 504: "CALLISTO", 505: "AMALTHEA"}


MOON_IDS = tuple(sorted(ELEMENTS))


def _rot_x(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _rot_z(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def orbit_to_j2000(el: MoonElements) -> np.ndarray:
    """(3,3) rotation from the perifocal frame (x to periapsis, z to the orbit pole) to J2000.

    Laplace frame -> J2000: its x axis is the Laplace plane's ascending node on the equator (RA + 90 deg),
    its z axis the Laplace pole: ``Rz(RA + 90) Rx(90 - Dec)``; perifocal -> Laplace: ``Rz(node) Rx(i) Rz(w)``.
    """
    ra, dec = np.radians(el.laplace_ra_deg), np.radians(el.laplace_dec_deg)
    laplace = _rot_z(ra + 0.5 * np.pi) @ _rot_x(0.5 * np.pi - dec)
    return laplace @ _rot_z(np.radians(el.node_deg)) @ _rot_x(np.radians(el.i_deg)) @ _rot_z(np.radians(el.w_deg))


def moon_states(naif_id: int, et) -> np.ndarray:
    """(N, 6) J2000 states (km, km/s) of a moon relative to Jupiter's centre at TDB seconds ``et``."""
    el = ELEMENTS[int(naif_id)]
    et = np.atleast_1d(np.asarray(et, dtype=float))
    n_rad_s = np.radians(el.n_deg_day) / DAY_S
    mean = np.radians(el.m_deg) + n_rad_s * (et - ELEMENTS_EPOCH_ET)
    ea = np.mod(mean, 2.0 * np.pi)
    for _ in range(8):                       # Newton on Kepler's equation (e < 0.01: converged in 3)
        ea = ea - (ea - el.e * np.sin(ea) - np.mod(mean, 2.0 * np.pi)) / (1.0 - el.e * np.cos(ea))
    b = el.a_km * np.sqrt(1.0 - el.e ** 2)
    ea_dot = n_rad_s / (1.0 - el.e * np.cos(ea))
    zero = np.zeros_like(ea)
    pos = np.stack([el.a_km * (np.cos(ea) - el.e), b * np.sin(ea), zero], axis=-1)
    vel = np.stack([-el.a_km * np.sin(ea) * ea_dot, b * np.cos(ea) * ea_dot, zero], axis=-1)
    rot = orbit_to_j2000(el)
    return np.hstack([pos @ rot.T, vel @ rot.T])


def write_moons_spk(path: Path, et_start: float, et_stop: float, scenario: str = "") -> Path:
    """Write Jupiter (599) and the five moons about Jupiter's barycentre (5) in J2000, window plus a day each side."""
    et0, et1 = et_start - DAY_S, et_stop + DAY_S
    n = max(8, int(np.ceil((et1 - et0) / SPK_STEP_S)) + 1)
    epochs = np.linspace(et0, et1, n)
    if path.exists():
        path.unlink()
    handle = spiceypy.spkopn(str(path), "junocam-sim Jupiter system (approximate)", 4096)
    try:
        spiceypy.spkw13(handle, JUPITER, JUPITER_BARYCENTER, "J2000", et0, et1, "JUPITER AT ITS BARYCENTER",
                        HERMITE_DEGREE, n, np.zeros((n, 6)), epochs)
        for naif_id in MOON_IDS:
            spiceypy.spkw13(handle, naif_id, JUPITER_BARYCENTER, "J2000", et0, et1,
                            f"{NAMES[naif_id]} (MEAN ELEMENTS)", HERMITE_DEGREE, n, moon_states(naif_id, epochs),
                            epochs)
    finally:
        spiceypy.spkcls(handle)
    names.add_comments(path, names.synthetic_comment(
        "Jupiter and Io, Europa, Ganymede, Callisto, Amalthea about Jupiter's barycentre (a jup*.bsp's bodies "
        "but Thebe, Adrastea, Metis)", "simulator/kernelset/moons.py", scenario,
        "Fixed Keplerian ellipses from JPL SSD's mean elements (epoch 1997 Jan 16) with the tabulated mean "
        "motions; apsidal and nodal precession and mutual perturbations are left out (a moon is misplaced by "
        "up to ~1.1 deg in longitude and ~0.5 deg in latitude); Jupiter sits at the barycentre."))
    return path

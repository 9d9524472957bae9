"""Io, Europa, Ganymede, Callisto and Amalthea: orbits (SPK) and IAU rotation models (PCK text).

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

Rotation: IAU WGCCRE 2009 report (Archinal et al. 2011, Celest. Mech. Dyn. Astr. 109, 101-135), Table 2
(pole right ascension/declination in deg and deg/century, prime meridian in deg and deg/day, and the
nutation/libration coefficients on the Jupiter-system angles J1..J8 that ``pck.NUT_PREC_ANGLES`` already
holds), and the radii of its table of satellite sizes (Io, Europa, Amalthea: triaxial; Ganymede,
Callisto: spheres). These are the numbers NAIF's pck00010 carries (the tests compare them when
``../shared`` is present).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import spiceypy

DAY_S = 86400.0
# JPL SSD mean elements epoch: 1997 Jan 16.00 TT = JD 2450464.5 TT; ET (TDB) differs from TT by < 2 ms.
ELEMENTS_EPOCH_ET = (2450464.5 - 2451545.0) * DAY_S
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


@dataclass(frozen=True)
class MoonRotation:
    """IAU rotation model (Archinal et al. 2011 Table 2) and radii of one moon."""

    radii_km: tuple
    pole_ra: tuple          # deg, deg/century (T from J2000 TDB)
    pole_dec: tuple         # deg, deg/century
    pm: tuple               # deg, deg/day (d from J2000 TDB)
    nut_ra: tuple           # coefficients of sin(J_k), k = 1.. (deg)
    nut_dec: tuple          # coefficients of cos(J_k)
    nut_pm: tuple           # coefficients of sin(J_k)


# Archinal et al. 2011 (IAU WGCCRE 2009), Table 2 (rotation; J1..J8 = pck.NUT_PREC_ANGLES[0:8]) and the
# satellite radii table (km). Example, Io: alpha0 = 268.05 - 0.009 T + 0.094 sin J3 + 0.024 sin J4,
# W = 200.39 + 203.4889538 d - 0.085 sin J3 - 0.022 sin J4.
ROTATION = {
    501: MoonRotation((1829.4, 1819.4, 1815.7), (268.05, -0.009), (64.50, 0.003), (200.39, 203.4889538),
                      (0.0, 0.0, 0.094, 0.024), (0.0, 0.0, 0.040, 0.011), (0.0, 0.0, -0.085, -0.022)),
    502: MoonRotation((1562.6, 1560.3, 1559.5), (268.08, -0.009), (64.51, 0.003), (36.022, 101.3747235),
                      (0.0, 0.0, 0.0, 1.086, 0.060, 0.015, 0.009), (0.0, 0.0, 0.0, 0.468, 0.026, 0.007, 0.002),
                      (0.0, 0.0, 0.0, -0.980, -0.054, -0.014, -0.008)),
    503: MoonRotation((2631.2, 2631.2, 2631.2), (268.20, -0.009), (64.57, 0.003), (44.064, 50.3176081),
                      (0.0, 0.0, 0.0, -0.037, 0.431, 0.091), (0.0, 0.0, 0.0, -0.016, 0.186, 0.039),
                      (0.0, 0.0, 0.0, 0.033, -0.389, -0.082)),
    504: MoonRotation((2410.3, 2410.3, 2410.3), (268.72, -0.009), (64.83, 0.003), (259.51, 21.5710715),
                      (0.0, 0.0, 0.0, 0.0, -0.068, 0.590, 0.0, 0.010), (0.0, 0.0, 0.0, 0.0, -0.029, 0.254, 0.0, -0.004),
                      (0.0, 0.0, 0.0, 0.0, 0.061, -0.533, 0.0, -0.009)),
    # Amalthea's terms use J1 (and J2 for the small RA term); Table 2: 268.05 - 0.009T - 0.84 sin J1 + 0.01 sin 2J1
    # (the 2J1 term is written as NAIF does, on angle 9 = 2 x J1 of pck.NUT_PREC_ANGLES).
    505: MoonRotation((125.0, 73.0, 64.0), (268.05, -0.009), (64.49, 0.003), (231.67, 722.6314560),
                      (-0.84, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.01, 0.0),
                      (-0.36, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
                      (0.76, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.01, 0.0)),
}
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


def write_moons_spk(path: Path, et_start: float, et_stop: float, center: int = 599) -> Path:
    """Write the five moons relative to ``center`` (Jupiter) in J2000 over the window (plus a day each side)."""
    et0, et1 = et_start - DAY_S, et_stop + DAY_S
    n = max(8, int(np.ceil((et1 - et0) / SPK_STEP_S)) + 1)
    epochs = np.linspace(et0, et1, n)
    if path.exists():
        path.unlink()
    handle = spiceypy.spkopn(str(path), "junocam-sim moons", 4096)
    try:
        for naif_id in MOON_IDS:
            spiceypy.spkw13(handle, naif_id, center, "J2000", et0, et1, f"{NAMES[naif_id]} (MEAN ELEMENTS)",
                            HERMITE_DEGREE, n, moon_states(naif_id, epochs), epochs)
    finally:
        spiceypy.spkcls(handle)
    return path


def _list(values) -> str:
    return " ".join(repr(float(v)) for v in values)


def pck_text() -> str:
    """PCK assignments (``\\begindata`` block body) for the five moons."""
    lines = []
    for naif_id in MOON_IDS:
        r = ROTATION[naif_id]
        lines += [f"BODY{naif_id}_RADII          = ( {_list(r.radii_km)} )",
                  f"BODY{naif_id}_POLE_RA        = ( {_list(r.pole_ra + (0.0,))} )",
                  f"BODY{naif_id}_POLE_DEC       = ( {_list(r.pole_dec + (0.0,))} )",
                  f"BODY{naif_id}_PM             = ( {_list(r.pm + (0.0,))} )",
                  f"BODY{naif_id}_LONG_AXIS      = ( 0.0 )",
                  f"BODY{naif_id}_NUT_PREC_RA    = ( {_list(r.nut_ra)} )",
                  f"BODY{naif_id}_NUT_PREC_DEC   = ( {_list(r.nut_dec)} )",
                  f"BODY{naif_id}_NUT_PREC_PM    = ( {_list(r.nut_pm)} )", ""]
    return "\n".join(lines)

"""The Galilean moons and Amalthea in the synthetic kernel set: SPK from mean elements, PCK from the IAU report."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy

from simulator.kernelset import moons, pck
from simulator.spice import KernelPool

HERMITE_TOL_KM = 1e-4        # SPK type 13 interpolation vs the element model
PERIOD_RETURN_TOL_KM = 1e-3  # the fixed ellipse returns to the same point after one period
SUBJOVIAN_TOL_DEG = 5.0      # IAU prime meridians are tied to the mean sub-Jovian point
ORIENTATION_TOL = 1e-12      # our IAU_<moon> rotation vs the flight pck00010's


def test_moons_spk_reproduces_the_elements(default_kernels):
    with KernelPool([default_kernels]):
        et0 = spiceypy.str2et("2018-04-01T03:00:00")
        for naif_id in moons.MOON_IDS:
            el = moons.ELEMENTS[naif_id]
            period_s = el.period_days * moons.DAY_S
            ets = et0 + np.linspace(0.0, min(period_s, 15 * 3600.0), 41)
            spk = np.array([spiceypy.spkezr(str(naif_id), et, "J2000", "NONE", "JUPITER")[0] for et in ets])
            model = moons.moon_states(naif_id, ets)
            err = np.max(np.linalg.norm(spk[:, :3] - model[:, :3], axis=1))
            assert err < HERMITE_TOL_KM, f"{moons.NAMES[naif_id]}: SPK vs elements {err:.2e} km"
            r = np.linalg.norm(spk[:, :3], axis=1)
            assert np.all(r >= el.a_km * (1 - el.e) - 1e-6) and np.all(r <= el.a_km * (1 + el.e) + 1e-6), \
                f"{moons.NAMES[naif_id]}: distance {r.min():.1f}..{r.max():.1f} km outside a(1 +- e)"
            # velocity consistent with the positions (central difference)
            h = 1.0
            fd = (moons.moon_states(naif_id, ets + h)[:, :3] - moons.moon_states(naif_id, ets - h)[:, :3]) / (2 * h)
            assert np.max(np.abs(fd - model[:, 3:])) < 1e-6
    # one sidereal period later the moon is where it started (model; the SPK covers < 1 period of Callisto)
    for naif_id in moons.MOON_IDS:
        el = moons.ELEMENTS[naif_id]
        a, b = moons.moon_states(naif_id, [et0, et0 + el.period_days * moons.DAY_S])
        assert np.linalg.norm(a[:3] - b[:3]) < PERIOD_RETURN_TOL_KM
        # the orbit's pole lies within the inclination of the Laplace pole
        pole = np.cross(a[:3], a[3:])
        lap = spiceypy.radrec(1.0, np.radians(el.laplace_ra_deg), np.radians(el.laplace_dec_deg))
        tilt = np.degrees(np.arccos(np.dot(pole, lap) / np.linalg.norm(pole)))
        assert abs(tilt - el.i_deg) < 1e-9, f"{moons.NAMES[naif_id]} orbit tilt {tilt} vs i = {el.i_deg}"


def test_synchronous_moons_face_jupiter_with_their_prime_meridian(default_kernels):
    """Independent check of the element interpretation: orbits (JPL) and rotations (IAU) agree."""
    with KernelPool([default_kernels]):
        et = spiceypy.str2et("2018-04-01T09:45:00")
        for naif_id in moons.MOON_IDS:
            name = moons.NAMES[naif_id]
            jup = -np.asarray(spiceypy.spkpos(name, et, f"IAU_{name}", "NONE", "JUPITER")[0])
            lon = np.degrees(np.arctan2(jup[1], jup[0]))
            assert abs(lon) < SUBJOVIAN_TOL_DEG, f"{name}: sub-Jovian longitude {lon:.2f} deg"
            assert np.allclose(spiceypy.bodvrd(name, "RADII", 3)[1], pck.constants()[naif_id]["RADII"])


def _moon_frames():
    ets = [spiceypy.str2et(t) for t in ("2016-08-27T12:50:44", "2018-04-01T09:45:00", "2024-01-01T00:00:00")]
    out = {}
    for naif_id in moons.MOON_IDS:
        name = moons.NAMES[naif_id]
        out[name] = (np.asarray(spiceypy.bodvrd(name, "RADII", 3)[1]),
                     np.array([np.asarray(spiceypy.sxform("J2000", f"IAU_{name}", et)) for et in ets]))
    return out


def test_moon_constants_equal_pck00010(flight_kernels, default_kernels):
    root = default_kernels.parent
    with KernelPool([flight_kernels / "naif0012.tls", flight_kernels / "pck00010.tpc"]):
        flight = _moon_frames()
    with KernelPool([root / "lsk/naif0012.tls", root / "pck/pck00010.tpc"]):
        ours = _moon_frames()
    for name, (radii, xf) in flight.items():
        assert np.array_equal(ours[name][0], radii), f"{name} radii {ours[name][0]} vs {radii}"
        err = np.max(np.abs(ours[name][1] - xf))
        assert err < ORIENTATION_TOL, f"IAU_{name} state transformation differs by {err:.2e}"


@pytest.mark.parametrize("naif_id", moons.MOON_IDS)
def test_moon_periods(naif_id):
    el = moons.ELEMENTS[naif_id]
    # JPL's table lists P (days) to 3-4 digits beside n; they must agree
    listed = {501: 1.769, 502: 3.551, 503: 7.155, 504: 16.69, 505: 0.498}[naif_id]
    assert abs(el.period_days - listed) < 0.001 * listed + 5e-4

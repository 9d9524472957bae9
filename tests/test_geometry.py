"""The geometry service against independent spiceypy calls: sincpt, ilumin, subpnt, limbpt, pool isolation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spiceypy
from fixtures_geometry import pj1_kernels, pj10_kernels  # noqa: F401  (session fixtures)

from simulator.geometry import Geometry, frame_hit_fractions, remove_stellar_aberration, stellar_aberration
from simulator.kernelset import kernel_set_for
from simulator.scenario import load_scenario

IFOV_RAD = 675.4e-6          # facts.md: IFOV at the centre
INTERCEPT_TOL_PX = 1e-3      # issue #3 / ARCHITECTURE: sincpt agreement to 1e-3 px
ANGLE_TOL_DEG = 1e-5         # ilumin agreement
LIMB_TOL_KM = 1e-3
ABCORRS = ("NONE", "LT", "LT+S", "CN", "CN+S")


def _random_rays(s, i, rng, n):
    """Rays (camera frame) toward random points around Jupiter, so most hit and some miss."""
    targets = rng.normal(size=(n, 3)) * 40000.0
    return (targets - s.obs_body[i]) @ s.cam_to_body[i]


def _compare_with_sincpt(geo, s, i, rays, abcorr):
    """(worst px difference, hits, misses) of ``geo.intercept`` against sincpt; hit/miss must agree."""
    et = s.et[i]
    got = geo.intercept(rays, s, i)
    worst, hits, misses = 0.0, 0, 0
    for k, ray in enumerate(rays):
        try:
            point, trgepc, srfvec = spiceypy.sincpt("ELLIPSOID", "JUPITER", et, "IAU_JUPITER", abcorr, "JUNO",
                                                    "JUNO_JUNOCAM", ray)
        except spiceypy.stypes.NotFoundError:
            assert not got.hit[k], f"ray {k} at ET {et:.3f} hits here but misses in sincpt"
            misses += 1
            continue
        assert got.hit[k], f"ray {k} at ET {et:.3f} misses here but hits in sincpt"
        hits += 1
        worst = max(worst, np.linalg.norm(got.points[k] - point) / (np.linalg.norm(srfvec) * IFOV_RAD))
        assert abs(got.trgepc[k] - trgepc) < 1e-3
    return worst, hits, misses


@pytest.mark.parametrize("abcorr", ABCORRS)
def test_intercept_matches_sincpt(default_kernels, abcorr):
    rng = np.random.default_rng(7)
    worst, hits, misses = 0.0, 0, 0
    with Geometry(default_kernels, abcorr) as geo:
        et_p = geo.str2et(load_scenario("default").orbit.perijove_utc)[0]
        ets = np.concatenate([et_p + rng.uniform(-3 * 3600, 3 * 3600, 6), et_p + rng.uniform(-60, 60, 2)])
        s = geo.sample(ets)
        for i in range(len(ets)):
            w, h, m = _compare_with_sincpt(geo, s, i, _random_rays(s, i, rng, 25), abcorr)
            worst, hits, misses = max(worst, w), hits + h, misses + m
    assert hits > 50 and misses > 5, (hits, misses)
    assert worst < INTERCEPT_TOL_PX, f"{abcorr}: worst intercept difference {worst:.2e} px"


@pytest.mark.parametrize("abcorr", ("LT", "LT+S", "CN"))
def test_grazing_rays_hit_and_miss_as_sincpt(default_kernels, abcorr):
    """Rays within 6 km of the limb: per-ray light time decides hit or miss exactly as sincpt does."""
    worst, hits, misses = 0.0, 0, 0
    with Geometry(default_kernels, abcorr) as geo:
        et_p = geo.str2et(load_scenario("default").orbit.perijove_utc)[0]
        s = geo.sample(et_p + np.array([-1800.0, -300.0, 600.0]))
        for i in range(len(s)):
            limb = geo.limb_points(s, i, 12)
            up = limb / np.linalg.norm(limb, axis=1, keepdims=True)
            offsets = np.linspace(-6.1, 6.1, 14)       # km off the limb (exact tangency avoided)
            targets = (limb[:, None, :] + offsets[None, :, None] * up[:, None, :]).reshape(-1, 3)
            w, h, m = _compare_with_sincpt(geo, s, i, (targets - s.obs_body[i]) @ s.cam_to_body[i], abcorr)
            worst, hits, misses = max(worst, w), hits + h, misses + m
    assert hits > 100 and misses > 100, (hits, misses)
    assert worst < INTERCEPT_TOL_PX, f"{abcorr}: worst grazing intercept difference {worst:.2e} px"


@pytest.mark.parametrize("abcorr", ("NONE", "LT", "LT+S", "CN+S"))
def test_illumination_matches_ilumin(default_kernels, abcorr):
    rng = np.random.default_rng(11)
    worst = np.zeros(3)
    with Geometry(default_kernels, abcorr) as geo:
        et_p = geo.str2et(load_scenario("default").orbit.perijove_utc)[0]
        ets = et_p + rng.uniform(-2 * 3600, 2 * 3600, 5)
        s = geo.sample(ets)
        for i, et in enumerate(ets):
            got = geo.intercept(_random_rays(s, i, rng, 20), s, i)
            ang = geo.illumination_at(got, s, i)
            for k, point in enumerate(got.points[got.hit]):
                _, _, phase, inc, emi = spiceypy.ilumin("ELLIPSOID", "JUPITER", et, "IAU_JUPITER", abcorr,
                                                        "JUNO", point)
                mine = np.array([ang["incidence"][k], ang["emission"][k], ang["phase"][k]])
                worst = np.maximum(worst, np.abs(mine - np.degrees([inc, emi, phase])))
    assert worst.max() < ANGLE_TOL_DEG, f"{abcorr}: worst (incidence, emission, phase) error {worst} deg"


def test_sub_spacecraft_matches_subpnt_and_recpgr(pj10_kernels):
    with Geometry(pj10_kernels) as geo:
        ets = geo.str2et(["2017-12-16T17:43:00", "2017-12-16T17:56:00", "2017-12-16T18:30:00"])
        sub = geo.sub_spacecraft(ets)
        for i, et in enumerate(ets):
            point, _, srfvec = spiceypy.subpnt("NEAR POINT/ELLIPSOID", "JUPITER", et, "IAU_JUPITER", "LT+S", "JUNO")
            lon_pg, lat_pg, _ = spiceypy.recpgr("JUPITER", point, geo.radii_km[0],
                                                (geo.radii_km[0] - geo.radii_km[2]) / geo.radii_km[0])
            assert abs(sub.altitude_km[i] - np.linalg.norm(srfvec)) < 1e-6
            assert abs(sub.lat_pc[i] - np.degrees(spiceypy.reclat(point)[2])) < 1e-9
            assert abs(sub.lat_pg[i] - np.degrees(lat_pg)) < 1e-9
            # recpgr's planetographic longitude is positive west for Jupiter (prograde rotator)
            assert abs((sub.lon_w[i] - np.degrees(lon_pg) + 180) % 360 - 180) < 1e-9
        assert abs(sub.altitude_km[0] - 13345.0) < 0.01 * 13345.0 and abs(sub.lat_pc[0] - 48.9) < 0.3
        sun_km = geo.solar_distance_km(ets)
        assert np.all((sun_km > 4.9 * 1.496e8) & (sun_km < 5.5 * 1.496e8)), sun_km


@pytest.mark.parametrize("abcorr", ("NONE", "LT", "LT+S", "CN+S"))
def test_limb_matches_limbpt(default_kernels, abcorr):
    n = 24
    with Geometry(default_kernels, abcorr) as geo:
        et_p = geo.str2et(load_scenario("default").orbit.perijove_utc)[0]
        ets = et_p + np.array([-7200.0, -600.0, 1800.0])
        s = geo.sample(ets)
        for i, et in enumerate(ets):
            _, points, _, _ = spiceypy.limbpt("TANGENT/ELLIPSOID", "JUPITER", et, "IAU_JUPITER", abcorr, "CENTER",
                                              "JUNO", [0.0, 0.0, 1.0], 2 * np.pi / n, n, 1e-6, 1e-8, n)
            err = np.max(np.linalg.norm(np.asarray(points) - geo.limb_points(s, i, n), axis=1))
            assert err < LIMB_TOL_KM, f"{abcorr} sample {i}: limb points differ by up to {err:.2e} km"


def test_sample_frames_are_rotations_and_consistent(default_kernels):
    with Geometry(default_kernels) as geo:
        et_p = geo.str2et(load_scenario("default").orbit.perijove_utc)[0]
        s = geo.sample(et_p + np.linspace(-600, 600, 7))
        eye = np.eye(3)
        for m in (s.cam_to_j2000, s.j2000_to_body, s.cam_to_body):
            assert np.max(np.abs(m @ np.transpose(m, (0, 2, 1)) - eye)) < 1e-12
        assert s.abcorr == "LT+S" and np.all(s.lt > 0)
        # the observer vector in the body frame is the J2000 one rotated
        assert np.max(np.abs(np.einsum("nij,nj->ni", s.j2000_to_body, s.obs_j2000) - s.obs_body)) < 1e-6
        # Jupiter's rotation: 870.536 deg/day about the body +Z (pck00010)
        rate = np.linalg.norm(s.body_spin_body, axis=1)
        assert np.allclose(rate, np.radians(870.536) / 86400.0, rtol=1e-5)


def test_stellar_aberration_inverse_round_trips():
    rng = np.random.default_rng(3)
    d = rng.normal(size=(100, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    v = np.array([40.0, -30.0, 20.0])
    back = remove_stellar_aberration(stellar_aberration(d, v), v)
    assert np.max(np.abs(back - d)) < 1e-15 * 10
    shift = np.arccos(np.clip(np.sum(stellar_aberration(d, v) * d, axis=1), -1, 1))
    assert shift.max() <= np.linalg.norm(v) / spiceypy.clight() * 1.0001


def test_two_scenarios_in_one_process_do_not_see_each_other(pj1_kernels, pj10_kernels):
    with Geometry(pj10_kernels) as geo10:
        et10 = geo10.str2et("2017-12-16T17:43:00")
        alone = geo10.sub_spacecraft(et10).altitude_km
    geo1, geo10 = Geometry(pj1_kernels), Geometry(pj10_kernels)
    with geo1:
        with geo10:       # the inner pool sets the outer one's kernels aside
            assert np.array_equal(geo10.sub_spacecraft(et10).altitude_km, alone)
            assert all(pj10_kernels.parent in Path(p).parents for p in geo10.pool.files())
        # the outer pool is back and does not cover 2017
        assert all(pj1_kernels.parent in Path(p).parents for p in geo1.pool.files("SPK")), geo1.pool.files("SPK")
        with pytest.raises(Exception, match="do not cover"):
            geo1.sub_spacecraft(et10)
    assert spiceypy.ktotal("ALL") == 0


def test_default_scenario_sees_poles_and_equator_lit(default_kernels):
    """The default orbit: 75-90 N, the equator and 75-90 S all cross the camera swath lit and visible."""
    scenario = load_scenario("default")
    lat = np.radians(np.arange(-89.0, 90.0, 2.0))
    lon = np.radians(np.arange(0.0, 360.0, 6.0))
    la, lo = [a.ravel() for a in np.meshgrid(lat, lon, indexing="ij")]
    with Geometry(default_kernels) as geo:
        a, _, c = geo.radii_km
        u = np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=1)
        points = u / np.sqrt((u[:, :2] ** 2).sum(1) / a**2 + u[:, 2] ** 2 / c**2)[:, None]
        et_p = geo.str2et(scenario.orbit.perijove_utc)[0]
        ets = et_p + np.arange(-3 * 3600.0, 3 * 3600.0, 300.0)
        s = geo.sample(ets)
        seen = {"north": [], "equator": [], "south": []}
        for i, et in enumerate(ets):
            spin_axis = s.cam_to_j2000[i] @ np.asarray(spiceypy.pxform("JUNO_SPACECRAFT", "JUNO_JUNOCAM", et))[:, 2]
            ang = geo.illumination(points, s, i)
            view = (points - s.obs_body[i]) @ s.j2000_to_body[i]
            elevation = np.degrees(np.arcsin(view @ spin_axis / np.linalg.norm(view, axis=1)))
            ok = (ang["incidence"] < 85) & (ang["emission"] < 75) & (np.abs(elevation) < 27)
            deg = np.degrees(la)
            for name, band in (("north", deg > 75), ("equator", np.abs(deg) < 10), ("south", deg < -75)):
                if np.any(ok & band):
                    seen[name].append((et - et_p) / 60.0)
    assert all(seen.values()), {k: len(v) for k, v in seen.items()}
    assert max(seen["north"]) < min(seen["south"]), "perijoves move north to south"


@pytest.mark.parametrize("name", ["default", "pj1", "pj10"])
def test_builtin_image_has_the_limb(name, kernel_cache_dir):
    from instrument_models.junocam import JunoCam
    scenario = load_scenario(name)
    im = scenario.imaging
    with Geometry(kernel_set_for(scenario, kernel_cache_dir)) as geo:
        start = geo.str2et(im.start_utc)[0]
        fractions = frame_hit_fractions(geo, JunoCam.default(), start, im.frames, im.interframe_delay_s,
                                        im.tdi, tuple(im.filters), grid=8)
    assert np.any((fractions > 0.05) & (fractions < 0.95)), fractions.round(2)
    assert fractions.max() > 0.5, fractions.round(2)


def test_stellar_aberration_closed_forms_equal_stelab():
    """The closed-form ``stelab`` and its exact one-pass inverse ``unit(a - v/c)`` against spiceypy."""
    rng = np.random.default_rng(11)
    d = rng.normal(size=(200, 3))
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    v = np.array([55.0, -21.0, 9.0])            # ~60 km/s: Juno at perijove
    mine = stellar_aberration(d, v)
    theirs = np.array([spiceypy.stelab(row, v) for row in d])
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    assert np.max(np.abs(mine - theirs)) < 1e-15 * 10, f"stelab differs by {np.max(np.abs(mine - theirs)):.1e}"
    geometric = remove_stellar_aberration(theirs, v)
    back = np.array([spiceypy.stelab(row, v) for row in geometric])
    err = np.max(np.abs(back / np.linalg.norm(back, axis=1, keepdims=True) - theirs))
    assert err < 1e-15 * 10, f"stelab(inverse(a)) differs from a by {err:.1e} rad"


@pytest.mark.parametrize("abcorr", ("LT+S", "CN+S"))
def test_intercept_at_its_own_epochs_reproduces_intercept(default_kernels, abcorr):
    """The last pass alone (``intercept_at``) at the full replica's epoch shifts gives the same points."""
    rng = np.random.default_rng(5)
    with Geometry(default_kernels, abcorr) as geo:
        et_p = geo.str2et(load_scenario("default").orbit.perijove_utc)[0]
        s = geo.sample([et_p - 600.0, et_p + 30.0])
        for i in range(2):
            rays = _random_rays(s, i, rng, 200)
            full = geo.intercept(rays, s, i)
            last = geo.intercept_at(rays, s, i, full.epoch_shift)
            assert np.array_equal(full.hit, last.hit)
            diff = np.max(np.abs(full.points[full.hit] - last.points[full.hit]))
            assert diff < 1e-9, f"{abcorr}: intercept_at moves points by {diff:.1e} km"
            assert np.max(np.abs(full.trgepc[full.hit] - last.trgepc[full.hit])) < 1e-9


def test_rays_just_past_the_limb_hit_or_miss_as_sincpt(default_kernels):
    """Rays 0-300 km outside and inside the limb: the quick final miss never drops a ray sincpt hits."""
    rng = np.random.default_rng(17)
    with Geometry(default_kernels, "LT+S") as geo:
        et_p = geo.str2et(load_scenario("default").orbit.perijove_utc)[0]
        s = geo.sample([et_p - 1800.0, et_p + 20.0])
        for i in range(2):
            limb = geo.limb_points(s, i, 90)
            centre_dir = limb - np.sum(limb * s.obs_body[i], axis=1)[:, None] * s.obs_body[i] / np.sum(
                s.obs_body[i] ** 2)
            out_km = rng.uniform(-300.0, 300.0, len(limb))
            targets = limb + out_km[:, None] * centre_dir / np.linalg.norm(centre_dir, axis=1)[:, None]
            rays = (targets - s.obs_body[i]) @ s.cam_to_body[i]
            got = geo.intercept(rays, s, i)
            for k, ray in enumerate(rays):
                try:
                    spiceypy.sincpt("ELLIPSOID", "JUPITER", s.et[i], "IAU_JUPITER", "LT+S", "JUNO",
                                    "JUNO_JUNOCAM", ray)
                    theirs = True
                except spiceypy.stypes.NotFoundError:
                    theirs = False
                assert got.hit[k] == theirs, f"ray {out_km[k]:+.1f} km from the limb: hit {got.hit[k]}, sincpt {theirs}"

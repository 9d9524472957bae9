"""Eclipses in rendered moon scenes (simulator/render/shadows.py, bodies.py): Jupiter's shadow on the moons
(its oblate ellipsoid) and moons' shadows on each other.

The lit fraction is checked against an independent computation: spiceypy places the Sun and Jupiter as seen
from a point on Io (``sincpt`` for the pixel, ``spkcpo`` with light time, ``pxform`` for Jupiter's
orientation when the blocked light passed it) and the solar disk is integrated numerically by casting rays
through it (an equal-area spiral of directions) against Jupiter's ellipsoid. The built-in ``io-eclipse``
scenario shows Io entering Jupiter's shadow: at its start time Io's disk spans the umbra, the penumbra and
sunlight; 3.5 min later Io is wholly in the umbra.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import spiceypy
from hypothesis import given, settings
from hypothesis import strategies as st

from instrument_models.junocam import JunoCam
from simulator.geometry import Geometry
from simulator.kernelset import kernel_set_for
from simulator.render import RenderOptions, bodies
from simulator.render.shadows import (SUN_RADIUS_KM, could_eclipse, ellipsoid_covered, moon_sunlit_fraction,
                                     sphere_covered)
from simulator.scenario import load_scenario, scenario_from_dict
from simulator.spice import KernelPool
from test_render_common import render_one, request_for
from test_render_shadows import covered_fraction_numeric

DISK_RAYS = 200_000       # rays through the solar disk in the numerical integration
NUMERIC_TOL = 3e-4        # osculating-circle fraction vs the ray integration (its sampling error ~1e-4)
SPICE_TOL = 2e-4          # lit fraction at sincpt points on Io vs the spiceypy ray integration (measured 4e-5)
RENDER_TOL = 2e-3         # rendered IOF ratio vs spiceypy at interior pixel centres (measured worst 8e-5)
JUPITER_RADII = np.array([71492.0, 71492.0, 66854.0])   # IAU 2015 (pck00010), as the synthetic PCK
SUN_KM = np.array([7.78e8, 0.0, 0.0])
CAM = JunoCam.default()
IO_ID = 501
COLUMNS = (600, 780)       # around Io in GREEN frame 2 of io-eclipse
UMBRA_UTC = "2018-04-01T19:31:00.600"


def _spiral(n: int = DISK_RAYS):
    """(n,) radii in [0, 1] and angles of an equal-area (golden-angle) spiral over the unit disk."""
    k = np.arange(n) + 0.5
    return np.sqrt(k / n), k * np.pi * (3.0 - np.sqrt(5.0))


def hidden_fraction_rays(point, sun, centre, radii, to_body, n: int = DISK_RAYS) -> float:
    """Fraction of rays from ``point`` through the solar disk (Sun at ``sun``) that meet the ellipsoid
    (``centre``, ``radii``, ``to_body`` the rotation into its frame): the definition, independently coded."""
    s = np.asarray(sun, float) - point
    a = np.arcsin(SUN_RADIUS_KM / np.linalg.norm(s))
    s /= np.linalg.norm(s)
    e1 = np.cross(s, [0.0, 0.0, 1.0])
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(s, e1)
    r, phi = _spiral(n)
    ang = a * r
    dirs = np.cos(ang)[:, None] * s + np.sin(ang)[:, None] * (np.cos(phi)[:, None] * e1 + np.sin(phi)[:, None] * e2)
    u = dirs @ np.asarray(to_body).T / radii
    p = (np.asarray(to_body) @ (np.asarray(point, float) - centre)) / radii
    b = u @ p
    disc = b * b - np.sum(u * u, axis=1) * (p @ p - 1.0)
    return float(np.mean((disc >= 0.0) & (b < 0.0)))


def _fixed(position, rot=np.eye(3)):
    """A stationary body's one-epoch geometry sample (what the shadow functions read of it)."""
    return SimpleNamespace(et=np.zeros(1), lt=np.zeros(1), obs_j2000=-np.asarray(position, float)[None],
                           target_vel_ssb=np.zeros((1, 3)), j2000_to_body=np.asarray(rot, float)[None],
                           body_spin_body=np.zeros((1, 3)), sun_body=np.zeros((1, 3)))


def _tilt(angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _near_edge(distance_km, phi, offset):
    """A point ``distance_km`` behind Jupiter (Sun on +x) near its shadow's edge at position angle ``phi``:
    ``offset`` penumbral half-widths outward along the outline's normal."""
    a, _, c = JUPITER_RADII
    edge = np.array([0.0, a * np.cos(phi), c * np.sin(phi)])
    normal = np.array([0.0, np.cos(phi) / a, np.sin(phi) / c])
    normal /= np.linalg.norm(normal)
    return np.array([-distance_km, 0.0, 0.0]) + edge + normal * offset * distance_km * SUN_RADIUS_KM / SUN_KM[0]


@settings(max_examples=25, deadline=None)
@given(st.floats(1.8e5, 1.9e6), st.floats(0.0, 2 * np.pi), st.floats(-1.6, 1.6), st.floats(-0.1, 0.1))
def test_jupiter_shadow_equals_ray_integration(distance_km, phi, offset, tilt):
    point = _near_edge(distance_km, phi, offset)
    rot = _tilt(tilt)
    f = float(ellipsoid_covered(point[None], np.zeros(1), SUN_KM, _fixed(np.zeros(3), rot), 0, JUPITER_RADII)[0])
    expected = hidden_fraction_rays(point, SUN_KM, np.zeros(3), JUPITER_RADII, rot)
    assert 0.0 <= f <= 1.0
    assert abs(f - expected) < NUMERIC_TOL, f"covered {f:.6f} vs ray integration {expected:.6f}"


def test_oblateness_matters_and_a_sphere_is_the_limit():
    """At the pole the oblate outline is 4,638 km inside the equatorial sphere's: several penumbral widths."""
    point = _near_edge(421800.0, 0.5 * np.pi, 0.0)
    oblate = ellipsoid_covered(point[None], np.zeros(1), SUN_KM, _fixed(np.zeros(3)), 0, JUPITER_RADII)[0]
    sphere = sphere_covered(point[None], np.zeros(1), SUN_KM, _fixed(np.zeros(3)), 0, JUPITER_RADII[0])[0]
    assert 0.05 < oblate < 0.95 and sphere == 1.0, (oblate, sphere)
    equal = np.full(3, 71492.0)
    points = np.array([_near_edge(421800.0, 0.3, o) * [1, 1, JUPITER_RADII[0] / JUPITER_RADII[2]]
                       for o in np.linspace(-1.5, 1.5, 31)])
    a = ellipsoid_covered(points, np.zeros(31), SUN_KM, _fixed(np.zeros(3)), 0, equal)
    b = sphere_covered(points, np.zeros(31), SUN_KM, _fixed(np.zeros(3)), 0, 71492.0)
    worst = float(np.max(np.abs(a - b)))
    assert worst < 2e-5, f"ellipsoid code on a sphere vs the circle overlap: worst {worst:.2e}"


@settings(max_examples=30, deadline=None)
@given(st.floats(1.8e5, 1.9e6), st.floats(0.0, 2 * np.pi), st.floats(-0.1, 0.1))
def test_lit_fraction_is_bounded_and_grows_out_of_the_shadow(distance_km, phi, tilt):
    path = np.array([_near_edge(distance_km, phi, o) for o in np.linspace(-4.0, 4.0, 161)])
    lit = moon_sunlit_fraction(path, np.zeros(len(path)), _moon_at_origin(),
                               0, jupiter=(_fixed(np.zeros(3), _tilt(tilt)), JUPITER_RADII))
    assert np.all((lit >= 0.0) & (lit <= 1.0))
    assert lit[0] == 0.0 and lit[-1] == 1.0, (lit[0], lit[-1])
    worst = float(np.min(np.diff(lit)))
    assert worst >= -1e-9, f"lit fraction decreases along the path out of the shadow by {-worst:.2e}"


def _moon_at_origin():
    """A moon sample whose body frame is J2000 at the origin, the Sun on +x (points given in that frame)."""
    s = _fixed(np.zeros(3))
    s.sun_body = SUN_KM[None].copy()
    return s


def test_moon_shadow_on_a_moon_is_the_circle_overlap():
    """Another moon (a sphere) between the Sun and a moon point: the covered fraction of the solar disk,
    with the blocker where it was when the blocked light passed it (a moving blocker)."""
    radius, gap = 1560.8, 250000.0               # Europa's size, 250,000 km sunward of the point
    target = _moon_at_origin()
    velocity = np.array([0.0, 12.0, 0.0])        # km/s, across the shadow
    blocker = _fixed([gap, 0.0, 0.0])
    blocker.target_vel_ssb = velocity[None]
    ys = np.linspace(-3000.0, 3000.0, 41)
    points = np.stack([np.zeros_like(ys), ys, np.zeros_like(ys)], axis=1)
    lit = moon_sunlit_fraction(points, np.zeros(ys.size), target, 0, moons=[(blocker, radius)])
    expected = []
    for p in points:
        where = np.array([gap, 0.0, 0.0])
        for _ in range(3):          # the blocker when the light it blocks passed it: |B - P| / c earlier
            where = np.array([gap, 0.0, 0.0]) - velocity * np.linalg.norm(where - p) / 299792.458
        to_sun, to_b = SUN_KM - p, where - p
        theta = np.arctan2(np.linalg.norm(np.cross(to_sun, to_b)), to_sun @ to_b)
        expected.append(1.0 - covered_fraction_numeric(np.arcsin(SUN_RADIUS_KM / np.linalg.norm(to_sun)),
                                                       np.arcsin(radius / np.linalg.norm(to_b)), theta,
                                                       strips=4000))
    expected = np.asarray(expected)
    worst = float(np.max(np.abs(lit - expected)))
    assert worst < 1e-4, f"moon-on-moon lit fraction vs strip integration: worst {worst:.2e}"
    assert lit.min() < 0.2 and lit.max() == 1.0


# ---------------------------------------------------------------------------------------------- io-eclipse
@pytest.fixture(scope="module")
def eclipse_setup(kernel_cache_dir):
    scenario = load_scenario("io-eclipse")
    kernel_set_for(scenario, kernel_cache_dir)
    return scenario, kernel_cache_dir


def _request(scenario, cache):
    return request_for(scenario, cache, filters=("GREEN",), frames=scenario.imaging.frames, frame_indices=(2,),
                       tdi_stages={"GREEN": 1}, sample_range=COLUMNS, options=RenderOptions(psf_sigma_px=0.0))


@pytest.fixture(scope="module")
def eclipse_pair(eclipse_setup):
    """GREEN frame 2 of io-eclipse with the eclipse and with it switched off (same geometry)."""
    scenario, cache = eclipse_setup
    req = _request(scenario, cache)
    with_eclipse = render_one(req)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bodies.ExtraBodies, "shade", lambda *args, **kw: None)
        without = render_one(req)
    return req, with_eclipse, without


def _interior_ratio(with_shadow, without, naif_id: int) -> np.ndarray:
    """Truth IOF with the shadows over that without, on the body's lit pixels whose 3x3 neighbourhood is all
    the body (edge pixels are integrated over sub-samples); NaN elsewhere."""
    body = with_shadow.truth["BODY"] == naif_id
    interior = body.copy()
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            interior &= np.roll(np.roll(body, dr, axis=0), dc, axis=1)
    base = without.truth["IOF"].astype(float)
    return np.where(interior & (base > 1e-3), with_shadow.truth["IOF"].astype(float) / np.maximum(base, 1e-12),
                    np.nan)


def _spice_lit(metakernel, ray, et, abcorr):
    """Lit fraction at the sincpt point of a JUNO_JUNOCAM ray on Io, from spiceypy geometry and rays."""
    with KernelPool([metakernel]):
        point, trgepc, _ = spiceypy.sincpt("ELLIPSOID", "IO", et, "IAU_IO", abcorr, "JUNO", "JUNO_JUNOCAM", ray)
        sun = np.asarray(spiceypy.spkcpo("SUN", trgepc, "J2000", "OBSERVER", "LT", point, "IO", "IAU_IO")[0][:3])
        state, lt = spiceypy.spkcpo("JUPITER", trgepc, "J2000", "OBSERVER", "LT", point, "IO", "IAU_IO")
        to_body = spiceypy.pxform("J2000", "IAU_JUPITER", trgepc - lt)
        radii = spiceypy.bodvrd("JUPITER", "RADII", 3)[1]
    covered = hidden_fraction_rays(np.zeros(3), sun, np.asarray(state[:3]), np.asarray(radii), to_body)
    return 1.0 - covered, np.asarray(point), trgepc


def test_lit_fraction_on_io_matches_spiceypy(eclipse_setup):
    """The shadow functions at sincpt points across Io's disk (umbra, penumbra, sunlight) vs spiceypy."""
    scenario, cache = eclipse_setup
    req = _request(scenario, cache)
    et = req.start_et + 2 * 0.371 + 0.1         # frame 2 (interframe delay 0.371 s); any epoch near it will do
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        io_geo = geo.for_body("IO", "IAU_IO")
        with KernelPool([req.metakernel]):
            centre = np.asarray(spiceypy.spkpos("IO", et, "JUNO_JUNOCAM", req.abcorr, "JUNO")[0])
        jup_s, io_s = geo.sample([et]), io_geo.sample([et])
        radii = geo.radii_km
    axis = centre / np.linalg.norm(centre)
    side = np.cross(axis, [0.0, 0.0, 1.0])
    side /= np.linalg.norm(side)
    up = np.cross(axis, side)
    rng = np.random.default_rng(5)
    half = 0.95 * 1815.0 / np.linalg.norm(centre)        # inside Io's outline
    r, phi = half * np.sqrt(rng.uniform(size=400)), rng.uniform(0, 2 * np.pi, 400)
    rays = axis + r[:, None] * (np.cos(phi)[:, None] * side + np.sin(phi)[:, None] * up)
    rays /= np.linalg.norm(rays, axis=1)[:, None]
    with KernelPool([req.metakernel]):        # a first pass with the function itself only sorts the points
        found = [spiceypy.sincpt("ELLIPSOID", "IO", et, "IAU_IO", req.abcorr, "JUNO", "JUNO_JUNOCAM", ray)
                 for ray in rays]
    dts = np.array([f[1] for f in found]) - (io_s.et[0] - io_s.lt[0])
    lit = moon_sunlit_fraction(np.array([f[0] for f in found]), dts, io_s, 0, (jup_s, radii))
    classes = [np.flatnonzero(m) for m in (lit == 0, (lit > 0.02) & (lit < 0.98), lit == 1)]
    assert all(c.size >= 8 for c in classes), f"umbra/penumbra/sunlit points on Io: {[c.size for c in classes]}"
    worst = 0.0
    for k in np.concatenate([rng.choice(c, size=8, replace=False) for c in classes]):
        expected, point, trgepc = _spice_lit(req.metakernel, rays[k], et, req.abcorr)
        dt = trgepc - (io_s.et[0] - io_s.lt[0])
        got = float(moon_sunlit_fraction(point[None], np.array([dt]), io_s, 0, (jup_s, radii))[0])
        worst = max(worst, abs(got - expected))
    assert worst < SPICE_TOL, f"lit fraction on Io vs spiceypy: worst {worst:.2e}"


def test_rendered_io_is_dimmed_as_spiceypy_geometry_says(eclipse_pair):
    req, with_eclipse, without = eclipse_pair
    body = with_eclipse.truth["BODY"]
    assert np.array_equal(body, without.truth["BODY"])
    ratio = _interior_ratio(with_eclipse, without, IO_ID)
    classes = [np.flatnonzero(np.isfinite(ratio) & m) for m in (ratio == 0, (ratio > 0.02) & (ratio < 0.98),
                                                                ratio > 0.99)]
    assert all(c.size >= n for c, n in zip(classes, (15, 15, 3))), \
        f"umbra/penumbra/~sunlit interior pixels: {[c.size for c in classes]}"
    rng = np.random.default_rng(3)
    worst = 0.0
    for flat in np.concatenate([rng.choice(c, size=min(c.size, 15), replace=False) for c in classes]):
        j, i = divmod(int(flat), body.shape[1])
        ray = CAM.pixel_to_ray("GREEN", COLUMNS[0] + i + 0.5, j + 0.5)
        expected, _, _ = _spice_lit(req.metakernel, ray, with_eclipse.mid_et, req.abcorr)
        worst = max(worst, abs(ratio[j, i] - expected))
    assert worst < RENDER_TOL, f"rendered lit fraction on Io vs spiceypy geometry: worst {worst:.2e}"


def test_io_in_the_umbra_is_dark_but_keeps_its_truth(eclipse_setup):
    scenario, cache = eclipse_setup
    data = scenario.to_dict()
    data["imaging"]["start_utc"] = UMBRA_UTC
    umbra = scenario_from_dict({k: v for k, v in data.items() if v is not None})
    res = render_one(_request(umbra, cache))
    io = res.truth["BODY"] == IO_ID
    sky = res.truth["BODY"] == 0
    assert io.sum() > 300, f"Io should fill ~700 px of GREEN frame 2 ({io.sum()})"
    iof = res.truth["IOF"].astype(float)
    assert float(np.max(iof[io])) == 0.0, f"Io in the umbra: truth IOF up to {np.max(iof[io]):.2e}"
    for key in ("LAT_PC", "LON_W", "INCIDENCE", "RANGE"):
        assert np.all(np.isfinite(res.truth[key][io])), f"{key} truth missing on the eclipsed Io"
    sky_level = np.median(res.truth["DN12"][sky])
    worst = float(np.max(np.abs(res.truth["DN12"][io] - sky_level)))
    assert worst < 1e-3, f"eclipsed Io's noise-free DN12 differs from the sky's by {worst:.2e}"
    assert np.abs(res.dn8[io].astype(int) - int(np.median(res.dn8[sky]))).max() <= 1


@settings(max_examples=60, deadline=None)
@given(st.floats(1.8e5, 1.9e6), st.floats(0.0, 2 * np.pi), st.floats(-30.0, 30.0), st.floats(10.0, 3000.0))
def test_cone_test_never_misses_an_eclipse(distance_km, phi, offset, radius_km):
    """Where ``could_eclipse`` says no shadow can reach a moon, every point of the moon is fully lit."""
    centre = _near_edge(distance_km, phi, offset)
    target = _fixed(centre)
    target.sun_body = (SUN_KM - centre)[None]
    jupiter = _fixed(np.zeros(3))
    possible = could_eclipse(target, jupiter, 0, radius_km, float(JUPITER_RADII.max()))
    rng = np.random.default_rng(int(distance_km))
    surface = rng.normal(size=(2000, 3))
    surface *= radius_km / np.linalg.norm(surface, axis=1)[:, None]
    lit = moon_sunlit_fraction(surface, np.zeros(len(surface)), target, 0, jupiter=(jupiter, JUPITER_RADII))
    assert possible or np.all(lit == 1.0), f"cone test missed a lit fraction of {lit.min():.6f}"


def test_shade_lists_the_bodies_whose_shadow_can_reach():
    """``ExtraBodies.shade``: a moon behind another moon (as seen from the Sun) gets that moon, not Jupiter;
    nothing when no shadow can reach it (the renderer then leaves its I/F alone)."""
    sun_side = _fixed([1.0e6, 0.0, 0.0])          # a moon 1e6 km sunward of Jupiter
    behind = _fixed([0.7e6, 500.0, 0.0])          # another 300,000 km behind it, in its shadow
    far = _fixed([0.0, 2.0e6, 0.0])               # a third one far off every shadow
    for s in (sun_side, behind, far):
        s.sun_body = (SUN_KM - (-s.obs_j2000[0]))[None]
    views = [bodies.BodyView(k + 1, None, None, 1800.0, 1800.0) for k in range(3)]
    extra = bodies.ExtraBodies(views, SimpleNamespace(radii_km=tuple(JUPITER_RADII)), 0.0)
    jupiter = _fixed(np.zeros(3))
    samples = [sun_side, behind, far]
    shade = extra.shade(views[1], jupiter, samples, 0)
    assert shade is not None and shade.jupiter is None and [s for s, _ in shade.bodies] == [sun_side]
    assert extra.shade(views[0], jupiter, samples, 0) is None
    assert extra.shade(views[2], jupiter, samples, 0) is None
    behind_jupiter = _fixed([-421800.0, 1000.0, 0.0])
    behind_jupiter.sun_body = (SUN_KM - (-behind_jupiter.obs_j2000[0]))[None]
    shade = extra.shade(views[1], jupiter, [far, behind_jupiter, far], 0)
    assert shade is not None and shade.jupiter is not None and shade.bodies == ()


OCCULT_TOL_S = 0.05       # half-lit instant of Io's centre vs spiceypy occult's (1 km of Io's motion against
                          # the shadow, 0.1 % of its ~44 s penumbra crossing; measured 0.005 s)


def test_io_centre_is_half_lit_when_spiceypy_occult_hides_the_suns_centre(eclipse_setup):
    """spiceypy's own occultation finder: ``occult`` (Sun as a point behind Jupiter's ellipsoid, seen from
    Io's centre, light time) switches to total when the covered fraction passes 1/2 (the Sun's centre on
    the outline; the outline's curvature shifts that by ~1e-3 of the fraction)."""
    scenario, cache = eclipse_setup
    req = _request(scenario, cache)
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        io_geo = geo.for_body("IO", "IAU_IO")

        def lit_at(et):
            jup_s, io_s = geo.sample([et]), io_geo.sample([et])
            lit = moon_sunlit_fraction(np.zeros((1, 3)), np.zeros(1), io_s, 0, (jup_s, geo.radii_km))[0]
            return lit, io_s.et[0] - io_s.lt[0]           # at Io's centre, at its light-time epoch

        lo, hi = req.start_et + 30.0, req.start_et + 80.0
        assert lit_at(lo)[0] > 0.5 > lit_at(hi)[0], "Io's centre should enter the shadow 30-80 s after the start"
        for _ in range(36):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if lit_at(mid)[0] > 0.5 else (lo, mid)
        t_half = lit_at(lo)[1]
        with KernelPool([req.metakernel]):
            def hidden(t):
                return spiceypy.occult("SUN", "POINT", " ", "JUPITER", "ELLIPSOID", "IAU_JUPITER", "LT", "IO", t)
            lo, hi = t_half - 5.0, t_half + 5.0
            assert hidden(lo) == 0 and hidden(hi) == -3, (hidden(lo), hidden(hi))
            for _ in range(36):
                mid = 0.5 * (lo + hi)
                lo, hi = (mid, hi) if hidden(mid) == 0 else (lo, mid)
    assert abs(t_half - lo) < OCCULT_TOL_S, f"half-lit {t_half - lo:+.4f} s from spiceypy occult's switch"


MUTUAL_TOL = 1e-4         # Io's shadow on Europa vs spiceypy positions and strip integration (measured 5e-6)


def test_io_shadow_on_europa_matches_spiceypy(kernel_cache_dir):
    """A mutual event of the synthetic moons (found by scanning 2020-21, near Jupiter's equinox): at
    2020-06-02 19:02:30 UTC Europa's centre is in Io's umbra, seen 244,000 km away. Points over Europa's
    sunward hemisphere vs spiceypy (``spkcpo`` from each point, light time) and the strip integration."""
    data = load_scenario("default").to_dict()
    data["name"] = "io-shadow-on-europa"
    data["orbit"]["perijove_utc"] = "2020-06-02T19:00:00"
    data["imaging"]["start_utc"] = None
    data["geometry"].update(coverage_before_h=0.1, coverage_after_h=0.1)
    scenario = scenario_from_dict({k: v for k, v in data.items() if v is not None})
    metakernel = kernel_set_for(scenario, kernel_cache_dir)
    with Geometry(metakernel) as geo:
        europa, io = geo.for_body("EUROPA", "IAU_EUROPA"), geo.for_body("IO", "IAU_IO")
        et = geo.str2et("2020-06-02T19:02:30")[0]
        eu_s, io_s = europa.sample([et]), io.sample([et])
        radii = np.asarray(europa.radii_km)
        r_io = float(np.prod(io.radii_km) ** (1.0 / 3.0))
        t_p = eu_s.et[0] - eu_s.lt[0]
        with KernelPool([metakernel]):
            sun_dir = np.asarray(spiceypy.spkpos("SUN", t_p, "IAU_EUROPA", "LT", "EUROPA")[0])
        rng = np.random.default_rng(11)
        dirs = rng.normal(size=(400, 3))
        dirs[dirs @ sun_dir < 0] *= -1.0                    # the sunward hemisphere
        points = dirs / np.sqrt(np.sum((dirs / radii) ** 2, axis=1))[:, None]
        lit = moon_sunlit_fraction(points, np.zeros(len(points)), eu_s, 0, moons=[(io_s, r_io)])
        classes = [np.flatnonzero(m) for m in (lit == 0, (lit > 0.02) & (lit < 0.98), lit == 1)]
        assert all(c.size >= 8 for c in classes), f"umbra/penumbra/sunlit points: {[c.size for c in classes]}"
        worst = 0.0
        with KernelPool([metakernel]):
            for k in np.concatenate([rng.choice(c, size=8, replace=False) for c in classes]):
                sun = np.asarray(spiceypy.spkcpo("SUN", t_p, "J2000", "OBSERVER", "LT", points[k], "EUROPA",
                                                 "IAU_EUROPA")[0][:3])
                moon = np.asarray(spiceypy.spkcpo("IO", t_p, "J2000", "OBSERVER", "LT", points[k], "EUROPA",
                                                  "IAU_EUROPA")[0][:3])
                theta = np.arctan2(np.linalg.norm(np.cross(sun, moon)), sun @ moon)
                expected = 1.0 - covered_fraction_numeric(np.arcsin(SUN_RADIUS_KM / np.linalg.norm(sun)),
                                                          np.arcsin(r_io / np.linalg.norm(moon)), theta, strips=4000)
                worst = max(worst, abs(lit[k] - expected))
    assert worst < MUTUAL_TOL, f"Io's shadow on Europa vs spiceypy: worst {worst:.2e}"


# The synthetic orbit with Juno 110,000 km from Europa while Io's shadow crosses it (found by scanning the
# perijove latitude and local time for Europa in the swath at the event above): Europa (21 px radius) in
# GREEN frame 2, its sunlit crescent in Io's umbra and penumbra while Europa itself enters Jupiter's shadow
# (spiceypy occult: the Sun's centre seen from Europa's centre is behind Jupiter): both blockers at once.
MUTUAL_SCENARIO = """
name = "europa-in-io-shadow"
description = "Io's shadow on Europa (test scenario)"
seed = 1
[orbit]
perijove_utc = "2020-06-03T02:42:42"
perijove_altitude_km = 4200.0
perijove_latitude_deg = 30.0
period_days = 53.5
perijove_local_time_h = 12.0
[spin]
phase_deg = 0.0
[geometry]
coverage_before_h = 8.0
coverage_after_h = 0.1
[imaging]
start_utc = "2020-06-02T18:56:36.450"
frames = 6
[scene]
bodies = [{ name = "EUROPA", naif_id = 502, frame = "IAU_EUROPA", radii_km = [1562.6, 1560.3, 1559.5], albedo = 0.65 },
          { name = "IO", naif_id = 501, frame = "IAU_IO", radii_km = [1829.4, 1819.4, 1815.7], albedo = 0.6 }]
"""


def test_rendered_europa_in_io_shadow_as_spiceypy_geometry_says(kernel_cache_dir, tmp_path):
    """Moons' shadows on each other in a rendered framelet: Europa's pixels dimmed by Io's shadow and
    Jupiter's vs spiceypy (``sincpt`` on Europa, ``spkcpo`` of the Sun, Io and Jupiter from the point; Io's
    disk by the strip integration, Jupiter's ellipsoid by rays; the two factors multiply)."""
    path = tmp_path / "mutual.toml"
    path.write_text(MUTUAL_SCENARIO)
    scenario = load_scenario(path)
    kernel_set_for(scenario, kernel_cache_dir)
    req = request_for(scenario, kernel_cache_dir, filters=("GREEN",), frames=6, frame_indices=(2,),
                      tdi_stages={"GREEN": 1}, sample_range=(590, 730), options=RenderOptions(psf_sigma_px=0.0))
    with_shadow = render_one(req)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bodies.ExtraBodies, "shade", lambda *args, **kw: None)
        without = render_one(req)
    ratio = _interior_ratio(with_shadow, without, 502)
    classes = [np.flatnonzero(np.isfinite(ratio) & m) for m in (ratio == 0, (ratio > 0.02) & (ratio < 0.98))]
    assert classes[0].size >= 15 and classes[1].size >= 10, \
        f"Europa's sunlit crescent in Io's umbra/penumbra: {[c.size for c in classes]} interior pixels"
    rng = np.random.default_rng(7)
    worst, jupiter_dims = 0.0, False
    with KernelPool([req.metakernel]):
        r_io = float(np.prod(spiceypy.bodvrd("IO", "RADII", 3)[1]) ** (1.0 / 3.0))
        for flat in np.concatenate([rng.choice(c, size=min(c.size, 15), replace=False) for c in classes]):
            j, i = divmod(int(flat), ratio.shape[1])
            ray = CAM.pixel_to_ray("GREEN", 590 + i + 0.5, j + 0.5)
            point, trgepc, _ = spiceypy.sincpt("ELLIPSOID", "EUROPA", with_shadow.mid_et, "IAU_EUROPA", req.abcorr,
                                               "JUNO", "JUNO_JUNOCAM", ray)
            sun = np.asarray(spiceypy.spkcpo("SUN", trgepc, "J2000", "OBSERVER", "LT", point, "EUROPA",
                                             "IAU_EUROPA")[0][:3])
            moon = np.asarray(spiceypy.spkcpo("IO", trgepc, "J2000", "OBSERVER", "LT", point, "EUROPA",
                                              "IAU_EUROPA")[0][:3])
            theta = np.arctan2(np.linalg.norm(np.cross(sun, moon)), sun @ moon)
            by_io = covered_fraction_numeric(np.arcsin(SUN_RADIUS_KM / np.linalg.norm(sun)),
                                             np.arcsin(r_io / np.linalg.norm(moon)), theta, strips=4000)
            jup, lt = spiceypy.spkcpo("JUPITER", trgepc, "J2000", "OBSERVER", "LT", point, "EUROPA", "IAU_EUROPA")
            by_jupiter = hidden_fraction_rays(np.zeros(3), sun, np.asarray(jup[:3]),
                                              np.asarray(spiceypy.bodvrd("JUPITER", "RADII", 3)[1]),
                                              spiceypy.pxform("J2000", "IAU_JUPITER", trgepc - lt))
            worst = max(worst, abs(ratio[j, i] - (1.0 - by_io) * (1.0 - by_jupiter)))
            jupiter_dims |= by_jupiter > 0.02
    assert jupiter_dims, "Jupiter's penumbra should cross Europa's crescent too"
    assert worst < RENDER_TOL, f"rendered lit fraction on Europa vs spiceypy geometry: worst {worst:.2e}"

"""Jupiter's ellipsoid: exact ray intersection, normals, latitudes and west longitude."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import example, given
from hypothesis import strategies as st

from scenes import JUPITER_RADII_KM, Ellipsoid, SceneError
from scenes.ellipsoid import planetocentric_from_planetographic_deg, planetographic_from_planetocentric_deg

ON_SURFACE_REL_TOL = 1e-9      # |(p/r)^2 - 1| for returned points (the brief's requirement)
ANGLE_TOL_DEG = 1e-9
JUPITER = Ellipsoid()

unit = st.tuples(*[st.floats(-1.0, 1.0, allow_nan=False)] * 3).filter(lambda v: np.linalg.norm(v) > 1e-3)
distance_rj = st.floats(1.01, 120.0)   # from just above the cloud tops to beyond apojove


def _implicit(points, radii=JUPITER_RADII_KM):
    return np.sum((np.asarray(points) / np.asarray(radii)) ** 2, axis=-1) - 1.0


@given(unit, distance_rj, unit, st.floats(0.0, 0.999))
@example((1.0, 0.0, 0.0), 10.0, (0.0, 0.0, 1.0), 0.5)
def test_hits_lie_on_surface_and_are_the_nearest_root(position_dir, dist_rj, aim_dir, aim_fraction):
    origin = np.asarray(position_dir) / np.linalg.norm(position_dir) * dist_rj * JUPITER_RADII_KM[0]
    # Aim at a point inside the body (a guaranteed hit) at a random fraction of the polar radius.
    target = np.asarray(aim_dir) / np.linalg.norm(aim_dir) * aim_fraction * JUPITER_RADII_KM[2]
    d = (target - origin) / np.linalg.norm(target - origin)
    points, t = JUPITER.intersect_points(origin, d)
    assert np.isfinite(t[0]) and t[0] > 0, f"expected a hit, got t={t[0]}"
    err = abs(_implicit(points[0]))
    assert err < ON_SURFACE_REL_TOL, f"point off the surface by {err:.3e} (relative)"
    # Nearest root: the segment from the origin to the point stays outside the body.
    fractions = np.linspace(0.0, 1.0, 200, endpoint=False)
    path = origin + np.outer(fractions * t[0], d)
    inside = _implicit(path) < -ON_SURFACE_REL_TOL
    assert not inside.any(), f"segment enters the body before t={t[0]} (nearest root missed)"
    # The far root is at larger t: stepping slightly past the near point goes inside (non-tangent rays).
    n = JUPITER.normal(points)[0]
    if abs(np.dot(n, d)) > 1e-3:
        assert _implicit(points[0] + 1.0 * d) < 0, "stepping 1 km past the hit should be inside"


@given(unit, distance_rj, unit)
def test_misses_are_nan_and_hits_agree_with_a_brute_force_search(position_dir, dist_rj, dir_):
    origin = np.asarray(position_dir) / np.linalg.norm(position_dir) * dist_rj * JUPITER_RADII_KM[0]
    d = np.asarray(dir_) / np.linalg.norm(dir_)
    t = JUPITER.intersect(origin, d)[0]
    s = np.linspace(0.0, 250.0 * JUPITER_RADII_KM[0], 400001)
    values = _implicit(origin + np.outer(s, d))
    enters = np.nonzero(values < -1e-6)[0]
    if np.isnan(t):
        assert enters.size == 0, f"NaN returned but the ray enters the body at s={s[enters[0]]:.1f} km"
    else:
        assert t > 0
        # The entry lies between the last sample outside and the first inside (sign change of the implicit
        # function; a -1e-6 depth threshold would put the first "inside" sample several steps late on grazing
        # rays, where the function dips slowly).
        inside = np.nonzero(values < 0.0)[0]
        if inside.size:
            step, slack = s[1] - s[0], 1e-6
            first = s[inside[0]]
            assert first - step - slack <= t <= first + slack, \
                f"distance {t:.6f} km not in the brute-force bracket ({first - step:.6f}, {first:.6f}] km"


def test_rays_from_inside_and_pointing_away_are_nan():
    inside = np.zeros((2, 3))
    dirs = np.array([[1.0, 0, 0], [0, 0, 1.0]])
    assert np.isnan(JUPITER.intersect(inside, dirs)).all()
    outside = np.array([[2e5, 0, 0]])
    assert np.isnan(JUPITER.intersect(outside, np.array([[1.0, 0, 0]])))[0]
    t = JUPITER.intersect(outside, np.array([[-1.0, 0, 0]]))[0]
    assert t == pytest.approx(2e5 - JUPITER_RADII_KM[0], rel=1e-14)


def test_vectorised_broadcast_of_one_origin_against_many_directions():
    origin = np.array([0.0, -5e5, 1e5])
    rng = np.random.default_rng(1)
    d = rng.normal(size=(1000, 3)) * 0.05 + np.array([0.0, 1.0, -0.2])
    t = JUPITER.intersect(origin, d)
    single = np.array([JUPITER.intersect(origin, row)[0] for row in d[:20]])
    np.testing.assert_array_equal(t[:20], single)
    assert np.isfinite(t).any() and np.isnan(t).any()


@given(st.floats(-89.9, 89.9), st.floats(0.0, 359.999))
def test_latitudes_and_longitude_match_spice(lat_pg, lon_w):
    p = JUPITER.surface_point(lat_pg, lon_w)[np.newaxis]
    lat_pc, lat_pg_back, lon_back = JUPITER.lonlat(p)
    a, _, c = JUPITER_RADII_KM
    lon_e_geo, lat_spice, _ = spiceypy.recgeo(p[0], a, (a - c) / a)   # geodetic = planetographic
    radius, lon_e, lat_r = spiceypy.reclat(p[0])
    assert abs(lat_pg_back[0] - np.degrees(lat_spice)) < ANGLE_TOL_DEG
    assert abs(lat_pg_back[0] - lat_pg) < ANGLE_TOL_DEG
    assert abs(lat_pc[0] - np.degrees(lat_r)) < ANGLE_TOL_DEG
    # System III west longitude is minus the east longitude (Jupiter rotates prograde).
    dlon = (lon_back[0] + np.degrees(lon_e_geo) + 180.0) % 360.0 - 180.0
    assert abs(dlon) < ANGLE_TOL_DEG, f"west longitude differs from -recgeo longitude by {dlon} deg"
    assert 0.0 <= lon_back[0] < 360.0
    assert abs(planetographic_from_planetocentric_deg(lat_pc[0]) - lat_pg) < ANGLE_TOL_DEG
    assert abs(planetocentric_from_planetographic_deg(lat_pg) - lat_pc[0]) < ANGLE_TOL_DEG


def test_west_longitude_direction():
    # +y body axis is 90 deg EAST, i.e. 270 deg west.
    _, _, lon = JUPITER.lonlat(np.array([[71492.0, 0, 0], [0, 71492.0, 0], [0, -71492.0, 0]]))
    np.testing.assert_allclose(lon, [0.0, 270.0, 90.0])


@given(st.floats(-89.0, 89.0), st.floats(0.0, 359.0))
def test_normals_are_outward_unit_and_perpendicular_to_the_surface(lat, lon):
    p = JUPITER.surface_point(lat, lon)[np.newaxis]
    n = JUPITER.normal(p)[0]
    assert abs(np.linalg.norm(n) - 1.0) < 1e-12
    assert np.dot(n, p[0]) > 0
    # Perpendicular: a small step along the tangent stays on the surface to second order.
    tangent = np.cross(n, [0.0, 0.0, 1.0])
    tangent /= np.linalg.norm(tangent)
    assert abs(_implicit(p[0] + 1.0 * tangent)) < 1e-9


def test_bad_inputs_raise_scene_error():
    with pytest.raises(SceneError, match="radii"):
        Ellipsoid((1.0, -2.0, 3.0))
    with pytest.raises(SceneError, match=r"\(N, 3\)"):
        JUPITER.intersect(np.zeros((4, 2)), np.zeros((4, 2)))

"""Evaluation in blocks and the vortex quick rejects are pure speed-ups: results must not change."""

from __future__ import annotations

import numpy as np

from scenes import JupiterAppearance, build_scene
from scenes.blocks import BLOCK_POINTS, point_blocks
from scenes.jupiter import _RADIUS_KM
from scenes.jupiter_features import DEFAULT_VORTICES
from scenes.noise import value_noise


def test_point_blocks_cover_every_index_once():
    for count in (0, 1, BLOCK_POINTS - 1, BLOCK_POINTS, 2 * BLOCK_POINTS + 5):
        covered = np.concatenate([np.arange(count)[b] for b in point_blocks(count)] or [np.zeros(0, int)])
        assert np.array_equal(covered, np.arange(count)), f"count {count}"
        assert all(b.stop - b.start <= BLOCK_POINTS for b in point_blocks(count))


def test_albedo_is_the_same_whether_evaluated_in_one_call_or_point_by_piece():
    # More points than two blocks, spread over the planet and crowded around the GRS; per-point footprints
    # band-limit by their minimum over the call, so the pieces get that minimum.
    rng = np.random.default_rng(4)
    n = 2 * BLOCK_POINTS + 1234
    lat = np.concatenate([np.degrees(np.arcsin(rng.uniform(-1, 1, n // 2))), rng.uniform(-30, -14, n - n // 2)])
    lon = np.concatenate([rng.uniform(0, 360, n // 2), rng.uniform(300, 340, n - n // 2)])
    footprint = rng.uniform(20.0, 40.0, n)
    footprint[5] = 3.0        # in the first block only: the others must still keep its octaves
    app = JupiterAppearance(seed=6)
    for name in ("RED", "METHANE"):
        whole = app.normal_albedo(name, lat, lon, footprint_km=footprint)
        cuts = [0, 1, 777, BLOCK_POINTS + 3, n]
        pieces = np.concatenate([app.normal_albedo(name, lat[a:b], lon[a:b], footprint_km=footprint.min())
                                 for a, b in zip(cuts[:-1], cuts[1:])])
        worst = np.max(np.abs(whole - pieces))
        assert worst == 0.0, f"{name}: blocked and piecewise albedo differ by up to {worst:.3e}"


def test_evaluate_in_blocks_matches_single_point_evaluations():
    scene = build_scene({}, seed=2)
    shape = scene.bodies[0].shape
    rng = np.random.default_rng(8)
    n = BLOCK_POINTS + 100
    points = shape.surface_point(rng.uniform(-80, 80, n), rng.uniform(0, 360, n))
    sun = np.array([[7.0e8, 1.0e8, 2.0e7]])             # (1, 3): broadcast over every block
    obs = points * 1.3                                  # per-point observer positions, (N, 3)
    ev = scene.evaluate(0, "GREEN", points, sun, obs, footprint_km=10.0)
    for i in rng.choice(n, 25, replace=False):
        one = scene.evaluate(0, "GREEN", points[i:i + 1], sun, obs[i:i + 1], footprint_km=10.0)
        for key, value in one.items():
            assert value[0] == ev[key][i], f"{key} at point {i}: {value[0]!r} vs {ev[key][i]!r} in a batch"


def test_vortex_quick_rejects_keep_every_point_of_every_vortex():
    # Brute force: the elliptic distance d of every point to every vortex; the longitude quick rejects
    # must keep exactly the points the plain selection keeps (those with d < 2, the compact support).
    rng = np.random.default_rng(1)
    lat = np.concatenate([np.degrees(np.arcsin(rng.uniform(-1, 1, 20000))),
                          *[v.lat_pg_deg + rng.normal(0, 6, 800) for v in DEFAULT_VORTICES]]).clip(-90, 90)
    lon = np.concatenate([rng.uniform(0, 360, 20000),
                          *[(v.lon_w_deg + rng.normal(0, 15, 800)) % 360 for v in DEFAULT_VORTICES]])
    phi, lam_e = np.radians(lat), -np.radians(lon)
    u = np.stack([np.cos(phi) * np.cos(lam_e), np.cos(phi) * np.sin(lam_e), np.sin(phi)], axis=1)
    for v in DEFAULT_VORTICES:
        part = JupiterAppearance._vortex_geometry(v, lat, lon, np.cos(phi), np.sin(phi), lam_e)
        found = set() if part is None else set(part[0].tolist())
        c_phi, c_lam = np.radians(v.lat_pg_deg), -np.radians(v.lon_w_deg)
        centre = np.array([np.cos(c_phi) * np.cos(c_lam), np.cos(c_phi) * np.sin(c_lam), np.sin(c_phi)])
        east = np.array([-np.sin(c_lam), np.cos(c_lam), 0.0])
        north = np.cross(centre, east)
        d = np.hypot(_RADIUS_KM * (u @ east) / v.east_km, _RADIUS_KM * (u @ north) / v.north_km)
        # The original selection: latitude band, then a cap of 1.5 times that reach, then d < 2.
        reach_deg = np.degrees(2.0 * max(v.east_km, v.north_km) / _RADIUS_KM)
        band = np.abs(lat - v.lat_pg_deg) < reach_deg
        cap = u @ centre > np.cos(np.radians(reach_deg) * 1.5)
        expected = set(np.nonzero(band & cap & (d < 2.0))[0].tolist())
        assert expected, f"{v.name}: the test points miss the vortex"
        assert found == expected, (f"{v.name}: {len(expected - found)} points inside missed, "
                                   f"{len(found - expected)} extra")


def test_noise_lattice_wraps_cell_indices_modulo_2_to_the_32_on_both_paths():
    # Coordinates beyond +-2^31 take the int64 path, small ones the int32 one; both must hash the cell
    # index modulo 2^32 (fractions on a 1/1024 grid stay exact after adding 2^32).
    rng = np.random.default_rng(3)
    p = rng.integers(-50000, 50000, size=(3000, 3)) / 1024.0
    shift = np.array([2.0**32, -(2.0**33), 2.0**32])
    small, large = value_noise(p, 11), value_noise(p + shift, 11)
    assert np.array_equal(small, large), f"differ by up to {np.max(np.abs(small - large)):.3e}"
    assert -1.0 <= small.min() and small.max() <= 1.0 and small.std() > 0.2

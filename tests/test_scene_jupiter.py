"""Procedural Jupiter: disk-averaged albedo vs Karkoschka, features where they belong, seed behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from scenes import JupiterAppearance, Photometry, SceneError, build_scene
from scenes.filters import FILTERS, KARKOSCHKA_GEOMETRIC_ALBEDO
from scenes.jupiter_features import DEFAULT_VORTICES
from scenes.truth import geometric_albedo, truth_maps

ALBEDO_REL_TOL = 0.10   # the issue: disk-averaged albedo within 10 % of Karkoschka (facts.md)


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("filter_name", FILTERS)
def test_disk_averaged_geometric_albedo_matches_karkoschka(filter_name, seed):
    app = JupiterAppearance(seed=seed)
    p = geometric_albedo(app, Photometry(), filter_name, size=96)
    expected = KARKOSCHKA_GEOMETRIC_ALBEDO[filter_name]
    assert abs(p / expected - 1.0) < ALBEDO_REL_TOL, f"{filter_name}: disk average {p:.4f} vs {expected}"


def _vortex(name):
    return next(v for v in DEFAULT_VORTICES if v.name == name)


def _ring(v, radius_fraction, n=64):
    # Points on a ring around a vortex centre, in degrees (small-angle, good enough for a mask test).
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    dlat = np.degrees(radius_fraction * v.north_km / 71492.0) * np.sin(angle)
    dlon = np.degrees(radius_fraction * v.east_km / (71492.0 * np.cos(np.radians(v.lat_pg_deg)))) * np.cos(angle)
    return v.lat_pg_deg + dlat, (v.lon_w_deg + dlon) % 360.0


def test_great_red_spot_is_red_and_bright_in_methane_where_it_belongs():
    app = JupiterAppearance(seed=3)
    grs = _vortex("GRS")
    assert -24.0 < grs.lat_pg_deg < -20.0
    lat, lon = _ring(grs, 0.3)
    inside = {f: app.normal_albedo(f, lat, lon).mean() for f in FILTERS}
    lat_o, lon_o = _ring(grs, 2.5)
    outside_m = app.normal_albedo("METHANE", lat_o, lon_o).mean()
    assert inside["RED"] > 1.3 * inside["BLUE"], f"GRS not red: {inside}"
    assert inside["METHANE"] > 2.0 * outside_m, f"GRS {inside['METHANE']:.3f} vs surroundings {outside_m:.3f}"
    # And the same latitude on the far side of the planet is not the GRS.
    far = app.normal_albedo("METHANE", lat, (lon + 180.0) % 360.0).mean()
    assert inside["METHANE"] > 1.5 * far


def test_polar_cyclones_form_clusters_of_eight_and_five_and_are_bright_in_methane():
    app = JupiterAppearance(seed=1)
    north = [v for v in DEFAULT_VORTICES if v.kind == "cyclone" and v.lat_pg_deg > 0]
    south = [v for v in DEFAULT_VORTICES if v.kind == "cyclone" and v.lat_pg_deg < 0]
    assert len(north) == 9 and len(south) == 6
    assert sum(abs(v.lat_pg_deg - 83.0) < 1.0 for v in north) == 8
    assert sum(abs(v.lat_pg_deg + 84.0) < 1.0 for v in south) == 5
    assert all(abs(v.lat_pg_deg) > 89.0 for v in north + south if v.name in ("NPC", "SPC"))
    mid = app.normal_albedo("METHANE", np.full(200, 30.0), np.linspace(0, 359, 200)).mean()
    for v in north + south:
        centre = app.normal_albedo("METHANE", [v.lat_pg_deg], [v.lon_w_deg])[0]
        assert centre > 2.0 * mid, f"cyclone {v.name}: methane {centre:.3f} vs mid-latitudes {mid:.3f}"


def test_belts_are_darker_than_zones_and_darker_in_blue():
    app = JupiterAppearance(seed=2)
    lon = np.linspace(0.0, 360.0, 2000, endpoint=False)

    def band(lat):
        return {f: app.normal_albedo(f, np.full(lon.size, lat), lon).mean() for f in ("BLUE", "GREEN", "RED")}

    neb, seb, ez, ntrz = band(12.0), band(-14.0), band(2.5), band(20.5)
    for belt in (neb, seb):
        for zone in (ez, ntrz):
            # Low contrast in GREEN (the real cloud field's 1.5-1.7 % patch contrast, issue #13), stronger in
            # BLUE, where the belts' colour is (a blue-absorbing chromophore). Not as strong as the 0.7x of
            # the earlier scene: on the real PJ32 image raw blue/green varies by only +-4 % over -66..-20 deg,
            # STB and SSTB included (benchmarks/band_colours.py), and the equatorial belts are the strongest.
            assert belt["GREEN"] < 0.98 * zone["GREEN"], f"belt {belt['GREEN']:.3f} vs zone {zone['GREEN']:.3f}"
            assert belt["BLUE"] < 0.85 * zone["BLUE"], f"belt {belt['BLUE']:.3f} vs zone {zone['BLUE']:.3f}"
            # tan-brown, not olive: the chromophore takes blue, not red, so red/green does not fall in the belts
            # (it fell 2.3 % before, which the colour view's enhancement showed as olive belts)
            assert belt["RED"] / belt["GREEN"] >= 0.995 * zone["RED"] / zone["GREEN"], (belt, zone)
        # reddish-brown: relative to the zones the belts lose more blue than red
        assert belt["BLUE"] / ez["BLUE"] < belt["RED"] / ez["RED"]


def test_methane_disk_is_dark_except_hazes():
    app = JupiterAppearance(seed=0)
    lon = np.linspace(0.0, 360.0, 720, endpoint=False)
    mid = app.normal_albedo("METHANE", np.full(lon.size, -30.0), lon).mean()
    polar = app.normal_albedo("METHANE", np.full(lon.size, 75.0), lon).mean()
    equator = app.normal_albedo("METHANE", np.full(lon.size, 0.0), lon).mean()
    assert mid < 0.06 and polar > 1.8 * mid and equator > 1.2 * mid


ZONAL_MEAN_TOL = 0.02         # two thirds of GREEN's belt/zone contrast (~0.03)
ZONAL_MIN_CORRELATION = 0.75  # the belt pattern still dominates the zonal means


def test_same_seed_identical_other_seed_different_texture_same_statistics():
    maps = truth_maps(JupiterAppearance(seed=11), 2.0, ("GREEN",))
    a, lat = maps["GREEN"], maps["lat"]
    b = truth_maps(JupiterAppearance(seed=11), 2.0, ("GREEN",))["GREEN"]
    c = truth_maps(JupiterAppearance(seed=12), 2.0, ("GREEN",))["GREEN"]
    assert a.tobytes() == b.tobytes()
    # The texture's rms is a few % of the albedo (issue #13's real contrast read as DN), so seeds differ by more
    # than 0.003 on average.
    assert np.mean(np.abs(a - c)) > 0.003, "another seed must change the texture"
    assert abs(a.mean() - c.mean()) < 0.02 and abs(a.std() / c.std() - 1.0) < 0.15
    # Zonal means (the belt structure, away from the poles where few noise cells fit) are seed-independent.
    rows = np.abs(lat) < 50.0
    zonal_a, zonal_c = a[rows].mean(axis=1), c[rows].mean(axis=1)
    worst = np.max(np.abs(zonal_a - zonal_c))
    correlation = np.corrcoef(zonal_a, zonal_c)[0, 1]
    # belt/zone contrast is ~0.03 in GREEN; the texture may move a zonal mean by a fraction of that. The cloud
    # field's largest octaves (cells up to 12,000 km, stretched east-west) carry most of its power since the
    # re-base to the real map's DN figures (fine_contrast 0.14, octave_gain 0.68): measured worst 0.016,
    # correlation 0.83 for seeds 11 / 12 (0.01 / 0.9 before, at a third of the contrast).
    assert worst < ZONAL_MEAN_TOL and correlation > ZONAL_MIN_CORRELATION, (
        f"zonal means: worst {worst:.3f}, correlation {correlation:.3f}")


def test_fine_detail_continues_to_perijove_scales():
    # Over 30 km around a point, 3 km steps must still show texture (no low-resolution texture blurring).
    app = JupiterAppearance(seed=5)
    km = np.arange(0.0, 30.0, 3.0)
    lat = -10.0 + np.degrees(km / 71492.0)
    values = app.normal_albedo("GREEN", lat, np.full(km.size, 100.0))
    steps = np.abs(np.diff(values)) / values.mean()
    assert np.median(steps) > 1e-3, f"no detail at 3 km: median relative step {np.median(steps):.2e}"
    # Band limiting with a 50 km footprint removes that detail.
    coarse = app.normal_albedo("GREEN", lat, np.full(km.size, 100.0), footprint_km=50.0)
    assert np.median(np.abs(np.diff(coarse)) / coarse.mean()) < np.median(steps)


def test_unknown_filter_raises_one_clear_scene_error():
    scene = build_scene({}, seed=0)
    with pytest.raises(SceneError, match=r"unknown filter 'CLEAR'; expected one of METHANE, BLUE, GREEN, RED"):
        scene.bodies[0].appearance.normal_albedo("CLEAR", [0.0], [0.0])
    assert scene.bodies[0].appearance.normal_albedo("green", [0.0], [0.0]).shape == (1,)


def test_non_finite_positions_get_nan_and_the_rest_is_unchanged():
    """NaN/inf latitude or longitude (no position) give NaN albedo, not an error; finite points keep their value."""
    app = JupiterAppearance(seed=3)
    lat = np.array([10.0, np.nan, -22.0, 45.0, 0.0])
    lon = np.array([20.0, 30.0, np.inf, 320.0, 100.0])
    out = app.normal_albedo("GREEN", lat, lon, footprint_km=np.full(5, 30.0))
    assert np.isnan(out[1]) and np.isnan(out[2]), f"non-finite positions gave {out[1:3]}"
    ok = [0, 3, 4]
    ref = app.normal_albedo("GREEN", lat[ok], lon[ok], footprint_km=np.full(3, 30.0))
    assert np.array_equal(out[ok], ref), f"finite points changed by {np.max(np.abs(out[ok] - ref)):.2e}"

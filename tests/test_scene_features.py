"""Jupiter's feature populations: published counts and latitudes, each family switchable from the scenario,
vortices faded out below ~2 pixel footprints (no aliasing), and the cloud field's texture with them on."""

from __future__ import annotations

import numpy as np
import pytest

from scenes import JupiterAppearance, Photometry, SceneError, build_scene
from scenes.jupiter_features import (FEATURE_FAMILIES, NAMED_VORTICES, POLAR_CYCLONES, STRING_OF_PEARLS,
                                     FeaturePopulation, feature_set)
from scenes.truth import TEXTURE_VIEWS, scene_texture
from test_scene_texture import CONTRAST_MEDIAN_TOL, REAL_CONTRAST, SMALL_SLOPE_VIEW_RANGE

R_KM = 71492.0


def test_default_features_carry_the_published_counts_and_latitudes():
    # String of Pearls: eight AWOs at ~40 S (NASA/JPL PJ9 release); circumpolar cyclones: 8 at ~83 N and 5 at
    # ~84 S around a polar one each (Adriani et al. 2018).
    assert len(STRING_OF_PEARLS) == 8 and all(abs(v.lat_pg_deg + 40.5) < 1.0 for v in STRING_OF_PEARLS)
    ring_n = [v for v in POLAR_CYCLONES if 80.0 < v.lat_pg_deg < 89.0]
    ring_s = [v for v in POLAR_CYCLONES if -89.0 < v.lat_pg_deg < -80.0]
    assert len(ring_n) == 8 and len(ring_s) == 5
    # Folded filamentary regions: poleward of 40 deg (Fletcher et al. 2026), a third in the ~66 deg belt.
    app = JupiterAppearance(seed=3)
    ffr = [v for v in app._all_vortices if v.kind == "ffr"]
    lats = np.abs([v.lat_pg_deg for v in ffr])
    assert len(ffr) == 2 * FeaturePopulation().ffr and lats.min() >= 42.0 and lats.max() <= 78.0
    assert np.sum(np.abs(lats - 66.0) < 5.0) >= len(ffr) // 3, f"FFR latitudes {np.sort(lats)}"
    assert all(v.east_km > 1.5 * v.north_km for v in ffr), "FFRs are elongated east-west"


@pytest.mark.parametrize("families", [[], ["named"], ["pearls", "ffr"], ["vortices"], list(FEATURE_FAMILIES)])
def test_each_family_switches_on_and_off_from_the_scene_table(families):
    app = build_scene({"features": families or ["none"]}, seed=2).bodies[0].appearance
    kinds = {v.kind for v in app._all_vortices}
    assert ("grs" in kinds) == ("named" in families)
    assert ("ffr" in kinds) == ("ffr" in families)
    assert any(v.name.startswith("SSTB") for v in app._all_vortices) == ("pearls" in families)
    assert any("chain" in v.name for v in app._all_vortices) == ("vortices" in families)
    if families == list(FEATURE_FAMILIES):
        assert app == JupiterAppearance(seed=2), "all families = the default appearance"
    if not families:
        assert app._all_vortices == () and app.population is None


def test_bad_feature_settings_raise_one_scene_error():
    with pytest.raises(SceneError, match="'ovals' is not one of"):
        build_scene({"features": ["ovals"]})
    with pytest.raises(SceneError, match="must be a list"):
        build_scene({"features": "ffr"})
    with pytest.raises(SceneError, match="polar_haze = 1.5"):
        build_scene({"polar_haze": 1.5})


def test_scenario_key_reaches_the_scene(tmp_path):
    from simulator.errors import ScenarioError
    from simulator.scenario import load_scenario

    path = tmp_path / "bare.toml"
    path.write_text('base = "default"\n[scene]\nfeatures = ["polar_cyclones"]\npolar_haze = 0.2\n')
    scene = build_scene(load_scenario(path).table("scene"), seed=0)
    app = scene.bodies[0].appearance
    assert app.vortices == POLAR_CYCLONES and app.population is None and app.polar_haze == 0.2
    path.write_text('base = "default"\n[scene]\nfeatures = ["storms"]\n')
    with pytest.raises(ScenarioError, match="storms"):
        load_scenario(path)


def test_vortices_fade_out_below_two_footprints_and_are_whole_above_four():
    oval = STRING_OF_PEARLS[0]
    app = JupiterAppearance(seed=1, vortices=(oval,), population=None)
    bare = JupiterAppearance(seed=1, vortices=(), population=None)
    across = 2.0 * min(oval.east_km, oval.north_km)
    fade_lo, fade_hi = app.vortex_fade_px
    weights = [app.vortex_weights(across / px)[0] for px in np.linspace(1.0, 6.0, 26)]
    assert np.all(np.diff(weights) >= 0.0), "the weight grows with the vortex's size in pixels"
    assert app.vortex_weights(across / (0.99 * fade_lo))[0] == 0.0
    assert app.vortex_weights(across / fade_hi)[0] == 1.0 and app.vortex_weights(None)[0] == 1.0
    lat, lon = np.array([oval.lat_pg_deg]), np.array([oval.lon_w_deg])
    coarse = across / (0.9 * fade_lo)      # the oval spans 1.8 footprints: not drawn at all
    assert app.normal_albedo("GREEN", lat, lon, coarse) == bare.normal_albedo("GREEN", lat, lon, coarse)
    fine = across / (2.0 * fade_hi)
    gain = app.normal_albedo("GREEN", lat, lon, fine)[0] / bare.normal_albedo("GREEN", lat, lon, fine)[0]
    assert gain > 1.03, f"a white oval at {fine:.0f} km footprints brightens its centre by only {gain:.3f}"


def test_feature_set_returns_the_default_layout_for_every_family():
    vortices, population = feature_set(FEATURE_FAMILIES)
    assert vortices[: len(NAMED_VORTICES)] == NAMED_VORTICES and population == FeaturePopulation()
    assert feature_set(["named"])[1] is None


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_all_views_keep_the_real_texture_with_features_on(seed):
    # Six views (equator and +-45 deg, two longitudes): the median detrended contrast within CONTRAST_MEDIAN_TOL of the
    # real map's DN figure and every 400-1,200 km slope in SMALL_SLOPE_VIEW_RANGE, features on (the old
    # sharp-rimmed population reached -1.5). Measured: medians 3.50 / 3.53 %, slopes -3.10..-3.88.
    results = scene_texture(JupiterAppearance(seed=seed), Photometry(), "GREEN", TEXTURE_VIEWS)
    median = np.median([r["texture_median"] for r in results])
    assert abs(median / REAL_CONTRAST - 1.0) < CONTRAST_MEDIAN_TOL, f"median detrended contrast {median:.4f}"
    small = np.array([r["slopes"][1] for r in results])
    worst = small[np.argmax(np.abs(np.clip(small, *SMALL_SLOPE_VIEW_RANGE) - small))]
    assert np.all((small > SMALL_SLOPE_VIEW_RANGE[0]) & (small < SMALL_SLOPE_VIEW_RANGE[1])), (
        f"400-1,200 km slopes {np.round(small, 2)}, worst {worst:.2f}")

"""build_scene from a [scene] table, Scene.evaluate's angles and truth, and the `junocam-sim scene` command."""

from __future__ import annotations

import numpy as np
import pytest

from scenes import JUPITER_RADII_KM, SceneError, build_scene
from simulator.cli import main

ANGLE_TOL_DEG = 1e-9


def test_defaults_give_jupiter_first_with_its_spice_identity():
    scene = build_scene({}, seed=3)
    jupiter = scene.bodies[0]
    assert (jupiter.name, jupiter.naif_id, jupiter.frame) == ("JUPITER", 599, "IAU_JUPITER")
    assert jupiter.shape.radii_km == JUPITER_RADII_KM
    assert scene.photometry.model == "minnaert" and jupiter.appearance.seed == 3
    scene = build_scene({"photometry": "Lambert", "texture_seed": 9, "minnaert_k": None}, seed=3)
    assert scene.photometry.model == "lambert" and scene.bodies[0].appearance.seed == 9
    assert build_scene({"minnaert_k": 0.7}).photometry.k_at("METHANE", [0.0, 60.0]).tolist() == [0.7, 0.7]


def test_evaluate_returns_every_backplane_with_correct_angles():
    scene = build_scene({}, seed=0)
    shape = scene.bodies[0].shape
    lat = np.array([0.0, 30.0, -60.0, 10.0])
    lon = np.array([0.0, 45.0, 300.0, 180.0])
    points = shape.surface_point(lat, lon)
    sun = np.array([7.0e8, 1.0e8, 0.0])
    obs = np.array([2.0e5, 0.0, 5.0e4])
    ev = scene.evaluate(0, "blue", points, sun, obs)
    assert set(ev) == {"iof", "albedo", "lat_pc", "lat_pg", "lon_w", "incidence", "emission", "phase", "body_id"}
    np.testing.assert_allclose(ev["lat_pg"], lat, atol=ANGLE_TOL_DEG)
    np.testing.assert_allclose(ev["lon_w"], lon, atol=1e-9)
    n = shape.normal(points)
    for key, target in (("incidence", sun), ("emission", obs)):
        v = target - points
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        np.testing.assert_allclose(ev[key], np.degrees(np.arccos(np.sum(n * v, axis=1))), atol=1e-9)
    assert np.all(ev["iof"][ev["incidence"] >= 90.0] == 0.0)     # night side (lon 180)
    lit = (ev["incidence"] < 90) & (ev["emission"] < 90)
    assert np.all(ev["iof"][lit] > 0) and np.all(ev["iof"] <= ev["albedo"] * 2)
    assert ev["body_id"].dtype == np.int32 and np.all(ev["body_id"] == 599)


def test_bad_scene_tables_raise_scene_error():
    with pytest.raises(SceneError, match="unknown key scene.colour"):
        build_scene({"colour": "red"})
    with pytest.raises(SceneError, match="'painted' is not 'procedural' or 'map'"):
        build_scene({"model": "painted"})
    with pytest.raises(SceneError, match="photometry model 'hapke'"):
        build_scene({"photometry": "hapke"})


def test_scene_command_writes_the_truth_maps(tmp_path, capsys):
    status = main(["scene", "--out", str(tmp_path), "--resolution", "3", "--no-views", "--seed", "2"])
    assert status == 0
    with np.load(tmp_path / "truth-map.npz") as npz:
        assert npz["RED"].shape == (60, 120) and npz["lat"][0] == 88.5 and npz["lon"][0] == 1.5
        from scenes.truth import truth_maps

        again = truth_maps(build_scene({}, seed=2).bodies[0].appearance, 3.0, ("RED",))["RED"]
        np.testing.assert_array_equal(npz["RED"], again)
    for name in ("METHANE", "BLUE", "GREEN", "RED"):
        assert (tmp_path / f"truth-map-{name}.png").is_file()
    assert "wrote" in capsys.readouterr().out


def test_scene_command_reports_bad_resolution_in_one_line(tmp_path, capsys):
    assert main(["scene", "--out", str(tmp_path), "--resolution", "7"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("junocam-sim: error: resolution 7.0 deg") and err.count("\n") == 1


def test_scenes_never_imports_simulator_or_instrument_models():
    import subprocess
    import sys

    code = ("import sys, scenes, scenes.truth, scenes.mesh; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('simulator', 'instrument_models')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"scenes imported {result.stdout.strip()}"

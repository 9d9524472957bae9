"""User maps: the equirectangular convention, 8/16-bit PNG and TIFF, round trip of truth maps, bad maps."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from scenes import JupiterAppearance, MapAppearance, SceneError, build_scene
from scenes.truth import truth_maps, write_truth_maps

SIXTEEN_BIT_STEP = 1.0 / 65535.0


def test_convention_top_row_is_north_and_west_longitude_grows_to_the_right(tmp_path):
    image = np.zeros((180, 360, 3), dtype=np.uint8)
    image[44, 100] = (255, 128, 0)     # centre: lat 90 - 44.5 = 45.5 N, lon_w 100.5
    path = tmp_path / "marker.png"
    Image.fromarray(image).save(path)
    app = MapAppearance.from_config(str(path))
    assert app.normal_albedo("RED", [45.5], [100.5])[0] == pytest.approx(1.0)
    assert app.normal_albedo("GREEN", [45.5], [100.5])[0] == pytest.approx(128 / 255)
    assert app.normal_albedo("BLUE", [45.5], [100.5])[0] == 0.0
    # Mirrored positions (south, east of it) are dark: the convention is not flipped.
    assert app.normal_albedo("RED", [-45.5, 45.5], [100.5, 259.5]).max() == 0.0
    # Longitude wraps: the seam between 359.5 and 0.5 interpolates across it.
    image2 = np.zeros((180, 360), dtype=np.uint8)
    image2[:, 0] = 200
    image2[:, -1] = 100
    Image.fromarray(image2).save(tmp_path / "seam.png")
    grey = MapAppearance.from_config({"GREEN": str(tmp_path / "seam.png")})
    assert grey.normal_albedo("GREEN", [0.0], [0.0])[0] == pytest.approx(150 / 255)


def test_truth_maps_read_back_as_a_user_map_within_one_16_bit_step(tmp_path):
    maps = truth_maps(JupiterAppearance(seed=4), 2.0)
    write_truth_maps(maps, tmp_path)
    paths = {f: str(tmp_path / f"truth-map-{f}.png") for f in ("METHANE", "BLUE", "GREEN", "RED")}
    scene = build_scene({"model": "map", "map_path": paths}, seed=0)
    la, lo = np.meshgrid(maps["lat"], maps["lon"], indexing="ij")
    for name, path in paths.items():
        back = scene.bodies[0].appearance.normal_albedo(name, la.ravel(), lo.ravel()).reshape(la.shape)
        worst = np.max(np.abs(back - maps[name]))
        assert worst <= SIXTEEN_BIT_STEP * 0.51 + 1e-7, f"{name}: worst round-trip error {worst:.2e}"
    with np.load(tmp_path / "truth-map.npz") as npz:
        assert set(npz.files) == {"METHANE", "BLUE", "GREEN", "RED", "lat", "lon"}
        assert npz["GREEN"].dtype == np.float32 and npz["lat"][0] > 0 > npz["lat"][-1]
        assert 0 < npz["lon"][0] < npz["lon"][-1] < 360
    assert Image.open(tmp_path / "quicklook.png").mode == "RGB"


def test_sixteen_bit_tiff_map(tmp_path):
    data = np.full((90, 180), 32768, dtype=np.uint16)
    path = tmp_path / "map.tif"
    Image.fromarray(data).save(path)
    app = MapAppearance.from_config({"BLUE": str(path)})
    assert app.normal_albedo("BLUE", [10.0], [20.0])[0] == pytest.approx(32768 / 65535)


def test_rgb_map_has_a_methane_fallback(tmp_path):
    Image.fromarray(np.full((10, 20, 3), 128, dtype=np.uint8)).save(tmp_path / "rgb.png")
    app = MapAppearance.from_config(str(tmp_path / "rgb.png"))
    assert 0.03 < app.normal_albedo("METHANE", [0.0], [0.0])[0] < 0.08


def test_wrong_shape_or_unreadable_map_raises_one_clear_error(tmp_path):
    Image.fromarray(np.zeros((100, 100), dtype=np.uint8)).save(tmp_path / "square.png")
    with pytest.raises(SceneError, match=r"100 x 100 pixels; expected an equirectangular map"):
        build_scene({"model": "map", "map_path": str(tmp_path / "square.png")})
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(SceneError, match="could not be read"):
        build_scene({"model": "map", "map_path": str(tmp_path / "text.png")})
    with pytest.raises(SceneError, match="could not be read"):
        build_scene({"model": "map", "map_path": str(tmp_path / "absent.png")})
    with pytest.raises(SceneError, match="map_path"):
        build_scene({"model": "map"})

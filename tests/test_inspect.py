"""``junocam-sim inspect``: our products and mission-site pairs pass; inconsistent inputs give one clear error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from simulator.cli import main
from simulator.errors import ProductError
from simulator.products import load_product, product_paths
from test_products import _write
from test_products_support import description


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    desc = description(frames=2)
    return _write(tmp_path_factory.mktemp("inspect"), desc), desc


def test_inspect_our_product_prints_a_summary_and_writes_a_mosaic(ours, tmp_path, capsys):
    root, desc = ours
    mosaic = tmp_path / "m.png"
    assert main(["inspect", str(root), "--mosaic", str(mosaic)]) == 0
    out = capsys.readouterr().out
    assert desc.product_id in out and "PNG matches the JSON" in out and "STOP_TIME rule ok" in out
    for name in desc.filters:
        assert f"  {name}" in out
    with Image.open(mosaic) as img:
        assert img.mode == "L" and img.height >= desc.frames * 128 // 4 and img.width >= 3 * 1648 // 4
        assert np.asarray(img).max() == 255  # labels are drawn in white


def test_inspect_a_mission_site_pair(reference_dir, tmp_path, capsys):
    """The shared real metadata beside a PNG of the size it describes (the real PNG is not shared)."""
    name = "JNCE_2020154_27C00048_V01"
    meta = json.loads((reference_dir / "products" / f"{name}-Metadata.json").read_text())
    (tmp_path / "DataSet").mkdir()
    (tmp_path / "ImageSet").mkdir()
    shutil.copy(reference_dir / "products" / f"{name}-Metadata.json", tmp_path / "DataSet")
    pixels = np.random.default_rng(1).integers(0, 256, (meta["LINES"], meta["LINE_SAMPLES"]), dtype=np.uint8)
    Image.fromarray(pixels, mode="L").save(tmp_path / "ImageSet" / meta["FILE_NAME"])
    product = load_product(tmp_path)
    assert product.layout.frames == 24 and product.layout.filters == ("BLUE", "GREEN", "RED")
    assert main(["inspect", str(tmp_path), "--mosaic", str(tmp_path / "m.png"), "--shrink", "8"]) == 0
    assert "24 frames x 3 filters" in capsys.readouterr().out


def _copy(root: Path, tmp: Path) -> Path:
    dst = tmp / "copy"
    shutil.copytree(root, dst)
    return dst


def _expect_one_line_error(path: Path, capsys, *fragments: str) -> None:
    assert main(["inspect", str(path), "--mosaic", str(path / "m.png")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("junocam-sim: error: "), err
    for fragment in fragments:
        assert fragment in err, err


def test_png_narrower_than_line_samples(ours, tmp_path, capsys):
    root, desc = ours
    copy = _copy(root, tmp_path)
    png = product_paths(copy, desc.product_id)["raw_png"]
    with Image.open(png) as img:
        img.crop((0, 0, 1600, img.height)).save(png)
    _expect_one_line_error(copy, capsys, "1600 pixels wide", "LINE_SAMPLES says 1648")


def test_lines_not_whole_frames(ours, tmp_path, capsys):
    root, desc = ours
    copy = _copy(root, tmp_path)
    path = product_paths(copy, desc.product_id)["metadata"]
    meta = json.loads(path.read_text())
    meta["LINES"] = meta["LINES"] - 128
    path.write_text(json.dumps(meta))
    _expect_one_line_error(copy, capsys, "LINES 640 is not a whole number of frames")


def test_png_shorter_than_lines(ours, tmp_path, capsys):
    root, desc = ours
    copy = _copy(root, tmp_path)
    png = product_paths(copy, desc.product_id)["raw_png"]
    with Image.open(png) as img:
        img.crop((0, 0, img.width, img.height - 384)).save(png)
    _expect_one_line_error(copy, capsys, "has 384 rows but LINES says 768")


def test_unknown_filter(ours, tmp_path, capsys):
    root, desc = ours
    copy = _copy(root, tmp_path)
    path = product_paths(copy, desc.product_id)["metadata"]
    meta = json.loads(path.read_text())
    meta["FILTER_NAME"] = ["BLUE", "GREEN", "INFRARED"]
    path.write_text(json.dumps(meta))
    _expect_one_line_error(copy, capsys, "'INFRARED'", "METHANE, BLUE, GREEN, RED")


def test_json_that_is_not_json(tmp_path, capsys):
    (tmp_path / "X-Metadata.json").write_text("this is not { json")
    _expect_one_line_error(tmp_path, capsys, "is not JSON")


def test_png_that_is_not_a_png(ours, tmp_path, capsys):
    root, desc = ours
    copy = _copy(root, tmp_path)
    product_paths(copy, desc.product_id)["raw_png"].write_bytes(b"not a png at all")
    _expect_one_line_error(copy, capsys, "is not a readable PNG")


def test_folder_without_metadata(tmp_path, capsys):
    _expect_one_line_error(tmp_path, capsys, "holds 0 '*-Metadata.json' files")


def test_missing_png(ours, tmp_path):
    root, desc = ours
    copy = _copy(root, tmp_path)
    product_paths(copy, desc.product_id)["raw_png"].unlink()
    with pytest.raises(ProductError, match="neither beside it nor in an ImageSet"):
        load_product(copy)

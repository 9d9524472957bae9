"""``junocam-sim demo`` (complete product, colour view beside the raw PNG) and ``junocam-sim compare`` on it.

One short demo product is rendered per module and measured by the colour view and ``compare``; the pure
figure functions are tested in ``test_compare_stats.py`` and ``test_colourview.py``.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

from simulator.cli import main
from simulator.commands.demo import colour_path
from simulator.products import load_product, product_paths


def _demo(out_dir, cache, capsys, *extra: str):
    assert main(["demo", "--out", str(out_dir), "--cache-dir", str(cache), *extra]) == 0
    out = capsys.readouterr().out
    (folder,) = list(out_dir.iterdir())
    return folder, out


def _check(folder, out, frames: int, min_seen: float) -> None:
    paths = product_paths(folder, folder.name)
    for role, path in paths.items():
        assert path.exists(), f"{role} missing"
        if role != "kernels":
            assert str(path) in out, f"the demo does not print where {role} is"
    assert "junocam-sim inspect" in out and str(colour_path(folder)) in out
    product = load_product(folder)
    assert product.layout.filters == ("BLUE", "GREEN", "RED") and product.layout.frames == frames
    with fits.open(paths["truth_fits"]) as hdul:
        body = np.asarray(hdul["BODY"].data)
    seen = (body == 599).mean()
    assert min_seen < seen < 1.0, f"{seen:.1%} of the pixels see Jupiter; the demo must fill much of the swath"


@pytest.fixture(scope="module")
def demo(tmp_path_factory, kernel_cache_dir):
    import contextlib
    import io

    out_dir = tmp_path_factory.mktemp("demo") / "demo-output"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["demo", "--out", str(out_dir), "--cache-dir", str(kernel_cache_dir), "--frames", "4"]) == 0
    (folder,) = list(out_dir.iterdir())
    return folder, buf.getvalue()


def test_short_demo_is_complete(demo):
    _check(*demo, frames=4, min_seen=0.4)   # the first four frames meet the disk


def test_colour_view_is_written_beside_the_raw_png_and_shows_a_lit_planet(demo):
    folder, _ = demo
    with Image.open(colour_path(folder)) as im:
        assert im.mode == "RGB"
        rgb = np.asarray(im)
    lit = rgb.max(axis=-1) > 30
    assert lit.mean() > 0.2, f"only {lit.mean():.1%} of the colour view is lit"
    means = rgb[lit].mean(axis=0)
    assert np.ptp(means) < 0.3 * means.max(), f"channel means {means}: white balance failed"
    assert colour_path(folder).stat().st_size < 400_000


def test_colour_command_with_weights_and_errors(demo, tmp_path, capsys):
    folder, _ = demo
    out = tmp_path / "v.png"
    assert main(["colour", str(folder), "--out", str(out), "--weights", "0.768", "1", "2.63"]) == 0
    assert "0.768 1.000 2.630" in capsys.readouterr().out and out.is_file()
    for args, named in ((["--width", "3"], "--width 3"), (["--saturation", "-1"], "--saturation -1.0")):
        assert main(["colour", str(folder), *args]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and named in err[0], err


def test_compare_with_and_without_geometry(demo, tmp_path, capsys):
    """The product measured with its kernels (A) and a copy without kernels/ (B, DN threshold) agree."""
    folder, _ = demo
    bare = tmp_path / "bare"
    shutil.copytree(folder, bare, ignore=shutil.ignore_patterns("kernels", "truth"))
    assert main(["compare", str(folder), str(bare), "--out", str(tmp_path / "cmp")]) == 0
    text = capsys.readouterr().out
    for label in ("dark level, active columns", "blue / green raw signal", "8x8 block-boundary",
                  "geometry: kernels", "geometry: threshold", "DN threshold"):
        assert label in text, f"{label!r} missing from the table"
    figures = json.loads((tmp_path / "cmp" / "compare.json").read_text())
    a, b = figures["a"], figures["b"]
    assert b["texture"] == {} and any("km-scale figures skipped" in n for n in b["notes"])
    # compare's default: like-for-like rows on a mission-like map (simulator.realism.mission_compare); the
    # product without kernels has no geometry to draw one with.
    assert "like for like" in text and b["mission_view"] is None, b["notes"]
    assert any("mission-like map: needs the product's geometry" in n for n in b["notes"]), b["notes"]
    view = a["mission_view"]
    assert view["codes"]["patches"] > 0 and view["limb_radius_px"] == 799.0, view
    assert view["dn"]["plain_5500km"] > view["codes"]["plain_5500km"] > 0, "decompanding must widen relative contrast"
    # Band ratios need the same surface points in each filter: with kernels only (simulator/realism/ratios.py).
    assert any("band ratios need geometry" in n for n in b["notes"])
    for f, key in (("BLUE", "blue_over_green"), ("RED", "red_over_green")):
        ra, rb = a["filters"][f][key], b["filters"][f].get(key)
        assert 0.3 < ra < 3 and a["filters"][f]["ratio_cells"] > 0 and rb is None, (key, ra, rb)
    assert a["filters"]["GREEN"]["sky_fraction"] > 0 and a["filters"]["GREEN"]["dark_noise_dn"] > 0
    # The sky's 99th percentile, not its brightest pixel: the detector's hot pixels reach ~1,500 DN (issue #13).
    sky_p99 = float(a["filters"]["GREEN"]["sky_dn_p1_p50_p99"].split(" / ")[2])
    assert sky_p99 < 100, f"limb light counted as sky: sky p99 {sky_p99} DN"
    with Image.open(tmp_path / "cmp" / "compare.png") as im:
        assert im.size[0] > 600


def test_compare_json_against_the_real_calibration_frames(demo, reference_dir, tmp_path, capsys):
    folder, _ = demo
    bare = tmp_path / "bare"
    shutil.copytree(folder, bare, ignore=shutil.ignore_patterns("kernels", "truth"))
    assert main(["compare", str(bare), str(reference_dir / "calibration"), "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    b = figures["b"]["filters"]
    assert set(b) == {"BLUE", "GREEN", "RED"} and figures["b"]["kind"] == "calibration frames"
    assert all(0.75 < b[f]["flat_left_edge"] < 0.85 and 7 <= b[f]["flat_dips"] <= 13 for f in b)
    assert figures["a"]["filters"]["GREEN"].get("flat_left_edge") is None


def test_compare_bad_input_is_one_line(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "missing"), str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "missing" in err[0]
    assert main(["compare", str(tmp_path), str(tmp_path)]) == 2
    assert "no TIFF, PNG or FITS" in capsys.readouterr().err


@pytest.mark.slow
def test_full_demo(tmp_path, kernel_cache_dir, capsys):
    folder, out = _demo(tmp_path / "demo-output", kernel_cache_dir, capsys)
    _check(folder, out, 13, min_seen=0.5)


def test_colour_view_of_a_pair_without_kernels_uses_the_given_metakernel(demo, tmp_path, capsys):
    """A mission-site style pair (no kernels/, no truth) with --kernels gives the same picture as the product."""
    folder, _ = demo
    bare = tmp_path / "pair"
    shutil.copytree(folder, bare, ignore=shutil.ignore_patterns("kernels", "truth"))
    assert main(["colour", str(bare), "--out", str(tmp_path / "pair.png")]) == 2
    assert "kernels" in capsys.readouterr().err
    (metakernel,) = (folder / "kernels").glob("*.tm")
    assert main(["colour", str(bare), "--kernels", str(metakernel), "--out", str(tmp_path / "pair.png")]) == 0
    assert main(["colour", str(folder), "--out", str(tmp_path / "own.png")]) == 0
    with Image.open(tmp_path / "pair.png") as a, Image.open(tmp_path / "own.png") as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))

"""Products: metadata keys and formats, PNG geometry, PDS3 label, truth FITS, atomic and reproducible writes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from simulator.errors import ProductError
from simulator.products import (KernelSource, ProductContext, ProductWriter, build_metadata, make_product_id,
                                metadata_to_bytes, product_paths, read_metadata, stop_time)
from simulator.products import keywords as kw
from simulator.products import truth as truth_mod
from simulator.products.reader import TruthFile
from simulator.products.description import ReportedGeometry, describe_image, parse_utc_ms
from simulator.products.like import twin_settings
from simulator.products.metadata import check_metadata
from simulator.products.pds3 import label_keys
from test_products_support import description, framelets

REAL_PRODUCTS = ("JNCE_2020154_27C00047_V01", "JNCE_2020154_27C00048_V01")
TIMING_FIELDS = ("START_TIME", "STOP_TIME", "IMAGE_TIME", "INTERFRAME_DELAY", "EXPOSURE_DURATION",
                 "JNO:TDI_STAGES_COUNT", "LINES", "FILTER_NAME", "SAMPLING_FACTOR", "SAMPLE_BIT_MODE_ID",
                 "COMPRESSION_TYPE")


def _write(tmp: Path, desc, seed: int = 0, **kwargs) -> Path:
    kernels = tmp / "kernelset"
    kernels.mkdir(exist_ok=True)
    (kernels / "set.tm").write_text("KPL/MK\n\\begindata\nKERNELS_TO_LOAD = ( )\n\\begintext\n")
    context = ProductContext(scenario="test", seed=seed, abcorr="LT+S", injected_errors={"start_time_jitter_s": 0.0})
    with ProductWriter(tmp / "out", desc, context, KernelSource(kernels / "set.tm", kernels), **kwargs) as writer:
        for result in framelets(desc, seed=seed):
            writer.add(result)
        return writer.finish()


@pytest.fixture(scope="module")
def product(tmp_path_factory) -> tuple[Path, object]:
    desc = description(frames=2)
    return _write(tmp_path_factory.mktemp("p"), desc), desc


# --- metadata ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", REAL_PRODUCTS)
def test_real_metadata_has_our_keys_types_and_formats(reference_dir, name):
    real = json.loads((reference_dir / "products" / f"{name}-Metadata.json").read_text())
    assert tuple(sorted(real)) == kw.METADATA_KEYS, sorted(set(real) ^ set(kw.METADATA_KEYS))
    check_metadata(real, name)  # every real value matches our type and format patterns


@pytest.mark.parametrize("name", REAL_PRODUCTS)
def test_serialising_the_real_metadata_reproduces_its_bytes(reference_dir, name):
    path = reference_dir / "products" / f"{name}-Metadata.json"
    assert metadata_to_bytes(read_metadata(path)) == path.read_bytes()


def test_built_metadata_matches_every_real_key_type_and_format(reference_dir):
    real = json.loads((reference_dir / "products" / f"{REAL_PRODUCTS[0]}-Metadata.json").read_text())
    ours = build_metadata(description())
    assert list(ours) == sorted(real)
    for key, value in real.items():
        assert type(ours[key]) is type(value), f"{key}: ours {ours[key]!r}, real {value!r}"
    for key in ("EXPOSURE_DURATION", "INTERFRAME_DELAY", "FOCAL_PLANE_TEMPERATURE", "SOLAR_DISTANCE",
                "SPACECRAFT_ALTITUDE", "SUB_SPACECRAFT_LATITUDE", "SUB_SPACECRAFT_LONGITUDE",
                "SPACECRAFT_CLOCK_START_COUNT", "START_TIME", "PRODUCT_ID"):
        assert ours[key] == real[key], f"{key}: ours {ours[key]!r}, real {real[key]!r}"


def test_product_id_of_the_real_example(reference_dir):
    real = json.loads((reference_dir / "products" / f"{REAL_PRODUCTS[0]}-Metadata.json").read_text())
    assert make_product_id(real["START_TIME"], real["ORBIT_NUMBER"], 47, 1) == real["PRODUCT_ID"]


@pytest.mark.parametrize("name", REAL_PRODUCTS)
def test_stop_time_rule_reproduces_the_real_products(reference_dir, name):
    real = json.loads((reference_dir / "products" / f"{name}-Metadata.json").read_text())
    frames = real["LINES"] // (128 * len(real["FILTER_NAME"]))
    delay = kw.parse_value_with_unit("INTERFRAME_DELAY", real["INTERFRAME_DELAY"], "s")
    assert stop_time(real["START_TIME"], frames, delay) == real["STOP_TIME"]


@given(frames=st.integers(1, 400), delay_ms=st.integers(100, 2000),
       start_ms=st.integers(0, 10 * 365 * 86400 * 1000))
def test_stop_time_is_start_plus_frames_times_delay(frames, delay_ms, start_ms):
    start = parse_utc_ms("2016-01-01T00:00:00.000") + timedelta(milliseconds=start_ms)
    start_utc = start.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
    stop = parse_utc_ms(stop_time(start_utc, frames, delay_ms / 1000.0))
    assert (stop - start) == timedelta(milliseconds=frames * delay_ms)


def test_twin_of_the_real_product_has_identical_timing_fields(reference_dir):
    for name in REAL_PRODUCTS:
        path = reference_dir / "products" / f"{name}-Metadata.json"
        real = json.loads(path.read_text())
        twin = twin_settings(path)
        desc = describe_image(start_utc=twin.layout.start_utc, sclk_start=twin.layout.sclk_start,
                              imaging=twin.render_overrides(), geometry=ReportedGeometry(7e4, -50.0, 40.0, 7.7e8),
                              scenario="test", seed=1, image_number=twin.image_number, version=twin.version)
        ours = build_metadata(desc)
        for key in TIMING_FIELDS + ("SPACECRAFT_CLOCK_START_COUNT", "PRODUCT_ID", "LINE_SAMPLES"):
            assert ours[key] == real[key], f"{name} {key}: twin {ours[key]!r}, real {real[key]!r}"


def test_metadata_rejects_a_wrong_format(tmp_path):
    meta = build_metadata(description())
    meta["INTERFRAME_DELAY"] = "0.371 s"
    path = tmp_path / "bad-Metadata.json"
    path.write_bytes(metadata_to_bytes(meta))
    with pytest.raises(ProductError, match="INTERFRAME_DELAY"):
        read_metadata(path)


def test_description_rejects_sub_millisecond_delay():
    with pytest.raises(ProductError, match="millisecond"):
        description(interframe_delay_s=0.3705)


# --- the written product ----------------------------------------------------------------------------

def test_png_geometry_matches_lines_and_filter_order(product):
    root, desc = product
    paths = product_paths(root, desc.product_id)
    meta = read_metadata(paths["metadata"])
    with Image.open(paths["raw_png"]) as img:
        assert img.mode == "L"
        png = np.asarray(img)
    assert png.shape == (meta["LINES"], meta["LINE_SAMPLES"]) == (2 * 3 * 128, 1648)
    assert meta["LINES"] == meta["FILE_RECORDS"] and meta["RECORD_BYTES"] == meta["LINE_SAMPLES"]
    for result in framelets(desc):
        k = meta["FILTER_NAME"].index(result.filter)
        first = (result.frame * len(meta["FILTER_NAME"]) + k) * 128
        assert first == result.first_line
        assert np.array_equal(png[first:first + 128], result.dn8), (result.frame, result.filter)


def test_pds3_label_parses_and_equals_the_json(product):
    pvl = pytest.importorskip("pvl")
    root, desc = product
    paths = product_paths(root, desc.product_id)
    meta = read_metadata(paths["metadata"])
    label = pvl.load(str(paths["lbl"]))
    assert label["PDS_VERSION_ID"] == "PDS3"
    assert label["^IMAGE"] == paths["img"].name
    flat = dict(label.items())
    flat.update(dict(label["IMAGE"].items()))
    for key in label_keys():
        value, ours = flat[key], meta[key]
        if key in ("START_TIME", "STOP_TIME", "IMAGE_TIME", "PRODUCT_CREATION_TIME"):
            text = value.strftime("%Y-%m-%dT%H:%M:%S.%f")[: len(ours)]
            assert text == ours, f"{key}: label {value!r}, JSON {ours!r}"
        elif key in kw.METADATA_PATTERNS and "<" in ours:
            unit = ours.split("<")[1].rstrip(">")
            assert value.units == unit and value.value == pytest.approx(
                kw.parse_value_with_unit(key, ours, unit), rel=1e-12), f"{key}: label {value!r}, JSON {ours!r}"
        elif key in ("SUB_SPACECRAFT_LATITUDE", "SUB_SPACECRAFT_LONGITUDE"):
            assert value == float(ours), f"{key}: label {value!r}, JSON {ours!r}"
        elif key == "SAMPLE_BIT_MASK":
            assert value == 255
        elif isinstance(ours, list):
            assert list(value) == ours, f"{key}: label {value!r}, JSON {ours!r}"
        else:
            assert value == ours, f"{key}: label {value!r}, JSON {ours!r}"
    img = np.fromfile(paths["img"], dtype=np.uint8)
    assert img.size == label["RECORD_BYTES"] * label["FILE_RECORDS"]
    with Image.open(paths["raw_png"]) as png:
        assert np.array_equal(img.reshape(label["FILE_RECORDS"], label["RECORD_BYTES"]), np.asarray(png))


def test_truth_fits_opens_with_astropy_and_matches_the_png(product):
    root, desc = product
    paths = product_paths(root, desc.product_id)
    with fits.open(paths["truth_fits"]) as hdul, TruthFile(paths["truth_fits"]) as truth_file:
        names = [h.name for h in hdul[1:]]
        assert names == list(truth_mod.BACKPLANE_NAMES)
        assert hdul[0].header["ABCORR"] == "LT+S"
        for hdu in hdul[1:]:
            assert hdu.data.shape == (desc.lines, desc.line_samples), hdu.name
            # coded planes (QCODING: line differences, LAT_PC's residual) hold integers; the reader decodes
            stored = truth_file.read(hdu.name)
            assert stored.dtype.newbyteorder("=") == np.dtype(truth_mod.BACKPLANES[hdu.name][0]), hdu.name
            unit = "DUNIT" if "QCODING" in hdu.header else "BUNIT"
            assert unit in hdu.header and hdu.header["DEFINITN"] and hdu.header["ABCORR"] == "LT+S"
            assert "DATE" not in hdu.header
        expected = next(iter(framelets(desc)))
        for name in truth_mod.BACKPLANE_NAMES:  # within half a quantisation step (+ float32 rounding); NaN kept
            plane = truth_file.read(name)
            got, want = plane[:128], np.asarray(expected.truth[name]).astype(plane.dtype)
            step = truth_mod.QUANTISATION_STEPS.get(name, 0.0)
            tol = step / 2 + (np.spacing(np.abs(want).astype(got.dtype)) if step else 0)
            assert np.array_equal(np.isnan(got), np.isnan(want)), f"{name}: NaN pattern changed"
            worst = np.nanmax(np.abs(got.astype(np.float64) - want) - tol)
            assert worst <= 0, f"{name}: worst error beyond step/2 by {worst}"


def test_truth_json_lists_framelets_in_png_order(product):
    root, desc = product
    record = json.loads(product_paths(root, desc.product_id)["truth_json"].read_text())
    assert {"scenario", "seed", "kernels", "aberration_correction", "framelets", "injected_errors",
            "software_version"} <= set(record)
    assert record["kernels"] == "kernels/set.tm" and (root / record["kernels"]).is_file()
    order = [(f["frame"], f["filter"], f["first_line"]) for f in record["framelets"]]
    assert order == [(r.frame, r.filter, r.first_line) for r in framelets(desc)]
    assert all(f["mid_et"] - f["start_et"] == pytest.approx(desc.exposure_s / 2, abs=1e-6) for f in record["framelets"])


def test_quicklook_is_colour_and_shows_the_body(product):
    root, desc = product
    with Image.open(product_paths(root, desc.product_id)["quicklook"]) as img:
        assert img.mode == "RGB"
        rgb = np.asarray(img)
    lit = rgb.max(axis=-1) > 0
    assert lit.mean() > 0.2, f"only {lit.mean():.1%} of the quicklook is filled"
    assert not np.array_equal(rgb[..., 0], rgb[..., 2]), "RED and BLUE channels identical: not a colour map"


def test_methane_only_quicklook_is_grey(tmp_path):
    desc = description(frames=2, filters=("METHANE",))
    root = _write(tmp_path, desc)
    with Image.open(root / "quicklook.png") as img:
        rgb = np.asarray(img.convert("RGB"))
    assert np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
    assert rgb.max() > 0


def test_summed_product_has_64_line_framelets(tmp_path):
    desc = description(frames=2, filters=("RED", "GREEN"), summing=2)
    root = _write(tmp_path, desc)
    meta = read_metadata(product_paths(root, desc.product_id)["metadata"])
    assert meta["SAMPLING_FACTOR"] == 2 and meta["LINES"] == 2 * 2 * 64 and meta["LINE_SAMPLES"] == 824


def test_same_seed_gives_identical_bytes(tmp_path, product):
    root_a, desc = product
    root_b = _write(tmp_path, desc)
    a, b = product_paths(root_a, desc.product_id), product_paths(root_b, desc.product_id)
    for role in ("raw_png", "metadata", "lbl", "img", "truth_fits", "truth_json", "quicklook"):
        assert a[role].read_bytes() == b[role].read_bytes(), f"{role} differs between two same-seed writes"


def test_different_seed_changes_the_pixels(tmp_path, product):
    root_a, desc = product
    root_b = _write(tmp_path, desc, seed=7)
    assert product_paths(root_a, desc.product_id)["raw_png"].read_bytes() != \
        product_paths(root_b, desc.product_id)["raw_png"].read_bytes()


# --- atomic writes ----------------------------------------------------------------------------------

class _Boom(RuntimeError):
    pass


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir()) if out.exists() else []


def test_failure_while_adding_framelets_leaves_nothing(tmp_path):
    desc = description(frames=2)
    context = ProductContext("test", 0, "LT+S", {})
    with pytest.raises(_Boom):
        with ProductWriter(tmp_path / "out", desc, context, KernelSource(tmp_path / "x.tm")) as writer:
            for i, result in enumerate(framelets(desc)):
                if i == 3:
                    raise _Boom("killed mid-render")
                writer.add(result)
    assert _leftovers(tmp_path / "out") == []


def test_failure_while_writing_files_leaves_nothing(tmp_path, monkeypatch):
    def explode(*args, **kwargs):
        raise _Boom("killed while writing the FITS file")

    monkeypatch.setattr(truth_mod, "write_truth_fits", explode)
    desc = description(frames=1)
    with pytest.raises(_Boom):
        _write(tmp_path, desc)
    assert _leftovers(tmp_path / "out") == []


def test_framelets_out_of_order_are_refused(tmp_path):
    desc = description(frames=1)
    results = list(framelets(desc))
    with pytest.raises(ProductError, match="arrived where"):
        with ProductWriter(tmp_path / "out", desc, ProductContext("t", 0, "LT+S", {}),
                           KernelSource(tmp_path / "x.tm")) as writer:
            writer.add(results[1])
    assert _leftovers(tmp_path / "out") == []


def test_missing_framelets_are_refused(tmp_path):
    desc = description(frames=2)
    with pytest.raises(ProductError, match="only 5 of the product's 6"):
        with ProductWriter(tmp_path / "out", desc, ProductContext("t", 0, "LT+S", {}),
                           KernelSource(tmp_path / "x.tm")) as writer:
            for result in list(framelets(desc))[:5]:
                writer.add(result)
            writer.finish()


def test_existing_product_is_not_overwritten(tmp_path):
    desc = description(frames=1)
    _write(tmp_path, desc)
    with pytest.raises(ProductError, match="already exists"):
        _write(tmp_path, desc)
    _write(tmp_path, desc, overwrite=True)
    assert _leftovers(tmp_path / "out") == [desc.product_id]


def test_stale_partial_of_a_dead_run_is_removed(tmp_path):
    import subprocess
    import sys

    desc = description(frames=1)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    stale = tmp_path / "out" / f".{desc.product_id}.partial-{int(dead.stdout)}"
    (stale / "ImageSet").mkdir(parents=True)
    _write(tmp_path, desc)
    assert _leftovers(tmp_path / "out") == [desc.product_id]

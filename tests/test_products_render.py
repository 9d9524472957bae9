"""Products from the real renderer: the render command end to end, reproducibility, clock/UTC agreement,
sequences and twins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spiceypy

from simulator.cli import main
from simulator.commands.render import sequence_products
from simulator.products import load_product, product_paths
from simulator.products.clock import JUNO_SCLK_ID, TICKS_PER_SECOND
from simulator.spice import KernelPool

TICK_S = 1.0 / TICKS_PER_SECOND
SMALL = ["--frames", "2", "--filters", "RED,GREEN", "--seed", "5"]


def _render(out: Path, cache: Path, *extra: str) -> Path:
    assert main(["render", "--out", str(out), "--cache-dir", str(cache), *SMALL, *extra]) == 0
    (folder,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, kernel_cache_dir) -> Path:
    return _render(tmp_path_factory.mktemp("render"), kernel_cache_dir)


def test_render_writes_a_complete_product(rendered):
    pid = rendered.name
    paths = product_paths(rendered, pid)
    for role, path in paths.items():
        assert path.exists(), f"{role} missing: {path}"
    product = load_product(rendered)  # PNG vs JSON checks
    assert product.layout.frames == 2 and product.layout.filters == ("RED", "GREEN")
    assert not any(p.name == ".scratch" for p in rendered.rglob("*")), "scratch files left in the product"


def test_clock_count_converts_back_to_start_time_within_a_tick(rendered):
    meta = load_product(rendered).metadata
    record = json.loads(product_paths(rendered, rendered.name)["truth_json"].read_text())
    mk = rendered / record["kernels"]
    with KernelPool([mk]):  # the product's own copy of the kernels: it stands alone
        clock_et = spiceypy.scs2e(JUNO_SCLK_ID, meta["SPACECRAFT_CLOCK_START_COUNT"])
        utc_et = spiceypy.str2et(meta["START_TIME"])
        bias = spiceypy.gdpool("INS-61500_START_TIME_BIAS", 0, 1)[0]
    assert abs(clock_et - utc_et) < TICK_S, f"clock and START_TIME differ by {(clock_et - utc_et) * 1e3:.3f} ms"
    assert abs(clock_et - utc_et) <= 0.5e-3 + 1e-6, "START_TIME is not the clock's instant rounded to the ms"
    first = record["framelets"][0]
    assert first["start_et"] - record["injected_errors"]["start_time_jitter_s"] == pytest.approx(
        clock_et + bias, abs=1e-6), "frame 0 does not start at ET(SCLK) + START_TIME_BIAS"


def test_same_seed_gives_identical_bytes(rendered, tmp_path, kernel_cache_dir):
    again = _render(tmp_path, kernel_cache_dir)
    a, b = product_paths(rendered, rendered.name), product_paths(again, again.name)
    for role in ("raw_png", "metadata", "lbl", "img", "truth_fits", "truth_json"):
        assert a[role].read_bytes() == b[role].read_bytes(), f"{role} differs between two renders with seed 5"


def test_sequence_renders_each_entry(tmp_path, kernel_cache_dir):
    seq = tmp_path / "sequence.json"
    seq.write_text(json.dumps({"format": "junocam-sim plan sequence v1", "images": [
        {"number": 3, "start_utc": "2018-04-01T09:45:00.000", "frames": 1, "filters": ["RED"], "tdi": {"RED": 2},
         "interframe_delay_s": 0.371, "summing": 1, "companding": "SQROOT", "compression": "LOSSLESS"}]}))
    out = tmp_path / "out"
    assert main(["render", "--sequence", str(seq), "--out", str(out), "--cache-dir", str(kernel_cache_dir)]) == 0
    (folder,) = list(out.iterdir())
    meta = load_product(folder).metadata
    assert meta["JNO:TDI_STAGES_COUNT"] == 2 and meta["EXPOSURE_DURATION"] == "6.400000 <ms>"
    assert meta["COMPRESSION_TYPE"] == "LOSSLESS" and meta["FILTER_NAME"] == ["RED"]


def test_sequence_entry_with_two_tdi_values_becomes_two_products():
    groups = sequence_products({"start_utc": "2018-04-01T09:45:00Z", "frames": 3,
                                "filters": ["METHANE", "BLUE", "GREEN", "RED"],
                                "tdi": {"METHANE": 64, "BLUE": 2, "GREEN": 2, "RED": 2}})
    assert [(g["filters"], g["tdi"]) for g in groups] == [(["METHANE"], 64), (["BLUE", "GREEN", "RED"], 2)]
    assert all(g["start_utc"] == "2018-04-01T09:45:00" for g in groups)


def test_like_refuses_conflicting_options(tmp_path, capsys, rendered):
    meta = product_paths(rendered, rendered.name)["metadata"]
    assert main(["render", "--like", str(meta), "--frames", "3", "--out", str(tmp_path)]) == 2
    assert "--like copies" in capsys.readouterr().err


def test_like_of_something_that_is_not_metadata(tmp_path, capsys, rendered):
    png = product_paths(rendered, rendered.name)["raw_png"]
    bogus = tmp_path / "X-Metadata.json"
    bogus.write_bytes(png.read_bytes())
    assert main(["render", "--like", str(bogus), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be read as UTF-8 text" in err, err


def test_twin_of_our_product_repeats_its_timing(rendered, tmp_path, kernel_cache_dir):
    original = load_product(rendered).metadata
    assert main(["render", "--like", str(rendered), "--out", str(tmp_path), "--cache-dir",
                 str(kernel_cache_dir)]) == 0
    twin = load_product(tmp_path / rendered.name).metadata
    for key in ("START_TIME", "STOP_TIME", "SPACECRAFT_CLOCK_START_COUNT", "INTERFRAME_DELAY",
                "EXPOSURE_DURATION", "JNO:TDI_STAGES_COUNT", "LINES", "FILTER_NAME", "SAMPLING_FACTOR",
                "SAMPLE_BIT_MODE_ID", "COMPRESSION_TYPE", "PRODUCT_ID"):
        assert twin[key] == original[key], f"{key}: twin {twin[key]!r}, original {original[key]!r}"


@pytest.mark.slow
def test_twin_of_the_shared_real_product(reference_dir, tmp_path, kernel_cache_dir):
    path = reference_dir / "products" / "JNCE_2020154_27C00048_V01-Metadata.json"
    real = json.loads(path.read_text())
    assert main(["render", "--like", str(path), "--out", str(tmp_path), "--cache-dir", str(kernel_cache_dir)]) == 0
    twin = load_product(tmp_path / real["PRODUCT_ID"]).metadata
    for key in ("START_TIME", "STOP_TIME", "IMAGE_TIME", "INTERFRAME_DELAY", "EXPOSURE_DURATION",
                "JNO:TDI_STAGES_COUNT", "LINES", "LINE_SAMPLES", "FILTER_NAME", "SAMPLING_FACTOR",
                "SAMPLE_BIT_MODE_ID", "COMPRESSION_TYPE"):
        assert twin[key] == real[key], f"{key}: twin {twin[key]!r}, real {real[key]!r}"


def test_interrupted_render_leaves_no_product(tmp_path, kernel_cache_dir):
    from simulator.products.pipeline import ProductRequest, render_product
    from simulator.scenario import load_scenario

    def interrupt(done, total):
        if done == 2:
            raise KeyboardInterrupt

    scenario = load_scenario("default").replace(imaging={"frames": 2, "filters": ["RED", "GREEN"]})
    with pytest.raises(KeyboardInterrupt):
        render_product(ProductRequest(scenario=scenario, out_dir=tmp_path, cache_dir=kernel_cache_dir), interrupt)
    assert list(tmp_path.iterdir()) == [], "an interrupted render left files behind"


def test_product_records_its_own_scenario_not_the_kernel_caches(rendered, tmp_path, kernel_cache_dir):
    """Scenarios with the same orbit share a kernel cache; each product keeps the scenario it was rendered
    with (the reference reconstruction reads its aberration correction and photometry from there)."""
    import tomllib

    from simulator.validate.product import open_product

    scenario = tmp_path / "lambert.toml"
    scenario.write_text('base = "default"\n\n[scene]\nphotometry = "lambert"\n', encoding="utf-8")
    other = _render(tmp_path / "out", kernel_cache_dir, "--scenario", str(scenario))
    for folder, photometry in ((rendered, "minnaert"), (other, "lambert")):
        recorded = tomllib.loads((folder / "kernels" / "scenario.toml").read_text(encoding="utf-8"))
        assert recorded["scene"]["photometry"] == photometry, f"{folder.name} records {recorded['scene']}"
        assert open_product(folder).scene_settings["photometry"] == photometry

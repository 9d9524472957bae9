"""Truth FITS storage (issue #16 item 4): per-plane steps and tile codecs, identical tiles stored once.

Every quantised plane comes back within half its step (plus the float32 rounding of float32 planes) through
astropy and through CFITSIO (fitsio); tiles that repeat (the calibration planes every frame, framelets on the
sky) share one compressed copy and read back identically, whole or by row sections.
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import ProductError
from simulator.products import truth as truth_mod
from simulator.products import truth_coding
from simulator.products.reader import TruthFile

LAT_LON_CONTRACT_DEG = 1e-6      # issue #16: latitudes/longitudes to better than 1e-6 deg
TILE_LINES = 8                   # small framelets keep the property tests fast
SAMPLES = 24


def tolerance(want: np.ndarray, step: float) -> np.ndarray:
    """Half a step plus the rounding of the stored dtype."""
    rounding = np.spacing(np.abs(want).astype(want.dtype)).astype(np.float64) if want.dtype == np.float32 \
        else 1e-12 * np.abs(want)
    return step / 2 + rounding


def smooth_plane(rng: np.random.Generator, name: str, tiles: int, sky: float) -> np.ndarray:
    """A smooth plane of ``tiles`` framelets (gradient up to ~1e5 steps per pixel), NaN on a share ``sky``."""
    lines, samples = np.mgrid[0:tiles * TILE_LINES, 0:SAMPLES].astype(np.float64)
    scale = {"LON_W": 359.0, "RANGE": 9e4, "DN12": 4000.0, "IOF": 1.0}.get(name, 80.0)
    value = scale * (0.5 + 0.45 * np.sin(lines / rng.uniform(3, 90) + rng.uniform(0, 6))
                     * np.cos(samples / rng.uniform(3, 90))) + rng.normal(0, 1e-4 * scale, lines.shape)
    value[rng.random(lines.shape) < sky] = np.nan
    return value.astype(truth_mod.plane_dtype(name))


def write(path, planes, storage=truth_mod.TruthStorage()):
    truth_mod.write_truth_fits(path, planes, product_id="P", scenario="s", seed=1, abcorr="LT+S",
                               software_version="test", tile_lines=TILE_LINES, storage=storage)
    return path


QUANTISED = [n for n in truth_mod.BACKPLANE_NAMES if truth_mod.QUANTISATION_STEPS.get(n)]


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), name=st.sampled_from(QUANTISED), tiles=st.integers(1, 5),
       sky=st.sampled_from([0.0, 0.3, 1.0]), codec=st.sampled_from(truth_mod.TILE_CODECS))
def test_every_quantised_plane_comes_back_within_half_its_step(tmp_path_factory, seed, name, tiles, sky, codec):
    want = smooth_plane(np.random.default_rng(seed), name, tiles, sky)
    step = truth_mod.QUANTISATION_STEPS[name]
    extension = truth_mod.encode_plane(name, want, step, TILE_LINES, "LT+S", codec)
    path = tmp_path_factory.mktemp("q") / "t.fits"
    path.write_bytes(fits.PrimaryHDU().header.tostring().encode("ascii") + extension)
    with fits.open(path) as hdul:
        got = hdul[name].data
    assert got.dtype.newbyteorder("=") == want.dtype
    assert np.array_equal(np.isnan(got), np.isnan(want)), f"{name}: NaN pixels moved"
    excess = np.nan_to_num(np.abs(got.astype(np.float64) - want) - tolerance(want, step), nan=-1.0).max()
    assert excess <= 0, f"{name} ({codec}): worst error beyond step/2 by {excess}"


def test_latitudes_and_longitudes_are_kept_better_than_1e_6_deg():
    for name in ("LAT_PC", "LAT_PG", "LON_W"):
        worst = truth_mod.QUANTISATION_STEPS[name] / 2 + np.spacing(360.0)
        assert worst < LAT_LON_CONTRACT_DEG, f"{name}: worst error {worst} deg"


def repeating_planes(rng: np.random.Generator, frames: int = 6, filters: int = 3) -> dict[str, np.ndarray]:
    """Calibration planes as the renderer gives them: one strip per filter, repeated every frame."""
    shape = (TILE_LINES, SAMPLES)
    strips = [{"DARK": np.round(rng.uniform(5, 600, shape) * 64) / 64,
               "FLAT": np.round(rng.uniform(0.5, 1.0, shape) * 4096) / 4096,
               "DEFECT": rng.integers(0, 32, shape)} for _ in range(filters)]
    return {name: np.concatenate([strips[k % filters][name] for k in range(frames * filters)]).astype(
        truth_mod.plane_dtype(name)) for name in ("DARK", "FLAT", "DEFECT")}


def other_planes(rng: np.random.Generator, sky: float) -> dict[str, np.ndarray]:
    """The full level's other planes for 18 framelets (smooth; as the renderer's, the geometry planes NaN on a
    share ``sky`` of the pixels, BODY 0 there and 599 elsewhere, IOF and DN12 finite everywhere)."""
    planes = {n: smooth_plane(rng, n, 18, 0.0) for n in QUANTISED if n not in ("DARK", "FLAT")}
    off = rng.random(planes["LAT_PG"].shape) < sky
    for name in planes:
        if name not in ("IOF", "DN12"):
            planes[name][off] = np.nan
    planes["BODY"] = np.where(off, 0, 599).astype(np.int32)
    return planes


def test_repeated_tiles_are_stored_once_and_read_back_whole_and_by_rows(tmp_path):
    planes = repeating_planes(np.random.default_rng(11))
    shared = write(tmp_path / "shared.fits", {**other_planes(np.random.default_rng(12), 0.2), **planes})
    with TruthFile(shared) as truth_file, fits.open(shared, disable_image_compression=True) as tables:
        for name, want in planes.items():
            assert np.array_equal(truth_file.read(name), want), f"{name}: expanded plane differs"
            for first, count in ((5, 13), (0, 8), (130, 14)):
                assert np.array_equal(truth_file.read(name, (first, count)), want[first:first + count]), name
            table_rows, heap = tables[name].header["NAXIS2"], tables[name].header["PCOUNT"]
            one_copy = truth_mod.encode_plane(name, want[:3 * TILE_LINES], truth_mod.QUANTISATION_STEPS.get(name),
                                              TILE_LINES, "LT+S", coding="differences")
            assert table_rows == 18, f"{name}: {table_rows} table rows for 18 tiles"
            assert heap < len(one_copy), f"{name}: heap {heap} B, more than 3 distinct tiles ({len(one_copy)} B)"


def test_a_second_fits_reader_sees_the_same_planes(tmp_path):
    fitsio = pytest.importorskip("fitsio")
    planes = repeating_planes(np.random.default_rng(13))
    geometry = other_planes(np.random.default_rng(14), 0.3)
    path = write(tmp_path / "t.fits", {**geometry, **planes})
    with fits.open(path) as hdul, fitsio.FITS(str(path)) as other, TruthFile(path) as ours:
        for hdu in hdul[1:]:
            got = other[hdu.name].read()
            assert np.array_equal(got, hdu.data, equal_nan=hdu.data.dtype.kind == "f"), \
                f"{hdu.name}: CFITSIO and astropy disagree"
            assert np.array_equal(other[hdu.name][20:37, :], hdu.data[20:37], equal_nan=hdu.data.dtype.kind == "f")
            if "QCODING" in hdu.header:        # CFITSIO's integers + the header cards decode to our planes
                header = other[hdu.name].read_header()
                decoded = truth_coding.decode(got, header, body=other["BODY"].read(),
                                              lat_pg=ours.read("LAT_PG") if hdu.name == "LAT_PC" else None)
                assert np.array_equal(decoded.astype(truth_mod.plane_dtype(hdu.name)), ours.read(hdu.name),
                                      equal_nan=True), f"{hdu.name}: decoded from CFITSIO's read differs"


@settings(max_examples=25, deadline=None)
@given(pattern=st.lists(st.integers(0, 3), min_size=1, max_size=9), nan=st.booleans())
def test_distinct_tiles_rebuild_the_plane(pattern, nan):
    rng = np.random.default_rng(len(pattern))
    contents = rng.normal(size=(4, TILE_LINES, 5))
    if nan:
        contents[1] = np.nan
    data = np.concatenate([contents[k] for k in pattern])
    distinct, index = truth_mod.distinct_tiles(data, TILE_LINES)
    assert distinct == sorted(distinct) and len(set(distinct)) == len(distinct)
    if index is None:
        assert len(set(pattern)) == len(pattern) or len(pattern) < 2
        return
    assert len(distinct) == len(set(pattern)) < len(pattern)
    rebuilt = np.concatenate([data[distinct[i] * TILE_LINES:(distinct[i] + 1) * TILE_LINES] for i in index])
    assert rebuilt.tobytes() == data.tobytes()


def test_the_same_planes_give_the_same_bytes(tmp_path):
    planes = repeating_planes(np.random.default_rng(15))
    geometry = other_planes(np.random.default_rng(16), 0.3)
    one = write(tmp_path / "one.fits", {**geometry, **planes})
    two = write(tmp_path / "two.fits", {**geometry, **planes})
    assert one.read_bytes() == two.read_bytes()


def test_full_truth_favours_size_and_minimal_truth_write_speed():
    values = truth_mod.TruthStorage(level="full", coding="values")
    assert values.codec("LAT_PG") == "HCOMPRESS_1", "plain quantised ramps are smallest with HCOMPRESS"
    assert truth_mod.TruthStorage(level="full").codec("LAT_PG") == "RICE_1", "line differences: RICE_1"
    assert truth_mod.TruthStorage(level="full").codec("IOF") == "RICE_1"
    minimal = truth_mod.TruthStorage(level="minimal")
    assert {minimal.codec(n) for n in truth_mod.MINIMAL_PLANES if n != "BODY"} == {"RICE_1"}
    assert minimal.codec("BODY") == truth_mod.TruthStorage(level="full").codec("BODY") == "PLIO_1", \
        "BODY's PLIO is faster and smaller than RICE at both levels"
    assert truth_mod.TruthStorage(level="minimal", compression={"LAT_PG": "HCOMPRESS_1"}).codec("LAT_PG") \
        == "HCOMPRESS_1"


def read_extension(tmp_path, extension: bytes, name: str) -> np.ndarray:
    path = tmp_path / f"{name}.fits"
    path.write_bytes(fits.PrimaryHDU().header.tostring().encode("ascii") + extension)
    with fits.open(path) as hdul:
        return hdul[name].data


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), doublings=st.integers(0, 6), codec=st.sampled_from(truth_mod.TILE_CODECS),
       summed=st.booleans())
def test_values_on_a_coarser_grid_are_stored_on_it_exactly(tmp_path_factory, seed, doublings, codec, summed):
    """DN12 as the renderer makes it (whole DN, quarters when summed, here on any 2**k grid) comes back bit for
    bit, stored at the coarsest step its values allow (the tile's ZSCALE)."""
    rng = np.random.default_rng(seed)
    grid = (0.25 if summed else 1.0) * 2.0 ** doublings
    want = (rng.integers(-50, 4096, (3 * TILE_LINES, SAMPLES)) * grid).astype(np.float32)
    want[rng.random(want.shape) < 0.2] = np.nan
    want[0, 0] = grid                                   # the grid itself is the coarsest step
    assert truth_mod.exact_step(want, 1 / 16) == grid
    extension = truth_mod.encode_plane("DN12", want, 1 / 16, TILE_LINES, "LT+S", codec)
    got = read_extension(tmp_path_factory.mktemp("g"), extension, "DN12")
    assert np.array_equal(got, want, equal_nan=True), \
        f"{codec}: worst error {np.nanmax(np.abs(got - want))} DN on a {grid} DN grid"
    with fits.open(io_bytes(extension), disable_image_compression=True) as tables:
        assert set(tables[1].data["ZSCALE"]) == {grid}, "the header does not tell the reader the step"


def io_bytes(extension: bytes):
    import io

    return io.BytesIO(fits.PrimaryHDU().header.tostring().encode("ascii") + extension)


def test_values_off_a_grid_keep_their_step():
    rng = np.random.default_rng(3)
    smooth = rng.uniform(0, 90, (TILE_LINES, SAMPLES))
    assert truth_mod.exact_step(smooth, 2.0 ** -19) == 2.0 ** -19
    almost = np.arange(64, dtype=np.float64)          # whole numbers but one
    almost[40] += 1 / 16
    assert truth_mod.exact_step(almost, 1 / 16) == 1 / 16
    assert truth_mod.exact_step(np.arange(64.0) * 0.1, 0.1) == 0.1, "a step that is not a power of two is kept"
    assert truth_mod.exact_step(np.full(8, np.nan), 1 / 16) == 2.0 ** truth_mod.GRID_MAX_DOUBLINGS / 16


@pytest.mark.parametrize("low, high", [(0, 600), (-5, 600), (0, 2 ** 25)])
def test_integer_masks_round_trip_with_plio_or_its_rice_fallback(tmp_path, low, high):
    rng = np.random.default_rng(high)
    want = np.where(rng.random((2 * TILE_LINES, SAMPLES)) < 0.5, 599, 0).astype(np.int32)
    want[3, :5] = (low, high, 501, 0, 1)
    extension = truth_mod.encode_plane("BODY", want, None, TILE_LINES, "LT+S", "PLIO_1")
    with fits.open(io_bytes(extension), disable_image_compression=True) as tables:
        used = tables[1].header["ZCMPTYPE"]
    assert used == ("PLIO_1" if low >= 0 and high < truth_mod.PLIO_LIMIT else "RICE_1")
    assert np.array_equal(read_extension(tmp_path, extension, "BODY"), want), f"{used}: BODY changed"


def test_an_unknown_tile_codec_is_refused():
    with pytest.raises(ProductError, match="tile codec"):
        truth_mod.TruthStorage(compression={"LAT_PG": "JPEG"})


GEOMETRY_MEDIAN_PX = 0.05     # issue #8's goal, as tests/test_validate_product.py


@pytest.mark.slow
def test_a_minimal_truth_product_validates_and_scores(tmp_path, kernel_cache_dir):
    import json

    from simulator.cli import main
    from simulator.products.pipeline import ProductRequest, render_product
    from simulator.scenario import load_scenario

    scenario = load_scenario("default").replace(
        imaging={"frames": 2, "filters": ["GREEN", "RED"], "compression": "LOSSLESS"})
    product = render_product(ProductRequest(scenario=scenario, out_dir=tmp_path / "p", cache_dir=kernel_cache_dir,
                                            truth=truth_mod.TruthStorage(level="minimal")))
    with TruthFile(next((product / "truth").glob("*.fits"))) as truth_file:
        assert truth_file.names == truth_mod.MINIMAL_PLANES
    assert main(["validate", str(product), "--out", str(tmp_path / "v")]) == 0
    result = json.loads((tmp_path / "v" / "validation.json").read_text())
    assert result["geometry_error_px_median"] < GEOMETRY_MEDIAN_PX, f"median {result['geometry_error_px_median']} px"


def test_threads_encoding_hcompress_planes_at_once_give_the_sequential_bytes():
    """astropy's HCOMPRESS codec keeps C globals: without truth's codec lock two threads wrote wrong bytes."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(5)
    lines, samples = np.mgrid[0:8 * 128, 0:1648].astype(np.float64)
    jobs = [(name, np.cumsum(rng.normal(0, 40.0, lines.shape), axis=1) + lines * k, 1e-3, 128, "LT+S",
             "HCOMPRESS_1") for k, name in enumerate(("LAT_PG", "LON_W", "RANGE", "EMISSION"))]
    sequential = [truth_mod.encode_plane(*job) for job in jobs]
    with ThreadPoolExecutor(2) as pool:
        threaded = list(pool.map(lambda job: truth_mod.encode_plane(*job), jobs * 2))
    differ = [job[0] for job, got in zip(jobs * 2, threaded) if got != sequential[jobs.index(job)]]
    assert not differ, f"planes encoded in threads differ from the sequential bytes: {differ}"


def test_automatic_process_count_pays_only_for_hcompress_and_follows_the_thread_budget():
    from simulator.render.workers import thread_limit

    auto = truth_mod.TruthStorage(workers=0)
    assert auto.process_count(14, ["RICE_1"] * 14) == 1, "RICE-only truth must stay in this process"
    with thread_limit(1):
        assert auto.process_count(14, ["HCOMPRESS_1"]) == 1, "a 1-thread budget must not start processes"
    with thread_limit(2):
        assert auto.process_count(14, ["HCOMPRESS_1"]) == 2
    assert truth_mod.TruthStorage(workers=3).process_count(2) == 2, "never more processes than planes"


def test_automatic_rice_truth_is_encoded_in_threads_of_this_process_within_the_thread_budget():
    from simulator.render.workers import thread_limit

    auto = truth_mod.TruthStorage(workers=0)
    with thread_limit(2):
        assert auto.thread_count(14, ["RICE_1"] * 14) == 2
        assert auto.thread_count(14, ["HCOMPRESS_1"]) == 1, "HCOMPRESS planes go to processes, not threads"
    with thread_limit(1):
        assert auto.thread_count(14, ["RICE_1"]) == 1, "a 1-thread budget (dataset workers) stays in one thread"
    assert truth_mod.TruthStorage(workers=1).thread_count(14) == 1, "workers=1: this thread only"


def test_planes_encoded_in_threads_give_the_bytes_of_one_thread(tmp_path):
    """The render command's automatic truth (threads) writes the same file as one thread (full: every plane)."""
    from simulator.render.workers import thread_limit
    from test_truth_coding import TILE_LINES as CODED_LINES, disk_planes

    planes = disk_planes(np.random.default_rng(21), 6, moon=True)
    files = []
    for workers, threads in ((1, 1), (0, 3)):
        path = tmp_path / f"{workers}.fits"
        with thread_limit(threads):
            truth_mod.write_truth_fits(path, planes, product_id="P", scenario="s", seed=1, abcorr="LT+S",
                                       software_version="test", tile_lines=CODED_LINES,
                                       storage=truth_mod.TruthStorage(workers=workers))
        files.append(path.read_bytes())
    assert files[0] == files[1], "threads changed the truth FITS bytes"


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), doublings=st.integers(-3, 20), off=st.sampled_from([None, "fraction", "huge"]),
       nan=st.floats(0.0, 1.0), dtype=st.sampled_from([np.float32, np.float64]))
def test_the_compiled_grid_pass_finds_the_step_of_the_numpy_passes(seed, doublings, off, nan, dtype):
    if not truth_coding.COMPILED:
        pytest.skip("numba absent: only the numpy passes run")
    rng = np.random.default_rng(seed)
    values = (rng.integers(-3000, 3000, 300) * 2.0 ** doublings / 16).astype(dtype)
    values[rng.random(values.size) < nan] = np.nan
    if off == "fraction":
        values[rng.integers(values.size)] = 1 / 64
    elif off == "huge":
        values[rng.integers(values.size)] = 2.0 ** 60
    compiled = truth_mod.exact_step(values, 1 / 16)
    truth_coding.COMPILED = False
    try:
        numpy_passes = truth_mod.exact_step(values, 1 / 16)
    finally:
        truth_coding.COMPILED = True
    assert compiled == numpy_passes, f"compiled {compiled} against numpy {numpy_passes}"

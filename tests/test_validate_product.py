"""The reference reconstruction and the scoring on a small rendered product (issue #8 "done when").

One product (default scenario, 2 frames of GREEN and RED crossing the lit limb, lossless compression, no
injected errors) is rendered once per session. Cases that render more products are marked slow.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from simulator.cli import main
from simulator.products.pipeline import ProductRequest, render_product
from simulator.scenario import load_scenario
from simulator.validate.compare import default_grid
from simulator.validate.limbfit import LimbFit
from simulator.validate.product import open_product
from simulator.validate.projection import project_rays
from simulator.validate.reconstruct import Reconstructor, stack
from simulator.validate.score import ScoreError, score_backplanes, score_map, truth_iof_map
from simulator.validate.truth import read_truth
from simulator.validate.validation import rows_by_filter, run_validation

# Issue #8 "done when" thresholds.
GEOMETRY_MEDIAN_PX = 0.05
GEOMETRY_P99_PX = 0.2
JITTER_TOLERANCE_MS = 1.0
# Noise model: rms of the per-pixel I/F residual within 25 % of the prediction (PRNU, hot pixels and the
# edge pixels' blur are only modelled statistically); the bias within 5 % of the rms (assumptions).
NOISE_RMS_RATIO = (0.75, 1.25)
BIAS_FRACTION_OF_RMS = 0.05
HALF_PIXEL_TOLERANCE_PX = 0.05
# Limb-fit bias with no injected error: a systematic offset must stay well inside the +-1 ms goal (the
# demo product was +0.5 ms before the edge model measured the albedo ramp and blurred along samples too).
LIMB_BIAS_TOLERANCE_MS = 0.2
TIMING_TOLERANCE_MS = 0.5
TRUTH_ACCURACY_PX = 1e-3
# Memory of run_validation on the small product, numpy allocations traced by tracemalloc: the whole-image
# version peaked at 209 B per image pixel (float64 stacks, whole truth planes, image-shaped error arrays),
# the streamed one at 141 (most of it the maps' grids, which do not grow with the number of pixels).
STREAMED_PEAK_BYTES_PER_PX = 170


def _scenario(**errors):
    imaging = {"frames": 2, "filters": ["GREEN", "RED"], "compression": "LOSSLESS"}
    s = load_scenario("default").replace(imaging=imaging)
    return s.replace(errors=errors) if errors else s


@pytest.fixture(scope="session")
def product(tmp_path_factory, kernel_cache_dir):
    out = tmp_path_factory.mktemp("validate-product")
    return render_product(ProductRequest(scenario=_scenario(), out_dir=out, cache_dir=kernel_cache_dir))


@pytest.fixture(scope="session")
def validation_run(product, tmp_path_factory):
    """``junocam-sim validate`` on the product: (exit status, printed table, output folder)."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("validation")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["validate", str(product), "--out", str(out)])
    return status, printed.getvalue(), out


@pytest.fixture(scope="session")
def validation(validation_run):
    """The written validation.json."""
    return json.loads((validation_run[2] / "validation.json").read_text())


def test_reference_reconstruction_meets_the_geometry_goal(validation):
    s = validation
    assert s["geometry_error_px_count"] > 10_000, "the small product should show the planet"
    assert s["geometry_error_px_median"] < GEOMETRY_MEDIAN_PX, f"median {s['geometry_error_px_median']} px"
    assert s["geometry_error_px_p99"] < GEOMETRY_P99_PX, f"p99 {s['geometry_error_px_p99']} px"
    assert s["geometry_error_image_px_p99"] < GEOMETRY_P99_PX, f"image-plane p99 {s['geometry_error_image_px_p99']}"
    assert s["jitter_injected_ms"] == 0.0


def test_radiometric_residual_is_consistent_with_the_noise_model(validation):
    s = validation
    ratio = s["iof_pixel_rms"] / s["iof_pixel_noise_rms"]
    assert NOISE_RMS_RATIO[0] < ratio < NOISE_RMS_RATIO[1], (
        f"per-pixel I/F rms {s['iof_pixel_rms']:.4g} vs noise model {s['iof_pixel_noise_rms']:.4g}")
    assert abs(s["iof_pixel_bias"]) < BIAS_FRACTION_OF_RMS * s["iof_pixel_rms"], f"bias {s['iof_pixel_bias']:.3g}"
    assert abs(s["iof_bias"]) < BIAS_FRACTION_OF_RMS * s["iof_rms"] + 1e-4, f"map bias {s['iof_bias']:.3g}"


def test_limb_fit_without_jitter_finds_no_offset(validation):
    s = validation
    assert s["limb_columns_used"] >= 100
    assert abs(s["jitter_estimated_ms"]) < JITTER_TOLERANCE_MS, f"estimated {s['jitter_estimated_ms']:.3f} ms"


def test_limb_fit_bias_without_jitter_is_small(validation):
    s = validation
    assert abs(s["jitter_estimated_ms"]) < LIMB_BIAS_TOLERANCE_MS, (
        f"bias {s['jitter_estimated_ms']:.3f} ms +- {s['jitter_sigma_ms']:.3f} ms with no injected jitter")


@pytest.mark.slow
@pytest.mark.parametrize("compression", ["LOSSLESS", "INTEGER COSINE TRANSFORM"])
def test_limb_fit_bias_on_the_demo_product(tmp_path, kernel_cache_dir, compression):
    """The demo's 12 frames x 4 filters, no injected error: the limb fit's systematic offset is small."""
    scenario = load_scenario("default").replace(imaging={"frames": 12, "compression": compression})
    folder = render_product(ProductRequest(scenario=scenario, out_dir=tmp_path, cache_dir=kernel_cache_dir))
    inputs = open_product(folder)
    rec = Reconstructor(inputs)
    lay = inputs.product.layout
    with rec.geometry() as geo:
        framelets = rec.framelets(geo)
        geometry = rec.project(geo, framelets)
        images = [rec.calibration.decompand(inputs.product.image[f.first_line:f.first_line + f.lines],
                                            lay.companding, lay.summing)[0] for f in framelets]
        fit = LimbFit().fit(geo, rec.camera, framelets, geometry, images, lay.summing, [0.0] * len(framelets),
                            rec.photometry)
    assert fit.columns_used > 1000
    assert abs(fit.offset_s * 1e3) < LIMB_BIAS_TOLERANCE_MS, (
        f"bias {fit.offset_s * 1e3:.3f} +- {fit.sigma_s * 1e3:.3f} ms ({compression}, {fit.columns_used} columns)")


@pytest.mark.parametrize("offset_ms", [-20.0, 20.0])
def test_limb_fit_recovers_a_clock_offset(product, offset_ms):
    """The product's clock read off by ``offset_ms``: same geometry as a start-time jitter of that size."""
    inputs = open_product(product)
    rec = Reconstructor(inputs)
    lay = inputs.product.layout
    with rec.geometry() as geo:
        framelets = rec.framelets(geo, time_offset_s=-offset_ms * 1e-3)
        geometry = rec.project(geo, framelets)
        images = [rec.calibration.decompand(inputs.product.image[f.first_line:f.first_line + f.lines],
                                            lay.companding, lay.summing)[0] for f in framelets]
        fit = LimbFit().fit(geo, rec.camera, framelets, geometry, images, lay.summing, [0.0] * len(framelets),
                            rec.photometry)
    assert abs(fit.offset_s * 1e3 - offset_ms) < JITTER_TOLERANCE_MS, (
        f"fitted {fit.offset_s * 1e3:.3f} ms for {offset_ms} ms ({fit.columns_used} columns)")


def test_validate_command_writes_json_and_error_map(product, validation_run):
    from PIL import Image

    status, printed, out = validation_run
    assert status == 0
    assert "geometry error" in printed and "limb fit" in printed
    record = json.loads((out / "validation.json").read_text())
    for key in ("geometry_error_px_median", "geometry_error_px_p99", "jitter_injected_ms", "jitter_estimated_ms",
                "iof_bias", "iof_rms"):
        assert key in record and record[key] is not None, key
    with Image.open(out / "error_map.png") as img:
        assert img.size[::-1] == open_product(product).product.image.shape


def test_streamed_validation_equals_the_whole_image_reference(product):
    """``run_validation`` compares one framelet at a time with compact arrays; every number must equal the
    whole-image computation (image-shaped stacks, truth read whole); the error map only to float32."""
    from simulator.validate.compare import geometry_errors, iof_maps
    from simulator.validate.metrics import ErrorSummary, RadiometrySummary
    from simulator.validate.reconstruct import photometry_from

    import tracemalloc

    tracemalloc.start()
    try:
        result = run_validation(product)
        peak_bytes = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    s = result.summary
    per_pixel = peak_bytes / result.error_px.size
    assert per_pixel < STREAMED_PEAK_BYTES_PER_PX, (
        f"validate peaked at {peak_bytes / 1e6:.0f} MB traced, {per_pixel:.0f} B per image pixel")
    inputs = open_product(product)
    lay = inputs.product.layout
    rec = Reconstructor(inputs, photometry_from(inputs.scene_settings))
    nominal = rec.reconstruct()
    lat, lon = (stack([getattr(r.geometry, n) for r in nominal]) for n in ("lat_pg", "lon_w"))
    iof, sigma, albedo = (stack([getattr(r, n) for r in nominal]) for n in ("iof", "iof_sigma", "albedo"))
    truth = read_truth(product, lay.product_id)
    with rec.geometry() as geo:
        ellipsoid = geo.ellipsoid
    e = geometry_errors(ellipsoid, lat, lon, truth.planes, lay.framelet_lines,
                        rec.camera.strips.photoactive_mask(lay.summing))
    image = np.hypot(e.d_line, e.d_sample)
    reference = {
        **ErrorSummary.of(e.px).as_dict("geometry_error_px"),
        "geometry_error_km_median": ErrorSummary.of(e.km).median, "geometry_error_km_p99": ErrorSummary.of(e.km).p99,
        "geometry_error_line_px_median": float(np.nanmedian(e.d_line)),
        "geometry_error_sample_px_median": float(np.nanmedian(e.d_sample)),
        "geometry_error_image_px_median": ErrorSummary.of(image).median,
        "geometry_error_image_px_p99": ErrorSummary.of(image).p99,
        "geometry_error_hit_disagreements": e.hit_disagreements,
        **RadiometrySummary.of(iof, np.where(np.isfinite(iof), truth.planes["IOF"], np.nan), sigma).as_dict(
            "iof_pixel"),
    }
    differ = {k: (s[k], v) for k, v in reference.items() if s[k] != v}
    assert not differ, f"streamed != whole-image reference: {differ}"
    rows_of = rows_by_filter(lay)
    for f in lay.filters:
        rows = rows_of[f]
        grid = default_grid(lat[rows], lon[rows], truth.planes["PIXEL_SCALE"][rows], float(max(ellipsoid.radii_km)))
        m = iof_maps(grid, lat, lon, iof, sigma, albedo, truth.planes, rows)
        expected = {"map_shape": list(grid.shape), "map_resolution_deg": grid.dlat_deg,
                    **RadiometrySummary.of(m.recon, m.truth, m.noise).as_dict("iof")}
        got = {k: s["per_filter"][f][k] for k in expected}
        assert got == expected, f"{f} map summary: streamed {got} != reference {expected}"
    assert result.error_px.dtype == np.float32
    np.testing.assert_array_equal(result.error_px, image.astype(np.float32))
    np.testing.assert_array_equal(result.on_planet, (truth.planes["BODY"] > 0) | np.isfinite(lat))


# ---------------------------------------------------------------------------------------------- score
def _backplanes(product, tmp_path, sample_shift=0.0, time_offset_s=0.0):
    """A user's backplanes: our reconstruction, optionally half a pixel off or mistimed."""
    rec = Reconstructor(open_product(product))
    lay = rec.layout
    with rec.geometry() as geo:
        framelets = rec.framelets(geo, time_offset_s)
        samples = geo.sample([f.mid_et for f in framelets])
        lat, lon = [], []
        columns = rec.camera.strips.photoactive_mask(lay.summing)
        s = np.flatnonzero(columns) + 0.5 + sample_shift
        l_ = np.arange(lay.framelet_lines) + 0.5
        for i, f in enumerate(framelets):
            rays = rec.camera.pixel_to_ray(f.filter, s[None, :], l_[:, None], summing=lay.summing)
            g = project_rays(geo, samples, i, rays, columns, f.mid_et, 0.0)
            lat.append(g.lat_pg)
            lon.append(g.lon_w)
    path = tmp_path / "backplanes.npz"
    np.savez(path, LAT=np.concatenate(lat), LON=np.concatenate(lon))
    return path


def test_score_reports_a_half_pixel_shift(product, tmp_path):
    s = score_backplanes(product, _backplanes(product, tmp_path, sample_shift=0.5))
    assert abs(s["geometry_error_sample_px_median"] - 0.5) < HALF_PIXEL_TOLERANCE_PX, s["geometry_error_sample_px_median"]
    assert abs(s["geometry_error_image_px_median"] - 0.5) < HALF_PIXEL_TOLERANCE_PX
    assert abs(s["geometry_error_line_px_median"]) < HALF_PIXEL_TOLERANCE_PX


def test_score_reports_a_timing_error(product, tmp_path):
    s = score_backplanes(product, _backplanes(product, tmp_path, time_offset_s=0.010))
    assert abs(s["timing_error_equivalent_ms"] - 10.0) < TIMING_TOLERANCE_MS, s["timing_error_equivalent_ms"]
    # 10 ms at ~2 rpm is about 3.1 lines (one line per 3.2 ms TDI period when the spin matches).
    assert 2.8 < abs(s["geometry_error_line_px_median"]) < 3.4


def test_score_of_a_perfect_reconstruction_is_zero(product, tmp_path):
    s = score_backplanes(product, _backplanes(product, tmp_path))
    # The truth itself is exact to 1e-3 px (the project standard for truth against spiceypy).
    assert s["geometry_error_image_px_p99"] < TRUTH_ACCURACY_PX, s["geometry_error_image_px_p99"]


def test_score_reports_a_half_pixel_shift_of_a_map(product, tmp_path):
    inputs = open_product(product)
    truth = read_truth(inputs.root, inputs.product.layout.product_id)
    rows = rows_by_filter(inputs.product.layout)["RED"]
    planes = truth.planes
    grid = default_grid(planes["LAT_PG"][rows], planes["LON_W"][rows], planes["PIXEL_SCALE"][rows], 71492.0)
    scale = float(np.nanmedian(planes["PIXEL_SCALE"][rows]))
    meridian = 66854.0 ** 2 / 71492.0   # km per radian of planetographic latitude near the equator
    shifted = dict(planes, LAT_PG=planes["LAT_PG"] + np.degrees(0.5 * scale / meridian))
    np.save(tmp_path / "map.npy", truth_iof_map(grid, shifted, rows))
    bounds = (grid.lat_min_deg, grid.lat_max_deg, grid.lon_min_deg, grid.lon_max_deg)
    s = score_map(product, tmp_path / "map.npy", bounds, "RED")
    assert abs(s["geometry_error_px"] - 0.5) < 0.1, f"reported {s['geometry_error_px']:.3f} px for 0.5 px"
    assert s["tiles_registered"] >= 3
    assert abs(s["geometry_error_px_median"] - 0.5) < 0.1, f"tile median {s['geometry_error_px_median']:.3f} px"
    assert s["geometry_error_lat_deg"] > 0, "the map was shifted north"
    assert abs(s["iof_bias"]) < 0.01


def test_score_errors_are_one_line(product, tmp_path, capsys):
    np.savez(tmp_path / "small.npz", LAT=np.zeros((3, 3)), LON=np.zeros((3, 3)))
    assert main(["score", str(product), "--backplanes", str(tmp_path / "small.npz")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "shape (3, 3)" in err, err
    np.save(tmp_path / "far.npy", np.ones((50, 50)))
    assert main(["score", str(product), "--map", str(tmp_path / "far.npy"), "--filter", "RED",
                 "--bounds", "60,70,0,10"]) == 2
    assert "--bounds" in capsys.readouterr().err
    with pytest.raises(ScoreError, match="--filter"):
        score_map(product, tmp_path / "far.npy")


def test_validate_without_truth_is_one_clear_error(product, tmp_path, capsys):
    import shutil

    copy = tmp_path / product.name
    shutil.copytree(product, copy, ignore=shutil.ignore_patterns("truth"))
    assert main(["validate", str(copy), "--out", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "truth" in err, err


@pytest.mark.slow
@pytest.mark.parametrize("target_ms, seed", [(-18.0, 3), (12.0, 4)])
def test_validate_recovers_injected_jitter(tmp_path, kernel_cache_dir, target_ms, seed):
    """A product rendered with an injected start-time error: the limb fit finds it to +-1 ms."""
    scenario = _scenario(start_time_jitter_ms=target_ms).replace(seed=seed)
    folder = render_product(ProductRequest(scenario=scenario, out_dir=tmp_path, cache_dir=kernel_cache_dir))
    s = run_validation(folder).summary
    assert abs(s["jitter_injected_ms"] - target_ms) < 1e-6
    assert abs(s["jitter_estimated_ms"] - s["jitter_injected_ms"]) < JITTER_TOLERANCE_MS, (
        f"estimated {s['jitter_estimated_ms']:.3f} ms, injected {s['jitter_injected_ms']:.3f} ms")
    assert s["geometry_error_px_median"] > 1.0, "an uncorrected jitter of >10 ms must show in the geometry"
    assert s["geometry_error_limb_corrected_image_px_median"] < 0.35


def _validate_rendered(tmp_path, kernel_cache_dir, **imaging) -> dict:
    """Render a 2-frame lossless product of the default scenario with ``imaging`` changes and validate it."""
    scenario = load_scenario("default").replace(imaging={"frames": 2, "compression": "LOSSLESS", **imaging})
    folder = render_product(ProductRequest(scenario=scenario, out_dir=tmp_path, cache_dir=kernel_cache_dir))
    return run_validation(folder).summary


@pytest.mark.slow
def test_tdi_product_truth_convention_and_isis_difference(tmp_path, kernel_cache_dir):
    """TDI 2: the packet convention matches the truth; ISIS's own-row rays are (2 - 1) / 2 = 0.5 row off."""
    s = _validate_rendered(tmp_path, kernel_cache_dir, filters=["BLUE", "GREEN"], tdi=2)
    assert s["geometry_error_image_px_p99"] < GEOMETRY_P99_PX
    assert abs(s["geometry_error_isis_image_px_median"] - 0.5) < HALF_PIXEL_TOLERANCE_PX, (
        s["geometry_error_isis_image_px_median"])


@pytest.mark.slow
def test_summed_product_validates(tmp_path, kernel_cache_dir):
    s = _validate_rendered(tmp_path, kernel_cache_dir, filters=["GREEN", "RED"], summing=2)
    assert s["summing"] == 2
    assert s["geometry_error_px_p99"] < GEOMETRY_P99_PX
    assert abs(s["jitter_estimated_ms"]) < JITTER_TOLERANCE_MS
    ratio = s["iof_pixel_rms"] / s["iof_pixel_noise_rms"]
    assert NOISE_RMS_RATIO[0] < ratio < NOISE_RMS_RATIO[1], ratio


def test_projection_agrees_with_spiceypy_sincpt(product):
    """Every reconstructed pixel is spiceypy's sincpt of its ray at the framelet's mid time (30 pixels drawn)."""
    import spiceypy

    from simulator.spice import KernelPool

    rec = Reconstructor(open_product(product))
    with rec.geometry() as geo:
        framelets = rec.framelets(geo)
        geometry = rec.project(geo, framelets)
    k = int(np.argmax([g.hit.sum() for g in geometry]))
    f, g = framelets[k], geometry[k]
    rows, cols = np.nonzero(g.hit)
    pick = np.random.default_rng(3).choice(rows.size, 30, replace=False)
    worst = 0.0
    with KernelPool([rec.inputs.metakernel]):
        for j, i in zip(rows[pick], cols[pick]):
            ray = rec.camera.pixel_to_ray(f.filter, i + 0.5, j + 0.5)
            point, _, srfvec = spiceypy.sincpt("ELLIPSOID", "JUPITER", f.mid_et, "IAU_JUPITER", rec.inputs.abcorr,
                                               "JUNO", "JUNO_JUNOCAM", ray)
            lon, lat, _ = spiceypy.recpgr("JUPITER", point, 71492.0, (71492.0 - 66854.0) / 71492.0)
            d_lat = abs(np.degrees(lat) - g.lat_pg[j, i])
            d_lon = abs((np.degrees(lon) - g.lon_w[j, i] + 180.0) % 360.0 - 180.0)
            # degrees -> pixels through the pixel's footprint (range x IFOV)
            km = np.radians(max(d_lat, d_lon)) * 71492.0
            worst = max(worst, km / (np.linalg.norm(srfvec) * rec.camera.optics.ifov_rad))
    assert worst < TRUTH_ACCURACY_PX, f"worst disagreement with sincpt {worst:.2e} px"

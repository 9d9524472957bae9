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


def _scenario(**errors):
    imaging = {"frames": 2, "filters": ["GREEN", "RED"], "compression": "LOSSLESS"}
    # The default (realistic) JunoCam detector: the reconstruction calibrates with the product's own
    # calibration/ frames (flat, dark at the image's TDI, bad-pixel mask), never with the truth.
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


# Without calibration frames the model's one bias value and vignetting leave the realistic detector's dark
# structure and flat in the I/F (measured 19x the noise model on a 3-frame default product); at least 3x.
UNCALIBRATED_MIN_RATIO = 3.0


def test_validation_calibrates_with_the_products_frames_not_the_model(validation, product, tmp_path):
    """The product's calibration/ frames are what bring the I/F within the noise model; without them the
    validator falls back to the model with a note, and the geometry and limb fit (DN) do not change."""
    import shutil

    assert validation["calibration_frames"] == "product"
    assert any("bad-pixel mask" in n for n in validation["notes"]), validation["notes"]
    copy = tmp_path / product.name
    shutil.copytree(product, copy)
    shutil.rmtree(copy / "calibration")
    s = run_validation(copy).summary
    assert s["calibration_frames"] == "model" and any("no calibration frames" in n for n in s["notes"])
    ratio = s["iof_pixel_rms"] / s["iof_pixel_noise_rms"]
    assert ratio > UNCALIBRATED_MIN_RATIO, f"uncalibrated I/F rms only {ratio:.3g}x the noise model"
    for key in ("geometry_error_px_median", "geometry_error_px_p99", "jitter_estimated_ms"):
        assert s[key] == validation[key], f"{key}: {s[key]} without frames, {validation[key]} with"


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
    """The demo's 12 frames x 4 filters, no injected error: the limb fit's systematic offset is small.

    ICT was -0.236 ms before the edge model went through the product's coding (the coder smooths the edge
    in square-root codes, which moves the half-DN crossing inward); measured -0.018 ms after, LOSSLESS
    -0.08 ms."""
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
                            rec.photometry, rec.coding())
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
                            rec.photometry, rec.coding())
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


def _whole_image_reference(product):
    """An independent whole-image computation of what ``validate`` scores: the reconstruction stacked into
    image-shaped arrays, the truth read whole, exact numpy statistics."""
    from simulator.validate.compare import geometry_errors
    from simulator.validate.reconstruct import photometry_from

    from simulator.validate.frames import load_frame_calibration

    inputs = open_product(product)
    lay = inputs.product.layout
    frames = load_frame_calibration(inputs.root, None, lay.summing, lay.filters)   # as validate: calibration/
    rec = Reconstructor(inputs, photometry_from(inputs.scene_settings), frames=frames)
    nominal = rec.reconstruct()
    arrays = {n: stack([getattr(r.geometry, n) for r in nominal]) for n in ("lat_pg", "lon_w")}
    arrays.update({n: stack([getattr(r, n) for r in nominal]) for n in ("iof", "iof_sigma", "albedo")})
    truth = read_truth(product, lay.product_id)
    with rec.geometry() as geo:
        ellipsoid = geo.ellipsoid
    e = geometry_errors(ellipsoid, arrays["lat_pg"], arrays["lon_w"], truth.planes, lay.framelet_lines,
                        rec.camera.strips.photoactive_mask(lay.summing))
    return lay, ellipsoid, arrays, truth, e


def _map_reference(grid, arrays, truth, rows, f, record):
    """Map statistics of filter ``f`` on ``grid`` from the whole arrays (pixels on moons left out)."""
    from simulator.validate.compare import iof_maps
    from simulator.validate.metrics import RadiometrySummary
    from simulator.validate.validation import _scene_albedo

    jupiter = np.isin(truth.planes["BODY"], (0, 599))
    recon = {k: np.where(jupiter, v, np.nan) for k, v in arrays.items()}
    m = iof_maps(grid, recon["lat_pg"], recon["lon_w"], recon["iof"], recon["iof_sigma"], recon["albedo"],
                 truth.planes, rows)
    lat_c, lon_c = grid.centres()
    albedo = _scene_albedo(record, f)(lat_c, lon_c)
    return {**RadiometrySummary.of(m.recon, m.truth, m.noise).as_dict("iof"),
            **RadiometrySummary.of(m.albedo, albedo).as_dict("albedo")}


# Streamed vs whole-array: quantiles within the sketch's stated bound (a = QUANTILE_RELATIVE_ERROR times the
# neighbouring order statistics), sums to float64 summation order, map statistics on the same grid likewise.
SUMS_RTOL = 1e-9
MAP_DIFFERENCE_SCALE = 4.0      # bound of a cell's |r| + |t| in truth means (see _assert_close)
# The maps' grid is now planned from a subsample of the reconstruction (not the truth PIXEL_SCALE of every
# pixel), so its cells differ: measured on this product, resolution +1.3 %, rms -0.6..-0.9 %, bias moved by
# 0.9 % (I/F) and 2.9 % (albedo) of the rms, about the sampling noise of a bias over ~1e4 cells. Since the
# scene keeps texture down to 1.5 pixel footprints (issue #13: real spectrum slopes at 400-1,200 km), part
# of each cell's rms is texture resampled into the cell, which depends on the cell size: RED albedo rms
# -4.0 % for the +1.3 % grid (I/F rms -0.2..+0.2 %). Margins:
OLD_GRID_RESOLUTION_RTOL = 0.05
OLD_GRID_RMS_RTOL = 0.06
OLD_GRID_BIAS_OF_RMS = 0.06


def _quantile_bound(values, q: float) -> float:
    from simulator.validate.sketch import QUANTILE_RELATIVE_ERROR

    x = np.sort(np.asarray(values, dtype=np.float64)[np.isfinite(values)])
    k = int(np.floor((x.size - 1) * q))
    return QUANTILE_RELATIVE_ERROR * max(abs(x[k]), abs(x[min(k + 1, x.size - 1)])) * (1 + 1e-12)


def test_streamed_validation_equals_the_whole_image_reference(product):
    """``run_validation`` streams framelets into sketches, sums and per-cell map sums; every number must
    match an independent whole-image computation within the stated precision, and the map statistics
    must stay close to those on the old whole-array grid (``default_grid``)."""
    from simulator.validate.maps import MapGrid
    from simulator.validate.metrics import RadiometrySummary

    result = run_validation(product)
    s = result.summary
    lay, ellipsoid, arrays, truth, e = _whole_image_reference(product)
    image = np.hypot(e.d_line, e.d_sample)
    checks = {   # key: (exact values, quantile) -- the quantile's bound from the values
        "geometry_error_px_median": (e.px, 0.5), "geometry_error_px_p99": (e.px, 0.99),
        "geometry_error_km_median": (e.km, 0.5), "geometry_error_km_p99": (e.km, 0.99),
        "geometry_error_line_px_median": (e.d_line, 0.5), "geometry_error_sample_px_median": (e.d_sample, 0.5),
        "geometry_error_image_px_median": (image, 0.5), "geometry_error_image_px_p99": (image, 0.99),
    }
    bad = {}
    for key, (values, q) in checks.items():
        exact = float(np.percentile(values[np.isfinite(values)], 100 * q))
        if not abs(s[key] - exact) <= _quantile_bound(values, q) + 1e-300:
            bad[key] = (s[key], exact)
    assert not bad, f"streamed quantiles outside the sketch's bound (streamed, exact): {bad}"
    assert s["geometry_error_px_count"] == int(np.isfinite(e.px).sum())
    assert s["geometry_error_px_max"] == float(np.nanmax(e.px))
    assert s["geometry_error_hit_disagreements"] == e.hit_disagreements
    reference = RadiometrySummary.of(arrays["iof"], np.where(np.isfinite(arrays["iof"]), truth.planes["IOF"],
                                                             np.nan), arrays["iof_sigma"]).as_dict("iof_pixel")
    _assert_close(s, reference, "per-pixel I/F")
    rows_of = rows_by_filter(lay)
    radius = float(max(ellipsoid.radii_km))
    for f in lay.filters:
        pf = s["per_filter"][f]
        grid = MapGrid(*pf["map_bounds_deg"], *pf["map_shape"])
        assert pf["map_pixels_outside_grid"] == 0 and pf["map_truth_pixels_outside_grid"] == 0, pf
        _assert_close(pf, _map_reference(grid, arrays, truth, rows_of[f], f, truth.record), f"{f} maps",
                      map_frames=lay.frames)
        rows = rows_of[f]
        old = default_grid(arrays["lat_pg"][rows], arrays["lon_w"][rows], truth.planes["PIXEL_SCALE"][rows], radius)
        before = _map_reference(old, arrays, truth, rows, f, truth.record)
        d_res = abs(pf["map_resolution_deg"] / old.dlat_deg - 1)
        print(f"{f}: resolution {pf['map_resolution_deg']:.6f} vs default_grid {old.dlat_deg:.6f} deg "
              f"({d_res:.1e}); " + "; ".join(f"{k} {pf[k]} vs {before[k]}" for k in ("iof_bias", "iof_rms", "albedo_bias", "albedo_rms")))
        assert d_res < OLD_GRID_RESOLUTION_RTOL, f"{f}: resolution {d_res:.2e} from default_grid's"
        for name in ("iof", "albedo"):
            new_rms, old_rms = pf[f"{name}_rms"], before[f"{name}_rms"]
            assert (new_rms is None) == (old_rms is None), f"{f} {name}: rms {new_rms} vs old grid {old_rms}"
            if old_rms is None:
                continue
            assert abs(new_rms / old_rms - 1) < OLD_GRID_RMS_RTOL, (
                f"{f} {name} rms {new_rms:.5g} vs old grid {old_rms:.5g}")
            assert abs(pf[f"{name}_bias"] - before[f"{name}_bias"]) < OLD_GRID_BIAS_OF_RMS * old_rms, (
                f"{f} {name} bias {pf[f'{name}_bias']:.3g} vs old grid {before[f'{name}_bias']:.3g}")
    np.testing.assert_array_equal(result.error_px, image.astype(np.float32))
    np.testing.assert_array_equal(result.on_planet, (truth.planes["BODY"] > 0) | np.isfinite(arrays["lat_pg"]))


def _assert_close(got: dict, expected: dict, what: str, map_frames: int = 0) -> None:
    """Every key of ``expected`` in ``got``: counts equal, values within SUMS_RTOL (None equals None).

    For map statistics (``map_frames`` = the most framelets of one filter that reach a cell: the product's
    frames) the float32 cell sums of ``MapSums`` add one rounding of relative ``SUM_RELATIVE_ERROR`` per
    framelet to every cell mean: relative ``k u`` on noise and the truth mean, and on a difference r - t of
    two cell means at most ``k u (|r| + |t|)``, which for bias and rms is bounded by ``MAP_DIFFERENCE_SCALE``
    times the truth mean (the cells' |r| + |t| is about twice it; a factor 2 of margin for bright cells)."""
    from simulator.validate.mapbins import MapSums

    ku = map_frames * MapSums.SUM_RELATIVE_ERROR
    bad = {}
    for k, v in expected.items():
        g = got[k]
        if v is None or g is None:
            ok = v is None and g is None
        elif k.endswith("_count"):
            ok = g == v
        elif k.endswith("_noise_explained_fraction"):
            # noise_rms^2 / rms^2: twice the relative bounds of its two parts, the rms's including its atol
            # (a low-contrast scene has a small rms, so the atol part dominates; see issue #13's texture)
            prefix = k.removesuffix("_noise_explained_fraction")
            rms, truth_mean = expected[f"{prefix}_rms"], abs(expected.get(f"{prefix}_truth_mean") or 0.0)
            rms_rel = SUMS_RTOL + ku + ku * MAP_DIFFERENCE_SCALE * truth_mean / max(abs(rms), 1e-300)
            ok = abs(g - v) <= 2.0 * (SUMS_RTOL + ku + rms_rel) * max(abs(v), 1e-12)
        else:
            prefix = k.rsplit("_", 2)[0] if k.endswith("_truth_mean") else k.rsplit("_", 1)[0]
            scale = abs(expected.get(f"{prefix}_truth_mean") or 0.0)
            atol = ku * MAP_DIFFERENCE_SCALE * scale if k.endswith(("_bias", "_rms")) else 0.0
            if k.endswith("_noise_explained_fraction"):   # noise_rms^2 / rms^2: twice each one's relative bound
                base = k.removesuffix("_noise_explained_fraction")
                rms, mean = expected[f"{base}_rms"], abs(expected.get(f"{base}_truth_mean") or 0.0)
                rel_rms = SUMS_RTOL + ku + (ku * MAP_DIFFERENCE_SCALE * mean / rms if rms else 0.0)
                atol = 2.0 * (SUMS_RTOL + ku + rel_rms) * abs(v)
            ok = abs(g - v) <= (SUMS_RTOL + ku) * max(abs(v), 1e-12) + atol
        if not ok:
            bad[k] = (g, v)
    assert not bad, f"{what}: streamed != whole-array (streamed, reference): {bad}"


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
    # The whole-map estimate registers the real-contrast cloud field (issue #13: 1.5-1.7 % patch contrast, soft
    # belt edges) less well than the old 6 % texture: measured 0.75 px (a spurious E-W part); the tile median
    # below stays within 0.1 px.
    assert abs(s["geometry_error_px"] - 0.5) < 0.3, f"reported {s['geometry_error_px']:.3f} px for 0.5 px"
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


def test_raw_png_read_by_rows_equals_the_whole_read(product):
    """The product's image decoded framelet by framelet (pngrows) is the image ``load_product`` reads whole."""
    from simulator.products.reader import load_product

    whole = load_product(product).image
    loaded = open_product(product).product
    rows, step = loaded.image, loaded.layout.framelet_lines
    assert rows.shape == whole.shape
    for first in [*range(0, whole.shape[0], step), 0]:              # in order, then back to the top
        np.testing.assert_array_equal(rows[first:first + step], whole[first:first + step],
                                      err_msg=f"framelet rows {first}..{first + step}")


@pytest.mark.parametrize("what", ["not a PNG", "wrong size"])
def test_validate_with_a_bad_raw_png_is_one_clear_error(product, tmp_path, capsys, what):
    import shutil

    from PIL import Image

    copy = tmp_path / product.name
    shutil.copytree(product, copy)
    png = next((copy / "ImageSet").glob("*-raw.png"))
    if what == "not a PNG":
        png.write_text("not an image")
        expected = "is not a readable PNG"
    else:
        Image.fromarray(np.zeros((100, 1648), dtype=np.uint8), mode="L").save(png, format="PNG")
        expected = "has 100 rows but LINES says"
    assert main(["validate", str(copy), "--out", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and png.name in err, err


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


# ------------------------------------------------------------------------------------- moons, memory
def test_pixels_on_a_moon_leave_the_maps(tmp_path, kernel_cache_dir):
    """The io scenario (Io in front of Jupiter in GREEN frame 2): the reconstruction puts Io's pixels on
    Jupiter; they must leave the I/F and albedo maps like the geometry comparison, and the maps must equal
    the whole-array reference that masks them (and differ from one that does not)."""
    from simulator.validate.maps import MapGrid

    scenario = load_scenario("io").replace(imaging={"frames": 3, "filters": ["GREEN"], "compression": "LOSSLESS"})
    product = render_product(ProductRequest(scenario=scenario, out_dir=tmp_path, cache_dir=kernel_cache_dir))
    s = run_validation(product).summary
    lay, _, arrays, truth, _ = _whole_image_reference(product)
    on_io = truth.planes["BODY"] == 501
    seen = int(np.sum(on_io & np.isfinite(arrays["lat_pg"])))
    assert seen > 1000, f"Io should cover many pixels the reconstruction puts on Jupiter ({seen})"
    assert s["map_pixels_on_other_bodies"] == seen
    pf = s["per_filter"]["GREEN"]
    grid = MapGrid(*pf["map_bounds_deg"], *pf["map_shape"])
    rows = rows_by_filter(lay)["GREEN"]
    _assert_close(pf, _map_reference(grid, arrays, truth, rows, "GREEN", truth.record), "GREEN maps, Io masked",
                  map_frames=lay.frames)
    unmasked = dict(truth.planes, BODY=np.where(on_io, 599, truth.planes["BODY"]))
    wrong = _map_reference(grid, arrays, type(truth)(planes=unmasked, record=truth.record), rows, "GREEN",
                           truth.record)
    assert (wrong["iof_count"], wrong["iof_rms"]) != (pf["iof_count"], pf["iof_rms"]), (
        "leaving Io's pixels in should change the map comparison (else this test shows nothing)")
    assert s["geometry_error_image_px_p99"] < GEOMETRY_P99_PX


# Peak traced allocation (tracemalloc) of run_validation must not grow with the product's length: 4 and 12
# frames of the same width (3x the pixels). What may grow, by design: the map sums (MapSums.BYTES_PER_CELL
# per filled cell; cells follow the covered surface). The raw PNG is no longer held (pngrows.PngRows decodes
# rows on demand), so only the map sums are taken out: the rest must stay within 5 % (measured 1.005: 135.1 ->
# 135.7 MB; the whole peak 138 -> 162 MB, 1.17x, map sums at 28 B/cell 3 -> 26 MB). Before the PNG was read by
# rows and the sums were float32: the whole peak grew 1.35x (143 -> 192 MB, map sums at 56 B/cell 6 -> 52 MB,
# the raw image 1 B/px taken out as well, limit 10 %); ~2.7x before the streaming work (195 B per pixel).
PEAK_RATIO_WITHOUT_MAPS = 1.05


@pytest.mark.slow
def test_validate_memory_does_not_grow_with_frames(tmp_path, kernel_cache_dir):
    import tracemalloc

    from simulator.validate.mapbins import MapSums

    peaks, fixed = {}, {}
    for frames in (4, 12):
        scenario = load_scenario("default").replace(
            imaging={"frames": frames, "filters": ["GREEN", "RED"], "compression": "LOSSLESS"})
        product = render_product(ProductRequest(scenario=scenario, out_dir=tmp_path / str(frames),
                                                cache_dir=kernel_cache_dir))
        tracemalloc.start()
        try:
            result = run_validation(product)
            peaks[frames] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        maps = sum(v["map_cells"] for v in result.summary["per_filter"].values()) * MapSums.BYTES_PER_CELL
        fixed[frames] = peaks[frames] - maps
        print(f"{frames} frames: peak traced {peaks[frames] / 1e6:.1f} MB, map sums {maps / 1e6:.1f} MB, "
              f"the rest {fixed[frames] / 1e6:.1f} MB")
        result.error_rows.close()
    ratio = fixed[12] / fixed[4]
    print(f"ratio 12 / 4 frames: whole peak {peaks[12] / peaks[4]:.3f}, without map sums {ratio:.3f}")
    assert ratio < PEAK_RATIO_WITHOUT_MAPS, (
        f"peak without map sums grew {ratio:.3f}x from 4 to 12 frames "
        f"({fixed[4] / 1e6:.0f} -> {fixed[12] / 1e6:.0f} MB)")

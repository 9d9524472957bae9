"""The renderer's geometry against independent spiceypy: truth, TDI rule, limb, terminator, jitter."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy

from instrument_models.junocam import JunoCam
from scenes import JUPITER_RADII_KM, Ellipsoid
from simulator.render import RenderOptions
from simulator.spice import KernelPool
from test_render_common import (LIMB_FRAME, dawn_scenario, default_scenario, motion_direction, render_one,
                                request_for, sincpt_point, uniform_scene, FlatPhotometry)

TRUTH_TOL_PX = 1e-3        # issue #5: truth within 1e-3 px equivalent of sincpt
LIMB_TOL_PX = 0.1          # issue #5: rendered limb within 0.1 px of limbpt
INCIDENCE_TOL_DEG = 1e-5   # truth incidence vs illumf at the same point (float32 backplane: ~5e-6 at 90 deg)
# The rendered I/F and the truth share Geometry.illumination_at's angles; the band is float32 resolution.
INCIDENCE_BAND_DEG = 1e-5
JITTER_IMAGE_TOL_PX = 0.05  # best-fit shift of the rendered I/F (texture interpolated linearly)
JITTER_TOL_PX = 0.05       # image shift vs jitter x image motion rate
CAM = JunoCam.default()
ELLIPSOID = Ellipsoid(JUPITER_RADII_KM)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("render-kernels")


def truth_vs_sincpt(result, request, n_pixels, rng, tdi):
    """Worst error (px) of truth lat/lon against sincpt of the convention's ray, over random Jupiter pixels."""
    body = result.truth["BODY"]
    rows, cols = np.nonzero(body == 599)
    assert rows.size > 100, "the test framelet should show Jupiter"
    pick = rng.choice(rows.size, size=min(n_pixels, rows.size), replace=False)
    lo = request.sample_range[0] if request.sample_range else 0
    worst = 0.0
    with KernelPool([request.metakernel]):
        d = motion_direction(result.filter, result.mid_et)
        for k in pick:
            j, i = rows[k], cols[k]
            ray = CAM.pixel_to_ray(result.filter, lo + i + 0.5, j + 0.5 - d * (tdi - 1) / 2.0)
            point, rng_km = sincpt_point(ray, result.mid_et, request.abcorr)
            assert point is not None, f"sincpt misses pixel ({lo + i}, {j}) that the truth says hits Jupiter"
            mine = ELLIPSOID.surface_point(result.truth["LAT_PC"][j, i], result.truth["LON_W"][j, i],
                                           kind="planetocentric")
            err_px = np.linalg.norm(mine - point) / (rng_km * CAM.optics.ifov_rad)
            worst = max(worst, float(err_px))
    return worst


def test_truth_equals_sincpt_tdi1(cache):
    req = request_for(default_scenario(), cache, sample_range=(800, 960))
    res = render_one(req)
    worst = truth_vs_sincpt(res, req, 150, np.random.default_rng(1), tdi=1)
    assert worst < TRUTH_TOL_PX, f"worst truth error {worst:.2e} px exceeds {TRUTH_TOL_PX} px"


def test_truth_of_interpolated_pixels_equals_sincpt(cache):
    """A full-disk framelet with coarse-grid interpolation on: pixels off the exact grid's columns."""
    grid_px = 8
    req = request_for(default_scenario(), cache, frames=26, frame_indices=(13,),
                      options=RenderOptions(geometry_grid_px=grid_px))
    res = render_one(req)
    body = res.truth["BODY"].copy()
    cols = np.arange(body.shape[1])
    body[:, (cols % grid_px == 0) | (cols % grid_px == grid_px // 2)] = 0   # keep pixels between grid columns
    res.truth["BODY"] = body
    worst = truth_vs_sincpt(res, req, 150, np.random.default_rng(2), tdi=1)
    assert worst < TRUTH_TOL_PX, f"worst interpolated truth error {worst:.2e} px exceeds {TRUTH_TOL_PX} px"


@pytest.mark.parametrize("tdi", [2, 3, 16, 64])
def test_truth_is_packet_row_at_mid_exposure(cache, tdi):
    """TDI > 1: truth = sincpt of the row the packet occupied at mid-exposure, (N-1)/2 rows from ISIS's."""
    req = request_for(default_scenario(), cache, sample_range=(832, 896), tdi_stages={"GREEN": tdi})
    res = render_one(req)
    worst = truth_vs_sincpt(res, req, 40, np.random.default_rng(tdi), tdi=tdi)
    assert worst < TRUTH_TOL_PX, f"TDI {tdi}: worst truth error {worst:.2e} px exceeds {TRUTH_TOL_PX} px"
    # Distance from ISIS's convention (the pixel's own ray at mid-exposure): the line coordinate whose
    # own ray (sincpt) lands on the truth point, found by a golden-section search.
    j, i = 64, res.truth["BODY"].shape[1] - 1          # deep inside the disk in this framelet
    mine = ELLIPSOID.surface_point(res.truth["LAT_PC"][j, i], res.truth["LON_W"][j, i], kind="planetocentric")
    expected = (tdi - 1) / 2.0
    with KernelPool([req.metakernel]):
        d = motion_direction("GREEN", res.mid_et)
        miss = lambda y: np.linalg.norm(  # noqa: E731
            sincpt_point(CAM.pixel_to_ray("GREEN", 832 + i + 0.5, y), res.mid_et)[0] - mine)
        lo, hi = j + 0.5 - d * (expected + 1.0), j + 0.5 - d * (expected - 1.0)
        g = (np.sqrt(5.0) - 1.0) / 2.0
        for _ in range(40):
            a_, b_ = hi - g * (hi - lo), lo + g * (hi - lo)
            lo, hi = (lo, b_) if miss(a_) < miss(b_) else (a_, hi)
    rows_apart = abs(0.5 * (lo + hi) - (j + 0.5))
    assert abs(rows_apart - expected) < 0.01, (f"TDI {tdi}: truth lies {rows_apart:.4f} rows from ISIS's ray, "
                                               f"expected {expected}")


def limb_lines(request, result, columns):
    """Line coordinate of the limb (limbpt, per-point aberration correction) at each column centre."""
    with KernelPool([request.metakernel]):
        n, _, epochs, tangts = spiceypy.limbpt("TANGENT/ELLIPSOID", "JUPITER", result.mid_et, "IAU_JUPITER",
                                               request.abcorr, "ELLIPSOID LIMB", "JUNO", [0.0, 0.0, 1.0],
                                               2 * np.pi / 20000, 20000, 1e-4, 1e-9, 20000)
        to_cam = spiceypy.pxform("J2000", "JUNO_JUNOCAM", result.mid_et)
        rays = np.array([to_cam @ spiceypy.pxform("IAU_JUPITER", "J2000", e) @ t for e, t in zip(epochs, tangts)])
    s, ln = CAM.ray_to_pixel("GREEN", rays)
    near = np.isfinite(s) & (s > columns.min() - 20) & (s < columns.max() + 20) & (ln > -20) & (ln < 148)
    order = np.argsort(s[near])
    return np.interp(columns + 0.5, s[near][order], ln[near][order])


def test_rendered_limb_where_limbpt_puts_it(cache):
    lo, hi = 752, 896
    req = request_for(default_scenario(), cache, sample_range=(lo, hi),
                      options=RenderOptions(psf_sigma_px=0.0, supersample=8))
    albedo = 0.5
    res = render_one(req, scene=uniform_scene(albedo, FlatPhotometry()))
    body, cover = res.truth["BODY"] > 0, res.truth["IOF"].astype(float) / albedo
    flips = (body[1:] != body[:-1]).sum(axis=0)
    cols = np.flatnonzero((flips == 1) & (body[0] != body[-1]))
    assert cols.size > 20, f"only {cols.size} columns cross the limb along the lines"
    # The covered length of a column is the sum of its pixels' coverage (motion smear moves light
    # between rows but keeps the sum); the limb is that far from the column's end on Jupiter's side.
    jupiter_low = body[0, cols]
    covered = cover[:, cols].sum(axis=0)
    est = np.where(jupiter_low, covered, 128.0 - covered)
    expected = limb_lines(req, res, cols + lo)
    err = np.abs(np.array(est) - expected)
    assert err.max() < LIMB_TOL_PX, (f"rendered limb off limbpt by up to {err.max():.3f} px "
                                     f"(median {np.median(err):.3f}) over {cols.size} columns")


def terminator_framelet(cache):
    lo = 560
    req = request_for(dawn_scenario(), cache, sample_range=(lo, lo + 320), frames=26,
                      frame_indices=(9,), options=RenderOptions(psf_sigma_px=0.0, supersample=2))
    res = render_one(req)
    on = res.truth["BODY"] == 599
    inc = res.truth["INCIDENCE"].astype(float)
    assert np.any(on & (inc > 90.5)) and np.any(on & (inc < 89.5)), "the framelet should straddle the terminator"
    return req, res, lo


def test_rendered_terminator_where_incidence_crosses_90(cache):
    """PSF off: a pixel has light exactly when its truth incidence (checked against illumf below) < 90."""
    _, res, _ = terminator_framelet(cache)
    inc, iof = res.truth["INCIDENCE"].astype(float), res.truth["IOF"].astype(float)
    on = res.truth["BODY"] == 599
    dark = on & (inc > 90.0 + INCIDENCE_BAND_DEG)
    lit = on & (inc < 90.0 - INCIDENCE_BAND_DEG)
    assert np.all(iof[dark] == 0.0), f"{np.count_nonzero(iof[dark])} pixels past the terminator have signal"
    assert np.all(iof[lit] > 0.0), f"{np.count_nonzero(iof[lit] <= 0)} lit pixels have no signal"


def test_truth_incidence_equals_illumf(cache):
    req, res, lo = terminator_framelet(cache)
    inc = res.truth["INCIDENCE"].astype(float)
    rows, cols = np.nonzero(res.truth["BODY"] == 599)
    worst = 0.0
    with KernelPool([req.metakernel]):
        for k in np.random.default_rng(7).choice(rows.size, 60, replace=False):
            j, i = rows[k], cols[k]
            point, _ = sincpt_point(CAM.pixel_to_ray("GREEN", lo + i + 0.5, j + 0.5), res.mid_et, req.abcorr)
            out = spiceypy.illumf("ELLIPSOID", "JUPITER", "SUN", res.mid_et, "IAU_JUPITER", req.abcorr, "JUNO",
                                  point)
            worst = max(worst, abs(np.degrees(out[3]) - inc[j, i]))
    assert worst < INCIDENCE_TOL_DEG, f"truth incidence differs from illumf by up to {worst:.2e} deg"


def test_jitter_moves_image_by_jitter_times_rate(cache):
    from simulator.render import InjectedErrors
    jitter = 0.005
    req0 = request_for(default_scenario(), cache, sample_range=(900, 1156), options=RenderOptions(psf_sigma_px=0.0))
    req1 = req0.with_overrides(errors=InjectedErrors(start_time_jitter_s=jitter))
    a, b = render_one(req0), render_one(req1)
    assert b.start_et - a.start_et == pytest.approx(jitter, abs=1e-6)  # ET ~6e8 s: float64 ulp ~1e-7 s
    with KernelPool([req0.metakernel]):
        d = motion_direction("GREEN", a.mid_et)
        # Rows per second at the framelet centre, from SPICE's attitude.
        ray = CAM.pixel_to_ray("GREEN", 1028.5, 64.5)
        later = spiceypy.pxform("J2000", "JUNO_JUNOCAM", a.mid_et + jitter) @ (
            spiceypy.pxform("JUNO_JUNOCAM", "J2000", a.mid_et) @ ray)
        expected = float(CAM.ray_to_pixel("GREEN", later)[1]) - 64.5
    # The truth latitude field of the jittered framelet equals the nominal one shifted by -expected rows.
    lat0, lat1 = a.truth["LAT_PC"], b.truth["LAT_PC"]
    col = 128
    rows = np.arange(20, 108)
    ok = np.isfinite(lat0[:, col]).all() and np.isfinite(lat1[:, col]).all()
    assert ok, "the jitter test column should be all Jupiter"
    shifted = np.interp(rows + 0.5 - expected, np.arange(128) + 0.5, lat0[:, col])
    dlat_drow = np.abs(np.gradient(lat0[:, col])).mean()
    err_rows = np.abs(lat1[rows, col] - shifted).max() / dlat_drow
    assert abs(expected) > 1.0 and d * expected > 0, f"expected shift {expected:.3f} rows, direction {d}"
    assert err_rows < JITTER_TOL_PX, f"jittered image off the predicted shift by {err_rows:.3f} rows"
    # The rendered I/F moved the same way: best-fitting shift of the whole picture, 0.01-row steps.
    i0, i1 = a.truth["IOF"].astype(float), b.truth["IOF"].astype(float)
    grid = np.arange(128) + 0.5
    shifts = np.arange(-4.0, 4.0, 0.01)
    cost = [np.mean((i1[rows] - np.array([np.interp(rows + 0.5 - sh, grid, c) for c in i0.T]).T) ** 2)
            for sh in shifts]
    best = shifts[int(np.argmin(cost))]
    assert abs(best - expected) < JITTER_IMAGE_TOL_PX, (f"rendered I/F moved {best:.3f} rows, "
                                                        f"expected {expected:.3f}")


def test_summing_two_framelets_and_truth(cache):
    """Summed framelets are 64 lines of 824 samples; truth looks along the 2x2 block's centre ray."""
    lo = 800
    req = request_for(default_scenario(), cache, sample_range=(lo, lo + 64), summing=2)
    res = render_one(req)
    assert res.dn8.shape == (64, 32) and res.truth["LAT_PC"].shape == (64, 32)
    assert res.first_line == LIMB_FRAME * 64, "summed framelets stack 64 lines per framelet in the PNG"
    rows, cols = np.nonzero(res.truth["BODY"] == 599)
    worst = 0.0
    with KernelPool([req.metakernel]):
        for k in np.random.default_rng(3).choice(rows.size, 25, replace=False):
            j, i = rows[k], cols[k]
            ray = CAM.pixel_to_ray("GREEN", lo + 2 * i + 1.0, 2 * j + 1.0)
            point, rng_km = sincpt_point(ray, res.mid_et, req.abcorr)
            mine = ELLIPSOID.surface_point(res.truth["LAT_PC"][j, i], res.truth["LON_W"][j, i], kind="planetocentric")
            worst = max(worst, float(np.linalg.norm(mine - point) / (rng_km * CAM.optics.ifov_rad)))
    assert worst < TRUTH_TOL_PX, f"summed truth off sincpt by {worst:.2e} px"


def test_injected_attitude_distortion_and_delay_errors_reach_the_truth(cache):
    """Truth = sincpt (nominal kernels) of the true camera's ray turned by the attitude offset; frame n
    starts n x (delay error) late; the applied values are recorded in the result."""
    from scipy.spatial.transform import Rotation

    from simulator.render import InjectedErrors
    offset = (2e-4, -1e-4, 3e-4)
    k1 = CAM.optics.k1 * 1.05
    errors = InjectedErrors(attitude_offset_rad=offset, distortion_k1=k1, interframe_delay_error_s=0.002)
    lo = 900
    nominal = request_for(default_scenario(), cache, sample_range=(lo, lo + 48))
    res = render_one(nominal.with_overrides(errors=errors))
    ref = render_one(nominal)
    assert res.start_et - ref.start_et == pytest.approx(LIMB_FRAME * 0.002, abs=1e-6)
    assert res.injected["distortion_k1"] == k1 and res.injected["attitude_offset_rad"] == list(offset)
    true_cam = CAM.with_distortion(k1, CAM.optics.k2)
    turn = Rotation.from_rotvec(offset).as_matrix()
    rows, cols = np.nonzero(res.truth["BODY"] == 599)
    worst = 0.0
    with KernelPool([nominal.metakernel]):
        for k in np.random.default_rng(5).choice(rows.size, 20, replace=False):
            j, i = rows[k], cols[k]
            ray = turn @ true_cam.pixel_to_ray("GREEN", lo + i + 0.5, j + 0.5)
            point, rng_km = sincpt_point(ray, res.mid_et, nominal.abcorr)
            mine = ELLIPSOID.surface_point(res.truth["LAT_PC"][j, i], res.truth["LON_W"][j, i], kind="planetocentric")
            worst = max(worst, float(np.linalg.norm(mine - point) / (rng_km * CAM.optics.ifov_rad)))
    assert worst < TRUTH_TOL_PX, f"truth with injected errors off sincpt by {worst:.2e} px"
    assert np.nanmax(np.abs(res.truth["LAT_PC"] - ref.truth["LAT_PC"])) > 0.01, "the errors moved nothing"

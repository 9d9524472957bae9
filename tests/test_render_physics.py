"""Physics of the renderer: signal chain, noise statistics, conservation, smear, blooming, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import given
from hypothesis import strategies as st

from instrument_models.junocam import JunoCam, decompand
from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM
from simulator.render import InjectedErrors, RenderOptions, RenderRequest, blur, timing
from simulator.render.electronics import DetectorChain, rdr_scale
from simulator.spice import KernelPool
from test_render_common import (LIMB_FRAME, FlatPhotometry, default_scenario, render_one, request_for,
                                uniform_scene)

CAM = JunoCam.default()
CHI2_SIGMAS = 5.0          # accept the variance if the chi-square statistic is within 5 sigma of its mean
CONSERVE_REL = 1e-12       # PSF: total signal kept to rounding
SUPERSAMPLE_TOL_PX = 0.15  # one column's covered length, supersample 4 vs 8 (quantisation ~1/(2n) per pixel)
SUPERSAMPLE_BIAS_PX = 0.02 # mean over the limb columns
SMEAR_TOL_PX = 0.1         # measured smear length vs mismatch x exposure
QUADRATURE_TOL = 0.01      # block rule vs every stage, fraction of the signal
RDR_TOL_DN = 150.0         # half a SQROOT step (16 DN12 near 1,500-2,200 DN12) in RDR DN


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("render-kernels")


def chain_request(noise, **kw) -> RenderRequest:
    """A request for driving the detector chain alone (no kernels are opened)."""
    base = dict(metakernel="unused.tm", start_et=0.0, frames=1, filters=("GREEN",), tdi_stages={"GREEN": 1},
                interframe_delay_s=0.371, noise=noise, compression="NONE", seed=3)
    base.update(kw)
    return RenderRequest(**base)


# --- pure quadrature and PSF properties -------------------------------------------------------------

@given(st.integers(1, 100), st.integers(1, 16))
def test_stage_nodes_cover_the_exposure(n_stages, max_nodes):
    nodes = timing.stage_nodes(n_stages, max_nodes)
    assert nodes.weight.sum() == pytest.approx(1.0)
    assert float(nodes.weight @ nodes.stage) == pytest.approx(timing.truth_stage(n_stages)), "node centroid"
    for i in range(nodes.stage.size):
        stage, dt, _, _ = timing.subsample_times(nodes, i, 3)
        assert dt.mean() == pytest.approx(0.0, abs=1e-12), "sub-sample times not centred on the node"
        assert stage.min() >= 0 and stage.max() <= n_stages - 1


@given(st.integers(0, 2**32 - 1), st.floats(0.0, 2.0))
def test_psf_conserves_signal(seed, sigma):
    rng = np.random.default_rng(seed)
    r = blur.gaussian_weights(sigma).size // 2
    img = np.zeros((40, 50))
    img[r:40 - r, r:50 - r] = rng.random((40 - 2 * r, 50 - 2 * r))
    out = blur.apply_psf(img, sigma)
    assert abs(out.sum() - img.sum()) <= CONSERVE_REL * img.sum() * 100, "PSF lost or created signal"
    ys = np.arange(40)[:, None]
    assert (out * ys).sum() / out.sum() == pytest.approx((img * ys).sum() / img.sum(), abs=1e-9), "PSF moved signal"


# --- radiometry and the detector chain ---------------------------------------------------------------

@pytest.mark.parametrize("filter_name,tdi", [("BLUE", 1), ("GREEN", 1), ("RED", 1), ("METHANE", 64)])
def test_white_lambert_reads_10000_after_rdr_scaling(filter_name, tdi):
    """I/F = 1 at normal incidence and Jupiter's distance -> 10,000 RDR DN from the noise-free 12-bit signal;
    through companding at I/F = 0.6 (a white surface itself overflows the SQROOT table's 2,879 DN12 in RED
    and METHANE with the instrument model's radiometry) -> 6,000 within one companding step."""
    req = chain_request({"enabled": False}, filters=(filter_name,), tdi_stages={filter_name: tdi})
    chain = DetectorChain(req, CAM)
    scale = rdr_scale(CAM, chain.radiometry, filter_name, tdi)
    white = chain.expose(np.ones((128, 1648)), filter_name, tdi, JUPITER_SOLAR_DISTANCE_KM, frame=0)
    rdr12 = (white.dn12_noise_free.astype(float) - CAM.detector.bias_dn) * scale
    assert np.abs(rdr12 - 10_000.0).max() < 1.0 * scale + 1e-6, f"{filter_name}: 12-bit RDR {rdr12.max():.1f}"
    out = chain.expose(np.full((128, 1648), 0.6), filter_name, tdi, JUPITER_SOLAR_DISTANCE_KM, frame=0)
    dn12 = decompand(out.dn8, req.companding).astype(float)
    rdr = (dn12 - CAM.detector.bias_dn) * scale
    assert np.abs(rdr - 6_000.0).max() < RDR_TOL_DN, f"{filter_name}: RDR reads {rdr.min():.0f}..{rdr.max():.0f}"


def test_noise_variance_matches_model_chi_square():
    noise = {"enabled": True, "flat": False, "prnu": False, "dark": False, "hot_pixels": False,
             "radiation": False, "shot": True, "read": True}
    req = chain_request(noise)
    chain = DetectorChain(req, CAM)
    iof = np.full((128, 1648), 0.4)
    e = chain.photo_electrons(iof, "GREEN", CAM.exposure_s(1), JUPITER_SOLAR_DISTANCE_KM)
    dn = chain.expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, frame=0).dn12.astype(float).ravel()
    g = CAM.detector.gain_e_per_dn
    model = e.mean() / g**2 + (CAM.detector.read_noise_e / g) ** 2 + 1.0 / 12.0   # shot + read + ADC floor
    n = dn.size
    stat = (n - 1) * dn.var(ddof=1) / model
    z = (stat - (n - 1)) / np.sqrt(2.0 * (n - 1))
    assert abs(z) < CHI2_SIGMAS, f"variance {dn.var(ddof=1):.3f} DN^2 vs model {model:.3f}: chi-square z = {z:.2f}"
    expected_mean = e.mean() / g + CAM.detector.bias_dn - 0.5        # floor ADC: half a DN down
    assert abs(dn.mean() - expected_mean) < 5 * np.sqrt(model / n) + 1e-3, "mean DN off the model"


def test_saturation_and_blooming_along_columns():
    noise = {"enabled": True, "flat": False, "prnu": False, "dark": False, "hot_pixels": False,
             "radiation": False, "shot": False, "read": False, "blooming": True}
    chain = DetectorChain(chain_request(noise), CAM)
    rate = chain.radiometry.electrons_per_s_per_iof("GREEN", JUPITER_SOLAR_DISTANCE_KM) * CAM.exposure_s(1)
    full = CAM.detector.full_well_e
    iof = np.zeros((128, 1648))
    iof[60:64, 800] = 5.0 * full / rate          # 4 pixels at 5x the full well in one column
    dn = chain.expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, frame=0).dn12.astype(float)
    g, bias = CAM.detector.gain_e_per_dn, CAM.detector.bias_dn
    sat = np.floor(full / g + bias)
    col = dn[:, 800]
    assert col.max() == sat, f"saturated pixels read {col.max()}, expected {sat}"
    assert np.count_nonzero(col == sat) == 20, "the 16 full wells of excess should fill 8 rows each way"
    assert np.all(dn[:, 799] == np.floor(bias)) and np.all(dn[:, 801] == np.floor(bias)), "bloomed across rows"
    electrons = ((col - bias) * g).sum()
    assert electrons == pytest.approx(20 * full, rel=1e-3), "blooming did not conserve charge"


# --- whole-render checks -----------------------------------------------------------------------------

def test_scene_off_leaves_only_the_detector(cache):
    noise = {"enabled": True, "radiation": False, "flat": True, "prnu": True}
    req = request_for(default_scenario(), cache, noise=noise, tdi_stages={"GREEN": 64},
                      options=RenderOptions(scene_on=False), detector={"model": "ideal"})   # isolated hot pixels
    res = render_one(req)
    assert np.all(res.truth["IOF"] == 0.0), "scene off but I/F is not zero"
    chain = DetectorChain(req, CAM)
    hot = chain.pattern.rows(CAM.strips.first_ccd_row("GREEN"), 128).hot
    exposure = CAM.exposure_s(64)
    g, bias = CAM.detector.gain_e_per_dn, CAM.detector.bias_dn
    dark_dn = CAM.detector.dark_current_e_s(req.focal_plane_temperature_k) * exposure / g
    hot_dn = CAM.detector.hot_pixel_dark_e_s * exposure / g
    quiet = res.truth["DN12"]
    assert np.all(quiet[~hot] <= np.floor(bias + dark_dn * 1.1) + 1), "noise-free DN above bias + dark"
    dn = res.dn12.astype(float)
    excess = dn[hot].mean() - dn[~hot].mean()
    assert hot.any() and excess == pytest.approx(hot_dn, abs=4.0), f"hot pixels {excess:.1f} DN, model {hot_dn:.1f}"
    read_dn = chain.cam.detector.read_noise_e / g
    assert dn[~hot].std() == pytest.approx(np.sqrt(read_dn**2 + dark_dn / g + 1 / 12), rel=0.1), "noise level"


def test_same_seed_bit_identical_other_seed_only_noise(cache):
    noise = {"enabled": True}
    kw = dict(noise=noise, compression="INTEGER COSINE TRANSFORM", sample_range=(800, 1008))
    sc = default_scenario()
    a = render_one(request_for(sc, cache, **kw))
    b = render_one(request_for(sc, cache, **kw))
    assert a.dn8.tobytes() == b.dn8.tobytes() and a.compressed_bytes == b.compressed_bytes
    for k in a.truth:
        assert a.truth[k].tobytes() == b.truth[k].tobytes(), f"truth {k} differs between identical renders"
    # Another scenario seed, nothing else changed: the texture (scene.texture_seed) and the camera's fixed
    # pattern (noise.fixed_pattern_seed) have seeds of their own, so every truth plane, the noise-free DN12
    # included, stays the same and only the noise moves.
    req = request_for(sc, cache, **kw)
    c, d = a, render_one(req.with_overrides(seed=req.seed + 1))
    for k in c.truth:
        assert np.array_equal(c.truth[k], d.truth[k], equal_nan=True), f"another seed changed truth {k}"
    assert np.count_nonzero(c.dn12 != d.dn12) > 0.5 * c.dn12.size, "another seed did not change the noise"


def test_supersampling_conserves_signal(cache):
    """Across the limb the covered length per column is the same for every supersampling (to its
    quantisation), with no bias; pixels away from the limb are not touched by supersampling."""
    req = request_for(default_scenario(), cache, sample_range=(752, 896))
    scene = uniform_scene(0.5, FlatPhotometry())
    cover = {}
    for n in (2, 4, 8):
        res = render_one(req.with_overrides(options=RenderOptions(supersample=n)), scene=scene)
        cover[n] = res.truth["IOF"].astype(float) / 0.5
    per_col = {n: c.sum(axis=0) for n, c in cover.items()}
    bias = max(abs((per_col[n] - per_col[8]).mean()) for n in (2, 4))
    assert bias < SUPERSAMPLE_BIAS_PX, f"mean covered length per column moves by {bias:.4f} px with supersampling"
    worst4 = np.abs(per_col[4] - per_col[8]).max()
    assert worst4 < SUPERSAMPLE_TOL_PX, f"supersample 4 vs 8: {worst4:.3f} px in one column"
    full = (cover[2] == 1.0) & (cover[8] == 1.0)
    assert full.sum() > 0.3 * full.size, "the disk should fill much of the crop"


def edge_width_px(res, albedo=0.5):
    """Mean over limb-crossing columns of the rms width (px) of the coverage step along the lines."""
    cover = res.truth["IOF"].astype(float) / albedo
    body = res.truth["BODY"] > 0
    cols = np.flatnonzero(((body[1:] != body[:-1]).sum(axis=0) == 1) & (body[0] != body[-1]))
    widths = []
    for c in cols:
        d = np.abs(np.diff(cover[:, c]))
        if d.sum() < 0.99:
            continue
        y = np.arange(d.size) + 1.0
        m = (d * y).sum() / d.sum()
        widths.append((d * (y - m) ** 2).sum() / d.sum())
    return np.array(widths)


def spin_axis_camera(et: float) -> np.ndarray:
    """Unit spin axis in JUNO_JUNOCAM from the kernels' own rotation over one TDI period."""
    from scipy.spatial.transform import Rotation
    period = CAM.timing.tdi_line_period_s
    rel = spiceypy.pxform("JUNO_JUNOCAM", "J2000", et).T @ spiceypy.pxform("JUNO_JUNOCAM", "J2000", et + period)
    rv = Rotation.from_matrix(rel).as_rotvec()
    return rv / np.linalg.norm(rv)


def test_smear_length_is_rate_mismatch_times_exposure(cache):
    """Edge variance = static + (drift)^2 / 12 with drift = parallax + N (1 - v); its second difference over
    three equally spaced spin errors is (N dv)^2 / 6 whatever the static blur and the parallax. The spin
    error's accumulated pointing change since the image start is cancelled at mid-exposure by an opposite
    attitude offset, so the limb stays in the crop and only the smear differs."""
    tdi = 16
    base = request_for(default_scenario(), cache, sample_range=(776, 864), tdi_stages={"GREEN": tdi},
                       options=RenderOptions(psf_sigma_px=0.0, supersample=6))
    scene = uniform_scene(0.5, FlatPhotometry())
    matched_rpm = CAM.timing.spin_rate_matching_tdi_rad_s(CAM.optics.focal_length_px) * 60 / (2 * np.pi)
    t_ref = base.start_et + CAM.timing.start_time_bias_s
    t_mid = CAM.frame_mid_et(base.start_et, LIMB_FRAME, base.interframe_delay_s, tdi)
    with KernelPool([base.metakernel]):
        axis = spin_axis_camera(t_mid)
    step_rpm = 0.08
    widths = []
    for k in range(3):
        err = matched_rpm - 2.0 + 0.04 + k * step_rpm
        offset = -axis * err * 2 * np.pi / 60.0 * (t_mid - t_ref)
        errors = InjectedErrors(spin_rate_error_rpm=err, attitude_offset_rad=tuple(offset))
        res = render_one(base.with_overrides(errors=errors), scene=scene)
        widths.append(edge_width_px(res))
    n = min(w.size for w in widths)
    assert n > 20, f"too few limb columns: {[w.size for w in widths]}"
    second = widths[2][:n].mean() - 2 * widths[1][:n].mean() + widths[0][:n].mean()
    measured = np.sqrt(max(6.0 * second, 0.0))
    expected = tdi * step_rpm / matched_rpm                 # rows of extra drift per step of spin error
    assert abs(measured - expected) < SMEAR_TOL_PX, (f"smear grows {measured:.3f} px per step, expected "
                                                     f"mismatch x exposure = {expected:.3f} px")


@pytest.mark.parametrize("tdi,all_nodes", [(16, 16), pytest.param(64, 64, marks=pytest.mark.slow)])
def test_stage_blocks_match_brute_force(cache, tdi, all_nodes):
    """The block quadrature (9 nodes) against every stage as a node, across the limb and the disk."""
    base = request_for(default_scenario(), cache, sample_range=(800, 848), tdi_stages={"GREEN": tdi},
                       errors=InjectedErrors(spin_rate_error_rpm=0.05), options=RenderOptions())
    scene = uniform_scene(0.5)          # Lambert: smooth up to the limb (Minnaert's limb singularity would
    fast = render_one(base, scene=scene)  # compare sub-sample layouts, not quadratures)
    brute = render_one(base.with_overrides(options=RenderOptions(max_stage_nodes=all_nodes)), scene=scene)
    a, b = fast.truth["IOF"].astype(float), brute.truth["IOF"].astype(float)
    worst = np.abs(a - b).max() / np.abs(b).max()
    assert worst < QUADRATURE_TOL, f"block quadrature differs from every-stage by {worst:.4f} of the signal"


def test_gain_error_scales_the_signal():
    quiet = {"enabled": False}
    iof = np.full((128, 1648), 0.3)
    base = DetectorChain(chain_request(quiet), CAM).expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, 0)
    req = chain_request(quiet, errors=InjectedErrors(gain_error={"GREEN": 1.1}))
    more = DetectorChain(req, CAM).expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, 0)
    bias = CAM.detector.bias_dn
    ratio = (more.dn12_noise_free.astype(float) - bias).mean() / (base.dn12_noise_free.astype(float) - bias).mean()
    assert ratio == pytest.approx(1.1, abs=2e-3), f"gain error 1.1 scaled the signal by {ratio:.4f}"


def test_radiation_hits_grow_toward_jupiter():
    from dataclasses import replace

    from simulator.render.electronics import RadiationScaling
    cam = replace(CAM, detector=replace(CAM.detector, radiation_hits_per_cm2_s=2e4))
    noise = {"enabled": True, "flat": False, "prnu": False, "dark": False, "hot_pixels": False,
             "radiation": True, "shot": False, "read": False}
    chain = DetectorChain(chain_request(noise, tdi_stages={"GREEN": 64}), cam)
    dark = np.zeros((128, 1648))
    counts = []
    ref = RadiationScaling().reference_km
    for distance in (ref, ref / 2.0):
        dn = chain.expose(dark, "GREEN", 64, JUPITER_SOLAR_DISTANCE_KM, 0, jupiter_distance_km=distance).dn12
        counts.append(np.count_nonzero(dn > np.floor(CAM.detector.bias_dn) + 5))
    area_cm2 = 128 * 1648 * (CAM.detector.pixel_pitch_mm * 0.1) ** 2
    expected = 2e4 * area_cm2 * CAM.exposure_s(64)
    assert abs(counts[0] - expected) < 5 * np.sqrt(expected) + 0.05 * expected, f"{counts[0]} hits, ~{expected:.0f}"
    ratio = counts[1] / counts[0]
    assert ratio == pytest.approx(8.0, rel=0.15), f"half the distance gave {ratio:.2f}x the hits, expected 8"

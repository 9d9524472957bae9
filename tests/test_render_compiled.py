"""Compiled geometry kernels (numba) against the numpy replicas they replace, on pixel and limb rays."""

from __future__ import annotations

import numpy as np
import pytest

from instrument_models.junocam import JunoCam
from simulator.geometry import Geometry
from simulator.render import compiled, grid
from test_render_common import LIMB_FRAME, default_scenario, request_for

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba not installed: the numpy path is used")

REL_TOL = 1e-12          # compiled vs numpy, relative (only the 3x3 products' summation order differs)
ANGLE_TOL_DEG = 1e-10    # angles near 0 have no relative scale: absolute, deg
CAM = JunoCam.default()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("compiled-kernels")


def _rays(frame_rng, req, frame):
    """Every pixel ray of a GREEN framelet plus random sub-pixel rays near the limb rows, (M, 3)."""
    line, sample = np.meshgrid(np.arange(0, 128, 3) + 0.5, np.arange(1648) + 0.5, indexing="ij")
    jitter = frame_rng.uniform(-0.5, 0.5, size=(2,) + line.shape)
    return CAM.pixel_to_ray("GREEN", sample + jitter[0], line + jitter[1]).reshape(-1, 3)


@pytest.mark.parametrize("frame", [13, LIMB_FRAME])
@pytest.mark.parametrize("abcorr", ["LT+S", "LT"])
def test_compiled_geometry_equals_numpy_replica(cache, monkeypatch, frame, abcorr):
    req = request_for(default_scenario(), cache, frames=26, frame_indices=(frame,))
    mid = CAM.frame_mid_et(req.start_et, frame, req.interframe_delay_s, 1)
    rays = _rays(np.random.default_rng(frame), req, frame)
    with Geometry(req.metakernel, abcorr=abcorr) as geo:
        s = geo.sample([mid])
        assert compiled.supports(geo)
        fast = grid.exact_intercepts(geo, rays, s, 0, with_shift=True)
        h = fast[0]
        fast_geo = grid.hit_geometry(geo, fast[1][h], fast[2][h], fast[3][h], s, 0)
        monkeypatch.setattr(compiled, "AVAILABLE", False)
        ref = grid.exact_intercepts(geo, rays, s, 0, with_shift=True)
        ref_geo = grid.hit_geometry(geo, ref[1][h], ref[2][h], ref[3][h], s, 0)
    assert np.array_equal(fast[0], ref[0]), f"{np.sum(fast[0] != ref[0])} rays hit/miss differently"
    assert 0 < h.sum() < h.size or frame == 13
    for name, a, b in zip(("points", "obs_body", "trgepc", "shift"), fast[1:], ref[1:]):
        a, b = a[h], b[h]
        scale = np.max(np.abs(b)) if name != "shift" else np.max(np.abs(b)) + 1e-300
        err = np.max(np.abs(a - b)) / scale
        assert err < REL_TOL, f"{abcorr} frame {frame}: {name} differs by {err:.2e} relative"
    miss = ~h
    assert np.array_equal(fast[2][miss], ref[2][miss]) or np.max(np.abs(fast[2][miss] - ref[2][miss])) < (
        REL_TOL * np.max(np.abs(ref[2]))), "obs_body of missing rays differs"
    for key in ref_geo:
        err = np.max(np.abs(fast_geo[key] - ref_geo[key]), initial=0.0)
        tol = ANGLE_TOL_DEG if key in ("INCIDENCE", "EMISSION", "PHASE") else REL_TOL * np.max(
            np.abs(ref_geo[key]), initial=1.0)
        assert err < tol, f"{abcorr} frame {frame}: {key} differs by {err:.2e}"


def test_compiled_geometry_is_deterministic(cache):
    req = request_for(default_scenario(), cache, frames=26, frame_indices=(LIMB_FRAME,))
    mid = CAM.frame_mid_et(req.start_et, LIMB_FRAME, req.interframe_delay_s, 1)
    rays = _rays(np.random.default_rng(3), req, LIMB_FRAME)
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        s = geo.sample([mid])
        one = grid.exact_intercepts(geo, rays, s, 0)
        two = grid.exact_intercepts(geo, rays, s, 0)
    for a, b in zip(one, two):
        assert a.tobytes() == b.tobytes(), "the compiled intercepts are not deterministic"



def _window_rays(req, frame, abcorr, geo):
    """A full framelet window's nominal-frame pixel-centre rays (rows, cols, 3) and its sample."""
    mid = CAM.frame_mid_et(req.start_et, frame, req.interframe_delay_s, 1)
    line, sample = np.meshgrid(np.arange(-3, 131) + 0.5, np.arange(1648) + 0.5, indexing="ij")
    return CAM.pixel_to_ray("GREEN", sample, line), geo.sample([mid])


@pytest.mark.parametrize("frame", [13, LIMB_FRAME])
@pytest.mark.parametrize("abcorr", ["LT+S", "LT"])
def test_fused_window_equals_numpy_replica(cache, monkeypatch, frame, abcorr):
    """``window_surface`` (one parallel loop over a window) = cone mask + numpy sincpt/ilumin replicas."""
    from simulator.render import sampling

    req = request_for(default_scenario(), cache, frames=26, frame_indices=(frame,))
    with Geometry(req.metakernel, abcorr=abcorr) as geo:
        rays, s = _window_rays(req, frame, abcorr, geo)
        radius, margin = float(max(geo.radii_km)), 10 * float(CAM.optics.ifov_rad)
        centre, cos_half = sampling.jupiter_cone(s, 0, radius, margin)
        hit, geom, cosines = compiled.window_surface(geo, rays, s, 0, centre, cos_half)
        monkeypatch.setattr(compiled, "AVAILABLE", False)
        cand = sampling.jupiter_cone_mask(rays, s, 0, radius, margin)
        ref_hit, _, ref, _ = sampling.window_geometry(geo, rays, cand, s, 0, float(CAM.optics.ifov_rad), 0, 1e-4)
    assert np.array_equal(hit, ref_hit), f"{np.sum(hit != ref_hit)} pixels hit/miss differently"
    assert hit.any() and (frame == 13 or not hit.all())
    for q, key in enumerate(sampling.GEOMETRY_KEYS):
        assert np.all(np.isnan(geom[q][~hit])), f"{key} is not NaN off the body"
        err = np.max(np.abs(geom[q][hit] - ref[key]))
        tol = ANGLE_TOL_DEG if key in ("INCIDENCE", "EMISSION", "PHASE") else REL_TOL * np.max(np.abs(ref[key]))
        assert err < tol, f"{abcorr} frame {frame}: {key} differs by {err:.2e} (tolerance {tol:.1e})"
    for q, key in enumerate(("INCIDENCE", "EMISSION", "PHASE")):
        err = np.max(np.abs(np.degrees(np.arccos(cosines[q][hit])) - ref[key]))
        assert err < 1e-6, f"cos {key} differs from the angle by {err:.2e} deg"


def test_fused_window_does_not_depend_on_thread_count(cache):
    """Every pixel is independent: 1 thread and all threads give identical bytes."""
    import numba

    from simulator.render import sampling

    req = request_for(default_scenario(), cache, frames=26, frame_indices=(LIMB_FRAME,))
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        rays, s = _window_rays(req, LIMB_FRAME, req.abcorr, geo)
        centre, cos_half = sampling.jupiter_cone(s, 0, float(max(geo.radii_km)), 0.01)
        threads = numba.get_num_threads()
        try:
            numba.set_num_threads(1)
            one = compiled.window_surface(geo, rays, s, 0, centre, cos_half)
        finally:
            numba.set_num_threads(threads)
        many = compiled.window_surface(geo, rays, s, 0, centre, cos_half)
    for a, b in zip(one, many):
        assert a.tobytes() == b.tobytes(), f"results differ between 1 and {threads} threads"


@pytest.mark.parametrize("tdi", [1, 3])
def test_rendered_framelet_equals_numpy_path(cache, monkeypatch, tdi):
    """A whole limb framelet (TDI 1: the truth reuses the fused node; TDI 3: several nodes) rendered with the
    fused compiled path equals the all-numpy render: I/F to 1e-12, truth planes to the replica tolerances."""
    from test_render_common import render_one

    req = request_for(default_scenario(), cache, tdi_stages={"GREEN": tdi})
    fast = render_one(req)
    monkeypatch.setattr(compiled, "AVAILABLE", False)
    ref = render_one(req)
    assert np.array_equal(fast.truth["BODY"], ref.truth["BODY"]), "BODY differs"
    for key in ("IOF", "LAT_PC", "LAT_PG", "LON_W", "INCIDENCE", "EMISSION", "PHASE", "RANGE"):
        a, b = fast.truth[key].astype(float), ref.truth[key].astype(float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), f"{key}: NaN pattern differs"
        ok = ~np.isnan(b)
        err = np.max(np.abs(a[ok] - b[ok]), initial=0.0)
        tol = 1e-12 * max(1.0, np.max(np.abs(b[ok]))) if fast.truth[key].dtype == np.float64 else (
            2.0 * np.spacing(np.float32(np.max(np.abs(b[ok])))))
        assert err <= tol, f"TDI {tdi}: {key} differs by {err:.2e} (tolerance {tol:.1e})"


def test_compiled_retry_of_grazing_misses_equals_numpy_replica(cache):
    """Rays missing at the centre's light time but hitting at their own (the replica's retry) are decided in the
    compiled loop exactly as ``Geometry.intercept`` decides them; the test rays include such rays."""
    from simulator.geometry import _unit, remove_stellar_aberration

    req = request_for(default_scenario(), cache, frames=26, frame_indices=(LIMB_FRAME,))
    mid = CAM.frame_mid_et(req.start_et, LIMB_FRAME, req.interframe_delay_s, 1)
    rng = np.random.default_rng(1)
    line, sample = rng.uniform(-3, 131, 400_000), rng.uniform(0, 1648, 400_000)
    rays = CAM.pixel_to_ray("GREEN", sample, line)
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        s = geo.sample([mid])
        d = remove_stellar_aberration(_unit(rays @ s.cam_to_j2000[0].T), s.obs_vel_ssb[0])
        first = np.isfinite(geo._pass(d, s, 0, np.zeros(len(d)))[2])
        ref = geo.intercept(rays, s, 0)
        fast = compiled.intercepts(geo, rays, s, 0)
    retried = ~first & ref.hit
    assert retried.sum() > 0, "no ray needed the retry: the test would not exercise it"
    assert np.array_equal(fast[0], ref.hit), f"{np.sum(fast[0] != ref.hit)} rays decided differently"
    err = np.max(np.abs(fast[1][retried] - ref.points[retried])) / np.max(np.abs(ref.points[ref.hit]))
    assert err < REL_TOL, f"retried rays' points differ by {err:.2e} relative"
    for name, a, b in (("trgepc", fast[3], ref.trgepc), ("shift", fast[4], ref.epoch_shift)):
        assert np.max(np.abs(a - b)) < 1e-9, f"{name} of rays differs by {np.max(np.abs(a - b)):.2e} s"


def test_fused_window_with_folded_rotation_equals_rotated_rays(cache):
    """Camera rays with the attitude correction folded into the loop = the rotated rays passed in."""
    from simulator.render import los, sampling

    req = request_for(default_scenario(), cache, frames=26, frame_indices=(LIMB_FRAME,))
    rotation = los.rotation_matrix(np.array([2e-4, -1e-4, 3e-4]))
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        rays, s = _window_rays(req, LIMB_FRAME, req.abcorr, geo)
        centre, cos_half = sampling.jupiter_cone(s, 0, float(max(geo.radii_km)), 0.01)
        folded = compiled.window_surface(geo, rays, s, 0, centre, cos_half, rotation=rotation)
        rotated = compiled.window_surface(geo, rays @ rotation.T, s, 0, centre, cos_half)
    assert np.array_equal(folded[0], rotated[0]), f"{np.sum(folded[0] != rotated[0])} pixels hit differently"
    hit = folded[0]
    for q, key in enumerate(sampling.GEOMETRY_KEYS):
        err = np.max(np.abs(folded[1][q][hit] - rotated[1][q][hit]))
        tol = ANGLE_TOL_DEG if key in ("INCIDENCE", "EMISSION", "PHASE") else REL_TOL * np.max(
            np.abs(rotated[1][q][hit]))
        assert err < tol, f"{key} differs by {err:.2e}"


def test_fused_window_picture_only_planes_equal_the_full_ones(cache):
    """``full=False`` (stage nodes the truth does not reuse) gives the same LAT_PG, LON_W, RANGE and cosines;
    the planes it skips are NaN."""
    from simulator.render import sampling

    req = request_for(default_scenario(), cache, frames=26, frame_indices=(LIMB_FRAME,))
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        rays, s = _window_rays(req, LIMB_FRAME, req.abcorr, geo)
        centre, cos_half = sampling.jupiter_cone(s, 0, float(max(geo.radii_km)), 0.01)
        full = compiled.window_surface(geo, rays, s, 0, centre, cos_half)
        part = compiled.window_surface(geo, rays, s, 0, centre, cos_half, full=False)
    assert full[0].tobytes() == part[0].tobytes() and full[2].tobytes() == part[2].tobytes()
    for q, key in enumerate(sampling.GEOMETRY_KEYS):
        if key in ("LAT_PG", "LON_W", "RANGE"):
            assert full[1][q].tobytes() == part[1][q].tobytes(), f"{key} differs"
        else:
            assert np.all(np.isnan(part[1][q])), f"{key} is computed although not asked for"


@pytest.mark.parametrize("spin_scale", [1.0, 0.0, 1e4])
def test_staged_window_equals_the_reference_per_ray_functions_bit_for_bit(cache, spin_scale):
    """The window's staged, vectorised row loops give the same bytes as the serial loops over the reference
    per-ray functions (``intercepts`` + ``hit_geometry``) on sub-pixel rays that include grazing retries, with
    the body's spin as is, zero (no turns) and 1e4x (every turn angle past the series' range, where the series
    is wrong in the last bits: all pixels take the exact fix-up)."""
    import dataclasses

    from simulator.geometry import _unit, remove_stellar_aberration
    from simulator.render import sampling

    req = request_for(default_scenario(), cache, frames=26, frame_indices=(LIMB_FRAME,))
    mid = CAM.frame_mid_et(req.start_et, LIMB_FRAME, req.interframe_delay_s, 1)
    rng = np.random.default_rng(7)
    rays = CAM.pixel_to_ray("GREEN", rng.uniform(0, 1648, 300_000), rng.uniform(-3, 131, 300_000))
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        s = geo.sample([mid])
        s = dataclasses.replace(s, body_spin_body=s.body_spin_body * spin_scale)
        centre, cos_half = sampling.jupiter_cone(s, 0, float(max(geo.radii_km)), 0.01)
        hit, geom, cosines = compiled.window_surface(geo, rays.reshape(300, 1000, 3), s, 0, centre, cos_half)
        cand = rays[:, 0] * centre[0] + rays[:, 1] * centre[1] + rays[:, 2] * centre[2] >= cos_half
        ref_hit, points, obs, trgepc, _ = compiled.intercepts(geo, rays[cand], s, 0)
        ref = compiled.hit_geometry(geo, points[ref_hit], obs[ref_hit], trgepc[ref_hit], s, 0)
        d = remove_stellar_aberration(_unit(rays[cand] @ s.cam_to_j2000[0].T), s.obs_vel_ssb[0])
        first = np.isfinite(geo._pass(d, s, 0, np.zeros(len(d)))[2])
    assert np.sum(~first & ref_hit) > 0, "no ray needed the grazing retry: the test would not exercise it"
    turn = np.linalg.norm(s.body_spin_body[0]) * np.abs(trgepc[ref_hit] - (s.et[0] - s.lt[0]))
    if spin_scale > 1.0:
        assert np.all(turn >= compiled.SERIES_MAX_RAD), "a turn within the series' range: no fix-up exercised"
        x2 = turn * turn
        series = turn - turn * x2 * (1.0 / 6.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 5040.0)))
        assert np.any(series != np.sin(turn)), "the series is exact here: the test could not see a missed fix-up"
    hit, geom = hit.reshape(-1), geom.reshape(7, -1)
    full_hit = np.zeros_like(hit)
    full_hit[cand] = ref_hit
    assert np.array_equal(hit, full_hit), f"{np.sum(hit != full_hit)} rays hit/miss differently"
    for q, key in enumerate(sampling.GEOMETRY_KEYS):
        assert geom[q][hit].tobytes() == ref[key].tobytes(), (
            f"{key} differs from the reference by {np.max(np.abs(geom[q][hit] - ref[key])):.2e}")
        assert np.all(np.isnan(geom[q][~hit])), f"{key} is not NaN off the body"
    assert np.all(cosines.reshape(3, -1)[:, ~hit] == 0.0), "cosines off the body are not 0"

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


"""Coarse-grid intercepts (``simulator.render.grid``): interpolated pixels against the exact replica."""

from __future__ import annotations

import numpy as np
import pytest

from instrument_models.junocam import JunoCam
from simulator.geometry import Geometry
from simulator.render import grid
from simulator.render.sampling import jupiter_cone_mask
from test_render_common import LIMB_FRAME, default_scenario, request_for

GRID_TOL_PX = 1e-4      # RenderOptions.geometry_tol_px default: the check at each cell centre
GRID_BOUND_PX = 2e-4    # anywhere in a cell (the centre is the bilinear error's maximum; factor 2 of slack)
ANGLE_TOL_DEG = 1e-6    # photometric angles from interpolated points vs exact ones
CAM = JunoCam.default()


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("grid-kernels")


@pytest.mark.parametrize("frame, min_interpolated", [(13, 0.8), (LIMB_FRAME, 0.3)])
def test_grid_intercepts_equal_exact_ones(cache, frame, min_interpolated):
    req = request_for(default_scenario(), cache, frames=26, frame_indices=(frame,))
    mid = CAM.frame_mid_et(req.start_et, frame, req.interframe_delay_s, 1)
    line, sample = np.meshgrid(np.arange(-3, 131) + 0.5, np.arange(1648) + 0.5, indexing="ij")
    rays = CAM.pixel_to_ray("GREEN", sample, line)
    with Geometry(req.metakernel, abcorr=req.abcorr) as geo:
        s = geo.sample([mid])
        cand = jupiter_cone_mask(rays, s, 0, max(geo.radii_km), 10 * CAM.optics.ifov_rad)
        fast = grid.window_intercepts(geo, rays, cand, s, 0, CAM.optics.ifov_rad, 8, GRID_TOL_PX)
        exact = grid.window_intercepts(geo, rays, cand, s, 0, CAM.optics.ifov_rad, 0, GRID_TOL_PX)
        assert np.array_equal(fast.hit, exact.hit), "interpolation changed which pixels see Jupiter"
        h = exact.hit
        assert fast.interpolated > min_interpolated * h.sum(), (
            f"only {fast.interpolated} of {h.sum()} disk pixels interpolated")
        srf = exact.points[h] - exact.obs_body[h]
        err = np.linalg.norm(fast.points[h] - exact.points[h], axis=1) / (
            np.linalg.norm(srf, axis=1) * CAM.optics.ifov_rad)
        assert err.max() < GRID_BOUND_PX, f"interpolated intercepts off the exact ones by up to {err.max():.2e} px"
        assert np.max(np.abs(fast.trgepc[h] - exact.trgepc[h])) < 1e-6   # ET ulp 1.2e-7 s; 13 mm at 13 km/s
        a = grid.hit_geometry(geo, fast.points[h], fast.obs_body[h], fast.trgepc[h], s, 0)
        b = grid.hit_geometry(geo, exact.points[h], exact.obs_body[h], exact.trgepc[h], s, 0)
        for key in ("INCIDENCE", "EMISSION", "PHASE"):
            worst = np.max(np.abs(a[key] - b[key]))
            assert worst < ANGLE_TOL_DEG, f"{key} from interpolated intercepts off by {worst:.2e} deg"

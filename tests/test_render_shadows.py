"""Moons' shadows on Jupiter (simulator/render/shadows.py): the covered fraction of the solar disk.

The rendered dimming is checked against an independent computation: spiceypy places the Sun and Io as seen
from each pixel's sincpt point (``spkcpo``, light time), and the covered area is integrated numerically.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import given, settings
from hypothesis import strategies as st

from instrument_models.junocam import JunoCam
from scenes.scene import build_scene
from simulator.kernelset import kernel_set_for
from simulator.render import RenderOptions
from simulator.render.shadows import SUN_RADIUS_KM, disk_overlap_fraction
from simulator.scenario import load_scenario
from simulator.spice import KernelPool
from test_render_common import render_one, request_for

OVERLAP_TOL = 1e-4        # analytic circle overlap vs numerical integration (2,000 strips)
SHADOW_TOL = 2e-3         # rendered sunlit fraction vs the independent spiceypy computation
CAM = JunoCam.default()
COLUMNS = (1150, 1350)    # across the penumbra of Io's shadow in GREEN frame 12

# The default orbit with perijove 1.32 days later, found by scanning perijove times over one Io period
# (and the local time) for Io's shadow on Jupiter inside the camera swath near perijove: at 17:23:52 UTC
# Io's umbra (~240 px radius, penumbra ~100 px wide) is at sample ~1430 of the GREEN framelet of frame 12.
SHADOW_SCENARIO = """
name = "io-shadow"
description = "Io's shadow on Jupiter near perijove (test scenario)"
seed = 1
[orbit]
perijove_utc = "2018-04-02T17:25:48"
perijove_altitude_km = 4200.0
perijove_latitude_deg = 5.0
period_days = 53.5
perijove_local_time_h = 10.0
[geometry]
coverage_before_h = 1.0
coverage_after_h = 1.0
[imaging]
start_utc = "2018-04-02T17:23:48"
frames = 20
[[scene.bodies]]
name = "IO"
naif_id = 501
frame = "IAU_IO"
radii_km = [1829.4, 1819.4, 1815.7]
albedo = 0.6
"""


def covered_fraction_numeric(a, b, d, strips=2000):
    """Fraction of disk a (centre 0) covered by disk b (centre (d, 0)), by strips across disk a."""
    x = -a + (np.arange(strips) + 0.5) * (2 * a / strips)
    half_a = np.sqrt(np.maximum(a * a - x * x, 0.0))
    half_b = np.sqrt(np.maximum(b * b - (x - d) ** 2, 0.0))
    overlap = 2 * np.minimum(half_a, half_b)
    return float(np.sum(overlap) * (2 * a / strips) / (np.pi * a * a))


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 2.0), st.floats(0.1, 8.0), st.floats(0.0, 10.0))
def test_overlap_fraction_equals_numerical_integration(a, b, d):
    f = float(disk_overlap_fraction(a, b, d))
    assert 0.0 <= f <= 1.0
    assert abs(f - covered_fraction_numeric(a, b, d)) < OVERLAP_TOL


def test_overlap_limits():
    assert disk_overlap_fraction(1.0, 2.0, 0.5) == 1.0          # umbra
    assert disk_overlap_fraction(1.0, 0.5, 0.2) == pytest.approx(0.25)   # annular: (b/a)^2
    assert disk_overlap_fraction(1.0, 0.5, 1.5) == 0.0          # outside


@pytest.fixture(scope="module")
def shadow_pair(kernel_cache_dir, tmp_path_factory):
    """GREEN frame 12 rendered with Io (its shadow on Jupiter) and without any extra body."""
    path = tmp_path_factory.mktemp("shadow") / "io-shadow.toml"
    path.write_text(SHADOW_SCENARIO)
    scenario = load_scenario(path)
    kernel_set_for(scenario, kernel_cache_dir)
    req = request_for(scenario, kernel_cache_dir, filters=("GREEN",), frames=20, frame_indices=(12,),
                      tdi_stages={"GREEN": 1}, sample_range=COLUMNS, options=RenderOptions(psf_sigma_px=0.0))
    config = dict(req.scene_config)
    with_io = render_one(req, scene=build_scene(config, req.seed))
    config["bodies"] = []
    without = render_one(req, scene=build_scene(config, req.seed))
    return req, with_io, without


def _sunlit_spice(point, et, io_radius):
    """Fraction of the Sun's disk seen from a Jupiter surface point (IAU_JUPITER) not covered by Io."""
    sun = np.asarray(spiceypy.spkcpo("SUN", et, "J2000", "OBSERVER", "LT", point, "JUPITER", "IAU_JUPITER")[0][:3])
    io = np.asarray(spiceypy.spkcpo("IO", et, "J2000", "OBSERVER", "LT", point, "JUPITER", "IAU_JUPITER")[0][:3])
    a = np.arcsin(SUN_RADIUS_KM / np.linalg.norm(sun))
    b = np.arcsin(io_radius / np.linalg.norm(io))
    d = np.arctan2(np.linalg.norm(np.cross(sun, io)), sun @ io)
    if sun @ io <= 0 or np.linalg.norm(io) > np.linalg.norm(sun):
        return 1.0
    return 1.0 - covered_fraction_numeric(a, b, d, strips=4000)


def test_io_shadow_dims_jupiter_as_spice_geometry_says(shadow_pair):
    req, with_io, without = shadow_pair
    body = with_io.truth["BODY"]
    assert np.all(body == without.truth["BODY"]), "Io itself is not in this framelet"
    on = body == 599
    base = without.truth["IOF"].astype(float)
    ratio = np.where(on & (base > 1e-4), with_io.truth["IOF"].astype(float) / np.maximum(base, 1e-12), np.nan)
    penumbra = np.isfinite(ratio) & (ratio > 0.02) & (ratio < 0.98)
    umbra = np.isfinite(ratio) & (ratio == 0.0)
    assert penumbra.sum() > 500 and umbra.sum() > 500, \
        f"the framelet should cross Io's penumbra ({penumbra.sum()} px) and umbra ({umbra.sum()} px)"
    rng = np.random.default_rng(3)
    picks = [np.flatnonzero(m.ravel()) for m in (penumbra, umbra, np.isfinite(ratio) & (ratio == 1.0))]
    worst = 0.0
    with KernelPool([req.metakernel]):
        io_radius = float(np.prod(spiceypy.bodvrd("IO", "RADII", 3)[1]) ** (1 / 3))
        for flat in np.concatenate([rng.choice(p, size=min(40, p.size), replace=False) for p in picks]):
            j, i = divmod(int(flat), body.shape[1])
            ray = CAM.pixel_to_ray("GREEN", COLUMNS[0] + i + 0.5, j + 0.5)
            point, trgepc, _ = spiceypy.sincpt("ELLIPSOID", "JUPITER", with_io.mid_et, "IAU_JUPITER", req.abcorr,
                                               "JUNO", "JUNO_JUNOCAM", ray)
            expected = _sunlit_spice(np.asarray(point), trgepc, io_radius)
            worst = max(worst, abs(ratio[j, i] - expected))
    assert worst < SHADOW_TOL, f"rendered sunlit fraction vs spiceypy geometry: worst {worst:.2e}"

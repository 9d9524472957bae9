"""The planner against SPICE: pixel scales, crossing times, footprints, and the CLI's clear answers.

Uses the synthetic kernel set of the built-in ``pj10`` scenario (written once into the cache). Volumes
come from a fixed stand-in model here; the preview-render estimator is exercised in test_plan_render.py.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import spiceypy

from instrument_models.junocam import JunoCam
from simulator.cli import main
from simulator.geometry import Geometry
from simulator.kernelset import kernel_set_for
from simulator.planning.footprints import body_point_to_pixel, outline_pixels, truth_row_offset
from simulator.planning.opportunities import Limits, strip_centre_azimuth, target_geometry
from simulator.planning.planner import PlanRequest, framelet_mid_ets, plan_pass
from simulator.planning.proposal import pixel_scale_km
from simulator.planning.swath import wrap_angle
from simulator.planning.targets import parse_target
from simulator.scenario import load_scenario
from simulator.spice import KernelPool

# Tolerances (named, with the reason).
NADIR_REL_TOL = 1e-9          # same SPICE altitude, same IFOV: only rounding differs
PJ10_SCALE_KM = (8.9, 9.1)    # facts.md: 13,345 km x 675.4 µrad = 9.0 km
CROSSING_AZIMUTH_TOL_DEG = 0.02   # bisection stops at 1 ms = 0.012 deg of spin
FOOTPRINT_TOL_DEG = 1e-6      # the planner's intercept replica vs spiceypy.sincpt


class FixedVolumes:
    """A stand-in volume model: 100 kB per framelet (the real one renders previews; see test_plan_render)."""

    def __init__(self, per_framelet: int = 100_000):
        self.per_framelet = per_framelet

    def estimate_bytes(self, plan) -> int:
        return plan.frames * len(plan.filters) * self.per_framelet // plan.summing ** 2


@pytest.fixture(scope="module")
def pj10():
    scenario = load_scenario("pj10")
    return scenario, kernel_set_for(scenario)


@pytest.fixture(scope="module")
def north_plan(pj10):
    scenario, mk = pj10
    request = PlanRequest(scenario, mk, parse_target("north-pole"), max_images=1)
    return plan_pass(request, lambda *_: FixedVolumes())


def test_pj10_nadir_scale_at_1743_is_9_km(pj10):
    scenario, mk = pj10
    cam = JunoCam.default()
    with Geometry(mk) as geo:
        sub = geo.sub_spacecraft(geo.str2et("2017-12-16T17:43:00"))
    scale = float(pixel_scale_km(sub.altitude_km, cam)[0])
    assert PJ10_SCALE_KM[0] < scale < PJ10_SCALE_KM[1], f"pj10 17:43 nadir scale {scale:.3f} km/px"


def test_nadir_scale_is_range_times_ifov_from_spice_alone(north_plan, pj10):
    _, mk = pj10
    plan = north_plan.kept[0]
    with KernelPool([mk]):
        _, _, srfvec = spiceypy.subpnt("NEAR POINT/ELLIPSOID", "JUPITER", plan.crossing_et, "IAU_JUPITER",
                                       "LT+S", "JUNO")
        pixel = spiceypy.gdpool("INS-61500_PIXEL_SIZE", 0, 1)[0]
        focal = spiceypy.gdpool("INS-61500_FOCAL_LENGTH", 0, 1)[0]
    expected = np.linalg.norm(srfvec) * pixel / focal
    assert plan.nadir_scale_km == pytest.approx(expected, rel=NADIR_REL_TOL)
    assert plan.target_scale_km == pytest.approx(plan.range_km * pixel / focal, rel=NADIR_REL_TOL)


def test_crossing_time_puts_the_target_on_the_strip_centre_and_inside_the_framelets(north_plan, pj10):
    scenario, mk = pj10
    cam = JunoCam.default()
    result = north_plan
    plan = result.kept[0]
    target = result.request.target
    with Geometry(mk) as geo:
        g = target_geometry(geo, geo.sample(np.array([plan.crossing_et])), target, result.spin, result.swath,
                            result.request.limits)
        off = np.degrees(abs(float(wrap_angle(g.azimuth_rad[0] - strip_centre_azimuth(result.swath)))))
        assert off < CROSSING_AZIMUTH_TOL_DEG, f"target {off:.4f} deg from the strip centre at the crossing"
        mids = framelet_mid_ets(cam, plan)
        point = geo.ellipsoid.surface_point(plan.target_lat_pg_deg, plan.target_lon_w_deg)
        for f in plan.filters:
            ets = np.array([mids[(n, f)] for n in range(plan.frames)])
            sample, line = body_point_to_pixel(geo, cam, f, point, ets)
            inside = np.nonzero((line >= 0) & (line < 128) & (sample >= 23) & (sample <= 1631))[0]
            assert inside.size, f"{f}: target never inside a framelet (lines {np.round(line, 1)})"
            middle = 0.5 * (plan.frames - 1)
            assert abs(inside.mean() - middle) <= 0.5 * plan.frames - 1, (f, inside, plan.frames)
            margin = np.minimum(sample[inside] - 23, 1631 - sample[inside]).min()
            assert margin > 100, f"{f}: target only {margin:.0f} px from a line end"


def test_footprints_equal_spiceypy_sincpt(north_plan, pj10):
    _, mk = pj10
    cam = JunoCam.default()
    plan = north_plan.kept[0]
    footprints = north_plan.footprints[plan.number]
    assert len(footprints) == plan.frames * len(plan.filters)
    sample, line = outline_pixels(cam)
    worst = 0.0
    checked = 0
    with Geometry(mk) as geo:
        offsets = {f: truth_row_offset(geo, cam, f, plan.tdi[f], footprints[0].mid_et) for f in plan.filters}
    with KernelPool([mk]), spiceypy.no_found_check():
        radii = spiceypy.bodvrd("JUPITER", "RADII", 3)[1]
        flattening = (radii[0] - radii[2]) / radii[0]
        for fp in footprints[:: max(1, len(footprints) // 6)]:
            rays = cam.pixel_to_ray(fp.filter, sample, line + offsets[fp.filter])
            for k in range(0, sample.size, 7):
                point, _, _, found = spiceypy.sincpt("ELLIPSOID", "JUPITER", fp.mid_et, "IAU_JUPITER", "LT+S",
                                                     "JUNO", "JUNO_JUNOCAM", rays[k])
                assert found == np.isfinite(fp.lon_w_deg[k]), (fp.frame, fp.filter, k)
                if found:
                    lon, lat, _ = spiceypy.recpgr("JUPITER", point, radii[0], flattening)
                    d_lon = (np.degrees(lon) - fp.lon_w_deg[k] + 180.0) % 360.0 - 180.0
                    worst = max(worst, abs(np.degrees(lat) - fp.lat_pg_deg[k]), abs(d_lon) * np.cos(lat))
                    checked += 1
    assert checked > 20 and worst < FOOTPRINT_TOL_DEG, f"worst footprint error {worst:.2e} deg over {checked} points"


def test_limb_target_finds_limb_points(pj10):
    scenario, mk = pj10
    request = PlanRequest(scenario, mk, parse_target("limb"), window="-20m,+20m", max_images=1)
    result = plan_pass(request, lambda *_: FixedVolumes())
    assert result.kept, result.message
    plan = result.kept[0]
    assert abs(plan.emission_deg - 90.0) < 1.0 and plan.incidence_deg < Limits().max_incidence_deg


def test_budget_too_small_for_one_image_is_an_answer(pj10):
    scenario, mk = pj10
    request = PlanRequest(scenario, mk, parse_target("north-pole"), max_images=2, budget_bytes=1000.0)
    result = plan_pass(request, lambda *_: FixedVolumes())
    assert result.kept == [] and result.dropped
    assert "too small for one image" in result.message and "--budget-mb" in result.message, result.message


# ------------------------------------------------------------------------------------------ the CLI

def test_cli_window_without_opportunity_says_so_and_exits_0(tmp_path, capsys):
    status = main(["plan", "--scenario", "pj10", "--target", "north-pole", "--window", "+1h,+2h",
                   "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert "no imaging opportunity for north-pole" in out and "spins" in out, out
    doc = json.loads((tmp_path / "sequence.json").read_text())
    assert doc["images"] == [] and doc["opportunities"] == 0
    for name in ("sequence.csv", "footprints.png", "timeline.png", "pass.png"):
        assert (tmp_path / name).stat().st_size > 0, name


@pytest.mark.parametrize("argv, words", [
    (["--target", "europa"], "unknown target 'europa'"),
    (["--window", "3x,4x"], "3x"),
    (["--window", "+3h,-3h"], "ends before it starts"),
    (["--window=-20h,-19h"], "do not cover"),
    (["--max-emission", "120"], "--max-emission 120"),
    (["--filters", "BLUE,PURPLE"], "PURPLE"),
    (["--scenario", "no-such-scenario"], "no-such-scenario"),
])
def test_cli_bad_input_is_one_line(tmp_path, capsys, argv, words):
    status = main(["plan", "--scenario", "pj10", "--out", str(tmp_path), *argv])  # a later option wins
    err = capsys.readouterr().err
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("junocam-sim: error:") and words in lines[0], err


def test_cli_accepts_negative_window_offsets_as_values(tmp_path, capsys):
    # "--window -3h,+3h" must reach the window parser (not be taken for an option): the error is the target's.
    status = main(["plan", "--scenario", "pj10", "--window", "-3h,+3h", "--target", "europa", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert status == 2 and "unknown target 'europa'" in err, err

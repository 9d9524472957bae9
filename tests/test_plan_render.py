"""A planned sequence, rendered: the target is inside its framelets and the footprints match the truth.

Slow (preview renders for the volume estimate, then real framelets with truth backplanes): run with
``make test-slow``. The sequence goes through the render command's own reader
(``simulator.commands.render.sequence_products``), so the two commands agree on ``sequence.json``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from instrument_models.junocam import JunoCam
from simulator.cli import main
from simulator.commands.render import sequence_products
from simulator.geometry import Geometry
from simulator.kernelset import kernel_set_for
from simulator.planning.footprints import body_point_to_pixel
from simulator.render import RenderRequest
from simulator.render.engine import render_framelets
from simulator.scenario import load_scenario

pytestmark = pytest.mark.slow

# The target's truth must lie within this many pixel scales of where the planner put it (the planner's
# pixel ignores stellar aberration, ~0.3 px, and the product's START_TIME is rounded to a clock tick).
TARGET_TOL_PX = 3.0
# Footprint corners are pixel corners, the truth is at pixel centres: half a pixel diagonally (0.71 px) on the
# sensor, stretched on the ground by the emission angle; plus the 1e-4 deg rounding of sequence.json.
CORNER_TOL_PX = 3.0
REQUIRED_KEYS = ("start_utc", "frames", "filters", "tdi", "nadir_scale_km", "target_scale_km", "volume_bytes",
                 "compression", "summing", "reasons", "footprints", "volume_error_90pct")


def _surface_distance_km(geo, lat_a, lon_a, lat_b, lon_b) -> float:
    a = geo.ellipsoid.surface_point(lat_a, lon_a)
    b = geo.ellipsoid.surface_point(lat_b, lon_b)
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan")
    status = main(["plan", "--scenario", "pj10", "--target", "north-pole", "--max-images", "1", "--out", str(out)])
    assert status == 0
    return json.loads((out / "sequence.json").read_text())


def test_sequence_json_has_what_render_needs(planned):
    assert planned["images"], planned["message"]
    for entry in planned["images"]:
        missing = [k for k in REQUIRED_KEYS if k not in entry]
        assert not missing, missing
        assert entry["volume_bytes"] > 0 and entry["nadir_scale_km"] > 0
        products = sequence_products(entry)
        assert len(products) == 1 and products[0]["filters"] == entry["filters"]


def _frame_mid_et(cam, request, frame: int, tdi: int) -> float:
    return float(cam.frame_mid_et(request.start_et, frame, request.interframe_delay_s, tdi))


def test_rendered_image_shows_its_target_and_matches_its_footprints(planned):
    scenario = load_scenario("pj10")
    mk = kernel_set_for(scenario)
    cam = JunoCam.default()
    entry = planned["images"][0]
    request = RenderRequest.from_scenario(scenario.replace(imaging=sequence_products(entry)[0]))
    target = planned["target"]
    footprints = {(fp["frame"], fp["filter"]): fp for fp in entry["footprints"]}
    with Geometry(mk) as geo:
        point = geo.ellipsoid.surface_point(target["lat_pg_deg"], target["lon_w_deg"])
        for f in entry["filters"]:
            tdi = entry["tdi"][f]
            ets = np.array([_frame_mid_et(cam, request, n, tdi) for n in range(entry["frames"])])
            sample, line = body_point_to_pixel(geo, cam, f, point, ets)
            frames = np.nonzero((line >= 0) & (line < 128))[0]
            assert frames.size, f"{f}: the target falls in no framelet of the planned image"
            n = int(frames[frames.size // 2])
            lo = int(np.clip(sample[n] // 8 * 8 - 32, 0, 1648 - 64))
            one = request.with_overrides(filters=(f,), tdi_stages={f: tdi}, frame_indices=(n,), sample_range=(lo, lo + 64))
            truth = next(render_framelets(one, camera=cam)).truth
            i, j = int(line[n]), int(sample[n]) - lo
            assert truth["BODY"][i, j] == 599, f"{f}: the target pixel is not on Jupiter"
            miss = _surface_distance_km(geo, truth["LAT_PG"][i, j], truth["LON_W"][i, j],
                                        target["lat_pg_deg"], target["lon_w_deg"])
            scale = float(truth["PIXEL_SCALE"][i, j]) / np.cos(np.radians(entry["emission_deg"]))
            assert miss < TARGET_TOL_PX * scale, \
                f"{f}: truth at the target pixel is {miss:.1f} km from the target ({scale:.1f} km/px on the ground)"
        # The footprint written to sequence.json against the truth at the four corner pixels (GREEN, middle frame).
        f, n = "GREEN", entry["frames"] // 2
        corners = footprints[(n, f)]["corners_lat_lon"]
        worst = 0.0
        for (lo, hi), pixels in (((0, 64), ((0, 23, 0), (127, 23, 3))), ((1584, 1648), ((0, 1630, 1), (127, 1630, 2)))):
            one = request.with_overrides(filters=(f,), tdi_stages={f: entry["tdi"][f]}, frame_indices=(n,),
                                         sample_range=(lo, hi))
            truth = next(render_framelets(one, camera=cam)).truth
            for row, col, k in pixels:
                if truth["BODY"][row, col - lo] != 599 or corners[k][0] is None:
                    assert truth["BODY"][row, col - lo] != 599 and corners[k][0] is None, (k, corners[k])
                    continue
                miss = _surface_distance_km(geo, truth["LAT_PG"][row, col - lo], truth["LON_W"][row, col - lo],
                                            corners[k][0], corners[k][1])
                worst = max(worst, miss / float(truth["PIXEL_SCALE"][row, col - lo]))
        assert worst < CORNER_TOL_PX, f"footprint corner {worst:.2f} px from the rendered truth"


def test_budget_too_small_for_one_image_with_the_real_estimator(tmp_path, capsys):
    status = main(["plan", "--scenario", "pj10", "--target", "north-pole", "--max-images", "1",
                   "--budget-mb", "0.001", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert "too small for one image" in out, out
    doc = json.loads((tmp_path / "sequence.json").read_text())
    assert doc["images"] == [] and doc["dropped"][0]["reasons"][-1].startswith("dropped")


def test_measured_volume_and_the_estimate_agree_within_the_stated_error(tmp_path):
    small = ["plan", "--scenario", "pj10", "--target", "49,10", "--window", "2017-12-16T17:40,2017-12-16T17:46",
             "--max-images", "1", "--filters", "GREEN,RED", "--context-km", "500"]
    docs = {}
    for name, extra in (("estimate", []), ("measured", ["--measure"])):
        assert main([*small, *extra, "--out", str(tmp_path / name)]) == 0
        docs[name] = json.loads((tmp_path / name / "sequence.json").read_text())["images"][0]
    est, meas = docs["estimate"], docs["measured"]
    assert meas["volume_source"].startswith("measured") and meas["volume_error_90pct"] == 0.0
    assert (est["frames"], est["compression"], est["quality"]) == (meas["frames"], meas["compression"], meas["quality"])
    error = est["volume_bytes"] / meas["volume_bytes"] - 1.0
    assert abs(error) < est["volume_error_90pct"], f"estimate {est['volume_bytes']} vs measured {meas['volume_bytes']}"

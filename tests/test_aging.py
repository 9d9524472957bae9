"""Mission time: the radiation-aged camera state, its anchors, and how a scenario selects it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instrument_models.errors import InstrumentError
from instrument_models.junocam import FILTERS, JunoCam
from instrument_models.junocam.aging import (
    ANCHORS,
    PRISTINE,
    AgingModel,
    CameraState,
    apply_mission_state,
    camera_state,
)
from simulator.errors import ScenarioError
from simulator.mission import perijove_at, scenario_camera_state, scenario_perijove
from simulator.scenario import load_scenario

PJ60_THROUGHPUT = {"BLUE": 0.36, "GREEN": 0.53, "RED": 0.77}   # facts.md: lost 64 / 47 / 23 % through orbit 60
REL = 1e-12
perijoves = st.floats(min_value=0.0, max_value=120.0, allow_nan=False)


def test_design_life_is_pristine_and_pj60_reproduces_the_published_throughput():
    for pj in (0, 1, 5, 8):
        assert all(v == 1.0 for v in camera_state(pj).response.values()), pj
    r60 = camera_state(60).response
    for f, t in PJ60_THROUGHPUT.items():
        assert r60[f] == pytest.approx(t, rel=REL), (f, r60[f], t)
    assert [a[0] for a in ANCHORS] == sorted(a[0] for a in ANCHORS) and all(a[2] for a in ANCHORS)


def test_early_mission_is_close_to_pristine():
    """PJ1-PJ10: every band ratio within 2 % of the pristine camera's."""
    for pj in range(1, 11):
        r = camera_state(pj).response
        for f in ("BLUE", "RED"):
            ratio = r[f] / r["GREEN"]
            assert abs(ratio - 1.0) < 0.02, f"PJ{pj} {f}/GREEN changed by {ratio - 1:+.3f}"


def test_pj32_and_pj43_ratio_changes_follow_the_blue_first_darkening():
    """Blue/green falls and red/green rises (blue darkens most, red least), as the PJ32 and PJ43 white balances
    (1.888 -> 2.630 for blue, 0.902 -> 0.768 for red, relative to green) show."""
    r32, r43 = camera_state(32).response, camera_state(43).response
    bg = lambda r: r["BLUE"] / r["GREEN"]  # noqa: E731
    rg = lambda r: r["RED"] / r["GREEN"]  # noqa: E731
    assert 0.80 < bg(r32) < 0.88 and 1.12 < rg(r32) < 1.25, (bg(r32), rg(r32))
    assert bg(r43) < bg(r32) and rg(r43) > rg(r32)
    # The published weights' change from PJ32 to PJ43 goes the same way (a check, not a fit: other pipelines).
    assert (1.888 / 2.630 < 1) == (bg(r43) / bg(r32) < 1) and (0.902 / 0.768 > 1) == (rg(r43) / rg(r32) > 1)


@settings(max_examples=60, deadline=None)
@given(perijoves, perijoves)
def test_the_camera_only_ages(a, b):
    lo, hi = sorted((a, b))
    s_lo, s_hi = camera_state(lo), camera_state(hi)
    for f in FILTERS:
        assert s_hi.response[f] <= s_lo.response[f] + 1e-15, f
    assert s_hi.response["BLUE"] / s_hi.response["GREEN"] <= s_lo.response["BLUE"] / s_lo.response["GREEN"] + 1e-12
    assert s_hi.response["RED"] / s_hi.response["GREEN"] >= s_lo.response["RED"] / s_lo.response["GREEN"] - 1e-12
    for name in ("dark_scale", "read_noise_scale", "hot_pixel_scale"):
        assert getattr(s_hi, name) >= getattr(s_lo, name) - 1e-12, name


def test_detector_scales_equal_the_defaults_at_the_pj28_dark_frames_and_grow_at_pj56():
    s28, s56 = camera_state(28), camera_state(56)
    assert (s28.dark_scale, s28.read_noise_scale, s28.hot_pixel_scale) == pytest.approx((1.0, 1.0, 1.0), rel=REL)
    m = AgingModel()
    assert s56.read_noise_scale == pytest.approx(m.read_noise_scale_late, rel=REL)
    assert s56.dark_scale == pytest.approx(m.damage_scale(56) * m.dark_scale_late, rel=REL)
    assert camera_state(0).hot_pixel_scale == pytest.approx(m.detector_initial_fraction, rel=REL)


def test_apply_mission_state_changes_exactly_the_mapped_parameters():
    cam = JunoCam.default()
    state = camera_state(43, dark_scale=2.0, read_noise_scale=1.5, hot_pixel_scale=3.0)
    aged = apply_mission_state(cam, state)
    for f in FILTERS:
        ratio = aged.radiometry.electrons_per_s_per_iof(f) / cam.radiometry.electrons_per_s_per_iof(f)
        assert ratio == pytest.approx(state.response[f], rel=1e-12), f
    assert aged.detector.dark_current_e_s_ref == pytest.approx(2.0 * cam.detector.dark_current_e_s_ref)
    assert aged.detector.read_noise_e == pytest.approx(1.5 * cam.detector.read_noise_e)
    assert aged.detector.hot_pixel_fraction == pytest.approx(3.0 * cam.detector.hot_pixel_fraction)
    assert aged.optics == cam.optics and aged.timing == cam.timing and aged.strips == cam.strips
    e = aged.radiometry.iof_to_electrons(0.0, "METHANE", 0.2048)
    assert e == pytest.approx(0.002 * aged.radiometry.electrons_per_s_per_iof("METHANE") * 0.2048, rel=1e-12)
    same = apply_mission_state(cam, PRISTINE)
    assert same.detector == cam.detector
    assert all(same.radiometry.electrons_per_s_per_iof(f) == cam.radiometry.electrons_per_s_per_iof(f)
               for f in FILTERS)


def test_overrides_and_records():
    s = camera_state(32, response={"blue": 0.5}, stray_light_iof={"RED": 0.01})
    assert s.response["BLUE"] == 0.5 and s.response["GREEN"] == camera_state(32).response["GREEN"]
    rec = s.as_record()
    assert rec["perijove"] == 32.0 and rec["response"]["BLUE"] == 0.5 and rec["stray_light_iof"]["RED"] == 0.01
    assert set(rec) == {"perijove", "response", "stray_light_iof", "dark_scale", "read_noise_scale",
                        "hot_pixel_scale"}
    assert hash(s) == hash(camera_state(32, response={"BLUE": 0.5}, stray_light_iof={"red": 0.01}))


@pytest.mark.parametrize("call, match", [
    (lambda: camera_state(-1), "perijove"),
    (lambda: camera_state(math.nan), "perijove"),
    (lambda: camera_state(10, response={"UV": 1.0}), "unknown JunoCam filter"),
    (lambda: camera_state(10, response={"BLUE": -0.1}), "response factor"),
    (lambda: camera_state(10, gain=2.0), "unknown camera-state override 'gain'"),
    (lambda: AgingModel(throughput={"BLUE": 0.5}), "throughput missing"),
    (lambda: AgingModel(onset_perijove=70.0), "onset perijove"),
    (lambda: CameraState(1.0, {}, {}, dark_scale=-1.0), "dark_scale"),
])
def test_bad_input_names_the_value(call, match):
    with pytest.raises(InstrumentError, match=match):
        call()


def test_perijove_calendar():
    """Dates of known perijoves (facts.md PJ1; the mission's PJ27 product; PJ32, PJ43, PJ56 as the issue
    and the mission site date them) give those perijoves; two days before gives the one before."""
    known = {"2016-08-27": 1, "2020-06-02": 27, "2021-02-21": 32, "2022-07-05": 43, "2023-11-22": 56,
             "2023-12-30T17:00:00": 57, "2024-02-03": 58}
    for date, pj in known.items():
        assert perijove_at(date) == pj, (date, perijove_at(date), pj)
    assert perijove_at("2016-08-01") == 0
    assert perijove_at("2020-05-31") == 26   # dates carry no time of day: one day of slack
    assert perijove_at("2024-03-10") == 59    # 33-day period after PJ58
    with pytest.raises(ScenarioError, match="mission date"):
        perijove_at("yesterday")


def test_scenario_mission_table():
    base = load_scenario("default")
    assert scenario_perijove(base) == base.imaging.orbit_number == 12
    assert scenario_camera_state(base) == camera_state(12)
    s = base.replace(mission={"date": "2022-07-05"})
    assert scenario_camera_state(s) == camera_state(43)
    s = base.replace(mission={"perijove": 56, "read_noise_scale": 1.0, "response": {"green": 0.9}})
    st56 = scenario_camera_state(s)
    assert st56.read_noise_scale == 1.0 and st56.response["GREEN"] == 0.9 and st56.perijove == 56
    assert scenario_camera_state(base.replace(mission={"enabled": False})) is None
    with pytest.raises(ScenarioError, match="mission.perijove and mission.date"):
        base.replace(mission={"perijove": 3, "date": "2022-07-05"})
    with pytest.raises(ScenarioError, match="mission.response.UV"):
        base.replace(mission={"response": {"UV": 1.0}})


# The real PJ32 image's raw DN ratios on the disk and their tolerance: tests/test_realism_acceptance.py (one place).
PJ32_RAW = {"B/G": "blue_over_green", "R/G": "red_over_green"}
# G. Eichstaedt's published PJ43 white balance (R;G;B) of linearised TDI-1 RGB (aging.ANCHORS): a check, never fitted.
PJ43_WEIGHTS = {"RED": 0.768, "BLUE": 2.630}
PJ43_WEIGHT_TOL = 0.10   # the model's grey-making weights agree within 7 % (RED) and 3 % (BLUE); 33 % before


def test_pj43_published_weights_are_the_aged_cameras_grey_balance():
    """The weights that make equal I/F grey (1 / response ratio to GREEN) of the camera aged to PJ43 match the
    published PJ43 weights, which the model never saw (the pristine passbands are fitted at PJ32, the darkening
    at PJ60)."""
    cam = apply_mission_state(JunoCam.default(), camera_state(43))
    rate = cam.radiometry.electrons_per_s_per_iof_all()
    for f, published in PJ43_WEIGHTS.items():
        model = rate["GREEN"] / rate[f]
        assert abs(model / published - 1) < PJ43_WEIGHT_TOL, f"PJ43 {f} weight {model:.3f} vs published {published}"


@pytest.mark.slow
def test_rendered_pj32_band_ratios_fall_in_the_real_range():
    """Decompanded DN minus dark on the disk of a rendered PJ32 image (benchmarks/band_ratios.py)."""
    from benchmarks.band_ratios import measure

    m = measure(32, frames=(8, 9, 10, 11, 12))     # consecutive frames: the filters share surface points
    assert m["n"] > 5_000, f"only {m['n']} surface cells seen in both filters"
    from test_realism_acceptance import REAL_BAND_RATIOS

    for key, name in PJ32_RAW.items():
        lo, hi = REAL_BAND_RATIOS[name][1]
        assert lo <= m[key] <= hi, f"{key} = {m[key]:.3f}, real {lo:.3f}-{hi:.3f}"
    early = measure(1, frames=(8, 9, 10))
    assert early["B/G"] > m["B/G"] / 0.9 and early["R/G"] < m["R/G"] * 0.9, (early, m)


def test_the_renderer_applies_and_records_the_mission_state(kernel_cache_dir):
    """Same framelet, noise off, at PJ43 and with ageing off: the signal above bias scales by the state's
    GREEN response (to the 12-bit rounding), and the result records the state."""
    from instrument_models.junocam import JunoCam
    from simulator.render import RenderRequest, render_framelets

    def render(mission):
        sc = load_scenario("default").replace(mission=mission)
        req = RenderRequest.from_scenario(sc, cache_dir=kernel_cache_dir, noise={"enabled": False},
                                          compression="NONE", filters=("GREEN",), frames=11, frame_indices=(10,),
                                          tdi_stages={"GREEN": 1}, sample_range=(700, 900))
        (r,) = list(render_framelets(req))
        return r

    aged, pristine = render({"perijove": 43}), render({"enabled": False})
    assert aged.injected["mission_state"] == camera_state(43).as_record()
    assert pristine.injected["mission_state"] is None
    bias = JunoCam.default().detector.bias_dn
    lit = pristine.truth["DN12"] > bias + 200
    assert lit.sum() > 1000, "the framelet should cross the lit disk"
    ratio = (aged.truth["DN12"][lit] - bias) / (pristine.truth["DN12"][lit] - bias)
    worst = float(np.max(np.abs(ratio - camera_state(43).response["GREEN"])))
    assert worst < 1.5 / 200, f"signal ratio off the GREEN response by up to {worst:.4f}"

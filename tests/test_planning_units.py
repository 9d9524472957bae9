"""Planner pieces without SPICE: targets, windows, TDI choice, swath, the budget ladder."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from instrument_models.junocam import JunoCam
from instrument_models.junocam.downlink import DownlinkParams
from simulator.planning.errors import PlanningError
from simulator.planning.exposure import ExposureGoal, choose_tdi, snr_at
from simulator.planning.proposal import ImagePlan, frames_to_cover
from simulator.planning.sequence import BudgetLimits, fit_sequence, next_step
from simulator.planning.swath import Spin, Swath, elevation_azimuth, wrap_angle
from simulator.planning.targets import parse_target
from simulator.planning.window import parse_window

LINE_PERIOD_S = 0.0032  # facts.md "Detector and electronics": one TDI stage


# ------------------------------------------------------------------------------------------ targets

def test_named_targets_and_lat_lon():
    north = parse_target("north-pole")
    assert (north.kind, north.lat_pg_deg, north.polar_region_deg > 0) == ("point", 90.0, True)
    assert parse_target("SOUTH_POLE").lat_pg_deg == -90.0
    assert parse_target("limb").kind == "limb"
    t = parse_target(" 22.5 , -40 ")
    assert (t.lat_pg_deg, t.lon_w_deg) == (22.5, 320.0)


def test_grs_comes_from_the_scene_package():
    from scenes.jupiter_features import DEFAULT_VORTICES

    spot = next(v for v in DEFAULT_VORTICES if v.name == "GRS")
    grs = parse_target("GRS")
    assert (grs.lat_pg_deg, grs.lon_w_deg) == (spot.lat_pg_deg, spot.lon_w_deg)


@pytest.mark.parametrize("text", ["europa", "north pole please", "95,10", "10,400", "", "1,2,3"])
def test_unknown_targets_name_the_value(text):
    with pytest.raises(PlanningError) as err:
        parse_target(text)
    message = str(err.value)
    assert "\n" not in message
    assert "target" in message and ("expected" in message or "outside" in message), message


# ------------------------------------------------------------------------------------------ window

def test_window_offsets_and_utc_pairs():
    assert parse_window("-3h,+3h", 1000.0, None) == (1000.0 - 10800.0, 1000.0 + 10800.0)
    assert parse_window("-90m, 30s", 0.0, None) == (-5400.0, 30.0)
    times = {"2017-12-16T16:00": 10.0, "2017-12-16T19:00": 20.0}
    assert parse_window("2017-12-16T16:00,2017-12-16T19:00", 0.0, times.__getitem__) == (10.0, 20.0)


@pytest.mark.parametrize("text", ["-3h", "+3h,-3h", "-3h,2017-12-16T19:00", ",+3h"])
def test_bad_windows_are_one_line_errors(text):
    with pytest.raises((PlanningError, KeyError)) as err:
        parse_window(text, 0.0, {}.__getitem__)
    assert isinstance(err.value, PlanningError), f"{text!r} raised {err.value!r}"


# ------------------------------------------------------------------------------------------ exposure

def _choose(iof, rate=1.0e6, goal=ExposureGoal()):
    return choose_tdi({"GREEN": iof}, {"GREEN": rate}, 40_000.0, 16.0, LINE_PERIOD_S, goal)


def test_tdi_is_the_smallest_reaching_the_snr_goal():
    choice = _choose(0.05)
    assert choice.reason == ""
    assert choice.snr["GREEN"] >= 100.0
    below = snr_at(0.05, choice.tdi - 1, 1.0e6, LINE_PERIOD_S, 16.0)
    assert below < 100.0, f"TDI {choice.tdi - 1} already gives SNR {below:.1f}"


def test_tdi_never_saturates_and_says_why_the_goal_is_missed():
    bright = _choose(0.5, rate=4.0e7)  # 1 stage already near the full well
    assert bright.peak_fraction_full_well["GREEN"] <= 0.8 or "saturates" in bright.reason
    dark = _choose(0.002)
    assert dark.tdi == 100 and "TDI limit" in dark.reason, dark
    unlit = _choose(0.0)
    assert "not lit" in unlit.reason


@given(iof=st.floats(1e-4, 2.0), rate=st.floats(1e4, 1e8), snr=st.floats(5.0, 300.0))
def test_tdi_choice_invariants(iof, rate, snr):
    goal = ExposureGoal(snr_goal=snr)
    choice = _choose(iof, rate, goal)
    safe_at_one = rate * iof * goal.brightness_headroom * LINE_PERIOD_S <= goal.full_well_fraction * 40_000.0
    if safe_at_one:
        assert choice.peak_fraction_full_well["GREEN"] <= goal.full_well_fraction + 1e-12
    if choice.reason == "":
        assert choice.snr["GREEN"] >= snr
        if choice.tdi > 1:
            assert snr_at(iof, choice.tdi - 1, rate, LINE_PERIOD_S, 16.0) < snr


def test_one_tdi_serves_all_filters_the_dimmest_sets_it():
    rate = {"BLUE": 1e7, "RED": 1e7}
    choice = choose_tdi({"BLUE": 0.02, "RED": 0.035}, rate, 40_000.0, 16.0, LINE_PERIOD_S)
    blue_alone = choose_tdi({"BLUE": 0.02}, {"BLUE": 1e7}, 40_000.0, 16.0, LINE_PERIOD_S)
    assert choice.reason == "" and choice.tdi == blue_alone.tdi
    assert choice.snr["BLUE"] >= 100.0 and choice.snr["RED"] > choice.snr["BLUE"]


def test_bright_filter_caps_the_tdi_and_the_reason_names_the_short_filter():
    choice = choose_tdi({"BLUE": 0.02, "RED": 0.08}, {"BLUE": 1e7, "RED": 1e7}, 40_000.0, 16.0, LINE_PERIOD_S)
    assert choice.peak_fraction_full_well["RED"] <= ExposureGoal().full_well_fraction
    assert "saturating" in choice.reason and "BLUE" in choice.reason, choice.reason


# ------------------------------------------------------------------------------------------ swath

def test_swath_half_width_comes_from_the_camera_model():
    cam = JunoCam.default()
    spin_axis = np.array([1.0, 0.0, 0.0])  # lines run along the spin axis (facts.md "Camera geometry")
    swath = Swath.from_camera(cam, ("BLUE", "GREEN", "RED"), spin_axis)
    # 58.31 deg across columns 23.5..1630.5 (facts.md), so ~29 deg each side.
    assert 28.0 < swath.half_width_deg < 30.0, swath.half_width_deg
    # The band edges are the elevations of the line-end rays of the strips.
    rays = cam.pixel_to_ray("GREEN", np.array([23.5, 1630.5]), np.array([64.0, 64.0]))
    elev, _ = elevation_azimuth(rays, spin_axis)
    assert swath.elevation_min_rad >= elev.min() - 1e-3 and swath.elevation_max_rad <= elev.max() + 1e-3
    assert swath.strip_height_rad == pytest.approx(np.radians(4.91), abs=np.radians(0.1))


def test_spin_from_attitudes_recovers_axis_and_rate():
    from scipy.spatial.transform import Rotation

    axis = np.array([0.6, 0.0, 0.8])
    rate = 2.0 * 2.0 * np.pi / 60.0
    a = Rotation.from_rotvec([0.1, -0.2, 0.3]).as_matrix()
    b = a @ Rotation.from_rotvec(axis * rate * 1.5).as_matrix()
    spin = Spin.from_attitudes(a, b, 1.5)
    assert np.allclose(spin.axis_cam, axis, atol=1e-12) and spin.rate_rad_s == pytest.approx(rate, rel=1e-12)
    assert spin.period_s == pytest.approx(30.0, rel=1e-12)


@given(st.floats(-10.0, 10.0))
def test_wrap_angle_range(x):
    w = float(wrap_angle(x))
    assert -np.pi <= w < np.pi and np.isclose(np.cos(w), np.cos(x)) and np.isclose(np.sin(w), np.sin(x))


def test_frames_grow_with_context_and_cover_the_strip_spread():
    cam = JunoCam.default()
    spin = Spin(np.array([1.0, 0.0, 0.0]), 4.0 * np.pi / 60.0)
    swath = Swath.from_camera(cam, ("BLUE", "GREEN", "RED"), spin.axis_cam)
    period = 0.371 + cam.timing.interframe_delta_s
    small = frames_to_cover(spin, swath, 50_000.0, 0.0, period, 0)
    large = frames_to_cover(spin, swath, 50_000.0, 10_000.0, period, 0)
    spread = max(swath.azimuth_rad.values()) - min(swath.azimuth_rad.values())
    assert small >= spread / spin.rate_rad_s / period and large > small


# ------------------------------------------------------------------------------------------ budget

def _plan(number: int, scale_km: float, et: float) -> ImagePlan:
    return ImagePlan(number=number, target="x", crossing_et=et, start_et=et - 5.0, frames=10,
                     filters=("BLUE", "GREEN", "RED"), tdi={"BLUE": 1, "GREEN": 1, "RED": 1}, interframe_delay_s=0.371,
                     summing=1, companding="SQROOT", compression="LOSSLESS", quality=85, nadir_scale_km=scale_km,
                     target_scale_km=scale_km, altitude_km=1.0, range_km=1.0, incidence_deg=0.0, emission_deg=0.0,
                     phase_deg=0.0, sub_lat_pg_deg=0.0, sub_lon_w_deg=0.0, target_lat_pg_deg=0.0,
                     target_lon_w_deg=0.0, expected_iof={}, snr={})


def _volume(plan: ImagePlan) -> int:
    """A volume model with the ladder's ordering: lossless > lossy falling with quality > summed."""
    base = 3_000_000 if plan.compression == "LOSSLESS" else 1_000_000 * plan.quality / 85
    return int(base / plan.summing ** 2)


def _apply(plan: ImagePlan, changes: dict) -> None:
    for k, v in changes.items():
        setattr(plan, k, v)


def test_ladder_degrades_the_coarsest_image_first_and_records_why():
    plans = [_plan(1, 10.0, 0.0), _plan(2, 50.0, 100.0)]
    limits = BudgetLimits(DownlinkParams(), 53.5 * 86400.0, budget_bytes=5_000_000)
    kept, dropped = fit_sequence(plans, limits, _volume, _apply)
    assert not dropped and sum(p.volume_bytes for p in kept) <= 5_000_000
    assert kept[1].status == "degraded" and kept[0].status == "planned"
    assert any("--budget-mb" in r and "LOSSLESS ->" in r for r in kept[1].reasons), kept[1].reasons


def test_budget_too_small_for_one_image_drops_everything_with_reasons():
    plans = [_plan(1, 10.0, 0.0)]
    limits = BudgetLimits(DownlinkParams(), 53.5 * 86400.0, budget_bytes=1_000)
    kept, dropped = fit_sequence(plans, limits, _volume, _apply)
    assert kept == [] and dropped[0].status == "dropped"
    assert dropped[0].summing == 2 and dropped[0].reasons[-1].startswith("dropped"), dropped[0].reasons
    assert next_step(dropped[0]) is None


def test_binding_limit_is_the_smallest():
    link = DownlinkParams(rate_bps=370.0, buffer_bytes=100_000_000)
    limits = BudgetLimits(link, 2.0 * 86400.0)
    value, name = limits.limit()
    assert name == "downlink until the next perijove" and value == pytest.approx(370.0 * 2 * 86400 / 8)


# ------------------------------------------------------------------------------------------ selection

def _opp(et: float, run: int, range_km: float):
    from simulator.planning.opportunities import Opportunity

    z = np.zeros(3)
    return Opportunity(crossing_et=et, spin_index=int(et // 30), run=run, point_body=z, lit_point_body=z,
                       range_km=range_km, incidence_deg=0.0, emission_deg=0.0, phase_deg=0.0, elevation_deg=0.0)


def test_selection_takes_the_closest_per_run_or_spaced_images():
    from simulator.planning.planner import select_opportunities

    run0 = [_opp(30.0 * k, 0, 1000.0 + abs(k - 5) * 100) for k in range(20)]   # closest at k = 5
    run1 = [_opp(3000.0 + 30.0 * k, 1, 500.0 + k) for k in range(5)]           # closest at its start
    chosen = select_opportunities(run0 + run1, None, None)
    assert [o.crossing_et for o in chosen] == [150.0, 3000.0]
    spaced = select_opportunities(run0, 200.0, None)
    gaps = np.diff([o.crossing_et for o in spaced])
    assert len(spaced) > 1 and gaps.min() >= 200.0 and 150.0 in [o.crossing_et for o in spaced]
    assert [o.range_km for o in select_opportunities(run0 + run1, 200.0, 1)] == [500.0]


def test_brightest_part_of_the_image_caps_the_tdi():
    alone = _choose(0.05)
    capped = choose_tdi({"GREEN": 0.05}, {"GREEN": 1.0e6}, 40_000.0, 16.0, LINE_PERIOD_S, ExposureGoal(),
                        peak_iof={"GREEN": 1.0})
    goal = ExposureGoal()
    assert capped.tdi < alone.tdi and "saturating" in capped.reason
    peak_e = 1.0e6 * 1.0 * goal.brightness_headroom * capped.tdi * LINE_PERIOD_S
    assert peak_e <= goal.full_well_fraction * 40_000.0 < peak_e * (capped.tdi + 1) / capped.tdi

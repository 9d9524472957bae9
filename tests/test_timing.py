"""Frame timing (ISIS's formula), TDI exposure, and the spin-rate / TDI relation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from instrument_models.errors import InstrumentError
from instrument_models.junocam import JunoCam
from instrument_models.junocam.timing import rad_per_s_to_rpm, rpm_to_rad_per_s

TIME_TOL_S = 1e-6  # issue #2: the ISIS worked case
CAM = JunoCam.default()

# facts.md "Timing": SCLK 525560580:87, INTERFRAME_DELAY 0.378 s, exposure 204.8 ms (64 stages), frame 8
# (1-based) -> ET 525560475.1286545, exactly ISIS's.
WORKED_SCLK = "525560580:87"
WORKED_MID_ET = 525560475.1286545
# ET of that clock count from the flight SCLK (jno_sclkscet_00090.tsc) and LSK (naif0012.tls), computed
# once with spiceypy.scs2e and pinned here so the pure formula is tested without ../shared.
WORKED_START_ET = 525560472.3113745


def test_constants_from_the_kernel():
    assert CAM.timing.start_time_bias_s == 0.06188
    assert CAM.timing.interframe_delta_s == 0.001
    assert CAM.timing.tdi_line_period_s == 0.0032


def test_isis_worked_case_pure_formula():
    mid = CAM.frame_mid_et(WORKED_START_ET, 7, 0.378, 64)
    assert abs(mid - WORKED_MID_ET) < TIME_TOL_S, f"mid ET off by {mid - WORKED_MID_ET:.3e} s"
    start = CAM.frame_start_et(WORKED_START_ET, 7, 0.378)
    assert start == pytest.approx(WORKED_START_ET + 0.06188 + 7 * 0.379, abs=1e-9)
    assert mid - start == pytest.approx(0.1024, abs=1e-7)  # float64 at 5e8 s resolves ~6e-8 s


def test_isis_worked_case_from_the_flight_clock(flight_kernels):
    import spiceypy

    spiceypy.furnsh(str(flight_kernels / "naif0012.tls"))
    spiceypy.furnsh(str(flight_kernels / "jno_sclkscet_00090.tsc"))
    start_et = spiceypy.scs2e(-61, WORKED_SCLK)
    assert start_et == pytest.approx(WORKED_START_ET, abs=1e-6)
    mid = CAM.frame_mid_et(start_et, 7, 0.378, 64)
    assert abs(mid - WORKED_MID_ET) < TIME_TOL_S, f"mid ET off by {mid - WORKED_MID_ET:.3e} s"


@given(st.integers(1, 100))
def test_exposure_is_stages_times_3_2_ms(stages):
    assert CAM.exposure_s(stages) == pytest.approx(stages * 0.0032, rel=1e-15)


def test_exposure_examples_from_products():
    assert CAM.exposure_s(64) == pytest.approx(0.2048)   # facts.md: METHANE 204.8 ms with 64 stages
    assert CAM.exposure_s(1) == pytest.approx(0.0032)    # facts.md: RGB 3.2 ms with 1 stage
    np.testing.assert_allclose(CAM.exposure_s(np.array([1, 2, 100])), [0.0032, 0.0064, 0.32])


@pytest.mark.parametrize("bad", [0, 101, -3, 2.5, "ten", True])
def test_tdi_out_of_range_is_one_clear_error(bad):
    with pytest.raises(InstrumentError, match="TDI stages .*1\\.\\.100"):
        CAM.exposure_s(bad)
    with pytest.raises(InstrumentError, match="TDI"):
        CAM.frame_mid_et(0.0, 0, 0.37, bad)


@given(st.floats(-1e9, 1e9), st.integers(0, 500), st.floats(0.1, 2.0))
def test_frames_are_evenly_spaced_by_delay_plus_delta(start, n, delay):
    t0 = CAM.frame_start_et(start, n, delay)
    t1 = CAM.frame_start_et(start, n + 1, delay)
    assert t1 - t0 == pytest.approx(delay + 0.001, abs=1e-6)


def test_frame_times_vectorise():
    n = np.arange(5)
    et = CAM.frame_start_et(100.0, n, 0.37)
    np.testing.assert_allclose(et, 100.0 + 0.06188 + n * 0.371)


@pytest.mark.parametrize("bad", [-1, 1.5])
def test_bad_frame_index(bad):
    with pytest.raises(InstrumentError, match="frame index"):
        CAM.frame_start_et(0.0, bad, 0.37)


def test_bad_interframe_delay():
    with pytest.raises(InstrumentError, match="interframe delay"):
        CAM.frame_start_et(0.0, 1, 0.0)


def test_spin_rate_matching_tdi_is_about_two_rpm():
    f = CAM.optics.focal_length_px
    rate = CAM.timing.spin_rate_matching_tdi_rad_s(f)
    # One row per 3.2 ms at the optical centre.
    motion = CAM.timing.image_motion_px_s(rate, f)
    assert motion * 0.0032 == pytest.approx(1.0, rel=1e-12)
    assert rad_per_s_to_rpm(rate) == pytest.approx(2.0155, abs=1e-4)  # "matched to the 2 rpm spin"


def test_image_motion_at_two_rpm():
    f = CAM.optics.focal_length_px
    rate = rpm_to_rad_per_s(2.0)
    assert CAM.timing.image_motion_px_s(rate, f) == pytest.approx(2 * 2 * np.pi / 60 * f, rel=1e-12)
    # Off-centre rows move faster in a pinhole camera (f + y^2 / f).
    assert CAM.timing.image_motion_px_s(rate, f, 300.0) > CAM.timing.image_motion_px_s(rate, f)


def test_frame_advance_at_two_rpm_is_about_4_45_deg():
    advance = CAM.timing.frame_advance_rad(rpm_to_rad_per_s(2.0), 0.370)
    assert np.degrees(advance) == pytest.approx(4.45, abs=0.01)  # facts.md "Spin": ~4.45 deg per frame
    assert advance * CAM.optics.focal_length_px == pytest.approx(115, abs=1.5)  # ~115 px

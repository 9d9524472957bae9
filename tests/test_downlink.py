"""Downlink allocation, pass schedules and the onboard buffer timeline."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from instrument_models.errors import InstrumentError
from instrument_models.junocam.downlink import (
    BYTES_PER_MB, SECONDS_PER_DAY, DownlinkParams, PassSchedule, buffer_timeline, downlink_time_s, mb_to_bytes,
)

# facts.md "Juno's orbit and downlink": 6 MB took a day and a half; the issue allows +-10 %.
FIRST_PERIJOVE_MB = 6.0
FIRST_PERIJOVE_DAYS = 1.5
TOLERANCE = 0.10


def test_six_mb_take_a_day_and_a_half():
    days = downlink_time_s(mb_to_bytes(FIRST_PERIJOVE_MB), DownlinkParams()) / SECONDS_PER_DAY
    assert abs(days / FIRST_PERIJOVE_DAYS - 1) <= TOLERANCE, f"6 MB take {days:.3f} days"
    assert BYTES_PER_MB == 10**6


def test_continuous_rate_is_bits_over_rate():
    assert downlink_time_s(1000, DownlinkParams(rate_bps=8.0)) == pytest.approx(1000.0)
    assert downlink_time_s(0, DownlinkParams()) == 0.0


def test_pass_schedule_drains_only_during_passes():
    link = PassSchedule(hours_per_day=2.0, pass_rate_bps=1000.0)
    per_pass_bytes = 1000.0 * 2 * 3600 / 8
    assert downlink_time_s(per_pass_bytes, link) == pytest.approx(7200.0)
    assert downlink_time_s(per_pass_bytes * 1.5, link) == pytest.approx(SECONDS_PER_DAY + 3600.0)
    later = PassSchedule(hours_per_day=2.0, pass_rate_bps=1000.0, first_pass_start_s=500.0)
    assert downlink_time_s(per_pass_bytes, later) == pytest.approx(7700.0)
    assert link.average_rate_bps == pytest.approx(1000.0 / 12)


@given(volume=st.floats(1.0, 1e9), hours=st.floats(0.5, 24.0), rate=st.floats(10.0, 1e5))
def test_pass_schedule_never_beats_its_average_by_more_than_a_gap(volume, hours, rate):
    link = PassSchedule(hours_per_day=hours, pass_rate_bps=rate)
    t = downlink_time_s(volume, link)
    continuous = volume * 8 / rate
    assert t >= continuous * (1 - 1e-9), "a schedule cannot be faster than its pass rate"
    assert t <= volume * 8 / link.average_rate_bps + SECONDS_PER_DAY, "no more than one idle gap late"


def test_buffer_timeline_conserves_volume_and_matches_a_loop():
    link = PassSchedule(hours_per_day=6.0, pass_rate_bps=2000.0)
    times, volumes = np.array([0.0, 3600.0, 40000.0]), np.array([3e6, 1e6, 2e6])
    tl = buffer_timeline(times, volumes, link, step_s=300.0, buffer_bytes=2.5e6)
    np.testing.assert_allclose(tl.added_bytes[-1], volumes.sum())
    np.testing.assert_allclose(tl.downlinked_bytes + tl.fill_bytes, tl.added_bytes)
    assert np.all(np.diff(tl.downlinked_bytes) >= -1e-6) and np.all(tl.fill_bytes >= -1e-6)
    fill, expected = 0.0, []
    arrivals = np.zeros(tl.time_s.size)
    np.add.at(arrivals, np.ceil(times / 300.0).astype(int), volumes)
    for i, t in enumerate(tl.time_s):
        capacity = 0.0 if i == 0 else link.rate_at(t - 150.0) * 300.0 / 8
        fill = max(0.0, fill + arrivals[i] - capacity)
        expected.append(fill)
    worst = np.abs(np.array(expected) - tl.fill_bytes).max()
    assert worst < 1e-3, f"vectorised buffer differs from the step-by-step loop by {worst} bytes"
    assert tl.overflow.any() and tl.peak_fill_bytes > 2.5e6 and not tl.overflow[-1]
    assert np.isfinite(tl.all_home_s)
    assert tl.all_home_s == pytest.approx(downlink_time_s(volumes.sum(), link), abs=SECONDS_PER_DAY)


def test_buffer_timeline_continuous_rate_all_home():
    tl = buffer_timeline([0.0], [6e6], DownlinkParams(), step_s=60.0)
    assert tl.all_home_s == pytest.approx(downlink_time_s(6e6, DownlinkParams()), abs=60.0)
    assert not tl.overflow.any()


@pytest.mark.parametrize("call, fragment", [
    (lambda: DownlinkParams(rate_bps=0), "rate_bps"),
    (lambda: DownlinkParams(buffer_bytes=-5), "buffer_bytes"),
    (lambda: PassSchedule(hours_per_day=25, pass_rate_bps=100), "more than 24"),
    (lambda: PassSchedule(hours_per_day=0, pass_rate_bps=100), "hours_per_day"),
    (lambda: downlink_time_s(-1.0), "volume_bytes"),
    (lambda: downlink_time_s(float("nan")), "volume_bytes"),
    (lambda: downlink_time_s(10, link="fast"), "DownlinkParams or PassSchedule"),
    (lambda: buffer_timeline([0.0, 1.0], [1.0]), "shape"),
    (lambda: buffer_timeline([-1.0], [1.0]), ">= 0"),
])
def test_bad_input_is_one_clear_error(call, fragment):
    with pytest.raises(InstrumentError, match=fragment):
        call()

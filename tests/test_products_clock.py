"""Reported times: the SCLK count and START_TIME of a product agree, and real clock strings round-trip."""

from __future__ import annotations

import pytest
import spiceypy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import KernelError
from simulator.kernelset import lsk, sclk
from simulator.products import clock
from simulator.spice import KernelPool

TICK_S = 1.0 / clock.TICKS_PER_SECOND
# A UTC string to the millisecond is within 0.5 ms of its instant; allow a little for TDB<->UTC arithmetic.
UTC_ROUNDING_S = 0.5e-3 + 1e-6


@pytest.fixture(scope="module")
def synthetic_clock(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clock")
    return [lsk.write_lsk(folder / lsk.FILE_NAME), sclk.write_sclk(folder / sclk.FILE_NAME)]


@settings(max_examples=40, deadline=None)
@given(et=st.floats(min_value=5.0e8, max_value=8.5e8, allow_nan=False))
def test_reported_start_is_on_a_tick_and_clock_agrees_with_utc(synthetic_clock, et):
    with KernelPool(synthetic_clock):
        et_tick, sclk_text, utc = clock.reported_start(et)
        assert abs(et_tick - et) <= TICK_S / 2 + 1e-6, "nearest tick is more than half a tick away"
        back = spiceypy.scs2e(clock.JUNO_SCLK_ID, sclk_text)
        assert abs(back - et_tick) < 1e-6, f"SCLK {sclk_text} -> {back}, expected {et_tick}"
        utc_et = spiceypy.str2et(utc)
        assert abs(utc_et - back) <= UTC_ROUNDING_S, \
            f"START_TIME {utc} is {(utc_et - back) * 1e3:.3f} ms from its clock count (limit 0.5 ms)"
        assert abs(utc_et - back) < TICK_S, "clock count and START_TIME differ by a tick or more"


def test_sclk_string_has_the_labels_form(synthetic_clock):
    with KernelPool(synthetic_clock):
        _, text, _ = clock.reported_start(clock.utc_to_et("2020-06-02T11:07:00.793"))
    seconds, ticks = text.split(":")
    assert seconds.isdigit() and ticks.isdigit() and 0 <= int(ticks) < 256 and not seconds.startswith("0")


def test_flight_clock_strings_round_trip(flight_kernels, reference_dir):
    import json

    with KernelPool([flight_kernels / "naif0012.tls", flight_kernels / "jno_sclkscet_00090.tsc"]):
        for name in ("JNCE_2020154_27C00047_V01", "JNCE_2020154_27C00048_V01"):
            real = json.loads((reference_dir / "products" / f"{name}-Metadata.json").read_text())
            count = real["SPACECRAFT_CLOCK_START_COUNT"]
            et = clock.sclk_string_to_et(count)
            assert clock.ticks_to_sclk_string(clock.et_to_ticks(et)) == count


def test_missing_clock_kernel_is_one_clear_error():
    spiceypy.kclear()
    with pytest.raises(KernelError, match="SCLK"):
        clock.et_to_ticks(6.4e8)


def test_twin_with_real_kernels_is_timed_from_the_originals_clock(flight_kernels, reference_dir):
    """With the flight SCLK, a twin starts at ET(SPACECRAFT_CLOCK_START_COUNT), as ISIS times the original,
    and keeps the original's START_TIME string."""
    import json

    from simulator.products.pipeline import ProductRequest, _reported_start

    real = json.loads((reference_dir / "products" / "JNCE_2020154_27C00047_V01-Metadata.json").read_text())
    req = ProductRequest(scenario=None, out_dir=".", start_utc=real["START_TIME"],
                         sclk_start=real["SPACECRAFT_CLOCK_START_COUNT"])
    with KernelPool([flight_kernels / "naif0012.tls", flight_kernels / "jno_sclkscet_00090.tsc"]):
        et, sclk_text, utc = _reported_start(req)
        expected = spiceypy.scs2e(clock.JUNO_SCLK_ID, real["SPACECRAFT_CLOCK_START_COUNT"])
    assert et == expected and sclk_text == real["SPACECRAFT_CLOCK_START_COUNT"] and utc == real["START_TIME"]

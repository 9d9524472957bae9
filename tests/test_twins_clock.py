"""The synthetic Juno SCLK against NAIF's flight clock kernel and against real products' clock counts."""

from __future__ import annotations

import json

import numpy as np
import pytest
import spiceypy

from simulator.kernelset import lsk, sclk
from simulator.products import clock
from simulator.spice import KernelPool

TICK_S = 1.0 / clock.TICKS_PER_SECOND
# START_TIME strings are rounded to the millisecond: a count and its START_TIME agree within 0.5 ms, plus
# the 0.2 ms of the thinned correlation (docs/sclk_model_fit.py) and TDB arithmetic.
START_TIME_TOLERANCE_S = 0.5e-3 + 0.2e-3 + 1e-6
# The flight kernel's last correlation record (2019-07-23) bounds where "equal to NAIF's" is checked.
FLIGHT_COVERAGE_UTC = ("2011-08-10T00:00:00", "2019-07-20T00:00:00")
PRODUCTS = ("JNCE_2020154_27C00047_V01", "JNCE_2020154_27C00048_V01")


@pytest.fixture(scope="module")
def ours(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sclk")
    return [lsk.write_lsk(folder / lsk.FILE_NAME), sclk.write_sclk(folder / sclk.FILE_NAME)]


def _ticks_and_strings(kernels, ets):
    with KernelPool(kernels):
        return (np.array([spiceypy.sce2c(clock.JUNO_SCLK_ID, e) for e in ets]),
                [spiceypy.sce2s(clock.JUNO_SCLK_ID, e) for e in ets])


def test_counts_equal_the_flight_clock_kernel_within_its_coverage(ours, flight_kernels):
    flight = [flight_kernels / "naif0012.tls", flight_kernels / "jno_sclkscet_00090.tsc"]
    with KernelPool(flight):
        et0, et1 = (spiceypy.str2et(u) for u in FLIGHT_COVERAGE_UTC)
    ets = np.random.default_rng(14).uniform(et0, et1, 400)
    ets = np.concatenate([ets, np.linspace(et0, et1, 400)])
    t_flight, s_flight = _ticks_and_strings(flight, ets)
    t_ours, s_ours = _ticks_and_strings(ours, ets)
    worst = np.max(np.abs(t_ours - t_flight))
    assert worst < 0.25, f"synthetic SCLK is {worst:.3f} ticks from the flight kernel's (limit 0.25 tick)"
    differ = [(a, b) for a, b in zip(s_flight, s_ours) if a != b]
    assert len(differ) <= 2, f"{len(differ)} clock strings differ, e.g. {differ[:3]}"


def test_partitions_are_the_flight_kernels(flight_kernels):
    with KernelPool([flight_kernels / "jno_sclkscet_00090.tsc"]):
        starts = spiceypy.gdpool("SCLK_PARTITION_START_61", 0, 100)
        ends = spiceypy.gdpool("SCLK_PARTITION_END_61", 0, 100)
    model = sclk.load_model()
    # (SPICE's own text parser reads 1.0995116277750E+12 as ...775.0002: compare to a thousandth of a tick)
    np.testing.assert_allclose([p[0] for p in model.partitions], starts, rtol=0, atol=1e-3)
    np.testing.assert_allclose([p[1] for p in model.partitions], ends, rtol=0, atol=1e-3)


def test_real_products_counts_convert_to_their_start_time(ours, reference_dir):
    """The ~93 ms: NAIF's 00090 kernel puts 2020 counts 92.5-93.1 ms after their START_TIME (its last rate
    extrapolated from 2019-07); the synthetic clock, tied to the products' own pairs, puts them on it."""
    with KernelPool(ours):
        for name in PRODUCTS:
            meta = json.loads((reference_dir / "products" / f"{name}-Metadata.json").read_text())
            gap = clock.sclk_string_to_et(meta["SPACECRAFT_CLOCK_START_COUNT"]) - clock.utc_to_et(meta["START_TIME"])
            assert abs(gap) <= START_TIME_TOLERANCE_S, f"{name}: count is {gap * 1e3:.2f} ms from START_TIME"
            ticks = round(clock.et_to_ticks(clock.utc_to_et(meta["START_TIME"])))
            assert clock.ticks_to_sclk_string(ticks) == meta["SPACECRAFT_CLOCK_START_COUNT"], name


def test_the_flight_kernel_is_93_ms_late_in_2020(flight_kernels, reference_dir):
    """Documents the measured offset between real products' START_TIME and their count under 00090."""
    with KernelPool([flight_kernels / "naif0012.tls", flight_kernels / "jno_sclkscet_00090.tsc"]):
        for name in PRODUCTS:
            meta = json.loads((reference_dir / "products" / f"{name}-Metadata.json").read_text())
            gap = clock.sclk_string_to_et(meta["SPACECRAFT_CLOCK_START_COUNT"]) - clock.utc_to_et(meta["START_TIME"])
            assert 0.090 < gap < 0.096, f"{name}: {gap * 1e3:.2f} ms"


def test_model_records_are_continuous():
    model = sclk.load_model()
    for (t0, p0, r0), (t1, p1, _r1) in zip(model.records, model.records[1:]):
        jump = p0 + r0 * (t1 - t0) / clock.TICKS_PER_SECOND - p1
        assert abs(jump) < 1e-6, f"correlation jumps {jump:.2e} s at tick {t1:.0f}"

"""Companding 12 <-> 8 bits, the ADC and 2x2 summing."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from instrument_models.errors import InstrumentError
from instrument_models.junocam import COMPANDING_MODES, compand, companding_table, decompand
from instrument_models.junocam.electronics import adc, code_intervals, sum_pixels

ALL_12BIT = np.arange(4096)


def test_modes():
    assert COMPANDING_MODES == ("SQROOT", "LIN1", "LIN8", "LIN16")


def test_sqroot_rule():
    t = companding_table("SQROOT")
    assert t[0] == 0 and t[255] == 2879 and t.size == 256  # facts.md
    steps = np.diff(t)
    assert sorted(set(steps.tolist())) == [1, 2, 4, 8, 16, 32]
    assert np.all(np.diff(steps) >= 0), "steps never shrink"


def test_sqroot_equals_the_reference_csv(reference_dir):
    with open(reference_dir / "sqroot_table.csv", newline="") as fh:
        rows = [(int(r["code"]), int(r["dn12"])) for r in csv.DictReader(fh)]
    codes, dn = np.array(rows).T
    np.testing.assert_array_equal(codes, np.arange(256))
    diff = np.flatnonzero(companding_table("SQROOT") != dn)
    assert diff.size == 0, f"table differs from the CSV at codes {diff[:10].tolist()}"


def test_linear_tables():
    np.testing.assert_array_equal(companding_table("LIN1"), np.arange(256))
    np.testing.assert_array_equal(companding_table("LIN8"), np.arange(256) * 8)
    np.testing.assert_array_equal(companding_table("lin16"), np.arange(256) * 16)


@pytest.mark.parametrize("mode", COMPANDING_MODES)
def test_every_code_round_trips_exactly(mode):
    codes = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(compand(decompand(codes, mode), mode), codes)


@pytest.mark.parametrize("mode", COMPANDING_MODES)
def test_every_code_is_reachable_from_12_bits(mode):
    reached = np.unique(compand(ALL_12BIT, mode))
    assert reached.size == 256, f"{mode}: {256 - reached.size} codes never produced"


@pytest.mark.parametrize("mode", COMPANDING_MODES)
def test_every_12bit_value_round_trips_within_half_a_step(mode):
    t = companding_table(mode)
    code = compand(ALL_12BIT, mode).astype(int)
    back = decompand(code, mode)
    step = np.diff(t)
    # The half-step bound holds up to the top code's half step; above it values saturate at code 255.
    in_range = ALL_12BIT < t[-1] + step[-1] / 2
    local = np.maximum(step[np.clip(code - 1, 0, 254)], step[np.clip(code, 0, 254)])
    err = np.abs(back - ALL_12BIT)
    bad = in_range & (err > local / 2)
    assert not bad.any(), f"{mode}: worst error {err[in_range].max()} at {ALL_12BIT[bad][:5]}"
    assert np.all(code[~in_range] == 255), "values above the table saturate"


@pytest.mark.parametrize("mode", COMPANDING_MODES)
def test_code_interval_holds_the_value(mode):
    low, high = code_intervals(mode)
    code = compand(ALL_12BIT, mode).astype(int)
    assert np.all((low[code] <= ALL_12BIT) & (ALL_12BIT < high[code]))
    assert np.all(low[1:] == high[:-1]), "intervals tile the range"


@given(st.floats(0, 4095), st.sampled_from(COMPANDING_MODES))
def test_compand_is_monotonic_and_nearest(value, mode):
    t = companding_table(mode)
    code = int(compand(value, mode))
    assert abs(t[code] - value) <= np.abs(t - value).min() + 1e-9
    assert int(compand(min(value + 1, 4095), mode)) >= code


def test_sqroot_examples():
    assert compand(0) == 0 and compand(23) == 23 and compand(24) == 24  # 24 is the 23->25 midpoint, up
    assert decompand(24) == 25
    assert compand(4095) == 255 and decompand(255) == 2879


def test_shapes_and_dtypes():
    img = np.arange(4096).reshape(64, 64)
    c = compand(img)
    assert c.shape == (64, 64) and c.dtype == np.uint8
    assert decompand(c).shape == (64, 64)


@pytest.mark.parametrize("bad", ["SQRT", "LIN2", ""])
def test_unknown_mode_is_clear(bad):
    with pytest.raises(InstrumentError, match="SQROOT, LIN1, LIN8, LIN16"):
        compand(10, bad)


def test_out_of_range_values_are_clear():
    with pytest.raises(InstrumentError, match="0..4095"):
        compand(4096)
    with pytest.raises(InstrumentError, match="0..4095"):
        compand(np.nan)
    with pytest.raises(InstrumentError, match="0..255"):
        decompand(256)
    with pytest.raises(InstrumentError, match="whole numbers"):
        decompand(1.5)


def test_adc_truncates_and_clips():
    np.testing.assert_array_equal(adc([-5.0, 0.2, 17.9, 4095.5, 1e9, np.nan]), [0, 0, 17, 4095, 4095, 0])
    assert adc([1.0]).dtype == np.uint16


def test_summing_mean_and_sum():
    img = np.array([[1, 2, 10, 10], [3, 4, 10, 11]], dtype=np.uint16)
    np.testing.assert_array_equal(sum_pixels(img, 2), [[3, 10]])  # (10+2)//4 = 3 (2.5 rounds up), 41/4 -> 10
    np.testing.assert_array_equal(sum_pixels(img, 2, mode="sum"), [[10, 41]])
    big = np.full((2, 2), 4000)
    assert sum_pixels(big, 2, mode="sum")[0, 0] == 4095 and sum_pixels(big, 2)[0, 0] == 4000
    np.testing.assert_array_equal(sum_pixels(img, 1), img)


def test_summing_rejects_bad_input():
    with pytest.raises(InstrumentError, match="expected 1 or 2"):
        sum_pixels(np.zeros((4, 4)), 3)
    with pytest.raises(InstrumentError, match="even sides"):
        sum_pixels(np.zeros((3, 4)), 2)


@pytest.mark.parametrize("mode", COMPANDING_MODES)
def test_lookup_table_gives_the_nearest_code_rule_for_every_12bit_value(mode):
    """Whole DN go through a 4096-entry table; it must give, for all 4096 values and every integer dtype,
    the code of the interval rule applied directly (searchsorted on the midpoints, the original method)."""
    t = companding_table(mode).astype(float)
    rule = np.searchsorted(0.5 * (t[:-1] + t[1:]), ALL_12BIT.astype(float), side="right")
    for dtype in (np.uint16, np.int64, np.int32, np.uint32):
        got = compand(ALL_12BIT.astype(dtype), mode)
        bad = np.flatnonzero(got != rule)
        assert got.dtype == np.uint8 and bad.size == 0, f"{mode} {dtype.__name__}: first wrong DN {bad[:5]}"
    np.testing.assert_array_equal(compand(ALL_12BIT.astype(float), mode), rule)  # the float path


def test_integer_input_out_of_range_is_clear():
    with pytest.raises(InstrumentError, match="4096"):
        compand(np.array([0, 4096], dtype=np.uint16))
    with pytest.raises(InstrumentError, match="-1"):
        compand(np.array([5, -1]))

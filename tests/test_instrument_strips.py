"""The CCD layout and the filter strips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from instrument_models.errors import InstrumentError
from instrument_models.junocam import FILTERS, JunoCam

CAM = JunoCam.default()
S = CAM.strips


def test_layout_from_the_kernels():
    assert (S.samples, S.lines) == (1648, 1200)
    assert (S.first_photoactive_column, S.last_photoactive_column) == (23, 1630)
    assert S.framelet_shape(1) == (128, 1648) and S.framelet_shape(2) == (64, 824)
    assert FILTERS == ("METHANE", "BLUE", "GREEN", "RED")
    assert [S.first_ccd_row(f) for f in FILTERS] == [285, 442, 597, 752]


def test_optical_centre_is_ccd_line_600_for_every_filter():
    for f in FILTERS:
        assert S.framelet_to_ccd_line(f, CAM.optics.cy[f]) == pytest.approx(600.0, abs=1e-9)  # facts.md


def test_photoactive_mask():
    m = S.photoactive_mask()
    assert m.sum() == 1608 and m[23] and m[1630] and not m[22] and not m[1631]
    assert S.photoactive_mask(2).sum() == 803  # summed columns wholly inside 23..1630 (24..1629)


@given(st.integers(0, 1199))
def test_ccd_row_round_trip(row):
    idx, frow = S.ccd_row_to_strip(row)
    if idx >= 0:
        assert S.strip_to_ccd_row(FILTERS[idx], frow) == row
    else:
        assert frow == -1
        for f in FILTERS:
            assert not (S.first_ccd_row(f) <= row < S.first_ccd_row(f) + 128)


def test_every_strip_row_maps_back():
    rows = np.arange(1200)
    idx, frow = S.ccd_row_to_strip(rows)
    assert np.bincount(idx[idx >= 0]).tolist() == [128, 128, 128, 128]
    for i, f in enumerate(FILTERS):
        j = np.arange(128)
        np.testing.assert_array_equal(idx[S.strip_to_ccd_row(f, j)], i)
        np.testing.assert_array_equal(frow[S.strip_to_ccd_row(f, j)], j)


def test_continuous_ccd_line_round_trip():
    y = np.linspace(0, 128, 7)
    for f in FILTERS:
        np.testing.assert_allclose(S.ccd_line_to_framelet(f, S.framelet_to_ccd_line(f, y)), y)


def test_row_centre_lies_in_its_ccd_row():
    for f in FILTERS:
        centre = S.framelet_to_ccd_line(f, 0.5)
        assert S.first_ccd_row(f) <= centre < S.first_ccd_row(f) + 1


def test_summed_rows():
    assert S.strip_to_ccd_row("RED", 1, summing=2) == 754
    with pytest.raises(InstrumentError, match="0..63"):
        S.strip_to_ccd_row("RED", 64, summing=2)


def test_bad_rows_are_clear_errors():
    with pytest.raises(InstrumentError, match="0..1199"):
        S.ccd_row_to_strip(1200)
    with pytest.raises(InstrumentError, match="integers"):
        S.ccd_row_to_strip(3.5)
    with pytest.raises(InstrumentError, match="expected 1 or 2"):
        S.framelet_lines(3)


def test_ccd_coordinates_agree_with_every_framelet():
    s, l = CAM.framelet_pixel_centres()
    for f in FILTERS:
        a = CAM.pixel_to_ray(f, s, l)
        b = CAM.ccd_to_ray(s, S.framelet_to_ccd_line(f, l))
        assert np.abs(a - b).max() < 1e-12, f"{f}: CCD and framelet rays differ by {np.abs(a - b).max():.2e}"


def test_ccd_round_trip_including_between_strips():
    s, l = np.meshgrid(np.linspace(0, 1648, 9), np.linspace(0, 1200, 13))
    x, y = CAM.ray_to_ccd(CAM.ccd_to_ray(s, l))
    assert max(np.abs(x - s).max(), np.abs(y - l).max()) < 1e-6
    assert CAM.ccd_optical_centre_line() == pytest.approx(600.0, abs=1e-9)

"""Band ratios at shared surface points (simulator/realism/ratios.py) on synthetic swaths whose answer is known.

Two filters look at different, partly overlapping stretches of a sphere lit from one side (brightness falling
from 1 to ~0.1 across the swath, as from the subsolar point to the terminator); the second filter's signal is
``colour`` times the first's at every point. Ratios of each filter's own average mix the colour with where
each filter looked; the shared-cell ratio recovers ``colour``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from simulator.realism.ratios import MIN_CELLS, colocated_ratios

RADIUS_KM = 71492.0
# Relative. Each filter's cell mean averages its own random points across the cell, where the Lambert field
# changes by up to ~6 % (1,500 km cells at 60-70 deg from the sub-solar point): the median over shared cells
# keeps a sampling error. With 40,000 points per swath, 200 seeds at the smallest overlap the strategy allows
# (10 deg, green 30-70, other 60-100) gave at most 1.03e-3 (6,000 points: 2.98e-3, which once failed).
RATIO_TOL = 2e-3


def _swath(lon0: float, lon1: float, rng, n: int = 40000) -> np.ndarray:
    """Random points on a sphere band of latitudes -20..20 deg and longitudes lon0..lon1 deg (km)."""
    lon = np.radians(rng.uniform(lon0, lon1, n))
    lat = np.radians(rng.uniform(-20.0, 20.0, n))
    return RADIUS_KM * np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _brightness(points: np.ndarray) -> np.ndarray:
    """Lambert-like illumination by a Sun over longitude 0: 1 at lon 0, ~0.1 at lon 84 deg."""
    return np.clip(points[:, 0] / RADIUS_KM, 0.0, None)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.4, 1.6), st.floats(0.0, 40.0), st.floats(-30.0, 30.0), st.integers(0, 2**31))
def test_shared_cells_recover_the_colour_whatever_each_filter_saw(colour, green_start, shift, seed):
    rng = np.random.default_rng(seed)
    green = _swath(green_start, green_start + 40.0, rng)
    other = _swath(green_start + shift, green_start + shift + 40.0, rng)
    points = {"GREEN": green, "RED": other}
    signal = {"GREEN": 500.0 * _brightness(green), "RED": colour * 500.0 * _brightness(other)}
    ratio, cells = colocated_ratios(points, signal, cell_km=1500.0)["RED"]
    assert cells >= MIN_CELLS
    assert abs(ratio / colour - 1.0) < RATIO_TOL, f"ratio {ratio:.5f} vs colour {colour:.5f} ({cells} cells)"


def test_averages_over_each_filters_own_pixels_would_not():
    """The framing dependence the shared cells remove: the same colour, different stretches of the disk."""
    rng = np.random.default_rng(4)
    green, red = _swath(0.0, 40.0, rng), _swath(30.0, 70.0, rng)
    signal = {"GREEN": 500.0 * _brightness(green), "RED": 1.12 * 500.0 * _brightness(red)}
    naive = signal["RED"].mean() / signal["GREEN"].mean()
    ratio, _ = colocated_ratios({"GREEN": green, "RED": red}, signal, cell_km=1500.0)["RED"]
    assert abs(naive / 1.12 - 1.0) > 0.2, f"the naive ratio {naive:.3f} happens to be right"
    assert abs(ratio / 1.12 - 1.0) < RATIO_TOL, f"shared-cell ratio {ratio:.4f} vs 1.12"


def test_disjoint_swaths_give_no_figure():
    rng = np.random.default_rng(5)
    points = {"GREEN": _swath(0.0, 20.0, rng), "BLUE": _swath(40.0, 60.0, rng)}
    signal = {f: np.full(len(p), 300.0) for f, p in points.items()}
    ratio, cells = colocated_ratios(points, signal, cell_km=1500.0)["BLUE"]
    assert np.isnan(ratio) and cells == 0, (ratio, cells)


def test_without_green_or_with_a_bad_cell_size():
    rng = np.random.default_rng(6)
    p = _swath(0.0, 20.0, rng)
    assert np.isnan(colocated_ratios({"BLUE": p}, {"BLUE": np.ones(len(p))}, 1000.0)["BLUE"][0])
    with pytest.raises(ValueError, match="cell size"):
        colocated_ratios({"GREEN": p}, {"GREEN": np.ones(len(p))}, 0.0)


def test_compare_refuses_a_calibration_that_is_not_a_folder(tmp_path, capsys):
    from simulator.cli import main

    assert main(["compare", str(tmp_path), str(tmp_path), "--calibration", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--calibration" in err[0] and "missing" in err[0], err

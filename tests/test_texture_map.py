"""Texture measured the way the real figures were: through a mission-like map (simulator.realism.texture, mode
"map"), and the raw-noise definitions that reproduce the calibration README's dark-noise figures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from instrument_models.junocam import darkstats as ds
from simulator.errors import ProductError
from simulator.realism import measure, texture as tx

CAMERA_PIXEL_KM = 45.0      # the real PJ32 image's nadir pixel (README "Texture in the product")
JUPITER_KM = 71492.0
BETA = 3.0                  # a power law as steep as the real image's 400-1,200 km band (-3.25)
MODE_TOL = 0.1              # slope difference between the two modes on a strong texture


def _power_law(rng, n: int, beta: float) -> np.ndarray:
    k = np.fft.fftfreq(n)
    kr = np.hypot(k[:, None], k[None, :])
    kr[0, 0] = np.inf
    field = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(n, n))) * kr ** (-beta / 2)))
    return field / field.std()


def _as_points(image: np.ndarray, pixel_km: float):
    """Surface points of a flat patch of camera pixels (a plane tangent at the +Z pole) and their centre."""
    yy, xx = np.indices(image.shape)
    pts = np.c_[(xx.ravel() + 0.5) * pixel_km, (yy.ravel() + 0.5) * pixel_km, np.full(image.size, JUPITER_KM)]
    return pts, image.ravel(), np.full(image.size, pixel_km), np.array([0.0, 0.0, JUPITER_KM])


@settings(max_examples=25, deadline=None)
@given(st.integers(4, 40), st.integers(4, 40), st.floats(20.0, 120.0), st.floats(100.0, 400.0),
       st.integers(0, 2**31))
def test_cell_average_is_the_mean_of_the_pixels_whose_centres_fall_in_the_cell(rows, cols, pixel, cell, seed):
    rng = np.random.default_rng(seed)
    image, valid = rng.normal(size=(rows, cols)), rng.random((rows, cols)) > 0.1
    means, ok = tx.cell_average(image, valid, pixel, cell)
    iy = ((np.arange(rows) + 0.5) * pixel // cell).astype(int)
    ix = ((np.arange(cols) + 0.5) * pixel // cell).astype(int)
    for r in range(means.shape[0]):
        for c in range(means.shape[1]):
            inside = (iy[:, None] == r) & (ix[None, :] == c)
            expect_ok = inside.any() and valid[inside].all()
            assert ok[r, c] == expect_ok, (r, c)
            if expect_ok:
                assert means[r, c] == pytest.approx(image[inside].mean(), abs=1e-12)


def test_mission_map_averages_points_per_pixel_and_quantises_like_the_real_map():
    x = np.array([0.0, 10.0, 100.0, 100.0, 250.0])
    y = np.array([0.0, 0.0, 0.0, 50.0, 0.0])
    v = np.array([1.0, 3.0, 5.0, 7.0, 4.0])
    image, filled = tx.mission_map(x, y, v, map_km=89.5, level=None)
    assert filled.tolist() == [[True, True, True]]
    assert image[0].tolist() == [2.0, 6.0, 4.0]
    q, _ = tx.mission_map(x, y, v, map_km=89.5)                    # 8-bit, median filled pixel -> 106
    assert q[0].tolist() == [53.0, 159.0, 106.0] and np.median(q[filled]) == tx.MISSION_MAP_LEVEL


def test_map_mode_measures_a_strong_texture_as_the_cells_do_and_flattens_a_faint_one():
    rng = np.random.default_rng(11)
    field = _power_law(rng, 512, BETA)                 # 23,040 km of 45 km pixels: 4 windows of 9,600 km
    slopes = {}
    for amplitude in (0.2, 0.005):
        for mode in tx.TEXTURE_MODES:
            t = measure._texture(*_as_points(1.0 + amplitude * field, CAMERA_PIXEL_KM), mode)
            assert t["spectrum_windows"] == 4 and t["map_cell_km"] == 150.0, t
            slopes[amplitude, mode] = np.array([t["slope_1200_4800km"], t["slope_400_1200km"]])
    # Strong texture: the map's 89.5 km pixels and 8-bit step change nothing (measured within 0.02).
    assert np.all(np.abs(slopes[0.2, "map"] - slopes[0.2, "cells"]) < MODE_TOL), slopes
    # Faint texture (0.5 % rms over 23,000 km, far less at 400-1,200 km): the map's 8-bit step (1/106 of the
    # level) flattens its small scales, the cells do not (measured -2.3 vs -3.3). The real map has that step.
    assert slopes[0.005, "map"][1] > slopes[0.005, "cells"][1] + 0.5, slopes
    assert np.all(np.abs(slopes[0.005, "cells"] - slopes[0.2, "cells"]) < MODE_TOL), slopes


def test_powers_at_interpolates_a_power_law_exactly():
    wl = np.array([4800.0, 2400.0, 1200.0, 600.0, 300.0])
    p = 3.0 * (1.0 / wl) ** -2.5
    got = tx.powers_at(wl, p, (4800.0, 800.0, 100.0))
    assert set(got) == {"4800", "800"}
    assert got["800"] == pytest.approx(3.0 * (1.0 / 800.0) ** -2.5, rel=1e-9)


def test_an_unknown_texture_mode_is_refused(tmp_path):
    with pytest.raises(ProductError, match="texture mode 'grid'"):
        measure.measure_product(tmp_path, texture_mode="grid")


def test_raw_noise_is_the_spread_with_columns_and_the_correlation_down_a_column():
    # Column offsets (std 5 DN) on white noise (3.7 DN): the README's definitions see the columns (spread
    # sqrt(5^2 + 3.7^2) ~ 6.2 DN, vertical correlation 25 / (25 + 13.7) ~ 0.65), line_noise does not.
    rng = np.random.default_rng(2)
    columns = rng.normal(0.0, 5.0, 1648)
    strip = 10.0 + columns[None, :] + rng.normal(0.0, 3.7, (128, 1648))
    raw, line = ds.raw_noise(strip), ds.line_noise(strip)
    spread, corr = np.hypot(5.0, 3.7), 25.0 / (25.0 + 3.7 ** 2)
    assert raw.sigma_dn == pytest.approx(spread, rel=0.05) and raw.column_correlation == pytest.approx(corr, abs=0.03)
    assert line.sigma_dn == pytest.approx(3.7, rel=0.05) and abs(line.neighbour_correlation) < 0.02, line

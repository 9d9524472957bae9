"""The realism figures (simulator/realism) on synthetic arrays whose answer is known, and on the real frames."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy.ndimage import gaussian_filter

from instrument_models.junocam import darkstats as ds
from simulator.realism import texture as tx
from instrument_models.junocam.calibration_files import NORMALISED_FULL_SCALE_DN, split_strips
from simulator.realism.frames import load_calibration_folder
from simulator.realism.strips import STRIP_PIXELS, stack_with_gaps

LINES, SAMPLES = 128, 1648
CORRELATION_TOL = 0.03      # sample correlation of ~200k pairs: sd ~0.002
SIGMA_TOL = 0.03            # relative
FLAT_RATIO_TOL = 0.02       # README figures vs our definition on the real flat
FLAT_PEAK_TOL_COLUMNS = 10
SLOPE_TOL = 0.25           # 25 windows of a power-law field; the Hann taper steepens -3.2 by ~0.1-0.2


def _ar1_lines(rng, rho, sigma, lines=LINES, samples=SAMPLES):
    """Noise correlated along lines: x_i = rho x_(i-1) + sqrt(1 - rho^2) e_i, stationary sd ``sigma``."""
    e = rng.normal(0.0, sigma, (lines, samples))
    x = np.empty_like(e)
    x[:, 0] = e[:, 0]
    for i in range(1, samples):
        x[:, i] = rho * x[:, i - 1] + np.sqrt(1 - rho * rho) * e[:, i]
    return x


def test_dark_level_reference_and_active_columns():
    img = np.full((LINES, SAMPLES), 10.0)
    img[:, :23] = 6.0
    level = ds.dark_level(img)
    assert (level.active_mean_dn, level.reference_mean_dn, level.reference_minus_active_dn) == (10.0, 6.0, -4.0)


def test_column_structure_counts_the_raised_columns():
    rng = np.random.default_rng(1)
    img = 10.0 + rng.normal(0, 2.0, (LINES, SAMPLES))
    raised = np.array([30, 400, 401, 900, 1200, 1500, 1630])
    img[:, raised] += 12.0
    cs = ds.column_structure(img)
    assert cs.columns_above == raised.size, f"{cs.columns_above} columns found above base, {raised.size} raised"
    assert abs(cs.base_dn - 10.0) < 0.1


@pytest.mark.parametrize("rho", [0.0, 0.4, 0.7])
def test_line_noise_recovers_sigma_and_correlation(rho):
    rng = np.random.default_rng(2)
    img = 9.0 + _ar1_lines(rng, rho, 4.45) + rng.normal(0, 3.0, SAMPLES)[None, :]   # plus column structure
    n = ds.line_noise(img)
    assert abs(n.sigma_dn / 4.45 - 1) < SIGMA_TOL, f"sigma {n.sigma_dn:.3f} vs 4.45"
    assert abs(n.neighbour_correlation - rho) < CORRELATION_TOL, f"correlation {n.neighbour_correlation:.3f} vs {rho}"


@given(st.integers(min_value=1, max_value=40), st.integers(min_value=2, max_value=5),
       st.integers(min_value=0, max_value=2**31))
def test_hot_pixel_streaks_are_counted_and_shaped(n, length, seed):
    rng = np.random.default_rng(seed)
    img = np.full((LINES, SAMPLES), 8.0)
    cols = 23 + 3 * rng.choice(1600 // 3, n, replace=False)       # never neighbours
    rows = rng.integers(0, LINES - length, n)
    for r, c in zip(rows, cols):
        img[r:r + length, c] = 150.0
    hp = ds.hot_pixels(img)
    scale = STRIP_PIXELS / (LINES * 1608)
    assert hp.above_per_strip[0] == pytest.approx(n * length * scale)
    assert hp.above_per_strip[1] == pytest.approx(n * length * scale)
    assert hp.brightest_dn == 150.0
    c = hp.clusters
    # A vertical streak is >= 3 lines tall (the README's "mostly 3-line vertical streaks").
    streak = length >= ds.STREAK_MIN_LINES
    assert c.count_per_strip == pytest.approx(n * scale) and c.vertical_streak_fraction == float(streak)
    assert (c.median_streak_lines == length if streak else np.isnan(c.median_streak_lines))
    assert c.common_shape == f"{length} x 1"


def test_mask_limits_what_is_measured_and_separators_split_streaks():
    a = np.full((LINES, SAMPLES), 8.0)
    a[-2:, 100] = 300.0
    b = np.full((LINES, SAMPLES), 8.0)
    b[:2, 100] = 300.0
    image, mask = stack_with_gaps([a, b])
    c = ds.hot_pixels(image, mask).clusters
    assert c.heights.tolist() == [2, 2], "a streak must not run across two framelets"
    sky = np.ones((LINES, SAMPLES), bool)
    sky[:, 50:150] = False
    assert ds.hot_pixels(a, sky).above_per_strip[0] == 0.0


def test_blemish_mask_figures():
    bad = np.zeros((LINES, SAMPLES), bool)
    for k in range(20):
        bad[10 + 5 * (k % 10):16 + 5 * (k % 10), 100 + 70 * k:107 + 70 * k] = True
    b = ds.blemishes(bad)
    assert b.blobs_per_strip == 20 and (b.median_lines, b.median_samples) == (6, 7)
    assert b.percent_flagged == pytest.approx(100 * 20 * 42 / bad.size)


def _synthetic_flat(peak_col, left, right, dips=()):
    cols = np.arange(SAMPLES, dtype=float)
    a = np.where(cols < peak_col, (1 - left) / (peak_col - 23) ** 2, (1 - right) / (1630 - peak_col) ** 2)
    prof = 1 - a * (cols - peak_col) ** 2
    flat = np.repeat(prof[None, :], LINES, axis=0)
    y, x = np.mgrid[0:LINES, 0:SAMPLES]
    for r, c, depth in dips:
        flat *= 1 - (1 - depth) * np.exp(-((y - r) ** 2 + (x - c) ** 2) / (2 * 1.5 ** 2))
    return flat


def test_flat_profile_and_dips_of_a_known_flat():
    dips = [(30, 200, 0.3), (64, 800, 0.5), (100, 1400, 0.7)]
    flat = _synthetic_flat(600, 0.8, 0.6, dips)
    p = ds.flat_profile(flat)
    assert abs(p.left_edge - 0.8) < 0.01 and abs(p.right_edge - 0.6) < 0.01, (p.left_edge, p.right_edge)
    assert abs(p.peak_column - 600) <= 5
    d = ds.dips(flat)
    assert d.count == 3 and np.allclose(np.sort(d.depths), [0.3, 0.5, 0.7], atol=0.03), d.depths


def test_patch_contrast_of_noise_on_a_gradient():
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:200, 0:200]
    iof = 0.4 + 0.001 * x - 0.0005 * y + rng.normal(0, 0.4 * 0.016, (200, 200))
    valid = np.ones_like(iof, bool)
    valid[:, 150:] = False
    c, n = tx.patch_contrast(iof, valid, cell_km=100.0, detrend=True)   # 55-cell patches: 3 x 2 fit
    assert n == 6
    assert abs(c / 0.016 - 1) < 0.15, f"contrast {c:.4f} vs 0.016 (the plane must not count)"
    plain, _ = tx.patch_contrast(iof, valid, cell_km=100.0)    # the plain std / mean counts the plane
    assert plain > 1.5 * c, f"plain contrast {plain:.4f} vs detrended {c:.4f}"
    assert tx.patch_contrast(iof, valid, cell_km=1000.0) == (pytest.approx(float("nan"), nan_ok=True), 0)


@pytest.mark.parametrize("beta", [2.5, 3.2])
def test_spectral_slope_of_a_power_law_field(beta):
    rng = np.random.default_rng(4)
    n, cell = 1024, 50.0            # 25 windows of 192 cells (9,600 km) averaged
    k = np.fft.fftfreq(n, d=cell)
    kr = np.hypot(k[:, None], k[None, :])
    kr[0, 0] = np.inf
    field = np.real(np.fft.ifft2(np.fft.fft2(rng.normal(size=(n, n))) * kr ** (-beta / 2)))
    slopes, windows, size_km = tx.spectral_slopes(1.0 + field / field.std() * 0.02, np.ones((n, n), bool), cell)
    assert windows == 25 and size_km == 192 * cell
    assert all(abs(s + beta) < SLOPE_TOL for s in slopes), f"slopes {slopes} vs {-beta}"


def test_spectral_slope_skips_what_the_grid_cannot_resolve():
    slopes, windows, _ = tx.spectral_slopes(np.ones((64, 64)), np.ones((64, 64), bool), cell_km=50.0)
    assert windows == 0 and all(np.isnan(slopes))


@given(st.floats(min_value=0.5, max_value=20.0), st.integers(min_value=0, max_value=2**31))
def test_block_offsets_raise_the_block_ratio(offset, seed):
    rng = np.random.default_rng(seed)
    smooth = 100.0 * gaussian_filter(rng.normal(size=(128, 512)), 3.0)     # stationary, continuous both ways
    steps = np.kron(rng.normal(0, offset, (16, 64)), np.ones((8, 8)))
    plain, blocky = tx.block_ratio(smooth), tx.block_ratio(smooth + steps)
    assert abs(plain - 1) < 0.1 and blocky > plain, (plain, blocky)


def test_split_strips_rejects_other_layouts():
    with pytest.raises(ValueError, match="200 x 1648"):
        split_strips(np.zeros((200, SAMPLES)), "frame x")


def test_real_flat_matches_its_readme(reference_dir):
    """README: left edge/peak 0.80-0.83, right 0.59-0.63, peak near 575-630, 7-13 dips down to 0.18-0.48."""
    flat = load_calibration_folder(reference_dir / "calibration").strips["flat"]
    depths = []
    for name, strip in flat.items():
        p, d = ds.flat_profile(strip), ds.dips(strip)
        assert 0.80 - FLAT_RATIO_TOL <= p.left_edge <= 0.83 + FLAT_RATIO_TOL, f"{name} left {p.left_edge:.3f}"
        assert 0.59 - FLAT_RATIO_TOL <= p.right_edge <= 0.63 + FLAT_RATIO_TOL, f"{name} right {p.right_edge:.3f}"
        assert 575 - FLAT_PEAK_TOL_COLUMNS <= p.peak_column <= 630 + FLAT_PEAK_TOL_COLUMNS, f"{name} peak {p.peak_column}"
        assert 7 <= d.count <= 13, f"{name}: {d.count} dips"
        depths.append(d.deepest)
    assert 0.18 - FLAT_RATIO_TOL <= min(depths) and max(depths) <= 0.48 + FLAT_RATIO_TOL, depths


def test_real_debias_frame_shows_what_its_readme_says(reference_dir):
    """README: column structure, hot pixels as short vertical features, darker reference columns."""
    dark = load_calibration_folder(reference_dir / "calibration").strips["dark"]
    for name, strip in dark.items():
        level, noise = ds.dark_level(strip), ds.line_noise(strip)
        cs = ds.column_structure(strip)
        assert level.reference_minus_active_dn < -0.5, f"{name}: reference columns {level.reference_minus_active_dn:.2f} DN"
        assert cs.std_dn > 2 * noise.sigma_dn, f"{name}: column std {cs.std_dn:.3f} vs noise {noise.sigma_dn:.3f}"
        assert ds.hot_pixels(strip, thresholds_dn=(10.0,)).above_per_strip[0] > 0, f"{name}: no hot pixel"


@given(st.integers(min_value=2, max_value=6), st.integers(min_value=0, max_value=2**31))
def test_thinned_disk_mask_spreads_to_the_nearest_pixel(stride, seed):
    from simulator.realism.measure import _spread

    rng = np.random.default_rng(seed)
    full = rng.random((37, 53)) > 0.5
    lines = np.union1d(np.arange(0, 37, stride), [36])
    samples = np.union1d(np.arange(0, 53, stride), [52])
    spread = _spread(full[np.ix_(lines, samples)], lines, samples, full.shape)
    assert np.array_equal(spread[np.ix_(lines, samples)], full[np.ix_(lines, samples)])
    r = lines[np.argmin(np.abs(np.arange(37)[:, None] - lines[None, :]), axis=1)]
    c = samples[np.argmin(np.abs(np.arange(53)[:, None] - samples[None, :]), axis=1)]
    assert np.array_equal(spread, full[np.ix_(r, c)])


def test_calibration_folder_reads_fits_and_png_in_their_units(tmp_path):
    from astropy.io import fits
    from PIL import Image

    dark = np.full((384, SAMPLES), 10, dtype=np.uint16)
    dark[:, :23] = 6
    Image.fromarray(dark).save(tmp_path / "my_dark.png")
    fits.PrimaryHDU(np.full((LINES, SAMPLES), 0.5, dtype=np.float32)).writeto(tmp_path / "flat_green.fits")
    frames = load_calibration_folder(tmp_path)
    assert set(frames.strips) == {"dark", "flat"} and list(frames.strips["flat"]) == ["GREEN"]
    level = ds.dark_level(frames.strips["dark"]["RED"])
    assert (level.active_mean_dn, level.reference_minus_active_dn) == (10.0, -4.0), "integer frames stay in DN"
    normalised = (dark / NORMALISED_FULL_SCALE_DN).astype(np.float32)   # Brian Swift's convention: DN / 2879
    Image.fromarray(normalised).save(tmp_path / "my_dark.tiff")
    (tmp_path / "my_dark.png").unlink()
    level = ds.dark_level(load_calibration_folder(tmp_path).strips["dark"]["BLUE"])
    assert abs(level.active_mean_dn - 10.0) < 1e-3, "a float frame in [0, 1] is read as DN / 2879"

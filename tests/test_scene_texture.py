"""Texture statistics (scenes.texture_stats) on fields of known statistics, and the default scene's texture
measured as issue #13 measured a real PJ32 GREEN image."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scenes import JupiterAppearance, Photometry, SceneError
from scenes.ellipsoid import planetographic_from_planetocentric_deg as planetographic_deg
from scenes.photometry import bright_limb_falloff
from scenes.texture_stats import (patch_contrast, radial_power_spectrum, spectral_slope, texture_summary,
                                  valid_square)
from scenes.truth import scene_texture

SLOPE_TOL = 0.15          # recovered slope of a synthetic power-law field (Hann window, 256 px, one seed)
CONTRAST_REL_TOL = 1e-9   # patch contrast is exact arithmetic


def power_law_field(n: int, beta: float, rng: np.random.Generator, mean: float = 1.0, rms: float = 0.02):
    """(n, n) periodic Gaussian field whose annulus-averaged 2-D spectrum is ``k^-beta``, scaled to ``rms``
    relative fluctuation around ``mean``."""
    k = np.hypot(*np.meshgrid(np.fft.fftfreq(n), np.fft.fftfreq(n), indexing="ij"))
    amplitude = np.where(k > 0, k, np.inf) ** (-beta / 2.0)
    phase = np.fft.fft2(rng.normal(size=(n, n)))
    field = np.real(np.fft.ifft2(phase * amplitude))
    return mean * (1.0 + rms * field / field.std())


@pytest.mark.parametrize("beta", [2.0, 2.45, 3.2])
def test_spectral_slope_recovers_a_power_law(beta):
    img = power_law_field(256, beta, np.random.default_rng(5))
    wl, power = radial_power_spectrum(img, 150.0)
    for band in [(1200.0, 4800.0), (400.0, 1200.0)]:
        slope = spectral_slope(wl, power, band)
        assert abs(slope + beta) < SLOPE_TOL, f"band {band}: slope {slope:.3f} vs {-beta}"


def test_spectrum_ignores_a_plane_and_the_mean_level():
    img = power_law_field(128, 2.5, np.random.default_rng(1))
    yy, xx = np.mgrid[0:128, 0:128]
    wl, p = radial_power_spectrum(img, 100.0)
    _, p_scaled = radial_power_spectrum(7.0 * img, 100.0)
    _, p_tilted = radial_power_spectrum(img + 1e-3 * ((xx - 63.5) - 3.0 * (yy - 63.5)), 100.0)  # zero mean
    assert np.allclose(p_scaled, p, rtol=1e-10), "the spectrum is of the relative fluctuation"
    worst = np.max(np.abs(p_tilted / p - 1.0))
    assert worst < 1e-9, f"a plane changed the spectrum by {worst:.3g}"
    assert wl[0] == pytest.approx(128 * 100.0) and wl[-1] == pytest.approx(200.0)


@given(st.floats(0.001, 0.2), st.floats(0.1, 10.0), st.integers(2, 8).map(lambda m: 2 * m))
def test_patch_contrast_of_two_level_patches(step, level, n):
    # Each patch is half `level`, half `level (1 + step)`: std / mean = step / (2 + step), exactly.
    img = np.tile(np.repeat([level, level * (1.0 + step)], n // 2 * n).reshape(n, n), (3, 2))
    got = patch_contrast(img, n)
    expected = step / (2.0 + step)
    assert got.size == 6 and np.allclose(got, expected, rtol=CONTRAST_REL_TOL), f"{got} vs {expected}"
    # A plane has zero texture once detrended, and a constant image none at all.
    yy, xx = np.mgrid[0:3 * n, 0:2 * n]
    plane = level * (1.0 + step * (xx + 0.5 * yy) / n)
    assert np.max(patch_contrast(plane, n, detrend=True)) < 1e-9
    assert np.max(patch_contrast(np.full((2 * n, 2 * n), level), n)) < 1e-12


def test_patch_contrast_uses_only_patches_wholly_valid():
    img = np.ones((20, 20))
    img[0, 0] = 2.0                 # a bright pixel in the first patch, which the mask excludes
    valid = np.ones((20, 20), dtype=bool)
    valid[1, 1] = False
    got = patch_contrast(img, 10, valid)
    assert got.size == 3 and np.all(got == 0.0)
    img[15, 15] = np.nan            # NaN counts as invalid
    assert patch_contrast(img, 10, valid).size == 2


def test_valid_square_is_inside_the_mask_and_largest_on_a_disk():
    yy, xx = np.mgrid[0:201, 0:201]
    disk = np.hypot(xx - 100, yy - 100) < 80.0
    rows, cols = valid_square(disk)
    assert disk[rows, cols].all()
    side = rows.stop - rows.start
    assert 2 * 80 / np.sqrt(2) - 4 <= side <= 2 * 80 / np.sqrt(2) + 1, f"side {side} for a radius-80 disk"


def test_bad_input_raises_scene_error_naming_the_value():
    with pytest.raises(SceneError, match="patch size 1"):
        patch_contrast(np.ones((8, 8)), 1)
    with pytest.raises(SceneError, match="square"):
        radial_power_spectrum(np.ones((8, 9)), 1.0)
    with pytest.raises(SceneError, match="between 400 and 1200 km"):
        spectral_slope(np.array([5000.0, 3000.0]), np.ones(2), (400.0, 1200.0))
    with pytest.raises(SceneError, match="2-D"):
        texture_summary(np.ones(10), 1.0)


# The targets: the real PJ32 GREEN image (JNCE_2021052_32C00054) read like for like (README "Texture as real
# images show it"): the mission's map decompanded from its SQROOT codes to DN and measured in its own
# perspective geometry (benchmarks.map_encoding; 150 km cells, 5,500 km patches): plane-removed std/mean 3.45 %,
# slopes -2.93 (1,200-4,800 km) and -2.92 (400-1,200 km); the same map as stored codes reads 1.90 %, -2.96 /
# -2.98 (issue #13's 1.5-1.7 % was a codes figure on a misread geometry). These views are not that framing (150
# km/px, 25 deg phase, the equator and +-45 deg): their contrast varies with what they show (belts, zones, the
# features poleward of 40 deg), so each view may lie within CONTRAST_VIEW_TOL of the real figure and the median
# within CONTRAST_MEDIAN_TOL. Measured (seeds 0 / 1, six views): plane removed 3.27-3.99 %, medians 3.50 /
# 3.53 %; slopes -2.81..-3.21 and -3.10..-3.88. The 400-1,200 km slope is steeper than the real map's in views
# with few features (+-45 deg: -3.7..-3.9; the real-like product noise-free -3.35, with the default noise -2.57):
# a known deviation, bounded by SMALL_SLOPE_VIEW_RANGE.
REAL_CONTRAST = 0.0345                # plane-removed std/mean in 5,500 km patches, real map as DN
REAL_SLOPE_LARGE = -2.93              # 1,200-4,800 km, real map as DN
CONTRAST_VIEW_TOL = 0.25              # relative, one view
CONTRAST_MEDIAN_TOL = 0.10            # relative, the median of the views
SLOPE_VIEW_TOL = 0.45
SMALL_SLOPE_VIEW_RANGE = (-4.0, -2.5)  # 400-1,200 km (real map as DN: -2.92)
REAL_PLAIN = 0.0678                   # the real map's plain std/mean as DN (its framing reaches the terminator)
SMOOTH_STEP_TOL = 0.015   # relative change of the albedo std between footprints 12 % apart


def test_default_scene_texture_measures_like_the_real_pj32_image():
    # Measured (seed 0): equator plane removed 3.84 %, slopes -2.94 / -3.18; 45 N, 120 W 3.43 %, -3.07 / -3.76;
    # plain 4.82 / 4.35 % (25 deg phase).
    views = ((0.0, 0.0), (45.0, 120.0))
    results = scene_texture(JupiterAppearance(seed=0), Photometry(), "GREEN", views)
    for r in results:
        c = r["texture_median"]
        assert abs(c / REAL_CONTRAST - 1.0) < CONTRAST_VIEW_TOL, f"view {r['lat']}, {r['lon']}: texture {c:.4f}"
        large, small = r["slopes"]
        assert abs(large - REAL_SLOPE_LARGE) < SLOPE_VIEW_TOL, f"view {r['lat']}, {r['lon']}: 1,200-4,800 km slope {large:.2f}"
        assert SMALL_SLOPE_VIEW_RANGE[0] < small < SMALL_SLOPE_VIEW_RANGE[1], (
            f"view {r['lat']}, {r['lon']}: 400-1,200 km slope {small:.2f}")
        # The plain figure adds the illumination gradient across a patch; these views see less of it than the
        # real framing, which reaches the terminator.
        assert c < r["contrast_median"] < REAL_PLAIN, f"view {r['lat']}, {r['lon']}: plain {r['contrast_median']:.4f}"
    median = float(np.median([r["texture_median"] for r in results]))
    assert abs(median / REAL_CONTRAST - 1.0) < CONTRAST_MEDIAN_TOL, f"median detrended contrast {median:.4f}"


def test_texture_is_band_limited_smoothly_by_the_footprint():
    # Halving the footprint across the fade region changes the texture contrast gradually, never by a jump:
    # measured on a small equatorial patch of albedo at footprints 1.0x..2.0x of an octave's fade edge.
    app = JupiterAppearance(seed=2)
    lat, lon = np.meshgrid(np.linspace(-2.0, 2.0, 200), np.linspace(100.0, 104.0, 200), indexing="ij")
    stds = [np.std(app.normal_albedo("GREEN", lat.ravel(), lon.ravel(), footprint_km=f))
            for f in np.geomspace(100.0, 250.0, 9)]
    steps = np.abs(np.diff(stds)) / np.mean(stds)
    # Measured: 0.008 with the default fade; a hard cut (band_limit_fade=1) steps by 0.03 here.
    assert steps.max() < SMOOTH_STEP_TOL, f"largest contrast step between neighbouring footprints {steps.max():.3f}"


def test_bright_limb_falloff_of_the_default_photometry_at_zero_phase_is_minnaert_s():
    # The like-for-like limb figures (the PJ32 maps decompanded) and the falloff at every phase are tested in
    # tests/test_photometry_bands.py; at zero phase the default law has no absorbing layer and k(0) = 0.64 (the
    # albedo calibration's anchor).
    p = Photometry()
    # At zero phase the whole limb is lit head-on: Minnaert k(0) = 0.64 gives (cos e ratio)^(2k - 1).
    expected = 1.0 - (np.sqrt(1 - 0.995**2) / np.sqrt(1 - 0.81)) ** (2 * 0.64 - 1)
    assert bright_limb_falloff(p, "GREEN", 0.0) == pytest.approx(expected)


def test_polar_hazes_soften_the_texture_at_high_latitudes_only():
    # Away from vortices (between the polar cyclones' ring and the pole), the multiplicative texture is damped
    # by `polar_haze`; equatorward of the polar edge (Orton et al. 2017: the banded structure breaks down
    # poleward of 64-68 deg planetocentric) nothing changes, also at 58-60 deg where JunoCam sees full texture.
    lat_hi, lon = np.meshgrid(np.linspace(74.0, 76.0, 120), np.linspace(0.0, 8.0, 120), indexing="ij")
    lat_mid = lat_hi - 45.0
    hazy, clear = JupiterAppearance(seed=4, population=None), JupiterAppearance(seed=4, polar_haze=0.0, population=None)
    lat_high_mid = planetographic_deg(np.linspace(58.0, 60.0, 120))[:, None] + 0.0 * lon

    def rel_std(app, lat):
        a = app.normal_albedo("GREEN", lat.ravel(), lon.ravel(), footprint_km=20.0)
        return np.std(a) / np.mean(a)

    ratio = rel_std(hazy, lat_hi) / rel_std(clear, lat_hi)
    # Measured 0.80: the multiplicative texture is halved, the polar colour's own tint (tint_turbulence) is not.
    assert 0.5 < ratio < 0.9, f"texture at 75 N with the default haze is {ratio:.2f} of the clear one"
    assert rel_std(hazy, lat_mid) == rel_std(clear, lat_mid)
    assert rel_std(hazy, lat_high_mid) == rel_std(clear, lat_high_mid), "haze reaches below 64 deg planetocentric"
    assert hazy.haze_edges_pg_deg == pytest.approx((66.9, 70.5), abs=0.05), "64 / 68 deg planetocentric, planetographic"
    with pytest.raises(SceneError, match="haze_edges_pc_deg"):
        JupiterAppearance(haze_edges_pc_deg=(68.0, 64.0))

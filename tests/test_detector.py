"""The detector chain: noise statistics, blooming, dark/hot pixels, saturation, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from instrument_models.errors import InstrumentError
from instrument_models.junocam import JunoCam
from instrument_models.junocam.detector import (
    ChainSwitches,
    DetectorParams,
    add_radiation_hits,
    add_shot_noise,
    apply_chain,
    apply_full_well,
    make_fixed_pattern,
    vignetting,
)

P = DetectorParams()
SHAPE = (128, 1648)
CHI2_P = 1e-6  # two-sided probability of a false failure for the variance tests


def chi2_bounds(n):
    return stats.chi2.ppf(CHI2_P / 2, n - 1) / (n - 1), stats.chi2.ppf(1 - CHI2_P / 2, n - 1) / (n - 1)


def pattern(seed=0, params=P):
    return make_fixed_pattern(params, np.random.default_rng(seed)).rows(285, 128)


@pytest.mark.parametrize("electrons", [0.0, 300.0, 5000.0])
def test_noise_variance_matches_the_model(electrons):
    """Shot + read noise: var(DN) = (N + sigma_r^2) / g^2 + 1/12 (ADC truncation), by chi-square."""
    switches = ChainSwitches(flat_field=False, prnu=False, dark_current=False, hot_pixels=False,
                             radiation=False, full_well=False)
    params = DetectorParams(bias_dn=100.0)  # keep every sample above 0 so the ADC does not clip
    dn = apply_chain(np.full(SHAPE, electrons), params, 0.0032, np.random.default_rng(3), switches=switches)
    expected = (electrons + params.read_noise_e**2) / params.gain_e_per_dn**2 + 1.0 / 12.0
    ratio = dn.astype(float).var(ddof=1) / expected
    lo, hi = chi2_bounds(dn.size)
    assert lo < ratio < hi, f"variance ratio {ratio:.4f} outside chi-square bounds ({lo:.4f}, {hi:.4f})"
    mean_expected = electrons / params.gain_e_per_dn + params.bias_dn - 0.5  # truncation lowers by 1/2
    assert dn.mean() == pytest.approx(mean_expected, abs=5 * np.sqrt(expected / dn.size))


def test_shot_noise_is_poisson():
    n = add_shot_noise(np.full(200_000, 7.0), np.random.default_rng(5))
    assert np.all(n == np.round(n))
    ratio = n.var(ddof=1) / 7.0
    lo, hi = chi2_bounds(n.size)
    assert lo < ratio < hi, f"Poisson variance ratio {ratio:.4f}"


@given(st.integers(0, 127), st.floats(4.1e4, 3e6), st.integers(0, 2**31))
@settings(max_examples=40)
def test_blooming_conserves_charge(line, charge, seed):
    img = np.random.default_rng(seed).uniform(0, 30_000, (128, 3))
    img[line, 1] = charge
    out = apply_full_well(img, 40_000.0)
    assert out.max() <= 40_000.0 + 1e-6
    room = (40_000.0 - img[:, 1].clip(None, 40_000.0)).sum()
    excess = (img[:, 1] - 40_000.0).clip(0).sum()
    if excess <= room:
        assert out.sum() == pytest.approx(img.sum(), rel=1e-12), "charge not conserved"
    else:
        assert np.all(out[:, 1] == 40_000.0), "a column with too much charge ends full"
    np.testing.assert_array_equal(out[:, [0, 2]], img[:, [0, 2]])  # blooming stays in its column


def test_blooming_spreads_symmetrically():
    img = np.zeros((101, 1))
    img[50, 0] = 40_000.0 * 11
    out = apply_full_well(img, 40_000.0)[:, 0]
    assert np.flatnonzero(out).tolist() == list(range(45, 56))
    out_clip = apply_full_well(img, 40_000.0, blooming=False)[:, 0]
    assert out_clip[50] == 40_000.0 and out_clip.sum() == 40_000.0


def test_zero_scene_gives_only_dark_read_and_hot():
    params = DetectorParams(hot_pixel_fraction=0.01, radiation_hits_per_cm2_s=0.0, bias_dn=50.0,
                            read_noise_correlation=0.0)   # white noise: independent samples for the bounds
    pat = make_fixed_pattern(params, np.random.default_rng(9)).rows(0, 128)
    t = 0.2048
    dn = apply_chain(np.zeros(SHAPE), params, t, np.random.default_rng(4), pattern=pat).astype(float)
    dark_e = params.dark_current_e_s() * t
    cold = dn[~pat.hot]
    expected_mean = dark_e / params.gain_e_per_dn + params.bias_dn - 0.5
    expected_var = (dark_e + params.read_noise_e**2) / params.gain_e_per_dn**2 + 1 / 12
    assert cold.mean() == pytest.approx(expected_mean, abs=5 * np.sqrt(expected_var / cold.size))
    lo, hi = chi2_bounds(cold.size)
    assert lo < cold.var(ddof=1) / expected_var < hi
    hot_excess = dn[pat.hot].mean() - cold.mean()
    assert hot_excess == pytest.approx(params.hot_pixel_dark_e_s * t / params.gain_e_per_dn, rel=0.05)


def test_saturation_clips_at_4095():
    params = DetectorParams(full_well_e=1e9)
    switches = ChainSwitches(prnu=False, hot_pixels=False)
    dn = apply_chain(np.full((4, 4), 1e8), params, 0.0032, np.random.default_rng(0), switches=switches)
    assert np.all(dn == 4095) and dn.dtype == np.uint16


def test_full_well_keeps_dn_below_full_well_level():
    switches = ChainSwitches(prnu=False, hot_pixels=False, read_noise=False, dark_current=False)
    dn = apply_chain(np.full((8, 8), 1e6), P, 0.0032, np.random.default_rng(0), switches=switches)
    assert dn.max() == int(P.full_well_e / P.gain_e_per_dn + P.bias_dn)


def test_dark_current_doubles_every_doubling_interval():
    d0 = P.dark_current_e_s(273.0)
    assert P.dark_current_e_s(273.0 + P.dark_doubling_k) == pytest.approx(2 * d0)
    assert P.dark_current_e_s(P.dark_reference_temperature_k) == pytest.approx(P.dark_current_e_s_ref)
    with pytest.raises(InstrumentError, match="temperature"):
        P.dark_current_e_s(-4.0)


def test_radiation_hit_count_is_poisson_in_rate():
    params = DetectorParams(radiation_hits_per_cm2_s=5e4)
    rng = np.random.default_rng(11)
    counts = [np.count_nonzero(add_radiation_hits(np.zeros(SHAPE), params, 0.2, rng)) for _ in range(40)]
    area = SHAPE[0] * SHAPE[1] * (0.00074) ** 2
    assert np.mean(counts) == pytest.approx(5e4 * area * 0.2, rel=0.05)
    assert np.count_nonzero(add_radiation_hits(np.zeros(SHAPE), P, 0.2, rng)) == 0  # default rate 0


def test_same_seed_same_bytes_and_fixed_pattern_persists():
    img = np.full(SHAPE, 2000.0)
    a = apply_chain(img, DetectorParams(radiation_hits_per_cm2_s=1e3), 0.0032, np.random.default_rng(7),
                    pattern=pattern(1))
    b = apply_chain(img, DetectorParams(radiation_hits_per_cm2_s=1e3), 0.0032, np.random.default_rng(7),
                    pattern=pattern(1))
    assert a.tobytes() == b.tobytes()
    np.testing.assert_array_equal(pattern(1).prnu, pattern(1).prnu)
    assert not np.array_equal(pattern(1).prnu, pattern(2).prnu)


def test_prnu_statistics():
    pat = make_fixed_pattern(P, np.random.default_rng(0))
    assert pat.prnu.shape == (1200, 1648)
    assert pat.prnu.mean() == pytest.approx(1.0, abs=1e-3) and pat.prnu.std() == pytest.approx(0.01, rel=0.02)
    assert pat.hot.mean() == pytest.approx(P.hot_pixel_fraction, rel=0.2)
    summed = pat.rows(285, 128, summing=2)
    assert summed.prnu.shape == (64, 824)


def test_vignetting():
    cam = JunoCam.default()
    v = vignetting([cam.optics.cx, 23.5], [cam.optics.cy["GREEN"]] * 2, cam.optics.cx, cam.optics.cy["GREEN"],
                   P.vignetting_edge)
    assert v[0] == 1.0 and v[1] == pytest.approx(P.vignetting_edge, abs=1e-4)


def test_chain_errors_are_clear():
    with pytest.raises(InstrumentError, match="fixed pattern"):
        apply_chain(np.zeros((4, 4)), P, 0.0032, np.random.default_rng(0))
    with pytest.raises(InstrumentError, match="exposure"):
        apply_chain(np.zeros((4, 4)), P, 0.0, np.random.default_rng(0), switches=ChainSwitches.none())
    with pytest.raises(InstrumentError, match="read_noise_e"):
        DetectorParams(read_noise_e=-1.0)


def test_everything_off_is_gain_offset_and_adc():
    dn = apply_chain(np.array([[0.0, 95.0, 1e7]]), P, 0.0032, np.random.default_rng(0),
                     switches=ChainSwitches.none())
    np.testing.assert_array_equal(dn, [[8, 17, 4095]])

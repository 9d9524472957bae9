"""The limb detector and the start-time fit on synthetic framelets with a known time offset.

A bright disk (radius ``RADIUS_PX``) moves along the framelet lines at ``RATE_PX_S`` (one line per
3.2 ms, the TDI-matched spin); its image is rendered by supersampling, blurred by a Gaussian PSF and
given Poisson-like noise. The fit must recover the offset used to render it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.ndimage import gaussian_filter, uniform_filter1d

from simulator.validate.limb import LimbDetector, bisect_limb_lines, crossing_lines
from simulator.validate.timefit import LimbFitError, TimeOffsetFitter

LINES, SAMPLES = 128, 400
RATE_PX_S = 1.0 / 3.2e-3          # one line per TDI period (facts.md "Detector and electronics")
RADIUS_PX = 3000.0
CENTRE_SAMPLE = 200.0
CENTRE_LINE_AT_ZERO = 60.0 + RADIUS_PX   # limb near line 60 at the column of the centre
DISK_DN, SKY_DN = 1500.0, 10.0
OFFSET_TOLERANCE_S = 1.0e-3        # issue #8: the limb fit recovers the jitter to +-1 ms
LINE_TOLERANCE_PX = 0.05


def limb_line(sample, dt_s, sign=+1):
    """Analytic limb line of the moving disk at column ``sample`` (upper limb for sign +1)."""
    centre = CENTRE_LINE_AT_ZERO + RATE_PX_S * dt_s if sign > 0 else 67.0 - RADIUS_PX + RATE_PX_S * dt_s
    half = np.sqrt(RADIUS_PX ** 2 - (np.asarray(sample) - CENTRE_SAMPLE) ** 2)
    return centre - half if sign > 0 else centre + half


def render_disk(dt_s, rng, sign=+1, supersample=5, psf_sigma=0.5):
    """A framelet with the disk at time offset ``dt_s``, supersampled, blurred, with noise."""
    sub = (np.arange(supersample) + 0.5) / supersample
    s = (np.arange(SAMPLES)[:, None] + sub[None, :]).ravel()
    l_ = (np.arange(LINES)[:, None] + sub[None, :]).ravel()
    edge = limb_line(s, dt_s, sign)
    inside = (l_[:, None] > edge[None, :]) if sign > 0 else (l_[:, None] < edge[None, :])
    cover = inside.reshape(LINES, supersample, SAMPLES, supersample).mean(axis=(1, 3))
    image = SKY_DN + (DISK_DN - SKY_DN) * cover
    image = gaussian_filter(image, psf_sigma, mode="nearest")
    return rng.normal(image, np.sqrt(image / 10.0 + 2.0))   # ~10 e-/DN shot noise + read noise


def test_detector_finds_a_straight_edge_to_a_few_hundredths_of_a_pixel():
    rng = np.random.default_rng(1)
    image = render_disk(0.0, rng)
    predicted = limb_line(np.arange(SAMPLES) + 0.5, 0.0)
    found, contrast = LimbDetector().observed_limb_lines(image, predicted + 3.0, np.ones(SAMPLES, int))
    err = found - predicted
    assert np.isfinite(found).mean() > 0.9, f"only {np.isfinite(found).mean():.2f} of the columns found"
    assert abs(np.nanmedian(err)) < LINE_TOLERANCE_PX, f"median edge error {np.nanmedian(err):.4f} px"
    assert np.nanmedian(contrast) > 0.9 * (DISK_DN - SKY_DN)


def test_detector_handles_the_disk_on_the_other_side():
    rng = np.random.default_rng(2)
    image = render_disk(0.0, rng, sign=-1)
    predicted = limb_line(np.arange(SAMPLES) + 0.5, 0.0, sign=-1)
    found, _ = LimbDetector().observed_limb_lines(image, predicted - 2.0, -np.ones(SAMPLES, int))
    err = found - predicted
    assert np.isfinite(found).mean() > 0.9
    assert abs(np.nanmedian(err)) < LINE_TOLERANCE_PX, f"median edge error {np.nanmedian(err):.4f} px"


def test_detector_rejects_a_blank_framelet():
    image = np.full((LINES, SAMPLES), SKY_DN)
    found, _ = LimbDetector().observed_limb_lines(image, np.full(SAMPLES, 60.0), np.ones(SAMPLES, int))
    assert np.all(np.isnan(found))


@settings(max_examples=12, deadline=None)
@given(dt_true_ms=st.floats(-20.0, 20.0), seed=st.integers(0, 2**31))
def test_fit_recovers_the_time_offset(dt_true_ms, seed):
    rng = np.random.default_rng(seed)
    dt_true = dt_true_ms * 1e-3
    image = render_disk(dt_true, rng)
    samples = np.arange(SAMPLES) + 0.5
    predicted0 = limb_line(samples, 0.0)
    observed, _ = LimbDetector().observed_limb_lines(image, predicted0, np.ones(SAMPLES, int))
    fit = TimeOffsetFitter().fit(observed, lambda dt: limb_line(samples, dt))
    assert abs(fit.offset_s - dt_true) < OFFSET_TOLERANCE_S, (
        f"fitted {fit.offset_s * 1e3:.3f} ms for a true {dt_true_ms:.3f} ms")
    assert fit.columns_used > 0.8 * SAMPLES


def test_fit_refuses_too_few_columns():
    observed = np.full(SAMPLES, np.nan)
    observed[:5] = 60.0
    with pytest.raises(LimbFitError, match="usable limb"):
        TimeOffsetFitter().fit(observed, lambda dt: limb_line(np.arange(SAMPLES) + 0.5, dt))


def test_crossing_lines_and_bisection_agree_with_the_analytic_limb():
    samples = np.arange(SAMPLES) + 0.5
    lines = np.arange(LINES) + 0.5
    # Signed "miss distance": positive off the disk (above the limb), negative on it.
    g = limb_line(samples, 0.0)[None, :] - lines[:, None]
    line, sign = crossing_lines(g)
    truth = limb_line(samples, 0.0)
    assert np.all(sign == 1)
    assert np.max(np.abs(line - truth)) < 1e-6
    first = np.floor(truth - 0.5) + 0.5

    def hits(s, l_):
        return l_ > limb_line(s, 0.0)

    refined = bisect_limb_lines(hits, samples, first, first + 1.0)
    assert np.max(np.abs(refined - truth)) < 1e-6, f"worst {np.max(np.abs(refined - truth)):.2e} px"


@pytest.mark.parametrize("ramp", [-0.03, 0.0, 0.05])
def test_albedo_ramp_is_measured_from_the_image(ramp):
    """A column profile whose albedo changes by ``ramp`` per row inside the edge: the fit recovers it."""
    from simulator.validate.limbfit import LimbColumns, LimbFit

    rows, columns = 40, 30
    rng = np.random.default_rng(5)
    base = np.full(columns, 10)                                   # model row 0 = framelet line 10
    edge = np.full(columns, 30.0)                                 # limb at line 30, planet below
    line = base[None, :] + np.arange(rows)[:, None] + 0.5
    depth = line - edge[None, :]
    unit = np.where(depth > 0, 1.0 + 0.5 * np.exp(-depth / 2.0), 0.0)   # a brightened limb, unit albedo
    image = np.full((LINES, columns), np.nan)
    image[10:10 + rows] = SKY_DN + 800.0 * unit * (1.0 + ramp * depth) + rng.normal(0.0, 1.0, unit.shape)
    lc = LimbColumns(index=0, columns=np.arange(columns), bracket=edge, inside_sign=np.ones(columns, int))
    found = LimbFit().albedo_ramp(image, unit, lc, base, edge)
    assert np.allclose(found, ramp, atol=2e-3), f"worst ramp error {np.max(np.abs(found - ramp)):.4f}"


def _sqroot_decompand(codes):
    """The validator's decompanding of SQROOT codes at summing 1 (``Calibration.decompand``)."""
    from simulator.validate.calibration import ADC_TRUNCATION_DN, code_statistics

    return code_statistics("SQROOT")[0][np.asarray(codes, dtype=np.int64)] + ADC_TRUNCATION_DN


def test_lossless_coding_is_the_adc_and_companding_alone():
    from instrument_models.junocam.electronics import compand
    from simulator.validate.limbfit import FrameletCoding

    dn = np.random.default_rng(3).uniform(0.0, 4095.0, (16, 24))
    coded = FrameletCoding("SQROOT", "LOSSLESS", 85, _sqroot_decompand).roundtrip(dn)
    assert np.array_equal(coded, _sqroot_decompand(compand(np.floor(dn).astype(np.int64), "SQROOT")))


# A lossy coder moves a sharp limb-darkened edge by ~0.02 line here (0.05 on the demo product's limb).
CODER_SHIFT_MIN_PX = 0.01
SAME_EDGE_PX = 1e-9


def test_coded_edge_model_reproduces_the_transform_coder():
    """A slanted limb-darkened edge (one-row motion box, 0.5 px PSF) coded by ICT at quality 85 (the demo
    product's): the detector's edge moves. The unit profile brought to the image's levels and passed through
    :meth:`LimbFit._coded` (the framelet copy, its 8 x 8 blocks at their own positions, read back per column)
    gives exactly the coded image's edge, column by column; the uncoded model misses by the coder's shift."""
    from simulator.validate.limbfit import FrameletCoding, LimbColumns, LimbFit

    lines, samples, rows, sub = 64, 160, 40, 9
    edge = 24.3 + 0.071 * np.arange(samples)                       # limb line per column, planet below
    fine = np.arange(lines * sub) / sub + 0.5 / sub                # sub-row centres
    depth = fine[:, None] - edge[None, :]
    unit_fine = np.where(depth > 0, 1.0 - 0.5 * np.exp(-np.clip(depth, 0, None) / 1.5), 0.0)
    unit_fine = uniform_filter1d(unit_fine, sub, axis=0, mode="nearest")
    unit = gaussian_filter(unit_fine.reshape(lines, sub, samples).mean(axis=1), (0.5, 0.5), mode="nearest")
    sky, level = 6.0, 640.0
    image = sky + level * unit                                     # DN, as the demo's GREEN limb
    coding = FrameletCoding("SQROOT", "INTEGER COSINE TRANSFORM", 85, _sqroot_decompand)
    observed = coding.roundtrip(image)
    lc = LimbColumns(index=0, columns=np.arange(samples), bracket=edge, inside_sign=np.ones(samples, int))
    fit = LimbFit()
    found_observed, _ = fit.detector.observed_limb_lines(observed, edge, lc.inside_sign)
    base = np.floor(edge).astype(int) - rows // 2                  # every window spans the edge's 8-row blocks
    window = base[None, :] + np.arange(rows)[:, None]
    model = unit[np.clip(window, 0, lines - 1), lc.columns[None, :]]           # (rows, C), unit albedo
    uncoded = fit._detect(model, lc, base)
    ones = np.ones(samples)
    coded = fit._detect(fit._coded(model, observed, lc, base, sky * ones, level * ones, coding), lc, base)
    shift = np.nanmedian(found_observed - uncoded)
    assert abs(shift) > CODER_SHIFT_MIN_PX, f"the coder moved the edge by only {shift:+.4f} line"
    assert np.array_equal(np.isnan(coded), np.isnan(found_observed))
    worst = np.nanmax(np.abs(found_observed - coded))
    assert worst < SAME_EDGE_PX, f"coded model misses the coded edge by up to {worst:.3g} line"

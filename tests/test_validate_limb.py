"""The limb detector and the start-time fit on synthetic framelets with a known time offset.

A bright disk (radius ``RADIUS_PX``) moves along the framelet lines at ``RATE_PX_S`` (one line per
3.2 ms, the TDI-matched spin); its image is rendered by supersampling, blurred by a Gaussian PSF and
given Poisson-like noise. The fit must recover the offset used to render it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.ndimage import gaussian_filter

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

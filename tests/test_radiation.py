"""Radiation hits: Poisson counts at rate x area x exposure, growth toward Jupiter as configured, the switch.

No published JunoCam hit rate or radial profile was found (``DetectorParams.radiation_hits_per_cm2_s``,
``simulator.render.electronics`` module doc), so the default rate is 0 and these tests set rates of their own.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from instrument_models.junocam import JunoCam
from instrument_models.junocam.detector import DetectorParams, add_radiation_hits
from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM
from simulator.render import RenderRequest
from simulator.render.electronics import DetectorChain, RadiationScaling
from simulator.render.types import RenderError

CAM = JunoCam.default()
SHAPE = (128, 1648)
PITCH_CM = 7.4e-4                 # facts.md "Detector and electronics": 7.4 um pixels
CHI2_P = 1e-6                     # two-sided false-failure probability of the dispersion tests
MEAN_SIGMAS = 5.0
RATE_REL_TOL = 1e-12


def area_cm2(shape=SHAPE) -> float:
    return shape[0] * shape[1] * PITCH_CM**2


def dispersion_ok(counts, expected):
    """Poisson: (n - 1) var / mean is chi-square with n - 1 degrees of freedom; mean within 5 sigma."""
    counts = np.asarray(counts, dtype=float)
    n = counts.size
    stat = (n - 1) * counts.var(ddof=1) / expected
    lo, hi = stats.chi2.ppf(CHI2_P / 2, n - 1), stats.chi2.ppf(1 - CHI2_P / 2, n - 1)
    mean_ok = abs(counts.mean() - expected) < MEAN_SIGMAS * np.sqrt(expected / n)
    return lo < stat < hi and mean_ok, f"mean {counts.mean():.2f} vs {expected:.2f}, dispersion stat {stat:.1f} " \
                                      f"not in ({lo:.1f}, {hi:.1f})"


def test_hit_counts_are_poisson_with_rate_times_area_times_exposure():
    rate, exposure = 2.0e3, 0.2          # expected 46 hits: pixel collisions (~0.5%) are negligible
    params = DetectorParams(radiation_hits_per_cm2_s=rate)
    rng = np.random.default_rng(21)
    counts = [np.count_nonzero(add_radiation_hits(np.zeros(SHAPE), params, exposure, rng)) for _ in range(400)]
    ok, msg = dispersion_ok(counts, rate * area_cm2() * exposure)
    assert ok, msg


def test_hit_charge_is_exponential_with_the_mean_deposit():
    params = DetectorParams(radiation_hits_per_cm2_s=5e4, radiation_hit_mean_e=3000.0)
    img = add_radiation_hits(np.zeros(SHAPE), params, 1.0, np.random.default_rng(2))
    charge = img[img > 0]
    assert charge.size > 1000
    ks = stats.kstest(charge, "expon", args=(0, params.radiation_hit_mean_e))
    assert ks.pvalue > 1e-4, f"hit charges are not exponential with mean 3000 e-: KS p = {ks.pvalue:.2e}"


def test_default_rate_is_zero_and_draws_nothing():
    assert DetectorParams().radiation_hits_per_cm2_s == 0.0
    rng = np.random.default_rng(0)
    img = add_radiation_hits(np.zeros(SHAPE), DetectorParams(), 1.0, rng)
    assert not img.any()
    assert rng.bit_generator.state == np.random.default_rng(0).bit_generator.state, "a zero rate drew numbers"


@given(st.floats(1.1e5, 5e6), st.floats(1.1e5, 5e6), st.floats(1e-3, 1e5))
def test_rate_scales_with_distance_as_configured(r1, r2, rate0):
    scaling = RadiationScaling()
    assert scaling.rate(rate0, scaling.reference_km) == pytest.approx(rate0, rel=RATE_REL_TOL)
    expected = (r2 / r1) ** scaling.exponent
    assert scaling.rate(rate0, r1) / scaling.rate(rate0, r2) == pytest.approx(expected, rel=1e-9)
    assert scaling.rate(0.0, r1) == 0.0
    other = RadiationScaling(reference_km=1.0e5, exponent=2.0)
    assert other.rate(1.0, 2.0e5) == pytest.approx(0.25, rel=RATE_REL_TOL)


def test_bad_scaling_is_a_clear_error():
    with pytest.raises(RenderError, match="reference distance"):
        RadiationScaling(reference_km=0.0)
    with pytest.raises(RenderError, match="exponent"):
        RadiationScaling(exponent=float("nan"))


def chain(noise, rate):
    cam = replace(CAM, detector=replace(CAM.detector, radiation_hits_per_cm2_s=rate))
    req = RenderRequest(metakernel="unused.tm", start_et=0.0, frames=40, filters=("GREEN",),
                        tdi_stages={"GREEN": 64}, interframe_delay_s=0.371, noise=noise, compression="NONE", seed=4)
    return DetectorChain(req, cam)


HITS_ONLY = {"enabled": True, "flat": False, "prnu": False, "dark": False, "hot_pixels": False, "radiation": True,
             "shot": False, "read": False}


def hits_in(out) -> int:
    return int(np.count_nonzero(out.dn12 > np.floor(CAM.detector.bias_dn)))


def test_rendered_hits_follow_the_scaled_rate():
    """Per framelet the count is Poisson with mean rate(r) x area x exposure, at two distances."""
    rate0 = 1.0e3
    ch = chain(HITS_ONLY, rate0)
    dark = np.zeros(SHAPE)
    exposure = CAM.exposure_s(64)
    for distance in (RadiationScaling().reference_km, 0.6 * RadiationScaling().reference_km):
        counts = [hits_in(ch.expose(dark, "GREEN", 64, JUPITER_SOLAR_DISTANCE_KM, f, jupiter_distance_km=distance))
                  for f in range(40)]
        # A hit shows above the bias only if it deposits >= one gain step above it (exponential charge).
        seen = np.exp(-CAM.detector.gain_e_per_dn * (np.floor(CAM.detector.bias_dn) + 1 - CAM.detector.bias_dn)
                      / CAM.detector.radiation_hit_mean_e)
        expected = RadiationScaling().rate(rate0, distance) * area_cm2() * exposure * seen
        ok, msg = dispersion_ok(counts, expected)
        assert ok, f"at {distance:.0f} km: {msg}"


def test_radiation_switch_turns_hits_off():
    dark = np.zeros(SHAPE)
    off = chain({**HITS_ONLY, "radiation": False}, 1.0e5)
    assert hits_in(off.expose(dark, "GREEN", 64, JUPITER_SOLAR_DISTANCE_KM, 0, jupiter_distance_km=1e5)) == 0
    disabled = chain({**HITS_ONLY, "enabled": False}, 1.0e5)
    assert hits_in(disabled.expose(dark, "GREEN", 64, JUPITER_SOLAR_DISTANCE_KM, 0, jupiter_distance_km=1e5)) == 0
    on = chain(HITS_ONLY, 1.0e5)
    assert hits_in(on.expose(dark, "GREEN", 64, JUPITER_SOLAR_DISTANCE_KM, 0, jupiter_distance_km=1e5)) > 100


def test_scenario_noise_keys_switch_hits_on_and_scale_them(tmp_path):
    """``[noise] radiation_hits_per_cm2_s`` (and its reference distance and exponent) reach the detector chain:
    with the scene off, a framelet at distance r has Poisson(rate (ref / r)^exp x area x exposure) hits, of
    which those depositing more than the threshold (exponential charge) stand out of the dark frame."""
    from simulator.scenario import load_scenario, scenario_from_dict

    data = load_scenario("default").to_dict()
    data["noise"].update(radiation_hits_per_cm2_s=8000.0, radiation_reference_km=100_000.0, radiation_exponent=2.0)
    data["detector"] = {"model": "ideal"}    # 1.6 DN white read noise: the 20 DN threshold is > 10 sigma
    scenario = scenario_from_dict({k: v for k, v in data.items() if v is not None})
    req = RenderRequest.from_scenario(scenario, cache_dir=tmp_path, frames=1, filters=("GREEN",),
                                      tdi_stages={"GREEN": 64})
    chain = DetectorChain(req, CAM)
    assert chain.cam.detector.radiation_hits_per_cm2_s == 8000.0
    assert (chain.radiation.reference_km, chain.radiation.exponent) == (100_000.0, 2.0)
    quiet = DetectorChain(RenderRequest.from_scenario(scenario.replace(noise={"radiation_hits_per_cm2_s": 0.0}),
                                                      cache_dir=tmp_path, frames=1,
                                                      filters=("GREEN",), tdi_stages={"GREEN": 64}), CAM)
    assert quiet.cam.detector.radiation_hits_per_cm2_s == 0.0, "the default scenario has hits"
    distance, threshold_dn = 200_000.0, 20           # 20 DN is > 10 read-noise sigmas
    params = chain.cam.detector
    visible = np.exp(-threshold_dn * params.gain_e_per_dn / params.radiation_hit_mean_e)
    expected = 8000.0 * (100_000.0 / distance) ** 2 * area_cm2() * float(CAM.exposure_s(64)) * visible
    counts = []
    for frame in range(30):
        zero = np.zeros(SHAPE)
        hits = chain.expose(zero, "GREEN", 64, JUPITER_SOLAR_DISTANCE_KM, frame, jupiter_distance_km=distance)
        dark = quiet.expose(zero, "GREEN", 64, JUPITER_SOLAR_DISTANCE_KM, frame, jupiter_distance_km=distance)
        counts.append(np.count_nonzero(hits.dn12.astype(int) - dark.dn12.astype(int) > threshold_dn))
    ok, msg = dispersion_ok(counts, expected)
    assert ok, msg

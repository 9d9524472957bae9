"""The reconstruction's calibration inverts the camera's signal chain (codes -> DN -> I/F) and its noise model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from instrument_models.junocam import JunoCam, compand
from instrument_models.junocam import detector as det
from instrument_models.junocam.electronics import adc, sum_pixels
from instrument_models.junocam.radiometry import Radiometry
from simulator.validate.calibration import Calibration, code_statistics

SOLAR_KM = 7.8e8
TEMPERATURE_K = 273.0


def _forward(cam, iof, filter_name, sample, line, rng=None, tdi=1):
    """The camera's chain without PRNU/hot pixels: I/F -> 12-bit DN (noise only when ``rng`` is given)."""
    exposure = cam.exposure_s(tdi)
    e = iof * Radiometry().electrons_per_s_per_iof(filter_name, SOLAR_KM) * exposure
    e = e * det.vignetting(sample, line, cam.optics.cx, cam.optics.cy[filter_name], cam.detector.vignetting_edge)
    e = det.add_dark_current(e, cam.detector, exposure, TEMPERATURE_K)
    if rng is not None:
        e = det.add_read_noise(det.add_shot_noise(e, rng), cam.detector.read_noise_e, rng)
    return adc(det.electrons_to_dn(e, cam.detector.gain_e_per_dn, cam.detector.bias_dn))


def test_code_statistics_of_the_sqroot_table():
    mean, var = code_statistics("SQROOT")
    assert mean[10] == 10 and var[10] == 0, "step-1 codes stand for one whole number"
    assert var[100] > 0 and np.all(np.diff(mean) > 0)


@settings(max_examples=30, deadline=None)
@given(iof=st.floats(0.05, 1.0), sample=st.floats(30, 1600), line=st.floats(1, 127))
def test_noise_free_chain_is_inverted_within_quantisation(iof, sample, line):
    cam = JunoCam.default()
    cal = Calibration(cam)
    dn12 = _forward(cam, np.array([[iof]]), "GREEN", np.array([[sample]]), np.array([[line]]))
    dn, var = cal.decompand(compand(dn12, "SQROOT"), "SQROOT", 1)
    got = cal.dn_to_iof(dn, "GREEN", 1, SOLAR_KM, sample, line, 1, TEMPERATURE_K)
    # Quantisation: the code's spread plus the ADC's truncation, in I/F.
    per_dn = cal.dn_to_iof(dn + 1.0, "GREEN", 1, SOLAR_KM, sample, line, 1, TEMPERATURE_K) - got
    bound = (np.sqrt(12 * var) / 2 + 1.0) * per_dn
    assert abs(got - iof).max() <= bound.max(), f"I/F {iof} came back as {got.ravel()[0]}"


@pytest.mark.parametrize("summing", [1, 2])
def test_noise_model_predicts_the_scatter_of_noisy_pixels(summing):
    cam = JunoCam.default()
    cal = Calibration(cam)
    rng = np.random.default_rng(7)
    shape = (64, 400)
    line, sample = np.meshgrid(np.arange(shape[0]) + 0.5, np.arange(shape[1]) + 600.5, indexing="ij")
    # A textured scene: the companding step (up to 32 DN) is then crossed at random, as the model assumes.
    iof = rng.uniform(0.1, 0.75, shape)     # below the SQROOT table top (2879 DN) in RED
    dn12 = sum_pixels(_forward(cam, iof, "RED", sample, line, rng), summing)
    if summing == 2:
        iof = iof.reshape(shape[0] // 2, 2, shape[1] // 2, 2).mean(axis=(1, 3))
    # Summed pixel i covers unsummed columns 600 + 2i, 601 + 2i: its centre is 600 / 2 + i + 0.5 summed.
    ls, ss = np.meshgrid(np.arange(shape[0] // summing) + 0.5, np.arange(shape[1] // summing) + 600 / summing + 0.5,
                         indexing="ij")
    dn, var = cal.decompand(compand(dn12, "SQROOT"), "SQROOT", summing)
    got = cal.dn_to_iof(dn, "RED", 1, SOLAR_KM, ss, ls, summing, TEMPERATURE_K)
    # PRNU is off in this chain, so take it out of the prediction too.
    prnu_free = Calibration(JunoCam(detector=det.DetectorParams(prnu_sigma=0.0)))
    sigma = prnu_free.iof_sigma(got, var, "RED", 1, SOLAR_KM, ss, ls, summing, TEMPERATURE_K)
    residual = got - iof
    ratio = np.std(residual) / np.sqrt(np.mean(sigma ** 2))
    assert 0.9 < ratio < 1.1, f"measured / predicted scatter = {ratio:.3f}"
    assert abs(np.mean(residual)) < 0.1 * np.std(residual), f"bias {np.mean(residual):.2e}"

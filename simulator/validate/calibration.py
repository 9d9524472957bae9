"""Radiometric calibration of the reconstruction: 8-bit codes -> 12-bit DN -> I/F, and its noise model.

An outside tool calibrates with the camera model, as a mission pipeline uses its calibration files:

* decompanding: each 8-bit code stands for the whole numbers its companding interval holds
  (``instrument_models.junocam.electronics.code_intervals``); the best estimate of the analog signal is
  their mean plus 0.5 DN, because the camera's ADC truncates (``electronics.adc``: floor). The spread of
  those whole numbers plus the ADC's own 1/12 DN^2 is the quantisation variance. With 2x2 summing the
  camera rounds the mean of four truncated values half-up (``sum_pixels``: (sum + 2) // 4), whose mean
  rounding error over the four residues is +1/8 DN; that is removed too.
* DN -> electrons: subtract the bias and the mean dark charge at the metadata's FOCAL_PLANE_TEMPERATURE,
  multiply by the gain; divide by the vignetting (``detector.vignetting``) and by the expected
  photo-electrons for I/F = 1 (``Radiometry.electrons_per_s_per_iof`` at the actual solar distance, times
  the exposure; the radiometry of the product's perijove, ``Reconstructor``), and remove the uniform
  scattered light (``Radiometry.stray_light_iof``). PRNU and hot pixels are not known to the tool; PRNU enters the noise model.
* noise (variance in DN): shot noise of signal + dark, read noise, PRNU (``prnu_sigma x signal``), all
  divided by 4 with summing (independent pixels averaged), plus quantisation. Lossy compression is not
  modelled (its error is reported as unexplained residual).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from instrument_models.junocam import JunoCam
from instrument_models.junocam import detector as det
from instrument_models.junocam.electronics import code_intervals
from instrument_models.junocam.radiometry import Radiometry

ADC_TRUNCATION_DN = 0.5          # electronics.adc floors: the digital value is 0.5 DN below the analog one on average
ADC_VARIANCE_DN2 = 1.0 / 12.0    # uniform truncation error
SUMMING_ROUNDING_DN = 0.125      # mean of (sum + 2) // 4 - sum / 4 over the four residues: (0 - 1 + 2 + 1) / 16
SUMMING_ROUNDING_VARIANCE_DN2 = (0.0 + 0.0625 + 0.25 + 0.0625) / 4 - SUMMING_ROUNDING_DN ** 2


def code_statistics(companding: str) -> tuple[np.ndarray, np.ndarray]:
    """Per 8-bit code: mean (256,) and variance (256,) of the whole 12-bit numbers it stands for."""
    low, high = code_intervals(companding)
    first = np.ceil(low)
    last = np.ceil(high) - 1.0                      # whole numbers n with low <= n < high
    count = np.maximum(last - first + 1.0, 1.0)
    mean = 0.5 * (first + last)
    var = (count * count - 1.0) / 12.0              # variance of count consecutive integers
    return mean, var


@dataclass(frozen=True)
class Calibration:
    """The camera's radiometric model as the reconstruction uses it.

    Attributes
    ----------
    camera : the camera model (detector and electronics parameters).
    radiometry : I/F -> photo-electrons per second (instrument model).
    """

    camera: JunoCam
    radiometry: Radiometry = field(default_factory=Radiometry)

    def decompand(self, codes, companding: str, summing: int) -> tuple[np.ndarray, np.ndarray]:
        """Best estimate of the analog 12-bit signal (DN) and its quantisation variance (DN^2) per code."""
        mean, var = code_statistics(companding)
        c = np.asarray(codes).astype(np.int64)
        if summing == 2:
            return mean[c] + ADC_TRUNCATION_DN - SUMMING_ROUNDING_DN, var[c] + SUMMING_ROUNDING_VARIANCE_DN2 + ADC_VARIANCE_DN2 / 4
        return mean[c] + ADC_TRUNCATION_DN, var[c] + ADC_VARIANCE_DN2

    def _response(self, filter_name, tdi_stages, solar_distance_km, sample, line, summing, flat=None):
        """Photo-electrons for I/F = 1 at each pixel (the flat frame, else the model's vignetting) and the
        exposure (s)."""
        cam = self.camera
        exposure = float(cam.exposure_s(tdi_stages))
        s = summing
        if flat is None:
            flat = det.vignetting(np.asarray(sample, dtype=float) * s, np.asarray(line, dtype=float) * s,
                                  cam.optics.cx, cam.optics.cy[filter_name], cam.detector.vignetting_edge)
        rate = self.radiometry.electrons_per_s_per_iof(filter_name, solar_distance_km)
        return rate * exposure * np.asarray(flat, dtype=float), exposure

    def dn_to_iof(self, dn, filter_name: str, tdi_stages: int, solar_distance_km: float, sample, line,
                  summing: int = 1, temperature_k: float | None = None, flat=None, dark_dn=None) -> np.ndarray:
        """I/F of 12-bit DN values at framelet pixel centres ``(sample, line)`` (summed coordinates).

        ``flat`` (relative response) and ``dark_dn`` (dark/bias frame in DN at the image's TDI, mean dark
        current included), arrays shaped like ``dn``, replace the model's vignetting and its bias + dark
        current (``simulator.validate.frames``)."""
        d = self.camera.detector
        per_iof, exposure = self._response(filter_name, tdi_stages, solar_distance_km, sample, line, summing, flat)
        if dark_dn is None:
            dark_e = d.dark_current_e_s(temperature_k) * exposure
            electrons = (np.asarray(dn, dtype=float) - d.bias_dn) * d.gain_e_per_dn - dark_e
        else:
            electrons = (np.asarray(dn, dtype=float) - dark_dn) * d.gain_e_per_dn
        return electrons / per_iof - self.radiometry.stray_light_iof[filter_name]   # uniform scattered light

    def iof_sigma(self, iof, quant_var_dn2, filter_name: str, tdi_stages: int, solar_distance_km: float,
                  sample, line, summing: int = 1, temperature_k: float | None = None, flat=None,
                  prnu_known: bool = False) -> np.ndarray:
        """Standard deviation (I/F units) the noise model predicts for a reconstructed I/F value.

        ``flat`` as in :meth:`dn_to_iof`; ``prnu_known``: the flat includes the pixels' PRNU (the product's own
        frames), which then leaves the noise."""
        d = self.camera.detector
        per_iof, exposure = self._response(filter_name, tdi_stages, solar_distance_km, sample, line, summing, flat)
        signal_e = np.clip(np.asarray(iof, dtype=float), 0.0, None) * per_iof
        dark_e = d.dark_current_e_s(temperature_k) * exposure
        prnu = 0.0 if prnu_known else d.prnu_sigma
        var_e = signal_e + dark_e + d.read_noise_e ** 2 + (prnu * signal_e) ** 2
        var_dn = var_e / d.gain_e_per_dn ** 2 / (summing * summing) + np.asarray(quant_var_dn2, dtype=float)
        return np.sqrt(var_dn) * d.gain_e_per_dn / per_iof

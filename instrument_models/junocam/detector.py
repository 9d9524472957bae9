"""The KAI-2020M CCD as a parameter set and an ordered chain of ``image -> image`` effects.

The sensor is a Kodak KAI-2020M interline CCD, 7.4 µm pixels (facts.md "Detector and electronics").
Gain, full well, read noise and dark current are NOT published for JunoCam (facts.md, "NOT FOUND");
every such value below is a named assumption in :class:`DetectorParams`, changeable per scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instrument_models.errors import InstrumentError


@dataclass(frozen=True)
class DetectorParams:
    """Detector parameters (all assumptions unless a source is named).

    Attributes
    ----------
    gain_e_per_dn : conversion gain. Assumption: 10 e-/DN, so the assumed 40,000 e- full well spans
        ~4000 DN of the 12-bit range above the bias.
    full_well_e : 40,000 e- (facts.md: one unverified source for this sensor).
    read_noise_e : 16 e- rms (facts.md: same unverified source).
    bias_dn : electronic offset added before the ADC. Assumption: 8 DN.
    dark_current_e_s_ref : dark current at ``dark_reference_temperature_k``. Assumption: 20 e-/s/pixel
        at 293.15 K, the order of magnitude of interline CCDs of this class at room temperature.
    dark_reference_temperature_k : reference temperature of the dark-current model (assumption).
    dark_doubling_k : temperature rise that doubles the dark current. Assumption: 6.5 K, the usual
        rule for silicon CCDs ("doubles every 6-7 K").
    focal_plane_temperature_k : default operating temperature, 273.0 K (FOCAL_PLANE_TEMPERATURE of the
        PJ27 product in facts.md's example metadata).
    prnu_sigma : pixel-to-pixel response non-uniformity, relative rms. Assumption: 0.01.
    hot_pixel_fraction : fraction of pixels with excess dark current. Assumption: 2e-4.
    hot_pixel_dark_e_s : dark current of a hot pixel. Assumption: 2,000 e-/s.
    radiation_hits_per_cm2_s : charged-particle hit rate on the CCD. Assumption: 0 by default
        (quiet space); a scenario sets it for the radiation belts (of order 1e3-1e4 near perijove).
    radiation_hit_mean_e : mean charge deposited per hit (exponential). Assumption: 3,000 e-.
    pixel_pitch_mm : 0.0074 mm (juno_junocam_v03.ti PIXEL_SIZE), used for the hit rate per pixel.
    vignetting_edge : relative response at the ends of a line (cos^4-like fall-off, assumption: 0.85
        at the photoactive line ends, quadratic in the offset from the optical centre).
    """

    gain_e_per_dn: float = 10.0
    full_well_e: float = 40_000.0
    read_noise_e: float = 16.0
    bias_dn: float = 8.0
    dark_current_e_s_ref: float = 20.0
    dark_reference_temperature_k: float = 293.15
    dark_doubling_k: float = 6.5
    focal_plane_temperature_k: float = 273.0
    prnu_sigma: float = 0.01
    hot_pixel_fraction: float = 2e-4
    hot_pixel_dark_e_s: float = 2_000.0
    radiation_hits_per_cm2_s: float = 0.0
    radiation_hit_mean_e: float = 3_000.0
    pixel_pitch_mm: float = 0.0074
    vignetting_edge: float = 0.85

    def __post_init__(self) -> None:
        positive = ("gain_e_per_dn", "full_well_e", "dark_doubling_k", "focal_plane_temperature_k",
                    "dark_reference_temperature_k", "pixel_pitch_mm")
        for name in positive:
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InstrumentError(f"detector parameter {name} = {v!r} is invalid; expected a number > 0")
        non_negative = ("read_noise_e", "bias_dn", "dark_current_e_s_ref", "prnu_sigma", "hot_pixel_dark_e_s",
                        "radiation_hits_per_cm2_s", "radiation_hit_mean_e")
        for name in non_negative:
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise InstrumentError(f"detector parameter {name} = {v!r} is invalid; expected a number >= 0")
        for name in ("hot_pixel_fraction",):
            v = getattr(self, name)
            if not (0 <= v <= 1):
                raise InstrumentError(f"detector parameter {name} = {v!r} is invalid; expected 0..1")
        if not (0 < self.vignetting_edge <= 1):
            raise InstrumentError(f"detector parameter vignetting_edge = {self.vignetting_edge!r} is invalid; "
                                  "expected 0 < value <= 1")

    def dark_current_e_s(self, temperature_k=None):
        """Dark current (e-/s/pixel) at a focal-plane temperature: doubles every ``dark_doubling_k``."""
        t = self.focal_plane_temperature_k if temperature_k is None else temperature_k
        t = np.asarray(t, dtype=float)
        if np.any(~np.isfinite(t) | (t <= 0)):
            raise InstrumentError(f"focal-plane temperature {temperature_k!r} K is invalid; expected > 0 K")
        out = self.dark_current_e_s_ref * 2.0 ** ((t - self.dark_reference_temperature_k) / self.dark_doubling_k)
        return float(out) if out.ndim == 0 else out

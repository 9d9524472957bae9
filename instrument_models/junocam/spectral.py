"""Spectral curves: filter transmissions, the CCD's quantum efficiency, and the solar spectrum.

The flight filter curves are unpublished ("TBD, may be based on MRO/MARCI" in juno_junocam_v03.ti;
facts.md "NOT FOUND"), so every curve here is a documented approximation and a configurable dataclass.

- Filters (assumption): flat-topped super-Gaussian passbands (order 6) with these centres / full widths
  at half maximum: BLUE 470 / 90 nm, GREEN 550 / 104 nm, RED 670 / 159 nm, METHANE 889 / 15 nm (facts.md:
  centred near 889-890 nm, a narrow methane-band filter). Peak transmission 0.9 (0.85 for the narrow
  METHANE interference filter, 0.616 for BLUE, fitted below). Hansen et al. 2017 (Space Sci. Rev. 213)
  describe broadband blue, green and red strips; their widths here are not read off a curve.
- Fitted to the real PJ32 image (the one anchor of the pristine colour response; :mod:`aging` says why it
  belongs here and which anchors check it): the raw DN of JNCE_2021052_32C00054 on the disk, read from the
  mission's per-filter maps decompanded (README "What the mission's maps hold"), give blue/green 0.399 and
  red/green 1.255; our product made and measured the same way gave 0.581 / 1.113 (disk medians of the
  calibrated DN map; 0.586 / 1.096 raw), with the darkening of :mod:`aging` at PJ32 and Karkoschka's colours.
  BLUE's response therefore falls to x 0.684 (:data:`BLUE_PEAK_TRANSMISSION` 0.9 -> 0.616: the blue strip's
  in-band transmission; its centre and width, which set the band's effective wavelength, stay) and RED's
  rises to x 1.136 (:data:`RED_FWHM_NM` 140 -> 159 nm, half maximum at 590-750 nm; its effective wavelength
  moves from 661 to 659 nm). History: BLUE and RED were first 470 / 100 and 700 / 200 nm, then narrowed to
  90 and 140 nm, and GREEN widened 100 -> 104 nm, to land inside issue #13's 0.53-0.63 / 1.11-1.13; those
  were the maps' SQROOT codes and a pipeline's weights, not raw DN, so this fit replaces that one (GREEN's
  104 nm stays: GREEN is the ratios' reference and its DN level is within 6 % of the real image's).
- Quantum efficiency (assumption): a coarse table with the shape of the published typical curve of a
  monochrome interline CCD of the KAI-2020M family with microlenses, peak ~0.55 near 500 nm, falling
  to ~0.07 at 900 nm and zero at 1100 nm; linearly interpolated.
- Sun: the extraterrestrial column of the ASTM G173-03 reference spectrum (derived from Gueymard's
  SMARTS2 solar spectrum; total 1348 W m^-2) averaged over 20 nm bins centred every 20 nm from 300 to
  1100 nm (:data:`SOLAR_SPECTRUM_G173`, computed once from the standard's table), linearly interpolated and
  scaled by 1361 / 1347.93 so that the whole standard (280-4000 nm) carries the solar constant, 1361 W m^-2
  at 1 AU (Kopp & Lean 2011). Against a 5778 K blackbody of the same total it is 7 % lower at 400 nm,
  7-17 % higher at 460-550 nm and 0-4 % higher at 650-900 nm, so the blue and green bands gain relative
  to red. The blackbody stays available (``SpectralModel(solar_model="blackbody")``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam.optics import FILTERS, normalize_filter

H_PLANCK = 6.62607015e-34      # J s (SI, exact)
C_LIGHT = 2.99792458e8         # m / s (SI, exact)
K_BOLTZMANN = 1.380649e-23     # J / K (SI, exact)
SIGMA_SB = 5.670374419e-8      # W m^-2 K^-4 (CODATA 2018)
AU_KM = 149_597_870.7          # km (IAU 2012)
SOLAR_CONSTANT_W_M2 = 1361.0   # at 1 AU (Kopp & Lean 2011)
SUN_TEMPERATURE_K = 5778.0     # effective temperature (IAU 2015 B3 nominal 5772 K; 5778 K classic)

WAVELENGTH_GRID_NM = np.arange(300.0, 1100.5, 1.0)  # integration grid, 1 nm steps

# ASTM G173-03 extraterrestrial spectral irradiance at 1 AU (W m^-2 nm^-1), mean over 20 nm bins centred on
# each wavelength (nm); computed here from the standard's 0.5-1 nm table (see module docstring).
SOLAR_SPECTRUM_G173 = (
    (300, 0.552), (320, 0.774), (340, 0.958), (360, 1.052), (380, 1.078), (400, 1.436), (420, 1.706),
    (440, 1.773), (460, 2.026), (480, 1.979), (500, 1.936), (520, 1.849), (540, 1.872), (560, 1.842),
    (580, 1.823), (600, 1.767), (620, 1.688), (640, 1.624), (660, 1.539), (680, 1.492), (700, 1.428),
    (720, 1.354), (740, 1.298), (760, 1.251), (780, 1.197), (800, 1.134), (820, 1.088), (840, 1.036),
    (860, 0.970), (880, 0.949), (900, 0.916), (920, 0.879), (940, 0.845), (960, 0.802), (980, 0.773),
    (1000, 0.741), (1020, 0.707), (1040, 0.675), (1060, 0.645), (1080, 0.616), (1100, 0.590),
)
G173_TOTAL_W_M2 = 1347.93   # the standard's extraterrestrial total (W m^-2), to rescale to the solar constant
SOLAR_MODELS = ("astm-g173", "blackbody")


@dataclass(frozen=True)
class Passband:
    """A super-Gaussian passband: ``peak * exp(-ln2 * |2 (lambda - centre) / fwhm| ** order)``."""

    centre_nm: float
    fwhm_nm: float
    peak: float = 0.9
    order: float = 6.0

    def transmission(self, wavelength_nm):
        """Transmission (0..1) at ``wavelength_nm`` (array, nm)."""
        x = np.abs(2.0 * (np.asarray(wavelength_nm, dtype=float) - self.centre_nm) / self.fwhm_nm)
        return self.peak * np.exp(-np.log(2.0) * x**self.order)


# Fitted to the raw DN measured on the real PJ32 image (module docstring, "Fitted to the real PJ32 image"):
BLUE_PEAK_TRANSMISSION = 0.616   # the BLUE strip's in-band transmission (0.9 before: x0.684 of BLUE's response)
RED_FWHM_NM = 159.0              # RED's full width at half maximum, 590-750 nm (140 before: x1.136 of RED's)

DEFAULT_PASSBANDS = MappingProxyType({  # assumptions, see module docstring
    "METHANE": Passband(889.0, 15.0, peak=0.85),
    "BLUE": Passband(470.0, 90.0, peak=BLUE_PEAK_TRANSMISSION),
    "GREEN": Passband(550.0, 104.0),
    "RED": Passband(670.0, RED_FWHM_NM),
})

# (wavelength nm, QE): assumption with the shape of the KAI-2020M family's typical monochrome curve.
DEFAULT_QE_TABLE = (
    (300.0, 0.05), (350.0, 0.18), (400.0, 0.35), (450.0, 0.48), (500.0, 0.55), (550.0, 0.53),
    (600.0, 0.48), (650.0, 0.40), (700.0, 0.32), (750.0, 0.24), (800.0, 0.17), (850.0, 0.11),
    (900.0, 0.07), (950.0, 0.04), (1000.0, 0.015), (1050.0, 0.004), (1100.0, 0.0),
)


@dataclass(frozen=True)
class SpectralModel:
    """Filter passbands, CCD quantum efficiency and the solar spectrum (see the module docstring).

    ``solar_model``: ``"astm-g173"`` (default, the tabulated standard) or ``"blackbody"``
    (``sun_temperature_k``); both are scaled to ``solar_constant_w_m2`` at 1 AU.
    """

    passbands: Mapping[str, Passband] = field(default_factory=lambda: dict(DEFAULT_PASSBANDS))
    qe_table: tuple[tuple[float, float], ...] = DEFAULT_QE_TABLE
    sun_temperature_k: float = SUN_TEMPERATURE_K
    solar_constant_w_m2: float = SOLAR_CONSTANT_W_M2
    solar_model: str = "astm-g173"

    def __post_init__(self) -> None:
        missing = [f for f in FILTERS if f not in self.passbands]
        if missing:
            raise InstrumentError(f"filter passbands missing for {', '.join(missing)}")
        object.__setattr__(self, "passbands", MappingProxyType({f: self.passbands[f] for f in FILTERS}))
        wl = np.array([w for w, _ in self.qe_table])
        if np.any(np.diff(wl) <= 0):
            raise InstrumentError("QE table wavelengths must increase")
        if self.solar_model not in SOLAR_MODELS:
            raise InstrumentError(f"solar model {self.solar_model!r} is unknown; expected one of "
                                  f"{', '.join(SOLAR_MODELS)}")

    def __hash__(self) -> int:
        return hash((tuple(self.passbands.values()), self.qe_table, self.sun_temperature_k,
                     self.solar_constant_w_m2, self.solar_model))

    def filter_transmission(self, filter_name: str, wavelength_nm):
        """Filter transmission (0..1) at ``wavelength_nm`` (array, nm)."""
        return self.passbands[normalize_filter(filter_name)].transmission(wavelength_nm)

    def quantum_efficiency(self, wavelength_nm):
        """CCD quantum efficiency (electrons per photon) at ``wavelength_nm``, 0 outside the table."""
        wl, qe = np.array(self.qe_table).T
        return np.interp(np.asarray(wavelength_nm, dtype=float), wl, qe, left=0.0, right=0.0)

    def solar_irradiance_w_m2_nm(self, wavelength_nm, solar_distance_km=AU_KM):
        """Solar spectral irradiance (W m^-2 nm^-1) at a distance from the Sun (km).

        ``"astm-g173"``: the tabulated standard (300-1100 nm, 0 outside), times solar constant / the
        standard's total; ``"blackbody"``: a blackbody at ``sun_temperature_k`` whose total equals the solar
        constant. Both at 1 AU, then diluted by (1 AU / distance)^2.
        """
        d = np.asarray(solar_distance_km, dtype=float)
        if np.any(~np.isfinite(d) | (d <= 0)):
            raise InstrumentError(f"solar distance {solar_distance_km!r} km is invalid; expected > 0")
        dilution = (AU_KM / d) ** 2
        if self.solar_model == "astm-g173":
            table = np.array(SOLAR_SPECTRUM_G173, dtype=float)
            e = np.interp(np.asarray(wavelength_nm, dtype=float), table[:, 0], table[:, 1], left=0.0, right=0.0)
            return e * (self.solar_constant_w_m2 / G173_TOTAL_W_M2) * dilution
        lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
        t = self.sun_temperature_k
        with np.errstate(over="ignore"):
            planck = 2 * H_PLANCK * C_LIGHT**2 / lam**5 / np.expm1(H_PLANCK * C_LIGHT / (lam * K_BOLTZMANN * t))
        # pi * B integrates to sigma T^4 (surface exitance); scale the total to the solar constant.
        scale = self.solar_constant_w_m2 / (SIGMA_SB * t**4)
        return np.pi * planck * scale * 1e-9 * dilution

    def band_centre_nm(self, filter_name: str) -> float:
        """Response-weighted mean wavelength of a filter (transmission x QE x solar photons)."""
        wl = WAVELENGTH_GRID_NM
        w = self.filter_transmission(filter_name, wl) * self.quantum_efficiency(wl) * \
            self.solar_irradiance_w_m2_nm(wl) * wl
        return float(np.sum(w * wl) / np.sum(w))

"""Spectral curves: filter transmissions, the CCD's quantum efficiency, and the solar spectrum.

The flight filter curves are unpublished ("TBD, may be based on MRO/MARCI" in juno_junocam_v03.ti;
facts.md "NOT FOUND"), so every curve here is a documented approximation and a configurable dataclass.

- Filters (assumption): flat-topped super-Gaussian passbands (order 6) with these centres / full widths
  at half maximum: BLUE 470 / 100 nm, GREEN 550 / 100 nm, RED 700 / 200 nm (the broad blue, green and
  red bands of the camera, Hansen et al. 2017 describe them as broadband RGB), METHANE 889 / 15 nm
  (facts.md: centred near 889-890 nm, a narrow methane-band filter). Peak transmission 0.9 (0.85 for the
  narrow METHANE interference filter).
- Quantum efficiency (assumption): a coarse table with the shape of the published typical curve of a
  monochrome interline CCD of the KAI-2020M family with microlenses, peak ~0.55 near 500 nm, falling
  to ~0.07 at 900 nm and zero at 1100 nm; linearly interpolated.
- Sun (assumption): a 5778 K blackbody scaled so that its integral over all wavelengths equals the
  solar constant, 1361 W m^-2 at 1 AU (Kopp & Lean 2011). Good to ~10-20 % band by band in the visible;
  it does not resolve Fraunhofer lines.
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


DEFAULT_PASSBANDS = MappingProxyType({  # assumptions, see module docstring
    "METHANE": Passband(889.0, 15.0, peak=0.85),
    "BLUE": Passband(470.0, 100.0),
    "GREEN": Passband(550.0, 100.0),
    "RED": Passband(700.0, 200.0),
})

# (wavelength nm, QE): assumption with the shape of the KAI-2020M family's typical monochrome curve.
DEFAULT_QE_TABLE = (
    (300.0, 0.05), (350.0, 0.18), (400.0, 0.35), (450.0, 0.48), (500.0, 0.55), (550.0, 0.53),
    (600.0, 0.48), (650.0, 0.40), (700.0, 0.32), (750.0, 0.24), (800.0, 0.17), (850.0, 0.11),
    (900.0, 0.07), (950.0, 0.04), (1000.0, 0.015), (1050.0, 0.004), (1100.0, 0.0),
)


@dataclass(frozen=True)
class SpectralModel:
    """Filter passbands, CCD quantum efficiency and the solar spectrum (all documented assumptions)."""

    passbands: Mapping[str, Passband] = field(default_factory=lambda: dict(DEFAULT_PASSBANDS))
    qe_table: tuple[tuple[float, float], ...] = DEFAULT_QE_TABLE
    sun_temperature_k: float = SUN_TEMPERATURE_K
    solar_constant_w_m2: float = SOLAR_CONSTANT_W_M2

    def __post_init__(self) -> None:
        missing = [f for f in FILTERS if f not in self.passbands]
        if missing:
            raise InstrumentError(f"filter passbands missing for {', '.join(missing)}")
        object.__setattr__(self, "passbands", MappingProxyType({f: self.passbands[f] for f in FILTERS}))
        wl = np.array([w for w, _ in self.qe_table])
        if np.any(np.diff(wl) <= 0):
            raise InstrumentError("QE table wavelengths must increase")

    def __hash__(self) -> int:
        return hash((tuple(self.passbands.values()), self.qe_table, self.sun_temperature_k,
                     self.solar_constant_w_m2))

    def filter_transmission(self, filter_name: str, wavelength_nm):
        """Filter transmission (0..1) at ``wavelength_nm`` (array, nm)."""
        return self.passbands[normalize_filter(filter_name)].transmission(wavelength_nm)

    def quantum_efficiency(self, wavelength_nm):
        """CCD quantum efficiency (electrons per photon) at ``wavelength_nm``, 0 outside the table."""
        wl, qe = np.array(self.qe_table).T
        return np.interp(np.asarray(wavelength_nm, dtype=float), wl, qe, left=0.0, right=0.0)

    def solar_irradiance_w_m2_nm(self, wavelength_nm, solar_distance_km=AU_KM):
        """Solar spectral irradiance (W m^-2 nm^-1) at a distance from the Sun (km).

        A blackbody at ``sun_temperature_k`` scaled so that its total equals the solar constant at 1 AU,
        then diluted by (1 AU / distance)^2.
        """
        d = np.asarray(solar_distance_km, dtype=float)
        if np.any(~np.isfinite(d) | (d <= 0)):
            raise InstrumentError(f"solar distance {solar_distance_km!r} km is invalid; expected > 0")
        lam = np.asarray(wavelength_nm, dtype=float) * 1e-9
        t = self.sun_temperature_k
        with np.errstate(over="ignore"):
            planck = 2 * H_PLANCK * C_LIGHT**2 / lam**5 / np.expm1(H_PLANCK * C_LIGHT / (lam * K_BOLTZMANN * t))
        # pi * B integrates to sigma T^4 (surface exitance); scale the total to the solar constant.
        scale = self.solar_constant_w_m2 / (SIGMA_SB * t**4)
        return np.pi * planck * scale * 1e-9 * (AU_KM / d) ** 2

    def band_centre_nm(self, filter_name: str) -> float:
        """Response-weighted mean wavelength of a filter (transmission x QE x solar photons)."""
        wl = WAVELENGTH_GRID_NM
        w = self.filter_transmission(filter_name, wl) * self.quantum_efficiency(wl) * \
            self.solar_irradiance_w_m2_nm(wl) * wl
        return float(np.sum(w * wl) / np.sum(w))

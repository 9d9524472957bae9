"""Radiometry: photo-electrons per second per pixel for a scene of given I/F, and the RDR scale.

For a surface of radiance factor I/F lit by solar spectral irradiance ``F(lambda)`` the radiance is
``L = (I/F) F / pi``; a lens of f-number N and transmission tau puts ``E = pi L tau / (4 N^2)`` on the
focal plane (on axis; off-axis fall-off is the detector chain's vignetting). One pixel of area A collects
``E A lambda / (h c)`` photons per second per nm, of which ``T_filter QE`` become electrons::

    rate = (I/F) * A tau / (4 N^2) * integral F(lambda, d) T(lambda) QE(lambda) lambda / (h c) dlambda

Optics assumptions (no published value found): f-number 3.2 and lens transmission 0.6
(:class:`OpticsThroughput`). RDR scale (facts.md "Detector and electronics"): after decompanding,
reduced data records are scaled so that a white (I/F = 1) surface at Jupiter's solar distance reads
10,000 DN; :func:`iof_to_rdr_dn` applies it.

Mission time (:mod:`aging`): ``Radiometry.response`` multiplies each filter's rate (radiation darkening of
the optics, 1 = pristine) and ``Radiometry.stray_light_iof`` adds a uniform I/F-equivalent pedestal of
scattered light to every pixel of a filter (:meth:`Radiometry.iof_to_electrons`). Both default to the
pristine camera (1 and 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam.optics import FILTERS, normalize_filter
from instrument_models.junocam.spectral import (
    AU_KM,
    C_LIGHT,
    H_PLANCK,
    WAVELENGTH_GRID_NM,
    SpectralModel,
)

JUPITER_SOLAR_DISTANCE_KM = 5.2026 * AU_KM  # Jupiter's semi-major axis, 5.2026 AU (JPL planetary elements)
RDR_WHITE_DN = 10_000.0                      # facts.md: white surface at Jupiter's solar distance


@dataclass(frozen=True)
class OpticsThroughput:
    """Light collection of the lens (assumptions: no published JunoCam f-number or transmission).

    Attributes
    ----------
    f_number : 3.2 (assumption).
    transmission : 0.6 (assumption; lens and window, filters excluded). Chosen so that I/F = 1 at TDI 1
        (3.2 ms) stays under the SQROOT table's top (2879 DN12, facts.md): the mission images Jupiter in RGB at
        TDI 1 (the shared real products), which a camera that clipped bright zones there would not do. With
        the passbands and Sun of :mod:`spectral` the pristine camera reads I/F = 1 as ~1190 / 2350 / 2550 DN12
        in BLUE / GREEN / RED (the passbands fitted to the real PJ32 raw ratios; 1740 / 2350 / 2250 before,
        2680 in RED with the first, broader RED band); 0.8 put RED at 3572 DN12.
    pixel_pitch_mm : 0.0074 (juno_junocam_v03.ti PIXEL_SIZE).
    """

    f_number: float = 3.2
    transmission: float = 0.6
    pixel_pitch_mm: float = 0.0074

    def __post_init__(self) -> None:
        if not (self.f_number > 0 and 0 < self.transmission <= 1 and self.pixel_pitch_mm > 0):
            raise InstrumentError(f"optics throughput {self} is invalid; expected f_number > 0, "
                                  "0 < transmission <= 1, pixel_pitch_mm > 0")

    @property
    def etendue_factor_m2(self) -> float:
        """``A tau / (4 N^2)`` in m^2: the pixel area times the lens's on-axis irradiance factor."""
        area = (self.pixel_pitch_mm * 1e-3) ** 2
        return area * self.transmission / (4.0 * self.f_number**2)


def per_filter_values(values: Mapping[str, float] | None, default: float | None, what: str, lo: float, hi: float):
    """A read-only {filter: float} over all four filters, range-checked (``lo..hi``); missing filters take
    ``default``, or raise :class:`InstrumentError` when ``default`` is None."""
    given = {normalize_filter(k): float(v) for k, v in dict(values or {}).items()}
    missing = [f for f in FILTERS if f not in given]
    if default is None and missing:
        raise InstrumentError(f"{what} missing for {', '.join(missing)}; expected a value per filter")
    for k, v in given.items():
        if not (np.isfinite(v) and lo <= v <= hi):
            raise InstrumentError(f"{what} {v!r} for {k} is invalid; expected a number in {lo}..{hi}")
    return MappingProxyType({f: given.get(f, default) for f in FILTERS})


@dataclass(frozen=True)
class Radiometry:
    """Spectral model plus lens: the scene-to-electrons conversion the renderer uses.

    Attributes
    ----------
    spectral, optics : the pristine camera's curves and lens.
    response : {filter: factor} multiplying the photo-electron rate (optics darkened by radiation,
        :mod:`aging`); 1 = pristine, missing filters 1.
    stray_light_iof : {filter: I/F} scattered light added uniformly to each pixel (missing filters 0).
    """

    spectral: SpectralModel = field(default_factory=SpectralModel)
    optics: OpticsThroughput = field(default_factory=OpticsThroughput)
    response: Mapping[str, float] = field(default_factory=dict)
    stray_light_iof: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "response", per_filter_values(self.response, 1.0, "response factor", 0.0, 10.0))
        object.__setattr__(self, "stray_light_iof",
                           per_filter_values(self.stray_light_iof, 0.0, "stray light I/F", 0.0, 10.0))

    def __hash__(self) -> int:
        return hash((self.spectral, self.optics, tuple(self.response.values()),
                     tuple(self.stray_light_iof.values())))

    def electrons_per_s_per_iof(self, filter_name: str, solar_distance_km=JUPITER_SOLAR_DISTANCE_KM) -> float:
        """Photo-electrons per second per pixel for I/F = 1 in ``filter_name`` at a solar distance (km),
        times the filter's ``response`` factor."""
        f = normalize_filter(filter_name)
        wl = WAVELENGTH_GRID_NM
        integrand = (self.spectral.solar_irradiance_w_m2_nm(wl, solar_distance_km)
                     * self.spectral.filter_transmission(f, wl) * self.spectral.quantum_efficiency(wl)
                     * wl * 1e-9 / (H_PLANCK * C_LIGHT))
        integral = np.sum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(wl))  # trapezoid rule
        return float(integral * self.optics.etendue_factor_m2 * self.response[f])

    def electrons_per_s_per_iof_all(self, solar_distance_km=JUPITER_SOLAR_DISTANCE_KM) -> dict[str, float]:
        """:meth:`electrons_per_s_per_iof` for every filter."""
        return {f: self.electrons_per_s_per_iof(f, solar_distance_km) for f in FILTERS}

    def iof_to_electrons(self, iof, filter_name: str, exposure_s: float,
                         solar_distance_km=JUPITER_SOLAR_DISTANCE_KM):
        """Mean photo-electrons collected per pixel over an exposure (s) for I/F values (array, any shape):
        ``(iof + stray_light_iof[filter]) * rate * exposure``."""
        f = normalize_filter(filter_name)
        rate = self.electrons_per_s_per_iof(f, solar_distance_km) * exposure_s
        stray = self.stray_light_iof[f]
        iof = np.asarray(iof)
        iof = iof if iof.dtype.kind == "f" else iof.astype(float)   # float32 images stay float32
        return (iof + stray) * rate if stray else iof * rate


def iof_to_rdr_dn(iof, solar_distance_km=JUPITER_SOLAR_DISTANCE_KM):
    """RDR DN of a surface of radiance factor I/F: 10,000 DN for I/F = 1 at Jupiter's solar distance.

    At another solar distance the same surface receives ``(d_J / d)^2`` times the light, so it reads
    proportionally more (the RDR scale is fixed, not renormalised per image).
    """
    d = np.asarray(solar_distance_km, dtype=float)
    return np.asarray(iof, dtype=float) * RDR_WHITE_DN * (JUPITER_SOLAR_DISTANCE_KM / d) ** 2


def rdr_dn_to_iof(rdr_dn, solar_distance_km=JUPITER_SOLAR_DISTANCE_KM):
    """Inverse of :func:`iof_to_rdr_dn`."""
    d = np.asarray(solar_distance_km, dtype=float)
    return np.asarray(rdr_dn, dtype=float) / RDR_WHITE_DN / (JUPITER_SOLAR_DISTANCE_KM / d) ** 2

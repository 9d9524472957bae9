"""The four JunoCam filters as the scene package names them, and their effective wavelengths."""

from __future__ import annotations

from scenes.errors import SceneError

# CCD order top to bottom (docs/ARCHITECTURE.md conventions).
FILTERS: tuple[str, ...] = ("METHANE", "BLUE", "GREEN", "RED")

# Effective wavelengths used to pick Karkoschka's albedos (facts.md "Jupiter"): the broadband filters'
# bandpasses are not published (facts.md "Detector and electronics"), so BLUE ~480 nm, GREEN ~550 nm and
# RED ~650 nm are assumptions; METHANE is centred near 889-890 nm [P]. Checked against the instrument model's
# assumed passbands (instrument_models/junocam/spectral.py): their response-weighted centres (sun x filter x QE)
# are 474 / 550 / 661 nm, and Karkoschka's albedos averaged over those responses (facts.md points, linear in
# between) are 0.459 / 0.497 / 0.497, within 1 % of the single-wavelength values below, which therefore stay.
EFFECTIVE_WAVELENGTH_NM: dict[str, float] = {"BLUE": 480.0, "GREEN": 550.0, "RED": 650.0, "METHANE": 890.0}

# Karkoschka (1998) disk-averaged geometric albedo at those wavelengths (facts.md "Jupiter").
KARKOSCHKA_GEOMETRIC_ALBEDO: dict[str, float] = {"BLUE": 0.454, "GREEN": 0.500, "RED": 0.497, "METHANE": 0.045}


def check_filter(name) -> str:
    """Return the upper-cased filter name or raise :class:`SceneError` naming it and the valid names."""
    value = str(name).strip().upper() if isinstance(name, str) else None
    if value not in FILTERS:
        raise SceneError(f"unknown filter {name!r}; expected one of {', '.join(FILTERS)}")
    return value

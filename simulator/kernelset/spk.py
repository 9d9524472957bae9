"""SPK writers: Juno about Jupiter (type 5 conic or type 13 J2 integration) and the planets about the SSB.

The planets file holds the segments of a DE short file (``ephemeris.SEGMENTS``: barycentres 1-9 and the
Sun about the SSB, Moon and Earth about the EMB, Mercury and Venus about their barycentres).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import spiceypy

from simulator.kernelset import names
from simulator.kernelset.ephemeris import NAMES, SEGMENTS, planet_states
from simulator.kernelset.orbit import OrbitModel

JUNO, JUPITER = -61, 599
HERMITE_DEGREE = 7            # type 13 window of 4 states
PLANETS_STEP_S = 21600.0    # 6-hourly Hermite samples of the planets
J2_STEP_FRACTION = 0.01       # type 13 spacing: this fraction of sqrt(r^3 / GM) (adaptive: dense at perijove)


def _open(path: Path, internal_name: str) -> int:
    if path.exists():
        path.unlink()
    return spiceypy.spkopn(str(path), internal_name, 4096)


def juno_epochs(model: OrbitModel, et_start: float, et_stop: float, states_at=None) -> np.ndarray:
    """Epochs of the Juno SPK records: hourly for the conic, adaptive for the J2 integration."""
    if model.j2 == 0.0:
        n = max(2, int(np.ceil((et_stop - et_start) / 3600.0)) + 1)
        return np.linspace(et_start, et_stop, n)
    states_at = states_at or model.state_function(et_start, et_stop)
    epochs = [et_start]
    while epochs[-1] < et_stop:
        r = np.linalg.norm(states_at([epochs[-1]])[0, :3])
        epochs.append(min(et_stop, epochs[-1] + J2_STEP_FRACTION * np.sqrt(r**3 / model.gm_km3_s2)))
    return np.array(epochs)


def write_juno_spk(path: Path, model: OrbitModel, et_start: float, et_stop: float, scenario: str = "") -> Path:
    """Write Juno (-61) relative to Jupiter (599) in J2000 over ``[et_start, et_stop]``."""
    states_at = model.state_function(et_start, et_stop)
    epochs = juno_epochs(model, et_start, et_stop, states_at)
    states = states_at(epochs)
    handle = _open(path, "junocam-sim Juno orbit")
    try:
        if model.j2 == 0.0:
            spiceypy.spkw05(handle, JUNO, JUPITER, "J2000", et_start, et_stop, "JUNO TWO-BODY CONIC",
                            model.gm_km3_s2, len(epochs), states, epochs)
        else:
            spiceypy.spkw13(handle, JUNO, JUPITER, "J2000", et_start, et_stop, "JUNO J2 INTEGRATION",
                            HERMITE_DEGREE, len(epochs), states, epochs)
    finally:
        spiceypy.spkcls(handle)
    kind = "a two-body conic" if model.j2 == 0.0 else "an integration with Jupiter's J2"
    names.add_comments(path, names.synthetic_comment(
        "Juno's trajectory about Jupiter (NAIF -61 about 599, J2000)", "simulator/kernelset/spk.py", scenario,
        f"The orbit is {kind} through the scenario's perijove (simulator/kernelset/orbit.py), not a navigation "
        "solution; positions reproduce that model to better than 1 m."))
    return path


def write_planets_spk(path: Path, et_start: float, et_stop: float, scenario: str = "") -> Path:
    """Write the Sun, planets and Moon (``ephemeris.SEGMENTS``) from mean elements over the window plus a day."""
    et0, et1 = et_start - 86400.0, et_stop + 86400.0
    n = max(4, int(np.ceil((et1 - et0) / PLANETS_STEP_S)) + 1)
    epochs = np.linspace(et0, et1, n)
    states = planet_states(epochs)
    handle = _open(path, "junocam-sim planets (approximate)")
    try:
        for body, center in SEGMENTS:
            name = NAMES.get(body, spiceypy.bodc2s(body)) + " (APPROX)"
            spiceypy.spkw13(handle, body, center, "J2000", et0, et1, name[:40], HERMITE_DEGREE, n,
                            states[body, center], epochs)
    finally:
        spiceypy.spkcls(handle)
    names.add_comments(path, names.synthetic_comment(
        "Sun, planet barycentres, Mercury, Venus, Earth and Moon (the bodies of a DE short file)",
        "simulator/kernelset/ephemeris.py", scenario,
        "Heliocentric ellipses from Standish's mean elements (JPL SSD, 1800-2050 table), the Sun placed about "
        "the solar system barycentre with IAU 2009 mass ratios, the Moon on a mean Keplerian orbit (Meeus). "
        "Directions are good to a few arcminutes for the planets and ~2 deg for the Moon about the Earth: this "
        "is not a JPL DE ephemeris."))
    return path

"""SPK writers: Juno about Jupiter (type 5 conic or type 13 J2 integration) and the planets about the SSB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import spiceypy

from simulator.kernelset.ephemeris import barycentric_states
from simulator.kernelset.orbit import OrbitModel

JUNO, JUPITER, JUPITER_BARYCENTER, SUN, EMB, EARTH, SSB = -61, 599, 5, 10, 3, 399, 0
HERMITE_DEGREE = 7            # type 13 window of 4 states
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


def write_juno_spk(path: Path, model: OrbitModel, et_start: float, et_stop: float) -> Path:
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
    return path


def write_planets_spk(path: Path, et_start: float, et_stop: float) -> Path:
    """Write Jupiter (599/5), the Sun (10) and the Earth (399/3) about the SSB from approximate elements."""
    et0, et1 = et_start - 86400.0, et_stop + 86400.0
    n = max(4, int(np.ceil((et1 - et0) / 21600.0)) + 1)     # 6-hourly Hermite samples
    epochs = np.linspace(et0, et1, n)
    states = barycentric_states(epochs)
    zero = np.zeros((n, 6))
    handle = _open(path, "junocam-sim planets")
    try:
        for body, center, data, name in ((SUN, SSB, states[10], "SUN (APPROX)"),
                                         (JUPITER_BARYCENTER, SSB, states[5], "JUPITER BARYCENTER (APPROX)"),
                                         (EMB, SSB, states[3], "EARTH-MOON BARYCENTER (APPROX)"),
                                         (JUPITER, JUPITER_BARYCENTER, zero, "JUPITER AT ITS BARYCENTER"),
                                         (EARTH, EMB, zero, "EARTH AT THE EMB")):
            spiceypy.spkw13(handle, body, center, "J2000", et0, et1, name, HERMITE_DEGREE, n, data, epochs)
    finally:
        spiceypy.spkcls(handle)
    return path

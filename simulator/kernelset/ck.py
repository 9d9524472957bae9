"""CK writer: JUNO_SPACECRAFT (-61000) relative to J2000, type 3 with angular velocity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import spiceypy

from simulator.kernelset import names
from simulator.rotations import unit_quaternions
from simulator.kernelset.attitude import SpinModel

CK_ID = -61000
SCLK_ID = -61
MAX_SPIN_STEP_RAD = np.radians(60.0)   # type 3 interpolates a fixed-axis rotation: exact for a uniform spin
NUTATION_SAMPLES_PER_PERIOD = 360      # dense sampling when the axis cones (interpolation error < 1e-7 rad)
TICK_GRID_S = 60.0                     # SCLK ticks interpolated linearly between exact sce2c values (error < 1e-12 s)


def ck_epochs(model: SpinModel, et_start: float, et_stop: float) -> np.ndarray:
    """Epochs of the CK pointing records."""
    step = MAX_SPIN_STEP_RAD / abs(model.rate_rad_s)
    if model.nutation_amplitude_rad:
        step = min(step, model.nutation_period_s / NUTATION_SAMPLES_PER_PERIOD)
    n = max(2, int(np.ceil((et_stop - et_start) / step)) + 1)
    return np.linspace(et_start, et_stop, n)


def write_ck(path: Path, model: SpinModel, et_start: float, et_stop: float, scenario: str = "") -> Path:
    """Write the spacecraft attitude over ``[et_start, et_stop]``; an SCLK for -61 and an LSK must be loaded."""
    ets = ck_epochs(model, et_start, et_stop)
    grid = np.linspace(et_start, et_stop, max(2, int(np.ceil((et_stop - et_start) / TICK_GRID_S)) + 1))
    ticks = np.interp(ets, grid, [spiceypy.sce2c(SCLK_ID, float(t)) for t in grid])
    quats = unit_quaternions(model.j2000_to_body(ets))          # SPICE order (w, x, y, z), as m2q
    quats *= np.where(quats[:, :1] < 0, -1.0, 1.0)
    avs = model.angular_velocity_j2000(ets)
    if path.exists():
        path.unlink()
    handle = spiceypy.ckopn(str(path), "junocam-sim Juno attitude", 0)
    try:
        spiceypy.ckw03(handle, float(ticks[0]), float(ticks[-1]), CK_ID, "J2000", True,
                       "JUNO SPIN MODEL", len(ets), ticks, quats, avs, 1, np.array([ticks[0]]))
    finally:
        spiceypy.ckcls(handle)
    names.add_comments(path, names.synthetic_comment(
        "Juno's attitude (JUNO_SPACECRAFT, -61000, relative to J2000, type 3 with angular velocity)",
        "simulator/kernelset/ck.py", scenario,
        f"A modelled spin of {model.rate_rad_s * 60 / (2 * np.pi):.4f} rpm about the scenario's spin axis "
        "(simulator/kernelset/attitude.py), not a reconstruction from star-camera telemetry; this file holds "
        f"{spiceypy.et2utc(et_start, 'ISOC', 0)} to {spiceypy.et2utc(et_stop, 'ISOC', 0)} UTC of its week."))
    return path

"""TDI choice: the fewest stages that reach a signal-to-noise goal without saturating the brightest pixel.

Signal of a pixel after ``n`` TDI stages of 3.2 ms (facts.md "Detector and electronics"):
``S = R * I/F * n * 3.2 ms`` photo-electrons, with ``R`` the camera's photo-electron rate per unit I/F
(per filter, from the instrument model's radiometry). Noise ``sqrt(S + read_noise^2)`` (shot and read
noise; dark current is negligible at 3.2 ms per stage). The expected I/F at the target sets the SNR; the
brightest I/F expected in the image (the target's times a headroom factor) must stay below the full well.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ExposureGoal:
    """What the TDI choice aims for (assumptions, configurable on the command line).

    Attributes
    ----------
    snr_goal : wanted signal-to-noise ratio at the target's expected I/F. Assumption: 100.
    brightness_headroom : the brightest pixel of the image is taken as this many times the brightest I/F
        expected (the larger of the target's and the peak of a coarse sample of the image's pixels), for
        texture brighter than what the sample catches. Assumption: 1.25.
    full_well_fraction : the brightest pixel may fill at most this fraction of the full well (stays in
        the linear range). Assumption: 0.8.
    """

    snr_goal: float = 100.0
    brightness_headroom: float = 1.25
    full_well_fraction: float = 0.8


@dataclass(frozen=True)
class TdiChoice:
    """The chosen TDI of an image and what it gives in each filter.

    A product carries one TDI stage count (PDS ``JNO:TDI_STAGES_COUNT``), so one value serves all the
    image's filters.

    Attributes
    ----------
    tdi : TDI stages.
    snr : per filter, expected SNR at the target's I/F.
    peak_fraction_full_well : per filter, brightest expected pixel as a fraction of the full well.
    reason : empty when the goal is met in every filter; otherwise why it is not.
    """

    tdi: int
    snr: dict[str, float]
    peak_fraction_full_well: dict[str, float]
    reason: str = ""


def snr_at(iof, tdi, electrons_per_iof_s, line_period_s: float, read_noise_e: float):
    """Expected SNR of a pixel of radiance factor ``iof`` after ``tdi`` stages (shot + read noise; broadcasts)."""
    signal = np.asarray(electrons_per_iof_s) * np.asarray(iof) * np.asarray(tdi, dtype=float) * line_period_s
    return signal / np.sqrt(signal + read_noise_e ** 2)


def choose_tdi(iof: dict[str, float], electrons_per_iof_s: dict[str, float], full_well_e: float,
               read_noise_e: float, line_period_s: float, goal: ExposureGoal = ExposureGoal(),
               tdi_min: int = 1, tdi_max: int = 100, peak_iof: dict[str, float] | None = None) -> TdiChoice:
    """The smallest TDI reaching ``goal.snr_goal`` in every filter while no filter's peak passes the limit.

    ``iof`` (at the target), ``electrons_per_iof_s`` and ``peak_iof`` (the brightest I/F expected anywhere
    in the image; default the target's) are per filter. If the goal cannot be met without saturating a
    filter, the largest TDI that saturates none is returned with a reason; if even ``tdi_min`` saturates,
    ``tdi_min`` is returned with that reason.
    """
    names = list(iof)
    stages = np.arange(tdi_min, tdi_max + 1)[:, None]
    i = np.array([max(float(iof[f]), 0.0) for f in names])[None, :]
    brightest = np.array([max(float((peak_iof or iof)[f]), float(iof[f]), 0.0) for f in names])[None, :]
    rate = np.array([float(electrons_per_iof_s[f]) for f in names])[None, :]
    peak_e = rate * brightest * goal.brightness_headroom * stages * line_period_s
    snr = snr_at(i, stages, rate, line_period_s, read_noise_e)
    safe = np.all(peak_e <= goal.full_well_fraction * full_well_e, axis=1)
    good = safe & np.all(snr >= goal.snr_goal, axis=1)
    if not np.any(i > 0):
        index, reason = len(stages) - 1, "target not lit (expected I/F 0): longest exposure"
    elif good.any():
        index, reason = int(np.argmax(good)), ""
    elif safe.any():
        index = int(np.nonzero(safe)[0][-1])
        worst = names[int(np.argmin(snr[index]))]
        limit = "the TDI limit" if index == len(stages) - 1 else "saturating"
        reason = (f"SNR goal {goal.snr_goal:g} not reachable without {limit}: "
                  f"{worst} SNR {snr[index].min():.0f} at TDI {int(stages[index, 0])}")
    else:
        index, reason = 0, f"saturates even at TDI {tdi_min}"
    return TdiChoice(int(stages[index, 0]), {f: float(snr[index, k]) for k, f in enumerate(names)},
                     {f: float(peak_e[index, k] / full_well_e) for k, f in enumerate(names)}, reason)

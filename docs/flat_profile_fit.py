"""Derivation of ``instrument_models/junocam/flatfield.py``'s ``REAL_PROFILE`` (not run by the package).

Run from the project folder with ``../shared`` beside it::

    python docs/flat_profile_fit.py        # prints REAL_PROFILE and the fit's residuals per strip

The real smoothed flat (Brian Swift's ``flatFieldsSmooth12to16.tiff``, MIT licence,
``../shared/reference/calibration/README.md``) is reduced to one profile per strip: the median over the 128 lines
of each photoactive column 23-1630 (dust shadows cover a few lines, so the median ignores them). Its shape:

* a broad asymmetric fall-off from a peak near column 600-700 to ~0.84 of the peak at the left end and ~0.60-0.65
  at the right end;
* a roll-off over the last three columns at each end: column 23 is 5-6 % below the fall-off's trend, 24 ~3 %,
  25 ~1.3 % (right end 1630 / 1629 / 1628: 4-5 % / 2 % / 1 %). The smooth fall-off cannot bend that fast, and a
  fit to a profile smoothed over 101 columns (the previous fit) never saw it: the model then read 0.84 at column
  23 where the real flat, measured the same way (``darkstats.flat_profile``), reads 0.79-0.82.

The model (``flatfield.profile``) is the smooth fall-off ``1 - (1 - edge) |(x - peak) / (x_edge - peak)| ^ p`` on
each side of the peak times ``1 - drop exp(-d / width)``, ``d`` the distance in columns from the end column
(0 at columns 23 and 1630). This script fits the eight shape parameters and a scale per strip by robust least
squares to the column medians and prints them with the largest relative residual.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from scipy.optimize import least_squares

FLAT = Path(__file__).resolve().parents[2] / "shared" / "reference" / "calibration" / "flatFieldsSmooth12to16.tiff"
FILTERS = ("BLUE", "GREEN", "RED")      # rows 0-127, 128-255, 256-383 of the file
LEFT, RIGHT = 23, 1630                  # photoactive line ends (calibration README: columns 0-22 are dark)


def model(params, x):
    """The flat-field model along a line (same arithmetic as ``flatfield.profile``) at pixel centres ``x``."""
    peak, left, right, p_left, p_right, drop_left, drop_right, width = params
    u_left = np.abs((x - peak) / (LEFT + 0.5 - peak))
    u_right = np.abs((x - peak) / (RIGHT + 0.5 - peak))
    smooth = np.where(x < peak, 1.0 - (1.0 - left) * u_left ** p_left, 1.0 - (1.0 - right) * u_right ** p_right)
    roll = (1.0 - drop_left * np.exp(-(x - (LEFT + 0.5)) / width)) * (1.0 - drop_right * np.exp(-((RIGHT + 0.5) - x)
                                                                                                  / width))
    return smooth * roll


def fit_strip(medians: np.ndarray) -> tuple[np.ndarray, float, float]:
    """(shape parameters, scale, largest |model / real - 1|) of one strip's column medians (columns 23-1630)."""
    x = np.arange(LEFT, RIGHT + 1) + 0.5
    start = np.array([650.0, 0.84, 0.62, 4.0, 1.3, 0.05, 0.05, 1.5, float(medians.max())])
    lower = [LEFT + 50, 0.5, 0.3, 0.5, 0.5, 0.0, 0.0, 0.3, 0.0]
    upper = [RIGHT - 50, 1.0, 1.0, 10.0, 10.0, 0.5, 0.5, 10.0, np.inf]
    q = start
    for _ in range(3):      # restarted: the first solve stops early on the flat valley of the exponents
        q = least_squares(lambda q: q[8] * model(q[:8], x) / medians - 1.0, q, bounds=(lower, upper),
                          x_scale="jac").x
    return q[:8], float(q[8]), float(np.abs(q[8] * model(q[:8], x) / medians - 1.0).max())


def main() -> None:
    flat = np.asarray(Image.open(FLAT), dtype=float)
    print("REAL_PROFILE = {  # (peak, left, right, p_left, p_right, drop_left, drop_right, width); worst residual")
    for i, f in enumerate(FILTERS):
        medians = np.median(flat[128 * i:128 * (i + 1), LEFT:RIGHT + 1], axis=0)
        q, _, worst = fit_strip(medians)
        print(f'    "{f}": ({q[0]:.1f}, {q[1]:.3f}, {q[2]:.3f}, {q[3]:.2f}, {q[4]:.2f}, {q[5]:.3f}, {q[6]:.3f}, '
              f'{q[7]:.2f}),  # {100 * worst:.2f} %')
    print("}")


if __name__ == "__main__":
    main()

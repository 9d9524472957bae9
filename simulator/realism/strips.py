"""The CCD strip layout the realism figures are defined on, and stacking framelets of one filter.

A strip is the 128-line readout of one filter (``../shared/reference/calibration/README.md``): 1648 samples,
columns 0-22 the dark reference pixels, 23-1630 photoactive (facts.md "Camera geometry": 23 dark pixels, 1608
photoactive, then overscan). Figures quoted "per strip" are counts scaled to 1648 x 128 = 210,944 pixels.
"""

from __future__ import annotations

import numpy as np

STRIP_LINES = 128                    # facts.md: framelet lines = 128 / summing
STRIP_SAMPLES = 1648                 # facts.md: 1648 samples per line
REFERENCE_COLUMNS = slice(0, 23)     # facts.md: 23 dark pixels at the start of each line
ACTIVE_COLUMNS = slice(23, 1631)     # facts.md: 1608 photoactive pixels, columns 23..1630
STRIP_PIXELS = STRIP_LINES * STRIP_SAMPLES


def active_slice(samples: int, summing: int = 1) -> slice:
    """Photoactive columns of a line of ``samples`` pixels (summed pixels when ``summing`` is 2)."""
    if samples == STRIP_SAMPLES // summing:
        return slice(ACTIVE_COLUMNS.start // summing, -(-ACTIVE_COLUMNS.stop // summing))
    return slice(0, samples)


def reference_slice(samples: int, summing: int = 1) -> slice | None:
    """Dark reference columns of a line of ``samples`` pixels, or None when the line is not a full CCD line."""
    if samples == STRIP_SAMPLES // summing:
        return slice(0, REFERENCE_COLUMNS.stop // summing)
    return None


def stack_with_gaps(framelets: list[np.ndarray], masks: list[np.ndarray] | None = None,
                    fill=np.nan) -> tuple[np.ndarray, np.ndarray]:
    """Framelets of one filter stacked along lines with one masked separator line between them.

    The separator keeps connected-component measurements (hot-pixel streaks, blobs) from joining across
    framelets taken at different times.

    Parameters
    ----------
    framelets : list of (lines, samples) arrays (DN).
    masks : list of (lines, samples) bool, True where a pixel may be measured (None: all).

    Returns
    -------
    image : (n * (lines + 1) - 1, samples) float64, ``fill`` on the separators.
    mask : the same shape, bool, False on the separators.
    """
    if not framelets:
        raise ValueError("no framelets to stack")
    rows, keep = [], []
    for k, f in enumerate(framelets):
        f = np.asarray(f, dtype=np.float64)
        m = np.ones(f.shape, bool) if masks is None else np.asarray(masks[k], bool)
        if k:
            rows.append(np.full((1, f.shape[1]), fill))
            keep.append(np.zeros((1, f.shape[1]), bool))
        rows.append(f)
        keep.append(m)
    return np.concatenate(rows), np.concatenate(keep)

"""The CCD strip layout the realism figures are defined on, and stacking framelets of one filter.

The layout (1648 samples, reference columns 0-22, active 23-1630, 128 lines per strip) and the per-array
figures live in :mod:`instrument_models.junocam.darkstats`; this module adds what only a product needs:
joining the framelets of one filter so clusters do not run across framelets taken at different times.
"""

from __future__ import annotations

import numpy as np

from instrument_models.junocam.darkstats import (ACTIVE_COLUMNS, REFERENCE_COLUMNS, STRIP_LINES,  # noqa: F401
                                                  STRIP_PIXELS, STRIP_SAMPLES, active_slice, reference_slice)


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

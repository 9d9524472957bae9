"""Figures of dark frames, flat fields and bad-pixel masks, measured the same way on real and simulated frames.

Pure functions on one strip (lines, samples) in 12-bit DN (dark), relative response (flat) or a boolean
mask. The calibration README's figures (``../shared/reference/calibration/README.md``) are what these
measure; ``junocam-sim compare`` and the tests use them.

Definitions (the README does not fix them; these are ours): "active" columns are 23..1630; the base of a
strip is the median of its active columns' medians; "robust noise" is 1.4826 x the median absolute deviation
of the active pixels from their column median; the neighbour correlation along a line is Pearson's between
horizontally adjacent residuals (residual = pixel - column median) where both lie within 5 robust sigma; a hot
cluster is a connected group (8-neighbour) of pixels more than ``HOT_CLUSTER_DN`` above their column median.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from instrument_models.errors import InstrumentError

ACTIVE = slice(23, 1631)      # photoactive columns (junoAddendum005.ti: 23 dark columns, 1608 photoactive)
HOT_CLUSTER_DN = 30.0         # residual threshold of a hot cluster (~7 sigma of the 4.45 DN noise)
WARM_COLUMN_DN = 5.0          # the README's "columns > 5 DN above the base"
DUST_LEVEL = 0.9              # a dust dip: response below 0.9 of the local level
MAD_TO_SIGMA = 1.4826         # Gaussian sigma per median absolute deviation


def _strip(a, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim != 2 or a.shape[1] < ACTIVE.stop:
        raise InstrumentError(f"{name} of shape {a.shape} cannot be measured; expected (lines, >= {ACTIVE.stop})")
    return a


def dark_strip_stats(dn) -> dict:
    """Figures of one dark strip (lines, 1648) in 12-bit DN: ``level`` (mean of the active columns),
    ``reference_offset`` (mean of columns 0-22 minus ``level``), ``noise`` (robust), ``neighbour_corr``,
    ``column_median_std``, ``warm_columns``, ``above_20``, ``above_100``, ``brightest``, ``hot_clusters``,
    ``streak_fraction`` (clusters 3 or more lines tall and 1 column wide)."""
    a = _strip(dn, "the dark strip")
    act = a[:, ACTIVE]
    col = np.median(act, axis=0)
    base = float(np.median(col))
    resid = act - col[None, :]
    noise = MAD_TO_SIGMA * float(np.median(np.abs(resid)))
    x, y = resid[:, :-1].ravel(), resid[:, 1:].ravel()
    keep = (np.abs(x) < 5 * noise) & (np.abs(y) < 5 * noise)
    corr = float(np.corrcoef(x[keep], y[keep])[0, 1]) if keep.sum() > 2 else float("nan")
    labels, n = ndimage.label(resid > HOT_CLUSTER_DN, structure=np.ones((3, 3)))
    boxes = ndimage.find_objects(labels)
    streaks = sum(1 for b in boxes if b[0].stop - b[0].start >= 3 and b[1].stop - b[1].start == 1)
    return {
        "level": float(act.mean()),
        "reference_offset": float(a[:, :ACTIVE.start].mean() - act.mean()),
        "noise": noise,
        "neighbour_corr": corr,
        "column_median_std": float(col.std()),
        "warm_columns": int(np.count_nonzero(col > base + WARM_COLUMN_DN)),
        "above_20": int(np.count_nonzero(a > 20)),
        "above_100": int(np.count_nonzero(a > 100)),
        "brightest": float(a.max()),
        "hot_clusters": int(n),
        "streak_fraction": streaks / n if n else 0.0,
    }


def flat_profile_stats(flat) -> dict:
    """Figures of one flat-field strip: ``left`` and ``right`` (response at columns 23 and 1630 over the peak of
    the column-median profile median-smoothed over 101 columns), ``peak_column``, ``dips`` (connected groups
    below ``DUST_LEVEL`` of the local level, a (15, 41) median filter) and ``deepest`` (their lowest ratio)."""
    f = _strip(flat, "the flat strip")
    prof = ndimage.median_filter(np.median(f, axis=0), 101, mode="nearest")
    inner = prof[ACTIVE]
    peak = ACTIVE.start + int(np.argmax(inner))
    top = float(prof[peak])
    local = ndimage.median_filter(f, size=(15, 41), mode="nearest")
    ratio = f / np.where(local > 0, local, np.inf)
    low = ratio < DUST_LEVEL
    low[:, :ACTIVE.start] = False
    low[:, ACTIVE.stop - 1:] = False
    labels, n = ndimage.label(low)
    deepest = float(ndimage.minimum(ratio, labels, range(1, n + 1)).min()) if n else 1.0
    return {"left": float(prof[ACTIVE.start]) / top, "right": float(prof[ACTIVE.stop - 1]) / top,
            "peak_column": peak, "dips": int(n), "deepest": deepest}


def mask_stats(mask) -> dict:
    """Figures of one bad-pixel mask strip (nonzero = bad): ``fraction`` of the pixels, ``blobs`` (8-connected
    groups), ``median_width`` and ``median_height`` of their bounding boxes (px)."""
    m = np.asarray(mask) != 0
    if m.ndim != 2:
        raise InstrumentError(f"the mask of shape {m.shape} cannot be measured; expected (lines, samples)")
    labels, n = ndimage.label(m, structure=np.ones((3, 3)))
    boxes = ndimage.find_objects(labels)
    widths = [b[1].stop - b[1].start for b in boxes]
    heights = [b[0].stop - b[0].start for b in boxes]
    return {"fraction": float(m.mean()), "blobs": int(n),
            "median_width": float(np.median(widths)) if n else 0.0,
            "median_height": float(np.median(heights)) if n else 0.0}

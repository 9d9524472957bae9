"""Flat-field figures: the column profile's edges and peak, and the small dips dust shadows make.

Definitions (reproduce ``../shared/reference/calibration/README.md`` on the real flat within 0.02 in the
ratios and 10 columns in the peak, ``tests/test_compare_stats.py``): the profile is the median over lines of
each active column, smoothed by a 31-column running median then a 31-column running mean (edges padded with
the nearest value); "edge / peak" are the smoothed profile at the first and last active column (23 and 1630)
over its maximum. A dip is a 4-connected group of active pixels below ``dip_threshold`` (0.9) of the local
level, the running median over 15 lines x 31 samples; its depth is the group's minimum ratio.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from simulator.realism.strips import active_slice

PROFILE_SMOOTH_COLUMNS = 31          # assumption: wider than dust shadows (<~10 px), narrower than vignetting
LOCAL_LEVEL_SIZE = (15, 31)          # assumption: local level window (lines, samples) around dust shadows
DIP_THRESHOLD = 0.9                  # a dip falls below 0.9 of the local level (gives the README's 7-13 per strip)


@dataclass(frozen=True)
class FlatProfile:
    """Smoothed column profile of a flat (relative) and its shape.

    Attributes
    ----------
    profile : (active columns,) smoothed profile over its maximum.
    left_edge, right_edge : profile at the first / last active column over the peak.
    peak_column : CCD column (0-based, 1648-sample frame) of the maximum.
    """

    profile: np.ndarray
    left_edge: float
    right_edge: float
    peak_column: int


def flat_profile(flat, mask=None, summing: int = 1) -> FlatProfile:
    """Column profile of one strip ((lines, samples) relative response; NaN or masked pixels ignored)."""
    flat = np.asarray(flat, dtype=np.float64)
    ok = np.isfinite(flat) if mask is None else np.isfinite(flat) & np.asarray(mask, bool)
    act = active_slice(flat.shape[1], summing)
    values = np.where(ok[:, act], flat[:, act], np.nan)
    seen = np.isfinite(values).any(axis=0)
    if seen.sum() < 2:
        nan = float("nan")
        return FlatProfile(np.full(values.shape[1], nan), nan, nan, -1)
    prof = np.full(values.shape[1], np.nan)
    prof[seen] = np.nanmedian(values[:, seen], axis=0)
    cols = np.arange(prof.size)
    prof = np.interp(cols, cols[seen], prof[seen])
    size = max(1, PROFILE_SMOOTH_COLUMNS // summing)
    smooth = ndimage.uniform_filter1d(ndimage.median_filter(prof, size, mode="nearest"), size, mode="nearest")
    peak = float(smooth.max())
    rel = smooth / peak
    return FlatProfile(rel, float(rel[0]), float(rel[-1]), int((act.start + int(np.argmax(smooth))) * summing))


@dataclass(frozen=True)
class Dips:
    """Dust-shadow dips: how many, and the depth (minimum ratio to the local level) of each."""

    count: int
    depths: np.ndarray

    @property
    def deepest(self) -> float:
        """The smallest ratio (NaN without dips)."""
        return float(self.depths.min()) if self.depths.size else float("nan")


def dips(flat, summing: int = 1, threshold: float = DIP_THRESHOLD) -> Dips:
    """Dips of one strip's flat (see the module docstring)."""
    flat = np.asarray(flat, dtype=np.float64)
    act = active_slice(flat.shape[1], summing)
    level = ndimage.median_filter(np.nan_to_num(flat), size=LOCAL_LEVEL_SIZE, mode="nearest")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(level > 0, flat / level, 1.0)[:, act]
    labels, n = ndimage.label(ratio < threshold)
    depths = np.asarray(ndimage.minimum(ratio, labels, range(1, n + 1)), dtype=float) if n else np.empty(0)
    return Dips(int(n), depths)

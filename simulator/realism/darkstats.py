"""Dark-frame figures: level, column structure, correlated line noise, hot pixels and blemishes.

Each function takes a (lines, samples) image in 12-bit DN and an optional bool ``mask`` of the pixels that
may be measured (a dark frame: all; a product: the sky pixels). Lines of 1648 samples have their dark
reference columns 0-22 (``strips.py``); other widths are taken as all photoactive. Counts "per strip" are
scaled to the 1648 x 128 pixels of one strip (``strips.STRIP_PIXELS``) from the pixels measured. The
definitions follow issue #13's table and ``../shared/reference/calibration/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from simulator.realism.strips import STRIP_PIXELS, active_slice, reference_slice

MAD_TO_SIGMA = 1.4826          # normal distribution: sigma = 1.4826 x median absolute deviation
COLUMN_EXCESS_DN = 5.0         # issue #13: "columns > 5 DN above base"
HOT_THRESHOLDS_DN = (20.0, 100.0)  # issue #13: "pixels above 20 / above 100 DN"
NOISE_CLIP_SIGMA = 5.0         # neighbour pairs beyond 5 robust sigma (hot pixels) leave the correlation
MIN_COLUMN_PIXELS = 8          # a column median needs this many measured pixels (assumption)


def _mask(image: np.ndarray, mask) -> np.ndarray:
    m = np.isfinite(image)
    return m if mask is None else m & np.asarray(mask, bool)


def _scaled(count: float, measured: int) -> float:
    return float(count) * STRIP_PIXELS / measured if measured else float("nan")


@dataclass(frozen=True)
class DarkLevel:
    """Mean dark level (DN) over active and reference columns and their difference (reference - active)."""

    active_mean_dn: float
    reference_mean_dn: float
    reference_minus_active_dn: float


def dark_level(image, mask=None, summing: int = 1) -> DarkLevel:
    """Mean DN of the measured active pixels and of the reference columns (NaN when absent)."""
    image = np.asarray(image, dtype=np.float64)
    m = _mask(image, mask)
    act = active_slice(image.shape[1], summing)
    a = image[:, act][m[:, act]]
    active = float(a.mean()) if a.size else float("nan")
    ref = reference_slice(image.shape[1], summing)
    r = image[:, ref][np.isfinite(image[:, ref])] if ref is not None else np.empty(0)
    reference = float(r.mean()) if r.size else float("nan")
    return DarkLevel(active, reference, reference - active)


def column_medians(image, mask=None, summing: int = 1) -> np.ndarray:
    """(active columns,) median DN of each active column's measured pixels (NaN with < MIN_COLUMN_PIXELS)."""
    image = np.asarray(image, dtype=np.float64)
    m = _mask(image, mask)
    act = active_slice(image.shape[1], summing)
    values = np.where(m[:, act], image[:, act], np.nan)
    enough = m[:, act].sum(axis=0) >= MIN_COLUMN_PIXELS
    out = np.full(values.shape[1], np.nan)
    if enough.any():
        out[enough] = np.nanmedian(values[:, enough], axis=0)
    return out


@dataclass(frozen=True)
class ColumnStructure:
    """Std of the column medians (DN), columns more than ``excess_dn`` above the base, the base (DN)."""

    std_dn: float
    columns_above: int
    base_dn: float
    excess_dn: float


def column_structure(image, mask=None, summing: int = 1, excess_dn: float = COLUMN_EXCESS_DN) -> ColumnStructure:
    """Column structure: base = median of the column medians; std and count of columns above base + excess."""
    med = column_medians(image, mask, summing)
    med = med[np.isfinite(med)]
    if med.size < 2:
        return ColumnStructure(float("nan"), 0, float("nan"), excess_dn)
    base = float(np.median(med))
    return ColumnStructure(float(med.std()), int((med > base + excess_dn).sum()), base, excess_dn)


@dataclass(frozen=True)
class LineNoise:
    """Robust spatial noise (DN) after removing column medians and the correlation of neighbours on a line."""

    sigma_dn: float
    neighbour_correlation: float


def line_noise(image, mask=None, summing: int = 1) -> LineNoise:
    """Noise = 1.4826 MAD of (pixel - its column median); correlation of pairs (i, i+1) along lines.

    Pairs with either member beyond 5 robust sigma (hot pixels) are left out of the correlation.
    """
    image = np.asarray(image, dtype=np.float64)
    m = _mask(image, mask)
    act = active_slice(image.shape[1], summing)
    med = column_medians(image, mask, summing)
    resid = image[:, act] - med[None, :]
    ok = m[:, act] & np.isfinite(resid)
    r = resid[ok]
    if r.size < 10:
        return LineNoise(float("nan"), float("nan"))
    centre = float(np.median(r))
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(r - centre)))
    x, y = resid[:, :-1] - centre, resid[:, 1:] - centre
    pair = ok[:, :-1] & ok[:, 1:]
    if sigma > 0:
        pair &= (np.abs(x) < NOISE_CLIP_SIGMA * sigma) & (np.abs(y) < NOISE_CLIP_SIGMA * sigma)
    x, y = x[pair], y[pair]
    if x.size < 10 or x.std() == 0 or y.std() == 0:
        return LineNoise(sigma, float("nan"))
    return LineNoise(sigma, float(np.corrcoef(x, y)[0, 1]))


@dataclass(frozen=True)
class Clusters:
    """Connected groups of flagged pixels (4-connected) and their shapes.

    Attributes
    ----------
    count_per_strip : clusters per 1648 x 128 pixels measured.
    heights, widths : (n,) bounding-box size of each cluster (lines, samples).
    vertical_streak_fraction : share of clusters one column wide and at least 2 lines tall.
    median_streak_lines : median height of those vertical streaks (NaN without any).
    common_shape : the most frequent "lines x samples" bounding box.
    """

    count_per_strip: float
    heights: np.ndarray
    widths: np.ndarray
    vertical_streak_fraction: float
    median_streak_lines: float
    common_shape: str


def clusters(flagged, measured: int) -> Clusters:
    """Measure the 4-connected clusters of the bool image ``flagged``; ``measured`` = pixels looked at."""
    labels, n = ndimage.label(np.asarray(flagged, bool))
    boxes = ndimage.find_objects(labels)
    h = np.array([b[0].stop - b[0].start for b in boxes], dtype=int)
    w = np.array([b[1].stop - b[1].start for b in boxes], dtype=int)
    if n == 0:
        return Clusters(0.0, h, w, float("nan"), float("nan"), "none")
    streak = (w == 1) & (h >= 2)
    shapes, counts = np.unique(np.stack([h, w], axis=1), axis=0, return_counts=True)
    top = shapes[int(np.argmax(counts))]
    return Clusters(_scaled(n, measured), h, w, float(streak.mean()),
                    float(np.median(h[streak])) if streak.any() else float("nan"), f"{top[0]} x {top[1]}")


@dataclass(frozen=True)
class HotPixels:
    """Pixels above each threshold per strip, the brightest value (DN) and the clusters above the first."""

    thresholds_dn: tuple[float, ...]
    above_per_strip: tuple[float, ...]
    brightest_dn: float
    clusters: Clusters


def hot_pixels(image, mask=None, summing: int = 1, thresholds_dn=HOT_THRESHOLDS_DN) -> HotPixels:
    """Hot pixels of the measured active pixels: absolute DN above each threshold (12-bit DN, not above base)."""
    image = np.asarray(image, dtype=np.float64)
    m = _mask(image, mask)
    act = active_slice(image.shape[1], summing)
    img, ok = image[:, act], m[:, act]
    measured = int(ok.sum())
    values = img[ok]
    counts = tuple(_scaled((values > t).sum(), measured) for t in thresholds_dn)
    brightest = float(values.max()) if values.size else float("nan")
    return HotPixels(tuple(float(t) for t in thresholds_dn), counts, brightest,
                     clusters(ok & (np.where(ok, img, -np.inf) > thresholds_dn[0]), measured))


@dataclass(frozen=True)
class Blemishes:
    """Flagged share of the pixels (%), blobs per strip, median blob size (lines, samples)."""

    percent_flagged: float
    blobs_per_strip: float
    median_lines: float
    median_samples: float


def blemishes(bad_mask) -> Blemishes:
    """Figures of a bad-pixel (inpainting) mask: True = flagged pixel."""
    bad = np.asarray(bad_mask, bool)
    c = clusters(bad, bad.size)
    return Blemishes(100.0 * float(bad.mean()), c.count_per_strip,
                     float(np.median(c.heights)) if c.heights.size else float("nan"),
                     float(np.median(c.widths)) if c.widths.size else float("nan"))

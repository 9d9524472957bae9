"""The realism figures of dark frames, flat fields and bad-pixel masks: ONE definition for every user.

Issue #13's table and ``../shared/reference/calibration/README.md`` quote these figures for real JunoCam
frames (12-bit DN, TDI 1, per 1648 x 128 strip); ``junocam-sim compare`` (``simulator.realism.measure``) and
the detector tests measure real and simulated frames with the functions below, so both sides of a comparison
use the same arithmetic.

Each function takes a (lines, samples) image (12-bit DN, or relative response for a flat) and an optional
bool ``mask`` of the pixels that may be measured (a dark frame: all; a product: its sky pixels). Lines of
1648 samples (824 summed) have their dark reference columns 0-22; other widths are taken as all photoactive.
Counts "per strip" are scaled to the 1648 x 128 pixels of one strip (``STRIP_PIXELS``) from the pixels
measured (a full dark strip: x 1648 / 1608, the reference columns are not counted).

Definitions (the README does not fix them; these are ours, chosen so the README's figures come out of the
real frames, see ``tests/test_compare_stats.py``):

* level: mean of the active pixels; reference offset: mean of columns 0-22 minus that;
* column structure: std of the active columns' medians; columns more than 5 DN above the base (the median of
  the column medians);
* noise: 1.4826 x median absolute deviation of (pixel - its column median); neighbour correlation: Pearson's
  between horizontally adjacent residuals where both lie within 5 robust sigma (:func:`line_noise`);
* raw noise and column correlation (:func:`raw_noise`): 1.4826 x MAD of the active pixels as they are (column
  structure included) and Pearson's between vertically adjacent active pixels (same column, next line), all
  pairs. These are the README's "robust noise 4.45 DN with neighbour correlation 0.65-0.75": on the real PJ28
  dark strips (the public kmgill/junocam_processing ``src/calib/junocam_dark_pj28_v1_{blue,green,red}.tif``,
  whose level, reference offset and column figures are the README's 8.8 / 10.1 / 11.4, -3.1 / -4.1 / -5.3,
  4.28 / 5.19 / 6.85) they give 4.448 / 4.448 / 4.448 DN and 0.645 / 0.682 / 0.750, while :func:`line_noise`
  gives 2.97 / 3.71 / 4.45 DN and 0.005 / 0.005 / 0.007: the frames' pixel noise is white along a line, and the
  0.65-0.75 is their column structure and vertical hot-pixel streaks seen down a column;
* hot pixels: counts of pixels above 20 and 100 DN (absolute, the README's "pixels above 20 DN"); hot
  clusters: 8-connected groups of pixels more than ``HOT_CLUSTER_DN`` (30 DN, ~7 sigma) above their column
  median. A threshold of 20 DN absolute would count the read noise's 2-sigma tail (thousands of "clusters"
  per strip on the real and on our frames), not the README's 136-546; a vertical streak is a cluster one
  column wide and at least 3 lines tall (the README's "mostly 3-line vertical streaks");
* flat profile: median over lines of each active column, a 31-column running median then a 31-column running
  mean; edge / peak = the profile at columns 23 and 1630 over its maximum (reproduces the README's 0.80-0.83
  / 0.59-0.63, peak 575-630, on the real flat within 0.02 / 10 columns);
* dust dips: 4-connected groups of active pixels below 0.9 of the local level (a 15 x 31 running median);
  depth = the group's lowest ratio;
* bad-pixel mask: flagged share, 8-connected blobs per strip and their median bounding box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from instrument_models.errors import InstrumentError

# The strip layout the figures are defined on (facts.md "Camera geometry"; junoAddendum005.ti).
STRIP_LINES = 128                    # lines of one filter's readout
STRIP_SAMPLES = 1648                 # samples per line
REFERENCE_COLUMNS = slice(0, 23)     # 23 dark reference pixels at the start of each line
ACTIVE_COLUMNS = slice(23, 1631)     # 1608 photoactive pixels, columns 23..1630
STRIP_PIXELS = STRIP_LINES * STRIP_SAMPLES
ACTIVE = ACTIVE_COLUMNS              # older name

MAD_TO_SIGMA = 1.4826                # normal distribution: sigma = 1.4826 x median absolute deviation
COLUMN_EXCESS_DN = 5.0               # issue #13 / README: "columns > 5 DN above the base"
WARM_COLUMN_DN = COLUMN_EXCESS_DN    # older name
HOT_THRESHOLDS_DN = (20.0, 100.0)    # issue #13 / README: "pixels above 20 / above 100 DN"
HOT_CLUSTER_DN = 30.0                # cluster threshold above the column median (~7 sigma of the 4.45 DN noise)
STREAK_MIN_LINES = 3                 # README: hot pixels are "mostly 3-line vertical streaks"
NOISE_CLIP_SIGMA = 5.0               # neighbour pairs beyond 5 robust sigma (hot pixels) leave the correlation
MIN_COLUMN_PIXELS = 8                # assumption: a column median needs this many measured pixels
PROFILE_SMOOTH_COLUMNS = 31          # assumption: wider than dust shadows (<~10 px), narrower than vignetting
LOCAL_LEVEL_SIZE = (15, 31)          # assumption: local level window (lines, samples) around dust shadows
DIP_THRESHOLD = 0.9                  # a dip falls below 0.9 of the local level (gives the README's 7-13 per strip)
DUST_LEVEL = DIP_THRESHOLD           # older name


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


def _image(image, name: str = "the image") -> np.ndarray:
    a = np.asarray(image, dtype=np.float64)
    if a.ndim != 2:
        raise InstrumentError(f"{name} of shape {a.shape} cannot be measured; expected (lines, samples)")
    return a


def _mask(image: np.ndarray, mask) -> np.ndarray:
    m = np.isfinite(image)
    return m if mask is None else m & np.asarray(mask, bool)


def _scaled(count: float, measured: int) -> float:
    return float(count) * STRIP_PIXELS / measured if measured else float("nan")


# ----------------------------------------------------------------------------------------------- dark

@dataclass(frozen=True)
class DarkLevel:
    """Mean dark level (DN) over active and reference columns and their difference (reference - active)."""

    active_mean_dn: float
    reference_mean_dn: float
    reference_minus_active_dn: float


def dark_level(image, mask=None, summing: int = 1) -> DarkLevel:
    """Mean DN of the measured active pixels and of the reference columns (NaN when absent)."""
    image = _image(image)
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
    image = _image(image)
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
    image = _image(image)
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
    """Connected groups (8-connected) of flagged pixels and their shapes.

    Attributes
    ----------
    count : clusters found.
    count_per_strip : clusters per 1648 x 128 pixels measured.
    heights, widths : (n,) bounding-box size of each cluster (lines, samples).
    vertical_streak_fraction : share of clusters one column wide and at least ``STREAK_MIN_LINES`` tall.
    median_streak_lines : median height of those vertical streaks (NaN without any).
    common_shape : the most frequent "lines x samples" bounding box.
    """

    count: int
    count_per_strip: float
    heights: np.ndarray
    widths: np.ndarray
    vertical_streak_fraction: float
    median_streak_lines: float
    common_shape: str


def clusters(flagged, measured: int) -> Clusters:
    """Measure the 8-connected clusters of the bool image ``flagged``; ``measured`` = pixels looked at."""
    labels, n = ndimage.label(np.asarray(flagged, bool), structure=np.ones((3, 3)))
    boxes = ndimage.find_objects(labels)
    h = np.array([b[0].stop - b[0].start for b in boxes], dtype=int)
    w = np.array([b[1].stop - b[1].start for b in boxes], dtype=int)
    if n == 0:
        return Clusters(0, 0.0, h, w, float("nan"), float("nan"), "none")
    streak = (w == 1) & (h >= STREAK_MIN_LINES)
    shapes, counts = np.unique(np.stack([h, w], axis=1), axis=0, return_counts=True)
    top = shapes[int(np.argmax(counts))]
    return Clusters(int(n), _scaled(n, measured), h, w, float(streak.mean()),
                    float(np.median(h[streak])) if streak.any() else float("nan"), f"{top[0]} x {top[1]}")


@dataclass(frozen=True)
class HotPixels:
    """Pixels above each threshold per strip, the brightest value (DN) and the hot clusters."""

    thresholds_dn: tuple[float, ...]
    above_per_strip: tuple[float, ...]
    brightest_dn: float
    clusters: Clusters


def hot_pixels(image, mask=None, summing: int = 1, thresholds_dn=HOT_THRESHOLDS_DN,
               cluster_dn: float = HOT_CLUSTER_DN) -> HotPixels:
    """Hot pixels of the measured active pixels: absolute DN above each threshold (12-bit DN, not above
    base) and the clusters of pixels more than ``cluster_dn`` above their column median."""
    image = _image(image)
    m = _mask(image, mask)
    act = active_slice(image.shape[1], summing)
    img, ok = image[:, act], m[:, act]
    measured = int(ok.sum())
    values = img[ok]
    counts = tuple(_scaled((values > t).sum(), measured) for t in thresholds_dn)
    brightest = float(values.max()) if values.size else float("nan")
    resid = img - column_medians(image, mask, summing)[None, :]
    hot = ok & (np.where(ok & np.isfinite(resid), resid, -np.inf) > cluster_dn)
    return HotPixels(tuple(float(t) for t in thresholds_dn), counts, brightest, clusters(hot, measured))


@dataclass(frozen=True)
class Blemishes:
    """Flagged share of the pixels (%), blobs per strip, median blob size (lines, samples)."""

    percent_flagged: float
    blobs_per_strip: float
    median_lines: float
    median_samples: float


def blemishes(bad_mask) -> Blemishes:
    """Figures of a bad-pixel (inpainting) mask: True / nonzero = flagged pixel."""
    bad = np.asarray(bad_mask) != 0
    if bad.ndim != 2:
        raise InstrumentError(f"the mask of shape {bad.shape} cannot be measured; expected (lines, samples)")
    c = clusters(bad, bad.size)
    return Blemishes(100.0 * float(bad.mean()), c.count_per_strip,
                     float(np.median(c.heights)) if c.heights.size else float("nan"),
                     float(np.median(c.widths)) if c.widths.size else float("nan"))


# ----------------------------------------------------------------------------------------------- flat

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
    flat = _image(flat, "the flat")
    ok = _mask(flat, mask)
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
    rel = smooth / float(smooth.max())
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
    flat = _image(flat, "the flat")
    act = active_slice(flat.shape[1], summing)
    level = ndimage.median_filter(np.nan_to_num(flat), size=LOCAL_LEVEL_SIZE, mode="nearest")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(level > 0, flat / level, 1.0)[:, act]
    labels, n = ndimage.label(ratio < threshold)
    depths = np.asarray(ndimage.minimum(ratio, labels, range(1, n + 1)), dtype=float) if n else np.empty(0)
    return Dips(int(n), depths)


@dataclass(frozen=True)
class RawNoise:
    """Robust spread (DN) of the active pixels as they are and the correlation of vertical neighbours."""

    sigma_dn: float
    column_correlation: float


def raw_noise(image, mask=None, summing: int = 1) -> RawNoise:
    """Noise = 1.4826 MAD of the active pixels (column structure included); correlation of pairs (line j,
    line j+1) in the same column, every measured pair (module docstring: the README's definitions)."""
    image = _image(image)
    m = _mask(image, mask)
    act = active_slice(image.shape[1], summing)
    a, ok = image[:, act], m[:, act] & np.isfinite(image[:, act])
    v = a[ok]
    if v.size < 10:
        return RawNoise(float("nan"), float("nan"))
    sigma = MAD_TO_SIGMA * float(np.median(np.abs(v - np.median(v))))
    pair = ok[:-1] & ok[1:]
    x, y = a[:-1][pair], a[1:][pair]
    if x.size < 10 or x.std() == 0 or y.std() == 0:
        return RawNoise(sigma, float("nan"))
    return RawNoise(sigma, float(np.corrcoef(x, y)[0, 1]))


# ------------------------------------------------------------------ one-call summaries of a whole strip

def dark_strip_stats(dn, mask=None) -> dict:
    """The README's dark figures of one strip (lines, 1648) in 12-bit DN, by the functions above.

    Returns ``level``, ``reference_offset``, ``noise``, ``neighbour_corr`` (:func:`line_noise`), ``raw_noise``,
    ``column_corr`` (:func:`raw_noise`: the README's "robust noise" and "neighbour correlation"),
    ``column_median_std``, ``warm_columns``, ``above_20``, ``above_100`` (per 1648 x 128 strip), ``brightest``,
    ``hot_clusters`` (per strip), ``streak_fraction``.
    """
    a = _image(dn, "the dark strip")
    if a.shape[1] != STRIP_SAMPLES:
        raise InstrumentError(f"the dark strip of shape {a.shape} cannot be measured; expected (lines, "
                              f"{STRIP_SAMPLES})")
    level, cols, noise, hot = dark_level(a, mask), column_structure(a, mask), line_noise(a, mask), hot_pixels(a, mask)
    raw = raw_noise(a, mask)
    return {"level": level.active_mean_dn, "reference_offset": level.reference_minus_active_dn,
            "noise": noise.sigma_dn, "neighbour_corr": noise.neighbour_correlation,
            "raw_noise": raw.sigma_dn, "column_corr": raw.column_correlation,
            "column_median_std": cols.std_dn, "warm_columns": cols.columns_above,
            "above_20": hot.above_per_strip[0], "above_100": hot.above_per_strip[1],
            "brightest": hot.brightest_dn, "hot_clusters": hot.clusters.count_per_strip,
            "streak_fraction": hot.clusters.vertical_streak_fraction if hot.clusters.count else 0.0}


def flat_profile_stats(flat) -> dict:
    """The README's flat figures of one strip: ``left``, ``right`` (edge / peak at columns 23 and 1630),
    ``peak_column``, ``dips`` and ``deepest`` (1.0 without dips)."""
    p, d = flat_profile(flat), dips(flat)
    return {"left": p.left_edge, "right": p.right_edge, "peak_column": p.peak_column, "dips": d.count,
            "deepest": d.deepest if d.count else 1.0}


def mask_stats(mask) -> dict:
    """The README's mask figures of one strip (nonzero = bad): ``fraction`` of the pixels, ``blobs`` per
    strip, ``median_width`` and ``median_height`` of their bounding boxes (px; 0 without blobs)."""
    b = blemishes(mask)
    return {"fraction": b.percent_flagged / 100.0, "blobs": b.blobs_per_strip,
            "median_width": b.median_samples if b.blobs_per_strip else 0.0,
            "median_height": b.median_lines if b.blobs_per_strip else 0.0}

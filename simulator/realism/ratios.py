"""Band ratios on Jupiter: raw signal of one filter over GREEN's at the same surface points.

The real figures (PJ32, TDI 1: blue/green 0.399, red/green 1.255, the mission's maps of JNCE_2021052_32C00054
decompanded, README "What the mission's maps hold"; issue #13's 0.53-0.63 / 1.11-1.13 were those maps' codes
and a pipeline's weights) are ratios of raw signal, decompanded DN minus the dark, of Jupiter's clouds. A camera's filter strips see different parts of
the planet in the same frame (BLUE, GREEN and RED are ~155 lines apart on the CCD, about 1.4 frames of spin:
a product of 2 frames has no surface point seen in all three), so a ratio of per-filter averages over each
filter's own disk pixels mixes the instrument's response with where each strip happened to look (limb,
terminator, belts). Measured here instead:

1. every usable pixel (lit and seen at incidence and emission < ``MAX_ANGLE_DEG``, not saturated) is placed
   on the planet's surface (body-fixed km) and binned into cubic cells of ``cell_km``;
2. per filter and cell, the mean signal (DN minus that filter's dark);
3. for each cell seen in both the filter and GREEN (and with a positive GREEN signal), the ratio; the figure
   is the median over those cells, with the number of cells.

Every filter shares the photometry (the same i, e, g at a point), so the figure is the response ratio times
the clouds' colour at the points both filters saw; it no longer depends on the framing.
"""

from __future__ import annotations

import numpy as np

MAX_ANGLE_DEG = 70.0     # assumption: away from terminator and limb (the earlier benchmarks/band_ratios.py cut)
CELL_FACTOR = 2.0        # cell = 2 x the median thinned pixel footprint: ~4 samples per filter and cell
MIN_CELLS = 20           # fewer common cells than this: no figure (NaN), the note says why
REFERENCE = "GREEN"


def cell_keys(points: np.ndarray, cell_km: float, origin: np.ndarray, span: np.ndarray) -> np.ndarray:
    """Integer key of the cubic cell (side ``cell_km``, grid from ``origin``, ``span`` cells per axis) of each
    body-fixed point ((n, 3) km -> (n,) int64)."""
    q = np.floor((np.asarray(points, dtype=np.float64).reshape(-1, 3) - origin) / float(cell_km)).astype(np.int64)
    return (q[:, 0] * span[1] + q[:, 1]) * span[2] + q[:, 2]


def _cell_means(keys: np.ndarray, signal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cells, inverse = np.unique(keys, return_inverse=True)
    return cells, np.bincount(inverse, signal) / np.bincount(inverse)


def colocated_ratios(points: dict, signal: dict, cell_km: float,
                     reference: str = REFERENCE) -> dict[str, tuple[float, int]]:
    """Median over shared surface cells of each filter's mean signal over the reference filter's.

    Parameters
    ----------
    points : {filter: (n_f, 3) body-fixed surface points, km}.
    signal : {filter: (n_f,) raw signal at those points (decompanded DN minus the filter's dark)}.
    cell_km : side of the cubic cells points are binned into (km).
    reference : the denominator's filter.

    Returns
    -------
    {filter: (ratio, cells)} for every filter other than ``reference``; ratio NaN when fewer than
    :data:`MIN_CELLS` cells are shared (or the reference is absent).
    """
    if cell_km <= 0 or not np.isfinite(cell_km):
        raise ValueError(f"cell size {cell_km!r} km must be a positive number")
    names = [f for f in points if f != reference]
    if reference not in points or not len(points[reference]):
        return {f: (float("nan"), 0) for f in names}
    everything = np.concatenate([np.asarray(points[f], dtype=np.float64).reshape(-1, 3) for f in points])
    origin = everything.min(axis=0)                                      # one grid for every filter
    span = np.floor((everything.max(axis=0) - origin) / cell_km).astype(np.int64) + 1
    keys = {f: cell_keys(points[f], cell_km, origin, span) for f in points}
    ref_cells, ref_mean = _cell_means(keys[reference], np.asarray(signal[reference], dtype=np.float64))
    out = {}
    for f in names:
        if not len(points[f]):
            out[f] = (float("nan"), 0)
            continue
        cells, mean = _cell_means(keys[f], np.asarray(signal[f], dtype=np.float64))
        common, i, j = np.intersect1d(cells, ref_cells, assume_unique=True, return_indices=True)
        ok = ref_mean[j] > 0
        n = int(ok.sum())
        out[f] = (float(np.median(mean[i][ok] / ref_mean[j][ok])) if n >= MIN_CELLS else float("nan"), n)
    return out

"""Gather a window's hit pixels into the scene's point arrays, and scatter the scene's I/F back, in one pass.

The scene is evaluated on the pixels a window's rays hit (``sampling._scene_iof``): latitude, longitude and
footprint for the albedo, the three cosines for the photometry. As boolean-mask indexing that is six passes
over the window (each finding the hits again) and one more to write the I/F back into a zeroed window; here
one compiled pass finds the hits once and copies every plane's value, and the scatter writes the whole window
(0 off the hits) without zeroing it first. Same values, same order (C order of the window, as ``plane[hit]``);
without numba the numpy expressions run.
"""

from __future__ import annotations

import numpy as np

from simulator.render.compiled_jit import AVAILABLE

if AVAILABLE:
    from numba import njit as _njit
else:  # pragma: no cover - numba is a declared dependency
    _njit = None


def _gather_loop(hit, geom, geom_rows, cosines, out):
    """``out[q] = geom[geom_rows[q]][hit]`` for the first ``len(geom_rows)`` rows, then ``cosines[c][hit]``,
    with ``hit`` ``(N,)``, ``geom`` ``(G, N)``, ``cosines`` ``(3, N)`` (flattened windows), ``out``
    ``(len(geom_rows) + 3, hits)``."""
    n_geom = geom_rows.size
    p = 0
    for j in range(hit.size):
        if hit[j]:
            for q in range(n_geom):
                out[q, p] = geom[geom_rows[q], j]
            for c in range(3):
                out[n_geom + c, p] = cosines[c, j]
            p += 1


def _scatter_loop(hit, values, out):
    """``out[hit] = values`` and 0 elsewhere, ``hit`` and ``out`` ``(N,)``."""
    p = 0
    for j in range(hit.size):
        if hit[j]:
            out[j] = values[p]
            p += 1
        else:
            out[j] = 0.0


if AVAILABLE:
    _gather_loop = _njit(cache=True, nogil=True)(_gather_loop)
    _scatter_loop = _njit(cache=True, nogil=True)(_scatter_loop)


def gather(hit: np.ndarray, geom: np.ndarray, geom_rows: tuple[int, ...], cosines: np.ndarray) -> np.ndarray:
    """The hit pixels' values of chosen geometry planes and of the three cosines.

    Parameters
    ----------
    hit : (rows, cols) bool, the window's hits.
    geom : (G, rows, cols) float64 geometry planes (``compiled.window_surface``).
    geom_rows : which planes of ``geom`` to gather, in this order.
    cosines : (3, rows, cols) float64 cosines of incidence, emission and phase.

    Returns
    -------
    (len(geom_rows) + 3, hits) float64: row ``q`` is ``geom[geom_rows[q]][hit]``, the last three
    ``cosines[c][hit]`` (C order of the window).
    """
    n = int(np.count_nonzero(hit))
    rows = np.asarray(geom_rows, dtype=np.int64)
    if not AVAILABLE:
        return np.stack([geom[q][hit] for q in rows] + [cosines[c][hit] for c in range(3)]) if n else \
            np.empty((rows.size + 3, 0))
    out = np.empty((rows.size + 3, n))
    size = hit.size
    _gather_loop(np.ascontiguousarray(hit).reshape(size), np.ascontiguousarray(geom).reshape(geom.shape[0], size),
                 rows, np.ascontiguousarray(cosines).reshape(3, size), out)
    return out


def scatter(hit: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A new float64 window of ``hit``'s shape: ``values`` ``(hits,)`` at the hits in C order, 0 elsewhere."""
    if not AVAILABLE:
        out = np.zeros(hit.shape)
        out[hit] = values
        return out
    out = np.empty(hit.shape)
    _scatter_loop(np.ascontiguousarray(hit).reshape(hit.size), np.ascontiguousarray(values, dtype=np.float64),
                  out.reshape(hit.size))
    return out

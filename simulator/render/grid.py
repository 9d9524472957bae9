"""Surface intercepts of a framelet window, in cache-sized blocks, optionally from a coarse grid.

Exact path (``step < 2``, the renderer's default): every candidate pixel gets ``Geometry.intercept`` (the
sincpt replica), in blocks of ``BLOCK_RAYS`` rays so the temporaries stay in the CPU caches (whole-framelet
arrays made the replica ~3x slower).

Coarse grid (``step = k >= 2``): the window is cut into ``k x k`` cells whose corners are every ``k``-th
pixel; corners get the full replica. What varies smoothly across the disk is the light-time epoch of each
ray's last pass (``Intercept.epoch_shift``, range / c); interpolating the surface points themselves errs
by ~0.04 px at k = 8 (measured), the epoch by < 1e-4 px. A cell whose four corners hit is checked at its
centre pixel: the last pass alone (``Geometry.intercept_at``) at the corners' mean epoch must land within
``tol_px`` (pixel footprints: distance / (range x IFOV)) of the full replica there. Bilinear interpolation
errs most at the cell centre for smooth functions, so the check bounds the cell (measured maximum over
whole framelets: at the tolerance). Pixels of passing cells take the last pass at their bilinearly
interpolated epoch; every other candidate pixel (limb cells, failing cells, the window's last partial
rows and columns) gets the full replica. With ``LT`` the full replica is itself only two direct passes,
so the grid pays only for ``CN`` (converged light time, up to 10 passes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.render import compiled

BLOCK_RAYS = 16384   # rays per geometry block: temporaries stay in the CPU caches (measured, not physics)


@dataclass
class WindowIntercepts:
    """Intercepts on a window; arrays ``(rows, cols[, 3])``, NaN where no hit.

    ``exact`` counts the rays intercepted exactly, ``interpolated`` the pixels filled from a cell.
    """

    hit: np.ndarray
    points: np.ndarray
    obs_body: np.ndarray
    trgepc: np.ndarray
    exact: int
    interpolated: int


def exact_intercepts(geo, rays: np.ndarray, sample, index: int, epoch_shift: np.ndarray | None = None,
                     with_shift: bool = False):
    """Intercepts of (M, 3) rays in cache-sized blocks: hit, points, obs_body, trgepc (and epoch shift).

    ``Geometry.intercept`` (the full sincpt replica), or with ``epoch_shift`` (M,) its last pass alone at
    those epochs (``Geometry.intercept_at``).
    """
    rays = np.asarray(rays, dtype=float).reshape(-1, 3)
    if epoch_shift is None and compiled.supports(geo):     # one compiled loop, no blocks needed
        out = compiled.intercepts(geo, rays, sample, index)
        return out if with_shift else out[:4]
    m = rays.shape[0]
    hit = np.zeros(m, dtype=bool)
    points, obs = np.full((m, 3), np.nan), np.full((m, 3), np.nan)
    trgepc, shift = np.full(m, np.nan), np.zeros(m)
    for k in range(0, m, BLOCK_RAYS):
        if epoch_shift is None:
            ic = geo.intercept(rays[k:k + BLOCK_RAYS], sample, index)
        else:
            ic = geo.intercept_at(rays[k:k + BLOCK_RAYS], sample, index, epoch_shift[k:k + BLOCK_RAYS])
        sl = slice(k, k + ic.hit.size)
        hit[sl] = ic.hit
        points[sl][ic.hit] = ic.points[ic.hit]
        obs[sl] = ic.obs_body
        trgepc[sl] = ic.trgepc
        shift[sl] = ic.epoch_shift
    return (hit, points, obs, trgepc, shift) if with_shift else (hit, points, obs, trgepc)


def onto_ellipsoid(points: np.ndarray, radii_km) -> np.ndarray:
    """(M, 3) points moved along their position vectors onto the ellipsoid's surface."""
    q = points / np.asarray(radii_km, dtype=float)
    return points / np.sqrt(np.einsum("ij,ij->i", q, q))[:, None]


def window_intercepts(geo, rays: np.ndarray, cand: np.ndarray, sample, index: int, ifov_rad: float,
                      step: int = 8, tol_px: float = 1e-4) -> WindowIntercepts:
    """Intercepts of a window's pixel-centre rays (see the module doc).

    Parameters
    ----------
    rays : (rows, cols, 3) nominal-frame pixel-centre rays.
    cand : (rows, cols) bool, rays worth intersecting (the Jupiter cone); others are misses.
    ifov_rad : pixel angular size (the error unit).
    step : cell size ``k`` in pixels (even); below 2 everything is exact.
    tol_px : largest accepted interpolation error at a cell centre, in pixel footprints.
    """
    rows, cols = cand.shape
    hit = np.zeros((rows, cols), dtype=bool)
    points = np.full((rows, cols, 3), np.nan)
    obs = np.full((rows, cols, 3), np.nan)
    trgepc = np.full((rows, cols), np.nan)
    shift = np.zeros((rows, cols))
    done = ~cand                                    # pixels whose values are final (misses off the cone)
    n_exact = n_interp = 0

    def exact_at(mask):
        nonlocal n_exact
        r, c = np.nonzero(mask)
        if r.size:
            hit[r, c], points[r, c], obs[r, c], trgepc[r, c], shift[r, c] = exact_intercepts(
                geo, rays[r, c], sample, index, with_shift=True)
            done[r, c] = True
            n_exact += r.size

    k = int(step) - int(step) % 2
    ncr, ncc = (rows - 1) // max(k, 1), (cols - 1) // max(k, 1)
    if k >= 2 and ncr >= 1 and ncc >= 1:
        rn, cn = np.arange(ncr + 1) * k, np.arange(ncc + 1) * k
        nodes = np.zeros((rows, cols), dtype=bool)
        nodes[np.ix_(rn, cn)] = True
        exact_at(nodes & cand)
        h = hit[np.ix_(rn, cn)]
        full = h[:-1, :-1] & h[1:, :-1] & h[:-1, 1:] & h[1:, 1:]          # (ncr, ncc) cells with 4 hits
        cr, cc = np.nonzero(full)
        rc, ccol = cr * k + k // 2, cc * k + k // 2
        centres = np.zeros((rows, cols), dtype=bool)
        centres[rc, ccol] = True
        exact_at(centres)
        node_shift = shift[np.ix_(rn, cn)]
        # check: the last pass at the corners' mean shift (the bilinear value at the centre) against the
        # full replica at the centre
        mean = 0.25 * (node_shift[:-1, :-1] + node_shift[1:, :-1] + node_shift[:-1, 1:] + node_shift[1:, 1:])
        gh, gp, _, _ = exact_intercepts(geo, rays[rc, ccol], sample, index, epoch_shift=mean[cr, cc])
        pc, oc = points[rc, ccol], obs[rc, ccol]
        rng = np.sqrt(np.einsum("ij,ij->i", pc - oc, pc - oc))
        err = np.sqrt(np.einsum("ij,ij->i", gp - pc, gp - pc)) / (rng * ifov_rad)
        ok = np.zeros((ncr, ncc), dtype=bool)
        ok[cr, cc] = hit[rc, ccol] & gh & (err < tol_px)
        if ok.any():
            nr_pix, nc_pix = ncr * k + 1, ncc * k + 1
            ci = np.minimum(np.arange(nr_pix) // k, ncr - 1)
            cj = np.minimum(np.arange(nc_pix) // k, ncc - 1)
            wa = (np.arange(nr_pix) - ci * k) / k
            wb = (np.arange(nc_pix) - cj * k) / k
            r, c = np.nonzero(ok[ci][:, cj] & ~done[:nr_pix, :nc_pix])
            a, b, i0, j0 = wa[r], wb[c], ci[r], cj[c]
            dt = ((1 - a) * ((1 - b) * node_shift[i0, j0] + b * node_shift[i0, j0 + 1])
                  + a * ((1 - b) * node_shift[i0 + 1, j0] + b * node_shift[i0 + 1, j0 + 1]))
            h2, p2, o2, t2 = exact_intercepts(geo, rays[r, c], sample, index, epoch_shift=dt)
            r, c = r[h2], c[h2]                     # (a miss here, never seen, is left to the exact pass)
            hit[r, c], points[r, c], obs[r, c], trgepc[r, c] = True, p2[h2], o2[h2], t2[h2]
            done[r, c] = True
            n_interp = r.size
    exact_at(~done)
    return WindowIntercepts(hit=hit, points=points, obs_body=obs, trgepc=trgepc, exact=n_exact,
                            interpolated=n_interp)


def hit_geometry(geo, points: np.ndarray, obs_body: np.ndarray, trgepc: np.ndarray, sample, index: int):
    """Truth geometry ``{GEOMETRY_KEYS: (H,)}`` of (H, 3) hit points (lonlat, ilumin angles, range).

    Compiled per point (``compiled.hit_geometry``) when numba is available, else this numpy replica.
    """
    if compiled.AVAILABLE:
        return compiled.hit_geometry(geo, points, obs_body, trgepc, sample, index)
    lat_pc, lat_pg, lon_w = geo.ellipsoid.lonlat(points)
    inc, emi, pha = (np.empty(points.shape[0]) for _ in range(3))
    for k in range(0, points.shape[0], BLOCK_RAYS):
        sl = slice(k, k + BLOCK_RAYS)
        ang = geo.illumination(points[sl], sample, index, obs_body=obs_body[sl], trgepc=trgepc[sl])
        inc[sl], emi[sl], pha[sl] = ang["incidence"], ang["emission"], ang["phase"]
    srf = points - obs_body
    return {"LAT_PC": lat_pc, "LAT_PG": lat_pg, "LON_W": lon_w, "INCIDENCE": inc, "EMISSION": emi,
            "PHASE": pha, "RANGE": np.sqrt(np.einsum("ij,ij->i", srf, srf))}

"""The scene seen through a framelet window at one time sample, with sky skipped and edges supersampled.

Per time sample the window's rays (``(rows, cols, 3)``, already in the nominal camera frame, i.e. with the
true-attitude correction applied) are tested against a cone around Jupiter's centre of half-angle
``asin(R_max / distance) + margin``: only rays inside it are intersected (``Geometry.intercept``, the exact
sincpt replica), so black sky costs one dot product per pixel.

Pixels within ``edge_rows`` lines (and one sample) of a change of hit/miss status (limb, or a body's edge)
are integrated over their area and over the time span the node represents with stratified sub-sample rays
(``timing.subsample_times``), misses counting as zero. ``edge_rows`` covers half the pixel plus half the
node's motion span, so every pixel whose aperture sweeps across the limb during the node is integrated.
Elsewhere the scene is smooth at the pixel scale and the centre value stands for the area and time average
(error second order in the pixel size); the terminator is a kink, not a step, in I/F and needs no
supersampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.render import grid

JUPITER_NAIF_ID = 599  # NAIF id of Jupiter (facts.md "Jupiter")


GEOMETRY_KEYS = ("LAT_PC", "LAT_PG", "LON_W", "INCIDENCE", "EMISSION", "PHASE", "RANGE")


@dataclass
class NodeSample:
    """The scene at one time sample on a window grid.

    Attributes
    ----------
    iof : (rows, cols) float64 area-averaged I/F (0 on sky).
    hit : (rows, cols) bool, pixel centre hits Jupiter.
    n_intercepts : number of rays intersected (centre + sub-pixel), for the cost breakdown.
    geometry : when asked, per-pixel-centre truth geometry ``{GEOMETRY_KEYS: (rows, cols) float64}``
        (NaN on sky); the truth reuses it when its ray and time coincide with this node's.
    """

    iof: np.ndarray
    hit: np.ndarray
    n_intercepts: int
    geometry: dict | None = None


def jupiter_cone_mask(rays_nominal: np.ndarray, sample, index: int, radius_km: float, margin_rad: float):
    """Bool mask of rays within the cone around Jupiter's centre (see module doc).

    Parameters
    ----------
    rays_nominal : (..., 3) unit rays in the nominal JUNO_JUNOCAM frame.
    sample : ``GeometrySample``; uses ``obs_body``, ``j2000_to_body``, ``cam_to_j2000`` at ``index``.
    radius_km : largest radius of the body.
    margin_rad : extra half-angle.
    """
    obs = np.asarray(sample.obs_body[index], dtype=float)
    dist = float(np.linalg.norm(obs))
    if dist <= radius_km:
        return np.ones(rays_nominal.shape[:-1], dtype=bool)
    body_to_cam = (sample.j2000_to_body[index] @ sample.cam_to_j2000[index]).T
    centre_cam = body_to_cam @ (-obs / dist)
    half = np.arcsin(radius_km / dist) + margin_rad
    if half >= np.pi:
        return np.ones(rays_nominal.shape[:-1], dtype=bool)
    return rays_nominal @ centre_cam >= np.cos(half)


def edge_pixels(hit: np.ndarray, edge_rows: int = 1) -> np.ndarray:
    """Pixels within ``edge_rows`` lines and 1 sample of a hit-status change (bool, same shape)."""
    h = hit.astype(np.int8)
    r = max(1, int(edge_rows))
    p = np.pad(h, ((r, r), (1, 1)), mode="edge")
    rows, cols = h.shape
    lo = np.ones_like(h)
    hi = np.zeros_like(h)
    for dr in range(2 * r + 1):
        for dc in (0, 1, 2):
            v = p[dr:dr + rows, dc:dc + cols]
            np.minimum(lo, v, out=lo)
            np.maximum(hi, v, out=hi)
    return lo != hi


def surface_geometry(geo, rays_nominal: np.ndarray, sample, index: int):
    """Intercepts and their geometry for (M, 3) nominal-frame rays at one time sample.

    ``Geometry.intercept`` (the sincpt replica) and ``Geometry.illumination`` at each hit's own epoch and
    observer position (ilumin: per-point epoch, stellar aberration); latitudes/longitude from the
    ellipsoid. Computed in cache-sized blocks (``grid.BLOCK_RAYS``).

    Returns
    -------
    hit : (M,) bool.
    points : (H, 3) body-fixed intercepts of the hits (km).
    values : dict of (H,) arrays over the hits, keys ``GEOMETRY_KEYS`` (degrees, km).
    """
    hit, points, obs, trgepc = grid.exact_intercepts(geo, rays_nominal, sample, index)
    points = points[hit]
    return hit, points, grid.hit_geometry(geo, points, obs[hit], trgepc[hit], sample, index)


def surface_iof(scene, filter_name: str, points: np.ndarray, values: dict, ifov_rad: float | None = None,
                body=None, faces=None):
    """(H,) I/F of hit points with their geometry ``values`` (see ``intercept_iof``); ``body`` default Jupiter."""
    if not points.shape[0]:
        return np.zeros(0)
    body = scene.bodies[0] if body is None else body
    footprint = None if ifov_rad is None else values["RANGE"] * ifov_rad
    albedo = body.normal_albedo(filter_name, points, values["LAT_PG"], values["LON_W"], faces, footprint)
    cos = {k: np.cos(np.radians(values[k])) for k in ("INCIDENCE", "EMISSION", "PHASE")}
    return scene.photometry.iof(albedo, cos["INCIDENCE"], cos["EMISSION"], cos["PHASE"], filter_name)


def intercept_iof(geo, scene, filter_name: str, rays_nominal: np.ndarray, sample, index: int,
                  ifov_rad: float | None = None):
    """I/F, hit flags and geometry for (M, 3) nominal-frame rays at one time sample.

    The photometric angles are the ilumin-exact ones of ``surface_geometry`` (so the rendered terminator
    is where ``illumf`` puts it); the albedo comes from Jupiter's appearance and the I/F from the scene's
    photometry. ``ifov_rad``: when given, the pixel footprint ``range x ifov`` band-limits the texture
    (detail finer than the pixels would only alias, and costs time).
    """
    hit, points, values = surface_geometry(geo, rays_nominal, sample, index)
    iof = np.zeros(hit.shape)
    iof[hit] = surface_iof(scene, filter_name, points, values, ifov_rad)
    return iof, hit, values


def _lap(clock, name: str, count: int = 0) -> None:
    """Charge the time since the last lap to ``name`` (``engine.Stopwatch``; no-op without one)."""
    if clock is not None:
        clock.lap(name, count)


def window_geometry(geo, rays_nominal: np.ndarray, cand: np.ndarray, sample, index: int, ifov_rad: float,
                    grid_step: int, grid_tol_px: float, clock=None):
    """Pixel-centre intercepts of a window (``grid.window_intercepts``) and their geometry.

    Returns hit (rows, cols) bool, points (H, 3), values ``{GEOMETRY_KEYS: (H,)}`` in ``np.nonzero(hit)``
    order, and the number of rays intercepted exactly. ``clock``: a stopwatch for the time breakdown.
    """
    if int(grid_step) < 2:                 # all exact: stay on the candidates, no window-sized arrays
        h, p, o, t = grid.exact_intercepts(geo, rays_nominal[cand], sample, index)
        hit = np.zeros(cand.shape, dtype=bool)
        hit[cand] = h
        points, obs, trgepc, n = p[h], o[h], t[h], int(h.size)
    else:
        w = grid.window_intercepts(geo, rays_nominal, cand, sample, index, ifov_rad, grid_step, grid_tol_px)
        hit, n = w.hit, w.exact
        points, obs, trgepc = w.points[hit], w.obs_body[hit], w.trgepc[hit]
    _lap(clock, "intercepts", n)
    values = grid.hit_geometry(geo, points, obs, trgepc, sample, index)
    _lap(clock, "angles+lonlat", points.shape[0])
    return hit, points, values, n


def sample_node(geo, scene, filter_name: str, rays_nominal: np.ndarray, sample, index: int,
                radius_km: float, margin_rad: float, subpixel_rays, n_sub: int, edge_rows: int = 1,
                keep_geometry: bool = False, ifov_rad: float | None = None, grid_step: int = 0,
                grid_tol_px: float = 1e-4, clock=None) -> NodeSample:
    """The scene on a window at one time sample.

    Parameters
    ----------
    rays_nominal : (rows, cols, 3) pixel-centre rays in the nominal camera frame.
    scene : the scene, or None for an empty sky.
    subpixel_rays : callable ``(rows_idx, cols_idx) -> (K * n_sub, 3)`` nominal-frame rays of the
        stratified sub-samples of the pixels ``(rows_idx, cols_idx)``, pixel by pixel.
    n_sub : sub-samples per edge pixel (1 = no supersampling).
    edge_rows : line radius of the edge band (see module doc).
    keep_geometry : keep the pixel centres' geometry (for the truth).
    ifov_rad : pixel angular size, for the scene's texture band limit (see ``intercept_iof``) and the
        interpolation tolerance's unit.
    grid_step, grid_tol_px : the pixel centres' intercepts come from ``grid.window_intercepts`` with these
        (exact on every ``grid_step``-th pixel and near the limb, verified interpolation inside the disk);
        ``grid_step < 2`` or no ``ifov_rad``: every pixel centre exact.
    clock : a stopwatch (``engine.Stopwatch``) given the time of each step, or None.
    """
    shape = rays_nominal.shape[:2]
    if scene is None:                      # scene turned off: an empty sky
        return NodeSample(iof=np.zeros(shape), hit=np.zeros(shape, dtype=bool), n_intercepts=0)
    cand = jupiter_cone_mask(rays_nominal, sample, index, radius_km, margin_rad)
    iof = np.zeros(shape)
    kept = {k: np.full(shape, np.nan) for k in GEOMETRY_KEYS} if keep_geometry else None
    step = int(grid_step) if ifov_rad else 1
    _lap(clock, "cone+setup")
    hit, points, values, n = window_geometry(geo, rays_nominal, cand, sample, index, ifov_rad or 1.0, step,
                                             grid_tol_px, clock)
    if points.shape[0]:
        iof[hit] = surface_iof(scene, filter_name, points, values, ifov_rad)
        _lap(clock, "scene", points.shape[0])
        if kept is not None:
            for k in GEOMETRY_KEYS:
                kept[k][hit] = values[k]
    if n_sub > 1 and np.any(cand):
        r_idx, c_idx = np.nonzero(edge_pixels(hit, edge_rows))
        if r_idx.size:
            sub = subpixel_rays(r_idx, c_idx)
            v, _, _ = intercept_iof(geo, scene, filter_name, sub, sample, index, ifov_rad)
            iof[r_idx, c_idx] = v.reshape(r_idx.size, n_sub).mean(axis=1)
            n += sub.shape[0]
            _lap(clock, "limb supersampling", sub.shape[0])
    return NodeSample(iof=iof, hit=hit, n_intercepts=n, geometry=kept)

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

from simulator.render import compiled, grid, hits

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


def jupiter_cone(sample, index: int, radius_km: float, margin_rad: float):
    """The cone around Jupiter's centre as ``(centre_cam, cos_half)``: rays ``r`` with ``r . centre_cam >=
    cos_half`` are inside (``cos_half = -2`` takes every ray: observer inside the sphere or cone too wide).

    Parameters
    ----------
    sample : ``GeometrySample``; uses ``obs_body``, ``j2000_to_body``, ``cam_to_j2000`` at ``index``.
    radius_km : largest radius of the body.
    margin_rad : extra half-angle.
    """
    obs = np.asarray(sample.obs_body[index], dtype=float)
    dist = float(np.linalg.norm(obs))
    body_to_cam = (sample.j2000_to_body[index] @ sample.cam_to_j2000[index]).T
    centre_cam = body_to_cam @ (-obs / dist) if dist > 0.0 else np.array([0.0, 0.0, 1.0])
    if dist <= radius_km:
        return centre_cam, -2.0
    half = np.arcsin(radius_km / dist) + margin_rad
    return centre_cam, (-2.0 if half >= np.pi else float(np.cos(half)))


def jupiter_cone_mask(rays_nominal: np.ndarray, sample, index: int, radius_km: float, margin_rad: float):
    """Bool mask of rays (..., 3) in the nominal JUNO_JUNOCAM frame within :func:`jupiter_cone`."""
    centre_cam, cos_half = jupiter_cone(sample, index, radius_km, margin_rad)
    if cos_half < -1.0:
        return np.ones(rays_nominal.shape[:-1], dtype=bool)
    return rays_nominal @ centre_cam >= cos_half


def edge_pixels(hit: np.ndarray, edge_rows: int = 1) -> np.ndarray:
    """Pixels within ``edge_rows`` lines and 1 sample of a hit-status change (bool, same shape).

    A pixel's neighbourhood (lines ``i - r .. i + r``, samples ``j - 1 .. j + 1``, cut at the array's
    border) holds both statuses exactly when it holds two adjacent pixels that differ, so the mask is the
    changes between neighbours along samples and along lines, each spread over the pixels whose
    neighbourhood holds both of its pixels (a few boolean passes instead of a min/max filter).
    """
    hit = np.asarray(hit, dtype=bool)
    r = max(1, int(edge_rows))
    rows, cols = hit.shape
    if rows == 0 or cols == 0:
        return np.zeros(hit.shape, dtype=bool)
    # A change between samples j and j + 1 of line k: pixels (i, j) and (i, j + 1) with |i - k| <= r.
    across = np.zeros((rows + 2 * r, cols), dtype=bool)
    across[r:r + rows, :-1] = hit[:, 1:] != hit[:, :-1]
    across[r:r + rows, 1:] |= across[r:r + rows, :-1]
    out = across[:rows].copy()
    for k in range(1, 2 * r + 1):
        out |= across[k:k + rows]
    # A change between lines k and k + 1 of sample j: pixels (i, j - 1 .. j + 1) with k - r < i <= k + r.
    down = hit[1:] != hit[:-1]
    spread = down.copy()
    spread[:, 1:] |= down[:, :-1]
    spread[:, :-1] |= down[:, 1:]
    for k in range(-r, r):                 # line i takes the change between lines i + k and i + k + 1
        lo, hi = max(0, -k), min(rows, rows - 1 - k)
        if lo < hi:
            out[lo:hi] |= spread[lo + k:hi + k]
    return out


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
                grid_tol_px: float = 1e-4, clock=None, rotation: np.ndarray | None = None) -> NodeSample:
    """The scene on a window at one time sample.

    Parameters
    ----------
    rays_nominal : (rows, cols, 3) pixel-centre rays in the nominal camera frame; with ``rotation`` (3, 3)
        camera-frame rays ``r`` whose nominal rays are ``rotation @ r`` (the fused path folds the rotation
        into its loop instead of rotating the window).
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
    step = int(grid_step) if ifov_rad else 1
    if step < 2 and compiled.supports(geo):
        return _sample_node_fused(geo, scene, filter_name, rays_nominal, sample, index, radius_km, margin_rad,
                                  subpixel_rays, n_sub, edge_rows, keep_geometry, ifov_rad, clock, rotation)
    if rotation is not None:
        rays_nominal = rays_nominal @ np.asarray(rotation).T
    cand = jupiter_cone_mask(rays_nominal, sample, index, radius_km, margin_rad)
    iof = np.zeros(shape)
    kept = {k: np.full(shape, np.nan) for k in GEOMETRY_KEYS} if keep_geometry else None
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
        n += _supersample_edges(geo, scene, filter_name, sample, index, iof, hit, subpixel_rays, n_sub,
                                edge_rows, ifov_rad, clock)
    return NodeSample(iof=iof, hit=hit, n_intercepts=n, geometry=kept)


def _supersample_edges(geo, scene, filter_name, sample, index, iof, hit, subpixel_rays, n_sub, edge_rows, ifov_rad,
                       clock, fused: bool = False) -> int:
    """Replace ``iof`` at the edge pixels of ``hit`` by their sub-sample means (in place); rays used.

    ``fused``: the sub-sample rays go through the parallel window loop as a (pixels, n_sub) window (every
    ray intersected: no cone), else through :func:`intercept_iof`; the same replicas either way."""
    # flatnonzero + divmod: np.nonzero's indices in its order, several times faster on a 2-D mask
    r_idx, c_idx = np.divmod(np.flatnonzero(edge_pixels(hit, edge_rows)), hit.shape[1])
    if not r_idx.size:
        return 0
    sub = subpixel_rays(r_idx, c_idx)
    if fused:
        sub_hit, geom, cosines = compiled.window_surface(geo, sub.reshape(r_idx.size, n_sub, 3), sample, index,
                                                         np.array([0.0, 0.0, 1.0]), -2.0, full=False)
        v = _scene_iof(scene, filter_name, sub_hit, geom, cosines, ifov_rad)
    else:
        v, _, _ = intercept_iof(geo, scene, filter_name, sub, sample, index, ifov_rad)
    iof[r_idx, c_idx] = v.reshape(r_idx.size, n_sub).mean(axis=1)
    _lap(clock, "limb supersampling", sub.shape[0])
    return sub.shape[0]


def _scene_iof(scene, filter_name, hit, geom, cosines, ifov_rad, clock=None) -> np.ndarray:
    """I/F on the window ``hit`` from the fused loop's geometry planes (0 off the body): Jupiter's albedo at
    the hits' planetographic latitude / west longitude (band-limited by their footprints) and the scene's
    photometry with the loop's cos i, cos e and cos phase. ``clock`` gets the laps "scene albedo" (gather
    and albedo) and "scene photometry" (photometry and scatter)."""
    if not hit.any():
        return np.zeros(hit.shape)
    lat, lon, range_km, cos_i, cos_e, cos_g = hits.gather(hit, geom, (1, 2, 6), cosines)   # one pass
    footprint = None if ifov_rad is None else range_km * ifov_rad
    albedo = scene.bodies[0].normal_albedo(filter_name, None, lat, lon, None, footprint)
    _lap(clock, "scene albedo", lat.size)
    iof = hits.scatter(hit, scene.photometry.iof(albedo, cos_i, cos_e, cos_g, filter_name))
    _lap(clock, "scene photometry", lat.size)
    return iof


def _sample_node_fused(geo, scene, filter_name, rays_nominal, sample, index, radius_km, margin_rad, subpixel_rays,
                       n_sub, edge_rows, keep_geometry, ifov_rad, clock, rotation=None) -> NodeSample:
    """:func:`sample_node` with the window's intercepts and geometry from one compiled parallel loop
    (``compiled.window_surface``: the same replicas, no gathers), then the scene on the hits."""
    centre_cam, cos_half = jupiter_cone(sample, index, radius_km, margin_rad)
    hit, geom, cosines = compiled.window_surface(geo, rays_nominal, sample, index, centre_cam, cos_half, rotation,
                                                 full=keep_geometry)
    n_hit = int(np.count_nonzero(hit))
    _lap(clock, "intercepts+angles", n_hit)
    iof = _scene_iof(scene, filter_name, hit, geom, cosines, ifov_rad, clock)
    n = n_hit
    if n_sub > 1 and n_hit:             # edges exist only around hits (as np.any(cand) guards it above)
        n += _supersample_edges(geo, scene, filter_name, sample, index, iof, hit, subpixel_rays, n_sub, edge_rows,
                                ifov_rad, clock, fused=True)
    kept = dict(zip(GEOMETRY_KEYS, geom)) if keep_geometry else None
    return NodeSample(iof=iof, hit=hit, n_intercepts=n, geometry=kept)

"""Compiled (numba) loops for the renderer's geometry hot paths, with the numpy replica as reference: the entry points.

The family (each module one concept; the per-ray functions are inlined into every loop that uses them):

* :mod:`~simulator.render.compiled_ray`: the per-ray scalar replica, ``_intercept_ray`` = ``Geometry.intercept``
  for ``LT`` / ``LT+S`` and ``_point_geometry`` = ``Geometry.illumination`` plus latitudes, longitude and range;
* :mod:`~simulator.render.compiled_trig`: the series sine of the light-time turns and our own branch-free arc
  tangent / arc cosine (:func:`_atan2`, :func:`_acos`: within ~2e-16 rad of the truth below pi/2, ~1 ulp above,
  where libm's scalar calls would keep the angle loops from vectorising; constants derived in
  docs/compiled_trig_fit.py);
* :mod:`~simulator.render.compiled_window`: the staged parallel loop over a framelet window;
* :mod:`~simulator.render.compiled_jit`: the numba decorators and the family's cache key.

This module: the serial loops :func:`intercepts` and :func:`hit_geometry` (over ray lists; used by ``grid`` and
the edge supersampling), :func:`window_surface` (one parallel loop over a whole framelet window: cone test,
intercept and geometry, written straight into window-shaped arrays; its bytes equal the serial loops'),
:func:`supports` and :func:`parallel_probe`.

Same mathematics as the numpy code (no fastmath); the summation order of the 3x3 products, ``sqrt(x^2 + y^2)``
for ``hypot``, a series for the sine of the tiny light-time turns and the own arc tangent / arc cosine differ by
rounding only, so results agree with the numpy path to ~1e-15 relative, and are deterministic (same inputs ->
identical bytes, whatever the thread count). Without numba, :data:`AVAILABLE` is False and the callers use the
numpy replica.
"""

from __future__ import annotations

import numpy as np

from simulator.render.compiled_jit import AVAILABLE, _jit, _jit_parallel, _prange
from simulator.render.compiled_ray import _intercept_ray, _observer_body, _point_geometry
from simulator.render.compiled_trig import SERIES_MAX_RAD, _acos, _atan2, _west_longitude  # noqa: F401 (tests)
from simulator.render.compiled_window import _window_kernel


@_jit
def _intercept_kernel(rays, cam_to_j2000, rot0, obs_j2000, target_vel, beta, stellar, lt, et, c_km_s,
                      radii, axis, rate, speed, obs_dist, points, obs_out, trgepc, shift, hit):
    inv_r = 1.0 / radii
    r_min = min(radii[0], min(radii[1], radii[2]))
    o0x, o0y, o0z = _observer_body(rot0, obs_j2000)
    for j in range(rays.shape[0]):
        ok, px, py, pz, ox, oy, oz, te, dt = _intercept_ray(
            rays[j, 0], rays[j, 1], rays[j, 2], cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel, beta,
            stellar, lt, et, c_km_s, inv_r, r_min, axis, rate, speed, obs_dist)
        hit[j] = ok
        points[j, 0], points[j, 1], points[j, 2] = px, py, pz
        obs_out[j, 0], obs_out[j, 1], obs_out[j, 2] = ox, oy, oz
        trgepc[j] = te
        shift[j] = dt


def supports(geo) -> bool:
    """True when :func:`intercepts` replicates ``geo.intercept`` (numba present, ``LT`` or ``LT+S``, and the
    replica's single retry of a grazing miss, ``MISS_RETRIES = 1``, that the loop implements)."""
    from simulator.geometry import MISS_RETRIES

    return AVAILABLE and geo.abcorr in ("LT", "LT+S") and MISS_RETRIES == 1


def _ray_arguments(geo, s, i: int) -> tuple:
    """The per-sample arguments of :func:`_intercept_ray` after the rays (camera turn to radii, spin, speeds)."""
    from simulator.geometry import C_KM_S

    spin = np.asarray(s.body_spin_body[i], dtype=np.float64)
    rate = float(np.linalg.norm(spin))
    axis = spin / rate if rate > 0 else np.array([0.0, 0.0, 1.0])
    obs_j = np.ascontiguousarray(s.obs_j2000[i], dtype=np.float64)
    return (np.ascontiguousarray(s.cam_to_j2000[i], dtype=np.float64),
            np.ascontiguousarray(s.j2000_to_body[i], dtype=np.float64), obs_j,
            np.ascontiguousarray(s.target_vel_ssb[i], dtype=np.float64),
            np.asarray(s.obs_vel_ssb[i], dtype=np.float64) / C_KM_S, geo.uses_stellar, float(s.lt[i]),
            float(s.et[i]), float(C_KM_S), np.asarray(geo.radii_km, dtype=np.float64), axis, rate,
            float(np.linalg.norm(s.target_vel_ssb[i])), float(np.linalg.norm(obs_j)))


def intercepts(geo, rays: np.ndarray, s, i: int):
    """``geo.intercept(rays, s, i)`` as arrays ``(hit, points, obs_body, trgepc, epoch_shift)``, compiled.

    ``points`` are NaN on misses. Requires :func:`supports`. Grazing misses get the replica's retry at their
    closest approach's light time in the same loop, so every ray gets ``intercept``'s answer.
    """
    rays = np.ascontiguousarray(np.asarray(rays, dtype=np.float64).reshape(-1, 3))
    m = rays.shape[0]
    points, obs = np.empty((m, 3)), np.empty((m, 3))
    trgepc, shift = np.empty(m), np.empty(m)
    hit = np.empty(m, dtype=np.bool_)
    _intercept_kernel(rays, *_ray_arguments(geo, s, i), points, obs, trgepc, shift, hit)
    return hit, points, obs, trgepc, shift


@_jit
def _geometry_kernel(p, obs, trgepc, epoch0, sun, vobs, vtgt, spin, axis, rate, turning, stellar, c_km_s,
                     radii, out):
    inv_c = 1.0 / c_km_s
    r2x, r2y, r2z = radii[0] ** 2, radii[1] ** 2, radii[2] ** 2
    for j in range(p.shape[0]):
        g = _point_geometry(p[j, 0], p[j, 1], p[j, 2], obs[j, 0], obs[j, 1], obs[j, 2], trgepc[j], epoch0, sun,
                            vobs, vtgt, spin, axis, rate, turning, stellar, inv_c, r2x, r2y, r2z)
        for q in range(7):
            out[j, q] = g[q]


def hit_geometry(geo, points: np.ndarray, obs_body: np.ndarray, trgepc: np.ndarray, s, i: int) -> dict:
    """``grid.hit_geometry`` compiled: ``{LAT_PC, LAT_PG, LON_W, INCIDENCE, EMISSION, PHASE, RANGE}`` (H,)."""
    from simulator.geometry import C_KM_S

    p = np.ascontiguousarray(points, dtype=np.float64).reshape(-1, 3)
    out = np.empty((p.shape[0], 7))
    spin = np.asarray(s.body_spin_body[i], dtype=np.float64)
    rate = float(np.linalg.norm(spin))
    axis = spin / rate if rate > 0 else np.array([0.0, 0.0, 1.0])
    rot0 = s.j2000_to_body[i]
    epoch0 = float(s.et[i] - s.lt[i])
    trg = np.ascontiguousarray(trgepc, dtype=np.float64).reshape(-1)
    turning = bool(rate != 0.0 and np.any(trg - epoch0))
    _geometry_kernel(p, np.ascontiguousarray(np.broadcast_to(obs_body, p.shape), dtype=np.float64), trg, epoch0,
                     np.asarray(s.sun_body[i], dtype=np.float64), rot0 @ s.obs_vel_ssb[i],
                     rot0 @ s.target_vel_ssb[i], spin, axis, rate, turning, geo.uses_stellar, float(C_KM_S),
                     np.asarray(geo.radii_km, dtype=np.float64), out)
    keys = ("LAT_PC", "LAT_PG", "LON_W", "INCIDENCE", "EMISSION", "PHASE", "RANGE")
    return {k: np.ascontiguousarray(out[:, n]) for n, k in enumerate(keys)}


@_jit_parallel
def parallel_probe(n):
    """A trivial parallel loop: running it makes numba choose its threading layer (``workers.py`` asks which)."""
    total = 0.0
    for k in _prange(n):
        total += k
    return total


def window_surface(geo, rays: np.ndarray, s, i: int, centre_cam: np.ndarray, cos_half: float,
                   rotation: np.ndarray | None = None, full: bool = True):
    """Intercepts and geometry of a window's pixel-centre rays in one parallel loop (no gathers).

    The rays inside the cone ``rays . centre_cam >= cos_half`` get :func:`intercepts` and, where they hit,
    :func:`hit_geometry`; rays outside it are misses. Requires :func:`supports`. Rows run in parallel
    (numba threads); every pixel is computed independently, so the result does not depend on the thread count.

    Parameters
    ----------
    rays : (rows, cols, 3) unit rays in the nominal camera frame, or with ``rotation`` camera rays ``r`` whose
        nominal-frame rays are ``rotation @ r`` (the true-attitude correction; folded into the loop's
        camera-to-J2000 matrix and the cone axis, so no rotated copy of the window is made).
    centre_cam, cos_half : the cone around the body's centre in the nominal frame (``sampling.jupiter_cone``).
    full : all seven planes; False: only what the picture needs (LAT_PG, LON_W, RANGE and the cosines), the
        other planes NaN (stage nodes whose geometry the truth does not reuse skip four inverse trigonometric
        functions per pixel).

    Returns
    -------
    hit : (rows, cols) bool.
    geom : (7, rows, cols) float64, ``GEOMETRY_KEYS`` order (LAT_PC, LAT_PG, LON_W, INCIDENCE, EMISSION, PHASE,
        RANGE), NaN off the body.
    cosines : (3, rows, cols) float64, cos(incidence), cos(emission) and cos(phase) (0 off the body), the
        unrounded values the angles are the arc cosines of (the photometry's inputs, so no angle round trip).
    """
    rays = np.ascontiguousarray(rays, dtype=np.float64)
    shape = rays.shape[:2]
    hit = np.empty(shape, dtype=np.bool_)
    geom, cosines = np.empty((7,) + shape), np.empty((3,) + shape)
    args = _ray_arguments(geo, s, i)
    centre = np.asarray(centre_cam, dtype=np.float64)
    if rotation is not None:
        rotation = np.asarray(rotation, dtype=np.float64)
        args = (np.ascontiguousarray(args[0] @ rotation),) + args[1:]
        centre = rotation.T @ centre
    rot0, spin = args[1], np.asarray(s.body_spin_body[i], dtype=np.float64)
    _window_kernel(rays, np.ascontiguousarray(centre), float(cos_half), *args,
                   float(s.et[i] - s.lt[i]), np.asarray(s.sun_body[i], dtype=np.float64), rot0 @ s.obs_vel_ssb[i],
                   rot0 @ s.target_vel_ssb[i], spin, args[11] != 0.0, bool(full), hit, geom, cosines)
    return hit, geom, cosines

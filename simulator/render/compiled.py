"""Compiled (numba) per-ray kernels for the renderer's geometry hot loops, with the numpy replica as reference.

Per-ray functions (inlined into every loop that uses them):

* :func:`_intercept_ray` = ``Geometry.intercept`` for ``LT`` / ``LT+S`` (SPICE's single light-time update):
  the camera-to-J2000 turn, the inverse stellar aberration, the pass at the centre's epoch, a grazing miss's
  retry at its closest approach's light time (unless it clears the body at any retry epoch,
  ``Geometry._clear_miss``), the pass at the first point's light time (body moved and turned to that epoch);
* :func:`_point_geometry` = ``Geometry.illumination`` (ilumin replica, per-point epoch and stellar
  aberration) plus planetocentric/planetographic latitude, west longitude and range.

Loops: :func:`intercepts` and :func:`hit_geometry` (serial, over ray lists; used by ``grid`` and the edge
supersampling) and :func:`window_surface` (one parallel loop over a whole framelet window: cone test, intercept
and geometry, written straight into window-shaped arrays; within a row staged into branch-free column loops
that vectorise, with the per-ray functions above as the exact fix-up of the rare pixels off the common path,
so its bytes equal the serial loops').

Same mathematics as the numpy code (no fastmath); the summation order of the 3x3 products, ``sqrt(x^2 + y^2)``
for ``hypot``, a series for the sine of the tiny light-time turns and our own branch-free arc tangent / arc
cosine (:func:`_atan2`, :func:`_acos`: within ~2e-16 rad of the truth below pi/2, ~1 ulp above, where libm's
scalar calls would keep the angle loops from vectorising; constants derived in docs/compiled_trig_fit.py)
differ by rounding only, so results agree with the numpy path to ~1e-15 relative, and are deterministic (same
inputs -> identical bytes, whatever the thread count). Without numba, :data:`AVAILABLE` is False and the callers
use the numpy replica.
"""

from __future__ import annotations

import math

import numpy as np

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; the numpy path is the fallback
    numba = None

AVAILABLE = numba is not None and not numba.config.DISABLE_JIT   # NUMBA_DISABLE_JIT=1: the numpy replicas


def _jit(fn):
    return numba.njit(cache=True, nogil=True)(fn) if numba is not None else fn


def _jit_inline(fn):
    """Per-ray functions: inlined into each loop at numba's IR level (calls with array arguments are costly)."""
    return numba.njit(cache=True, nogil=True, inline="always")(fn) if numba is not None else fn


@_jit_inline
def _unit3(x, y, z):
    inv = 1.0 / math.sqrt(x * x + y * y + z * z)     # one division, three products (last-bit rounding only)
    return x * inv, y * inv, z * inv


@_jit_inline
def _intersect(ox, oy, oz, dx, dy, dz, inv_r):
    """``Geometry._intersect`` for one ray: distance to the near root, NaN on a miss (:func:`_near_root`)."""
    return _near_root(ox, oy, oz, dx, dy, dz, inv_r[0], inv_r[1], inv_r[2])


@_jit_inline
def _near_root(ox, oy, oz, dx, dy, dz, irx, iry, irz):
    """Distance along a body-frame ray to the near root of the scaled ellipsoid, NaN on a miss; branch-free
    (one ``select``, so the column loops vectorise: the root is computed either way and discarded off the
    hit condition)."""
    dsx, dsy, dsz = dx * irx, dy * iry, dz * irz
    osx, osy, osz = ox * irx, oy * iry, oz * irz
    a = dsx * dsx + dsy * dsy + dsz * dsz
    b = osx * dsx + osy * dsy + osz * dsz
    c = (osx * osx + osy * osy + osz * osz) - 1.0
    disc = b * b - a * c
    root = c / (-b + math.sqrt(disc))
    return root if (c > 0.0) & (b < 0.0) & (disc >= 0.0) & (a > 0.0) else np.nan


SERIES_MAX_RAD = 1e-3   # |x| below which _sin's series is exact to the last bit


@_jit_inline
def _sin_series(x):
    """The series to x^7 of ``sin(x)``, exact to the last bit for ``|x| < SERIES_MAX_RAD`` (next term
    x^9 / 9! < 1e-33 relative)."""
    x2 = x * x
    return x - x * x2 * (1.0 / 6.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 5040.0)))


@_jit_inline
def _sin(x):
    """``sin(x)``; the angles here are light-time turns (~1e-7 rad), where the series to x^7 is exact to the
    last bit and far cheaper than the library call."""
    if abs(x) < SERIES_MAX_RAD:
        return _sin_series(x)
    return math.sin(x)


@_jit_inline
def _turn(vx, vy, vz, kx, ky, kz, s, omc):
    """Rodrigues: ``v + s (k x v) + omc (k x (k x v))`` for the unit axis ``k`` (``geometry._rotate``)."""
    ax, ay, az = ky * vz - kz * vy, kz * vx - kx * vz, kx * vy - ky * vx
    bx, by, bz = ky * az - kz * ay, kz * ax - kx * az, kx * ay - ky * ax
    return vx + ax * s + bx * omc, vy + ay * s + by * omc, vz + az * s + bz * omc


@_jit_inline
def _pass_at(dt, dx, dy, dz, rot0, o0x, o0y, o0z, obs_j2000, target_vel, axis, rate, inv_r):
    """``Geometry._pass`` for one ray: the observer and the ray in the body frame at epoch ``et - lt + dt`` and
    the distance to the near intersection (NaN on a miss). ``dt = 0`` is the centre's epoch (no turn)."""
    bx = rot0[0, 0] * dx + rot0[0, 1] * dy + rot0[0, 2] * dz
    by = rot0[1, 0] * dx + rot0[1, 1] * dy + rot0[1, 2] * dz
    bz = rot0[2, 0] * dx + rot0[2, 1] * dy + rot0[2, 2] * dz
    if dt == 0.0:
        return o0x, o0y, o0z, bx, by, bz, _intersect(o0x, o0y, o0z, bx, by, bz, inv_r)
    ojx, ojy, ojz = obs_j2000[0] - dt * target_vel[0], obs_j2000[1] - dt * target_vel[1], \
        obs_j2000[2] - dt * target_vel[2]
    ang = -rate * dt
    s = _sin(ang)
    h = _sin(0.5 * ang)
    omc = 2.0 * h * h
    ox = rot0[0, 0] * ojx + rot0[0, 1] * ojy + rot0[0, 2] * ojz
    oy = rot0[1, 0] * ojx + rot0[1, 1] * ojy + rot0[1, 2] * ojz
    oz = rot0[2, 0] * ojx + rot0[2, 1] * ojy + rot0[2, 2] * ojz
    ox, oy, oz = _turn(ox, oy, oz, axis[0], axis[1], axis[2], s, omc)
    bx, by, bz = _turn(bx, by, bz, axis[0], axis[1], axis[2], s, omc)
    return ox, oy, oz, bx, by, bz, _intersect(ox, oy, oz, bx, by, bz, inv_r)


@_jit_inline
def _closest_approach(ox, oy, oz, bx, by, bz, inv_r):
    """Distance along a body-frame ray to its closest approach to the scaled ellipsoid (>= 0) and the gap
    there (scaled units, ``Geometry._clear_miss``)."""
    return _closest_approach_s(ox, oy, oz, bx, by, bz, inv_r[0], inv_r[1], inv_r[2])


@_jit_inline
def _closest_approach_s(ox, oy, oz, bx, by, bz, irx, iry, irz):
    """:func:`_closest_approach` with the inverse radii as scalars."""
    osx, osy, osz = ox * irx, oy * iry, oz * irz
    dsx, dsy, dsz = bx * irx, by * iry, bz * irz
    t_near = max(-(osx * dsx + osy * dsy + osz * dsz) / (dsx * dsx + dsy * dsy + dsz * dsz), 0.0)
    gx, gy, gz = osx + t_near * dsx, osy + t_near * dsy, osz + t_near * dsz
    return t_near, math.sqrt(gx * gx + gy * gy + gz * gz) - 1.0


@_jit_inline
def _intercept_ray(rx, ry, rz, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel, beta, stellar, lt, et,
                   c_km_s, inv_r, r_min, axis, rate, speed, obs_dist):
    """One ray's ``Geometry.intercept`` for ``LT`` / ``LT+S`` (one light-time update after the first hit, one
    retry of a grazing miss at its closest approach's light time: ``MISS_RETRIES = 1``).

    Returns ``(hit, px, py, pz, ox, oy, oz, trgepc, shift)``: the point (NaN on a miss), the observer in the body
    frame of the last pass, sincpt's target epoch and the last pass's epoch shift."""
    dx = cam_to_j2000[0, 0] * rx + cam_to_j2000[0, 1] * ry + cam_to_j2000[0, 2] * rz
    dy = cam_to_j2000[1, 0] * rx + cam_to_j2000[1, 1] * ry + cam_to_j2000[1, 2] * rz
    dz = cam_to_j2000[2, 0] * rx + cam_to_j2000[2, 1] * ry + cam_to_j2000[2, 2] * rz
    dx, dy, dz = _unit3(dx, dy, dz)
    if stellar:     # remove_stellar_aberration: unit(unit(a) - v / c)
        dx, dy, dz = _unit3(dx, dy, dz)
        dx, dy, dz = _unit3(dx - beta[0], dy - beta[1], dz - beta[2])
    # Pass 1: the body at the centre's epoch.
    ox, oy, oz, bx, by, bz, t = _pass_at(0.0, dx, dy, dz, rot0, o0x, o0y, o0z, obs_j2000, target_vel, axis, rate,
                                         inv_r)
    dt = 0.0
    if not (t == t):
        t_near, gap = _closest_approach(ox, oy, oz, bx, by, bz, inv_r)
        move_km = abs(lt - t_near / c_km_s) * (speed + rate * (obs_dist + t_near))
        if gap > 2.0 * move_km / r_min:       # clears the body at any retry epoch (_clear_miss): final
            return False, np.nan, np.nan, np.nan, ox, oy, oz, et - lt, 0.0
        # The retry at the closest approach's light time.
        dt = lt - t_near / c_km_s
        ox, oy, oz, bx, by, bz, t = _pass_at(dt, dx, dy, dz, rot0, o0x, o0y, o0z, obs_j2000, target_vel, axis,
                                             rate, inv_r)
        if not (t == t):
            return False, np.nan, np.nan, np.nan, ox, oy, oz, et - lt + dt, dt
    # The light-time update: the body at the first point's emission epoch.
    dt = lt - t / c_km_s
    ox, oy, oz, bx, by, bz, t = _pass_at(dt, dx, dy, dz, rot0, o0x, o0y, o0z, obs_j2000, target_vel, axis, rate,
                                         inv_r)
    if t == t:
        return True, ox + t * bx, oy + t * by, oz + t * bz, ox, oy, oz, et - t / c_km_s, dt
    return False, np.nan, np.nan, np.nan, ox, oy, oz, et - lt + dt, dt


@_jit_inline
def _observer_body(rot0, obs_j2000):
    """The observer at the centre's epoch in the body frame (one for all rays)."""
    o0x = rot0[0, 0] * obs_j2000[0] + rot0[0, 1] * obs_j2000[1] + rot0[0, 2] * obs_j2000[2]
    o0y = rot0[1, 0] * obs_j2000[0] + rot0[1, 1] * obs_j2000[1] + rot0[1, 2] * obs_j2000[2]
    o0z = rot0[2, 0] * obs_j2000[0] + rot0[2, 1] * obs_j2000[1] + rot0[2, 2] * obs_j2000[2]
    return o0x, o0y, o0z


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


@_jit_inline
def _aberrate(ux, uy, uz, bx, by, bz):
    """``geometry._aberrated_unit`` for one unit vector and ``beta = v / c``."""
    ub = ux * bx + uy * by + uz * bz
    px, py, pz = bx - ub * ux, by - ub * uy, bz - ub * uz
    cos_phi = math.sqrt(1.0 - (px * px + py * py + pz * pz))
    return ux * cos_phi + px, uy * cos_phi + py, uz * cos_phi + pz


@_jit_inline
def _clipped_dot(ax, ay, az, bx, by, bz):
    return min(max(ax * bx + ay * by + az * bz, -1.0), 1.0)


# Inverse trigonometric functions of our own, branch-free (selects only), so that the staged column loops that
# call them vectorise (libm's atan2 / acos are scalar calls; numba here has no vector math library). The
# constants are derived in docs/compiled_trig_fit.py (a Chebyshev fit at 50 digits, near-minimax).
_ATAN_G = (-0.3333333333333333, 0.19999999999994625, -0.14285714284481354, 0.11111111000512125,
           -0.09090903985088337, 0.07692169552474755, -0.06664321264177807, 0.05856513298321132,
           -0.050769758261098086, 0.03898927985218631, -0.018882987965693)   # g(w), lowest power first
_ASIN_R = (0.16666666666666669, 0.07499999999998203, 0.04464285714683096, 0.03038194410041065,
           0.022372174512465433, 0.017352354733918707, 0.013971793108030603, 0.011473366495702205,
           0.01036151628584757, 0.005287748208059138, 0.017871852416757577, -0.015600740177237823,
           0.029277666708692415)   # r(z), lowest power first
_PI_4_HI, _PI_4_LO = 0.7853981633974456, 2.6951514290790595e-15   # pi/4 = HI + LO; HI has 48 bits: q HI exact, q <= 4
_TAN_PI_8 = 0.41421356237309503
_HUGE = 1e300               # pairs above it are halved (num + den could overflow) ...
_TINY = 1e-300              # ... and pairs below it scaled by 2^600 (tan(pi/8) den would round as a subnormal)
_TINY_SCALE = 2.0 ** 600


@_jit_inline
def _atan_reduced(v):
    """``atan(v)`` for ``|v| <= tan(pi/8)`` (+2 %): ``v + v w g(w)``, ``w = v^2``, ``g`` the fitted polynomial
    (fit error < 3e-18 rad, docs/compiled_trig_fit.py) in Estrin's scheme (shorter dependency chains than
    Horner's: ~20 % faster in the vectorised loops)."""
    w = v * v
    w2 = w * w
    w4 = w2 * w2
    g0 = (_ATAN_G[0] + w * _ATAN_G[1]) + w2 * (_ATAN_G[2] + w * _ATAN_G[3])
    g1 = (_ATAN_G[4] + w * _ATAN_G[5]) + w2 * (_ATAN_G[6] + w * _ATAN_G[7])
    g2 = (_ATAN_G[8] + w * _ATAN_G[9]) + w2 * _ATAN_G[10]
    return v + v * (w * (g0 + w4 * (g1 + w4 * g2)))


@_jit_inline
def _atan2(y, x):
    """``math.atan2(y, x)`` without branches (vectorises): same quadrants, signed zeros, infinities and NaNs.

    Reduction: ``t = min(|x|, |y|) / max(|x|, |y|)`` in [0, 1]; past tan(pi/8), ``atan(t) = pi/4 + atan(v)`` with
    ``v = (num - den) / (num + den)`` (from the unrounded pair, scaled by a power of 2 beyond 1e+-300); then
    ``angle = C + sign * atan(v)`` with ``C`` a multiple ``q`` of pi/4 added as ``q hi + (q lo + sign atan(v))``
    (``hi`` has 48 bits: ``q hi`` is exact).
    Error against mpmath (docs/compiled_trig_fit.py --check; tests/test_compiled_trig.py against libm):
    <= 1.8e-16 rad for results below pi/2 (<= 2.8 ulp, the most in [0.39, 0.5) rad, where the reduced argument's
    rounding shows), <= 3.6e-16 rad (< 1 ulp) up to pi; libm is within ~0.5 ulp. Exact: ``atan2(+-0, x > 0) =
    +-0``, ``atan2(+-0, x < 0) = +-pi`` (the nearest double, never beyond it), ``atan2(+-0, +-0)`` as libm,
    ``atan2(+-inf, +-inf) = +-pi/4, +-3pi/4``, ``atan2(y, 0) = +-pi/2``; NaN in -> NaN out."""
    ax, ay = abs(x), abs(y)
    both_inf = (ax == np.inf) & (ay == np.inf)
    ax = 1.0 if both_inf else ax
    ay = 1.0 if both_inf else ay
    swap = ay > ax
    num = ax if swap else ay            # min, max (NaN falls through to v)
    den = ay if swap else ax
    scale = _TINY_SCALE if den < _TINY else 1.0     # powers of 2: the ratio is kept
    scale = 0.5 if den > _HUGE else scale
    num, den = num * scale, den * scale
    big = num > _TAN_PI_8 * den
    n = num - den if big else num
    d = num + den if big else den
    d = 1.0 if d == 0.0 else d          # atan2(+-0, +-0): v = 0
    a = _atan_reduced(n / d)
    # angle = C + sign * a: C = pi/4 (big) or 0, then pi/2 - C (swap), then pi - C (x < 0 or x = -0)
    q = 1.0 if big else 0.0
    q = 2.0 - q if swap else q
    neg_x = math.copysign(1.0, x) < 0.0
    q = 4.0 - q if neg_x else q
    sign = -1.0 if swap != neg_x else 1.0
    return math.copysign(q * _PI_4_HI + (q * _PI_4_LO + sign * a), y)


@_jit_inline
def _acos(c):
    """``math.acos(c)`` without branches (vectorises), from ``asin(s) = s + s z r(z)``, ``z = s^2 <= 1/4``:
    ``pi/2 - asin(c)`` for ``|c| <= 1/2``; beyond, ``2 asin(sqrt(z))`` with ``z = (1 - |c|) / 2`` (exact), or
    ``pi`` minus that for negative ``c`` (``r`` fitted in docs/compiled_trig_fit.py, fit error < 3e-18 rad; no
    division, so about twice as fast as ``atan2(sqrt(1 - c^2), c)`` here).

    Error against mpmath (docs/compiled_trig_fit.py --check; tests/test_compiled_trig.py against libm):
    <= 1.1 ulp of the result, i.e. <= 2.2e-16 rad for results below pi/2 and <= 4.9e-16 rad up to pi (the square
    root's and the sum's roundings); libm is within ~0.5 ulp. Exact: ``acos(1) = 0``, ``acos(-1) = pi`` (the
    nearest double), ``acos(+-0) = pi/2``; NaN or ``|c| > 1`` -> NaN (libm raises there; the callers clip to
    [-1, 1])."""
    ac = abs(c)
    tail = ac > 0.5
    z = 0.5 * (1.0 - ac) if tail else c * c
    s = math.sqrt(z)                    # NaN for |c| > 1 (computed either way: a select, not a branch)
    s = s if tail else c
    z2 = z * z
    z4 = z2 * z2
    r0 = (_ASIN_R[0] + z * _ASIN_R[1]) + z2 * (_ASIN_R[2] + z * _ASIN_R[3])
    r1 = (_ASIN_R[4] + z * _ASIN_R[5]) + z2 * (_ASIN_R[6] + z * _ASIN_R[7])
    r2 = (_ASIN_R[8] + z * _ASIN_R[9]) + z2 * (_ASIN_R[10] + z * _ASIN_R[11])
    a = s + s * (z * (r0 + z4 * (r1 + z4 * (r2 + z4 * _ASIN_R[12]))))     # asin(s)
    # acos = q pi/4 + m asin(s): q = 2, m = -1 (|c| <= 1/2); q = 0, m = 2 (c > 1/2); q = 4, m = -2 (c < -1/2)
    neg = c < 0.0
    q = (4.0 if neg else 0.0) if tail else 2.0
    m = (-2.0 if neg else 2.0) if tail else -1.0
    return q * _PI_4_HI + (q * _PI_4_LO + m * a)


@_jit_inline
def _west_longitude(px, py):
    """System III west longitude in [0, 360) deg of a body-fixed point (``% 360`` as a conditional add)."""
    lon = -np.degrees(_atan2(py, px))       # (-180, 180]: Python's `% 360` is a conditional add here
    lon = lon + 360.0 if lon < 0.0 else lon + 0.0  # (+ 0.0 turns -0.0 into 0.0, as % does)
    return 0.0 if lon >= 360.0 else lon


@_jit_inline
def _surface_vectors(px, py, pz, obx, oby, obz, sx, sy, sz, vox, voy, voz, vtx, vty, vtz, w0, w1, w2, stellar, inv_c,
                     r2x, r2y, r2z):
    """The branch-free part of ilumin at one point, given the Sun and velocities already turned to its epoch.

    Returns ``(qz, qr, pr, cos_i, cos_e, cos_g, range)``: the latitudes are ``atan2(qz, qr)`` (planetographic)
    and ``atan2(pz, pr)`` (planetocentric), the angles the arc cosines of the clipped cosines."""
    ex, ey, ez = _unit3(obx - px, oby - py, obz - pz)
    lx, ly, lz = _unit3(sx - px, sy - py, sz - pz)
    if stellar:
        ax, ay, az = _aberrate(-ex, -ey, -ez, vox * inv_c, voy * inv_c, voz * inv_c)
        ex, ey, ez = -ax, -ay, -az
        wx = vtx + (w1 * pz - w2 * py)
        wy = vty + (w2 * px - w0 * pz)
        wz = vtz + (w0 * py - w1 * px)
        lx, ly, lz = _aberrate(lx, ly, lz, wx * inv_c, wy * inv_c, wz * inv_c)
    qx, qy, qz = px / r2x, py / r2y, pz / r2z
    nx, ny, nz = _unit3(qx, qy, qz)
    fx, fy, fz = px - obx, py - oby, pz - obz
    # sqrt(x^2 + y^2) rather than hypot (no overflow possible at km scale; hypot costs a library call)
    return (qz, math.sqrt(qx * qx + qy * qy), math.sqrt(px * px + py * py), _clipped_dot(nx, ny, nz, lx, ly, lz),
            _clipped_dot(nx, ny, nz, ex, ey, ez), _clipped_dot(lx, ly, lz, ex, ey, ez),
            math.sqrt(fx * fx + fy * fy + fz * fz))


@_jit_inline
def _point_geometry(px, py, pz, obx, oby, obz, trgepc, epoch0, sun, vobs, vtgt, spin, axis, rate, turning, stellar,
                    inv_c, r2x, r2y, r2z, full=True):
    """One hit point's ilumin angles, latitudes, longitude and range (see :func:`hit_geometry`).

    Returns ``(lat_pc, lat_pg, lon_w, incidence, emission, phase, range, cos_i, cos_e, cos_phase)`` (deg, km).
    Without ``full`` only what the picture needs (lat_pg, lon_w, range and the cosines): the others are NaN (no
    arc cosines, no planetocentric latitude)."""
    # the body-frame vectors at et - lt turned to this point's epoch (Geometry._turner)
    sx, sy, sz = sun[0], sun[1], sun[2]
    vox, voy, voz = vobs[0], vobs[1], vobs[2]
    vtx, vty, vtz = vtgt[0], vtgt[1], vtgt[2]
    if turning:
        ang = -rate * (trgepc - epoch0)
        s = _sin(ang)
        h = _sin(0.5 * ang)
        omc = 2.0 * h * h
        sx, sy, sz = _turn(sx, sy, sz, axis[0], axis[1], axis[2], s, omc)
        vox, voy, voz = _turn(vox, voy, voz, axis[0], axis[1], axis[2], s, omc)
        vtx, vty, vtz = _turn(vtx, vty, vtz, axis[0], axis[1], axis[2], s, omc)
    qz, qr, pr, cos_i, cos_e, cos_g, rng = _surface_vectors(px, py, pz, obx, oby, obz, sx, sy, sz, vox, voy, voz,
                                                            vtx, vty, vtz, spin[0], spin[1], spin[2], stellar, inv_c,
                                                            r2x, r2y, r2z)
    lat_pg = np.degrees(_atan2(qz, qr))
    lon = _west_longitude(px, py)
    if not full:
        return np.nan, lat_pg, lon, np.nan, np.nan, np.nan, rng, cos_i, cos_e, cos_g
    return (np.degrees(_atan2(pz, pr)), lat_pg, lon, np.degrees(_acos(cos_i)), np.degrees(_acos(cos_e)),
            np.degrees(_acos(cos_g)), rng, cos_i, cos_e, cos_g)


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


def _jit_parallel(fn):
    return numba.njit(cache=True, nogil=True, parallel=True)(fn) if numba is not None else fn


_prange = numba.prange if numba is not None else range


@_jit_parallel
def parallel_probe(n):
    """A trivial parallel loop: running it makes numba choose its threading layer (``workers.py`` asks which)."""
    total = 0.0
    for k in _prange(n):
        total += k
    return total


def _jit_columns(fn):
    """Staged row loops: ``error_model="numpy"`` (a division by zero gives inf/NaN instead of a raise check per
    division, which would keep the column loops from vectorising). No fastmath: every operation is the scalar
    functions' own, in their order, so the values are bit-identical to them."""
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn) if numba is not None else fn


@_jit_columns
def _exact_pixel(rx, ry, rz, r, c, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel, beta, stellar, lt, et,
                 c_km_s, inv_r, r_min, axis, rate, speed, obs_dist, epoch0, sun, vobs, vtgt, spin, turning, inv_c,
                 r2x, r2y, r2z, full, hit, geom, cosines):
    """One in-cone pixel by the reference per-ray functions (the staged loops' fix-up; rare, so a plain call).
    Writes the hit flag, and the geometry only on a hit (the caller set the off-body values)."""
    ok, px, py, pz, ox, oy, oz, te, dt = _intercept_ray(
        rx, ry, rz, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel, beta, stellar, lt, et, c_km_s, inv_r,
        r_min, axis, rate, speed, obs_dist)
    hit[r, c] = ok
    if ok:
        g = _point_geometry(px, py, pz, ox, oy, oz, te, epoch0, sun, vobs, vtgt, spin, axis, rate, turning, stellar,
                            inv_c, r2x, r2y, r2z, full)
        for q in range(7):
            geom[q, r, c] = g[q]
        cosines[0, r, c] = g[7]
        cosines[1, r, c] = g[8]
        cosines[2, r, c] = g[9]


@_jit_inline
def _off_body(r, c, hit, geom, cosines):
    """A pixel off the body: no hit, NaN geometry, zero cosines."""
    hit[r, c] = False
    for q in range(7):
        geom[q, r, c] = np.nan
    cosines[0, r, c] = 0.0
    cosines[1, r, c] = 0.0
    cosines[2, r, c] = 0.0


# The staged loops' scratch: one flat array of N_WORK blocks of BLOCK values (a compile-time size, so the
# compiler sees that the blocks never overlap and needs no run-time alias checks to vectorise).
BLOCK = 256
N_WORK = 16
_RX, _RY, _RZ, _BX, _BY, _BZ, _T1, _PX, _PY, _PZ, _OX, _OY, _OZ, _TE, _FIX, _CLR = range(0, N_WORK * BLOCK, BLOCK)
_CI, _CE, _CG, _RG, _QZ, _QR, _PR = _RX, _RY, _RZ, _BX, _BY, _BZ, _T1   # stage 3 reuses stage 1's blocks
# stage 4 writes the angles (deg) in place of inputs it no longer needs, or into pass 2's spare blocks (the
# cosines stay: stage 5 writes them out for the photometry; the phase goes to the miss test's spent block)
_LAT_PG, _LAT_PC, _PHA, _LON, _INC, _EMI = _QZ, _PR, _CLR, _OX, _OY, _OZ


@_jit_columns
def _window_row(rays, r, n_cols, centre_cam, cos_half, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel,
                beta, stellar, lt, et, c_km_s, inv_r, r_min, axis, rate, speed, obs_dist, epoch0, sun, vobs, vtgt,
                spin, turning, inv_c, r2x, r2y, r2z, full, hit, geom, cosines, w, cols):
    """One window row of :func:`_window_kernel`, staged: short loops over the row's in-cone columns, each a
    branch-free (``select``) part of :func:`_intercept_ray` / :func:`_point_geometry`, so that the columns'
    long dependent chains overlap and vectorise, the arc tangents / cosines included (:func:`_atan2`,
    :func:`_acos`); then a scalar loop writes the outputs.

    The staged loops take the common path: a hit at the centre's epoch, then the light-time pass with the
    series sine, or a miss there that clears the body at any retry epoch (final). A pixel off it (a grazing
    miss: the retry; a turn angle the series does not cover; a zero epoch shift, which :func:`_pass_at` takes
    without a turn) is flagged and recomputed by the reference functions (:func:`_exact_pixel`). Same
    operations in the same order: bit-identical values.
    ``w`` (N_WORK * BLOCK,) and ``cols`` (n_cols,) are the caller's scratch (overwritten)."""
    # the constants as scalars (loads from arrays the loops might write could not be hoisted)
    k0, k1, k2 = centre_cam[0], centre_cam[1], centre_cam[2]
    m00, m01, m02 = cam_to_j2000[0, 0], cam_to_j2000[0, 1], cam_to_j2000[0, 2]
    m10, m11, m12 = cam_to_j2000[1, 0], cam_to_j2000[1, 1], cam_to_j2000[1, 2]
    m20, m21, m22 = cam_to_j2000[2, 0], cam_to_j2000[2, 1], cam_to_j2000[2, 2]
    b0x, b0y, b0z = beta[0], beta[1], beta[2]
    a00, a01, a02 = rot0[0, 0], rot0[0, 1], rot0[0, 2]
    a10, a11, a12 = rot0[1, 0], rot0[1, 1], rot0[1, 2]
    a20, a21, a22 = rot0[2, 0], rot0[2, 1], rot0[2, 2]
    irx, iry, irz = inv_r[0], inv_r[1], inv_r[2]
    objx, objy, objz = obs_j2000[0], obs_j2000[1], obs_j2000[2]
    tvx, tvy, tvz = target_vel[0], target_vel[1], target_vel[2]
    kx, ky, kz = axis[0], axis[1], axis[2]
    sun_x, sun_y, sun_z = sun[0], sun[1], sun[2]
    vo_x, vo_y, vo_z = vobs[0], vobs[1], vobs[2]
    vt_x, vt_y, vt_z = vtgt[0], vtgt[1], vtgt[2]
    w0, w1, w2 = spin[0], spin[1], spin[2]

    # Stage 0: the in-cone columns; the others are off the body.
    m = 0
    for c in range(n_cols):
        if rays[r, c, 0] * k0 + rays[r, c, 1] * k1 + rays[r, c, 2] * k2 >= cos_half:
            cols[m] = c
            m += 1
        else:
            _off_body(r, c, hit, geom, cosines)
    for start in range(0, m, BLOCK):
        nb = min(BLOCK, m - start)
        for k in range(nb):
            c = cols[start + k]
            w[_RX + k], w[_RY + k], w[_RZ + k] = rays[r, c, 0], rays[r, c, 1], rays[r, c, 2]
        # Stage 1: the J2000 direction (stellar aberration removed), the body-frame ray and pass 1's root.
        for k in range(nb):
            rx, ry, rz = w[_RX + k], w[_RY + k], w[_RZ + k]
            dx, dy, dz = _unit3(m00 * rx + m01 * ry + m02 * rz, m10 * rx + m11 * ry + m12 * rz,
                                m20 * rx + m21 * ry + m22 * rz)
            if stellar:
                dx, dy, dz = _unit3(dx, dy, dz)
                dx, dy, dz = _unit3(dx - b0x, dy - b0y, dz - b0z)
            bx = a00 * dx + a01 * dy + a02 * dz
            by = a10 * dx + a11 * dy + a12 * dz
            bz = a20 * dx + a21 * dy + a22 * dz
            w[_BX + k], w[_BY + k], w[_BZ + k] = bx, by, bz
            w[_T1 + k] = _near_root(o0x, o0y, o0z, bx, by, bz, irx, iry, irz)
            # on a miss: does it clear the body at any retry epoch (final, no retry; as in _intercept_ray)?
            t_near, gap = _closest_approach_s(o0x, o0y, o0z, bx, by, bz, irx, iry, irz)
            move_km = abs(lt - t_near / c_km_s) * (speed + rate * (obs_dist + t_near))
            w[_CLR + k] = 1.0 if gap > 2.0 * move_km / r_min else 0.0

        # Stage 2: pass 2 at the first point's light time (_pass_at with dt != 0 and the series sine).
        for k in range(nb):
            t1 = w[_T1 + k]
            dt = lt - t1 / c_km_s
            ojx, ojy, ojz = objx - dt * tvx, objy - dt * tvy, objz - dt * tvz
            ang = -rate * dt
            s = _sin_series(ang)
            h = _sin_series(0.5 * ang)
            omc = 2.0 * h * h
            ox = a00 * ojx + a01 * ojy + a02 * ojz
            oy = a10 * ojx + a11 * ojy + a12 * ojz
            oz = a20 * ojx + a21 * ojy + a22 * ojz
            ox, oy, oz = _turn(ox, oy, oz, kx, ky, kz, s, omc)
            bx, by, bz = _turn(w[_BX + k], w[_BY + k], w[_BZ + k], kx, ky, kz, s, omc)
            t = _near_root(ox, oy, oz, bx, by, bz, irx, iry, irz)
            w[_PX + k], w[_PY + k], w[_PZ + k] = ox + t * bx, oy + t * by, oz + t * bz
            w[_OX + k], w[_OY + k], w[_OZ + k] = ox, oy, oz
            w[_TE + k] = et - t / c_km_s
            retry = (t1 != t1) & (w[_CLR + k] == 0.0)      # a miss that does not clear the body: the retry
            w[_FIX + k] = 1.0 if retry | (dt == 0.0) | (abs(ang) >= SERIES_MAX_RAD) else 0.0

        # Stage 3: the point geometry without the inverse trigonometric functions (NaN through on misses).
        for k in range(nb):
            px, py, pz, obx, oby, obz = w[_PX + k], w[_PY + k], w[_PZ + k], w[_OX + k], w[_OY + k], w[_OZ + k]
            sx, sy, sz = sun_x, sun_y, sun_z
            vox, voy, voz = vo_x, vo_y, vo_z
            vtx, vty, vtz = vt_x, vt_y, vt_z
            if turning:
                ang = -rate * (w[_TE + k] - epoch0)
                s = _sin_series(ang)
                h = _sin_series(0.5 * ang)
                omc = 2.0 * h * h
                sx, sy, sz = _turn(sx, sy, sz, kx, ky, kz, s, omc)
                vox, voy, voz = _turn(vox, voy, voz, kx, ky, kz, s, omc)
                vtx, vty, vtz = _turn(vtx, vty, vtz, kx, ky, kz, s, omc)
                w[_FIX + k] = 1.0 if abs(ang) >= SERIES_MAX_RAD else w[_FIX + k]
            (w[_QZ + k], w[_QR + k], w[_PR + k], w[_CI + k], w[_CE + k], w[_CG + k],
             w[_RG + k]) = _surface_vectors(px, py, pz, obx, oby, obz, sx, sy, sz, vox, voy, voz, vtx, vty, vtz,
                                            w0, w1, w2, stellar, inv_c, r2x, r2y, r2z)

        # Stage 4: the arc tangents / cosines (own branch-free functions, so these loops vectorise too).
        for k in range(nb):
            w[_LAT_PG + k] = np.degrees(_atan2(w[_QZ + k], w[_QR + k]))
            w[_LON + k] = _west_longitude(w[_PX + k], w[_PY + k])
        if full:
            for k in range(nb):
                w[_LAT_PC + k] = np.degrees(_atan2(w[_PZ + k], w[_PR + k]))
                w[_INC + k] = np.degrees(_acos(w[_CI + k]))
                w[_EMI + k] = np.degrees(_acos(w[_CE + k]))
                w[_PHA + k] = np.degrees(_acos(w[_CG + k]))

        # Stage 5: output (scalar), and the flagged pixels by the reference functions.
        for k in range(nb):
            c = cols[start + k]
            fix = w[_FIX + k] != 0.0
            if fix or not (w[_PX + k] == w[_PX + k]):   # flagged, or a final miss (a clear one, or pass 2's)
                _off_body(r, c, hit, geom, cosines)
                if fix:
                    _exact_pixel(rays[r, c, 0], rays[r, c, 1], rays[r, c, 2], r, c, cam_to_j2000, rot0, o0x, o0y,
                                 o0z, obs_j2000, target_vel, beta, stellar, lt, et, c_km_s, inv_r, r_min, axis, rate,
                                 speed, obs_dist, epoch0, sun, vobs, vtgt, spin, turning, inv_c, r2x, r2y, r2z, full,
                                 hit, geom, cosines)
                continue
            hit[r, c] = True
            geom[1, r, c] = w[_LAT_PG + k]
            geom[2, r, c] = w[_LON + k]
            geom[6, r, c] = w[_RG + k]
            cosines[0, r, c] = w[_CI + k]
            cosines[1, r, c] = w[_CE + k]
            cosines[2, r, c] = w[_CG + k]
            if full:
                geom[0, r, c] = w[_LAT_PC + k]
                geom[3, r, c] = w[_INC + k]
                geom[4, r, c] = w[_EMI + k]
                geom[5, r, c] = w[_PHA + k]
            else:
                geom[0, r, c] = geom[3, r, c] = geom[4, r, c] = geom[5, r, c] = np.nan


@_jit_parallel
def _window_kernel(rays, centre_cam, cos_half, cam_to_j2000, rot0, obs_j2000, target_vel, beta, stellar, lt, et,
                   c_km_s, radii, axis, rate, speed, obs_dist, epoch0, sun, vobs, vtgt, spin, turning, full,
                   hit, geom, cosines):
    inv_r = 1.0 / radii
    r_min = min(radii[0], min(radii[1], radii[2]))
    inv_c = 1.0 / c_km_s
    r2x, r2y, r2z = radii[0] ** 2, radii[1] ** 2, radii[2] ** 2
    o0x, o0y, o0z = _observer_body(rot0, obs_j2000)
    n_rows, n_cols = rays.shape[0], rays.shape[1]
    # Rows are dealt out interleaved (chunk k takes rows k, k + K, ...): the threads get equal blocks of chunks,
    # and a window half sky, half planet still splits evenly. Each pixel is independent: same result anyway.
    n_chunks = min(n_rows, 64)
    for k in _prange(n_chunks):
        w, cols = np.empty(N_WORK * BLOCK), np.empty(n_cols, dtype=np.int64)     # this chunk's scratch
        for r in range(k, n_rows, n_chunks):
            _window_row(rays, r, n_cols, centre_cam, cos_half, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000,
                        target_vel, beta, stellar, lt, et, c_km_s, inv_r, r_min, axis, rate, speed, obs_dist,
                        epoch0, sun, vobs, vtgt, spin, turning, inv_c, r2x, r2y, r2z, full, hit, geom, cosines, w, cols)


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

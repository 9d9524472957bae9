"""Compiled (numba) per-point loop of the procedural Jupiter albedo, with the numpy code as reference.

:meth:`scenes.jupiter.JupiterAppearance.normal_albedo` evaluates, per point, the jet shear, the vortex
geometry and texture twist, the fractal noise (hashing, octaves, rotations, z-stretch, band limit, the
coarse and detail by-products), the belt profile, the colours of ``_visible`` or ``_methane`` (vortex
colours included), the calibration scale and the clip. In numpy that is a chain of whole-array passes;
:func:`normal_albedo` here does it in one ``numba.prange`` loop over tasks of points. Within a task, blocks of
:data:`_BLOCK` points go through three stages: per point the noise coordinate and the vortices it lies in,
the noise octaves over the block (branch-free loops that LLVM vectorises, 8 float32/uint32 lanes), and per
point the colours. Every point's value depends on that point alone, so the result does not depend on the
number of threads or on how the points are split.

Same mathematics, operation by operation and in the same precision as the numpy code: numpy 2 computes
``python_float * float32_array`` in float32 (NEP 50), so the noise and the colour steps that touch it
(``1 + 0.12 turb`` and the like) are float32 here too, widened where numpy widens them; no fastmath, no
reassociation. Two departures, both for speed and neither changing what is computed: the sine and cosine
of every point's latitude and sheared longitude come from :func:`_sincos` (vectorisable, within 2 ulp of
libm; the vortex geometry keeps libm), and a cheap conservative reject in front of the exact vortex tests
(:func:`_maybe_near`) only skips points those tests reject anyway. Measured against the numpy code: ~3e-14
worst, most values identical; an ulp in a coordinate can at worst move a float32 lattice fraction by one
float32 ulp, so the tests allow 1e-6 (tests/test_compiled_albedo.py).

Without numba :data:`AVAILABLE` is False and the appearance uses its numpy code (also for lattice
coordinates beyond int32, see :func:`normal_albedo`). The per-appearance constant tables
(:class:`AlbedoTables`) are built once by the appearance, not per call.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from scenes.noise import band_limit_taper, tapered

# numba's OpenMP threading layer lets its workers spin after each parallel loop by default (GNU OpenMP's
# active wait), taking a core from the numpy stages that follow. Renderer benchmark on 2 shared cores, one
# process: 10.0 s with 2 threads vs 8.1 s with 1; with PASSIVE (workers sleep) 8.0 s vs 7.8 s. Only a
# default: a user's OMP_WAIT_POLICY wins, and an OpenMP runtime loaded earlier keeps its own setting.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:  # numba is a declared dependency; without it AVAILABLE is False and the appearance runs its numpy code
    from numba import njit as _njit
    from numba import prange as _prange
except ImportError:  # pragma: no cover
    _njit, _prange = None, range

AVAILABLE = _njit is not None and os.environ.get("NUMBA_DISABLE_JIT", "0") in ("", "0")  # no JIT: numpy


def _compiled(**options):
    """Decorator: ``numba.njit(cache=True, nogil=True, **options)``, or the plain function without numba."""
    def wrap(fn):
        return _njit(cache=True, nogil=True, **options)(fn) if _njit is not None else fn
    return wrap


# Every helper is inlined into the kernel by numba: a compiled call would increment and decrement each
# array argument's reference count (atomics, ~10 ns each, per point), and LLVM does not inline across
# numba functions, which would also keep the noise loop from vectorising.
_inline = _compiled(inline="always")

# Jupiter's equatorial radius, km (facts.md; the same constant as scenes.jupiter._RADIUS_KM).
_R = 71492.0
_DEG = np.pi / 180.0        # np.radians(x) is x * (pi / 180) exactly

# Lattice hash constants (scenes.noise). numba widens uint32 arithmetic to uint64; every result is cast
# back to uint32 (the wrap of numpy's uint32 arithmetic), which also lets LLVM keep 32-bit vector lanes.
_P0, _P1, _P2 = np.uint32(0x8DA6B343), np.uint32(0xD8163841), np.uint32(0xCB1AB31F)
_MIX1, _MIX2 = np.uint32(0x2C1B3C6D), np.uint32(0x297A2D39)
_U1, _U8, _U16 = np.uint32(1), np.uint32(8), np.uint32(16)
# Cell indices go through int32 as in value_noise_lattice's fast path; the driver falls back to numpy if
# a lattice coordinate could leave int32 (only with absurdly fine noise cells).
_INT32_SAFE = 2.0**31 - 2.0

# float32 constants: numpy casts a Python float meeting a float32 array to float32 (NEP 50).
_F0, _F1, _F2, _F3 = np.float32(0.0), np.float32(1.0), np.float32(2.0), np.float32(3.0)
_TO_UNIT = np.float32(2.0 / 2.0**24)
_F_TURB, _F_DETAIL = np.float32(0.2), np.float32(0.15)      # JupiterAppearance._fields normalisations
_F_WAVE = np.float32(1.6)
_F_OVAL = np.float32(0.03)      # scenes.jupiter.OVAL_TEXTURE
_F_PATTERN = np.float32(0.1)    # scenes.jupiter.PATTERN_TURBULENCE (times float32 turb: float32, as numpy)

# Columns of the per-vortex float table (AlbedoTables.vortex).
(V_LAT, V_LON, V_LAM, V_REACH, V_DLON, V_EAST_LIM, V_COS_NEAR, V_CX, V_CY, V_CZ, V_EX, V_EY, V_EZ, V_NX, V_NY,
 V_NZ, V_EAST_KM, V_NORTH_KM, V_SWIRL, V_SIGN, V_METHANE, V_OPACITY, V_SOFT, V_COLOUR) = range(24)
# Vortex colour columns from V_COLOUR on, per visible filter (BLUE, GREEN, RED): patterned kinds (bright,
# dark; the GRS: core, ring), other kinds (base, unused); then from V_PATTERN the pattern row (-1: none)
# and the 2x2 matrix to its table coordinates (scenes.feature_patterns.vortex_pattern).
V_PATTERN = V_COLOUR + 6
VISIBLE = ("BLUE", "GREEN", "RED")
KIND_GRS, KIND_CYCLONE, KIND_PLAIN, KIND_FFR = 0, 1, 2, 3


@dataclass(frozen=True)
class AlbedoTables:
    """Constants of one appearance as flat arrays for the compiled loop (built once per appearance).

    ``rotations`` ``(R, 3, 3)``, ``offsets`` ``(K, 3)``, ``seeds`` ``(K,)`` uint64, ``frequency`` and
    ``stretch`` ``(K,)`` (``(z_stretch - 1) decay^k``), float32 octave weights ``w_total``, ``w_detail``
    (0 below the detail octave), ``w_coarse`` (0 from ``coarse_octaves`` on), profiles every 0.01 deg, the
    per-vortex table ``vortex`` ``(V, V_PATTERN + 5)`` (columns ``V_*``) and ``kind`` ``(V,)``, the colours of the
    visible filters ``colours`` ``(3, 3)`` (zone, belt, polar per BLUE/GREEN/RED), and the feature pattern
    textures (``scenes.feature_patterns.PatternSet``: ``patterns`` ``(P, M)`` float32, ``level_offset``,
    ``level_size``, ``pattern_extent``); the intermittency of the fine octaves (``intermittency``, the
    envelope's octave ``envelope_octave``, the first octave it scales ``envelope_from``; :mod:`scenes.noise`).
    """

    rotations: np.ndarray
    offsets: np.ndarray
    seeds: np.ndarray
    frequency: np.ndarray
    stretch: np.ndarray
    w_total: np.ndarray
    w_detail: np.ndarray
    w_coarse: np.ndarray
    coarse_octaves: int
    z_stretch_on: bool
    jet_profile: np.ndarray
    belt_profile: np.ndarray
    shear_rad: float
    turbulence: float
    fine_contrast: float
    polar_haze: float
    polar_edges: tuple[float, float]
    haze_edges: tuple[float, float]
    detail_contrast: float
    tint_turbulence: float
    vortex: np.ndarray
    kind: np.ndarray
    colours: np.ndarray
    patterns: np.ndarray
    level_offset: np.ndarray
    level_size: np.ndarray
    pattern_extent: float
    intermittency: float = 0.0
    envelope_octave: int = 0
    envelope_from: int = 1 << 30


# -- kernels ---------------------------------------------------------------------------------------------
@_inline
def _profile(table, lat):
    """``scenes.jupiter._profile`` for one latitude."""
    x = min(max((lat + 90.0) * 100.0, 0.0), table.size - 1.000001)
    i = np.int32(x)          # x in [0, size - 1): the truncation of numpy's astype(intp)
    return table[i] + (table[i + 1] - table[i]) * (x - i)


# sin and cos of the noise point's latitude and sheared longitude (the only transcendental functions every
# point needs) in a form LLVM vectorises: Cody-Waite reduction by pi/2 split into a 33-bit, a 33-bit and a
# double part (k * P1 and k * P2 exact for |k| < 2^20), then Taylor polynomials on |r| <= pi/4 whose first
# omitted terms (r^19/19!, r^20/20!) are < 1e-19; within 2 ulp of libm (tests/test_compiled_albedo.py).
# Beyond |x| = _SINCOS_MAX the loop uses libm.
_TWO_OVER_PI = 2.0 / np.pi
_PIO2_1, _PIO2_2, _PIO2_3 = (float.fromhex("0x1.921fb54400000p+0"), float.fromhex("0x1.0b4611a600000p-34"),
                             float.fromhex("0x1.3198a2e037073p-69"))
_SINCOS_MAX = 1.0e5
_S = tuple((-1.0) ** n / math.factorial(2 * n + 1) for n in range(1, 9))     # r^3 ... r^17
_C = tuple((-1.0) ** n / math.factorial(2 * n) for n in range(1, 10))        # r^2 ... r^18
_S1, _S2, _S3, _S4, _S5, _S6, _S7, _S8 = _S
_C1, _C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9 = _C


@_inline
def _sincos(x):
    """(sin x, cos x) for |x| <= _SINCOS_MAX, branch-free (see above)."""
    k = np.floor(x * _TWO_OVER_PI + 0.5)
    r = ((x - k * _PIO2_1) - k * _PIO2_2) - k * _PIO2_3
    r2 = r * r
    s = r + r * r2 * (_S1 + r2 * (_S2 + r2 * (_S3 + r2 * (_S4 + r2 * (_S5 + r2 * (_S6 + r2 * (_S7 + r2 * _S8)))))))
    c = 1.0 + r2 * (_C1 + r2 * (_C2 + r2 * (_C3 + r2 * (_C4 + r2 * (_C5 + r2 * (_C6 + r2 * (_C7 + r2 * (
        _C8 + r2 * _C9))))))))
    q = np.int32(k) & 3
    sin_x = c if q & 1 else s
    cos_x = s if q & 1 else c
    return (-sin_x if q & 2 else sin_x), (-cos_x if (q + 1) & 2 else cos_x)


@_inline
def _smoothstep(edge0, edge1, x):
    # np.clip as min/max: no data-dependent branch to mispredict (the mix clip is random per point)
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


@_inline
def _axis_hash(low, salt, prime):
    """One axis hash of scenes.noise.value_noise_lattice (uint32 arithmetic)."""
    h = np.uint32(np.uint32(low ^ salt) * prime)
    h = np.uint32(h ^ (h >> _U16))
    return np.uint32(h * _MIX2)


@_inline
def _corner(hz, hy, hx):
    # < 2^24: exact in float32 (converted through int32, which vectorises)
    return np.float32(np.int32(np.uint32(np.uint32(hz ^ hy ^ hx) * _MIX1) >> _U8))


@_inline
def _lattice(cx, cy, cz, salt):
    """``scenes.noise.value_noise_lattice`` at one point (lattice units, |c| < 2^31), float32."""
    fx, fy, fz = np.floor(cx), np.floor(cy), np.floor(cz)      # float (math.floor gives an int)
    tx, ty, tz = np.float32(cx - fx), np.float32(cy - fy), np.float32(cz - fz)
    wx = tx * tx * (_F3 - _F2 * tx)
    wy = ty * ty * (_F3 - _F2 * ty)
    wz = tz * tz * (_F3 - _F2 * tz)
    lx, ly, lz = np.uint32(np.int32(fx)), np.uint32(np.int32(fy)), np.uint32(np.int32(fz))
    hx0, hx1 = _axis_hash(lx, salt, _P0), _axis_hash(np.uint32(lx + _U1), salt, _P0)
    hy0, hy1 = _axis_hash(ly, salt, _P1), _axis_hash(np.uint32(ly + _U1), salt, _P1)
    hz0, hz1 = _axis_hash(lz, salt, _P2), _axis_hash(np.uint32(lz + _U1), salt, _P2)
    v000, v001 = _corner(hz0, hy0, hx0), _corner(hz0, hy0, hx1)
    v010, v011 = _corner(hz0, hy1, hx0), _corner(hz0, hy1, hx1)
    v100, v101 = _corner(hz1, hy0, hx0), _corner(hz1, hy0, hx1)
    v110, v111 = _corner(hz1, hy1, hx0), _corner(hz1, hy1, hx1)
    a00 = v000 + (v001 - v000) * wx
    a01 = v010 + (v011 - v010) * wx
    a10 = v100 + (v101 - v100) * wx
    a11 = v110 + (v111 - v110) * wx
    b0 = a00 + (a01 - a00) * wy
    b1 = a10 + (a11 - a10) * wy
    return (b0 + (b1 - b0) * wz) * _TO_UNIT - _F1


@_inline
def _maybe_near(vortex, i, lat, lon, cos_phi):
    """False if the point is certainly not near vortex ``i``: the exact latitude test of
    ``_vortex_geometry``, then a cheap conservative reject that is not in the numpy code and only skips
    points its exact tests reject: |cos(lat) sin(dlon)| >= cos(lat) (x - x^3 / 6) for the reduced
    |dlon| = x <= pi / 2, against the east-offset test with a 1e-6 relative margin for rounding."""
    if not abs(lat - vortex[i, V_LAT]) < vortex[i, V_REACH]:
        return False
    dl = lon - vortex[i, V_LON]
    if abs(dl) < 1e6:
        x = abs(dl - 360.0 * np.floor(dl * (1.0 / 360.0) + 0.5)) * _DEG
        if x <= 0.5 * np.pi and cos_phi * (x - x * x * x * (1.0 / 6.0)) > vortex[i, V_EAST_LIM] * (1.0 + 1e-6):
            return False
    return True


@_inline
def _vortex_hit(vortex, i, lat, lon, cos_phi, sin_phi, lam_e, trig):
    """``JupiterAppearance._vortex_geometry`` for one point and vortex ``i``: (hit, dx, dy, d).

    ``trig`` ``(2,)`` caches cos and sin of ``lam_e`` (NaN until first needed)."""
    if not _maybe_near(vortex, i, lat, lon, cos_phi):
        return False, 0.0, 0.0, 0.0
    if vortex[i, V_DLON] < 180.0:
        dlon = abs((lon - vortex[i, V_LON] + 180.0) % 360.0 - 180.0)    # Python's % is np.remainder
        if not dlon < vortex[i, V_DLON]:
            return False, 0.0, 0.0, 0.0
    if not abs(cos_phi * math.sin(lam_e - vortex[i, V_LAM])) < vortex[i, V_EAST_LIM]:
        return False, 0.0, 0.0, 0.0
    if trig[0] != trig[0]:
        trig[0], trig[1] = math.cos(lam_e), math.sin(lam_e)
    ux, uy, uz = cos_phi * trig[0], cos_phi * trig[1], sin_phi
    if not ux * vortex[i, V_CX] + uy * vortex[i, V_CY] + uz * vortex[i, V_CZ] > vortex[i, V_COS_NEAR]:
        return False, 0.0, 0.0, 0.0
    dx = _R * (ux * vortex[i, V_EX] + uy * vortex[i, V_EY] + uz * vortex[i, V_EZ])
    dy = _R * (ux * vortex[i, V_NX] + uy * vortex[i, V_NY] + uz * vortex[i, V_NZ])
    d = math.hypot(dx / vortex[i, V_EAST_KM], dy / vortex[i, V_NORTH_KM])
    if not d < 2.0:
        return False, 0.0, 0.0, 0.0
    return True, dx, dy, d


@_inline
def _pattern_bilinear(patterns, row, level_offset, level_size, extent, level, tu, tw):
    """``scenes.feature_patterns._bilinear`` at one point."""
    n = level_size[level]
    scale = n / (2.0 * extent)
    x = min(max((tu + extent) * scale - 0.5, 0.0), n - 1.0)
    y = min(max((tw + extent) * scale - 0.5, 0.0), n - 1.0)
    i = min(np.int64(x), n - 2)
    j = min(np.int64(y), n - 2)
    fx, fy = x - i, y - j
    base = level_offset[level] + j * n + i
    v00, v01 = np.float64(patterns[row, base]), np.float64(patterns[row, base + 1])
    v10, v11 = np.float64(patterns[row, base + n]), np.float64(patterns[row, base + n + 1])
    top = v00 + (v01 - v00) * fx
    bottom = v10 + (v11 - v10) * fx
    return top + (bottom - top) * fy


@_inline
def _pattern_value(vortex, i, patterns, level_offset, level_size, extent, level, u, w):
    """``scenes.feature_patterns.sample_pattern`` of vortex ``i`` at elliptic ``(u, w)``, trilinear."""
    row = np.int64(vortex[i, V_PATTERN])
    tu = vortex[i, V_PATTERN + 1] * u + vortex[i, V_PATTERN + 2] * w
    tw = vortex[i, V_PATTERN + 3] * u + vortex[i, V_PATTERN + 4] * w
    lo = np.int64(np.floor(level))
    frac = level - lo
    value = _pattern_bilinear(patterns, row, level_offset, level_size, extent, lo, tu, tw)
    if frac > 0.0:
        value = value + (_pattern_bilinear(patterns, row, level_offset, level_size, extent, lo + 1, tu, tw)
                         - value) * frac
    return value


@_inline
def _vortex_colour(vortex, i, kind, col, d, dx, dy, turb, patterns, level_offset, level_size, extent, level, under):
    """``JupiterAppearance._vortex_colour`` for one point; ``col`` is the colour column of the filter,
    ``under`` the albedo beneath (cyclones and FFRs scale it)."""
    if vortex[i, V_PATTERN] >= 0.0:
        pattern = _pattern_value(vortex, i, patterns, level_offset, level_size, extent, level,
                                 dx / vortex[i, V_EAST_KM], dy / vortex[i, V_NORTH_KM])
        bright, dark = vortex[i, col], vortex[i, col + 1]
        colour = dark + (bright - dark) * min(max(pattern + np.float64(_F_PATTERN * turb), 0.0), 1.0)
        return under * colour if kind == KIND_CYCLONE or kind == KIND_FFR else colour
    clipped = min(max(turb, -_F1), _F1)
    base = np.float32(vortex[i, col]) * (_F1 + _F_OVAL * clipped)
    return np.float64(base) * (1.0 - 0.06 * math.exp(-(((d - 0.85) / 0.25) * ((d - 0.85) / 0.25))))


@_inline
def _noise_block(qx, qy, qz, z, nb, rotations, offsets, seeds, frequency, stretch, w_total, w_detail, w_coarse,
                 n_octaves, z_stretch_on, rotated, n, total, detail, coarse, split, env_octave, inter, fine, env):
    """``FractalNoise.fields`` at the first ``nb`` points of a block: float32 ``total``, ``detail``,
    ``coarse``; octaves from ``split`` on are summed in ``fine`` and added to ``total`` times the intermittency
    envelope of octave ``env_octave`` (kept in ``env``; ``scenes.noise.intermittency_envelope``). Octave k uses rotation k % R, its z (``z`` = anisotropy-weighted z) stretched by
    ``stretch[k]``. ``rotated`` ``(R, 6, B)`` scratch holds each rotation of the points and of (0, 0, z),
    computed once per block as numpy computes them once per call. The loops over the points are
    branch-free so LLVM vectorises them."""
    n_rot = rotations.shape[0]
    for r in range(n_rot):
        for c in range(3):
            m0, m1, m2 = rotations[r, 0, c], rotations[r, 1, c], rotations[r, 2, c]
            rot, zrot = rotated[r, c], rotated[r, 3 + c]
            for b in range(nb):
                rot[b] = qx[b] * m0 + qy[b] * m1 + qz[b] * m2
                zrot[b] = z[b] * m2
    for b in range(nb):
        total[b], detail[b], coarse[b], fine[b] = _F0, _F0, _F0, _F0
    r = 0
    for k in range(n_octaves):
        freq, s = frequency[k], stretch[k]
        ox, oy, oz = offsets[k, 0], offsets[k, 1], offsets[k, 2]
        salt = np.uint32(seeds[k] & np.uint64(0xFFFFFFFF))
        rx, ry, rz = rotated[r, 0], rotated[r, 1], rotated[r, 2]
        zx, zy, zz = rotated[r, 3], rotated[r, 4], rotated[r, 5]
        if z_stretch_on:
            for b in range(nb):
                n[b] = _lattice((zx[b] * s + rx[b]) * freq + ox, (zy[b] * s + ry[b]) * freq + oy,
                                (zz[b] * s + rz[b]) * freq + oz, salt)
        else:
            for b in range(nb):
                n[b] = _lattice(rx[b] * freq + ox, ry[b] * freq + oy, rz[b] * freq + oz, salt)
        wc, wt, wd = w_coarse[k], w_total[k], w_detail[k]
        if k == env_octave:
            for b in range(nb):
                env[b] = n[b]
        if wc != _F0:
            for b in range(nb):
                coarse[b] += wc * n[b]
        if wt != _F0 and k >= split:
            for b in range(nb):
                fine[b] += wt * n[b]
        elif wt != _F0:
            for b in range(nb):
                total[b] += wt * n[b]
        if wd != _F0:
            for b in range(nb):
                detail[b] += wd * n[b]
        r = r + 1 if r + 1 < n_rot else 0      # k % n_rot without a division
    if split < n_octaves and env_octave < n_octaves:
        for b in range(nb):
            total[b] += (_F1 + inter * min(max(_F2 * env[b], -_F1), _F1)) * fine[b]


@_inline
def _base_block(lat_pg, lon_w, j0, nb, shear_rad, jet_profile, cos_phi, sin_phi, qx, qy, qz, lam_s):
    """Noise coordinates of points ``j0 .. j0 + nb`` before any vortex twist: the unit vector at the
    latitude and the jet-sheared longitude ``lam_s`` (``JupiterAppearance._fields``), and cos / sin of the
    latitude. Short loops over few arrays, which LLVM vectorises; the last redoes huge angles with libm."""
    for b in range(nb):
        lam_s[b] = -(lon_w[j0 + b] * _DEG) + shear_rad * _profile(jet_profile, lat_pg[j0 + b])
    for b in range(nb):
        sin_phi[b], cos_phi[b] = _sincos(lat_pg[j0 + b] * _DEG)
    for b in range(nb):
        qy[b], qx[b] = _sincos(lam_s[b])
    for b in range(nb):
        qx[b] = cos_phi[b] * qx[b]
        qy[b] = cos_phi[b] * qy[b]
        qz[b] = sin_phi[b]
    for b in range(nb):
        phi = lat_pg[j0 + b] * _DEG
        if abs(phi) > _SINCOS_MAX or abs(lam_s[b]) > _SINCOS_MAX:
            cos_phi[b], sin_phi[b] = math.cos(phi), math.sin(phi)
            qx[b], qy[b], qz[b] = cos_phi[b] * math.cos(lam_s[b]), cos_phi[b] * math.sin(lam_s[b]), sin_phi[b]


@_inline
def _twist_point(lat, lon, cos_phi, sin_phi, qx, qy, qz, vortex, weight, kind, active, trig, hit_vortex,
                 hit_values, hits):
    """The vortex twists of one point's noise coordinate (``JupiterAppearance._fields``): (qx, qy, qz,
    anisotropy, hits); the vortices the point lies in are appended to ``hit_vortex`` / ``hit_values``
    (d, dx, dy: the untwisted offsets) from index ``hits``. The anisotropy is ``z_iso / z``: each vortex pulls
    the point's z toward its centre's (``JupiterAppearance._fields``)."""
    anis = 1.0
    first = active.size      # the first vortex the point may be near (cheap scan)
    for a in range(active.size):
        if _maybe_near(vortex, active[a], lat, lon, cos_phi):
            first = a
            break
    if first == active.size:
        return qx, qy, qz, anis, hits
    lam_e = -(lon * _DEG)
    trig[0] = np.nan
    z_iso = sin_phi
    for a in range(first, active.size):
        i = active[a]
        hit, dx, dy, d = _vortex_hit(vortex, i, lat, lon, cos_phi, sin_phi, lam_e, trig)
        if not hit:
            continue
        taper = 1.0 - _smoothstep(1.4, 2.0, d)
        alpha = vortex[i, V_SWIRL] * math.exp(-2.0 * d * d) * (taper * weight[i])
        ca, sa = math.cos(alpha), math.sin(alpha)
        rx, ry = ca * dx + sa * dy, ca * dy - sa * dx  # R(-alpha): turns with the flow
        ex, ey = rx - dx, ry - dy
        qx += (vortex[i, V_EX] * ex + vortex[i, V_NX] * ey) / _R
        qy += (vortex[i, V_EY] * ex + vortex[i, V_NY] * ey) / _R
        qz += (vortex[i, V_EZ] * ex + vortex[i, V_NZ] * ey) / _R
        if kind[i] != KIND_FFR:     # folded filamentary regions keep the zonal elongation
            z_iso = vortex[i, V_CZ] + (z_iso - vortex[i, V_CZ]) * (1.0 - math.exp(-d * d) * (taper * weight[i]))
        hit_vortex[hits] = i
        hit_values[hits, 0], hit_values[hits, 1], hit_values[hits, 2] = d, dx, dy
        hits += 1
    if sin_phi != 0.0:
        anis = z_iso / sin_phi
    return qx, qy, qz, anis, hits


@_inline
def _colour_point(lat, turb, detail, coarse, filt, scale, belt_profile, turbulence, fc_turb, fc_detail, tint_turb,
                  polar_haze, polar_lo, polar_hi, haze_lo, haze_hi, vortex, weight, kind, colours, hit_vortex,
                  hit_values, h0, h1, patterns, level_offset, level_size, extent, levels):
    """The calibrated, clipped albedo of one point from its noise fields and vortex hits ``h0:h1``."""
    belt = _profile(belt_profile, lat + np.float64(_F_WAVE * coarse))
    polar = _smoothstep(polar_lo, polar_hi, abs(lat))
    mix = _smoothstep(0.0, 1.0, belt * (1.0 - polar) + turbulence * (0.6 + belt) * np.float64(turb))
    for h in range(h0, h1):
        if kind[hit_vortex[h]] == KIND_GRS:   # the Red Spot Hollow
            mix *= 1.0 - weight[hit_vortex[h]] * (0.85 - _smoothstep(1.0, 1.45, hit_values[h, 0]) * 0.85)
    if filt == 3:      # JupiterAppearance._methane
        albedo = 0.038 + 0.012 * (1.0 - mix)
        albedo = albedo + 0.025 * math.exp(-((lat / 9.0) * (lat / 9.0)))
        albedo = albedo + 0.085 * _smoothstep(45.0, 72.0, abs(lat))
        for h in range(h0, h1):
            i = hit_vortex[h]
            mask = (1.0 - _smoothstep(0.75, 1.1, hit_values[h, 0])) * (vortex[i, V_OPACITY] * weight[i])
            albedo = albedo + (vortex[hit_vortex[h], V_METHANE] - albedo) * mask
    else:              # JupiterAppearance._visible
        zone, belt_c, polar_c = colours[filt, 0], colours[filt, 1], colours[filt, 2]
        tint = _F1 + tint_turb * turb
        belt_colour = np.float32(belt_c) * tint
        albedo = zone + np.float64(belt_colour - np.float32(zone)) * mix
        polar_colour = polar_c * (np.float64(tint) - 0.15 * mix)
        albedo = albedo + (polar_colour - albedo) * polar
        col = V_COLOUR + 2 * filt
        for h in range(h0, h1):
            i = hit_vortex[h]
            d = hit_values[h, 0]
            mask = (1.0 - _smoothstep(1.02 - vortex[i, V_SOFT], 1.02, d)) * (vortex[i, V_OPACITY] * weight[i])
            colour = _vortex_colour(vortex, i, kind[i], col, d, hit_values[h, 1], hit_values[h, 2], turb, patterns,
                                    level_offset, level_size, extent, levels[i], albedo)
            albedo = albedo + (colour - albedo) * mask
    texture = fc_turb * turb + fc_detail * detail          # float32, as numpy's expression
    haze = _smoothstep(haze_lo, haze_hi, abs(lat))
    value = albedo * (1.0 + np.float64(texture) * (1.0 - polar_haze * haze)) * scale
    return min(max(value, 0.0), 1.0) if value == value else value


# Points per block (the vectorised noise loops run over a block) and blocks per parallel task.
_BLOCK = 256
_TASK_BLOCKS = 8


@_compiled(parallel=True)
def _albedo_kernel(lat_pg, lon_w, out, filt, scale, rotations, offsets, seeds, frequency, stretch, w_total,
                   w_detail, w_coarse, n_octaves, z_stretch_on, jet_profile, belt_profile, shear_rad,
                   turbulence, fc_turb, fc_detail, tint_turb, polar_haze, polar_lo, polar_hi, haze_lo, haze_hi, vortex,
                   weight, kind, active, colours, patterns, level_offset, level_size, extent, levels, split,
                   env_octave, inter):
    """The albedo of every point (see the module docstring); ``filt`` 0..2 visible, 3 METHANE.

    ``n_octaves`` octaves are evaluated (the band limit's break); an octave whose ``w_total`` and
    ``w_detail`` are zero only feeds ``coarse``. ``active`` lists the vortices whose latitude band meets
    the points' (a superset of those any point is near; each point still tests every condition). Each
    point's value depends on that point alone, whatever the task and block it falls in.
    """
    n = lat_pg.size
    task = _BLOCK * _TASK_BLOCKS
    max_hits = _BLOCK * max(active.size, 1)
    for t in _prange((n + task - 1) // task):
        # (names distinct from the helpers' scalar parameters: numba's inliner can confuse them)
        bx, by, bz, z = np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK), np.empty(_BLOCK)
        b_cos, b_sin = np.empty(_BLOCK), np.empty(_BLOCK)
        noise = np.empty((6, _BLOCK), dtype=np.float32)
        rotated = np.empty((rotations.shape[0], 6, _BLOCK))
        hit_start = np.empty(_BLOCK + 1, dtype=np.int64)
        hit_vortex = np.empty(max_hits, dtype=np.int64)
        hit_values = np.empty((max_hits, 3))
        trig = np.empty(2)
        for j0 in range(t * task, min(n, (t + 1) * task), _BLOCK):
            nb = min(_BLOCK, n - j0)
            _base_block(lat_pg, lon_w, j0, nb, shear_rad, jet_profile, b_cos, b_sin, bx, by, bz, z)
            hits = 0
            for b in range(nb):
                hit_start[b] = hits
                bx[b], by[b], bz[b], anis, hits = _twist_point(lat_pg[j0 + b], lon_w[j0 + b], b_cos[b], b_sin[b],
                                                               bx[b], by[b], bz[b], vortex, weight, kind, active,
                                                               trig,
                                                               hit_vortex, hit_values, hits)
                z[b] = bz[b] * anis
            hit_start[nb] = hits
            _noise_block(bx, by, bz, z, nb, rotations, offsets, seeds, frequency, stretch, w_total, w_detail,
                         w_coarse, n_octaves, z_stretch_on, rotated, noise[3], noise[0], noise[1], noise[2],
                         split, env_octave, inter, noise[4], noise[5])
            for b in range(nb):
                turb = noise[0, b] / _F_TURB
                detail = noise[1, b] / _F_DETAIL
                out[j0 + b] = _colour_point(lat_pg[j0 + b], turb, detail, noise[2, b], filt, scale,
                                            belt_profile, turbulence, fc_turb, fc_detail, tint_turb,
                                            polar_haze, polar_lo, polar_hi, haze_lo, haze_hi, vortex,
                                            weight, kind, colours,
                                            hit_vortex, hit_values, hit_start[b], hit_start[b + 1], patterns,
                                            level_offset, level_size, extent, levels)


# -- driver ----------------------------------------------------------------------------------------------
def normal_albedo(tables: AlbedoTables, filter_name: str, scale: float, lat: np.ndarray, lon: np.ndarray,
                  max_freq: float | None, fade: float = 1.0, weights: np.ndarray | None = None,
                  levels: np.ndarray | None = None) -> np.ndarray | None:
    """Calibrated, clipped normal albedo ``(N,)`` float64 of ``filter_name`` (already checked) at ``lat`` /
    ``lon`` (``(N,)`` float64 contiguous, finite), band-limited at ``max_freq`` (None: all octaves), each
    vortex weighted by ``weights`` ``(V,)`` (None: all 1; a vortex of weight 0 is skipped), its pattern
    texture read at mip ``levels`` ``(V,)`` (None: all 0).

    None if a lattice coordinate could leave the int32 range (noise cells far finer than any default):
    the caller then uses the numpy code, which handles that case."""
    t = tables
    limit = np.inf if max_freq is None else float(max_freq)
    # FractalNoise.fields: stop at the first octave finer than the band limit that is not a coarse one;
    # coarse octaves beyond the limit feed `coarse` only.
    n_octaves = t.frequency.size
    for k in range(t.frequency.size):
        if t.frequency[k] > limit and k >= t.coarse_octaves:
            n_octaves = k
            break
    if n_octaves and _coordinate_bound(t, n_octaves) >= _INT32_SAFE:
        return None
    kept = ~(t.frequency > limit)      # as numpy: a NaN limit drops nothing
    w_total = np.where(kept, t.w_total, np.float32(0.0))
    w_detail = np.where(kept, t.w_detail, np.float32(0.0))
    if fade > 1.0 and max_freq is not None:      # FractalNoise.fields' smooth band limit, same weights
        taper = band_limit_taper(t.frequency, max_freq, fade)
        w_total, w_detail = tapered(w_total, taper), tapered(w_detail, taper)
    weights = np.ones(t.vortex.shape[0]) if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    levels = np.zeros(t.vortex.shape[0]) if levels is None else np.ascontiguousarray(levels, dtype=np.float64)
    if lat.size:
        lo, hi = float(lat.min()), float(lat.max())
        reach = t.vortex[:, V_REACH] * (1.0 + 1e-9)
        near = ~((t.vortex[:, V_LAT] + reach < lo) | (t.vortex[:, V_LAT] - reach > hi)) & (weights > 0.0)
        active = np.nonzero(near)[0].astype(np.int64)
    else:
        active = np.zeros(0, dtype=np.int64)
    if filter_name == "METHANE":
        filt, fc_turb, fc_detail = 3, 0.25 * t.fine_contrast, 0.5 * t.detail_contrast
    else:
        filt, fc_turb, fc_detail = VISIBLE.index(filter_name), 0.5 * t.fine_contrast, t.detail_contrast
    out = np.empty(lat.size)
    _albedo_kernel(lat, lon, out, filt, float(scale), t.rotations, t.offsets, t.seeds, t.frequency, t.stretch,
                   w_total, w_detail, t.w_coarse, n_octaves, t.z_stretch_on, t.jet_profile, t.belt_profile,
                   t.shear_rad, t.turbulence, np.float32(fc_turb), np.float32(fc_detail),
                   np.float32(t.tint_turbulence), float(t.polar_haze), float(t.polar_edges[0]),
                   float(t.polar_edges[1]), float(t.haze_edges[0]), float(t.haze_edges[1]), t.vortex, weights,
                   t.kind, active, t.colours, t.patterns, t.level_offset, t.level_size, float(t.pattern_extent),
                   levels, t.envelope_from, t.envelope_octave, np.float32(t.intermittency))
    return out


def _coordinate_bound(t: AlbedoTables, n_octaves: int) -> float:
    """Upper bound of |lattice coordinate| over the first ``n_octaves`` octaves: the noise point is a unit
    vector moved by each vortex twist by at most twice its d < 2 offset, ``4 max(east, north) / R``; its
    stretched z adds ``|stretch|`` times that; then the frequency and the offset."""
    q = 1.0 + float(np.sum(4.0 * np.maximum(t.vortex[:, V_EAST_KM], t.vortex[:, V_NORTH_KM]) / _R))
    k = slice(0, n_octaves)
    scale = q * (1.0 + np.abs(t.stretch[k])) * np.abs(t.frequency[k])
    return float(np.max(scale + np.max(np.abs(t.offsets[k]), axis=1))) + 2.0

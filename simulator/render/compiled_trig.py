"""Trigonometry of the renderer's compiled geometry loops, written so that the loops vectorise.

* :func:`_sin_series` / :func:`_sin`: the sine of the tiny light-time turns (~1e-7 rad) by its series to x^7,
  exact to the last bit below :data:`SERIES_MAX_RAD` and far cheaper than the library call;
* :func:`_atan2` / :func:`_acos`: our own branch-free (selects only) arc tangent and arc cosine, within ~2e-16
  rad of the truth below pi/2 and ~1 ulp above (constants derived in docs/compiled_trig_fit.py; tested against
  libm in tests/test_compiled_trig.py), where libm's scalar calls would keep the angle loops from vectorising;
* :func:`_west_longitude`: System III west longitude of a body-fixed point.

All are numba functions inlined into the loops that call them (``compiled_jit._jit_inline``); without numba they
are the plain Python functions.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.render.compiled_jit import _jit_inline

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


"""Compiled (numba) loops of the detector chain: an inline PCG64, Poisson and normal draws, and the ADC.

Split out of :mod:`instrument_models.junocam.detector`, which holds the parameters and the numpy steps these
loops replace byte for byte; that module reads and writes the ``Generator``'s PCG64 state around the calls.
"""

from __future__ import annotations

import math

import numpy as np

try:
    import numba
    from llvmlite import ir as _ir
    from numba.core import types as _types
    from numba.extending import intrinsic as _intrinsic
    # numpy's ziggurat tables for the standard normal (256 layers), as numba ships them for its own
    # Generator.standard_normal (a private module: without it the numpy steps run; tests/test_detector_compiled.py
    # checks the compiled draws equal numpy's).
    from numba.np.random._constants import fi_double as _ZIG_F
    from numba.np.random._constants import ki_double as _ZIG_K
    from numba.np.random._constants import wi_double as _ZIG_W
    from numba.np.random._constants import ziggurat_nor_inv_r as _ZIG_INV_R
    from numba.np.random._constants import ziggurat_nor_r as _ZIG_R
except ImportError:  # pragma: no cover - numba is a declared dependency; numpy is the fallback
    numba = None

#: True when the compiled (numba) loops below are used; the numpy steps give the same bytes without them.
# NUMBA_DISABLE_JIT=1 runs @jit functions as Python, where the _mulhi intrinsic cannot run: numpy steps then.
AVAILABLE = numba is not None and not numba.config.DISABLE_JIT

# --- compiled loops (numba) ----------------------------------------------------------------------------
# Each loop makes exactly the draws of the numpy step it replaces, in the same order, with the same
# floating-point operations in the same order (no fastmath), so both paths give identical bytes
# (tests/test_detector_compiled.py checks this against the numpy steps). The draws come from the caller's
# Generator when its bit generator is numpy's default, PCG64: its state is read (:func:`_pcg_state`), advanced
# here by the same recurrence (:func:`_next64`; a call through numba's Generator costs ~7 ns a number, the
# recurrence inline ~2 ns) and written back (:func:`_set_pcg_state`), so the Generator ends where numpy's steps
# leave it. Other bit generators take the numpy steps. The state travels through the loops as a 4-tuple
# (state high, state low, increment high, increment low) of uint64, passed and returned by value (an array
# argument per draw would cost reference counting). One caveat: the exact test of PTRS, reached by ~1 in 5
# draws above 10 e-, is evaluated here in a rearranged form (_log_poisson_pmf, one log on
# the left) rather than numpy's expression; the two are the same inequality and their values agree to
# ~1e-11 (numpy's sums ~1e5-sized terms), so a draw could differ only where the test's two sides agree that
# closely, a chance of order 1e-11 per test (none in the tests' ~10^6 draws compared with numpy).

# numpy's Generator.poisson refuses larger means (int64 range minus a 10-sigma margin).
POISSON_LAM_MAX = float(np.iinfo(np.int64).max - np.sqrt(np.iinfo(np.int64).max) * 10)


def _jit(fn):
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn) if numba is not None else fn


_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_MASK64 = (1 << 64) - 1


# PCG64 (M. E. O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically Good Algorithms for Random
# Number Generation", HMC-CS-2014-0905, 2014), the XSL-RR 128/64 variant numpy's PCG64 documents: the 128-bit
# state s becomes s x M + inc (mod 2^128), and the output is the new state's high and low 64-bit halves
# XOR-ed and rotated right by its top 6 bits. M = 47026247687942121848144207491837523525, the paper's default
# 128-bit multiplier, here as its high and low halves. A double is the output's top 53 bits x 2^-53.
_PCG_MULT_HI = np.uint64(2549297995355413924)
_PCG_MULT_LO = np.uint64(4865540595714422341)
_U0, _U1, _U8, _U11, _U58, _U63, _U64 = (np.uint64(v) for v in (0, 1, 8, 11, 58, 63, 64))
_BYTE, _MANTISSA = np.uint64(0xFF), np.uint64(0x000FFFFFFFFFFFFF)
_SIGN = np.array([1.0, -1.0])  # x * -1.0 is exactly -x; a lookup instead of an unpredictable branch

if numba is not None:
    _ZIG_K = np.asarray(_ZIG_K, dtype=np.uint64)
    _ZIG_W, _ZIG_F = np.asarray(_ZIG_W, dtype=float), np.asarray(_ZIG_F, dtype=float)
    _ZIG_R, _ZIG_INV_R = float(_ZIG_R), float(_ZIG_INV_R)

    @_intrinsic
    def _mulhi(typingctx, a, b):
        """The high 64 bits of the 128-bit product of two uint64 (one machine multiply)."""
        if a != _types.uint64 or b != _types.uint64:
            return None

        def codegen(context, builder, signature, args):
            wide = _ir.IntType(128)
            product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
            return builder.trunc(builder.lshr(product, _ir.Constant(wide, 64)), _ir.IntType(64))

        return _types.uint64(_types.uint64, _types.uint64), codegen


@_jit
def _next64(st):
    """PCG64's next 64-bit output and the advanced state tuple."""
    hi, lo, inc_hi, inc_lo = st
    low = lo * _PCG_MULT_LO
    new_lo = low + inc_lo
    new_hi = (_mulhi(lo, _PCG_MULT_LO) + hi * _PCG_MULT_LO + lo * _PCG_MULT_HI + inc_hi
              + (_U1 if new_lo < low else _U0))
    x = new_hi ^ new_lo
    rot = new_hi >> _U58
    return (x >> rot) | (x << ((_U64 - rot) & _U63)), (new_hi, new_lo, inc_hi, inc_lo)


@_jit
def _uniform(st):
    """A double in [0, 1) as numpy's ``Generator.random()`` draws it, and the advanced state."""
    v, st = _next64(st)
    return np.float64(v >> _U11) * (1.0 / 9007199254740992.0), st


@_jit
def _normal(st):
    """A standard normal as numpy's ``Generator.standard_normal()`` draws it (ziggurat: one 64-bit number gives
    the layer (low 8 bits), the sign (next bit) and a 52-bit abscissa; accepted at once ~99% of the time),
    and the advanced state."""
    r, st = _next64(st)
    layer = np.intp(r & _BYTE)
    r = r >> _U8
    mag = (r >> _U1) & _MANTISSA
    x = np.float64(mag) * _ZIG_W[layer] * _SIGN[np.intp(r & _U1)]
    if mag >= _ZIG_K[layer]:
        x, st = _normal_rejected(st, layer, mag, x)
    return x, st


@_jit
def _normal_rejected(st, layer, mag, x):
    """The ziggurat's rare branches for a first try outside its layer's core: the tail beyond r from the base
    layer (Marsaglia's exponential method), the wedge test otherwise, and further tries until one is accepted."""
    while True:
        if layer == 0:
            while True:
                u, st = _uniform(st)
                xx = -_ZIG_INV_R * np.log1p(-u)
                u, st = _uniform(st)
                yy = -np.log1p(-u)
                if yy + yy > xx * xx:
                    return (-(_ZIG_R + xx) if (mag >> _U8) & _U1 else _ZIG_R + xx), st
        u, st = _uniform(st)
        if (_ZIG_F[layer - 1] - _ZIG_F[layer]) * u + _ZIG_F[layer] < np.exp(-0.5 * x * x):
            return x, st
        r, st = _next64(st)
        layer = np.intp(r & _BYTE)
        r = r >> _U8
        mag = (r >> _U1) & _MANTISSA
        x = np.float64(mag) * _ZIG_W[layer] * _SIGN[np.intp(r & _U1)]
        if mag < _ZIG_K[layer]:
            return x, st


@_jit
def _log_poisson_pmf(k, lam):
    """log(lam^k exp(-lam) / k!) for a whole ``k >= 0`` (floats). Below k = 30 with ``math.lgamma``; above,
    with Stirling's series for log(k!) to the x^-7 term (x = k + 1; truncation < 1e-16 there) and the
    large terms gathered so that they cancel exactly: (x - lam) + k log(lam / x) - log(x) / 2 - log(2 pi) / 2
    - series. Two logs instead of lgamma's more, and no cancellation of ~1e5-sized terms."""
    if k < 30.0:
        return -lam + k * math.log(lam) - math.lgamma(k + 1.0)
    x = k + 1.0
    r = 1.0 / x
    r2 = r * r
    series = r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 / 1680.0)))
    return (x - lam) + k * math.log1p((lam - x) / x) - 0.5 * math.log(x) - _HALF_LOG_2PI - series


@_jit
def _ptrs_finish(st, lam, a, b, v_r, u, v):
    """Finish a PTRS draw whose first try ``(u, v)`` was not accepted by the quick test (see
    :func:`_poisson_pass`): the paper's exact test on that try, then further tries. Returns the count and state."""
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    while True:
        us = 0.5 - abs(u)
        k = np.floor((2.0 * a / us + b) * u + lam + 0.43)
        if us >= 0.07 and v <= v_r:
            return k, st
        # Step 3 of the paper: accept if V alpha / (a / us^2 + b) <= lam^k exp(-lam) / k!, in logs.
        if not (k < 0.0 or (us < 0.013 and v > us)):
            if math.log(v * inv_alpha / (a / (us * us) + b)) <= _log_poisson_pmf(k, lam):
                return k, st
        u, st = _uniform(st)
        u = u - 0.5
        v, st = _uniform(st)


@_jit
def _poisson_mult(st, exp_minus_lam):
    """One Poisson draw for a small mean by multiplying uniforms until the product falls to exp(-lam)
    (Knuth, TAOCP vol. 2), numpy's method for 0 < lam < 10. Returns the count as a float, and the state."""
    count = 0.0
    prod = 1.0
    while True:
        u, st = _uniform(st)
        prod *= u
        if prod > exp_minus_lam:
            count += 1.0
        else:
            return count, st


@_jit
def _poisson_pass(st, mean, out):
    """``out = Poisson(max(mean, 0))`` over two (lines, samples) arrays in C order. Returns the state, the flat
    index of the first NaN or too large mean (-1 if none) and the largest count."""
    last = -1.0
    exp_minus_lam = 1.0
    most = -np.inf
    for i in range(mean.shape[0]):
        for j in range(mean.shape[1]):
            lam = mean[i, j]
            if not lam <= POISSON_LAM_MAX:
                return st, i * mean.shape[1] + j, most
            if lam >= 10.0:
                # PTRS, transformed rejection with squeeze (W. Hoermann, Insurance: Mathematics and Economics 12,
                # 39-45, 1993), the method and constants of numpy's Generator.poisson for lam >= 10: each try
                # takes two uniforms U, V; ~4 in 5 first tries pass the quick test here, the rest go on in
                # _ptrs_finish.
                b = 0.931 + 2.53 * math.sqrt(lam)
                a = -0.059 + 0.02483 * b
                v_r = 0.9277 - 3.6224 / (b - 2.0)
                u, st = _uniform(st)
                u = u - 0.5
                v, st = _uniform(st)
                us = 0.5 - abs(u)
                if us >= 0.07 and v <= v_r:
                    k = np.floor((2.0 * a / us + b) * u + lam + 0.43)
                else:
                    k, st = _ptrs_finish(st, lam, a, b, v_r, u, v)
            elif lam > 0.0:
                if lam != last:      # neighbours often share a mean (dark sky): exp once per run of them
                    exp_minus_lam = math.exp(-lam)
                    last = lam
                k, st = _poisson_mult(st, exp_minus_lam)
            else:
                k = 0.0
            out[i, j] = k
            if k > most:
                most = k
    return st, -1, most


@_jit
def _mean_block(e, flat, use_flat, hot, use_hot, use_dark, dark, c0, out):
    """:func:`mean_charge`'s three steps on columns ``c0 ..`` of the framelet arrays ``e``, ``flat``, ``hot`` (the
    hot pixels' charge, e-) into ``out`` (lines, width), in its order: ``e x flat``, ``+ dark``, ``+ hot``.
    Returns ``np.max(out)`` (NaN if any is NaN, -inf if ``out`` is empty)."""
    most = -np.inf
    nan = False
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            v = e[i, c0 + j]
            if use_flat:
                v = v * flat[i, c0 + j]
            if use_dark:
                v = v + dark
            if use_hot:
                v = v + hot[i, c0 + j]
            out[i, j] = v
            if v > most:
                most = v
            elif v != v:
                nan = True
    return np.nan if nan else most


@_jit
def _dn(x, denom, bias, top):
    """``electrons_to_dn`` and ``electronics.adc`` of one pixel: NaN -> 0, floor, clip to 0..top."""
    d = x / denom + bias
    if d != d:
        d = 0.0
    d = np.floor(d)
    if d < 0.0:
        d = 0.0
    elif d > top:
        d = top
    return d


@_jit
def _adc_pass(st, img, read_e, rho, innov, read_noise, denom, bias, top, c0, out, quiet, quiet_out, pair):
    """``add_read_noise`` (when ``read_noise``: per line, ``n = read_e z`` at the block's first column, then
    ``n = rho n + innov z``) and :func:`_dn` per pixel of ``img`` (lines, width) with the framelet-wide bias map
    ``bias`` (DN), written to columns ``c0 ..`` of ``out`` (any real dtype: the DN are whole); with ``pair``, in
    the same sweep, :func:`_dn` of ``quiet`` into ``quiet_out`` (no read noise, no draws: the draws are those of
    two passes). Returns the state."""
    for i in range(img.shape[0]):
        n = 0.0
        for j in range(img.shape[1]):
            x = img[i, j]
            if read_noise:
                z, st = _normal(st)
                n = read_e * z if j == 0 else rho * n + innov * z
                x = x + n
            b = bias[i, c0 + j]
            out[i, c0 + j] = _dn(x, denom, b, top)
            if pair:
                quiet_out[i, c0 + j] = _dn(quiet[i, j], denom, b, top)
    return st


@_jit
def _state_tuple(s):
    return (s[0], s[1], s[2], s[3])


@_jit
def _shot_entry(s, mean, out):
    """:func:`_poisson_pass` drawing from the state array ``s`` (advanced in place); returns (bad index, max)."""
    st, bad, most = _poisson_pass(_state_tuple(s), mean, out)
    s[0], s[1] = st[0], st[1]
    return bad, most


@_jit
def _adc_entry(s, img, read_e, rho, innov, read_noise, denom, bias, top, c0, out):
    """:func:`_adc_pass` drawing from the state array ``s`` (advanced in place)."""
    st = _adc_pass(_state_tuple(s), img, read_e, rho, innov, read_noise, denom, bias, top, c0, out, img, out, False)
    s[0], s[1] = st[0], st[1]


@_jit
def _chain_block(s, e, flat, use_flat, hot, use_hot, use_dark, dark, c0, shot, full_well, read_e, rho, innov,
                 read_noise, denom, bias, top, mean, noisy, noisy_out, quiet_out):
    """The chain with its truth on one column block in one call, when no step needs numpy: mean charge into
    ``mean``, shot noise into ``noisy`` (``noisy is mean`` without it), then, if neither image exceeds
    ``full_well`` (inf when the full well is off), read noise and ADC of both into the framelet outputs.
    Returns (finished, bad mean index, max of noisy, max of mean); unfinished, the caller blooms and runs
    :func:`_adc_entry` itself."""
    most_mean = _mean_block(e, flat, use_flat, hot, use_hot, use_dark, dark, c0, mean)
    st = _state_tuple(s)
    bad, most = -1, most_mean
    if shot:
        st, bad, most = _poisson_pass(st, mean, noisy)
    done = bad < 0 and not (most > full_well or most_mean > full_well)
    if done:
        st = _adc_pass(st, noisy, read_e, rho, innov, read_noise, denom, bias, top, c0, noisy_out, mean, quiet_out,
                       True)
    s[0], s[1] = st[0], st[1]
    return done, bad, most, most_mean

"""The renderer's own branch-free arc tangent / arc cosine (``compiled._atan2`` / ``_acos``) against libm.

They replace ``math.atan2`` / ``math.acos`` in the compiled geometry loops (so those loops vectorise); libm is
(nearly) correctly rounded; ours stay within ~2e-16 rad of the truth below pi/2 (atan2: <= 2.8 ulp, acos:
<= 1.1 ulp) and within ~1 ulp above (docs/compiled_trig_fit.py --check against mpmath), so the two differ by at
most ``MAX_ULPS`` ulps of the result and ``MAX_ABS_RAD``. The special values the renderer
relies on (signed zeros, +-pi, the quadrants, NaN) are exact.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.render import compiled

MAX_ULPS = 3.5           # |ours - libm| in ulps of libm's result (ours <= 2.8 from the truth, libm ~0.5)
MAX_ABS_RAD = 7e-16      # absolute (ours <= 4.9e-16 past pi/2, where an ulp is 4.4e-16; libm <= 2.2e-16)
BATCH = 4000             # arguments per seeded batch

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba not installed: the numpy path is used")

if compiled.AVAILABLE:
    import numba

    @numba.njit(error_model="numpy")
    def _atan2_loop(y, x, out):         # the vectorised form the staged column loops use
        for k in range(y.size):
            out[k] = compiled._atan2(y[k], x[k])

    @numba.njit(error_model="numpy")
    def _acos_loop(c, out):
        for k in range(c.size):
            out[k] = compiled._acos(c[k])


def _ulps(got: float, ref: float) -> float:
    """|got - ref| in ulps of ``ref`` (0 when both are the same NaN-free value, inf for a NaN mismatch)."""
    if math.isnan(ref) or math.isnan(got):
        return 0.0 if math.isnan(ref) and math.isnan(got) else math.inf
    if got == ref:
        return 0.0
    return abs(got - ref) / float(np.spacing(abs(ref)))


def _worst(got: np.ndarray, ref: np.ndarray) -> tuple[float, int]:
    errs = [_ulps(float(g), float(r)) for g, r in zip(got, ref)]
    k = int(np.argmax(errs))
    return errs[k], k


@given(st.floats(), st.floats())
def test_atan2_matches_libm_over_all_doubles(y, x):
    got, ref = compiled._atan2(y, x), math.atan2(y, x)
    err = _ulps(got, ref)
    assert err <= MAX_ULPS, f"atan2({y!r}, {x!r}) = {got!r}, libm {ref!r}: {err:.3g} ulp > {MAX_ULPS}"
    assert math.isnan(ref) or abs(got - ref) <= MAX_ABS_RAD, f"atan2({y!r}, {x!r}): {got!r} vs {ref!r}"
    assert math.isnan(ref) or math.copysign(1.0, got) == math.copysign(1.0, ref), (
        f"atan2({y!r}, {x!r}) = {got!r}: sign differs from libm's {ref!r}")


@given(st.floats(-1.0, 1.0))
def test_acos_matches_libm_on_its_domain(c):
    got, ref = compiled._acos(c), math.acos(c)
    err = _ulps(got, ref)
    assert err <= MAX_ULPS and abs(got - ref) <= MAX_ABS_RAD, (
        f"acos({c!r}) = {got!r}, libm {ref!r}: {err:.3g} ulp ({abs(got - ref):.3g} rad)")


@given(st.integers(1, 60), st.sampled_from([-1.0, 1.0]), st.floats(0.0, 1.0))
def test_acos_near_plus_minus_one(k, sign, frac):
    """The steep ends: c = +-(1 - d) with d from 2^-53 to ~1 (where the cancellation would show)."""
    c = sign * (1.0 - math.ldexp(1.0 + frac, -k - 1))
    got, ref = compiled._acos(c), math.acos(c)
    err = _ulps(got, ref)
    assert err <= MAX_ULPS, f"acos({c!r}) = {got!r}, libm {ref!r}: {err:.3g} ulp"


@given(st.floats(allow_nan=False).filter(lambda c: abs(c) > 1.0) | st.just(math.nan))
def test_acos_outside_its_domain_is_nan(c):
    assert math.isnan(compiled._acos(c)), f"acos({c!r}) = {compiled._acos(c)!r}, expected NaN (libm raises)"


@given(st.integers(0, 2**32 - 1), st.floats(-320.0, 288.0), st.floats(0.0, 20.0))
def test_atan2_batch_log_uniform(seed, log_scale, log_spread):
    """Seeded batches through the vectorised loop: magnitudes 10^(scale +- spread) (subnormal to huge, ratios
    up to 1e40 either way), random signs, plus signed zeros; the worst error is reported with its input."""
    rng = np.random.default_rng(seed)
    mag = 10.0 ** (log_scale + rng.uniform(-log_spread, log_spread, size=(2, BATCH)))
    y, x = mag * rng.choice([-1.0, 1.0], size=(2, BATCH))
    y[:8], x[8:16] = np.array([0.0, -0.0] * 4), np.array([0.0, -0.0] * 4)
    got = np.empty(BATCH)
    _atan2_loop(y, x, got)
    ref = np.array([math.atan2(a, b) for a, b in zip(y, x)])
    err, k = _worst(got, ref)
    assert err <= MAX_ULPS and np.all(np.abs(got - ref) <= MAX_ABS_RAD), (
        f"worst {err:.3g} ulp at atan2({y[k]!r}, {x[k]!r}) = {got[k]!r}, libm {ref[k]!r}")
    assert np.array_equal(np.signbit(got), np.signbit(ref)), "a sign differs from libm's"


@given(st.integers(0, 2**32 - 1))
def test_acos_batch(seed):
    rng = np.random.default_rng(seed)
    sign = rng.choice([-1.0, 1.0], BATCH // 2)
    c = np.concatenate([rng.uniform(-1.0, 1.0, BATCH // 2), sign[::2] * rng.uniform(0.45, 0.55, BATCH // 4),
                        sign[1::2] * (1.0 - 10.0 ** rng.uniform(-16.5, 0.0, BATCH // 4))])   # near +-1/2, +-1
    got = np.empty(c.size)
    _acos_loop(c, got)
    ref = np.array([math.acos(v) for v in c])
    err, k = _worst(got, ref)
    assert err <= MAX_ULPS and np.all(np.abs(got - ref) <= MAX_ABS_RAD), (
        f"worst {err:.3g} ulp at acos({c[k]!r}) = {got[k]!r}, libm {ref[k]!r}")


SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 1.0, -1.0, 1e308, -1e308, math.inf, -math.inf, math.nan]


@pytest.mark.parametrize("y", SPECIAL)
@pytest.mark.parametrize("x", SPECIAL)
def test_atan2_special_values_exact(y, x):
    """Zeros, the smallest subnormal, huge values, infinities: libm's value, bit for bit (NaN for NaN)."""
    got, ref = compiled._atan2(y, x), math.atan2(y, x)
    if math.isnan(ref):
        assert math.isnan(got), f"atan2({y!r}, {x!r}) = {got!r}, expected NaN"
    else:
        assert got == ref and math.copysign(1.0, got) == math.copysign(1.0, ref), (
            f"atan2({y!r}, {x!r}) = {got!r}, libm {ref!r}")


def test_acos_special_values_exact():
    for c, expected in ((1.0, 0.0), (-1.0, math.pi), (0.0, math.pi / 2), (-0.0, math.pi / 2)):
        got = compiled._acos(c)
        assert got == expected and math.copysign(1.0, got) == 1.0, f"acos({c!r}) = {got!r}, expected {expected!r}"


@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(allow_nan=False, allow_infinity=False))
def test_west_longitude_in_range_and_exact_on_the_axes(px, py):
    """``_west_longitude`` (built on ``_atan2``) stays in [0, 360) and equals ``-atan2 % 360`` from libm to
    the angle tolerance; on the x axis it is exactly 0 or 180 whatever the zero's sign."""
    lon = compiled._west_longitude(px, py)
    ref = (-math.degrees(math.atan2(py, px))) % 360.0
    assert 0.0 <= lon < 360.0, f"_west_longitude({px!r}, {py!r}) = {lon!r} outside [0, 360)"
    diff = min(abs(lon - ref), 360.0 - abs(lon - ref))      # 360 - tiny and 0 are the same longitude
    assert diff <= math.degrees(MAX_ABS_RAD) * 2, f"_west_longitude({px!r}, {py!r}) = {lon!r}, libm {ref!r}"
    if px != 0.0:
        for zero in (0.0, -0.0):
            on_axis = compiled._west_longitude(px, zero)
            assert on_axis == (0.0 if px > 0.0 else 180.0), f"_west_longitude({px!r}, {zero!r}) = {on_axis!r}"


@pytest.mark.parametrize("unit", [5e-324, 1e-310, 1e-300, 1e300, 8.9e306])
def test_atan2_pairs_at_the_ends_of_the_range(unit):
    """Pairs of small multiples of a subnormal / tiny / huge unit (the reduction's products and sums would
    round or overflow there without the power-of-2 scaling)."""
    k = np.arange(1.0, 21.0)
    y, x = (v.ravel() * unit for v in np.meshgrid(k, k))
    for sy, sx in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
        got = np.empty(y.size)
        _atan2_loop(sy * y, sx * x, got)
        ref = np.array([math.atan2(a, b) for a, b in zip(sy * y, sx * x)])
        err, i = _worst(got, ref)
        assert err <= MAX_ULPS, (
            f"worst {err:.3g} ulp at atan2({sy * y[i]!r}, {sx * x[i]!r}) = {got[i]!r}, libm {ref[i]!r}")

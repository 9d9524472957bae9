"""Derivation of the constants of ``simulator/render/compiled_trig.py``'s ``_atan2`` / ``_acos`` (not run by the
package).

Run with any Python that has mpmath (not a project dependency; the project's code only uses the printed
constants)::

    python docs/compiled_trig_fit.py            # prints the coefficients and the split constants
    python docs/compiled_trig_fit.py --check    # also measures the error of compiled_trig.py's functions

``_atan2`` reduces every argument pair to ``v`` with ``|v| <= tan(pi/8)`` and evaluates
``atan(v) = v + v * w * g(w)`` with ``w = v * v``, where

    g(w) = (atan(sqrt(w)) - sqrt(w)) / w^(3/2)        (g(0) = -1/3)

is smooth on ``[0, tan(pi/8)^2]`` (its nearest singularity is at w = -1, so its Chebyshev series on the interval
converges by a factor ~25 per degree). The polynomial is the Chebyshev interpolant of ``g`` at 50 digits
(``mpmath.chebyfit``, near-minimax) on the interval widened by 2 % (the reduced argument's rounding can cross
tan(pi/8) by an ulp), converted to powers of ``w`` and rounded to doubles. With N_ATAN coefficients the fit error
of ``g`` is < 4e-17, i.e. < 3e-18 rad in ``atan(v)`` (``|v|^3 <= 0.071``): far below the rounding of the
final sum and of the reduced argument, which bound the functions' error: measured (``--check``, 150,000 pairs) at most
~1.8e-16 rad (<= 2.8 ulp: the reduced argument's ~7e-17 rad shows most in [0.39, 0.5) rad, where an ulp is
5.6e-17) for results below pi/2, at most ~3.6e-16 rad (< 1 ulp) for results up to pi. ``_acos``: <= 1.1 ulp
(<= 2.2e-16 rad below pi/2, <= 4.9e-16 rad above).

``_acos`` evaluates ``asin(s) = s + s z r(z)`` with ``z = s^2``: for ``|c| <= 1/2`` ``s = c`` and
``acos(c) = pi/2 - asin(c)``; beyond, ``z = (1 - |c|) / 2`` (exact), ``s = sqrt(z)`` and ``acos(|c|) = 2 asin(s)``
(``pi - 2 asin(s)`` for negative ``c``). ``r(z) = (asin(sqrt z) - sqrt z) / z^(3/2)`` (r(0) = 1/6) is fitted the
same way on ``[0, 1/4]`` widened by 1 % (N_ASIN coefficients, fit error < 2e-17, i.e. < 3e-18 rad since
``s z <= 1/8``).

pi/4 is split ``hi + lo``: ``hi`` pi/4 rounded down to 48 significant bits (so ``q hi`` is exact for the
multiples q = 0..4 the reduction adds), ``lo`` the nearest double to the rest; ``q hi + q lo`` rounds to the
nearest double of ``q pi/4`` (checked below).
"""

from __future__ import annotations

import sys

import mpmath as mp

mp.mp.dps = 50
N_ATAN = 11                 # coefficients (degree 10 in w, 21 in v); the fit error is printed
N_ASIN = 13                 # coefficients of r (degree 12 in z)
WIDEN = mp.mpf("1.02")      # interval margin for the reduced argument's rounding


def _g(w):
    if w == 0:
        return mp.mpf(-1) / 3
    s = mp.sqrt(w)
    return (mp.atan(s) - s) / (s ** 3)


def _r(z):
    if z == 0:
        return mp.mpf(1) / 6
    s = mp.sqrt(z)
    return (mp.asin(s) - s) / (s ** 3)


def atan_coefficients(n: int = N_ATAN):
    """Coefficients of g in powers of w, lowest first, as doubles, and the fit's maximum error."""
    w_max = mp.tan(mp.pi / 8) ** 2 * WIDEN
    coeffs, err = mp.chebyfit(_g, [0, w_max], n, error=True)     # highest degree first
    return [float(c) for c in reversed(coeffs)], err


def asin_coefficients(n: int = N_ASIN):
    """Coefficients of r in powers of z, lowest first, as doubles, and the fit's maximum error."""
    coeffs, err = mp.chebyfit(_r, [0, mp.mpf("0.25") * mp.mpf("1.01")], n, error=True)
    return [float(c) for c in reversed(coeffs)], err


def split_pi_4(bits: int = 48):
    mant, exp = mp.frexp(mp.pi / 4)
    hi = float(mp.ldexp(mp.floor(mp.ldexp(mant, bits)), exp - bits))
    lo = float(mp.pi / 4 - mp.mpf(hi))
    for q in range(5):
        assert q * hi == float(mp.mpf(q) * mp.mpf(hi)) and q * hi + q * lo == float(q * mp.pi / 4), q
    return hi, lo


def check(samples: int = 150_000, seed: int = 1):
    """The maximum absolute error (rad) and error in ulps of compiled_trig._atan2 / _acos against mpmath, on random
    arguments (acos: uniform on [-1, 1], and near +-1 and +-1/2). Without numba the functions are plain Python,
    same operations; ``math.sqrt`` raises on ``|c| > 1`` there, so only the domain is sampled."""
    import random

    import importlib.util
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parents[1] / "simulator" / "render"
    for name in ("compiled_jit", "compiled_trig"):      # the two modules alone (not the renderer's package)
        spec = importlib.util.spec_from_file_location(f"simulator.render.{name}", here / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    compiled = sys.modules["simulator.render.compiled_trig"]

    rng = random.Random(seed)
    worst = {"atan2": [0.0, None, 0.0, None], "acos": [0.0, None, 0.0, None]}    # rad, at; ulps, at

    def note(name, got, ref, arg):
        err = abs(mp.mpf(got) - ref)
        ulps = err / mp.ldexp(1, int(mp.floor(mp.log(abs(ref), 2))) - 52) if ref != 0 else err
        w = worst[name]
        if err > w[0]:
            w[0:2] = float(err), arg
        if ulps > w[2]:
            w[2:4] = float(ulps), arg

    for _ in range(samples):
        y, x = (rng.choice((-1, 1)) * 10 ** rng.uniform(-3, 3) for _ in range(2))
        if rng.random() < 0.5:      # half near the reduction's seam (ratios 0.3..1: results 0.29..0.79 rad)
            y = x * rng.choice((-1, 1)) * rng.uniform(0.3, 1.0)
            y, x = (x, y) if rng.random() < 0.5 else (y, x)
        note("atan2", compiled._atan2(y, x), mp.atan2(y, x), (y, x))
        c = rng.uniform(-1, 1) if rng.random() < 0.5 else rng.choice((-1, 1)) * (1 - 10 ** rng.uniform(-16, 0))
        c = rng.choice((-1, 1)) * rng.uniform(0.45, 0.55) if rng.random() < 0.2 else c
        note("acos", compiled._acos(c), mp.acos(c), c)
    return worst


if __name__ == "__main__":
    coeffs, err = atan_coefficients()
    print(f"g fit: {N_ATAN} coefficients, max error {mp.nstr(err, 3)}")
    print("_ATAN_G = (" + ", ".join(repr(c) for c in coeffs) + ")")
    coeffs, err = asin_coefficients()
    print(f"r fit: {N_ASIN} coefficients, max error {mp.nstr(err, 3)}")
    print("_ASIN_R = (" + ", ".join(repr(c) for c in coeffs) + ")")
    print(f"_PI_4_HI, _PI_4_LO = {split_pi_4()}")
    print(f"_TAN_PI_8 = {float(mp.tan(mp.pi / 8))!r}")
    if "--check" in sys.argv:
        for name, (e, at_e, u, at_u) in check().items():
            print(f"{name}: max error {e:.3g} rad at {at_e!r}; {u:.3g} ulp of the result at {at_u!r}")

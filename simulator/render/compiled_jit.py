"""The numba decorators of the renderer's compiled geometry (the ``compiled*.py`` family) and their cache key.

The family: :mod:`~simulator.render.compiled_trig` (sine series, branch-free arc tangent / arc cosine),
:mod:`~simulator.render.compiled_ray` (the per-ray scalar replica of ``Geometry.intercept`` / ``illumination``),
:mod:`~simulator.render.compiled_window` (the staged parallel window loop) and :mod:`~simulator.render.compiled`
(the serial loops and the entry points the renderer calls).

Every function is compiled with ``cache=True`` (the first run compiles into ``__pycache__``, later processes load
it). numba's cache tracks only the file a cached function is defined in (numba's documentation: "Cache
invalidation fails to recognize changes in functions defined in a different file"; numba issue #1833), while
the loops inline the per-ray functions of their sibling modules. So every cached function of the family keys
its entries also on :data:`FAMILY_DIGEST`, a digest of all the family's sources: an edit in any of them
recompiles every loop that might inline it, as when the family was one file. Without numba (or with
``NUMBA_DISABLE_JIT=1``) the decorators return the plain Python functions and :data:`AVAILABLE` is False.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; the numpy path is the fallback
    numba = None

AVAILABLE = numba is not None and not numba.config.DISABLE_JIT   # NUMBA_DISABLE_JIT=1: the numpy replicas

FAMILY_SOURCES = ("compiled.py", "compiled_jit.py", "compiled_trig.py", "compiled_ray.py", "compiled_window.py")


def _family_digest() -> str:
    """SHA-256 of the family's sources in :data:`FAMILY_SOURCES` order ("" when one cannot be read, e.g. from a
    zip: then numba's own per-file invalidation applies alone)."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    try:
        for name in FAMILY_SOURCES:
            digest.update((here / name).read_bytes())
    except OSError:
        return ""
    return digest.hexdigest()


FAMILY_DIGEST = _family_digest()

_FamilyCache = None
if numba is not None:
    try:
        from numba.core.caching import FunctionCache as _FunctionCache
    except ImportError:  # pragma: no cover - numba's layout changed: its per-file invalidation applies alone
        _FunctionCache = None
    if _FunctionCache is not None and hasattr(_FunctionCache, "_index_key"):
        class _FamilyCache(_FunctionCache):
            """numba's per-function cache whose index keys also carry :data:`FAMILY_DIGEST`."""

            def _index_key(self, sig, codegen):
                return super()._index_key(sig, codegen) + (FAMILY_DIGEST,)


def _njit(fn, **options):
    """``numba.njit(cache=True, nogil=True, **options)(fn)`` with the family's cache key (``fn`` without numba)."""
    if numba is None:
        return fn
    dispatcher = numba.njit(cache=True, nogil=True, **options)(fn)
    if _FamilyCache is not None and FAMILY_DIGEST and not numba.config.DISABLE_JIT:
        dispatcher._cache = _FamilyCache(fn)     # before the first call, which loads or compiles
    return dispatcher


def _jit(fn):
    return _njit(fn)


def _jit_inline(fn):
    """Per-ray functions: inlined into each loop at numba's IR level (calls with array arguments are costly)."""
    return _njit(fn, inline="always")


def _jit_parallel(fn):
    return _njit(fn, parallel=True)


def _jit_columns(fn):
    """Staged row loops: ``error_model="numpy"`` (a division by zero gives inf/NaN instead of a raise check per
    division, which would keep the column loops from vectorising). No fastmath: every operation is the scalar
    functions' own, in their order, so the values are bit-identical to them."""
    return _njit(fn, error_model="numpy")


_prange = numba.prange if numba is not None else range

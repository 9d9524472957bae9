"""How a quantised truth plane is laid out in its FITS extension: values, line differences or a residual.

A float backplane quantised with step ``s`` is the integer plane ``q = rint(value / s)``. At the default coding
(``TruthStorage.coding = "differences"``) the extension stores integers from which ``q`` is rebuilt exactly:

- ``QCODING = 'LINEDIFF'`` (every quantised float plane): ``d[line] = q[line] - q[line - 1]`` within each tile
  of ``QLINES`` lines (one framelet; the tile's first line keeps ``q``). The decoder sums ``d`` down each
  column of each tile (``numpy.cumsum`` over lines) and multiplies by ``QSTEP``; with ``QMODULUS`` (LON_W:
  360 deg / step) the differences are wrapped into ``[-M/2, M/2)`` and the sums taken modulo ``M``, so the
  0/360 deg seam costs nothing. Where the plane is NaN (off the body: ``QNULL = 'BODY=0'``, exactly where the
  BODY plane is 0) ``d`` is 0, so the sum carries the last value above and the decoder sets NaN there.
- ``QCODING = 'PGRESID'`` (LAT_PC): the residual of the planetocentric latitude from the closed form of the
  decoded planetographic latitude on Jupiter's spheroid, ``LAT_PC = atan2(c^2 sin LAT_PG, a^2 cos LAT_PG) +
  QSTEP x r`` with ``a = QRADEQ``, ``c = QRADPOL`` (km). On Jupiter ``r`` is 0 or +-1 (|dpc/dpg| <= (a/c)^2 =
  1.14 times LAT_PG's rounding), so the plane costs almost nothing; on other bodies it holds their own
  difference. Accuracy: within ``QSTEP / 2`` of the renderer's LAT_PC, like any quantised plane.

Why (issue #16, measured on the 26-frame BLUE/GREEN/RED default image, MB of the plane's extension): the
geometry planes are ramps of ~1,800 steps per pixel, which every FITS tile codec pays ~11-12 bits for (RICE_1
codes first differences along a row, HCOMPRESS_1 Haar coefficients); their line differences vary by a few
steps per pixel, and RICE_1 (which differences them again along the row: a 2-D second difference) codes them
in 2-6 bits: LAT_PG 12.9 -> 6.3, LON_W 11.0 -> 4.7, RANGE 6.5 -> 3.0, PIXEL_SCALE 6.1 -> 2.8, EMISSION 5.3 ->
2.5, PHASE 4.0 -> 2.3, INCIDENCE 3.5 -> 2.3, IOF 8.8 -> 7.6, DN12 8.4 -> 7.8, LAT_PC 12.6 -> ~0, in ~0.1 CPU s
of RICE_1 each where HCOMPRESS_1 took ~0.7 s (HCOMPRESS_1 on the differences: within +-10 %, not worth its
time). The price: a FITS reader that does not know these cards sees the integers; ``coding = "values"`` keeps
every plane as quantised floats any reader decodes (larger: 12.4 x the raw PNG instead of ~7).

Every function here is pure numpy; :mod:`simulator.products.truth` encodes with them and
:mod:`simulator.products.reader` (``TruthFile``) decodes.
"""

from __future__ import annotations

import numpy as np

from scenes.ellipsoid import JUPITER_RADII_KM as _JUPITER_TRIAXIAL_KM
from scenes.ellipsoid import planetocentric_from_planetographic_deg
from simulator.errors import ProductError

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; the numpy path is the fallback
    numba = None
COMPILED = numba is not None and not numba.config.DISABLE_JIT   # one compiled pass per plane, same integers


def _jit(fn):
    return numba.njit(cache=True, nogil=True)(fn) if COMPILED else fn

CODINGS: tuple[str, ...] = ("differences", "values")   # TruthStorage.coding
LINE_DIFFERENCES = "LINEDIFF"
PG_RESIDUAL = "PGRESID"
NULL_WHERE_SKY = "BODY=0"
# Jupiter's equatorial and polar radii, km (scenes.ellipsoid's, facts.md "Jupiter": pck00010): the spheroid of
# LAT_PC's closed form. Only a predictor: a product rendered with other radii stores a larger (still exact)
# residual.
JUPITER_RADII_KM: tuple[float, float] = (_JUPITER_TRIAXIAL_KM[0], _JUPITER_TRIAXIAL_KM[2])
INTEGER_LIMIT = 2 ** 30   # |q| must stay below this, so differences fit int32; else the plane is stored as values
HEADER_KEYS = ("QCODING", "QSTEP", "QLINES", "QMODULUS", "QNULL", "QRADEQ", "QRADPOL")   # what decode() reads
MODULAR_PLANES = {"LON_W": 360.0}   # plane -> period (its unit): differences wrapped, sums taken modulo it


def quantised(data: np.ndarray, step: float, body: np.ndarray | None) -> np.ndarray | None:
    """``rint(data / step)`` as int64 (0 where NaN), or None when the plane cannot be line-coded.

    A plane can be when every value is finite or NaN exactly where ``body`` is 0 (the renderer's convention
    for geometry planes), and ``|q| <`` :data:`INTEGER_LIMIT`.
    """
    values = np.asarray(data, dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all():
        if body is None or np.isinf(values).any() or not np.array_equal(~finite, np.asarray(body) == 0):
            return None
    q = np.rint(np.where(finite, values, 0.0) / step)
    if q.size and np.abs(q).max() >= INTEGER_LIMIT:
        return None
    return q.astype(np.int64)


def modulus(name: str, step: float) -> int | None:
    """The integer period of plane ``name`` at ``step`` (LON_W: 360 deg / step), when it is a whole number."""
    period = MODULAR_PLANES.get(name)
    if period is None:
        return None
    m = period / step
    return int(m) if m == int(m) and m < INTEGER_LIMIT else None


def _native(array) -> np.ndarray:
    """``array`` as a plain ndarray in the machine's byte order (FITS data are big-endian)."""
    array = np.asarray(array)
    return array.astype(array.dtype.newbyteorder("="), copy=False)


def _tiles(plane: np.ndarray, tile_lines: int) -> np.ndarray:
    lines, samples = plane.shape
    if lines % tile_lines:
        raise ProductError(f"truth plane of {lines} lines is not a whole number of {tile_lines}-line tiles")
    return plane.reshape(lines // tile_lines, tile_lines, samples)


def line_differences(q: np.ndarray, null: np.ndarray | None, tile_lines: int, period: int | None = None) -> np.ndarray:
    """The stored int32 plane of a ``LINEDIFF`` plane: ``q`` differenced down the lines of each tile.

    Parameters
    ----------
    q : (lines, samples) int64 quantised values (anything where ``null``).
    null : (lines, samples) bool, pixels decoded as NaN (their difference is 0: the sum carries), or None.
    tile_lines : lines per tile (lines must be a whole number of tiles).
    period : modulus of the values (LON_W), or None.
    """
    q = np.asarray(q, dtype=np.int64)
    if null is not None and null.any():
        # carry the last non-null value down each column of a tile (0 above the first one)
        t_null = _tiles(null, tile_lines)
        rows = np.where(t_null, 0, np.arange(tile_lines)[None, :, None])
        np.maximum.accumulate(rows, axis=1, out=rows)
        q = np.take_along_axis(np.where(null, 0, q).reshape(t_null.shape), rows, axis=1)
    else:
        q = _tiles(q, tile_lines)
    d = np.diff(q, axis=1, prepend=0)
    if period is not None:
        d = (d + period // 2) % period - period // 2
    return d.reshape(-1, d.shape[-1]).astype(np.int32)


def integrate_lines(d: np.ndarray, tile_lines: int, period: int | None = None) -> np.ndarray:
    """Inverse of :func:`line_differences`: (lines, samples) int64 ``q`` (carried values where null).

    ``d`` starts on a tile boundary; its last tile may be cut short (a band of rows read from a file).
    """
    d = np.asarray(d, dtype=np.int64)
    whole = d.shape[0] - d.shape[0] % tile_lines
    q = np.empty_like(d)
    np.cumsum(_tiles(d[:whole], tile_lines), axis=1, out=_tiles(q[:whole], tile_lines))
    np.cumsum(d[whole:], axis=0, out=q[whole:])
    if period is not None:
        q %= period
    return q


@_jit
def _encode_lines(values, body, step, tile_lines, period, tiles, out):  # pragma: no cover - compiled
    """One pass of :func:`quantised` + :func:`line_differences` into ``out``, whose tile ``u`` is tile
    ``tiles[u]`` of ``values`` / ``body``; returns -1 (cannot be line-coded: NaN where body is not 0, or a value
    beyond :data:`INTEGER_LIMIT` steps), else bit 0 = NaN seen (where body is 0), bit 1 = a finite value where
    body is 0 (a plane with both cannot be line-coded either: :func:`encode_lines`)."""
    lines, samples = out.shape
    last = np.zeros(samples, np.int64)
    has_nan = False
    finite_on_sky = False
    half = period // 2
    for i in range(lines):
        if i % tile_lines == 0:
            last[:] = 0
        src = tiles[i // tile_lines] * tile_lines + i % tile_lines
        for j in range(samples):
            v = values[src, j]
            if v != v:
                if body[src, j] != 0:
                    return -1
                has_nan = True
                out[i, j] = 0
                continue
            if body[src, j] == 0:
                finite_on_sky = True
            q = np.rint(v / step)
            if not abs(q) < INTEGER_LIMIT:       # also infinities
                return -1
            k = np.int64(q)
            if period > 0:
                k %= period
            d = k - last[j]
            if period > 0:
                d = (d + half) % period - half
            out[i, j] = d
            last[j] = k
    return (1 if has_nan else 0) | (2 if finite_on_sky else 0)


def encode_lines(data: np.ndarray, step: float, body: np.ndarray | None, tile_lines: int,
                 period: int | None = None, tiles=None) -> tuple[np.ndarray, bool] | None:
    """The stored int32 plane of a ``LINEDIFF`` plane and whether it has NaN (where ``body`` is 0), or None.

    ``tiles``: code only these tiles of ``data`` (and ``body``), in this order (None: all). Same integers as
    :func:`quantised` then :func:`line_differences` of the picked tiles (one compiled pass with numba, no copy).
    """
    data = _native(data)
    if data.shape[0] % tile_lines or data.dtype.kind != "f":
        return None
    tiles = np.arange(data.shape[0] // tile_lines) if tiles is None else np.asarray(tiles, dtype=np.int64)
    if COMPILED:
        sky = np.ones((1, 1), np.int8) if body is None else _native(body)
        if body is None:
            sky = np.broadcast_to(sky, data.shape)
        out = np.empty((len(tiles) * tile_lines, data.shape[1]), np.int32)
        status = _encode_lines(data, sky, float(step), int(tile_lines), int(period or 0), tiles, out)
        return None if status < 0 or status == 3 else (out, bool(status & 1))
    data = _tiles(data, tile_lines)[tiles].reshape(-1, data.shape[1])
    body = None if body is None else _tiles(np.asarray(body), tile_lines)[tiles].reshape(data.shape)
    q = quantised(data, step, body)
    if q is None:
        return None
    null = None if np.isfinite(data).all() else np.asarray(body) == 0
    if period is not None:
        q %= period
    return line_differences(q, null, tile_lines, period), null is not None


def encode_tile(values: np.ndarray, body: np.ndarray, step: float, period: int | None, out: np.ndarray) -> int:
    """Code one tile (``values``, ``body``: (lines, samples), native byte order) into the int32 ``out`` as
    :func:`encode_lines` codes a tile; return -1 (cannot be line-coded) or the flags: bit 0 = NaN seen (where
    ``body`` is 0), bit 1 = a finite value where ``body`` is 0 (a plane whose tiles have both cannot be coded)."""
    lines = values.shape[0]
    if COMPILED:
        return int(_encode_lines(values, body, float(step), int(lines), int(period or 0), _FIRST_TILE, out))
    values = np.asarray(values, dtype=np.float64)      # divide in float64 as the compiled loop does (float32 tiles)
    finite = np.isfinite(values)
    sky = np.asarray(body) == 0
    if np.isinf(values).any() or (~finite & ~sky).any():
        return -1
    q = np.rint(np.where(finite, values, 0.0) / step)
    if q.size and np.abs(q).max() >= INTEGER_LIMIT:
        return -1
    q = q.astype(np.int64)
    if period is not None:
        q %= period
    out[:] = line_differences(q, None if finite.all() else ~finite, lines, period)
    return (0 if finite.all() else 1) | (2 if (finite & sky).any() else 0)


_FIRST_TILE = np.zeros(1, np.int64)


@_jit
def _pg_residual(pc, pg, body, pc_step, pg_step, a, c, out):  # pragma: no cover - compiled
    """``out = rint((pc - centric(rint(pg / pg_step) x pg_step)) / pc_step)`` where body is not 0, else 0;
    -1 when ``pc`` is not NaN exactly where ``body`` is 0. ``centric`` is the arithmetic of
    ``scenes.ellipsoid.planetocentric_from_planetographic_deg`` on the (a, a, c) spheroid, operation for operation,
    so the compiled and numpy paths store the same residual."""
    lines, samples = pc.shape
    to_rad, to_deg = np.pi / 180.0, 180.0 / np.pi         # as numpy's radians / degrees
    for i in range(lines):
        for j in range(samples):
            nan = pc[i, j] != pc[i, j]
            if body[i, j] == 0:
                if not nan:
                    return -1
                out[i, j] = 0
                continue
            if nan:
                return -1
            g = np.rint(pg[i, j] / pg_step) * pg_step * to_rad
            r = np.rint((pc[i, j] - np.arctan2(np.sin(g) * c * c, np.cos(g) * a * a) * to_deg) / pc_step)
            if not abs(r) < INTEGER_LIMIT:
                return -1
            out[i, j] = np.int64(r)
    return 0


def pg_residual(pc: np.ndarray, pg: np.ndarray, body: np.ndarray, pc_step: float, pg_step: float) -> np.ndarray | None:
    """The stored int32 plane of LAT_PC as ``PGRESID`` (LAT_PG decoded from its own ``LINEDIFF`` coding at
    ``pg_step``: the caller checks LAT_PG is line-coded), or None when ``pc`` is not NaN exactly where ``body``
    is 0."""
    if COMPILED:
        out = np.empty(pc.shape, np.int32)
        a, c = JUPITER_RADII_KM
        return None if _pg_residual(_native(pc), _native(pg), _native(body), float(pc_step), float(pg_step),
                                    float(a), float(c), out) < 0 else out
    if not np.array_equal(np.asarray(body) == 0, np.isnan(pc)):
        return None
    q_pg = quantised(pg, pg_step, body)
    if q_pg is None:
        return None
    r = quantised(pc - planetocentric_from_planetographic_deg(q_pg * pg_step, _JUPITER_TRIAXIAL_KM), pc_step, body)
    return None if r is None else r.astype(np.int32)


def cards(coding: str, step: float, tile_lines: int, null: bool, period: int | None = None,
          unit: str = "") -> list[tuple[str, object, str]]:
    """Header cards of a coded plane (the decoder reads them; the comments say how)."""
    out = [("QCODING", coding, "how stored: see the COMMENT cards"),
           ("QSTEP", float(step), "decoded value = QSTEP x integer"),
           ("DUNIT", unit, "unit of the decoded plane")]
    if coding == LINE_DIFFERENCES:
        out.append(("QLINES", int(tile_lines), "sums restart every QLINES lines"))
    else:
        out += [("QRADEQ", JUPITER_RADII_KM[0], "km, spheroid equatorial radius a"),
                ("QRADPOL", JUPITER_RADII_KM[1], "km, spheroid polar radius c")]
    if period is not None:
        out.append(("QMODULUS", int(period), "sums taken modulo this (360 deg / QSTEP)"))
    if null:
        out.append(("QNULL", NULL_WHERE_SKY, "decoded plane NaN where BODY is 0"))
    return out


def recipe(coding: str) -> list[str]:
    """COMMENT lines telling any reader how to decode."""
    if coding == LINE_DIFFERENCES:
        return ["Stored: integer differences down the lines. Decode: cumulative sum over lines",
                "restarting every QLINES lines (modulo QMODULUS if present), times QSTEP;",
                "NaN where BODY = 0 if QNULL says so."]
    return ["Stored: integer residual r. Decode: LAT_PC = atan2((QRADPOL/QRADEQ)**2 sin LAT_PG,",
            "cos LAT_PG) + QSTEP x r (degrees), LAT_PG the decoded LAT_PG plane; NaN where BODY = 0."]


def decode(stored: np.ndarray, header, *, body: np.ndarray | None = None,
           lat_pg: np.ndarray | None = None) -> np.ndarray:
    """The float64 plane of a coded extension.

    Parameters
    ----------
    stored : (lines, samples) integers as read; for ``LINEDIFF`` it must start on a tile boundary.
    header : the extension's header (any mapping with its cards).
    body : (lines, samples) BODY plane of the same rows (needed when ``QNULL`` is present).
    lat_pg : (lines, samples) decoded LAT_PG of the same rows (``PGRESID``).
    """
    coding = str(header["QCODING"]).strip()
    step = float(header["QSTEP"])
    if coding == LINE_DIFFERENCES:
        period = header.get("QMODULUS")
        values = integrate_lines(stored, int(header["QLINES"]), None if period is None else int(period)) * step
    elif coding == PG_RESIDUAL:
        if lat_pg is None:
            raise ProductError("decoding LAT_PC needs the decoded LAT_PG plane of the same rows")
        a, c = float(header["QRADEQ"]), float(header["QRADPOL"])
        centric = planetocentric_from_planetographic_deg(lat_pg, (a, a, c))
        values = centric + np.asarray(stored, dtype=np.float64) * step
    else:
        raise ProductError(f"truth plane coding {coding!r} is not one of {LINE_DIFFERENCES}, {PG_RESIDUAL}")
    if header.get("QNULL") is not None:
        if body is None:
            raise ProductError("decoding a truth plane with QNULL needs the BODY plane of the same rows")
        values[np.asarray(body) == 0] = np.nan
    return values

"""Tiles of a truth plane: the coarsest exact quantisation grid, identical tiles found and stored once.

Split from :mod:`simulator.products.truth` (which re-exports these names): :func:`exact_step` (the step a
plane's values all lie on), :func:`distinct_tiles` (which framelets repeat) and :func:`share_identical_tiles`
(table rows of equal tiles pointing at one heap copy).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from simulator.errors import ProductError
from simulator.products import truth_coding


def _pick_tiles(data: np.ndarray, tiles: Sequence[int], tile_lines: int) -> np.ndarray:
    return np.concatenate([data[i * tile_lines:(i + 1) * tile_lines] for i in tiles])


GRID_MAX_DOUBLINGS = 16   # `exact_step` tries steps up to 2**16 times a plane's own (1/16 DN -> 4096 DN)
GRID_BLOCK = 1 << 20      # values checked at a time (8 MB of float64)
GRID_PROBE_STRIDE = 97    # a first look at every 97th value rejects planes off the grid in ~1% of a full pass


def exact_step(data: np.ndarray, step: float) -> float:
    """The coarsest step ``step x 2**k`` (``0 <= k <=`` :data:`GRID_MAX_DOUBLINGS`) of which every finite value
    of ``data`` is a whole multiple; ``step`` when there is none or ``step`` is not a power of two.

    Quantising with that step is exact (``value = n x step`` comes back bit for bit, NaN kept), and it saves
    the low bits that would always be zero: the renderer's DN12 is whole DN unsummed, so its configured
    1/16 DN would store 4 zero bits per pixel. Geometry planes fail the first look at a sparse sample.

    Parameters
    ----------
    data : float array (any shape), the plane's values in its unit.
    step : the plane's quantisation step (its unit), the finest the result may be.

    Returns
    -------
    float : the step to quantise ``data`` with (``>= step``).
    """
    mantissa, _ = np.frexp(step)
    if mantissa != 0.5:                     # only a power of two scales values exactly
        return step
    flat = np.asarray(data).reshape(-1)
    if truth_coding.COMPILED and flat.dtype.kind == "f":
        on_grid, low_bits = _grid_bits(truth_coding._native(flat), float(step))   # one pass, no temporaries
        if not on_grid:
            return step
        return _coarsest(step, int(low_bits))
    low_bits = 0
    for values in (flat[::GRID_PROBE_STRIDE], *(flat[i:i + GRID_BLOCK] for i in range(0, flat.size, GRID_BLOCK))):
        scaled = np.asarray(values, dtype=np.float64) / step
        scaled = scaled[np.isfinite(scaled)]
        whole = np.rint(scaled)
        if not np.array_equal(whole, scaled) or (scaled.size and np.abs(whole).max() >= 2.0 ** 62):
            return step
        if whole.size:
            low_bits |= int(np.bitwise_or.reduce(whole.astype(np.int64)))
    return _coarsest(step, low_bits)


def _coarsest(step: float, low_bits: int) -> float:
    """``step`` times 2 to the number of trailing zero bits of ``low_bits`` (the OR of every ``value / step``),
    at most :data:`GRID_MAX_DOUBLINGS` doublings."""
    doublings = GRID_MAX_DOUBLINGS if low_bits == 0 else min((low_bits & -low_bits).bit_length() - 1,
                                                            GRID_MAX_DOUBLINGS)
    return step * 2.0 ** doublings


@truth_coding._jit
def _grid_bits(flat, step):  # pragma: no cover - compiled
    """(every finite ``flat / step`` a whole number below 2**62, the OR of those numbers as int64): the numpy
    passes of :func:`exact_step` in one compiled loop that stops at the first value off the grid."""
    bits = np.int64(0)
    for i in range(flat.size):
        scaled = np.float64(flat[i]) / step
        if not np.isfinite(scaled):
            continue
        whole = np.rint(scaled)
        if whole != scaled or abs(whole) >= 2.0 ** 62:
            return False, bits
        bits |= np.int64(whole)
    return True, bits


def distinct_tiles(data: np.ndarray, tile_lines: int) -> tuple[list[int], np.ndarray | None]:
    """The first tile of each distinct content and, for every tile, which of them it equals.

    Parameters
    ----------
    data : (lines, samples) plane.
    tile_lines : tile height.

    Returns
    -------
    distinct : tile numbers (from 0, ascending) of the first tile of each distinct content.
    index : (tiles,) int, position in ``distinct`` of each tile's content; ``None`` when no two tiles are
        equal or the lines are not a whole number of tiles (the plane is then written as it is).
    """
    lines = data.shape[0]
    tiles = lines // tile_lines
    if tiles < 2 or lines % tile_lines:
        return list(range(max(tiles, 1))), None
    # A cheap fingerprint per tile (a sparse grid of its values), then equal bytes compared in full for tiles
    # whose fingerprints agree (NaN equals NaN bit for bit): no hashing of whole planes.
    sparse = np.ascontiguousarray(data.reshape(tiles, tile_lines, -1)[:, ::FINGERPRINT_STRIDE[0],
                                                                        ::FINGERPRINT_STRIDE[1]])
    candidates: dict[bytes, list[int]] = {}
    distinct: list[int] = []
    index = np.empty(tiles, np.int64)
    for t in range(tiles):
        same = candidates.setdefault(sparse[t].tobytes(), [])
        block = _tile_bytes(data, t, tile_lines) if same else None
        match = next((k for k in same if _tile_bytes(data, distinct[k], tile_lines) == block), None)
        if match is None:
            match = len(distinct)
            distinct.append(t)
            same.append(match)
        index[t] = match
    return (distinct, None) if len(distinct) == tiles else (distinct, index)


FINGERPRINT_STRIDE = (7, 13)   # (lines, samples) between the values a tile's fingerprint samples


def _tile_bytes(data: np.ndarray, tile: int, tile_lines: int) -> bytes:
    return np.ascontiguousarray(data[tile * tile_lines:(tile + 1) * tile_lines]).tobytes()


def _header_length(extension: bytes) -> int:
    """Bytes of the header at the start of ``extension`` (whole 2880-byte blocks, END card included)."""
    for card in range(0, len(extension), 80):
        if extension[card:card + 8] == b"END     ":
            return (card // 2880 + 1) * 2880
    raise ProductError("compressed truth extension has no END card")


def share_identical_tiles(extension: bytes, index: np.ndarray | None) -> bytes:
    """Turn the compressed extension of a plane's distinct tiles into the extension of the whole plane.

    ``extension`` holds tile ``k`` of the distinct tiles in table row ``k``; the result has one table row
    per tile of the plane, a copy of row ``index[t]`` for tile ``t``, so rows of equal tiles carry the same
    heap descriptor and point at one compressed copy. The FITS binary-table heap may be addressed by several
    descriptors (FITS Standard 3.0, section 7.3.6: "Pointer aliasing is permitted ... to save storage if two or
    more arrays are identical"; CFITSIO's ``fits_test_heap`` reports such shared bytes as valid); astropy and
    CFITSIO read each tile through its descriptor, so readers see the plane unchanged. ``index`` None: returned as is.
    """
    if index is None:
        return extension
    from astropy.io import fits

    start = _header_length(extension)
    header = fits.Header.fromstring(extension[:start].decode("ascii"))
    width, rows, pcount = int(header["NAXIS1"]), int(header["NAXIS2"]), int(header["PCOUNT"])
    table = np.frombuffer(extension, np.uint8, count=width * rows, offset=start).reshape(rows, width)
    heap_at = int(header.get("THEAP", width * rows))
    heap = extension[start + heap_at:start + width * rows + pcount]
    rows_out = table[index].tobytes()
    header["NAXIS2"] = len(index)
    header["ZNAXIS2"] = int(header["ZTILE2"]) * len(index)
    header["PCOUNT"] = len(heap)
    if "THEAP" in header:
        header["THEAP"] = len(rows_out)
    header.add_comment(f"{len(index)} tiles, {rows} distinct: rows of equal tiles share one heap copy.")
    body = rows_out + heap
    return header.tostring().encode("ascii") + body + b"\0" * (-len(body) % 2880)

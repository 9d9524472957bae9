"""Truth planes encoded framelet by framelet, as the renderer hands them over (issue #16).

At the default ``TruthStorage.coding = "differences"`` every stored plane is integers tiled one framelet per
tile: BODY/DEFECT as they are, each quantised float plane as its line differences restarting every tile
(``LINEDIFF``), LAT_PC as its residual from LAT_PG's closed form (``PGRESID``; :mod:`simulator.products.truth_coding`).
No tile depends on another, so a :class:`StreamedPlane` codes each framelet's tile when it arrives (one
compiled pass into a reused int32 tile) and compresses it at once with astropy's own tile codecs
(``_tiled_compression._compress_tile``, the call ``CompImageHDU`` makes per tile), keeping only the
compressed bytes: no whole plane is copied into a scratch file, read back, checked for repeats and coded
again, and astropy's per-HDU work shrinks to one one-tile template header per plane. Identical tiles are
those with identical compressed bytes (the codecs are lossless: equal bytes, equal integers) and share one
heap copy, as :func:`simulator.products.truth_tiles.share_identical_tiles` does for a whole plane.

The extension is byte for byte the one :func:`simulator.products.truth.encode_plane` writes for the whole
plane (tests/test_truth_stream.py compares them on renderer-like planes), with two documented exceptions,
both only for inputs the renderer does not produce:

- the coarsest exact step (:func:`~simulator.products.truth_tiles.exact_step`) is followed tile by tile: a
  tile off the grid the earlier tiles were on re-codes them at the finer step (decompress, shift, compress:
  the same integers as coding the whole plane at once). LAT_PC's residual is only ever coded at its
  configured step unless every residual is 0 (the whole plane's coarser step would round the residual
  differently): a LAT_PC whose every value lies on a coarser power-of-two grid keeps the finer step.
- a plane that turns out not to be line-codable after some framelets (NaN where BODY is not 0, values beyond
  ``2**30`` steps, LAT_PG failing for LAT_PC; PLIO_1 values out of range re-code as RICE_1 exactly) is
  stored losslessly (GZIP_2 floats) from the earlier tiles decoded (within ``step / 2`` of the render, NaN
  exactly where they were) and the later tiles as rendered, where the whole-plane path stores quantised values.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import nullcontext

import numpy as np

from simulator.products import truth_coding
from simulator.products.truth_tiles import GRID_MAX_DOUBLINGS, _coarsest, _grid_bits

FINGERPRINT_STRIDE = (7, 13)   # (lines, samples) between the values a tile's fingerprint samples
MAX_REPEATS = 16               # tiles per plane kept to recognise repeats without coding them (3 per filter strip)
TEMPLATE_CACHE: dict[tuple, list[str]] = {}   # (codec, dtype, tile shape) -> astropy's cards through EXTNAME
_TEMPLATE_CACHE_MAX = 256


def _astropy_tiles():
    """astropy's per-tile codec entry point, or None when this astropy lacks it (then planes are not streamed)."""
    try:
        from astropy.io.fits.hdu.compressed import _tiled_compression as tiled

        tiled._compress_tile, tiled._header_to_settings, tiled._update_tile_settings   # noqa: B018
        return tiled
    except (ImportError, AttributeError):   # pragma: no cover - a future astropy; the whole-plane path stays
        return None


def can_stream() -> bool:
    """Whether this astropy exposes the per-tile codecs :class:`StreamedPlane` uses."""
    return _astropy_tiles() is not None


class StreamedPlane:
    """One truth plane, coded and compressed tile by tile (one framelet per tile).

    Parameters
    ----------
    name : the plane (``BACKPLANES`` or a renderer plane), its stored dtype from ``truth.plane_dtype``.
    step : quantisation step of a float plane (its unit); integer planes: None.
    codec : tile codec of an integer plane (``PLIO_1`` / ``RICE_1``); coded float planes use RICE_1.
    tiles, tile_lines, samples : the plane is ``tiles x tile_lines`` lines of ``samples``.
    residual : LAT_PC coded as its residual from LAT_PG (``PGRESID``), which :meth:`add` is then given;
        ``pg_step``: LAT_PG's configured step (the residual is taken from ``rint(LAT_PG / pg_step) x pg_step``,
        which equals LAT_PG's decoded value at any exact coarser step LAT_PG ends up stored at).
    scratch : ``scratch(name, shape, dtype)`` -> a writable array, for a plane that falls back to lossless.
    """

    def __init__(self, name: str, step: float | None, codec: str, tiles: int, tile_lines: int, samples: int,
                 residual: bool = False, pg_step: float | None = None, scratch: Callable | None = None):
        from simulator.products.truth import plane_dtype

        self.name, self.tiles, self.tile_lines, self.samples = name, int(tiles), int(tile_lines), int(samples)
        self.dtype = plane_dtype(name)
        self.coded = self.dtype.kind == "f"
        self.step = float(step) if self.coded else None
        self.residual = bool(residual) and self.coded
        self._pg_step = None if pg_step is None else float(pg_step)
        self.codec = "RICE_1" if self.coded else codec
        self.scratch = scratch or (lambda n, shape, dtype: np.empty(shape, dtype))
        mantissa, _ = np.frexp(self.step) if self.coded else (0.0, 0)
        self.grid = self.coded and mantissa == 0.5       # exact_step applies (power-of-two steps only)
        self.doublings: int | None = None                 # the coarsest exact grid so far (None: no tile yet)
        self.flags = 0                                    # bit 0: a tile has NaN; bit 1: finite where BODY is 0
        self.tile_flags = np.zeros(self.tiles, np.int8)
        self.nonzero = False                              # a residual tile held anything but 0
        self.index = np.full(self.tiles, -1, np.int64)    # each tile's distinct content
        self.packed: list[bytes] = []                     # compressed distinct tiles, in first-seen order
        self._seen: dict[bytes, int] = {}
        self._prints: dict[bytes, int] = {}               # fingerprint -> the distinct content last seen with it
        self._repeats: dict[int, np.ndarray] = {}         # distinct content -> a tile's values that coded to it
        self._buffer = np.empty((self.tile_lines, self.samples), np.int32)
        self._first: list[int] = []                       # the first tile of each distinct content
        self._sky: dict[int, np.ndarray] = {}             # BODY's 0s beside the kept values (NaN decode there)
        self.fallback: np.ndarray | None = None           # lossless float plane after a failure
        self._settings = None

    # --- one framelet -------------------------------------------------------------------------------
    def add(self, tile: int, values: np.ndarray, body: np.ndarray | None, lat_pg: "StreamedPlane | None" = None,
            pg_values: np.ndarray | None = None) -> None:
        """Code and compress framelet ``tile``'s values ((tile_lines, samples), any float/int dtype).

        ``body``: the framelet's BODY tile (coded float planes); ``lat_pg``/``pg_values``: LAT_PG's stream and
        this framelet's LAT_PG (the residual).
        """
        values = np.asarray(values).reshape(self.tile_lines, self.samples)
        if self.fallback is not None:
            self.fallback[tile] = values
            return
        fingerprint = np.ascontiguousarray(values[::FINGERPRINT_STRIDE[0], ::FINGERPRINT_STRIDE[1]]).tobytes()
        k = self._prints.get(fingerprint)
        if k is not None and k in self._repeats and _same_bits(self._repeats[k], values):
            # the same values as a tile coded before (DARK, FLAT, DEFECT every frame; framelets of sky): the
            # same integers, valid if this tile's BODY agrees (NaN exactly at its 0s; finite on its sky)
            flags = self.tile_flags[self._first[k]]
            if self.coded and flags & 1:
                same = np.array_equal(body == 0, self._sky[k])
            elif self.coded:
                flags = 2 if (body == 0).any() else 0
                same = (self.flags | flags) != 3
            else:
                same = True
            if same:
                self.index[tile] = k
                self.tile_flags[tile] = flags
                self.flags |= flags
                return
        self._add(tile, values, body, lat_pg, pg_values)
        k = self.index[tile]
        if k >= 0 and self.fallback is None:
            if self._prints.get(fingerprint) == k and k not in self._repeats and len(self._repeats) < MAX_REPEATS:
                self._repeats[k] = values.copy()          # seen twice: worth comparing the next one directly
                if self.coded and self.tile_flags[tile] & 1:
                    self._sky[k] = body == 0
            self._prints[fingerprint] = k

    def _add(self, tile: int, values: np.ndarray, body, lat_pg, pg_values) -> None:
        if not self.coded:
            stored = values if values.dtype == self.dtype else values.astype(self.dtype)
            if self.codec == "PLIO_1" and stored.size and (stored.dtype.kind not in "iu" or stored.min() < 0
                                                          or stored.max() >= _plio_limit()):
                self._recode_all("RICE_1")
            self._keep(tile, stored)
            return
        if self.residual and (lat_pg is None or lat_pg.fallback is not None):
            self._fall_back(tile, values, body, lat_pg)
            return
        flags = self._code(values, body, pg_values, tile)
        if flags < 0 or (self.flags | flags) == 3:
            self._fall_back(tile, values, body, lat_pg)
            return
        self.flags |= flags
        self.tile_flags[tile] = flags
        self._keep(tile, self._buffer)

    def _code(self, values, body, pg_values, tile: int) -> int:
        """Code ``values`` into ``self._buffer``; flags (bit 0 NaN, bit 1 finite on the sky) or -1."""
        values = truth_coding._native(values)
        if self.grid:
            on_grid, bits = _grid_bits(values.reshape(-1), self.step)
            k = 0 if not on_grid else int(np.log2(_coarsest(self.step, int(bits)) / self.step))
            if self.doublings is None or (self.residual and k < self.doublings):
                self.doublings = k            # a residual is coded at its own step: only noted (extension())
            elif k < self.doublings and not self._refine(k):
                return -1
        if self.residual:
            residual = truth_coding.pg_residual(values, pg_values, body, self.step, self._pg_step)
            if residual is None:
                return -1
            self._buffer[:] = residual
            self.nonzero = self.nonzero or bool(residual.any())
            return 1
        step = self.current_step()
        period = truth_coding.modulus(self.name, step)
        sky = truth_coding._native(body) if body is not None else np.ones((1, 1), np.int8)
        if body is None:
            sky = np.broadcast_to(sky, values.shape)
        return truth_coding.encode_tile(values, sky, step, period, self._buffer)

    def current_step(self) -> float:
        """The step the tiles so far are coded at (LAT_PC's residual: always its configured step)."""
        if self.residual or not self.grid or self.doublings is None:
            return self.step
        return self.step * 2.0 ** self.doublings

    def _keep(self, tile: int, stored: np.ndarray) -> None:
        packed = self._compress(stored)
        k = self._seen.get(packed)
        if k is None:
            k = self._seen[packed] = len(self.packed)
            self.packed.append(packed)
            self._first.append(tile)
        self.index[tile] = k

    # --- codecs -------------------------------------------------------------------------------------
    def _compress(self, stored: np.ndarray) -> bytes:
        from simulator.products.truth import _CODEC_LOCK, LOCKED_CODECS

        tiled = _astropy_tiles()
        if self._settings is None:
            self._settings = _codec_settings(self.codec, stored.dtype, stored.shape)
        with _CODEC_LOCK if self.codec in LOCKED_CODECS else nullcontext():   # PLIO_1: C globals, one at a time
            return tiled._compress_tile(stored, algorithm=self.codec, **self._settings)

    def _decompress(self, packed: bytes, dtype) -> np.ndarray:
        from astropy.io.fits.hdu.compressed import _codecs

        n = self.tile_lines * self.samples
        if self.codec == "PLIO_1":
            raw = _codecs.PLIO1(tilesize=n).decode(np.frombuffer(packed, np.uint8))
        else:
            raw = _codecs.Rice1(blocksize=self._settings["blocksize"], bytepix=self._settings["bytepix"],
                                tilesize=n).decode(np.frombuffer(packed, np.uint8))
        return np.asarray(raw).astype(dtype).reshape(self.tile_lines, self.samples)

    def _recode_all(self, codec: str) -> None:
        """Re-compress the distinct tiles so far with ``codec`` (PLIO_1 values out of its range)."""
        tiles = [self._decompress(p, self.dtype) for p in self.packed]
        self.codec, self._settings = codec, None
        self.packed = [self._compress(t) for t in tiles]
        self._seen = {p: k for k, p in enumerate(self.packed)}

    def _refine(self, doublings: int) -> bool:
        """Re-code the tiles so far at ``step x 2**doublings`` (finer than theirs): their integers shifted
        (exact: every value was a whole multiple of the coarser step). False (nothing changed) when a shifted
        value would pass :data:`truth_coding.INTEGER_LIMIT`, which the whole plane's coding refuses too."""
        shift = self.doublings - doublings
        tiles = [self._decompress(p, np.int64) << shift for p in self.packed]
        if any(t.size and np.abs(t).max() >= truth_coding.INTEGER_LIMIT for t in tiles):
            return False
        self.doublings = doublings
        self.packed = [self._compress(t.astype(np.int32)) for t in tiles]
        self._seen = {p: k for k, p in enumerate(self.packed)}
        return True

    # --- the fallback -------------------------------------------------------------------------------
    def decoded(self, tile: int, body: "StreamedPlane | None", lat_pg: "StreamedPlane | None" = None) -> np.ndarray:
        """Tile ``tile`` as a reader decodes it (float64; NaN where BODY is 0 in a tile that had NaN)."""
        if self.fallback is not None:
            return np.asarray(self.fallback[tile], dtype=np.float64)
        stored = self._decompress(self.packed[self.index[tile]], np.int64)
        if not self.coded:
            return stored.astype(np.float64)
        codes = body.decoded(tile, None)
        if self.residual:
            a, c = truth_coding.JUPITER_RADII_KM
            header = {"QCODING": truth_coding.PG_RESIDUAL, "QSTEP": self.current_step(), "QRADEQ": a,
                      "QRADPOL": c, "QNULL": truth_coding.NULL_WHERE_SKY}
            return truth_coding.decode(stored, header, body=codes, lat_pg=lat_pg.decoded(tile, body))
        step = self.current_step()
        values = truth_coding.integrate_lines(stored, self.tile_lines, truth_coding.modulus(self.name, step)) * step
        if self.tile_flags[tile] & 1:
            values[codes == 0] = np.nan
        return values

    def _fall_back(self, tile: int, values: np.ndarray, body: np.ndarray | None,
                   lat_pg: "StreamedPlane | None") -> None:
        """From now on keep the plane's floats: the earlier tiles decoded, this and later ones as given."""
        plane = self.scratch(self.name, (self.tiles, self.tile_lines, self.samples), self.dtype)
        for t in range(tile):
            plane[t] = self.decoded(t, self._body, lat_pg)
        plane[tile] = values
        self.fallback = plane

    _body: "StreamedPlane | None" = None    # BODY's stream (set by TruthStream): decodes the earlier tiles' sky

    # --- the extension ------------------------------------------------------------------------------
    def extension(self, abcorr: str) -> bytes:
        """The plane's FITS image extension (header and data), as ``truth.encode_plane`` writes it."""
        from simulator.products import truth

        if self.fallback is not None:
            plane = np.asarray(self.fallback).reshape(self.tiles * self.tile_lines, self.samples)
            return truth.encode_plane(self.name, plane, None, self.tile_lines, abcorr, "RICE_1", "values")
        if (self.index < 0).any():
            from simulator.errors import ProductError

            raise ProductError(f"truth plane {self.name!r} lacks framelet {int(np.argmin(self.index))}")
        extra: tuple = ()
        if self.coded:
            step = self.current_step()
            if self.residual and self.grid and not self.nonzero and self.doublings:
                step = self.step * 2.0 ** self.doublings      # every residual 0: the whole plane's coarser step
            unit = truth.BACKPLANES.get(self.name, (None, ""))[1]
            coding = truth_coding.PG_RESIDUAL if self.residual else truth_coding.LINE_DIFFERENCES
            period = None if self.residual else truth_coding.modulus(self.name, step)
            extra = (truth_coding.cards(coding, step, self.tile_lines, bool(self.flags & 1), period, unit),
                     truth_coding.recipe(coding))
        return _assemble(self, abcorr, extra)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays of one dtype and shape hold the same bits (NaN equal to NaN, -0 not equal to 0)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    kind = f"u{a.dtype.itemsize}"
    return bool(np.array_equal(np.ascontiguousarray(a).view(kind), np.ascontiguousarray(b).view(kind)))


def _plio_limit() -> int:
    from simulator.products.truth import PLIO_LIMIT

    return PLIO_LIMIT


def _codec_settings(codec: str, dtype, shape) -> dict:
    """astropy's per-tile settings of ``codec`` for tiles of ``dtype`` and ``shape``: what ``CompImageHDU``
    writes in ZVAL1/ZVAL2 (RICE_1: its default block size, 1 or 2 bytes per pixel for 8/16-bit data, else its
    default 4) and reads back per tile (tests/test_truth_stream.py compares the bytes)."""
    from astropy.io.fits.hdu.compressed.settings import DEFAULT_BLOCK_SIZE, DEFAULT_BYTE_PIX

    settings: dict = {}
    if codec == "RICE_1":
        size = np.dtype(dtype).itemsize
        settings = {"blocksize": DEFAULT_BLOCK_SIZE, "bytepix": size if size in (1, 2) else DEFAULT_BYTE_PIX}
    return _astropy_tiles()._update_tile_settings(settings, codec, tuple(shape))


def _template(codec: str, dtype, shape) -> list[str]:
    """The 80-character cards (through EXTNAME, no END) astropy writes for a one-tile ``codec`` extension of
    ``dtype`` tiles shaped ``shape``; cached, so a process builds one ``CompImageHDU`` per kind of plane."""
    key = (codec, np.dtype(dtype).str, tuple(shape))
    cached = TEMPLATE_CACHE.get(key)
    if cached is not None:
        return cached
    import io

    from astropy.io import fits

    from simulator.products.truth_tiles import _header_length

    hdu = fits.CompImageHDU(data=np.zeros(shape, dtype), name="TEMPLATE", compression_type=codec,
                            tile_shape=tuple(shape))
    buffer = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(buffer, output_verify="exception")
    text = buffer.getvalue()[len(fits.PrimaryHDU().header.tostring()):]
    text = text[:_header_length(text)].decode("ascii")
    cards = [text[i:i + 80] for i in range(0, len(text), 80)]
    cards = cards[:next(i for i, c in enumerate(cards) if c.startswith("EXTNAME "))]
    if len(TEMPLATE_CACHE) >= _TEMPLATE_CACHE_MAX:
        TEMPLATE_CACHE.clear()
    TEMPLATE_CACHE[key] = cards
    return cards


def _header(plane: "StreamedPlane", dtype, abcorr: str, extra, changes: dict) -> bytes:
    """The extension header ``truth._extension_bytes`` would give the whole plane: the template's cards with
    ``changes`` (key -> value, each card keeping its comment), then EXTNAME and the plane's own cards in the
    order that function sets them, as astropy formats them (``Card.image``)."""
    from astropy.io.fits import Card

    from simulator.products import truth

    cards = []
    for image in _template(plane.codec, dtype, (plane.tile_lines, plane.samples)):
        key = image[:8].strip()
        if key in changes:
            image = Card(key, changes[key], Card.fromstring(image).comment).image
        cards.append(image)
    cards.append(Card("EXTNAME", plane.name, "name of this binary table extension").image)
    own = truth._header_cards(plane.name, abcorr)
    if extra:
        own = [card for card in own if card[0] != "BUNIT"] + list(extra[0])
    cards += [Card(key, value, comment).image for key, value, comment in own]
    comments = list(extra[1]) if extra else []
    if plane.index.size and len(plane.packed) < plane.tiles:
        comments.append(f"{plane.tiles} tiles, {len(plane.packed)} distinct: rows of equal tiles share one heap copy.")
    cards += [Card("COMMENT", line).image for line in comments]
    text = "".join(cards) + "END".ljust(80)
    return (text + " " * (-len(text) % 2880)).encode("ascii")


def _assemble(plane: StreamedPlane, abcorr: str, extra) -> bytes:
    """Header + table + heap of ``plane``'s compressed tiles (the layout astropy's ``compress_image_data``
    writes, rows of equal tiles sharing one heap copy as :func:`truth_tiles.share_identical_tiles` makes them)."""
    dtype = np.dtype(np.int32) if plane.coded else plane.dtype
    packed = plane.packed
    lengths = np.array([len(p) for p in packed], np.int64)
    if plane.codec == "PLIO_1":            # astropy: big-endian 16-bit words, lengths counted in words
        packed = [np.frombuffer(p, "<i2" if sys.byteorder == "little" else ">i2").astype(">i2").tobytes()
                  for p in packed]
        lengths //= 2
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in packed])[:-1]]).astype(np.int64)
    form = next(c for c in _template(plane.codec, dtype, (plane.tile_lines, plane.samples))
                if c.startswith("TFORM1 ")).split("'")[1]
    if not form.startswith("1P"):          # pragma: no cover - 64-bit descriptors: not written for one tile
        raise ValueError(f"unexpected TFORM1 {form!r} in the truth template")
    rows = np.empty((len(packed), 2), ">i4")
    rows[:, 0], rows[:, 1] = lengths, offsets
    heap = b"".join(packed)
    header = _header(plane, dtype, abcorr, extra, {
        "NAXIS2": plane.tiles, "PCOUNT": len(heap), "TFORM1": f"{form[:3]}({int(lengths.max())})",
        "ZNAXIS2": plane.tiles * plane.tile_lines})
    body = rows[plane.index].tobytes() + heap
    return header + body + b"\0" * (-len(body) % 2880)


STREAMED_INTEGERS = ("int16", "int32", "uint8")   # integer dtypes astropy compresses as they are (no offset)


class TruthStream:
    """The streamed planes of one product: which of ``names`` can be (the rest stay whole scratch planes).

    Streamed: at ``coding = "differences"`` with BODY kept, every plane of an integer dtype of
    :data:`STREAMED_INTEGERS` and every float plane with a quantisation step (lossless float planes and the
    ``"values"`` coding keep the whole-plane path). LAT_PC is the residual of LAT_PG when both are streamed.
    """

    def __init__(self, storage, names, tiles: int, tile_lines: int, samples: int, scratch: Callable | None = None):
        from simulator.products.truth import plane_dtype

        self.tile_lines, self.samples = int(tile_lines), int(samples)
        self.planes: dict[str, StreamedPlane] = {}
        if storage.coding != "differences" or "BODY" not in names or not can_stream():
            return
        for name in names:
            dtype, step = plane_dtype(name), storage.step(name)
            if dtype.kind == "f" and step is None or dtype.kind in "iu" and dtype.name not in STREAMED_INTEGERS:
                continue
            if dtype.kind not in "fiu":
                continue
            residual = name == "LAT_PC" and "LAT_PG" in names and storage.step("LAT_PG") is not None
            self.planes[name] = StreamedPlane(name, step if dtype.kind == "f" else None, storage.codec(name), tiles,
                                              tile_lines, samples, residual=residual,
                                              pg_step=storage.step("LAT_PG") if residual else None, scratch=scratch)
        if "BODY" not in self.planes:
            self.planes = {}
        for plane in self.planes.values():
            plane._body = self.planes.get("BODY")
        # LAT_PC after LAT_PG: its residual needs LAT_PG's fate at this framelet
        if "LAT_PC" in self.planes:
            self.planes["LAT_PC"] = self.planes.pop("LAT_PC")

    def add(self, tile: int, truth) -> None:
        """Code framelet ``tile``'s planes (``truth``: name -> (tile_lines, samples) array, BODY included)."""
        shape = (self.tile_lines, self.samples)
        body = np.asarray(truth["BODY"]).reshape(shape)
        pg_stream = self.planes.get("LAT_PG")
        for name, plane in self.planes.items():
            if plane.residual:
                plane.add(tile, truth[name], body, pg_stream, np.asarray(truth["LAT_PG"]).reshape(shape))
            else:
                plane.add(tile, truth[name], body)

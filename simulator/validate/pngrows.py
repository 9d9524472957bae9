"""The raw PNG read by rows, so that ``validate`` never holds the whole image.

A raw JunoCam PNG is an 8-bit greyscale, non-interlaced PNG (facts.md "Products"). Its pixel rows are one zlib
stream split over IDAT chunks; each row is one filter-type byte and ``width`` filtered bytes, and a row's
filter may refer to the row above (PNG specification, section 9 "Filtering"). :class:`PngRows` parses the
chunks and inflates that stream itself (``zlib.decompressobj``), a block of rows at a time; the filtering is
undone by Pillow's PNG decoder on a small in-memory PNG of the block, whose first row is the unfiltered row
above the block stored with filter type 0 ("None"), so every filter sees the same neighbours as in the file.

On opening, the whole stream is inflated once without keeping it (chunk CRCs, stream end, the row count and
every filter-type byte are checked), so a damaged file fails there with one message instead of in the middle
of the comparison. Reading rows behind the last row read restarts from the top (``validate`` reads the image
in order, then the limb framelets in order). PNGs that are not 8-bit greyscale or that are interlaced (none
of ours or the mission's) are read whole by :func:`simulator.products.raw_image.read_raw_png`, which also
gives its error for modes it does not accept.
"""

from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from simulator.errors import ProductError
from simulator.products.raw_image import read_raw_png

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"   # PNG specification, 5.2 "PNG signature"
MAX_FILTER_TYPE = 4                    # PNG specification, 9.2: filter types 0 (None) .. 4 (Paeth)
BLOCK_ROWS = 256                       # rows inflated and unfiltered at a time (~0.4 MB at 1648 samples)
CACHED_ROWS = 1024                     # a read of at most this many rows is kept for the next read
CHECKPOINTS = 64                       # saved decoder states (~45 kB each) a read may restart from
READ_BYTES = 1 << 14                   # compressed bytes read from the file at a time


@dataclass
class _Inflation:
    """Where decoding stands: the inflater, the IDAT chunk and offset in it to read next, compressed input not
    yet taken (``tail``), inflated filtered bytes not yet unfiltered (``pending``), the next row and the
    unfiltered row above it."""

    inflater: object
    chunk: int
    position: int
    tail: bytes
    pending: bytes
    row: int
    above: bytes | None

    def copy(self) -> "_Inflation":
        return replace(self, inflater=self.inflater.copy())


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


class PngRows:
    """A (lines, samples) uint8 PNG image that decodes only the rows asked for.

    ``rows[a:b]`` (or :meth:`read`) returns those rows as a new uint8 array; ``np.asarray(rows)`` reads the
    whole image. ``shape``, ``dtype`` and ``ndim`` are known from the header without decoding.

    Parameters
    ----------
    path : the PNG file.

    Raises
    ------
    ProductError : the file does not exist, is not a PNG, or its data are damaged.
    """

    dtype = np.dtype(np.uint8)
    ndim = 2

    def __init__(self, path):
        self.path = Path(path)
        self._whole = None
        header = self._header()
        width, height, depth, colour, _, _, interlace = header
        if (depth, colour, interlace) != (8, 0, 0):
            self._whole = read_raw_png(self.path)
            self.shape = tuple(int(n) for n in self._whole.shape)
            return
        self.shape = (int(height), int(width))
        self._row_bytes = int(width) + 1
        self._last = None            # (first row, rows) of the last read, returned again without decoding
        self._check_stream()
        self._restart()

    # ---- file structure ----
    def _fail(self, why: str):
        raise ProductError(f"raw image {str(self.path)!r} is not a readable PNG ({why})")

    def _header(self) -> tuple:
        try:
            with open(self.path, "rb") as fh:
                head = fh.read(8 + 8 + 13 + 4)
        except FileNotFoundError:
            raise ProductError(f"raw image {str(self.path)!r} does not exist") from None
        except OSError as exc:
            self._fail(str(exc))
        if head[:8] != PNG_SIGNATURE:
            self._fail("no PNG signature")
        if len(head) < 33 or head[12:16] != b"IHDR" or struct.unpack(">I", head[8:12])[0] != 13:
            self._fail("no IHDR chunk first")
        if zlib.crc32(head[12:29]) != struct.unpack(">I", head[29:33])[0]:
            self._fail("IHDR CRC mismatch")
        fields = struct.unpack(">IIBBBBB", head[16:29])
        if fields[0] == 0 or fields[1] == 0:
            self._fail(f"image size {fields[0]} x {fields[1]}")
        return fields

    def _idat(self, check_crc: bool = False, chunks: list | None = None):
        """The IDAT chunks' data, in file order, read ``READ_BYTES`` at a time."""
        with open(self.path, "rb") as fh:
            fh.seek(8)
            while True:
                head = fh.read(8)
                if len(head) < 8:
                    self._fail("the file ends before its IEND chunk")
                length, kind = struct.unpack(">I", head[:4])[0], head[4:]
                if kind == b"IEND":
                    return
                if kind != b"IDAT":
                    fh.seek(length + 4, io.SEEK_CUR)
                    continue
                crc = zlib.crc32(kind)
                if chunks is not None:
                    chunks.append((fh.tell(), length))
                left = length
                while left:
                    part = fh.read(min(left, READ_BYTES))
                    if not part:
                        self._fail("the file ends inside an IDAT chunk")
                    left -= len(part)
                    if check_crc:
                        crc = zlib.crc32(part, crc)
                    yield part
                stored = fh.read(4)
                if check_crc and (len(stored) < 4 or struct.unpack(">I", stored)[0] != crc):
                    self._fail("IDAT CRC mismatch")

    def _inflate(self, check_crc: bool = False, chunks: list | None = None):
        """Filtered rows (``row_bytes`` each), in blocks of whole rows; checks the stream's end and length."""
        inflater = zlib.decompressobj()
        pending = b""
        block = BLOCK_ROWS * self._row_bytes
        try:
            for part in self._idat(check_crc, chunks):
                while True:                    # at most one block of output per call (no inflation bomb)
                    out = inflater.decompress(part, block)
                    pending += out
                    while len(pending) >= block:
                        yield pending[:block]
                        pending = pending[block:]
                    part = inflater.unconsumed_tail
                    if not part and len(out) < block:
                        break
            pending += inflater.flush()
        except zlib.error as exc:
            self._fail(f"damaged image data: {exc}")
        if not inflater.eof or inflater.unused_data:
            self._fail("the image data stream is cut short or followed by extra bytes")
        if len(pending) % self._row_bytes:
            self._fail(f"image data hold {len(pending)} bytes after the whole blocks, not whole rows of "
                       f"{self._row_bytes}")
        if pending:
            yield pending

    def _check_stream(self) -> None:
        rows, self._chunks = 0, []
        for block in self._inflate(check_crc=True, chunks=self._chunks):
            filters = np.frombuffer(block, dtype=np.uint8)[::self._row_bytes]
            if filters.max() > MAX_FILTER_TYPE:
                self._fail(f"row {rows + int(np.argmax(filters > MAX_FILTER_TYPE))} has filter type "
                           f"{int(filters.max())}; PNG defines 0..{MAX_FILTER_TYPE}")
            rows += filters.size
        if rows != self.shape[0]:
            self._fail(f"image data hold {rows} rows; the header says {self.shape[0]}")

    # ---- decoding ----
    def _restart(self) -> None:
        """Decoding state at row 0; checkpoints every ``self._stride`` rows (at most :data:`CHECKPOINTS`)."""
        blocks = -(-self.shape[0] // BLOCK_ROWS)
        self._stride = BLOCK_ROWS * max(1, -(-blocks // CHECKPOINTS))
        self._checkpoints = {}
        self._state = _Inflation(zlib.decompressobj(), 0, 0, b"", b"", 0, None)

    def _filtered(self, n_rows: int) -> bytes:
        """The next ``n_rows`` filtered rows of the stream (checked on opening)."""
        st, need = self._state, n_rows * self._row_bytes
        with open(self.path, "rb") as fh:
            while len(st.pending) < need:
                if not st.tail and st.chunk < len(self._chunks):
                    offset, length = self._chunks[st.chunk]
                    fh.seek(offset + st.position)
                    st.tail = fh.read(min(READ_BYTES, length - st.position))
                    st.position += len(st.tail)
                    if st.position >= length:
                        st.chunk, st.position = st.chunk + 1, 0
                if not st.tail and st.chunk >= len(self._chunks):
                    st.pending += st.inflater.flush()
                    break
                st.pending += st.inflater.decompress(st.tail, need - len(st.pending))
                st.tail = st.inflater.unconsumed_tail
        out, st.pending = st.pending[:need], st.pending[need:]
        return out

    def _unfilter(self, filtered: bytes, above) -> np.ndarray:
        """Pixel rows of a block of filtered rows that follows the unfiltered row ``above`` (or the top)."""
        width = self.shape[1]
        if above is not None:
            filtered = b"\x00" + above + filtered
        n = len(filtered) // self._row_bytes
        png = (PNG_SIGNATURE + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, n, 8, 0, 0, 0, 0))
               + _chunk(b"IDAT", zlib.compress(filtered, 0)) + _chunk(b"IEND", b""))
        try:
            with Image.open(io.BytesIO(png)) as img:
                rows = np.asarray(img, dtype=np.uint8)
        except (UnidentifiedImageError, OSError) as exc:
            self._fail(f"rows from {self._state.row} cannot be unfiltered: {exc}")
        return rows[1:] if above is not None else rows

    def _seek(self, row: int) -> None:
        """Continue from the last checkpoint at or before ``row`` (a block boundary) if that is nearer than the
        current state, or if ``row`` is behind the current state."""
        at = max((r for r in self._checkpoints if r <= row), default=None)
        if row < self._state.row and at is None:
            self._state = _Inflation(zlib.decompressobj(), 0, 0, b"", b"", 0, None)
        elif at is not None and (row < self._state.row or at > self._state.row):
            self._state = self._checkpoints[at].copy()

    def read(self, first: int, lines: int) -> np.ndarray:
        """Rows ``first .. first + lines`` as a (lines, samples) uint8 array."""
        first, lines = int(first), int(lines)
        if first < 0 or lines < 0 or first + lines > self.shape[0]:
            raise ValueError(f"rows {first}..{first + lines} are not inside an image of {self.shape[0]} rows")
        if self._whole is not None:
            return self._whole[first:first + lines].copy()
        cached = self._last
        if cached is not None and cached[0] <= first and first + lines <= cached[0] + cached[1].shape[0]:
            return cached[1][first - cached[0]:first - cached[0] + lines].copy()
        self._seek(first)
        out = np.empty((lines, self.shape[1]), dtype=np.uint8)
        while self._state.row < first + lines:
            st = self._state
            if st.row % self._stride == 0 and st.row not in self._checkpoints:
                self._checkpoints[st.row] = st.copy()
            rows = self._unfilter(self._filtered(min(BLOCK_ROWS, self.shape[0] - st.row)), st.above)
            start = st.row
            st.row += rows.shape[0]
            st.above = rows[-1].tobytes()
            lo, hi = max(first, start), min(first + lines, st.row)
            if lo < hi:
                out[lo - first:hi - first] = rows[lo - start:hi - start]
        if lines <= CACHED_ROWS:
            self._last = (first, out)
            return out.copy()
        return out

    def __getitem__(self, index) -> np.ndarray:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("PngRows supports row slices rows[a:b] only")
        start, stop, _ = index.indices(self.shape[0])
        return self.read(start, max(stop - start, 0))

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        whole = self.read(0, self.shape[0])
        return whole if dtype is None else whole.astype(dtype)

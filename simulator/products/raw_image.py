"""The raw image: framelets stacked in time order, filters in FILTER_NAME order, as an 8-bit grey PNG.

facts.md "Products": ``<PRODUCT_ID>-raw.png``, 8-bit grey, 1648 wide (our summed products are 824 wide,
as ISIS's JunoCamera sums samples and lines alike), 128-line framelets (64 summed), frame after frame.
The PNG is written without time stamps, so the same pixels give the same bytes.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from simulator.errors import ProductError

# How the rows are deflated: a size/speed trade-off, not a format requirement. Measured on the default
# 26-frame B/G/R image (ICT, 1648 x 9984) and an 8-frame M/B/G/R LOSSLESS TDI-4 one: the "Sub" filter with
# zlib's Huffman-only strategy is 5.9 / 3.2 MB in ~0.2 / 0.1 s, against 6.4 / 3.8 MB in ~1.7 / 0.4 s for
# "Up" at level 6 (the choice before issue #16's fourth round); Paeth + Huffman-only is ~8 % smaller on the
# ICT image (5.4 MB) and ~0.1 s dearer to filter, Sub + Z_RLE about the same as Sub + Huffman-only.
# Noisy framelets leave LZ77 few long matches to find: nearly all the gain is the entropy coding.
PNG_COMPRESS_LEVEL = 1                      # ignored by zlib for the Huffman-only strategy; kept for the record
PNG_STRATEGY = zlib.Z_HUFFMAN_ONLY
PNG_FILTER = 1                              # PNG filter type "Sub" (ISO/IEC 15948, 9.2)
PNG_BLOCK_ROWS = 1024   # rows deflated per thread task (zlib releases the GIL: blocks compress side by side)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def framelet_first_line(frame: int, filter_index: int, n_filters: int, framelet_lines: int) -> int:
    """First PNG row of framelet (``frame``, ``filter_index``): frames in time order, filters within a frame."""
    return (int(frame) * int(n_filters) + int(filter_index)) * int(framelet_lines)


def write_raw_png(path: Path, image: np.ndarray, workers: int = 0) -> None:
    """Write a (lines, samples) uint8 image as an 8-bit greyscale PNG (deterministic bytes).

    Rows are filtered with the PNG filter "Sub" (:func:`filter_rows`), and blocks of
    :data:`PNG_BLOCK_ROWS` rows are deflated side by side in threads into one zlib stream (each block ends
    with a sync flush; the last finishes the stream), so any PNG reader decodes it. The bytes do not depend
    on ``workers`` (threads, 0 = the process's thread budget, at most 8), nor on whether the blocks were
    deflated here or while the image was still arriving (:class:`PngStream`).
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ProductError(f"the raw image is {image.dtype} with shape {image.shape}; expected 2-D uint8")
    stream = PngStream(image)
    if workers:
        threads = workers
    else:
        from simulator.render.workers import thread_budget

        threads = min(thread_budget(), 8)
    if threads > 1 and stream.blocks > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(threads, stream.blocks)) as pool:
            list(pool.map(stream.deflate, range(stream.blocks)))
    stream.write(path)


class PngStream:
    """A raw PNG deflated block by block (:data:`PNG_BLOCK_ROWS` rows) while its image is filled in.

    ``image`` is the (lines, samples) uint8 array the rows are being written into. Once its rows up to
    ``(k + 1) x PNG_BLOCK_ROWS`` are final, :meth:`deflate` ``(k)`` may run (in any thread: zlib releases the
    GIL); :meth:`ready` says which blocks a number of finished rows completes. :meth:`write` deflates the
    blocks not done yet and writes the file: the same bytes however the blocks were spread.
    """

    def __init__(self, image: np.ndarray):
        self.image = image
        lines = image.shape[0]
        self.blocks = max(1, -(-lines // PNG_BLOCK_ROWS))
        self._parts: list[tuple[bytes, int, int] | None] = [None] * self.blocks

    def ready(self, rows_done: int) -> range:
        """The blocks whose rows all lie in the first ``rows_done`` rows."""
        lines = self.image.shape[0]
        full = lines if rows_done >= lines else rows_done
        count = self.blocks if full >= lines else full // PNG_BLOCK_ROWS
        return range(count)

    def deflate(self, k: int) -> None:
        """Filter and deflate block ``k`` (rows final up to its end), keeping its bytes and checksum."""
        a = k * PNG_BLOCK_ROWS
        b = min(a + PNG_BLOCK_ROWS, self.image.shape[0])
        data = filter_rows(self.image[a:b]).tobytes()      # "Sub" reads no other row: blocks stand alone
        z = zlib.compressobj(PNG_COMPRESS_LEVEL, zlib.DEFLATED, -15, 8, PNG_STRATEGY)
        last = k == self.blocks - 1
        self._parts[k] = (z.compress(data) + z.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH),
                          zlib.adler32(data), len(data))

    def write(self, path: Path) -> None:
        """Deflate the remaining blocks here and write the PNG file."""
        for k in range(self.blocks):
            if self._parts[k] is None:
                self.deflate(k)
        adler = 1
        for _, block_adler, length in self._parts:
            adler = adler32_combine(adler, block_adler, length)
        # zlib header: deflate, 32 KiB window, FLEVEL 0 ("fastest": informative only, RFC 1950 2.2)
        stream = b"".join((b"\x78\x01", *(p[0] for p in self._parts), struct.pack(">I", adler)))
        lines, samples = self.image.shape
        header = struct.pack(">IIBBBBB", samples, lines, 8, 0, 0, 0, 0)        # 8-bit greyscale, not interlaced
        with open(Path(path), "wb") as out:
            out.write(_PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream) + _chunk(b"IEND", b""))


_ADLER_MOD = 65521   # the Adler-32 modulus (RFC 1950)


def adler32_combine(first: int, second: int, second_length: int) -> int:
    """The Adler-32 of two byte strings one after the other, from each one's own checksum (RFC 1950).

    Adler-32 keeps ``A = 1 + sum of bytes`` and ``B = sum of the A after each byte`` (low and high 16 bits,
    modulo 65521). Running the second string from the first's ``A1`` instead of 1 raises each of its ``A``
    by ``A1 - 1``: ``A = A1 + A2 - 1`` and ``B = B1 + B2 + length2 x (A1 - 1)``.
    """
    a1, b1 = first & 0xFFFF, first >> 16
    a2, b2 = second & 0xFFFF, second >> 16
    a = (a1 + a2 - 1) % _ADLER_MOD
    b = (b1 + b2 + int(second_length) * (a1 - 1)) % _ADLER_MOD
    return (b << 16) | a


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def filter_rows(image: np.ndarray) -> np.ndarray:
    """(lines, 1 + samples) uint8: each row's filter type byte (1, "Sub") then each pixel minus the one on
    its left (modulo 256; the first pixel has zero on its left). One subtraction along the line, where
    framelets are smooth, and no row depends on another (see :data:`PNG_STRATEGY` for the measured sizes)."""
    out = np.empty((image.shape[0], image.shape[1] + 1), np.uint8)
    out[:, 0] = PNG_FILTER
    out[:, 1] = image[:, 0]
    np.subtract(image[:, 1:], image[:, :-1], out=out[:, 2:])   # uint8 arithmetic wraps modulo 256, as PNG's
    return out


def read_raw_png(path: Path) -> np.ndarray:
    """Read a raw PNG as (lines, samples) uint8; one ``ProductError`` if it is not an 8-bit grey image."""
    path = Path(path)
    try:
        with Image.open(path) as img:
            mode = img.mode
            if mode not in ("L", "P", "RGB", "RGBA", "LA"):
                raise ProductError(f"raw image {str(path)!r} has PNG mode {mode!r}; expected 8-bit greyscale 'L'")
            if mode != "L":
                arr = np.asarray(img.convert("RGB"))
                if not (np.array_equal(arr[..., 0], arr[..., 1]) and np.array_equal(arr[..., 0], arr[..., 2])):
                    raise ProductError(f"raw image {str(path)!r} is in colour; expected 8-bit greyscale framelets")
                return np.ascontiguousarray(arr[..., 0])
            return np.asarray(img, dtype=np.uint8).copy()
    except FileNotFoundError:
        raise ProductError(f"raw image {str(path)!r} does not exist") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise ProductError(f"raw image {str(path)!r} is not a readable PNG ({exc})") from None

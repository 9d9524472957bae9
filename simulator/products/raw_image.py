"""The raw image: framelets stacked in time order, filters in FILTER_NAME order, as an 8-bit grey PNG.

facts.md "Products": ``<PRODUCT_ID>-raw.png``, 8-bit grey, 1648 wide (our summed products are 824 wide,
as ISIS's JunoCamera sums samples and lines alike), 128-line framelets (64 summed), frame after frame.
The PNG is written without time stamps, so the same pixels give the same bytes.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from simulator.errors import ProductError

PNG_COMPRESS_LEVEL = 6  # zlib level: a size/speed trade-off, not a format requirement
PNG_BLOCK_ROWS = 1024   # rows deflated per thread task (zlib releases the GIL: blocks compress side by side)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def framelet_first_line(frame: int, filter_index: int, n_filters: int, framelet_lines: int) -> int:
    """First PNG row of framelet (``frame``, ``filter_index``): frames in time order, filters within a frame."""
    return (int(frame) * int(n_filters) + int(filter_index)) * int(framelet_lines)


def write_raw_png(path: Path, image: np.ndarray, workers: int = 0) -> None:
    """Write a (lines, samples) uint8 image as an 8-bit greyscale PNG (deterministic bytes).

    Rows are filtered with the PNG filter "Up" (:func:`filter_rows`), and blocks of
    :data:`PNG_BLOCK_ROWS` rows are deflated side by side in threads into one zlib stream (each block ends
    with a sync flush; the last finishes the stream), so any PNG reader decodes it. The bytes do not depend
    on ``workers`` (threads, 0 = one per core, at most 8).
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ProductError(f"the raw image is {image.dtype} with shape {image.shape}; expected 2-D uint8")
    filtered = filter_rows(image)
    blocks = [filtered[i:i + PNG_BLOCK_ROWS] for i in range(0, filtered.shape[0], PNG_BLOCK_ROWS)] or [filtered]
    last = len(blocks) - 1

    def deflate(k: int) -> bytes:
        z = zlib.compressobj(PNG_COMPRESS_LEVEL, zlib.DEFLATED, -15)
        return z.compress(blocks[k].tobytes()) + z.flush(zlib.Z_FINISH if k == last else zlib.Z_SYNC_FLUSH)

    threads = workers or min(os.cpu_count() or 1, 8)
    if threads > 1 and len(blocks) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(threads, len(blocks))) as pool:
            parts = list(pool.map(deflate, range(len(blocks))))
    else:
        parts = [deflate(k) for k in range(len(blocks))]
    adler = 1
    for block in blocks:
        adler = zlib.adler32(block.tobytes(), adler)
    stream = b"".join((b"\x78\x9c", *parts, struct.pack(">I", adler)))   # zlib header: deflate, 32 KiB window
    lines, samples = image.shape
    header = struct.pack(">IIBBBBB", samples, lines, 8, 0, 0, 0, 0)        # 8-bit greyscale, not interlaced
    with open(Path(path), "wb") as out:
        out.write(_PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", stream) + _chunk(b"IEND", b""))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def filter_rows(image: np.ndarray) -> np.ndarray:
    """(lines, 1 + samples) uint8: each row's filter type byte (2, "Up") then the row minus the row above
    (modulo 256; the first row has zeros above it). Framelets are smooth along lines and Up is one
    subtraction, so it is both cheap and close to the best of the five PNG filters here (within ~3 %)."""
    out = np.empty((image.shape[0], image.shape[1] + 1), np.uint8)
    out[:, 0] = 2
    np.subtract(image[1:], image[:-1], out=out[1:, 1:])   # uint8 arithmetic wraps modulo 256, as PNG's
    out[0, 1:] = image[0]
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

"""The raw image: framelets stacked in time order, filters in FILTER_NAME order, as an 8-bit grey PNG.

facts.md "Products": ``<PRODUCT_ID>-raw.png``, 8-bit grey, 1648 wide (our summed products are 824 wide,
as ISIS's JunoCamera sums samples and lines alike), 128-line framelets (64 summed), frame after frame.
The PNG is written without time stamps, so the same pixels give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from simulator.errors import ProductError

PNG_COMPRESS_LEVEL = 6  # zlib level: a size/speed trade-off, not a format requirement


def framelet_first_line(frame: int, filter_index: int, n_filters: int, framelet_lines: int) -> int:
    """First PNG row of framelet (``frame``, ``filter_index``): frames in time order, filters within a frame."""
    return (int(frame) * int(n_filters) + int(filter_index)) * int(framelet_lines)


def write_raw_png(path: Path, image: np.ndarray) -> None:
    """Write a (lines, samples) uint8 image as an 8-bit greyscale PNG (deterministic bytes)."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ProductError(f"the raw image is {image.dtype} with shape {image.shape}; expected 2-D uint8")
    Image.fromarray(np.ascontiguousarray(image), mode="L").save(
        Path(path), format="PNG", compress_level=PNG_COMPRESS_LEVEL)


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

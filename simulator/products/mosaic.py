"""The labelled framelet mosaic ``inspect`` writes: one column per filter, one row per frame.

Each framelet is decompanded, shrunk by an integer factor, and shown with a square-root stretch to its
filter's 99.9th percentile (so dark limbs and the faint METHANE band stay visible) under a label
"frame N FILTER". Display only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from simulator.products.reader import LoadedProduct, framelet

LABEL_HEIGHT_PX = 12
GAP_PX = 2


def _decompand(dn8: np.ndarray, mode: str) -> np.ndarray:
    from instrument_models.junocam import decompand

    return np.asarray(decompand(dn8, mode), dtype=np.float64)


def decompanded_image(product: LoadedProduct) -> np.ndarray:
    """The whole raw image decompanded to 12-bit DN (float64, same shape as the PNG)."""
    return _decompand(product.image, product.layout.companding)


def write_mosaic(path: Path, product: LoadedProduct, shrink: int = 4) -> tuple[int, int]:
    """Write the mosaic PNG; return its (width, height) in pixels."""
    lay = product.layout
    tile_w = -(-lay.samples // shrink)
    tile_h = -(-lay.framelet_lines // shrink)
    cell_h = tile_h + LABEL_HEIGHT_PX + GAP_PX
    width = len(lay.filters) * (tile_w + GAP_PX)
    height = lay.frames * cell_h
    canvas = Image.new("L", (width, height), color=0)
    draw = ImageDraw.Draw(canvas)
    dn12 = decompanded_image(product)
    rows = np.arange(lay.lines) // lay.framelet_lines % len(lay.filters)
    whites = [max(float(np.percentile(dn12[rows == k], 99.9)), 1.0) for k in range(len(lay.filters))]
    for n in range(lay.frames):
        for k, name in enumerate(lay.filters):
            white = whites[k]
            block = _decompand(framelet(product, n, name), lay.companding)[::shrink, ::shrink]
            shown = np.round(np.sqrt(np.clip(block / white, 0.0, 1.0)) * 255.0).astype(np.uint8)
            x, y = k * (tile_w + GAP_PX), n * cell_h
            draw.text((x + 2, y), f"frame {n} {name}", fill=255)
            canvas.paste(Image.fromarray(shown, mode="L"), (x, y + LABEL_HEIGHT_PX))
    canvas.save(path if hasattr(path, "write") else Path(path), format="PNG")   # a path or an open file
    return width, height

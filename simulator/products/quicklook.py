"""``quicklook.png``: the framelets put on a latitude/longitude grid in colour, for a person to look at.

Each raw pixel is decompanded (SAMPLE_BIT_MODE_ID) and dropped into the cell of a simple cylindrical grid
at its truth latitude (planetocentric) and System III west longitude; cells average the pixels they
receive. RED, GREEN and BLUE become the red, green and blue channels (a missing channel is the mean of the
others); an image without colour filters (METHANE alone) is shown in grey. West longitude increases to the
left, north is up. Each channel is stretched to its own 99.5th percentile with a display gamma of 0.6: a
viewing aid, not a calibration. Without truth (or without any pixel on the body) the quicklook is the raw
image shrunk to at most 1024 rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from simulator.products.description import ImageDescription


@dataclass(frozen=True)
class QuicklookStyle:
    """Display choices (assumptions for viewing only).

    Attributes
    ----------
    max_width_px : the grid has at most this many columns.
    percentile : each channel's white point (percentile of its filled cells).
    gamma : display gamma applied after the stretch.
    raw_max_lines : height limit of the fallback (raw image) quicklook.
    """

    max_width_px: int = 1200
    percentile: float = 99.5
    gamma: float = 0.6
    raw_max_lines: int = 1024


def _decompand(dn8: np.ndarray, mode: str) -> np.ndarray:
    from instrument_models.junocam import decompand

    return np.asarray(decompand(dn8, mode), dtype=np.float64)


def _lon_offset(lon_w: np.ndarray) -> float:
    """Longitude to subtract so the covered longitudes form one interval starting near 0 (handles 0/360)."""
    cells = np.unique(np.floor(lon_w).astype(int) % 360)
    if cells.size == 0:
        return 0.0
    gaps = np.diff(np.concatenate([cells, [cells[0] + 360]]))
    widest = int(np.argmax(gaps))
    return float(cells[(widest + 1) % cells.size])


def _native_step_deg(lat_img: np.ndarray, lon_img: np.ndarray) -> float:
    """Median angular spacing (deg) between neighbouring on-body pixels, along lines and along samples."""
    steps = []
    stride = 4  # every 4th pixel: plenty for a median, and 16 times less work
    lat_img, lon_img = lat_img[::stride, ::stride], lon_img[::stride, ::stride]
    for axis in (0, 1):
        dlat = np.abs(np.diff(lat_img, axis=axis))
        dlon = np.abs(np.diff(lon_img, axis=axis))
        dlon = np.minimum(dlon, 360.0 - dlon)
        d = np.maximum(dlat, dlon)
        d = d[np.isfinite(d)]
        if d.size:
            steps.append(float(np.median(d)) / stride)
    return max(steps) if steps else 0.0


def _grid(lat: np.ndarray, lon: np.ndarray, native_step_deg: float, style: QuicklookStyle):
    lat_lo, lat_hi = float(np.min(lat)), float(np.max(lat))
    lon_lo, lon_hi = float(np.min(lon)), float(np.max(lon))
    extent = max(lon_hi - lon_lo, lat_hi - lat_lo, 1e-6)
    step = max(extent / style.max_width_px, native_step_deg)
    ncol = max(1, int(np.ceil((lon_hi - lon_lo) / step)) + 1)
    nrow = max(1, int(np.ceil((lat_hi - lat_lo) / step)) + 1)
    row = np.clip(((lat_hi - lat) / step).astype(int), 0, nrow - 1)
    col = np.clip(((lon_hi - lon) / step).astype(int), 0, ncol - 1)  # west longitude grows to the left
    return nrow, ncol, row * ncol + col


def _stretch(channel: np.ndarray, filled: np.ndarray, style: QuicklookStyle) -> np.ndarray:
    values = channel[filled]
    white = float(np.percentile(values, style.percentile)) if values.size else 1.0
    white = white if white > 0 else 1.0
    scaled = np.clip(channel / white, 0.0, 1.0) ** style.gamma
    return np.where(filled, np.round(scaled * 255.0), 0).astype(np.uint8)


def projected_quicklook(image: np.ndarray, desc: ImageDescription, planes: dict,
                        style: QuicklookStyle = QuicklookStyle()) -> np.ndarray | None:
    """The (rows, cols, 3) uint8 map-projected quicklook, or ``None`` when no pixel sees the body."""
    on_body = np.asarray(planes["BODY"]) != 0
    if not on_body.any():
        return None
    lat = np.asarray(planes["LAT_PC"])[on_body]
    lon_all = np.asarray(planes["LON_W"])[on_body]
    offset = _lon_offset(lon_all)
    lon = (lon_all - offset) % 360.0
    lat_img = np.where(on_body, np.asarray(planes["LAT_PC"]), np.nan)
    lon_img = np.where(on_body, np.asarray(planes["LON_W"]), np.nan)
    nrow, ncol, cell = _grid(lat, lon, _native_step_deg(lat_img, lon_img), style)
    lines = desc.framelet_lines
    filter_of_row = np.array([desc.filters[(r // lines) % len(desc.filters)] for r in range(image.shape[0])])
    filter_of_pixel = np.broadcast_to(filter_of_row[:, None], image.shape)[on_body]
    dn = _decompand(image[on_body], desc.companding)
    means = {}
    for name in desc.filters:
        sel = filter_of_pixel == name
        total = np.bincount(cell[sel], weights=dn[sel], minlength=nrow * ncol)
        count = np.bincount(cell[sel], minlength=nrow * ncol)
        means[name] = (np.where(count > 0, total / np.maximum(count, 1), 0.0), count > 0)
    colour = [f for f in ("RED", "GREEN", "BLUE") if f in means]
    if colour:
        channels = []
        for name in ("RED", "GREEN", "BLUE"):
            if name in means:
                channels.append(means[name])
            else:
                present = [means[c] for c in colour]
                mean = sum(m for m, _ in present) / len(present)
                channels.append((mean, np.logical_or.reduce([f for _, f in present])))
        rgb = [_stretch(v, f, style) for v, f in channels]
    else:
        grey = _stretch(*means[desc.filters[0]], style)
        rgb = [grey, grey, grey]
    return np.stack([c.reshape(nrow, ncol) for c in rgb], axis=-1)


def write_quicklook(path: Path, image: np.ndarray, desc: ImageDescription, planes: dict | None,
                    style: QuicklookStyle = QuicklookStyle()) -> None:
    """Write ``quicklook.png`` (map-projected colour, or the shrunk raw image without truth)."""
    rgb = projected_quicklook(image, desc, planes, style) if planes else None
    if rgb is not None:
        Image.fromarray(rgb, mode="RGB").save(Path(path), format="PNG")
        return
    step = max(1, int(np.ceil(image.shape[0] / style.raw_max_lines)))
    Image.fromarray(np.ascontiguousarray(image[::step, ::step]), mode="L").save(Path(path), format="PNG")

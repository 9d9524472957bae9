"""``quicklook.png``: the framelets put on a latitude/longitude grid in colour, for a person to look at.

Each raw pixel is decompanded (SAMPLE_BIT_MODE_ID) and dropped into the cell of a simple cylindrical grid
at its truth latitude (planetocentric) and System III west longitude; cells average the pixels they
receive. RED, GREEN and BLUE become the red, green and blue channels (a missing channel is the mean of the
others), shown only where every colour filter saw the surface; an image without colour filters
(METHANE alone) is shown in grey. Each filter is first converted to approximate I/F with the instrument
model's nominal calibration (the RDR scale), so one common stretch shows Jupiter's colours. Empty cells near the limb, where one pixel spans many cells, are filled
from their neighbours. West longitude increases to the
left, north is up. The channels are stretched from a common black point (1st percentile) to a common white
point (99.5th percentile of the brightest channel) with a display gamma of 0.8: a viewing aid. Without truth (or without any pixel on the body) the quicklook is the raw
image shrunk to at most 1024 rows; so is it when other bodies than Jupiter (moons) are in view.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from simulator.errors import ProductError
from simulator.products.description import ImageDescription
from simulator.render.sampling import JUPITER_NAIF_ID


QUICKLOOK_PNG_LEVEL = 1   # zlib level of the viewing aid: ~3x faster than Pillow's default 6, a little larger


@dataclass(frozen=True)
class QuicklookStyle:
    """Display choices (assumptions for viewing only).

    Attributes
    ----------
    max_width_px : the grid has at most this many columns.
    percentile : each channel's white point (percentile of its filled cells).
    black_percentile : the common black point (percentile of the mean of the channels).
    gamma : display gamma applied after the stretch.
    raw_max_lines : height limit of the fallback (raw image) quicklook.
    max_fill_radius_cells : empty grid cells are filled from neighbours up to this distance (cells).
    pixel_stride : every n-th line and sample of the raw image is used (the grid is coarser anyway).
    """

    max_width_px: int = 1200
    percentile: float = 99.5
    black_percentile: float = 1.0
    gamma: float = 0.8
    raw_max_lines: int = 1024
    max_fill_radius_cells: int = 8
    pixel_stride: int = 2


def _decompand(dn8: np.ndarray, mode: str) -> np.ndarray:
    from instrument_models.junocam import decompand

    return np.asarray(decompand(dn8, mode), dtype=np.float64)


def _lon_offset(lon_w: np.ndarray) -> float:
    """Longitude to subtract so the covered longitudes form one interval starting near 0 (handles 0/360)."""
    # the occupied whole degrees, ascending (np.unique's result; counting 360 bins is ~10x faster than sorting)
    cells = np.flatnonzero(np.bincount(np.floor(lon_w).astype(int) % 360, minlength=360))
    if cells.size == 0:
        return 0.0
    gaps = np.diff(np.concatenate([cells, [cells[0] + 360]]))
    widest = int(np.argmax(gaps))
    return float(cells[(widest + 1) % cells.size])


def _native_step_deg(lat_img: np.ndarray, lon_img: np.ndarray) -> float:
    """Median angular spacing (deg) between neighbouring on-body pixels, along lines and along samples."""
    steps = []
    stride = 2  # every other pixel (of the already thinned image): plenty for a median
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


def _fill_holes(total: np.ndarray, count: np.ndarray, max_radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Fill empty cells from their neighbours (normalised box averages of growing radius, up to max_radius).

    Near the limb one raw pixel spans many grid cells; this spreads it over the cells it covers instead of
    leaving a dotted pattern. Filled cells never change cells that received pixels.
    """
    from scipy.ndimage import uniform_filter

    total, count = total.astype(np.float64), count.astype(np.float64)
    radius = 1
    empty = count == 0
    while radius <= max_radius and empty.any():
        size = 2 * radius + 1
        t = uniform_filter(total, size=size, mode="constant")
        c = uniform_filter(count, size=size, mode="constant")
        hole = empty & (c > 1e-9)
        total[hole] = t[hole] / np.maximum(c[hole], 1e-12)   # in place: only the holes change
        count[hole] = 1.0
        empty &= ~hole
        radius *= 2
    return total, count


def _dn12_to_iof(dn12: np.ndarray, filter_name: str, tdi_stages: int) -> np.ndarray:
    """Decompanded 12-bit DN -> approximate I/F with the instrument model's nominal calibration (RDR scale)."""
    from instrument_models.junocam import JunoCam
    from instrument_models.junocam.radiometry import RDR_WHITE_DN
    from simulator.render.electronics import rdr_scale

    cam = JunoCam.default()
    scale = rdr_scale(cam, cam.radiometry, filter_name, int(tdi_stages)) / RDR_WHITE_DN
    return (np.asarray(dn12, dtype=np.float64) - cam.detector.bias_dn) * scale


def _stretch(channel: np.ndarray, filled: np.ndarray, style: QuicklookStyle, black: float = 0.0,
             white_from: np.ndarray | None = None) -> np.ndarray:
    values = (channel if white_from is None else white_from)[filled]
    white = float(np.percentile(values, style.percentile)) if values.size else 1.0
    white = white if white > black else black + 1.0
    out = np.zeros(channel.shape, np.uint8)     # unfilled cells stay black; the power only where it shows
    scaled = np.clip((channel[filled] - black) / (white - black), 0.0, 1.0) ** style.gamma
    out[filled] = np.round(scaled * 255.0)
    return out


def thinned_shape(shape: tuple[int, int], style: QuicklookStyle = QuicklookStyle()) -> tuple[int, int]:
    """Shape of a (lines, samples) plane thinned to every ``style.pixel_stride``-th line and sample."""
    step = max(1, int(style.pixel_stride))
    return -(-int(shape[0]) // step), -(-int(shape[1]) // step)


def thinned_rows(first: int, lines: int, style: QuicklookStyle = QuicklookStyle()) -> tuple[int, int]:
    """(first row kept among ``lines`` rows starting at image row ``first``, its row in the thinned plane)."""
    step = max(1, int(style.pixel_stride))
    offset = -int(first) % step
    return offset, (int(first) + offset) // step


def projected_quicklook(image: np.ndarray, desc: ImageDescription, planes: dict,
                        style: QuicklookStyle = QuicklookStyle(), thinned: bool = False) -> np.ndarray | None:
    """The (rows, cols, 3) uint8 map-projected quicklook, or ``None`` when no pixel sees the body.

    ``image``: the (lines, samples) raw image; ``planes``: BODY, LAT_PC and LON_W, each (lines, samples), or
    when ``thinned`` already cut to every ``style.pixel_stride``-th line and sample (:func:`thinned_shape`:
    what a product writer keeps when the truth FITS does not need the whole planes). Same result either way.
    """
    step = max(1, int(style.pixel_stride))
    filter_of_row = ((np.arange(image.shape[0]) // desc.framelet_lines) % len(desc.filters))[::step]
    image = np.asarray(image)[::step, ::step]
    planes = {name: np.asarray(planes[name]) if thinned else np.asarray(planes[name])[::step, ::step]
              for name in ("BODY", "LAT_PC", "LON_W")}
    if any(p.shape != image.shape for p in planes.values()):
        raise ProductError(f"quicklook planes are {planes['BODY'].shape}; expected {image.shape} (thinned={thinned})")
    on_body = planes["BODY"] == JUPITER_NAIF_ID
    if not on_body.any():
        return None
    lat = planes["LAT_PC"][on_body]
    lon_all = planes["LON_W"][on_body]
    offset = _lon_offset(lon_all)
    lon = (lon_all - offset) % 360.0
    lat_img = np.where(on_body, planes["LAT_PC"], np.nan)
    lon_img = np.where(on_body, planes["LON_W"], np.nan)
    nrow, ncol, cell = _grid(lat, lon, _native_step_deg(lat_img, lon_img), style)
    filter_of_pixel = np.broadcast_to(filter_of_row[:, None], image.shape)[on_body]
    dn = _decompand(image[on_body], desc.companding)

    def filter_mean(k: int) -> tuple[np.ndarray, np.ndarray]:
        sel = filter_of_pixel == k
        iof = _dn12_to_iof(dn[sel], desc.filters[k], desc.tdi_stages)
        total = np.bincount(cell[sel], weights=iof, minlength=nrow * ncol).reshape(nrow, ncol)
        count = np.bincount(cell[sel], minlength=nrow * ncol).reshape(nrow, ncol)
        total, count = _fill_holes(total, count, style.max_fill_radius_cells)
        return np.where(count > 0, total / np.maximum(count, 1e-12), 0.0), count > 0

    # The filters' grids are independent (same arrays whatever the order): with two threads or more they
    # are filled side by side (scipy's box filters and numpy let the other threads run).
    threads = min(len(desc.filters), _thread_budget())
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(threads, thread_name_prefix="quicklook") as pool:
            means = dict(zip(desc.filters, pool.map(filter_mean, range(len(desc.filters)))))
    else:
        means = {name: filter_mean(k) for k, name in enumerate(desc.filters)}
    colour = [f for f in ("RED", "GREEN", "BLUE") if f in means]
    if colour:
        # show only where every colour filter saw the surface: no false-colour fringes at the edges
        seen = np.logical_and.reduce([means[c][1] for c in colour])
        present = [means[c][0] for c in colour]
        channels = [means[name][0] if name in means else sum(present) / len(present)
                    for name in ("RED", "GREEN", "BLUE")]
        # One black and one white point for all three channels: the channels are calibrated I/F, so a common
        # stretch keeps Jupiter's colours (white zones stay white) instead of balancing each channel.
        luminance = sum(channels)[seen] / 3.0
        black = float(np.percentile(luminance, style.black_percentile)) if luminance.size else 0.0
        brightest = np.maximum.reduce(channels)
        rgb = [_stretch(v, seen, style, black, white_from=brightest) for v in channels]
    else:
        values, seen = means[desc.filters[0]]
        black = float(np.percentile(values[seen], style.black_percentile)) if seen.any() else 0.0
        grey = _stretch(values, seen, style, black)
        rgb = [grey, grey, grey]
    return np.stack(rgb, axis=-1)


def _thread_budget() -> int:
    from simulator.render.workers import thread_budget

    return thread_budget()


def other_bodies(body: np.ndarray) -> bool:
    """Whether a BODY plane (or a framelet of it) names any body other than Jupiter."""
    body = np.asarray(body)
    return bool(np.any((body != 0) & (body != JUPITER_NAIF_ID)))   # two compares: ~10x faster than isin


def write_quicklook(path: Path, image: np.ndarray, desc: ImageDescription, planes: dict | None,
                    style: QuicklookStyle = QuicklookStyle(), *, thinned: bool = False,
                    others: bool | None = None) -> None:
    """Write ``quicklook.png`` (map-projected colour, or the shrunk raw image without truth).

    ``thinned``: ``planes`` are already thinned (:func:`projected_quicklook`); ``others``: whether the whole
    BODY plane names another body than Jupiter (:func:`other_bodies`), found from ``planes["BODY"]`` when
    None (which must then be the whole plane).
    """
    # Bodies other than Jupiter (moons, meshes; their own latitudes/longitudes) have no place on Jupiter's
    # map: such an image's quicklook is the raw image, where they are seen as the camera saw them.
    if others is None:
        if thinned and planes:
            raise ProductError("write_quicklook was given thinned planes without 'others'; expected whether the "
                               "whole BODY plane names another body (thinned planes may miss a small moon)")
        others = other_bodies(planes["BODY"]) if planes is not None else False
    rgb = projected_quicklook(image, desc, planes, style, thinned) if planes and not others else None
    if rgb is not None:
        Image.fromarray(rgb, mode="RGB").save(Path(path), format="PNG", compress_level=QUICKLOOK_PNG_LEVEL)
        return
    step = max(1, int(np.ceil(image.shape[0] / style.raw_max_lines)))
    Image.fromarray(np.ascontiguousarray(image[::step, ::step]), mode="L").save(
        Path(path), format="PNG", compress_level=QUICKLOOK_PNG_LEVEL)

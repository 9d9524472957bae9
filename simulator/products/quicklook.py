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
from functools import lru_cache
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


def _lon_offset(cells: np.ndarray) -> float:
    """Longitude to subtract so the covered longitudes form one interval starting near 0 (handles 0/360).

    ``cells``: (360,) bool, the whole degrees of west longitude (``floor(lon) % 360``) any pixel occupies.
    """
    cells = np.flatnonzero(cells)          # ascending, as np.unique of the degrees would give
    if cells.size == 0:
        return 0.0
    gaps = np.diff(np.concatenate([cells, [cells[0] + 360]]))
    widest = int(np.argmax(gaps))
    return float(cells[(widest + 1) % cells.size])


def _degree_cells(lon_w: np.ndarray) -> np.ndarray:
    """(360,) bool: the whole degrees ``lon_w`` occupies (counting 360 bins is ~10x faster than sorting)."""
    return np.bincount(np.floor(lon_w).astype(int) % 360, minlength=360) > 0


def _neighbour_steps(lat_a, lon_a, lat_b, lon_b) -> np.ndarray:
    """Angular steps (deg) between pixels a and b (NaN off the body), the finite ones, flattened."""
    dlat = np.abs(lat_b - lat_a)
    dlon = np.abs(lon_b - lon_a)
    dlon = np.minimum(dlon, 360.0 - dlon)
    d = np.maximum(dlat, dlon)
    return d[np.isfinite(d)]


def _grid_shape(lat_range, lon_range, native_step_deg: float, style: QuicklookStyle):
    """(rows, columns, step in deg) of the grid covering ``lat_range`` and ``lon_range`` ((lo, hi) deg)."""
    (lat_lo, lat_hi), (lon_lo, lon_hi) = lat_range, lon_range
    extent = max(lon_hi - lon_lo, lat_hi - lat_lo, 1e-6)
    step = max(extent / style.max_width_px, native_step_deg)
    ncol = max(1, int(np.ceil((lon_hi - lon_lo) / step)) + 1)
    nrow = max(1, int(np.ceil((lat_hi - lat_lo) / step)) + 1)
    return nrow, ncol, step


def _cells(lat, lon, lat_hi: float, lon_hi: float, nrow: int, ncol: int, step: float) -> np.ndarray:
    """Flat grid cell of each pixel; west longitude grows to the left."""
    row = np.clip(((lat_hi - lat) / step).astype(int), 0, nrow - 1)
    col = np.clip(((lon_hi - lon) / step).astype(int), 0, ncol - 1)
    return row * ncol + col


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


@lru_cache(maxsize=None)
def _iof_scale(filter_name: str, tdi_stages: int) -> tuple[float, float]:
    """(bias DN, factor) taking decompanded 12-bit DN to approximate I/F: the instrument model's nominal
    calibration (RDR scale) of the default camera."""
    from instrument_models.junocam import JunoCam
    from instrument_models.junocam.radiometry import RDR_WHITE_DN
    from simulator.render.electronics import rdr_scale

    cam = JunoCam.default()
    return cam.detector.bias_dn, rdr_scale(cam, cam.radiometry, filter_name, int(tdi_stages)) / RDR_WHITE_DN


def _dn12_to_iof(dn12: np.ndarray, filter_name: str, tdi_stages: int) -> np.ndarray:
    """Decompanded 12-bit DN -> approximate I/F with the instrument model's nominal calibration (RDR scale)."""
    bias, scale = _iof_scale(filter_name, int(tdi_stages))
    return (np.asarray(dn12, dtype=np.float64) - bias) * scale


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


class QuicklookCollector:
    """The projected quicklook's per-pixel work, done block by block as the image's rows arrive.

    A product writer feeds it each framelet (in its writer thread, while the render goes on): the on-body
    pixels of the thinned rows (every ``style.pixel_stride``-th line and sample) keep their latitude,
    longitude and approximate I/F per filter, the occupied whole degrees of longitude and the neighbour
    steps of the grid's resolution are gathered, so only the grid itself (its extent needs every pixel),
    the cell sums, the hole filling and the stretch are left for :meth:`projected`. Blocks must come in
    row order without gaps; any split of the rows gives the same quicklook, byte for byte (the cell sums
    add each filter's pixels in row order, and the step median depends on the set of steps only).
    """

    def __init__(self, desc: ImageDescription, style: QuicklookStyle = QuicklookStyle()):
        self.desc, self.style = desc, style
        self.step = max(1, int(style.pixel_stride))
        n = len(desc.filters)
        self._lat: list[list[np.ndarray]] = [[] for _ in range(n)]   # per filter, on-body pixels in row order
        self._lon: list[list[np.ndarray]] = [[] for _ in range(n)]
        self._iof: list[list[np.ndarray]] = [[] for _ in range(n)]
        self._degrees = np.zeros(360, bool)    # whole degrees of west longitude any on-body pixel occupies
        self._steps: tuple[list, list] = ([], [])   # finite neighbour steps along lines, along samples (deg)
        self._last: tuple[np.ndarray, np.ndarray] | None = None   # last row the steps sample (NaN off the body)
        self._next_line = 0                    # the image line the next block must start at

    def add(self, first_line: int, dn8: np.ndarray, planes: dict, thinned: bool = False) -> None:
        """Take image lines ``first_line`` .. ``first_line + len(dn8)``: ``dn8`` (lines, samples) raw codes;
        ``planes`` BODY, LAT_PC and LON_W of the same lines, whole or (``thinned``) already cut to the
        thinned rows and samples (:func:`thinned_rows`)."""
        first_line = int(first_line)
        if first_line != self._next_line:
            raise ProductError(f"quicklook block starts at line {first_line}; expected line {self._next_line} "
                               "(blocks in row order, without gaps)")
        dn8 = np.asarray(dn8)
        self._next_line = first_line + dn8.shape[0]
        step = self.step
        offset, thin_first = thinned_rows(first_line, dn8.shape[0], self.style)
        dn = dn8[offset::step, ::step]
        p = {name: np.asarray(planes[name]) if thinned else np.asarray(planes[name])[offset::step, ::step]
             for name in ("BODY", "LAT_PC", "LON_W")}
        if any(v.shape != dn.shape for v in p.values()):
            raise ProductError(f"quicklook planes are {p['BODY'].shape}; expected {dn.shape} (thinned={thinned})")
        if dn.shape[0] == 0:
            return
        on = p["BODY"] == JUPITER_NAIF_ID
        lat, lon = p["LAT_PC"], p["LON_W"]
        # The grid's resolution: steps between every other thinned row and sample (the image-wide row parity)
        sampled = slice(thin_first % 2, None, 2)
        lat_s = np.where(on[sampled, ::2], lat[sampled, ::2], np.nan)
        lon_s = np.where(on[sampled, ::2], lon[sampled, ::2], np.nan)
        if lat_s.shape[0]:
            if self._last is not None:
                lat_s, lon_s = np.concatenate([self._last[0], lat_s]), np.concatenate([self._last[1], lon_s])
            self._steps[0].append(_neighbour_steps(lat_s[:-1], lon_s[:-1], lat_s[1:], lon_s[1:]))
            start = 1 if self._last is not None else 0     # the kept row's own steps are already in
            self._steps[1].append(_neighbour_steps(lat_s[start:, :-1], lon_s[start:, :-1],
                                                   lat_s[start:, 1:], lon_s[start:, 1:]))
            self._last = (lat_s[-1:], lon_s[-1:])
        if not on.any():
            return
        rows = first_line + offset + step * np.arange(dn.shape[0])
        filter_of_row = (rows // self.desc.framelet_lines) % len(self.desc.filters)
        for k in np.unique(filter_of_row):
            sel = on & (filter_of_row == k)[:, None]
            self._lat[k].append(lat[sel])
            self._lon[k].append(lon[sel])
            codes = _decompand(dn[sel], self.desc.companding)
            self._iof[k].append(_dn12_to_iof(codes, self.desc.filters[k], self.desc.tdi_stages))
        self._degrees |= _degree_cells(lon[on])

    def projected(self) -> np.ndarray | None:
        """The (rows, cols, 3) uint8 map-projected quicklook of every block so far, or ``None`` when no
        pixel sees the body."""
        desc, style = self.desc, self.style
        if not self._degrees.any():
            return None
        whole = lambda parts: np.concatenate(parts) if parts else np.empty(0)   # noqa: E731
        offset = _lon_offset(self._degrees)
        lats = [whole(parts) for parts in self._lat]
        lons = [whole(parts) for parts in self._lon]     # fresh arrays (concatenated): shifted in place
        for v in lons:
            np.remainder(np.subtract(v, offset, out=v), 360.0, out=v)
        # each filter's extremes, then theirs: the same numbers as over the joined pixels, without joining them
        ranges = [(float(np.min([v.min() for v in vs if v.size])), float(np.max([v.max() for v in vs if v.size])))
                  for vs in (lats, lons)]
        medians = [float(np.median(d)) / 2 for d in map(whole, self._steps) if d.size]
        nrow, ncol, cell_deg = _grid_shape(*ranges, max(medians) if medians else 0.0, style)
        lat_hi, lon_hi = ranges[0][1], ranges[1][1]

        def filter_mean(k: int) -> tuple[np.ndarray, np.ndarray]:
            cell = _cells(lats[k], lons[k], lat_hi, lon_hi, nrow, ncol, cell_deg)
            total = np.bincount(cell, weights=whole(self._iof[k]), minlength=nrow * ncol).reshape(nrow, ncol)
            count = np.bincount(cell, minlength=nrow * ncol).reshape(nrow, ncol)
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
        return _colour(means, style)


def _colour(means: dict, style: QuicklookStyle) -> np.ndarray:
    """(rows, cols, 3) uint8 from each filter's (mean I/F grid, filled cells)."""
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
        values, seen = next(iter(means.values()))
        black = float(np.percentile(values[seen], style.black_percentile)) if seen.any() else 0.0
        grey = _stretch(values, seen, style, black)
        rgb = [grey, grey, grey]
    return np.stack(rgb, axis=-1)


def projected_quicklook(image: np.ndarray, desc: ImageDescription, planes: dict,
                        style: QuicklookStyle = QuicklookStyle(), thinned: bool = False) -> np.ndarray | None:
    """The (rows, cols, 3) uint8 map-projected quicklook, or ``None`` when no pixel sees the body.

    ``image``: the (lines, samples) raw image; ``planes``: BODY, LAT_PC and LON_W, each (lines, samples), or
    when ``thinned`` already cut to every ``style.pixel_stride``-th line and sample (:func:`thinned_shape`).
    Same result either way, and the same as a :class:`QuicklookCollector` fed the rows in any blocks.
    """
    collector = QuicklookCollector(desc, style)
    collector.add(0, image, planes, thinned)
    return collector.projected()


def _thread_budget() -> int:
    from simulator.render.workers import thread_budget

    return thread_budget()


def other_bodies(body: np.ndarray) -> bool:
    """Whether a BODY plane (or a framelet of it) names any body other than Jupiter."""
    body = np.asarray(body)
    return bool(np.any((body != 0) & (body != JUPITER_NAIF_ID)))   # two compares: ~10x faster than isin


def write_quicklook(path: Path, image: np.ndarray, desc: ImageDescription,
                    planes: dict | QuicklookCollector | None, style: QuicklookStyle = QuicklookStyle(), *,
                    thinned: bool = False, others: bool | None = None) -> None:
    """Write ``quicklook.png`` (map-projected colour, or the shrunk raw image without truth).

    ``planes``: the truth planes, or a :class:`QuicklookCollector` the image's rows were already fed to
    (its style is used); ``thinned``: ``planes`` are already thinned (:func:`projected_quicklook`);
    ``others``: whether the whole BODY plane names another body than Jupiter (:func:`other_bodies`), found
    from ``planes["BODY"]`` when None (which must then be the whole plane).
    """
    collected = isinstance(planes, QuicklookCollector)
    # Bodies other than Jupiter (moons, meshes; their own latitudes/longitudes) have no place on Jupiter's
    # map: such an image's quicklook is the raw image, where they are seen as the camera saw them.
    if others is None:
        if (thinned or collected) and planes:
            raise ProductError("write_quicklook was given thinned planes without 'others'; expected whether the "
                               "whole BODY plane names another body (thinned planes may miss a small moon)")
        others = other_bodies(planes["BODY"]) if planes is not None else False
    if collected:
        rgb = planes.projected() if not others else None
    else:
        rgb = projected_quicklook(image, desc, planes, style, thinned) if planes and not others else None
    if rgb is not None:
        Image.fromarray(rgb, mode="RGB").save(Path(path), format="PNG", compress_level=QUICKLOOK_PNG_LEVEL)
        return
    step = max(1, int(np.ceil(image.shape[0] / style.raw_max_lines)))
    Image.fromarray(np.ascontiguousarray(image[::step, ::step]), mode="L").save(
        Path(path), format="PNG", compress_level=QUICKLOOK_PNG_LEVEL)

"""Ground truth beside the raw image: ``truth/<PRODUCT_ID>-truth.fits`` and ``truth/truth.json``.

The FITS file has an empty primary HDU (product, scenario, seed, aberration correction) and one image
extension per backplane, each shaped like the raw PNG (row 0 = PNG row 0), with BUNIT and a definition in
its header. Extensions are tile-compressed (FITS standard tiled-image compression, one framelet per tile):
integer planes losslessly (PLIO_1 for the masks BODY and DEFECT, RICE_1 otherwise); float planes quantised to
a stated step per plane (:data:`QUANTISATION_STEPS`, ZQUANTIZ = 'NO_DITHER', so any FITS reader gets the float
values back within half a step), or exactly at a coarser power-of-two step when every value of the plane lies
on it (:func:`exact_step`: the renderer's whole-DN DN12). By default (``TruthStorage.coding =
"differences"``, :mod:`simulator.products.truth_coding`) a quantised plane is stored as integer line
differences (LAT_PC as its residual from LAT_PG's closed form) coded with RICE_1: 6.3 x the raw PNG instead of
12.5 on the default image, in less CPU; ``simulator.products.reader.TruthFile`` decodes. With ``coding =
"values"`` float planes are stored as quantised floats any FITS reader decodes, at the ``full`` level with the
tile codec that measured smallest for them (:data:`COMPRESSION`: HCOMPRESS_1 at scale 0, i.e. lossless on the
integers, for smooth planes; RICE_1 for the others), at ``minimal`` with RICE_1 (see
``TruthStorage.compression``); ``TruthStorage.lossless()`` keeps floats bit for bit (GZIP_2). Identical
tiles of a plane (the calibration planes DARK, FLAT and DEFECT repeat every frame; framelets wholly on the
sky) are compressed once and their table rows point at the same bytes of the FITS heap, so a reader still sees
full planes. Planes may be compressed in worker processes side
by side. No card carries the wall-clock time, so the same render gives the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from simulator.errors import ProductError
from simulator.products import truth_coding
from simulator.products.truth_tiles import (FINGERPRINT_STRIDE, GRID_BLOCK, GRID_MAX_DOUBLINGS,  # noqa: F401
                                            GRID_PROBE_STRIDE, _pick_tiles, distinct_tiles, exact_step,
                                            share_identical_tiles)

# name: (dtype, BUNIT, definition). Dtypes follow the renderer's contract (ARCHITECTURE.md "Renderer");
# LON_W and the latitudes are float64 because float32 loses ~0.01 px of longitude at perijove scales.
BACKPLANES: dict[str, tuple[type, str, str]] = {
    "BODY": (np.int32, "", "NAIF id of the body the line of sight meets first (599 Jupiter, 501 Io...); 0 sky"),
    "LAT_PC": (np.float64, "deg", "planetocentric latitude of the line-of-sight intercept on the body"),
    "LAT_PG": (np.float64, "deg", "planetographic latitude of the intercept (normal to the ellipsoid)"),
    "LON_W": (np.float64, "deg", "west longitude of the intercept, 0..360 (System III on Jupiter)"),
    "INCIDENCE": (np.float32, "deg", "angle between the surface normal and the direction to the Sun"),
    "EMISSION": (np.float32, "deg", "angle between the surface normal and the direction to Juno"),
    "PHASE": (np.float32, "deg", "angle Sun - intercept - Juno"),
    "RANGE": (np.float32, "km", "distance from Juno to the intercept"),
    "PIXEL_SCALE": (np.float32, "km/pixel", "size of one product pixel projected at the intercept"),
    "IOF": (np.float32, "", "noise-free radiance factor I/F of the intercept in the framelet's filter"),
    "DN12": (np.float32, "DN", "noise-free 12-bit signal after summing, before companding"),
    "DEFECT": (np.uint8, "", "detector defect bits: 1 hot streak, 2 warm column, 4 blemish, 8 dust, 16 reference"),
    "DARK": (np.float32, "DN", "dark/bias 12-bit DN the pixel reads with no light (mean, before the ADC floor)"),
    "FLAT": (np.float32, "", "relative response (flat profile x dust x blemish x PRNU) applied to the signal"),
}
BACKPLANE_NAMES: tuple[str, ...] = tuple(BACKPLANES)
FILL_VALUE = {"BODY": 0, "DEFECT": 0}  # value off the body; floats use NaN
JUPITER_NAIF_ID = 599     # NAIF id (facts.md "Jupiter")


TRUTH_LEVELS: tuple[str, ...] = ("none", "minimal", "full")   # ``--truth``: which planes a product keeps
# The planes ``validate`` / ``score`` read (simulator.validate.truth.TRUTH_PLANES): a minimal product can
# still be validated and scored.
MINIMAL_PLANES: tuple[str, ...] = ("BODY", "LAT_PG", "LON_W", "PIXEL_SCALE", "IOF")

# Quantisation step of each floating-point plane (its unit): values are stored as round(value / step) in
# compressed tiles (FITS tiled-image compression, ZQUANTIZ = 'NO_DITHER'), so a reader gets the plane's float
# dtype back with an error of at most step / 2 (plus the float32 rounding of float32 planes), NaN kept. Planes
# absent here (or a step of None) are stored losslessly. Sized to issue #16's contract (latitudes/longitudes
# better than 1e-6 deg, geometry within 1e-3 px) and to what a user can measure; configurable per product
# (TruthStorage.steps). A step k times coarser saves about log2(k) bits per on-planet pixel.
QUANTISATION_STEPS: dict[str, float] = {
    # lat/lon: 2**-19 deg, within 9.5e-7 deg (< 1e-6 deg asked by issue #16): 1.2 m on Jupiter's equator,
    # 5e-4 pixel at the finest JunoCam pixels (~2.5 km: ~3 km nadir pixel at ~5000 km, facts.md "Imaging
    # geometry"; 2.54 km the finest of the default 26-frame image)
    "LAT_PC": 2.0 ** -19, "LAT_PG": 2.0 ** -19, "LON_W": 2.0 ** -19,
    # angles within 5e-4 deg: cos(angle) within 9e-6, a relative I/F model error < 1e-4 up to 85 deg
    "INCIDENCE": 1e-3, "EMISSION": 1e-3, "PHASE": 1e-3,
    # km: within 50 m. What range is used for: photometric distance scaling (r^2) and pixel scale (range x
    # pixel angle; PIXEL_SCALE is its own plane), 5e-7 of 100,000 km and 1e-5 of Juno's closest ~5,000 km
    # (facts.md "Imaging geometry"), 2e-5 / 1e-6 in r^2; light time 0.17 us, in which Juno (< 60 km/s) moves
    # 1 cm. A point rebuilt as observer + RANGE x ray moves 50 m along the line of sight (0.02 of the finest
    # 2.5 km pixel): positions are the latitude/longitude planes' job (1e-3 px). 10 x the former 1e-2 km: 6.5
    # against 9.9 MB on the default image (3.4 bits per on-planet pixel less)
    "RANGE": 1e-1,
    # km/pixel: within 5 cm, < 2e-5 relative for pixels wider than 2.5 km. Not coarser: `score` sizes its map
    # grid from the median PIXEL_SCALE, and with a step of 1e-3 km the tile-median shift it measured on the
    # validation test's 0.5 px shifted map moved from within 0.1 px of 0.5 to 0.39 px
    "PIXEL_SCALE": 1e-4,
    # I/F within 5e-6: 1/110 of one ADC step in the default image (5.7e-4 I/F per 12-bit DN in RED/GREEN at
    # TDI 1, 8e-4 in BLUE). Not coarser, because one absolute step serves every exposure: at TDI 100 one DN is
    # 5.7e-6 I/F and the read noise (44 e- at 10 e-/DN, detector.py) 2.5e-5 I/F, against which this step's
    # rounding rms (2.9e-6) is 0.11; `validate`/`score` compare reconstructed I/F with this plane in units of
    # that noise. A step of 1e-4 (5.0 against 8.7 MB on the default image) would be 1/11 of an ADC step there
    # but exceed that read noise at TDI 100 (rms 2.9e-5); a step scaled to each product's I/F per DN is the
    # way to save those bits (TruthStorage.steps takes one)
    "IOF": 1e-5,
    # DN: any value within 1/32 DN, 9 times below the ADC's rounding noise. The renderer's DN12 is whole DN
    # (floor, render/truth.py; summed "sum") or multiples of 1/4 DN (summed 2 x 2 "mean"): the writer stores a
    # plane at the coarsest power-of-two multiple of its step on which every value lies (`exact_step`), i.e. at
    # 1 DN or 1/4 DN, exactly, and without the 4 or 2 always-zero low bits both codecs paid for (default image:
    # 8.3 against 10.2 MB); ZSCALE in each tile's row tells any reader the step
    "DN12": 1.0 / 16.0,
    # calibration planes: the renderer already rounds them to these steps (render/electronics.py), so the
    # integers store them exactly (unsummed; summed planes average four values: within step / 2). No coarser
    # grid holds them (`exact_step` finds none on the default image) and a constant offset costs nothing (each
    # tile's ZZERO); they are stored once per filter (shared tiles), 1.4 MB of the default image's truth
    "DARK": 1.0 / 64.0, "FLAT": 1.0 / 4096.0,
}

TILE_CODECS: tuple[str, ...] = ("RICE_1", "HCOMPRESS_1", "PLIO_1")   # FITS tiled-image codecs a plane may use
# Tile codec of each plane at the ``full`` level with ``coding = "values"`` (the rest: RICE_1; line-coded planes
# use RICE_1 at both levels, see truth_coding: HCOMPRESS_1 on line differences is within +-10 % of RICE_1 at
# ~7 x its CPU). Measured on the 26-frame BLUE/GREEN/RED
# default image at the steps above (bits per pixel, RICE_1 -> HCOMPRESS_1): latitudes/longitude 8.7-8.9 ->
# 5.5-6.0, INCIDENCE/EMISSION/PHASE 3.9-5.4 -> 1.7-2.6, RANGE 7.5 -> 4.8 (at 1e-2 km), PIXEL_SCALE 5.6 -> 3.0,
# DN12 8.7 -> 5.0 (at 1/16 DN): the H-transform (a 2-D Haar wavelet) leaves small coefficients on smooth planes
# where RICE codes first differences along rows. IOF (textured) is smaller with RICE_1 (4.2 against 4.6);
# FLAT gains 3 % with HCOMPRESS (0.64 -> 0.62 MB), not worth its time; DARK (one distinct framelet per filter)
# 0.73 -> 0.37 MB. HCOMPRESS_1 with scale 0 is lossless on the quantised integers. The integer masks BODY and
# DEFECT use PLIO_1 (IRAF's run-length code for values 0 .. 2**24 - 1): BODY 0.86 -> 0.04 MB in a third of
# RICE's time, DEFECT 0.07 -> 0.05 MB. All three codecs belong to the FITS tiled-image compression convention
# (FITS Standard 4.0 section 10; PLIO: the convention's document 2.3 section 6.3), which astropy, CFITSIO and
# fpack read. HCOMPRESS's price is CPU: 9.0 against 3.0 CPU seconds for the full truth of that image
# (``compression={}``: RICE everywhere, the fastest).
COMPRESSION: dict[str, str] = {
    **{name: "HCOMPRESS_1" for name in ("LAT_PC", "LAT_PG", "LON_W", "INCIDENCE", "EMISSION", "PHASE", "RANGE",
                                        "PIXEL_SCALE", "DN12", "DARK")},
    "BODY": "PLIO_1", "DEFECT": "PLIO_1"}
# At the ``minimal`` level (write speed first) everything is RICE_1 but BODY, whose PLIO_1 is both faster and
# ~20 x smaller.
MINIMAL_COMPRESSION: dict[str, str] = {"BODY": "PLIO_1"}
PLIO_LIMIT = 2 ** 24      # PLIO_1 codes integers 0 .. 2**24 - 1 (CFITSIO); a plane outside falls back to RICE_1
HCOMPRESS_MIN_SIDE = 4    # pixels: HCOMPRESS needs tiles at least this tall and wide (CFITSIO); else RICE_1


@dataclass(frozen=True)
class TruthStorage:
    """How a product's truth FITS is stored (issue #16: cheap enough to write by the thousand).

    Attributes
    ----------
    level : ``"full"`` (every backplane), ``"minimal"`` (:data:`MINIMAL_PLANES`: enough to validate and
        score) or ``"none"`` (no truth FITS; ``truth.json`` is still written).
    steps : plane -> quantisation step (plane's unit), ``None`` = :data:`QUANTISATION_STEPS`; a plane
        mapped to ``None`` or missing from a given mapping is stored losslessly. ``lossless()`` stores
        every plane bit for bit (GZIP_2 tiles, ~5x slower to write and ~1.5x larger).
    workers : processes compressing planes side by side (1 = in this thread, the default; 0 = automatic:
        one per core the process may use (``render.workers.thread_budget``), at most 4: processes when a plane
        is HCOMPRESS-coded, else threads of this process (the line coding's compiled passes, numpy and
        astropy's RICE/PLIO codecs let other threads run; HCOMPRESS and PLIO, whose C code keeps globals, take
        :data:`_CODEC_LOCK`), which start in no time; same bytes. Worker processes are started with "spawn", which
        re-imports the caller's ``__main__``: use 0 or more than 1 only from a program whose entry is guarded
        (``junocam-sim render`` uses 0). Each imports only this module (~0.5 s) and opens the scratch memory
        maps itself: the 26-frame full truth at ``coding="values"`` in 5.8-6.4 s with 2 processes against
        8.8-9.2 s in one (same bytes; idle 2-core machine).
    compression : plane -> tile codec of a quantised or integer plane (one of :data:`TILE_CODECS`); planes
        missing from it use RICE_1. ``None``: :data:`MINIMAL_COMPRESSION` (RICE_1 but BODY's PLIO_1) at both
        levels with ``coding = "differences"``; with ``"values"``, :data:`COMPRESSION` at the ``full`` level
        (size first: 12.4 x the PNG instead of 19.3 with RICE everywhere, for 3 x the CPU: 9.0 against 3.0 s)
        and :data:`MINIMAL_COMPRESSION` at ``minimal`` (8.4 x the PNG in 1.4 CPU s); measured on the 26-frame
        BLUE/GREEN/RED default image, one writer process.
    coding : ``"differences"`` (default): quantised float planes stored as integer line differences and LAT_PC
        as its residual from LAT_PG's closed form (:mod:`simulator.products.truth_coding`; full truth 6.3 x the
        PNG, minimal 3.3 x, in ~40 % of the CPU of ``"values"``), decoded by
        ``simulator.products.reader.TruthFile``; ``"values"``: every float plane quantised floats that any FITS
        reader returns directly (12.5 x and 8.5 x).
    """

    level: str = "full"
    steps: Mapping[str, float | None] | None = None
    workers: int = 1
    compression: Mapping[str, str] | None = None
    coding: str = "differences"

    def __post_init__(self):
        if self.level not in TRUTH_LEVELS:
            raise ProductError(f"truth level {self.level!r} is not one of {', '.join(TRUTH_LEVELS)}")
        if self.coding not in truth_coding.CODINGS:
            raise ProductError(f"truth coding {self.coding!r} is not one of {', '.join(truth_coding.CODINGS)}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 0:
            raise ProductError(f"truth writer workers {self.workers!r} must be an integer >= 0")
        for name, step in (self.steps or {}).items():
            if step is not None and not (isinstance(step, (int, float)) and np.isfinite(step) and step > 0):
                raise ProductError(f"quantisation step {step!r} of truth plane {name!r} must be a positive number "
                                   "or None (lossless)")
        for name, codec in (self.compression or {}).items():
            if codec not in TILE_CODECS:
                raise ProductError(f"tile codec {codec!r} of truth plane {name!r} is not one of "
                                   f"{', '.join(TILE_CODECS)}")

    @classmethod
    def lossless(cls, level: str = "full", workers: int = 1) -> "TruthStorage":
        """Every plane stored bit for bit."""
        return cls(level=level, steps={}, workers=workers)

    def planes(self, available: Sequence[str]) -> tuple[str, ...]:
        """The planes of ``available`` (in that order) this level keeps."""
        if self.level == "none":
            return ()
        return tuple(n for n in available if self.level == "full" or n in MINIMAL_PLANES)

    def step(self, name: str) -> float | None:
        """Quantisation step of plane ``name`` (None: lossless)."""
        table = QUANTISATION_STEPS if self.steps is None else self.steps
        return table.get(name)

    def codec(self, name: str) -> str:
        """Tile codec of plane ``name`` when it is quantised or integer (lossless floats: GZIP_2)."""
        if self.compression is None:
            table = COMPRESSION if self.level == "full" and self.coding == "values" else MINIMAL_COMPRESSION
            return table.get(name, "RICE_1")
        return self.compression.get(name, "RICE_1")

    def process_count(self, planes: int, codecs: Sequence[str] = ()) -> int:
        """How many processes to use for ``planes`` planes coded with ``codecs``."""
        if self.workers:
            return max(1, min(self.workers, planes))
        if "HCOMPRESS_1" not in codecs:
            return 1
        return self._automatic(planes)

    def thread_count(self, planes: int, codecs: Sequence[str] = ()) -> int:
        """How many threads of this process encode ``planes`` planes coded with ``codecs`` (1: this one)."""
        if self.workers or "HCOMPRESS_1" in codecs:
            return 1
        return self._automatic(planes)

    @staticmethod
    def _automatic(planes: int) -> int:
        budget = os.cpu_count() or 1
        workers = sys.modules.get("simulator.render.workers")      # the process's thread budget, if it has one
        if workers is not None:
            budget = workers.thread_budget()
        return max(1, min(budget, 4, planes))


def _header_cards(name: str, abcorr: str) -> list[tuple[str, object, str]]:
    _, unit, definition = BACKPLANES.get(name, (None, "", f"truth backplane {name}"))
    return [
        ("BUNIT", unit, "unit of the values"),
        ("DEFINITN", definition, ""),
        ("EPOCH", "pixel mid-exposure", "time at which the geometry is evaluated"),
        ("ABCORR", abcorr, "SPICE aberration correction of the geometry"),
        ("BODYFRM", "IAU_JUPITER", "lat/lon frame (other bodies: IAU_<body>)"),
        ("FILLNOTE", "off the body: 0 in BODY, NaN in the others", ""),
    ]


def plane_names() -> tuple[str, ...]:
    """Every backplane the renderer makes: :data:`BACKPLANE_NAMES`, then any other of its ``TRUTH_DTYPES``."""
    from simulator.render.types import TRUTH_DTYPES

    return tuple(dict.fromkeys((*BACKPLANE_NAMES, *TRUTH_DTYPES)))


def plane_dtype(name: str, fallback: np.dtype | None = None) -> np.dtype:
    """The stored dtype of plane ``name``: :data:`BACKPLANES`, else the renderer's ``TRUTH_DTYPES``, else
    ``fallback``."""
    if name in BACKPLANES:
        return np.dtype(BACKPLANES[name][0])
    from simulator.render.types import TRUTH_DTYPES

    return np.dtype(TRUTH_DTYPES.get(name, fallback))


def _as_array(source) -> np.ndarray:
    if isinstance(source, tuple):  # (file, dtype, shape) of a scratch memory map: opened in the worker
        path, dtype, shape = source
        return np.memmap(path, dtype=dtype, mode="r", shape=shape)
    return np.asarray(source)


def encode_plane(name: str, source, step: float | None, tile_lines: int, abcorr: str,
                 codec: str = "RICE_1", coding: str = "values", body=None, lat_pg=None) -> bytes:
    """One backplane as the bytes of a FITS image extension (tile-compressed, 2880-byte blocks).

    Parameters
    ----------
    name : EXTNAME.
    source : (lines, samples) array, or ``(path, dtype, shape)`` of a raw memory-mapped file.
    step : quantisation step of a float plane (None: lossless).
    tile_lines : tile height (one framelet); tiles span the whole width.
    abcorr : recorded in the header.
    codec : tile codec of a quantised float or integer plane (:data:`TILE_CODECS`); lossless floats use
        GZIP_2. HCOMPRESS_1 falls back to RICE_1 on tiles narrower than :data:`HCOMPRESS_MIN_SIDE`, PLIO_1 on
        float planes and values outside ``0 .. PLIO_LIMIT - 1``.
    coding : ``"values"`` (quantised floats any FITS reader decodes) or ``"differences"``
        (:mod:`simulator.products.truth_coding`: a quantised float plane stored as integer line differences,
        LAT_PC as its residual from LAT_PG's closed form; a plane that cannot be, e.g. NaN where BODY is not
        0, is stored as values).
    body : the BODY plane (array or memory-map source) when ``coding`` is ``"differences"``: NaN pixels must
        be exactly its 0s.
    lat_pg : ``(source, step)`` of the LAT_PG plane stored beside it (LAT_PC's residual), or None.

    Identical tiles are compressed once (:func:`share_identical_tiles`).
    """
    from astropy.io import fits     # here, not at import: a render imports it beside the render (calibration/)

    data = _as_array(source)
    dtype = plane_dtype(name, data.dtype)
    if data.dtype != dtype:
        data = data.astype(dtype)
    tile_lines = min(int(tile_lines), data.shape[0])
    extra: tuple = ()
    distinct, index = distinct_tiles(data, tile_lines)
    if coding == "differences" and dtype.kind == "f" and step is not None:
        coded = _coded(name, data, step, tile_lines, body, lat_pg, distinct, index)
        if coded is not None:
            (data, index), extra = coded          # the distinct tiles alone, coded
            dtype = data.dtype
    if index is not None and not extra:
        data = _pick_tiles(data, distinct, tile_lines)
    tile = (tile_lines, data.shape[1])
    if codec == "HCOMPRESS_1" and min(tile) < HCOMPRESS_MIN_SIDE:
        codec = "RICE_1"
    if codec == "PLIO_1" and (dtype.kind not in "iu" or (data.size and (data.min() < 0 or data.max() >= PLIO_LIMIT))):
        codec = "RICE_1"
    options = {"hcomp_scale": 0} if codec == "HCOMPRESS_1" else {}
    if dtype.kind == "f" and step is None:
        # Lossless floats: GZIP with byte shuffling (RICE is for integers); time-stamp-free streams.
        with reproducible_gzip() as reproducible:
            if not reproducible:
                return _extension_bytes(fits.ImageHDU(data=_as_array(source).astype(dtype), name=name), name, abcorr)
            hdu = fits.CompImageHDU(data=data, name=name, compression_type="GZIP_2", quantize_level=0.0,
                                    tile_shape=tile)
            return share_identical_tiles(_extension_bytes(hdu, name, abcorr), index)
    if dtype.kind == "f":
        # Quantised floats, no dithering: stored integer = round((value - tile zero) / step), NaN kept as null.
        step = exact_step(data, step)
        hdu = fits.CompImageHDU(data=data, name=name, compression_type=codec, quantize_level=-float(step),
                                quantize_method=-1, tile_shape=tile, **options)
    else:
        hdu = fits.CompImageHDU(data=data, name=name, compression_type=codec, tile_shape=tile, **options)
    with _CODEC_LOCK if codec in LOCKED_CODECS else nullcontext():
        return share_identical_tiles(_extension_bytes(hdu, name, abcorr, extra), index)


def _coded(name: str, data: np.ndarray, step: float, tile_lines: int, body, lat_pg, distinct, index):
    """((int32 plane of the distinct tiles, tile index), (header cards, comment lines)) of a
    ``differences``-coded float plane, or None. ``distinct``, ``index``: :func:`distinct_tiles` of ``data``.

    Line differences restart every tile, so only the distinct tiles are coded (DARK/FLAT: one framelet per
    filter), once the BODY plane's 0s are checked to repeat with them (the plane's NaN must be exactly there
    in every tile). LAT_PC's residual depends on LAT_PG too: coded whole, its own distinct tiles found after.
    """
    body = None if body is None else _as_array(body)
    unit = BACKPLANES.get(name, (None, ""))[1]
    if name == "LAT_PC" and lat_pg is not None and body is not None:
        step = exact_step(data, step)
        pg = np.asarray(_as_array(lat_pg[0]), dtype=np.float64)     # no copy: LAT_PG is float64
        pg_step = exact_step(pg, lat_pg[1])
        # LAT_PG must be line-coded itself (its decoded values are the closed form's input): the same test
        # LAT_PG's own coding passes
        if truth_coding.encode_lines(pg, pg_step, body, tile_lines) is not None:
            residual = truth_coding.pg_residual(data, pg, body, step, pg_step)
            if residual is not None:
                tiles, index = distinct_tiles(residual, tile_lines)
                if index is not None:
                    residual = _pick_tiles(residual, tiles, tile_lines)
                return (residual, index), (
                    truth_coding.cards(truth_coding.PG_RESIDUAL, step, tile_lines, True, unit=unit),
                    truth_coding.recipe(truth_coding.PG_RESIDUAL))
    few = index is not None and 2 * len(distinct) <= len(index)       # DARK/FLAT: one tile per filter
    values = _pick_tiles(data, distinct, tile_lines) if few else data
    if index is not None and body is not None and np.isnan(values).any():
        # NaN must be BODY's 0s in every tile: each repeated tile's BODY 0s are those of the tile it repeats
        tiles = np.asarray(body).reshape(len(index), tile_lines, -1)
        first = np.asarray(distinct)[index]
        for t in np.flatnonzero(first != np.arange(len(index))):
            if not np.array_equal(tiles[t] == 0, tiles[first[t]] == 0):
                return None
    step = exact_step(values, step)
    period = truth_coding.modulus(name, step)
    coded = truth_coding.encode_lines(data, step, body, tile_lines, period, distinct)
    if coded is None:
        return None
    stored, null = coded
    return (stored, index), (
        truth_coding.cards(truth_coding.LINE_DIFFERENCES, step, tile_lines, null, period, unit),
        truth_coding.recipe(truth_coding.LINE_DIFFERENCES))


def _extension_bytes(hdu, name: str, abcorr: str, coded: tuple = ()) -> bytes:
    """The extension's bytes; ``coded`` = (cards, comment lines) of a coded plane (its BUNIT becomes DUNIT)."""
    from astropy.io import fits

    for key, value, comment in _header_cards(name, abcorr):
        hdu.header[key] = (value, comment)
    if coded:
        del hdu.header["BUNIT"]
        for key, value, comment in coded[0]:
            hdu.header[key] = (value, comment)
        for line in coded[1]:
            hdu.header.add_comment(line)
    buffer = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(buffer, output_verify="exception")
    primary = len(fits.PrimaryHDU().header.tostring())   # an empty primary HDU: one header block
    return buffer.getvalue()[primary:]


# astropy's HCOMPRESS codec (CFITSIO's C code) keeps state in globals: two threads encoding at once give
# different, wrong bytes (measured: 8 of 8 HCOMPRESS planes differed when 2 threads encoded them), and
# reproducible_gzip swaps a module attribute. Both run under this process-wide lock; processes are unaffected.
_CODEC_LOCK = threading.RLock()
LOCKED_CODECS = ("HCOMPRESS_1", "PLIO_1")   # PLIO_1 is not known to be thread-safe; it is fast, so it waits too

GZIP_LEVEL = 6  # zlib level of lossless float tiles: a speed/size trade-off, not a format requirement


@contextmanager
def reproducible_gzip():
    """Make astropy's GZIP tile codec write time-stamp-free gzip streams while the file is written.

    Python's ``gzip.compress`` stamps each stream with the wall clock (``mtime``), which would make two
    identical renders differ in a few bytes per tile. astropy's codec module imports ``gzip.compress`` under
    the name ``gzip_compress``; it is swapped for a fixed-``mtime`` version for the duration of the write.
    If that private name ever moves, lossless float planes are written uncompressed (still reproducible).
    """
    try:
        from astropy.io.fits.hdu.compressed import _codecs
    except ImportError:
        yield False
        return
    if not hasattr(_codecs, "gzip_compress"):
        yield False
        return
    with _CODEC_LOCK:
        original = _codecs.gzip_compress
        _codecs.gzip_compress = partial(gzip.compress, compresslevel=GZIP_LEVEL, mtime=0)
        try:
            yield True
        finally:
            _codecs.gzip_compress = original


def _source(plane: np.ndarray):
    """What a worker process gets for a plane: a memory map's file (no copy) or the array itself."""
    if isinstance(plane, np.memmap) and plane.filename and plane.offset == 0:
        return (plane.filename, plane.dtype, plane.shape)
    return np.asarray(plane)


def write_truth_fits(path: Path, planes: dict[str, np.ndarray], *, product_id: str, scenario: str,
                     seed: int, abcorr: str, software_version: str, tile_lines: int = 128,
                     storage: TruthStorage = TruthStorage()) -> None:
    """Write the truth FITS file.

    Parameters
    ----------
    path : output path.
    planes : backplane name -> (lines, samples) array (memory-mapped arrays are fine) or a plane already
        coded framelet by framelet (:class:`simulator.products.truth_stream.StreamedPlane`: its
        ``extension(abcorr)`` is written as it is); the planes ``storage`` keeps are written in
        :data:`BACKPLANES` order, and every one of them must be present. Planes outside :data:`BACKPLANES` (a
        new renderer plane) are written with their own dtype and a generic header.
    product_id, scenario, seed, abcorr, software_version : recorded in the primary header.
    tile_lines : compression tile height (one framelet: 128 / summing lines).
    storage : level, quantisation steps and worker processes (:class:`TruthStorage`).
    """
    from astropy.io import fits

    wanted = storage.planes(tuple(dict.fromkeys((*BACKPLANE_NAMES, *planes))))
    missing = [n for n in wanted if n not in planes]
    if missing:
        raise ProductError(f"truth backplane {missing[0]!r} is missing; expected {', '.join(wanted)}")
    primary = fits.PrimaryHDU()
    for key, value, comment in (("PRODUCT", product_id, "PRODUCT_ID of the raw image"),
                                ("SCENARIO", scenario, "junocam-sim scenario"),
                                ("SEED", int(seed), "scenario seed"),
                                ("ABCORR", abcorr, "SPICE aberration correction of all geometry"),
                                ("SOFTWARE", f"junocam-sim {software_version}", ""),
                                ("TRUTHLVL", storage.level, "truth planes kept: minimal or full")):
        primary.header[key] = (value, comment)
    primary.header.add_comment("One image extension per truth backplane, each shaped like the raw PNG.")
    primary.header.add_comment("Float planes are quantised (ZQUANTIZ NO_DITHER, step ZSCALE per tile).")
    primary.header.add_comment("Equal tiles of a plane (DARK/FLAT/DEFECT each frame) share one heap copy.")
    coding = storage.coding
    streamed = {name: planes[name] for name in wanted if hasattr(planes[name], "extension")}
    whole = [name for name in wanted if name not in streamed]
    body = _source(planes["BODY"]) if coding == "differences" and "BODY" in whole else None
    pg_kept = "LAT_PG" in whole and storage.step("LAT_PG") is not None
    lat_pg = (_source(planes["LAT_PG"]), storage.step("LAT_PG")) if body is not None and pg_kept else None
    jobs = [(name, _source(planes[name]), storage.step(name), int(tile_lines), abcorr, storage.codec(name),
             coding, body, lat_pg if name == "LAT_PC" else None) for name in whole]
    codecs = [job[5] for job in jobs]
    processes = storage.process_count(len(jobs), codecs)
    threads = storage.thread_count(len(jobs), codecs)
    if threads > 1:
        from concurrent.futures import ThreadPoolExecutor

        # The longest planes first, so the threads end together; the extensions keep the planes' order.
        order = sorted(range(len(jobs)), key=lambda k: -_ENCODE_COST.get(jobs[k][0], 1.0))
        with ThreadPoolExecutor(threads, thread_name_prefix="truth-plane") as pool:
            done = dict(zip(order, pool.map(lambda k: encode_plane(*jobs[k]), order)))
        extensions = [done[k] for k in range(len(jobs))]
    elif processes > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # The RICE and quantisation codecs hold the GIL: planes go to processes ("spawn": no fork of
        # numba's threads), each opening the scratch memory map itself.
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            extensions = list(pool.map(encode_plane, *zip(*jobs)))
    else:
        extensions = [encode_plane(*job) for job in jobs]
    coded = dict(zip(whole, extensions))
    extensions = [streamed[name].extension(abcorr) if name in streamed else coded[name] for name in wanted]
    buffer = io.BytesIO()
    fits.HDUList([primary]).writeto(buffer, output_verify="exception")
    with open(Path(path), "xb") as out:
        out.write(buffer.getvalue())
        for block in extensions:
            out.write(block)


# Relative CPU of encoding each plane at the default coding (measured on the 26-frame BLUE/GREEN/RED default
# image: LAT_PC's residual needs sin, cos and atan2 per pixel); only orders the work of encoding threads.
_ENCODE_COST: dict[str, float] = {"LAT_PC": 3.5, "DN12": 2.0, "LON_W": 2.0, "LAT_PG": 2.0, "IOF": 1.5,
                                  "DEFECT": 0.2, "DARK": 0.3, "FLAT": 0.3}

QUICKLOOK_PLANES: tuple[str, ...] = ("BODY", "LAT_PC", "LON_W")   # what quicklook.py projects with


class TruthSummary:
    """Key truth figures of a product, gathered framelet by framelet (the dataset manifest's columns).

    ``as_dict()`` gives ``jupiter_fraction`` (share of pixels whose line of sight meets Jupiter first), and
    over those pixels the ranges ``pixel_scale_km_{min,max}``, ``incidence_deg_{min,max}``,
    ``emission_deg_{min,max}`` (NaN when no pixel sees Jupiter).
    """

    _RANGES = (("PIXEL_SCALE", "pixel_scale_km"), ("INCIDENCE", "incidence_deg"), ("EMISSION", "emission_deg"))
    PLANES = ("BODY", *(name for name, _ in _RANGES))     # what add() reads

    def __init__(self):
        self.pixels = 0
        self.on_jupiter = 0
        self.low = {key: np.inf for _, key in self._RANGES}
        self.high = {key: -np.inf for _, key in self._RANGES}

    def add(self, planes: Mapping[str, np.ndarray]) -> None:
        """Count one framelet's truth (needs BODY, PIXEL_SCALE, INCIDENCE, EMISSION)."""
        body = np.asarray(planes["BODY"])
        hit = body == JUPITER_NAIF_ID
        self.pixels += body.size
        self.on_jupiter += int(np.count_nonzero(hit))
        if not hit.any():
            return
        for name, key in self._RANGES:
            values = np.asarray(planes[name])[hit]
            values = values[np.isfinite(values)]
            if values.size:
                self.low[key] = min(self.low[key], float(values.min()))
                self.high[key] = max(self.high[key], float(values.max()))

    def as_dict(self) -> dict[str, float]:
        out = {"jupiter_fraction": self.on_jupiter / self.pixels if self.pixels else 0.0}
        for _, key in self._RANGES:
            found = np.isfinite(self.low[key])
            out[f"{key}_min"] = self.low[key] if found else float("nan")
            out[f"{key}_max"] = self.high[key] if found else float("nan")
        return out


def truth_record(*, scenario: str, seed: int, kernels: str, abcorr: str, framelets: list[dict],
                 injected_errors: dict, software_version: str, product_id: str) -> dict:
    """The ``truth.json`` content as a dict (keys fixed by issue #6)."""
    return {
        "product_id": product_id,
        "scenario": scenario,
        "seed": int(seed),
        "kernels": kernels,
        "aberration_correction": abcorr,
        "framelets": framelets,
        "injected_errors": injected_errors,
        "software_version": software_version,
    }


def truth_to_bytes(record: dict) -> bytes:
    """Serialise ``truth.json`` deterministically (sorted keys, two-space indent, trailing newline)."""
    return (json.dumps(record, indent=2, sort_keys=True, allow_nan=False) + "\n").encode("utf-8")

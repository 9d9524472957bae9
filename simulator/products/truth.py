"""Ground truth beside the raw image: ``truth/<PRODUCT_ID>-truth.fits`` and ``truth/truth.json``.

The FITS file has an empty primary HDU (product, scenario, seed, aberration correction) and one image
extension per backplane, each shaped like the raw PNG (row 0 = PNG row 0), with BUNIT and a definition in
its header. Extensions are tile-compressed (FITS standard tiled-image compression, one framelet per tile):
integer planes losslessly (RICE_1); float planes quantised to a stated step per plane
(:data:`QUANTISATION_STEPS`, ZQUANTIZ = 'NO_DITHER', so any FITS reader gets the float values back within half
a step) and RICE-coded; ``TruthStorage.lossless()`` keeps floats bit for bit (GZIP_2). Planes may be compressed
in worker processes side by side. No card carries the wall-clock time, so the same render gives the same
bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from astropy.io import fits

from simulator.errors import ProductError

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
# RICE-compressed tiles (FITS tiled-image compression, ZQUANTIZ = 'NO_DITHER'), so a reader gets the plane's
# float dtype back with an error of at most step / 2, NaN kept. Planes absent here (or a step of None) are
# stored losslessly. These are assumptions sized to the issue #16 contract, configurable per product
# (TruthStorage.steps):
QUANTISATION_STEPS: dict[str, float] = {
    # lat/lon within 5e-7 deg (< 1e-6 deg asked by issue #16; 5e-7 deg is 0.6 m on Jupiter, < 1e-3 pixel
    # wherever a pixel is wider than 0.6 km, i.e. every Juno range above ~900 km)
    "LAT_PC": 1e-6, "LAT_PG": 1e-6, "LON_W": 1e-6,
    # angles within 5e-6 deg: finer than float32's own spacing (7.6e-6 deg between 64 and 128 deg)
    "INCIDENCE": 1e-5, "EMISSION": 1e-5, "PHASE": 1e-5,
    "RANGE": 1e-3,          # km: within 0.5 m
    "PIXEL_SCALE": 1e-5,    # km/pixel: within 5 mm, < 1e-5 relative for pixels wider than 0.5 km
    "IOF": 1e-5,            # within 5e-6 in I/F (Jupiter's I/F is ~0.05-1: < 1e-4 relative)
    "DN12": 1e-2,           # DN: within 0.005 DN, 200 times below the ADC's 1-DN step
    # calibration planes: the renderer already rounds them to these steps (render/electronics.py), so the
    # integers store them exactly
    "DARK": 1.0 / 64.0, "FLAT": 1.0 / 4096.0,
}


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
    workers : processes compressing planes side by side (0 = one per core, at most 4; 1 = in this process,
        the default). Worker processes are started with "spawn", which re-imports the caller's ``__main__``:
        use more than 1 only from a program whose entry is guarded (``junocam-sim`` is).
    """

    level: str = "full"
    steps: Mapping[str, float | None] | None = None
    workers: int = 1

    def __post_init__(self):
        if self.level not in TRUTH_LEVELS:
            raise ProductError(f"truth level {self.level!r} is not one of {', '.join(TRUTH_LEVELS)}")
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 0:
            raise ProductError(f"truth writer workers {self.workers!r} must be an integer >= 0")
        for name, step in (self.steps or {}).items():
            if step is not None and not (isinstance(step, (int, float)) and np.isfinite(step) and step > 0):
                raise ProductError(f"quantisation step {step!r} of truth plane {name!r} must be a positive number "
                                   "or None (lossless)")

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

    def process_count(self, planes: int) -> int:
        """How many processes to use for ``planes`` planes."""
        wanted = self.workers or min(os.cpu_count() or 1, 4)
        return max(1, min(wanted, planes))


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


def encode_plane(name: str, source, step: float | None, tile_lines: int, abcorr: str) -> bytes:
    """One backplane as the bytes of a FITS image extension (tile-compressed, 2880-byte blocks).

    Parameters
    ----------
    name : EXTNAME.
    source : (lines, samples) array, or ``(path, dtype, shape)`` of a raw memory-mapped file.
    step : quantisation step of a float plane (None: lossless).
    tile_lines : tile height (one framelet); tiles span the whole width.
    abcorr : recorded in the header.
    """
    data = _as_array(source)
    dtype = plane_dtype(name, data.dtype)
    if data.dtype != dtype:
        data = data.astype(dtype)
    tile = (min(int(tile_lines), data.shape[0]), data.shape[1])
    if dtype.kind == "f" and step is None:
        # Lossless floats: GZIP with byte shuffling (RICE is for integers); time-stamp-free streams.
        with _reproducible_gzip() as reproducible:
            hdu = (fits.CompImageHDU(data=data, name=name, compression_type="GZIP_2", quantize_level=0.0,
                                     tile_shape=tile) if reproducible else fits.ImageHDU(data=data, name=name))
            return _extension_bytes(hdu, name, abcorr)
    if dtype.kind == "f":
        # Quantised floats, no dithering: stored integer = round((value - tile zero) / step), NaN kept as null.
        hdu = fits.CompImageHDU(data=data, name=name, compression_type="RICE_1", quantize_level=-float(step),
                                quantize_method=-1, tile_shape=tile)
    else:
        hdu = fits.CompImageHDU(data=data, name=name, compression_type="RICE_1", tile_shape=tile)
    return _extension_bytes(hdu, name, abcorr)


def _extension_bytes(hdu, name: str, abcorr: str) -> bytes:
    for key, value, comment in _header_cards(name, abcorr):
        hdu.header[key] = (value, comment)
    buffer = io.BytesIO()
    fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(buffer, output_verify="exception")
    primary = len(fits.PrimaryHDU().header.tostring())   # an empty primary HDU: one header block
    return buffer.getvalue()[primary:]


GZIP_LEVEL = 6  # zlib level of lossless float tiles: a speed/size trade-off, not a format requirement


@contextmanager
def _reproducible_gzip():
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
    planes : backplane name -> (lines, samples) array (memory-mapped arrays are fine); the planes
        ``storage`` keeps are written in this order, and every one of them must be present. Planes outside
        :data:`BACKPLANES` (a new renderer plane) are written with their own dtype and a generic header.
    product_id, scenario, seed, abcorr, software_version : recorded in the primary header.
    tile_lines : compression tile height (one framelet: 128 / summing lines).
    storage : level, quantisation steps and worker processes (:class:`TruthStorage`).
    """
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
    jobs = [(name, _source(planes[name]), storage.step(name), int(tile_lines), abcorr) for name in wanted]
    processes = storage.process_count(len(jobs))
    if processes > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # The RICE and quantisation codecs hold the GIL: planes go to processes ("spawn": no fork of
        # numba's threads), each opening the scratch memory map itself.
        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            extensions = list(pool.map(encode_plane, *zip(*jobs)))
    else:
        extensions = [encode_plane(*job) for job in jobs]
    buffer = io.BytesIO()
    fits.HDUList([primary]).writeto(buffer, output_verify="exception")
    with open(Path(path), "xb") as out:
        out.write(buffer.getvalue())
        for block in extensions:
            out.write(block)


QUICKLOOK_PLANES: tuple[str, ...] = ("BODY", "LAT_PC", "LON_W")   # what quicklook.py projects with


class TruthSummary:
    """Key truth figures of a product, gathered framelet by framelet (the dataset manifest's columns).

    ``as_dict()`` gives ``jupiter_fraction`` (share of pixels whose line of sight meets Jupiter first), and
    over those pixels the ranges ``pixel_scale_km_{min,max}``, ``incidence_deg_{min,max}``,
    ``emission_deg_{min,max}`` (NaN when no pixel sees Jupiter).
    """

    _RANGES = (("PIXEL_SCALE", "pixel_scale_km"), ("INCIDENCE", "incidence_deg"), ("EMISSION", "emission_deg"))

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

"""The camera's calibration frames written beside a product, as a camera team hands them to a pipeline.

``PRODUCT/calibration/`` holds three FITS files, each one stack of 128 x 1648 strips in CCD order, a layout
of the one reader ``instrument_models.junocam.calibration_files`` (``STACKS``: 384 lines = BLUE, GREEN, RED;
512 lines = METHANE, BLUE, GREEN, RED), named by its roles (flat / dark / mask), in a losslessly
tile-compressed image extension. ``BUNIT`` says the dark is in DN, so the reader takes it as stored even when
all its values lie in [0, 1] (its rule would otherwise read such a float frame as DN / 2879):

========================= ===========================================================================
``flat.fits``             float32 relative response the chain applied (flat-field profile x dust x
                          blemishes x PRNU; the truth's FLAT plane)
``dark.fits``             float32 dark/bias in 12-bit DN at the image's TDI and focal-plane temperature
                          (bias map, mean dark current, hot-pixel streaks; the truth's DARK plane)
``mask.fits``             uint8 bad-pixel mask, 1 = bad: any of ``MASK_BITS`` of the truth's DEFECT plane
========================= ===========================================================================

The frames are the camera's exact maps: a perfectly measured calibration (assumption; a real team's frames
carry their own measurement noise). They are written in the product's pixels, repeated 2 x 2 for a summed
product so the strips keep their 128 x 1648 shape (a reader averaging each 2 x 2 block gets the product
pixel's value back exactly; the dark is then in the product's DN). A filter the product does not have is
filled with flat 1, dark 0 and mask 1 (bad), and the header's ``FILTERS`` names the filters that are real.

The frames depend only on the camera (its fixed-pattern seed, detector parameters, TDI, temperature, gain
errors, summing), so most renders write the same three files again. Given a cache folder (``render`` passes
``<kernel cache>/calibration-frames``), each file's bytes are kept there under a hash of everything that makes
them (:func:`cache_key`: the frame's bytes, dtype and shape, the header, the file name, junocam-sim's and
astropy's versions) and copied from there the next time: no astropy import, no encoding (a ``--truth none``
render then never imports astropy). An entry holds its content's SHA-256 and is used only when it matches
(a corrupt or truncated entry is written again, never trusted); entries are written to a temporary name and
renamed, so a reader never sees half of one; the folder keeps the :data:`CACHE_ENTRIES` most recently used.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from instrument_models.junocam import defects as defect_model
from instrument_models.junocam.calibration_files import LINES as STRIP_LINES, SAMPLES as STRIP_SAMPLES, STACKS

FOLDER = "calibration"
BGR, MBGR = STACKS[3 * STRIP_LINES], STACKS[4 * STRIP_LINES]     # the reader's stacks, in CCD order
# Flags a pipeline masks: hot streaks, warm columns, blemishes and the covered reference columns. Dust is a
# flat-field feature the flat divides out, so it is not masked.
MASK_BITS = defect_model.HOT | defect_model.WARM_COLUMN | defect_model.BLEMISH | defect_model.REFERENCE
PLANES = ("FLAT", "DARK", "DEFECT")
# Disk bound of calibration/ (free-space check): three uncompressed M/B/G/R stacks and their FITS headers.
MAX_BYTES = 4 * STRIP_LINES * STRIP_SAMPLES * (4 + 4 + 1) + 3 * 4 * 2880
CACHE_FOLDER = "calibration-frames"   # in the kernel cache folder (simulator.kernelset.default_cache_dir)
CACHE_ENTRIES = 96                    # files kept (~0.9 MB each at most): 32 cameras' worth of frames
_CACHE_FORMAT = b"junocam-sim calibration frame cache 1\n"


class CalibrationCollector:
    """Keeps each filter's calibration planes (constant per filter in a product) from the first framelet."""

    def __init__(self):
        self.planes: dict[str, dict[str, np.ndarray]] = {}

    def add(self, filter_name: str, truth: dict) -> None:
        """Remember ``truth``'s FLAT, DARK and DEFECT planes of ``filter_name`` (first framelet only)."""
        if filter_name in self.planes or not all(k in truth for k in PLANES):
            return
        self.planes[filter_name] = {k: np.array(truth[k]) for k in PLANES}

    def write(self, folder: Path, summing: int, cache: Path | None = None) -> list[str]:
        """Write the three FITS stacks into ``folder`` (created); returns the file names (none when no
        framelet carried the planes or the product is not the full 1648 samples wide). ``cache``: a folder
        of previously written files to copy from and to keep new ones in (module doc); None: always encode."""
        if not self.planes:
            return []
        stack = BGR if set(self.planes) <= set(BGR) else MBGR
        s = int(summing)
        shape = (STRIP_LINES // s, STRIP_SAMPLES // s)
        if any(p["FLAT"].shape != shape for p in self.planes.values()):
            return []
        fill = {"FLAT": 1.0, "DARK": 0.0, "DEFECT": 1}
        out = {}
        for name, dtype in (("FLAT", np.float32), ("DARK", np.float32), ("DEFECT", np.uint8)):
            strips = []
            for f in stack:
                if f in self.planes:
                    v = self.planes[f][name]
                    v = (v & MASK_BITS) != 0 if name == "DEFECT" else v
                else:
                    v = np.full(shape, fill[name])
                strips.append(np.repeat(np.repeat(np.asarray(v, dtype=dtype), s, axis=0), s, axis=1))
            out[name] = np.concatenate(strips, axis=0)
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        real = ",".join(f for f in stack if f in self.planes)
        names = []
        for name, file, unit in (("FLAT", "flat.fits", "relative response"),
                                 ("DARK", "dark.fits", "12-bit DN (product DN)"),
                                 ("DEFECT", "mask.fits", "1 = bad pixel")):
            header = {"FILTERS": real, "STACK": ",".join(stack), "SUMMING": s, "BUNIT": unit,
                      "MASKBITS": int(MASK_BITS)}
            if cache is None:
                _write_fits(folder / file, out[name], header)
            else:
                _write_cached(folder / file, out[name], header, Path(cache))
            names.append(file)
        return names


def _write_fits(path: Path, data: np.ndarray, header: dict) -> None:
    """One tile-compressed image extension, lossless (GZIP_2 for floats, no quantisation, streams without time
    stamps; RICE for the mask), written to a temporary name, then renamed."""
    from astropy.io import fits

    from simulator.products.truth import reproducible_gzip   # same render, same bytes: no gzip time stamps

    tmp = path.with_name(path.name + ".partial")
    with reproducible_gzip() as reproducible:
        if data.dtype.kind != "f":
            hdu = fits.CompImageHDU(data, compression_type="RICE_1")
        elif reproducible:
            hdu = fits.CompImageHDU(data, compression_type="GZIP_2", quantize_level=0.0)
        else:                        # astropy's codec moved: uncompressed rather than time-stamped bytes
            hdu = fits.ImageHDU(data)
        for k, v in header.items():
            hdu.header[k] = v
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(tmp, overwrite=True)
    tmp.replace(path)


def _versions() -> bytes:
    """junocam-sim's and astropy's versions (astropy's codecs make the bytes), without importing astropy."""
    from importlib.metadata import PackageNotFoundError, version

    from simulator import __version__

    try:
        astropy = version("astropy")
    except PackageNotFoundError:
        astropy = "none"
    return f"{__version__} astropy {astropy}".encode()


def cache_key(name: str, data: np.ndarray, header: dict) -> str:
    """SHA-256 (hex) of everything a calibration file's bytes depend on: the file name, the frame's dtype,
    shape and bytes, the header cards in order, and junocam-sim's and astropy's versions."""
    h = hashlib.sha256(_CACHE_FORMAT + _versions())
    h.update(repr((name, np.dtype(data.dtype).str, tuple(data.shape), list(header.items()))).encode())
    h.update(np.ascontiguousarray(data).data)
    return h.hexdigest()


def _read_entry(entry: Path) -> bytes | None:
    """An entry's content if its recorded SHA-256 matches (None: missing, unreadable, corrupt)."""
    try:
        raw = entry.read_bytes()
    except OSError:
        return None
    digest, sep, content = raw.partition(b"\n")
    if not sep or hashlib.sha256(content).hexdigest().encode() != digest:
        return None
    return content


def _atomic_write(path: Path, content: bytes) -> None:
    """``content`` to ``path`` through a partial beside it, renamed when whole (``outputs.atomic_file``)."""
    from simulator.outputs import atomic_file

    with atomic_file(path, checked=False) as fh:
        fh.write(content)


def _write_cached(path: Path, data: np.ndarray, header: dict, cache: Path) -> None:
    """:func:`_write_fits` through the cache folder (module doc): the same bytes either way."""
    from simulator.outputs import OutputError

    entry = cache / f"{cache_key(path.name, data, header)}.fits"
    content = _read_entry(entry)
    if content is not None:
        _atomic_write(path, content)
        try:
            os.utime(entry)              # recently used: kept by the pruning below
        except OSError:
            pass
        return
    _write_fits(path, data, header)
    try:                                  # a cache that cannot be written costs only the next encoding
        cache.mkdir(parents=True, exist_ok=True)
        content = path.read_bytes()
        _atomic_write(entry, hashlib.sha256(content).hexdigest().encode() + b"\n" + content)
        _prune(cache)
    except (OSError, OutputError):       # OutputError: atomic_file's sentence for an OSError
        pass


def _prune(cache: Path) -> None:
    """Remove all but the :data:`CACHE_ENTRIES` most recently used entries (only this cache's own
    ``<64 hex>.fits`` files)."""
    entries = []
    for p in cache.glob("*.fits"):
        if len(p.stem) == 64 and all(c in "0123456789abcdef" for c in p.stem):
            try:
                entries.append((p.stat().st_mtime_ns, p))
            except OSError:
                pass
    for _, p in sorted(entries, reverse=True)[CACHE_ENTRIES:]:
        p.unlink(missing_ok=True)

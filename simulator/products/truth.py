"""Ground truth beside the raw image: ``truth/<PRODUCT_ID>-truth.fits`` and ``truth/truth.json``.

The FITS file has an empty primary HDU (product, scenario, seed, aberration correction) and one image
extension per backplane, each shaped like the raw PNG (row 0 = PNG row 0), with BUNIT and a definition in
its header. Extensions are losslessly tile-compressed (FITS standard tiled-image compression, GZIP_2,
one framelet per tile). No card carries the wall-clock time, so the same render gives the same bytes.
"""

from __future__ import annotations

import gzip
import json
from contextlib import contextmanager
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


def _header_cards(name: str, abcorr: str) -> list[tuple[str, object, str]]:
    _, unit, definition = BACKPLANES[name]
    return [
        ("BUNIT", unit, "unit of the values"),
        ("DEFINITN", definition, ""),
        ("EPOCH", "pixel mid-exposure", "time at which the geometry is evaluated"),
        ("ABCORR", abcorr, "SPICE aberration correction of the geometry"),
        ("BODYFRM", "IAU_JUPITER", "lat/lon frame (other bodies: IAU_<body>)"),
        ("FILLNOTE", "off the body: 0 in BODY, NaN in the others", ""),
    ]


GZIP_LEVEL = 6  # zlib level for the tile compression: a speed/size trade-off, not a format requirement


@contextmanager
def _reproducible_gzip():
    """Make astropy's GZIP tile codec write time-stamp-free gzip streams while the file is written.

    Python's ``gzip.compress`` stamps each stream with the wall clock (``mtime``), which would make two
    identical renders differ in a few bytes per tile. astropy's codec module imports ``gzip.compress`` under
    the name ``gzip_compress``; it is swapped for a fixed-``mtime`` version for the duration of the write.
    If that private name ever moves, the truth is written uncompressed instead (still reproducible).
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


def write_truth_fits(path: Path, planes: dict[str, np.ndarray], *, product_id: str, scenario: str,
                     seed: int, abcorr: str, software_version: str, tile_lines: int = 128) -> None:
    """Write the truth FITS file.

    Parameters
    ----------
    path : output path.
    planes : every name of ``BACKPLANES`` -> (lines, samples) array (memory-mapped arrays are fine).
    product_id, scenario, seed, abcorr, software_version : recorded in the primary header.
    tile_lines : compression tile height (one framelet: 128 / summing lines).
    """
    missing = [n for n in BACKPLANE_NAMES if n not in planes]
    if missing:
        raise ProductError(f"truth backplane {missing[0]!r} is missing; expected {', '.join(BACKPLANE_NAMES)}")
    primary = fits.PrimaryHDU()
    for key, value, comment in (("PRODUCT", product_id, "PRODUCT_ID of the raw image"),
                                ("SCENARIO", scenario, "junocam-sim scenario"),
                                ("SEED", int(seed), "scenario seed"),
                                ("ABCORR", abcorr, "SPICE aberration correction of all geometry"),
                                ("SOFTWARE", f"junocam-sim {software_version}", "")):
        primary.header[key] = (value, comment)
    primary.header.add_comment("One image extension per truth backplane, each shaped like the raw PNG.")
    with _reproducible_gzip() as compress:
        hdus = [primary]
        for name in BACKPLANE_NAMES:
            dtype = BACKPLANES[name][0]
            data = np.asarray(planes[name])
            if data.dtype != dtype:
                data = data.astype(dtype)
            if compress:
                # Lossless tile compression (GZIP with byte shuffling, no quantisation): sky pixels are
                # constant and on-body values smooth, so a product shrinks several times; astropy and CFITSIO
                # read it transparently.
                hdu = fits.CompImageHDU(data=data, name=name, compression_type="GZIP_2", quantize_level=0.0,
                                        tile_shape=(min(tile_lines, data.shape[0]), data.shape[1]))
            else:
                hdu = fits.ImageHDU(data=data, name=name)
            for key, value, comment in _header_cards(name, abcorr):
                hdu.header[key] = (value, comment)
            hdus.append(hdu)
        fits.HDUList(hdus).writeto(Path(path), overwrite=False, output_verify="exception")


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

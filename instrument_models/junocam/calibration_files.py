"""A user's own calibration frames (flat, dark/bias, bad-pixel mask) read from TIFF, PNG or FITS.

Accepted layouts (rows x columns, unsummed, 1648 samples):

- one strip, 128 x 1648: used for every filter;
- the B/G/R stack, 384 x 1648: rows 0-127 BLUE, 128-255 GREEN, 256-383 RED (the layout of the real frames in
  ``../shared/reference/calibration``); METHANE then has no frame and keeps the model;
- the M/B/G/R stack, 512 x 1648, in CCD order;
- the full CCD, 1200 x 1648: each filter's strip is cut at its first CCD row (``StripLayout.first_ccd_row``).

Values are used as they are, except that a flat is divided by its strip's 99.9th percentile over the
photoactive columns (the model's flat is 1 at its peak; real flats are stored in arbitrary units) and a dark is
multiplied by ``scale`` (12-bit DN expected; Brian Swift's ``debias18.tiff`` stores DN / 65,535, so its
scale is 65535). Any other shape, a non-finite value, a negative flat or a file that cannot be read raises
:class:`InstrumentError` naming the file and the expected form.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from instrument_models.errors import InstrumentError

STACKS = {128: None, 384: ("BLUE", "GREEN", "RED"), 512: ("METHANE", "BLUE", "GREEN", "RED")}
FORMS = "a 128 x 1648 strip, a 384 x 1648 B/G/R or 512 x 1648 M/B/G/R stack, or the 1200 x 1648 CCD"


def read_frame(path) -> np.ndarray:
    """The first image of a TIFF, PNG or FITS file as a 2-D float64 array (rows, columns)."""
    path = Path(path)
    if not path.is_file():
        raise InstrumentError(f"calibration file {str(path)!r} does not exist; expected a TIFF, PNG or FITS file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".fits", ".fit", ".fts"):
            from astropy.io import fits
            with fits.open(path) as hdus:
                data = next((h.data for h in hdus if getattr(h, "data", None) is not None), None)
        elif suffix in (".tif", ".tiff", ".png"):
            from PIL import Image
            with Image.open(path) as im:
                data = np.asarray(im)
        else:
            raise InstrumentError(f"calibration file {str(path)!r} has an unknown type; expected .tif/.tiff, "
                                  ".png or .fits")
    except InstrumentError:
        raise
    except Exception as exc:  # a broken or foreign file: one sentence, not a traceback
        raise InstrumentError(f"calibration file {str(path)!r} cannot be read ({type(exc).__name__}); expected a "
                              "TIFF, PNG or FITS image") from None
    if data is None or np.ndim(data) != 2:
        raise InstrumentError(f"calibration file {str(path)!r} holds no 2-D image (shape "
                              f"{None if data is None else np.shape(data)}); expected {FORMS}")
    data = np.asarray(data, dtype=np.float64)
    if not np.all(np.isfinite(data)):
        raise InstrumentError(f"calibration file {str(path)!r} has non-finite values; expected finite numbers")
    return data


def split_strips(data: np.ndarray, path, first_rows: dict[str, int], lines: int = 128,
                 samples: int = 1648) -> dict[str, np.ndarray]:
    """filter -> (lines, samples) strip of a frame in one of the accepted layouts (module doc)."""
    rows, cols = data.shape
    if cols != samples or (rows not in STACKS and rows != 1200):
        raise InstrumentError(f"calibration file {str(path)!r} is {rows} x {cols}; expected {FORMS}")
    if rows == 128:
        return {f: data for f in first_rows}
    if rows in STACKS:
        return {f: data[i * lines:(i + 1) * lines] for i, f in enumerate(STACKS[rows]) if f in first_rows}
    return {f: data[r:r + lines] for f, r in first_rows.items()}


def load_flat(path, first_rows: dict[str, int], first_column: int = 23, last_column: int = 1630):
    """filter -> flat strip normalised to its 99.9th percentile over the photoactive columns."""
    data = read_frame(path)
    if np.any(data < 0):
        raise InstrumentError(f"flat-field file {str(path)!r} has negative values; expected a relative response >= 0")
    out = {}
    for f, strip in split_strips(data, path, first_rows).items():
        top = float(np.percentile(strip[:, first_column:last_column + 1], 99.9))
        if not top > 0:
            raise InstrumentError(f"flat-field file {str(path)!r} is zero on {f}'s photoactive columns; expected a "
                                  "positive response")
        out[f] = strip / top
    return out


def load_dark(path, first_rows: dict[str, int], scale: float = 1.0):
    """filter -> dark/bias strip in 12-bit DN (values x ``scale``)."""
    data = read_frame(path) * float(scale)
    if float(np.percentile(data, 99)) < 0.05:
        raise InstrumentError(f"dark file {str(path)!r} reads below 0.05 DN almost everywhere; expected 12-bit DN "
                              "(a frame stored normalised needs its [detector] dark_scale, 65535 for debias18.tiff)")
    return split_strips(data, path, first_rows)


def load_mask(path, first_rows: dict[str, int]):
    """filter -> boolean bad-pixel strip (nonzero = bad)."""
    return {f: strip != 0 for f, strip in split_strips(read_frame(path), path, first_rows).items()}

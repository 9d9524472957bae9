"""The one reader of calibration frames (flat, dark/bias, bad-pixel mask, gain) from TIFF, PNG or FITS files.

Used by the renderer's ``[detector]`` user frames (``simulator.render.calibration``), by ``junocam-sim compare``
(``simulator.realism.frames``) and by validate/colour ``--calibration DIR`` (``simulator.validate.frames``), so a
file means the same thing everywhere. Pure functions: a path in, ``{filter: (128, 1648) float64 strip}`` out.

Layouts (rows x columns, unsummed, 1648 samples; :data:`FORMS`):

- one strip, 128 x 1648: used for every filter asked for (or for the one filter ``single_filter`` names);
- the B/G/R stack, 384 x 1648: rows 0-127 BLUE, 128-255 GREEN, 256-383 RED (the real frames in
  ``../shared/reference/calibration`` and a product's own ``calibration/`` folder);
- the M/B/G/R stack, 512 x 1648, in CCD order;
- the full CCD, 1200 x 1648: each filter's strip starts at its first CCD row (``StripLayout.first_ccd_row``,
  FILTER_OFFSET rounded: METHANE 285, BLUE 442, GREEN 597, RED 752).

Units (:func:`stored_to_dn12`, the one rule for every reader): a dark/bias frame is read in 12-bit DN. Integer
images (PNG, integer TIFF or FITS) and FITS files whose ``BUNIT`` names DN are DN as stored; a floating-point
image whose values all lie in [0, 1] is normalised decompanded DN, DN12 / 2879 (2879 = the SQROOT companding
table's top entry, code 255, ``electronics.companding_table``), the convention of Brian Swift's Juno3D frames
(``debias18.tiff``, ``flatFieldsSmooth12to16.tiff``, ``gainSmooth12to16.tiff``; MIT licence). Measured on
``debias18.tiff``: all 1,096 distinct nonzero values are integer multiples of 1 / (2879 x 288) (largest miss
4e-4 of a step), i.e. the mean of 288 framelets of integer DN12 / 2879; its source (BrianSwift/JunoCam commit
fa96fee, 2019-08-01) says "generated from 300 dark framelets in PJ18". No other factor fits: 65535 or 4096 as
the DN12 unit would need a multiple of 276,384 or 25,911 framelets. "12to16" in the flat's and gain's names is
the perijoves they come from ("based on PJ12 to PJ16 data", commit ee7abd8), not a bit depth. Other floats are
DN as stored. ``scale`` overrides the rule for a file that follows another convention.

A flat is relative: the renderer and validate divide each strip by its 99.9th percentile over the photoactive
columns (:func:`normalise_flat`; the model's flat is 1 at its peak); compare measures it as stored. A mask is
nonzero = bad. Any other shape, a non-finite value, a negative flat or a file that cannot be read raises
:class:`InstrumentError` with one sentence naming the file and the expected form.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam.electronics import companding_table
from instrument_models.junocam.strips import StripLayout

_LAYOUT = StripLayout()
LINES, SAMPLES, CCD_LINES = _LAYOUT.framelet_lines_unsummed, _LAYOUT.samples, _LAYOUT.lines   # 128, 1648, 1200
FIRST_PHOTOACTIVE, LAST_PHOTOACTIVE = _LAYOUT.dark_columns, _LAYOUT.last_photoactive_column    # 23, 1630
# filter -> first CCD row of its strip, in CCD order (M/B/G/R).
FIRST_ROWS = MappingProxyType({f: _LAYOUT.first_ccd_row(f) for f in ("METHANE", "BLUE", "GREEN", "RED")})
# Stacks of 128-line strips by their line count (128: one strip, filter given by the caller).
STACKS = MappingProxyType({3 * LINES: ("BLUE", "GREEN", "RED"), 4 * LINES: ("METHANE", "BLUE", "GREEN", "RED")})
FORMS = "a 128 x 1648 strip, a 384 x 1648 B/G/R or 512 x 1648 M/B/G/R stack, or the 1200 x 1648 CCD"
# The DN12 value 1.0 stands for in a normalised float frame: the SQROOT table's top entry (facts.md).
NORMALISED_FULL_SCALE_DN = float(companding_table("SQROOT")[-1])
FLAT_NORMALISING_PERCENTILE = 99.9
SUFFIXES = (".tif", ".tiff", ".png", ".fits", ".fit", ".fts")
# A folder's files by role: a file whose name (case-insensitive) contains one of the words.
ROLES = MappingProxyType({"flat": ("flat",), "dark": ("dark", "bias"), "mask": ("mask", "bad"), "gain": ("gain",)})


def read_image(path) -> tuple[np.ndarray, str | None]:
    """The first 2-D image of a TIFF, PNG or FITS file in its stored type, and the FITS ``BUNIT`` (else None).

    Raises :class:`InstrumentError` when the file is missing, of another type, unreadable, not 2-D or not finite.
    """
    path = Path(path)
    if not path.is_file():
        raise InstrumentError(f"calibration file {str(path)!r} does not exist; expected a TIFF, PNG or FITS file")
    suffix, unit = path.suffix.lower(), None
    if suffix not in SUFFIXES:
        raise InstrumentError(f"calibration file {str(path)!r} has an unknown type; expected .tif/.tiff, .png or "
                              ".fits")
    try:
        if suffix in (".fits", ".fit", ".fts"):
            from astropy.io import fits
            with fits.open(path) as hdus:
                hdu = next((h for h in hdus if getattr(h, "data", None) is not None and np.ndim(h.data) == 2), None)
                data = None if hdu is None else np.array(hdu.data)
                unit = None if hdu is None else hdu.header.get("BUNIT")
        else:
            from PIL import Image
            with Image.open(path) as im:
                data = np.array(im)
    except Exception as exc:  # a broken or foreign file: one sentence, not a traceback
        raise InstrumentError(f"calibration file {str(path)!r} cannot be read ({type(exc).__name__}); expected a "
                              "TIFF, PNG or FITS image") from None
    if data is None or data.ndim != 2:
        raise InstrumentError(f"calibration file {str(path)!r} holds no 2-D image (shape "
                              f"{None if data is None else data.shape}); expected {FORMS}")
    if data.dtype.kind == "f" and not np.all(np.isfinite(data)):
        raise InstrumentError(f"calibration file {str(path)!r} has non-finite values; expected finite numbers")
    return data, (None if unit is None else str(unit))


def read_frame(path) -> np.ndarray:
    """The first image of a TIFF, PNG or FITS file as a 2-D float64 array (rows, columns), values as stored."""
    return read_image(path)[0].astype(np.float64)


def stored_to_dn12(stored: np.ndarray, unit: str | None = None) -> float:
    """The factor from a dark/bias frame's stored values to 12-bit DN (module docstring, "Units").

    Parameters
    ----------
    stored : (rows, columns) array in its stored type.
    unit : the file's FITS ``BUNIT`` (None for TIFF/PNG).

    Returns
    -------
    ``NORMALISED_FULL_SCALE_DN`` (2879) for a float image in [0, 1] without a DN unit, else 1.
    """
    if unit is not None and "DN" in unit.upper():
        return 1.0
    if stored.dtype.kind == "f" and stored.size and float(stored.min()) >= 0.0 and float(stored.max()) <= 1.0:
        return NORMALISED_FULL_SCALE_DN
    return 1.0


def split_strips(data: np.ndarray, path, first_rows=None, single_filter: str | None = None) -> dict:
    """filter -> (128, 1648) strip of a frame in one of the accepted layouts (module docstring).

    ``first_rows``: filter -> first CCD row (default :data:`FIRST_ROWS`); only these filters are returned. A
    single 128-line strip stands for every one of them, or only for ``single_filter`` when given.
    """
    rows = FIRST_ROWS if first_rows is None else first_rows
    lines, cols = data.shape
    if cols != SAMPLES or (lines not in STACKS and lines not in (LINES, CCD_LINES)):
        raise InstrumentError(f"calibration file {str(path)!r} is {lines} x {cols} (lines x samples); "
                              f"expected {FORMS}")
    if lines == LINES:
        return {single_filter: data} if single_filter else {f: data for f in rows}
    if lines in STACKS:
        return {f: data[i * LINES:(i + 1) * LINES] for i, f in enumerate(STACKS[lines]) if f in rows}
    return {f: data[r:r + LINES] for f, r in rows.items()}


def frame_strips(path, role: str, first_rows=None, single_filter: str | None = None, scale: float | None = None):
    """filter -> strip of one calibration file in its role's units: ``"dark"`` 12-bit DN (x ``scale`` when
    given, else :func:`stored_to_dn12`), ``"flat"`` and ``"gain"`` relative as stored, ``"mask"`` bool."""
    stored, unit = read_image(path)
    data = stored.astype(np.float64)
    if role == "dark":
        data = data * (float(scale) if scale is not None else stored_to_dn12(stored, unit))
        if float(np.percentile(data, 99)) < 0.05:
            raise InstrumentError(f"dark file {str(path)!r} reads below 0.05 DN almost everywhere; expected 12-bit "
                                  "DN or a float frame of DN / 2879 (else set its scale, [detector] dark_scale)")
    elif role == "flat" and np.any(data < 0):
        raise InstrumentError(f"flat-field file {str(path)!r} has negative values; expected a relative response >= 0")
    elif role == "mask":
        data = data != 0
    elif role not in ("flat", "gain"):
        raise InstrumentError(f"calibration role {role!r} is unknown; expected one of {', '.join(ROLES)}")
    return split_strips(data, path, first_rows, single_filter)


def normalise_flat(strip: np.ndarray, path="flat", filter_name: str = "",
                   first_column: int = FIRST_PHOTOACTIVE, last_column: int = LAST_PHOTOACTIVE) -> np.ndarray:
    """A flat strip over its 99.9th percentile of the photoactive columns (the camera model's flat is 1 at its
    peak; real flats are stored in arbitrary units)."""
    top = float(np.percentile(strip[:, first_column:last_column + 1], FLAT_NORMALISING_PERCENTILE))
    if not top > 0:
        raise InstrumentError(f"flat-field file {str(path)!r} is zero on {filter_name or 'a strip'}'s photoactive "
                              "columns; expected a positive response")
    return strip / top


def load_flat(path, first_rows=None, first_column: int = FIRST_PHOTOACTIVE, last_column: int = LAST_PHOTOACTIVE):
    """filter -> flat strip normalised to its 99.9th percentile over the photoactive columns."""
    return {f: normalise_flat(s, path, f, first_column, last_column)
            for f, s in frame_strips(path, "flat", first_rows).items()}


def load_dark(path, first_rows=None, scale: float | None = None):
    """filter -> dark/bias strip in 12-bit DN (stored values x ``scale``; None: :func:`stored_to_dn12`)."""
    return frame_strips(path, "dark", first_rows, scale=scale)


def load_mask(path, first_rows=None):
    """filter -> boolean bad-pixel strip (nonzero = bad)."""
    return frame_strips(path, "mask", first_rows)


def find_frames(folder) -> dict:
    """role -> path of the calibration files in ``folder`` (:data:`ROLES`; the first file by name per role)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InstrumentError(f"calibration folder {str(folder)!r} does not exist or is not a folder")
    files: dict = {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in SUFFIXES and path.is_file():
            role = next((r for r, words in ROLES.items() if any(w in path.stem.lower() for w in words)), None)
            if role is not None and role not in files:
                files[role] = path
    if not files:
        raise InstrumentError(f"calibration folder {str(folder)!r} holds no TIFF, PNG or FITS frame named flat, "
                              "dark, bias, mask, bad or gain")
    return files


def load_folder(folder, single_filter: str | None = None, first_rows=None) -> tuple[dict, dict]:
    """``({role: {filter: strip}}, {role: path})`` of a folder's frames: dark in DN, flat and gain as stored,
    mask bool (:func:`frame_strips`)."""
    files = find_frames(folder)
    return {r: frame_strips(p, r, first_rows, single_filter) for r, p in files.items()}, files

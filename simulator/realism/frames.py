"""Reading calibration frames (TIFF, PNG or FITS) from a folder, as ``junocam-sim compare`` takes them.

A folder qualifies when it holds image files whose names say what they are (case-insensitive): ``flat``
-> flat field, ``dark`` / ``bias`` -> dark/bias frame, ``mask`` / ``bad`` -> bad-pixel mask, ``gain`` ->
gain (read, not measured). Each is one 1648-sample frame: 384 lines = BLUE, GREEN, RED strips of 128 lines
(the layout of ``../shared/reference/calibration/``), 512 lines = METHANE, BLUE, GREEN, RED, 128 lines =
one strip (named by ``--strip-filter`` in the command, else GREEN), or a full 1200-line CCD (strips cut at
the FILTER_OFFSET lines of facts.md "Camera geometry").

Units: dark frames in 12-bit DN, except floating-point frames whose values all lie in [0, 1], which are
taken as 16-bit-normalised ("12to16", Brian Swift's convention: DN12 = value x 65535 / 16); flats are
relative (each strip is normalised by its own profile peak when measured).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simulator.errors import SimulatorError
from simulator.realism.strips import STRIP_LINES, STRIP_SAMPLES

NORMALISED_TO_DN12 = 65535.0 / 16.0   # "12to16" frames: 12-bit DN scaled x16 into a 16-bit range, over 65535
CCD_LINES = 1200                      # facts.md: full CCD 1648 x 1200
STRIP_FIRST_CCD_LINE = {"METHANE": 285, "BLUE": 442, "GREEN": 597, "RED": 752}  # facts.md FILTER_OFFSET, rounded up
SUFFIXES = (".tif", ".tiff", ".png", ".fits", ".fit", ".fts")
ROLES = {"flat": ("flat",), "dark": ("dark", "bias"), "mask": ("mask", "bad"), "gain": ("gain",)}


def read_frame(path: Path) -> np.ndarray:
    """One image file as a (lines, samples) array in its stored type (FITS: the first HDU with 2D data)."""
    path = Path(path)
    if path.suffix.lower() in (".fits", ".fit", ".fts"):
        from astropy.io import fits

        with fits.open(path) as hdul:
            for hdu in hdul:
                if hdu.data is not None and np.ndim(hdu.data) == 2:
                    return np.asarray(hdu.data)
        raise SimulatorError(f"FITS file {str(path)!r} holds no 2D image; expected a 1648-sample frame")
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im)


def split_strips(frame: np.ndarray, where: str, single_filter: str = "GREEN") -> dict[str, np.ndarray]:
    """Cut a frame into its filters' 128-line strips (see the module docstring for the layouts)."""
    lines, samples = frame.shape
    if samples != STRIP_SAMPLES:
        raise SimulatorError(f"{where} is {samples} samples wide; expected {STRIP_SAMPLES}")
    layouts = {3 * STRIP_LINES: ("BLUE", "GREEN", "RED"), 4 * STRIP_LINES: ("METHANE", "BLUE", "GREEN", "RED"),
               STRIP_LINES: (single_filter,)}
    if lines in layouts:
        return {f: frame[k * STRIP_LINES:(k + 1) * STRIP_LINES] for k, f in enumerate(layouts[lines])}
    if lines == CCD_LINES:
        return {f: frame[r:r + STRIP_LINES] for f, r in STRIP_FIRST_CCD_LINE.items()}
    raise SimulatorError(f"{where} has {lines} lines; expected 128 (one strip), 384 (B/G/R), 512 (M/B/G/R) "
                         f"or {CCD_LINES} (full CCD)")


@dataclass(frozen=True)
class CalibrationFrames:
    """Strips of each role found in a folder: ``{role: {filter: (128, 1648) array}}`` and the files used."""

    folder: Path
    strips: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)


def load_calibration_folder(folder, single_filter: str = "GREEN") -> CalibrationFrames:
    """Find and read the flat, dark/bias, mask and gain frames of ``folder`` (module docstring)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SimulatorError(f"calibration folder {str(folder)!r} does not exist or is not a folder")
    strips, files = {}, {}
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in SUFFIXES:
            continue
        name = path.stem.lower()
        for role, words in ROLES.items():
            if role not in files and any(w in name for w in words):
                stored = read_frame(path)
                frame = stored.astype(np.float64)
                if role == "dark" and stored.dtype.kind == "f" and np.nanmin(frame) >= 0 and np.nanmax(frame) <= 1:
                    frame = frame * NORMALISED_TO_DN12
                if role == "mask":
                    frame = (frame > 0).astype(np.float64)
                strips[role] = split_strips(frame, f"calibration frame {str(path)!r}", single_filter)
                files[role] = path
                break
    if not files:
        raise SimulatorError(f"calibration folder {str(folder)!r} holds no TIFF, PNG or FITS frame named "
                             "flat, dark, bias, mask, bad or gain")
    return CalibrationFrames(folder, strips, files)

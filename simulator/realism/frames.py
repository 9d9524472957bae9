"""A folder of calibration frames as ``junocam-sim compare`` (and validate/colour ``--calibration``) take it.

The files are found and read by the one reader, :mod:`instrument_models.junocam.calibration_files`: names say
what they are (``flat``; ``dark`` / ``bias``; ``mask`` / ``bad``; ``gain``, read but not measured), layouts
are a 128-line strip (the filter ``--strip-filter`` names, else GREEN), the 384-line B/G/R or 512-line M/B/G/R
stack, or the 1200-line CCD; a dark is in 12-bit DN by the reader's one rule (a float frame in [0, 1] is
DN / 2879, Brian Swift's convention), flats and gains as stored (compare normalises a flat by its profile's
peak when it measures it), masks bool. What is specific to compare is only the result's shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from instrument_models.junocam import calibration_files
from simulator.errors import SimulatorError


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
    strips, files = calibration_files.load_folder(folder, single_filter)
    return CalibrationFrames(folder, strips, files)

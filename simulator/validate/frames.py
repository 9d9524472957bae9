"""The calibration frames the reconstruction uses: the product's own ``calibration/`` folder or a user's.

A pipeline calibrates with the frames its camera team provides, never with the truth. In order of
preference:

1. ``--calibration DIR`` (a user's folder, e.g. ``../shared/reference/calibration/`` for a mission product);
2. ``PRODUCT/calibration/`` (written by the renderer, ``simulator.products.calibration_out``);
3. none: the camera model's idealised calibration (one bias value, the quadratic vignetting), with a note.

Frames are read by the one reader, ``instrument_models.junocam.calibration_files`` (through
``simulator.realism.frames.load_calibration_folder``: files named flat / dark or bias / mask or bad; 128-,
384-, 512- or 1200-line frames of 1648 samples; a dark in 12-bit DN by the reader's rule) and brought to the
product's pixels: each 2 x 2 block averaged for a summed product (a mask: any bad pixel). The product's own
flat is the response itself; a user's flat is in arbitrary units and is divided by its 99.9th percentile over
the photoactive columns (``calibration_files.normalise_flat``, as the renderer does with a user's flat). A
filter a folder lacks keeps the model's calibration (a note says which).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from instrument_models.junocam.calibration_files import normalise_flat

FOLDER = "calibration"          # simulator.products.calibration_out.FOLDER (validate does not import products' writer)


@dataclass(frozen=True)
class FrameCalibration:
    """Per filter, the calibration maps in product pixels.

    Attributes
    ----------
    source : ``"product"`` (the product's own frames), ``"user"`` or ``"model"`` (none).
    folder : where the frames came from (None for the model).
    flat, dark_dn, bad : filter -> (framelet lines, samples) relative response, dark/bias in DN, bool mask.
    notes : remarks for validation.json.
    """

    source: str
    folder: Path | None = None
    flat: dict = field(default_factory=dict)
    dark_dn: dict = field(default_factory=dict)
    bad: dict = field(default_factory=dict)
    notes: tuple = ()

    @property
    def exact_flat(self) -> bool:
        """True when the flat is the product's own (it includes the PRNU, which then leaves the noise)."""
        return self.source == "product"

    def maps(self, filter_name: str):
        """``(flat, dark_dn, bad)`` of one filter, each None where the folder has no such frame."""
        return self.flat.get(filter_name), self.dark_dn.get(filter_name), self.bad.get(filter_name)


def _blocks(strip: np.ndarray, summing: int) -> np.ndarray:
    r, c = strip.shape
    return strip.reshape(r // summing, summing, c // summing, summing)


def load_frame_calibration(root, user_folder=None, summing: int = 1, filters=()) -> FrameCalibration:
    """The frames for a product at ``root`` (module docstring), in its pixels (``summing``) for ``filters``."""
    from simulator.realism.frames import load_calibration_folder

    if user_folder is not None:
        folder, source = Path(user_folder), "user"
    elif (Path(root) / FOLDER).is_dir():
        folder, source = Path(root) / FOLDER, "product"
    else:
        return FrameCalibration("model", notes=(
            "no calibration frames (no PRODUCT/calibration/ and no --calibration): I/F calibrated with the camera "
            "model's idealised bias and vignetting, so a realistic detector's dark structure and flat remain in "
            "the I/F errors",))
    frames = load_calibration_folder(folder)
    s = int(summing)
    flat, dark, bad = {}, {}, {}
    for f, strip in frames.strips.get("flat", {}).items():
        if source == "user":
            strip = normalise_flat(strip, frames.files["flat"], f)
        flat[f] = _blocks(strip, s).mean(axis=(1, 3))
    for f, strip in frames.strips.get("dark", {}).items():
        dark[f] = _blocks(strip, s).mean(axis=(1, 3))
    for f, strip in frames.strips.get("mask", {}).items():
        bad[f] = _blocks(strip, s).any(axis=(1, 3))
    notes = [f"I/F calibrated with the {source} calibration frames in {str(folder)!r} "
             f"({', '.join(sorted(frames.files))}); pixels of the bad-pixel mask are left out of the I/F "
             "statistics and maps" if bad else
             f"I/F calibrated with the {source} calibration frames in {str(folder)!r} "
             f"({', '.join(sorted(frames.files))}); no bad-pixel mask"]
    for role, maps in (("flat", flat), ("dark", dark)):
        missing = [f for f in filters if f not in maps]
        if missing:
            notes.append(f"no {role} frame for {', '.join(missing)}: the camera model's {role} is used there")
    if "gain" in frames.files:
        notes.append(f"the gain frame {frames.files['gain'].name!r} is not used (the flat carries the response)")
    # A product's own frames name the filters that are real in their FITS header; the rest are fillers.
    real = _real_filters(frames.files.get("flat")) if source == "product" else None
    if real is not None:
        for maps in (flat, dark, bad):
            for f in [f for f in maps if f not in real]:
                del maps[f]
    return FrameCalibration(source, folder, flat, dark, bad, tuple(notes))


def _real_filters(path) -> set | None:
    """The ``FILTERS`` header of a product's own calibration FITS (None when absent)."""
    if path is None or Path(path).suffix.lower() not in (".fits", ".fit", ".fts"):
        return None
    from astropy.io import fits

    with fits.open(path) as hdul:
        value = next((h.header["FILTERS"] for h in hdul if "FILTERS" in h.header), None)
    return None if value is None else {f for f in str(value).split(",") if f}

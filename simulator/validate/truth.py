"""Reading a product's truth (``truth/<ID>-truth.fits`` + ``truth/truth.json``), only to score.

The reconstruction never calls this module; :mod:`simulator.validate.validation` and ``score`` read the
truth after the reconstruction is done.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import ProductError

TRUTH_PLANES = ("BODY", "LAT_PG", "LON_W", "PIXEL_SCALE", "IOF")   # the ones scoring uses
_FLOAT64_PLANES = ("LAT_PG", "LON_W")  # the rest keep the file's float32 (memory: ~10 Mpixel products)


@dataclass(frozen=True)
class Truth:
    """A product's truth.

    Attributes
    ----------
    planes : backplane name (:data:`TRUTH_PLANES`) -> (lines, samples) array shaped like the raw PNG.
    record : the ``truth.json`` content (scenario, seed, injected errors, framelet times).
    """

    planes: dict
    record: dict

    @property
    def injected(self) -> dict:
        """The injected errors as recorded (``InjectedErrors.as_record``)."""
        return dict(self.record.get("injected_errors", {}))

    @property
    def jitter_s(self) -> float:
        """The start-time error applied to every frame (s)."""
        return float(self.injected.get("start_time_jitter_s", 0.0) or 0.0)


def truth_paths(root: Path, product_id: str) -> tuple[Path, Path]:
    """The truth FITS and JSON of a product folder; one :class:`ProductError` when either is missing.

    Checking that they exist does not read them: ``validate`` calls this before reconstructing, so a
    product without truth fails at once.
    """
    folder = Path(root) / "truth"
    fits_path = folder / f"{product_id}-truth.fits"
    json_path = folder / "truth.json"
    for p in (fits_path, json_path):
        if not p.is_file():
            raise ProductError(f"{str(p)!r} does not exist; scoring needs the product's truth (rendered with "
                               "junocam-sim, truth on)")
    return fits_path, json_path


JUPITER_NAIF_ID = 599   # the body the reconstruction models (facts.md "Jupiter")


def jupiter_only(planes: dict) -> dict:
    """The planes with pixels on other bodies (moons: BODY not 0 or 599) set to NaN, in place.

    The reconstruction projects every pixel onto Jupiter's ellipsoid; a moon's truth (its own latitudes,
    longitudes, I/F) has nothing to be compared with there, so those pixels leave the statistics (the geometry
    comparison counts them as hit disagreements).
    """
    other = ~np.isin(planes["BODY"], (0, JUPITER_NAIF_ID))
    if other.any():
        for name, values in planes.items():
            if name != "BODY":
                values[other] = np.nan
    return planes


def read_truth(root: Path, product_id: str) -> Truth:
    """Read the truth of the product folder ``root`` (one :class:`ProductError` when it is not there)."""
    from astropy.io import fits

    fits_path, json_path = truth_paths(root, product_id)
    try:
        record = json.loads(json_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProductError(f"{str(json_path)!r} is not valid JSON ({exc.msg})") from None
    planes = {}
    try:
        with fits.open(fits_path, memmap=False) as hdul:
            names = {h.name for h in hdul[1:]}
            missing = [n for n in TRUTH_PLANES if n not in names]
            if missing:
                raise ProductError(f"{str(fits_path)!r} lacks the backplane {missing[0]!r}")
            for name in TRUTH_PLANES:
                data = np.asarray(hdul[name].data)
                dtype = np.int32 if name == "BODY" else np.float64 if name in _FLOAT64_PLANES else np.float32
                planes[name] = data.astype(dtype)
    except OSError as exc:
        raise ProductError(f"{str(fits_path)!r} is not a readable FITS file ({exc})") from None
    return Truth(planes=jupiter_only(planes), record=record)


class TruthReader:
    """The truth of a product read a band of rows at a time (memory: the FITS is tile-compressed by rows,
    so a section decompresses only the tiles it covers). Use as a context manager.

    ``rows(first, count)`` returns the :data:`TRUTH_PLANES` of image rows ``first .. first + count`` with the
    dtypes :func:`read_truth` gives, so values are identical to slicing the whole planes.
    """

    def __init__(self, root: Path, product_id: str):
        fits_path, json_path = truth_paths(root, product_id)
        self.path = fits_path
        try:
            self.record = json.loads(json_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ProductError(f"{str(json_path)!r} is not valid JSON ({exc.msg})") from None
        self._hdul = None

    def __enter__(self) -> "TruthReader":
        from astropy.io import fits

        try:
            self._hdul = fits.open(self.path, memmap=False)
        except OSError as exc:
            raise ProductError(f"{str(self.path)!r} is not a readable FITS file ({exc})") from None
        names = {h.name for h in self._hdul[1:]}
        missing = [n for n in TRUTH_PLANES if n not in names]
        if missing:
            self._hdul.close()
            raise ProductError(f"{str(self.path)!r} lacks the backplane {missing[0]!r}")
        return self

    def __exit__(self, *exc) -> None:
        if self._hdul is not None:
            self._hdul.close()
            self._hdul = None

    @property
    def truth(self) -> Truth:
        """A :class:`Truth` with the record only (no planes)."""
        return Truth(planes={}, record=self.record)

    def rows(self, first: int, count: int) -> dict:
        """Backplanes of image rows ``first .. first + count`` (name -> (count, samples) array)."""
        out = {}
        try:
            for name in TRUTH_PLANES:
                hdu = self._hdul[name]
                data = np.asarray(hdu.section[first:first + count])
                dtype = np.int32 if name == "BODY" else np.float64 if name in _FLOAT64_PLANES else np.float32
                out[name] = data.astype(dtype)
        except OSError as exc:
            raise ProductError(f"{str(self.path)!r} is not a readable FITS file ({exc})") from None
        return jupiter_only(out)

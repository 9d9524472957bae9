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


def _typed(name: str, data: np.ndarray) -> np.ndarray:
    dtype = np.int32 if name == "BODY" else np.float64 if name in _FLOAT64_PLANES else np.float32
    return data.astype(dtype)


def read_truth(root: Path, product_id: str) -> Truth:
    """Read the truth of the product folder ``root`` (one :class:`ProductError` when it is not there)."""
    fits_path, json_path = truth_paths(root, product_id)
    record = _record(json_path)
    with _open(fits_path) as f:
        planes = {name: _typed(name, f.read(name)) for name in TRUTH_PLANES}
    return Truth(planes=jupiter_only(planes), record=record)


def _record(json_path: Path) -> dict:
    try:
        return json.loads(json_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ProductError(f"{str(json_path)!r} is not valid JSON ({exc.msg})") from None


def _open(fits_path: Path):
    """The truth FITS through the products' decoding reader, checked to hold :data:`TRUTH_PLANES`."""
    from simulator.products.reader import TruthFile

    f = TruthFile(fits_path).__enter__()
    missing = [n for n in TRUTH_PLANES if n not in f.names]
    if missing:
        f.__exit__(None, None, None)
        raise ProductError(f"{str(fits_path)!r} lacks the backplane {missing[0]!r}")
    return f


class TruthReader:
    """The truth of a product read a band of rows at a time (memory: the FITS is tile-compressed by rows,
    so a section decompresses only the tiles it covers). Use as a context manager.

    ``rows(first, count)`` returns the :data:`TRUTH_PLANES` of image rows ``first .. first + count`` with the
    dtypes :func:`read_truth` gives, so values are identical to slicing the whole planes.
    """

    def __init__(self, root: Path, product_id: str):
        fits_path, json_path = truth_paths(root, product_id)
        self.path = fits_path
        self.record = _record(json_path)
        self._file = None

    def __enter__(self) -> "TruthReader":
        self._file = _open(self.path)
        return self

    def __exit__(self, *exc) -> None:
        if self._file is not None:
            self._file.__exit__(None, None, None)
            self._file = None

    @property
    def truth(self) -> Truth:
        """A :class:`Truth` with the record only (no planes)."""
        return Truth(planes={}, record=self.record)

    def rows(self, first: int, count: int) -> dict:
        """Backplanes of image rows ``first .. first + count`` (name -> (count, samples) array)."""
        return jupiter_only({name: _typed(name, self._file.read(name, (first, count))) for name in TRUTH_PLANES})

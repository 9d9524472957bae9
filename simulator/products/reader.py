"""Read a product folder (ours, or a raw image pair downloaded from the mission site) and check it.

A folder qualifies when it holds exactly one ``*-Metadata.json`` (at its top or in ``DataSet/``) and the
PNG its FILE_NAME names (beside it, at the top, or in ``ImageSet/``). The checks are the ones processing
code relies on: PNG width = LINE_SAMPLES, PNG height = LINES, and LINES = frames x filters x framelet lines
(128 / SAMPLING_FACTOR). Anything else ends in one :class:`~simulator.errors.ProductError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import ProductError
from simulator.products import keywords as kw
from simulator.products.description import COMPANDING_MODES, FILTER_NAMES, FRAMELET_LINES_UNSUMMED
from simulator.products.metadata import read_metadata
from simulator.products.raw_image import read_raw_png


@dataclass(frozen=True)
class ImageLayout:
    """What a Metadata JSON says about its image, as numbers.

    Attributes
    ----------
    product_id : PRODUCT_ID.
    filters : FILTER_NAME in readout order.
    frames : LINES / (filters x framelet lines).
    framelet_lines : 128 / SAMPLING_FACTOR.
    lines, samples : LINES, LINE_SAMPLES.
    summing : SAMPLING_FACTOR.
    tdi_stages : JNO:TDI_STAGES_COUNT.
    interframe_delay_s : INTERFRAME_DELAY (s).
    exposure_s : EXPOSURE_DURATION (s).
    companding : SAMPLE_BIT_MODE_ID.
    compression : COMPRESSION_TYPE.
    start_utc, stop_utc : START_TIME, STOP_TIME.
    sclk_start : SPACECRAFT_CLOCK_START_COUNT.
    orbit_number : ORBIT_NUMBER.
    focal_plane_temperature_k : FOCAL_PLANE_TEMPERATURE (K).
    """

    product_id: str
    filters: tuple[str, ...]
    frames: int
    framelet_lines: int
    lines: int
    samples: int
    summing: int
    tdi_stages: int
    interframe_delay_s: float
    exposure_s: float
    companding: str
    compression: str
    start_utc: str
    stop_utc: str
    sclk_start: str
    orbit_number: int
    focal_plane_temperature_k: float


def layout_from_metadata(meta: dict, where: str) -> ImageLayout:
    """Turn checked metadata into an :class:`ImageLayout`; ``ProductError`` if it is inconsistent."""
    filters = tuple(str(f).upper() for f in meta["FILTER_NAME"])
    bad = [f for f in filters if f not in FILTER_NAMES]
    if not filters or bad:
        raise ProductError(f"{where}: FILTER_NAME {meta['FILTER_NAME']!r} names {bad[0] if bad else 'no filter'!r}; "
                           f"expected some of {', '.join(FILTER_NAMES)}")
    summing = int(meta["SAMPLING_FACTOR"])
    if summing not in (1, 2):
        raise ProductError(f"{where}: SAMPLING_FACTOR is {summing}; expected 1 or 2")
    companding = str(meta["SAMPLE_BIT_MODE_ID"]).upper()
    if companding not in COMPANDING_MODES:
        raise ProductError(f"{where}: SAMPLE_BIT_MODE_ID is {companding!r}; expected one of {', '.join(COMPANDING_MODES)}")
    framelet_lines = FRAMELET_LINES_UNSUMMED // summing
    lines = int(meta["LINES"])
    per_frame = len(filters) * framelet_lines
    if lines <= 0 or lines % per_frame:
        raise ProductError(f"{where}: LINES {lines} is not a whole number of frames of {len(filters)} filters x "
                           f"{framelet_lines} lines ({per_frame} lines per frame)")
    return ImageLayout(
        product_id=str(meta["PRODUCT_ID"]), filters=filters, frames=lines // per_frame,
        framelet_lines=framelet_lines, lines=lines, samples=int(meta["LINE_SAMPLES"]), summing=summing,
        tdi_stages=int(meta["JNO:TDI_STAGES_COUNT"]),
        interframe_delay_s=kw.parse_value_with_unit("INTERFRAME_DELAY", meta["INTERFRAME_DELAY"], "s"),
        exposure_s=kw.parse_value_with_unit("EXPOSURE_DURATION", meta["EXPOSURE_DURATION"], "ms") / 1e3,
        companding=companding, compression=str(meta["COMPRESSION_TYPE"]),
        start_utc=str(meta["START_TIME"]), stop_utc=str(meta["STOP_TIME"]),
        sclk_start=str(meta["SPACECRAFT_CLOCK_START_COUNT"]), orbit_number=int(meta["ORBIT_NUMBER"]),
        focal_plane_temperature_k=kw.parse_value_with_unit("FOCAL_PLANE_TEMPERATURE",
                                                           meta["FOCAL_PLANE_TEMPERATURE"], "K"),
    )


def find_metadata(folder: Path) -> Path:
    """The one ``*-Metadata.json`` of a product folder (top level or ``DataSet/``), or the file itself."""
    folder = Path(folder)
    if folder.is_file():
        return folder
    if not folder.is_dir():
        what = "metadata file" if folder.suffix.lower() == ".json" else "product folder"
        raise ProductError(f"{what} {str(folder)!r} does not exist")
    found = sorted(folder.glob("*-Metadata.json")) + sorted(folder.glob("DataSet/*-Metadata.json"))
    if len(found) != 1:
        raise ProductError(f"product folder {str(folder)!r} holds {len(found)} '*-Metadata.json' files "
                           "(top level or DataSet/); expected exactly one")
    return found[0]


def find_raw_png(meta_path: Path, file_name: str) -> Path:
    """The raw PNG named by FILE_NAME, beside the JSON, in the folder above, or in ``ImageSet/``."""
    here = meta_path.parent
    for candidate in (here / file_name, here / "ImageSet" / file_name, here.parent / file_name,
                      here.parent / "ImageSet" / file_name):
        if candidate.is_file():
            return candidate
    raise ProductError(f"raw image {file_name!r} (FILE_NAME of {meta_path.name}) is neither beside it nor in "
                       "an ImageSet/ folder")


@dataclass(frozen=True)
class LoadedProduct:
    """A checked product: its metadata, layout and 8-bit image."""

    metadata_path: Path
    png_path: Path
    metadata: dict
    layout: ImageLayout
    image: np.ndarray  # (lines, samples) uint8


def load_product(folder: Path, read_image=None) -> LoadedProduct:
    """Read and cross-check a product folder's metadata and raw PNG.

    ``read_image(path)``: how the PNG is read (default :func:`read_raw_png`, the whole image as an array);
    it must return an object with ``shape`` (lines, samples) and row slicing.
    """
    meta_path = find_metadata(folder)
    meta = read_metadata(meta_path)
    where = f"metadata file {str(meta_path)!r}"
    layout = layout_from_metadata(meta, where)
    png_path = find_raw_png(meta_path, str(meta["FILE_NAME"]))
    image = (read_image or read_raw_png)(png_path)
    if image.shape[1] != layout.samples:
        raise ProductError(f"raw image {png_path.name} is {image.shape[1]} pixels wide but LINE_SAMPLES "
                           f"says {layout.samples}")
    if image.shape[0] != layout.lines:
        raise ProductError(f"raw image {png_path.name} has {image.shape[0]} rows but LINES says {layout.lines} "
                           f"({layout.frames} frames x {len(layout.filters)} filters x {layout.framelet_lines})")
    return LoadedProduct(meta_path, png_path, meta, layout, image)


def framelet(product: LoadedProduct, frame: int, filter_name: str) -> np.ndarray:
    """The (framelet_lines, samples) uint8 framelet of ``frame`` (from 0) and ``filter_name``."""
    lay = product.layout
    if filter_name not in lay.filters or not 0 <= frame < lay.frames:
        raise ProductError(f"framelet (frame {frame}, {filter_name!r}) is not in this product "
                           f"(frames 0..{lay.frames - 1}, filters {', '.join(lay.filters)})")
    first = (frame * len(lay.filters) + lay.filters.index(filter_name)) * lay.framelet_lines
    return product.image[first:first + lay.framelet_lines]


class TruthFile:
    """A product's truth FITS opened to read decoded backplanes (use as a context manager).

    Planes stored as values come back as the file holds them; planes coded as line differences or as LAT_PC's
    residual (:mod:`simulator.products.truth_coding`, header card ``QCODING``) are decoded here, the one
    reader every consumer uses (validate, score, ML export), to the backplane's float dtype (float64
    latitudes/longitudes, float32 the rest), NaN off the body.

    ``read(name, rows=None)``: the whole plane, or ``rows = (first, count)`` image rows of it (only the tiles
    those rows need are decompressed; equal to slicing the whole plane).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._hdul = None

    def __enter__(self) -> "TruthFile":
        from astropy.io import fits

        try:
            self._hdul = fits.open(self.path, memmap=False)
            self._names = tuple(h.name for h in self._hdul[1:])
            self._headers = {}
        except OSError as exc:
            if self._hdul is not None:
                self._hdul.close()
            raise ProductError(f"{str(self.path)!r} is not a readable FITS file ({exc})") from None
        return self

    def __exit__(self, *exc) -> None:
        if self._hdul is not None:
            self._hdul.close()
            self._hdul = None

    @property
    def names(self) -> tuple[str, ...]:
        """The backplanes in the file, in file order."""
        return self._names

    def read(self, name: str, rows: tuple[int, int] | None = None) -> np.ndarray:
        """Backplane ``name`` decoded: (lines, samples), or (count, samples) for ``rows = (first, count)``."""
        from simulator.products import truth, truth_coding

        if name not in self.names:
            raise ProductError(f"{str(self.path)!r} lacks the backplane {name!r}")
        hdu = self._hdul[name]
        lines = hdu.shape[0]
        first, count = (0, lines) if rows is None else (int(rows[0]), int(rows[1]))
        stop = min(first + count, lines)
        try:
            if name not in self._headers:      # astropy rebuilds cards on every lookup: the coding cards once
                self._headers[name] = {key: hdu.header.get(key) for key in truth_coding.HEADER_KEYS}
            header = self._headers[name]
            coding = header.get("QCODING")
            if coding is None:
                return np.asarray(hdu.data if rows is None else hdu.section[first:stop])
            start = first
            if str(coding).strip() == truth_coding.LINE_DIFFERENCES:
                start = first - first % int(header["QLINES"])     # sums restart at each tile's first line
            stored = np.asarray(hdu.section[start:stop])
            body = self.read("BODY", (start, stop - start)) if header.get("QNULL") is not None else None
            lat_pg = (self.read("LAT_PG", (start, stop - start))
                      if str(coding).strip() == truth_coding.PG_RESIDUAL else None)
            values = truth_coding.decode(stored, header, body=body, lat_pg=lat_pg)[first - start:]
        except OSError as exc:
            raise ProductError(f"{str(self.path)!r} is not a readable FITS file ({exc})") from None
        return values.astype(truth.plane_dtype(name, np.float64), copy=False)


def read_truth_planes(path: Path, names=None) -> dict[str, np.ndarray]:
    """Every backplane of the truth FITS ``path`` (or the given ``names``), decoded (:class:`TruthFile`)."""
    with TruthFile(path) as f:
        return {name: f.read(name) for name in (f.names if names is None else names)}

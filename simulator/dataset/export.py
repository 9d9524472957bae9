"""ML export: fixed-size, filter-aligned crops of raw DN with the matching truth planes, in one zarr store.

Why zarr: a chunked, compressed N-dimensional array store that machine-learning loaders read chunk by chunk
without loading the whole set (``zarr.open``, ``xarray.open_zarr``, ``dask.array.from_zarr``, a PyTorch
``Dataset`` indexing ``store["train/dn"][i]``), that can sit on a local disk or object storage, and whose
chunks are independent files (no single-writer file lock as in HDF5; random access, unlike tar shards).

Layout of ``ml.zarr`` (zarr format 3; ``N`` crops of ``H x W`` pixels, ``H`` = the framelet's lines, so a crop
never straddles two filters or two frames)::

    <split>/dn            (N, H, W) uint8   raw companded DN as in the PNG
    <split>/<PLANE>       (N, H, W)         truth planes (dtype of the truth FITS; NaN off the body)
    <split>/item, frame, line0, sample0  (N,) int32;  <split>/seed (N,) uint64;  <split>/filter (N,) uint8
    attrs: filters (names of the filter codes), crop_samples, planes, split fractions, source dataset
    dimension names (zarr v3): ("crop", "line", "sample") and ("crop",), so xarray.open_zarr reads a split

``<split>`` is ``train``, ``validation`` or ``test``: every crop of an item goes to the split chosen by its item
seed (:func:`split_of`), so no product's pixels leak between splits. Crops are kept when at least
``min_jupiter_fraction`` of their pixels see Jupiter; products and crops are taken in index order, so the
store's arrays are the same for the same dataset.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simulator.dataset.spec import DatasetSpecError

SPLITS = ("train", "validation", "test")
STORE = "ml.zarr"
JUPITER_NAIF_ID = 599  # facts.md "Jupiter"
# zarr v3 dimension names of every array: xarray.open_zarr(store, group=split) needs them to make a Dataset
CROP_DIMS = ("crop", "line", "sample")


@dataclass(frozen=True)
class ExportOptions:
    """What to export (spec table ``[export]``, same keys).

    Attributes
    ----------
    crop_samples : crop width in samples (a crop is one framelet tall); 128 -> 13 crops per 1648-wide framelet
        (the last one ends at the framelet's right edge, overlapping the 12th).
    planes : truth planes to include (each product's truth FITS must hold them: ``minimal`` has BODY, LAT_PG,
        LON_W, PIXEL_SCALE, IOF).
    min_jupiter_fraction : keep a crop only when this share of its pixels sees Jupiter (0 keeps all).
    splits : fraction of items in train / validation / test (sum 1).
    chunk_crops : crops per zarr chunk.
    """

    crop_samples: int = 128
    planes: tuple[str, ...] = ("BODY", "LAT_PG", "LON_W", "IOF")
    min_jupiter_fraction: float = 0.25
    splits: dict = field(default_factory=lambda: {"train": 0.8, "validation": 0.1, "test": 0.1})
    chunk_crops: int = 64

    def __post_init__(self):
        if isinstance(self.crop_samples, bool) or not isinstance(self.crop_samples, int) or self.crop_samples < 8:
            raise DatasetSpecError(f"export.crop_samples = {self.crop_samples!r} must be an integer >= 8")
        if not 0.0 <= float(self.min_jupiter_fraction) <= 1.0:
            raise DatasetSpecError(f"export.min_jupiter_fraction = {self.min_jupiter_fraction!r} must be in [0, 1]")
        if set(self.splits) != set(SPLITS) or any(float(v) < 0 for v in self.splits.values()) \
                or abs(sum(float(v) for v in self.splits.values()) - 1.0) > 1e-9:
            raise DatasetSpecError(f"export.splits = {self.splits!r} must give train, validation and test "
                                   "fractions >= 0 that sum to 1")
        if isinstance(self.chunk_crops, bool) or not isinstance(self.chunk_crops, int) or self.chunk_crops < 1:
            raise DatasetSpecError(f"export.chunk_crops = {self.chunk_crops!r} must be a positive integer")


def split_of(seed: int, splits: dict) -> str:
    """The split of an item with this seed: a uniform number from the seed against the cumulative fractions."""
    u = int(np.random.SeedSequence(int(seed)).generate_state(1, np.uint64)[0]) / 2.0**64
    edge = 0.0
    for name in SPLITS:
        edge += float(splits[name])
        if u < edge:
            return name
    return SPLITS[-1]


def export_options(table: dict, truth: str | None = None) -> ExportOptions:
    """The spec's ``[export]`` table as :class:`ExportOptions`, checked (before any work) against the truth
    level the products will have when ``truth`` is given: ``none`` keeps no planes, ``minimal`` only
    ``MINIMAL_PLANES``."""
    from simulator.products.truth import MINIMAL_PLANES
    from simulator.render.types import TRUTH_DTYPES

    known = set(ExportOptions.__dataclass_fields__)
    bad = sorted(set(table) - known)
    if bad:
        raise DatasetSpecError(f"export.{bad[0]} is unknown; expected one of {', '.join(sorted(known))}")
    values = dict(table)
    if "planes" in values:
        planes = values["planes"]
        if not isinstance(planes, list) or not all(isinstance(p, str) for p in planes):
            raise DatasetSpecError(f"export.planes = {planes!r} must be a list of truth plane names")
        values["planes"] = tuple(p.upper() for p in planes)
        unknown = [p for p in values["planes"] if p not in TRUTH_DTYPES]
        if unknown:
            raise DatasetSpecError(f"export.planes holds {unknown[0]!r}; expected names among "
                                   f"{', '.join(TRUTH_DTYPES)}")
    if "splits" in values and not isinstance(values["splits"], dict):
        raise DatasetSpecError(f"export.splits = {values['splits']!r} must be a table of train, validation and "
                               "test fractions")
    options = ExportOptions(**values)
    if truth == "none":
        raise DatasetSpecError("the spec has an [export] table but the truth level is 'none'; the ML export "
                               "needs truth planes (truth = \"minimal\" or \"full\")")
    if truth == "minimal":
        missing = [p for p in options.planes if p not in MINIMAL_PLANES]
        if missing:
            raise DatasetSpecError(f"export.planes holds {missing[0]!r}, which the truth level 'minimal' does not "
                                   f"keep ({', '.join(MINIMAL_PLANES)}); use truth = \"full\" or drop it")
    return options


def export_from_spec(out_dir: Path, table: dict, truth: str | None = None) -> dict:
    """Run :func:`export_crops` for a dataset folder with the spec's ``[export]`` table."""
    return export_crops(out_dir, Path(out_dir) / STORE, export_options(table, truth))


def framelet_crops(image: np.ndarray, planes: dict, framelet_lines: int, n_filters: int, width: int,
                   min_fraction: float):
    """Yield ``(frame, filter_index, line0, sample0, dn, {plane: crop})`` of one product, in image order."""
    lines, samples = image.shape
    starts = list(range(0, samples - width + 1, width))
    if starts and starts[-1] + width < samples:
        starts.append(samples - width)   # the last crop ends at the framelet's edge (overlaps its neighbour)
    for first in range(0, lines, framelet_lines):
        k = first // framelet_lines
        for s0 in starts:
            window = (slice(first, first + framelet_lines), slice(s0, s0 + width))
            body = planes["BODY"][window] if "BODY" in planes else None
            if min_fraction > 0 and body is not None and np.mean(body == JUPITER_NAIF_ID) < min_fraction:
                continue
            yield (k // n_filters, k % n_filters, first, s0, image[window],
                   {name: plane[window] for name, plane in planes.items()})


def export_crops(dataset_dir: Path, store: Path, options: ExportOptions = ExportOptions()) -> dict:
    """Write the crops of every ok product of ``dataset_dir`` into ``store``; return crops per split.

    The store is built under a temporary name and renamed into place (a previous export is replaced); a
    failed or interrupted export removes the temporary store.
    """
    from simulator.dataset.manifest import read_manifest

    dataset_dir, store = Path(dataset_dir), Path(store)
    rows = [r for r in read_manifest(dataset_dir).to_pylist() if r["status"] == "ok"]
    tmp = store.with_name(f".{store.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        counts = _write_store(tmp, dataset_dir, rows, options)
    except BaseException:            # a failed or interrupted export leaves no partial store behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if store.exists():
        old = store.with_name(f".{store.name}.old-{os.getpid()}")
        os.replace(store, old)
        os.replace(tmp, store)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, store)
    return counts


def _write_store(tmp: Path, dataset_dir: Path, rows: list, options: ExportOptions) -> dict:
    """Build the store at ``tmp`` from the manifest ``rows``; return crops per split."""
    import zarr

    from instrument_models.junocam import FILTERS
    from simulator.products.reader import TruthFile, load_product

    root = zarr.open_group(str(tmp), mode="w", zarr_format=3)
    root.attrs.update({"filters": list(FILTERS), "planes": list(options.planes), "splits": options.splits,
                       "source": str(dataset_dir.name), "crop_samples": options.crop_samples})
    arrays: dict[str, dict] = {}
    counts = dict.fromkeys(SPLITS, 0)
    template = None                  # the first crop: the shapes and dtypes of an empty split's arrays
    for row in sorted(rows, key=lambda r: r["index"]):
        product = load_product(dataset_dir / row["product_dir"])
        if not row["truth_fits"]:
            raise DatasetSpecError(f"product {row['product_id']} has no truth FITS (truth level 'none'); the ML "
                                   "export needs truth planes")
        with TruthFile(dataset_dir / row["truth_fits"]) as truth_file:     # decodes coded planes
            missing = [p for p in options.planes if p not in truth_file.names]
            if missing:
                raise DatasetSpecError(f"product {row['product_id']} lacks the truth plane {missing[0]!r} "
                                       f"(truth level {row['truth_level']!r}); export fewer planes or use full truth")
            planes = {p: _native(truth_file.read(p)) for p in options.planes}
        lay = product.layout
        crops = list(framelet_crops(product.image, planes, lay.framelet_lines, len(lay.filters),
                                    options.crop_samples, options.min_jupiter_fraction))
        if not crops:
            continue
        split = split_of(row["seed"], options.splits)
        template = template or crops[0]
        group = arrays.get(split) or _create_split(root, split, crops[0], options)
        arrays[split] = group
        columns = {"dn": np.stack([c[4] for c in crops]),
                   "item": np.full(len(crops), row["index"], np.int32),
                   "seed": np.full(len(crops), row["seed"], np.uint64),
                   "frame": np.array([c[0] for c in crops], np.int32),
                   "filter": np.array([FILTERS.index(lay.filters[c[1]]) for c in crops], np.uint8),
                   "line0": np.array([c[2] for c in crops], np.int32),
                   "sample0": np.array([c[3] for c in crops], np.int32)}
        columns.update({p: np.stack([c[5][p] for c in crops]) for p in options.planes})
        for name, values in columns.items():
            group[name].append(values, axis=0)
        counts[split] += len(crops)
    for split in SPLITS:             # every split has its group, with 0 crops when no item's seed picked it
        if split not in arrays and template is not None:
            _create_split(root, split, template, options)
    return counts


def _create_split(root, split: str, crop, options: ExportOptions) -> dict:
    group = root.create_group(split)
    height, width = crop[4].shape
    out = {}
    chunk = options.chunk_crops
    out["dn"] = group.create_array("dn", shape=(0, height, width), chunks=(chunk, height, width), dtype=np.uint8,
                                   dimension_names=CROP_DIMS)
    for name, plane in crop[5].items():
        kwargs = {"fill_value": np.nan} if plane.dtype.kind == "f" else {}
        out[name] = group.create_array(name, shape=(0, height, width), chunks=(chunk, height, width),
                                       dtype=plane.dtype.newbyteorder("="), dimension_names=CROP_DIMS, **kwargs)
    for name, dtype in (("item", np.int32), ("seed", np.uint64), ("frame", np.int32), ("filter", np.uint8),
                        ("line0", np.int32), ("sample0", np.int32)):
        out[name] = group.create_array(name, shape=(0,), chunks=(max(chunk, 1024),), dtype=dtype,
                                       dimension_names=CROP_DIMS[:1])
    return out


def _native(data) -> np.ndarray:
    """A FITS array (big-endian) in the machine's byte order."""
    data = np.asarray(data)
    return data.astype(data.dtype.newbyteorder("="), copy=False)

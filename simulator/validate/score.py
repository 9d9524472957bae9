"""Scoring a user's reconstruction of a product against the product's truth (``junocam-sim score``).

Two kinds of input:

* **backplanes** (``--backplanes FILE``): per-pixel latitude and longitude shaped like the raw PNG
  (lines x samples), NaN where the pixel is off the planet. NPZ with arrays ``LAT`` and ``LON`` (or
  ``LAT_PG`` / ``LON_W``), or FITS with image extensions named ``LAT`` and ``LON``. Latitudes are
  planetographic unless ``latitude="planetocentric"``; longitudes System III **west**, degrees. Scored
  pixel by pixel like ``validate`` (km, km / PIXEL_SCALE, image-plane pixels along lines and samples), plus
  the start-time error that the median along-line error corresponds to.
* **an equirectangular map** (``--map FILE``): one filter's map on the grid of ``--bounds
  LAT_MIN,LAT_MAX,LON_MIN,LON_MAX`` (planetographic latitude, west longitude, row 0 at LAT_MAX, west
  longitude growing to the right, as ``simulator.validate.maps``), as PNG/TIFF (single band, 8/16-bit or
  float), NPY or FITS (first 2-D image). NaN, or 0 in integer images, means no data. It is registered
  against the truth I/F map of the same grid (truth IOF binned at the true positions): the shift gives the
  geolocation error (km, product pixels), the difference the radiometric bias and rms (for float maps in
  I/F; integer maps get a fitted gain and offset instead).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from scenes.ellipsoid import planetographic_from_planetocentric_deg
from simulator.errors import ProductError, SimulatorError
from simulator.validate.compare import geometry_errors
from simulator.validate.maps import MapError, MapGrid
from simulator.validate.metrics import ErrorSummary, RadiometrySummary, json_number
from simulator.validate.product import open_product
from simulator.validate.reconstruct import Reconstructor
from simulator.validate.registration import register_maps
from simulator.validate.truth import read_truth
from simulator.validate.validation import geometry_summary, rows_by_filter

MAP_SUFFIXES = (".png", ".tif", ".tiff", ".npy", ".fits", ".fit")
BACKPLANE_SUFFIXES = (".npz", ".fits", ".fit")
MIN_OVERLAP_CELLS = 50


class ScoreError(SimulatorError):
    """A map or backplane file cannot be scored against the product."""


# ------------------------------------------------------------------------------------------ reading files
def load_backplanes(path, shape: tuple[int, int], latitude: str = "planetographic") -> tuple[np.ndarray, np.ndarray]:
    """Planetographic latitude and west longitude (degrees) from a backplane file (see module doc)."""
    p = Path(path)
    if not p.is_file():
        raise ScoreError(f"backplane file {str(p)!r} does not exist")
    suffix = p.suffix.lower()
    if suffix not in BACKPLANE_SUFFIXES:
        raise ScoreError(f"backplane file {p.name!r} is not NPZ or FITS; expected one of "
                         f"{', '.join(BACKPLANE_SUFFIXES)}")
    arrays = {}
    try:
        if suffix == ".npz":
            with np.load(p, allow_pickle=False) as data:
                arrays = {k.upper(): np.asarray(data[k]) for k in data.files}
        else:
            from astropy.io import fits
            with fits.open(p, memmap=False) as hdul:
                arrays = {h.name.upper(): np.asarray(h.data) for h in hdul if h.data is not None and h.name}
    except (OSError, ValueError) as exc:
        raise ScoreError(f"backplane file {p.name!r} cannot be read ({exc})") from None
    lat = arrays.get("LAT", arrays.get("LAT_PG" if latitude == "planetographic" else "LAT_PC"))
    lon = arrays.get("LON", arrays.get("LON_W"))
    if lat is None or lon is None:
        raise ScoreError(f"backplane file {p.name!r} holds {sorted(arrays)}; expected arrays LAT and LON")
    for name, a in (("LAT", lat), ("LON", lon)):
        if a.shape != tuple(shape):
            raise ScoreError(f"backplane {name} in {p.name!r} has shape {a.shape}; the product's raw image is "
                             f"{tuple(shape)} (lines, samples)")
    lat = lat.astype(np.float64)
    lon = np.mod(lon.astype(np.float64), 360.0)
    bad = np.isfinite(lat) & (np.abs(lat) > 90.0)
    if bad.any():
        raise ScoreError(f"backplane LAT in {p.name!r} has values outside -90..90 deg (e.g. {lat[bad][0]!r})")
    if latitude == "planetocentric":
        lat = planetographic_from_planetocentric_deg(lat)
    elif latitude != "planetographic":
        raise ScoreError(f"latitude kind {latitude!r} is not 'planetographic' or 'planetocentric'")
    return lat, lon


def load_map(path) -> tuple[np.ndarray, bool]:
    """A map file as a float array (NaN = no data) and whether its values were integers (see module doc)."""
    p = Path(path)
    if not p.is_file():
        raise ScoreError(f"map file {str(p)!r} does not exist")
    suffix = p.suffix.lower()
    if suffix not in MAP_SUFFIXES:
        raise ScoreError(f"map file {p.name!r} has an unknown format; expected one of {', '.join(MAP_SUFFIXES)}")
    try:
        if suffix == ".npy":
            data = np.load(p, allow_pickle=False)
        elif suffix in (".fits", ".fit"):
            from astropy.io import fits
            with fits.open(p, memmap=False) as hdul:
                images = [h.data for h in hdul if h.data is not None and np.ndim(h.data) == 2]
            if not images:
                raise ScoreError(f"map file {p.name!r} holds no 2-D image")
            data = np.asarray(images[0])
        else:
            from PIL import Image
            with Image.open(p) as img:
                if img.mode not in ("L", "I;16", "I;16B", "I", "F"):
                    raise ScoreError(f"map file {p.name!r} has image mode {img.mode}; expected one band "
                                     "(8/16-bit grey or float)")
                data = np.asarray(img)
    except (OSError, ValueError) as exc:
        raise ScoreError(f"map file {p.name!r} cannot be read ({exc})") from None
    data = np.asarray(data)
    if data.ndim != 2:
        raise ScoreError(f"map file {p.name!r} has shape {data.shape}; expected a 2-D (rows, columns) map")
    integer = np.issubdtype(data.dtype, np.integer) or data.dtype == bool
    values = data.astype(np.float64)
    if integer:
        values[values == 0] = np.nan
    return values, bool(integer)


# ------------------------------------------------------------------------------------------ backplanes
def score_backplanes(product_dir, path, latitude: str = "planetographic", kernels=None) -> dict:
    """Score per-pixel latitude/longitude backplanes against the product's truth (``kernels``: a metakernel
    replacing the product's own)."""
    inputs = open_product(product_dir, kernels)
    layout = inputs.product.layout
    lat, lon = load_backplanes(path, inputs.product.image.shape, latitude)
    rec = Reconstructor(inputs)
    with rec.geometry() as geo:
        ellipsoid = geo.ellipsoid
        framelets = rec.framelets(geo)
        rate = rec.motion_rows_per_s(geo, framelets[len(framelets) // 2])
    truth = read_truth(inputs.root, layout.product_id)
    photoactive = rec.camera.strips.photoactive_mask(layout.summing)
    errors = geometry_errors(ellipsoid, lat, lon, truth.planes, layout.framelet_lines, photoactive)
    if not np.isfinite(errors.km).any():
        raise ScoreError(f"no pixel of {Path(path).name!r} is on the planet where the truth is; are LAT/LON in "
                         "degrees, planetographic latitude and west longitude, shaped like the raw PNG?")
    summary = {"product_id": layout.product_id, "input": str(path), "kind": "backplanes",
               "latitude": latitude, "injected_errors": truth.injected}
    summary.update(geometry_summary("geometry_error", errors))
    line = summary.get("geometry_error_line_px_median")
    # A reconstruction timed dt late sees, through line l, what the truth saw through l - rate * dt.
    summary["timing_error_equivalent_ms"] = json_number(-line / rate * 1e3) if line is not None else None
    summary["image_motion_rows_per_s"] = rate
    summary["geometry_missing_pixels"] = int(np.sum(np.isfinite(truth.planes["LAT_PG"]) & ~np.isfinite(lat)
                                                    & photoactive[None, :]))
    return summary


# ------------------------------------------------------------------------------------------ maps
def truth_iof_map(grid: MapGrid, truth_planes: dict, rows: np.ndarray, fill_cells: float = 1.0) -> np.ndarray:
    """Truth I/F binned on ``grid`` (true positions), small holes filled by normalised Gaussian smoothing.

    Holes appear when the map's cells are smaller than the product's pixels; a cell is filled only when
    the smoothed weight shows data within about ``fill_cells`` cells.
    """
    mean, count = grid.bin_values(truth_planes["LAT_PG"][rows], truth_planes["LON_W"][rows], truth_planes["IOF"][rows])
    have = np.isfinite(mean)
    if not have.any():
        return mean
    weight = ndimage.gaussian_filter(have.astype(float), fill_cells)
    smooth = ndimage.gaussian_filter(np.where(have, mean, 0.0), fill_cells)
    with np.errstate(invalid="ignore", divide="ignore"):
        filled = np.where(weight > 0.25, smooth / weight, np.nan)
    return np.where(have, mean, filled)


def score_map(product_dir, path, bounds=None, filter_name: str | None = None, kernels=None) -> dict:
    """Score an equirectangular map of one filter against the product's truth (see module doc; ``kernels``:
    a metakernel replacing the product's own)."""
    inputs = open_product(product_dir, kernels)
    layout = inputs.product.layout
    if filter_name is None:
        if len(layout.filters) > 1:
            raise ScoreError(f"the product has filters {', '.join(layout.filters)}; say which one the map shows "
                             "with --filter")
        filter_name = layout.filters[0]
    filter_name = str(filter_name).strip().upper()
    if filter_name not in layout.filters:
        raise ScoreError(f"--filter {filter_name!r} is not in the product (its filters: {', '.join(layout.filters)})")
    user, integer = load_map(path)
    if not np.isfinite(user).any():
        raise ScoreError(f"map {Path(path).name!r} holds no data: all {user.size} cells are NaN (or 0 in an "
                         "integer image); expected I/F or brightness values where it covers the planet")
    lat0, lat1, lon0, lon1 = bounds if bounds is not None else (-90.0, 90.0, 0.0, 360.0)
    try:
        grid = MapGrid(float(lat0), float(lat1), float(lon0), float(lon1), user.shape[0], user.shape[1])
    except MapError as exc:
        raise ScoreError(f"--bounds do not describe the map: {exc}") from None
    truth = read_truth(inputs.root, layout.product_id)
    rows = rows_by_filter(layout)[filter_name]
    reference = truth_iof_map(grid, truth.planes, rows)
    overlap = np.isfinite(user) & np.isfinite(reference)
    if overlap.sum() < MIN_OVERLAP_CELLS:
        raise ScoreError(f"map {Path(path).name!r} ({user.shape[0]} x {user.shape[1]} cells over lat "
                         f"{lat0}..{lat1}, lon {lon0}..{lon1} W) shares {int(overlap.sum())} cells with the "
                         f"product's {filter_name} footprint; at least {MIN_OVERLAP_CELLS} are needed "
                         "(check --bounds and --filter)")
    reg = register_maps(user, reference)
    lat_c, _ = grid.centres()
    with rec_geometry(inputs) as geo:
        radii = (geo.ellipsoid.radii_km[0], geo.ellipsoid.radii_km[2])
    dlat_deg, dlon_deg, km = shift_to_surface(reg, grid, float(np.mean(lat_c[overlap])), radii)
    in_bounds = rows[:, None] & np.isfinite(truth.planes["LAT_PG"])
    r, cc = grid.lonlat_to_cell(truth.planes["LAT_PG"], truth.planes["LON_W"])
    in_bounds &= (r >= 0) & (r < grid.rows) & (cc >= 0) & (cc < grid.cols)
    scale = float(np.nanmedian(truth.planes["PIXEL_SCALE"][in_bounds]))
    px = km / scale
    tiles = np.asarray([t_km / scale for t_km in tile_shifts_km(user, reference, grid, lat_c, radii)])
    summary = {"product_id": layout.product_id, "input": str(path), "kind": "map", "filter": filter_name,
               "bounds": [lat0, lat1, lon0, lon1], "map_shape": list(user.shape),
               "map_resolution_deg": [grid.dlat_deg, grid.dlon_deg], "injected_errors": truth.injected,
               "overlap_cells": int(overlap.sum()),
               "geometry_error_lat_deg": dlat_deg, "geometry_error_lon_w_deg": dlon_deg,
               "geometry_error_km": km, "geometry_error_px": px,
               "geometry_error_px_median": float(np.median(tiles)) if tiles.size >= MIN_TILES else px,
               "geometry_error_px_p99": float(np.percentile(tiles, 99)) if tiles.size >= MIN_TILES else px,
               "tiles_registered": int(tiles.size),
               "pixel_scale_km_median": scale, "registration_gain": reg.gain, "registration_offset": reg.offset,
               "registration_residual_rms": reg.residual_rms, "values_are_integers": integer}
    if integer:
        summary.update({"iof_bias": None, "iof_rms": None,
                        "notes": ["integer map: values are not I/F, so only the fitted gain/offset and the "
                                  "residual after registration are reported"]})
    else:
        summary.update(RadiometrySummary.of(user, reference).as_dict("iof"))
        summary["notes"] = []
    if tiles.size < MIN_TILES:
        summary["notes"].append(f"only {tiles.size} tiles of {TILE_CELLS} x {TILE_CELLS} cells could be registered: "
                                "the median and p99 are the global shift")
    else:
        summary["notes"].append(f"median and p99 over {tiles.size} tiles of {TILE_CELLS} x {TILE_CELLS} cells, each "
                                "registered on its own")
    return summary


def shift_to_surface(reg, grid: MapGrid, lat_deg: float, radii: tuple[float, float]) -> tuple[float, float, float]:
    """A registration's shift as the user's (latitude, west longitude) error in degrees and its length in km.

    A user's feature at row ``r`` is the truth's at ``r + drow`` (``registration.py``): the user's latitude is
    off by ``+drow * dlat`` degrees and its west longitude by ``-dcol * dlon``.
    """
    a, c = radii
    dlat_deg = float(reg.drow) * grid.dlat_deg
    dlon_deg = -float(reg.dcol) * grid.dlon_deg
    ns_km = np.radians(dlat_deg) * meridian_radius_km(a, c, lat_deg)
    ew_km = np.radians(dlon_deg) * a * np.cos(np.radians(lat_deg))
    return dlat_deg, dlon_deg, float(np.hypot(ns_km, ew_km))


TILE_CELLS = 64       # tile side for local registrations (assumption: enough texture, many tiles per map)
TILE_MIN_FILLED = 0.5  # a tile is registered when at least half its cells have both maps
MIN_TILES = 3          # fewer registered tiles: median and p99 fall back to the global shift


def tile_shifts_km(user, reference, grid: MapGrid, lat_centres, radii) -> list[float]:
    """Geolocation error (km) of each tile of the map registered on its own (tiles without enough overlap
    or texture are skipped)."""
    from simulator.validate.registration import RegistrationError

    out = []
    rows, cols = user.shape
    for r0 in range(0, rows - TILE_CELLS // 2, TILE_CELLS):
        for c0 in range(0, cols - TILE_CELLS // 2, TILE_CELLS):
            window = (slice(r0, r0 + TILE_CELLS), slice(c0, c0 + TILE_CELLS))
            u, t = user[window], reference[window]
            both = np.isfinite(u) & np.isfinite(t)
            if both.sum() < TILE_MIN_FILLED * u.size:
                continue
            try:
                reg = register_maps(u, t, max_shift_cells=4, min_cells=int(TILE_MIN_FILLED * u.size))
            except RegistrationError:
                continue
            out.append(shift_to_surface(reg, grid, float(np.mean(lat_centres[window][both])), radii)[2])
    return out


def meridian_radius_km(a: float, c: float, lat_pg_deg: float) -> float:
    """Meridional radius of curvature of an oblate spheroid at planetographic latitude (km)."""
    phi = np.radians(lat_pg_deg)
    e2 = 1.0 - (c * c) / (a * a)
    return float(a * (1.0 - e2) / (1.0 - e2 * np.sin(phi) ** 2) ** 1.5)


def rec_geometry(inputs):
    """A geometry service on the product's kernels (for the body's radii)."""
    from simulator.geometry import Geometry
    return Geometry(inputs.metakernel, abcorr=inputs.abcorr)


def score_table(s: dict) -> str:
    """The terminal table of a score summary."""
    from simulator.validate.report import geometry_rows, table

    if s["kind"] == "backplanes":
        rows = geometry_rows(s) + [
            ("start-time error it corresponds to", s.get("timing_error_equivalent_ms"), None, "ms"),
            ("pixels the truth has on the planet but the file not", s.get("geometry_missing_pixels"), None, ""),
        ]
        title = f"Score of backplanes {s['input']} against {s['product_id']}"
        columns = ("median", "p99")
    else:
        rows = [
            ("geolocation error (one shift)", s.get("geometry_error_px"), None, "product px"),
            ("geolocation error on the surface", s.get("geometry_error_km"), None, "km"),
            ("latitude / west longitude error", s.get("geometry_error_lat_deg"), s.get("geometry_error_lon_w_deg"),
             "deg"),
            ("I/F bias / rms", s.get("iof_bias"), s.get("iof_rms"), "I/F"),
            ("registration gain / offset", s.get("registration_gain"), s.get("registration_offset"), ""),
            ("rms residual after registration", s.get("registration_residual_rms"), None, "map units"),
        ]
        title = f"Score of the {s['filter']} map {s['input']} against {s['product_id']} ({s['overlap_cells']} cells)"
        columns = ("value", "second")
    text = table(rows, title, columns)
    return text + "".join(f"\nnote: {n}" for n in s.get("notes", []))

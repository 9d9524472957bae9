"""The I/F and albedo maps of ``validate``, binned framelet by framelet into grids fixed beforehand.

Grid (:func:`plan_grids`): before any framelet is compared, a cheap pre-pass projects a sparse subsample of
each framelet's photoactive pixels (every :data:`PLAN_STEP_PX`-th line and column, plus the last ones)
through the same reconstruction geometry (nominal frame times, the product's ray convention, SPICE once per
framelet). Per filter it gives

* the resolution: the median pixel scale of the subsample (range times the pixel's angular size,
  ``sqrt`` of the angles to its neighbours along samples and lines: the truth's PIXEL_SCALE definition,
  here from the reconstruction) over ``cells_per_pixel``, as :func:`~simulator.validate.compare.default_grid`
  does with the truth PIXEL_SCALE of every pixel;
* the bounds: :func:`~simulator.validate.compare.grid_covering` of the subsample's positions (the same
  rule as ``default_grid``: the longitude range after the widest gap, cell edges on multiples of the
  resolution), padded by the largest step between neighbouring subsample points (plus
  :data:`PLAN_PAD_CELLS` cells) so that the pixels between the subsample points and a timing error of a few
  lines stay inside. Pixels that still fall outside are counted (``map_pixels_outside_grid``).

Nothing from the truth is used. The old whole-array grid (``default_grid`` on all reconstructed positions
and the truth PIXEL_SCALE) and this one differ in the padding and in the resolution: 0.5 % (36-frame
product), 0.6 % (demo), 1.3 % (2-frame test product) coarser here, mostly because ``default_grid``'s median
also took the truth's scale on the dark (non-photoactive) columns, where no pixel is reconstructed (demo
GREEN: median truth scale 6.297 km all columns, 6.352 photoactive, 6.336 on this subsample).

Bins (:class:`MapSums`): per cell the counts and sums the map statistics need (reconstructed I/F, sigma^2,
albedo at the reconstructed positions; truth I/F at the true positions), so a map's cell values are the
same means as ``MapGrid.bin_values`` gives on the whole arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.validate.compare import IofMaps, grid_covering
from simulator.validate.maps import MapGrid

PLAN_STEP_PX = 8        # pre-pass subsample step in lines and samples (1/64 of the rays; assumption)
PLAN_PAD_CELLS = 2      # extra cells around the padded bounds (assumption)
CELL_CHUNK = 1 << 18    # cells turned into float64 map values at a time for the statistics (~15 MB)


def _pixel_angle(camera, filter_name: str, sample, line, summing: int) -> np.ndarray:
    """Angular size (rad) of the product pixels at (sample, line): sqrt of the angles to the next pixel
    along samples and along lines (the truth's PIXEL_SCALE / RANGE)."""
    r0 = camera.pixel_to_ray(filter_name, sample, line, summing=summing)
    angles = []
    for ds, dl in ((1.0, 0.0), (0.0, 1.0)):
        r1 = camera.pixel_to_ray(filter_name, sample + ds, line + dl, summing=summing)
        d = np.linalg.norm(r1 - r0, axis=-1)
        angles.append(2.0 * np.arcsin(np.clip(0.5 * d, 0.0, 1.0)))
    return np.sqrt(angles[0] * angles[1])


def plan_grids(rec, geo, framelets, cells_per_pixel: float = 0.5, step_px: int = PLAN_STEP_PX) -> dict:
    """The map grid of each filter from a subsampled projection of ``framelets`` (see the module doc).

    Parameters
    ----------
    rec : the :class:`~simulator.validate.reconstruct.Reconstructor`.
    geo : its entered geometry service.
    framelets : the nominal framelets (``rec.framelets(geo)``).

    Returns
    -------
    ``{filter: MapGrid}`` for the filters whose subsample sees the planet.
    """
    from simulator.validate.projection import project_rays

    lay, camera = rec.layout, rec.camera
    columns = camera.strips.photoactive_mask(lay.summing)
    active = np.flatnonzero(columns)
    cols = np.unique(np.concatenate([active[::step_px], active[-1:]]))
    n_lines = camera.strips.framelet_lines(lay.summing)
    rows = np.unique(np.concatenate([np.arange(0, n_lines, step_px), [n_lines - 1]]))
    sub_columns = np.ones(cols.size, dtype=bool)
    samples = geo.sample([f.mid_et for f in framelets])
    found = {}
    cache: dict = {}
    for i, fr in enumerate(framelets):
        shift = rec.shift_px(geo, fr, "packet")
        key = (fr.filter, shift)
        if key not in cache:
            s, ln = cols[None, :] + 0.5, rows[:, None] + 0.5 + shift
            rays = camera.pixel_to_ray(fr.filter, s, ln, summing=lay.summing)
            cache[key] = (rays, _pixel_angle(camera, fr.filter, s + 0.0 * ln, ln + 0.0 * s, lay.summing))
        rays, angle = cache[key]
        g = project_rays(geo, samples, i, rays, sub_columns, fr.mid_et, shift)
        if not g.hit.any():
            continue
        lat, lon = g.lat_pg, g.lon_w
        # Largest step between neighbouring subsample points on the planet (deg; longitude wrapped).
        d_lat = np.nanmax(np.abs(np.concatenate([np.diff(lat, axis=0).ravel(), np.diff(lat, axis=1).ravel(),
                                                  [0.0]])))
        d_lon = np.concatenate([np.diff(lon, axis=0).ravel(), np.diff(lon, axis=1).ravel(), [0.0]])
        d_lon = np.nanmax(np.abs((d_lon + 180.0) % 360.0 - 180.0))
        f = found.setdefault(fr.filter, {"lat": [], "lon": [], "scale": [], "pad": 0.0})
        f["lat"].append(lat[g.hit])
        f["lon"].append(lon[g.hit])
        f["scale"].append((g.range_km.astype(np.float64) * angle)[g.hit])
        f["pad"] = max(f["pad"], float(d_lat), float(d_lon))
    radius = float(max(geo.radii_km))
    km_per_deg = np.radians(1.0) * radius
    grids = {}
    for name, f in found.items():
        scale = float(np.median(np.concatenate(f["scale"])))
        res = max(scale / cells_per_pixel / km_per_deg, 1e-4)
        grids[name] = grid_covering(np.concatenate(f["lat"]), np.concatenate(f["lon"]), res,
                                    pad_deg=f["pad"] + PLAN_PAD_CELLS * res)
    return grids


class MapSums:
    """Per-cell counts and sums of one filter's maps on a fixed grid, added framelet by framelet.

    Storage is sparse: only the cells a value fell in are held (sorted global cell indices ``row * cols +
    col`` with their counts and sums). The grid is a bounding box, mostly empty, and towards the limb the
    pixels are sparser than the cells, so a dense grid (or dense tiles) would hold 4 to 5 times more cells
    than are filled.

    Compact layout (:data:`BYTES_PER_CELL` = 28 B per filled cell, was 56): cell indices int32 (int64 only
    for grids of 2**31 cells or more), counts uint16 (a field is widened to int32 before a count would pass
    65535), sums float32. A framelet's values are summed per cell in float64 (``numpy.bincount``) and that
    sum is added to the float32 store once, so a cell's sum carries one float32 rounding (relative
    2**-24) per framelet that reached it, not per pixel: with all values of one sign (I/F, sigma^2, albedo of
    lit pixels) a cell mean is within ``framelets x 2**-24`` (relative) of the float64 mean, far inside the
    map statistics' tolerances (:data:`SUM_RELATIVE_ERROR` per framelet).

    Attributes
    ----------
    grid : the grid.
    outside_reconstructed, outside_truth : finite values whose position fell outside the grid (not binned).
    """

    FIELDS = ("iof", "var", "albedo", "truth")
    SUM_DTYPE = np.float32
    SUM_RELATIVE_ERROR = 2.0 ** -24          # float32 rounding of one framelet's float64 sum (unit roundoff)
    COUNT_DTYPE = np.uint16
    BYTES_PER_CELL = 4 + len(FIELDS) * (2 + 4)   # int32 index, uint16 count and float32 sum per field

    def __init__(self, grid: MapGrid):
        self.grid = grid
        index = np.int32 if grid.rows * grid.cols < 2 ** 31 else np.int64
        self._cells = np.zeros(0, dtype=index)
        self._count = {k: np.zeros(0, dtype=self.COUNT_DTYPE) for k in self.FIELDS}
        self._sum = {k: np.zeros(0, dtype=self.SUM_DTYPE) for k in self.FIELDS}
        self.outside_reconstructed = 0
        self.outside_truth = 0

    @property
    def cell_count(self) -> int:
        """Cells holding at least one value."""
        return int(self._cells.size)

    @property
    def nbytes(self) -> int:
        return self._cells.nbytes + sum(a.nbytes for d in (self._count, self._sum) for a in d.values())

    def _bin(self, lat, lon, fields: dict) -> int:
        """Add each ``fields[name]`` (values at ``lat``, ``lon``) to its field; returns how many points with a
        finite value in the first field fell outside the grid."""
        g = self.grid
        row, col = g.lonlat_to_cell(lat, lon)
        placed = np.isfinite(row) & np.isfinite(col)
        r = np.floor(np.where(placed, row, -1.0)).astype(np.int64)
        c = np.floor(np.where(placed, col, -1.0)).astype(np.int64)
        inside = placed & (r >= 0) & (r < g.rows) & (c >= 0) & (c < g.cols)
        first = np.asarray(next(iter(fields.values())), dtype=np.float64)
        outside = int(np.sum(placed & ~inside & np.isfinite(first)))
        cell = (r * g.cols + c)[inside]
        values = {k: np.asarray(v, dtype=np.float64)[inside] for k, v in fields.items()}
        ok = {k: np.isfinite(v) for k, v in values.items()}
        any_ok = np.logical_or.reduce(list(ok.values()))
        if not any_ok.any():
            return outside
        cells, position = np.unique(cell[any_ok], return_inverse=True)
        where = self._insert(cells)
        for k, v in values.items():
            use = ok[k][any_ok]
            added = np.bincount(position[use], minlength=cells.size)
            total = self._count[k][where] + added
            if total.max(initial=0) > np.iinfo(self._count[k].dtype).max:
                self._count[k] = self._count[k].astype(np.int32)
            self._count[k][where] = total
            sums = np.bincount(position[use], weights=v[any_ok][use], minlength=cells.size)
            self._sum[k][where] = self._sum[k][where] + sums       # float64 addition, one float32 rounding
        return outside

    def _insert(self, cells: np.ndarray) -> np.ndarray:
        """Storage positions of the sorted unique ``cells``, inserting those not held yet (zero sums)."""
        at = np.searchsorted(self._cells, cells)
        held = at < self._cells.size
        held[held] = self._cells[at[held]] == cells[held]
        if not held.all():
            new = cells[~held].astype(self._cells.dtype)
            slots = np.searchsorted(self._cells, new)
            self._cells = np.insert(self._cells, slots, new)
            for k in self.FIELDS:
                self._count[k] = np.insert(self._count[k], slots, 0)
                self._sum[k] = np.insert(self._sum[k], slots, 0.0)
            at = np.searchsorted(self._cells, cells)
        return at

    def add_reconstruction(self, lat, lon, iof, iof_sigma, albedo) -> None:
        """The reconstructed I/F, its predicted sigma and albedo of pixels at their reconstructed positions."""
        self.outside_reconstructed += self._bin(lat, lon, {
            "iof": iof, "var": np.asarray(iof_sigma, dtype=np.float64) ** 2, "albedo": albedo})

    def add_truth(self, lat, lon, iof) -> None:
        """The truth I/F of pixels at their true positions."""
        self.outside_truth += self._bin(lat, lon, {"truth": iof})

    def cells(self, start: int = 0, stop: int | None = None) -> CellMaps:
        """The map values (float64) of the cells held at storage positions ``start .. stop`` (all by default;
        NaN where a map has no pixel)."""
        part = slice(start, stop)
        count = {k: self._count[k][part].astype(np.float64) for k in self.FIELDS}
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = {k: np.where(count[k] > 0, self._sum[k][part] / count[k], np.nan) for k in self.FIELDS}
            noise = np.sqrt(mean["var"] / count["iof"])
        row, col = np.divmod(self._cells[part].astype(np.int64), self.grid.cols)
        return CellMaps(grid=self.grid, row=row, col=col, recon=mean["iof"], truth=mean["truth"], noise=noise,
                        albedo=mean["albedo"])

    def iter_cells(self, chunk: int = CELL_CHUNK):
        """:meth:`cells` in storage order, ``chunk`` cells at a time (bounded memory for the statistics)."""
        for start in range(0, self.cell_count, chunk):
            yield self.cells(start, start + chunk)


@dataclass(frozen=True)
class CellMaps:
    """Map values of a set of cells of ``grid`` (1-D arrays, one entry per cell ``(row, col)``), the same as
    :class:`~simulator.validate.compare.IofMaps` holds for every cell."""

    grid: MapGrid
    row: np.ndarray
    col: np.ndarray
    recon: np.ndarray
    truth: np.ndarray
    noise: np.ndarray
    albedo: np.ndarray

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Latitude and west longitude (deg, lon in [0, 360)) of the cells' centres, as ``MapGrid.centres``."""
        g = self.grid
        lat = g.lat_max_deg - (self.row + 0.5) * g.dlat_deg
        lon = np.mod(g.lon_min_deg + (self.col + 0.5) * g.dlon_deg, 360.0)
        return lat, lon

    def dense(self) -> IofMaps:
        """The (rows, cols) maps of the whole grid (NaN in cells not held)."""
        out = {}
        for name in ("recon", "truth", "noise", "albedo"):
            m = np.full(self.grid.shape, np.nan)
            m[self.row, self.col] = getattr(self, name)
            out[name] = m
        return IofMaps(grid=self.grid, **out)

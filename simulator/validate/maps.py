"""Equirectangular maps: planetographic latitude x System III west longitude, built by binning pixels.

Grid convention (the same as ``scenes`` truth maps): row 0 is the northern edge (``lat_max``), latitude
falls down the rows; column 0 is the ``lon_min`` edge and west longitude grows to the right. Cell
``(r, c)`` covers ``lat in [lat_max - (r+1) d, lat_max - r d)`` and ``lon_w in [lon_min + c d,
lon_min + (c+1) d)``; its centre is half a cell in. A longitude range may cross 0 deg (``lon_min`` 350,
``lon_max`` 370 covers 350..360..10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.errors import SimulatorError


class MapError(SimulatorError):
    """A map grid or a map file does not describe a valid equirectangular map."""


def parse_bounds(text: str) -> tuple[float, float, float, float]:
    """``"LAT_MIN,LAT_MAX,LON_MIN,LON_MAX"`` (degrees) -> a tuple, checked."""
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise MapError(f"bounds {text!r} must be four numbers LAT_MIN,LAT_MAX,LON_MIN,LON_MAX in degrees")
    return values  # type: ignore[return-value]


@dataclass(frozen=True)
class MapGrid:
    """An equirectangular grid.

    Attributes
    ----------
    lat_min_deg, lat_max_deg : planetographic latitude range, -90 <= min < max <= 90.
    lon_min_deg, lon_max_deg : west longitude range, 0 <= min < 360, min < max <= min + 360.
    rows, cols : map size in cells.
    """

    lat_min_deg: float
    lat_max_deg: float
    lon_min_deg: float
    lon_max_deg: float
    rows: int
    cols: int

    def __post_init__(self) -> None:
        if not (-90.0 <= self.lat_min_deg < self.lat_max_deg <= 90.0):
            raise MapError(f"latitude bounds {self.lat_min_deg}, {self.lat_max_deg} must satisfy "
                           "-90 <= LAT_MIN < LAT_MAX <= 90")
        if not (0.0 <= self.lon_min_deg < 360.0 and self.lon_min_deg < self.lon_max_deg <= self.lon_min_deg + 360.0):
            raise MapError(f"longitude bounds {self.lon_min_deg}, {self.lon_max_deg} must satisfy "
                           "0 <= LON_MIN < 360 and LON_MIN < LON_MAX <= LON_MIN + 360 (west longitude)")
        if int(self.rows) < 2 or int(self.cols) < 2:
            raise MapError(f"a map needs at least 2 x 2 cells; got {self.rows} x {self.cols}")

    @classmethod
    def from_bounds(cls, bounds, resolution_deg: float) -> "MapGrid":
        """A grid covering ``bounds`` (lat_min, lat_max, lon_min, lon_max) with cells of ``resolution_deg``."""
        lat0, lat1, lon0, lon1 = (float(b) for b in bounds)
        if not (resolution_deg > 0):
            raise MapError(f"map resolution {resolution_deg!r} deg must be positive")
        rows = max(2, int(round((lat1 - lat0) / resolution_deg)))
        cols = max(2, int(round((lon1 - lon0) / resolution_deg)))
        return cls(lat0, lat1, lon0, lon1, rows, cols)

    @property
    def dlat_deg(self) -> float:
        """Cell height (deg)."""
        return (self.lat_max_deg - self.lat_min_deg) / self.rows

    @property
    def dlon_deg(self) -> float:
        """Cell width (deg)."""
        return (self.lon_max_deg - self.lon_min_deg) / self.cols

    @property
    def shape(self) -> tuple[int, int]:
        return int(self.rows), int(self.cols)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, cols) arrays of the cell centres' latitude and west longitude (deg, lon in [0, 360))."""
        lat = self.lat_max_deg - (np.arange(self.rows) + 0.5) * self.dlat_deg
        lon = np.mod(self.lon_min_deg + (np.arange(self.cols) + 0.5) * self.dlon_deg, 360.0)
        return np.meshgrid(lat, lon, indexing="ij")

    def lonlat_to_cell(self, lat_deg, lon_w_deg) -> tuple[np.ndarray, np.ndarray]:
        """Continuous (row, col) cell coordinates of points (cell centres at integer + 0.5)."""
        row = (self.lat_max_deg - np.asarray(lat_deg, dtype=np.float64)) / self.dlat_deg
        col = np.mod(np.asarray(lon_w_deg, dtype=np.float64) - self.lon_min_deg, 360.0) / self.dlon_deg
        return row, col

    def bin_values(self, lat_deg, lon_w_deg, values, weights=None) -> tuple[np.ndarray, np.ndarray]:
        """Mean of ``values`` per cell (NaN for empty cells) and the number of values in each.

        Parameters
        ----------
        lat_deg, lon_w_deg, values : arrays of one shape (NaN entries are skipped).
        weights : optional array of that shape (e.g. inverse variances).

        Returns
        -------
        mean : (rows, cols) float64; count : (rows, cols) int64.
        """
        row, col = self.lonlat_to_cell(lat_deg, lon_w_deg)
        v = np.asarray(values, dtype=np.float64)
        w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=np.float64)
        ok = np.isfinite(row) & np.isfinite(col) & np.isfinite(v) & np.isfinite(w)
        r = np.floor(row[ok]).astype(np.int64)
        c = np.floor(col[ok]).astype(np.int64)
        inside = (r >= 0) & (r < self.rows) & (c >= 0) & (c < self.cols)
        index = r[inside] * self.cols + c[inside]
        size = self.rows * self.cols
        wsum = np.bincount(index, weights=w[ok][inside], minlength=size)
        vsum = np.bincount(index, weights=(w * v)[ok][inside], minlength=size)
        count = np.bincount(index, minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(wsum > 0, vsum / wsum, np.nan)
        return mean.reshape(self.shape), count.reshape(self.shape)

    def km_per_deg(self, radius_km: float) -> tuple[float, float]:
        """Approximate (north-south, east-west at the grid's middle latitude) km per degree."""
        mid = np.radians(0.5 * (self.lat_min_deg + self.lat_max_deg))
        k = np.radians(1.0) * radius_km
        return k, k * float(np.cos(mid))

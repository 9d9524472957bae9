"""Appearances read from images or given as constants: a user's equirectangular map, a uniform body.

Map convention (the same as the truth maps this package writes, so a truth map reads back unchanged):

* equirectangular, ``H x W`` pixels with ``W == 2 H``;
* rows: planetographic latitude, **+90 at the top row**; row ``i`` has its centre at
  ``lat = 90 - (i + 0.5) * 180 / H``;
* columns: System III **west** longitude, **0 at the left edge, increasing to the right**; column ``j`` has
  its centre at ``lon_w = (j + 0.5) * 360 / W``;
* values: normal albedo = pixel / 255 (8-bit) or / 65535 (16-bit), times ``scale``;
* files: PNG or TIFF, grey (one per filter) or RGB (its R, G, B channels are RED, GREEN, BLUE). A filter
  without a map (METHANE with an RGB map) gets the uniform ``fallback`` albedo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scenes.errors import SceneError
from scenes.filters import FILTERS, check_filter

# Fallback METHANE normal albedo for maps without a METHANE channel: Karkoschka's 890 nm geometric albedo
# 0.045 (facts.md) divided by the zero-phase disk factor 2/(2k+1) of Minnaert k = 0.6 (scenes.photometry).
METHANE_FALLBACK_ALBEDO = 0.045 * (2.0 * 0.6 + 1.0) / 2.0


def read_image(path) -> np.ndarray:
    """Read a PNG/TIFF as float64 ``(H, W)`` or ``(H, W, 3)`` in [0, 1]; :class:`SceneError` if unreadable."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            data = np.asarray(image)
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise SceneError(f"map {str(path)!r} could not be read as a PNG or TIFF image ({exc})") from None
    if mode in ("RGBA", "LA"):
        data = data[..., :-1] if mode == "RGBA" else data[..., 0]
    if data.dtype == np.uint8 or mode in ("L", "RGB", "P"):
        scale = 255.0
    elif data.dtype in (np.uint16, np.int32, np.dtype(">u2")) or mode.startswith("I;16") or mode == "I":
        scale = 65535.0
    else:
        raise SceneError(f"map {str(path)!r} has pixel mode {mode}; expected 8- or 16-bit grey or RGB")
    return np.asarray(data, dtype=np.float64) / scale


def _check_shape(path, data: np.ndarray) -> None:
    height, width = data.shape[:2]
    if data.ndim not in (2, 3) or width != 2 * height or height < 2:
        raise SceneError(f"map {str(path)!r} is {width} x {height} pixels; expected an equirectangular map "
                         "twice as wide as tall (west longitude 0..360 across, latitude +90..-90 down)")


@dataclass(frozen=True)
class MapAppearance:
    """Normal albedo sampled bilinearly (longitude wraps) from equirectangular maps, one per filter.

    Use :meth:`from_config` to read files; ``maps`` holds ``(H, W)`` float arrays of normal albedo.
    """

    maps: dict
    fallback: dict = field(default_factory=lambda: {"METHANE": METHANE_FALLBACK_ALBEDO})

    @classmethod
    def from_config(cls, map_path, scale: float = 1.0) -> "MapAppearance":
        """Read ``map_path``: one RGB/grey image path, or a dict ``{filter: path}`` of grey images."""
        maps: dict[str, np.ndarray] = {}
        if isinstance(map_path, dict):
            for name, path in map_path.items():
                data = read_image(path)
                _check_shape(path, data)
                maps[check_filter(name)] = (data.mean(axis=2) if data.ndim == 3 else data) * float(scale)
        elif isinstance(map_path, (str, Path)):
            data = read_image(map_path)
            _check_shape(map_path, data)
            if data.ndim == 3:
                for channel, name in enumerate(("RED", "GREEN", "BLUE")):
                    maps[name] = data[..., channel] * float(scale)
            else:
                for name in ("BLUE", "GREEN", "RED"):
                    maps[name] = data * float(scale)
        else:
            raise SceneError(f"map_path {map_path!r} must be a file path or a table of filter = path")
        return cls(maps)

    def normal_albedo(self, filter_name: str, lat_pg, lon_w, footprint_km=None) -> np.ndarray:
        """Normal albedo ``(N,)`` at planetographic latitude / west longitude (deg), bilinear, wrapping."""
        name = check_filter(filter_name)
        lat = np.atleast_1d(np.asarray(lat_pg, dtype=np.float64)).ravel()
        lon = np.atleast_1d(np.asarray(lon_w, dtype=np.float64)).ravel()
        if name not in self.maps:
            return np.full(np.broadcast(lat, lon).shape, self.fallback.get(name, np.nan))
        return sample_equirectangular(self.maps[name], lat, lon)


def sample_equirectangular(image: np.ndarray, lat_pg, lon_w) -> np.ndarray:
    """Bilinear sample of an ``(H, W)`` map in the module's convention at (lat_pg, lon_w) degrees."""
    height, width = image.shape
    row = (90.0 - np.asarray(lat_pg)) * height / 180.0 - 0.5
    col = np.mod(np.asarray(lon_w), 360.0) * width / 360.0 - 0.5
    row = np.clip(row, 0.0, height - 1.0)
    r0 = np.minimum(np.floor(row).astype(np.intp), height - 2)
    c0f = np.floor(col)
    fr, fc = row - r0, col - c0f
    c0 = np.mod(c0f.astype(np.intp), width)
    c1 = np.mod(c0 + 1, width)
    top = image[r0, c0] * (1 - fc) + image[r0, c1] * fc
    bottom = image[r0 + 1, c0] * (1 - fc) + image[r0 + 1, c1] * fc
    return top * (1 - fr) + bottom * fr


@dataclass(frozen=True)
class UniformAppearance:
    """The same normal albedo everywhere, per filter (e.g. a moon given as an ellipsoid)."""

    albedo: dict = field(default_factory=lambda: {name: 0.5 for name in FILTERS})

    def __post_init__(self) -> None:
        values = {check_filter(k): float(v) for k, v in dict(self.albedo).items()}
        for name in FILTERS:
            values.setdefault(name, float(np.mean(list(values.values()))) if values else 0.5)
        object.__setattr__(self, "albedo", values)

    def normal_albedo(self, filter_name: str, lat_pg, lon_w, footprint_km=None) -> np.ndarray:
        """Constant normal albedo ``(N,)``."""
        lat = np.atleast_1d(np.asarray(lat_pg, dtype=np.float64)).ravel()
        return np.full(lat.shape, self.albedo[check_filter(filter_name)])

"""Mission-like maps: the perspective disk view the mission site's per-filter maps are, of a product or as read.

The mission site's per-filter maps of a JunoCam image (e.g. JNCE_2021052_32C00054's ``-blue/-green/-red.png``,
public test data of kmgill/junocam_processing) are, as measured in issue #13's ninth round (README "What the
mission's maps hold"; ``benchmarks.map_gradient``, ``benchmarks.map_encoding``):

* the camera's view from the spacecraft at the image's START_TIME, north up (Jupiter's north projected on the
  sky), 1,600 x 1,600 px with the limb a 799 px circle (``MAP_SHAPE``, ``MAP_LIMB_PX``), ~50 km/px at the
  sub-spacecraft point of the PJ32 image, not an 89.5 km/px orthographic map;
* 8-bit grey holding the raw SQROOT codes (the histogram steps at the table's breakpoints), not linear DN.

This module makes such maps of a product and reads them:

* :func:`real_geometry`: the spacecraft and the Sun at a mission image's START_TIME from its metadata JSON
  alone, through the kernels of its twin (``simulator.twins``: the orbit fitted through SPACECRAFT_ALTITUDE
  and the sub-spacecraft point, PJ from the published perijove table, the synthetic Sun), as ``render --like``
  builds them; :func:`product_geometry` the same from a product's own kernels at its START_TIME;
* :func:`product_maps`: a product's camera pixels put into such a map (:func:`camera_pixels_to_map`, the one
  place where camera pixels go into map pixels: each into the map pixel its surface point falls in, holes
  filled from neighbours; how MSSS resamples is not published, an assumption);
* :func:`trace_map`: the inverse, every map pixel traced to Jupiter (a sphere of the equatorial radius: the
  map's limb is a circle), for the figures of :mod:`simulator.realism.map_figures`;
* :func:`load_map_set`: a folder (or files) of mission maps ``*-blue.png``, ``*-green.png``, ``*-red.png`` and
  the metadata JSON, as ``junocam-sim compare`` takes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import ProductError

JUPITER_EQUATORIAL_RADIUS_KM = 71492.0   # facts.md "Jupiter" (pck00010); the real map's limb is a circle
MAP_SHAPE = (1600, 1600)   # the real PJ32 maps (benchmarks.map_texture: limb a 799 px circle centred)
MAP_LIMB_PX = 799.0
SUBPIXELS = ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))   # traced points per map pixel
MAP_FILTERS = ("BLUE", "GREEN", "RED")   # the mission site's per-filter maps
LIMB_ROW_STEP = 20                       # rows sampled for the limb fit
LIMB_FRACTION = 0.05                     # the disk for the limb fit: above this fraction of the lit median
SURFACES = ("ellipsoid", "sphere")
# Where compare draws a product's pixels in its mission-like map by default: on the sphere. The mission's PJ32 maps'
# lit limb is a circle of 798.4-799.7 px from position angle 195 to 45 deg (measured on the GREEN map), where
# Jupiter's ellipsoid seen from the twin's position has its limb at 746-799 px (spiceypy.edlimb): the maps are
# drawn on a sphere (an inference; the mission's drawing is not published). "ellipsoid" stays an option.
MISSION_MAP_SURFACE = "sphere"
FILL_RADIUS_PX = 2                       # empty map pixels filled from camera pixels up to this far (assumption)
METADATA_KEYS = ("START_TIME", "ORBIT_NUMBER", "SPACECRAFT_ALTITUDE", "SUB_SPACECRAFT_LATITUDE",
                 "SUB_SPACECRAFT_LONGITUDE")   # what real_geometry reads


def _number(value) -> float:
    """A metadata number, with or without its ``<unit>`` suffix (``"66525.5 <km>"``)."""
    return float(str(value).split("<")[0])


def read_metadata(path) -> dict:
    """A mission metadata JSON as a dict; ProductError naming the file when unreadable or missing a key."""
    path = Path(path)
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProductError(f"metadata {str(path)!r} is not readable JSON ({exc.__class__.__name__}); expected "
                           "a mission *-Metadata.json") from None
    missing = [k for k in METADATA_KEYS if not isinstance(meta, dict) or k not in meta]
    if missing:
        raise ProductError(f"metadata {str(path)!r} lacks {', '.join(missing)}; expected a mission "
                           "*-Metadata.json with the image's time, orbit and sub-spacecraft point")
    try:
        for k in METADATA_KEYS[1:]:
            _number(meta[k])
    except ValueError:
        raise ProductError(f"metadata {str(path)!r}: {k} is {meta[k]!r}; expected a number") from None
    return meta


def real_geometry(metadata_path, cache_dir=None) -> dict:
    """Spacecraft position (km) and Sun direction (unit) in IAU_JUPITER at the image's START_TIME, from the
    kernels of its twin (orbit fitted to the metadata; ``simulator.twins``), ``cache_dir`` the kernel cache."""
    from simulator.kernelset import kernel_set_for
    from simulator.scenario import load_scenario
    from simulator.spice import KernelPool
    from simulator.twins.orbit_fit import fit_orbit
    from simulator.twins.perijoves import perijove_for

    meta = read_metadata(metadata_path)
    start = str(meta["START_TIME"])
    pj, _ = perijove_for(start, int(_number(meta["ORBIT_NUMBER"])))
    fit = fit_orbit(start, _number(meta["SPACECRAFT_ALTITUDE"]), _number(meta["SUB_SPACECRAFT_LATITUDE"]),
                    _number(meta["SUB_SPACECRAFT_LONGITUDE"]), pj.utc, pj.period_days, 126686534.0)
    scenario = load_scenario("default").replace(orbit=fit.orbit, imaging={"start_utc": start, "frames": 1})
    mk = kernel_set_for(scenario, cache_dir)
    with KernelPool([str(mk)]):
        sc, sun = _positions(start)
    return {"spacecraft_km": sc, "sun": sun / np.linalg.norm(sun), "start_utc": start, "orbit": fit.orbit}


def _positions(utc: str) -> tuple[np.ndarray, np.ndarray]:
    """(Juno, Sun) positions from Jupiter in IAU_JUPITER (km, LT+S) at ``utc``; kernels loaded by the caller."""
    import spiceypy

    et = spiceypy.str2et(utc)
    sc = np.asarray(spiceypy.spkpos("JUNO", et, "IAU_JUPITER", "LT+S", "JUPITER")[0])
    sun = np.asarray(spiceypy.spkpos("SUN", et, "IAU_JUPITER", "LT+S", "JUPITER")[0])
    return sc, sun


def product_geometry(inputs) -> dict:
    """:func:`real_geometry`'s dict for a product (``colourview.product_inputs``) from its own kernels at its
    START_TIME (the time the mission's maps are drawn for)."""
    from simulator.spice import KernelPool

    start = inputs.product.layout.start_utc
    with KernelPool([str(inputs.metakernel)]):
        sc, sun = _positions(start)
    return {"spacecraft_km": sc, "sun": sun / np.linalg.norm(sun), "start_utc": start}


def view_basis(spacecraft_km: np.ndarray, turn_deg: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(v, right, up) unit vectors of a disk map seen from ``spacecraft_km`` (body-fixed km): ``v`` towards the
    observer, ``up`` Jupiter's north projected on the sky turned by ``turn_deg`` about ``v``, ``right`` = up x v."""
    v = spacecraft_km / np.linalg.norm(spacecraft_km)
    north = np.array([0.0, 0.0, 1.0]) - v[2] * v
    north /= np.linalg.norm(north)
    t = np.radians(turn_deg)
    up = np.cos(t) * north + np.sin(t) * np.cross(north, v)
    return v, np.cross(up, v), up


def limb_tangent(spacecraft_km: np.ndarray) -> float:
    """Tangent of the limb's angle from the disk centre seen from ``spacecraft_km`` (sphere of the equatorial
    radius)."""
    dist = np.linalg.norm(spacecraft_km) / JUPITER_EQUATORIAL_RADIUS_KM
    return 1.0 / np.sqrt(dist * dist - 1.0)


def trace_map(shape, circle, spacecraft_km, perspective: bool, turn_deg: float = 0.0, stride: int = 1,
              offset=(0.5, 0.5)):
    """Surface points (km), hit mask and cos(emission) of a disk map's pixels.

    Parameters
    ----------
    shape : (rows, cols) of the map. circle : (cx, cy, radius) of its limb in pixels.
    spacecraft_km : (3,) body-fixed position of the observer. offset : (x, y) of the traced point inside
        each pixel (0.5, 0.5 = its centre).
    perspective : the map is the view from ``spacecraft_km`` (else an orthographic view of the
        sub-spacecraft hemisphere). ``turn_deg``: the map's north turned by this about the view axis.

    Returns
    -------
    points : (rows/stride, cols/stride, 3) km. hit : bool. mu : cos(emission).
    """
    yy, xx = np.mgrid[0:shape[0]:stride, 0:shape[1]:stride]
    return trace_pixels(yy, xx, circle, spacecraft_km, perspective, turn_deg, offset)


def trace_pixels(rows, cols, circle, spacecraft_km, perspective: bool = True, turn_deg: float = 0.0,
                 offset=(0.5, 0.5)):
    """:func:`trace_map` of the map pixels at ``rows``, ``cols`` (integer arrays of any one shape)."""
    cx, cy, radius_px = circle
    r_km = JUPITER_EQUATORIAL_RADIUS_KM
    v, right, up = view_basis(spacecraft_km, turn_deg)
    x = (np.asarray(cols) + offset[0] - cx) / radius_px
    y = -(np.asarray(rows) + offset[1] - cy) / radius_px
    if perspective:
        dist = np.linalg.norm(spacecraft_km) / r_km
        d = -v + limb_tangent(spacecraft_km) * (x[..., None] * right + y[..., None] * up)
        d /= np.linalg.norm(d, axis=-1, keepdims=True)
        o = dist * v
        b = d @ o
        disc = b * b - (o @ o - 1.0)
        hit = disc > 0
        p = o + (-b - np.sqrt(np.clip(disc, 0.0, None)))[..., None] * d
        mu = -(p * d).sum(axis=-1)
    else:
        z = np.sqrt(np.clip(1.0 - x * x - y * y, 0.0, None))
        hit = x * x + y * y < 1.0
        p = x[..., None] * right + y[..., None] * up + z[..., None] * v
        mu = z
    return p * r_km, hit, mu


def perspective_pixels(points: np.ndarray, spacecraft_km: np.ndarray, shape=MAP_SHAPE,
                       limb_px: float = MAP_LIMB_PX) -> tuple[np.ndarray, np.ndarray]:
    """(col, row) map coordinates (continuous, pixel corners at integers) of surface points (N, 3) km seen from
    ``spacecraft_km``: the inverse of :func:`trace_map` (perspective) with the limb circle centred, radius
    ``limb_px``."""
    v, right, up = view_basis(spacecraft_km)
    tan_limb = limb_tangent(spacecraft_km)
    d = points - spacecraft_km
    depth = -(d @ v)
    x = (d @ right) / depth / tan_limb
    y = (d @ up) / depth / tan_limb
    return shape[1] / 2.0 + x * limb_px, shape[0] / 2.0 - y * limb_px


def visible(points: np.ndarray, spacecraft_km: np.ndarray, radii_km: np.ndarray) -> np.ndarray:
    """(N,) bool: surface points (N, 3) km of the ellipsoid ``radii_km`` facing ``spacecraft_km`` (emission
    < 90 deg by the ellipsoid's normal)."""
    return ((spacecraft_km - points) * (points / radii_km ** 2)).sum(axis=1) > 0


def camera_pixels_to_map(col: np.ndarray, row: np.ndarray, values: np.ndarray, shape=MAP_SHAPE) -> np.ndarray:
    """Camera pixels put into map pixels: each into the map pixel its (col, row) falls in, the mean per map
    pixel, holes filled from neighbours (``colourview.grid_average``, up to ``FILL_RADIUS_PX``); 0 where no
    pixel fell (sky). Worked on the covered box plus a margin (the filling reaches no further).

    Parameters
    ----------
    col, row : (N,) continuous map coordinates (:func:`perspective_pixels`).
    values : (K, N) the values to map (K maps at once).

    Returns
    -------
    maps : (K, rows, cols) float64.
    """
    from simulator.products.colourview import grid_average

    inside = (col >= 0) & (col < shape[1]) & (row >= 0) & (row < shape[0])
    out = np.zeros((len(values),) + tuple(shape))
    if not inside.any():
        return out
    c, r = col[inside], row[inside]
    m = FILL_RADIUS_PX + 2
    c0, c1 = max(int(c.min()) - m, 0), min(int(c.max()) + m + 1, shape[1])
    r0, r1 = max(int(r.min()) - m, 0), min(int(r.max()) + m + 1, shape[0])
    for k, v in enumerate(values):
        # rows from the top = largest y: y = r1 - row
        mean, seen = grid_average(c - c0, r1 - r, np.asarray(v)[inside], np.zeros(c.size, np.int64), 1, 1.0,
                                  (0.0, float(c1 - c0), 0.0, float(r1 - r0)), FILL_RADIUS_PX)
        out[k, r0:r1, c0:c1] = np.where(seen[0], mean[0], 0.0)
    return out


def _splat_to_map(col, row, values, shape, kind: str, width: float, acc: dict) -> np.ndarray:
    """(K, rows, cols) maps of ``values`` (K, N) interpolated by ``resample.splat`` (``acc``: the framelets'
    ``to_source`` and ``group``), holes filled as the quicklook fills them, 0 beyond one pixel of the covered
    area (sky)."""
    from scipy import ndimage

    from simulator.products.quicklook import _fill_holes
    from simulator.realism.resample import splat

    inside = (col >= 0) & (col < shape[1]) & (row >= 0) & (row < shape[0])
    means, weight = splat(col[inside], row[inside], values[:, inside], shape, kind, np.stack(acc["to_source"]),
                          np.concatenate(acc["group"])[inside], width)
    covered = ndimage.binary_dilation(weight > 0)
    return np.stack([np.where(covered, _fill_holes(m, (weight > 0).astype(np.float64), FILL_RADIUS_PX)[0], 0.0)
                     for m in means])


def product_maps(folder, spacecraft_km: np.ndarray, shape=MAP_SHAPE, limb_px: float = MAP_LIMB_PX,
                 metakernel=None, inputs=None, names=("codes", "dn", "rawdn"), surface: str = "ellipsoid",
                 resampler: str = "average") -> dict:
    """{filter: {"codes", "dn", "rawdn"}} (rows, cols) float64 maps of a product's camera pixels seen from
    ``spacecraft_km`` (north up, limb a ``limb_px`` circle centred).

    ``codes``: mean raw code per map pixel, rounded (0 = sky; 8-bit products 1..255); ``dn``: mean calibrated
    DN (``iter_projected``'s values: decompanded, dark subtracted, flat divided); ``rawdn``: mean decompanded
    raw code. Saturated and unprojected pixels are left out. ``inputs``: already opened product inputs;
    ``names``: the maps to make (``compare`` needs only the codes). ``surface``: where a pixel's surface point
    is drawn: "ellipsoid" (where it is; the oblate limb then lies inside the map's circle towards the poles) or
    "sphere" (at its planetocentric direction on the sphere of the equatorial radius, the sphere the map's limb
    circle and :func:`trace_map` assume; ``SURFACES``). ``resampler``: ``resample.resampler_spec`` ("average":
    :func:`camera_pixels_to_map`; "KIND" or "KIND*WIDTH": ``resample.splat`` along each framelet's own axes,
    holes filled as the quicklook fills them).
    """
    if surface not in SURFACES:
        raise ProductError(f"map surface {surface!r} is not one of {', '.join(SURFACES)}")
    from instrument_models.junocam import decompand
    from simulator.products.colourview import iter_projected, product_inputs
    from simulator.realism.resample import local_to_source, resampler_spec
    from simulator.validate.reconstruct import SATURATED_CODE

    kind, width = resampler_spec(resampler)

    inputs = inputs if inputs is not None else product_inputs(Path(folder), metakernel)
    filters = inputs.product.layout.filters
    companding = inputs.product.layout.companding
    parts: dict = {f: {"col": [], "row": [], "codes": [], "dn": [], "rawdn": [], "to_source": [], "group": []}
                   for f in filters}
    for geo, p in iter_projected(inputs, None, 1):
        g = p.geometry
        codes = p.codes[p.lines][:, p.samples]
        use = g.hit & (codes < SATURATED_CODE) & np.isfinite(p.value)
        if not use.any():
            continue
        pts = geo.ellipsoid.surface_point(g.lat_pc[use], g.lon_w[use], kind="planetocentric")
        radii = np.asarray(geo.ellipsoid.radii_km, dtype=np.float64)
        if surface == "sphere":
            pts = pts * (JUPITER_EQUATORIAL_RADIUS_KM / np.linalg.norm(pts, axis=1, keepdims=True))
            radii = np.full(3, JUPITER_EQUATORIAL_RADIUS_KM)
        seen = visible(pts, spacecraft_km, radii)
        if not seen.all():                       # another time's view (a map set's): drop the far side
            use[use] = seen
            pts = pts[seen]
        col, row = perspective_pixels(pts, spacecraft_km, shape, limb_px)
        acc = parts[p.framelet.filter]
        acc["col"].append(col), acc["row"].append(row)
        if kind != "average":
            grid = np.full((2,) + use.shape, np.nan)
            grid[0][use], grid[1][use] = col, row
            acc["group"].append(np.full(col.size, len(acc["to_source"])))
            acc["to_source"].append(local_to_source(grid[0], grid[1]))
        acc["codes"].append(codes[use].astype(np.float64))
        acc["dn"].append(p.value[use])
        acc["rawdn"].append(decompand(codes[use], companding).astype(np.float64))
    out = {}
    for f, acc in parts.items():
        if not acc["col"]:
            continue
        values = np.stack([np.concatenate(acc[n]) for n in names])
        col, row = np.concatenate(acc["col"]), np.concatenate(acc["row"])
        if kind == "average":
            maps = dict(zip(names, camera_pixels_to_map(col, row, values, shape)))
        else:
            maps = dict(zip(names, _splat_to_map(col, row, values, shape, kind, width, acc)))
        if "codes" in maps:
            top = 255.0 if int(np.max(maps["codes"])) <= 255 else None
            maps["codes"] = np.where(maps["codes"] > 0, np.clip(np.round(maps["codes"]), 1, top), 0.0)
        out[f] = maps
    return out


def read_map(path) -> np.ndarray:
    """A grey map as float64 (PNG/TIFF through Pillow, ``.npy`` as stored); ProductError when unreadable."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".npy":
            image = np.load(path).astype(np.float64)
        else:
            from PIL import Image

            with Image.open(path) as im:
                image = np.asarray(im.convert("I"), dtype=np.float64)
    except (OSError, ValueError) as exc:
        raise ProductError(f"map {str(path)!r} is not a readable image ({exc.__class__.__name__}); expected an "
                           "8-bit grey PNG or TIFF (or a .npy array)") from None
    if image.ndim != 2 or not (image > 0).any():
        raise ProductError(f"map {str(path)!r} has shape {image.shape} and {int((image > 0).sum())} lit pixels; "
                           "expected a 2-D disk map")
    return image


def limb_circle(lit: np.ndarray) -> tuple[float, float, float]:
    """(cx, cy, radius) in pixels of the circle through the outermost lit pixel of every LIMB_ROW_STEP-th row
    (an orthographic or perspective view of a sphere: the mission's maps measure a circle to 0.6 px)."""
    pts = [(np.nonzero(lit[r])[0].max() + 0.5, r + 0.5) for r in range(0, lit.shape[0], LIMB_ROW_STEP)
           if lit[r].any()]
    if len(pts) < 3:
        raise ProductError(f"a map with {len(pts)} lit rows of every {LIMB_ROW_STEP}th has no limb circle to fit; "
                           "expected a disk map")
    p = np.asarray(pts)
    design = np.c_[p, np.ones(len(p))]
    d, e, f = np.linalg.lstsq(design, -(p ** 2).sum(axis=1), rcond=None)[0]
    cx, cy = -d / 2.0, -e / 2.0
    return float(cx), float(cy), float(np.sqrt(cx * cx + cy * cy - f))


def map_circle(image: np.ndarray) -> tuple[float, float, float]:
    """:func:`limb_circle` of a map's disk (pixels above ``LIMB_FRACTION`` of the lit median)."""
    return limb_circle(image > LIMB_FRACTION * np.median(image[image > 0]))


@dataclass(frozen=True)
class MapSet:
    """A mission map set: ``files`` {filter: path} of the per-filter maps and the ``metadata`` JSON path."""

    source: Path
    files: dict
    metadata: Path

    @property
    def companding(self) -> str:
        """The maps' code table (SAMPLE_BIT_MODE_ID; SQROOT when not given, as the mission's maps hold)."""
        try:
            meta = json.loads(self.metadata.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return "SQROOT"
        return str(meta.get("SAMPLE_BIT_MODE_ID", "SQROOT")).upper() if isinstance(meta, dict) else "SQROOT"


def is_map_set(path) -> bool:
    """Whether ``path`` looks like a mission map set (a folder holding ``*-green.png``, or such a file)."""
    path = Path(path)
    if path.is_file():
        return path.name.lower().endswith(("-blue.png", "-green.png", "-red.png"))
    return path.is_dir() and any(p.name.lower().endswith("-green.png") for p in _pngs(path))


def _pngs(folder: Path) -> list[Path]:
    return sorted(p for d in (folder, folder / "ImageSet") if d.is_dir() for p in d.glob("*.png"))


def load_map_set(path, metadata=None) -> MapSet:
    """The mission map set at ``path`` (a folder, or its ``ImageSet/``, holding ``*-blue.png``,
    ``*-green.png``, ``*-red.png`` and one ``*.json`` metadata, or ``DataSet/*.json``; or one of the map
    files, its siblings found beside it); ``metadata`` names the JSON when the folder holds none or several.
    ProductError naming what is missing."""
    path = Path(path)
    folder = path.parent if path.is_file() else path
    if not folder.is_dir():
        raise ProductError(f"map set {str(path)!r} does not exist; expected a folder of mission maps "
                           "(*-blue.png, *-green.png, *-red.png and a metadata JSON)")
    files = {}
    for f in MAP_FILTERS:
        found = [p for p in _pngs(folder) if p.name.lower().endswith(f"-{f.lower()}.png")]
        if len(found) != 1:
            raise ProductError(f"map set {str(folder)!r} holds {len(found)} '*-{f.lower()}.png' maps; expected one "
                               "per filter (BLUE, GREEN, RED)")
        files[f] = found[0]
    if metadata is None:
        roots = (folder, folder / "DataSet", folder.parent / "DataSet")
        found = sorted({p for d in roots if d.is_dir() for p in d.glob("*.json")})
        if len(found) != 1:
            raise ProductError(f"map set {str(folder)!r} holds {len(found)} metadata JSON files beside its maps; "
                               "expected one (the mission's *-Metadata.json)")
        metadata = found[0]
    read_metadata(metadata)
    return MapSet(path, files, Path(metadata))

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
* :func:`product_maps`: a product's camera pixels put into such a map as :class:`MapMaking` says (compare's
  inference of how MSSS made the real maps, each step an option: dark subtracted and flat divided before
  mapping, codes re-companded, a round kernel ~1.6 camera pixels wide; README "How compare maps a product"),
  through :func:`camera_pixels_to_map`, the one place where camera pixels go into map pixels (positions exact,
  only values interpolated; holes filled from neighbours by :func:`fill_map`);
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


CALIBRATIONS = ("dark+flat", "dark", "none")
# compare's default map making, inferred from the real PJ32 maps (README "How compare maps a product"; no
# description of MSSS's map pipeline was found): a dark was subtracted (the terminator reaches codes 2-3, below
# any bias), a flat divided (none of the flat's dust dips), and the values resampled by a round kernel about 1.6
# camera pixels wide (the high-passed neighbour correlations of the three maps, fitted over tent, B-spline and
# Gaussian kernels of several widths on our real-like product).
DEFAULT_RESAMPLER = "gauss*1.6"
DEFAULT_CALIBRATION = "dark+flat"


@dataclass(frozen=True)
class MapMaking:
    """How a product's camera pixels become a mission-like map (compare's model of MSSS's map making).

    Attributes
    ----------
    surface : where a pixel's surface point is drawn (``SURFACES``): "ellipsoid" (where it is) or "sphere"
        (its planetocentric direction on the sphere of the equatorial radius, the sphere the map's limb circle
        and :func:`trace_map` assume).
    resampler : ``resample.resampler_spec`` text: "average" (each pixel into the map pixel it falls in) or
        "KIND" / "KIND*WIDTH" (a kernel along each framelet's own axes, WIDTH camera pixels).
    calibration : what is done to each camera pixel before mapping (``CALIBRATIONS``): "dark" its dark
        subtracted in DN (the calibration frames' dark map, else the framelet's reference-column median), the
        frames' bad pixels left out, and its code re-companded; "dark+flat" also divided by the flat (the
        frames' flat, else the camera model's vignetting); "none": the raw codes as returned.
    """

    surface: str = MISSION_MAP_SURFACE
    resampler: str = DEFAULT_RESAMPLER
    calibration: str = DEFAULT_CALIBRATION

    def __post_init__(self):
        from simulator.realism.resample import resampler_spec

        if self.surface not in SURFACES:
            raise ProductError(f"map surface {self.surface!r} is not one of {', '.join(SURFACES)}")
        if self.calibration not in CALIBRATIONS:
            raise ProductError(f"map calibration {self.calibration!r} is not one of {', '.join(CALIBRATIONS)}")
        resampler_spec(self.resampler)

    def describe(self) -> str:
        """One phrase for compare's table."""
        done = {"none": "raw codes", "dark": "dark subtracted, bad pixels left out",
                "dark+flat": "dark subtracted, flat divided, bad pixels left out"}[self.calibration]
        return f"{done}; {self.resampler}; on the {self.surface}"


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


def camera_pixels_to_map(col: np.ndarray, row: np.ndarray, values: np.ndarray, shape=MAP_SHAPE,
                         kind: str = "average", width: float = 1.0, to_source=None, group=None) -> np.ndarray:
    """Camera pixels put into map pixels by ``resample.splat`` (``kind`` "average": each into the map pixel its
    (col, row) falls in, the mean per map pixel; a kernel: the kernel-weighted mean along each source grid's own
    axes, ``to_source`` and ``group`` as :func:`~simulator.realism.resample.splat` takes them), then the one
    hole-filling step (:func:`fill_map`). Only the values are interpolated: every pixel stays at its exact
    map position.

    Parameters
    ----------
    col, row : (N,) continuous map coordinates (:func:`perspective_pixels`).
    values : (K, N) the values to map (K maps at once).

    Returns
    -------
    maps : (K, rows, cols) float64, 0 where no pixel reached (sky).
    """
    from simulator.realism.resample import splat

    values = np.asarray(values, dtype=np.float64)
    inside = (col >= 0) & (col < shape[1]) & (row >= 0) & (row < shape[0])
    if not inside.any():
        return np.zeros((len(values),) + tuple(shape))
    if group is not None:
        group = np.asarray(group)[inside]
    means, weight = splat(col[inside], row[inside], values[:, inside], tuple(shape), kind, to_source, group, width)
    return fill_map(means, weight)


def fill_map(means: np.ndarray, weight: np.ndarray, fill_radius: int = FILL_RADIUS_PX) -> np.ndarray:
    """(K, rows, cols) ``means`` (weights ``weight``, 0 = no data) with their holes filled from neighbours up to
    ``fill_radius`` (``quicklook._fill_holes``: weighted box averages of growing radius, the same filling as
    ``colourview.grid_average``'s), then kept only within one pixel of data (filling closes gaps, it does not
    grow the edges); 0 elsewhere (sky)."""
    from scipy import ndimage

    from simulator.products.quicklook import _fill_holes

    covered = ndimage.binary_dilation(weight > 0)
    out = []
    for m in means:
        total, count = _fill_holes(m * weight, weight, fill_radius)
        out.append(np.where(covered & (count > 0), total / np.where(count > 0, count, 1.0), 0.0))
    return np.stack(out)


def product_maps(folder, spacecraft_km: np.ndarray, shape=MAP_SHAPE, limb_px: float = MAP_LIMB_PX,
                 metakernel=None, inputs=None, names=("codes", "dn", "rawdn"), surface: str | None = None,
                 resampler: str | None = None, making: MapMaking | None = None, frames=None) -> dict:
    """{filter: {"codes", "dn", "rawdn"}} (rows, cols) float64 maps of a product's camera pixels seen from
    ``spacecraft_km`` (north up, limb a ``limb_px`` circle centred), made as ``making`` says (:class:`MapMaking`;
    ``surface`` and ``resampler``, when given, replace its fields).

    ``codes``: the camera pixels' codes as the mission's maps hold them: with ``making.calibration`` "dark"
    each pixel's decompanded DN minus its dark (``frames``' dark map, else the framelet's reference-column
    median), companded back to a whole code (<= 0 DN: code 0), the mask's bad pixels left out; "dark+flat"
    also over the flat (``frames``' flat, else the model's vignetting); "none" the raw codes. Then resampled
    (``making.resampler``), rounded (0 = sky or no signal; 8-bit products <= 255).
    ``dn``: calibrated DN (``iter_projected``'s values: decompanded, reference-column dark subtracted, divided
    by the model's vignetting); ``rawdn``: decompanded raw codes; both resampled the same way. Saturated and
    unprojected pixels are left out. ``inputs``: already opened product inputs; ``names``: the maps to make
    (``compare`` needs only the codes); ``frames``: ``simulator.validate.frames.FrameCalibration`` (None: the
    product's own ``calibration/`` when it has one, else the model's: reference columns, no mask).
    """
    making = making if making is not None else MapMaking()
    making = MapMaking(surface if surface is not None else making.surface,
                       resampler if resampler is not None else making.resampler, making.calibration)
    from instrument_models.junocam import decompand
    from simulator.products.colourview import iter_projected, product_inputs
    from simulator.realism.resample import local_to_source, resampler_spec
    from simulator.validate.reconstruct import SATURATED_CODE

    kind, width = resampler_spec(making.resampler)
    inputs = inputs if inputs is not None else product_inputs(Path(folder), metakernel)
    layout = inputs.product.layout
    if making.calibration != "none" and frames is None:
        from simulator.validate.frames import load_frame_calibration

        frames = load_frame_calibration(inputs.root, None, layout.summing, layout.filters)
    flats = _ModelFlats(inputs)
    parts: dict = {f: {"col": [], "row": [], "to_source": [], "group": [], **{n: [] for n in names}}
                   for f in layout.filters}
    for geo, p in iter_projected(inputs, None, 1):
        g = p.geometry
        codes = p.codes[p.lines][:, p.samples]
        use = g.hit & (codes < SATURATED_CODE) & np.isfinite(p.value)
        mapped = (codes_for_map(p, codes, layout, making.calibration, frames, flats) if "codes" in names
                  else None)
        if mapped is not None:
            use &= np.isfinite(mapped)
        if not use.any():
            continue
        pts, radii = _surface_points(geo, g, use, making.surface)
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
        for n, v in (("codes", mapped), ("dn", p.value), ("rawdn", None)):
            if n in names:
                acc[n].append(v[use] if v is not None else decompand(codes[use], layout.companding).astype(float))
    out = {}
    for f, acc in parts.items():
        if not acc["col"]:
            continue
        values = np.stack([np.concatenate(acc[n]) for n in names])
        col, row = np.concatenate(acc["col"]), np.concatenate(acc["row"])
        kernel = {} if kind == "average" else {"to_source": np.stack(acc["to_source"]),
                                               "group": np.concatenate(acc["group"])}
        maps = dict(zip(names, camera_pixels_to_map(col, row, values, shape, kind, width, **kernel)))
        if "codes" in maps:
            top = 255.0 if int(np.max(maps["codes"])) <= 255 else None
            maps["codes"] = np.clip(np.round(maps["codes"]), 0, top)
        out[f] = maps
    return out


def _surface_points(geo, g, use: np.ndarray, surface: str) -> tuple[np.ndarray, np.ndarray]:
    """(N, 3) km surface points of a framelet's ``use`` pixels and the radii they lie on (``surface``:
    :class:`MapMaking`)."""
    pts = geo.ellipsoid.surface_point(g.lat_pc[use], g.lon_w[use], kind="planetocentric")
    radii = np.asarray(geo.ellipsoid.radii_km, dtype=np.float64)
    if surface == "sphere":
        pts = pts * (JUPITER_EQUATORIAL_RADIUS_KM / np.linalg.norm(pts, axis=1, keepdims=True))
        radii = np.full(3, JUPITER_EQUATORIAL_RADIUS_KM)
    return pts, radii


class _ModelFlats(dict):
    """{filter: the camera model's vignetting flat of a full framelet}, made when first asked for."""

    def __init__(self, inputs):
        super().__init__()
        self.inputs = inputs

    def __missing__(self, key):
        from simulator.products.colourview import _flat_for
        from simulator.validate.reconstruct import Reconstructor

        filter_name, shape, summing = key
        self[key] = _flat_for(Reconstructor(self.inputs).camera, filter_name, shape, summing, None)
        return self[key]


def codes_for_map(p, codes: np.ndarray, layout, calibration: str, frames, flats: _ModelFlats) -> np.ndarray:
    """(lines, samples) float codes of a projected framelet's pixels as they enter the map (:class:`MapMaking`
    ``calibration``), NaN for the frames' bad pixels."""
    if calibration == "none":
        return codes.astype(np.float64)
    companding = layout.companding
    from instrument_models.junocam import compand, decompand
    from instrument_models.junocam.electronics import DN12_MAX

    flat_map, dark_map, bad = (None, None, None) if frames is None else frames.maps(p.framelet.filter)
    if dark_map is None:
        # no dark frame: the framelet's dark reference columns (colourview.linearise's rule)
        from simulator.products.colourview import REFERENCE_COLUMNS

        level = float(np.median(decompand(p.codes[:, :max(1, REFERENCE_COLUMNS // layout.summing)], companding)))
        dark_dn = np.full(codes.shape, level)
    else:
        dark_dn = np.asarray(dark_map, dtype=np.float64)[p.lines][:, p.samples]
    dn = decompand(codes, companding).astype(np.float64) - dark_dn
    if calibration == "dark+flat":
        if flat_map is None:
            flat_map = flats[(p.framelet.filter, p.codes.shape, layout.summing)]
        flat = np.asarray(flat_map, dtype=np.float64)[p.lines][:, p.samples]
        dn = np.where(flat > 0, dn / np.where(flat > 0, flat, 1.0), np.nan)
        dn = np.where(np.isfinite(dn), dn, -1.0)
        if bad is None:
            bad = ~(np.asarray(flat_map) > 0)
    out = compand(np.clip(dn, 0.0, DN12_MAX), companding).astype(np.float64)
    if bad is not None:
        out[np.asarray(bad)[p.lines][:, p.samples]] = np.nan
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

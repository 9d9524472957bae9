"""The illumination gradient inside the texture patches, on the real PJ32 GREEN map and on a product.

``python -m benchmarks.map_gradient --real MAP.png METADATA.json`` and/or ``--product DIR`` print, for the
5,500 km patches of ``compare``'s texture figure, the plain and plane-removed std/mean, the gradient part
sqrt(plain^2 - plane-removed^2), the median fitted plane slope (relative change of the patch plane across
5,500 km) and the median solar incidence of the patches.

The real map (the mission site's per-filter map of JNCE_2021052_32C00054, test data of the public
kmgill/junocam_processing repository; read for measurement only) carries no geometry, so the geometry comes
from its metadata: the spacecraft and the Sun at START_TIME in Jupiter's body frame, from the kernels of the
image's twin (``simulator.twins``: a two-body orbit through SPACECRAFT_ALTITUDE and the sub-spacecraft point,
PJ32 from the published perijove table; the synthetic Sun). Each map pixel is traced to Jupiter (a sphere of
the equatorial radius: the map's limb is a circle) either as an orthographic view of the sub-spacecraft
hemisphere (``benchmarks.map_texture``'s reading: 71,492 km / 799 px = 89.5 km/px everywhere) or as the view
from the spacecraft (perspective, limb circle = the apparent limb). The script prints, for both and for map
rotations of -10..10 deg about the view axis, the share of lit map pixels (above 30 % of the median) that
would lie on the night side and the correlation of log brightness with a Minnaert law (k = 0.8). Measured:
the perspective view from the spacecraft, north up, puts no lit pixel on the night side (the orthographic
reading puts 5.4 % there) and correlates 0.988 with the Minnaert law (orthographic 0.95). So the map is the
camera's view, ~50 km/px at the sub-spacecraft point, not an 89.5 km/px orthographic map. The orientation is
north up (the south pole straight below the centre): turned by +-15 / 30 / 45 deg, 1.7-2.5 / 5-6 / 9-10 % of the
lit pixels would lie on the night side; three String of Pearls ovals then fall at -42.1..-42.9 deg (planetocentric).

The patches are then measured on the real map in true km, with ``compare``'s pixel rule (incidence < 70 deg,
emission < 60 deg; ``simulator.realism.measure``) and its grid (points averaged into 89.5 km map pixels on the
plane tangent at their mean point, then into 150 km cells: ``simulator.realism.texture``), and the same on a
product (``compare``'s own pixels). Plane slopes come from the same least-squares plane as the plane-removed
figure (``scenes.texture_stats``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

JUPITER_EQUATORIAL_RADIUS_KM = 71492.0   # facts.md "Jupiter" (pck00010); the real map's limb is a circle
LIT_FRACTION = 0.3                       # map pixels above this fraction of the median: lit for the view fit
MINNAERT_K = 0.8                         # brightness law the view fit correlates with (assumption)
TURNS_DEG = np.arange(-10.0, 10.5, 1.0)  # map rotations about the view axis tried by the fit
FIT_STRIDE = 8                           # every 8th map pixel for the view fit
SUBPIXELS = ((0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75))   # traced points per map pixel


def real_geometry(metadata_path: Path, cache_dir: Path | None = None) -> dict:
    """Spacecraft position and Sun direction (IAU_JUPITER, km / unit) at the image's START_TIME, from the
    kernels of its twin (orbit fitted to the metadata; ``simulator.twins.plan``)."""
    import spiceypy

    from simulator.kernelset import kernel_set_for
    from simulator.scenario import load_scenario
    from simulator.spice import KernelPool
    from simulator.twins.orbit_fit import fit_orbit
    from simulator.twins.perijoves import perijove_for

    meta = json.loads(Path(metadata_path).read_text())
    start = meta["START_TIME"]
    pj, _ = perijove_for(start, int(meta["ORBIT_NUMBER"]))
    fit = fit_orbit(start, float(meta["SPACECRAFT_ALTITUDE"].split("<")[0]),
                    float(meta["SUB_SPACECRAFT_LATITUDE"]), float(meta["SUB_SPACECRAFT_LONGITUDE"]),
                    pj.utc, pj.period_days, 126686534.0)
    scenario = load_scenario("default").replace(orbit=fit.orbit, imaging={"start_utc": start, "frames": 1})
    mk = kernel_set_for(scenario, cache_dir)
    with KernelPool([str(mk)]):
        et = spiceypy.str2et(start)
        sc = np.asarray(spiceypy.spkpos("JUNO", et, "IAU_JUPITER", "LT+S", "JUPITER")[0])
        sun = np.asarray(spiceypy.spkpos("SUN", et, "IAU_JUPITER", "LT+S", "JUPITER")[0])
    return {"spacecraft_km": sc, "sun": sun / np.linalg.norm(sun), "start_utc": start, "orbit": fit.orbit}


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
    cx, cy, radius_px = circle
    r_km = JUPITER_EQUATORIAL_RADIUS_KM
    v, right, up = view_basis(spacecraft_km, turn_deg)
    yy, xx = np.mgrid[0:shape[0]:stride, 0:shape[1]:stride]
    x = (xx + offset[0] - cx) / radius_px
    y = -(yy + offset[1] - cy) / radius_px
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


def fit_view(image, circle, geo) -> list[tuple]:
    """(view, best turn, share of lit pixels on the night side, Minnaert correlation) for both readings."""
    sub = image[::FIT_STRIDE, ::FIT_STRIDE]
    lit = sub > LIT_FRACTION * np.median(image[image > 0])
    out = []
    for perspective in (True, False):
        best = None
        for turn in TURNS_DEG:
            p, hit, mu = trace_map(image.shape, circle, geo["spacecraft_km"], perspective, turn, FIT_STRIDE)
            mu0 = (p / JUPITER_EQUATORIAL_RADIUS_KM) @ geo["sun"]
            ok = lit & hit & (mu0 > 0.02) & (mu > 0.02)
            night = 1.0 - ok.sum() / lit.sum()
            model = MINNAERT_K * np.log(mu0[ok]) + (MINNAERT_K - 1.0) * np.log(mu[ok])
            corr = float(np.corrcoef(model, np.log(sub[ok]))[0, 1])
            if best is None or (round(night, 4), -corr) < (round(best[2], 4), -best[3]):
                best = ("perspective" if perspective else "orthographic", float(turn), float(night), corr)
        out.append(best)
    return out


def photometric_exponents(values, mu0, mu) -> tuple[float, float]:
    """Least-squares (b, c) of ``values = a mu0^b mu^c`` (a Minnaert law has c = b - 1; the same law stored as
    square-root codes gives half of both, c = b - 1/2)."""
    ok = (values > 0) & (mu0 > 0) & (mu > 0)
    design = np.c_[np.ones(ok.sum()), np.log(mu0[ok]), np.log(mu[ok])]
    coef = np.linalg.lstsq(design, np.log(values[ok]), rcond=None)[0]
    return float(coef[1]), float(coef[2])


def _tiles(a: np.ndarray, n: int) -> np.ndarray:
    """(patches, n * n) non-overlapping n x n tiles of ``a`` from its upper-left corner, row-major
    (``scenes.texture_stats.patch_contrast``'s tiling)."""
    rows, cols = a.shape[0] // n, a.shape[1] // n
    return a[:rows * n, :cols * n].reshape(rows, n, cols, n).swapaxes(1, 2).reshape(rows * cols, n * n)


def patch_figures(points, values, mu0, mu, level=None) -> dict:
    """``compare``'s patch figures of surface points (km) and values, plus plane slopes, incidence and the
    Minnaert exponent of the values (``mu0``, ``mu``: cosines of incidence and emission)."""
    from scenes.texture_stats import _plane_design
    from simulator.products.colourview import tangent_plane_coordinates
    from simulator.realism import texture as tx

    x, y = tangent_plane_coordinates(points, points.mean(axis=0))
    cell = 150.0                                            # simulator.realism.measure.TEXTURE_CELL_KM
    image, filled = tx.mission_map(x, y, values, tx.MISSION_MAP_PIXEL_KM, level)
    grid, ok = tx.cell_average(image, filled, tx.MISSION_MAP_PIXEL_KM, cell)
    mu_map, _ = tx.mission_map(x, y, mu0, tx.MISSION_MAP_PIXEL_KM, None)
    mu_grid, _ = tx.cell_average(mu_map, filled, tx.MISSION_MAP_PIXEL_KM, cell)
    plain, patches = tx.patch_contrast(grid, ok, cell)
    detrended, _ = tx.patch_contrast(grid, ok, cell, detrend=True)
    n = int(round(tx.CONTRAST_PATCH_KM / cell))
    full = _tiles(ok, n).all(axis=1)                        # the patches patch_contrast measures, same tiling
    vals, mus = _tiles(grid, n)[full], _tiles(mu_grid, n)[full]
    coef, *_ = np.linalg.lstsq(_plane_design(n, n), vals.T, rcond=None)
    slope = np.hypot(coef[1], coef[2]) * n / vals.mean(axis=1)        # relative change across a patch
    inc = np.degrees(np.arccos(np.clip(mus.mean(axis=1), -1.0, 1.0)))
    return {"exponents": photometric_exponents(values, mu0, mu), "plain": plain, "detrended": detrended, "gradient": float(np.sqrt(max(plain ** 2 - detrended ** 2, 0))),
            "patches": patches, "slope_median": float(np.median(slope)), "incidence_median": float(np.median(inc)),
            "incidence_range": (float(inc.min()), float(inc.max())), "extent_km": (float(np.ptp(x)), float(np.ptp(y)))}


def real_map_figures(map_path: Path, geo: dict, perspective: bool = True, square: bool = False) -> dict:
    """``compare``'s rule (incidence < 70, emission < 60 deg) on the real map traced with ``geo``; ``square``:
    the map's values squared first (read as square-root codes, ``SQROOT``-like, made linear again)."""
    from PIL import Image

    from benchmarks.map_texture import LIMB_FRACTION, limb_circle
    from simulator.realism.measure import MAX_EMISSION_DEG, MAX_INCIDENCE_DEG

    image = np.asarray(Image.open(map_path).convert("I"), dtype=np.float64)
    circle = limb_circle(image > LIMB_FRACTION * np.median(image[image > 0]))
    values = image ** 2 if square else image
    pts, vals, mus, mues = [], [], [], []
    for offset in SUBPIXELS:        # map pixels reach ~100 km near the limb: trace 2 x 2 points per pixel
        p, hit, mu = trace_map(image.shape, circle, geo["spacecraft_km"], perspective, offset=offset)
        mu0 = (p / np.linalg.norm(p, axis=-1, keepdims=True)) @ geo["sun"]
        with np.errstate(invalid="ignore"):
            use = (hit & (image > 0) & (mu0 > np.cos(np.radians(MAX_INCIDENCE_DEG)))
                   & (mu > np.cos(np.radians(MAX_EMISSION_DEG))))
        pts.append(p[use]), vals.append(values[use]), mus.append(mu0[use]), mues.append(mu[use])
    figures = patch_figures(*(np.concatenate(a) for a in (pts, vals, mus, mues)))
    figures["views"] = fit_view(image, circle, geo)
    return figures


def product_figures(folder: Path) -> dict:
    """``compare``'s texture pixels of a product (calibrated GREEN, i < 70, e < 60 deg) and the same figures."""
    import spiceypy

    from simulator.products.colourview import product_inputs
    from simulator.realism.measure import _texture_calibration, _texture_pixels
    from simulator.realism.texture import MISSION_MAP_LEVEL
    from simulator.spice import KernelPool

    inputs = product_inputs(folder)
    lay = inputs.product.layout
    frames = _texture_calibration(inputs, None, lay)
    parts = _texture_pixels(inputs, frames if frames.source != "model" else None)
    with KernelPool([str(inputs.metakernel)]):
        et = spiceypy.str2et(lay.start_utc)
        sun = np.asarray(spiceypy.spkpos("SUN", et, "IAU_JUPITER", "LT+S", "JUPITER")[0])
        sc = np.asarray(spiceypy.spkpos("JUNO", et, "IAU_JUPITER", "LT+S", "JUPITER")[0])
    normal = parts["points"] / np.asarray([71492.0, 71492.0, 66854.0]) ** 2      # pck00010 radii
    normal /= np.linalg.norm(normal, axis=1, keepdims=True)
    mu0 = normal @ (sun / np.linalg.norm(sun))
    view = sc - parts["points"]
    mu = (normal * view).sum(axis=1) / np.linalg.norm(view, axis=1)
    return patch_figures(parts["points"], parts["value"], mu0, mu, MISSION_MAP_LEVEL)


def _print(label: str, f: dict) -> None:
    print(f"{label}: I ~ mu0^{f['exponents'][0]:.2f} mu^{f['exponents'][1]:.2f}; plain {100 * f['plain']:.2f} %, plane removed {100 * f['detrended']:.2f} %, gradient part "
          f"{100 * f['gradient']:.2f} % ({f['patches']} patches); plane slope across 5,500 km median "
          f"{100 * f['slope_median']:.1f} %; patch incidence median {f['incidence_median']:.1f} deg "
          f"({f['incidence_range'][0]:.1f}-{f['incidence_range'][1]:.1f}); area {f['extent_km'][0]:,.0f} x "
          f"{f['extent_km'][1]:,.0f} km")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.map_gradient", description=__doc__.split("\n")[0])
    parser.add_argument("--real", nargs=2, metavar=("MAP", "METADATA"), help="real GREEN map PNG and its Metadata JSON")
    parser.add_argument("--product", action="append", default=[], help="a product folder (repeatable)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="kernel cache for the twin's kernels")
    args = parser.parse_args(argv)
    if args.real:
        geo = real_geometry(Path(args.real[1]), args.cache_dir)
        for perspective, square in ((True, False), (False, False), (True, True)):
            f = real_map_figures(Path(args.real[0]), geo, perspective, square)
            if perspective and not square:
                for view, turn, night, corr in f["views"]:
                    print(f"real map read as {view} view: best turn {turn:+.0f} deg, lit pixels on the night side "
                          f"{100 * night:.1f} %, Minnaert (k = {MINNAERT_K}) correlation {corr:.3f}")
            _print(f"real map, {'perspective' if perspective else 'orthographic'} reading"
                   + (", values squared" if square else ""), f)
    for folder in args.product:
        _print(f"product {folder}", product_figures(Path(folder)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
import sys
from pathlib import Path

import numpy as np

from simulator.realism.map_figures import _tiles, patch_figures, photometric_exponents  # noqa: F401 (public here)
from simulator.realism.mission_view import (JUPITER_EQUATORIAL_RADIUS_KM, SUBPIXELS, limb_tangent,  # noqa: F401
                                            real_geometry, trace_map, view_basis)

LIT_FRACTION = 0.3                       # map pixels above this fraction of the median: lit for the view fit
MINNAERT_K = 0.8                         # brightness law the view fit correlates with (assumption)
TURNS_DEG = np.arange(-10.0, 10.5, 1.0)  # map rotations about the view axis tried by the fit
FIT_STRIDE = 8                           # every 8th map pixel for the view fit


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


def real_map_figures(map_path: Path, geo: dict, perspective: bool = True, square: bool = False) -> dict:
    """``compare``'s rule (incidence < 70, emission < 60 deg) on the real map traced with ``geo``; ``square``:
    the map's values squared first (read as square-root codes, ``SQROOT``-like, made linear again)."""
    from PIL import Image

    from simulator.realism.measure import MAX_EMISSION_DEG, MAX_INCIDENCE_DEG
    from simulator.realism.mission_view import map_circle

    image = np.asarray(Image.open(map_path).convert("I"), dtype=np.float64)
    circle = map_circle(image)
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

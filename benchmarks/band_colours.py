"""Raw band ratios per latitude: the real PJ32 maps beside products, all read through compare's mission view.

``python -m benchmarks.band_colours MAPSET [PRODUCT ...] [--cache-dir DIR] [--surface sphere]`` prints, per
5 deg band of planetographic latitude, blue/green and red/green of decompanded DN for the mission's map set
(``*-blue.png``, ``*-green.png``, ``*-red.png`` + metadata JSON, e.g. JNCE_2021052_32C00054's, public test
data of kmgill/junocam_processing, not shipped) and for each product made into maps in the real maps' geometry
exactly as ``junocam-sim compare PRODUCT MAPSET`` makes them (:mod:`simulator.realism.mission_compare`: the
twin of the metadata, each camera pixel's raw code averaged into the map pixel it falls in, decompanded).

Like for like (the photometry kept out of the colours):

* the same map pixels on every side: traced from the map (:func:`benchmarks.map_photometry.map_geometry`: a
  sphere of the equatorial radius, the real maps' limb circle), lit in all three maps of every side, at
  incidence < 70 and emission < 60 deg (``compare``'s texture rule, away from the limb and the terminator), so
  each latitude band holds the same incidence, emission and phase samples everywhere;
* ``median``: the ratio of the band's per-filter medians (``compare``'s disk-median definition per band);
* ``fit``: the ratio at one common geometry, from ``log(X / GREEN) = c(band) + beta log mu0 + gamma log mu``
  fitted over all the pixels (one ``c`` per band, ``beta``, ``gamma`` per side and ratio): how the two bands'
  photometry differs is taken out, so a change of the limb law (or a band-dependent one that differs from
  Jupiter's) does not read as a colour. ``c`` is evaluated at the pixels' median ``mu0``, ``mu``. The
  separation rests on the spread of incidence inside each band (the image sees ~90 deg of longitude at each
  latitude); on the real-like product, where the truth is known, the fitted profile follows the scene's own
  albedo ratio (:func:`scene_profile`) to 0.3 % in red/green and 1.5 % in blue/green (3 % in -35..-30 deg, where
  a belt edge crosses the band), and the real and our fitted ``beta``, ``gamma`` agree (README "Scenes",
  Colours).

Latitudes: the traced point's planetocentric latitude on the sphere, converted to planetographic on the PCK
ellipsoid (the scene's colour tables are planetographic). For a product drawn with ``--surface sphere`` (each
camera pixel at its planetocentric direction) that label is exact; how MSSS draws its maps is not published,
so the real side's labels are good to ~1-2 deg (three String of Pearls ovals fall at -42.1..-42.9 deg
planetocentric in this reading, ``benchmarks.map_gradient``).

The profiles of issue #13's eleventh round (README "Scenes", Colours) and the real figures the slow
``tests/test_band_colours.py`` holds come from ``python -m benchmarks.band_colours MAPSET PRODUCT`` with
``MAPSET`` the mission's JNCE_2021052_32C00054 maps and ``PRODUCT`` the real-like PJ32 product of
``tests/test_realism_acceptance.py`` (REAL_LIKE_*).

:func:`scene_profile` gives the same table for the scene's normal albedo alone (no camera, no photometry) at
the real maps' traced points: what the colour tables of :mod:`scenes.jupiter` put at each latitude.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

LAT_EDGES_PG_DEG = np.arange(-90.0, -29.9, 5.0)     # 5 deg bands of planetographic latitude, -90 .. -30
MIN_BAND_PIXELS = 500                                # a band is printed with this many shared pixels
RATIOS = (("BLUE", "B/G"), ("RED", "R/G"))
PRODUCT_VALUES = ("dn", "codes")                     # how a product's maps are read (read_product)
NORMALISE_SPAN_DEG = (-45.0, -30.0)                  # normalised(): where the real and our profiles agree
MAX_CIRCLE_OFFSET_PX = 2.0                           # map set's limb circle vs the products' drawn one


def map_pixel_geometry(shape, circle, geo: dict) -> dict:
    """:func:`benchmarks.map_photometry.map_geometry` plus ``lat_pg`` and ``lon_w`` (deg) of each map pixel."""
    from benchmarks.map_photometry import map_geometry
    from simulator.realism.mission_view import trace_map
    from scenes.ellipsoid import planetographic_from_planetocentric_deg, west_longitude_deg

    g = map_geometry(shape, circle, geo)
    p, _, _ = trace_map(shape, circle, geo["spacecraft_km"], True)
    g["lat_pg"] = planetographic_from_planetocentric_deg(g["lat"])
    g["lon_w"] = west_longitude_deg(p.reshape(-1, 3)).reshape(shape)
    return g


def usable(maps: dict, g: dict) -> np.ndarray:
    """Bool map: lit in all three ``maps`` ({filter: DN map}), on the traced disk, incidence < 70 and emission
    < 60 deg (``simulator.realism.measure``'s texture rule)."""
    from simulator.realism.measure import MAX_EMISSION_DEG, MAX_INCIDENCE_DEG

    with np.errstate(invalid="ignore"):
        ok = (g["hit"] & (g["mu0"] > np.cos(np.radians(MAX_INCIDENCE_DEG)))
              & (g["mu"] > np.cos(np.radians(MAX_EMISSION_DEG))))
    for m in maps.values():
        ok &= m > 0
    return ok


def band_index(lat_pg: np.ndarray, edges=LAT_EDGES_PG_DEG) -> np.ndarray:
    """Band number of each latitude (-1 outside ``edges``)."""
    k = np.searchsorted(edges, lat_pg, side="right") - 1
    return np.where((k >= 0) & (k < len(edges) - 1), k, -1)


def median_profile(maps: dict, band: np.ndarray, edges=LAT_EDGES_PG_DEG) -> dict:
    """{"B/G", "R/G"}: per band the ratio of the per-filter medians over the band's pixels (``band`` from
    :func:`band_index` of the usable pixels, values ``maps[f]`` of the same pixels), NaN below
    :data:`MIN_BAND_PIXELS`; "n" the pixel counts; "all" the ratios over all the pixels."""
    out = {"n": np.bincount(band[band >= 0], minlength=len(edges) - 1)}
    for f, key in RATIOS:
        vals = []
        for k in range(len(edges) - 1):
            s = band == k
            vals.append(np.median(maps[f][s]) / np.median(maps["GREEN"][s]) if s.sum() >= MIN_BAND_PIXELS else np.nan)
        out[key] = np.array(vals)
    out["all"] = {key: float(np.median(maps[f]) / np.median(maps["GREEN"])) for f, key in RATIOS}
    return out


def fitted_profile(maps: dict, band: np.ndarray, mu0: np.ndarray, mu: np.ndarray, reference,
                   edges=LAT_EDGES_PG_DEG) -> dict:
    """{"B/G", "R/G"}: per band ``exp(c + beta log mu0_ref + gamma log mu_ref)`` of the least-squares fit of
    ``log(X / GREEN) = c(band) + beta log mu0 + gamma log mu`` (module doc); ``reference`` = (mu0_ref, mu_ref);
    "beta", "gamma" per ratio. Bands below :data:`MIN_BAND_PIXELS` are left out of the fit (NaN)."""
    n = np.bincount(band[band >= 0], minlength=len(edges) - 1)
    kept = np.nonzero(n >= MIN_BAND_PIXELS)[0]
    s = np.isin(band, kept)
    dummies = (band[s][:, None] == kept[None, :]).astype(np.float64)
    design = np.column_stack([dummies, np.log(mu0[s]), np.log(mu[s])])
    out = {"beta": {}, "gamma": {}}
    for f, key in RATIOS:
        y = np.log(maps[f][s] / maps["GREEN"][s])
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        prof = np.full(len(edges) - 1, np.nan)
        prof[kept] = np.exp(coef[:kept.size] + coef[-2] * np.log(reference[0]) + coef[-1] * np.log(reference[1]))
        out[key], out["beta"][key], out["gamma"][key] = prof, float(coef[-2]), float(coef[-1])
    return out


def normalised(profile: np.ndarray, edges=LAT_EDGES_PG_DEG, span=NORMALISE_SPAN_DEG) -> np.ndarray:
    """A ratio profile over its mean in the bands inside ``span`` (deg): the latitude pattern of the colour
    without the disk level (which is the camera's response, ``instrument_models.junocam.spectral``)."""
    centres = 0.5 * (np.asarray(edges[1:]) + np.asarray(edges[:-1]))
    inside = (centres > span[0]) & (centres < span[1]) & np.isfinite(profile)
    return profile / np.mean(profile[inside])


def read_real(map_set_path, cache_dir=None) -> tuple[dict, dict, tuple]:
    """({filter: decompanded DN map}, geometry of :func:`simulator.realism.mission_view.real_geometry`, limb
    circle fitted to the GREEN map) of a mission map set."""
    from simulator.realism import mission_view as mv
    from simulator.realism.map_figures import decompanded

    ms = mv.load_map_set(map_set_path)
    geo = mv.real_geometry(ms.metadata, cache_dir)
    codes = {f: mv.read_map(p) for f, p in ms.files.items()}
    return ({f: decompanded(c, ms.companding) for f, c in codes.items()}, geo, mv.map_circle(codes["GREEN"]))


def read_product(folder, geo: dict, surface: str = "ellipsoid", values: str = "dn") -> dict:
    """{filter: DN map} of a product drawn in ``geo`` as ``compare PRODUCT MAPSET`` draws it (limb on
    ``DRAWN_CIRCLE``). ``values``: "codes" = compare's raw codes averaged per map pixel, rounded, read back
    through the product's table (dark and bias included); "dn" = the calibrated DN of the same pixels
    (``mission_view.product_maps``' "dn": decompanded, the product's dark subtracted, its flat divided), as
    the real maps are read here (their lowest disk values are 1-3 DN: no bias or dark level left in them)."""
    from simulator.products.colourview import product_inputs
    from simulator.realism import mission_view as mv
    from simulator.realism.map_figures import decompanded

    if values not in PRODUCT_VALUES:
        raise ValueError(f"product values {values!r} are not one of {', '.join(PRODUCT_VALUES)}")
    inputs = product_inputs(Path(folder), None)
    maps = mv.product_maps(None, geo["spacecraft_km"], inputs=inputs, names=("codes", "dn"), surface=surface)
    if values == "codes":
        return {f: decompanded(m["codes"], inputs.product.layout.companding) for f, m in maps.items()}
    return {f: np.where(m["codes"] > 0, np.maximum(m["dn"], 0.0), 0.0) for f, m in maps.items()}


def scene_profile(g: dict, use: np.ndarray, appearance=None, footprint_km: float = 50.0,
                  edges=LAT_EDGES_PG_DEG) -> dict:
    """:func:`median_profile` of the scene's normal albedo (``appearance``: a ``JupiterAppearance``, default
    seed 1) at the traced points of the ``use`` pixels (band-limited to ``footprint_km``, the map's ~50 km)."""
    from scenes.jupiter import JupiterAppearance

    app = appearance if appearance is not None else JupiterAppearance(seed=1)
    lat, lon = g["lat_pg"][use], g["lon_w"][use]
    albedo = {f: app.normal_albedo(f, lat, lon, footprint_km=footprint_km) for f in ("BLUE", "GREEN", "RED")}
    return median_profile(albedo, band_index(lat, edges), edges)


def measure(map_set_path, products=(), cache_dir=None, surface: str = "ellipsoid", values: str = "dn") -> dict:
    """Profiles (module doc) of the real map set and of each product on the pixels usable on every side:
    {"edges", "incidence" (median per band, deg), "reference" (mu0, mu), "sides": {label: {"median",
    "fit"}}}."""
    from simulator.realism.mission_compare import DRAWN_CIRCLE

    real, geo, circle = read_real(map_set_path, cache_dir)
    g = map_pixel_geometry(real["GREEN"].shape, circle, geo)
    # ours is drawn on DRAWN_CIRCLE, the real maps on their fitted circle: one traced geometry serves both only
    # when the two agree (the PJ32 maps: 799.0 px centred within 0.7 px)
    if products and max(abs(a - b) for a, b in zip(circle, DRAWN_CIRCLE)) > MAX_CIRCLE_OFFSET_PX:
        raise ValueError(f"the map set's limb circle {tuple(round(v, 1) for v in circle)} px is not the drawn "
                         f"{DRAWN_CIRCLE} within {MAX_CIRCLE_OFFSET_PX} px; expected maps of the mission's layout")
    sides = {"real": real}
    for folder in products:
        ours = read_product(folder, geo, surface, values)
        sides[Path(folder).name] = ours
    use = np.ones(real["GREEN"].shape, bool)
    for maps in sides.values():
        use &= usable(maps, g)
    band = band_index(g["lat_pg"][use])
    mu0, mu = g["mu0"][use], g["mu"][use]
    reference = (float(np.median(mu0)), float(np.median(mu)))
    incidence = np.array([np.degrees(np.arccos(np.median(mu0[band == k]))) if np.any(band == k) else np.nan
                          for k in range(len(LAT_EDGES_PG_DEG) - 1)])
    out = {"edges": LAT_EDGES_PG_DEG, "incidence": incidence, "reference": reference, "sides": {},
           "geometry": g, "use": use}
    for label, maps in sides.items():
        values = {f: m[use] for f, m in maps.items()}
        out["sides"][label] = {"median": median_profile(values, band),
                               "fit": fitted_profile(values, band, mu0, mu, reference)}
    return out


def format_table(result: dict, kind: str = "median") -> str:
    """The printed table of one profile kind ("median" or "fit")."""
    sides = result["sides"]
    edges = result["edges"]
    head = f"{'lat_pg':>11} {'inc':>4} {'n':>7}  " + "  ".join(f"{label[:22]:>22}" for label in sides)
    lines = [f"{kind}: B/G, R/G" + (f" at mu0 {result['reference'][0]:.2f}, mu {result['reference'][1]:.2f}"
                                    if kind == "fit" else ""), head]
    n = sides["real"]["median"]["n"]
    for k in range(len(edges) - 1):
        if n[k] < MIN_BAND_PIXELS:
            continue
        row = f"{edges[k]:5.0f}..{edges[k + 1]:<4.0f} {result['incidence'][k]:4.0f} {n[k]:7d}  "
        row += "  ".join(f"{s[kind]['B/G'][k]:10.3f} {s[kind]['R/G'][k]:11.3f}" for s in sides.values())
        lines.append(row)
    if kind == "median":
        lines.append(f"{'all':>11} {'':>4} {int(n.sum()):7d}  " + "  ".join(
            f"{s['median']['all']['B/G']:10.3f} {s['median']['all']['R/G']:11.3f}" for s in sides.values()))
    else:
        lines.append(f"{'beta, gamma':>24}  " + "  ".join(
            f"{s['fit']['beta']['B/G']:+.2f},{s['fit']['gamma']['B/G']:+.2f} {s['fit']['beta']['R/G']:+.2f},"
            f"{s['fit']['gamma']['R/G']:+.2f}" for s in sides.values()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.band_colours", description=__doc__.split("\n")[0])
    parser.add_argument("map_set", type=Path, help="the mission's map set (folder of *-blue/-green/-red.png + JSON)")
    parser.add_argument("products", type=Path, nargs="*", help="products to draw in the map set's geometry")
    parser.add_argument("--cache-dir", type=Path, default=None, help="kernel cache for the twin's kernels")
    parser.add_argument("--surface", choices=("ellipsoid", "sphere"), default="ellipsoid",
                        help="where the products' pixels are drawn (mission_view.product_maps)")
    parser.add_argument("--values", choices=PRODUCT_VALUES, default="dn",
                        help="products read as calibrated DN (default) or as compare's raw codes decompanded")
    parser.add_argument("--scene", action="store_true", help="also print the scene's albedo ratios per band")
    args = parser.parse_args(argv)
    try:
        result = measure(args.map_set, args.products, args.cache_dir, args.surface, args.values)
    except ValueError as exc:
        print(f"band_colours: error: {exc}", file=sys.stderr)
        return 2
    print(format_table(result, "median"))
    print(format_table(result, "fit"))
    if args.scene:
        s = scene_profile(result["geometry"], result["use"])
        print("scene albedo (no camera, no photometry), B/G, R/G per band: " + "; ".join(
            f"{e:.0f}: {b:.3f} {r:.3f}" for e, b, r in zip(result["edges"], s["B/G"], s["R/G"]) if np.isfinite(b)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

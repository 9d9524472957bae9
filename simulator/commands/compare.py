"""``junocam-sim compare A B``: realism figures of two products, calibration-frame folders or mission map sets.

The figures and their definitions are in ``simulator/realism`` (issue #13's table: 12-bit DN, per 1648 x 128
strip, TDI 1). By default the texture, bright-limb and band-ratio rows read a mission-like perspective map
of each side, in codes and decompanded DN (``simulator.realism.mission_compare``); a side that is a mission
map set (``*-blue/-green/-red.png`` + metadata JSON) sets the geometry the products are mapped in. A table
goes to stdout (``--json`` for machine output), a plot to ``--out DIR``. Bad input is refused before any work.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare", help="realism figures of two products or calibration-frame folders side by side",
        description="Measure dark level and column structure, hot pixels and blemishes, DN histograms on the "
                    "disk and on sky, band ratios, flat-field / column profile, contrast and power-spectrum "
                    "slope, and compression block artefacts of A and B (a product folder, ours or a mission "
                    "PNG+JSON pair, or a folder of calibration frames: TIFF/PNG/FITS named flat, dark/bias, "
                    "mask/bad, gain) and print them side by side.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("a", metavar="A", type=Path,
                        help="product folder, calibration-frame folder or mission map set (folder or map file)")
    parser.add_argument("b", metavar="B", type=Path,
                        help="product folder, calibration-frame folder or mission map set (a folder holding "
                             "*-blue.png, *-green.png, *-red.png and the mission's metadata JSON)")
    parser.add_argument("--kernels", metavar="METAKERNEL", type=Path, default=None,
                        help="metakernel for products without their own kernels/ (mission pairs)")
    parser.add_argument("--calibration", metavar="DIR", type=Path, default=None,
                        help="calibration frames (flat, dark/bias, mask) the texture figures of a product are "
                             "calibrated with, e.g. for a mission product (default: the product's own calibration/)")
    parser.add_argument("--strip-filter", default="GREEN", choices=("METHANE", "BLUE", "GREEN", "RED"),
                        help="filter of calibration frames that hold a single 128-line strip")
    parser.add_argument("--texture-mode", default="mission", choices=("mission", "map", "cells"),
                        help="texture, limb and band-ratio figures read on a mission-like map of each side "
                             "('mission': the perspective view from Juno at START_TIME, 1,600 px, in raw codes "
                             "and decompanded DN, as the mission's maps hold them), or the older calibrated-DN "
                             "texture rows: an orthographic 89.5 km/px 8-bit map then 150 km cells ('map') or "
                             "every pixel straight into the cells ('cells')")
    parser.add_argument("--map-surface", default=None, choices=("ellipsoid", "sphere"),
                        help="where a product's pixels are drawn in its mission-like map: where they are on the "
                             "ellipsoid, or at their planetocentric direction on the sphere of the equatorial "
                             "radius (default: sphere, mission_view.MISSION_MAP_SURFACE; the real PJ32 maps' lit "
                             "limb is a 799 px circle where the ellipsoid's lies at 746-799 px, so they are drawn "
                             "on a sphere; how the mission draws them is not published)")
    parser.add_argument("--resampler", metavar="KIND[*WIDTH]", default=None,
                        help="how a product's camera pixels are interpolated into its mission-like map: 'average' "
                             "(each into the map pixel it falls in) or a kernel (bilinear, bicubic, lanczos3, "
                             "bspline2, bspline3, gauss), optionally WIDTH camera pixels wide (e.g. gauss*1.6); "
                             "only the values are interpolated, every pixel keeps its exact map position (default "
                             "mission_view.DEFAULT_RESAMPLER, fitted to the real PJ32 maps' pixel statistics: an "
                             "inference, MSSS's resampler is not published)")
    parser.add_argument("--map-calibration", default=None, choices=("dark+flat", "dark", "none"),
                        help="what is done to a product's camera pixels before they are mapped: 'dark' = each "
                             "pixel's dark removed in DN (the --calibration folder's dark, else the product's "
                             "calibration/, else its reference columns) and its code re-companded, the frames' bad "
                             "pixels left out; 'dark+flat' = also divided by the flat; 'none' = the raw codes "
                             "(default mission_view.DEFAULT_CALIBRATION: what the real PJ32 maps evidently had "
                             "done, an inference; README 'How compare maps a product')")
    parser.add_argument("--metadata", metavar="JSON", type=Path, default=None,
                        help="the metadata JSON of a mission map set, when its folder holds none or several")
    parser.add_argument("--cache-dir", metavar="DIR", type=Path, default=None,
                        help="where the twin's synthetic kernels of a mission map set are cached (default: "
                             "$JUNOCAM_SIM_CACHE or ~/.cache/junocam-sim)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--out", metavar="DIR", type=Path, default=None,
                        help="write compare.png (and compare.json) into this folder")
    parser.set_defaults(func=run)


def run(args) -> int:
    from simulator.errors import SimulatorError
    from simulator.realism import mission_view as mv
    from simulator.realism.report import as_json, table_lines, write_plot

    for label, path in (("A", args.a), ("B", args.b)):
        if not path.exists():
            raise SimulatorError(f"{label} {str(path)!r} does not exist; expected a product folder, a folder "
                                 "of calibration frames or a mission map set")
    if args.calibration is not None and not args.calibration.is_dir():
        raise SimulatorError(f"--calibration {str(args.calibration)!r} is not a folder; expected a folder of "
                             "calibration frames (TIFF/PNG/FITS named flat, dark/bias, mask)")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise SimulatorError(f"--out {str(args.out)!r} is a file; expected a folder")
    if args.metadata is not None and not args.metadata.is_file():
        raise SimulatorError(f"--metadata {str(args.metadata)!r} is not a file; expected a mission metadata JSON")
    making = _map_making(args)
    # Mission map sets are checked whole (files, metadata, readable maps) before any measuring.
    map_sets = {}
    for label, path in (("A", args.a), ("B", args.b)):
        if mv.is_map_set(path):
            if args.texture_mode != "mission":
                raise SimulatorError(f"{label} {str(path)!r} is a mission map set, measured only with "
                                     f"--texture-mode mission; got {args.texture_mode!r}")
            found = mv.load_map_set(path, args.metadata)
            map_sets[label] = (found, {f: mv.read_map(p) for f, p in found.files.items()})
    figures = _measure_sides(args, map_sets, making)
    a, b = figures["A"], figures["B"]
    text = as_json(a, b)
    print(text if args.json else "\n".join(table_lines(a, b)))
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        plot = write_plot(args.out / "compare.png", a, b)
        tmp = args.out / ".compare.json.partial"
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(args.out / "compare.json")
        if not args.json:
            print(f"plot written to {plot}; figures to {args.out / 'compare.json'}")
    return 0


def _map_making(args):
    """compare's ``mission_view.MapMaking`` from the options (a bad --resampler raises its SimulatorError
    before any work); fields not given keep its defaults."""
    from simulator.realism import mission_view as mv

    base = mv.MapMaking()
    return mv.MapMaking(args.map_surface or base.surface, args.resampler or base.resampler, 
                        args.map_calibration or base.calibration)


def _measure_sides(args, map_sets: dict, making) -> dict:
    """{"A": figures, "B": figures}: map sets in their twins' geometry, products in the first map set's (else
    their own at START_TIME)."""
    from simulator.realism import mission_view as mv
    from simulator.realism.measure import measure
    from simulator.realism.mission_compare import measure_map_set

    geos = {label: mv.real_geometry(found.metadata, args.cache_dir) for label, (found, _) in map_sets.items()}
    shared = next(iter(map_sets), None)
    out = {}
    for label, path in (("A", args.a), ("B", args.b)):
        if label in map_sets:
            found, images = map_sets[label]
            out[label] = measure_map_set(found, images, geos[label])
            continue
        geo = geos[shared] if shared else None
        where = (f"the geometry of {shared}'s map set ({map_sets[shared][0].metadata.name}'s twin at "
                 f"{geo['start_utc']})") if shared else None
        out[label] = measure(path, args.kernels, args.strip_filter, args.calibration, args.texture_mode, geo, where,
                             making)
    return out

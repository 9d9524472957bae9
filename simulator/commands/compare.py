"""``junocam-sim compare A B``: realism figures of two products or calibration-frame folders side by side.

The figures and their definitions are in ``simulator/realism`` (issue #13's table: 12-bit DN, per 1648 x 128
strip, TDI 1). A table goes to stdout (``--json`` for machine output), a plot to ``--out DIR``.
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
    parser.add_argument("a", metavar="A", type=Path, help="product folder or calibration-frame folder")
    parser.add_argument("b", metavar="B", type=Path, help="product folder or calibration-frame folder")
    parser.add_argument("--kernels", metavar="METAKERNEL", type=Path, default=None,
                        help="metakernel for products without their own kernels/ (mission pairs)")
    parser.add_argument("--calibration", metavar="DIR", type=Path, default=None,
                        help="calibration frames (flat, dark/bias, mask) the texture figures of a product are "
                             "calibrated with, e.g. for a mission product (default: the product's own calibration/)")
    parser.add_argument("--strip-filter", default="GREEN", choices=("METHANE", "BLUE", "GREEN", "RED"),
                        help="filter of calibration frames that hold a single 128-line strip")
    parser.add_argument("--texture-mode", default="map", choices=("map", "cells"),
                        help="texture figures of a product measured on a map made like the mission's (89.5 km/px, "
                             "8-bit, then 150 km cells: how the real PJ32 figures were measured) or with every "
                             "pixel averaged straight into the 150 km cells")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--out", metavar="DIR", type=Path, default=None,
                        help="write compare.png (and compare.json) into this folder")
    parser.set_defaults(func=run)


def run(args) -> int:
    from simulator.errors import SimulatorError
    from simulator.realism.measure import measure
    from simulator.realism.report import as_json, table_lines, write_plot

    for label, path in (("A", args.a), ("B", args.b)):
        if not path.exists():
            raise SimulatorError(f"{label} {str(path)!r} does not exist; expected a product folder or a folder "
                                 "of calibration frames")
    if args.calibration is not None and not args.calibration.is_dir():
        raise SimulatorError(f"--calibration {str(args.calibration)!r} is not a folder; expected a folder of "
                             "calibration frames (TIFF/PNG/FITS named flat, dark/bias, mask)")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise SimulatorError(f"--out {str(args.out)!r} is a file; expected a folder")
    a = measure(args.a, args.kernels, args.strip_filter, args.calibration, args.texture_mode)
    b = measure(args.b, args.kernels, args.strip_filter, args.calibration, args.texture_mode)
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

"""``junocam-sim score PRODUCT_DIR``: score a user's map or backplanes against the product's truth."""

from __future__ import annotations



def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "score", help="score your reconstruction (a map or per-pixel backplanes) against a product's truth",
        description="Score an equirectangular map (PNG/TIFF/NPY/FITS; planetographic latitude, System III west "
                    "longitude, row 0 at LAT_MAX, longitude growing to the right) or per-pixel backplanes "
                    "(NPZ or FITS with LAT and LON arrays shaped like the raw PNG, degrees, NaN off the planet) "
                    "against the product's truth. Reports the geometry error (km, pixels) and the I/F bias/rms.")
    parser.add_argument("product", metavar="PRODUCT_DIR", help="a product folder with its truth/")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--map", metavar="FILE", help="an equirectangular map of one filter")
    what.add_argument("--backplanes", metavar="FILE", help="NPZ/FITS with per-pixel LAT and LON")
    parser.add_argument("--bounds", metavar="LAT_MIN,LAT_MAX,LON_MIN,LON_MAX",
                        help="the map's edges in degrees (planetographic, west); default the whole globe")
    parser.add_argument("--filter", help="the filter the map shows (needed when the product has several)")
    parser.add_argument("--planetocentric", action="store_true",
                        help="the backplanes' LAT is planetocentric (default planetographic)")
    parser.add_argument("--out", metavar="FILE", help="also write the score as JSON to FILE")
    parser.add_argument("--kernels", metavar="METAKERNEL",
                        help="SPICE metakernel to use instead of the one the product names (e.g. the real kernels "
                             "on this machine, or the flight kernels of a twin's original)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing file at --out")
    parser.set_defaults(func=run)


def run(args) -> int:
    import json

    from simulator.commands.validate import check_product
    from simulator.outputs import atomic_file, prepare_output
    from simulator.validate.maps import parse_bounds
    from simulator.validate.report import json_text
    from simulator.validate.score import ScoreError, score_backplanes, score_map, score_table

    if args.out:
        prepare_output(args.out, overwrite=args.overwrite, kind="file")   # refuse before any work
    check_product(args.product)

    if args.backplanes:
        if args.bounds or args.filter:
            raise ScoreError("--bounds and --filter describe a map; backplanes are scored pixel by pixel")
        summary = score_backplanes(args.product, args.backplanes,
                                   "planetocentric" if args.planetocentric else "planetographic",
                                   kernels=args.kernels)
    else:
        if args.planetocentric:
            raise ScoreError("--planetocentric applies to --backplanes; maps are in planetographic latitude")
        bounds = parse_bounds(args.bounds) if args.bounds else None
        summary = score_map(args.product, args.map, bounds, args.filter, kernels=args.kernels)
    if args.out:
        with atomic_file(args.out, overwrite=args.overwrite, mode="w") as handle:
            handle.write(json_text(summary))
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True, default=str))
    else:
        print(score_table(summary))
    return 0

"""``junocam-sim validate PRODUCT_DIR``: reconstruct a product as an outside tool would, score it against its truth."""

from __future__ import annotations

from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="reference reconstruction of a product, scored against its truth",
        description="Reconstruct a product from its raw PNG, metadata and kernels only (ISIS frame times, the "
                    "camera model, SPICE geometry, calibration, photometric correction, maps), fit the "
                    "start time on the limb, then compare with the product's truth: geometry error in km and "
                    "pixels, the limb-fit offset against the injected jitter, I/F maps against the truth and "
                    "the noise model. Prints a table; writes validation.json and error_map.png.")
    parser.add_argument("product", metavar="PRODUCT_DIR", help="a product folder written by render/demo")
    parser.add_argument("--out", metavar="DIR", help="where to write validation.json and error_map.png "
                                                     "(default: PRODUCT_DIR/validation)")
    parser.add_argument("--photometry", choices=("minnaert", "lambert", "lommel-seeliger"),
                        help="photometric model of the albedo correction (default: the kernel set's recorded "
                             "[scene] photometry, else Minnaert)")
    parser.add_argument("--minnaert-k", type=float, metavar="K",
                        help="Minnaert exponent for every filter (default: recorded, else the scenes' per-filter "
                             "defaults)")
    parser.add_argument("--kernels", metavar="METAKERNEL",
                        help="SPICE metakernel to use instead of the one the product names (e.g. the real kernels "
                             "on this machine, or the flight kernels of a twin's original)")
    parser.add_argument("--json", action="store_true", help="print validation.json instead of the table")
    parser.set_defaults(func=run)


def run(args) -> int:
    import json

    from simulator.validate.report import MIN_SCALE_PX, validation_table, write_error_map_rows, write_json
    from simulator.validate.validation import run_validation

    result = run_validation(args.product, photometry_model=args.photometry, minnaert_k=args.minnaert_k,
                            kernels=args.kernels)
    out = Path(args.out) if args.out else Path(args.product) / "validation"
    summary = dict(result.summary)
    # Colour scale: the image-plane error's p99 (the error map's own values), at least MIN_SCALE_PX.
    top = max(MIN_SCALE_PX, summary.get("geometry_error_image_px_p99") or 0.0)
    summary["error_map_max_px"] = write_error_map_rows(out / "error_map.png", result.error_rows, top)
    result.error_rows.close()
    summary["error_map"] = "error_map.png"
    write_json(out / "validation.json", summary)
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True, default=str))
    else:
        print(validation_table(summary))
        print(f"wrote {out / 'validation.json'} and {out / 'error_map.png'} "
              f"(colour scale 0..{summary['error_map_max_px']:.3g} px, image-plane error)")
    return 0

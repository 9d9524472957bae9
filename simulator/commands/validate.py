"""``junocam-sim validate PRODUCT_DIR``: reconstruct a product as an outside tool would, score it against its truth."""

from __future__ import annotations

from pathlib import Path

from simulator.commands.kernels import add_overwrite_argument


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
    parser.add_argument("--calibration", metavar="DIR",
                        help="calibration frames to calibrate with (files named flat, dark/bias, mask/bad: TIFF, "
                             "PNG or FITS strips, e.g. ../shared/reference/calibration/); default the product's "
                             "calibration/ folder, else the camera model's idealised bias and vignetting")
    parser.add_argument("--json", action="store_true", help="print validation.json instead of the table")
    add_overwrite_argument(parser)
    parser.set_defaults(func=run)


def check_product(product_dir) -> tuple[int, int]:
    """Before any work: the folder is a product whose truth is its own (shape, PRODUCT_ID, framelets).

    Returns the raw image's (lines, samples)."""
    from simulator.errors import ProductError
    from simulator.validate.consistency import check_product_truth
    from simulator.validate.product import load_product_rows

    root = Path(product_dir)
    if not root.is_dir():
        raise ProductError(f"product folder {str(root)!r} does not exist or is not a folder")
    product = load_product_rows(root)
    check_product_truth(root, product.layout, tuple(product.image.shape))
    return tuple(int(n) for n in product.image.shape)


def check_calibration_folder(folder) -> None:
    """Before any work: a ``--calibration`` folder exists and holds readable frames of the right shapes."""
    if folder is None:
        return
    from simulator.realism.frames import load_calibration_folder

    load_calibration_folder(folder)


def run(args) -> int:
    import json

    from simulator.outputs import atomic_dir, prepare_output
    from simulator.progress import Progress
    from simulator.validate.report import MIN_SCALE_PX, validation_table, write_error_map_rows, write_json
    from simulator.validate.rowstore import ErrorRows
    from simulator.validate.validation import run_validation

    out = Path(args.out) if args.out else Path(args.product) / "validation"
    prepare_output(out, overwrite=args.overwrite, kind="dir")          # refuse before any work
    lines, samples = check_product(args.product)
    check_calibration_folder(args.calibration)
    # The output is built in its partial folder from the start: the error rows' scratch file lives there
    # (ErrorRows.BYTES_PER_PIXEL), beside the RGB error map (3 B/pixel bound) and the JSON, so nothing is written
    # to the system temp folder and an interruption (SIGINT/SIGTERM/SIGHUP, simulator.signals) removes it all.
    needed = (ErrorRows.BYTES_PER_PIXEL + 4) * lines * samples
    with atomic_dir(out, overwrite=args.overwrite, command="validate", needed_bytes=needed,
                    what="the validation output") as partial:
        bar = Progress("validating", unit="framelet")
        result = run_validation(args.product, photometry_model=args.photometry, minnaert_k=args.minnaert_k,
                                kernels=args.kernels, progress=bar, calibration=args.calibration,
                                scratch_dir=partial)
        bar.close()
        summary = dict(result.summary)
        # Colour scale: the image-plane error's p99 (the error map's own values), at least MIN_SCALE_PX.
        top = max(MIN_SCALE_PX, summary.get("geometry_error_image_px_p99") or 0.0)
        try:
            summary["error_map_max_px"] = write_error_map_rows(partial / "error_map.png", result.error_rows, top)
        finally:
            result.error_rows.close()
        summary["error_map"] = "error_map.png"
        write_json(partial / "validation.json", summary)
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True, default=str))
    else:
        print(validation_table(summary))
        print(f"wrote {out / 'validation.json'} and {out / 'error_map.png'} "
              f"(colour scale 0..{summary['error_map_max_px']:.3g} px, image-plane error)")
    return 0

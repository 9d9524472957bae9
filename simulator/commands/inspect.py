"""``junocam-sim inspect PRODUCT_DIR``: check a raw product (ours or the mission's), summarise it, draw its framelets."""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.commands.kernels import add_overwrite_argument


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "inspect", help="check a raw product's PNG against its metadata, summarise it, write a framelet mosaic",
        description="Read a product folder (ours, or a mission-site raw image pair: *-Metadata.json and the "
                    "*-raw.png it names), check the PNG against the JSON (width = LINE_SAMPLES, height = LINES "
                    "= frames x filters x 128 / SAMPLING_FACTOR), decompand, print a summary and write the "
                    "framelets as a labelled mosaic PNG.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("product_dir", metavar="PRODUCT_DIR", help="product folder or its -Metadata.json")
    parser.add_argument("--mosaic", metavar="PNG", help="where to write the mosaic "
                        "(default: <PRODUCT_ID>-mosaic.png in the current folder)")
    parser.add_argument("--shrink", type=int, default=4, help="mosaic shrink factor (1 = full resolution)")
    add_overwrite_argument(parser)
    parser.set_defaults(func=run)


def summary_lines(product, dn12) -> list[str]:
    """The printed summary of a loaded product and its decompanded image."""
    import numpy as np

    from simulator.products.description import stop_time

    lay = product.layout
    expected_stop = stop_time(lay.start_utc, lay.frames, lay.interframe_delay_s)
    rule = "ok" if expected_stop == lay.stop_utc else f"differs: START_TIME + frames x delay = {expected_stop}"
    out = [
        f"product      {lay.product_id}",
        f"files        {product.metadata_path}",
        f"             {product.png_path}",
        f"image        {lay.samples} x {lay.lines} px = {lay.frames} frames x {len(lay.filters)} filters "
        f"({', '.join(lay.filters)}) x {lay.framelet_lines} lines; PNG matches the JSON",
        f"time         {lay.start_utc} .. {lay.stop_utc} UTC (STOP_TIME rule {rule}); "
        f"SCLK {lay.sclk_start}",
        f"camera       TDI {lay.tdi_stages} (exposure {lay.exposure_s * 1e3:.1f} ms), interframe delay "
        f"{lay.interframe_delay_s:.3f} s, summing {lay.summing}, {lay.companding} companding, "
        f"{lay.compression}",
        "decompanded  12-bit DN per filter: min / median / 99th percentile / max, fraction at the top code",
    ]
    rows = np.arange(lay.lines) // lay.framelet_lines % len(lay.filters)
    for k, name in enumerate(lay.filters):
        values = dn12[rows == k]
        top = float(np.mean(product.image[rows == k] == 255))
        out.append(f"  {name:<8} {values.min():7.0f} {np.median(values):7.0f} {np.percentile(values, 99):7.0f} "
                   f"{values.max():7.0f}   {top:.2%}")
    return out


def run(args) -> int:
    from simulator.errors import ProductError
    from simulator.outputs import atomic_file, prepare_output
    from simulator.products import load_product
    from simulator.products.mosaic import decompanded_image, write_mosaic
    from simulator.validate.consistency import check_product_truth

    if args.shrink < 1:
        raise ProductError(f"--shrink {args.shrink} must be a whole number >= 1")
    if args.mosaic:
        prepare_output(args.mosaic, overwrite=args.overwrite, kind="file")   # refuse before any work
    product = load_product(Path(args.product_dir))
    root = product.metadata_path.parent.parent
    names = check_product_truth(root, product.layout, tuple(product.image.shape), required=False)
    mosaic = Path(args.mosaic) if args.mosaic else Path.cwd() / f"{product.layout.product_id}-mosaic.png"
    prepare_output(mosaic, overwrite=args.overwrite, kind="file")
    dn12 = decompanded_image(product)
    for line in summary_lines(product, dn12):
        print(line)
    if names is not None:
        print(f"truth        {root / 'truth'} ({len(names)} backplanes shaped like the PNG: {', '.join(names)}; "
              "PRODUCT_ID and framelet count match)")
    with atomic_file(mosaic, overwrite=args.overwrite) as handle:
        width, height = write_mosaic(handle, product, shrink=args.shrink)
    print(f"mosaic       {mosaic} ({width} x {height} px, one row per frame, one column per filter)")
    return 0

"""``junocam-sim inspect PRODUCT_DIR``: check a raw product (ours or the mission's), summarise it, draw its framelets."""

from __future__ import annotations

import argparse
from pathlib import Path


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


def check_truth_shapes(path: Path, shape: tuple[int, int]) -> list[str]:
    """Names of the truth FITS extensions; ``ProductError`` if one is not shaped like the raw image."""
    from astropy.io import fits

    from simulator.errors import ProductError

    try:
        with fits.open(path) as hdul:
            found = [(hdu.name, tuple(hdu.shape)) for hdu in hdul[1:]]
    except OSError as exc:
        raise ProductError(f"truth file {str(path)!r} is not a readable FITS file ({exc})") from None
    for name, hdu_shape in found:
        if hdu_shape != tuple(shape):
            raise ProductError(f"truth backplane {name} in {path.name} is {hdu_shape}; expected the raw "
                               f"image's shape {tuple(shape)}")
    return [name for name, _ in found]


def run(args) -> int:
    from simulator.errors import ProductError
    from simulator.products import load_product
    from simulator.products.mosaic import decompanded_image, write_mosaic

    if args.shrink < 1:
        raise ProductError(f"--shrink {args.shrink} must be a whole number >= 1")
    product = load_product(Path(args.product_dir))
    dn12 = decompanded_image(product)
    for line in summary_lines(product, dn12):
        print(line)
    truth_fits = product.metadata_path.parent.parent / "truth" / f"{product.layout.product_id}-truth.fits"
    if truth_fits.is_file():
        names = check_truth_shapes(truth_fits, product.image.shape)
        print(f"truth        {truth_fits} ({len(names)} backplanes shaped like the PNG: {', '.join(names)})")
    mosaic = Path(args.mosaic) if args.mosaic else Path.cwd() / f"{product.layout.product_id}-mosaic.png"
    width, height = write_mosaic(mosaic, product, shrink=args.shrink)
    print(f"mosaic       {mosaic} ({width} x {height} px, one row per frame, one column per filter)")
    return 0

"""``junocam-sim colour PRODUCT_DIR``: a colour view processed from a product's raw framelets.

Decompand, dark, flat, a perspective projection with the product's kernels (or ``--kernels`` for a
mission-site pair), illumination flattening, white balance, stretch, colour enhancement, sharpening and
sRGB encoding, as ``simulator.products.colourview`` and ``simulator.products.colourtone`` describe.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.products.colourtone import BALANCE_MODES, ColourStyle

DEFAULT = ColourStyle()


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "colour", help="colour view of a product from its raw framelets (decompand, flat, white balance, projection)",
        description="Process a product's raw BLUE/GREEN/RED framelets the way community pipelines do: decompand "
                    "(its companding table), subtract the dark (calibration frames or reference columns), divide "
                    "by a flat, project them with the product's kernels into a perspective view, divide out the "
                    "illumination (Minnaert law, soft terminator), white balance (the camera model's weights "
                    "for the product's perijove, the image's, or --weights), stretch, enhance colour and detail, "
                    "encode as sRGB; write it as PNG.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("product_dir", metavar="PRODUCT_DIR", help="product folder (ours or a mission-site pair)")
    parser.add_argument("--out", metavar="PNG", type=Path, default=None,
                        help="where to write the view (default: PRODUCT_DIR/colour.png)")
    parser.add_argument("--kernels", metavar="METAKERNEL", type=Path, default=None,
                        help="metakernel for the geometry (needed for mission pairs; default the product's kernels/)")
    parser.add_argument("--weights", nargs=3, type=float, metavar=("R", "G", "B"), default=None,
                        help="white-balance weights of the linearised channels, e.g. 0.768 1 2.630 (mission, PJ43); "
                             "default: --balance")
    parser.add_argument("--balance", choices=BALANCE_MODES, default=DEFAULT.balance,
                        help="white balance without --weights: 'camera' = the camera model's weights for the "
                             "product's perijove (equal I/F shows grey), 'image' = the lit disk's channel means equal")
    parser.add_argument("--saturation", type=float, default=DEFAULT.saturation,
                        help="colour enhancement: departures from grey multiplied by this (1 = as balanced)")
    parser.add_argument("--minnaert-k", type=float, default=DEFAULT.minnaert_k,
                        help="illumination flattening: divide by cos(i)^k cos(e)^(k-1) (0 = off)")
    parser.add_argument("--sharpen", type=float, default=DEFAULT.detail_gain,
                        help="local contrast: gain of the unsharp mask (0 = off)")
    parser.add_argument("--flat-dir", metavar="DIR", type=Path, default=None,
                        help="folder with a flat-field frame (TIFF/PNG/FITS named *flat*, B/G/R strips)")
    parser.add_argument("--calibration", metavar="DIR", type=Path, default=None,
                        help="calibration frames (named flat, dark/bias, mask/bad) whose dark, flat and bad-pixel "
                             "mask are used; default the product's calibration/ folder, else the reference "
                             "columns' dark and the model's vignetting")
    parser.add_argument("--width", type=int, default=DEFAULT.width_px, help="width of the view in pixels (at most)")
    parser.add_argument("--stride", type=int, default=DEFAULT.pixel_stride, help="project every n-th line and sample")
    parser.set_defaults(func=run)


def run(args) -> int:
    from simulator.errors import SimulatorError
    from simulator.products.colourview import colour_view

    if args.width < 16:
        raise SimulatorError(f"--width {args.width} must be at least 16 pixels")
    if args.stride < 1:
        raise SimulatorError(f"--stride {args.stride} must be at least 1")
    if args.weights is not None and min(args.weights) <= 0:
        raise SimulatorError(f"--weights {' '.join(map(str, args.weights))} must be three positive numbers")
    for name, value in (("--saturation", args.saturation), ("--minnaert-k", args.minnaert_k),
                        ("--sharpen", args.sharpen)):
        if not value >= 0:
            raise SimulatorError(f"{name} {value} must be a number >= 0")
    flats = None
    if args.flat_dir is not None:
        from simulator.realism.frames import load_calibration_folder

        frames = load_calibration_folder(args.flat_dir)
        if "flat" not in frames.strips:
            raise SimulatorError(f"--flat-dir {str(args.flat_dir)!r} holds no frame named *flat*")
        flats = frames.strips["flat"]
    from simulator.validate.product import load_product_rows
    from simulator.validate.frames import load_frame_calibration

    layout = load_product_rows(args.product_dir).layout
    frames = load_frame_calibration(args.product_dir, args.calibration, layout.summing, layout.filters)
    print(frames.notes[0])
    style = ColourStyle(width_px=args.width, pixel_stride=args.stride, balance=args.balance,
                        weights_rgb=tuple(args.weights) if args.weights else None, saturation=args.saturation,
                        minnaert_k=args.minnaert_k, detail_gain=args.sharpen)
    path, weights = colour_view(args.product_dir, args.out, style, flats, args.kernels, frames)
    print(f"colour view written to {path} (white balance R G B = {weights[0]:.3f} {weights[1]:.3f} {weights[2]:.3f})")
    return 0

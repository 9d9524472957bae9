"""``junocam-sim demo``: the embedded default image, needing nothing but the install.

Synthetic kernels, the default scenario and scene, one BLUE/GREEN/RED image taken 45 minutes after
perijove, when Juno looks at the south polar region from ~61,000 km and Jupiter fills much of the swath
(limb, terminator and the polar cyclones in view), like the first perijove's south-polar view (facts.md
"Juno's orbit": about an hour after closest approach from about 94,500 km). Beside the raw PNG it writes a colour view processed from
the raw framelets (``simulator.products.colourview``). Prints where the product is and how to look at it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEMO_FILTERS = ("BLUE", "GREEN", "RED")  # JunoCam's colour set; the colour view needs these three
DEMO_FRAMES = 13  # the frames that see the planet at DEMO_START_UTC (39-80 % of each frame on Jupiter)
# Perijove of the default scenario (09:45:00) + 45 min + 37 frames x 0.371 s: found by scanning the default
# kernels (geometry.frame_hit_fractions over one 30 s spin at 15-min steps from -60 to +90 min): the frames
# whose swath meets the disk 45 min after perijove (sub-spacecraft point 74 deg S, 60,700 km up); +60 min
# (86 deg S) showed the pole but left half of the disk on the night side.
DEMO_START_UTC = "2018-04-01T10:30:13.727"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="render the embedded default image (synthetic kernels, default scenario)",
        description="Render one BLUE/GREEN/RED image of the default scenario 45 minutes after perijove "
                    "(Jupiter's south polar region from ~61,000 km, the planet filling much of the swath) with "
                    "synthetic kernels, "
                    "write a colour view processed from its raw framelets, and print where the products are "
                    "and how to look at them.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", default="demo-output", metavar="DIR", help="folder to write the product into")
    parser.add_argument("--frames", type=int, default=DEMO_FRAMES, help="number of frames")
    parser.add_argument("--cache-dir", default=None, type=Path, metavar="DIR",
                        help="where the synthetic kernel set is cached")
    parser.add_argument("--no-colour", action="store_true", help="skip the colour view")
    parser.set_defaults(func=run)


def colour_path(folder: Path) -> Path:
    """Where the demo writes the colour view: beside the raw PNG."""
    return folder / "ImageSet" / f"{folder.name}-colour.png"


def guide(folder: Path) -> list[str]:
    """The lines printed after the demo: every file and a way to look at it."""
    from simulator.products import product_paths

    p = product_paths(folder, folder.name)
    return [
        f"product written to {folder}",
        f"  look at it:       {p['quicklook']}  (colour map projection, north up, west longitude to the left)",
        f"  colour view:      {colour_path(folder)}  (from the raw framelets: decompand, dark, flat, perspective "
        "projection, illumination flattening, white balance, stretch, colour and detail enhancement, sRGB; "
        "junocam-sim colour)",
        f"  raw framelets:    {p['raw_png']}  (8-bit, as on the mission site)",
        f"  metadata:         {p['metadata']}",
        f"  PDS3 EDR:         {p['lbl']}",
        f"                    {p['img']}",
        f"  truth:            {p['truth_fits']} (per-pixel backplanes) and {p['truth_json']}",
        f"  kernels:          {p['kernels']} (the synthetic SPICE set, so the product stands alone)",
        f"  summary + mosaic: junocam-sim inspect {folder}",
    ]


def run(args) -> int:
    from simulator.commands.render import Progress
    from simulator.errors import SimulatorError
    from simulator.products.pipeline import ProductRequest, render_product
    from simulator.scenario import load_scenario

    if args.frames < 1:
        raise SimulatorError(f"--frames {args.frames} must be at least 1")
    scenario = load_scenario("default").replace(imaging={"filters": list(DEMO_FILTERS), "frames": args.frames,
                                                          "start_utc": DEMO_START_UTC})
    folder = render_product(ProductRequest(scenario=scenario, out_dir=Path(args.out), overwrite=True,
                                           cache_dir=args.cache_dir, title="junocam-sim demo"),
                            Progress("demo"))
    lines = guide(folder)
    if args.no_colour:
        lines = [line for line in lines if "colour view" not in line]
    else:
        from simulator.products.colourview import colour_view

        colour_view(folder, colour_path(folder))
    for line in lines:
        print(line)
    return 0

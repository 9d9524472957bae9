"""``junocam-sim demo``: the embedded default image, needing nothing but the install.

Synthetic kernels, the default scenario and scene, one four-filter image (METHANE, BLUE, GREEN, RED)
whose frames sweep onto Jupiter's limb (the default scenario's start time and spin phase were chosen for
that). Prints where the product is and how to look at it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEMO_FILTERS = ("METHANE", "BLUE", "GREEN", "RED")
DEMO_FRAMES = 12  # assumption: enough frames to cross the limb, few enough to render in under a minute


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="render the embedded default image (synthetic kernels, default scenario)",
        description="Render one four-filter image of the default scenario, crossing Jupiter's limb, with "
                    "synthetic kernels; print where the products are and how to look at them.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", default="demo-output", metavar="DIR", help="folder to write the product into")
    parser.add_argument("--frames", type=int, default=DEMO_FRAMES, help="number of frames")
    parser.add_argument("--cache-dir", default=None, type=Path, metavar="DIR",
                        help="where the synthetic kernel set is cached")
    parser.set_defaults(func=run)


def guide(folder: Path) -> list[str]:
    """The lines printed after the demo: every file and a way to look at it."""
    from simulator.products import product_paths

    p = product_paths(folder, folder.name)
    return [
        f"product written to {folder}",
        f"  look at it:       {p['quicklook']}  (colour map projection, north up, west longitude to the left)",
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
    scenario = load_scenario("default").replace(imaging={"filters": list(DEMO_FILTERS), "frames": args.frames})
    folder = render_product(ProductRequest(scenario=scenario, out_dir=Path(args.out), overwrite=True,
                                           cache_dir=args.cache_dir, title="junocam-sim demo"),
                            Progress("demo"))
    for line in guide(folder):
        print(line)
    return 0

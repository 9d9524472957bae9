"""``junocam-sim scene``: write the scene's truth maps (npz + 16-bit PNGs) and RGB quicklooks."""

from __future__ import annotations

import argparse
from pathlib import Path

from scenes import build_scene
from scenes.truth import truth_maps, write_truth_maps, write_views


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "scene", help="write the scene's truth maps (normal albedo per filter) and quicklooks",
        description="Build the scenario's scene and write, in --out: truth-map.npz (one float32 normal-albedo "
                    "map per filter plus the lat and lon axes; planetographic latitude +90 at the top row, "
                    "System III west longitude 0..360 from the left), truth-map-<FILTER>.png (16-bit, "
                    "albedo x 65535), quicklook.png (RGB) and orthographic views view-equator/north/south.png "
                    "(RGB) and view-equator-methane.png.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--scenario", default="default", metavar="NAME|FILE",
                        help="built-in scenario name or TOML file whose [scene] table to use")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder (created if needed)")
    parser.add_argument("--resolution", type=float, default=0.25, metavar="DEG",
                        help="map pixel size in degrees (must divide 180)")
    parser.add_argument("--seed", type=int, default=None, help="texture seed (default: the scenario's)")
    parser.add_argument("--no-views", action="store_true", help="skip the orthographic disk views")
    parser.set_defaults(func=run)


def _scene_config(scenario) -> dict:
    config = scenario.table("scene")
    map_path = config.get("map_path")
    source = Path(scenario.source) if scenario.source else None
    if map_path and not Path(map_path).is_absolute() and source is not None and source.is_file():
        candidate = source.parent / map_path
        if candidate.exists():
            config["map_path"] = str(candidate)
    return config


def run(args) -> int:
    from simulator.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    config = _scene_config(scenario)
    if args.seed is not None:
        config["texture_seed"] = args.seed
    scene = build_scene(config, seed=scenario.seed)
    jupiter = scene.bodies[0]
    maps = truth_maps(jupiter.appearance, args.resolution)
    written = write_truth_maps(maps, args.out)
    if not args.no_views:
        written += write_views(jupiter.appearance, scene.photometry, args.out)
    print(f"scene of scenario {scenario.name!r}: {len(scene.bodies)} body(ies), photometry "
          f"{scene.photometry.model}; maps {maps['lat'].size} x {maps['lon'].size} at {args.resolution} deg")
    for path in written:
        print(f"wrote {path}")
    return 0

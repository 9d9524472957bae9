"""``junocam-sim scene``: write the scene's truth maps (npz + 16-bit PNGs) and RGB quicklooks."""

from __future__ import annotations

import argparse
from pathlib import Path

from scenes import build_scene
from scenes.errors import SceneError
from scenes.truth import truth_maps, write_truth_maps, write_views
from simulator.commands.kernels import add_overwrite_argument


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
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output folder: new or empty (one junocam-sim wrote is replaced with --overwrite)")
    parser.add_argument("--resolution", type=float, default=0.25, metavar="DEG",
                        help="map pixel size in degrees (must divide 180)")
    parser.add_argument("--seed", type=int, default=None, help="texture seed (default: the scenario's)")
    parser.add_argument("--no-views", action="store_true", help="skip the orthographic disk views")
    add_overwrite_argument(parser)
    parser.set_defaults(func=run)


# Resources per map pixel (all filters), measured (tracemalloc peak, du) without views: 165 MB / 19.7 MB at
# 0.25 deg (1.04 M px), 445 MB / 77.2 MB at 0.125 deg (4.15 M px): ~90 B/px of memory (the four float32 maps,
# the chunks' evaluation and the writers' temporaries) and ~19 B/px on disk. The views are fixed-size.
MAP_MEMORY_BYTES_PER_PIXEL = 96
MAP_DISK_BYTES_PER_PIXEL = 27
VIEWS_BYTES = 8_000_000


def check_request(resolution_deg: float, seed: int | None, views: bool) -> int:
    """Validate ``--resolution``/``--seed`` before any work; return the bytes the output needs on disk."""
    from scenes.truth import map_axes
    from simulator.outputs import check_memory

    if seed is not None and seed < 0:
        raise SceneError(f"--seed {seed} must be a whole number >= 0")
    lat, lon = map_axes(resolution_deg)
    pixels = lat.size * lon.size
    check_memory(MAP_MEMORY_BYTES_PER_PIXEL * pixels, f"a {lat.size} x {lon.size} map (--resolution "
                 f"{resolution_deg:g})", "a coarser --resolution")
    return MAP_DISK_BYTES_PER_PIXEL * pixels + (VIEWS_BYTES if views else 0)


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
    from simulator.outputs import atomic_dir, prepare_output
    from simulator.progress import Progress
    from simulator.scenario import load_scenario

    needed = check_request(args.resolution, args.seed, not args.no_views)
    final = prepare_output(args.out, overwrite=args.overwrite, kind="dir")
    scenario = load_scenario(args.scenario)
    config = _scene_config(scenario)
    if args.seed is not None:
        config["texture_seed"] = args.seed
    scene = build_scene(config, seed=scenario.seed)
    jupiter = scene.bodies[0]
    progress = Progress("scene", unit="step")
    # A new folder as a whole: a second run never mixes its files with the first's.
    with atomic_dir(final, overwrite=args.overwrite, command="scene", needed_bytes=needed,
                    what="the scene's maps and views") as partial:
        maps = truth_maps(jupiter.appearance, args.resolution, progress=progress)
        written = write_truth_maps(maps, partial)
        if not args.no_views:
            written += write_views(jupiter.appearance, scene.photometry, partial)
    progress.close()
    print(f"scene of scenario {scenario.name!r}: {len(scene.bodies)} body(ies), photometry "
          f"{scene.photometry.model}; maps {maps['lat'].size} x {maps['lon'].size} at {args.resolution} deg")
    for path in written:
        print(f"wrote {final / path.name}")
    return 0

"""``junocam-sim kernels --scenario NAME|FILE --out DIR``: write a complete synthetic SPICE kernel set.

Also home of :func:`add_kernel_arguments`, which every geometry-using command calls so that ``--scenario``
and ``--kernels METAKERNEL`` (the user's real kernels) mean the same everywhere; resolve them with
``simulator.kernelset.resolve_kernels(scenario, args.kernels, args.cache_dir)``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from simulator.kernelset import scenario_window_et, write_kernel_files
from simulator.outputs import atomic_dir, prepare_output
from simulator.scenario import load_scenario
from simulator.spice import KernelPool, utc_string


def add_kernel_arguments(parser: argparse.ArgumentParser, scenario_default: str | None = "default") -> None:
    """Add ``--scenario``, ``--kernels`` and ``--cache-dir`` to a command's parser."""
    parser.add_argument("--scenario", default=scenario_default, metavar="NAME|FILE",
                        help="built-in scenario name or TOML file (default: %(default)s)")
    parser.add_argument("--kernels", default=None, metavar="METAKERNEL",
                        help="use these SPICE kernels (e.g. NAIF's Juno kernels) instead of the scenario's "
                             "synthetic set")
    parser.add_argument("--cache-dir", default=None, type=Path, metavar="DIR",
                        help="where synthetic kernel sets are cached (default: $JUNOCAM_SIM_CACHE or "
                             "~/.cache/junocam-sim)")


KERNEL_SET_BYTES = 20_000_000  # free space asked for: the default set is 1.3 MB (measured), J2 sets more


def register(subparsers) -> None:
    parser = subparsers.add_parser("kernels", help="write a synthetic SPICE kernel set for a scenario",
                                   description="Write a complete, self-consistent SPICE kernel set (LSK, PCK, "
                                               "FK, IK, SCLK, SPK, CK and a metakernel) for a scenario.")
    parser.add_argument("--scenario", default="default", metavar="NAME|FILE",
                        help="built-in scenario name or TOML file (default: %(default)s)")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="output folder: new or empty; one junocam-sim wrote is replaced with --overwrite; "
                             "a folder holding other files is never touched")
    add_overwrite_argument(parser)
    parser.set_defaults(func=run)


def add_overwrite_argument(parser: argparse.ArgumentParser) -> None:
    """``--overwrite``: the one switch that lets a command replace an output junocam-sim wrote before."""
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an existing output that junocam-sim wrote (folders carry a "
                             ".junocam-sim-output marker; other folders are never replaced)")


def run(args: argparse.Namespace) -> int:
    prepare_output(args.out, overwrite=args.overwrite, kind="dir")   # refuse before any work
    scenario = load_scenario(args.scenario)
    with atomic_dir(args.out, overwrite=args.overwrite, command="kernels", needed_bytes=KERNEL_SET_BYTES,
                    what="a kernel set") as partial:
        name = write_kernel_files(scenario, partial).name
    mk = Path(args.out).absolute() / name
    with KernelPool([mk]):
        et_p, et0, et1 = scenario_window_et(scenario)
        window = f"{utc_string(et0)} .. {utc_string(et1)} (perijove {utc_string(et_p)})"
    files = sorted(p.relative_to(mk.parent) for p in mk.parent.rglob("*") if p.is_file() and p.name[0] != ".")
    print(f"wrote {len(files)} files for scenario {scenario.name!r} to {mk.parent}")
    for f in files:
        print(f"  {f}")
    print(f"coverage: {window}")
    print(f"metakernel: {mk}  (paths relative to its folder: load it from there, or via junocam-sim)")
    return 0

"""``junocam-sim dataset``: many products from a declarative spec, on local processes or a Dask cluster."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "dataset", help="render many products from a dataset spec (local processes or a Dask cluster) with a manifest",
        description="Render every item of a dataset spec (TOML: base scenarios, count, what varies as grids or "
                    "seeded draws) into OUT/products/, with OUT/manifest.parquet and OUT/manifest.csv. Items "
                    "that fail are recorded and never stop the others; --resume finishes an interrupted run.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("spec", metavar="SPEC_TOML", help="the dataset spec")
    parser.add_argument("--out", required=True, metavar="DIR", help="dataset folder (new, or this spec's with --resume)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=1, metavar="N",
                       help="items rendered side by side: this process plus N-1 worker processes")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running dask.distributed scheduler, e.g. tcp://head:8786 (OUT must be shared storage)")
    parser.add_argument("--threads-per-worker", type=int, default=0, metavar="T",
                        help="compute threads per local worker (0: cores / workers)")
    parser.add_argument("--truth", choices=("none", "minimal", "full"),
                        help="truth planes kept per product (default: the spec's dataset.truth)")
    parser.add_argument("--resume", action="store_true", help="skip finished items, redo failed and missing ones")
    parser.add_argument("--items", metavar="LIST",
                        help="only these item indices, e.g. 3 or 0-9,12 (regenerate one item alone; the rest with "
                             "--resume later)")
    parser.add_argument("--cache-dir", metavar="DIR", help="synthetic kernel cache (shared storage for a cluster)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from simulator.dataset import RunOptions, load_spec, run_dataset
    from simulator.dataset.spec import DatasetSpecError

    if args.workers < 1:
        raise DatasetSpecError(f"--workers {args.workers} must be a positive integer")
    if args.threads_per_worker < 0:
        raise DatasetSpecError(f"--threads-per-worker {args.threads_per_worker} must be 0 (automatic) or more")
    from simulator.dataset.runner import parse_items

    items = parse_items(args.items) if args.items is not None else None
    spec = load_spec(args.spec)
    result = run_dataset(spec, args.out, RunOptions(
        workers=args.workers, threads_per_worker=args.threads_per_worker, scheduler=args.scheduler,
        resume=args.resume, truth=args.truth, cache_dir=args.cache_dir, items=items))
    print(f"dataset {spec.name!r}: {result.done} made, {result.skipped} already there, {result.failed} failed; "
          f"manifest {result.manifest}")
    import atexit

    from simulator.dataset.worker import fast_exit

    atexit.register(fast_exit)    # at the interpreter's end: skip collecting its whole heap once more (~0.8 CPU-s)
    return 1 if result.failed else 0

"""``junocam-sim render``: one product from a scenario, a twin of an existing product, or a planner's sequence."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from simulator.commands.kernels import add_kernel_arguments
from simulator.errors import ProductError, SimulatorError
from simulator.progress import Progress  # noqa: F401  (demo imports it from here)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "render", help="render a raw JunoCam product with its truth",
        description="Render one raw image (PNG + Metadata JSON + PDS3 + truth) from a scenario; or a synthetic "
                    "twin of an existing product (--like); or every image of a planner's sequence.json "
                    "(--sequence). Options override the scenario's [imaging] and [errors] values.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--like", metavar="DIR",
                        help="render a twin of this product: a mission download (-Metadata.json, with its "
                             "-raw.png for the spin-phase fit), a PDS3 EDR (.LBL + .IMG), or a folder holding one")
    source.add_argument("--sequence", metavar="SEQUENCE_JSON", help="render every image of a sequence.json")
    add_kernel_arguments(parser)
    parser.add_argument("--start", metavar="UTC", help="START_TIME (put on a whole spacecraft-clock tick)")
    parser.add_argument("--frames", type=int, help="number of frames")
    parser.add_argument("--filters", help="comma-separated FILTER_NAME list, e.g. BLUE,GREEN,RED")
    parser.add_argument("--tdi", type=int, help="TDI stages (exposure = TDI x 3.2 ms)")
    parser.add_argument("--interframe-delay", type=float, metavar="S",
                        help="INTERFRAME_DELAY in seconds (rounded to the label's milliseconds)")
    parser.add_argument("--compression", help="NONE, LOSSLESS or 'INTEGER COSINE TRANSFORM'")
    parser.add_argument("--seed", type=int, help="seed of every random draw")
    parser.add_argument("--jitter-ms", type=float, metavar="X",
                        help="injected start-time error X ms (true minus reported start; the truth records it)")
    parser.add_argument("--image-number", type=int, default=1, help="the nnnnn of the PRODUCT_ID")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing product folder")
    parser.add_argument("--truth", choices=("none", "minimal", "full"), default="full",
                        help="truth FITS planes: all, the five validate/score read, or none (truth.json is kept)")
    parser.add_argument("--truth-coding", choices=("differences", "values"), default="differences",
                        help="truth float planes as integer line differences (smallest; decode with "
                             "simulator.products.reader.TruthFile or the header's QCODING recipe) or as quantised "
                             "values any FITS reader returns as floats (about twice the size)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write product folders into")
    parser.set_defaults(func=run)


def imaging_overrides(args) -> dict:
    """Scenario ``[imaging]`` values given on the command line."""
    out = {}
    if args.start is not None:
        out["start_utc"] = args.start
    if args.frames is not None:
        out["frames"] = args.frames
    if args.filters is not None:
        out["filters"] = [f.strip().upper() for f in args.filters.split(",") if f.strip()]
    if args.tdi is not None:
        out["tdi"] = args.tdi
    if args.interframe_delay is not None:
        out["interframe_delay_s"] = round(args.interframe_delay, 3)
    if args.compression is not None:
        out["compression"] = args.compression.upper()
    return out


def load_with_overrides(args, imaging: dict | None = None):
    """The scenario with the command line's (and ``imaging``'s) values applied (validated by the scenario)."""
    from simulator.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    tables = {"imaging": {**imaging_overrides(args), **(imaging or {})}}
    if args.jitter_ms is not None:
        tables["errors"] = {"start_time_jitter_ms": args.jitter_ms}
    changes = {k: v for k, v in tables.items() if v}
    if args.seed is not None:
        changes["seed"] = args.seed
    return scenario.replace(**changes) if changes else scenario


def _render_one(args, scenario, **request) -> Path:
    from simulator.products.pipeline import ProductRequest, render_product
    from simulator.products.truth import TruthStorage

    req = ProductRequest(scenario=scenario, out_dir=Path(args.out),
                         kernels=Path(args.kernels) if args.kernels else None, cache_dir=args.cache_dir,
                         overwrite=args.overwrite, **request,
                         # planes compressed in processes when it pays (HCOMPRESS at full): TruthStorage.workers
                         truth=TruthStorage(level=getattr(args, "truth", "full"), workers=0,
                                            coding=getattr(args, "truth_coding", "differences")))
    return render_product(req, Progress("rendering", unit="framelet"))


def run_like(args) -> list[Path]:
    """A twin of ``--like`` (a mission download, a PDS3 EDR, or one of our products); prints the comparison."""
    from simulator.products.like import twin_settings
    from simulator.twins.plan import plan_twin
    from simulator.twins.report import compare, report_table, write_report

    twin = twin_settings(Path(args.like))
    if any(v is not None for v in (args.start, args.frames, args.filters, args.tdi, args.interframe_delay,
                                   args.compression)):
        raise ProductError("--like copies START_TIME, frames, filters, TDI, interframe delay and compression "
                           "from the original; do not combine it with --start/--frames/--filters/--tdi/"
                           "--interframe-delay/--compression")
    lay = twin.layout
    plan = plan_twin(load_with_overrides(args), twin.original, kernels=args.kernels, cache_dir=args.cache_dir)
    record = {"original": str(twin.source), "original_kind": twin.original.kind, **plan.record}
    folder = _render_one(args, plan.scenario, start_utc=lay.start_utc, sclk_start=lay.sclk_start,
                         image_number=twin.image_number, version=twin.version, letter=twin.letter,
                         title=f"synthetic twin of {lay.product_id}", records={"twin.json": record})
    comparison = compare(twin.original, folder)
    write_report({**comparison, "how": plan.record}, folder)
    print(f"twin geometry: {plan.record['geometry']}", file=sys.stderr)
    if plan.record.get("phase"):
        print(f"twin spin phase: {plan.record['phase']['note']}", file=sys.stderr)
    print(report_table(comparison), file=sys.stderr)
    return [folder]


def _read_sequence(path: Path) -> list[dict]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProductError(f"sequence file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProductError(f"sequence file {str(path)!r} is not readable JSON ({exc})") from None
    images = doc.get("images") if isinstance(doc, dict) else None
    if not isinstance(images, list):
        raise ProductError(f"sequence file {str(path)!r} has no 'images' list; expected junocam-sim plan's sequence.json")
    for i, entry in enumerate(images):
        missing = [k for k in ("start_utc", "frames", "filters", "tdi") if not isinstance(entry, dict) or k not in entry]
        if missing:
            raise ProductError(f"sequence file {str(path)!r}: image {i} lacks {missing[0]!r}")
    return images


def _sequence_tdi(entry: dict, filters: list[str], where: str) -> dict[str, int]:
    """``{filter: stages}`` from an entry's ``tdi`` (one whole number, or one per filter)."""
    tdi = entry["tdi"]
    values = tdi if isinstance(tdi, dict) else {f: tdi for f in filters}
    if isinstance(tdi, dict):
        values = {str(k).upper(): v for k, v in tdi.items()}
        missing = [f for f in filters if f not in values]
        if missing:
            raise ProductError(f"{where}: 'tdi' has no value for filter {missing[0]}; expected a whole number "
                               f"for each of {', '.join(filters)} (or one number for all)")
    out = {}
    for f in filters:
        v = values[f]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v != int(v):
            raise ProductError(f"{where}: 'tdi' {v!r} for {f} is not a whole number; expected TDI stages "
                               "such as 1, 4 or 16")
        out[f] = int(v)
    return out


def sequence_products(entry: dict, where: str = "sequence image") -> list[dict]:
    """A sequence entry as one or more ``[imaging]`` override sets, one per distinct TDI.

    A JunoCam product carries one JNO:TDI_STAGES_COUNT, so an entry asking different TDI per filter becomes
    one product per TDI value (filters keep their order). A malformed entry raises ``ProductError``
    naming ``where``.
    """
    if not isinstance(entry["filters"], list) or not entry["filters"]:
        raise ProductError(f"{where}: 'filters' {entry['filters']!r} is not a list of filter names")
    filters = [str(f).upper() for f in entry["filters"]]
    per_filter = _sequence_tdi(entry, filters, where)
    groups: dict[int, list[str]] = {}
    for f in filters:
        groups.setdefault(per_filter[f], []).append(f)
    common = {k: entry[k] for k in ("frames", "interframe_delay_s", "summing", "companding", "compression",
                                    "quality") if k in entry}
    common["start_utc"] = str(entry["start_utc"]).rstrip("Z")
    return [{**common, "filters": group, "tdi": stages} for stages, group in groups.items()]


def sequence_jobs(args) -> list[tuple[object, int, str]]:
    """Every product of ``args.sequence`` as ``(scenario, image number, title)``, each image's values
    checked by the scenario; a malformed file or image raises ``ProductError`` naming it."""
    path = Path(args.sequence)
    jobs = []
    number = args.image_number
    for i, entry in enumerate(_read_sequence(path)):
        where = f"sequence file {str(path)!r}, image {i}"
        for imaging in sequence_products(entry, where):
            try:
                scenario = load_with_overrides(args, imaging)
            except SimulatorError as exc:
                raise ProductError(f"{where}: {exc}") from None
            jobs.append((scenario, number, f"sequence image {entry.get('number', i)}"))
            number += 1
    return jobs


def run_sequence(args) -> list[Path]:
    """Render every image of the sequence; the whole file is checked first (:func:`sequence_jobs`), so a
    bad later image writes nothing."""
    from simulator.outputs import prepare_output
    from simulator.products.description import make_product_id
    from simulator.products.writer import check_product_folder

    jobs = sequence_jobs(args)
    out = prepare_output(args.out, kind="container")
    for scenario, n, _ in jobs:   # every product folder free before the first render (day of START_TIME)
        start = str(scenario.imaging.start_utc or scenario.orbit.perijove_utc)
        check_product_folder(out / make_product_id(start, int(scenario.imaging.orbit_number), n), args.overwrite)
    return [_render_one(args, scenario, image_number=n, title=title) for scenario, n, title in jobs]


def run(args) -> int:
    from simulator.outputs import prepare_output

    prepare_output(args.out, kind="container")   # a file named like the folder is refused before any work
    if args.like:
        written = run_like(args)
    elif args.sequence:
        written = run_sequence(args)
    else:
        written = [_render_one(args, load_with_overrides(args), image_number=args.image_number)]
    if not written:
        raise SimulatorError(f"sequence file {args.sequence!r} lists no images to render")
    for folder in written:
        print(folder)
    return 0

"""``junocam-sim render``: one product from a scenario, a twin of an existing product, or a planner's sequence."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simulator.commands.kernels import add_kernel_arguments
from simulator.errors import ProductError, SimulatorError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "render", help="render a raw JunoCam product with its truth",
        description="Render one raw image (PNG + Metadata JSON + PDS3 + truth) from a scenario; or a synthetic "
                    "twin of an existing product (--like); or every image of a planner's sequence.json "
                    "(--sequence). Options override the scenario's [imaging] and [errors] values.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--like", metavar="METADATA_JSON",
                        help="render a twin of this product (its -Metadata.json, or a folder holding one)")
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


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, label: str, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.label = label

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / max(total, 1))
        self.stream.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} framelets")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


def _render_one(args, scenario, **request) -> Path:
    from simulator.products.pipeline import ProductRequest, render_product
    from simulator.products.truth import TruthStorage

    req = ProductRequest(scenario=scenario, out_dir=Path(args.out),
                         kernels=Path(args.kernels) if args.kernels else None, cache_dir=args.cache_dir,
                         overwrite=args.overwrite, truth=TruthStorage(level=getattr(args, "truth", "full")),
                         **request)
    return render_product(req, Progress("rendering"))


def run_like(args) -> list[Path]:
    from simulator.products.like import twin_settings

    twin = twin_settings(Path(args.like))
    if any(v is not None for v in (args.start, args.frames, args.filters, args.tdi, args.interframe_delay,
                                   args.compression)):
        raise ProductError("--like copies START_TIME, frames, filters, TDI, interframe delay and compression "
                           "from the original; do not combine it with --start/--frames/--filters/--tdi/"
                           "--interframe-delay/--compression")
    lay = twin.layout
    base = load_with_overrides(args)
    orbit = _covering_orbit(base, lay.start_utc, quiet=bool(args.kernels))
    scenario = base.replace(imaging={**twin.render_overrides(), "start_utc": lay.start_utc}, **orbit)
    sclk = lay.sclk_start if args.kernels else None
    return [_render_one(args, scenario, start_utc=lay.start_utc, sclk_start=sclk,
                        image_number=twin.image_number, version=twin.version,
                        title=f"synthetic twin of {lay.product_id}")]


def _covering_orbit(scenario, start_utc: str, quiet: bool) -> dict:
    """``{"orbit": {"perijove_utc": ...}}`` moving the perijove to START_TIME when the scenario's synthetic
    kernels would not cover the image, else ``{}``.

    A synthetic twin of a real image keeps the original's times; the synthetic orbit is the scenario's,
    so without real kernels only the timing (not the geometry) repeats the original.
    """
    from datetime import timedelta

    from simulator.products.description import parse_utc_ms

    start = parse_utc_ms(start_utc)
    perijove = parse_utc_ms(str(scenario.orbit.perijove_utc))
    before = timedelta(hours=float(scenario.geometry.coverage_before_h))
    after = timedelta(hours=float(scenario.geometry.coverage_after_h))
    if perijove - before + timedelta(minutes=5) <= start <= perijove + after - timedelta(minutes=5):
        return {}
    moved = start.strftime("%Y-%m-%dT%H:%M:%S")
    if not quiet:
        print(f"junocam-sim: note: scenario {scenario.name!r} covers {scenario.orbit.perijove_utc} +-"
              f"{float(scenario.geometry.coverage_before_h):g} h, not {start_utc}; its perijove is moved to "
              f"{moved} "
              "(synthetic twin: same timing, synthetic geometry; give --kernels for the real geometry)",
              file=sys.stderr)
    return {"orbit": {"perijove_utc": moved}}


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


def sequence_products(entry: dict) -> list[dict]:
    """A sequence entry as one or more ``[imaging]`` override sets, one per distinct TDI.

    A JunoCam product carries one JNO:TDI_STAGES_COUNT, so an entry asking different TDI per filter becomes
    one product per TDI value (filters keep their order).
    """
    filters = [str(f).upper() for f in entry["filters"]]
    tdi = entry["tdi"]
    per_filter = {f: int(tdi[f] if isinstance(tdi, dict) else tdi) for f in filters}
    groups: dict[int, list[str]] = {}
    for f in filters:
        groups.setdefault(per_filter[f], []).append(f)
    common = {k: entry[k] for k in ("frames", "interframe_delay_s", "summing", "companding", "compression",
                                    "quality") if k in entry}
    common["start_utc"] = str(entry["start_utc"]).rstrip("Z")
    return [{**common, "filters": group, "tdi": stages} for stages, group in groups.items()]


def run_sequence(args) -> list[Path]:
    path = Path(args.sequence)
    written = []
    number = args.image_number
    for i, entry in enumerate(_read_sequence(path)):
        for imaging in sequence_products(entry):
            scenario = load_with_overrides(args, imaging)
            written.append(_render_one(args, scenario, image_number=number,
                                       title=f"sequence image {entry.get('number', i)}"))
            number += 1
    return written


def run(args) -> int:
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

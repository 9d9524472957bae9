"""``junocam-sim budget``: time until a data volume is home, or an existing product's measured volume."""

from __future__ import annotations

import math

from instrument_models.junocam.downlink import BYTES_PER_MB, DownlinkParams, PassSchedule
from simulator.errors import SimulatorError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "budget", help="downlink time of a data volume, or measured volume of a product in each compression mode",
        description="Print the time until a volume is home (--volume-mb), or measure an existing product's "
                    "volume in each compression mode (PRODUCT_DIR) and its downlink time. 1 MB = 10^6 bytes.",
    )
    parser.add_argument("product_dir", nargs="?", metavar="PRODUCT_DIR",
                        help="product folder (ImageSet/ + DataSet/) or a folder with a mission raw PNG + JSON pair")
    parser.add_argument("--volume-mb", type=float, help="data volume in MB (10^6 bytes)")
    parser.add_argument("--rate-bps", type=float,
                        help="downlink rate in bit/s: the average allocation, or the rate during passes with "
                             f"--hours-per-day (default {DownlinkParams().rate_bps:g}, facts.md; with "
                             "--hours-per-day the rate giving the same daily average)")
    parser.add_argument("--hours-per-day", type=float, help="contact hours per day (a pass schedule)")
    parser.add_argument("--quality", type=int, default=None,
                        help="INTEGER COSINE TRANSFORM quality (1..100) for measuring a product (default: the "
                             "quality the product was rendered with, from its kernels/scenario.toml, else the "
                             "scenario default 85)")
    parser.add_argument("--buffer-mb", type=float, help="onboard buffer in MB (assumption; default "
                        f"{DownlinkParams().buffer_bytes / BYTES_PER_MB:g})")
    parser.set_defaults(func=run)


def _finite(name: str, value, minimum_exclusive: bool) -> float:
    if not math.isfinite(value) or value < 0 or (minimum_exclusive and value == 0):
        expected = "> 0" if minimum_exclusive else ">= 0"
        raise SimulatorError(f"{name} {value:g} is not a finite number {expected}")
    return value


def link_from_args(args) -> tuple[DownlinkParams, DownlinkParams | PassSchedule]:
    """(DownlinkParams, link) from --rate-bps / --hours-per-day / --buffer-mb."""
    defaults = DownlinkParams()
    buffer_bytes = defaults.buffer_bytes
    if args.buffer_mb is not None:
        buffer_bytes = int(_finite("--buffer-mb", args.buffer_mb, True) * BYTES_PER_MB)
    rate = None if args.rate_bps is None else _finite("--rate-bps", args.rate_bps, True)
    params = DownlinkParams(rate_bps=rate or defaults.rate_bps, buffer_bytes=buffer_bytes,
                            framelet_overhead_bytes=defaults.framelet_overhead_bytes)
    if args.hours_per_day is None:
        return params, params
    hours = _finite("--hours-per-day", args.hours_per_day, True)
    if hours > 24:
        raise SimulatorError(f"--hours-per-day {hours:g} is more than 24")
    pass_rate = rate if rate is not None else defaults.rate_bps * 24.0 / hours
    return params, PassSchedule(hours_per_day=hours, pass_rate_bps=pass_rate)


# Sanity bound on --volume-mb (an assumption, not a mission figure): 10^6 MB = 1 TB, far beyond any
# JunoCam pass (its images are 0.1-50 MB); a larger value is a typo, not a plan.
MAX_VOLUME_MB = 1e6


def run(args) -> int:
    from simulator.budget import product_report, volume_report
    from simulator.progress import Progress

    if (args.product_dir is None) == (args.volume_mb is None):
        raise SimulatorError("give either PRODUCT_DIR or --volume-mb X (not both, not neither)")
    params, link = link_from_args(args)
    if args.volume_mb is not None:
        volume = _finite("--volume-mb", args.volume_mb, False)
        if volume > MAX_VOLUME_MB:
            raise SimulatorError(f"--volume-mb {volume:g} is more than {MAX_VOLUME_MB:g} MB (1 TB); expected the "
                                 "volume of images, in MB (10^6 bytes)")
        print(volume_report(volume * BYTES_PER_MB, link, params))
    else:
        bar = Progress("measuring", unit="framelet")
        text = product_report(args.product_dir, link, args.quality, params, progress=bar)
        bar.close()
        print(text)
    return 0

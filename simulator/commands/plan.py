"""``junocam-sim plan``: search a pass for imaging opportunities and plan a budgeted image sequence."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from simulator.commands.kernels import add_kernel_arguments, add_overwrite_argument
from simulator.planning.errors import PlanningError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "plan", help="plan images of a target during a perijove pass (opportunities, TDI, volume, footprints)",
        description="Search the pass for times the target crosses JunoCam's swath lit and in view, propose "
                    "images (start time, frames, filters, TDI, compression), fit them to the buffer and the "
                    "downlink, and write sequence.json, sequence.csv and plots into --out.")
    add_kernel_arguments(p)
    p.add_argument("--window", default="-3h,+3h",
                   help="START,STOP as offsets from the scenario's perijove (-3h,+3h; units d h m s) "
                        "or two UTC times (default -3h,+3h)")
    p.add_argument("--target", default="north-pole",
                   help="north-pole, south-pole, GRS, LAT,LON (planetographic deg, System III west deg) or limb")
    p.add_argument("--max-emission", type=float, metavar="DEG", help="largest emission angle (default 70)")
    p.add_argument("--max-incidence", type=float, metavar="DEG", help="largest solar incidence (default 85)")
    p.add_argument("--budget-mb", type=float, metavar="X", help="cap on the pass's volume, MB (10^6 bytes)")
    p.add_argument("--rate-bps", type=float, help="downlink rate, bit/s (default: the downlink model's 370)")
    p.add_argument("--buffer-mb", type=float, help="onboard buffer, MB (default: the downlink model's)")
    p.add_argument("--filters", help="comma-separated filters (default: RGB, i.e. BLUE,GREEN,RED; add METHANE)")
    p.add_argument("--snr", type=float, help="SNR goal at the target (default 100)")
    p.add_argument("--every", type=float, metavar="MIN",
                   help="one image every MIN minutes while the target stays imageable (default: one per pass)")
    p.add_argument("--max-images", type=int, help="keep at most this many images (the finest scales)")
    p.add_argument("--context-km", type=float, help="how far around the target each image reaches, km")
    p.add_argument("--measure", action="store_true",
                   help="measure volumes by rendering every framelet (slow) instead of estimating from a preview")
    p.add_argument("--out", required=True, type=Path,
                   help="output folder: new or empty (one junocam-sim wrote is replaced with --overwrite)")
    add_overwrite_argument(p)
    # Let "--window -3h,+3h" through: argparse takes a value starting with "-" for an option unless it looks
    # like a negative number, so negative offsets (and the pair they start) are declared to be numbers here.
    p._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)(d|h|min|m|s)?(,.*)?$")
    p.set_defaults(func=run)


PLAN_BYTES = 20_000_000  # free space asked for: sequence files and three plots are ~1-3 MB (measured on pj10)


def _positive(name: str, value, allow_zero: bool = False):
    if value is None:
        return None
    if not (value > 0 or (allow_zero and value == 0)):
        raise PlanningError(f"{name} {value:g} must be {'>= 0' if allow_zero else '> 0'}")
    return value


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from instrument_models.junocam import JunoCam
    from instrument_models.junocam.downlink import BYTES_PER_MB, DownlinkParams
    from simulator.kernelset import resolve_kernels
    from simulator.planning.exposure import ExposureGoal
    from simulator.planning.opportunities import Limits
    from simulator.planning.outputs import write_plan
    from simulator.planning.planner import PlanRequest, plan_pass, scene_for
    from simulator.planning.proposal import ImageSettings
    from simulator.planning.targets import parse_target
    from simulator.planning.volume import MeasuredVolumeModel, PreviewVolumeModel
    from simulator.outputs import atomic_dir, prepare_output
    from simulator.progress import Progress
    from simulator.render import RenderRequest
    from simulator.scenario import load_scenario

    final = prepare_output(args.out, overwrite=args.overwrite, kind="dir")   # refuse before any work
    target = parse_target(args.target, _positive("--context-km", args.context_km))
    for name in ("max_emission", "max_incidence"):
        value = getattr(args, name)
        if value is not None and not 0.0 < value <= 90.0:
            raise PlanningError(f"--{name.replace('_', '-')} {value:g} must be in (0, 90] degrees")
    scenario = load_scenario(args.scenario)
    cam = JunoCam.default()
    filters = (tuple(f.strip() for f in args.filters.split(",") if f.strip()) if args.filters
               else tuple(scenario.imaging.filters))
    filters = tuple(cam.filter_name(f) for f in filters)
    if len(set(filters)) != len(filters):
        raise PlanningError(f"--filters {args.filters!r} names a filter twice")
    im = scenario.imaging
    settings = ImageSettings(filters=filters, interframe_delay_s=float(im.interframe_delay_s), summing=int(im.summing),
                             companding=str(im.companding), compression=str(im.compression), quality=int(im.quality))
    defaults = Limits()
    limits = Limits(args.max_emission or defaults.max_emission_deg, args.max_incidence or defaults.max_incidence_deg)
    link = DownlinkParams()
    link = replace(link, rate_bps=_positive("--rate-bps", args.rate_bps) or link.rate_bps,
                   buffer_bytes=int(_positive("--buffer-mb", args.buffer_mb) * BYTES_PER_MB)
                   if args.buffer_mb is not None else link.buffer_bytes)
    budget = _positive("--budget-mb", args.budget_mb, allow_zero=True)
    metakernel = resolve_kernels(scenario, args.kernels, args.cache_dir)
    request = PlanRequest(
        scenario=scenario, metakernel=metakernel, target=target, window=args.window, limits=limits,
        settings=settings, goal=ExposureGoal(snr_goal=_positive("--snr", args.snr) or ExposureGoal().snr_goal),
        link=link, budget_bytes=None if budget is None else budget * BYTES_PER_MB,
        spacing_s=None if args.every is None else _positive("--every", args.every) * 60.0,
        max_images=_positive("--max-images", args.max_images))
    scene = scene_for(scenario)
    base = RenderRequest.from_scenario(scenario, args.cache_dir)
    base = base.with_overrides(metakernel=metakernel)

    def volumes(mk, camera, scn):
        return (MeasuredVolumeModel if args.measure else PreviewVolumeModel)(base, link, camera, scn)

    bar = Progress("planning", unit="stage")
    result = plan_pass(request, volumes, cam=cam, scene=scene, progress=bar)
    bar.close()
    with atomic_dir(final, overwrite=args.overwrite, command="plan", needed_bytes=PLAN_BYTES,
                    what="the plan") as partial:
        written = write_plan(result, partial, scene)
    paths = {name: final / path.name for name, path in written.items()}
    print(result.message)
    for plan in result.kept:
        print(f"  image {plan.number}: crossing {plan.target} with {plan.frames} frames "
              f"{'+'.join(plan.filters)} TDI {'/'.join(str(plan.tdi[f]) for f in plan.filters)}, "
              f"nadir {plan.nadir_scale_km:.1f} km/px, target {plan.target_scale_km:.1f} km/px, "
              f"incidence {plan.incidence_deg:.0f}, emission {plan.emission_deg:.0f} deg, "
              f"{plan.volume_bytes / 1e6:.2f} MB{' (' + plan.status + ')' if plan.status != 'planned' else ''}")
    print(f"wrote {', '.join(str(p) for p in paths.values())}")
    return 0

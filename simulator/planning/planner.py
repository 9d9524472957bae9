"""The planning pipeline behind ``junocam-sim plan``: search, propose, budget, footprints.

Everything runs inside one scoped kernel pool (:class:`simulator.geometry.Geometry`); SPICE is called
per time sample only (the coarse scan, the bisection steps, one sample per framelet for footprints).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from instrument_models.junocam import JunoCam
from instrument_models.junocam.downlink import DownlinkParams
from instrument_models.junocam.radiometry import Radiometry
from simulator.geometry import Geometry
from simulator.planning.exposure import ExposureGoal
from simulator.planning.footprints import Footprint, framelet_footprints
from simulator.planning.opportunities import Limits, Opportunity, SearchResult, search
from simulator.planning.proposal import ImagePlan, ImageSettings, image_frames, pixel_scale_km, propose_image
from simulator.planning.sequence import BudgetLimits, fit_sequence, sequence_timeline
from simulator.planning.swath import Spin, Swath
from simulator.planning.targets import Target
from simulator.planning.window import parse_window

SECONDS_PER_DAY = 86_400.0
# Attitude samples this far apart measure the spin axis and rate (a tenth of a 30 s spin).
SPIN_PROBE_S = 3.0


@dataclass(frozen=True)
class PlanRequest:
    """Everything one plan needs.

    Attributes
    ----------
    scenario : the loaded scenario (perijove, orbit period, imaging defaults, scene).
    metakernel : SPICE metakernel (the scenario's synthetic set or the user's kernels).
    target : what to image.
    window : ``START,STOP`` text (offsets from perijove or UTC times).
    limits, settings, goal : illumination limits, commanding defaults, exposure goal.
    link : downlink and buffer model.
    budget_bytes : the user's cap on the pass's volume (None: buffer and downlink only).
    spacing_s : take one image per opportunity run (None) or one every ``spacing_s`` within a run.
    max_images : keep at most this many proposals (the finest target scales first).
    """

    scenario: object
    metakernel: Path
    target: Target
    window: str = "-3h,+3h"
    limits: Limits = Limits()
    settings: ImageSettings = ImageSettings()
    goal: ExposureGoal = ExposureGoal()
    link: DownlinkParams = DownlinkParams()
    budget_bytes: float | None = None
    spacing_s: float | None = None
    max_images: int | None = None


@dataclass
class PlanResult:
    """The plan: search, images kept and dropped, footprints, buffer timeline and a one-line summary."""

    request: PlanRequest
    abcorr: str
    perijove_et: float
    window_et: tuple[float, float]
    spin: Spin
    swath: Swath
    search: SearchResult
    scan_nadir_scale_km: np.ndarray
    scan_target_scale_km: np.ndarray
    scan_sub_lat_pg_deg: np.ndarray
    scan_sub_lon_w_deg: np.ndarray
    kept: list[ImagePlan] = field(default_factory=list)
    dropped: list[ImagePlan] = field(default_factory=list)
    footprints: dict[int, list[Footprint]] = field(default_factory=dict)
    limit_bytes: float = 0.0
    limit_name: str = ""
    timeline: object = None
    message: str = ""
    volume_source: str = ""


def select_opportunities(opportunities: list[Opportunity], spacing_s: float | None,
                         max_images: int | None) -> list[Opportunity]:
    """The opportunities to image: the finest target scale of each run, or several spaced ``spacing_s`` apart.

    Within a run, the closest opportunity is taken first, then the closest one at least ``spacing_s``
    from every one taken, and so on; ``max_images`` keeps the closest overall. Returned in time order.
    """
    chosen: list[Opportunity] = []
    for run in sorted({o.run for o in opportunities}):
        members = sorted((o for o in opportunities if o.run == run), key=lambda o: o.range_km)
        taken: list[Opportunity] = []
        for o in members:
            if not taken or (spacing_s is not None
                             and all(abs(o.crossing_et - t.crossing_et) >= spacing_s for t in taken)):
                taken.append(o)
        chosen += taken
    if max_images is not None:
        chosen = sorted(chosen, key=lambda o: o.range_km)[:max_images]
    return sorted(chosen, key=lambda o: o.crossing_et)


def expected_iof(scene, opportunity: Opportunity, target: Target, sun_body: np.ndarray, obs_body: np.ndarray,
                 filters) -> dict[str, float]:
    """I/F the scene gives at the point that decides the target's lighting, per filter.

    For the limb, where the emission angle is 90 deg, the point is evaluated as seen from overhead (the
    disk just inside the limb), a planning estimate of how bright the image gets.
    """
    point = opportunity.lit_point_body[None, :]
    if target.kind == "limb":
        obs_body = point[0] + scene.bodies[0].shape.normal(point)[0] * opportunity.range_km
    out = {}
    for f in filters:
        iof = float(scene.evaluate(0, f, point, sun_body, obs_body)["iof"][0])
        out[f] = iof if np.isfinite(iof) else 0.0
    return out


# Coarse pixel grid on which an image's brightest I/F is looked for (assumption: 33 columns x 5 rows per
# framelet, in its first, middle and last frames; texture finer than that is the headroom's business).
PEAK_GRID = (33, 5)


def peak_iof_in_image(geo, cam: JunoCam, scene, ets: np.ndarray, filters) -> dict[str, float]:
    """Brightest I/F the scene shows on a coarse pixel grid of each filter's framelets at times ``ets``."""
    cols = np.linspace(cam.strips.first_photoactive_column + 0.5, cam.strips.last_photoactive_column + 0.5,
                       PEAK_GRID[0])
    rows = (np.arange(PEAK_GRID[1]) + 0.5) * cam.strips.framelet_lines(1) / PEAK_GRID[1]
    sample, line = (a.ravel() for a in np.meshgrid(cols, rows))
    s = geo.sample(np.asarray(ets, dtype=float))
    peak = {f: 0.0 for f in filters}
    for f in filters:
        rays = cam.pixel_to_ray(f, sample, line)
        for i in range(len(s)):
            hit = geo.intercept(rays, s, i)
            if hit.hit.any():
                iof = scene.evaluate(0, f, hit.points[hit.hit], s.sun_body[i], hit.obs_body[hit.hit])["iof"]
                peak[f] = max(peak[f], float(np.nanmax(iof)))
    return peak


def apply_degradation(plan: ImagePlan, changes: dict) -> None:
    """Apply a ladder step to ``plan``; summing multiplies both pixel scales by the summing ratio."""
    if "summing" in changes:
        ratio = changes["summing"] / plan.summing
        plan.nadir_scale_km *= ratio
        plan.target_scale_km *= ratio
    for key, value in changes.items():
        setattr(plan, key, value)


def scene_for(scenario):
    """The scenario's scene (``scenes.build_scene`` of its [scene] table, absent keys left out)."""
    from scenes import build_scene

    return build_scene({k: v for k, v in scenario.table("scene").items() if v is not None}, int(scenario.seed))


def plan_pass(request: PlanRequest, volume_model_factory, cam: JunoCam | None = None, scene=None,
              progress=None) -> PlanResult:
    """Run the whole plan (see the module docstring).

    ``progress(done, total)``, when given, is called after each stage: the search, the proposals, the
    volumes and each kept image's footprints (``total`` = 3 + kept images, known after the volumes).

    ``volume_model_factory(metakernel, cam, scene)`` returns an object with ``estimate_bytes(plan)``
    (:class:`simulator.planning.volume.PreviewVolumeModel` in the CLI); it is only called when there
    is something to budget.
    """
    sc = request.scenario
    cam = cam or JunoCam.default()
    scene = scene or scene_for(sc)
    with Geometry(request.metakernel, abcorr=sc.geometry.aberration_correction) as geo:
        perijove_et = float(geo.str2et(str(sc.orbit.perijove_utc))[0])
        window = parse_window(request.window, perijove_et, lambda u: float(geo.str2et(u)[0]))
        window = geo.covered_window(*window)   # the part the kernels cover, light time included
        probe = geo.sample(np.array([window[0], window[0] + SPIN_PROBE_S]))
        spin = Spin.from_attitudes(probe.cam_to_j2000[0], probe.cam_to_j2000[1], SPIN_PROBE_S)
        swath = Swath.from_camera(cam, request.settings.filters, spin.axis_cam)
        tick = progress or (lambda done, total: None)
        found = search(geo, request.target, window, spin, swath, request.limits)
        tick(1, 4)
        sub = geo.sub_spacecraft(found.scan.ets)
        result = PlanResult(request, geo.abcorr, perijove_et, window, spin, swath, found,
                            pixel_scale_km(sub.altitude_km, cam), pixel_scale_km(found.scan.range_km, cam),
                            sub.lat_pg, sub.lon_w)
        budget = BudgetLimits(request.link, float(sc.orbit.period_days) * SECONDS_PER_DAY, request.budget_bytes)
        result.limit_bytes, result.limit_name = budget.limit()
        if not found.opportunities:
            result.message = found.explain_none(request.target, request.limits)
            result.timeline = sequence_timeline([], budget, window[0])
            return result
        chosen = select_opportunities(found.opportunities, request.spacing_s, request.max_images)
        plans = propose_images(geo, cam, scene, request, spin, swath, chosen)
        tick(2, 4)
        volumes = volume_model_factory(request.metakernel, cam, scene)
        result.volume_source = getattr(volumes, "source", type(volumes).__name__)
        result.kept, result.dropped = fit_sequence(plans, budget, volumes.estimate_bytes, apply_degradation)
        result.timeline = sequence_timeline(result.kept, budget, window[0])
        total = 3 + len(result.kept)
        tick(3, total)
        for k, plan in enumerate(result.kept, start=1):
            result.footprints[plan.number] = framelet_footprints(geo, cam, framelet_mid_ets(cam, plan), plan.tdi)
            tick(3 + k, total)
        result.message = _summary(result)
    return result


def propose_images(geo, cam: JunoCam, scene, request: PlanRequest, spin: Spin, swath: Swath,
                   chosen: list[Opportunity]) -> list[ImagePlan]:
    """One :class:`ImagePlan` per chosen opportunity: geometry at the crossing, expected and peak I/F, radiometry."""
    settings = request.settings
    crossing = np.array([o.crossing_et for o in chosen])
    s = geo.sample(crossing)
    sub = geo.sub_spacecraft(crossing)
    solar_km = geo.solar_distance_km(crossing)
    radiometry = Radiometry()
    period = settings.interframe_delay_s + cam.timing.interframe_delta_s
    plans = []
    for i, o in enumerate(chosen):
        _, lat_pg, lon_w = geo.ellipsoid.lonlat(o.point_body[None, :])
        iof = expected_iof(scene, o, request.target, s.sun_body[i], s.obs_body[i], settings.filters)
        rates = {f: radiometry.electrons_per_s_per_iof(f, float(solar_km[i])) for f in settings.filters}
        frames = image_frames(spin, swath, o.range_km, request.target.context_radius_km, period, settings)
        offsets = np.array([0.0, 0.5 * (frames - 1), frames - 1.0]) - 0.5 * (frames - 1)
        peak = peak_iof_in_image(geo, cam, scene, o.crossing_et + offsets * period, settings.filters)
        plans.append(propose_image(i + 1, o, cam, spin, swath, settings, request.target.context_radius_km,
                                   float(sub.altitude_km[i]), float(sub.lat_pg[i]), float(sub.lon_w[i]),
                                   (float(lat_pg[0]), float(lon_w[0])), iof, rates, request.goal,
                                   request.target.name, peak))
    return plans


def _summary(result: PlanResult) -> str:
    """The plan in one sentence: how many images, how much of the limit; or why not even one fits."""
    if not result.kept:
        smallest = min(result.dropped, key=lambda p: p.volume_bytes)
        return (f"the {result.limit_name} ({result.limit_bytes / 1e6:.2f} MB) is too small for one image: the "
                f"smallest, image {smallest.number} at summing {smallest.summing} and quality {smallest.quality}, "
                f"needs {smallest.volume_bytes / 1e6:.2f} MB.")
    total = sum(p.volume_bytes for p in result.kept)
    return (f"{len(result.kept)} image(s) of {result.request.target.name} planned ({len(result.dropped)} dropped), "
            f"{total / 1e6:.2f} MB of the {result.limit_name} limit {result.limit_bytes / 1e6:.2f} MB.")


def framelet_mid_ets(cam: JunoCam, plan: ImagePlan) -> dict[tuple[int, str], float]:
    """``{(frame, filter): mid-exposure ET}`` of every framelet of ``plan`` (ISIS frame times)."""
    out = {}
    for frame in range(plan.frames):
        for f in plan.filters:
            out[(frame, f)] = float(cam.frame_mid_et(plan.start_et, frame, plan.interframe_delay_s, plan.tdi[f]))
    return out


"""Image proposals: from an opportunity to an image JunoCam can be commanded to take.

For one opportunity (the time the target crosses the centre of the image's filter strips) this chooses
the number of frames that covers the target and its context in every filter (plus a margin), the
reported START_TIME (true start minus START_TIME_BIAS) that puts the target in the middle frame, one TDI
for all filters from the radiometry, and reports the pixel scales and the illumination at the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from instrument_models.junocam import JunoCam
from simulator.planning.exposure import ExposureGoal, choose_tdi
from simulator.planning.opportunities import Opportunity
from simulator.planning.swath import Spin, Swath


@dataclass(frozen=True)
class ImageSettings:
    """Commanding choices shared by the images of a plan (defaults from the scenario's [imaging] table).

    Attributes
    ----------
    filters : filters read out, in readout order.
    interframe_delay_s : INTERFRAME_DELAY (s).
    summing, companding, compression, quality : as in the scenario.
    margin_frames : extra frames on each side of the target's span (assumption: 1).
    max_frames : most frames one image may have (scenario's upper bound on ``imaging.frames``).
    """

    filters: tuple[str, ...] = ("BLUE", "GREEN", "RED")
    interframe_delay_s: float = 0.371
    summing: int = 1
    companding: str = "SQROOT"
    compression: str = "INTEGER COSINE TRANSFORM"
    quality: int = 85
    margin_frames: int = 1
    max_frames: int = 500


@dataclass
class ImagePlan:
    """One planned image (mutable only while the sequence budget degrades or drops it).

    Attributes
    ----------
    number : 1-based image number in time order.
    target : target name.
    crossing_et : ET the target crosses the image's centre line (s).
    start_et : reported START_TIME as ET (true first-frame start minus START_TIME_BIAS).
    frames, filters, tdi, interframe_delay_s, summing, companding, compression, quality : commanding.
    nadir_scale_km : altitude above the ellipsoid x IFOV at the crossing (km/px).
    target_scale_km : range to the target x IFOV (km/px), perpendicular to the line of sight.
    altitude_km, range_km, incidence_deg, emission_deg, phase_deg : geometry at the crossing.
    sub_lat_pg_deg, sub_lon_w_deg : sub-spacecraft point at the crossing.
    target_lat_pg_deg, target_lon_w_deg : the target point imaged (for the limb: the chosen limb point).
    expected_iof : per filter, the I/F expected at the target.
    snr : per filter, the SNR expected at the target with the chosen TDI.
    volume_bytes : expected data volume (estimator), then the measured one when rendered.
    status : ``"planned"``, ``"degraded"`` or ``"dropped"``.
    reasons : why anything is not as asked (TDI limits, degradation, drop).
    """

    number: int
    target: str
    crossing_et: float
    start_et: float
    frames: int
    filters: tuple[str, ...]
    tdi: dict[str, int]
    interframe_delay_s: float
    summing: int
    companding: str
    compression: str
    quality: int
    nadir_scale_km: float
    target_scale_km: float
    altitude_km: float
    range_km: float
    incidence_deg: float
    emission_deg: float
    phase_deg: float
    sub_lat_pg_deg: float
    sub_lon_w_deg: float
    target_lat_pg_deg: float
    target_lon_w_deg: float
    expected_iof: dict[str, float]
    snr: dict[str, float]
    volume_bytes: int = 0
    status: str = "planned"
    reasons: list[str] = field(default_factory=list)


def pixel_scale_km(range_km, cam: JunoCam, summing: int = 1):
    """Pixel scale (km/px) perpendicular to the line of sight: range x IFOV (x summing).

    IFOV is the centre pixel's, PIXEL_SIZE / FOCAL_LENGTH (675.4 µrad, facts.md "Camera geometry"). With
    the range to the sub-spacecraft point (the altitude) this is the nadir scale.
    """
    return np.asarray(range_km, dtype=float) * cam.optics.ifov_rad * int(summing)


def frames_to_cover(spin: Spin, swath: Swath, range_km: float, context_radius_km: float,
                    frame_period_s: float, margin_frames: int) -> int:
    """Frames whose strips sweep the target, its context and a margin in every chosen filter.

    The target crosses filter ``f`` when its azimuth reaches the strip's; the outermost strips are
    ``spread`` apart, the context adds ``2 atan(context / range)``, and each frame covers one frame period
    of spin.
    """
    az = np.array(list(swath.azimuth_rad.values()))
    spread = float(az.max() - az.min())
    context = 2.0 * math.atan2(context_radius_km, range_km)
    span_s = (spread + context) / spin.rate_rad_s
    return int(math.ceil(span_s / frame_period_s)) + 1 + 2 * int(margin_frames)


def image_frames(spin: Spin, swath: Swath, range_km: float, context_radius_km: float, frame_period_s: float,
                 settings: ImageSettings, reasons: list[str] | None = None) -> int:
    """:func:`frames_to_cover` capped at ``settings.max_frames`` (the cap is noted in ``reasons``)."""
    frames = frames_to_cover(spin, swath, range_km, context_radius_km, frame_period_s, settings.margin_frames)
    if frames > settings.max_frames:
        if reasons is not None:
            reasons.append(f"{frames} frames needed to cover the context; capped at {settings.max_frames}")
        frames = settings.max_frames
    return frames


def propose_image(number: int, opportunity: Opportunity, cam: JunoCam, spin: Spin, swath: Swath,
                  settings: ImageSettings, context_radius_km: float, altitude_km: float,
                  sub_lat_pg_deg: float, sub_lon_w_deg: float, target_lat_lon: tuple[float, float],
                  expected_iof: dict[str, float], electrons_per_s_per_iof: dict[str, float], goal: ExposureGoal,
                  target_name: str, peak_iof: dict[str, float] | None = None) -> ImagePlan:
    """Build the :class:`ImagePlan` of one opportunity (see the module docstring).

    ``expected_iof``, ``peak_iof`` (the brightest I/F expected in the image) and ``electrons_per_s_per_iof``
    (the instrument's radiometry at the actual solar distance) are per filter; the image's one TDI follows from them and the detector's full well and read
    noise (:func:`simulator.planning.exposure.choose_tdi`).
    """
    reasons: list[str] = []
    timing, det = cam.timing, cam.detector
    choice = choose_tdi({f: expected_iof[f] for f in settings.filters}, electrons_per_s_per_iof, det.full_well_e,
                        det.read_noise_e, timing.tdi_line_period_s, goal, timing.tdi_stages_min,
                        timing.tdi_stages_max, peak_iof)
    if choice.reason:
        reasons.append(f"TDI {choice.tdi}: {choice.reason}")
    period = settings.interframe_delay_s + timing.interframe_delta_s
    frames = image_frames(spin, swath, opportunity.range_km, context_radius_km, period, settings, reasons)
    # The centre line crosses the target at crossing_et; the middle frame's mid-exposure goes there.
    exposure = float(cam.exposure_s(choice.tdi))
    first_mid = opportunity.crossing_et - 0.5 * (frames - 1) * period
    start_et = first_mid - 0.5 * exposure - timing.start_time_bias_s
    return ImagePlan(
        number=number, target=target_name, crossing_et=opportunity.crossing_et, start_et=float(start_et),
        frames=frames, filters=tuple(settings.filters), tdi={f: choice.tdi for f in settings.filters},
        interframe_delay_s=settings.interframe_delay_s, summing=settings.summing,
        companding=settings.companding, compression=settings.compression, quality=settings.quality,
        nadir_scale_km=float(pixel_scale_km(altitude_km, cam, settings.summing)),
        target_scale_km=float(pixel_scale_km(opportunity.range_km, cam, settings.summing)),
        altitude_km=float(altitude_km), range_km=opportunity.range_km,
        incidence_deg=opportunity.incidence_deg, emission_deg=opportunity.emission_deg,
        phase_deg=opportunity.phase_deg, sub_lat_pg_deg=float(sub_lat_pg_deg),
        sub_lon_w_deg=float(sub_lon_w_deg), target_lat_pg_deg=float(target_lat_lon[0]),
        target_lon_w_deg=float(target_lat_lon[1]), expected_iof=dict(expected_iof),
        snr=dict(choice.snr), reasons=reasons)


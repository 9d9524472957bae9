"""Mission time: the camera's state at a perijove, as radiation has aged it.

JunoCam was designed for eight perijoves and has flown through Jupiter's radiation belts every orbit since
2016 (NASA/JPL news release, 2023-12-29, Ed Hirst). The published record of its ageing, each anchor with its
source (:data:`ANCHORS` holds them as data):

========  =====================================================================================  ==========
 PJ       what was reported                                                                      used as
========  =====================================================================================  ==========
 1-8      design life: eight flybys (NASA/JPL 2023-12-29)                                         onset
          (no published degradation in this period; Swift's flat/dark frames use PJ0-18 images)  (assumed)
 28       dark frames measured (12-bit DN, TDI 1): the detector defaults (``DetectorParams``)      fit (dark,
          reproduce these (``../shared/reference/calibration/README.md``)                          hot pixels)
 32       raw DN on Jupiter at TDI 1, the mission's per-filter maps of JNCE_2021052_32C00054       fit (the
          decompanded (README "What the mission's maps hold"): blue/green 0.399, red/green 1.255  pristine
          (disk medians; 0.53-0.63 / 1.11-1.13 in issue #13 were the maps' codes and the PJ32     passbands,
          pipeline's weights); a pipeline's white balance (R;G;B) = (0.902;1;1.888)               spectral.py)
 43       white balance of linearised RGB at TDI 1 (R;G;B) = (0.768;1.000;2.630) "because the      check
          camera optics' sensitivity degrades with radiation" (G. Eichstaedt, mission site
          processing gallery id 13594, PJ44 approach movie)
 56       "reduction in our dynamic range and an increase in background and noise" (mission site   dark/noise
          processing gallery notice); "striping noise" (NASA/JPL 2023-12-29)                      growth
 60       throughput lost through orbit 60: red 23 %, green 47 %, blue 64 % (facts.md, [S])      fit (the
                                                                                                 darkening)
========  =====================================================================================  ==========

Model (every number a dataclass field of :class:`AgingModel`):

- **Optics darkening.** Each filter's response (relative to pristine) falls as ``exp(-tau_f d)`` with an
  optical depth proportional to the dose ``d``, and the dose grows linearly with perijoves after the
  design life: ``d = max(0, PJ - onset) / (60 - onset)``, so ``tau_f = -ln(T60_f)`` with the PJ60
  throughputs (red / green / blue 0.77 / 0.53 / 0.36). METHANE has no published figure; glass darkens
  least in the near infrared, so it takes RED's (assumption). Result: blue/green x 0.98 and red/green x 1.01 at
  PJ10, x 0.84 / x 1.19 at PJ32, x 0.77 / x 1.29 at PJ43.
- **Where PJ32's colour goes.** Rendered like for like (the real image's framing, the mission-like maps of
  ``benchmarks.map_encoding``), the camera with the first passbands read blue/green 0.581 and red/green 1.113
  against the real 0.399 / 1.255: x 0.69 and x 1.13 short, and per filter BLUE 1.39 x the real DN, GREEN 0.95 x,
  RED 0.83 x at the same exposure. That factor is put into the pristine camera (``spectral.py``: BLUE's peak
  transmission 0.9 -> 0.616, RED's width 140 -> 159 nm, both unpublished assumptions), not here and not into
  Jupiter's colours, because: (1) the darkening cannot carry it: blue/green x 0.69 at PJ32 on top of the
  PJ60-anchored x 0.84 needs x 0.58 by PJ32, below the x 0.68 published for PJ60, and RED's level needs x 1.21
  while an undarkened RED gives only x 1.13; (2) Jupiter's colours are Karkoschka's measured albedos
  (``scenes.filters``: blue/green 0.91, red/green 0.99 disk-averaged); the old camera would have needed a
  disk of blue/green ~0.62 at this geometry, a Jupiter far browner than its spectrum; (3) the check below.
  Confidence: moderate. One image cannot split camera from planet; ~5 % of each ratio could be Jupiter's
  high-latitude colour or the photometry at phase ~72 deg.
- **Checks (not fitted).** The white balance that makes equal I/F grey is 1 / the response ratios: the model
  gives (R;G;B) = (0.717;1;2.554) at PJ43 against Eichstaedt's published (0.768;1;2.630), 7 % and 3 % off
  (the first passbands gave (0.811;1;1.751), blue 33 % off). At PJ32 it gives (0.776;1;2.354); the PJ32
  pipeline's (0.902;1;1.888) times the real raw ratios leave Jupiter at blue/green 0.75, red/green 1.13 (a warm
  tan, the look that pipeline aims at), so those weights are a rendering choice, not the camera's response.
  Rendered raw ratios on Jupiter and the levels per filter: README "Mission time".
- **Dark current and hot pixels** grow with displacement damage, linearly in perijoves, scaled to 1 at the
  PJ28 dark frames the detector defaults reproduce: ``scale = f0 + (1 - f0) PJ / 28`` with ``f0 = 0.25`` of
  the PJ28 level already present before the first perijove (assumption). After ``noise_onset_perijove``
  (50, assumption) the PJ56 note's extra background and noise ramp in linearly, reaching
  ``dark_scale_late`` (x 2) and ``read_noise_scale_late`` (x 1.5) at PJ56 on top of the linear growth
  (both assumptions: the note gives no number), held constant afterwards.
- **Scattered light** in METHANE (the mission site: "long exposures ... can show scattered light"): a
  uniform I/F-equivalent pedestal of 0.002 (assumption: ~4 % of Jupiter's 0.045 methane-band albedo),
  present from the start (an optical property, not ageing).

:func:`camera_state` evaluates the model at a perijove (overrides replace any factor);
:func:`apply_mission_state` puts a :class:`CameraState` into a ``JunoCam``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Mapping

from instrument_models.errors import InstrumentError
from instrument_models.junocam.optics import FILTERS, normalize_filter
from instrument_models.junocam.radiometry import per_filter_values

# Published anchors (see the module docstring): perijove -> (what, source). Kept as data so the README and
# truth record can list them.
ANCHORS: tuple[tuple[int, str, str], ...] = (
    (8, "design life of eight flybys; no published degradation before", "NASA/JPL news release 2023-12-29"),
    (28, "dark frames the detector defaults reproduce", "../shared/reference/calibration/README.md"),
    (32, "raw DN blue/green 0.399, red/green 1.255 on Jupiter, TDI 1; white balance (0.902;1;1.888)",
     "mission maps of JNCE_2021052_32C00054 decompanded (README 'What the mission's maps hold'); "
     "kmgill/junocam_processing"),
    (43, "white balance (R;G;B) = (0.768;1.000;2.630) of linearised TDI-1 RGB",
     "G. Eichstaedt, missionjuno.swri.edu processing gallery id 13594"),
    (56, "reduced dynamic range, more background and noise; striping noise",
     "missionjuno.swri.edu processing gallery notice; NASA/JPL news release 2023-12-29"),
    (60, "throughput lost: red 23 %, green 47 %, blue 64 %", "facts.md 'Detector and electronics' [S]"),
)


@dataclass(frozen=True)
class AgingModel:
    """How the camera ages with perijoves (see the module docstring for each number's source).

    Attributes
    ----------
    onset_perijove : darkening starts after this perijove (8: the design life, assumption).
    throughput_perijove : perijove of ``throughput`` (60, facts.md).
    throughput : {filter: response at ``throughput_perijove``} relative to pristine (facts.md: 1 - 0.23,
        1 - 0.47, 1 - 0.64; METHANE = RED's, assumption).
    detector_reference_perijove : perijove at which dark current and hot pixels equal the detector
        defaults (28: the measured dark frames).
    detector_initial_fraction : share of that level present before the first perijove (0.25, assumption).
    noise_onset_perijove : start of the late noise/background growth (50, assumption).
    late_perijove : perijove of the note on dynamic range, background and noise (56, mission site).
    dark_scale_late, read_noise_scale_late : extra factors on dark current and read noise reached at
        ``late_perijove`` (2.0 and 1.5, assumptions), ramping in from ``noise_onset_perijove``.
    stray_light_iof : {filter: I/F} scattered light (METHANE 0.002, assumption).
    """

    onset_perijove: float = 8.0
    throughput_perijove: float = 60.0
    throughput: Mapping[str, float] = field(default_factory=lambda: {
        "METHANE": 0.77, "BLUE": 0.36, "GREEN": 0.53, "RED": 0.77})
    detector_reference_perijove: float = 28.0
    detector_initial_fraction: float = 0.25
    noise_onset_perijove: float = 50.0
    late_perijove: float = 56.0
    dark_scale_late: float = 2.0
    read_noise_scale_late: float = 1.5
    stray_light_iof: Mapping[str, float] = field(default_factory=lambda: {"METHANE": 0.002})

    def __post_init__(self) -> None:
        object.__setattr__(self, "throughput", per_filter_values(self.throughput, None, "throughput", 1e-6, 1.0))
        object.__setattr__(self, "stray_light_iof", per_filter_values(self.stray_light_iof, 0.0, "stray light I/F",
                                                                0.0, 1.0))
        if not 0 <= self.onset_perijove < self.throughput_perijove:
            raise InstrumentError(f"onset perijove {self.onset_perijove!r} must be >= 0 and below the throughput "
                                  f"perijove {self.throughput_perijove!r}")
        if not (self.detector_reference_perijove > 0 and 0 <= self.detector_initial_fraction <= 1):
            raise InstrumentError("detector_reference_perijove must be > 0 and detector_initial_fraction in 0..1, "
                                  f"got {self.detector_reference_perijove!r}, {self.detector_initial_fraction!r}")
        if not self.noise_onset_perijove < self.late_perijove:
            raise InstrumentError(f"noise onset perijove {self.noise_onset_perijove!r} must come before the late "
                                  f"perijove {self.late_perijove!r}")
        if not (self.dark_scale_late >= 1 and self.read_noise_scale_late >= 1):
            raise InstrumentError(f"late dark / read-noise scales {self.dark_scale_late!r}, "
                                  f"{self.read_noise_scale_late!r} must be >= 1")

    def __hash__(self) -> int:
        return hash((self.onset_perijove, tuple(self.throughput.values()), self.detector_reference_perijove,
                     self.detector_initial_fraction, self.noise_onset_perijove, self.late_perijove,
                     self.dark_scale_late, self.read_noise_scale_late, tuple(self.stray_light_iof.values())))

    def dose(self, perijove: float) -> float:
        """Radiation dose in units of the dose at ``throughput_perijove`` (0 up to ``onset_perijove``)."""
        return max(0.0, perijove - self.onset_perijove) / (self.throughput_perijove - self.onset_perijove)

    def response(self, perijove: float) -> dict[str, float]:
        """{filter: response relative to pristine} at a perijove: ``throughput ** dose``."""
        d = self.dose(perijove)
        return {f: math.exp(math.log(self.throughput[f]) * d) for f in FILTERS}

    def late_ramp(self, perijove: float) -> float:
        """0 before ``noise_onset_perijove``, 1 from ``late_perijove`` on, linear between."""
        span = self.late_perijove - self.noise_onset_perijove
        return min(1.0, max(0.0, (perijove - self.noise_onset_perijove) / span))

    def damage_scale(self, perijove: float) -> float:
        """Dark current and hot-pixel density relative to the detector defaults (1 at the reference PJ)."""
        f0 = self.detector_initial_fraction
        return f0 + (1.0 - f0) * max(0.0, perijove) / self.detector_reference_perijove


@dataclass(frozen=True)
class CameraState:
    """The camera at one point of the mission: what :func:`apply_mission_state` changes.

    Attributes
    ----------
    perijove : the perijove (0 = before the first).
    response : {filter: photo-electron rate factor}, 1 = pristine (drives ``Radiometry.response``).
    stray_light_iof : {filter: uniform scattered-light I/F} (drives ``Radiometry.stray_light_iof``).
    dark_scale : factor on the dark current (``DetectorParams.dark_current_e_s_ref``) and the dark frame's
        levels (``DarkFrameParams.level_scale``, 1 = the PJ28 frames the detector defaults reproduce).
    read_noise_scale : factor on the (line-correlated) read noise ``DetectorParams.read_noise_e``.
    hot_pixel_scale : factor on the hot-pixel and warm-column counts (``DarkFrameParams.hot_density_scale``,
        ``warm_column_scale``; ``DetectorParams.hot_pixel_fraction`` of the idealised detector).
    """

    perijove: float
    response: Mapping[str, float]
    stray_light_iof: Mapping[str, float]
    dark_scale: float = 1.0
    read_noise_scale: float = 1.0
    hot_pixel_scale: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.perijove) and self.perijove >= 0):
            raise InstrumentError(f"perijove {self.perijove!r} is invalid; expected a number >= 0")
        object.__setattr__(self, "response", per_filter_values(self.response, 1.0, "response factor", 0.0, 10.0))
        object.__setattr__(self, "stray_light_iof",
                           per_filter_values(self.stray_light_iof, 0.0, "stray light I/F", 0.0, 10.0))
        for name in ("dark_scale", "read_noise_scale", "hot_pixel_scale"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0 <= v <= 1000):
                raise InstrumentError(f"{name} {v!r} is invalid; expected a number in 0..1000")

    def __hash__(self) -> int:
        return hash((self.perijove, tuple(self.response.values()), tuple(self.stray_light_iof.values()),
                     self.dark_scale, self.read_noise_scale, self.hot_pixel_scale))

    def as_record(self) -> dict:
        """Plain JSON-ready dict of the applied state (for truth.json)."""
        return {"perijove": float(self.perijove),
                "response": {f: float(v) for f, v in self.response.items()},
                "stray_light_iof": {f: float(v) for f, v in self.stray_light_iof.items()},
                "dark_scale": float(self.dark_scale), "read_noise_scale": float(self.read_noise_scale),
                "hot_pixel_scale": float(self.hot_pixel_scale)}


def camera_state(perijove: float, model: AgingModel | None = None, **overrides) -> CameraState:
    """The camera's state at ``perijove`` under ``model`` (default :class:`AgingModel`).

    ``overrides`` replace computed fields: ``response`` / ``stray_light_iof`` ({filter: value}, merged over the
    model's), ``dark_scale``, ``read_noise_scale``, ``hot_pixel_scale``.
    """
    m = model or AgingModel()
    pj = float(perijove)
    if not (math.isfinite(pj) and pj >= 0):
        raise InstrumentError(f"perijove {perijove!r} is invalid; expected a number >= 0")
    ramp = m.late_ramp(pj)
    damage = m.damage_scale(pj)
    values = {
        "response": m.response(pj),
        "stray_light_iof": dict(m.stray_light_iof),
        "dark_scale": damage * (1.0 + (m.dark_scale_late - 1.0) * ramp),
        "read_noise_scale": 1.0 + (m.read_noise_scale_late - 1.0) * ramp,
        "hot_pixel_scale": damage,
    }
    unknown = sorted(set(overrides) - set(values))
    if unknown:
        raise InstrumentError(f"unknown camera-state override {unknown[0]!r}; expected one of {', '.join(values)}")
    for key, v in overrides.items():
        if v is None:
            continue
        if key in ("response", "stray_light_iof"):
            values[key] = {**values[key], **{normalize_filter(f): float(x) for f, x in dict(v).items()}}
        else:
            values[key] = float(v)
    return CameraState(perijove=pj, **values)


PRISTINE = CameraState(perijove=0.0, response={}, stray_light_iof={})  # every factor neutral


def apply_mission_state(camera, state: CameraState):
    """A copy of ``camera`` (a ``JunoCam``) as it is in ``state``.

    The radiometry takes the response factors and scattered light; the detector's dark current, read noise
    and hot-pixel fraction, and the dark frame's levels, hot-pixel and warm-column counts, are multiplied by
    the state's scales (``dataclasses.replace``); the noise the dark level's calibration assumes for the ADC's
    clipping at 0 (``DarkFrameParams.level_noise_dn``) follows the read noise. This is the one place that maps
    the state onto camera parameters.
    """
    det = camera.detector
    frame = replace(det.dark_frame, level_scale=det.dark_frame.level_scale * state.dark_scale,
                    hot_density_scale=det.dark_frame.hot_density_scale * state.hot_pixel_scale,
                    warm_column_scale=det.dark_frame.warm_column_scale * state.hot_pixel_scale,
                    level_noise_dn=det.dark_frame.level_noise_dn * state.read_noise_scale)
    detector = replace(det, dark_current_e_s_ref=det.dark_current_e_s_ref * state.dark_scale,
                       read_noise_e=det.read_noise_e * state.read_noise_scale,
                       hot_pixel_fraction=min(1.0, det.hot_pixel_fraction * state.hot_pixel_scale),
                       dark_frame=frame)
    radiometry = replace(camera.radiometry, response=dict(state.response),
                         stray_light_iof=dict(state.stray_light_iof))
    return replace(camera, detector=detector, radiometry=radiometry)

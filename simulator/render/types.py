"""The renderer's request and result types: what is asked for, and what comes back per framelet.

`RenderRequest` holds everything the renderer needs (kernels, imaging settings, injected errors, noise
switches, render options) as plain frozen data; `RenderRequest.from_scenario` builds one from a loaded
scenario plus CLI overrides. `FrameletResult` is one rendered framelet with its truth backplanes, in the
names ARCHITECTURE.md fixes for the products.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from simulator.errors import SimulatorError

FILTER_ORDER = ("METHANE", "BLUE", "GREEN", "RED")  # CCD order top to bottom (facts.md "Camera geometry")

# Truth backplane names and dtypes (ARCHITECTURE.md "Renderer").
TRUTH_DTYPES = {
    "BODY": np.int32,
    "LAT_PC": np.float64, "LAT_PG": np.float64, "LON_W": np.float64,
    "INCIDENCE": np.float32, "EMISSION": np.float32, "PHASE": np.float32,
    "RANGE": np.float32, "PIXEL_SCALE": np.float32,
    "IOF": np.float32, "DN12": np.float32,
    "DEFECT": np.uint8, "DARK": np.float32, "FLAT": np.float32,
}


class RenderError(SimulatorError):
    """A render request is malformed (the message names the value and what was expected)."""


@dataclass(frozen=True)
class InjectedErrors:
    """Deliberate departures of the "true" camera and spacecraft from what the kernels/labels say.

    Every value here is the one applied (a random start-time jitter is drawn once, in
    ``from_scenario``, from the scenario's standard deviation) and is recorded in each result, so processing
    code can be validated against a known truth. Zero / ``None`` / 1.0 gain means "no error".

    Attributes
    ----------
    start_time_jitter_s : added to the true exposure start of every frame of the image (s).
    interframe_delay_error_s : added to the true INTERFRAME_DELAY (s), so frame n is off by n times it.
    attitude_offset_rad : (3,) small rotation vector (rad, axes of JUNO_JUNOCAM) applied to the true
        attitude: true ray in J2000 = nominal C-matrix . R(offset) . camera ray. The kernels keep the
        nominal attitude.
    spin_rate_error_rpm : true spin rate minus the CK's (rpm), about the spacecraft +Z axis.
    distortion_k1, distortion_k2 : true camera distortion coefficients (pixel units as in the IK);
        ``None`` keeps the kernel's.
    gain_error : per-filter multiplicative gain error on the signal, e.g. ``{"RED": 1.02}`` for 2 % more
        (absent filters: 1.0).
    camera_state : the camera's radiation-aged state (``instrument_models.junocam.aging.CameraState``) the
        renderer applies to the nominal camera (``apply_mission_state``), from the scenario's ``[mission]``
        table; ``None`` = the camera as given. Recorded as ``mission_state``.
    """

    start_time_jitter_s: float = 0.0
    interframe_delay_error_s: float = 0.0
    attitude_offset_rad: tuple[float, float, float] = (0.0, 0.0, 0.0)
    spin_rate_error_rpm: float = 0.0
    distortion_k1: float | None = None
    distortion_k2: float | None = None
    gain_error: dict[str, float] = field(default_factory=dict)
    camera_state: object | None = None

    def as_record(self) -> dict:
        """A plain dict of the injected values (for truth files and metadata)."""
        return {
            "start_time_jitter_s": float(self.start_time_jitter_s),
            "interframe_delay_error_s": float(self.interframe_delay_error_s),
            "attitude_offset_rad": [float(v) for v in self.attitude_offset_rad],
            "spin_rate_error_rpm": float(self.spin_rate_error_rpm),
            "distortion_k1": self.distortion_k1,
            "distortion_k2": self.distortion_k2,
            "gain_error": {k: float(v) for k, v in self.gain_error.items()},
            "mission_state": None if self.camera_state is None else self.camera_state.as_record(),
        }


@dataclass(frozen=True)
class RenderOptions:
    """Numerical choices of the renderer (documented assumptions, all configurable).

    Attributes
    ----------
    supersample : ``n``: pixels near a limb or body edge are integrated with ``n x n`` stratified
        sub-samples over their area and the time they represent (``timing.subsample_times``); the limb's
        position along the motion is then resolved to ~1/n^2 px. Default 4 (assumption, tested against
        ``limbpt`` to 0.1 px). The scenario's ``render.supersample`` sets it.
    psf_sigma_px : standard deviation of the Gaussian optical PSF in unsummed pixels; 0.5 px is an
        assumption (no published JunoCam PSF, facts.md), FWHM ~1.2 px.
    max_stage_nodes : at most this many TDI stage nodes (geometry samples) per framelet; larger TDI
        counts group stages into equal blocks (``timing.py``). Default 9: odd, so one block is centred
        on mid-exposure and its intercepts double as the truth's. The scenario's
        ``render.time_oversample`` raises it (never below this default).
    with_truth : compute the truth backplanes (False skips them for speed).
    truth_planes : which backplanes to compute (names of ``TRUTH_DTYPES``), or None for all of them;
        ``BODY`` is always made. A product's writer asks only for the planes its truth level keeps and
        the ones its quicklook, manifest figures and ``calibration/`` read (``products.writer.render_planes``),
        so ``--truth none|minimal`` does not compute planes nobody stores. Speed only: the planes made are
        the same bytes, and the image does not depend on it.
    scene_on : False renders an empty sky (the detector chain alone: dark, hot pixels, read noise).
    sky_margin_px : margin (px) around Jupiter's bounding cone inside which rays are intersected at all.
    geometry_grid_px : ``k`` >= 2 (even): pixel centres are intercepted exactly only on every ``k``-th
        pixel and line and near the limb; inside the disk the cells in between take the last light-time
        pass at the interpolated epoch when the check at the cell's centre passes (``grid.py``). Default
        0: every pixel centre gets the exact sincpt replica (with ``LT`` as fast as the interpolated path,
        measured, and the truth then equals the replica to rounding, which the validation relies on).
    geometry_tol_px : largest interpolation error accepted at a cell centre, in pixel footprints
        (1e-4: ten times below the truth's 1e-3 px requirement).
    framelet_workers : framelets rendered side by side (``render/workers.py``): 0 chooses from the cores
        (default), 1 renders one at a time. Speed only: the results are the same bytes either way.
    """

    supersample: int = 4
    psf_sigma_px: float = 0.5
    max_stage_nodes: int = 9
    with_truth: bool = True
    scene_on: bool = True
    sky_margin_px: float = 4.0
    geometry_grid_px: int = 0
    geometry_tol_px: float = 1e-4
    framelet_workers: int = 0
    truth_planes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.truth_planes is not None:
            if isinstance(self.truth_planes, str):
                raise RenderError(f"truth_planes {self.truth_planes!r} must be a sequence of plane names, "
                                  f"not one string; expected names among {', '.join(TRUTH_DTYPES)}")
            unknown = [n for n in self.truth_planes if n not in TRUTH_DTYPES]
            if unknown:
                raise RenderError(f"truth plane {unknown[0]!r} is not one the renderer makes; expected names "
                                  f"among {', '.join(TRUTH_DTYPES)}")
            object.__setattr__(self, "truth_planes", tuple(dict.fromkeys(("BODY", *self.truth_planes))))
        if int(self.supersample) < 1:
            raise RenderError(f"supersample {self.supersample!r} must be at least 1")
        if not float(self.psf_sigma_px) >= 0.0:
            raise RenderError(f"psf_sigma_px {self.psf_sigma_px!r} must be >= 0")
        if int(self.max_stage_nodes) < 1:
            raise RenderError(f"max_stage_nodes {self.max_stage_nodes!r} must be at least 1")
        if int(self.geometry_grid_px) < 0:
            raise RenderError(f"geometry_grid_px {self.geometry_grid_px!r} must be >= 0 (below 2: all exact)")
        if int(self.framelet_workers) < 0:
            raise RenderError(f"framelet_workers {self.framelet_workers!r} must be >= 0 (0: automatic)")
        if not 0.0 < float(self.geometry_tol_px) <= 1e-3:
            raise RenderError(f"geometry_tol_px {self.geometry_tol_px!r} must be in (0, 1e-3] px")


@dataclass(frozen=True)
class RenderRequest:
    """Everything needed to render a list of framelets, without touching disk.

    Attributes
    ----------
    metakernel : path of the SPICE metakernel (``simulator.kernelset``) with the nominal geometry.
    start_et : ET of the reported START_TIME (s past J2000 TDB), before START_TIME_BIAS.
    frames : number of frames (frame index 0..frames-1).
    filters : filter names in FILTER_NAME (readout) order, e.g. ``("BLUE", "GREEN", "RED")``.
    tdi_stages : TDI stage count per filter.
    interframe_delay_s : the label's INTERFRAME_DELAY (s).
    spin_rate_rpm : nominal spin rate (the CK's), rpm; the true one adds ``errors.spin_rate_error_rpm``.
    summing : pixel summing 1 or 2.
    companding : companding table name (``"SQROOT"`` default).
    compression : compression mode (``instrument_models.junocam.compression.COMPRESSION_MODES``).
    quality : lossy compression quality (used only by the lossy mode).
    focal_plane_temperature_k : for the dark-current model.
    abcorr : aberration correction used for geometry and truth (``"LT+S"``).
    seed : scenario seed; all random generators derive from it (``simulator.random``).
    scene_config : the scenario's ``[scene]`` table as a plain dict (``scenes.build_scene``).
    noise : the scenario's ``[noise]`` table as a plain dict of switches.
    detector : the scenario's ``[detector]`` table as a plain dict (``simulator.render.calibration``).
    errors : the injected errors.
    options : numerical render options.
    frame_indices : which frames to render (``None`` = all), for tests and tiling.
    sample_range : ``(first, stop)`` unsummed columns to render (``None`` = all 1648); the rest is zero.
    """

    metakernel: Path
    start_et: float
    frames: int
    filters: tuple[str, ...]
    tdi_stages: dict[str, int]
    interframe_delay_s: float
    spin_rate_rpm: float = 2.0
    summing: int = 1
    companding: str = "SQROOT"
    compression: str = "INTEGER COSINE TRANSFORM"  # defaults as the scenario's [imaging] table
    quality: int = 85
    focal_plane_temperature_k: float = 273.0
    abcorr: str = "LT+S"
    seed: int = 0
    scene_config: dict = field(default_factory=dict)
    noise: dict = field(default_factory=dict)
    detector: dict = field(default_factory=dict)
    errors: InjectedErrors = field(default_factory=InjectedErrors)
    options: RenderOptions = field(default_factory=RenderOptions)
    frame_indices: tuple[int, ...] | None = None
    sample_range: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if int(self.frames) < 1:
            raise RenderError(f"frames {self.frames!r} must be at least 1")
        if not self.filters:
            raise RenderError("filters is empty; expected some of METHANE, BLUE, GREEN, RED")
        for name in self.filters:
            if name not in FILTER_ORDER:
                raise RenderError(f"filter {name!r} is not one of {', '.join(FILTER_ORDER)}")
            if name not in self.tdi_stages:
                raise RenderError(f"no TDI stage count for filter {name!r}")
            n = self.tdi_stages[name]
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= 100:
                raise RenderError(f"TDI stages {n!r} for {name} must be a whole number in 1..100")
        if self.summing not in (1, 2):
            raise RenderError(f"summing {self.summing!r} must be 1 or 2")
        if not float(self.interframe_delay_s) > 0.0:
            raise RenderError(f"interframe_delay_s {self.interframe_delay_s!r} must be positive")
        if self.frame_indices is not None:
            bad = [i for i in self.frame_indices if not 0 <= int(i) < int(self.frames)]
            if bad:
                raise RenderError(f"frame index {bad[0]!r} is outside 0..{int(self.frames) - 1}")
        if self.sample_range is not None:
            lo, hi = self.sample_range
            if not (0 <= lo < hi <= 1648) or lo % self.summing or hi % self.summing:
                raise RenderError(f"sample_range {self.sample_range!r} must be 0 <= first < stop <= 1648 "
                                  f"in multiples of the summing ({self.summing})")

    @classmethod
    def from_scenario(cls, scenario, cache_dir=None, **overrides) -> "RenderRequest":
        """A request from a loaded scenario (``simulator.scenario.Scenario``) plus CLI overrides.

        Writes (or reuses) the scenario's kernel set (``simulator.kernelset.kernel_set_for``), converts the
        image's START_TIME (``imaging.start_utc``, default the perijove time) to ET, and sets the start-time
        jitter to the scenario's ``errors.start_time_jitter_ms`` plus, when ``start_time_jitter_sigma_ms`` is
        not 0, one draw of that standard deviation (child generator ``"start_time_jitter"``); the total is
        recorded.
        """
        from simulator.geometry import Geometry
        from simulator.kernelset import kernel_set_for
        from simulator.mission import scenario_camera_state
        from simulator.random import child_generator

        im, er, rd = scenario.imaging, scenario.errors, scenario.render
        mk = kernel_set_for(scenario, cache_dir)
        utc = im.start_utc or scenario.orbit.perijove_utc
        start_et = float(Geometry(mk, abcorr=scenario.geometry.aberration_correction).str2et(str(utc))[0])
        jitter_s = float(er.start_time_jitter_ms) * 1e-3
        if er.start_time_jitter_sigma_ms:
            jitter_s += float(er.start_time_jitter_sigma_ms) * 1e-3 * float(
                child_generator(int(scenario.seed), "start_time_jitter").standard_normal())
        filters = tuple(str(f).upper() for f in im.filters)
        errors = InjectedErrors(
            start_time_jitter_s=jitter_s,
            interframe_delay_error_s=float(er.interframe_delay_error_ms) * 1e-3,
            attitude_offset_rad=tuple(float(v) * 1e-3 for v in er.attitude_offset_mrad),
            spin_rate_error_rpm=float(er.spin_rate_error_rpm),
            distortion_k1=er.distortion_k1, distortion_k2=er.distortion_k2,
            gain_error={str(k).upper(): float(v) for k, v in dict(er.gain_error or {}).items()},
            camera_state=scenario_camera_state(scenario))
        defaults = RenderOptions()
        options = RenderOptions(supersample=int(rd.supersample), psf_sigma_px=float(rd.psf_sigma_px),
                                max_stage_nodes=max(defaults.max_stage_nodes, int(rd.time_oversample)))
        request = cls(metakernel=Path(mk), start_et=start_et, frames=int(im.frames), filters=filters,
                      tdi_stages={f: int(im.tdi) for f in filters}, interframe_delay_s=float(im.interframe_delay_s),
                      spin_rate_rpm=float(scenario.spin.rate_rpm), summing=int(im.summing),
                      companding=str(im.companding), compression=str(im.compression), quality=int(im.quality),
                      focal_plane_temperature_k=float(im.focal_plane_temperature_k),
                      abcorr=str(scenario.geometry.aberration_correction), seed=int(scenario.seed),
                      scene_config={k: v for k, v in scenario.table("scene").items() if v is not None},
                      noise=scenario.table("noise"), detector=scenario.table("detector"), errors=errors,
                      options=options)
        return request.with_overrides(**overrides) if overrides else request

    def with_overrides(self, **overrides) -> "RenderRequest":
        """A copy with some fields replaced (CLI overrides); unknown names raise :class:`RenderError`."""
        known = set(self.__dataclass_fields__)
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise RenderError(f"unknown render setting {unknown[0]!r}; expected one of {', '.join(sorted(known))}")
        return replace(self, **overrides)

    def framelet_order(self) -> list[tuple[int, str]]:
        """``(frame, filter)`` pairs in product (PNG) order: frames in time order, filters in readout order."""
        frames = range(int(self.frames)) if self.frame_indices is None else self.frame_indices
        return [(int(n), f) for n in frames for f in self.filters]


@dataclass(frozen=True)
class FrameletResult:
    """One rendered framelet.

    Attributes
    ----------
    frame : 0-based frame index.
    filter : filter name.
    first_line : first row of this framelet in the raw product image (PNG), in product (summed) lines.
    start_et : true exposure start (ET, s), including START_TIME_BIAS and injected timing errors.
    mid_et : true mid-exposure time (ET, s) = start_et + exposure / 2.
    dn8 : (lines, samples) uint8, companded and passed through compress/decompress, as returned.
    truth : backplanes (see ``TRUTH_DTYPES``), each (lines, samples), at the pixel's mid-exposure time.
    attitude : (3, 3) true rotation JUNO_JUNOCAM -> J2000 at ``mid_et`` (injected errors included).
    compressed_bytes : size of this framelet after compression (bytes).
    dn12 : (lines, samples) float32 noisy 12-bit signal after summing, before companding.
    injected : the injected errors as a plain dict (``InjectedErrors.as_record``).
    tdi_stages : TDI stage count of this framelet.
    """

    frame: int
    filter: str
    first_line: int
    start_et: float
    mid_et: float
    dn8: np.ndarray
    truth: dict[str, np.ndarray]
    attitude: np.ndarray
    compressed_bytes: int
    dn12: np.ndarray | None = None
    injected: dict = field(default_factory=dict)
    tdi_stages: int = 1

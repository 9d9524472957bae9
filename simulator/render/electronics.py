"""Radiometry and the detector/electronics chain applied to one framelet.

I/F -> photo-electrons: ``Radiometry.electrons_per_s_per_iof(filter, d)`` (instrument model: solar flux at
the actual solar distance ``d``, filter band, optics throughput, QE) times the exposure (TDI x 3.2 ms).
Then the instrument's ``detector.apply_chain`` in hardware order (flat field with vignetting and PRNU,
dark current at the focal-plane temperature, hot pixels, radiation hits, shot noise, full well with
blooming, read noise, gain/offset, 12-bit ADC), ``sum_pixels``, ``compand`` (SQROOT default) and
``compress``; what is returned is ``decompress(compress(dn8))`` and the compressed size.

Switches come from the scenario's ``[noise]`` table: ``enabled = false`` turns every random effect and
every dark/hot/PRNU/flat term off (the chain is then signal, gain, offset and ADC); full well is physics
and always applied, ``blooming`` says whether its excess spills along the column.

The injected per-filter gain error ``g`` (multiplicative, 1 = none) multiplies the DN per electron.

Randomness: the fixed pattern (PRNU, hot pixels) is drawn once per render from the child generator
``"fixed_pattern"`` of the camera's own seed (``[noise] fixed_pattern_seed``, not the scenario seed); each
framelet's noise from ``("detector", frame, filter index, column block)`` (``simulator.random``; the
:data:`NOISE_BLOCKS` column blocks are drawn in parallel threads), so framelets are independent of the order
or subset rendered and the bytes of the thread count.

Radiation: the hit rate is the scenario's ``[noise] radiation_hits_per_cm2_s`` when set (else the camera's
``DetectorParams.radiation_hits_per_cm2_s``; both 0 by default, so no hits unless a user sets a rate) scaled with
Juno's distance ``r`` from Jupiter's centre as ``(reference_km / r) ** exponent`` (:class:`RadiationScaling`;
``[noise] radiation_reference_km`` and ``radiation_exponent``). Both the rate and the r^-3 law are
assumptions: no published JunoCam hit rate or radial profile was found (see ``DetectorParams``; Juno's
radiation monitoring counts penetrating hits in its star cameras, behind much heavier shielding, and
reports them as >10 MeV electron fluxes, not as a JunoCam rate). The belts' flux rises steeply inward
(Becker et al. 2017, GRL 44, sampled inside 2 R_J), so the detector's value is read as the rate at 2 Jupiter
radii and scaled as r^-3. ``[noise] radiation = false`` (or ``enabled = false``) turns the hits off.

The noise-free DN12 truth is the same chain with shot noise, read noise and radiation hits off (the
deterministic effects stay), before companding, after summing; ``detector.prepare_chain_with_truth`` runs the
deterministic steps once for both, block by block into the framelet's arrays. The flat field (vignetting x
PRNU) and the fixed pattern cut to a filter's rows are constant per filter, so they are computed once per render.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from instrument_models.junocam import compand, compress, decompress
from instrument_models.junocam import defects as defect_model
from instrument_models.junocam import detector as det
from instrument_models.junocam.electronics import sum_pixels
from instrument_models.junocam.radiometry import Radiometry
from simulator.random import child_generator
from simulator.render.calibration import IDEAL_READ_NOISE_E, UserFrames, detector_config
from simulator.render.types import FILTER_ORDER, RenderError, RenderRequest


# The noisy chain runs on this many column blocks, each drawing from its own generator ("detector", frame,
# filter, block): blocks run in parallel threads (the compiled loops release the GIL) and the bytes do not
# depend on the thread count. Columns, not rows: blooming spills along columns and stays inside a block.
NOISE_BLOCKS = 8
_POOL = None


def _pool():
    """The threads that run the noise blocks: the process's thread budget (``workers.thread_budget``, by
    default one per CPU), at most :data:`NOISE_BLOCKS`; ``None`` when that is one thread (blocks in turn).
    Made again when the budget changes."""
    global _POOL
    from simulator.render.workers import thread_budget

    size = min(NOISE_BLOCKS, thread_budget())
    if size < 2:
        return None
    if _POOL is None or _POOL._max_workers != size:
        from concurrent.futures import ThreadPoolExecutor

        if _POOL is not None:
            _POOL.shutdown(wait=False)
        _POOL = ThreadPoolExecutor(max_workers=size, thread_name_prefix="junocam-noise")
    return _POOL


@dataclass(frozen=True)
class RadiationScaling:
    """How the radiation hit rate grows toward Jupiter (assumption, see module doc): no published radial
    profile of JunoCam hits was found, so the exponent and reference distance are configurable.

    Attributes
    ----------
    reference_km : distance from Jupiter's centre at which the detector's rate applies (2 R_J, 142,984 km).
    exponent : power of ``reference_km / r`` (3).
    """

    reference_km: float = 2.0 * 71492.0   # 2 x Jupiter's equatorial radius (pck00010.tpc)
    exponent: float = 3.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.reference_km) and self.reference_km > 0):
            raise RenderError(f"radiation reference distance {self.reference_km!r} km is invalid; expected > 0")
        if not np.isfinite(self.exponent):
            raise RenderError(f"radiation scaling exponent {self.exponent!r} is invalid; expected a finite number")

    def rate(self, rate_at_reference: float, distance_km: float) -> float:
        """Hits per cm^2 per s at ``distance_km`` from Jupiter's centre."""
        return float(rate_at_reference) * (self.reference_km / max(float(distance_km), 1.0)) ** self.exponent


def chain_switches(noise: dict) -> det.ChainSwitches:
    """``ChainSwitches`` from the scenario's ``[noise]`` table (missing keys: on)."""
    on = lambda key: bool(noise.get(key, True)) and bool(noise.get("enabled", True))  # noqa: E731
    return det.ChainSwitches(flat_field=on("flat"), prnu=on("prnu"), dark_current=on("dark"),
                             hot_pixels=on("hot_pixels"), radiation=on("radiation"), shot_noise=on("shot"),
                             full_well=True, blooming=bool(noise.get("blooming", True)),
                             read_noise=on("read"))


TRUTH_DARK_STEP_DN = 1.0 / 64.0     # the DARK truth plane's rounding step (DN)
TRUTH_FLAT_STEP = 1.0 / 4096.0      # the FLAT truth plane's rounding step (relative response)


def _rounded(values, step: float) -> np.ndarray:
    """``values`` rounded to multiples of ``step`` (a power of two: exact in float32), as float32."""
    return (np.round(np.asarray(values, dtype=float) / step) * step).astype(np.float32)


@dataclass
class Exposed:
    """One framelet after the detector and electronics (product pixels)."""

    dn8: np.ndarray              # (lines, samples) uint8 as returned (after compress/decompress)
    dn12: np.ndarray             # (lines, samples) uint16 noisy 12-bit after summing
    dn12_noise_free: np.ndarray  # (lines, samples) float32 noise-free 12-bit after summing
    compressed_bytes: int


class DetectorChain:
    """The radiometry, detector and electronics of one render (fixed pattern drawn once)."""

    def __init__(self, request: RenderRequest, cam, radiometry: Radiometry | None = None,
                 radiation: RadiationScaling | None = None):
        self.req = request
        noise = request.noise or {}
        ref, exponent = noise.get("radiation_reference_km"), noise.get("radiation_exponent")
        self.radiation = radiation or RadiationScaling(
            reference_km=RadiationScaling.reference_km if ref is None else float(ref),
            exponent=RadiationScaling.exponent if exponent is None else float(exponent))
        rate = noise.get("radiation_hits_per_cm2_s")
        if rate:      # the scenario's [noise] rate replaces the camera's (0 by default: no published value)
            cam = replace(cam, detector=replace(cam.detector, radiation_hits_per_cm2_s=float(rate)))
        self.cam = cam
        self.radiometry = radiometry or cam.radiometry   # the camera's own (mission-time response, stray light)
        self.config = detector_config(request.detector)
        if self.config.model == "ideal":
            cam = replace(cam, detector=replace(cam.detector, read_noise_e=IDEAL_READ_NOISE_E, read_noise_correlation=0.0,
                                                       dark_noise_dn2_per_dn=0.0))
        cam = replace(cam, detector=self.config.apply(cam.detector))
        self.cam = cam
        self.switches = chain_switches(request.noise)
        # The fixed pattern belongs to the camera, not the image: its own seed ([noise] fixed_pattern_seed).
        camera_seed = int(request.noise.get("fixed_pattern_seed", 1))
        pattern_rng = child_generator(camera_seed, "fixed_pattern")
        self.pattern = det.make_fixed_pattern(cam.detector, pattern_rng, (cam.strips.lines, cam.strips.samples))
        self.defects = None
        if self.config.model == "junocam":
            d = cam.detector
            self.defects = defect_model.draw_camera_defects(
                d.dark_frame, d.flat, d.blemishes, child_generator(camera_seed, "camera_defects"),
                {f: cam.strips.first_ccd_row(f) for f in FILTER_ORDER}, cam.strips.lines, cam.strips.samples,
                cam.strips.framelet_lines_unsummed, cam.strips.dark_columns, cam.strips.last_photoactive_column)
        self.user = UserFrames(self.config, cam)
        self._maps: dict = {}   # (filter, lines, tdi) -> (fixed pattern, flat field, calibration truth)
        self._pending: dict = {}   # the same keys -> Future of their maps being built by prepare()

    @classmethod
    def for_request(cls, request: RenderRequest, cam) -> "DetectorChain":
        return cls(request, cam)

    def filter_maps(self, filter_name: str, lines: int, tdi: int = 1) -> tuple[det.FixedPattern,
                                                                          np.ndarray | float | None]:
        """The fixed pattern cut to a filter's framelet rows and columns, and its flat field (response x
        PRNU): constant per filter and TDI, so computed once per render."""
        return self._filter_state(filter_name, lines, tdi)[:2]

    def calibration_truth(self, filter_name: str, tdi: int) -> dict[str, np.ndarray]:
        """The truth's calibration planes of a filter at ``tdi`` stages, unsummed, cut to the rendered
        columns: ``DEFECT`` (uint8 bits, ``instrument_models.junocam.defects.DEFECT_BITS``), ``DARK`` (the DN a
        dark frame averages to before the ADC's floor: bias map, mean dark current, hot pixels) and ``FLAT``
        (the response the chain applies: flat-field profile x dust x blemishes x PRNU; 1 where the flat is off)."""
        return self._filter_state(filter_name, self.cam.strips.framelet_lines_unsummed, tdi)[2]

    def prepare(self, filters, tdi_stages) -> None:
        """Start building the maps of ``filters`` (at their ``tdi_stages[filter]``, full framelet lines) in a
        background thread, in that order, when the process's thread budget (``workers.thread_budget``) allows a
        second thread: the render's setup (scene, geometry) and its first framelets' geometry then overlap them
        (~50 ms CPU per filter, mostly the dark level calibration of ``defects.strip``), and each filter's first
        framelet waits at most for the rest of its own. The maps are computed from the chain's fixed inputs, so
        they are the same arrays whichever thread builds them; an error is raised where the map is first used,
        as without this call."""
        from simulator.render.workers import thread_budget

        if thread_budget() < 2:
            return
        from concurrent.futures import ThreadPoolExecutor

        lines = self.cam.strips.framelet_lines_unsummed
        keys = [(f, lines, int(tdi_stages[f])) for f in dict.fromkeys(filters)]
        keys = [k for k in keys if k not in self._maps and k not in self._pending]
        if not keys:
            return
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="junocam-maps")
        for key in keys:
            self._pending[key] = pool.submit(self._build_maps, *key)
        pool.shutdown(wait=False)       # the thread finishes the queued builds, then exits

    def _filter_state(self, filter_name: str, lines: int, tdi: int):
        key = (filter_name, lines, int(tdi))
        state = self._maps.get(key)
        if state is None:
            pending = self._pending.get(key)
            state = pending.result() if pending is not None else self._build_maps(*key)
            self._maps[key] = state
        return state

    def _build_maps(self, filter_name: str, lines: int, tdi: int):
        cam, sw, d = self.cam, self.switches, self.cam.detector
        lo, hi = self.req.sample_range or (0, cam.strips.samples)
        rows = self.pattern.rows(cam.strips.first_ccd_row(filter_name), lines)
        shape = (lines, hi - lo)
        defect = np.zeros(shape, np.uint8)
        hot_e = bias = None
        if self.defects is not None and lines == cam.strips.framelet_lines_unsummed:
            strip = self.defects.strip(filter_name, tdi).columns(lo, hi)
            response, defect = strip.response, strip.defect.copy()
            if not sw.hot_pixels:
                defect &= ~np.uint8(defect_model.HOT)
            hot_e = strip.hot_dn * d.gain_e_per_dn if sw.hot_pixels else np.zeros(shape)
            bias = strip.bias_dn if sw.dark_current else None
            if not sw.dark_current:
                defect &= ~np.uint8(defect_model.WARM_COLUMN)
        else:
            sample = np.arange(lo, hi) + 0.5
            line = np.arange(lines) + 0.5
            response = det.vignetting(sample[None, :], line[:, None], cam.optics.cx, cam.optics.cy[filter_name],
                                      d.vignetting_edge)
        response, bias, hot_e, defect = self.user.apply(filter_name, lo, hi, response, bias, hot_e, defect,
                                                        sw.dark_current)
        pattern = det.FixedPattern(prnu=rows.prnu[:, lo:hi], hot=rows.hot[:, lo:hi],
                                   hot_e=hot_e, bias_dn=bias)
        flat = det.flat_field(d, sw, pattern, np.broadcast_to(response, shape))
        dark_e = d.dark_current_e_s(self.req.focal_plane_temperature_k) * float(cam.exposure_s(tdi)) \
            if sw.dark_current else 0.0
        hot_now = det._hot_charge(pattern.hot, pattern.hot_e, d, float(cam.exposure_s(tdi))) if sw.hot_pixels else 0.0
        dn_per_e = float(self.req.errors.gain_error.get(filter_name, 1.0)) / d.gain_e_per_dn
        dark_dn = (dark_e + hot_now) * dn_per_e + (d.bias_dn if bias is None else bias)
        # Rounded to 1/64 DN and 1/4096 so the truth compresses (~130 + 270 KiB per framelet instead of ~1 MiB);
        # both steps lie far below the noise (4.45 DN; 1/4096 of 3,000 DN is 0.7 DN against ~18 DN shot noise).
        defect.flags.writeable = False      # shared by every framelet of the filter (truth planes)
        truth = {"DEFECT": defect,
                 "DARK": np.broadcast_to(_rounded(dark_dn, TRUTH_DARK_STEP_DN), shape),
                 "FLAT": np.broadcast_to(_rounded(1.0 if flat is None else flat, TRUTH_FLAT_STEP), shape)}
        return pattern, flat, truth

    def photo_electrons(self, iof: np.ndarray, filter_name: str, exposure_s: float, solar_km: float):
        """Mean photo-electrons per unsummed pixel for an I/F image (``Radiometry.iof_to_electrons``)."""
        return self.radiometry.iof_to_electrons(iof, filter_name, exposure_s, solar_km)

    def expose(self, iof: np.ndarray, filter_name: str, n_stages: int, solar_km: float, frame: int,
               jupiter_distance_km: float | None = None, threads: bool = True) -> Exposed:
        """(128, cols) I/F in unsummed pixels -> the returned framelet (see module doc).

        ``jupiter_distance_km``: Juno's distance from Jupiter's centre (radiation hit rate); ``None`` uses
        the detector's rate unscaled. ``threads``: draw the noise blocks in the thread pool (False: in turn,
        in this thread, as a framelet worker does); the same bytes either way.
        """
        req, cam = self.req, self.cam
        params = cam.detector
        if jupiter_distance_km is not None and params.radiation_hits_per_cm2_s > 0:
            params = replace(params, radiation_hits_per_cm2_s=self.radiation.rate(
                params.radiation_hits_per_cm2_s, jupiter_distance_km))
        exposure = float(cam.exposure_s(n_stages))
        e = self.photo_electrons(iof, filter_name, exposure, solar_km)
        pattern, flat = self.filter_maps(filter_name, e.shape[0], n_stages)
        g = float(req.errors.gain_error.get(filter_name, 1.0))
        key = (int(frame), FILTER_ORDER.index(filter_name))

        # The framelet's DN12 and its noise-free truth are written in place, block by block: each block reads
        # its columns of the framelet-wide arrays (no copies) and draws from its own generator.
        dn12 = np.empty(e.shape, np.uint16)
        quiet = np.empty(e.shape, np.float32 if req.summing == 1 else np.uint16)   # whole DN: float32 is exact

        run = det.prepare_chain_with_truth(e, params, exposure, switches=self.switches, pattern=pattern, flat=flat,
                                           temperature_k=req.focal_plane_temperature_k, gain_error=1.0 / g - 1.0,
                                           adc_bits=cam.electronics.adc_bits)

        def block(b: int, cols: slice):
            run(child_generator(req.seed, "detector", *key, b), cols, dn12, quiet)

        bounds = np.linspace(0, e.shape[1], NOISE_BLOCKS + 1).round().astype(int)
        spans = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
        pool = _pool() if threads else None
        list((pool.map if pool is not None else map)(block, range(NOISE_BLOCKS), spans))
        if req.summing != 1:
            mode = cam.electronics.summing_mode
            dn12 = sum_pixels(dn12, req.summing, mode=mode)
            quiet = sum_pixels(quiet, req.summing, mode=mode).astype(np.float32)
        dn8 = compand(dn12, req.companding)
        data = compress(dn8, req.compression, req.quality)
        back = decompress(data, req.compression, dn8.shape)
        return Exposed(dn8=back, dn12=dn12, dn12_noise_free=quiet, compressed_bytes=len(data))


def rdr_scale(cam, radiometry: Radiometry, filter_name: str, n_stages: int, gain_error: float = 1.0) -> float:
    """Factor from bias-subtracted, decompanded 12-bit DN to RDR DN (10,000 for I/F = 1 at Jupiter).

    ``RDR = (DN12 - bias) * rdr_scale``; a white Lambert surface at normal incidence and Jupiter's mean
    solar distance (radiometry's ``JUPITER_SOLAR_DISTANCE_KM``) then reads 10,000 (facts.md "RDR scaling").
    """
    from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM, RDR_WHITE_DN
    e_white = radiometry.electrons_per_s_per_iof(filter_name, JUPITER_SOLAR_DISTANCE_KM) * cam.exposure_s(n_stages)
    dn_white = e_white * gain_error / cam.detector.gain_e_per_dn
    return RDR_WHITE_DN / dn_white

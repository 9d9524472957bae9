"""The KAI-2020M CCD as a parameter set and an ordered chain of ``image -> image`` effects.

The sensor is a Kodak KAI-2020M interline CCD, 7.4 µm pixels (facts.md "Detector and electronics").
Gain, full well, read noise and dark current are NOT published for JunoCam (facts.md, "NOT FOUND");
every such value below is a named assumption in :class:`DetectorParams`, changeable per scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam.darkframe import DarkFrameParams
from instrument_models.junocam.defects import BlemishParams
from instrument_models.junocam.detector_compiled import (  # noqa: F401 (re-exported for tests)
    AVAILABLE, POISSON_LAM_MAX, _adc_entry, _adc_pass, _chain_block, _dn, _log_poisson_pmf, _mean_block, _next64,
    _normal, _poisson_pass, _shot_entry, _state_tuple, _uniform)
from instrument_models.junocam.detector_pattern import FixedPattern, make_fixed_pattern, vignetting  # noqa: F401
from instrument_models.junocam.read_noise import (  # noqa: F401
    _read_noise_terms, add_read_noise, framelet_read_noise_e, with_framelet_noise)
from instrument_models.junocam.flatfield import FlatFieldParams


@dataclass(frozen=True)
class DetectorParams:
    """Detector parameters (all assumptions unless a source is named).

    Attributes
    ----------
    gain_e_per_dn : conversion gain. Assumption: 10 e-/DN, so the assumed 40,000 e- full well spans
        ~4000 DN of the 12-bit range above the bias. No JunoCam figure is published; its MSSS siblings with
        the same KAI-2020 CCD and the MSL electronics JunoCam's design is based on (PDS JNC instrument
        description) measured 16.0 / 15.8 / 15.8 e-/DN (Malin et al. 2017, Earth Space Sci. 4, 506, Table 1:
        Mastcam-34, Mastcam-100, MARDI). Kept at 10 (issue #13 item 3 weighed it): what the texture sees is
        the shot noise at a DN level, i.e. electrons = DN x gain, and the DN level is what the real image pins
        (the radiometry's optics, f/3.2 and 60 % transmission, are assumptions tuned to it). 16 e-/DN at the same
        DN levels needs 1.6x that throughput, and lowers the shot noise's power 1.6x, which alone does not bring
        the product's 400-1,200 km slope into the real range (README "Texture in the product": the noise power
        would have to halve, LOSSLESS, or fall ~4x at ICT quality 85). Changing the gain alone changes the DN
        levels, not the relative shot noise.
    full_well_e : 40,000 e- (facts.md: one unverified source for this sensor). The siblings: 26,150 /
        23,308 / 29,454 e- (Malin et al. 2017, Table 1).
    read_noise_e : read noise, e- rms, without dark signal (see ``dark_noise_dn2_per_dn``): 35.5 e- = 3.55 DN at the
        assumed gain, which with the dark signal's noise gives 3.60 / 3.72 / 3.81 DN in the PJ28 B / G / R strips.
        Those strips are public (kmgill/junocam_processing ``src/calib/junocam_dark_pj28_v1_{blue,green,red}.tif``,
        measured, not copied): after the column medians (``darkstats.line_noise``) 2.97 / 3.71 / 4.45 DN (1.4826 x
        a median absolute deviation of 2 / 2.5 / 3 whole DN), with the columns (``darkstats.raw_noise``) 4.45 DN,
        which ours measure (README "The dark noise"). That is more than the siblings' read noise, 18.0 / 15.8 /
        17.5 e- at ~16 e-/DN = ~1.1 DN (Malin et al. 2017, Table 1), and it is temporal (the real PJ18 mean of 288
        dark framelets, ``debias18.tiff``, varies by 0.05 DN beyond its columns): an assumption that the PJ28
        frames' noise applies to every PJ28-32 image. ``[detector] read_noise_e = 11`` with
        ``dark_noise_dn2_per_dn = 0`` gives the siblings' ~1.1 DN.
    dark_noise_dn2_per_dn : noise variance (DN^2) added per DN of dark signal, i.e. of the framelet's dark/bias map
        (its median) above ``bias_dn``: the read noise of a framelet is ``sqrt(read_noise_e^2 + k gain^2 max(0,
        median(dark map) - bias_dn))`` e- (:func:`framelet_read_noise_e`; one value per framelet). 0.8 DN^2/DN,
        fitted to the real PJ28 dark strips: inside each strip the brighter columns are the noisier
        (5-sigma-clipped std: BLUE 3.30 DN at columns of 7.8 DN, 3.68 at 10.4; GREEN 2.79 / 3.47 / 3.74 at 5.8 /
        8.6 / 11.4; RED 3.14 / 3.58 / 3.90 at 6.9 / 9.8 / 12.5: ~0.7-1.0 DN^2 per DN), columns of equal level are
        equally noisy in the three strips, the noise does not change down a strip, and the strips' means (8.8 /
        10.1 / 11.4 DN) give 3.39 / 3.60 / 3.71 DN (0.87 DN^2 per DN): the dark signal's own noise, more than
        Poisson electrons would give (1 / gain DN^2 per DN). The PJ28 strips' dark maps (median 0.4 / 1.5 / 2.4 DN
        above the bias) then read 3.60 / 3.72 / 3.81 DN. Mission time raises the noise with the dark level (PJ56:
        dark x 2). 0: one read noise for every strip.
    read_noise_correlation : correlation of neighbouring read-noise values along a line (0 = white, the
        default). The real PJ28 dark strips' neighbours along a line correlate 0.005 / 0.005 / 0.007
        (``darkstats.line_noise``): their noise is white. (The calibration README's "neighbour correlation
        0.65-0.75 along a line" is the correlation down a column, 0.645 / 0.682 / 0.750 on those strips: the
        column structure and vertical hot-pixel streaks. Until issue #13 item 3 the default was 0.72 along
        lines, which kept its noise in 150 km map cells and flattened the product's texture spectrum.) A value
        > 0 models a video chain's bandwidth limit (a one-pole low-pass filter on the serial output): a
        first-order autoregressive sequence in read-out order ``n_j = rho n_(j-1) + sqrt(1 - rho^2) sigma z_j``,
        restarted at each of the renderer's noise blocks (8 per line).
    bias_dn : electronic offset added before the ADC. Assumption: 8 DN.
    dark_current_e_s_ref : dark current at ``dark_reference_temperature_k``. Assumption: 20 e-/s/pixel
        at 293.15 K, the order of magnitude of interline CCDs of this class at room temperature.
    dark_reference_temperature_k : reference temperature of the dark-current model (assumption).
    dark_doubling_k : temperature rise that doubles the dark current. Assumption: 6.5 K, the usual
        rule for silicon CCDs ("doubles every 6-7 K").
    focal_plane_temperature_k : default operating temperature, 273.0 K (FOCAL_PLANE_TEMPERATURE of the
        PJ27 product in facts.md's example metadata).
    prnu_sigma : pixel-to-pixel response non-uniformity, relative rms. Assumption: 0.01.
    hot_pixel_fraction : fraction of pixels with excess dark current. Assumption: 2e-4.
    hot_pixel_dark_e_s : dark current of a hot pixel. Assumption: 2,000 e-/s.
    radiation_hits_per_cm2_s : penetrating-particle hit rate on the CCD (hits per cm^2 of detector per s).
        0 by default: no published JunoCam hit rate was found (searched: Becker et al. 2017, Space Sci. Rev.
        213, 507-545, the Juno Radiation Monitoring investigation; Becker et al. 2017, GRL 44, perijoves 1
        and 3; the PDS SRU count-rate tables JNO-J-SRU-COUNTRATE-TABLE-5-L2-V1.0, whose unit is "cluster
        counts per square cm of CCD area per second" but for the heavily shielded star camera, not JunoCam;
        JunoCam papers and PDS descriptions). Set it on the camera (the renderer scales it with distance,
        ``simulator.render.electronics.RadiationScaling``); a hit rate of ``R`` gives on average
        ``R x 211,000 x (7.4e-4 cm)^2 x exposure`` = ``R x 0.116 cm^2 x exposure`` hits per 1648 x 128 framelet.
    radiation_hit_mean_e : mean charge deposited per hit (exponential). Assumption: 3,000 e-.
    pixel_pitch_mm : 0.0074 mm (juno_junocam_v03.ti PIXEL_SIZE), used for the hit rate per pixel.
    vignetting_edge : relative response at the ends of a line (cos^4-like fall-off, assumption: 0.85
        at the photoactive line ends, quadratic in the offset from the optical centre). Used by the
        "ideal" detector and by :func:`apply_chain` callers that pass :func:`vignetting`; the renderer's
        default ("junocam") flat is :attr:`flat`.
    dark_frame : the dark/bias frame model (:class:`~instrument_models.junocam.darkframe.DarkFrameParams`:
        levels, column defects, reference columns, hot-pixel streaks, and the mission-time knobs
        ``level_scale``, ``warm_column_scale``, ``hot_density_scale``, ``hot_amplitude_scale``).
    flat : the flat-field model (:class:`~instrument_models.junocam.flatfield.FlatFieldParams`).
    blemishes : the blemish model (:class:`~instrument_models.junocam.defects.BlemishParams`).
    """

    gain_e_per_dn: float = 10.0
    full_well_e: float = 40_000.0
    read_noise_e: float = 35.5
    dark_noise_dn2_per_dn: float = 0.8
    read_noise_correlation: float = 0.0
    bias_dn: float = 8.0
    dark_current_e_s_ref: float = 20.0
    dark_reference_temperature_k: float = 293.15
    dark_doubling_k: float = 6.5
    focal_plane_temperature_k: float = 273.0
    prnu_sigma: float = 0.01
    hot_pixel_fraction: float = 2e-4
    hot_pixel_dark_e_s: float = 2_000.0
    radiation_hits_per_cm2_s: float = 0.0
    radiation_hit_mean_e: float = 3_000.0
    pixel_pitch_mm: float = 0.0074
    vignetting_edge: float = 0.85
    dark_frame: DarkFrameParams = field(default_factory=DarkFrameParams)
    flat: FlatFieldParams = field(default_factory=FlatFieldParams)
    blemishes: BlemishParams = field(default_factory=BlemishParams)

    def __post_init__(self) -> None:
        positive = ("gain_e_per_dn", "full_well_e", "dark_doubling_k", "focal_plane_temperature_k",
                    "dark_reference_temperature_k", "pixel_pitch_mm")
        for name in positive:
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise InstrumentError(f"detector parameter {name} = {v!r} is invalid; expected a number > 0")
        non_negative = ("read_noise_e", "dark_noise_dn2_per_dn", "bias_dn", "dark_current_e_s_ref", "prnu_sigma", "hot_pixel_dark_e_s",
                        "radiation_hits_per_cm2_s", "radiation_hit_mean_e")
        for name in non_negative:
            v = getattr(self, name)
            if not (np.isfinite(v) and v >= 0):
                raise InstrumentError(f"detector parameter {name} = {v!r} is invalid; expected a number >= 0")
        for name in ("hot_pixel_fraction",):
            v = getattr(self, name)
            if not (0 <= v <= 1):
                raise InstrumentError(f"detector parameter {name} = {v!r} is invalid; expected 0..1")
        if not (0 <= self.read_noise_correlation < 1):
            raise InstrumentError(f"detector parameter read_noise_correlation = {self.read_noise_correlation!r} is "
                                  "invalid; expected 0 <= value < 1")
        if not (0 < self.vignetting_edge <= 1):
            raise InstrumentError(f"detector parameter vignetting_edge = {self.vignetting_edge!r} is invalid; "
                                  "expected 0 < value <= 1")

    def dark_current_e_s(self, temperature_k=None):
        """Dark current (e-/s/pixel) at a focal-plane temperature: doubles every ``dark_doubling_k``."""
        t = self.focal_plane_temperature_k if temperature_k is None else temperature_k
        t = np.asarray(t, dtype=float)
        if np.any(~np.isfinite(t) | (t <= 0)):
            raise InstrumentError(f"focal-plane temperature {temperature_k!r} K is invalid; expected > 0 K")
        out = self.dark_current_e_s_ref * 2.0 ** ((t - self.dark_reference_temperature_k) / self.dark_doubling_k)
        return float(out) if out.ndim == 0 else out


# --- the chain: each effect a small function image -> image (electrons unless said) ------------------

def apply_flat_field(image_e, flat):
    """Multiply by the flat field (vignetting x PRNU), same shape or broadcastable."""
    return np.asarray(image_e, dtype=float) * flat


def add_dark_current(image_e, params: DetectorParams, exposure_s: float, temperature_k=None):
    """Add the mean dark charge ``dark_current_e_s(T) * exposure`` (its shot noise comes with the signal's)."""
    return np.asarray(image_e, dtype=float) + params.dark_current_e_s(temperature_k) * exposure_s


def add_hot_pixels(image_e, hot_mask, params: DetectorParams, exposure_s: float, hot_e=None):
    """Add the hot pixels' excess dark charge: ``hot_e`` (e- per pixel) when given, else
    ``hot_pixel_dark_e_s * exposure`` where ``hot_mask``."""
    return np.asarray(image_e, dtype=float) + _hot_charge(hot_mask, hot_e, params, exposure_s)


def _hot_charge(hot_mask, hot_e, params: DetectorParams, exposure_s: float) -> np.ndarray:
    """The hot pixels' excess charge (e-) per pixel (see :func:`add_hot_pixels`)."""
    if hot_e is not None:
        return np.asarray(hot_e, dtype=float)
    return np.where(hot_mask, params.hot_pixel_dark_e_s * exposure_s, 0.0)


def add_radiation_hits(image_e, params: DetectorParams, exposure_s: float, rng: np.random.Generator,
                       rate_per_cm2_s: float | None = None):
    """Add charged-particle hits: Poisson count over the image area, single pixels, exponential charge.

    The count is ``Poisson(rate * area * exposure)`` with area = pixels x pitch^2; each hit lands on a
    uniformly drawn pixel and deposits ``Exponential(radiation_hit_mean_e)`` electrons (assumption). Hits are
    single-pixel spots: the tracks and streaks that penetrating electrons and ions leave in Juno's star
    camera images (NASA PIA24436: "dots, squiggles, and streaks") are not modelled.
    """
    img = np.array(image_e, dtype=float)
    rate = params.radiation_hits_per_cm2_s if rate_per_cm2_s is None else rate_per_cm2_s
    if rate < 0:
        raise InstrumentError(f"radiation hit rate {rate!r} per cm^2 per s is invalid; expected >= 0")
    area_cm2 = img.size * (params.pixel_pitch_mm * 0.1) ** 2
    n = rng.poisson(rate * area_cm2 * exposure_s)
    if n:
        where = rng.integers(0, img.size, n)
        np.add.at(img.reshape(-1), where, rng.exponential(params.radiation_hit_mean_e, n))
    return img


def add_shot_noise(image_e, rng: np.random.Generator):
    """Replace each mean charge by a Poisson draw (photon and dark shot noise); negative means count as 0.

    The draws are exactly ``rng.poisson(np.clip(image_e, 0, None))`` as floats; with numba and numpy's
    default bit generator (PCG64) the compiled loop :func:`_poisson_pass` makes the same draws from the same
    stream and leaves ``rng`` in the same state (``tests/test_detector_compiled.py``).
    """
    img = np.asarray(image_e, dtype=float)
    state = _pcg_state(rng)
    if state is None:
        return rng.poisson(np.clip(img, 0.0, None)).astype(float)
    row = np.ascontiguousarray(img).reshape(1, -1)
    out = np.empty_like(row)
    bad, _ = _shot_entry(state, row, out)
    _set_pcg_state(rng, state)
    if bad >= 0:
        _bad_mean(row.reshape(-1)[bad])
    return out.reshape(img.shape)


def _bad_mean(value):
    raise InstrumentError(f"mean charge {value!r} e- cannot be Poisson-sampled; expected a finite number <= "
                          f"{POISSON_LAM_MAX:.4g}")


def _fill(q, path, amount, full_well):
    """Pour ``amount`` electrons into ``q[path]`` in order, each up to the full well; return what is left."""
    if amount <= 0 or path.size == 0:
        return amount
    room = np.clip(full_well - q[path], 0.0, None)
    before = np.cumsum(room) - room
    take = np.clip(amount - before, 0.0, room)
    q[path] += take
    return amount - take.sum()


def _bloom_column(q, full_well):
    n = q.size
    while True:
        over = np.flatnonzero(q > full_well)
        if over.size == 0:
            return q
        lo = hi = over[0]
        while lo > 0 and q[lo - 1] >= full_well:
            lo -= 1
        while hi < n - 1 and q[hi + 1] >= full_well:
            hi += 1
        excess = np.sum(q[lo:hi + 1] - full_well)
        q[lo:hi + 1] = full_well
        up, down = np.arange(lo - 1, -1, -1), np.arange(hi + 1, n)
        left_up = _fill(q, up, 0.5 * excess, full_well)
        left_down = _fill(q, down, 0.5 * excess, full_well)
        # What one side cannot hold goes the other way; what neither holds leaves the column.
        _fill(q, down, left_up, full_well)
        _fill(q, up, left_down, full_well)


def apply_full_well(image_e, full_well_e: float, blooming: bool = True):
    """Cap every pixel at the full well; with ``blooming`` the excess spills along its column.

    Excess charge of a saturated run is shared equally up and down the column (axis 0, the CCD's
    vertical transfer direction), filling neighbours to the full well in turn, so charge is conserved
    while the column has room; only when a whole column is full does charge leave the image.
    """
    img = np.array(image_e, dtype=float)
    if img.ndim != 2:
        raise InstrumentError(f"full-well/blooming needs a 2-D image (lines, samples); got shape {img.shape}")
    if not blooming:
        return np.minimum(img, full_well_e)
    for col in np.flatnonzero((img > full_well_e).any(axis=0)):
        img[:, col] = _bloom_column(img[:, col].copy(), full_well_e)
    return img


def electrons_to_dn(image_e, gain_e_per_dn: float, bias_dn: float, gain_error: float = 0.0):
    """Analog DN: ``electrons / (gain (1 + gain_error)) + bias``."""
    return np.asarray(image_e, dtype=float) / (gain_e_per_dn * (1.0 + gain_error)) + bias_dn


@dataclass(frozen=True)
class ChainSwitches:
    """One switch per detector effect (all on by default)."""

    flat_field: bool = True
    prnu: bool = True
    dark_current: bool = True
    hot_pixels: bool = True
    radiation: bool = True
    shot_noise: bool = True
    full_well: bool = True
    blooming: bool = True
    read_noise: bool = True

    @classmethod
    def none(cls) -> "ChainSwitches":
        """Every effect off: the chain is then only gain, offset and the ADC."""
        return cls(**{k: False for k in cls.__dataclass_fields__})


def flat_field(params: DetectorParams, switches: ChainSwitches = ChainSwitches(),
               pattern: FixedPattern | None = None, vignette=None):
    """The chain's flat field: vignetting x PRNU, ``1.0`` without either, ``None`` when the flat field is off.

    It depends on the filter and columns only, so a caller exposing many framelets computes it once and
    passes it to :func:`apply_chain` as ``flat=``.
    """
    if not switches.flat_field:
        return None
    flat = 1.0 if vignette is None else np.asarray(vignette, dtype=float)
    if switches.prnu and params.prnu_sigma > 0:
        flat = flat * pattern.prnu
    return flat


def _check_chain(photo_e, params: DetectorParams, exposure_s: float, pattern, switches: ChainSwitches):
    img = np.asarray(photo_e, dtype=float)
    if img.ndim != 2:
        raise InstrumentError(f"the detector chain needs a 2-D image (lines, samples); got shape {img.shape}")
    if not (np.isfinite(exposure_s) and exposure_s > 0):
        raise InstrumentError(f"exposure {exposure_s!r} s is invalid; expected a positive number")
    needs_pattern = (switches.prnu and params.prnu_sigma > 0) or switches.hot_pixels
    if needs_pattern and (pattern is None or pattern.prnu.shape != img.shape):
        got = None if pattern is None else pattern.prnu.shape
        raise InstrumentError(f"PRNU/hot pixels need a fixed pattern of the image's shape {img.shape}; got {got}")
    return img


def mean_charge(photo_e, params: DetectorParams, exposure_s: float, *, pattern: FixedPattern | None = None,
                vignette=None, flat=None, switches: ChainSwitches = ChainSwitches(), temperature_k=None):
    """The deterministic head of the chain: flat field, then dark current, then hot pixels (mean e-).

    Returns a new (lines, samples) float64 array; arguments as :func:`apply_chain`.
    """
    img = _check_chain(photo_e, params, exposure_s, pattern, switches)
    if switches.flat_field and flat is None:
        flat = flat_field(params, switches, pattern, vignette)
    dark = params.dark_current_e_s(temperature_k) * exposure_s if switches.dark_current else 0.0
    if AVAILABLE and np.ndim(dark) == 0:
        out = np.empty(img.shape)
        _mean_block(*_head_arrays(img, flat, pattern, switches, params, exposure_s), float(dark), 0, out)
        return out
    img = np.array(img)   # the caller's array is never modified
    if switches.flat_field:
        img = apply_flat_field(img, flat)
    if switches.dark_current:
        img = add_dark_current(img, params, exposure_s, temperature_k)
    if switches.hot_pixels:
        img = add_hot_pixels(img, pattern.hot, params, exposure_s, pattern.hot_e)
    return img


def _noisy_tail(mean_e, params: DetectorParams, exposure_s: float, rng: np.random.Generator,
                switches: ChainSwitches, gain_error: float, adc_bits: int, bias=None):
    """The rest of the chain after :func:`mean_charge`: hits, shot noise, full well, read noise, DN, ADC."""
    from instrument_models.junocam.electronics import adc

    img = mean_e
    # A zero hit rate draws nothing (Poisson(0) takes no random numbers), so skipping it keeps the stream.
    if switches.radiation and params.radiation_hits_per_cm2_s > 0:
        img = add_radiation_hits(img, params, exposure_s, rng)
    if switches.shot_noise:
        img = add_shot_noise(img, rng)
    if switches.full_well and img.size and np.max(img) > params.full_well_e:  # otherwise a no-op
        img = apply_full_well(img, params.full_well_e, blooming=switches.blooming)
    bias = _bias_map(bias, params, img.shape)
    state = _pcg_state(rng)
    if state is not None:
        out = np.empty(img.shape, np.uint16)
        read_e, rho, innov, noise_on, denom, top = _adc_args(params, switches.read_noise, gain_error, adc_bits)
        _adc_entry(state, np.ascontiguousarray(img), read_e, rho, innov, noise_on, denom, bias, top, 0, out)
        _set_pcg_state(rng, state)
        return out
    if switches.read_noise:
        img = add_read_noise(img, params.read_noise_e, rng, params.read_noise_correlation)
    return adc(electrons_to_dn(img, params.gain_e_per_dn, bias, gain_error), adc_bits)


def apply_chain(photo_e, params: DetectorParams, exposure_s: float, rng: np.random.Generator, *,
                pattern: FixedPattern | None = None, vignette=None, switches: ChainSwitches = ChainSwitches(),
                temperature_k=None, gain_error: float = 0.0, adc_bits: int = 12, flat=None):
    """Run the detector chain in hardware order: photo-electrons (lines, samples) -> 12-bit DN (uint16).

    Order: flat field (vignetting x PRNU) -> dark current -> hot pixels -> radiation hits -> shot noise
    -> full well + blooming -> read noise -> gain/offset -> ADC. Summing and companding follow in
    :mod:`electronics` (``sum_pixels``, ``compand``).

    Parameters
    ----------
    photo_e : (lines, samples) mean photo-electrons per pixel over the exposure.
    params : :class:`DetectorParams`.
    exposure_s : exposure in seconds (TDI stages x 3.2 ms).
    rng : the generator every random draw of this call takes (noise, hits).
    pattern : the camera's :class:`FixedPattern` already cut to this image's rows (``pattern.rows``);
        needed when ``prnu`` or ``hot_pixels`` is on.
    vignette : optional (lines, samples) or broadcastable relative response (see :func:`vignetting`).
    switches : which effects run.
    temperature_k : focal-plane temperature for the dark current (default ``params``' value).
    gain_error : relative gain error injected (0 = nominal).
    flat : the flat field precomputed by :func:`flat_field` for these arguments (saves recomputing it).
    """
    params = with_framelet_noise(params, pattern)
    mean = mean_charge(photo_e, params, exposure_s, pattern=pattern, vignette=vignette, flat=flat,
                       switches=switches, temperature_k=temperature_k)
    return _noisy_tail(mean, params, exposure_s, rng, switches, gain_error, adc_bits,
                       None if pattern is None else pattern.bias_dn)


def noise_free(switches: ChainSwitches) -> ChainSwitches:
    """The switches of the noise-free chain: radiation hits, shot and read noise off, the rest as given."""
    return ChainSwitches(**{**switches.__dict__, "shot_noise": False, "read_noise": False, "radiation": False})


def apply_chain_with_truth(photo_e, params: DetectorParams, exposure_s: float, rng: np.random.Generator, *,
                           pattern: FixedPattern | None = None, vignette=None,
                           switches: ChainSwitches = ChainSwitches(), temperature_k=None, gain_error: float = 0.0,
                           adc_bits: int = 12, flat=None):
    """``(noisy, noise_free)`` 12-bit DN: :func:`apply_chain` and the same chain with :func:`noise_free`
    switches, sharing the deterministic head (:func:`mean_charge`) instead of running it twice.

    Both equal what two :func:`apply_chain` calls return (the noise-free one draws nothing from ``rng``).
    """
    shape = np.shape(photo_e)
    noisy, quiet = np.empty(shape, np.uint16), np.empty(shape, np.uint16)
    run = prepare_chain_with_truth(photo_e, params, exposure_s, pattern=pattern, vignette=vignette, switches=switches,
                                   temperature_k=temperature_k, gain_error=gain_error, adc_bits=adc_bits, flat=flat)
    run(rng, slice(None), noisy, quiet)
    return noisy, quiet


def prepare_chain_with_truth(photo_e, params: DetectorParams, exposure_s: float, *,
                             pattern: FixedPattern | None = None, vignette=None,
                             switches: ChainSwitches = ChainSwitches(), temperature_k=None, gain_error: float = 0.0,
                             adc_bits: int = 12, flat=None):
    """:func:`apply_chain_with_truth` for column blocks of one framelet, each with its own generator.

    Checks the arguments (as :func:`apply_chain_with_truth`) and prepares what every block shares once, and
    returns ``run(rng, columns, noisy_out, quiet_out)``, which does
    ``noisy_out[:, columns], quiet_out[:, columns] = apply_chain_with_truth(photo_e[:, columns], ..., rng)``
    (``pattern``, ``vignette``, ``flat`` cut to the same columns) without cutting or copying the framelet-wide
    arrays. ``columns`` is a slice with step 1; the outputs have ``photo_e``'s shape; ``quiet_out`` may be
    float32 (the values are whole DN). Blocks on disjoint columns may run in parallel threads.

    With numba and numpy's default bit generator (PCG64) a block is one compiled call in the usual case (no
    radiation hits, nothing over the full well): mean charge, shot noise, read noise and the ADC of both
    images straight into the outputs, drawing from ``rng``'s state, which is then left where the numpy steps
    leave it. Otherwise the numpy steps (:func:`apply_full_well` for blooming, :func:`add_radiation_hits`)
    run between the compiled passes, or, for another bit generator, the steps run as :func:`mean_charge` and
    two tails on cut copies of the arrays.
    """
    img = _check_chain(photo_e, params, exposure_s, pattern, switches)
    params = with_framelet_noise(params, pattern)   # framelet-wide: the same for every column block
    if switches.flat_field and flat is None:
        flat = flat_field(params, switches, pattern, vignette)
    dark = params.dark_current_e_s(temperature_k) * exposure_s if switches.dark_current else 0.0
    hits = switches.radiation and params.radiation_hits_per_cm2_s > 0
    full_well = params.full_well_e if switches.full_well else np.inf
    read_e, rho, innov, read_noise, denom, top = _adc_args(params, switches.read_noise, gain_error, adc_bits)
    compiled = AVAILABLE and np.ndim(dark) == 0
    head = bias = None
    if compiled:
        head = _head_arrays(img, flat, pattern, switches, params, exposure_s) + (float(dark),)
        bias = _bias_map(None if pattern is None else pattern.bias_dn, params, img.shape)

    def numpy_steps(rng, c0, c1, noisy_out, quiet_out):
        cols = slice(c0, c1)
        cut = (lambda a: a if a is None or np.ndim(a) == 0 else np.broadcast_to(a, img.shape)[:, cols])  # noqa: E731
        part = None if pattern is None else pattern.columns(c0, c1)
        mean = mean_charge(img[:, cols], params, exposure_s, pattern=part, flat=cut(flat), switches=switches,
                           temperature_k=cut(temperature_k))
        b = None if part is None else part.bias_dn
        noisy_out[:, cols] = _noisy_tail(mean, params, exposure_s, rng, switches, gain_error, adc_bits, b)
        quiet_out[:, cols] = _noisy_tail(mean, params, exposure_s, rng, noise_free(switches), gain_error, adc_bits, b)

    def run(rng: np.random.Generator, columns: slice, noisy_out: np.ndarray, quiet_out: np.ndarray) -> None:
        c0, c1, step = columns.indices(img.shape[1])
        if step != 1 or noisy_out.shape != img.shape or quiet_out.shape != img.shape:
            raise InstrumentError(f"chain outputs {noisy_out.shape}, {quiet_out.shape} and columns {columns} do not "
                                  f"fit the image {img.shape}; expected its shape and a column range with step 1")
        state = _pcg_state(rng) if compiled else None
        if state is None:
            numpy_steps(rng, c0, c1, noisy_out, quiet_out)
            return
        mean = np.empty((img.shape[0], c1 - c0))
        noisy = np.empty_like(mean) if switches.shot_noise else mean
        if hits:
            # The hits draw from rng before the shot noise: the numpy step, then the compiled passes go on.
            most_mean = _mean_block(*head, c0, mean)
            sampled = add_radiation_hits(mean, params, exposure_s, rng)
            state = _pcg_state(rng)
            if switches.shot_noise:
                bad, most = _shot_entry(state, sampled, noisy)
            else:
                noisy, bad, most = sampled, -1, np.max(sampled, initial=-np.inf)
            done = False
        else:
            sampled = mean
            done, bad, most, most_mean = _chain_block(state, *head, c0, switches.shot_noise, full_well, read_e, rho,
                                                      innov, read_noise, denom, bias, top, mean, noisy, noisy_out,
                                                      quiet_out)
        if not done:    # a bad mean, radiation hits, or a pixel over the full well: the remaining steps in turn
            if bad >= 0:
                _bad_mean(sampled.reshape(-1)[bad])
            if most > full_well:
                noisy = apply_full_well(noisy, params.full_well_e, blooming=switches.blooming)
            if most_mean > full_well:
                mean = apply_full_well(mean, params.full_well_e, blooming=switches.blooming)
            _adc_entry(state, noisy, read_e, rho, innov, read_noise, denom, bias, top, c0, noisy_out)
            _adc_entry(state, mean, read_e, rho, innov, False, denom, bias, top, c0, quiet_out)
        _set_pcg_state(rng, state)

    return run


def _head_arrays(img, flat, pattern, switches: ChainSwitches, params: DetectorParams, exposure_s: float):
    """The compiled head's inputs: photo-electrons, flat field and hot-pixel charge (e-) as C-contiguous 2-D
    arrays of the image's shape (empty placeholders where an effect is off), each with its switch."""
    e = np.ascontiguousarray(img)
    flat_full = _NO_FLAT
    if switches.flat_field:
        flat_full = np.asarray(flat, dtype=float)
        if flat_full.shape != e.shape:
            flat_full = np.broadcast_to(flat_full, e.shape)
        flat_full = np.ascontiguousarray(flat_full)
    hot = _NO_HOT
    if switches.hot_pixels:
        hot = np.ascontiguousarray(_hot_charge(pattern.hot, pattern.hot_e, params, exposure_s), dtype=float)
    return e, flat_full, switches.flat_field, hot, switches.hot_pixels, switches.dark_current


def _bias_map(bias, params: DetectorParams, shape) -> np.ndarray:
    """The DN offset of every pixel as a C-contiguous float64 array of ``shape``: ``bias`` (a map or
    broadcastable) or ``params.bias_dn`` everywhere."""
    if bias is None:
        return np.full(shape, float(params.bias_dn))
    return np.ascontiguousarray(np.broadcast_to(np.asarray(bias, dtype=float), shape))


def _adc_args(params: DetectorParams, read_noise: bool, gain_error: float, adc_bits: int):
    """``(read noise e-, rho, innovation e-, read noise on, e- per DN, top DN)`` of the compiled ADC pass."""
    rho, innov = _read_noise_terms(params.read_noise_e, params.read_noise_correlation)
    return (float(params.read_noise_e), rho, innov, bool(read_noise), params.gain_e_per_dn * (1.0 + gain_error),
            float(2**adc_bits - 1))


_NO_FLAT, _NO_HOT = np.empty((0, 0)), np.empty((0, 0))


_MASK64 = (1 << 64) - 1


def _pcg_state(rng: np.random.Generator):
    """``rng``'s PCG64 state as uint64 ``[state high, state low, increment high, increment low]`` for the compiled
    loops, or None when they do not draw for it (numba missing, or a bit generator other than PCG64)."""
    bits = rng.bit_generator
    if not AVAILABLE or type(bits) is not np.random.PCG64:
        return None
    pcg = bits.state["state"]
    return np.array([pcg["state"] >> 64, pcg["state"] & _MASK64, pcg["inc"] >> 64, pcg["inc"] & _MASK64],
                    dtype=np.uint64)


def _set_pcg_state(rng: np.random.Generator, state: np.ndarray) -> None:
    """Put the state advanced by the compiled loops back into ``rng`` (the buffered 32-bit half is untouched:
    the loops draw whole 64-bit numbers, as numpy's doubles and normals do)."""
    full = rng.bit_generator.state
    full["state"]["state"] = (int(state[0]) << 64) | int(state[1])
    rng.bit_generator.state = full

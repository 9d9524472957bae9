"""Calibration framelets of the size estimator (:mod:`simulator.budget`): Jupiter-like signal through the
renderer's own detector.

The signal is procedural (:func:`synthetic_framelet`) or sampled from the scenes package's Jupiter
(:func:`scene_framelet`); either way it is exposed by :class:`CalibrationCamera`, which is the renderer's
``simulator.render.electronics.DetectorChain`` for the default scenario's camera (its ``[detector]`` and
``[noise]`` tables and its ``[mission]`` camera state): the realistic dark/bias frame with its column structure
and reference columns, hot-pixel streaks, warm columns, flat field with dust and blemishes, PRNU, dark
current, shot noise and read noise (white by default), the 12-bit ADC and SQROOT companding. Nothing of
the chain is re-implemented here; a framelet is ``DetectorChain.expose`` of an I/F image.

Each calibration set draws its own camera (the fixed pattern and defects, ``fixed_pattern_seed``) from its
seed, so an estimator fitted on one set and checked on another is checked on a camera it has not seen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FRAMELET_SHAPE = (128, 1648)  # facts.md: 1648 samples per line, 128-line filter strips
DARK_COLUMNS = (23, 1631)  # facts.md "Camera geometry": photoactive columns 23..1630
# TDI stages the calibration framelets are exposed at (uniform draw). Assumption spanning what images use:
# 1 on the bright disk near perijove (the default scenario), a few stages farther out; the hot-pixel streaks
# grow with TDI (instrument_models.junocam.defects).
CALIBRATION_TDI = (1, 1, 2, 3, 4, 6)
CALIBRATION_FILTERS = ("BLUE", "GREEN", "RED", "METHANE")


class CalibrationCamera:
    """The default scenario's detector and electronics, for one drawn camera (fixed pattern and defects).

    Parameters
    ----------
    camera_seed : ``[noise] fixed_pattern_seed``: which camera's fixed pattern and defects.
    noise_seed : the seed of the per-framelet noise generators (``("detector", frame, filter, block)``).
    """

    def __init__(self, camera_seed: int, noise_seed: int):
        from instrument_models.junocam import JunoCam
        from instrument_models.junocam.aging import apply_mission_state
        from simulator.mission import scenario_camera_state
        from simulator.render.electronics import DetectorChain
        from simulator.render.types import RenderRequest
        from simulator.scenario import load_scenario

        scenario = load_scenario("default")
        cam = JunoCam.default()
        state = scenario_camera_state(scenario)
        if state is not None:
            cam = apply_mission_state(cam, state)
        im = scenario.imaging
        # The chain reads the request's noise/detector tables, seed, summing, companding and compression only;
        # the metakernel is never opened (no geometry here).
        request = RenderRequest(
            metakernel=Path("unused.tm"), start_et=0.0, frames=1, filters=CALIBRATION_FILTERS,
            tdi_stages={f: 1 for f in CALIBRATION_FILTERS}, interframe_delay_s=float(im.interframe_delay_s),
            summing=1, companding="SQROOT", compression="NONE",
            focal_plane_temperature_k=float(im.focal_plane_temperature_k), seed=int(noise_seed),
            noise={**scenario.table("noise"), "fixed_pattern_seed": int(camera_seed)},
            detector=scenario.table("detector"))
        self.chain = DetectorChain(request, cam)
        self._frame = 0

    def dn_per_iof(self, filter_name: str, tdi: int) -> float:
        """12-bit DN per unit I/F at Jupiter's mean solar distance (before the flat field)."""
        from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM

        cam = self.chain.cam
        rate = self.chain.radiometry.electrons_per_s_per_iof(filter_name, JUPITER_SOLAR_DISTANCE_KM)
        return float(rate * cam.exposure_s(tdi) / cam.detector.gain_e_per_dn)

    def expose(self, signal_dn: np.ndarray, filter_name: str, tdi: int) -> np.ndarray:
        """(128, 1648) signal in 12-bit DN (before flat field, dark and bias) -> the companded uint8 framelet.

        Every call is a new frame index, so its noise comes from its own generators.
        """
        from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM

        iof = np.asarray(signal_dn, dtype=float) / self.dn_per_iof(filter_name, tdi)
        exposed = self.chain.expose(iof, filter_name, int(tdi), JUPITER_SOLAR_DISTANCE_KM, self._frame,
                                    threads=False)
        self._frame += 1
        return exposed.dn8


def _power_law_field(rng: np.random.Generator, shape: tuple[int, int], slope: float) -> np.ndarray:
    """Gaussian random field with power spectrum ~ k**-slope, zero mean, unit rms, ``shape`` float64."""
    ky = np.fft.fftfreq(shape[0])[:, None]
    kx = np.fft.rfftfreq(shape[1])[None, :]
    k = np.hypot(ky, kx)
    k[0, 0] = 1.0
    spectrum = (rng.standard_normal(k.shape) + 1j * rng.standard_normal(k.shape)) * k ** (-slope / 2)
    spectrum[0, 0] = 0.0
    field = np.fft.irfft2(spectrum, s=shape)
    return field / max(float(field.std()), 1e-12)


def _draw_exposure(rng: np.random.Generator) -> tuple[str, int]:
    return (CALIBRATION_FILTERS[int(rng.integers(len(CALIBRATION_FILTERS)))],
            CALIBRATION_TDI[int(rng.integers(len(CALIBRATION_TDI)))])


def _blank_dark_columns(signal: np.ndarray) -> np.ndarray:
    signal[:, :DARK_COLUMNS[0]] = 0.0
    signal[:, DARK_COLUMNS[1]:] = 0.0
    return signal


def synthetic_framelet(rng: np.random.Generator, camera: CalibrationCamera) -> np.ndarray:
    """A procedural Jupiter-like companded framelet, (128, 1648) uint8 (calibration and test source).

    One draw picks: all sky (12 %), all disk (38 %) or a limb crossing (50 %); flat or terminator
    illumination (cos i ramp reaching 0); zonal bands (three sinusoids at a random orientation,
    60..2000 px wavelength); turbulence, a power-law random field (spectral slope 1.4..3.0) of random
    strength from none ("bland clouds") to 35 % albedo rms ("turbulent belts"), mostly bland (the cube of a
    uniform draw: median 4 %; real cloud fields show 1.5-1.7 % rms in ~5,500 km patches, issue #13); a peak signal of
    150..3000 DN; a filter strip and a TDI (:data:`CALIBRATION_TDI`). ``camera`` exposes it (module doc);
    columns outside the photoactive 23..1630 get no signal. Those ranges are assumptions chosen to span
    real framelets.
    """
    lines, samples = FRAMELET_SHAPE
    y, x = np.mgrid[0:lines, 0:samples].astype(float)
    kind = rng.random()
    if kind < 0.12:
        disk = np.zeros(FRAMELET_SHAPE, bool)
    elif kind < 0.5:
        disk = np.ones(FRAMELET_SHAPE, bool)
    else:
        angle, radius = rng.uniform(0, 2 * np.pi), rng.uniform(1500, 30000)
        offset = radius + rng.uniform(-0.8, 0.8) * samples
        centre = (samples / 2 + offset * np.cos(angle), lines / 2 + offset * np.sin(angle))
        disk = np.hypot(x - centre[0], y - centre[1]) < radius
    ramp_dir = rng.uniform(0, 2 * np.pi)
    ramp = (x * np.cos(ramp_dir) + y * np.sin(ramp_dir)) / samples
    if rng.random() < 0.4:
        cos_i = np.clip(rng.uniform(-0.3, 1.2) + rng.uniform(-1.0, 1.0) * ramp, 0.0, 1.0)
    else:
        cos_i = np.full(FRAMELET_SHAPE, rng.uniform(0.2, 1.0))
    band_dir = rng.uniform(0, np.pi)
    across = x * np.cos(band_dir) + y * np.sin(band_dir)
    bands = sum(rng.uniform(0, 0.15) * np.sin(2 * np.pi * across / rng.uniform(60, 2000) + rng.uniform(0, 2 * np.pi))
                for _ in range(3))
    turbulence = rng.uniform(0, 1) ** 3 * 0.35
    albedo = np.clip(0.6 + bands + turbulence * _power_law_field(rng, FRAMELET_SHAPE, rng.uniform(1.4, 3.0)),
                     0.02, 1.5)
    signal = np.where(disk, rng.uniform(150, 3000) * albedo * cos_i ** 0.875, 0.0)
    return camera.expose(_blank_dark_columns(signal), *_draw_exposure(rng))


def scene_framelet(rng: np.random.Generator, appearance, camera: CalibrationCamera) -> np.ndarray:
    """A companded framelet sampled from a scene model's Jupiter albedo, (128, 1648) uint8.

    A patch of the planet at a random latitude (-70..70 deg), longitude, filter and pixel scale
    (3..60 km/px, log-uniform; facts.md: ~3 km at perijove to ~50 km over the poles) is evaluated with
    ``appearance.normal_albedo`` (band-limited to the pixel footprint), lit by a random cos(i) ramp
    (cos(i)^0.875 limb darkening), scaled to a peak of 300..3000 DN and exposed by ``camera`` at a drawn
    TDI. About 1 s per framelet (the texture is analytic noise).
    """
    lines, samples = FRAMELET_SHAPE
    line, sample = np.mgrid[0:lines, 0:samples].astype(float)
    lat0, lon0 = rng.uniform(-70, 70), rng.uniform(0, 360)
    scale_km = float(np.exp(rng.uniform(np.log(3.0), np.log(60.0))))
    deg_per_px = np.degrees(scale_km / 71492.0)  # equatorial radius, facts.md "Jupiter"
    lat = np.clip(lat0 + (line - lines / 2) * deg_per_px, -89.9, 89.9)
    lon = np.mod(lon0 + (sample - samples / 2) * deg_per_px / np.cos(np.radians(lat0)), 360.0)
    filter_name, tdi = _draw_exposure(rng)
    albedo = appearance.normal_albedo(filter_name, lat.ravel(), lon.ravel(),
                                      footprint_km=scale_km).reshape(FRAMELET_SHAPE)
    cos_i = np.clip(rng.uniform(0.1, 1.0) + rng.uniform(-0.5, 0.5) * (sample / samples - 0.5), 0.0, 1.0)
    signal = rng.uniform(300, 3000) * albedo * cos_i ** 0.875
    return camera.expose(_blank_dark_columns(signal), filter_name, tdi)


def calibration_framelets(seed: int, count: int, scene_count: int = 0) -> list[np.ndarray]:
    """``count`` procedural framelets, then ``scene_count`` sampled from the procedural Jupiter scene,
    each (128, 1648) uint8, exposed by a camera drawn from the seed (module doc).

    Everything comes from ``numpy.random.default_rng(seed)`` (the camera's seeds and the scene's texture seed
    are drawn from it too): same seed, same pixels.
    """
    rng = np.random.default_rng(seed)
    camera_seed, noise_seed = (int(v) for v in rng.integers(2**31, size=2))
    camera = CalibrationCamera(camera_seed, noise_seed)
    framelets = [synthetic_framelet(rng, camera) for _ in range(count)]
    if scene_count:
        from scenes.jupiter import JupiterAppearance

        appearance = JupiterAppearance(seed=int(rng.integers(2**31)))
        framelets += [scene_framelet(rng, appearance, camera) for _ in range(scene_count)]
    return framelets


__all__ = ["CALIBRATION_TDI", "CalibrationCamera", "DARK_COLUMNS", "FRAMELET_SHAPE", "calibration_framelets",
           "scene_framelet", "synthetic_framelet"]

"""The reference reconstruction: every photoactive pixel of a product to latitude, longitude and I/F.

It reads only what :mod:`simulator.validate.product` opens (raw PNG, metadata, kernels). Per framelet:
the ISIS frame time (``framelets.py``), one geometry sample (SPICE), the pixels' rays and their intercepts
(``projection.py``), and the calibrated I/F with its predicted noise (``calibration.py``); the photometric
correction divides I/F by the scene's photometric function at unit albedo (``scenes.photometry``), which
gives the normal albedo.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instrument_models.junocam.aging import apply_mission_state, camera_state
from instrument_models.junocam.compression import DEFAULT_ICT_QUALITY
from scenes.photometry import Photometry
from simulator.errors import SimulatorError
from simulator.geometry import Geometry
from simulator.validate.calibration import Calibration
from simulator.validate.frames import FrameCalibration
from simulator.validate.limbfit import FrameletCoding
from simulator.validate.framelets import Framelet, framelet_pixels, framelet_times, sclk_to_et
from simulator.validate.product import ProductInputs, camera_from_kernels
from simulator.validate.projection import (
    FrameletGeometry, framelet_rays, image_motion_rows_per_s, project_rays, row_shift_px)

SATURATED_CODE = 255  # the top companding code also holds every clipped value: not a measurement


@dataclass(frozen=True)
class FrameletReconstruction:
    """One framelet, reconstructed.

    Attributes
    ----------
    framelet : its place and times.
    geometry : per-pixel geometry (see :class:`FrameletGeometry`).
    dn : (lines, samples) estimated analog 12-bit signal, NaN where saturated or dark.
    iof, iof_sigma : (lines, samples) calibrated I/F and its predicted noise, NaN off the planet.
    albedo : (lines, samples) photometrically corrected I/F (normal albedo), NaN off the lit planet.
    """

    framelet: Framelet
    geometry: FrameletGeometry
    dn: np.ndarray
    iof: np.ndarray
    iof_sigma: np.ndarray
    albedo: np.ndarray


def photometry_from(settings: dict, model: str | None = None, minnaert_k: float | None = None) -> Photometry:
    """The photometric model: CLI choice, else the recorded ``[scene]`` settings, else the scenes default."""
    name = model or settings.get("photometry") or "minnaert"
    k = minnaert_k if minnaert_k is not None else settings.get("minnaert_k")
    if k is None:
        return Photometry(model=name)
    if isinstance(k, dict):
        return Photometry(model=name, minnaert_k=k)
    return Photometry(model=name, minnaert_k={f: float(k) for f in ("METHANE", "BLUE", "GREEN", "RED")})


class Reconstructor:
    """Reconstructs a product's framelets; holds the camera, calibration and photometry it uses.

    Parameters
    ----------
    inputs : the opened product (public files only).
    photometry : photometric model for the albedo correction.
    frames : the calibration frames (``simulator.validate.frames``; default none: the camera model's).
    min_cos_incidence, min_cos_emission : pixels lit or seen more obliquely than this get no albedo (the
        correction diverges at the terminator and the limb); 0.2 (78 deg) is an assumption.
    """

    def __init__(self, inputs: ProductInputs, photometry: Photometry | None = None,
                 min_cos_incidence: float = 0.2, min_cos_emission: float = 0.2,
                 frames: FrameCalibration | None = None):
        self.inputs = inputs
        self.layout = inputs.product.layout
        # Calibrated for the product's perijove (ORBIT_NUMBER) with the published ageing model, as a mission
        # pipeline uses the calibration of its epoch (instrument_models.junocam.aging).
        self.camera = apply_mission_state(camera_from_kernels(inputs.metakernel), camera_state(self.layout.orbit_number))
        self.calibration = Calibration(self.camera, self.camera.radiometry)
        self.photometry = photometry or photometry_from(inputs.scene_settings)
        self.frames = frames or FrameCalibration("model")
        self.min_cos_incidence = float(min_cos_incidence)
        self.min_cos_emission = float(min_cos_emission)

    def coding(self) -> FrameletCoding:
        """The product's 8-bit coding for the limb fit's edge model (:class:`FrameletCoding`).

        Companding and compression from the labels; the transform coder's quality from the recorded
        ``[imaging]`` table, else the coder's default (``DEFAULT_ICT_QUALITY``, an assumption: real labels do
        not carry it). Decompanding is this reconstruction's own (:meth:`Calibration.decompand`).
        """
        lay = self.layout
        quality = int(self.inputs.imaging_settings.get("quality", DEFAULT_ICT_QUALITY))

        def decompand(codes):
            return self.calibration.decompand(codes, lay.companding, lay.summing)[0]

        return FrameletCoding(lay.companding, lay.compression, quality, decompand)

    def geometry(self) -> Geometry:
        """A geometry service on the product's kernels with its aberration correction (use ``with``)."""
        return Geometry(self.inputs.metakernel, abcorr=self.inputs.abcorr)

    def framelets(self, geo: Geometry, time_offset_s: float = 0.0) -> list[Framelet]:
        """The product's framelets with ISIS times (``geo`` must be entered: its pool holds the SCLK)."""
        start_et = sclk_to_et(self.layout.sclk_start)
        return framelet_times(self.layout, self.camera, start_et, time_offset_s)

    def motion_rows_per_s(self, geo: Geometry, framelet: Framelet) -> float:
        """Signed image motion along the lines (rows per second) during ``framelet`` (attitude kernel)."""
        period = self.camera.timing.tdi_line_period_s
        s = geo.sample([framelet.mid_et, framelet.mid_et + period])
        return image_motion_rows_per_s(self.camera, framelet.filter, s.cam_to_j2000[0], s.cam_to_j2000[1],
                                       period, self.layout.summing)

    def motion_direction(self, geo: Geometry, framelet: Framelet) -> int:
        """Direction (+1 / -1) of image motion along the lines for ``framelet``."""
        return 1 if self.motion_rows_per_s(geo, framelet) > 0 else -1

    def shift_px(self, geo: Geometry, framelet: Framelet, convention: str) -> float:
        """Row shift of the rays of ``framelet`` under ``convention`` (``projection.row_shift_px``)."""
        if framelet.tdi_stages == 1 or convention == "isis":
            return row_shift_px(framelet.tdi_stages, 1, convention, self.layout.summing)
        return row_shift_px(framelet.tdi_stages, self.motion_direction(geo, framelet), convention,
                            self.layout.summing)

    def project(self, geo: Geometry, framelets: list[Framelet], convention: str = "packet") -> list[FrameletGeometry]:
        """Geometry of every framelet (one SPICE sample set for all of them)."""
        return list(self.iter_project(geo, framelets, convention))

    def iter_project(self, geo: Geometry, framelets: list[Framelet], convention: str = "packet"):
        """:meth:`project` one framelet at a time (a generator; the same values, less memory)."""
        if not framelets:
            return
        samples = geo.sample([f.mid_et for f in framelets])
        rays_cache: dict = {}
        for i, fr in enumerate(framelets):
            shift = self.shift_px(geo, fr, convention)
            key = (fr.filter, shift)
            if key not in rays_cache:
                rays_cache[key] = framelet_rays(self.camera, fr.filter, self.layout.summing, shift)
            rays, columns = rays_cache[key]
            yield project_rays(geo, samples, i, rays, columns, fr.mid_et, shift)

    def radiometry(self, geo: Geometry, framelet: Framelet, geometry: FrameletGeometry,
                   solar_distance_km: float) -> FrameletReconstruction:
        """Calibrated I/F, its noise and the albedo of one projected framelet."""
        lay, cal = self.layout, self.calibration
        codes = framelet_pixels(self.inputs.product.image, framelet)
        dn, quant_var = cal.decompand(codes, lay.companding, lay.summing)
        flat, dark_dn, bad = self.frames.maps(framelet.filter)
        usable = geometry.hit & (codes < SATURATED_CODE)
        if bad is not None:       # the bad-pixel mask: hot streaks, warm columns, blemishes (frames.py)
            usable &= ~bad
        dn = np.where(usable, dn, np.nan)
        n_lines, n_samples = codes.shape
        line, sample = np.meshgrid(np.arange(n_lines) + 0.5, np.arange(n_samples) + 0.5, indexing="ij")
        temperature = lay.focal_plane_temperature_k
        iof = cal.dn_to_iof(dn, framelet.filter, framelet.tdi_stages, solar_distance_km, sample, line,
                            lay.summing, temperature, flat, dark_dn)
        sigma = cal.iof_sigma(iof, quant_var, framelet.filter, framelet.tdi_stages, solar_distance_km, sample,
                              line, lay.summing, temperature, flat, self.frames.exact_flat and flat is not None)
        cos_i = np.cos(np.radians(geometry.incidence))
        cos_e = np.cos(np.radians(geometry.emission))
        lit = usable & (cos_i >= self.min_cos_incidence) & (cos_e >= self.min_cos_emission)
        with np.errstate(invalid="ignore", divide="ignore"):
            unit = self.photometry.iof(1.0, cos_i, cos_e, np.cos(np.radians(geometry.phase)), framelet.filter)
            albedo = np.where(lit & (unit > 0), iof / unit, np.nan)
        return FrameletReconstruction(framelet=framelet, geometry=geometry, dn=dn, iof=iof,
                                      iof_sigma=np.where(usable, sigma, np.nan), albedo=albedo)

    def reconstruct(self, time_offset_s: float = 0.0, convention: str = "packet",
                    with_radiometry: bool = True) -> list[FrameletReconstruction] | list[FrameletGeometry]:
        """Reconstruct every framelet of the product.

        Parameters
        ----------
        time_offset_s : added to every frame start (e.g. the limb fit's estimate).
        convention : ``"packet"`` or ``"isis"`` (``projection.py``).
        with_radiometry : False returns the geometry only (a list of :class:`FrameletGeometry`).
        """
        with self.geometry() as geo:
            framelets = self.framelets(geo, time_offset_s)
            return list(self.iter_reconstruct(geo, framelets, convention, with_radiometry))

    def iter_reconstruct(self, geo: Geometry, framelets: list[Framelet], convention: str = "packet",
                         with_radiometry: bool = True):
        """:meth:`reconstruct` of ``framelets`` one at a time (a generator; ``geo`` entered), the same values.

        Holding one framelet at a time keeps memory bounded on long products (``validate``).
        """
        geometry = self.iter_project(geo, framelets, convention)
        if not with_radiometry:
            yield from geometry
            return
        samples = geo.sample([f.mid_et for f in framelets])
        solar = np.linalg.norm(samples.sun_body, axis=1)
        for f, g, d in zip(framelets, geometry, solar):
            yield self.radiometry(geo, f, g, float(d))


def stack(framelet_arrays: list[np.ndarray], lines: int | None = None) -> np.ndarray:
    """Framelet arrays in PNG order stacked into one image-shaped array."""
    if not framelet_arrays:
        raise SimulatorError("no framelets to stack")
    return np.concatenate(framelet_arrays, axis=0)

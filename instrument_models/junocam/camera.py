"""``JunoCam``: the camera model bundling optics, CCD strips, timing, detector and electronics.

Geometry and timing delegate to :mod:`optics`, :mod:`strips` and :mod:`timing`; this module adds the
summing convention and the constructors (built-in flight values, or values read from SPICE kernels).

Summing: with ``summing=2`` framelet coordinates are in summed pixels; summed pixel ``(i, j)`` covers
unsummed ``[2i, 2i+2) x [2j, 2j+2)``, so a summed coordinate is half the unsummed one (same corner origin).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam.detector import DetectorParams
from instrument_models.junocam.electronics import ElectronicsParams
from instrument_models.junocam.kernels import read_kernel_parameters, write_ik
from instrument_models.junocam.optics import FILTERS, Optics, check_summing, normalize_filter
from instrument_models.junocam.radiometry import Radiometry
from instrument_models.junocam.strips import StripLayout
from instrument_models.junocam.timing import Timing


@dataclass(frozen=True)
class JunoCam:
    """The JunoCam model: parameters as data plus vectorised geometry and timing."""

    optics: Optics = field(default_factory=Optics)
    strips: StripLayout = field(default_factory=StripLayout)
    timing: Timing = field(default_factory=Timing)
    detector: DetectorParams = field(default_factory=DetectorParams)
    electronics: ElectronicsParams = field(default_factory=ElectronicsParams)
    radiometry: Radiometry = field(default_factory=Radiometry)

    @classmethod
    def default(cls) -> "JunoCam":
        """The camera with the flight kernel's values (facts.md) and documented assumptions elsewhere."""
        return cls()

    @classmethod
    def from_kernels(cls, paths: Iterable[str | os.PathLike]) -> "JunoCam":
        """The camera with optics, strips and timing read from SPICE text kernels.

        ``paths``: the IK (flight ``juno_junocam_v03.ti`` plus the ISIS addendum ``junoAddendum005.ti``,
        or one IK written by :meth:`write_ik`). Detector and electronics keep their defaults (no kernel
        carries them). Files are loaded, read and unloaded again; the caller's pool is left as it was.
        """
        p = read_kernel_parameters(list(paths))
        return cls(optics=Optics(**p["optics"]), strips=StripLayout(**p["strips"]), timing=Timing(**p["timing"]))

    # --- geometry --------------------------------------------------------------------------------------

    def pixel_to_ray(self, filter_name: str, sample, line, summing: int = 1):
        """Framelet pixel coordinates -> unit rays in JUNO_JUNOCAM, shape ``broadcast(sample, line) + (3,)``.

        ``sample, line`` are continuous framelet coordinates in summed pixels when ``summing`` is 2.
        """
        s = check_summing(summing)
        return self.optics.pixel_to_ray(filter_name, np.asarray(sample, dtype=float) * s,
                                        np.asarray(line, dtype=float) * s)

    def ray_to_pixel(self, filter_name: str, rays, summing: int = 1):
        """Rays (..., 3) in JUNO_JUNOCAM -> (sample, line) framelet coordinates; NaN where z <= 0."""
        s = check_summing(summing)
        x, y = self.optics.ray_to_pixel(filter_name, rays)
        return x / s, y / s

    def ccd_optical_centre_line(self) -> float:
        """Full-CCD line of the optical centre, FILTER_OFFSET + DISTORTION_Y (600 for every filter, facts.md)."""
        lines = [self.strips.filter_offset[f] + self.optics.cy[f] for f in FILTERS]
        if max(lines) - min(lines) > 1e-6:
            raise InstrumentError(f"FILTER_OFFSET + DISTORTION_Y differ between filters ({lines}); the full-CCD "
                                  "optical centre is undefined")
        return float(np.mean(lines))

    def ccd_to_ray(self, sample, ccd_line):
        """Full-CCD coordinates (unsummed, continuous, (0, 0) the CCD's corner) -> unit rays (..., 3).

        Any CCD line works, including those between the strips (useful for image motion across rows).
        """
        o = self.optics
        sample, ccd_line = np.broadcast_arrays(np.asarray(sample, dtype=float), np.asarray(ccd_line, dtype=float))
        c0, c1 = o.undistort(sample - o.cx, ccd_line - self.ccd_optical_centre_line())
        v = np.stack([c0, c1, np.full(c0.shape, o.focal_length_px)], axis=-1)
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    def ray_to_ccd(self, rays):
        """Rays (..., 3) -> full-CCD (sample, line), NaN where z <= 0."""
        # The framelet mapping of any filter, shifted by its FILTER_OFFSET, is the CCD mapping.
        f = FILTERS[0]
        x, y = self.optics.ray_to_pixel(f, rays)
        return x, y - self.optics.cy[f] + self.ccd_optical_centre_line()

    def framelet_pixel_centres(self, summing: int = 1):
        """(lines, samples) arrays of every pixel centre of a framelet, in the ``summing`` coordinates."""
        n_lines, n_samples = self.strips.framelet_shape(summing)
        line, sample = np.meshgrid(np.arange(n_lines) + 0.5, np.arange(n_samples) + 0.5, indexing="ij")
        return sample, line

    # --- timing ----------------------------------------------------------------------------------------

    def exposure_s(self, tdi_stages):
        """EXPOSURE_DURATION: TDI stages x 3.2 ms; stages outside 1..100 raise InstrumentError."""
        return self.timing.exposure_s(tdi_stages)

    def frame_start_et(self, start_et, frame_index, interframe_delay_s):
        """Exposure start of frame ``frame_index`` (from 0), including START_TIME_BIAS (ISIS formula)."""
        return self.timing.frame_start_et(start_et, frame_index, interframe_delay_s)

    def frame_mid_et(self, start_et, frame_index, interframe_delay_s, tdi_stages):
        """Mid-exposure ET of frame ``frame_index``: start + exposure / 2 (ISIS's frame time)."""
        return self.timing.frame_mid_et(start_et, frame_index, interframe_delay_s, tdi_stages)

    # --- variants and kernels --------------------------------------------------------------------------

    def with_distortion(self, k1: float, k2: float) -> "JunoCam":
        """A copy whose optics use other distortion coefficients (injected calibration errors)."""
        return replace(self, optics=self.optics.with_distortion(k1, k2))

    def write_ik(self, path: str | os.PathLike) -> Path:
        """Write an instrument kernel for this model; ``getfov`` then matches the flight kernel to 1e-8."""
        return write_ik(self, path)

    def filter_name(self, name: str) -> str:
        """Validated, upper-cased filter name."""
        return normalize_filter(name)

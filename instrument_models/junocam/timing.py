"""Frame timing, TDI exposure, and the relation between the spin rate and the TDI line period.

Sources (facts.md "Timing" and "Detector and electronics"):

- START_TIME_BIAS = 0.06188 s, INTERFRAME_DELTA = 0.001 s (INS-6150#_START_TIME_BIAS / _INTERFRAME_DELTA,
  juno_junocam_v03.ti).
- ISIS: frame n (1-based) starts at ET(SPACECRAFT_CLOCK_START_COUNT) + START_TIME_BIAS
  + (n - 1) (INTERFRAME_DELAY + INTERFRAME_DELTA); the frame's time is its start + EXPOSURE_DURATION / 2.
  Here ``frame_index`` counts from 0, so it is ``n - 1``.
- TDI: the CCD shifts one row every 3.2 ms; EXPOSURE_DURATION = TDI stages x 3.2 ms; up to ~100 stages
  (Hansen et al. 2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instrument_models.errors import InstrumentError

SECONDS_PER_MINUTE = 60.0


def rpm_to_rad_per_s(rpm):
    """Spin rate in revolutions per minute -> rad/s."""
    return np.asarray(rpm, dtype=float) * 2.0 * np.pi / SECONDS_PER_MINUTE


def rad_per_s_to_rpm(rate_rad_s):
    """Spin rate in rad/s -> revolutions per minute."""
    return np.asarray(rate_rad_s, dtype=float) * SECONDS_PER_MINUTE / (2.0 * np.pi)


@dataclass(frozen=True)
class Timing:
    """Timing parameters.

    Attributes
    ----------
    start_time_bias_s : INS-6150#_START_TIME_BIAS (juno_junocam_v03.ti).
    interframe_delta_s : INS-6150#_INTERFRAME_DELTA (juno_junocam_v03.ti).
    tdi_line_period_s : one TDI row shift, 3.2 ms (Hansen et al. 2017; EXPOSURE_DURATION in products).
    tdi_stages_min, tdi_stages_max : valid TDI stage counts, 1..100 (Hansen et al. 2017, "up to ~100").
    """

    start_time_bias_s: float = 0.06188
    interframe_delta_s: float = 0.001
    tdi_line_period_s: float = 0.0032
    tdi_stages_min: int = 1
    tdi_stages_max: int = 100

    def check_tdi(self, tdi_stages) -> np.ndarray:
        """Return the stage count(s) as int array, or raise :class:`InstrumentError` outside 1..100."""
        t = np.asarray(tdi_stages)
        if t.dtype == bool or not (np.issubdtype(t.dtype, np.integer)
                                   or (np.issubdtype(t.dtype, np.floating) and np.all(t == np.round(t)))):
            raise InstrumentError(f"TDI stages {tdi_stages!r} must be a whole number in "
                                  f"{self.tdi_stages_min}..{self.tdi_stages_max}")
        if np.any((t < self.tdi_stages_min) | (t > self.tdi_stages_max)):
            raise InstrumentError(f"TDI stages {tdi_stages!r} out of range; expected "
                                  f"{self.tdi_stages_min}..{self.tdi_stages_max}")
        return t.astype(int)

    def exposure_s(self, tdi_stages):
        """Exposure (EXPOSURE_DURATION) in seconds: TDI stages x 3.2 ms."""
        t = self.check_tdi(tdi_stages)
        out = t * self.tdi_line_period_s
        return float(out) if out.ndim == 0 else out

    def frame_start_et(self, start_et, frame_index, interframe_delay_s):
        """ET at which frame ``frame_index`` (from 0) starts exposing, exactly as ISIS computes it.

        Parameters
        ----------
        start_et : float or array, ET (TDB s past J2000) of SPACECRAFT_CLOCK_START_COUNT.
        frame_index : int or array of int >= 0, frame counted from 0 (ISIS's n - 1).
        interframe_delay_s : float, the label's INTERFRAME_DELAY (without the 1 ms delta).

        Returns
        -------
        et : float or ndarray, ``start_et + START_TIME_BIAS + frame_index (delay + INTERFRAME_DELTA)``.
        """
        n = np.asarray(frame_index)
        if not np.issubdtype(n.dtype, np.integer) or np.any(n < 0):
            raise InstrumentError(f"frame index {frame_index!r} must be a whole number >= 0 (counted from 0)")
        if not np.all(np.isfinite(interframe_delay_s)) or np.any(np.asarray(interframe_delay_s) <= 0):
            raise InstrumentError(f"interframe delay {interframe_delay_s!r} s must be a positive number")
        et = (np.asarray(start_et, dtype=float) + self.start_time_bias_s
              + n * (np.asarray(interframe_delay_s, dtype=float) + self.interframe_delta_s))
        return float(et) if et.ndim == 0 else et

    def frame_mid_et(self, start_et, frame_index, interframe_delay_s, tdi_stages):
        """ET of the middle of frame ``frame_index``'s exposure: start + exposure / 2 (ISIS's frame time)."""
        return self.frame_start_et(start_et, frame_index, interframe_delay_s) + 0.5 * self.exposure_s(tdi_stages)

    # --- spin rate and TDI ---------------------------------------------------------------------------

    def spin_rate_matching_tdi_rad_s(self, focal_length_px: float) -> float:
        """Spin rate (rad/s) at which the image moves exactly one row per TDI line period at the centre.

        For a pinhole camera spinning about an axis parallel to the CCD lines, a point at line offset
        ``y`` from the optical centre moves at ``omega (f + y^2 / f)`` px/s, i.e. ``omega f`` at the
        centre; one row per 3.2 ms gives ``omega = 1 / (f * 3.2 ms)`` (2.0155 rpm for f = 1480.59 px).
        """
        return 1.0 / (focal_length_px * self.tdi_line_period_s)

    @staticmethod
    def image_motion_px_s(spin_rate_rad_s, focal_length_px: float, line_offset_px=0.0):
        """Image motion along the framelet lines (px/s) for a spin rate (rad/s), pinhole approximation.

        Parameters
        ----------
        spin_rate_rad_s : float or array, spin rate about an axis parallel to the CCD lines.
        focal_length_px : focal length in pixels.
        line_offset_px : float or array, line offset from the optical centre (0 at the centre).
        """
        y = np.asarray(line_offset_px, dtype=float)
        return np.asarray(spin_rate_rad_s, dtype=float) * (focal_length_px + y * y / focal_length_px)

    def frame_advance_rad(self, spin_rate_rad_s, interframe_delay_s):
        """Spin angle between two consecutive frames (rad): rate x (INTERFRAME_DELAY + INTERFRAME_DELTA)."""
        return np.asarray(spin_rate_rad_s, dtype=float) * (np.asarray(interframe_delay_s, dtype=float)
                                                           + self.interframe_delta_s)

"""A readable summary of a camera model: FOV, IFOV, strips, distortion, timing, companding, detector."""

from __future__ import annotations

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam.electronics import COMPANDING_MODES, companding_table
from instrument_models.junocam.kernels import NAIF_IDS
from instrument_models.junocam.optics import FILTERS, check_summing, normalize_filter
from instrument_models.junocam.timing import rad_per_s_to_rpm, rpm_to_rad_per_s


def _angle_deg(a, b) -> float:
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b), -1.0, 1.0))))


def _segments(table: np.ndarray) -> list[str]:
    """'step x count (codes a..b -> dn c..d)' runs of a companding table."""
    steps = np.diff(table)
    out, start = [], 0
    for i in range(1, steps.size + 1):
        if i == steps.size or steps[i] != steps[start]:
            out.append(f"step {steps[start]:>2} for codes {start:>3}..{i:>3} (DN {table[start]}..{table[i]})")
            start = i
    return out


def instrument_report(cam, source: str = "built-in flight values (juno_junocam_v03.ti + junoAddendum005.ti)",
                      filters=FILTERS, tdi_stages: int = 1, summing: int = 1, spin_rpm: float = 2.0,
                      interframe_delay_s: float = 0.370) -> str:
    """The text ``junocam-sim instrument`` prints.

    Parameters
    ----------
    cam : :class:`JunoCam`.
    source : where the parameters came from (printed).
    filters : filters to detail.
    tdi_stages, summing : exposure and framelet shape to report (validated: 1..100, 1 or 2).
    spin_rpm, interframe_delay_s : spin and INTERFRAME_DELAY for the frame-advance lines.
    """
    filters = [normalize_filter(f) for f in filters]
    summing = check_summing(summing)
    exposure = cam.exposure_s(tdi_stages)
    o, s, t, d = cam.optics, cam.strips, cam.timing, cam.detector
    if not (np.isfinite(spin_rpm) and spin_rpm > 0):
        raise InstrumentError(f"spin rate {spin_rpm!r} rpm is invalid; expected a positive number")
    if not (np.isfinite(interframe_delay_s) and interframe_delay_s > 0):
        raise InstrumentError(f"interframe delay {interframe_delay_s!r} s is invalid; expected a positive number")
    lines = [f"JunoCam instrument model: {source}", ""]

    lines += ["Optics",
              f"  focal length         {o.focal_length_mm:.5f} mm = {o.focal_length_px:.2f} px "
              f"(pixel pitch {o.pixel_pitch_mm * 1000:.1f} um)",
              f"  IFOV at the centre   {o.ifov_rad * 1e6:.1f} urad/px",
              f"  distortion           K1 = {o.k1:.6e}, K2 = {o.k2:.6e} (pixel units)",
              f"  optical centre       sample {o.cx:.2f}; full-CCD line "
              f"{s.filter_offset[FILTERS[0]] + o.cy[FILTERS[0]]:.2f}", ""]

    n_lines, n_samples = s.framelet_shape(summing)
    lines += ["Filter strips (CCD top to bottom; pixel (0,0) = framelet corner, centres at i+0.5)",
              f"  CCD {s.samples} x {s.lines}: {s.dark_columns} dark columns, {s.photoactive_columns} photoactive "
              f"({s.first_photoactive_column}..{s.last_photoactive_column}), overscan to {s.samples}",
              f"  framelet {n_samples} x {n_lines} px with summing {summing}",
              f"  {'filter':<8} {'NAIF':>6} {'offset':>7} {'CCD rows':>9} {'cy':>8} {'width':>7} {'height':>7}"
              f"  boresight (JUNO_JUNOCAM)"]
    for f in [name for name in FILTERS if name in filters]:   # the requested strips, in CCD order
        first = s.first_ccd_row(f)
        left = o.pixel_to_ray(f, s.first_photoactive_column + 0.5, 64.0)
        right = o.pixel_to_ray(f, s.last_photoactive_column + 0.5, 64.0)
        top, bottom = o.pixel_to_ray(f, 827.0, 0.0), o.pixel_to_ray(f, 827.0, 128.0)
        bore = o.pixel_to_ray(f, 827.0, 64.0)
        lines.append(f"  {f:<8} {NAIF_IDS[f]:>6} {s.filter_offset[f]:>7.2f} {first:>4}..{first + 127:<4} "
                     f"{o.cy[f]:>8.2f} {_angle_deg(left, right):>6.2f}d {_angle_deg(top, bottom):>6.2f}d"
                     f"  ({bore[0]:.8f}, {bore[1]:.8f}, {bore[2]:.8f})")
    top = o.pixel_to_ray(FILTERS[0], 827.0, 0.0)
    bottom = o.pixel_to_ray(FILTERS[-1], 827.0, 128.0)
    lines += [f"  whole camera: {_angle_deg(top, bottom):.2f} deg from the top of {FILTERS[0]} to the bottom "
              f"of {FILTERS[-1]}", ""]

    lines += ["Distortion at the photoactive line ends (distorted - ideal position, px)"]
    worst_end = 0.0
    for f in filters:
        parts = []
        for x in (s.first_photoactive_column + 0.5, s.last_photoactive_column + 0.5):
            for y in (0.5, 127.5):
                u0, u1 = o.undistort(x - o.cx, y - o.cy[f])
                parts.append(f"({x:.1f},{y:.1f}): {float(x - o.cx - u0):+.2f}, {float(y - o.cy[f] - u1):+.2f}")
            ss, ll = np.full(128, x), np.arange(128) + 0.5
            worst_end = max(worst_end, float(o.kernel_undistort_shortfall_px(ss - o.cx, ll - o.cy[f]).max()))
        lines.append(f"  {f:<8} " + "; ".join(parts))
    grid_s, grid_l = np.meshgrid(np.arange(0.0, s.samples + 0.5), np.arange(0.0, s.lines + 0.5, 2.0))
    centre_line = s.filter_offset[FILTERS[0]] + o.cy[FILTERS[0]]
    worst_ccd = float(o.kernel_undistort_shortfall_px(grid_s - o.cx, grid_l - centre_line).max())
    lines += ["  undistortion: Newton iteration to "
              f"{o.undistort_tolerance_px:g} px; the kernel's fixed 5 iterations fall short by",
              f"  up to {worst_end:.2e} px at the line ends of these filters and {worst_ccd:.2e} px anywhere "
              "on the CCD", ""]

    rate = rpm_to_rad_per_s(spin_rpm)
    match = t.spin_rate_matching_tdi_rad_s(o.focal_length_px)
    motion = float(t.image_motion_px_s(rate, o.focal_length_px))
    advance = float(t.frame_advance_rad(rate, interframe_delay_s))
    lines += ["Timing",
              f"  START_TIME_BIAS {t.start_time_bias_s:g} s, INTERFRAME_DELTA {t.interframe_delta_s:g} s; "
              "frame n (from 0) starts at ET(clock) + bias + n (delay + delta), time = start + exposure/2",
              f"  TDI line period      {t.tdi_line_period_s * 1000:.1f} ms; stages "
              f"{t.tdi_stages_min}..{t.tdi_stages_max}; {tdi_stages} stage(s) = {exposure * 1000:.1f} ms exposure",
              f"  spin matching TDI    {float(rad_per_s_to_rpm(match)):.4f} rpm (one row per "
              f"{t.tdi_line_period_s * 1000:.1f} ms at the optical centre)",
              f"  at {spin_rpm:g} rpm           image motion {motion:.1f} px/s = "
              f"{motion * t.tdi_line_period_s:.3f} rows per TDI period",
              f"  frame advance        {np.degrees(advance):.3f} deg = {advance * o.focal_length_px:.1f} px per frame "
              f"(INTERFRAME_DELAY {interframe_delay_s:g} s + delta) against {s.framelet_lines_unsummed} rows: "
              f"overlap {s.framelet_lines_unsummed - advance * o.focal_length_px:.1f} rows", ""]

    lines += ["Companding 12 -> 8 bit (code = nearest table value; decompanding is the table)"]
    for mode in COMPANDING_MODES:
        table = companding_table(mode)
        if mode == "SQROOT":
            lines.append(f"  {mode:<7} 256 codes -> DN 0..{table[-1]}:")
            lines += [f"          {seg}" for seg in _segments(table)]
        else:
            lines.append(f"  {mode:<7} DN = code x {table[1]} (0..{table[-1]})")
    lines.append("")

    lines += ["Detector (assumptions unless noted; see instrument_models/junocam/detector.py)",
              f"  gain {d.gain_e_per_dn:g} e-/DN, full well {d.full_well_e:,.0f} e-, read noise {d.read_noise_e:g} e-, "
              f"bias {d.bias_dn:g} DN, 12-bit ADC",
              f"  dark current {d.dark_current_e_s():.2f} e-/s at {d.focal_plane_temperature_k:g} K "
              f"(doubling every {d.dark_doubling_k:g} K)",
              "  photo-electrons per s per pixel for I/F = 1 at Jupiter's solar distance: "
              + ", ".join(f"{f} {cam.radiometry.electrons_per_s_per_iof(f):.3g}" for f in FILTERS)]
    return "\n".join(lines) + "\n"

"""From the metadata and the kernel pool to the list of framelets and their times.

Layout (facts.md "Products"): the raw PNG stacks framelets of ``128 / SAMPLING_FACTOR`` lines in time order;
within a frame the filters follow FILTER_NAME (``simulator.products.reader.ImageLayout``).

Times (facts.md "Timing", ISIS's rule): frame ``n`` (from 0) starts at
``ET(SPACECRAFT_CLOCK_START_COUNT) + START_TIME_BIAS + n (INTERFRAME_DELAY + INTERFRAME_DELTA)`` and its
time is start + EXPOSURE_DURATION / 2. The clock is converted with the product's SCLK kernel; the two
keywords come from the product's IK through the kernel pool (:meth:`JunoCam.from_kernels`), and the
formula is the camera model's (``JunoCam.frame_start_et``). EXPOSURE_DURATION is checked against
JNO:TDI_STAGES_COUNT x 3.2 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from instrument_models.junocam import JunoCam
from simulator.errors import ProductError
from simulator.products.reader import ImageLayout

JUNO_SPACECRAFT_ID = -61      # facts.md "Camera geometry": spacecraft NAIF ID (the SCLK's id)
EXPOSURE_TOLERANCE_S = 1e-6   # EXPOSURE_DURATION is written to 1 microsecond ("3.200000 <ms>")


@dataclass(frozen=True)
class Framelet:
    """One framelet of the raw image and its reconstructed timing.

    Attributes
    ----------
    frame : 0-based frame index.
    filter : filter name.
    first_line : first row of the framelet in the raw PNG (product lines).
    lines : rows in the PNG (128 / summing).
    start_et : exposure start (ET s) by the ISIS rule.
    mid_et : start + exposure / 2 (ET s).
    tdi_stages : TDI stages of the framelet.
    """

    frame: int
    filter: str
    first_line: int
    lines: int
    start_et: float
    mid_et: float
    tdi_stages: int


def sclk_to_et(sclk: str) -> float:
    """ET of a JunoCam spacecraft clock string, with the SCLK and leapseconds kernels in the pool."""
    try:
        return float(spiceypy.scs2e(JUNO_SPACECRAFT_ID, sclk))
    except SpiceyError as exc:
        short = str(getattr(exc, "short", "") or "SPICE error").strip()
        raise ProductError(f"SPACECRAFT_CLOCK_START_COUNT {sclk!r} cannot be converted with the product's "
                           f"SCLK kernel ({short})") from None


def framelet_times(layout: ImageLayout, camera: JunoCam, start_et: float,
                   time_offset_s: float = 0.0) -> list[Framelet]:
    """Every framelet in PNG order with its start and mid-exposure ET.

    Parameters
    ----------
    layout : the product's image layout (from its metadata).
    camera : camera model whose timing holds START_TIME_BIAS and INTERFRAME_DELTA from the kernel pool.
    start_et : ET of SPACECRAFT_CLOCK_START_COUNT (s).
    time_offset_s : an extra offset added to every frame start (an estimated start-time correction).
    """
    exposure = camera.exposure_s(layout.tdi_stages)
    if abs(exposure - layout.exposure_s) > EXPOSURE_TOLERANCE_S:
        raise ProductError(f"metadata EXPOSURE_DURATION {layout.exposure_s * 1e3:.6f} ms disagrees with "
                           f"{layout.tdi_stages} TDI stages x {camera.timing.tdi_line_period_s * 1e3:g} ms")
    out = []
    for n in range(layout.frames):
        start = camera.frame_start_et(start_et, n, layout.interframe_delay_s) + time_offset_s
        for k, f in enumerate(layout.filters):
            first = (n * len(layout.filters) + k) * layout.framelet_lines
            out.append(Framelet(frame=n, filter=f, first_line=first, lines=layout.framelet_lines,
                                start_et=float(start), mid_et=float(start + 0.5 * exposure),
                                tdi_stages=int(layout.tdi_stages)))
    return out


def framelet_pixels(image: np.ndarray, framelet: Framelet) -> np.ndarray:
    """The ``(lines, samples)`` block of the raw image that holds ``framelet``."""
    return np.asarray(image[framelet.first_line:framelet.first_line + framelet.lines])

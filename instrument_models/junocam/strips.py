"""The CCD and its filter strips: the full 1648 x 1200 frame and where each filter's framelet sits.

Sources (facts.md "Camera geometry"): 1648 samples per line, 23 dark pixels then 1608 photoactive pixels
(columns 23..1630) then dark/overscan to 1648 (juno_junocam_v03.ti, Note 1); full CCD 1648 x 1200 and
FILTER_OFFSET per filter, the first CCD line of the 128-line readout (junoAddendum005.ti). For every
filter FILTER_OFFSET + DISTORTION_Y = 600, so a continuous framelet line ``y`` is CCD line
``y + FILTER_OFFSET`` and the optical centre is CCD (814.21, 600).

Integer rows: framelet row ``j`` (centre ``j + 0.5``) lies on CCD row ``floor(j + 0.5 + FILTER_OFFSET)``,
i.e. ``j + round(FILTER_OFFSET)``: METHANE rows 285..412, BLUE 442..569, GREEN 597..724, RED 752..879.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam.optics import FILTERS, check_summing, normalize_filter

# INS-6150#_FILTER_OFFSET (junoAddendum005.ti).
FLIGHT_FILTER_OFFSET = MappingProxyType({"METHANE": 284.52, "BLUE": 441.52, "GREEN": 596.52, "RED": 751.52})


@dataclass(frozen=True)
class StripLayout:
    """Geometry of the CCD and the four filter strips, in unsummed pixels.

    Attributes
    ----------
    samples : pixels per line, INS-6150#_FILTER_SAMPLES = 1648 (junoAddendum005.ti).
    lines : CCD lines, INS-61500_FILTER_LINES = 1200 (junoAddendum005.ti).
    dark_columns : leading dark pixels per line, 23 (juno_junocam_v03.ti Note 1).
    photoactive_columns : 1608 photoactive pixels, columns 23..1630 (juno_junocam_v03.ti Note 1).
    framelet_lines_unsummed : INS-6150#_FILTER_LINES = 128 (junoAddendum005.ti).
    filter_offset : INS-6150#_FILTER_OFFSET per filter (junoAddendum005.ti).
    """

    samples: int = 1648
    lines: int = 1200
    dark_columns: int = 23
    photoactive_columns: int = 1608
    framelet_lines_unsummed: int = 128
    filter_offset: Mapping[str, float] = field(default_factory=lambda: dict(FLIGHT_FILTER_OFFSET))

    def __post_init__(self) -> None:
        missing = [f for f in FILTERS if f not in self.filter_offset]
        if missing:
            raise InstrumentError(f"FILTER_OFFSET missing for {', '.join(missing)}")
        if self.dark_columns + self.photoactive_columns > self.samples:
            raise InstrumentError(
                f"{self.dark_columns} dark + {self.photoactive_columns} photoactive columns exceed "
                f"{self.samples} samples per line")
        object.__setattr__(self, "filter_offset",
                           MappingProxyType({f: float(self.filter_offset[f]) for f in FILTERS}))
        rows = [self.first_ccd_row(f) for f in FILTERS]
        for a, b in zip(rows, rows[1:]):
            if b < a + self.framelet_lines_unsummed:
                raise InstrumentError(f"filter strips overlap on the CCD (first rows {rows})")
        if rows[0] < 0 or rows[-1] + self.framelet_lines_unsummed > self.lines:
            raise InstrumentError(f"filter strips (first rows {rows}) do not fit on {self.lines} CCD lines")

    def __hash__(self) -> int:
        return hash((self.samples, self.lines, self.dark_columns, self.photoactive_columns,
                     self.framelet_lines_unsummed, tuple(self.filter_offset.values())))

    @property
    def first_photoactive_column(self) -> int:
        """0-based index of the first photoactive column (23)."""
        return self.dark_columns

    @property
    def last_photoactive_column(self) -> int:
        """0-based index of the last photoactive column (1630)."""
        return self.dark_columns + self.photoactive_columns - 1

    def photoactive_mask(self, summing: int = 1) -> np.ndarray:
        """Boolean (samples / summing,) mask of the columns that see light.

        A summed column counts as photoactive only if both unsummed columns it covers are.
        """
        s = check_summing(summing)
        col = np.arange(self.samples)
        unsummed = (col >= self.first_photoactive_column) & (col <= self.last_photoactive_column)
        return unsummed.reshape(-1, s).all(axis=1)

    def framelet_lines(self, summing: int = 1) -> int:
        """Lines per framelet: 128 unsummed, 64 with 2x2 summing (facts.md, ISIS)."""
        return self.framelet_lines_unsummed // check_summing(summing)

    def framelet_samples(self, summing: int = 1) -> int:
        """Samples per framelet line: 1648 unsummed, 824 with 2x2 summing."""
        return self.samples // check_summing(summing)

    def framelet_shape(self, summing: int = 1) -> tuple[int, int]:
        """(lines, samples) of one framelet."""
        return self.framelet_lines(summing), self.framelet_samples(summing)

    def first_ccd_row(self, filter_name: str) -> int:
        """0-based CCD row holding framelet row 0 of ``filter_name`` (row whose span holds the row centre)."""
        f = normalize_filter(filter_name)
        return int(np.floor(0.5 + self.filter_offset[f]))

    # --- continuous coordinates ------------------------------------------------------------------------

    def framelet_to_ccd_line(self, filter_name: str, line):
        """Continuous framelet line (unsummed) -> continuous full-CCD line: ``line + FILTER_OFFSET``."""
        f = normalize_filter(filter_name)
        return np.asarray(line, dtype=float) + self.filter_offset[f]

    def ccd_line_to_framelet(self, filter_name: str, ccd_line):
        """Continuous full-CCD line -> continuous framelet line of ``filter_name`` (may be out of range)."""
        f = normalize_filter(filter_name)
        return np.asarray(ccd_line, dtype=float) - self.filter_offset[f]

    # --- integer rows ----------------------------------------------------------------------------------

    def ccd_row_to_strip(self, ccd_row):
        """Which filter strip and framelet row a full-CCD row belongs to.

        Parameters
        ----------
        ccd_row : int or array_like of int, 0-based rows of the 1200-line CCD.

        Returns
        -------
        filter_index : ndarray of int, index into :data:`FILTERS`, -1 for rows outside every strip.
        framelet_row : ndarray of int, 0-based unsummed framelet row, -1 outside every strip.
        """
        rows = np.asarray(ccd_row)
        if not np.issubdtype(rows.dtype, np.integer):
            raise InstrumentError(f"CCD rows must be integers; got dtype {rows.dtype}")
        if np.any((rows < 0) | (rows >= self.lines)):
            raise InstrumentError(f"CCD rows must lie in 0..{self.lines - 1}; got {rows.min()}..{rows.max()}")
        index = np.full(rows.shape, -1, dtype=int)
        frow = np.full(rows.shape, -1, dtype=int)
        for i, f in enumerate(FILTERS):
            j = rows - self.first_ccd_row(f)
            inside = (j >= 0) & (j < self.framelet_lines_unsummed)
            index = np.where(inside, i, index)
            frow = np.where(inside, j, frow)
        return index, frow

    def strip_to_ccd_row(self, filter_name: str, framelet_row, summing: int = 1):
        """0-based framelet row (summed if ``summing`` = 2) -> first 0-based CCD row it covers."""
        s = check_summing(summing)
        j = np.asarray(framelet_row)
        n = self.framelet_lines(s)
        if np.any((j < 0) | (j >= n)):
            raise InstrumentError(f"framelet rows must lie in 0..{n - 1} with summing {s}; got {j.min()}..{j.max()}")
        return self.first_ccd_row(filter_name) + j * s

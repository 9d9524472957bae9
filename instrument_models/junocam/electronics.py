"""Electronics: the 12-bit ADC, 2x2 pixel summing, and 12-bit <-> 8-bit companding.

Sources (facts.md "Detector and electronics"):

- 12-bit pixels converted onboard to 8 bits by a companding table (mission site).
- SQROOT: 256 codes -> 12-bit 0..2879, piecewise linear with steps 1, 2, 4, 8, 16, 32
  (``../shared/reference/sqroot_table.csv``). The table is generated here from that rule
  (:data:`SQROOT_SEGMENTS`: code 0 is 0, then 23 steps of 1, 20 of 2, 46 of 4, 95 of 8, 25 of 16 and
  46 of 32) and ``tests/test_companding.py`` checks it equals the CSV entry by entry.
- LIN1 (identity), LIN8 (x8), LIN16 (x16), as processing tools decompand them.

Companding direction 12 -> 8 bits: each code owns the interval of 12-bit values nearer to its own
decompanded value than to its neighbours', ``[(T[c-1] + T[c]) / 2, (T[c] + T[c+1]) / 2)`` (ties go to
the upper code); the first code's interval extends down to 0 and the last code's up to 4095, so values
above the table's top saturate at code 255. Every value up to ``T[255] + step/2`` therefore round-trips
within half of its local step. This nearest-code rule is the assumption that makes the decompanded value
the best estimate; the flight tables' exact 12 -> 8 bit thresholds are not published.

Summing (assumption, documented): the PDS label's SAMPLING_FACTOR = 2 means 2x2 binning of the 12-bit
pixels before companding. JunoCam's heritage (MSSS MARDI/MAHLI) sums in the camera's digital electronics;
whether the 4 values are added or averaged is not stated in the sources we have, and since an added 2x2
sum of 12-bit values would overflow 12 bits at a quarter of full scale, the default ``summing_mode`` is
``"mean"`` (the rounded average keeps the 0..4095 range). ``"sum"`` (clipped at 4095) is available.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from instrument_models.errors import InstrumentError

ADC_BITS = 12  # facts.md "Detector and electronics": 12-bit pixels
DN12_MAX = 2**ADC_BITS - 1
CODE_MAX = 255

COMPANDING_MODES: tuple[str, ...] = ("SQROOT", "LIN1", "LIN8", "LIN16")
# (step, count) after code 0 = 0: facts.md "Detector and electronics", sqroot_table.csv.
SQROOT_SEGMENTS: tuple[tuple[int, int], ...] = ((1, 23), (2, 20), (4, 46), (8, 95), (16, 25), (32, 46))
SUMMING_MODES: tuple[str, ...] = ("mean", "sum")


def _sqroot_table() -> np.ndarray:
    steps = np.concatenate([np.full(count, step) for step, count in SQROOT_SEGMENTS])
    return np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)  # 256 entries, 0..2879


_TABLES: dict[str, np.ndarray] = {
    "SQROOT": _sqroot_table(),
    "LIN1": np.arange(CODE_MAX + 1, dtype=np.int64),
    "LIN8": np.arange(CODE_MAX + 1, dtype=np.int64) * 8,
    "LIN16": np.arange(CODE_MAX + 1, dtype=np.int64) * 16,
}
for _t in _TABLES.values():
    _t.setflags(write=False)


def _mode(mode: str) -> str:
    if isinstance(mode, str) and mode.strip().upper() in COMPANDING_MODES:
        return mode.strip().upper()
    raise InstrumentError(f"unknown companding mode {mode!r}; expected one of {', '.join(COMPANDING_MODES)}")


def companding_table(mode: str = "SQROOT") -> np.ndarray:
    """The read-only (256,) int64 table: code -> decompanded 12-bit value."""
    return _TABLES[_mode(mode)]


def code_intervals(mode: str = "SQROOT") -> tuple[np.ndarray, np.ndarray]:
    """Each code's 12-bit interval ``[low, high)`` under the nearest-code rule, as two (256,) float arrays."""
    t = companding_table(mode).astype(float)
    mids = 0.5 * (t[:-1] + t[1:])
    low = np.concatenate([[0.0], mids])
    high = np.concatenate([mids, [DN12_MAX + 1.0]])
    return low, high


def _compand_searchsorted(values: np.ndarray, mode: str) -> np.ndarray:
    """The nearest-code rule itself: the code whose interval ``[low, high)`` holds each value (uint8)."""
    t = companding_table(mode).astype(float)
    mids = 0.5 * (t[:-1] + t[1:])
    return np.searchsorted(mids, values, side="right").astype(np.uint8)


@lru_cache(maxsize=None)
def compand_lut(mode: str = "SQROOT") -> np.ndarray:
    """The read-only (4096,) uint8 code of every 12-bit value 0..4095 under the nearest-code rule.

    Built by applying the rule (:func:`_compand_searchsorted`) to each of the 4096 values, so indexing it
    by a whole 12-bit DN gives exactly the code the rule gives.
    """
    lut = _compand_searchsorted(np.arange(DN12_MAX + 1, dtype=float), _mode(mode))
    lut.setflags(write=False)
    return lut


def compand(dn12, mode: str = "SQROOT") -> np.ndarray:
    """12-bit values -> 8-bit codes (uint8): the code whose interval holds each value.

    Integer input (the ADC's whole DN) is looked up in :func:`compand_lut`; other input goes through the
    interval rule directly. Both give the same code for a whole number.

    Parameters
    ----------
    dn12 : array_like of numbers in 0..4095 (integers or floats), any shape.
    mode : one of :data:`COMPANDING_MODES`.

    Returns
    -------
    ndarray of uint8, same shape.
    """
    mode = _mode(mode)
    v = np.asarray(dn12)
    if v.dtype.kind in "ui":
        if v.size and (v.min() < 0 or v.max() > DN12_MAX):
            bad = v[(v < 0) | (v > DN12_MAX)].ravel()[0]
            raise InstrumentError(f"12-bit value {bad!r} cannot be companded; expected 0..{DN12_MAX}")
        return np.take(compand_lut(mode), v)
    v = np.asarray(v, dtype=float)
    if v.size and (not np.all(np.isfinite(v)) or v.min() < 0 or v.max() > DN12_MAX):
        bad = v[~np.isfinite(v) | (v < 0) | (v > DN12_MAX)].ravel()[0]
        raise InstrumentError(f"12-bit value {bad!r} cannot be companded; expected 0..{DN12_MAX}")
    return _compand_searchsorted(v, mode)


def decompand(dn8, mode: str = "SQROOT") -> np.ndarray:
    """8-bit codes -> 12-bit values (int64) by table lookup; codes must be whole numbers 0..255."""
    t = companding_table(mode)
    c = np.asarray(dn8)
    if c.dtype == bool or not np.issubdtype(c.dtype, np.integer):
        if not (np.issubdtype(c.dtype, np.floating) and np.all(c == np.round(c))):
            raise InstrumentError(f"companded codes must be whole numbers 0..{CODE_MAX}; got dtype {c.dtype}")
    if c.size and (c.min() < 0 or c.max() > CODE_MAX):
        raise InstrumentError(f"companded code {c.min() if c.min() < 0 else c.max()!r} out of range; "
                              f"expected 0..{CODE_MAX}")
    return t[c.astype(np.int64)]


def adc(dn, bits: int = ADC_BITS) -> np.ndarray:
    """Analog DN -> digital: truncate to whole numbers and clip to 0..2**bits - 1 (uint16)."""
    v = np.asarray(dn, dtype=float)
    top = 2**bits - 1
    return np.clip(np.floor(np.nan_to_num(v, nan=0.0, posinf=top, neginf=0.0)), 0, top).astype(np.uint16)


def sum_pixels(image, summing: int = 2, mode: str = "mean", dn_max: int = DN12_MAX) -> np.ndarray:
    """2x2 pixel summing of a (lines, samples) 12-bit image; ``summing=1`` returns a copy.

    ``mode="mean"`` (default assumption, see module doc) rounds the average of each 2x2 block to the
    nearest whole DN; ``"sum"`` adds the block and clips at ``dn_max``. Lines and samples must be even.
    """
    if summing not in (1, 2) or isinstance(summing, bool):
        raise InstrumentError(f"pixel summing {summing!r} is not supported; expected 1 or 2")
    if mode not in SUMMING_MODES:
        raise InstrumentError(f"summing mode {mode!r} unknown; expected one of {', '.join(SUMMING_MODES)}")
    img = np.asarray(image)
    if summing == 1:
        return img.copy()
    if img.ndim != 2 or img.shape[0] % 2 or img.shape[1] % 2:
        raise InstrumentError(f"2x2 summing needs a 2-D image with even sides; got shape {img.shape}")
    blocks = img.astype(np.int64).reshape(img.shape[0] // 2, 2, img.shape[1] // 2, 2).sum(axis=(1, 3))
    if mode == "sum":
        return np.minimum(blocks, dn_max).astype(np.uint16)
    return ((blocks + 2) // 4).astype(np.uint16)


@dataclass(frozen=True)
class ElectronicsParams:
    """Electronics settings.

    Attributes
    ----------
    adc_bits : 12 (facts.md "Detector and electronics").
    companding_default : SQROOT, the table used in the products seen (facts.md).
    summing_modes : SAMPLING_FACTOR values the camera supports, 1 or 2 (facts.md, ISIS).
    summing_mode : "mean" or "sum" for 2x2 summing (assumption, see module doc).
    """

    adc_bits: int = ADC_BITS
    companding_default: str = "SQROOT"
    summing_modes: tuple[int, ...] = (1, 2)
    summing_mode: str = "mean"

    def __post_init__(self) -> None:
        _mode(self.companding_default)
        if self.summing_mode not in SUMMING_MODES:
            raise InstrumentError(f"summing mode {self.summing_mode!r} unknown; expected one of "
                                  f"{', '.join(SUMMING_MODES)}")

    @property
    def dn_max(self) -> int:
        """Largest digital number, 2**adc_bits - 1 = 4095."""
        return 2**self.adc_bits - 1

"""Reported times: the spacecraft clock count and UTC string of an image's START_TIME.

A JunoCam label reports the start of an image twice: SPACECRAFT_CLOCK_START_COUNT (Juno's SCLK, two fields,
256 ticks per second; facts.md "Timing") and START_TIME (UTC to the millisecond). ISIS times frames from the
clock count. A tick is 3.9 ms, about one pixel of spin, so the reported instant is put on a whole tick:
then the clock and the UTC string agree to the UTC string's own precision (0.5 ms).

These functions need an SCLK and a leapseconds kernel in the SPICE pool (the caller's ``KernelPool``).
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import spiceypy
from spiceypy.utils.exceptions import SpiceyError

from simulator.errors import KernelError

JUNO_SCLK_ID = -61  # facts.md "Camera geometry": spacecraft NAIF id -61 (SCLK id of jno_sclkscet_*.tsc)
TICKS_PER_SECOND = 256  # facts.md "Timing": 2 fields, 256 ticks per second


@contextmanager
def _spice(context: str):
    try:
        yield
    except SpiceyError as exc:
        short = str(getattr(exc, "short", "") or "").strip() or "SPICE error"
        raise KernelError(f"{context} failed ({short}); are the leapseconds and Juno SCLK kernels "
                          "loaded and covering this time?") from None


def utc_to_et(utc: str) -> float:
    """UTC string -> ET (s past J2000 TDB), with the loaded leapseconds kernel."""
    with _spice(f"converting UTC {utc!r} to ephemeris time"):
        return float(spiceypy.str2et(str(utc)))


def et_to_utc_ms(et: float) -> str:
    """ET -> ``"yyyy-mm-ddThh:mm:ss.sss"`` (ISO calendar UTC, rounded to the millisecond)."""
    with _spice(f"converting ET {et!r} to UTC"):
        return spiceypy.et2utc(float(et), "ISOC", 3)


def et_to_ticks(et: float) -> float:
    """ET -> continuous Juno SCLK ticks (encoded SCLK)."""
    with _spice(f"converting ET {et!r} to Juno's spacecraft clock"):
        return float(spiceypy.sce2c(JUNO_SCLK_ID, float(et)))


def ticks_to_et(ticks: float) -> float:
    """Encoded Juno SCLK ticks -> ET."""
    with _spice(f"converting Juno clock ticks {ticks!r} to ET"):
        return float(spiceypy.sct2e(JUNO_SCLK_ID, float(ticks)))


def ticks_to_sclk_string(ticks: float) -> str:
    """Whole encoded ticks -> the label form ``"644368345:244"`` (no partition, no zero padding)."""
    with _spice(f"formatting Juno clock ticks {ticks!r}"):
        text = spiceypy.scdecd(JUNO_SCLK_ID, float(round(ticks)))
    text = text.split("/", 1)[-1]
    fields = [f for f in re.split(r"[^0-9]+", text) if f]
    return ":".join(str(int(f)) for f in fields)


def sclk_string_to_et(sclk: str) -> float:
    """A label's SPACECRAFT_CLOCK_START_COUNT -> ET (as ISIS does with ``scs2e``)."""
    with _spice(f"converting SPACECRAFT_CLOCK_START_COUNT {sclk!r} to ET"):
        return float(spiceypy.scs2e(JUNO_SCLK_ID, str(sclk).strip('"')))


def reported_start(et: float) -> tuple[float, str, str]:
    """Put a requested start instant on the nearest whole SCLK tick.

    Parameters
    ----------
    et : requested reported start (ET, s), before START_TIME_BIAS.

    Returns
    -------
    et_on_tick : ET of the nearest whole tick (s); the renderer times frames from it.
    sclk : SPACECRAFT_CLOCK_START_COUNT string of that tick.
    utc : START_TIME string of that tick (rounded to the millisecond).
    """
    ticks = round(et_to_ticks(et))
    et_on_tick = ticks_to_et(ticks)
    return et_on_tick, ticks_to_sclk_string(ticks), et_to_utc_ms(et_on_tick)

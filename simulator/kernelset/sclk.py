"""Juno spacecraft clock kernel (SCLK): 2 fields, 256 ticks per second, one drift-free partition.

Source for the format: facts.md 'Timing' / ``jno_sclkscet_00090.tsc`` (type 1, 2 fields, moduli 2^32 and
256, time system TDT, clock zero at TDT 64.184 s past J2000). Assumption: the synthetic clock runs at
exactly one SCLK second per TDT second (the flight clock drifts by ~1.3e-6, i.e. seconds over the mission),
so one partition and one coefficient row suffice and ``scs2e``/``sce2s`` round-trip within a tick.
"""

from __future__ import annotations

from pathlib import Path

FILE_NAME = "jno_sclkscet_00090.tsc"

TICKS_PER_SECOND = 256                 # facts.md: 256 ticks per second
MODULI = (4294967296, 256)             # 2^32 seconds field, 256 ticks
CLOCK_ZERO_TDT_S = 64.184              # jno_sclkscet first coefficient row: tick 0 <-> TDT 64.184 s
PARTITION_END_TICKS = MODULI[0] * MODULI[1] - 1.0


def sclk_text() -> str:
    """Return the SCLK's text."""
    return f"""KPL/SCLK

Synthetic Juno SCLK written by junocam-sim (simulator/kernelset/sclk.py): same field layout as
NAIF's jno_sclkscet files, one partition, no drift (parallel time TDT = {CLOCK_ZERO_TDT_S} s + ticks / 256).

\\begindata

SCLK_KERNEL_ID           = ( @2016-01-01/00:00:00.00 )
SCLK_DATA_TYPE_61        = ( 1 )
SCLK01_TIME_SYSTEM_61    = ( 2 )
SCLK01_N_FIELDS_61       = ( 2 )
SCLK01_MODULI_61         = ( {MODULI[0]} {MODULI[1]} )
SCLK01_OFFSETS_61        = ( 0 0 )
SCLK01_OUTPUT_DELIM_61   = ( 1 )
SCLK_PARTITION_START_61  = ( 0.0 )
SCLK_PARTITION_END_61    = ( {PARTITION_END_TICKS:.13E} )
SCLK01_COEFFICIENTS_61   = ( 0.0  {CLOCK_ZERO_TDT_S}  1.0 )

\\begintext
"""


def write_sclk(path: Path) -> Path:
    """Write the SCLK to ``path`` and return it."""
    path.write_text(sclk_text())
    return path

"""Juno spacecraft clock kernel (SCLK ID -61): the flight clock's partitions and correlation, as data.

Format (facts.md 'Timing' / NAIF's ``jno_sclkscet_*.tsc``): type 1, 2 fields (seconds modulo 2^32, ticks of
1/256 s), time system TDT. The correlation is ``data/juno_sclk_model.csv``: the partition table (the clock's
resets) of NAIF's public ``jno_sclkscet_00090.tsc`` (PDS JNO-J/E/SS-SPICE-6-V1.0) and its coefficient records
thinned to 0.2 ms by ``docs/sclk_model_fit.py``, then two public products' (SPACECRAFT_CLOCK_START_COUNT,
START_TIME) pairs after that kernel's last record (2019-07), so counts of 2020-2021 products convert to their
START_TIME (the 00090 kernel alone puts them ~93 ms late: its last rate extrapolated a year; see the README
"Twins"). Within 2011-08 .. 2019-07 the synthetic clock's counts equal the flight kernel's to one tick
(``tests/test_twins_clock.py``, skipped without ../shared). Before the first product pair and after the last
the last rate applies.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

FILE_NAME = "jno_sclkscet_00090.tsc"
MODEL_FILE = "juno_sclk_model.csv"

TICKS_PER_SECOND = 256                 # facts.md: 256 ticks per second
MODULI = (4294967296, 256)             # jno_sclkscet_00090.tsc SCLK01_MODULI_61: 2^32 seconds field, 256 ticks
CLOCK_ZERO_TDT_S = 64.184              # jno_sclkscet_00090.tsc first coefficient record: tick 0 <-> TDT 64.184 s


@dataclass(frozen=True)
class ClockModel:
    """A type-1 SCLK correlation.

    Attributes
    ----------
    partitions : ((start_ticks, end_ticks), ...) clock readings (ticks) where each partition starts and ends.
    records : ((encoded_ticks, tdt_s, rate), ...) TDT(t) = tdt_s + rate * (t - encoded_ticks) / 256 from
        each record to the next (rate in TDT seconds per clock second).
    """

    partitions: tuple[tuple[float, float], ...]
    records: tuple[tuple[float, float, float], ...]


def load_model(path: Path | None = None) -> ClockModel:
    """Read the correlation table (default the packaged ``data/juno_sclk_model.csv``)."""
    if path is None:
        text = resources.files("simulator.kernelset").joinpath("data", MODEL_FILE).read_text()
    else:
        text = Path(path).read_text()
    partitions, records = [], []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, *values = line.split(",")
        if kind == "partition":
            partitions.append((float(values[0]), float(values[1])))
        elif kind == "record":
            records.append((float(values[0]), float(values[1]), float(values[2])))
    return ClockModel(tuple(partitions), tuple(records))


def sclk_text(model: ClockModel | None = None) -> str:
    """Return the SCLK kernel's text."""
    model = model or load_model()
    starts = "\n                             ".join(f"{a:.13E}" for a, _ in model.partitions)
    ends = "\n                             ".join(f"{b:.13E}" for _, b in model.partitions)
    rows = "\n".join(f"    {t:.13E}  {p:.13E}  {r:.14E}" for t, p, r in model.records)
    return f"""KPL/SCLK

Synthetic Juno SCLK written by junocam-sim (simulator/kernelset/sclk.py). Partitions and correlation
from NAIF's public jno_sclkscet_00090.tsc (PDS JNO-J/E/SS-SPICE-6-V1.0), records thinned to 0.2 ms, and
two public JunoCam products' clock/START_TIME pairs after 2019-07 (simulator/kernelset/data/{MODEL_FILE}).

\\begindata

SCLK_KERNEL_ID           = ( @2016-01-01/00:00:00.00 )
SCLK_DATA_TYPE_61        = ( 1 )
SCLK01_TIME_SYSTEM_61    = ( 2 )
SCLK01_N_FIELDS_61       = ( 2 )
SCLK01_MODULI_61         = ( {MODULI[0]} {MODULI[1]} )
SCLK01_OFFSETS_61        = ( 0 0 )
SCLK01_OUTPUT_DELIM_61   = ( 1 )
SCLK_PARTITION_START_61  = ( {starts} )
SCLK_PARTITION_END_61    = ( {ends} )
SCLK01_COEFFICIENTS_61   = (
{rows} )

\\begintext
"""


def write_sclk(path: Path) -> Path:
    """Write the SCLK to ``path`` and return it."""
    path.write_text(sclk_text())
    return path

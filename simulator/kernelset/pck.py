"""Planetary constants kernel (PCK) with every body NAIF's pck00010 defines, from the IAU 2009 values.

Source: B. A. Archinal et al. (IAU WGCCRE 2009 report), Celest. Mech. Dyn. Astr. 109:101-135 (2011): radii,
pole right ascension and declination, prime meridian and the nutation/precession terms of the Sun, the
planets, their satellites and the asteroids and comets the report covers, as NAIF compiled them in
``pck00010.tpc``. The values live in our own table ``data/iau2009_constants.toml`` (one section per NAIF
id); the tests compare every keyword with NAIF's file. facts.md 'Jupiter' quotes Jupiter's radii, pole and
meridian.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

FILE_NAME = "pck00010.tpc"
TABLE = "iau2009_constants.toml"
# Keyword order within a body, as a PCK lists them
_ORDER = ("RADII", "POLE_RA", "POLE_DEC", "PM", "LONG_AXIS", "NUT_PREC_RA", "NUT_PREC_DEC", "NUT_PREC_PM",
          "NUT_PREC_ANGLES", "N_GEOMAG_CTR_DIPOLE_LAT", "N_GEOMAG_CTR_DIPOLE_LON")


@lru_cache(maxsize=1)
def constants() -> dict[int, dict[str, tuple[float, ...]]]:
    """The IAU 2009 table: NAIF id -> keyword (without ``BODY<id>_``) -> values."""
    text = resources.files("simulator.kernelset").joinpath("data", TABLE).read_text(encoding="utf-8")
    return {int(body): {k: tuple(float(x) for x in v) for k, v in keys.items()}
            for body, keys in tomllib.loads(text).items()}


JUPITER_RADII_KM = constants()[599]["RADII"]           # (71492.0, 71492.0, 66854.0), facts.md 'Jupiter'


def _values(values: tuple[float, ...], per_line: int) -> str:
    items = [repr(v) for v in values]
    if len(items) <= per_line:
        return " ".join(items)
    rows = [" ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return ("\n" + " " * 30).join(rows)


def pck_text() -> str:
    """Return the PCK's text."""
    lines = []
    for body, keys in sorted(constants().items()):
        for key in sorted(keys, key=_ORDER.index):
            per_line = 2 if key == "NUT_PREC_ANGLES" else 6
            lines.append(f"BODY{body}_{key:<23} = ( {_values(keys[key], per_line)} )")
        lines.append("")
    body_lines = "\n".join(lines)
    return f"""KPL/PCK

SYNTHETIC KERNEL written by junocam-sim (simulator/kernelset/pck.py), not a copy of NAIF's file of this name:
the IAU 2009 rotation and shape constants (Archinal et al. 2011, Celest. Mech. Dyn. Astr. 109:101-135) of
every body NAIF's pck00010.tpc defines, from the project's table simulator/kernelset/data/{TABLE}.
Named as NAIF names its generic PCK so tools that find kernels by name load it.

\\begindata

{body_lines}
\\begintext
"""


def write_pck(path: Path) -> Path:
    """Write the PCK to ``path`` and return it."""
    path.write_text(pck_text(), encoding="ascii")
    return path

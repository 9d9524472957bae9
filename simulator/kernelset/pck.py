"""Planetary constants kernel (PCK) for Jupiter (and its moons, ``moons.py``), written from pck00010's published values.

Source: NAIF ``pck00010.tpc`` (IAU WGCCRE 2009 report, Archinal et al. 2011): Jupiter's radii, pole,
prime meridian (System III) and the small nutation/precession terms of the pole driven by the Galilean
satellites' angles (``BODY5_NUT_PREC_ANGLES``). facts.md 'Jupiter' quotes the radii, pole and meridian.
"""

from __future__ import annotations

from pathlib import Path

from simulator.kernelset import moons

FILE_NAME = "pck00010.tpc"

JUPITER_RADII_KM = (71492.0, 71492.0, 66854.0)           # pck00010 BODY599_RADII
POLE_RA_DEG = (268.056595, -0.006499, 0.0)               # BODY599_POLE_RA (deg, deg/century)
POLE_DEC_DEG = (64.495303, 0.002413, 0.0)                # BODY599_POLE_DEC
PM_DEG = (284.95, 870.5360000, 0.0)                      # BODY599_PM (deg, deg/day)
# BODY5_NUT_PREC_ANGLES (deg, deg/century), pck00010; Jupiter uses the last five (J10..J14 of the report)
NUT_PREC_ANGLES = (
    (73.32, 91472.9), (24.62, 45137.2), (283.90, 4850.7), (355.80, 1191.3), (119.90, 262.1),
    (229.80, 64.3), (352.25, 2382.6), (113.35, 6070.0), (146.64, 182945.8), (49.24, 90274.4),
    (99.360714, 4850.4046), (175.895369, 1191.9605), (300.323162, 262.5475), (114.012305, 6070.2476),
    (49.511251, 64.3000),
)
NUT_PREC_RA = (0.0,) * 10 + (0.000117, 0.000938, 0.001432, 0.000030, 0.002150)    # BODY599_NUT_PREC_RA
NUT_PREC_DEC = (0.0,) * 10 + (0.000050, 0.000404, 0.000617, -0.000013, 0.000926)  # BODY599_NUT_PREC_DEC
NUT_PREC_PM = (0.0,) * 15                                                        # BODY599_NUT_PREC_PM


def _list(values) -> str:
    return " ".join(repr(float(v)) for v in values)


def pck_text() -> str:
    """Return the PCK's text."""
    angles = "\n".join(f"                              {a!r}  {b!r}" for a, b in NUT_PREC_ANGLES)
    return f"""KPL/PCK

Synthetic Jupiter PCK written by junocam-sim (simulator/kernelset/pck.py) from the values published in
NAIF's pck00010.tpc (IAU WGCCRE 2009): Jupiter (599), the Jupiter-system angles, and Io, Europa, Ganymede,
Callisto and Amalthea (501-505, Archinal et al. 2011; simulator/kernelset/moons.py).

\\begindata

BODY599_RADII          = ( {_list(JUPITER_RADII_KM)} )
BODY599_POLE_RA        = ( {_list(POLE_RA_DEG)} )
BODY599_POLE_DEC       = ( {_list(POLE_DEC_DEG)} )
BODY599_PM             = ( {_list(PM_DEG)} )
BODY599_LONG_AXIS      = ( 0.0 )
BODY599_NUT_PREC_RA    = ( {_list(NUT_PREC_RA)} )
BODY599_NUT_PREC_DEC   = ( {_list(NUT_PREC_DEC)} )
BODY599_NUT_PREC_PM    = ( {_list(NUT_PREC_PM)} )
BODY5_NUT_PREC_ANGLES  = (
{angles} )

{moons.pck_text()}
\\begintext
"""


def write_pck(path: Path) -> Path:
    """Write the PCK to ``path`` and return it."""
    path.write_text(pck_text())
    return path

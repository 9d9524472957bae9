"""Leapseconds kernel (LSK) written from the public leap-second table.

Source: the IERS leap-second announcements (Bulletin C), as tabulated in NAIF's ``naif0012.tls``; the
``DELTET`` constants are SPICE's standard TDB-TDT model parameters (same source). Valid for dates up to at
least 2026 (no leap second was announced after 2017-01-01).
"""

from __future__ import annotations

from pathlib import Path

FILE_NAME = "naif0012.tls"  # the NAIF archive name tools look for

# (TAI - UTC seconds, first UTC day it applies) -- IERS Bulletin C
LEAP_SECONDS: tuple[tuple[int, str], ...] = (
    (10, "1972-JAN-1"), (11, "1972-JUL-1"), (12, "1973-JAN-1"), (13, "1974-JAN-1"), (14, "1975-JAN-1"),
    (15, "1976-JAN-1"), (16, "1977-JAN-1"), (17, "1978-JAN-1"), (18, "1979-JAN-1"), (19, "1980-JAN-1"),
    (20, "1981-JUL-1"), (21, "1982-JUL-1"), (22, "1983-JUL-1"), (23, "1985-JUL-1"), (24, "1988-JAN-1"),
    (25, "1990-JAN-1"), (26, "1991-JAN-1"), (27, "1992-JUL-1"), (28, "1993-JUL-1"), (29, "1994-JUL-1"),
    (30, "1996-JAN-1"), (31, "1997-JUL-1"), (32, "1999-JAN-1"), (33, "2006-JAN-1"), (34, "2009-JAN-1"),
    (35, "2012-JUL-1"), (36, "2015-JUL-1"), (37, "2017-JAN-1"),
)
DELTA_T_A = 32.184          # TT - TAI, s (SPICE DELTET model)
DELTET_K = 1.657e-3         # amplitude of the TDB - TT periodic term, s
DELTET_EB = 1.671e-2        # Earth-Moon barycentre orbital eccentricity
DELTET_M = (6.239996, 1.99096871e-7)  # mean anomaly at J2000 (rad) and rate (rad/s)


def lsk_text() -> str:
    """Return the LSK's text."""
    rows = "\n".join(f"                           {dat:>2},   @{day}" for dat, day in LEAP_SECONDS)
    return f"""KPL/LSK

Synthetic leapseconds kernel written by junocam-sim (simulator/kernelset/lsk.py).
The leap-second table is the public IERS table (Bulletin C); values equal NAIF's naif0012.tls.

\\begindata

DELTET/DELTA_T_A       =   {DELTA_T_A}
DELTET/K               =   {DELTET_K:.3E}
DELTET/EB              =   {DELTET_EB:.3E}
DELTET/M               = (  {DELTET_M[0]:.6f}  {DELTET_M[1]:.8E} )

DELTET/DELTA_AT        = (
{rows.replace(",   @", ",   @")} )

\\begintext
"""


def write_lsk(path: Path) -> Path:
    """Write the LSK to ``path`` and return it."""
    path.write_text(lsk_text())
    return path

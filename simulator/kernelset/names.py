"""File names of a synthetic kernel set: NAIF's Juno archive names, so tools that find kernels by name find ours.

Sources for the conventions (checked 2026):

- NAIF, "JUNO SPICE Kernel Naming Scheme" (``JUNO/misc/doc/juno_kernel_naming_100106.txt``) and the
  ``aareadme.txt`` of each ``JUNO/kernels/<type>`` folder: CKs ``juno_INST_TYPE_YYMMDD_YYMMDD_vNN.bc`` with
  ``TYPE`` ``rec`` for reconstructions and the dates the coverage start and stop (UTC); FK ``juno_vNN.tf``;
  IK ``juno_INST_vNN.ti``; LSK ``naifNNNN.tls``; PCK ``pckNNNNN.tpc``.
- The reconstructed spacecraft CKs NAIF publishes are cut by week, Sunday to Saturday (e.g.
  ``juno_sc_rec_170129_170204_v01.bc``: 2017-01-29 is a Sunday); tools pick the file whose two dates
  bracket the image's date. We write one CK per week the scenario's window touches, named by its week.
- Reconstructed trajectory SPKs carry three dates, coverage start, stop and creation: NAIF's operational
  server names them ``spk/spk_rec_YYMMDD_YYMMDD_YYMMDD.bsp`` (as the navigation team delivers them), the PDS
  archive (data set JNO-J/E/SS-SPICE-6-V1.0, e.g. its ``juno_2019_v03.tm``) ``spk/juno_rec_*_*_*.bsp``.
  Both are written (same bytes), since community tools glob either. NAIF's merged ``juno_rec_orbit.bsp``
  and ``juno_pred_orbit.bsp`` are not written: ``spk/juno_rec_*.bsp`` then finds exactly one file.
  The third date (creation) repeats the coverage stop so the same scenario always writes the same names.
- SCLK: the PDS archive names it ``sclk/jno_sclkscet_NNNNN.tsc``; NAIF's operational server (and the
  ISIS/JunoCam tools that mirror it) ``sclk/JNO_SCLKSCET.NNNNN.tsc``. Both are written (same bytes, a few
  hundred bytes): on case-sensitive file systems each glob then finds its file, and a link would not
  survive copying a product to another system.
- Generic ephemerides go under NAIF generic-kernel names of the DE440 era, which tools find with
  ``spk/de*.bsp`` and ``spk/jup*.bsp``: planets ``spk/de440s.bsp`` (the bodies and barycentres a DE short
  file carries) and the Jupiter system ``spk/jup365.bsp``. NAIF's Juno reference CKs name DE440 and a
  jup3xx file as the ephemerides to use with them.

Every file's comment area says it is synthetic and names its generator (:func:`synthetic_comment`), and the
set's ``README.txt`` lists the names beside what they hold.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

import spiceypy

from simulator.kernelset import sclk

PLANETS_SPK = "de440s.bsp"        # NAIF generic planetary ephemeris name (DE440, short)
SATELLITES_SPK = "jup365.bsp"     # NAIF generic Jupiter-system ephemeris name (consistent with DE440)
CK_VERSION = 1
README = "README.txt"

# The globs community tools use to find each kind of kernel (issue #15), and the folder they look in.
TOOL_GLOBS = (
    "ck/juno_sc_rec_??????_??????_v??.bc", "spk/juno_rec_*.bsp", "spk/spk_rec_*.bsp", "spk/de*.bsp",
    "spk/jup*.bsp", "sclk/JNO_SCLKSCET.*.tsc", "sclk/jno_sclkscet_*.tsc", "pck/pck*.tpc", "fk/juno_v*.tf",
    "ik/juno_junocam_v*.ti", "lsk/naif*.tls",
)


def yymmdd(et: float) -> str:
    """UTC calendar date of TDB seconds ``et`` as ``YYMMDD`` (an LSK must be loaded)."""
    return spiceypy.timout(et, "YRMMDD ::UTC")


def sclk_upper_case_name(name: str = sclk.FILE_NAME) -> str:
    """The operational-server spelling of an SCLK name: ``jno_sclkscet_00090.tsc`` -> ``JNO_SCLKSCET.00090.tsc``."""
    stem, _, rest = name.rpartition("_")
    return f"{stem.upper()}.{rest}"


def spk_names(et_start: float, et_stop: float) -> tuple[str, str]:
    """(PDS archive name, operational-server name) of the Juno SPK covering the window."""
    dates = f"{yymmdd(et_start)}_{yymmdd(et_stop)}_{yymmdd(et_stop)}"
    return f"juno_rec_{dates}.bsp", f"spk_rec_{dates}.bsp"


@dataclass(frozen=True)
class CkPiece:
    """One weekly CK file: its name and the part of the window it covers (TDB seconds)."""

    name: str
    et_start: float
    et_stop: float


def ck_pieces(et_start: float, et_stop: float) -> list[CkPiece]:
    """The weekly reconstructed-CK files (Sunday 00:00 to the next Sunday 00:00 UTC) the window touches.

    Consecutive pieces share their boundary instant, so every time of the window is covered.
    """
    first = _dt.date.fromisoformat(spiceypy.timout(et_start, "YYYY-MM-DD ::UTC"))
    sunday = first - _dt.timedelta(days=(first.weekday() + 1) % 7)      # Monday = 0 ... Sunday = 6
    pieces = []
    while True:
        week_start = spiceypy.str2et(f"{sunday.isoformat()} 00:00:00 UTC")
        if week_start >= et_stop and pieces:
            break
        next_sunday = sunday + _dt.timedelta(days=7)
        week_stop = spiceypy.str2et(f"{next_sunday.isoformat()} 00:00:00 UTC")
        a, b = max(et_start, week_start), min(et_stop, week_stop)
        if b > a:
            saturday = next_sunday - _dt.timedelta(days=1)
            name = f"juno_sc_rec_{sunday.strftime('%y%m%d')}_{saturday.strftime('%y%m%d')}_v{CK_VERSION:02d}.bc"
            pieces.append(CkPiece(name, a, b))
        sunday = next_sunday
    return pieces


def synthetic_comment(what: str, generator: str, scenario: str, details: str = "") -> list[str]:
    """Comment-area lines for a binary kernel (``spiceypy.dafac``): synthetic, by whom, for what.

    Parameters
    ----------
    what : what the file holds ("Juno trajectory about Jupiter", ...).
    generator : the module that wrote it (``simulator/kernelset/spk.py``).
    scenario : the scenario name.
    details : the model and its accuracy, one paragraph.
    """
    lines = [
        "SYNTHETIC KERNEL -- NOT FLIGHT DATA",
        "",
        f"{what}, written by junocam-sim ({generator}) for the scenario {scenario!r}.",
        "Its file name follows NAIF's Juno archive conventions only so that tools which look kernels up",
        "by name find it; the data are modelled, not reconstructed from tracking or telemetry.",
    ]
    if details:
        lines += [""] + _wrap(details)
    return lines


def _wrap(text: str, width: int = 100) -> list[str]:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return out + ([line] if line else [])


def add_comments(path, lines: list[str]) -> None:
    """Append ``lines`` to the comment area of the SPK/CK (DAF) file at ``path``."""
    handle = spiceypy.dafopw(str(path))
    try:
        spiceypy.dafac(handle, lines)
    finally:
        spiceypy.dafcls(handle)

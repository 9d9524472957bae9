"""``README.txt`` of a synthetic kernel set: what each NAIF-named file really holds, and that it is synthetic."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path, PurePath

# (glob relative to the set, what the file holds): first match describes a file
CONTENTS = (
    ("lsk/naif*.tls", "leap seconds (the public IERS table; simulator/kernelset/lsk.py)"),
    ("pck/pck*.tpc", "IAU 2009 rotation and shape constants of every body NAIF's pck00010 defines "
                     "(Archinal et al. 2011; simulator/kernelset/pck.py)"),
    ("fk/juno_v*.tf", "Juno/JunoCam frames with the published juno_v12 values (simulator/kernelset/fk.py)"),
    ("ik/juno_junocam_v*.ti", "JunoCam instrument kernel from the camera model (instrument_models/junocam)"),
    ("sclk/*", "modelled spacecraft clock (simulator/kernelset/sclk.py); the two spellings hold the same bytes"),
    ("spk/juno_rec_*.bsp", "Juno's modelled orbit about Jupiter (simulator/kernelset/spk.py, orbit.py)"),
    ("spk/spk_rec_*.bsp", "the same bytes as spk/juno_rec_*.bsp, under NAIF's operational-server name"),
    ("spk/de*.bsp", "Sun, planet barycentres, Mercury, Venus, Earth, Moon from mean elements "
                    "(simulator/kernelset/ephemeris.py): directions good to arcminutes, not a JPL DE"),
    ("spk/jup*.bsp", "Jupiter about its barycentre and five moons from mean elements (simulator/kernelset/moons.py)"),
    ("ck/juno_sc_rec_*.bc", "Juno's modelled spin, one file per week as NAIF cuts its reconstructions "
                            "(simulator/kernelset/ck.py, attitude.py)"),
    ("*.tm", "metakernel listing one file of each kind; load it from this folder"),
    ("scenario.toml", "the scenario the set was written from"),
)


def readme_text(scenario, files: list[PurePath]) -> str:
    """The README for a set written from ``scenario`` holding ``files`` (paths relative to the set)."""
    rows = []
    for f in files:
        what = next((text for pattern, text in CONTENTS if fnmatch(f.as_posix(), pattern)), None)
        if what is not None:
            rows.append(f"  {f.as_posix():<44} {what}")
    return "\n".join([
        "SYNTHETIC SPICE KERNEL SET -- NOT FLIGHT DATA",
        "",
        f"Written by junocam-sim for the scenario {scenario.name!r} ({scenario.description}).",
        "The files carry the names NAIF's Juno archive uses (simulator/kernelset/names.py names the sources)",
        "so that tools which find kernels by name or glob load them unchanged; their contents are modelled.",
        "Each binary kernel's comment area (commnt, spiceypy.dafec) and each text kernel's header says so too.",
        "",
        *rows,
        "",
    ])


def write_readme(path: Path, scenario, files: list[PurePath]) -> Path:
    """Write the README to ``path`` and return it."""
    path.write_text(readme_text(scenario, files), encoding="ascii")
    return path

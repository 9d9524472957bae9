"""Juno frames kernel (FK): JUNO_SPACECRAFT (CK-based) -> JUNO_JUNOCAM_CUBE -> JUNO_JUNOCAM, plus names.

Source: the flight values named in facts.md 'Camera geometry' (NAIF IDs; the frame chain) as published in
NAIF's ``juno_v12.tf``: the JUNO_JUNOCAM_CUBE matrix (TKFRAME_-61505_MATRIX) and the JUNO_JUNOCAM angles
(TKFRAME_-61500_ANGLES/AXES).
"""

from __future__ import annotations

from pathlib import Path

FILE_NAME = "juno_v12.tf"

SPACECRAFT_ID = -61            # facts.md: spacecraft -61
SPACECRAFT_FRAME_ID = -61000   # JUNO_SPACECRAFT
CUBE_FRAME_ID = -61505         # JUNO_JUNOCAM_CUBE
JUNOCAM_FRAME_ID = -61500      # JUNO_JUNOCAM
# juno_v12.tf TKFRAME_-61505_MATRIX (row-major as written in the kernel, i.e. column-major of the matrix)
CUBE_MATRIX = (
    -0.0059163, -0.0142817, -0.9998805,
    0.0023828, -0.9998954, 0.0142678,
    -0.9999797, -0.0022981, 0.0059497,
)
JUNOCAM_ANGLES_DEG = (0.69, -0.469, 0.583)   # juno_v12.tf TKFRAME_-61500_ANGLES
JUNOCAM_AXES = (3, 2, 1)                     # juno_v12.tf TKFRAME_-61500_AXES
BODY_NAMES = (                               # facts.md NAIF IDs / juno_v12.tf NAIF_BODY_NAME
    ("JUNO", -61), ("JUNO_SPACECRAFT", -61000), ("JUNO_JUNOCAM", -61500), ("JUNO_JUNOCAM_BLUE", -61501),
    ("JUNO_JUNOCAM_GREEN", -61502), ("JUNO_JUNOCAM_RED", -61503), ("JUNO_JUNOCAM_METHANE", -61504),
)


def _frame(name: str, frame_id: int, frame_class: int, extra: list[str]) -> str:
    lines = [f"FRAME_{name:<22} = {frame_id}", f"FRAME_{frame_id}_NAME            = '{name}'",
             f"FRAME_{frame_id}_CLASS           = {frame_class}", f"FRAME_{frame_id}_CLASS_ID        = {frame_id}",
             f"FRAME_{frame_id}_CENTER          = {SPACECRAFT_ID}"]
    return "\n".join(lines + extra)


def fk_text() -> str:
    """Return the FK's text."""
    m = " ".join(repr(v) for v in CUBE_MATRIX)
    names = "\n".join(f"NAIF_BODY_NAME += ( '{n}' )\nNAIF_BODY_CODE += ( {c} )" for n, c in BODY_NAMES)
    spacecraft = _frame("JUNO_SPACECRAFT", SPACECRAFT_FRAME_ID, 3, [
        f"CK_{SPACECRAFT_FRAME_ID}_SCLK               = {SPACECRAFT_ID}",
        f"CK_{SPACECRAFT_FRAME_ID}_SPK                = {SPACECRAFT_ID}"])
    cube = _frame("JUNO_JUNOCAM_CUBE", CUBE_FRAME_ID, 4, [
        f"TKFRAME_{CUBE_FRAME_ID}_SPEC          = 'MATRIX'",
        f"TKFRAME_{CUBE_FRAME_ID}_RELATIVE      = 'JUNO_SPACECRAFT'",
        f"TKFRAME_{CUBE_FRAME_ID}_MATRIX        = ( {m} )"])
    cam = _frame("JUNO_JUNOCAM", JUNOCAM_FRAME_ID, 4, [
        f"TKFRAME_{JUNOCAM_FRAME_ID}_SPEC          = 'ANGLES'",
        f"TKFRAME_{JUNOCAM_FRAME_ID}_RELATIVE      = 'JUNO_JUNOCAM_CUBE'",
        f"TKFRAME_{JUNOCAM_FRAME_ID}_ANGLES        = ( {' '.join(map(str, JUNOCAM_ANGLES_DEG))} )",
        f"TKFRAME_{JUNOCAM_FRAME_ID}_AXES          = ( {' '.join(map(str, JUNOCAM_AXES))} )",
        f"TKFRAME_{JUNOCAM_FRAME_ID}_UNITS         = 'DEGREES'"])
    return f"""KPL/FK

Synthetic Juno frames kernel written by junocam-sim (simulator/kernelset/fk.py). Only the frames JunoCam
needs, with the flight values published in NAIF's juno_v12.tf.

JUNO_SPACECRAFT: CK-based (class 3), orientation from the scenario's CK (ID -61000, SCLK -61).
JUNO_JUNOCAM_CUBE: fixed matrix relative to JUNO_SPACECRAFT.
JUNO_JUNOCAM: fixed angles relative to JUNO_JUNOCAM_CUBE.

\\begindata

{spacecraft}

{cube}

{cam}

{names}

\\begintext
"""


def write_fk(path: Path) -> Path:
    """Write the FK to ``path`` and return it."""
    path.write_text(fk_text())
    return path

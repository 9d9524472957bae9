"""Metakernel (.tm) listing a kernel set with PATH_VALUES relative to the metakernel's folder.

SPICE resolves relative paths against the working directory, so load it from its folder
(``cd DIR && ...``) or through :class:`simulator.spice.KernelPool`, which does that for you.
"""

from __future__ import annotations

from pathlib import Path

FILE_NAME = "juno_sim.tm"


def metakernel_text(relative_paths: list[str], comment: str) -> str:
    """Return a metakernel listing ``relative_paths`` (relative to the metakernel's folder)."""
    files = "\n".join(f"                   '$KERNELS/{p}'" for p in relative_paths)
    return f"""KPL/MK

{comment}

Paths are relative to this file's folder: load it from there (cd to it first), or edit PATH_VALUES
to the absolute folder.

\\begindata

PATH_VALUES     = ( '.' )
PATH_SYMBOLS    = ( 'KERNELS' )
KERNELS_TO_LOAD = (
{files}
                  )

\\begintext
"""


def write_metakernel(path: Path, relative_paths: list[str], comment: str) -> Path:
    """Write the metakernel to ``path`` and return it."""
    path.write_text(metakernel_text(relative_paths, comment))
    return path

"""JunoCam, Juno's visible-light push-frame camera, as data plus pure array functions.

Public API (docs/ARCHITECTURE.md, issue #2)::

    from instrument_models.junocam import JunoCam, compand, decompand, FILTERS, NAIF_IDS
    cam = JunoCam.default()
    rays = cam.pixel_to_ray("BLUE", sample, line)        # (..., 3) unit vectors in JUNO_JUNOCAM
    sample, line = cam.ray_to_pixel("BLUE", rays)

``compression`` and ``downlink`` (issue #2 item 6) are exported lazily: their names resolve when those
modules exist.
"""

from __future__ import annotations

import importlib
import importlib.util

from instrument_models.junocam.camera import JunoCam
from instrument_models.junocam.detector import (
    ChainSwitches,
    DetectorParams,
    FixedPattern,
    apply_chain,
    make_fixed_pattern,
)
from instrument_models.junocam.electronics import (
    COMPANDING_MODES,
    ElectronicsParams,
    compand,
    companding_table,
    decompand,
)
from instrument_models.junocam.kernels import NAIF_IDS
from instrument_models.junocam.optics import FILTERS, Optics
from instrument_models.junocam.radiometry import Radiometry, iof_to_rdr_dn, rdr_dn_to_iof
from instrument_models.junocam.spectral import SpectralModel
from instrument_models.junocam.strips import StripLayout
from instrument_models.junocam.timing import Timing

_LAZY = {
    "COMPRESSION_MODES": "compression", "compress": "compression", "decompress": "compression",
    "compressed_size": "compression",
    "DownlinkParams": "downlink", "downlink_time_s": "downlink",
}

__all__ = [
    "COMPANDING_MODES", "ChainSwitches", "DetectorParams", "ElectronicsParams", "FILTERS", "FixedPattern",
    "JunoCam", "NAIF_IDS", "Optics", "Radiometry", "SpectralModel", "StripLayout", "Timing", "apply_chain",
    "compand", "companding_table", "decompand", "iof_to_rdr_dn", "make_fixed_pattern", "rdr_dn_to_iof",
]
# Star-imports list the lazy names only once their module exists.
__all__ += [n for n, m in _LAZY.items() if importlib.util.find_spec(f"{__name__}.{m}") is not None]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        loaded = importlib.import_module(f"{__name__}.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{module}":
            raise
        raise AttributeError(f"{__name__}.{name} needs {__name__}.{module}, which is not written yet") from None
    return getattr(loaded, name)

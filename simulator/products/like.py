"""``render --like``: the settings of a synthetic twin of a real (or our own) product.

A twin repeats the original's START_TIME, SPACECRAFT_CLOCK_START_COUNT (and is timed from it, as ISIS
times the original), frame count, filters, TDI, interframe delay, companding, summing, compression,
focal-plane temperature, orbit number and PRODUCT_ID (letter included), so its timing fields are identical.
Its geometry comes from the user's kernels, or is fitted to the original (``simulator.twins.plan``).
The original may be a mission download (JSON + PNG), a PDS3 EDR (LBL + IMG) or one of our products
(``simulator.twins.original``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulator.errors import ProductError
from simulator.products.description import TDI_LINE_PERIOD_S, parse_product_id
from simulator.products.reader import ImageLayout


@dataclass(frozen=True)
class TwinSettings:
    """What a twin copies from its original.

    Attributes
    ----------
    source : the original's metadata (or label) path.
    layout : the original's image layout (frames, filters, TDI, delay, summing, companding, ...).
    image_number, version, letter : from the original's PRODUCT_ID (the twin keeps its PRODUCT_ID).
    title : the original's TITLE (empty when it has none).
    original : the :class:`simulator.twins.original.Original` read (metadata, image when present).
    """

    source: Path
    layout: ImageLayout
    image_number: int
    version: int
    title: str
    letter: str = "C"
    original: object = None

    def render_overrides(self) -> dict:
        """Imaging settings in scenario ``[imaging]`` terms."""
        lay = self.layout
        return {"frames": lay.frames, "filters": list(lay.filters), "tdi": lay.tdi_stages,
                "interframe_delay_s": lay.interframe_delay_s, "summing": lay.summing,
                "companding": lay.companding, "compression": lay.compression,
                "focal_plane_temperature_k": lay.focal_plane_temperature_k, "orbit_number": lay.orbit_number}


def twin_settings(path: Path) -> TwinSettings:
    """Read ``path`` (a ``-Metadata.json``, a ``.LBL``, or a folder holding one) as the original of a twin."""
    from simulator.twins.original import read_original

    original = read_original(Path(path))
    layout = original.layout
    ident = parse_product_id(layout.product_id)
    exposure_expected = layout.tdi_stages * TDI_LINE_PERIOD_S  # facts.md: EXPOSURE_DURATION = TDI x 3.2 ms
    if abs(layout.exposure_s - exposure_expected) > 1e-9:
        raise ProductError(f"{original.kind} {str(original.source)!r}: EXPOSURE_DURATION "
                           f"{original.metadata['EXPOSURE_DURATION']!r} is not JNO:TDI_STAGES_COUNT "
                           f"({layout.tdi_stages}) x 3.2 ms; a twin cannot match both")
    return TwinSettings(original.source, layout, ident["image_number"], ident["version"],
                        str(original.metadata.get("TITLE", "")), ident["letter"], original)

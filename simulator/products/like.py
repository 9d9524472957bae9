"""``render --like``: the settings of a synthetic twin of a real (or our own) product.

A twin repeats the original's START_TIME, frame count, filters, TDI, interframe delay, companding, summing,
compression, focal-plane temperature, orbit number and product number, so its timing fields are identical.
With the user's real kernels the twin is timed from the original's SPACECRAFT_CLOCK_START_COUNT (as ISIS
times the original); with synthetic kernels, whose clock is not Juno's, from START_TIME.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simulator.errors import ProductError
from simulator.products.description import parse_product_id
from simulator.products.metadata import read_metadata
from simulator.products.reader import ImageLayout, find_metadata, layout_from_metadata


@dataclass(frozen=True)
class TwinSettings:
    """What a twin copies from its original.

    Attributes
    ----------
    source : the original's metadata path.
    layout : the original's image layout (frames, filters, TDI, delay, summing, companding, ...).
    image_number, version : from the original's PRODUCT_ID (the twin keeps its PRODUCT_ID).
    title : the original's TITLE.
    """

    source: Path
    layout: ImageLayout
    image_number: int
    version: int
    title: str

    def render_overrides(self) -> dict:
        """Imaging settings in scenario ``[imaging]`` terms."""
        lay = self.layout
        return {"frames": lay.frames, "filters": list(lay.filters), "tdi": lay.tdi_stages,
                "interframe_delay_s": lay.interframe_delay_s, "summing": lay.summing,
                "companding": lay.companding, "compression": lay.compression,
                "focal_plane_temperature_k": lay.focal_plane_temperature_k, "orbit_number": lay.orbit_number}


def twin_settings(path: Path) -> TwinSettings:
    """Read ``path`` (a ``-Metadata.json`` or a folder holding one) as the original of a twin."""
    meta_path = find_metadata(Path(path))
    meta = read_metadata(meta_path)
    layout = layout_from_metadata(meta, f"metadata file {str(meta_path)!r}")
    ident = parse_product_id(layout.product_id)
    exposure_expected = layout.tdi_stages * 0.0032  # facts.md: EXPOSURE_DURATION = TDI x 3.2 ms
    if abs(layout.exposure_s - exposure_expected) > 1e-9:
        raise ProductError(f"metadata file {str(meta_path)!r}: EXPOSURE_DURATION {meta['EXPOSURE_DURATION']!r} "
                           f"is not JNO:TDI_STAGES_COUNT ({layout.tdi_stages}) x 3.2 ms; a twin cannot match both")
    return TwinSettings(meta_path, layout, ident["image_number"], ident["version"], str(meta["TITLE"]))

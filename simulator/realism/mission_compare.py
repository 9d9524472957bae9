"""``junocam-sim compare``'s like-for-like rows: both sides read as the mission's maps are.

The real texture, bright-limb and band-ratio figures of issue #13 were read on the mission site's per-filter
maps, which are perspective views from the spacecraft holding raw SQROOT codes
(:mod:`simulator.realism.mission_view`). So, by default (``--texture-mode mission``), ``compare`` puts each
side into such a map and reads both with the same code (:mod:`simulator.realism.map_figures`):

* a mission map set (``*-blue.png``, ``*-green.png``, ``*-red.png`` + metadata JSON) as stored, in the
  geometry of its twin (:func:`~simulator.realism.mission_view.real_geometry`, from the metadata alone);
* a product: its camera pixels' raw codes averaged into the map pixels they fall in and rounded
  (:func:`~simulator.realism.mission_view.product_maps`), seen from the spacecraft at START_TIME: in the map
  set's geometry when the other side is one (our product mapped as the real image was), else in its own
  (its kernels at its START_TIME); its limb circle is the one it was drawn with (``DRAWN_CIRCLE``), a map
  set's is fitted to its GREEN map (the mission's maps: a circle to 0.6 px).

Each map set is then measured twice: ``codes`` (the values as stored, what the mission's maps hold) and
``dn`` (the same codes read back through the companding table: decompanded DN, the linear figures the
targets are). The figure dict is flat (``MISSION_KEYS``) so the table, the JSON and the tests read it
directly.
"""

from __future__ import annotations

import numpy as np

from simulator.realism import map_figures as mf
from simulator.realism import mission_view as mv

ENCODINGS = ("codes", "dn")
# A product's map is drawn with its limb on this circle (mission_view.product_maps); it is used as drawn, not
# fitted: a product rarely covers the whole limb, and a circle fitted to the outermost covered pixel of each
# row then lies inside the limb (the real-like product's: 768 px for 799), which moves the 0.9 and 0.995 R rings.
DRAWN_CIRCLE = (mv.MAP_SHAPE[1] / 2.0, mv.MAP_SHAPE[0] / 2.0, mv.MAP_LIMB_PX)
# (key, label) of the like-for-like rows, in table order.
MISSION_KEYS = (
    ("plain_5500km", "plain std/mean, 5,500 km patches"),
    ("detrended_5500km", "the same, each patch's plane removed"),
    ("patches", "patches measured"),
    ("slope_1200_4800km", "power-spectrum slope 1,200-4,800 km"),
    ("slope_400_1200km", "power-spectrum slope 400-1,200 km"),
    ("photometric_b", "I ~ mu0^b mu^c in the patches: b"),
    ("photometric_c", "I ~ mu0^b mu^c in the patches: c"),
    ("limb_falloff", "bright-limb falloff 0.9 -> 0.995 R, towards the Sun"),
    ("limb_falloff_near_median", "the same, median within 20 deg of the Sun"),
    ("blue_over_green", "blue / green, disk medians"),
    ("red_over_green", "red / green, disk medians"),
    ("pixel_residual", "pixel minus its 4 neighbours, robust, / median"),
    ("spike_share", "disk pixels > 5 % above their 3x3 median"),
)


def flat_figures(f: dict) -> dict:
    """:func:`map_figures.map_set_figures`'s nested dict as the flat ``MISSION_KEYS`` dict."""
    return {"plain_5500km": f["plain"], "detrended_5500km": f["detrended"], "patches": int(f["patches"]),
            "slope_1200_4800km": f["slopes"][0], "slope_400_1200km": f["slopes"][1],
            "photometric_b": f["exponents"][0], "photometric_c": f["exponents"][1],
            "limb_falloff": f["limb"]["falloff"], "limb_falloff_near_median": f["limb"]["near_median"],
            "blue_over_green": f["ratios"][0], "red_over_green": f["ratios"][1],
            "pixel_residual": f["pixels"]["residual"], "spike_share": f["pixels"]["spikes"]}


def measure_maps(maps: dict, geo: dict, companding: str, geometry_label: str,
                 circle=None) -> tuple[dict, np.ndarray]:
    """The ``mission_view`` entry of a figure set for {filter: codes map}: {"geometry", "companding",
    "position_angle_deg", "limb_radius_px", "codes": {...}, "dn": {...}}, and the GREEN map (for the plot).
    ``circle``: the maps' limb circle (cx, cy, radius) px when known, else fitted to the GREEN map."""
    both = mf.codes_and_dn_figures(maps, geo, companding, circle)
    out = {"geometry": geometry_label, "companding": companding, "start_utc": geo.get("start_utc"),
           "position_angle_deg": both["codes"]["limb"]["position_angle_deg"],
           "limb_radius_px": both["codes"]["circle"][2]}
    for enc in ENCODINGS:
        out[enc] = flat_figures(both[enc])
    return out, maps["GREEN"]


def measure_map_set(map_set: mv.MapSet, images: dict, geo: dict) -> dict:
    """Figures of a mission map set (``images``: {filter: map} as read by ``mission_view.read_map``)."""
    figures, green = measure_maps(images, geo, map_set.companding,
                                  f"twin of {map_set.metadata.name} (orbit fitted to its altitude and "
                                  f"sub-spacecraft point) at {geo['start_utc']}")
    notes = [f"{f}: {p.name}" for f, p in map_set.files.items()] + [f"metadata: {map_set.metadata.name}"]
    return {"source": str(map_set.source), "kind": "mission map set", "geometry": "twin (metadata)",
            "notes": notes, "filters": {}, "texture": {}, "mission_view": figures,
            "plot": {"mission_green": green}}


def product_mission_view(inputs, geo: dict | None, geometry_label: str | None = None,
                         surface: str = mv.MISSION_MAP_SURFACE) -> tuple[dict | None, list]:
    """(the ``mission_view`` entry, notes) of a product: its maps in ``geo`` (None: its own kernels at its
    START_TIME), its pixels drawn on ``surface`` (``mission_view.product_maps``); (None, [why]) when it has no
    GREEN pixel on the disk."""
    if geo is None:
        geo = mv.product_geometry(inputs)
        geometry_label = f"the product's kernels at its START_TIME {geo['start_utc']}"
    maps = {f: m["codes"] for f, m in mv.product_maps(None, geo["spacecraft_km"], inputs=inputs,
                                                                  names=("codes",), surface=surface).items()}
    if "GREEN" not in maps:
        return None, ["mission-like map: no GREEN camera pixel on the disk; not measured"]
    figures, green = measure_maps(maps, geo, inputs.product.layout.companding, geometry_label, DRAWN_CIRCLE)
    return {**figures, "surface": surface, "_green": green}, []

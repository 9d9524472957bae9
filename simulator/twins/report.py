"""Twin and original side by side: the label fields, the geometry at START_TIME, simple image statistics."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from simulator.products import keywords as kw
from simulator.products.reader import load_product

SAME_FIELDS = ("PRODUCT_ID", "START_TIME", "STOP_TIME", "SPACECRAFT_CLOCK_START_COUNT", "INTERFRAME_DELAY",
               "EXPOSURE_DURATION", "JNO:TDI_STAGES_COUNT", "FILTER_NAME", "LINES", "LINE_SAMPLES",
               "SAMPLING_FACTOR", "SAMPLE_BIT_MODE_ID", "COMPRESSION_TYPE", "ORBIT_NUMBER")
GEOMETRY_FIELDS = (("SPACECRAFT_ALTITUDE", "km"), ("SUB_SPACECRAFT_LATITUDE", None),
                   ("SUB_SPACECRAFT_LONGITUDE", None), ("SOLAR_DISTANCE", "km"))
REPORT_FILE = "twin_report.json"


def _number(key: str, value, unit):
    if value is None:
        return None
    try:
        return kw.parse_value_with_unit(key, value, unit) if unit else float(str(value).split("<")[0])
    except (ValueError, TypeError):
        return None


def image_statistics(image: np.ndarray, layout) -> dict:
    """Per filter: mean and 99th percentile of the 8-bit DN, and the fraction of pixels above 15 % of the
    image's p99 (a rough "planet in view" fraction). ``image``: (lines, samples) uint8 raw framelets."""
    img = np.asarray(image).reshape(layout.frames, len(layout.filters), layout.framelet_lines, layout.samples)
    threshold = 0.15 * max(float(np.percentile(img, 99)), 1.0)
    out = {}
    for j, f in enumerate(layout.filters):
        px = img[:, j].astype(float)
        out[f] = {"mean_dn": float(px.mean()), "p99_dn": float(np.percentile(px, 99)),
                  "lit_fraction": float((px > threshold).mean())}
    return out


def compare(original, twin_folder: Path) -> dict:
    """The comparison record of ``original`` (:class:`simulator.twins.original.Original`) and the twin."""
    twin = load_product(twin_folder)
    a, b = original.metadata, twin.metadata
    same = {k: {"original": a.get(k), "twin": b.get(k), "equal": a.get(k) == b.get(k)} for k in SAME_FIELDS}
    geometry = {}
    for key, unit in GEOMETRY_FIELDS:
        x, y = _number(key, a.get(key), unit), _number(key, b.get(key), unit)
        diff = None if x is None or y is None else y - x
        if key == "SUB_SPACECRAFT_LONGITUDE" and diff is not None:
            diff = (diff + 180.0) % 360.0 - 180.0
        geometry[key] = {"original": x, "twin": y, "twin_minus_original": diff}
    record = {"original": str(original.source), "original_kind": original.kind, "twin": str(twin_folder),
              "fields": same, "geometry": geometry}
    if original.image is not None:
        record["image_statistics"] = {"original": image_statistics(original.image, original.layout),
                                      "twin": image_statistics(twin.image, twin.layout)}
    return record


def write_report(record: dict, folder: Path) -> Path:
    """Write ``record`` as ``folder/twin_report.json`` (temporary file, then rename)."""
    path = Path(folder) / REPORT_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)
    return path


def report_table(record: dict) -> str:
    """The comparison as a text table."""
    rows = [f"{'field':<30} {'original':>26} {'twin':>26}  difference"]
    for key, v in record["fields"].items():
        rows.append(f"{key:<30} {str(v['original']):>26} {str(v['twin']):>26}  {'same' if v['equal'] else 'DIFFERS'}")
    for key, v in record["geometry"].items():
        fmt = (lambda x: "-" if x is None else f"{x:.6g}")
        rows.append(f"{key:<30} {fmt(v['original']):>26} {fmt(v['twin']):>26}  {fmt(v['twin_minus_original'])}")
    for name, stats in record.get("image_statistics", {}).get("original", {}).items():
        twin = record["image_statistics"]["twin"][name]
        for stat in ("mean_dn", "p99_dn", "lit_fraction"):
            rows.append(f"{name + ' ' + stat:<30} {stats[stat]:>26.4g} {twin[stat]:>26.4g}  "
                        f"{twin[stat] - stats[stat]:.4g}")
    return "\n".join(rows)

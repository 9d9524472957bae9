"""The dataset manifest: one row per product, as Parquet (pyarrow) and CSV, same columns in the same order.

Columns (``COLUMNS`` first, then the item's own, sorted within each group):

- ``index``, ``seed``, ``base``, ``status`` (``ok``/``failed``), ``error`` (empty when ok), ``truth_level``,
  ``product_id``, ``product_dir``;
- ``imaging.<key>``: the settings the product was rendered with (start_utc, frames, filters as
  ``BLUE,GREEN,RED``, tdi, interframe_delay_s, summing, companding, compression, quality);
- ``vary.<key>``: every varied value of the spec (lists become ``<key>.0``, ``<key>.1``...);
- ``injected.<name>``: every injected error as applied (``InjectedErrors.as_record``, dicts and lists flattened);
- figures: ``jupiter_fraction``, ``pixel_scale_km_{min,max}``, ``incidence_deg_{min,max}``,
  ``emission_deg_{min,max}`` (over pixels on Jupiter), ``sub_spacecraft_lat_pc_deg``,
  ``sub_spacecraft_lon_w_deg``, ``spacecraft_altitude_km`` (at the reported start);
- files: ``raw_png``, ``metadata``, ``truth_fits``, ``truth_json`` (paths relative to the dataset folder) and
  ``<role>_sha256``.

No column holds a wall-clock time or a worker's name, so the same spec gives the same bytes however it ran.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from pathlib import Path

COLUMNS = ("index", "seed", "base", "status", "error", "truth_level", "product_id", "product_dir")
FIGURES = ("jupiter_fraction", "pixel_scale_km_min", "pixel_scale_km_max", "incidence_deg_min", "incidence_deg_max",
           "emission_deg_min", "emission_deg_max", "sub_spacecraft_lat_pc_deg", "sub_spacecraft_lon_w_deg",
           "spacecraft_altitude_km")
FILE_ROLES = ("raw_png", "metadata", "truth_fits", "truth_json")
PARQUET = "manifest.parquet"
CSV = "manifest.csv"


def flatten(prefix: str, value, out: dict) -> None:
    """Put ``value`` into ``out`` under ``prefix``: dicts as ``prefix.key``, lists as ``prefix.0``..."""
    if isinstance(value, dict):
        for key in sorted(value):
            flatten(f"{prefix}.{key}", value[key], out)
    elif isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value) and value:
            out[prefix] = ",".join(value)
        else:
            for i, v in enumerate(value):
                flatten(f"{prefix}.{i}", v, out)
    else:
        out[prefix] = value


def row_columns(row: dict) -> dict:
    """One item record (``simulator.dataset.worker``) as flat columns."""
    out = {name: row.get(name, "") for name in COLUMNS}
    flatten("imaging", row.get("imaging", {}), out)
    flatten("vary", row.get("values", {}), out)
    flatten("injected", row.get("injected", {}), out)
    figures = row.get("figures", {})
    for name in FIGURES:
        out[name] = figures.get(name, math.nan)
    files = row.get("files", {})
    for role in FILE_ROLES:
        path, digest = files.get(role, ("", ""))
        out[role], out[f"{role}_sha256"] = path, digest
    return out


def _order(columns: set[str]) -> list[str]:
    groups = [list(COLUMNS)]
    for prefix in ("imaging.", "vary.", "injected."):
        groups.append(sorted(c for c in columns if c.startswith(prefix)))
    groups.append(list(FIGURES))
    groups.append([c for role in FILE_ROLES for c in (role, f"{role}_sha256")])
    seen = [c for g in groups for c in g]
    return seen + sorted(columns - set(seen))


def _column_kind(values: list) -> str:
    present = [v for v in values if v is not None and v != ""]
    if present and all(isinstance(v, bool) for v in present):
        return "bool"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "int"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float"
    return "str"


def _cell(value, kind: str):
    if value is None or value == "":
        return math.nan if kind == "float" else None if kind in ("int", "bool") else ""
    if kind == "float":
        return float(value)
    if kind == "str" and not isinstance(value, str):
        return json.dumps(value)
    return value


def table(rows: list[dict]) -> tuple[list[str], dict[str, list]]:
    """(column order, column -> values) of the flattened rows, sorted by index, typed per column."""
    flat = [row_columns(r) for r in sorted(rows, key=lambda r: int(r["index"]))]
    names = _order(set().union(*(f.keys() for f in flat)) if flat else set(COLUMNS))
    columns = {}
    for name in names:
        values = [f.get(name) for f in flat]
        kind = _column_kind(values)
        columns[name] = [_cell(v, kind) for v in values]
    return names, columns


def write_manifest(out_dir: Path, rows: list[dict]) -> tuple[Path, Path]:
    """Write ``manifest.parquet`` and ``manifest.csv`` into ``out_dir`` (each to a temporary name, then renamed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names, columns = table(rows)
    arrow = pa.table({name: pa.array(columns[name]) for name in names})
    out_dir = Path(out_dir)
    parquet, text = out_dir / PARQUET, out_dir / CSV
    tmp = out_dir / f".{PARQUET}.tmp-{os.getpid()}"
    pq.write_table(arrow, tmp, compression="zstd")
    os.replace(tmp, parquet)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    for i in range(len(rows)):
        writer.writerow(["" if (isinstance(v, float) and math.isnan(v)) or v is None else repr(v)
                         if isinstance(v, float) else v for v in (columns[n][i] for n in names)])
    tmp = out_dir / f".{CSV}.tmp-{os.getpid()}"
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(tmp, text)
    return parquet, text


def read_manifest(out_dir: Path):
    """The manifest of a dataset folder as a ``pyarrow.Table``."""
    import pyarrow.parquet as pq

    return pq.read_table(Path(out_dir) / PARQUET)

"""Writing what ``validate`` and ``score`` report: a table for the terminal, JSON, an error-map PNG.

Every file is written to a temporary name beside its destination and renamed into place, so an interrupted
run never leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import json
import struct
import zlib
from pathlib import Path

import numpy as np

SKY_RGB = (40, 40, 40)          # pixels off the planet in the error map
NOT_COMPARED_RGB = (0, 0, 0)    # on the planet in one of reconstruction/truth only (limb), or dark columns
MIN_SCALE_PX = 0.2              # the error map's colour scale never ends below this (the p99 goal)


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    with atomic_file(path) as fh:
        fh.write(data)
    return Path(path)


@contextlib.contextmanager
def atomic_file(path: Path):
    """A binary file handle on a temporary name beside ``path``, renamed to ``path`` when the block ends
    without an error (removed otherwise); the file gets the umask's mode (``simulator.outputs.atomic_file``)."""
    from simulator.outputs import atomic_file as _atomic_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _atomic_file(path, mode="wb", checked=False) as fh:
        yield fh


def json_text(record: dict) -> str:
    """``record`` as indented, key-sorted JSON (NaN written as null), with a trailing newline."""
    return json.dumps(_clean(record), indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_json(path: Path, record: dict) -> Path:
    """``record`` as indented, key-sorted JSON (NaN written as null)."""
    return write_atomic(path, json_text(record).encode("utf-8"))


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return float(value) if np.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def error_map_scale_px(error_px) -> float:
    """Top of the colour scale: the 99th percentile of the errors, at least :data:`MIN_SCALE_PX`."""
    e = np.asarray(error_px, dtype=float)
    e = e[np.isfinite(e)]
    return max(MIN_SCALE_PX, float(np.percentile(e, 99.0))) if e.size else MIN_SCALE_PX


def write_error_map(path: Path, error_px, on_planet, scale_px: float | None = None) -> float:
    """Per-pixel geometry error as a colour PNG shaped like the raw image; returns the scale's top (px).

    Colours: matplotlib's ``viridis`` from 0 to ``scale_px`` (errors above saturate), sky dark grey,
    planet pixels without a comparison black.
    """
    from io import BytesIO

    from PIL import Image

    e = np.asarray(error_px, dtype=float)
    top = float(scale_px) if scale_px is not None else error_map_scale_px(e)
    buffer = BytesIO()
    Image.fromarray(error_map_rgb(e, on_planet, top), mode="RGB").save(buffer, format="PNG")
    write_atomic(path, buffer.getvalue())
    return top


def error_map_rgb(error_px, on_planet, top: float) -> np.ndarray:
    """(lines, samples, 3) uint8 colours of :func:`write_error_map` for a block of rows."""
    from matplotlib import colormaps

    e = np.asarray(error_px, dtype=float)
    rgb = np.empty(e.shape + (3,), dtype=np.uint8)
    rgb[:] = SKY_RGB
    rgb[np.asarray(on_planet, dtype=bool)] = NOT_COMPARED_RGB
    ok = np.isfinite(e)
    colours = colormaps["viridis"](np.clip(e[ok] / top, 0.0, 1.0))[:, :3]
    rgb[ok] = np.round(colours * 255).astype(np.uint8)
    return rgb


ROWS_PER_BLOCK = 1024   # rows coloured and compressed at a time by write_error_map_rows


def write_error_map_rows(path: Path, rows, scale_px: float) -> float:
    """:func:`write_error_map` of an :class:`~simulator.validate.rowstore.ErrorRows` store, streamed: a
    block of rows at a time is coloured and deflated into one PNG (8-bit RGB, no interlace), so memory does
    not grow with the image. The pixels are the same as :func:`write_error_map` writes."""
    lines, samples = rows.shape
    top = float(scale_px)
    deflate = zlib.compressobj(6)
    with atomic_file(path) as fh:
        fh.write(b"\x89PNG\r\n\x1a\n")
        fh.write(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", samples, lines, 8, 2, 0, 0, 0)))
        for first in range(0, lines, ROWS_PER_BLOCK):
            error, planet = rows.read(first, min(ROWS_PER_BLOCK, lines - first))
            rgb = error_map_rgb(error, planet, top).reshape(error.shape[0], samples * 3)
            filtered = np.concatenate([np.zeros((rgb.shape[0], 1), dtype=np.uint8), rgb], axis=1)  # filter 0
            data = deflate.compress(filtered.tobytes())
            if data:
                fh.write(_png_chunk(b"IDAT", data))
        fh.write(_png_chunk(b"IDAT", deflate.flush()))
        fh.write(_png_chunk(b"IEND", b""))
    return top


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC-32 of type and data (PNG specification, section 5.3)."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _fmt(value, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    v = float(value)
    if not np.isfinite(v):
        return "-"
    return f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}"


def table(rows: list[tuple[str, object, object, str]], title: str, columns: tuple[str, str] = ("median", "p99")) -> str:
    """A plain-text table: ``(quantity, first value, second value, unit)`` rows under ``title``."""
    width = max([len(r[0]) for r in rows] + [8])
    lines = [title, f"{'quantity'.ljust(width)}  {columns[0]:>10}  {columns[1]:>10}  unit"]
    for name, a, b, unit in rows:
        lines.append(f"{name.ljust(width)}  {_fmt(a):>10}  {_fmt(b):>10}  {unit}")
    return "\n".join(lines)


def geometry_rows(s: dict) -> list[tuple[str, object, object, str]]:
    """Table rows of the per-pixel geometry error keys (``validate`` and ``score --backplanes``)."""
    return [
        ("geometry error (km / PIXEL_SCALE)", s.get("geometry_error_px_median"), s.get("geometry_error_px_p99"), "px"),
        ("geometry error in the image plane", s.get("geometry_error_image_px_median"),
         s.get("geometry_error_image_px_p99"), "px"),
        ("geometry error on the surface", s.get("geometry_error_km_median"), s.get("geometry_error_km_p99"), "km"),
        ("  signed, along lines (scan)", s.get("geometry_error_line_px_median"), None, "px"),
        ("  signed, along samples", s.get("geometry_error_sample_px_median"), None, "px"),
    ]


def validation_table(s: dict) -> str:
    """The terminal table of a ``validation.json`` summary."""
    rows = geometry_rows(s)
    if "geometry_error_limb_corrected_px_median" in s:
        rows += [("after the limb-fit time correction", s.get("geometry_error_limb_corrected_image_px_median"),
                  s.get("geometry_error_limb_corrected_image_px_p99"), "px (image plane)")]
    if "geometry_error_isis_px_median" in s:
        rows += [("ISIS convention (pixel's own row)", s.get("geometry_error_isis_image_px_median"),
                  s.get("geometry_error_isis_image_px_p99"), "px (image plane)")]
    rows += [
        ("start-time jitter injected", s.get("jitter_injected_ms"), None, "ms"),
        ("start-time offset from the limb fit", s.get("jitter_estimated_ms"), s.get("jitter_sigma_ms"),
         "ms (p99 column: 1-sigma)"),
        ("I/F per pixel: bias", s.get("iof_pixel_bias"), None, "I/F"),
        ("I/F per pixel: rms / noise-model rms", s.get("iof_pixel_rms"), s.get("iof_pixel_noise_rms"), "I/F"),
        ("I/F maps: bias", s.get("iof_bias"), None, "I/F"),
        ("I/F maps: rms / noise-model rms", s.get("iof_rms"), s.get("iof_noise_rms"), "I/F"),
        ("albedo map vs scene: bias / rms", s.get("albedo_bias"), s.get("albedo_rms"), "normal albedo"),
    ]
    title = (f"Reference reconstruction of {s.get('product_id')} ({s.get('frames')} frames, "
             f"{'/'.join(s.get('filters', []))}, TDI {s.get('tdi_stages')}, {s.get('aberration_correction')}); "
             f"{_fmt(s.get('geometry_error_px_count'))} pixels compared")
    text = table(rows, title)
    notes = s.get("notes") or []
    return text + ("".join(f"\nnote: {n}" for n in notes))

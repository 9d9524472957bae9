"""The original of a twin, as the user holds it: a mission download (``-Metadata.json`` with its
``-raw.png`` when present), a PDS3 EDR (detached ``.LBL`` with its ``.IMG``), or one of our product folders.

Everything is returned in the Metadata JSON's vocabulary (``simulator.products.keywords``), so the rest of
the twin code does not care where it came from. A PDS3 label's keywords are the JSON's (facts.md
"Products": ISIS's junocam2isis reads the same names), its IMAGE object's too (LINES, LINE_SAMPLES,
SAMPLE_BIT_MODE_ID); values keep their ``<unit>`` text, sets become lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import ProductError
from simulator.products.reader import find_raw_png, layout_from_metadata

LABEL_SUFFIXES = (".lbl", ".LBL")


@dataclass(frozen=True)
class Original:
    """An original product.

    Attributes
    ----------
    source : the file its metadata came from.
    kind : "mission download", "PDS3 EDR" or "junocam-sim product".
    metadata : keyword -> value, in the Metadata JSON's form.
    layout : :class:`simulator.products.reader.ImageLayout` of it.
    image : (lines, samples) uint8 raw framelets, or ``None`` when only metadata is at hand.
    image_path : where the image came from (or ``None``).
    """

    source: Path
    kind: str
    metadata: dict
    layout: object
    image: np.ndarray | None
    image_path: Path | None


_LABEL_LINE = re.compile(r"^\s*([A-Z0-9_:^]+)\s*=\s*(.*?)\s*$")


def _label_value(text: str):
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        return [_label_value(v) for v in re.findall(r'"[^"]*"|[^,\s()][^,()]*', text[1:-1])]
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1].strip()
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    return text


def read_label(path: Path) -> dict:
    """Keywords of a detached PDS3 label (root and objects flattened; multi-line values joined)."""
    try:
        raw = Path(path).read_text(encoding="latin-1")
    except OSError as exc:
        raise ProductError(f"PDS3 label {str(path)!r} cannot be read ({exc})") from None
    out: dict = {}
    pending = None
    for line in raw.splitlines():
        line = re.sub(r"/\*.*?\*/", "", line).rstrip()
        if pending is not None:
            pending[1] += " " + line.strip()
            if pending[1].count("(") <= pending[1].count(")") and pending[1].count('"') % 2 == 0:
                out.setdefault(pending[0], _label_value(pending[1]))
                pending = None
            continue
        if line.strip() == "END":
            break
        match = _LABEL_LINE.match(line)
        if match is None or match.group(1) in ("OBJECT", "END_OBJECT", "GROUP", "END_GROUP"):
            continue
        key, value = match.groups()
        if value.count("(") > value.count(")") or value.count('"') % 2:
            pending = [key, value]
            continue
        out.setdefault(key, _label_value(value))
    if "PRODUCT_ID" not in out:
        raise ProductError(f"PDS3 label {str(path)!r} has no PRODUCT_ID; expected a JunoCam EDR label")
    return out


def _image_from_label(label_path: Path, meta: dict, layout) -> tuple[np.ndarray | None, Path | None]:
    pointer = meta.get("^IMAGE")
    name, offset = None, 0
    if isinstance(pointer, list) and pointer:
        name = str(pointer[0])
        if len(pointer) > 1:
            text = str(pointer[1])
            number = int(re.match(r"\d+", text).group(0))
            offset = number if "BYTES" in text.upper() else (number - 1) * int(meta.get("RECORD_BYTES", 0))
    elif isinstance(pointer, str):
        name = pointer
    if not name:
        return None, None
    path = label_path.parent / name
    if not path.is_file():
        alt = [p for p in label_path.parent.iterdir() if p.name.lower() == name.lower()]
        if not alt:
            return None, None
        path = alt[0]
    count = layout.lines * layout.samples
    data = np.fromfile(path, dtype=np.uint8, count=count, offset=offset)
    if data.size != count:
        raise ProductError(f"PDS3 image {str(path)!r} holds {data.size} bytes after its offset; the label asks "
                           f"for {layout.lines} x {layout.samples}")
    return data.reshape(layout.lines, layout.samples), path


def _find(path: Path) -> tuple[Path, str]:
    if path.is_file():
        if path.suffix in LABEL_SUFFIXES:
            return path, "PDS3 EDR"
        return path, "mission download"
    if not path.is_dir():
        raise ProductError(f"original {str(path)!r} does not exist; expected a folder with a -Metadata.json "
                           "(mission download) or a .LBL (PDS3 EDR)")
    jsons = sorted(path.glob("*-Metadata.json")) + sorted(path.glob("DataSet/*-Metadata.json"))
    labels = sorted(p for p in path.iterdir() if p.suffix in LABEL_SUFFIXES)
    if len(jsons) == 1:
        return jsons[0], "junocam-sim product" if (path / "truth").is_dir() else "mission download"
    if not jsons and len(labels) == 1:
        return labels[0], "PDS3 EDR"
    raise ProductError(f"folder {str(path)!r} holds {len(jsons)} '-Metadata.json' and {len(labels)} '.LBL' files; "
                       "expected one product (a mission download or a PDS3 EDR)")


def read_original(path) -> Original:
    """Read an original from a file or a folder (see the module docstring)."""
    from simulator.products.metadata import read_metadata
    from simulator.products.raw_image import read_raw_png

    source, kind = _find(Path(path))
    where = f"{kind} {str(source)!r}"
    if kind == "PDS3 EDR":
        meta = read_label(source)
        missing = [k for k in ("FILTER_NAME", "SAMPLING_FACTOR", "LINES", "LINE_SAMPLES", "START_TIME",
                               "SPACECRAFT_CLOCK_START_COUNT", "INTERFRAME_DELAY", "EXPOSURE_DURATION",
                               "JNO:TDI_STAGES_COUNT") if k not in meta]
        if missing:
            raise ProductError(f"{where} lacks {missing[0]}; a twin needs the image's timing and layout")
        meta.setdefault("SAMPLE_BIT_MODE_ID", "SQROOT")
        meta.setdefault("COMPRESSION_TYPE", "NONE")
        meta.setdefault("FOCAL_PLANE_TEMPERATURE", "273.0 <K>")
        meta.setdefault("STOP_TIME", meta["START_TIME"])
        meta.setdefault("ORBIT_NUMBER", int(str(meta["PRODUCT_ID"])[13:15]))
        meta["START_TIME"] = str(meta["START_TIME"]).rstrip("Z")
        if isinstance(meta["FILTER_NAME"], str):
            meta["FILTER_NAME"] = [meta["FILTER_NAME"]]
        layout = layout_from_metadata(meta, where)
        image, image_path = _image_from_label(source, meta, layout)
        return Original(source, kind, meta, layout, image, image_path)
    meta = read_metadata(source)
    layout = layout_from_metadata(meta, where)
    try:
        image_path = find_raw_png(source, str(meta["FILE_NAME"]))
    except ProductError:
        return Original(source, kind, meta, layout, None, None)
    image = read_raw_png(image_path)
    if image.shape != (layout.lines, layout.samples):
        raise ProductError(f"raw image {str(image_path)!r} is {image.shape[1]} x {image.shape[0]}; its metadata "
                           f"says {layout.samples} x {layout.lines}")
    return Original(source, kind, meta, layout, image, image_path)

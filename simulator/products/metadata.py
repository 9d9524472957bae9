"""The mission-site Metadata JSON: build it from an :class:`ImageDescription`, read and check one.

Written exactly as the mission writes it: every key of the real product, sorted, two-space indent, values
formatted as ``keywords.py`` says, a final newline. Reading accepts the mission's files and ours and
turns anything malformed into one :class:`~simulator.errors.ProductError` naming the file and the key.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from simulator import __version__
from simulator.errors import ProductError
from simulator.products import keywords as kw
from simulator.products.description import ImageDescription


def build_metadata(desc: ImageDescription) -> dict:
    """The Metadata JSON of an image as a dict with every mission key, values formatted as the mission's."""
    lines, samples = desc.lines, desc.line_samples
    meta = {
        "COMPRESSION_TYPE": desc.compression,
        "DATA_SET_ID": kw.DATA_SET_ID,
        "DESCRIPTION": desc.description,
        "EXPOSURE_DURATION": kw.format_value("EXPOSURE_DURATION", desc.exposure_s * 1e3),
        "FILE_NAME": f"{desc.product_id}-raw.png",
        "FILE_RECORDS": lines,
        "FILTER_NAME": list(desc.filters),
        "FOCAL_PLANE_TEMPERATURE": kw.format_value("FOCAL_PLANE_TEMPERATURE", desc.focal_plane_temperature_k),
        "IMAGE_TIME": desc.start_utc,
        "INSTRUMENT_HOST_NAME": kw.INSTRUMENT_HOST_NAME,
        "INSTRUMENT_ID": kw.INSTRUMENT_ID,
        "INSTRUMENT_NAME": kw.INSTRUMENT_NAME,
        "INTERFRAME_DELAY": kw.format_value("INTERFRAME_DELAY", desc.interframe_delay_s),
        "JNO:TDI_STAGES_COUNT": int(desc.tdi_stages),
        "LINES": lines,
        "LINE_PREFIX_BYTES": 0,
        "LINE_SAMPLES": samples,
        "LINE_SUFFIX_BYTES": 0,
        "MISSION_PHASE_NAME": f"PERIJOVE {int(desc.orbit_number)}",
        "ORBIT_NUMBER": int(desc.orbit_number),
        "PJ": str(int(desc.orbit_number)),
        "PROCESSING_LEVEL_ID": kw.PROCESSING_LEVEL_ID,
        "PRODUCER_ID": kw.PRODUCER_ID,
        "PRODUCT_CREATION_TIME": desc.product_creation_utc,
        "PRODUCT_ID": desc.product_id,
        "PRODUCT_VERSION_ID": int(desc.version),
        "RATIONALE_DESC": desc.rationale,
        "RECORD_BYTES": samples,
        "SAMPLE_BITS": kw.SAMPLE_BITS,
        "SAMPLE_BIT_MASK": kw.SAMPLE_BIT_MASK,
        "SAMPLE_BIT_MODE_ID": desc.companding,
        "SAMPLE_TYPE": kw.SAMPLE_TYPE,
        "SAMPLING_FACTOR": int(desc.summing),
        "SEQUENCE_ID": desc.sequence_id or f"jm{int(desc.orbit_number):02d}",
        "SOFTWARE_NAME": f"{desc.software_name} {__version__}",
        "SOLAR_DISTANCE": kw.format_value("SOLAR_DISTANCE", desc.solar_distance_km),
        "SOURCE_PRODUCT_ID": desc.source_product_id or f"SIM-{desc.product_id}",
        "SPACECRAFT_ALTITUDE": kw.format_value("SPACECRAFT_ALTITUDE", desc.spacecraft_altitude_km),
        "SPACECRAFT_CLOCK_START_COUNT": desc.sclk_start,
        "SPACECRAFT_CLOCK_STOP_COUNT": kw.SPACECRAFT_CLOCK_STOP_COUNT,
        "SPACECRAFT_NAME": kw.SPACECRAFT_NAME,
        "STANDARD_DATA_PRODUCT_ID": kw.STANDARD_DATA_PRODUCT_ID,
        "START_TIME": desc.start_utc,
        "STOP_TIME": desc.stop_utc,
        "SUB_SPACECRAFT_LATITUDE": kw.format_value("SUB_SPACECRAFT_LATITUDE", desc.sub_spacecraft_lat_deg),
        "SUB_SPACECRAFT_LONGITUDE": kw.format_value("SUB_SPACECRAFT_LONGITUDE", desc.sub_spacecraft_lon_deg % 360.0),
        "TARGET_NAME": kw.TARGET_NAME,
        "TITLE": desc.title,
        "TOKEN_ID": [],
    }
    check_metadata(meta, "the built metadata")
    return meta


def metadata_to_bytes(meta: dict) -> bytes:
    """Serialise as the mission does: sorted keys, two-space indent, trailing newline, UTF-8."""
    return (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode("utf-8")


def check_metadata(meta: dict, where: str) -> None:
    """Raise :class:`ProductError` if a key is missing, of the wrong type, or not in the mission's format."""
    if not isinstance(meta, dict):
        raise ProductError(f"{where} is not a JSON object of JunoCam metadata keys")
    for key, kind in kw.METADATA_TYPES.items():
        if key not in meta:
            raise ProductError(f"{where} lacks the key {key!r} every JunoCam Metadata JSON has")
        value = meta[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ProductError(f"{where}: {key} is {value!r}; expected a JSON {kind.__name__}")
        pattern = kw.METADATA_PATTERNS.get(key)
        if pattern is not None and not re.fullmatch(pattern, value):
            raise ProductError(f"{where}: {key} is {value!r}; expected the mission's format /{pattern}/")


def read_metadata(path: Path) -> dict:
    """Load and check a ``-Metadata.json`` (the mission's or ours); one ``ProductError`` when it is not one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProductError(f"metadata file {str(path)!r} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProductError(f"metadata file {str(path)!r} cannot be read as UTF-8 text ({exc})") from None
    try:
        meta = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProductError(f"metadata file {str(path)!r} is not JSON ({exc.msg} at line {exc.lineno})") from None
    check_metadata(meta, f"metadata file {str(path)!r}")
    return meta

"""The PDS3 EDR form of a product: ``PDS/<PRODUCT_ID>.IMG`` (raw bytes) and its detached ``.LBL``.

The label carries, at its root, the keywords ISIS's ``junocam2isis`` translates (facts.md "Products";
ISIS's JunoJunoCam*.trn tables read SPACECRAFT_NAME, INSTRUMENT_ID, TARGET_NAME, START_TIME,
SPACECRAFT_CLOCK_START_COUNT, EXPOSURE_DURATION, INTERFRAME_DELAY, SAMPLING_FACTOR, MISSION_PHASE_NAME,
ORBIT_NUMBER, FOCAL_PLANE_TEMPERATURE, JNO:TDI_STAGES_COUNT, COMPRESSION_TYPE, FILTER_NAME at the root), and an
``IMAGE`` object describing the byte layout for generic PDS3 readers. Every value is the Metadata JSON's,
written in PDS3 syntax (units in angle brackets, strings quoted, sets in parentheses). Lines end in CR LF
as PDS3 asks.
"""

from __future__ import annotations

import re

import numpy as np

from simulator.errors import ProductError

PDS3_EOL = "\r\n"  # PDS3 standards reference: label records end in carriage-return line-feed
_KEY_WIDTH = 32

# Root keywords in label order, grouped as a reader would look for them; the IMAGE object follows.
_ROOT_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Identification", ("DATA_SET_ID", "STANDARD_DATA_PRODUCT_ID", "PRODUCT_ID", "PRODUCT_VERSION_ID",
                        "PRODUCT_CREATION_TIME", "SOURCE_PRODUCT_ID", "PRODUCER_ID", "SOFTWARE_NAME",
                        "PROCESSING_LEVEL_ID")),
    ("Mission and target", ("SPACECRAFT_NAME", "INSTRUMENT_HOST_NAME", "INSTRUMENT_ID", "INSTRUMENT_NAME",
                            "MISSION_PHASE_NAME", "ORBIT_NUMBER", "PJ", "SEQUENCE_ID", "TARGET_NAME", "TITLE",
                            "RATIONALE_DESC", "DESCRIPTION")),
    ("Timing", ("START_TIME", "STOP_TIME", "IMAGE_TIME", "SPACECRAFT_CLOCK_START_COUNT",
                "SPACECRAFT_CLOCK_STOP_COUNT", "INTERFRAME_DELAY", "EXPOSURE_DURATION")),
    ("Camera settings", ("FILTER_NAME", "JNO:TDI_STAGES_COUNT", "SAMPLING_FACTOR", "COMPRESSION_TYPE",
                         "FOCAL_PLANE_TEMPERATURE")),
    ("Geometry at START_TIME", ("SPACECRAFT_ALTITUDE", "SUB_SPACECRAFT_LATITUDE", "SUB_SPACECRAFT_LONGITUDE",
                                "SOLAR_DISTANCE")),
)
_IMAGE_KEYS = ("LINES", "LINE_SAMPLES", "SAMPLE_TYPE", "SAMPLE_BITS", "SAMPLE_BIT_MASK", "SAMPLE_BIT_MODE_ID",
               "LINE_PREFIX_BYTES", "LINE_SUFFIX_BYTES")
# Values written bare (PDS3 identifiers, dates, numbers with units); every other string is quoted.
_BARE = {"START_TIME", "STOP_TIME", "IMAGE_TIME", "PRODUCT_CREATION_TIME", "SAMPLE_TYPE", "SAMPLE_BIT_MASK",
         "TARGET_NAME", "SPACECRAFT_NAME", "INSTRUMENT_HOST_NAME", "INSTRUMENT_ID",
         "INTERFRAME_DELAY", "EXPOSURE_DURATION", "FOCAL_PLANE_TEMPERATURE", "SPACECRAFT_ALTITUDE",
         "SOLAR_DISTANCE", "SUB_SPACECRAFT_LATITUDE", "SUB_SPACECRAFT_LONGITUDE"}


def label_keys() -> tuple[str, ...]:
    """Every metadata key the label carries (root keywords then the IMAGE object's).

    All JSON keys except TOKEN_ID (always an empty list in the products; PDS3 has no empty set).
    """
    return tuple(k for _, keys in _ROOT_GROUPS for k in keys) + _IMAGE_KEYS


def _quote(text: str) -> str:
    if '"' in text:
        raise ProductError(f"label value {text!r} contains a double quote, which PDS3 strings cannot hold")
    return f'"{text}"'


def _format_value(key: str, value) -> str:
    if isinstance(value, list):
        if not value:
            raise ProductError(f"label value of {key} is an empty list; PDS3 has no empty set")
        return "(" + ", ".join(_quote(str(v)) for v in value) + ")"
    if isinstance(value, bool):
        raise ProductError(f"label value of {key} is a boolean; expected a number or text")
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if key in _BARE and text and re.fullmatch(r"[-+0-9A-Za-z_.:#<> ]+", text):
        return text
    return _quote(text)


def _line(key: str, value, indent: str = "") -> str:
    return f"{indent}{key:<{_KEY_WIDTH - len(indent)}}= {_format_value(key, value)}"


def build_label(meta: dict, img_name: str) -> str:
    """The detached PDS3 label text (CR LF line ends) for a product's Metadata dict.

    Parameters
    ----------
    meta : the product's Metadata JSON as a dict (``metadata.build_metadata``).
    img_name : file name of the ``.IMG`` beside the label.
    """
    out = [_line("PDS_VERSION_ID", "PDS3"),
           "",
           "/* File format and length */",
           _line("RECORD_TYPE", "FIXED_LENGTH"),
           _line("RECORD_BYTES", int(meta["RECORD_BYTES"])),
           _line("FILE_RECORDS", int(meta["FILE_RECORDS"])),
           f"{'^IMAGE':<{_KEY_WIDTH}}= {_quote(img_name)}"]
    for title, keys in _ROOT_GROUPS:
        out += ["", f"/* {title} */"]
        out += [_line(k, meta[k]) for k in keys]
    out += ["", "/* The image: framelets in time order, filters in FILTER_NAME order within a frame */",
            "OBJECT = IMAGE"]
    out += [_line(k, meta[k], indent="  ") for k in _IMAGE_KEYS]
    out += ["END_OBJECT = IMAGE", "", "END", ""]
    # RECORD_TYPE is an identifier; PDS_VERSION_ID too: unquote them.
    text = PDS3_EOL.join(out)
    return text.replace('"PDS3"', "PDS3").replace('"FIXED_LENGTH"', "FIXED_LENGTH")


def image_bytes(image: np.ndarray) -> bytes:
    """The ``.IMG`` content: the raw image as unsigned bytes, line after line (no header)."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 2:
        raise ProductError(f"the raw image is {image.dtype} with shape {image.shape}; expected 2-D uint8")
    return np.ascontiguousarray(image).tobytes()

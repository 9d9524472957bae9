"""The mission's product vocabulary: metadata keys, their value formats, and fixed values.

JunoCam raw products on the mission site come as ``<PRODUCT_ID>-raw.png`` plus
``<PRODUCT_ID>-Metadata.json``; the PDS3 EDRs (data set JUNO-J-JUNOCAM-2-EDR-L0-V1.0) carry the same
keywords in a detached label (facts.md "Products"). This module writes the key list and each value's
format down in code, so the project never reads ``../shared`` at run time; the tests compare it against
the real examples when they are present.

Formats, as seen in the mission's products (facts.md "Products" and its example files):

==============================  ===========================================  ==========================
key                             format                                       example
==============================  ===========================================  ==========================
EXPOSURE_DURATION               ``"%.6f <ms>"``                              ``"3.200000 <ms>"``
INTERFRAME_DELAY                ``"%.3f <s>"``                               ``"0.371 <s>"``
FOCAL_PLANE_TEMPERATURE         ``"%.1f <K>"``                               ``"273.0 <K>"``
SOLAR_DISTANCE                  ``"%.4e <km>"``                              ``"7.7361e+08 <km>"``
SPACECRAFT_ALTITUDE             ``"%.1f <km>"``                              ``"63052.1 <km>"``
SUB_SPACECRAFT_LATITUDE/LONG.   ``"%.4f"`` (a string, no unit)               ``"-56.7997"``
START_TIME, STOP_TIME,          UTC ``yyyy-mm-ddThh:mm:ss.sss``              ``"2020-06-02T11:07:00.793"``
IMAGE_TIME
PRODUCT_CREATION_TIME           UTC ``yyyy-mm-ddThh:mm:ss``                  ``"2020-06-09T18:10:03"``
SPACECRAFT_CLOCK_START_COUNT    ``"<seconds>:<ticks of 1/256 s>"``           ``"644368345:244"``
==============================  ===========================================  ==========================
"""

from __future__ import annotations

import re

# Every key of the mission-site Metadata JSON, in the (sorted) order the mission writes them
# (facts.md "Products": products/JNCE_2020154_27C00047_V01-Metadata.json), with the Python type of its value.
METADATA_TYPES: dict[str, type] = {
    "COMPRESSION_TYPE": str,
    "DATA_SET_ID": str,
    "DESCRIPTION": str,
    "EXPOSURE_DURATION": str,
    "FILE_NAME": str,
    "FILE_RECORDS": int,
    "FILTER_NAME": list,
    "FOCAL_PLANE_TEMPERATURE": str,
    "IMAGE_TIME": str,
    "INSTRUMENT_HOST_NAME": str,
    "INSTRUMENT_ID": str,
    "INSTRUMENT_NAME": str,
    "INTERFRAME_DELAY": str,
    "JNO:TDI_STAGES_COUNT": int,
    "LINES": int,
    "LINE_PREFIX_BYTES": int,
    "LINE_SAMPLES": int,
    "LINE_SUFFIX_BYTES": int,
    "MISSION_PHASE_NAME": str,
    "ORBIT_NUMBER": int,
    "PJ": str,
    "PROCESSING_LEVEL_ID": int,
    "PRODUCER_ID": str,
    "PRODUCT_CREATION_TIME": str,
    "PRODUCT_ID": str,
    "PRODUCT_VERSION_ID": int,
    "RATIONALE_DESC": str,
    "RECORD_BYTES": int,
    "SAMPLE_BITS": int,
    "SAMPLE_BIT_MASK": str,
    "SAMPLE_BIT_MODE_ID": str,
    "SAMPLE_TYPE": str,
    "SAMPLING_FACTOR": int,
    "SEQUENCE_ID": str,
    "SOFTWARE_NAME": str,
    "SOLAR_DISTANCE": str,
    "SOURCE_PRODUCT_ID": str,
    "SPACECRAFT_ALTITUDE": str,
    "SPACECRAFT_CLOCK_START_COUNT": str,
    "SPACECRAFT_CLOCK_STOP_COUNT": str,
    "SPACECRAFT_NAME": str,
    "STANDARD_DATA_PRODUCT_ID": str,
    "START_TIME": str,
    "STOP_TIME": str,
    "SUB_SPACECRAFT_LATITUDE": str,
    "SUB_SPACECRAFT_LONGITUDE": str,
    "TARGET_NAME": str,
    "TITLE": str,
    "TOKEN_ID": list,
}
METADATA_KEYS: tuple[str, ...] = tuple(METADATA_TYPES)

# Regular expressions every value of that key matches (same units, same number of decimals).
_UTC_MS = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}"
METADATA_PATTERNS: dict[str, str] = {
    "EXPOSURE_DURATION": r"-?\d+\.\d{6} <ms>",
    "INTERFRAME_DELAY": r"-?\d+\.\d{3} <s>",
    "FOCAL_PLANE_TEMPERATURE": r"-?\d+\.\d <K>",
    "SOLAR_DISTANCE": r"\d\.\d{4}e[+-]\d{2} <km>",
    "SPACECRAFT_ALTITUDE": r"-?\d+\.\d <km>",
    "SUB_SPACECRAFT_LATITUDE": r"-?\d+\.\d{4}",
    "SUB_SPACECRAFT_LONGITUDE": r"-?\d+\.\d{4}",
    "START_TIME": _UTC_MS,
    "STOP_TIME": _UTC_MS,
    "IMAGE_TIME": _UTC_MS,
    "PRODUCT_CREATION_TIME": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}",
    "SPACECRAFT_CLOCK_START_COUNT": r"\d+:\d+",
    "PRODUCT_ID": r"JNC[ER]_\d{7}_\d{2}[A-Z]\d{5}_V\d{2}",
    "SAMPLE_BIT_MASK": r"2#1{8}#",
}


# PRODUCT_ID: ``JNCx_yyyyddd_ppLnnnnn_Vvv``. JNCE = EDR (raw), JNCR = RDR (the PDS data sets
# JUNO-J-JUNOCAM-2-EDR-L0-V1.0 / -3-RDR-L1A-V1.0); yyyyddd the year and day of year of START_TIME; pp the
# orbit (perijove) number; L one upper-case letter; nnnnn the image's number; vv the version. The letter is not
# a constant: C in the PJ27 colour products (../shared/reference/products), M in the PJ1 METHANE image
# JNCE_2016240_01M06152_V01 (DOI-USGS/ale test data), R in the PJ3 ring image JNCE_2016346_03R00112_V02
# (BrianSwift/JunoCam README). The SIS (Caplinger, "JunoCam Standard Data Products" v1.3, section 4.2, the
# PICNO) defines it; its text was not available here, so any upper-case letter is accepted and kept as is.
PRODUCT_ID_RE = re.compile(r"^JNC([ER])_(\d{4})(\d{3})_(\d{2})([A-Z])(\d{5})_V(\d{2})$")
PRODUCT_ID_FORM = "JNCE_yyyyddd_ppLnnnnn_Vvv (L one upper-case letter, e.g. C or M)"
DEFAULT_PRODUCT_LETTER = "C"   # our own images: the letter of the colour products in ../shared (see above)


# Number formats of the valued keywords: Python format spec and the unit in angle brackets (or none).
VALUE_FORMATS: dict[str, tuple[str, str | None]] = {
    "EXPOSURE_DURATION": (".6f", "ms"),
    "INTERFRAME_DELAY": (".3f", "s"),
    "FOCAL_PLANE_TEMPERATURE": (".1f", "K"),
    "SOLAR_DISTANCE": (".4e", "km"),
    "SPACECRAFT_ALTITUDE": (".1f", "km"),
    "SUB_SPACECRAFT_LATITUDE": (".4f", None),
    "SUB_SPACECRAFT_LONGITUDE": (".4f", None),
}


def format_value(key: str, value: float) -> str:
    """The mission's string for a valued keyword, e.g. ``format_value("INTERFRAME_DELAY", 0.371)`` ->
    ``"0.371 <s>"``; the value is already in the keyword's unit (ms for EXPOSURE_DURATION)."""
    spec, unit = VALUE_FORMATS[key]
    text = format(float(value), spec)
    return f"{text} <{unit}>" if unit else text


_VALUE_WITH_UNIT = re.compile(r"^\s*(-?[0-9.]+(?:[eE][+-]?\d+)?)\s*<\s*([A-Za-z]+)\s*>\s*$")


def parse_value_with_unit(key: str, text, unit: str) -> float:
    """The number in a ``"<number> <unit>"`` string; raise ``ProductError`` naming the key otherwise.

    Parameters
    ----------
    key : the keyword (for the message).
    text : the value, e.g. ``"0.371 <s>"`` (a bare number is accepted as already in ``unit``).
    unit : the expected unit, e.g. ``"s"``.
    """
    from simulator.errors import ProductError

    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    match = _VALUE_WITH_UNIT.match(str(text))
    if match is None or match.group(2).lower() != unit.lower():
        raise ProductError(f"{key} is {text!r}; expected a number with unit <{unit}>, e.g. '0.371 <{unit}>'")
    return float(match.group(1))


# Fixed values of every JunoCam EDR (facts.md "Products"; the example Metadata JSON).
DATA_SET_ID = "JUNO-J-JUNOCAM-2-EDR-L0-V1.0"
INSTRUMENT_HOST_NAME = "JUNO"
SPACECRAFT_NAME = "JUNO"
INSTRUMENT_ID = "JNC"
INSTRUMENT_NAME = "JUNO EPO CAMERA"
STANDARD_DATA_PRODUCT_ID = "JUNOCAM-EDR"
TARGET_NAME = "JUPITER"
PROCESSING_LEVEL_ID = 2
SAMPLE_BITS = 8
SAMPLE_BIT_MASK = "2#11111111#"
SAMPLE_TYPE = "UNSIGNED_INTEGER"
SPACECRAFT_CLOCK_STOP_COUNT = "N/A"
# Our own identity: products say honestly that they are synthetic (not mission values).
PRODUCER_ID = "JUNOCAM_SIM"

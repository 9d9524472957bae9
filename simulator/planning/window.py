"""The planning window: ``-3h,+3h`` relative to the scenario's perijove, or an absolute UTC pair."""

from __future__ import annotations

import re
from typing import Callable

from simulator.planning.errors import PlanningError

_UNITS_S = {"d": 86_400.0, "h": 3_600.0, "m": 60.0, "min": 60.0, "s": 1.0}
_OFFSET = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*(d|h|min|m|s)\s*$", re.IGNORECASE)


def parse_offset_s(text: str) -> float | None:
    """``-3h`` / ``+90m`` / ``45s`` / ``1d`` -> seconds, or None when ``text`` is not an offset."""
    m = _OFFSET.match(text)
    return None if m is None else float(m.group(1)) * _UNITS_S[m.group(2).lower()]


def parse_window(text: str, perijove_et: float, utc_to_et: Callable[[str], float]) -> tuple[float, float]:
    """Window ``START,STOP`` -> (et0, et1): offsets from perijove (``-3h,+3h``) or two UTC times.

    Raises
    ------
    PlanningError
        When the text is not two comma-separated offsets or times, or the window is empty.
    """
    parts = [p.strip() for p in str(text).split(",")]
    if len(parts) != 2 or not all(parts):
        raise PlanningError(f"window {text!r} is not START,STOP; expected offsets from perijove such as "
                            "-3h,+3h (units d, h, m, s) or two UTC times such as 2017-12-16T16:00,2017-12-16T19:00")
    offsets = [parse_offset_s(p) for p in parts]
    if all(o is not None for o in offsets):
        et0, et1 = perijove_et + offsets[0], perijove_et + offsets[1]
    elif any(o is not None for o in offsets):
        raise PlanningError(f"window {text!r} mixes an offset and a time; give two offsets or two UTC times")
    else:
        et0, et1 = utc_to_et(parts[0]), utc_to_et(parts[1])
    if not et1 > et0:
        raise PlanningError(f"window {text!r} ends before it starts; expected START before STOP")
    return float(et0), float(et1)

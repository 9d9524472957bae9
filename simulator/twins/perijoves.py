"""Juno's perijove times from a published table (``data/juno_perijoves.csv``, source in its header).

The orbit period of perijove ``n`` is taken as the mean of the two intervals around it (the in- and
outbound legs of an image near perijove belong to orbits of nearly the same period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from importlib import resources

from simulator.errors import ProductError

TABLE_FILE = "juno_perijoves.csv"
# An image belongs to the perijove it was taken around: farther than this from its table entry, the
# ORBIT_NUMBER is not trusted and the nearest perijove is used (Juno images within hours of perijove).
MAX_IMAGE_OFFSET_DAYS = 10.0


@dataclass(frozen=True)
class Perijove:
    """One row of the table: ``number`` (PJ), ``utc`` (ISO string as published), ``period_days``."""

    number: int
    utc: str
    period_days: float


def _parse(utc: str) -> datetime:
    return datetime.fromisoformat(utc)


@lru_cache(maxsize=1)
def perijove_table() -> tuple[tuple[int, str], ...]:
    """((pj, utc), ...) in time order, read from the packaged CSV."""
    text = resources.files("simulator.twins").joinpath("data", TABLE_FILE).read_text()
    rows = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("pj,"):
            continue
        number, utc = line.split(",")
        rows.append((int(number), utc.strip()))
    return tuple(rows)


def _period_days(index: int) -> float:
    rows = perijove_table()
    gaps = []
    for a, b in ((index - 1, index), (index, index + 1)):
        if 0 <= a and b < len(rows) and a >= 1:          # the capture orbit (PJ0 -> PJ1) counts too
            gaps.append((_parse(rows[b][1]) - _parse(rows[a][1])).total_seconds() / 86400.0)
    if not gaps:
        gaps = [(_parse(rows[1][1]) - _parse(rows[0][1])).total_seconds() / 86400.0]
    return sum(gaps) / len(gaps)


def perijove_for(start_utc: str, orbit_number: int | None = None) -> tuple[Perijove, str]:
    """The perijove an image taken at ``start_utc`` belongs to, and how it was chosen (one sentence).

    ``orbit_number`` (ORBIT_NUMBER / PJ) is used when the table has it within
    :data:`MAX_IMAGE_OFFSET_DAYS` of the image; otherwise the nearest perijove in time.
    """
    rows = perijove_table()
    start = _parse(str(start_utc).rstrip("Z"))
    first, last = _parse(rows[0][1]), _parse(rows[-1][1])
    if not (first - _days(MAX_IMAGE_OFFSET_DAYS) <= start <= last + _days(MAX_IMAGE_OFFSET_DAYS)):
        raise ProductError(f"START_TIME {start_utc!r} is outside the perijove table ({rows[0][1]} .. "
                           f"{rows[-1][1]}); give the orbit in a scenario instead")
    index = {n: i for i, (n, _) in enumerate(rows)}
    how = ""
    if orbit_number is not None and orbit_number in index:
        i = index[orbit_number]
        if abs((start - _parse(rows[i][1])).total_seconds()) <= MAX_IMAGE_OFFSET_DAYS * 86400.0:
            return Perijove(orbit_number, rows[i][1], _period_days(i)), f"PJ{orbit_number} from ORBIT_NUMBER"
        how = f"ORBIT_NUMBER {orbit_number} is not within {MAX_IMAGE_OFFSET_DAYS:g} days of START_TIME; "
    i = min(range(len(rows)), key=lambda k: abs((start - _parse(rows[k][1])).total_seconds()))
    return Perijove(rows[i][0], rows[i][1], _period_days(i)), how + f"PJ{rows[i][0]}, the nearest perijove"


def _days(n: float):
    from datetime import timedelta

    return timedelta(days=n)

"""Mission time of a scenario: which perijove it is, and the camera's state then (``[mission]`` table).

The state comes from ``instrument_models.junocam.aging`` (anchors and sources there). The perijove is, in
order: ``[mission] perijove``; the perijove before ``[mission] date`` (:func:`perijove_at`); the scenario's
``imaging.orbit_number``. ``[mission] enabled = false`` keeps the camera as its defaults describe it
(no state applied). Each factor can be overridden in the table.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

from instrument_models.errors import InstrumentError
from instrument_models.junocam.aging import CameraState, camera_state
from simulator.errors import ScenarioError

# (perijove, UTC date) anchors of Juno's perijove calendar, interpolated linearly in between and extrapolated
# with the 33-day period after the last (sources: facts.md 'Juno's orbit' for PJ1; the mission's PJ27
# product JNCE_2020154_27C00047 dated 2020-06-02 in ../shared/reference/products; the Ganymede (2021-06-07),
# Europa (2022-09-29) and Io (2023-12-30, 2024-02-03) flybys that began PJ34, PJ45, PJ57 and PJ58, after which
# the period is 33 days (NASA/JPL mission news, as summarised in the JunoCam encyclopaedia article)).
PERIJOVE_CALENDAR: tuple[tuple[int, str], ...] = (
    (1, "2016-08-27"), (27, "2020-06-02"), (34, "2021-06-08"), (45, "2022-09-29"), (57, "2023-12-30"),
    (58, "2024-02-03"),
)
LATE_PERIOD_DAYS = 33.0


def perijove_at(date_utc: str) -> int:
    """The number of the last perijove at or before ``date_utc`` (ISO date or date-time, UTC); 0 before PJ1."""
    try:
        when = _dt.datetime.fromisoformat(str(date_utc).replace("Z", ""))
    except ValueError:
        raise ScenarioError(f"mission date {date_utc!r} is not an ISO-8601 UTC date (e.g. 2021-02-21)") from None
    days = lambda d: (_dt.datetime.fromisoformat(d) - _dt.datetime(2016, 8, 27)).days  # noqa: E731
    pj = np.array([p for p, _ in PERIJOVE_CALENDAR], dtype=float)
    t = np.array([days(d) for _, d in PERIJOVE_CALENDAR], dtype=float)
    x = (when - _dt.datetime(2016, 8, 27)).total_seconds() / 86400.0
    if x < t[0]:
        return 0
    if x + 1.0 > t[-1]:
        return int(pj[-1] + np.floor((x + 1.0 - t[-1]) / LATE_PERIOD_DAYS))
    # Anchors are whole days without a time of day: a date within a day of a perijove counts as after it.
    return int(np.floor(np.interp(x + 1.0, t, pj)))


def scenario_perijove(scenario) -> float:
    """The perijove a scenario's camera is at (see the module docstring)."""
    m = scenario.mission
    if m.perijove is not None:
        return float(m.perijove)
    if m.date is not None:
        return float(perijove_at(m.date))
    return float(scenario.imaging.orbit_number)


def scenario_camera_state(scenario) -> CameraState | None:
    """The camera state of a scenario's ``[mission]`` table, or None when ``enabled = false``."""
    m = scenario.mission
    if not m.enabled:
        return None
    try:
        return camera_state(scenario_perijove(scenario), response=m.response, stray_light_iof=m.stray_light_iof,
                            dark_scale=m.dark_scale, read_noise_scale=m.read_noise_scale,
                            hot_pixel_scale=m.hot_pixel_scale)
    except InstrumentError as exc:
        raise ScenarioError(f"scenario table [mission]: {exc}") from None

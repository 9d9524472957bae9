"""JunoCam's share of the downlink, the onboard buffer, and the time until a data volume is home.

Sources (facts.md "Juno's orbit and downlink"): the first perijove returned 6 megabytes of imagery in a
day and a half; "about 325 bit/s average for JunoCam's share [S]: 6 MB at ~370 bit/s is 1.5 days".

Units: a "MB" in this project is the decimal megabyte, 10**6 bytes (:data:`BYTES_PER_MB`), as NASA's
news release uses it. 6 MB = 4.8e7 bit; at the default 370 bit/s that takes 129,730 s = 1.50 days.
(At the secondary source's 325 bit/s it would take 1.71 days, outside the issue's 1.5 days +-10%, so
the default is the rate that reproduces the primary fact.)

Two ways to describe the link:

- :class:`DownlinkParams` with a continuous average rate (``rate_bps``);
- :class:`PassSchedule`: ``hours_per_day`` of contact at ``pass_rate_bps``, one pass per day starting
  ``first_pass_start_s`` after the data are ready; the volume leaves only during passes.

:func:`downlink_time_s` answers "how long until this volume is home" for either; :func:`buffer_timeline`
tracks the onboard buffer when images are added over time and drained by the link.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from instrument_models.errors import InstrumentError

BYTES_PER_MB = 1_000_000  # decimal megabyte (see module doc)
BITS_PER_BYTE = 8
SECONDS_PER_DAY = 86_400.0
SECONDS_PER_HOUR = 3_600.0


def _positive(name: str, value, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InstrumentError(f"{name} = {value!r} is not a number") from None
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        expected = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise InstrumentError(f"{name} = {value!r} is not {expected}")
    return v


@dataclass(frozen=True)
class DownlinkParams:
    """JunoCam's downlink allocation and onboard storage.

    Attributes
    ----------
    rate_bps : float
        Average downlink rate allotted to JunoCam, bit/s. Default 370 bit/s: facts.md "Juno's orbit
        and downlink" (6 MB in 1.5 days at ~370 bit/s; ~325 bit/s average quoted by a secondary source).
    buffer_bytes : int
        Onboard storage available to JunoCam images, bytes. **Assumption**: no number is published
        (facts.md "NOT FOUND ... onboard buffer size"); 100 MB is chosen as a planning figure, a few
        perijoves' worth of compressed imagery. Configure it for studies.
    framelet_overhead_bytes : int
        Bytes added to every framelet (fragment) for its header and packetisation. **Assumption**:
        64 bytes (time tag, filter, compression parameters, packet headers); not published. For the
        ``"INTEGER COSINE TRANSFORM"`` mode this also stands in for the JPEG headers, which
        ``compression.compress`` does not count (see that module's doc).
    """

    rate_bps: float = 370.0
    buffer_bytes: int = 100 * BYTES_PER_MB
    framelet_overhead_bytes: int = 64

    def __post_init__(self):
        _positive("rate_bps", self.rate_bps)
        _positive("buffer_bytes", self.buffer_bytes)
        _positive("framelet_overhead_bytes", self.framelet_overhead_bytes, allow_zero=True)

    @property
    def average_rate_bps(self) -> float:
        """Long-run average rate, bit/s (the same as ``rate_bps``)."""
        return float(self.rate_bps)


@dataclass(frozen=True)
class PassSchedule:
    """A daily ground-station pass: ``hours_per_day`` of contact at ``pass_rate_bps``.

    Attributes
    ----------
    hours_per_day : float
        Contact hours in every 24 h day, 0 < h <= 24.
    pass_rate_bps : float
        JunoCam's rate during a pass, bit/s.
    first_pass_start_s : float
        Seconds from "data ready" to the start of the first pass (default 0: a pass starts at once).
    """

    hours_per_day: float
    pass_rate_bps: float
    first_pass_start_s: float = 0.0

    def __post_init__(self):
        hours = _positive("hours_per_day", self.hours_per_day)
        if hours > 24:
            raise InstrumentError(f"hours_per_day = {self.hours_per_day!r} is more than 24")
        _positive("pass_rate_bps", self.pass_rate_bps)
        _positive("first_pass_start_s", self.first_pass_start_s, allow_zero=True)

    @property
    def average_rate_bps(self) -> float:
        """Long-run average rate, bit/s: pass rate x fraction of the day in contact."""
        return float(self.pass_rate_bps) * float(self.hours_per_day) / 24.0

    @property
    def pass_seconds(self) -> float:
        return float(self.hours_per_day) * SECONDS_PER_HOUR

    def rate_at(self, t_s) -> np.ndarray:
        """Link rate (bit/s) at times ``t_s`` (s after data ready), array of the same shape."""
        t = np.asarray(t_s, dtype=float) - float(self.first_pass_start_s)
        in_pass = (t >= 0) & (np.mod(t, SECONDS_PER_DAY) < self.pass_seconds)
        return np.where(in_pass, float(self.pass_rate_bps), 0.0)


def mb_to_bytes(volume_mb) -> float:
    """Decimal megabytes -> bytes."""
    return float(volume_mb) * BYTES_PER_MB


def downlink_time_s(volume_bytes, link: DownlinkParams | PassSchedule | None = None) -> float:
    """Seconds until ``volume_bytes`` is on the ground, sent from time 0 with nothing ahead of it.

    For :class:`DownlinkParams` it is ``8 * volume / rate``. For a :class:`PassSchedule` the volume
    drains only during passes: full passes, then the remainder at the pass rate, counted from
    ``first_pass_start_s``.
    """
    volume = _positive("volume_bytes", volume_bytes, allow_zero=True)
    link = DownlinkParams() if link is None else link
    bits = volume * BITS_PER_BYTE
    if isinstance(link, DownlinkParams):
        return bits / float(link.rate_bps)
    if not isinstance(link, PassSchedule):
        raise InstrumentError(f"link {link!r} is not a DownlinkParams or PassSchedule")
    if bits == 0:
        return 0.0
    bits_per_pass = float(link.pass_rate_bps) * link.pass_seconds
    full_passes = np.ceil(bits / bits_per_pass) - 1
    remainder = bits - full_passes * bits_per_pass
    return float(link.first_pass_start_s + full_passes * SECONDS_PER_DAY + remainder / link.pass_rate_bps)


@dataclass(frozen=True)
class BufferTimeline:
    """The onboard buffer sampled on a time grid (all arrays ``(N,)``).

    Attributes
    ----------
    time_s : seconds from the timeline's origin.
    added_bytes : cumulative bytes put into the buffer by then.
    downlinked_bytes : cumulative bytes on the ground by then.
    fill_bytes : bytes waiting onboard (``added - downlinked``).
    overflow : True where ``fill_bytes`` exceeds the buffer size.
    all_home_s : first grid time at which everything added is on the ground (NaN if never in the grid).
    """

    time_s: np.ndarray
    added_bytes: np.ndarray
    downlinked_bytes: np.ndarray
    fill_bytes: np.ndarray
    overflow: np.ndarray
    all_home_s: float

    @property
    def peak_fill_bytes(self) -> float:
        return float(self.fill_bytes.max()) if self.fill_bytes.size else 0.0


def buffer_timeline(add_times_s, add_bytes, link: DownlinkParams | PassSchedule | None = None,
                    end_s: float | None = None, step_s: float = 60.0,
                    buffer_bytes: float | None = None) -> BufferTimeline:
    """Simulate the buffer: volumes added at given times, drained by the link whenever it holds data.

    Parameters
    ----------
    add_times_s : (M,) array
        When each image's volume enters the buffer, s (any origin; the grid starts at 0).
    add_bytes : (M,) array
        Each image's volume, bytes.
    link : DownlinkParams or PassSchedule
        Default ``DownlinkParams()``. The schedule's passes are counted from time 0.
    end_s : float
        Last grid time; default: the last addition plus the time to send everything.
    step_s : float
        Grid step, s. Volumes and drains are booked per step (Lindley recursion, vectorised).
    buffer_bytes : float
        Buffer size for the overflow flag; default ``link.buffer_bytes`` or ``DownlinkParams()``'s.
    """
    link = DownlinkParams() if link is None else link
    times = np.atleast_1d(np.asarray(add_times_s, dtype=float))
    volumes = np.atleast_1d(np.asarray(add_bytes, dtype=float))
    if times.shape != volumes.shape:
        raise InstrumentError(f"add_times_s {times.shape} and add_bytes {volumes.shape} differ in shape")
    if np.any(~np.isfinite(times)) or np.any(times < 0) or np.any(~np.isfinite(volumes)) or np.any(volumes < 0):
        raise InstrumentError("add_times_s and add_bytes must be finite and >= 0")
    step = _positive("step_s", step_s)
    if end_s is None:
        last = float(times.max()) if times.size else 0.0
        end_s = last + 1.05 * downlink_time_s(volumes.sum(), link) + 2 * SECONDS_PER_DAY
    n = int(np.ceil(_positive("end_s", end_s, allow_zero=True) / step)) + 1
    grid = np.arange(n) * step
    arrivals = np.zeros(n)
    np.add.at(arrivals, np.minimum(np.ceil(times / step).astype(int), n - 1), volumes)
    if isinstance(link, PassSchedule):
        capacity = link.rate_at(grid[:-1] + 0.5 * step) * step / BITS_PER_BYTE
    else:
        capacity = np.full(n - 1, float(link.rate_bps) * step / BITS_PER_BYTE)
    capacity = np.concatenate([[0.0], capacity])
    # Lindley: fill_n = max(0, fill_{n-1} + a_n - c_n)  ==  S_n - min(0, min_k S_k), S = cumsum(a - c)
    walk = np.cumsum(arrivals - capacity)
    fill = walk - np.minimum(0.0, np.minimum.accumulate(walk))
    added = np.cumsum(arrivals)
    downlinked = added - fill
    if buffer_bytes is None:
        buffer_bytes = getattr(link, "buffer_bytes", DownlinkParams().buffer_bytes)
    size = float(buffer_bytes)
    done = np.flatnonzero((fill <= 1e-9 * max(added[-1], 1.0)) & (grid >= (times.max() if times.size else 0.0)))
    return BufferTimeline(time_s=grid, added_bytes=added, downlinked_bytes=downlinked, fill_bytes=fill,
                          overflow=fill > size, all_home_s=float(grid[done[0]]) if done.size else float("nan"))

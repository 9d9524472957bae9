"""Sequence budgeting: the planned images against the onboard buffer and the downlink until next perijove.

The volume a pass may produce is the smallest of: the user's budget (``--budget-mb``), the onboard buffer
(images are taken within hours, the downlink drains it over days) and what the downlink can return
before the next perijove (rate x orbit period). While the sequence exceeds it, the least valuable image
(the coarsest target pixel scale) is degraded one step along a ladder: lossy compression at falling
quality, then 2x2 summing, then dropped. Every step is recorded in the image's reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from instrument_models.junocam.downlink import (BYTES_PER_MB, BufferTimeline, DownlinkParams, buffer_timeline,
                                                downlink_time_s)
from simulator.planning.proposal import ImagePlan

LOSSY = "INTEGER COSINE TRANSFORM"
# Qualities the ladder steps down through (assumption: coarser than 40 the 8x8 blocks dominate).
LADDER_QUALITIES = (85, 70, 55, 40)


@dataclass(frozen=True)
class BudgetLimits:
    """What the sequence must fit.

    Attributes
    ----------
    link : the downlink (rate, buffer size, per-framelet overhead) (`instrument_models.junocam.downlink`).
    orbit_period_s : time until the next perijove (s), from the scenario.
    budget_bytes : the user's cap on the pass's volume (None = no cap beyond buffer and downlink).
    """

    link: DownlinkParams
    orbit_period_s: float
    budget_bytes: float | None = None

    @property
    def downlink_capacity_bytes(self) -> float:
        """Bytes the link returns in one orbit period."""
        return self.link.rate_bps * self.orbit_period_s / 8.0

    def limit(self) -> tuple[float, str]:
        """The binding volume limit (bytes) and its name."""
        options = [(float(self.link.buffer_bytes), "onboard buffer"),
                   (self.downlink_capacity_bytes, "downlink until the next perijove")]
        if self.budget_bytes is not None:
            options.append((float(self.budget_bytes), "--budget-mb"))
        return min(options)


def next_step(plan: ImagePlan) -> tuple[dict, str] | None:
    """The next degradation of ``plan`` as (field changes, description), or None when only dropping is left."""
    if plan.compression != LOSSY:
        return ({"compression": LOSSY, "quality": LADDER_QUALITIES[0]},
                f"compression {plan.compression} -> {LOSSY} quality {LADDER_QUALITIES[0]}")
    lower = [q for q in LADDER_QUALITIES if q < plan.quality]
    if lower:
        return {"quality": lower[0]}, f"quality {plan.quality} -> {lower[0]}"
    if plan.summing == 1:
        return {"summing": 2}, "summing 1 -> 2"
    return None


def _mb(n: float) -> str:
    return f"{n / BYTES_PER_MB:.2f} MB"


def fit_sequence(plans: list[ImagePlan], limits: BudgetLimits,
                 estimate_bytes: Callable[[ImagePlan], int],
                 apply_change: Callable[[ImagePlan, dict], None]) -> tuple[list[ImagePlan], list[ImagePlan]]:
    """Degrade or drop images until the kept ones fit; returns ``(kept, dropped)`` in time order.

    ``estimate_bytes(plan)`` gives an image's expected volume; ``apply_change(plan, changes)`` applies a
    ladder step (and updates everything that depends on it, e.g. the pixel scales for summing).
    """
    limit, name = limits.limit()
    kept = sorted(plans, key=lambda p: p.crossing_et)
    for p in kept:
        p.volume_bytes = int(estimate_bytes(p))
    dropped: list[ImagePlan] = []
    while kept and sum(p.volume_bytes for p in kept) > limit:
        total = sum(p.volume_bytes for p in kept)
        why = f"sequence {_mb(total)} exceeds the {name} ({_mb(limit)})"
        # Least valuable first: the coarsest target scale, then the later image.
        victim = max(kept, key=lambda p: (p.target_scale_km, p.crossing_et))
        step = next_step(victim)
        if step is None:
            victim.status = "dropped"
            victim.reasons.append(f"dropped: {why}")
            kept.remove(victim)
            dropped.append(victim)
            continue
        changes, text = step
        before = victim.volume_bytes
        apply_change(victim, changes)
        victim.volume_bytes = int(estimate_bytes(victim))
        victim.status = "degraded"
        victim.reasons.append(f"{text} ({_mb(before)} -> {_mb(victim.volume_bytes)}): {why}")
    return kept, sorted(dropped, key=lambda p: p.crossing_et)


def sequence_timeline(kept: list[ImagePlan], limits: BudgetLimits, origin_et: float) -> BufferTimeline:
    """The buffer fill from ``origin_et`` (s ET) until the next perijove, images entering at their ends."""
    if kept:
        ends = np.array([p.start_et + p.frames * p.interframe_delay_s for p in kept]) - origin_et
        volumes = np.array([p.volume_bytes for p in kept], dtype=float)
    else:
        ends, volumes = np.zeros(0), np.zeros(0)
    horizon = max(limits.orbit_period_s, float(ends.max()) if ends.size else 0.0)
    step = max(60.0, horizon / 4000.0)
    return buffer_timeline(np.clip(ends, 0.0, None), volumes, limits.link, end_s=horizon, step_s=step)


def home_time_s(kept: list[ImagePlan], limits: BudgetLimits) -> float:
    """Seconds the link needs to return every kept image (from the end of the pass)."""
    return downlink_time_s(float(sum(p.volume_bytes for p in kept)), limits.link)

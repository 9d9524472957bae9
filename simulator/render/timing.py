"""True exposure times of a framelet and the time quadrature over its TDI stages.

The true exposure start of frame ``n`` (from 0) is

    ET(START_TIME) + START_TIME_BIAS + jitter + n (INTERFRAME_DELAY + delay error + INTERFRAME_DELTA)

(facts.md "Timing"; ``jitter`` and ``delay error`` are the injected errors). All filters of a frame are one
CCD exposure, so they share the start. With ``N`` TDI stages the exposure is ``N x 3.2 ms`` and stage ``k``
(0-based) lasts ``[start + k T, start + (k + 1) T]`` with ``T = 3.2 ms`` (``cam.timing.tdi_line_period_s``).

Quadrature over stages. During stage ``k`` the charge packet that ends in framelet row ``j`` sits under
row ``j - (N - 1 - k) d`` (``d`` = +-1, the direction of image motion). The packet follows the scene except
for the slow drift ``(1 - v)`` rows per stage (``v`` = image motion in rows per stage), so the light it
collects changes smoothly from stage to stage. When ``N <= max_nodes`` every stage is a node; otherwise the
stages are split into ``B = max_nodes`` blocks of whole stages (sizes differing by at most one, laid out
symmetrically so that with odd ``B`` the middle block is centred on mid-exposure), each represented by its
mean stage, weight ``size / N``. A node's geometry is sampled once, at the middle of its block's time.

Where the scene is smooth at the pixel scale the node's centre value stands for the whole block (the
motion inside a stage, ~1 px, and the block's drift, ``size |1 - v|`` px, change a smooth scene only at
second order). Where it is not (limb, body edges) ``sampling.py`` integrates every pixel over its area and
over every stage of the block: for each stage, ``n x n`` stratified sub-samples, sub-sample ``(a, b)`` at
sub-pixel offset ``((a + 1/2) / n - 1/2, (b + 1/2) / n - 1/2)`` and within-stage phase
``(a n + b + 1/2) / n^2``, so every sub-pixel row sees ``n`` evenly spaced times; its ray is the stage's
row rotated by the spin over its time offset from the node (``subsample_times``). The block rule is tested
against every stage as a node (``tests/test_render_physics.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StageNodes:
    """Quadrature nodes over the TDI stages of one framelet.

    Attributes
    ----------
    stage : (S,) mean stage index of each node's block (0 .. N-1, possibly half-integer).
    weight : (S,) weights ``size / N``, summing to 1.
    first : (S,) int, first stage of each block.
    size : (S,) int, stages in each block.
    tdi_stages : N.
    """

    stage: np.ndarray
    weight: np.ndarray
    first: np.ndarray
    size: np.ndarray
    tdi_stages: int

    @property
    def max_block(self) -> int:
        """Stages in the largest block."""
        return int(self.size.max())

    def row_offset(self, direction: int) -> np.ndarray:
        """(S,) row offset of the packet at each node relative to its final row: ``-(N - 1 - k) d``."""
        return -(self.tdi_stages - 1 - self.stage) * float(direction)

    def time_offset_s(self, line_period_s: float) -> np.ndarray:
        """(S,) node times after the exposure start (s): the middle of each block's time span."""
        return (self.stage + 0.5) * line_period_s


def _block_sizes(n: int, b: int) -> np.ndarray:
    """``b`` whole-stage block sizes summing to ``n``, differing by at most one, symmetric about the middle."""
    sizes = np.full(b, n // b)
    extra = n % b
    order = []                                   # hand extras out from the middle outwards, in pairs
    mid = (b - 1) / 2.0
    for i in sorted(range(b), key=lambda k: (abs(k - mid), k)):
        order.append(i)
    if b % 2 == 1 and extra % 2 == 0:
        order = [i for i in order if i != b // 2] + [b // 2]   # keep the middle block's size symmetric
    sizes[order[:extra]] += 1
    return sizes


def stage_nodes(tdi_stages: int, max_nodes: int) -> StageNodes:
    """The stage quadrature for ``tdi_stages`` stages with at most ``max_nodes`` nodes (see module doc)."""
    n = int(tdi_stages)
    b = max(1, min(n, int(max_nodes)))
    size = _block_sizes(n, b)
    first = np.concatenate([[0], np.cumsum(size)[:-1]])
    stage = first + 0.5 * (size - 1)
    return StageNodes(stage=stage.astype(float), weight=size / n, first=first, size=size, tdi_stages=n)


def subsample_times(nodes: StageNodes, node_index: int, n: int):
    """Stage, time and sub-pixel offset of each stratified sub-sample of a node (see module doc).

    Returns
    -------
    stage : (size * n * n,) int, the stage each sub-sample belongs to.
    dt_stages : (size * n * n,) float, its time relative to the node's time, in stages (times T for s).
    du, dv : (size * n * n,) sub-pixel offsets from the pixel centre along samples and lines (px).
    """
    first, size = int(nodes.first[node_index]), int(nodes.size[node_index])
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    a, b = a.ravel(), b.ravel()
    phase = (a * n + b + 0.5) / (n * n)
    stages = np.repeat(np.arange(first, first + size), a.size)
    dt_stages = stages + np.tile(phase, size) - (float(nodes.stage[node_index]) + 0.5)
    du = np.tile((a + 0.5) / n - 0.5, size)
    dv = np.tile((b + 0.5) / n - 0.5, size)
    return stages, dt_stages, du, dv


def truth_stage(tdi_stages: int) -> float:
    """Continuous stage index of the truth convention: the packet's mean row, ``(N - 1) / 2``.

    For odd ``N`` this is the stage the packet occupies at mid-exposure (whose middle *is* mid-exposure);
    for even ``N`` mid-exposure falls between stages ``N/2 - 1`` and ``N/2`` and the mean row lies half-way
    between the two rows. With the scene moving ``v`` rows per stage the centroid of the scene area the
    packet integrated, seen at mid-exposure, is exactly this row for any ``v`` (linear motion).
    """
    return 0.5 * (int(tdi_stages) - 1)


def frame_start_et(cam, start_et: float, frame_index: int, interframe_delay_s: float,
                   start_time_jitter_s: float = 0.0, interframe_delay_error_s: float = 0.0) -> float:
    """True exposure start of a frame (ET, s) with the injected timing errors (see module doc)."""
    return float(cam.frame_start_et(start_et + start_time_jitter_s, int(frame_index),
                                    interframe_delay_s + interframe_delay_error_s))

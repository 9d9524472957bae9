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
stages are split into ``B = max_nodes`` equal blocks, each represented by its centre (a continuous stage
index, possibly half-integer), weight ``1 / B``. A node's geometry is sampled once, at its middle time.

Where the scene is smooth at the pixel scale the node's centre value stands for the whole block (the
motion inside a stage, ~1 px, and the block's drift, ``B |1 - v|`` px, change a smooth scene only at second
order). Where it is not (limb, body edges) ``sampling.py`` integrates every pixel over its area *and* over
the node's time span with stratified sub-samples: sub-sample ``(a, b)`` of ``n x n`` sits at stage
``k0 + floor(tau)`` with ``tau = (a n + b + 1/2) / n^2 * B``, so every sub-pixel row sees ``n`` evenly
spaced times; its ray is the node's ray rotated by the spin over ``tau`` (``subsample_times``). The stage
rule is tested against the brute-force stage-by-stage, finely time-sampled integral.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class StageNodes:
    """Quadrature nodes over the TDI stages of one framelet.

    Attributes
    ----------
    stage : (S,) continuous stage index of each node (0 .. N-1).
    weight : (S,) weights, summing to 1.
    block_stages : stages represented by each node (1 when every stage is a node).
    tdi_stages : N.
    """

    stage: np.ndarray
    weight: np.ndarray
    block_stages: float
    tdi_stages: int

    def row_offset(self, direction: int) -> np.ndarray:
        """(S,) row offset of the packet at each node relative to its final row: ``-(N - 1 - k) d``."""
        return -(self.tdi_stages - 1 - self.stage) * float(direction)

    def time_offset_s(self, line_period_s: float) -> np.ndarray:
        """(S,) node times after the exposure start (s): the middle of the (block of) stage(s)."""
        return (self.stage + 0.5) * line_period_s


def stage_nodes(tdi_stages: int, max_nodes: int) -> StageNodes:
    """The stage quadrature for ``tdi_stages`` stages with at most ``max_nodes`` nodes (see module doc)."""
    n = int(tdi_stages)
    b = max(1, min(n, int(max_nodes)))
    size = n / b
    stage = (np.arange(b) + 0.5) * size - 0.5
    return StageNodes(stage=stage, weight=np.full(b, 1.0 / b), block_stages=size, tdi_stages=n)


def subsample_times(nodes: StageNodes, node_index: int, n: int):
    """Stage and time of each of the ``n x n`` stratified sub-samples of a node (see module doc).

    Returns
    -------
    stage : (n*n,) int, the (integer) stage each sub-sample belongs to.
    dt_stages : (n*n,) float, its time relative to the node's time, in stages (multiply by T for s).
    du, dv : (n*n,) sub-pixel offsets from the pixel centre along samples and lines (px).
    """
    b_size = nodes.block_stages
    k_c = float(nodes.stage[node_index])
    k0 = k_c + 0.5 - 0.5 * b_size            # continuous start of the block, in stages
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    a, b = a.ravel(), b.ravel()
    tau = (a * n + b + 0.5) / (n * n) * b_size
    stage = np.floor(k0 + tau + 1e-9).astype(int)
    stage = np.clip(stage, int(np.floor(k0 + 1e-9)), int(np.ceil(k0 + b_size - 1e-9)) - 1)
    dt_stages = (k0 + tau) - (k_c + 0.5)
    du = (a + 0.5) / n - 0.5
    dv = (b + 0.5) / n - 0.5
    return stage, dt_stages, du, dv


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

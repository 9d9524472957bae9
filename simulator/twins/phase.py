"""The spin phase of a twin: Jupiter in the frames where the original had it.

A change of the scenario's ``spin.phase_deg`` by ``d`` turns the spacecraft (and JunoCam) by ``d`` about the
spin axis at every instant (``simulator.kernelset.attitude``: a rigid spin, no nutation by default). So one
kernel set, written with any phase, predicts the view for every phase: the camera-to-J2000 rotations of
its :class:`~simulator.geometry.GeometrySample` are turned about the spin axis instead of rewriting kernels.

* :func:`centring_turn` - without the original's pixels: the turn that puts Jupiter's centre on the middle
  of the image's sweep (the camera's +Z at the middle frame's mid-exposure time).
* :func:`limb_turn` - with the original's raw image: the turn that best aligns the lit-planet edges (limb
  and terminator rows) found in the original's framelets with the predicted ones (median line offset,
  converted with the measured lines-per-degree slope, iterated until it moves less than 0.05 px).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from simulator.errors import ProductError
from simulator.geometry import Geometry, GeometrySample

EDGE_COLUMNS = np.arange(23.5 + 8.0, 1630.5, 48.0)   # photoactive columns 23..1630 (facts.md), every 48th
LIT_FRACTION_OF_P99 = 0.15   # assumption: a raw pixel is "lit planet" above 15 % of the image's 99th percentile
SCAN_STEP_DEG = 3.0          # coarse search over the whole turn: step (deg), ~1/2 of a framelet's 4.9 deg
SCAN_LINES = np.arange(4.0, 128.0, 8.0)   # framelet lines sampled by the coarse search
PROBE_TURN_DEG = 0.2         # finite-difference step of the lines-per-degree slope
CONVERGED_PX = 0.05          # stop when a correction moves the edges less than this (lines)


def _rotation(axis: np.ndarray, angle_rad: float) -> np.ndarray:
    a = axis / np.linalg.norm(axis)
    k = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    return np.eye(3) + np.sin(angle_rad) * k + (1 - np.cos(angle_rad)) * (k @ k)


def spin_axes(geo: Geometry, ets: np.ndarray) -> np.ndarray:
    """(N,3) the spacecraft +Z (spin axis) in J2000 at ``ets``."""
    import spiceypy

    from simulator.spice import spice_errors

    with geo.pool:
        out = []
        for et in np.atleast_1d(ets):
            with spice_errors("the spacecraft's spin axis", float(et)):
                out.append(np.asarray(spiceypy.pxform("JUNO_SPACECRAFT", "J2000", float(et)))[:, 2])
    return np.array(out)


def turned(s: GeometrySample, axes: np.ndarray, turn_deg: float) -> GeometrySample:
    """``s`` with the camera turned by ``turn_deg`` about the spin axes (right-handed, as ``phase_deg``)."""
    mats = np.array([_rotation(a, np.radians(turn_deg)) @ c for a, c in zip(axes, s.cam_to_j2000)])
    return replace(s, cam_to_j2000=mats)


def centring_turn(geo: Geometry, mid_et: float) -> float:
    """Degrees to add to the phase so the camera's +Z lies in the plane of the spin axis and Jupiter's
    centre at ``mid_et`` (on Jupiter's side)."""
    s = geo.sample([mid_et])
    axis = spin_axes(geo, [mid_et])[0]
    axis /= np.linalg.norm(axis)
    bore = s.cam_to_j2000[0][:, 2]
    jup = -s.obs_j2000[0]
    b = bore - (bore @ axis) * axis
    j = jup - (jup @ axis) * axis
    return float(np.degrees(np.arctan2(axis @ np.cross(b, j), b @ j)))


@dataclass(frozen=True)
class EdgeSet:
    """Lit-planet edges: per (frame, filter, column) the line where a framelet column changes between sky
    and lit planet (``first`` = top edge, ``last`` = bottom edge; NaN where the column has no edge)."""

    first: np.ndarray   # (frames, filters, columns) lines (unsummed, continuous)
    last: np.ndarray


def _edges_of(lit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """lit: (..., lines, cols) bool -> first/last lit line (+0.5 centre) where the edge is inside."""
    lines = lit.shape[-2]
    any_lit = lit.any(axis=-2)
    first = np.where(any_lit, np.argmax(lit, axis=-2), -1).astype(float)
    last = np.where(any_lit, lines - 1 - np.argmax(lit[..., ::-1, :], axis=-2), -1).astype(float)
    first[(first <= 0) | ~any_lit] = np.nan            # edge at the framelet border: not an edge
    last[(last >= lines - 1) | ~any_lit] = np.nan
    return first, last


def image_lit(image: np.ndarray, layout, decompand, lines: np.ndarray | None = None) -> np.ndarray:
    """(frames, filters, lines, columns) bool: "lit planet" pixels of the original's raw image at
    :data:`EDGE_COLUMNS` (and the given unsummed framelet ``lines``, default all)."""
    fl = layout.framelet_lines
    cols = np.clip((EDGE_COLUMNS / layout.summing).astype(int), 0, layout.samples - 1)
    dn = decompand(np.asarray(image)[:, cols], layout.companding).astype(float)
    threshold = LIT_FRACTION_OF_P99 * max(np.percentile(dn, 99), 1.0)
    lit = (dn > threshold).reshape(layout.frames, len(layout.filters), fl, cols.size)
    if lines is not None:
        lit = lit[:, :, (np.asarray(lines) / layout.summing).astype(int)]
    return lit


def image_edges(image: np.ndarray, layout, decompand) -> EdgeSet:
    """Edges found in the original's raw image (8-bit PNG rows, framelets in time order)."""
    first, last = _edges_of(image_lit(image, layout, decompand))
    return EdgeSet(first * layout.summing, last * layout.summing)


def predicted_lit(geo: Geometry, cam, layout, samples: GeometrySample, axes: np.ndarray, turn_deg: float,
                  lines: np.ndarray | None = None) -> np.ndarray:
    """(frames, filters, lines, columns) bool: pixels the twin would show lit (hit and incidence < 90) with
    the camera turned by ``turn_deg``, at :data:`EDGE_COLUMNS` and unsummed framelet ``lines`` (default all)."""
    lines = np.arange(128) if lines is None else np.asarray(lines)
    ss, ll = np.meshgrid(EDGE_COLUMNS, lines + 0.5)
    lit = np.zeros((layout.frames, len(layout.filters), lines.size, EDGE_COLUMNS.size), bool)
    s = turned(samples, axes, turn_deg)
    for j, f in enumerate(layout.filters):
        rays = np.asarray(cam.pixel_to_ray(f, ss.ravel(), ll.ravel())).reshape(-1, 3)
        for k in range(layout.frames):
            hit = geo.intercept(rays, s, k)
            ok = hit.hit.copy()
            if ok.any():
                ill = geo.illumination(hit.points[ok], s, k, hit.obs_body[ok], hit.trgepc[ok])
                ok[ok] = ill["incidence"] < 90.0
            lit[k, j] = ok.reshape(lines.size, EDGE_COLUMNS.size)
    return lit


def predicted_edges(geo: Geometry, cam, layout, start_et: float, samples: GeometrySample,
                    axes: np.ndarray, turn_deg: float) -> EdgeSet:
    """Edges the twin would show with the camera turned by ``turn_deg`` (unsummed lines, as the image's)."""
    return EdgeSet(*_edges_of(predicted_lit(geo, cam, layout, samples, axes, turn_deg)))


def scan_turn(geo: Geometry, cam, layout, samples: GeometrySample, axes: np.ndarray,
              original_lit: np.ndarray) -> float:
    """Coarse search over a whole turn: the turn (deg) whose predicted lit pixels (at :data:`SCAN_LINES`)
    disagree least with the original's ``original_lit`` (same sampling)."""
    turns = np.arange(0.0, 360.0, SCAN_STEP_DEG)
    misfit = [np.count_nonzero(predicted_lit(geo, cam, layout, samples, axes, t, SCAN_LINES) != original_lit)
              for t in turns]
    return float(turns[int(np.argmin(misfit))])


def _offset(original: EdgeSet, predicted: EdgeSet) -> tuple[float, int]:
    d = np.concatenate([(original.first - predicted.first).ravel(), (original.last - predicted.last).ravel()])
    d = d[np.isfinite(d)]
    return (float(np.median(d)), int(d.size)) if d.size else (float("nan"), 0)


def limb_turn(geo: Geometry, cam, layout, start_et: float, original: EdgeSet, start_turn_deg: float,
              original_lit: np.ndarray | None = None, max_iterations: int = 6) -> tuple[float, float, int]:
    """The turn (deg) that aligns the predicted edges with the original's: a coarse search over the whole
    turn when ``original_lit`` (:func:`image_lit` at :data:`SCAN_LINES`) is given, else from
    ``start_turn_deg``, then Newton steps on the median edge offset.

    Returns ``(turn_deg, residual_lines, pairs)``: the median line offset left and the number of edge pairs
    it rests on. Raises :class:`ProductError` when the original shows no edge to fit.
    """
    mids = np.array([cam.frame_mid_et(start_et, k, layout.interframe_delay_s, layout.tdi_stages)
                     for k in range(layout.frames)])
    samples = geo.sample(mids)
    axes = spin_axes(geo, mids)
    turn = start_turn_deg
    if original_lit is not None:
        turn = scan_turn(geo, cam, layout, samples, axes, original_lit)
    offset, pairs = _offset(original, predicted_edges(geo, cam, layout, start_et, samples, axes, turn))
    if pairs == 0:
        raise ProductError("no limb or terminator edge pairs between the original and the twin's prediction")
    for _ in range(max_iterations):
        probe, _ = _offset(original, predicted_edges(geo, cam, layout, start_et, samples, axes,
                                                     turn + PROBE_TURN_DEG))
        slope = (offset - probe) / PROBE_TURN_DEG     # lines of offset removed per degree of turn
        if not np.isfinite(slope) or abs(slope) < 1e-3:
            break
        turn += offset / slope
        offset, pairs = _offset(original, predicted_edges(geo, cam, layout, start_et, samples, axes, turn))
        if pairs == 0 or abs(offset) < CONVERGED_PX:
            break
    return turn, offset, pairs

"""Lines of sight: camera rays of a framelet window, the true attitude, and the image motion.

Rays. A framelet of filter ``F`` is rendered on a window of unsummed rows ``-M .. 128 + M`` (``M`` the blur
kernel's radius) and columns ``c0 .. c1``. Rows outside ``0..128`` are the physical CCD rows of the same
strip just above and below the readout window: the assumption is that the filter strip and the IK's
per-filter geometry extend there unchanged (the strips are 155 rows apart and the readout windows 128, so
a few rows of margin stay inside the same filter; a TDI packet of N stages also starts up to N - 1 rows
outside the window, where the same assumption holds).

True attitude. The kernels hold the nominal attitude ``C(t)`` (JUNO_JUNOCAM -> J2000). The true one is

    C_true(t) = C(t) . Rot(a, dw (t - t_ref)) . Rot(attitude_offset)

with ``a`` the unit spin axis in JUNO_JUNOCAM (measured from the kernels' own rotation between two samples,
so its sign is the CK's; it is +Z of JUNO_SPACECRAFT through the frame chain), ``dw`` the injected spin-rate
error (rad/s) and ``t_ref`` the image's first exposure start. A camera ray ``r`` therefore looks along the
nominal-frame ray ``A(t) r`` with ``A = Rot(a, ...) Rot(offset)``; that is what goes to the geometry service.

Image motion. A fixed inertial direction seen through ray ``r`` at ``t`` is seen at ``t + T`` through
``A(t+T)^T C(t+T)^T C(t) A(t) r``; the line coordinate difference is the image motion per TDI stage, ``d v``
(``d = +-1`` its direction, ``v`` in rows per stage, per column).
"""

from __future__ import annotations

import numpy as np

from simulator.render.types import RenderError
from simulator.rotations import rotation_matrix, rotation_vector  # noqa: F401  (los.rotation_matrix: the engine's)


def rotate_each(rotations: np.ndarray, rays: np.ndarray) -> np.ndarray:
    """(P, k, 3) rays, ray ``(p, k)`` turned by ``rotations[k]`` ((k, 3, 3)): ``R @ r`` per ray.

    Each component is ``(R_i0 x + R_i2 z) + R_i1 y``: the products and the order of the two sums that
    ``np.einsum("kij,pkj->pki", ...)`` uses (checked bit for bit on this contraction), so the rays are the
    same bytes, at a fraction of einsum's cost on these short contractions.
    """
    x, y, z = rays[..., 0], rays[..., 1], rays[..., 2]
    out = np.empty(np.broadcast_shapes(rays.shape, rotations.shape[:1] + (3,)))
    for i in range(3):
        out[..., i] = (rotations[:, i, 0] * x + rotations[:, i, 2] * z) + rotations[:, i, 1] * y
    return out


def spin_axis_rate(cam_to_j2000_a: np.ndarray, cam_to_j2000_b: np.ndarray, dt_s: float):
    """Spin axis (unit, JUNO_JUNOCAM) and rate (rad/s) from two nominal attitudes ``dt_s`` apart.

    ``C(b) = C(a) Rot(axis, rate dt)``: the rotation from a to b expressed in the camera frame.
    """
    rel = cam_to_j2000_a.T @ cam_to_j2000_b
    rv = rotation_vector(rel)
    angle = float(np.linalg.norm(rv))
    if angle == 0.0:
        raise RenderError("the attitude kernel does not rotate between samples; a spinning spacecraft is expected")
    return rv / angle, angle / dt_s


class RayCache:
    """Camera rays of framelet windows, computed once per (filter, row offset, columns) and reused."""

    def __init__(self, cam):
        self.cam = cam
        self._rays: dict = {}

    def rays(self, filter_name: str, row_offset: float, first_row: int, n_rows: int,
             first_col: int, n_cols: int, step: int = 1) -> np.ndarray:
        """(n_rows, n_cols, 3) unit rays of pixel centres ``((i + 0.5) s, (j + 0.5) s + row_offset)``.

        ``j`` runs ``first_row .. first_row + n_rows`` (may be negative or >= 128), ``i`` runs
        ``first_col .. first_col + n_cols``, both in pixels of size ``s = step`` (the summing);
        ``row_offset`` is in unsummed rows.
        """
        key = ("rays", filter_name, float(row_offset), first_row, n_rows, first_col, n_cols, step)
        if key not in self._rays:
            line = (np.arange(first_row, first_row + n_rows) + 0.5) * step + row_offset
            sample = (np.arange(first_col, first_col + n_cols) + 0.5) * step
            self._rays[key] = self.cam.pixel_to_ray(filter_name, sample[None, :], line[:, None])
        return self._rays[key]

    def derived(self, key: tuple, compute):
        """A value computed once from cached rays (e.g. pixel angular sizes), stored under ``key``."""
        if key not in self._rays:
            self._rays[key] = compute()
        return self._rays[key]


def image_motion(cam, filter_name: str, rays: np.ndarray, cam_to_j2000_t: np.ndarray, a_t: np.ndarray,
                 cam_to_j2000_t1: np.ndarray, a_t1: np.ndarray, row_coordinate: np.ndarray):
    """Image motion per TDI stage along the lines for each ray.

    Parameters
    ----------
    rays : (n, 3) camera rays at time t (true camera frame).
    cam_to_j2000_t, cam_to_j2000_t1 : (3, 3) nominal attitudes at t and t + T.
    a_t, a_t1 : (3, 3) true-attitude corrections ``A`` at t and t + T.
    row_coordinate : (n,) the rays' line coordinates.

    Returns
    -------
    direction : +1 or -1, sign of the median line motion.
    rows_per_stage : (n,) absolute line motion per stage.
    """
    inertial = rays @ (cam_to_j2000_t @ a_t).T
    later = inertial @ (cam_to_j2000_t1 @ a_t1)
    _, line = cam.ray_to_pixel(filter_name, later)
    dl = line - row_coordinate
    direction = 1 if float(np.nanmedian(dl)) >= 0 else -1
    return direction, np.abs(dl)

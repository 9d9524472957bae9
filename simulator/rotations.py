"""Rotation matrices, rotation vectors and unit quaternions without scipy.spatial (the render path's rotations).

Three conversions the simulator needs, written as the standard quaternion formulas (Shuster 1993, "A survey of
attitude representations", J. Astronaut. Sci. 41: the quaternion of an axis-angle, the direction-cosine matrix
of a quaternion; the quaternion of a matrix from its largest diagonal or trace term, Shepperd 1978, J. Guidance
and Control 1(3)):

- :func:`rotation_matrix`: rotation vectors ``(..., 3)`` (axis times angle, rad) -> active matrices ``(..., 3, 3)``;
- :func:`unit_quaternions`: orthonormal matrices ``(N, 3, 3)`` -> unit quaternions ``(N, 4)``, SPICE order
  ``(w, x, y, z)`` (the quaternion ``m2q`` returns up to sign);
- :func:`rotation_vector`: one orthonormal matrix -> its rotation vector (``raxisa``'s axis times angle).

They replace ``scipy.spatial.transform.Rotation`` there: importing scipy.spatial (scipy.sparse with it) cost
~0.1 CPU-s of every ``render`` command, and ``Rotation.from_matrix(m).as_rotvec()`` ~180 us per framelet (this
module: ~3 us; ``rotation_matrix`` ~7 us per vector against ~26 us). Each does the same floating-point
operations in the same order as ``Rotation.from_rotvec(...).as_matrix()``, ``Rotation.from_matrix(...).as_quat()``
and ``Rotation.from_matrix(...).as_rotvec()`` (scipy 1.17: a series below 1e-3 rad, the branch on the largest of
the diagonal and the trace), with sines, cosines and arc tangents from the C library (``math``) as scipy's
compiled code takes them, never numpy's vector loops (which may use other, SIMD, implementations on some CPUs):
so the results are the same bits, and the rendered bytes and the CK files did not change
(``tests/test_rotations.py`` compares with scipy bit for bit, with SPICE to rounding, and checks orthonormality
and round trips with hypothesis).
"""

from __future__ import annotations

import math

import numpy as np

SMALL_ANGLE_RAD = 1e-3   # below it sin(a/2)/a and a/sin(a/2) come from their Taylor series (no 0/0 at a = 0)


def rotation_matrix(rotvec) -> np.ndarray:
    """Active rotation matrices of rotation vectors.

    Parameters
    ----------
    rotvec : (..., 3) array_like
        Axis times angle, rad (right-handed: ``R @ v`` turns ``v`` about the axis by the angle).

    Returns
    -------
    (..., 3, 3) ndarray
        Orthonormal matrices, exactly the identity for a zero vector.

    Notes
    -----
    Computed vector by vector on Python floats (the same IEEE operations numpy would do, without its
    per-call overhead on the few vectors a time sample has: ~3 us per vector).
    """
    rv = np.asarray(rotvec, dtype=float)
    if rv.ndim == 0 or rv.shape[-1] != 3:
        raise ValueError(f"rotation vectors of shape (..., 3) were expected, got shape {rv.shape}")
    terms = [_matrix_terms(*_axis_angle_quaternion(*v)) for v in rv.reshape(-1, 3).tolist()]
    return np.array(terms, dtype=float).reshape(rv.shape[:-1] + (3, 3))


def _axis_angle_quaternion(x: float, y: float, z: float) -> tuple[float, float, float, float]:
    """Unit quaternion ``(x, y, z, w)`` of the rotation vector ``(x, y, z)`` (rad)."""
    angle = math.sqrt(x * x + y * y + z * z)
    if angle <= SMALL_ANGLE_RAD:
        angle2 = angle * angle
        scale = 0.5 - angle2 / 48 + angle2 * angle2 / 3840   # sin(a/2) / a
    else:
        scale = math.sin(angle / 2) / angle
    return x * scale, y * scale, z * scale, math.cos(angle / 2)


def _matrix_terms(x, y, z, w) -> tuple:
    """The nine terms, row by row, of the direction-cosine matrix of the unit quaternion ``(x, y, z, w)``
    (floats or arrays alike)."""
    x2, y2, z2, w2 = x * x, y * y, z * z, w * w
    xy, zw, xz, yw, yz, xw = x * y, z * w, x * z, y * w, y * z, x * w
    return (x2 - y2 - z2 + w2, 2 * (xy - zw), 2 * (xz + yw),
            2 * (xy + zw), -x2 + y2 - z2 + w2, 2 * (yz - xw),
            2 * (xz - yw), 2 * (yz + xw), -x2 - y2 + z2 + w2)


def _quaternion_terms(m, choice: int, trace) -> tuple:
    """Unnormalised ``(x, y, z, w)`` of a rotation matrix ``m`` (indexable ``m[row][column]``, floats or
    arrays alike) whose largest of ``m[0][0], m[1][1], m[2][2], trace`` is number ``choice``."""
    if choice == 3:   # the trace largest: w from it
        return m[2][1] - m[1][2], m[0][2] - m[2][0], m[1][0] - m[0][1], 1 + trace
    i, j, k = choice, (choice + 1) % 3, (choice + 2) % 3   # diagonal term i largest: x_i from it
    q = [None, None, None, m[k][j] - m[j][k]]
    q[i] = 1 - trace + 2 * m[i][i]
    q[j] = m[j][i] + m[i][j]
    q[k] = m[k][i] + m[i][k]
    return tuple(q)


def unit_quaternions(matrices) -> np.ndarray:
    """Unit quaternions of orthonormal rotation matrices.

    Parameters
    ----------
    matrices : (N, 3, 3) or (3, 3) array_like
        Rotation matrices (orthonormal to rounding: no re-orthonormalisation is done).

    Returns
    -------
    (N, 4) or (4,) ndarray
        ``(w, x, y, z)``, SPICE's order, of unit norm, C-ordered; the sign is whichever the largest of the
        diagonal and the trace gives (``q`` and ``-q`` are the same rotation).
    """
    m = np.asarray(matrices, dtype=float)
    if m.shape[-2:] != (3, 3) or m.ndim not in (2, 3):
        raise ValueError(f"rotation matrices of shape (3, 3) or (N, 3, 3) were expected, got shape {m.shape}")
    single = m.ndim == 2
    m = m.reshape(-1, 3, 3)
    trace = m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2]
    choice = np.argmax(np.stack([m[:, 0, 0], m[:, 1, 1], m[:, 2, 2], trace], axis=-1), axis=-1)
    xyzw = np.empty((m.shape[0], 4))
    for case in range(4):
        rows = choice == case
        picked = m[rows]
        terms = _quaternion_terms([[picked[:, r, c] for c in range(3)] for r in range(3)], case, trace[rows])
        xyzw[rows] = np.stack(terms, axis=-1)
    xyzw /= np.linalg.norm(xyzw, axis=-1, keepdims=True)
    wxyz = np.empty_like(xyzw)          # C-ordered (a fancy-indexed copy need not be; spiceypy reads C order)
    wxyz[:, 0], wxyz[:, 1:] = xyzw[:, 3], xyzw[:, :3]
    return wxyz[0] if single else wxyz


def rotation_vector(matrix) -> np.ndarray:
    """Rotation vector (axis times angle, rad; angle in [0, pi]) of one orthonormal (3, 3) matrix.

    Computed on Python floats (one matrix per call: ~5 us where numpy's per-call overhead costs ~100 us).
    """
    m = np.asarray(matrix, dtype=float)
    if m.shape != (3, 3):
        raise ValueError(f"a rotation matrix of shape (3, 3) was expected, got shape {m.shape}")
    m = m.tolist()
    trace = m[0][0] + m[1][1] + m[2][2]
    candidates = (m[0][0], m[1][1], m[2][2], trace)
    x, y, z, w = _quaternion_terms(m, candidates.index(max(candidates)), trace)   # the first largest
    norm = math.sqrt(x * x + y * y + z * z + w * w)
    x, y, z, w = x / norm, y / norm, z / norm, w / norm
    if (w, x, y, z) < (0.0, 0.0, 0.0, 0.0):   # canonical sign: the first non-zero of w, x, y, z positive
        x, y, z, w = -x, -y, -z, -w
    angle = 2 * math.atan2(math.sqrt(x * x + y * y + z * z), w)
    if angle <= SMALL_ANGLE_RAD:
        angle2 = angle * angle
        scale = 2 + angle2 / 12 + 7 * angle2 * angle2 / 2880   # a / sin(a/2)
    else:
        scale = angle / math.sin(angle / 2)
    return np.array([scale * x, scale * y, scale * z])

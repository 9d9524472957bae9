"""Rotation matrices, rotation vectors and unit quaternions in plain numpy (no scipy.spatial on the render path).

Three conversions the simulator needs, written as the standard quaternion formulas (Shuster 1993, "A survey of
attitude representations", J. Astronaut. Sci. 41: the quaternion of an axis-angle, the direction-cosine matrix
of a quaternion, and the quaternion of a matrix from its largest diagonal or trace term):

- :func:`rotation_matrix`: rotation vectors ``(..., 3)`` (axis times angle, rad) -> active matrices ``(..., 3, 3)``;
- :func:`unit_quaternions`: orthonormal matrices ``(N, 3, 3)`` -> unit quaternions ``(N, 4)``, SPICE order
  ``(w, x, y, z)`` (the quaternion ``m2q`` returns up to sign);
- :func:`rotation_vector`: one orthonormal matrix -> its rotation vector (``raxisa``'s axis times angle).

They replace ``scipy.spatial.transform.Rotation`` there (importing scipy.spatial, which loads scipy.sparse, cost
~0.1 CPU-s of every ``render`` command, and each ``Rotation`` call 30-190 us per time sample). Each does the same
floating-point operations in the same order as ``Rotation.from_rotvec(...).as_matrix()``,
``Rotation.from_matrix(...).as_quat()`` and ``Rotation.from_matrix(...).as_rotvec()`` (scipy 1.17: a series
below 1e-3 rad, the branch on the largest of the diagonal and the trace), and takes sines, cosines and arc
tangents from the C library (``math``) as scipy's compiled code does, never from numpy's vector loops (which
may use other, SIMD, implementations on some CPUs): so the results are the same bits, and the rendered bytes
and the CK files do not change (``tests/test_rotations.py`` compares bit for bit and checks orthonormality
and round trips with hypothesis).
"""

from __future__ import annotations

import math

import numpy as np

SMALL_ANGLE_RAD = 1e-3   # below it sin(a/2)/a and a/sin(a/2) come from their Taylor series (no 0/0 at a = 0)


def _each(fn, values: np.ndarray) -> np.ndarray:
    """``fn`` (a ``math`` function) of every element of ``values``, same shape."""
    flat = [fn(v) for v in np.ravel(values).tolist()]
    return np.asarray(flat, dtype=float).reshape(np.shape(values))


def _vector(rotvec) -> np.ndarray:
    rv = np.asarray(rotvec, dtype=float)
    if rv.ndim == 0 or rv.shape[-1] != 3:
        raise ValueError(f"rotation vectors of shape (..., 3) were expected, got shape {rv.shape}")
    return rv


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
    """
    rv = _vector(rotvec)
    x, y, z = rv[..., 0], rv[..., 1], rv[..., 2]
    angle = np.sqrt(x * x + y * y + z * z)
    half = angle / 2
    angle2 = angle * angle
    small = angle <= SMALL_ANGLE_RAD
    scale = np.where(small, 0.5 - angle2 / 48 + angle2 * angle2 / 3840,
                     _each(math.sin, half) / np.where(small, 1.0, angle))   # sin(a/2)/a
    return _quaternion_matrix(x * scale, y * scale, z * scale, _each(math.cos, half))


def _quaternion_matrix(x, y, z, w) -> np.ndarray:
    """(..., 3, 3) direction-cosine matrices of unit quaternions given by their four (...) components."""
    x2, y2, z2, w2 = x * x, y * y, z * z, w * w
    xy, zw, xz, yw, yz, xw = x * y, z * w, x * z, y * w, y * z, x * w
    m = np.empty(np.shape(x) + (3, 3))
    m[..., 0, 0] = x2 - y2 - z2 + w2
    m[..., 0, 1] = 2 * (xy - zw)
    m[..., 0, 2] = 2 * (xz + yw)
    m[..., 1, 0] = 2 * (xy + zw)
    m[..., 1, 1] = -x2 + y2 - z2 + w2
    m[..., 1, 2] = 2 * (yz - xw)
    m[..., 2, 0] = 2 * (xz - yw)
    m[..., 2, 1] = 2 * (yz + xw)
    m[..., 2, 2] = -x2 - y2 + z2 + w2
    return m


def unit_quaternions(matrices) -> np.ndarray:
    """Unit quaternions of orthonormal rotation matrices.

    Parameters
    ----------
    matrices : (N, 3, 3) or (3, 3) array_like
        Rotation matrices (orthonormal to rounding: no re-orthonormalisation is done).

    Returns
    -------
    (N, 4) or (4,) ndarray
        ``(w, x, y, z)``, SPICE's order, of unit norm; the sign is whichever the largest of the diagonal
        and the trace gives (``q`` and ``-q`` are the same rotation).
    """
    m = np.asarray(matrices, dtype=float)
    if m.shape[-2:] != (3, 3) or m.ndim not in (2, 3):
        raise ValueError(f"rotation matrices of shape (3, 3) or (N, 3, 3) were expected, got shape {m.shape}")
    single = m.ndim == 2
    m = m.reshape(-1, 3, 3)
    trace = m[:, 0, 0] + m[:, 1, 1] + m[:, 2, 2]
    choice = np.argmax(np.stack([m[:, 0, 0], m[:, 1, 1], m[:, 2, 2], trace], axis=-1), axis=-1)
    xyzw = np.empty((m.shape[0], 4))
    for i in range(3):   # the i-th diagonal term largest: x_i from it, the others from sums and differences
        rows = choice == i
        j, k = (i + 1) % 3, (i + 2) % 3
        xyzw[rows, i] = 1 - trace[rows] + 2 * m[rows, i, i]
        xyzw[rows, j] = m[rows, j, i] + m[rows, i, j]
        xyzw[rows, k] = m[rows, k, i] + m[rows, i, k]
        xyzw[rows, 3] = m[rows, k, j] - m[rows, j, k]
    rows = choice == 3   # the trace largest: w from it
    xyzw[rows, 0] = m[rows, 2, 1] - m[rows, 1, 2]
    xyzw[rows, 1] = m[rows, 0, 2] - m[rows, 2, 0]
    xyzw[rows, 2] = m[rows, 1, 0] - m[rows, 0, 1]
    xyzw[rows, 3] = 1 + trace[rows]
    xyzw /= np.linalg.norm(xyzw, axis=-1, keepdims=True)
    wxyz = np.empty_like(xyzw)          # C-ordered (a fancy-indexed copy need not be; spiceypy reads C order)
    wxyz[:, 0], wxyz[:, 1:] = xyzw[:, 3], xyzw[:, :3]
    return wxyz[0] if single else wxyz


def rotation_vector(matrix) -> np.ndarray:
    """Rotation vector (axis times angle, rad; angle in [0, pi]) of one orthonormal (3, 3) matrix."""
    w, x, y, z = unit_quaternions(matrix).tolist()
    if (w, x, y, z) < (0.0, 0.0, 0.0, 0.0):   # canonical sign: the first non-zero of w, x, y, z positive
        w, x, y, z = -w, -x, -y, -z
    axis = np.array([x, y, z])
    angle = 2 * math.atan2(float(np.linalg.norm(axis)), w)
    if angle <= SMALL_ANGLE_RAD:
        angle2 = angle * angle
        scale = 2 + angle2 / 12 + 7 * angle2 * angle2 / 2880   # a / sin(a/2)
    else:
        scale = angle / math.sin(angle / 2)
    return scale * axis

"""simulator.rotations: the same bits as scipy's Rotation (so the render and the CK keep their bytes), against
SPICE's own conversions, and the invariants (orthonormal, round trips) with hypothesis."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy
from hypothesis import given
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from simulator import rotations

ORTHONORMAL_TOL = 4e-16 * 8   # |R^T R - I| of a matrix built from a unit quaternion: a few roundings per term
ROUND_TRIP_TOL = 1e-14      # matrix -> vector -> matrix, angles up to 4 rad
SPICE_TOL = 2e-15             # against spiceypy's axisar / m2q / raxisa (other, equally exact, formulas)

# Rotation vectors across the series branch (1e-3 rad), the render's spin steps (~7e-4 rad per TDI line) and
# large angles up to pi.
SCALES = (0.0, 1e-12, 1e-8, 1e-6, 1e-4, 6.7e-4, 9.99e-4, 1e-3, 1.001e-3, 1e-2, 0.3, 1.0, 3.0, np.pi)


def _vectors(rng, n: int) -> np.ndarray:
    """(n * len(SCALES), 3) rotation vectors with random axes and the SCALES' angles."""
    axes = rng.normal(size=(n * len(SCALES), 3))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    return axes * np.repeat(SCALES, n)[:, None]


def _worst_bits(a: np.ndarray, b: np.ndarray) -> str:
    return f"{int(np.sum(a != b))} of {a.size} differ, worst {np.max(np.abs(a - b)):.3g}"


def test_rotation_matrix_is_scipys_bit_for_bit():
    rv = _vectors(np.random.default_rng(1), 200)
    for shape in ((3,), (1, 3), (9, 3), (2, 5, 3)):
        batch = rv[: int(np.prod(shape[:-1]))].reshape(shape) if len(shape) > 1 else rv[7]
        ours = rotations.rotation_matrix(batch)
        theirs = Rotation.from_rotvec(batch.reshape(-1, 3)).as_matrix().reshape(ours.shape)
        assert ours.shape == shape + (3,), ours.shape
        assert np.array_equal(ours, theirs), _worst_bits(ours, theirs)
    ours = rotations.rotation_matrix(rv)
    theirs = Rotation.from_rotvec(rv).as_matrix()
    assert np.array_equal(ours, theirs), _worst_bits(ours, theirs)
    assert np.array_equal(rotations.rotation_matrix(np.zeros(3)), np.eye(3))


def test_quaternions_and_rotation_vectors_are_scipys_bit_for_bit():
    rng = np.random.default_rng(2)
    base = rotations.rotation_matrix(_vectors(rng, 25))
    relative = rotations.rotation_matrix(_vectors(rng, 25)[rng.permutation(25 * len(SCALES))])
    # what the renderer converts: C(a)^T C(b) of two attitudes, orthonormal only to rounding
    matrices = np.concatenate([base, np.transpose(base, (0, 2, 1)) @ (base @ relative)])
    ours = rotations.unit_quaternions(matrices)
    xyzw = Rotation.from_matrix(matrices).as_quat()
    theirs = np.column_stack([xyzw[:, 3], xyzw[:, :3]])
    assert np.array_equal(ours, theirs), _worst_bits(ours, theirs)
    vectors = np.array([rotations.rotation_vector(m) for m in matrices])
    expected = np.array([Rotation.from_matrix(m).as_rotvec() for m in matrices])
    assert np.array_equal(vectors, expected), _worst_bits(vectors, expected)


def test_the_ck_quaternions_keep_their_bits():
    """The spin model's C-matrices (what ck.write_ck stores) give scipy's quaternions exactly."""
    from simulator.kernelset.attitude import spin_model

    for nutation in (0.0, 0.2):
        model = spin_model(1e8, 2.0, np.array([0.3, -0.5, 0.8]), np.array([1.0, 0.2, -0.1]), 37.0, nutation)
        cmats = model.j2000_to_body(np.linspace(1e8 - 3600, 1e8 + 3600, 2001))
        ours = rotations.unit_quaternions(cmats)
        xyzw = Rotation.from_matrix(cmats).as_quat()
        theirs = np.column_stack([xyzw[:, 3], xyzw[:, :3]])
        assert np.array_equal(ours, theirs), _worst_bits(ours, theirs)
        assert ours.flags.c_contiguous, "spiceypy.ckw03 reads the array's buffer in C order"


def test_against_spice():
    """Same rotations as SPICE's axisar / m2q / raxisa (their formulas differ: agreement to rounding).

    All three take and give active rotations (``axisar``: "rotates vectors by a specified angle about a
    specified axis"); ``m2q`` returns the quaternion with w >= 0.
    """
    rv = _vectors(np.random.default_rng(3), 20)[20:]   # non-zero angles
    worst = {"axisar": 0.0, "m2q": 0.0, "raxisa": 0.0}
    for v in rv:
        angle = float(np.linalg.norm(v))
        m = rotations.rotation_matrix(v)
        worst["axisar"] = max(worst["axisar"], np.max(np.abs(m - np.asarray(spiceypy.axisar(v / angle, angle)))))
        q = rotations.unit_quaternions(m)
        worst["m2q"] = max(worst["m2q"], np.max(np.abs(q * np.sign(q[0]) - np.asarray(spiceypy.m2q(m)))))
        axis, spice_angle = spiceypy.raxisa(m)
        ours = rotations.rotation_vector(m)
        if angle < np.pi - 1e-6:     # at pi, +axis and -axis are the same rotation
            worst["raxisa"] = max(worst["raxisa"], np.max(np.abs(ours - np.asarray(axis) * spice_angle)))
    assert all(w < SPICE_TOL for w in worst.values()), f"worst differences from SPICE: {worst}"


finite = st.floats(-4.0, 4.0, allow_nan=False)


@given(st.tuples(finite, finite, finite))
def test_matrices_are_orthonormal_and_round_trip(v):
    v = np.array(v)
    m = rotations.rotation_matrix(v)
    error = np.max(np.abs(m.T @ m - np.eye(3)))
    assert error < ORTHONORMAL_TOL, f"|R^T R - I| = {error:.3g} for {v}"
    assert np.linalg.det(m) > 0
    angle = float(np.linalg.norm(v))
    back = rotations.rotation_vector(m)
    if angle < np.pi - 1e-6:   # unique below pi (beyond it, the vector comes back as 2 pi - angle about -axis)
        error = np.max(np.abs(back - v))
        assert error < ROUND_TRIP_TOL, f"rotation vector {v} came back as {back} (error {error:.3g})"
    error = np.max(np.abs(rotations.rotation_matrix(back) - m))
    assert error < ROUND_TRIP_TOL, f"the matrix of {back} differs from the matrix of {v} by {error:.3g}"
    q = rotations.unit_quaternions(m)
    assert abs(float(np.sum(q * q)) - 1.0) < 1e-15


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match=r"\(\.\.\., 3\)"):
        rotations.rotation_matrix([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        rotations.unit_quaternions(np.eye(4))
    with pytest.raises(ValueError, match=r"\(3, 3\)"):
        rotations.rotation_vector(np.eye(3)[None])

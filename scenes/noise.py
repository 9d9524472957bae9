"""Seeded 3-D value noise and fractal sums of it, evaluated analytically at any point (no stored texture).

The lattice values come from an integer hash of the cell corner and the seed (uint32 arithmetic), so
the field is defined everywhere, never repeats, and is identical for identical seeds. Octaves use
independent random rotations (drawn from the seed) so lattice axes never line up between octaves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_P1, _P2, _P3 = np.uint32(0x8DA6B343), np.uint32(0xD8163841), np.uint32(0xCB1AB31F)
_MIX1, _MIX2 = np.uint32(0x2C1B3C6D), np.uint32(0x297A2D39)
_TO_UNIT = np.float32(2.0 / 2.0**24)


def _hash_to_signed(h: np.ndarray) -> np.ndarray:
    """Mix uint32 ``h`` (one multiply, keep the well-mixed high bits) to float32 values in [-1, 1)."""
    h = h * _MIX1
    return (h >> np.uint32(8)).astype(np.float32) * _TO_UNIT - np.float32(1.0)


def value_noise(points: np.ndarray, seed: int) -> np.ndarray:
    """Smooth value noise in [-1, 1] at ``points`` ``(N, 3)`` (lattice units), float32 ``(N,)``.

    Trilinear interpolation of hashed lattice values with smoothstep weights (C1 continuous).
    """
    cell = np.floor(points)
    frac = (points - cell).astype(np.float32)
    w = frac * frac * (np.float32(3.0) - np.float32(2.0) * frac)
    ci = cell.astype(np.int64).astype(np.uint32)
    seed32 = np.uint32(seed & 0xFFFFFFFF)
    # Per-axis hashes (multiply, xor-shift, multiply) so that xor-ing three of them gives a random corner.
    def axis(c, prime, salt):
        h = (c ^ salt) * prime
        h ^= h >> np.uint32(16)
        return h * _MIX2

    hx0 = axis(ci[:, 0], _P1, seed32)
    hx1 = axis(ci[:, 0] + np.uint32(1), _P1, seed32)
    hy0 = axis(ci[:, 1], _P2, seed32)
    hy1 = axis(ci[:, 1] + np.uint32(1), _P2, seed32)
    hz0 = axis(ci[:, 2], _P3, seed32)
    hz1 = axis(ci[:, 2] + np.uint32(1), _P3, seed32)
    wx, wy, wz = w[:, 0], w[:, 1], w[:, 2]

    def lerp(a, b, t):
        return a + (b - a) * t

    def plane(hz):
        v00 = lerp(_hash_to_signed(hx0 ^ hy0 ^ hz), _hash_to_signed(hx1 ^ hy0 ^ hz), wx)
        v10 = lerp(_hash_to_signed(hx0 ^ hy1 ^ hz), _hash_to_signed(hx1 ^ hy1 ^ hz), wx)
        return lerp(v00, v10, wy)

    return lerp(plane(hz0), plane(hz1), wz)


def random_rotations(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` uniformly random rotation matrices ``(count, 3, 3)`` (QR of Gaussian matrices)."""
    q, r = np.linalg.qr(rng.normal(size=(count, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, np.newaxis, :]
    det = np.linalg.det(q)
    q[:, :, 0] *= det[:, np.newaxis]
    return q


def _rotate_scale(points: np.ndarray, matrix: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """``points @ matrix + offset`` written out per column (no BLAS call: BLAS threads thrash on busy
    machines, and the plain arithmetic is bit-identical everywhere)."""
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    out = np.empty_like(points)
    for j in range(3):
        out[:, j] = x * matrix[0, j] + y * matrix[1, j] + z * matrix[2, j] + offset[j]
    return out


@dataclass(frozen=True)
class FractalNoise:
    """A sum of value-noise octaves on the unit sphere (fractional Brownian motion).

    Parameters
    ----------
    seed : int
        Seed of the lattice hashes and the per-octave rotations and offsets.
    base_frequency : float
        Lattice cells per unit length (on the unit sphere) of the first octave.
    octaves : int
        Number of octaves.
    lacunarity : float
        Frequency ratio between successive octaves.
    gain : float
        Amplitude ratio between successive octaves.
    """

    seed: int
    base_frequency: float
    octaves: int
    lacunarity: float = 2.5
    gain: float = 0.6

    def _octave_transforms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed & 0xFFFFFFFF, 0x6E6F697A]))
        rotations = random_rotations(rng, self.octaves)
        offsets = rng.uniform(0.0, 1000.0, size=(self.octaves, 3))
        seeds = rng.integers(0, 2**32, size=self.octaves, dtype=np.uint64)
        return rotations, offsets, seeds

    def frequency(self, octave: int) -> float:
        """Lattice cells per unit length of ``octave`` (0-based)."""
        return self.base_frequency * self.lacunarity**octave

    def __call__(self, points: np.ndarray, max_frequency: float | None = None,
                 detail_from: int | None = None, detail_gain: float = 0.8):
        """Normalised fBm at ``points`` ``(N, 3)``: ``sum_k gain^k n_k / sum_k gain^k`` (float32 ``(N,)``).

        ``max_frequency`` drops octaves finer than it (band limiting for coarse pixels); the result keeps
        the same normalisation, so coarse and fine evaluations agree on their common octaves.
        With ``detail_from`` it also returns a second sum over octaves ``k >= detail_from`` only, weighted
        ``detail_gain^(k - detail_from)`` and normalised the same way: a high-pass "detail" field whose
        contrast does not vanish at small scales (computed from the same octaves, no extra cost).
        """
        rotations, offsets, seeds = self._octave_transforms()
        # Three rotated copies of the points, cycled over the octaves (octave k uses copy k % 3): lattice
        # axes of neighbouring octaves never line up, and each octave costs only a scale and a shift.
        rotated = [_rotate_scale(points, rotations[j], np.zeros(3)) for j in range(min(3, self.octaves))]
        total = np.zeros(points.shape[0], dtype=np.float32)
        detail = np.zeros(points.shape[0], dtype=np.float32)
        norm = sum(self.gain**k for k in range(self.octaves))
        start = self.octaves if detail_from is None else detail_from
        detail_norm = sum(detail_gain**j for j in range(max(self.octaves - start, 1)))
        for k in range(self.octaves):
            freq = self.frequency(k)
            if max_frequency is not None and freq > max_frequency:
                break
            q = rotated[k % 3] * freq + offsets[k]
            n = value_noise(q, int(seeds[k]))
            total += np.float32(self.gain**k / norm) * n
            if k >= start:
                detail += np.float32(detail_gain ** (k - start) / detail_norm) * n
        return total if detail_from is None else (total, detail)

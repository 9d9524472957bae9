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
_TO_UNIT = np.float32(2.0 / 2.0**32)


def _hash_to_signed(h: np.ndarray) -> np.ndarray:
    """Mix uint32 ``h`` and map it to float32 values in [-1, 1)."""
    h ^= h >> np.uint32(15)
    h *= _MIX1
    h ^= h >> np.uint32(13)
    h *= _MIX2
    h ^= h >> np.uint32(16)
    return h.astype(np.float32) * _TO_UNIT - np.float32(1.0)


def value_noise(points: np.ndarray, seed: int) -> np.ndarray:
    """Smooth value noise in [-1, 1] at ``points`` ``(N, 3)`` (lattice units), float32 ``(N,)``.

    Trilinear interpolation of hashed lattice values with smoothstep weights (C1 continuous).
    """
    cell = np.floor(points)
    frac = (points - cell).astype(np.float32)
    w = frac * frac * (np.float32(3.0) - np.float32(2.0) * frac)
    ci = cell.astype(np.int64).astype(np.uint32)
    seed32 = np.uint32(seed & 0xFFFFFFFF)
    hx0 = ci[:, 0] * _P1 ^ seed32
    hx1 = (ci[:, 0] + np.uint32(1)) * _P1 ^ seed32
    hy0 = ci[:, 1] * _P2
    hy1 = (ci[:, 1] + np.uint32(1)) * _P2
    hz0 = ci[:, 2] * _P3
    hz1 = (ci[:, 2] + np.uint32(1)) * _P3
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

    def __call__(self, points: np.ndarray, max_frequency: float | None = None) -> np.ndarray:
        """Normalised fBm (unit variance of the octave sum's amplitude envelope) at ``points`` ``(N, 3)``.

        ``max_frequency`` drops octaves finer than it (band limiting for coarse pixels); the result keeps
        the same normalisation, so coarse and fine evaluations agree on their common octaves.
        """
        rotations, offsets, seeds = self._octave_transforms()
        total = np.zeros(points.shape[0], dtype=np.float32)
        amplitude = 1.0
        norm = sum(self.gain**k for k in range(self.octaves))
        for k in range(self.octaves):
            freq = self.frequency(k)
            if max_frequency is not None and freq > max_frequency:
                break
            q = points @ (rotations[k] * freq) + offsets[k]
            total += np.float32(amplitude / norm) * value_noise(q, int(seeds[k]))
            amplitude *= self.gain
        return total

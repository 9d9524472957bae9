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


def _axis(coordinate: np.ndarray, prime, salt) -> tuple:
    """Per-axis part of the lattice: smoothstep weight (float32) and the hashes of the two neighbours."""
    cell = np.floor(coordinate)
    frac = (coordinate - cell).astype(np.float32)
    weight = frac * frac * (np.float32(3.0) - np.float32(2.0) * frac)
    c = cell.astype(np.int64).astype(np.uint32)
    hashes = []
    for corner in (c, c + np.uint32(1)):
        h = (corner ^ salt) * prime
        h ^= h >> np.uint32(16)
        h *= _MIX2
        hashes.append(h)
    return weight, hashes[0], hashes[1]


def _corner_value(h: np.ndarray) -> np.ndarray:
    """Lattice value in [0, 2^24) as float32 from the xor of three axis hashes (one more multiply)."""
    h *= _MIX1
    return (h >> np.uint32(8)).astype(np.float32)


def value_noise_xyz(x: np.ndarray, y: np.ndarray, z: np.ndarray, seed: int) -> np.ndarray:
    """Smooth value noise in [-1, 1] at points given as three contiguous coordinate arrays (lattice units).

    Trilinear interpolation of hashed lattice values with smoothstep weights (C1 continuous). The
    corner value of lattice point (i, j, k) is a hash of ``H1(i) ^ H2(j) ^ H3(k)`` with independent
    multiply-xorshift axis hashes ``H`` salted by ``seed``; the lerps work on the raw values and are
    scaled to [-1, 1] once at the end.
    """
    salt = np.uint32(seed & 0xFFFFFFFF)
    wx, hx0, hx1 = _axis(x, _P1, salt)
    wy, hy0, hy1 = _axis(y, _P2, salt)
    wz, hz0, hz1 = _axis(z, _P3, salt)
    xy = [(hx0 ^ hy0, hx1 ^ hy0), (hx0 ^ hy1, hx1 ^ hy1)]

    def plane(hz):
        rows = []
        for h_left, h_right in xy:
            left = _corner_value(h_left ^ hz)
            right = _corner_value(h_right ^ hz)
            rows.append(left + (right - left) * wx)
        return rows[0] + (rows[1] - rows[0]) * wy

    bottom = plane(hz0)
    top = plane(hz1)
    return (bottom + (top - bottom) * wz) * _TO_UNIT - np.float32(1.0)


def value_noise(points: np.ndarray, seed: int) -> np.ndarray:
    """:func:`value_noise_xyz` at ``points`` ``(N, 3)`` (lattice units), float32 ``(N,)``."""
    p = np.asarray(points, dtype=np.float64)
    return value_noise_xyz(np.ascontiguousarray(p[:, 0]), np.ascontiguousarray(p[:, 1]),
                           np.ascontiguousarray(p[:, 2]), seed)


def random_rotations(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` uniformly random rotation matrices ``(count, 3, 3)`` (QR of Gaussian matrices)."""
    q, r = np.linalg.qr(rng.normal(size=(count, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, np.newaxis, :]
    det = np.linalg.det(q)
    q[:, :, 0] *= det[:, np.newaxis]
    return q


def _rotate(points: np.ndarray, matrix: np.ndarray) -> list[np.ndarray]:
    """Columns of ``points @ matrix`` as three contiguous arrays, in plain arithmetic (no BLAS call: BLAS
    threads thrash on busy machines, and the plain arithmetic is bit-identical everywhere)."""
    x, y, z = (np.ascontiguousarray(points[:, j]) for j in range(3))
    return [x * matrix[0, j] + y * matrix[1, j] + z * matrix[2, j] for j in range(3)]


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

    def __post_init__(self) -> None:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed & 0xFFFFFFFF, 0x6E6F697A]))
        object.__setattr__(self, "_rotations", random_rotations(rng, max(min(3, self.octaves), 1)))
        object.__setattr__(self, "_offsets", rng.uniform(0.0, 1000.0, size=(self.octaves, 3)))
        object.__setattr__(self, "_seeds", rng.integers(0, 2**32, size=self.octaves, dtype=np.uint64))

    def frequency(self, octave: int) -> float:
        """Lattice cells per unit length of ``octave`` (0-based)."""
        return self.base_frequency * self.lacunarity**octave

    def __call__(self, points: np.ndarray, max_frequency: float | None = None) -> np.ndarray:
        """Normalised fBm ``sum_k gain^k n_k / sum_k gain^k`` at ``points`` ``(N, 3)``, float32 ``(N,)``."""
        return self.fields(points, max_frequency)["total"]

    def fields(self, points: np.ndarray, max_frequency: float | None = None, detail_from: int | None = None,
               detail_gain: float = 0.8, coarse_octaves: int = 0, z_stretch: float = 1.0,
               stretch_decay: float = 1.0, anisotropy=None) -> dict:
        """The fBm and two by-products computed from the same octaves (no extra noise evaluations).

        Anisotropy: octave ``k`` sees the z coordinate multiplied by ``1 + (z_stretch - 1) decay^k a``,
        with ``a`` the per-point ``anisotropy`` in [0, 1] (default 1). On the unit sphere this elongates
        features east-west (most near the equator), strongly at large scales and less at small ones.

        Returns a dict of float32 ``(N,)`` arrays:

        * ``total``: ``sum_k gain^k n_k / sum_k gain^k``; ``max_frequency`` drops octaves finer than it
          (band limiting for coarse pixels) keeping the normalisation, so coarse and fine evaluations agree
          on their common octaves;
        * ``detail`` (with ``detail_from``): octaves ``k >= detail_from`` weighted ``detail_gain^(k -
          detail_from)``, normalised: a high-pass field whose contrast does not vanish at small scales;
        * ``coarse`` (with ``coarse_octaves``): the first ``coarse_octaves`` octaves alone, normalised.
        """
        # Three rotated copies of the points, cycled over the octaves (octave k uses copy k % 3): lattice
        # axes of neighbouring octaves never line up, and each octave costs only a scale and a shift.
        rotated = [_rotate(points, r) for r in self._rotations]
        z = np.ascontiguousarray(points[:, 2])
        if anisotropy is not None:
            z = z * anisotropy
        # Rotation of (0, 0, a z): adding (s_k - 1) times it stretches z by s_k before rotating.
        z_rotated = [[z * r[2, j] for j in range(3)] for r in self._rotations] if z_stretch != 1.0 else None
        n_points = points.shape[0]
        total = np.zeros(n_points, dtype=np.float32)
        detail = np.zeros(n_points, dtype=np.float32)
        coarse = np.zeros(n_points, dtype=np.float32)
        norm = sum(self.gain**k for k in range(self.octaves))
        start = self.octaves if detail_from is None else detail_from
        detail_norm = sum(detail_gain**j for j in range(max(self.octaves - start, 1)))
        coarse_norm = sum(self.gain**k for k in range(max(coarse_octaves, 1)))
        for k in range(self.octaves):
            freq = self.frequency(k)
            if max_frequency is not None and freq > max_frequency and k >= coarse_octaves:
                break
            r = k % len(rotated)
            if z_rotated is None:
                coords = [axis * freq + self._offsets[k, j] for j, axis in enumerate(rotated[r])]
            else:
                extra = (z_stretch - 1.0) * stretch_decay**k
                coords = [(axis + extra * z_rotated[r][j]) * freq + self._offsets[k, j]
                          for j, axis in enumerate(rotated[r])]
            n = value_noise_xyz(coords[0], coords[1], coords[2], int(self._seeds[k]))
            if k < coarse_octaves:
                coarse += np.float32(self.gain**k / coarse_norm) * n
            if max_frequency is not None and freq > max_frequency:
                continue
            total += np.float32(self.gain**k / norm) * n
            if k >= start:
                detail += np.float32(detail_gain ** (k - start) / detail_norm) * n
        return {"total": total, "detail": detail, "coarse": coarse}

"""Seeded 3-D value noise and fractal sums of it, evaluated analytically at any point (no stored texture).

The lattice values come from an integer hash of the cell corner and the seed (uint32 arithmetic), so
the field is defined everywhere, never repeats, and is identical for identical seeds. Octaves use
independent random rotations (drawn from the seed) so lattice axes never line up between octaves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Per-axis hash multipliers (x, y, z) and the two mixing multipliers of the lattice hash.
_PRIMES = np.array([0x8DA6B343, 0xD8163841, 0xCB1AB31F], dtype=np.uint32)[:, np.newaxis]
_MIX1, _MIX2 = np.uint32(0x2C1B3C6D), np.uint32(0x297A2D39)
_TO_UNIT = np.float32(2.0 / 2.0**24)


def value_noise_lattice(coords: np.ndarray, seed: int) -> np.ndarray:
    """Smooth value noise in [-1, 1], float32 ``(N,)``, at lattice coordinates ``coords`` ``(3, N)`` float64.

    Trilinear interpolation of hashed lattice values with smoothstep weights (C1 continuous). The
    corner value of lattice point (i, j, k) is a hash of ``H1(i) ^ H2(j) ^ H3(k)`` with independent
    multiply-xorshift axis hashes ``H`` salted by ``seed``; the lerps work on the raw values and are
    scaled to [-1, 1] once at the end. The three axes, and then the eight corners, go through each
    numpy operation together.
    """
    salt = np.uint32(seed & 0xFFFFFFFF)
    cell = np.floor(coords)
    frac = (coords - cell).astype(np.float32)
    weight = frac * frac * (np.float32(3.0) - np.float32(2.0) * frac)
    # The cell index modulo 2^32, as the hash needs it: int32 wraps the same way and is faster.
    if cell.size and (cell.min() < -2.0**31 or cell.max() >= 2.0**31):
        low = cell.astype(np.int64).astype(np.uint32)
    else:
        low = cell.astype(np.int32).view(np.uint32)
    h = np.empty((2,) + low.shape, dtype=np.uint32)  # (neighbour 0/1, axis, N)
    np.bitwise_xor(low, salt, out=h[0])
    np.add(low, np.uint32(1), out=h[1])
    h[1] ^= salt
    h *= _PRIMES
    h ^= h >> np.uint32(16)
    h *= _MIX2
    # Corner hashes indexed (z, y, x, N), then values in [0, 2^24) as float32.
    hx, hy, hz = h[:, 0], h[:, 1], h[:, 2]
    corner = hz[:, np.newaxis, np.newaxis] ^ hy[np.newaxis, :, np.newaxis] ^ hx[np.newaxis, np.newaxis]
    corner *= _MIX1
    corner >>= np.uint32(8)
    v = corner.astype(np.float32)
    v = v[:, :, 0] + (v[:, :, 1] - v[:, :, 0]) * weight[0]      # along x: (z, y, N)
    v = v[:, 0] + (v[:, 1] - v[:, 0]) * weight[1]               # along y: (z, N)
    return (v[0] + (v[1] - v[0]) * weight[2]) * _TO_UNIT - np.float32(1.0)


def value_noise_xyz(x: np.ndarray, y: np.ndarray, z: np.ndarray, seed: int) -> np.ndarray:
    """:func:`value_noise_lattice` at points given as three coordinate arrays (lattice units)."""
    return value_noise_lattice(np.stack([x, y, z]).astype(np.float64, copy=False), seed)


def value_noise(points: np.ndarray, seed: int) -> np.ndarray:
    """:func:`value_noise_lattice` at ``points`` ``(N, 3)`` (lattice units), float32 ``(N,)``."""
    return value_noise_lattice(np.ascontiguousarray(np.asarray(points, dtype=np.float64).T), seed)


def band_limit_taper(frequency: np.ndarray, max_frequency: float | None, fade: float = 1.0) -> np.ndarray:
    """Weight ``(K,)`` float64 in [0, 1] of each octave of lattice frequency ``frequency`` under a band limit.

    Octaves finer than ``max_frequency`` get 0; with ``fade > 1`` the weight rises smoothly (smoothstep)
    from 0 at ``max_frequency`` to 1 at ``max_frequency / fade`` and beyond, so the texture's contrast does
    not jump when a pixel footprint crosses an octave (``fade = 1``: a hard cut). ``None`` (or NaN) keeps
    every octave.
    """
    freq = np.asarray(frequency, dtype=np.float64)
    if max_frequency is None or not max_frequency == max_frequency:
        return np.ones(freq.shape)
    if fade <= 1.0:
        return (freq <= max_frequency).astype(np.float64)
    t = np.clip((max_frequency - freq) / (max_frequency * (1.0 - 1.0 / fade)), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def tapered(weights: np.ndarray, taper: np.ndarray) -> np.ndarray:
    """float32 octave ``weights`` times a :func:`band_limit_taper` (one rounding, shared by the compiled
    albedo so both codes use the same weights)."""
    return (np.asarray(weights, dtype=np.float64) * taper).astype(np.float32)


def random_rotations(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` uniformly random rotation matrices ``(count, 3, 3)`` (QR of Gaussian matrices)."""
    q, r = np.linalg.qr(rng.normal(size=(count, 3, 3)))
    q = q * np.sign(np.diagonal(r, axis1=1, axis2=2))[:, np.newaxis, :]
    det = np.linalg.det(q)
    q[:, :, 0] *= det[:, np.newaxis]
    return q


def _rotate(xyz: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``(matrix.T @ xyz)`` for ``xyz`` ``(3, N)`` in plain arithmetic (no BLAS call: BLAS threads thrash on
    busy machines, and the plain arithmetic is bit-identical everywhere)."""
    m = matrix[:, :, np.newaxis]
    return xyz[0] * m[0] + xyz[1] * m[1] + xyz[2] * m[2]


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
    fine_gain : float or None
        Amplitude ratio between successive octaves from ``fine_from`` on (a broken power law: the spectrum
        steepens at small scales); None = ``gain`` throughout.
    fine_from : int
        First octave whose amplitude is ``fine_gain`` times the previous one's.
    """

    seed: int
    base_frequency: float
    octaves: int
    lacunarity: float = 2.5
    gain: float = 0.6
    fine_gain: float | None = None
    fine_from: int = 0

    def __post_init__(self) -> None:
        rng = np.random.default_rng(np.random.SeedSequence([self.seed & 0xFFFFFFFF, 0x6E6F697A]))
        object.__setattr__(self, "_rotations", random_rotations(rng, max(min(3, self.octaves), 1)))
        object.__setattr__(self, "_offsets", rng.uniform(0.0, 1000.0, size=(self.octaves, 3)))
        object.__setattr__(self, "_seeds", rng.integers(0, 2**32, size=self.octaves, dtype=np.uint64))

    def frequency(self, octave: int) -> float:
        """Lattice cells per unit length of ``octave`` (0-based)."""
        return self.base_frequency * self.lacunarity**octave

    def amplitudes(self) -> list[float]:
        """Relative amplitude of each octave: ``gain^k``, and ``fine_gain`` per octave from ``fine_from`` on."""
        if self.fine_gain is None:
            return [self.gain**i for i in range(self.octaves)]
        split = max(int(self.fine_from), 0)
        return [self.gain**min(i, split) * self.fine_gain**max(i - split, 0) for i in range(self.octaves)]

    def octave_weights(self, detail_from: int | None = None, detail_gain: float = 0.8,
                       coarse_octaves: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """float32 ``(octaves,)`` weights of each octave in the ``total``, ``detail`` and ``coarse`` fields of
        :meth:`fields` (zero where an octave is not part of a field)."""
        k = range(self.octaves)
        amplitude = self.amplitudes()
        norm = sum(amplitude)
        start = self.octaves if detail_from is None else detail_from
        detail_norm = sum(detail_gain**j for j in range(max(self.octaves - start, 1)))
        coarse_norm = sum(self.gain**i for i in range(max(coarse_octaves, 1)))
        w_total = np.array([amplitude[i] / norm for i in k], dtype=np.float32)
        w_detail = np.array([detail_gain ** (i - start) / detail_norm if i >= start else 0.0 for i in k],
                            dtype=np.float32)
        w_coarse = np.array([self.gain**i / coarse_norm if i < coarse_octaves else 0.0 for i in k],
                            dtype=np.float32)
        return w_total, w_detail, w_coarse

    def __call__(self, points: np.ndarray, max_frequency: float | None = None) -> np.ndarray:
        """Normalised fBm ``sum_k gain^k n_k / sum_k gain^k`` at ``points`` ``(N, 3)``, float32 ``(N,)``."""
        return self.fields(points, max_frequency)["total"]

    def fields(self, points: np.ndarray, max_frequency: float | None = None, detail_from: int | None = None,
               detail_gain: float = 0.8, coarse_octaves: int = 0, z_stretch: float = 1.0,
               stretch_decay: float = 1.0, anisotropy=None, fade: float = 1.0, intermittency: float = 0.0,
               envelope_octave: int = 0, envelope_from: int | None = None) -> dict:
        """The fBm and two by-products computed from the same octaves (no extra noise evaluations).

        Anisotropy: octave ``k`` sees the z coordinate multiplied by ``1 + (z_stretch - 1) decay^k a``,
        with ``a`` the per-point ``anisotropy`` in [0, 1] (default 1). On the unit sphere this elongates
        features east-west (most near the equator), strongly at large scales and less at small ones.

        Returns a dict of float32 ``(N,)`` arrays:

        * ``total``: ``sum_k gain^k n_k / sum_k gain^k``; ``max_frequency`` drops octaves finer than it
          (band limiting for coarse pixels) keeping the normalisation, so coarse and fine evaluations agree
          on their common octaves; with ``fade > 1`` octaves between ``max_frequency / fade`` and
          ``max_frequency`` are faded out smoothly (:func:`band_limit_taper`, applied to every field);
        * ``detail`` (with ``detail_from``): octaves ``k >= detail_from`` weighted ``detail_gain^(k -
          detail_from)``, normalised: a high-pass field whose contrast does not vanish at small scales;
        * ``coarse`` (with ``coarse_octaves``): the first ``coarse_octaves`` octaves alone, normalised.

        Intermittency (with ``envelope_from`` and ``intermittency > 0``): the octaves ``k >= envelope_from`` of
        ``total`` are summed apart and multiplied by the envelope :func:`intermittency_envelope` of octave
        ``envelope_octave``'s noise (< ``envelope_from``), so the fine texture is strong in some areas and calm
        in others instead of evenly spread; ``total = coarse part + envelope * fine part`` in float32.
        """
        xyz = np.ascontiguousarray(np.asarray(points, dtype=np.float64).T)    # (3, N)
        # Three rotated copies of the points, cycled over the octaves (octave k uses copy k % 3): lattice
        # axes of neighbouring octaves never line up, and each octave costs only a scale and a shift.
        rotated = [_rotate(xyz, r) for r in self._rotations]
        z = xyz[2] if anisotropy is None else xyz[2] * anisotropy
        # Rotation of (0, 0, a z): adding (s_k - 1) times it stretches z by s_k before rotating.
        z_rotated = [z * r[2, :, np.newaxis] for r in self._rotations] if z_stretch != 1.0 else None
        n_points = xyz.shape[1]
        total = np.zeros(n_points, dtype=np.float32)
        detail = np.zeros(n_points, dtype=np.float32)
        coarse = np.zeros(n_points, dtype=np.float32)
        w_total, w_detail, w_coarse = self.octave_weights(detail_from, detail_gain, coarse_octaves)
        if fade > 1.0 and max_frequency is not None:
            taper = band_limit_taper([self.frequency(k) for k in range(self.octaves)], max_frequency, fade)
            w_total, w_detail = tapered(w_total, taper), tapered(w_detail, taper)
        start = self.octaves if detail_from is None else detail_from
        split = self.octaves if envelope_from is None or not intermittency > 0.0 else int(envelope_from)
        fine = np.zeros(n_points, dtype=np.float32) if split < self.octaves else None
        envelope_noise = None
        for k in range(self.octaves):
            freq = self.frequency(k)
            if max_frequency is not None and freq > max_frequency and k >= coarse_octaves:
                break
            r = k % len(rotated)
            if z_rotated is None:
                coords = rotated[r] * freq
            else:
                coords = z_rotated[r] * ((z_stretch - 1.0) * stretch_decay**k)
                coords += rotated[r]
                coords *= freq
            coords += self._offsets[k, :, np.newaxis]
            n = value_noise_lattice(coords, int(self._seeds[k]))
            if k < coarse_octaves:
                coarse += w_coarse[k] * n
            if k == envelope_octave:
                envelope_noise = n
            if max_frequency is not None and freq > max_frequency:
                continue
            if k >= split:
                fine += w_total[k] * n
            else:
                total += w_total[k] * n
            if k >= start:
                detail += w_detail[k] * n
        if fine is not None and envelope_noise is not None:     # (band-limited above the envelope: fine is 0)
            total += intermittency_envelope(envelope_noise, intermittency) * fine
        return {"total": total, "detail": detail, "coarse": coarse}


def intermittency_envelope(noise: np.ndarray, intermittency: float) -> np.ndarray:
    """float32 ``1 + intermittency * clip(2 noise, -1, 1)`` of one octave's value noise ``(N,)`` in [-1, 1]:
    1 on average, ``1 - intermittency`` in the calm areas and ``1 + intermittency`` in the active ones."""
    return np.float32(1.0) + np.float32(intermittency) * np.clip(np.float32(2.0) * noise, np.float32(-1.0),
                                                                 np.float32(1.0))

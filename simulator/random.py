"""Seed derivation: named, independent random generators from the scenario seed.

Each random effect (shot noise, read noise, hot pixels, a scene's storms, ...) draws from its own
``numpy.random.Generator`` whose stream depends only on the scenario seed and the effect's *name* (plus
optional integer keys such as a frame index). Adding a new effect, or drawing more from one effect, never
changes another effect's draws: the child's ``SeedSequence`` is built from ``(seed, spawn_key)`` where the
spawn key is a stable hash of the name, not a position in a spawn order.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

from simulator.errors import SimulatorError


@functools.lru_cache(maxsize=1024)      # a handful of names, each hashed once per process
def _name_key(name: str) -> int:
    """A stable 64-bit integer for a name (sha256; independent of Python's per-process hash seed)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def child_seed_sequence(seed: int, name: str, *keys: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of the effect ``name`` (and integer ``keys``) under the scenario ``seed``.

    Parameters
    ----------
    seed : non-negative int, the scenario seed.
    name : the effect's name, e.g. ``"shot_noise"``.
    keys : further non-negative ints (frame index, filter index, ...) for independent sub-streams.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SimulatorError(f"seed {seed!r} must be a non-negative integer")
    if not isinstance(name, str) or not name:
        raise SimulatorError(f"random stream name {name!r} must be a non-empty string")
    for k in keys:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise SimulatorError(f"random stream key {k!r} of {name!r} must be a non-negative integer")
    return np.random.SeedSequence(int(seed), spawn_key=(_name_key(name), *(int(k) for k in keys)))


def child_generator(seed: int, name: str, *keys: int) -> np.random.Generator:
    """An independent ``numpy.random.Generator`` for the effect ``name`` (see :func:`child_seed_sequence`)."""
    return np.random.Generator(np.random.PCG64(child_seed_sequence(seed, name, *keys)))

"""Jupiter's large-scale layout: zonal belts, jets and discrete vortices (assumed typical values).

Latitudes are planetographic degrees, longitudes System III west degrees. Belt edges are the typical
latitudes of Rogers (1995), "The Giant Planet Jupiter", rounded (assumption: they drift by a degree or two
between apparitions). Vortex positions other than latitudes are assumptions too (the GRS drifts in System
III longitude by tens of degrees per year); every entry is a dataclass field a caller can replace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Belt:
    """A dark belt between two planetographic latitudes (deg) with a darkness in [0, 1]."""

    name: str
    south_deg: float
    north_deg: float
    strength: float


@dataclass(frozen=True)
class Vortex:
    """A discrete vortex: an ellipse of semi-axes ``east_km`` x ``north_km`` centred at (lat_pg, lon_w).

    ``kind`` selects the look: ``"grs"`` (red, ringed), ``"oval"`` (white), ``"barge"`` (dark brown),
    ``"cyclone"`` (spiral, polar). ``swirl_rad`` twists the turbulent texture at the centre (positive is
    counter-clockwise seen from outside). ``methane_albedo`` is its normal albedo in METHANE (high clouds
    and haze stay bright there).
    """

    name: str
    kind: str
    lat_pg_deg: float
    lon_w_deg: float
    east_km: float
    north_km: float
    swirl_rad: float
    methane_albedo: float


# Typical belts (Rogers 1995; assumption, see module docstring). Zones are the gaps between them:
# EZ 7 S..7 N, NTrZ 17..24 N, NTZ 31..35 N, STrZ 20..27 S, STZ 32..36 S, ...
DEFAULT_BELTS: tuple[Belt, ...] = (
    Belt("EB", -1.0, 1.0, 0.12),
    Belt("NEB", 7.0, 17.0, 1.0),
    Belt("NTB", 24.0, 31.0, 0.75),
    Belt("NNTB", 35.0, 39.0, 0.55),
    Belt("NNNTB", 43.0, 47.0, 0.45),
    Belt("N4TB", 51.0, 55.0, 0.35),
    Belt("SEB", -20.0, -7.0, 0.95),
    Belt("STB", -32.0, -27.0, 0.65),
    Belt("SSTB", -40.0, -36.0, 0.5),
    Belt("S3TB", -47.0, -44.0, 0.4),
    Belt("S4TB", -55.0, -51.0, 0.35),
)

# Zonal jets (deg planetographic, relative speed): prograde on the equatorward edge of each belt and
# retrograde on its poleward edge (belts are cyclonic shear zones); speeds relative to the 24 N jet.
# Assumption: a simplified Voyager/Cassini-like profile, used only to shear the texture.
DEFAULT_JETS: tuple[tuple[float, float], ...] = (
    (23.7, 1.0), (17.5, -0.3), (7.0, 0.7), (31.0, -0.2), (35.0, 0.3), (39.5, -0.15), (43.0, 0.25),
    (-7.0, 0.7), (-19.5, -0.4), (-26.5, 0.35), (-32.0, -0.15), (-36.0, 0.25), (-40.0, -0.1), (-44.0, 0.2),
)


def _cyclones() -> tuple[Vortex, ...]:
    # Polar cyclones (Adriani et al. 2018, Nature 555, as summarised in the issue): a central cyclone at
    # each pole, eight around the north pole at ~83 N (diameters ~4000-4600 km) and five around the south
    # pole at ~84 S (~5600-7000 km). Longitudes: assumption (an even ring with a fixed phase).
    north = [Vortex("NPC", "cyclone", 89.9, 0.0, 2000.0, 2000.0, 3.0, 0.13)]
    north += [Vortex(f"NPC{i + 1}", "cyclone", 83.0, (20.0 + 45.0 * i) % 360.0, 2150.0 + 100.0 * (i % 3),
                     2150.0 + 100.0 * (i % 3), 3.0, 0.12) for i in range(8)]
    south = [Vortex("SPC", "cyclone", -89.7, 0.0, 2900.0, 2900.0, -3.0, 0.13)]
    south += [Vortex(f"SPC{i + 1}", "cyclone", -84.0, (50.0 + 72.0 * i) % 360.0, 2900.0 + 250.0 * (i % 3),
                     2900.0 + 250.0 * (i % 3), -3.0, 0.12) for i in range(5)]
    return tuple(north + south)


DEFAULT_VORTICES: tuple[Vortex, ...] = (
    # Great Red Spot: ~22 S, ~16,000 x 12,000 km (issue #4). Southern anticyclones (GRS, BA, the white
    # ovals) turn counter-clockwise seen from above (positive swirl), southern cyclones clockwise; in the
    # north the senses swap. Longitude: assumption.
    Vortex("GRS", "grs", -22.0, 320.0, 8000.0, 6000.0, 2.5, 0.13),
    # Oval BA in the STB region (~33 S; about half the GRS in length); assumption for its longitude.
    Vortex("BA", "oval", -33.0, 230.0, 4500.0, 3200.0, 2.0, 0.075),
    # The "string of pearls": white anticyclonic ovals near 40 S (assumption: five, ~3000 km long).
    *(Vortex(f"SSTB-{i + 1}", "oval", -40.5, lon, 1600.0, 1250.0, 2.0, 0.06)
      for i, lon in enumerate((20.0, 70.0, 120.0, 165.0, 290.0))),
    # Small northern white ovals near 41 N (assumption).
    Vortex("NNTB-1", "oval", 41.0, 100.0, 1500.0, 1200.0, -2.0, 0.06),
    Vortex("NNTB-2", "oval", 41.0, 250.0, 1300.0, 1100.0, -2.0, 0.06),
    # Dark brown "barges" (cyclones) on the NEB's northern edge ~15-16 N (assumption).
    *(Vortex(f"NEB-barge-{i + 1}", "barge", 15.5, lon, 2500.0, 1200.0, 1.5, 0.035)
      for i, lon in enumerate((40.0, 160.0, 275.0))),
    *_cyclones(),
)


# Seeded high-latitude populations. JunoCam's first close-ups of the polar regions (Orton et al. 2017, GRL
# 44, 4599) show them crowded with cyclonic and anticyclonic vortices, chains of small ovals along the jets
# and cyclonic folded filamentary regions. No counts or size distributions from there are used: the numbers
# below are assumptions (fields of FeaturePopulation), chosen to fill 50-78 deg sparsely and to keep
# the cloud field's 400-1,200 km spectral slope in issue #13's range (smaller, sharper ovals flatten it).
@dataclass(frozen=True)
class FeaturePopulation:
    """How many seeded vortices :func:`vortex_population` draws per hemisphere, and where.

    ``chain_lats_deg`` are the (northern) jet latitudes of the vortex chains, mirrored south; each chain
    has ``chain_length`` white anticyclonic ovals of ``oval_km`` semi-axes. ``cyclonic`` cyclonic regions
    (the ``"cyclone"`` look: twisted, bright/dark spiral filaments; our stand-in for folded filamentary
    regions, elongated east-west) and ``anticyclones`` isolated white ovals are scattered between
    ``lat_range_deg``.
    """

    chain_lats_deg: tuple[float, ...] = (60.0, 68.0)
    chain_length: int = 5
    oval_km: tuple[float, float] = (900.0, 1600.0)
    cyclonic: int = 8
    cyclonic_km: tuple[float, float] = (900.0, 2200.0)
    anticyclones: int = 5
    lat_range_deg: tuple[float, float] = (50.0, 77.0)


_POPULATION_TAG = 0x5EED_F00D      # SeedSequence entropy tag: this stream is independent of the noise's


def vortex_population(seed: int, population: FeaturePopulation | None = None) -> tuple[Vortex, ...]:
    """Seeded high-latitude vortices (both hemispheres): chains of ovals, cyclonic regions, lone ovals.

    The same seed gives the same tuple. Northern cyclones and southern anticyclones turn counter-clockwise
    seen from outside (positive ``swirl_rad``), as for the named vortices above.
    """
    p = population or FeaturePopulation()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, _POPULATION_TAG]))
    out: list[Vortex] = []
    lo, hi = p.lat_range_deg
    for hemi, sign in (("N", 1.0), ("S", -1.0)):
        for c, lat in enumerate(p.chain_lats_deg):
            start = rng.uniform(0.0, 360.0)
            step = rng.uniform(7.0, 11.0)
            for i in range(p.chain_length):
                size = rng.uniform(*p.oval_km)
                out.append(Vortex(f"{hemi}chain{c + 1}-{i + 1}", "oval", sign * (lat + rng.normal(0.0, 0.4)),
                                  (start + i * step + rng.uniform(-1.5, 1.5)) % 360.0, size * 1.25, size,
                                  -2.0 * sign, 0.07))
        for i in range(p.cyclonic):
            north = rng.uniform(*p.cyclonic_km)
            out.append(Vortex(f"{hemi}cyc-{i + 1}", "cyclone", sign * rng.uniform(lo, hi), rng.uniform(0.0, 360.0),
                              north * rng.uniform(1.3, 2.2), north, sign * rng.uniform(2.0, 3.5), 0.1))
        for i in range(p.anticyclones):
            size = rng.uniform(*p.oval_km) * 1.4
            out.append(Vortex(f"{hemi}ac-{i + 1}", "oval", sign * rng.uniform(lo, hi), rng.uniform(0.0, 360.0),
                              size * 1.2, size, -2.0 * sign, 0.07))
    return tuple(out)

"""Jupiter's colours per latitude: the factor of |latitude| by which BLUE and RED are re-based on real DN.

:class:`scenes.jupiter.JupiterAppearance` multiplies its BLUE and RED albedo by :data:`COLOUR_PROFILE` (its
``colour_profile`` field), after the zone / belt / polar colours and the features; GREEN and METHANE are left as
they are. Measured with ``benchmarks/band_colours.py`` (README "Scenes", Colours).
"""

from __future__ import annotations

import numpy as np

from scenes.errors import SceneError

# scenes.jupiter's colours (ZONE, BELT, POLAR, VORTEX_COLOURS) per latitude, re-based on decompanded DN: BLUE and
# RED multiplied by a factor of |planetographic latitude| (linear between the knots, constant beyond them; GREEN and
# METHANE 1, so the GREEN cloud field and every texture figure are unchanged). Measured (benchmarks/band_colours.py)
# on the real PJ32 south-polar image JNCE_2021052_32C00054 (the mission's per-filter maps decompanded from their
# SQROOT codes, read in its twin's perspective geometry as `junocam-sim compare` reads them) beside the real-like
# product (tests/test_realism_acceptance.py REAL_LIKE_*) drawn into the same maps as calibrated DN, on the same
# pixels (incidence < 70, emission < 60 deg), 5 deg bands, each ratio at one common geometry (the fit log(X/G) =
# c(band) + beta log mu0 + gamma log mu, which takes the bands' photometry out): the real red/green falls steadily
# from 1.281 at -45..-40 to 1.176 at -75..-70 (-8 %), ours (ZONE / BELT / POLAR fitted on the maps' codes) only
# 3.6 %, flat down to -57 deg; the real blue/green rises 7 % from -50 to -75, ours 9 %, the step at the polar colour
# edges (57-68 deg) 2.6 % too high. The knots are real / ours per band, normalised to 1 over -45..-30 deg (where
# both profiles agree within the bands' +-2 % scatter), smoothed to a line (RED) and a step (BLUE). The north is
# taken to mirror the south (assumption: only the south was measured). Configurable per appearance
# (``JupiterAppearance.colour_profile``).
COLOUR_PROFILE = {"BLUE": ((57.5, 1.0), (62.5, 0.974)), "RED": ((45.0, 1.0), (72.5, 0.962))}


def colour_knots(name: str, knots) -> tuple[np.ndarray, np.ndarray]:
    """(|latitude| deg, factor) arrays of one filter's ``colour_profile`` entry; SceneError when not at least one
    (latitude, factor) pair with latitudes increasing in [0, 90] and positive finite factors."""
    try:
        table = np.asarray(knots, dtype=np.float64)
    except (TypeError, ValueError):
        table = np.empty((0, 0))
    lat = table[:, 0] if table.ndim == 2 and table.shape[1:] == (2,) and len(table) else None
    if (lat is None or not np.all(np.isfinite(table)) or np.any(np.diff(lat) <= 0) or lat[0] < 0 or lat[-1] > 90
            or np.any(table[:, 1] <= 0)):
        raise SceneError(f"colour_profile[{name!r}] {knots!r} must be (latitude, factor) pairs with latitudes "
                         "increasing in [0, 90] deg and positive factors")
    return table[:, 0].copy(), table[:, 1].copy()

"""What the planner points at: a fixed point on Jupiter (a pole, the Great Red Spot, LAT,LON) or the limb.

Latitudes given by the user are planetographic (the convention of Jupiter maps and of the Great Red Spot's
published latitude) and longitudes System III west, as everywhere in the project (ARCHITECTURE.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from scenes import JUPITER_RADII_KM, Ellipsoid
from scenes.ellipsoid import west_longitude_deg
from simulator.planning.errors import PlanningError

TARGET_NAMES = ("north-pole", "south-pole", "GRS", "LAT,LON", "limb")

# How far around a point target an image should reach, km (assumption: a few thousand km of context
# around a pole or a named point; for the Great Red Spot its own half-length is used when the scene gives it).
DEFAULT_CONTEXT_RADIUS_KM = 3000.0
# Jupiter's poles never rise more than ~3 deg above the terminator (obliquity 3.1 deg), so a pole target
# means the polar region: it counts as lit when the sunward point of the region's edge, this many degrees
# of latitude from the pole, is lit (assumption: 10 deg, which holds the polar cyclone clusters at 83-84 deg).
POLAR_REGION_DEG = 10.0


@dataclass(frozen=True)
class Target:
    """One planning target.

    Attributes
    ----------
    name : the name as the user gave it, normalised (``"north-pole"``, ``"GRS"``, ``"20.0,150.0"``, ``"limb"``).
    kind : ``"point"`` (a fixed surface point) or ``"limb"`` (the limb point nearest the swath centre).
    lat_pg_deg, lon_w_deg : planetographic latitude and System III west longitude of a point target
        (NaN for the limb).
    context_radius_km : how far around the target the image should reach (km).
    polar_region_deg : for the poles, the latitude span of the polar region whose sunward edge decides
        whether the target is lit (0 for other targets: the target point itself must be lit).
    """

    name: str
    kind: str
    lat_pg_deg: float = float("nan")
    lon_w_deg: float = float("nan")
    context_radius_km: float = DEFAULT_CONTEXT_RADIUS_KM
    polar_region_deg: float = 0.0

    def surface_point_km(self, ellipsoid: Ellipsoid | None = None) -> np.ndarray:
        """(3,) body-fixed point (IAU_JUPITER, km) of a point target on the ellipsoid."""
        if self.kind != "point":
            raise PlanningError(f"target {self.name!r} is not a fixed surface point")
        ell = ellipsoid or Ellipsoid(JUPITER_RADII_KM)
        return np.asarray(ell.surface_point(self.lat_pg_deg, self.lon_w_deg), dtype=float).reshape(3)

    def lighting_points_km(self, ellipsoid: Ellipsoid, sun_body: np.ndarray, points: np.ndarray) -> np.ndarray:
        """(N, 3) the points whose incidence decides whether the target is lit, given (N, 3) Sun positions.

        The target points themselves, except for a pole: the point of the polar region's edge on the
        sub-solar meridian.
        """
        if self.polar_region_deg <= 0.0:
            return points
        edge = np.sign(self.lat_pg_deg) * (90.0 - self.polar_region_deg)
        lon_w = west_longitude_deg(np.asarray(sun_body, dtype=float))
        return np.asarray(ellipsoid.surface_point(np.full(lon_w.shape, edge), lon_w), dtype=float)


def _great_red_spot() -> tuple[float, float, float]:
    """(lat_pg, lon_w, half-length km) of the Great Red Spot where the scenes package draws it."""
    try:
        from scenes.jupiter_features import DEFAULT_VORTICES  # the scene owns the spot's position (issue #4)
    except ImportError as exc:
        raise PlanningError("target 'GRS' needs the scenes package's Great Red Spot, which this build "
                            "does not provide; give its position as LAT,LON instead") from exc
    for vortex in DEFAULT_VORTICES:
        if vortex.name == "GRS":
            return float(vortex.lat_pg_deg), float(vortex.lon_w_deg), float(vortex.east_km)
    raise PlanningError("the scenes package draws no Great Red Spot; give its position as LAT,LON instead")


_LATLON = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*,\s*([-+]?\d+(?:\.\d*)?|[-+]?\.\d+)\s*$")


def parse_target(text: str, context_radius_km: float | None = None) -> Target:
    """Parse ``north-pole``, ``south-pole``, ``GRS``, ``LAT,LON`` (planetographic deg, west deg) or ``limb``.

    Raises
    ------
    PlanningError
        For anything else, naming the value and the accepted forms.
    """
    raw = str(text).strip()
    key = raw.lower().replace("_", "-")
    radius = DEFAULT_CONTEXT_RADIUS_KM if context_radius_km is None else float(context_radius_km)
    if key in ("north-pole", "south-pole"):
        # The context of a pole is its polar region: POLAR_REGION_DEG of latitude on the polar radius.
        polar = np.radians(POLAR_REGION_DEG) * JUPITER_RADII_KM[2] if context_radius_km is None else radius
        return Target(key, "point", 90.0 if key == "north-pole" else -90.0, 0.0, polar, POLAR_REGION_DEG)
    if key in ("grs", "great-red-spot"):
        lat, lon, half = _great_red_spot()
        return Target("GRS", "point", lat, lon, half if context_radius_km is None else radius)
    if key == "limb":
        return Target("limb", "limb", context_radius_km=radius)
    m = _LATLON.match(raw)
    if m:
        lat, lon = float(m.group(1)), float(m.group(2))
        if not -90.0 <= lat <= 90.0:
            raise PlanningError(f"target latitude {lat:g} is outside -90..90 deg (planetographic)")
        if not -360.0 <= lon <= 360.0:
            raise PlanningError(f"target longitude {lon:g} is outside 0..360 deg (System III west)")
        return Target(f"{lat:g},{lon % 360.0:g}", "point", lat, lon % 360.0, radius)
    raise PlanningError(f"unknown target {raw!r}; expected one of north-pole, south-pole, GRS, "
                        "LAT,LON (planetographic latitude, System III west longitude, degrees) or limb")

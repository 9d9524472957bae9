"""Opportunity search: when does the target cross JunoCam's swath, lit and seen from a good angle?

Coarse scan: one geometry sample per spin over the window. A spin is an opportunity when the target is
inside the swath's elevation band (the spin does not change elevation, only azimuth), in front of the
limb, lit (incidence below a limit) and seen at emission below a limit. Refinement: for each opportunity
the time the target crosses the centre of the image's filter strips is found by bisection on its
azimuth about the spin axis (the spin phase), one vectorised geometry call per bisection step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.planning.swath import Spin, Swath, elevation_azimuth, wrap_angle
from simulator.planning.targets import Target

# Bisection stops when the bracket on the crossing time is below this (s); 1 ms is 0.2 px of spin motion.
CROSSING_TOLERANCE_S = 1e-3
# Limb points tried per sample for the limb target (assumption: 0.5 deg steps around the limb).
LIMB_POINTS = 720


@dataclass(frozen=True)
class Limits:
    """Illumination and viewing limits (degrees).

    Attributes
    ----------
    max_emission_deg : largest emission angle accepted at the target (assumption: 70 deg, below which
        foreshortening is under a factor 3). Not applied to the limb target.
    max_incidence_deg : largest solar incidence at the target (assumption: 85 deg: lit, with the long
        shadows polar images are taken with; Jupiter's polar regions are never lit more steeply).
    """

    max_emission_deg: float = 70.0
    max_incidence_deg: float = 85.0


@dataclass(frozen=True)
class TargetGeometry:
    """Viewing geometry of the target over N samples.

    Attributes
    ----------
    ets : (N,) ET (s).
    point_body : (N, 3) target point in IAU_JUPITER (km).
    lit_point_body : (N, 3) the point whose incidence decides lighting (the target, or a pole's region edge).
    dir_cam : (N, 3) unit direction Juno -> target in JUNO_JUNOCAM.
    range_km, incidence_deg, emission_deg, phase_deg, elevation_rad, azimuth_rad : (N,) arrays.
    """

    ets: np.ndarray
    point_body: np.ndarray
    lit_point_body: np.ndarray
    dir_cam: np.ndarray
    range_km: np.ndarray
    incidence_deg: np.ndarray
    emission_deg: np.ndarray
    phase_deg: np.ndarray
    elevation_rad: np.ndarray
    azimuth_rad: np.ndarray


@dataclass(frozen=True)
class Opportunity:
    """One spin during which the target crosses the swath under the limits.

    Attributes
    ----------
    crossing_et : ET (s) at which the target crosses the centre of the image's strips (refined).
    spin_index : index of the spin in the coarse scan.
    run : index of the run of consecutive qualifying spins it belongs to.
    point_body : (3,) target point (IAU_JUPITER, km) at the crossing.
    lit_point_body : (3,) the point whose incidence decided lighting.
    range_km, incidence_deg, emission_deg, phase_deg, elevation_deg : geometry at the crossing.
    """

    crossing_et: float
    spin_index: int
    run: int
    point_body: np.ndarray
    lit_point_body: np.ndarray
    range_km: float
    incidence_deg: float
    emission_deg: float
    phase_deg: float
    elevation_deg: float


@dataclass(frozen=True)
class SearchResult:
    """The coarse scan (for plots and explanations) and the refined opportunities."""

    scan: TargetGeometry
    in_swath: np.ndarray
    visible: np.ndarray
    lit: np.ndarray
    emission_ok: np.ndarray
    opportunities: list[Opportunity] = field(default_factory=list)

    def explain_none(self, target: Target, limits: Limits) -> str:
        """One sentence saying why there is no opportunity (counts of spins meeting each condition)."""
        n = len(self.scan.ets)
        parts = [f"{int(self.in_swath.sum())} of {n} spins have it (and its context) in the swath",
                 f"{int(self.visible.sum())} in front of the limb",
                 f"{int(self.lit.sum())} lit (incidence < {limits.max_incidence_deg:g} deg)"]
        if target.kind == "point":
            parts.append(f"{int(self.emission_ok.sum())} at emission < {limits.max_emission_deg:g} deg")
        parts.append(f"{int((self.in_swath & self.visible & self.lit & self.emission_ok).sum())} all at once")
        return f"no imaging opportunity for {target.name} in this window: " + ", ".join(parts) + "."


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    cos = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def body_to_camera(sample, vectors_body: np.ndarray) -> np.ndarray:
    """Rotate (N, 3) IAU_JUPITER vectors into JUNO_JUNOCAM with the sample's (N, 3, 3) matrices."""
    return np.einsum("nji,nj->ni", sample.cam_to_body, vectors_body)


def target_geometry(geo, sample, target: Target, spin: Spin, swath: Swath, limits: Limits,
                    fixed_points: np.ndarray | None = None) -> TargetGeometry:
    """Geometry of the target at the sample's times.

    For a point target the point is fixed; for the limb, the lit limb point nearest the swath's centre
    line is chosen at each sample, unless ``fixed_points`` (N, 3) pins the points (refinement).
    """
    obs, sun = sample.obs_body, sample.sun_body
    if fixed_points is not None:
        points = np.asarray(fixed_points, dtype=float)
    elif target.kind == "point":
        points = np.broadcast_to(target.surface_point_km(geo.ellipsoid), obs.shape).copy()
    else:
        points = _best_limb_points(geo, sample, spin, swath, limits)
    v = points - obs
    rng = np.linalg.norm(v, axis=1)
    normal = geo.ellipsoid.normal(points)
    lit_points = target.lighting_points_km(geo.ellipsoid, sun, points) if target.kind == "point" else points
    dir_cam = body_to_camera(sample, v / rng[:, None])
    elevation, azimuth = elevation_azimuth(dir_cam, spin.axis_cam)
    return TargetGeometry(
        ets=np.asarray(sample.et, dtype=float), point_body=points, dir_cam=dir_cam, range_km=rng,
        lit_point_body=lit_points,
        incidence_deg=_angle_deg(geo.ellipsoid.normal(lit_points), sun - lit_points), emission_deg=_angle_deg(normal, obs - points),
        phase_deg=_angle_deg(sun - points, obs - points), elevation_rad=elevation, azimuth_rad=azimuth)


def _best_limb_points(geo, sample, spin: Spin, swath: Swath, limits: Limits) -> np.ndarray:
    """(N, 3) the lit limb point nearest the swath's centre elevation at each sample."""
    centre = 0.5 * (swath.elevation_min_rad + swath.elevation_max_rad)
    best = np.empty((len(sample), 3))
    for i in range(len(sample)):
        limb = geo.limb_points(sample, i, LIMB_POINTS)
        v_cam = (limb - sample.obs_body[i]) @ sample.cam_to_body[i]
        elevation, _ = elevation_azimuth(v_cam, spin.axis_cam)
        incidence = geo.illumination(limb, sample, i)["incidence"]
        cost = np.abs(elevation - centre) + np.where(incidence < limits.max_incidence_deg, 0.0, 10.0)
        best[i] = limb[np.argmin(cost)]
    return best


def inside_swath(scan: TargetGeometry, swath: Swath, context_radius_km: float) -> np.ndarray:
    """(N,) bool: the target, with a cross-scan margin for its context, lies inside the swath's elevation band.

    The margin is the context's angular radius seen from Juno, at most half the swath's half-width, so
    the target does not sit at a line end with its surroundings cut off.
    """
    half = 0.5 * (swath.elevation_max_rad - swath.elevation_min_rad)
    margin = np.minimum(np.arctan2(context_radius_km, scan.range_km), 0.5 * half)
    return ((scan.elevation_rad >= swath.elevation_min_rad + margin)
            & (scan.elevation_rad <= swath.elevation_max_rad - margin))


def _runs(mask: np.ndarray) -> np.ndarray:
    """Run index (0, 1, ...) of each True element of ``mask`` among consecutive Trues; -1 elsewhere."""
    starts = mask & ~np.concatenate([[False], mask[:-1]])
    run = np.cumsum(starts) - 1
    return np.where(mask, run, -1)


def search(geo, target: Target, window_et: tuple[float, float], spin: Spin, swath: Swath,
           limits: Limits) -> SearchResult:
    """Scan the window one sample per spin and refine every qualifying spin's crossing time."""
    ets = np.arange(window_et[0], window_et[1], spin.period_s)
    sample = geo.sample(ets)
    scan = target_geometry(geo, sample, target, spin, swath, limits)
    in_swath = inside_swath(scan, swath, target.context_radius_km)
    visible = scan.emission_deg < 90.0 if target.kind == "point" else np.ones(len(ets), bool)
    lit = scan.incidence_deg < limits.max_incidence_deg
    emission_ok = (scan.emission_deg < limits.max_emission_deg if target.kind == "point"
                   else np.ones(len(ets), bool))
    ok = in_swath & visible & lit & emission_ok
    result = SearchResult(scan, in_swath, visible, lit, emission_ok)
    index = np.nonzero(ok)[0]
    if index.size == 0:
        return result
    crossing = refine_crossings(geo, scan, index, target, spin, swath, limits)
    fine = target_geometry(geo, geo.sample(crossing), target, spin, swath, limits,
                           fixed_points=scan.point_body[index])
    runs = _runs(ok)
    for k, i in enumerate(index):
        result.opportunities.append(Opportunity(
            crossing_et=float(crossing[k]), spin_index=int(i), run=int(runs[i]),
            point_body=fine.point_body[k], lit_point_body=fine.lit_point_body[k], range_km=float(fine.range_km[k]),
            incidence_deg=float(fine.incidence_deg[k]), emission_deg=float(fine.emission_deg[k]),
            phase_deg=float(fine.phase_deg[k]), elevation_deg=float(np.degrees(fine.elevation_rad[k]))))
    return result


def strip_centre_azimuth(swath: Swath) -> float:
    """Azimuth (rad) halfway between the image's outermost filter strips: the image's centre line."""
    az = np.array(list(swath.azimuth_rad.values()))
    return float(0.5 * (az.min() + az.max()))


def refine_crossings(geo, scan: TargetGeometry, index: np.ndarray, target: Target, spin: Spin, swath: Swath,
                     limits: Limits) -> np.ndarray:
    """Crossing ETs of the image's centre line for the spins ``index`` (bisection on the spin phase).

    A fixed direction's azimuth falls at the spin rate, so the next crossing after the coarse sample is
    predicted as ``t + mod(az - az_centre, 2 pi) / rate`` and bracketed by a tenth of a spin around it.
    """
    centre = strip_centre_azimuth(swath)
    t0 = scan.ets[index]
    predicted = t0 + np.mod(scan.azimuth_rad[index] - centre, 2.0 * np.pi) / spin.rate_rad_s
    half = 0.1 * spin.period_s
    lo, hi = predicted - half, predicted + half
    points = scan.point_body[index]
    while np.max(hi - lo) > CROSSING_TOLERANCE_S:
        mid = 0.5 * (lo + hi)
        g = target_geometry(geo, geo.sample(mid), target, spin, swath, limits, fixed_points=points)
        # Before the crossing the azimuth is still above the centre (it falls with time).
        before = wrap_angle(g.azimuth_rad - centre) > 0.0
        lo = np.where(before, mid, lo)
        hi = np.where(before, hi, mid)
    return 0.5 * (lo + hi)

"""Shadows of extra bodies (moons) on Jupiter: umbra and penumbra as the fraction of the solar disk covered.

For a Jupiter surface point ``P`` the Sun and each moon are seen as disks of angular radii
``a_sun = asin(R_sun / |S - P|)`` and ``a_moon = asin(r_moon / |M - P|)`` whose centres are ``theta`` apart;
the sunlight reaching ``P`` is reduced by the fraction of the solar disk's area the moon's disk covers
(planar circle-overlap formula, exact for these sub-degree disks to ~1e-7 relative). The direct-sunlight I/F
of the point is multiplied by ``1 - f`` (incidence, emission and phase unchanged). Assumptions, documented:
a uniformly bright solar disk (no solar limb darkening, which would darken the outer penumbra less); the
moon's disk is a sphere of the body's volume-equivalent radius (``(a b c)^(1/3)``; Io's outline differs from it
by < 0.5 %; meshes: the mean vertex distance); several moons covering one point multiply their factors.

Positions (J2000, relative to Juno at the observation epoch ``et``): the point ``P`` at its own emission
epoch ``t_P = et - range / c`` (as sincpt reports it): Jupiter's centre moved from the sample's ``et - lt`` by
its SSB velocity and the body turned by its spin (without this the ~0.2 s spread of ``t_P`` near perijove
would move points by ~4 km, ~1 % of the penumbra's width); the Sun as the sample's light-time-corrected Sun
from Jupiter's centre; the moon where it was when the light it blocks passed it, ``M(t_P - |M - P| / c)``,
from the moon's sample (its position at ``et - lt_moon`` and its SSB velocity).
Aberration shifts the Sun and moon directions alike and is left out. Jupiter's shadow on the moons
(eclipses) and moons' shadows on each other are not modelled.
"""

from __future__ import annotations

import numpy as np

from simulator.geometry import C_KM_S

SUN_RADIUS_KM = 695700.0   # IAU 2015 Resolution B3 nominal solar radius


def disk_overlap_fraction(a_big: np.ndarray, a_small: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Fraction of disk 1 (radius ``a_big``) covered by disk 2 (radius ``a_small``) ``theta`` apart (any units).

    Planar geometry; ``a_big`` need not be the larger. Returns values in [0, 1].
    """
    a, b, d = np.broadcast_arrays(np.asarray(a_big, float), np.asarray(a_small, float), np.asarray(theta, float))
    out = np.zeros(a.shape)
    inside = d <= np.abs(a - b)
    out[inside] = np.minimum(1.0, (np.minimum(a, b)[inside] / a[inside]) ** 2)
    part = ~inside & (d < a + b)
    if part.any():
        aa, bb, dd = a[part], b[part], d[part]
        c1 = np.clip((dd * dd + aa * aa - bb * bb) / (2.0 * dd * aa), -1.0, 1.0)
        c2 = np.clip((dd * dd + bb * bb - aa * aa) / (2.0 * dd * bb), -1.0, 1.0)
        k = np.sqrt(np.maximum((-dd + aa + bb) * (dd + aa - bb) * (dd - aa + bb) * (dd + aa + bb), 0.0))
        area = aa * aa * np.arccos(c1) + bb * bb * np.arccos(c2) - 0.5 * k
        out[part] = np.clip(area / (np.pi * aa * aa), 0.0, 1.0)
    return out


def occulter_radius_km(shape) -> float:
    """Radius of the sphere standing for a body's disk (see the module doc)."""
    radii = getattr(shape, "radii_km", None)
    if radii is not None:
        return float(np.prod(radii) ** (1.0 / 3.0))
    return float(np.mean(np.linalg.norm(shape.mesh.vertices, axis=1)))


def _moon_at(moon_sample, index: int, t: np.ndarray) -> np.ndarray:
    """(N,3) moon centre (J2000, relative to Juno at et) at epochs ``t`` (linear in its SSB velocity)."""
    t_m0 = moon_sample.et[index] - moon_sample.lt[index]
    return -moon_sample.obs_j2000[index] + np.outer(t - t_m0, moon_sample.target_vel_ssb[index])


def could_shadow_jupiter(jupiter_sample, moon_sample, index: int, moon_radius_km: float,
                         jupiter_radius_km: float) -> bool:
    """False when the moon's penumbral cone cannot reach Jupiter's bounding sphere at this epoch."""
    jup = -jupiter_sample.obs_j2000[index]
    sun = jup + jupiter_sample.j2000_to_body[index].T @ jupiter_sample.sun_body[index]
    moon = -moon_sample.obs_j2000[index]
    axis = moon - sun
    length = float(np.linalg.norm(axis))
    axis /= length
    along = float((jup - moon) @ axis)          # Jupiter's centre beyond the moon along the Sun->moon axis
    if along <= -jupiter_radius_km:
        return False
    off_axis = float(np.linalg.norm(jup - moon - along * axis))
    spread = moon_radius_km + (max(along, 0.0) + jupiter_radius_km) * (SUN_RADIUS_KM + moon_radius_km) / length
    return off_axis < jupiter_radius_km + spread * 1.01 + 1.0


def sunlit_fraction(points_body: np.ndarray, range_km: np.ndarray, jupiter_sample, index: int,
                    moons) -> np.ndarray:
    """(N,) fraction of the solar disk's light reaching Jupiter surface points (1 = no shadow).

    Parameters
    ----------
    points_body : (N, 3) points on Jupiter, IAU_JUPITER (at each point's epoch) km.
    range_km : (N,) observer-to-point distances (their epochs ``et - range / c``, see the module doc).
    jupiter_sample, index : Jupiter's ``GeometrySample`` and the epoch index.
    moons : iterable of ``(moon_sample, moon_radius_km)`` (samples over the same epochs).

    Points far outside every penumbral cone (a loose test at the centre's epoch, with a margin covering what
    the epochs change) keep 1 without the exact computation.
    """
    p = np.asarray(points_body, dtype=float).reshape(-1, 3)
    s, i = jupiter_sample, index
    rot0 = s.j2000_to_body[i]
    jup = -s.obs_j2000[i]
    sun = jup + rot0.T @ s.sun_body[i]
    t_j = s.et[i] - s.lt[i]
    dt = s.et[i] - np.asarray(range_km, dtype=float).reshape(-1) / C_KM_S - t_j
    lit = np.ones(p.shape[0])
    if not p.shape[0]:
        return lit
    pts0 = jup + p @ rot0                                   # points at the centre's epoch
    spin = s.body_spin_body[i]
    speed = float(np.linalg.norm(s.target_vel_ssb[i]) + np.linalg.norm(spin) * np.max(np.linalg.norm(p, axis=1)))
    for moon_sample, radius in moons:
        # loose test: distance of each point from the Sun -> moon axis vs the penumbra's radius there
        moon0 = -moon_sample.obs_j2000[i]
        axis = moon0 - sun
        length = float(np.linalg.norm(axis))
        axis /= length
        rel = pts0 - moon0
        along = rel @ axis
        off = np.linalg.norm(rel - along[:, None] * axis, axis=1)
        drift = (float(np.max(np.abs(dt))) + float(np.max(np.abs(along))) / C_KM_S + 1.0) * (
            speed + float(np.linalg.norm(moon_sample.target_vel_ssb[i])))
        near = (along > -radius) & (off < radius + np.maximum(along, 0.0) * (SUN_RADIUS_KM + radius) / length
                                    + drift + 10.0)
        if not near.any():
            continue
        k = np.flatnonzero(near)
        lit[k] *= 1.0 - _covered(p[k], dt[k], s, i, sun, moon_sample, radius)
    return lit


def _covered(p: np.ndarray, dt: np.ndarray, s, i: int, sun: np.ndarray, moon_sample, radius: float) -> np.ndarray:
    """Exact covered fraction of the solar disk at points ``p`` (IAU_JUPITER at epochs ``et - lt + dt``).

    The body turned to each point's epoch to first order in ``w dt`` (the second-order term is
    ``(w dt)^2 R / 2`` < 1 m for ``|dt|`` < 1 s), Jupiter's centre moved by its SSB velocity.
    """
    rot0 = s.j2000_to_body[i]
    spin = s.body_spin_body[i]
    turned = p + dt[:, None] * np.cross(spin, p)            # body frame at et - lt + dt -> at et - lt
    pts = -s.obs_j2000[i] + np.outer(dt, s.target_vel_ssb[i]) + turned @ rot0
    to_sun = sun - pts
    d_sun = np.linalg.norm(to_sun, axis=1)
    a_sun = np.arcsin(np.minimum(SUN_RADIUS_KM / d_sun, 1.0))
    t_p = s.et[i] - s.lt[i] + dt
    moon = _moon_at(moon_sample, i, t_p)
    moon = _moon_at(moon_sample, i, t_p - np.linalg.norm(moon - pts, axis=1) / C_KM_S)
    to_moon = moon - pts
    d_moon = np.linalg.norm(to_moon, axis=1)
    a_moon = np.arcsin(np.minimum(radius / d_moon, 1.0))
    cos = np.einsum("ij,ij->i", to_sun, to_moon) / (d_sun * d_moon)
    sin = np.linalg.norm(np.cross(to_sun, to_moon), axis=1) / (d_sun * d_moon)
    theta = np.arctan2(sin, cos)            # well conditioned at these small angles
    between = (cos > 0) & (d_moon < d_sun)
    return np.where(between, disk_overlap_fraction(a_sun, a_moon, theta), 0.0)

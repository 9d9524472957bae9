"""Shadows and eclipses: the fraction of the solar disk a body hides from a surface point (umbra, penumbra).

Three cases, one convention: moons' shadows on Jupiter (:func:`sunlit_fraction`), Jupiter's shadow on the
moons (eclipses) and moons' shadows on each other (:func:`moon_sunlit_fraction`). The direct-sunlight I/F
of a point is multiplied by its lit fraction ``1 - f`` (several blockers multiply their factors; incidence,
emission and phase unchanged). Assumptions, documented: a uniformly bright solar disk (no solar limb
darkening, which would darken the outer penumbra less); no light from Jupiter's atmosphere in its shadow
(refraction and haze, which soften the real eclipses of the Galilean moons, are not modelled: the shadow's
edge is the kernels' 1-bar ellipsoid).

Moons as blockers (spheres). For a point ``P`` the Sun and the moon are disks of angular radii
``a_sun = asin(R_sun / |S - P|)`` and ``a_moon = asin(r_moon / |M - P|)`` whose centres are ``theta`` apart;
``f`` is the fraction of the solar disk's area the moon's disk covers (planar circle-overlap formula,
exact for these sub-degree disks to ~1e-7 relative). The moon's disk is a sphere of the body's
volume-equivalent radius (``(a b c)^(1/3)``; Io's outline differs from it by < 0.5 %; meshes: the mean
vertex distance).

Jupiter as blocker (its ellipsoid, :func:`ellipsoid_covered`). Oblateness matters: at the poles Jupiter's
outline is 4,638 km inside the equatorial sphere's, six times the width of its penumbra at Io (~750 km),
so a sphere would misplace the shadow's edge by whole penumbral widths. Exact bounds first: points inside
the inscribed sphere's umbra get ``f = 1``, outside the circumscribed sphere's penumbra ``f = 0``. Between
them, in the gnomonic plane tangent to the sky at the Sun's centre (where the solar disk is exactly a
circle of radius ``tan a_sun``), the rays from ``P`` that meet the ellipsoid form the interior of an exact
conic (``_outline_overlap``); ``f`` is the solar disk's overlap with the osculating circle of that conic at
its point nearest the Sun's centre. The approximation is the change of the outline's curvature across the
solar disk: a deviation of ``(d kappa/ds) tan^3(a_sun) / 6`` < 2e-8 rad from the outline (worst at
Callisto's distance, where Jupiter looks smallest), ~1e-5 of the fraction. Measured against rays cast
through the solar disk: within 4e-5, that integration's own sampling noise (``tests/test_render_eclipses.py``).

Positions (J2000, relative to Juno at the observation epoch ``et``): the point ``P`` at its own emission
epoch ``t_P = et - range / c`` (as sincpt reports it): its body's centre moved from the sample's ``et - lt``
by its SSB velocity and the body turned by its spin (for Jupiter, without this the ~0.2 s spread of ``t_P``
near perijove would move points by ~4 km, ~1 % of a moon's penumbra on Jupiter); the Sun as the sample's
light-time-corrected Sun from the centre of the point's body; the blocker where it was when the light it
blocks passed it, ``B(t_P - |B - P| / c)``, from its sample (its position at ``et - lt_B`` and its SSB
velocity; Jupiter's orientation turned by its spin to that epoch). Aberration shifts the Sun and blocker
directions alike and is left out.
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


def _sun_at(sample, index: int) -> np.ndarray:
    """(3,) the Sun (J2000, relative to Juno at et): the sample's light-time-corrected Sun from the body's centre."""
    return -sample.obs_j2000[index] + sample.j2000_to_body[index].T @ sample.sun_body[index]


def could_shadow(sun: np.ndarray, blocker: np.ndarray, blocker_radius_km: float, target: np.ndarray,
                 target_radius_km: float, margin_km: float = 0.0) -> bool:
    """False when the penumbral cone of a sphere (``blocker``, radius) cannot reach the ``target`` sphere.

    Positions (3,) in one frame and at one epoch; ``margin_km`` widens the cone for what the epochs change.
    """
    axis = blocker - sun
    length = float(np.linalg.norm(axis))
    axis = axis / length
    along = float((target - blocker) @ axis)    # the target's centre beyond the blocker along Sun -> blocker
    if along <= -target_radius_km - margin_km:
        return False
    off_axis = float(np.linalg.norm(target - blocker - along * axis))
    spread = blocker_radius_km + (max(along, 0.0) + target_radius_km) * (SUN_RADIUS_KM + blocker_radius_km) / length
    return off_axis < target_radius_km + spread * 1.01 + 1.0 + margin_km


def could_shadow_jupiter(jupiter_sample, moon_sample, index: int, moon_radius_km: float,
                         jupiter_radius_km: float) -> bool:
    """False when the moon's penumbral cone cannot reach Jupiter's bounding sphere at this epoch."""
    return could_shadow(_sun_at(jupiter_sample, index), -moon_sample.obs_j2000[index], moon_radius_km,
                        -jupiter_sample.obs_j2000[index], jupiter_radius_km)


def could_eclipse(target_sample, blocker_sample, index: int, target_radius_km: float,
                  blocker_radius_km: float) -> bool:
    """False when a body's penumbral cone (Jupiter's bounding sphere, or a moon's sphere) cannot reach the
    target body's bounding sphere at this epoch.

    The two samples place the bodies at their own light-time epochs (``et - lt``), and the blocked light
    passes the blocker ``|B - T| / c`` before reaching the target: the cone is widened by the relative
    motion over these epoch differences (plus 1 s).
    """
    i = index
    target = -target_sample.obs_j2000[i]
    blocker = -blocker_sample.obs_j2000[i]
    gap_s = float(np.linalg.norm(blocker - target)) / C_KM_S + abs(float(target_sample.lt[i] - blocker_sample.lt[i]))
    speed = float(np.linalg.norm(target_sample.target_vel_ssb[i] - blocker_sample.target_vel_ssb[i]))
    return could_shadow(_sun_at(target_sample, i), blocker, blocker_radius_km, target, target_radius_km,
                        speed * (gap_s + 1.0))


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
    sun = _sun_at(s, i)
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
        pts = _points_j2000(p[k], dt[k], s, i)
        lit[k] *= 1.0 - sphere_covered(pts, t_j + dt[k], sun, moon_sample, i, radius)
    return lit


def _points_j2000(p: np.ndarray, dt: np.ndarray, s, i: int) -> np.ndarray:
    """(N,3) J2000 positions (relative to Juno at et) of body-fixed points ``p`` at epochs ``et - lt + dt``.

    The body turned to each point's epoch to first order in ``w dt`` (the second-order term is
    ``(w dt)^2 R / 2`` < 1 m for ``|dt|`` < 1 s), its centre moved by its SSB velocity.
    """
    turned = p + dt[:, None] * np.cross(s.body_spin_body[i], p)    # body frame at et - lt + dt -> at et - lt
    return -s.obs_j2000[i] + np.outer(dt, s.target_vel_ssb[i]) + turned @ s.j2000_to_body[i]


def sphere_covered(pts: np.ndarray, t_p: np.ndarray, sun: np.ndarray, blocker_sample, i: int,
                   radius: float) -> np.ndarray:
    """(N,) fraction of the solar disk hidden by a sphere (``blocker_sample``'s body, ``radius``) from points
    ``pts`` (J2000 relative to Juno at et) at epochs ``t_p``; the blocker where the blocked light passed it."""
    to_sun = sun - pts
    d_sun = np.linalg.norm(to_sun, axis=1)
    a_sun = np.arcsin(np.minimum(SUN_RADIUS_KM / d_sun, 1.0))
    moon = _moon_at(blocker_sample, i, t_p)
    moon = _moon_at(blocker_sample, i, t_p - np.linalg.norm(moon - pts, axis=1) / C_KM_S)
    to_moon = moon - pts
    d_moon = np.linalg.norm(to_moon, axis=1)
    a_moon = np.arcsin(np.minimum(radius / d_moon, 1.0))
    cos = np.einsum("ij,ij->i", to_sun, to_moon) / (d_sun * d_moon)
    sin = np.linalg.norm(np.cross(to_sun, to_moon), axis=1) / (d_sun * d_moon)
    theta = np.arctan2(sin, cos)            # well conditioned at these small angles
    between = (cos > 0) & (d_moon < d_sun)
    return np.where(between, disk_overlap_fraction(a_sun, a_moon, theta), 0.0)


def ellipsoid_covered(pts: np.ndarray, t_p: np.ndarray, sun: np.ndarray, blocker_sample, i: int,
                      radii_km) -> np.ndarray:
    """(N,) fraction of the solar disk hidden by an ellipsoid (Jupiter: ``blocker_sample``'s body, ``radii_km``)
    from points ``pts`` (J2000 relative to Juno at et) at epochs ``t_p`` (see "Jupiter's shadow" in the module
    doc): 1 inside the inscribed sphere's umbra, 0 outside the circumscribed sphere's penumbra, in between
    the solar disk against the osculating circle of the ellipsoid's exact outline seen from the point."""
    radii = np.asarray(radii_km, dtype=float)
    to_sun = sun - pts
    d_sun = np.linalg.norm(to_sun, axis=1)
    s_hat = to_sun / d_sun[:, None]
    a_sun = np.arcsin(np.minimum(SUN_RADIUS_KM / d_sun, 1.0))
    centre = _moon_at(blocker_sample, i, t_p)
    t_b = t_p - np.linalg.norm(centre - pts, axis=1) / C_KM_S        # when the blocked light passed it
    centre = _moon_at(blocker_sample, i, t_b)
    to_b = centre - pts
    dist = np.linalg.norm(to_b, axis=1)
    b_hat = to_b / dist[:, None]
    cos = np.einsum("ij,ij->i", s_hat, b_hat)
    theta = np.arctan2(np.linalg.norm(np.cross(s_hat, b_hat), axis=1), cos)
    inner = np.arcsin(np.minimum(radii.min() / dist, 1.0))
    outer = np.arcsin(np.minimum(radii.max() / dist, 1.0))
    out = np.zeros(pts.shape[0])
    ahead = (cos > 0) & (dist < d_sun)
    out[ahead & (theta <= inner - a_sun)] = 1.0
    band = np.flatnonzero(ahead & (theta > inner - a_sun) & (theta < outer + a_sun))
    if band.size:
        dtb = t_b[band] - (blocker_sample.et[i] - blocker_sample.lt[i])
        out[band] = _outline_overlap(-to_b[band], s_hat[band], b_hat[band], np.tan(a_sun[band]), dtb,
                                     blocker_sample.j2000_to_body[i], blocker_sample.body_spin_body[i], radii)
    return out


def _outline_overlap(rel, s_hat, b_hat, t_sun, dtb, rot0, spin, radii) -> np.ndarray:
    """Covered fraction of the solar disk by the ellipsoid's outline, in the gnomonic plane tangent at the Sun.

    ``rel`` (N,3): point minus ellipsoid centre (J2000); ``s_hat``, ``b_hat``: unit directions to the Sun and to
    the centre; ``t_sun``: tan of the Sun's angular radius (its disk is exactly a circle of this radius in the
    gnomonic plane); ``dtb``: the blocker's epochs minus its sample epoch (body turned by ``spin``).
    A ray ``u = s + x e1 + y e2`` from the point meets the ellipsoid iff, with ``p = D rel`` and
    ``w = D u`` (``D = diag(1/radii)``, body frame), ``G = (p.w)^2 - |w|^2 (|p|^2 - 1) >= 0``: a conic in
    ``(x, y)``. The nearest point of ``G = 0`` to the Sun's centre (Newton steps along the gradient) and the
    outline's curvature there give the osculating circle, whose overlap with the solar disk is the
    covered fraction (error: the change of curvature across the solar disk, < 1e-5 of the fraction).
    """
    e1 = b_hat - np.einsum("ij,ij->i", b_hat, s_hat)[:, None] * s_hat
    e1 /= np.linalg.norm(e1, axis=1)[:, None]
    e2 = np.cross(s_hat, e1)
    scale = float(radii.max())

    def body(v):          # J2000 -> body frame at the blocker's epoch, first order in w dt
        q = v @ rot0.T
        return q - dtb[:, None] * np.cross(spin, q)

    p = body(rel) / radii
    w0, w1, w2 = (body(v) * (scale / radii) for v in (s_hat, e1, e2))
    c = np.einsum("ij,ij->i", p, p) - 1.0
    q0, q1, q2 = (np.einsum("ij,ij->i", p, w) for w in (w0, w1, w2))

    def dot(u, v):
        return np.einsum("ij,ij->i", u, v)

    a0 = q0 * q0 - c * dot(w0, w0)
    ax = 2.0 * (q0 * q1 - c * dot(w0, w1))
    ay = 2.0 * (q0 * q2 - c * dot(w0, w2))
    axx = q1 * q1 - c * dot(w1, w1)
    axy = 2.0 * (q1 * q2 - c * dot(w1, w2))
    ayy = q2 * q2 - c * dot(w2, w2)
    x = np.zeros_like(a0)
    y = np.zeros_like(a0)
    for _ in range(6):                       # Newton along the gradient onto G = 0 (quadratic convergence)
        g = a0 + ax * x + ay * y + axx * x * x + axy * x * y + ayy * y * y
        gx = ax + 2.0 * axx * x + axy * y
        gy = ay + axy * x + 2.0 * ayy * y
        step = g / np.maximum(gx * gx + gy * gy, 1e-300)
        x, y = x - step * gx, y - step * gy
    gx = ax + 2.0 * axx * x + axy * y
    gy = ay + axy * x + 2.0 * ayy * y
    norm = np.maximum(np.hypot(gx, gy), 1e-300)      # > 0 near the outline (the conic's centre is far)
    kappa = -(2.0 * ayy * gx * gx - 2.0 * axy * gx * gy + 2.0 * axx * gy * gy) / norm ** 3
    rho = 1.0 / np.maximum(kappa, 1e-9)               # the outline is convex (kappa > 0)
    cx = x + rho * gx / norm                          # centre of the osculating circle, inside the outline
    cy = y + rho * gy / norm
    return disk_overlap_fraction(t_sun, rho, np.hypot(cx, cy))


def moon_sunlit_fraction(points_body: np.ndarray, dt: np.ndarray, sample, index: int, jupiter=None,
                         moons=()) -> np.ndarray:
    """(N,) fraction of the solar disk's light reaching points on a moon (1 = lit, 0 = umbra).

    Parameters
    ----------
    points_body : (N, 3) points in the moon's body frame at their epochs ``et - lt + dt`` (km).
    dt : (N,) each point's epoch minus the moon sample's ``et - lt`` (s; sincpt's trgepc minus it).
    sample, index : the moon's ``GeometrySample`` and the epoch index.
    jupiter : ``(jupiter_sample, radii_km)`` when Jupiter's shadow may fall on the moon, else None.
    moons : iterable of ``(moon_sample, radius_km)``, other moons whose shadow may fall on it (spheres).
    """
    p = np.asarray(points_body, dtype=float).reshape(-1, 3)
    dt = np.asarray(dt, dtype=float).reshape(-1)
    lit = np.ones(p.shape[0])
    if not p.shape[0]:
        return lit
    pts = _points_j2000(p, dt, sample, index)
    t_p = sample.et[index] - sample.lt[index] + dt
    sun = _sun_at(sample, index)
    if jupiter is not None:
        lit *= 1.0 - ellipsoid_covered(pts, t_p, sun, jupiter[0], index, jupiter[1])
    for moon_sample, radius in moons:
        lit *= 1.0 - sphere_covered(pts, t_p, sun, moon_sample, index, radius)
    return lit

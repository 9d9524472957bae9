"""The per-pixel geometry: numpy replicas of SPICE's ``sincpt``, ``ilumin``, ``limbpt`` and ``stelab``.

The methods of :class:`EllipsoidReplicas` (mixed into :class:`simulator.geometry.Geometry`, which supplies the
target's ``radii_km`` and the aberration correction ``abcorr``) take a :class:`~simulator.geometry.GeometrySample`
(SPICE called once per time sample) and work on arrays of rays or points:

* ``intercept`` is ``sincpt("ELLIPSOID", target, et, body_frame, abcorr, observer, camera_frame, ray)``:
  the apparent ray is un-corrected for stellar aberration as SPICE does (the exact inverse of ``stelab``
  with the observer's barycentric velocity), then the light time to each ray's own surface point is
  iterated, with Jupiter's centre and rotation moved to each ray's emission epoch: for ``LT`` one update
  from the centre's light time (SPICE's non-converged light time), for ``CN`` until converged.
* ``illumination`` is ``ilumin``/``illumf`` (Sun light-time corrected from the target centre, body turned
  to each point's emission epoch, stellar aberration of both directions as SPICE applies it).
* ``limb_points`` is ``limbpt`` ("TANGENT/ELLIPSOID", ``corloc = "CENTER"``, ``refvec = +Z``).

:func:`stellar_aberration` / :func:`remove_stellar_aberration` are ``stelab`` and its exact inverse in closed
form. The compiled loops of ``simulator/render/compiled_ray.py`` replicate these per ray; this numpy code stays
their reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import spiceypy

if TYPE_CHECKING:
    from simulator.geometry import GeometrySample

C_KM_S = spiceypy.clight()
MISS_RETRIES = 1   # a ray missing at the centre's light time is retried at its closest-approach light time


@dataclass(frozen=True)
class Intercept:
    """Surface intercepts of M rays at one sample; NaN where a ray misses."""

    points: np.ndarray   # (M,3) body-fixed surface points, km (body frame at each ray's trgepc)
    hit: np.ndarray      # (M,) bool
    trgepc: np.ndarray   # (M,) emission epochs et - |srfvec|/c (as sincpt reports them), TDB s
    srfvec: np.ndarray   # (M,3) observer -> point, body frame at trgepc, km
    obs_body: np.ndarray  # (M,3) observer position in the body frame at each ray's trgepc
    epoch_shift: np.ndarray | None = None  # (M,) s: the last pass's body epoch minus (et - lt) (see intercept_at)

    @property
    def range_km(self) -> np.ndarray:
        return np.linalg.norm(self.srfvec, axis=1)


def _skew(axis: np.ndarray) -> np.ndarray:
    """(3,3) matrix ``K`` with ``K v = axis x v``."""
    x, y, z = (float(c) for c in axis)
    return np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])


def _rotate(v: np.ndarray, axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (M,3) about the fixed unit ``axis`` (3,) by ``angle`` (M,) rad (right-handed).

    Rodrigues' formula ``v + sin(a) K v + (1 - cos(a)) K^2 v`` with ``K`` the cross-product matrix of the
    axis, applied as two (M,3)x(3,3) products (no per-row cross products).
    """
    k = _skew(axis)
    s = np.sin(angle)[:, None]
    one_minus_c = (2.0 * np.sin(0.5 * np.asarray(angle)) ** 2)[:, None]   # 1 - cos, without cancellation
    kv = v @ k.T
    return v + kv * s + (kv @ k.T) * one_minus_c


def _unit(v: np.ndarray) -> np.ndarray:
    """Rows of (M,3) ``v`` scaled to unit length."""
    return v / np.sqrt(np.einsum("ij,ij->i", v, v))[:, None]


def remove_stellar_aberration(apparent: np.ndarray, vobs: np.ndarray) -> np.ndarray:
    """Inverse of :func:`stellar_aberration`: geometric directions whose apparent directions are ``apparent``.

    Closed form, exact: ``stelab`` turns the unit direction ``u`` toward ``beta = v / c`` within their plane
    to ``a = u cos(phi) + beta_perp`` (``sin(phi) = |u x beta|``, ``beta_perp = beta - (u . beta) u``), so
    ``a - beta = u (cos(phi) - u . beta)`` is parallel to ``u``: ``u = unit(a - beta)`` (for ``|beta| < 1``).
    """
    return _unit(_unit(np.asarray(apparent, dtype=float)) - np.asarray(vobs, dtype=float) / C_KM_S)


def stellar_aberration(directions: np.ndarray, vobs: np.ndarray) -> np.ndarray:
    """numpy ``stelab``: apparent directions of (M,3) ``directions`` for observer velocity ``vobs`` (km/s).

    ``stelab`` rotates ``u`` toward ``beta = v / c`` by ``asin(|u x beta|)``; in closed form the result is
    ``|d| (u sqrt(1 - |beta_perp|^2) + beta_perp)`` with ``beta_perp = beta - (u . beta) u`` (the lengths of
    ``directions`` are kept, as the rotation keeps them). ``vobs`` is (3,) or (M,3).
    """
    d = np.asarray(directions, dtype=float)
    length = np.sqrt(np.einsum("ij,ij->i", d, d))[:, None]
    return _aberrated_unit(d / length, vobs) * length


def _aberrated_unit(u: np.ndarray, vobs: np.ndarray) -> np.ndarray:
    """Unit apparent directions of unit (M,3) ``u`` (``stelab``; the result has unit length exactly in
    exact arithmetic because ``beta_perp`` is perpendicular to ``u``)."""
    beta = np.asarray(vobs, dtype=float) / C_KM_S
    ub = (u @ beta)[:, None] if beta.ndim == 1 else np.einsum("ij,ij->i", u, beta)[:, None]
    perp = beta - ub * u
    cos_phi = np.sqrt(1.0 - np.einsum("ij,ij->i", perp, perp))[:, None]
    return u * cos_phi + perp


class EllipsoidReplicas:
    """The per-pixel replicas (see the module docstring); the class using it sets ``abcorr`` (upper case, one of
    ``simulator.geometry.ABERRATION_CORRECTIONS``) and ``radii_km`` (the target's three radii, km)."""

    abcorr: str
    radii_km: tuple[float, float, float]

    @property
    def uses_lt(self) -> bool:
        return self.abcorr != "NONE"

    @property
    def uses_stellar(self) -> bool:
        return self.abcorr.endswith("+S")

    def intercept(self, rays_cam: np.ndarray, s: GeometrySample, i: int,
                  iterations: int | None = None) -> Intercept:
        """Vectorised ``sincpt`` replica for M camera-frame rays at sample ``i``.

        Parameters
        ----------
        rays_cam : (M,3) ray directions in the camera frame (any length).
        s : a :class:`GeometrySample`; ``i`` its index.
        iterations : passes from a ray's first hit; default 2 for ``LT`` (SPICE's single light-time update)
            and up to 10 (stopping when converged below 1e-12 s) for ``CN``.

        A ray missing at the centre's light time is retried once at its closest approach's light time, so
        grazing rays hit or miss exactly as in ``sincpt`` (checked within 6 km of the limb; rays exactly
        tangent at the centre's epoch are the only difference: sincpt counts tangency as a hit).
        """
        rays = np.asarray(rays_cam, dtype=float).reshape(-1, 3)
        d = rays @ s.cam_to_j2000[i].T
        d = _unit(d)
        if self.uses_stellar:
            d = remove_stellar_aberration(d, s.obs_vel_ssb[i])
        m = d.shape[0]
        converge = self.abcorr.startswith("CN")
        after_hit = (iterations or (10 if converge else 2)) - 1     # passes after a ray's first hit
        scale = 1.0 / np.asarray(self.radii_km)
        dt = np.zeros(m)                                  # (et - lt_ray) - (et - lt_centre) of the next pass
        t, obs_b, dir_b, dt_used = np.full(m, np.nan), np.empty((m, 3)), np.empty((m, 3)), np.zeros(m)
        active = np.ones(m, dtype=bool)
        had_hit = np.zeros(m, dtype=bool)
        left = np.zeros(m, dtype=int)
        retries = np.full(m, MISS_RETRIES)
        if self.uses_lt and not converge and after_hit == 1:
            # SPICE's LT (one update): a ray hitting at the centre's epoch takes exactly two passes, the
            # second at the light time of the first point. Run those directly, without the loop's
            # bookkeeping (same arithmetic); the loop below handles only the rays missing at first.
            obs1, dir1, t1 = self._pass(d, s, i, dt)
            hit1 = np.isfinite(t1)
            first = np.flatnonzero(hit1)
            dt_used[first] = s.lt[i] - t1[first] / C_KM_S
            obs_b[first], dir_b[first], t[first] = self._pass(d[first], s, i, dt_used[first])
            active[first] = False
            # A ray passing the ellipsoid farther than the body can move between the two epochs of the
            # loop's retry misses there too: it is final now (the loop would only confirm the miss).
            miss = np.flatnonzero(~hit1)
            far = self._clear_miss(obs1[miss], dir1[miss], s, i)
            obs_b[miss[far]], dir_b[miss[far]] = obs1[miss[far]], dir1[miss[far]]
            active[miss[far]] = False
        while active.any():
            a = np.flatnonzero(active)
            obs_b[a], dir_b[a], t[a] = self._pass(d[a], s, i, dt[a])
            dt_used[a] = dt[a]
            if not self.uses_lt:
                break
            hit_now = np.isfinite(t[a])
            # Next epoch: light time to the new point. A ray missing before any hit is retried once at the
            # light time of its closest approach to the (scaled) ellipsoid: a grazing ray then hits at its
            # own epoch, as sincpt finds it. After the first hit, `after_hit` more passes; the last decides.
            os_, ds_ = obs_b[a] * scale, dir_b[a] * scale
            t_near = np.maximum(-np.sum(os_ * ds_, axis=1) / np.sum(ds_ * ds_, axis=1), 0.0)
            dt[a] = s.lt[i] - np.where(hit_now, t[a], t_near) / C_KM_S
            left[a] = np.where(had_hit[a], left[a] - 1, after_hit)
            had_hit[a] |= hit_now
            retries[a] -= ~had_hit[a]
            done = np.where(had_hit[a], left[a] <= 0, retries[a] < 0)
            if converge:
                done |= had_hit[a] & hit_now & (np.abs(dt[a] - dt_used[a]) < 1e-12)
            active[a[done]] = False
        hit = np.isfinite(t)
        points = obs_b + t[:, None] * dir_b
        trgepc = s.et[i] - s.lt[i] + dt_used
        if self.uses_lt:                   # as sincpt reports it: the light time of the final point
            trgepc = np.where(hit, s.et[i] - t / C_KM_S, trgepc)
        return Intercept(points=points, hit=hit, trgepc=trgepc, srfvec=points - obs_b, obs_body=obs_b,
                         epoch_shift=dt_used)

    def intercept_at(self, rays_cam: np.ndarray, s: GeometrySample, i: int, epoch_shift: np.ndarray) -> Intercept:
        """The last pass of :meth:`intercept` alone: rays intersected with the body at given epochs.

        ``epoch_shift`` (M,) s is each ray's body epoch minus the centre's ``et - lt`` (``Intercept.
        epoch_shift`` of the full replica). With the shift the full replica ends with, the result is the
        full replica's (same arithmetic); with a shift off by ``e`` seconds a point moves by about
        ``e`` x 13 km/s (Jupiter's orbital speed plus its equatorial rotation), e.g. 1e-3 m for 1e-7 s.
        """
        rays = np.asarray(rays_cam, dtype=float).reshape(-1, 3)
        d = _unit(rays @ s.cam_to_j2000[i].T)
        if self.uses_stellar:
            d = remove_stellar_aberration(d, s.obs_vel_ssb[i])
        dt = np.asarray(epoch_shift, dtype=float).reshape(-1)
        obs_b, dir_b, t = self._pass(d, s, i, dt)
        hit = np.isfinite(t)
        points = obs_b + t[:, None] * dir_b
        trgepc = s.et[i] - s.lt[i] + dt
        if self.uses_lt:
            trgepc = np.where(hit, s.et[i] - t / C_KM_S, trgepc)
        return Intercept(points=points, hit=hit, trgepc=trgepc, srfvec=points - obs_b, obs_body=obs_b,
                         epoch_shift=dt)

    def _pass(self, d: np.ndarray, s: GeometrySample, i: int, dt: np.ndarray):
        """One intersection pass: geometric J2000 rays ``d`` (M,3) against the body at epochs ``et - lt + dt``.

        Returns the observer and the rays in that body frame (M,3) and the distances ``t`` (M,), NaN on a miss.
        """
        if not np.any(dt):                        # the centre's epoch: one observer position for all rays
            rot0 = s.j2000_to_body[i]
            obs_b, dir_b = rot0 @ s.obs_j2000[i], d @ rot0.T
            return np.broadcast_to(obs_b, dir_b.shape), dir_b, self._intersect(obs_b, dir_b)
        obs_j = s.obs_j2000[i] - np.outer(dt, s.target_vel_ssb[i])        # target centre moved by dt
        to_body = self._body_rotation(s, i, dt)                            # body frame at et - lt + dt
        obs_b, dir_b = to_body(obs_j), to_body(d)
        return obs_b, dir_b, self._intersect(obs_b, dir_b)

    def _clear_miss(self, obs_b: np.ndarray, dir_b: np.ndarray, s: GeometrySample, i: int) -> np.ndarray:
        """(M,) bool: rays (body frame at the centre's epoch) that miss at any light-time epoch of a retry.

        The retry moves the body frame by ``|dt| <= |lt - t_near / c|``: the centre by ``|dt| |v|`` and
        the ray, turned with the spin, by at most ``|dt| w (|obs| + t_near)`` near its closest approach;
        a ray whose closest approach clears the ellipsoid by twice that (scaled by the smallest radius)
        cannot hit.
        """
        scale = 1.0 / np.asarray(self.radii_km)
        os_, ds_ = obs_b * scale, dir_b * scale
        t_near = np.maximum(-np.einsum("ij,ij->i", os_, ds_) / np.einsum("ij,ij->i", ds_, ds_), 0.0)
        gap = np.sqrt(np.einsum("ij,ij->i", os_ + t_near[:, None] * ds_, os_ + t_near[:, None] * ds_)) - 1.0
        dt = np.abs(s.lt[i] - t_near / C_KM_S)
        rate = float(np.linalg.norm(s.body_spin_body[i]))
        move_km = dt * (np.linalg.norm(s.target_vel_ssb[i]) + rate * (np.linalg.norm(s.obs_j2000[i]) + t_near))
        return gap > 2.0 * move_km / min(self.radii_km)

    def _intersect(self, obs_b: np.ndarray, dir_b: np.ndarray) -> np.ndarray:
        """``Ellipsoid.intersect`` (same cancellation-free formula and hit rules) for body-frame rays (M,3)
        from one origin (3,) or from (M,3) origins, without the input checks (hot loop)."""
        inv_r = 1.0 / np.asarray(self.radii_km)
        ds, os_ = dir_b * inv_r, obs_b * inv_r
        a = np.einsum("ij,ij->i", ds, ds)
        if os_.ndim == 1:
            b, c = ds @ os_, float(os_ @ os_) - 1.0
        else:
            b, c = np.einsum("ij,ij->i", os_, ds), np.einsum("ij,ij->i", os_, os_) - 1.0
        disc = b * b - a * c
        with np.errstate(invalid="ignore", divide="ignore"):
            t = c / (-b + np.sqrt(disc))           # near root c / q, q = -b + sqrt(disc) > 0 when heading in
        return np.where((c > 0.0) & (b < 0.0) & (disc >= 0.0) & (a > 0.0), t, np.nan)

    def illumination(self, points: np.ndarray, s: GeometrySample, i: int, obs_body: np.ndarray | None = None,
                     trgepc: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Incidence, emission and phase (deg) at body-fixed surface ``points`` (M,3), exactly as ``ilumin``.

        Parameters
        ----------
        points : (M,3) surface points, body frame (at each point's emission epoch).
        obs_body : (M,3) observer position per point (``Intercept.obs_body``); default the sample's.
        trgepc : (M,) emission epochs (``Intercept.trgepc``); the Sun direction is turned with the body to
            each point's epoch (Jupiter turns 2.4e-3 deg in the 0.24 s light-time spread at perijove).
            Default: the sample's target-centre epoch.

        Notes
        -----
        As SPICE's ``ilumin``/``illumf`` do: the Sun is light-time corrected from the target centre; with
        stellar aberration ("+S") the observer direction is the apparent one (aberrated with the observer's
        velocity, ~0.011 deg at 58 km/s) and the Sun direction is aberrated with the surface point's own
        velocity (Jupiter's orbital motion plus its rotation). Agreement with ``ilumin``: < 1e-6 deg.
        Use :meth:`illumination_at` with an :class:`Intercept`.
        """
        p = np.asarray(points, dtype=float).reshape(-1, 3)
        obs = np.broadcast_to(s.obs_body[i] if obs_body is None else obs_body, p.shape)
        dt = np.zeros(len(p)) if trgepc is None else np.asarray(trgepc, float) - (s.et[i] - s.lt[i])
        # Everything in the body frame at each point's epoch: the Sun and the velocities are fixed vectors
        # of the body frame at et - lt turned by the spin over dt (rotations commute with stelab's
        # geometry and with cross products, so this equals turning the vectors to J2000 and back).
        rot0 = s.j2000_to_body[i]
        turn = self._turner(s, i, dt)
        to_obs = _unit(obs - p)
        to_sun = _unit(turn(s.sun_body[i]) - p)
        if self.uses_stellar:       # apparent directions: observer's velocity, and the point's for the Sun
            to_obs = -_aberrated_unit(-to_obs, turn(rot0 @ s.obs_vel_ssb[i]))
            point_vel = turn(rot0 @ s.target_vel_ssb[i]) + p @ _skew(s.body_spin_body[i]).T
            to_sun = _aberrated_unit(to_sun, point_vel)
        normal = _unit(p / np.asarray(self.radii_km) ** 2)     # outward normal: gradient of the quadric

        def angle(a, b):
            return np.degrees(np.arccos(np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0)))
        return {"incidence": angle(normal, to_sun), "emission": angle(normal, to_obs), "phase": angle(to_sun, to_obs)}

    @staticmethod
    def _turner(s: GeometrySample, i: int, dt: np.ndarray):
        """Function taking a body-frame vector (3,) (frame at et - lt) to (M,3) in the frames at et - lt + dt."""
        spin = s.body_spin_body[i]
        rate = float(np.linalg.norm(spin))
        dt = np.asarray(dt, dtype=float)
        if rate == 0.0 or not np.any(dt):
            return lambda v: np.broadcast_to(np.asarray(v, dtype=float), (len(dt), 3)).copy()
        k = _skew(spin / rate)
        angle = -rate * dt
        sin, one_minus_cos = np.sin(angle)[:, None], (2.0 * np.sin(0.5 * angle) ** 2)[:, None]
        return lambda v: v + sin * (k @ v) + one_minus_cos * (k @ (k @ v))

    def illumination_at(self, hit: Intercept, s: GeometrySample, i: int) -> dict[str, np.ndarray]:
        """:meth:`illumination` for the rays of an :class:`Intercept` that hit (arrays over those rays)."""
        m = hit.hit
        return self.illumination(hit.points[m], s, i, obs_body=hit.obs_body[m], trgepc=hit.trgepc[m])

    @staticmethod
    def _body_rotation(s: GeometrySample, i: int, dt: np.ndarray, inverse: bool = False):
        """Function rotating (M,3) J2000 vectors into the body frame at epochs ``et - lt + dt`` (or back)."""
        spin = s.body_spin_body[i]
        rate = float(np.linalg.norm(spin))
        axis = spin / rate if rate > 0 else np.array([0.0, 0.0, 1.0])
        rot0 = s.j2000_to_body[i]
        if not np.any(dt):
            return (lambda v: v @ rot0) if inverse else (lambda v: v @ rot0.T)
        if inverse:
            return lambda v: _rotate(v, axis, rate * dt) @ rot0
        return lambda v: _rotate(v @ rot0.T, axis, -rate * dt)

    def limb_points(self, s: GeometrySample, i: int, n: int = 360) -> np.ndarray:
        """(n,3) body-fixed limb points of the ellipsoid as seen from the observer (``limbpt`` replica).

        The observer is ``s.obs_body[i]`` (with "+S", its apparent position: the target centre's direction
        corrected for stellar aberration, as ``limbpt`` does).

        Cutting half-planes contain the observer-centre line and start from the body's +Z axis projected on
        the plane normal to that line, rotating about it in ``2 pi / n`` steps (``limbpt`` "TANGENT/ELLIPSOID"
        with ``refvec = (0,0,1)``, ``corloc = "CENTER"``).
        """
        obs = s.obs_body[i]
        if self.uses_stellar:     # limbpt corrects the target centre's position for stellar aberration too
            apparent = stellar_aberration(-s.obs_j2000[i][None, :], s.obs_vel_ssb[i])[0]
            obs = -(s.j2000_to_body[i] @ apparent)
        a2 = np.asarray(self.radii_km) ** 2
        axis = obs / np.linalg.norm(obs)
        ref = np.array([0.0, 0.0, 1.0]) - axis[2] * axis
        ref /= np.linalg.norm(ref)
        roll = np.arange(n) * 2 * np.pi / n
        u = np.cos(roll)[:, None] * ref + np.sin(roll)[:, None] * np.cross(axis, ref)
        # point X = alpha * axis + beta * u with X.(obs/a2) = 1 (polar plane) and X.(X/a2) = 1 (surface)
        g = obs / a2
        ga, gu = axis @ g, u @ g
        # alpha = (1 - beta*gu) / ga ; substitute into the quadratic form
        qaa = np.sum(axis * axis / a2)
        qau = u @ (axis / a2)
        quu = np.sum(u * u / a2, axis=1)
        c0 = 1.0 / ga
        c1 = -gu / ga
        a_ = qaa * c1**2 + 2 * qau * c1 + quu
        b_ = 2 * (qaa * c0 * c1 + qau * c0)
        c_ = qaa * c0**2 - 1.0
        beta = (-b_ + np.sqrt(b_**2 - 4 * a_ * c_)) / (2 * a_)
        alpha = c0 + c1 * beta
        return alpha[:, None] * axis + beta[:, None] * u

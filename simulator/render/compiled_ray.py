"""The per-ray scalar replica of the geometry service, compiled (numba) and inlined into every loop that uses it.

* :func:`_intercept_ray` = ``Geometry.intercept`` for ``LT`` / ``LT+S`` (SPICE's single light-time update):
  the camera-to-J2000 turn, the inverse stellar aberration, the pass at the centre's epoch, a grazing miss's
  retry at its closest approach's light time (unless it clears the body at any retry epoch,
  ``Geometry._clear_miss``), the pass at the first point's light time (body moved and turned to that epoch);
* :func:`_point_geometry` = ``Geometry.illumination`` (ilumin replica, per-point epoch and stellar
  aberration) plus planetocentric/planetographic latitude, west longitude and range;
* their parts, reused by the staged window loop (``compiled_window``): the near root of the ellipsoid
  (:func:`_near_root`, branch-free), the closest approach, Rodrigues' turn, the aberration, and
  :func:`_surface_vectors` (ilumin's branch-free part).

Same mathematics as the numpy code (no fastmath); the summation order of the 3x3 products, ``sqrt(x^2 + y^2)``
for ``hypot`` and the trigonometry of :mod:`~simulator.render.compiled_trig` differ by rounding only.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.render.compiled_jit import _jit_inline
from simulator.render.compiled_trig import _acos, _atan2, _sin, _west_longitude


@_jit_inline
def _unit3(x, y, z):
    inv = 1.0 / math.sqrt(x * x + y * y + z * z)     # one division, three products (last-bit rounding only)
    return x * inv, y * inv, z * inv


@_jit_inline
def _intersect(ox, oy, oz, dx, dy, dz, inv_r):
    """``Geometry._intersect`` for one ray: distance to the near root, NaN on a miss (:func:`_near_root`)."""
    return _near_root(ox, oy, oz, dx, dy, dz, inv_r[0], inv_r[1], inv_r[2])


@_jit_inline
def _near_root(ox, oy, oz, dx, dy, dz, irx, iry, irz):
    """Distance along a body-frame ray to the near root of the scaled ellipsoid, NaN on a miss; branch-free
    (one ``select``, so the column loops vectorise: the root is computed either way and discarded off the
    hit condition)."""
    dsx, dsy, dsz = dx * irx, dy * iry, dz * irz
    osx, osy, osz = ox * irx, oy * iry, oz * irz
    a = dsx * dsx + dsy * dsy + dsz * dsz
    b = osx * dsx + osy * dsy + osz * dsz
    c = (osx * osx + osy * osy + osz * osz) - 1.0
    disc = b * b - a * c
    root = c / (-b + math.sqrt(disc))
    return root if (c > 0.0) & (b < 0.0) & (disc >= 0.0) & (a > 0.0) else np.nan


@_jit_inline
def _turn(vx, vy, vz, kx, ky, kz, s, omc):
    """Rodrigues: ``v + s (k x v) + omc (k x (k x v))`` for the unit axis ``k`` (``geometry_replicas._rotate``)."""
    ax, ay, az = ky * vz - kz * vy, kz * vx - kx * vz, kx * vy - ky * vx
    bx, by, bz = ky * az - kz * ay, kz * ax - kx * az, kx * ay - ky * ax
    return vx + ax * s + bx * omc, vy + ay * s + by * omc, vz + az * s + bz * omc


@_jit_inline
def _pass_at(dt, dx, dy, dz, rot0, o0x, o0y, o0z, obs_j2000, target_vel, axis, rate, inv_r):
    """``Geometry._pass`` for one ray: the observer and the ray in the body frame at epoch ``et - lt + dt`` and
    the distance to the near intersection (NaN on a miss). ``dt = 0`` is the centre's epoch (no turn)."""
    bx = rot0[0, 0] * dx + rot0[0, 1] * dy + rot0[0, 2] * dz
    by = rot0[1, 0] * dx + rot0[1, 1] * dy + rot0[1, 2] * dz
    bz = rot0[2, 0] * dx + rot0[2, 1] * dy + rot0[2, 2] * dz
    if dt == 0.0:
        return o0x, o0y, o0z, bx, by, bz, _intersect(o0x, o0y, o0z, bx, by, bz, inv_r)
    ojx, ojy, ojz = obs_j2000[0] - dt * target_vel[0], obs_j2000[1] - dt * target_vel[1], \
        obs_j2000[2] - dt * target_vel[2]
    ang = -rate * dt
    s = _sin(ang)
    h = _sin(0.5 * ang)
    omc = 2.0 * h * h
    ox = rot0[0, 0] * ojx + rot0[0, 1] * ojy + rot0[0, 2] * ojz
    oy = rot0[1, 0] * ojx + rot0[1, 1] * ojy + rot0[1, 2] * ojz
    oz = rot0[2, 0] * ojx + rot0[2, 1] * ojy + rot0[2, 2] * ojz
    ox, oy, oz = _turn(ox, oy, oz, axis[0], axis[1], axis[2], s, omc)
    bx, by, bz = _turn(bx, by, bz, axis[0], axis[1], axis[2], s, omc)
    return ox, oy, oz, bx, by, bz, _intersect(ox, oy, oz, bx, by, bz, inv_r)


@_jit_inline
def _closest_approach(ox, oy, oz, bx, by, bz, inv_r):
    """Distance along a body-frame ray to its closest approach to the scaled ellipsoid (>= 0) and the gap
    there (scaled units, ``Geometry._clear_miss``)."""
    return _closest_approach_s(ox, oy, oz, bx, by, bz, inv_r[0], inv_r[1], inv_r[2])


@_jit_inline
def _closest_approach_s(ox, oy, oz, bx, by, bz, irx, iry, irz):
    """:func:`_closest_approach` with the inverse radii as scalars."""
    osx, osy, osz = ox * irx, oy * iry, oz * irz
    dsx, dsy, dsz = bx * irx, by * iry, bz * irz
    t_near = max(-(osx * dsx + osy * dsy + osz * dsz) / (dsx * dsx + dsy * dsy + dsz * dsz), 0.0)
    gx, gy, gz = osx + t_near * dsx, osy + t_near * dsy, osz + t_near * dsz
    return t_near, math.sqrt(gx * gx + gy * gy + gz * gz) - 1.0


@_jit_inline
def _intercept_ray(rx, ry, rz, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel, beta, stellar, lt, et,
                   c_km_s, inv_r, r_min, axis, rate, speed, obs_dist):
    """One ray's ``Geometry.intercept`` for ``LT`` / ``LT+S`` (one light-time update after the first hit, one
    retry of a grazing miss at its closest approach's light time: ``MISS_RETRIES = 1``).

    Returns ``(hit, px, py, pz, ox, oy, oz, trgepc, shift)``: the point (NaN on a miss), the observer in the body
    frame of the last pass, sincpt's target epoch and the last pass's epoch shift."""
    dx = cam_to_j2000[0, 0] * rx + cam_to_j2000[0, 1] * ry + cam_to_j2000[0, 2] * rz
    dy = cam_to_j2000[1, 0] * rx + cam_to_j2000[1, 1] * ry + cam_to_j2000[1, 2] * rz
    dz = cam_to_j2000[2, 0] * rx + cam_to_j2000[2, 1] * ry + cam_to_j2000[2, 2] * rz
    dx, dy, dz = _unit3(dx, dy, dz)
    if stellar:     # remove_stellar_aberration: unit(unit(a) - v / c)
        dx, dy, dz = _unit3(dx, dy, dz)
        dx, dy, dz = _unit3(dx - beta[0], dy - beta[1], dz - beta[2])
    # Pass 1: the body at the centre's epoch.
    ox, oy, oz, bx, by, bz, t = _pass_at(0.0, dx, dy, dz, rot0, o0x, o0y, o0z, obs_j2000, target_vel, axis, rate,
                                         inv_r)
    dt = 0.0
    if not (t == t):
        t_near, gap = _closest_approach(ox, oy, oz, bx, by, bz, inv_r)
        move_km = abs(lt - t_near / c_km_s) * (speed + rate * (obs_dist + t_near))
        if gap > 2.0 * move_km / r_min:       # clears the body at any retry epoch (_clear_miss): final
            return False, np.nan, np.nan, np.nan, ox, oy, oz, et - lt, 0.0
        # The retry at the closest approach's light time.
        dt = lt - t_near / c_km_s
        ox, oy, oz, bx, by, bz, t = _pass_at(dt, dx, dy, dz, rot0, o0x, o0y, o0z, obs_j2000, target_vel, axis,
                                             rate, inv_r)
        if not (t == t):
            return False, np.nan, np.nan, np.nan, ox, oy, oz, et - lt + dt, dt
    # The light-time update: the body at the first point's emission epoch.
    dt = lt - t / c_km_s
    ox, oy, oz, bx, by, bz, t = _pass_at(dt, dx, dy, dz, rot0, o0x, o0y, o0z, obs_j2000, target_vel, axis, rate,
                                         inv_r)
    if t == t:
        return True, ox + t * bx, oy + t * by, oz + t * bz, ox, oy, oz, et - t / c_km_s, dt
    return False, np.nan, np.nan, np.nan, ox, oy, oz, et - lt + dt, dt


@_jit_inline
def _observer_body(rot0, obs_j2000):
    """The observer at the centre's epoch in the body frame (one for all rays)."""
    o0x = rot0[0, 0] * obs_j2000[0] + rot0[0, 1] * obs_j2000[1] + rot0[0, 2] * obs_j2000[2]
    o0y = rot0[1, 0] * obs_j2000[0] + rot0[1, 1] * obs_j2000[1] + rot0[1, 2] * obs_j2000[2]
    o0z = rot0[2, 0] * obs_j2000[0] + rot0[2, 1] * obs_j2000[1] + rot0[2, 2] * obs_j2000[2]
    return o0x, o0y, o0z


@_jit_inline
def _aberrate(ux, uy, uz, bx, by, bz):
    """``geometry_replicas._aberrated_unit`` for one unit vector and ``beta = v / c``."""
    ub = ux * bx + uy * by + uz * bz
    px, py, pz = bx - ub * ux, by - ub * uy, bz - ub * uz
    cos_phi = math.sqrt(1.0 - (px * px + py * py + pz * pz))
    return ux * cos_phi + px, uy * cos_phi + py, uz * cos_phi + pz


@_jit_inline
def _clipped_dot(ax, ay, az, bx, by, bz):
    return min(max(ax * bx + ay * by + az * bz, -1.0), 1.0)


@_jit_inline
def _surface_vectors(px, py, pz, obx, oby, obz, sx, sy, sz, vox, voy, voz, vtx, vty, vtz, w0, w1, w2, stellar, inv_c,
                     r2x, r2y, r2z):
    """The branch-free part of ilumin at one point, given the Sun and velocities already turned to its epoch.

    Returns ``(qz, qr, pr, cos_i, cos_e, cos_g, range)``: the latitudes are ``atan2(qz, qr)`` (planetographic)
    and ``atan2(pz, pr)`` (planetocentric), the angles the arc cosines of the clipped cosines."""
    ex, ey, ez = _unit3(obx - px, oby - py, obz - pz)
    lx, ly, lz = _unit3(sx - px, sy - py, sz - pz)
    if stellar:
        ax, ay, az = _aberrate(-ex, -ey, -ez, vox * inv_c, voy * inv_c, voz * inv_c)
        ex, ey, ez = -ax, -ay, -az
        wx = vtx + (w1 * pz - w2 * py)
        wy = vty + (w2 * px - w0 * pz)
        wz = vtz + (w0 * py - w1 * px)
        lx, ly, lz = _aberrate(lx, ly, lz, wx * inv_c, wy * inv_c, wz * inv_c)
    qx, qy, qz = px / r2x, py / r2y, pz / r2z
    nx, ny, nz = _unit3(qx, qy, qz)
    fx, fy, fz = px - obx, py - oby, pz - obz
    # sqrt(x^2 + y^2) rather than hypot (no overflow possible at km scale; hypot costs a library call)
    return (qz, math.sqrt(qx * qx + qy * qy), math.sqrt(px * px + py * py), _clipped_dot(nx, ny, nz, lx, ly, lz),
            _clipped_dot(nx, ny, nz, ex, ey, ez), _clipped_dot(lx, ly, lz, ex, ey, ez),
            math.sqrt(fx * fx + fy * fy + fz * fz))


@_jit_inline
def _point_geometry(px, py, pz, obx, oby, obz, trgepc, epoch0, sun, vobs, vtgt, spin, axis, rate, turning, stellar,
                    inv_c, r2x, r2y, r2z, full=True):
    """One hit point's ilumin angles, latitudes, longitude and range (see :func:`hit_geometry`).

    Returns ``(lat_pc, lat_pg, lon_w, incidence, emission, phase, range, cos_i, cos_e, cos_phase)`` (deg, km).
    Without ``full`` only what the picture needs (lat_pg, lon_w, range and the cosines): the others are NaN (no
    arc cosines, no planetocentric latitude)."""
    # the body-frame vectors at et - lt turned to this point's epoch (Geometry._turner)
    sx, sy, sz = sun[0], sun[1], sun[2]
    vox, voy, voz = vobs[0], vobs[1], vobs[2]
    vtx, vty, vtz = vtgt[0], vtgt[1], vtgt[2]
    if turning:
        ang = -rate * (trgepc - epoch0)
        s = _sin(ang)
        h = _sin(0.5 * ang)
        omc = 2.0 * h * h
        sx, sy, sz = _turn(sx, sy, sz, axis[0], axis[1], axis[2], s, omc)
        vox, voy, voz = _turn(vox, voy, voz, axis[0], axis[1], axis[2], s, omc)
        vtx, vty, vtz = _turn(vtx, vty, vtz, axis[0], axis[1], axis[2], s, omc)
    qz, qr, pr, cos_i, cos_e, cos_g, rng = _surface_vectors(px, py, pz, obx, oby, obz, sx, sy, sz, vox, voy, voz,
                                                            vtx, vty, vtz, spin[0], spin[1], spin[2], stellar, inv_c,
                                                            r2x, r2y, r2z)
    lat_pg = np.degrees(_atan2(qz, qr))
    lon = _west_longitude(px, py)
    if not full:
        return np.nan, lat_pg, lon, np.nan, np.nan, np.nan, rng, cos_i, cos_e, cos_g
    return (np.degrees(_atan2(pz, pr)), lat_pg, lon, np.degrees(_acos(cos_i)), np.degrees(_acos(cos_e)),
            np.degrees(_acos(cos_g)), rng, cos_i, cos_e, cos_g)

"""The staged parallel loop over a framelet window (``compiled.window_surface``'s kernel), compiled with numba.

:func:`_window_kernel` deals the window's rows to the numba threads (interleaved); :func:`_window_row` does one
row: the cone test, then short branch-free loops over blocks of :data:`BLOCK` in-cone columns (so that the
columns' long dependent chains overlap and vectorise) for the common path of
:func:`~simulator.render.compiled_ray._intercept_ray` and :func:`~simulator.render.compiled_ray._point_geometry`
(a hit at the centre's epoch, the light-time pass with the series sine, the arc tangents / cosines of
:mod:`~simulator.render.compiled_trig`), then a scalar loop writing the outputs; pixels off the common path are
recomputed by those per-ray reference functions (:func:`_exact_pixel`). Same operations in the same order, so
its bytes equal the serial loops' of :mod:`~simulator.render.compiled`, whatever the thread count.
"""

from __future__ import annotations

import numpy as np

from simulator.render.compiled_jit import _jit_columns, _jit_inline, _jit_parallel, _prange
from simulator.render.compiled_ray import (_closest_approach_s, _intercept_ray, _near_root, _observer_body,
                                           _point_geometry, _surface_vectors, _turn, _unit3)
from simulator.render.compiled_trig import SERIES_MAX_RAD, _acos, _atan2, _sin_series, _west_longitude


@_jit_columns
def _exact_pixel(rx, ry, rz, r, c, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel, beta, stellar, lt, et,
                 c_km_s, inv_r, r_min, axis, rate, speed, obs_dist, epoch0, sun, vobs, vtgt, spin, turning, inv_c,
                 r2x, r2y, r2z, full, hit, geom, cosines):
    """One in-cone pixel by the reference per-ray functions (the staged loops' fix-up; rare, so a plain call).
    Writes the hit flag, and the geometry only on a hit (the caller set the off-body values)."""
    ok, px, py, pz, ox, oy, oz, te, dt = _intercept_ray(
        rx, ry, rz, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel, beta, stellar, lt, et, c_km_s, inv_r,
        r_min, axis, rate, speed, obs_dist)
    hit[r, c] = ok
    if ok:
        g = _point_geometry(px, py, pz, ox, oy, oz, te, epoch0, sun, vobs, vtgt, spin, axis, rate, turning, stellar,
                            inv_c, r2x, r2y, r2z, full)
        for q in range(7):
            geom[q, r, c] = g[q]
        cosines[0, r, c] = g[7]
        cosines[1, r, c] = g[8]
        cosines[2, r, c] = g[9]


@_jit_inline
def _off_body(r, c, hit, geom, cosines):
    """A pixel off the body: no hit, NaN geometry, zero cosines."""
    hit[r, c] = False
    for q in range(7):
        geom[q, r, c] = np.nan
    cosines[0, r, c] = 0.0
    cosines[1, r, c] = 0.0
    cosines[2, r, c] = 0.0


# The staged loops' scratch: one flat array of N_WORK blocks of BLOCK values (a compile-time size, so the
# compiler sees that the blocks never overlap and needs no run-time alias checks to vectorise).
BLOCK = 256
N_WORK = 16
_RX, _RY, _RZ, _BX, _BY, _BZ, _T1, _PX, _PY, _PZ, _OX, _OY, _OZ, _TE, _FIX, _CLR = range(0, N_WORK * BLOCK, BLOCK)
_CI, _CE, _CG, _RG, _QZ, _QR, _PR = _RX, _RY, _RZ, _BX, _BY, _BZ, _T1   # stage 3 reuses stage 1's blocks
# stage 4 writes the angles (deg) in place of inputs it no longer needs, or into pass 2's spare blocks (the
# cosines stay: stage 5 writes them out for the photometry; the phase goes to the miss test's spent block)
_LAT_PG, _LAT_PC, _PHA, _LON, _INC, _EMI = _QZ, _PR, _CLR, _OX, _OY, _OZ


@_jit_columns
def _window_row(rays, r, n_cols, centre_cam, cos_half, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000, target_vel,
                beta, stellar, lt, et, c_km_s, inv_r, r_min, axis, rate, speed, obs_dist, epoch0, sun, vobs, vtgt,
                spin, turning, inv_c, r2x, r2y, r2z, full, hit, geom, cosines, w, cols):
    """One window row of :func:`_window_kernel`, staged: short loops over the row's in-cone columns, each a
    branch-free (``select``) part of :func:`_intercept_ray` / :func:`_point_geometry`, so that the columns'
    long dependent chains overlap and vectorise, the arc tangents / cosines included (:func:`_atan2`,
    :func:`_acos`); then a scalar loop writes the outputs.

    The staged loops take the common path: a hit at the centre's epoch, then the light-time pass with the
    series sine, or a miss there that clears the body at any retry epoch (final). A pixel off it (a grazing
    miss: the retry; a turn angle the series does not cover; a zero epoch shift, which :func:`_pass_at` takes
    without a turn) is flagged and recomputed by the reference functions (:func:`_exact_pixel`). Same
    operations in the same order: bit-identical values.
    ``w`` (N_WORK * BLOCK,) and ``cols`` (n_cols,) are the caller's scratch (overwritten)."""
    # the constants as scalars (loads from arrays the loops might write could not be hoisted)
    k0, k1, k2 = centre_cam[0], centre_cam[1], centre_cam[2]
    m00, m01, m02 = cam_to_j2000[0, 0], cam_to_j2000[0, 1], cam_to_j2000[0, 2]
    m10, m11, m12 = cam_to_j2000[1, 0], cam_to_j2000[1, 1], cam_to_j2000[1, 2]
    m20, m21, m22 = cam_to_j2000[2, 0], cam_to_j2000[2, 1], cam_to_j2000[2, 2]
    b0x, b0y, b0z = beta[0], beta[1], beta[2]
    a00, a01, a02 = rot0[0, 0], rot0[0, 1], rot0[0, 2]
    a10, a11, a12 = rot0[1, 0], rot0[1, 1], rot0[1, 2]
    a20, a21, a22 = rot0[2, 0], rot0[2, 1], rot0[2, 2]
    irx, iry, irz = inv_r[0], inv_r[1], inv_r[2]
    objx, objy, objz = obs_j2000[0], obs_j2000[1], obs_j2000[2]
    tvx, tvy, tvz = target_vel[0], target_vel[1], target_vel[2]
    kx, ky, kz = axis[0], axis[1], axis[2]
    sun_x, sun_y, sun_z = sun[0], sun[1], sun[2]
    vo_x, vo_y, vo_z = vobs[0], vobs[1], vobs[2]
    vt_x, vt_y, vt_z = vtgt[0], vtgt[1], vtgt[2]
    w0, w1, w2 = spin[0], spin[1], spin[2]

    # Stage 0: the in-cone columns; the others are off the body.
    m = 0
    for c in range(n_cols):
        if rays[r, c, 0] * k0 + rays[r, c, 1] * k1 + rays[r, c, 2] * k2 >= cos_half:
            cols[m] = c
            m += 1
        else:
            _off_body(r, c, hit, geom, cosines)
    for start in range(0, m, BLOCK):
        nb = min(BLOCK, m - start)
        for k in range(nb):
            c = cols[start + k]
            w[_RX + k], w[_RY + k], w[_RZ + k] = rays[r, c, 0], rays[r, c, 1], rays[r, c, 2]
        # Stage 1: the J2000 direction (stellar aberration removed), the body-frame ray and pass 1's root.
        for k in range(nb):
            rx, ry, rz = w[_RX + k], w[_RY + k], w[_RZ + k]
            dx, dy, dz = _unit3(m00 * rx + m01 * ry + m02 * rz, m10 * rx + m11 * ry + m12 * rz,
                                m20 * rx + m21 * ry + m22 * rz)
            if stellar:
                dx, dy, dz = _unit3(dx, dy, dz)
                dx, dy, dz = _unit3(dx - b0x, dy - b0y, dz - b0z)
            bx = a00 * dx + a01 * dy + a02 * dz
            by = a10 * dx + a11 * dy + a12 * dz
            bz = a20 * dx + a21 * dy + a22 * dz
            w[_BX + k], w[_BY + k], w[_BZ + k] = bx, by, bz
            w[_T1 + k] = _near_root(o0x, o0y, o0z, bx, by, bz, irx, iry, irz)
            # on a miss: does it clear the body at any retry epoch (final, no retry; as in _intercept_ray)?
            t_near, gap = _closest_approach_s(o0x, o0y, o0z, bx, by, bz, irx, iry, irz)
            move_km = abs(lt - t_near / c_km_s) * (speed + rate * (obs_dist + t_near))
            w[_CLR + k] = 1.0 if gap > 2.0 * move_km / r_min else 0.0

        # Stage 2: pass 2 at the first point's light time (_pass_at with dt != 0 and the series sine).
        for k in range(nb):
            t1 = w[_T1 + k]
            dt = lt - t1 / c_km_s
            ojx, ojy, ojz = objx - dt * tvx, objy - dt * tvy, objz - dt * tvz
            ang = -rate * dt
            s = _sin_series(ang)
            h = _sin_series(0.5 * ang)
            omc = 2.0 * h * h
            ox = a00 * ojx + a01 * ojy + a02 * ojz
            oy = a10 * ojx + a11 * ojy + a12 * ojz
            oz = a20 * ojx + a21 * ojy + a22 * ojz
            ox, oy, oz = _turn(ox, oy, oz, kx, ky, kz, s, omc)
            bx, by, bz = _turn(w[_BX + k], w[_BY + k], w[_BZ + k], kx, ky, kz, s, omc)
            t = _near_root(ox, oy, oz, bx, by, bz, irx, iry, irz)
            w[_PX + k], w[_PY + k], w[_PZ + k] = ox + t * bx, oy + t * by, oz + t * bz
            w[_OX + k], w[_OY + k], w[_OZ + k] = ox, oy, oz
            w[_TE + k] = et - t / c_km_s
            retry = (t1 != t1) & (w[_CLR + k] == 0.0)      # a miss that does not clear the body: the retry
            w[_FIX + k] = 1.0 if retry | (dt == 0.0) | (abs(ang) >= SERIES_MAX_RAD) else 0.0

        # Stage 3: the point geometry without the inverse trigonometric functions (NaN through on misses).
        for k in range(nb):
            px, py, pz, obx, oby, obz = w[_PX + k], w[_PY + k], w[_PZ + k], w[_OX + k], w[_OY + k], w[_OZ + k]
            sx, sy, sz = sun_x, sun_y, sun_z
            vox, voy, voz = vo_x, vo_y, vo_z
            vtx, vty, vtz = vt_x, vt_y, vt_z
            if turning:
                ang = -rate * (w[_TE + k] - epoch0)
                s = _sin_series(ang)
                h = _sin_series(0.5 * ang)
                omc = 2.0 * h * h
                sx, sy, sz = _turn(sx, sy, sz, kx, ky, kz, s, omc)
                vox, voy, voz = _turn(vox, voy, voz, kx, ky, kz, s, omc)
                vtx, vty, vtz = _turn(vtx, vty, vtz, kx, ky, kz, s, omc)
                w[_FIX + k] = 1.0 if abs(ang) >= SERIES_MAX_RAD else w[_FIX + k]
            (w[_QZ + k], w[_QR + k], w[_PR + k], w[_CI + k], w[_CE + k], w[_CG + k],
             w[_RG + k]) = _surface_vectors(px, py, pz, obx, oby, obz, sx, sy, sz, vox, voy, voz, vtx, vty, vtz,
                                            w0, w1, w2, stellar, inv_c, r2x, r2y, r2z)

        # Stage 4: the arc tangents / cosines (own branch-free functions, so these loops vectorise too).
        for k in range(nb):
            w[_LAT_PG + k] = np.degrees(_atan2(w[_QZ + k], w[_QR + k]))
            w[_LON + k] = _west_longitude(w[_PX + k], w[_PY + k])
        if full:
            for k in range(nb):
                w[_LAT_PC + k] = np.degrees(_atan2(w[_PZ + k], w[_PR + k]))
                w[_INC + k] = np.degrees(_acos(w[_CI + k]))
                w[_EMI + k] = np.degrees(_acos(w[_CE + k]))
                w[_PHA + k] = np.degrees(_acos(w[_CG + k]))

        # Stage 5: output (scalar), and the flagged pixels by the reference functions.
        for k in range(nb):
            c = cols[start + k]
            fix = w[_FIX + k] != 0.0
            if fix or not (w[_PX + k] == w[_PX + k]):   # flagged, or a final miss (a clear one, or pass 2's)
                _off_body(r, c, hit, geom, cosines)
                if fix:
                    _exact_pixel(rays[r, c, 0], rays[r, c, 1], rays[r, c, 2], r, c, cam_to_j2000, rot0, o0x, o0y,
                                 o0z, obs_j2000, target_vel, beta, stellar, lt, et, c_km_s, inv_r, r_min, axis, rate,
                                 speed, obs_dist, epoch0, sun, vobs, vtgt, spin, turning, inv_c, r2x, r2y, r2z, full,
                                 hit, geom, cosines)
                continue
            hit[r, c] = True
            geom[1, r, c] = w[_LAT_PG + k]
            geom[2, r, c] = w[_LON + k]
            geom[6, r, c] = w[_RG + k]
            cosines[0, r, c] = w[_CI + k]
            cosines[1, r, c] = w[_CE + k]
            cosines[2, r, c] = w[_CG + k]
            if full:
                geom[0, r, c] = w[_LAT_PC + k]
                geom[3, r, c] = w[_INC + k]
                geom[4, r, c] = w[_EMI + k]
                geom[5, r, c] = w[_PHA + k]
            else:
                geom[0, r, c] = geom[3, r, c] = geom[4, r, c] = geom[5, r, c] = np.nan


@_jit_parallel
def _window_kernel(rays, centre_cam, cos_half, cam_to_j2000, rot0, obs_j2000, target_vel, beta, stellar, lt, et,
                   c_km_s, radii, axis, rate, speed, obs_dist, epoch0, sun, vobs, vtgt, spin, turning, full,
                   hit, geom, cosines):
    inv_r = 1.0 / radii
    r_min = min(radii[0], min(radii[1], radii[2]))
    inv_c = 1.0 / c_km_s
    r2x, r2y, r2z = radii[0] ** 2, radii[1] ** 2, radii[2] ** 2
    o0x, o0y, o0z = _observer_body(rot0, obs_j2000)
    n_rows, n_cols = rays.shape[0], rays.shape[1]
    # Rows are dealt out interleaved (chunk k takes rows k, k + K, ...): the threads get equal blocks of chunks,
    # and a window half sky, half planet still splits evenly. Each pixel is independent: same result anyway.
    n_chunks = min(n_rows, 64)
    for k in _prange(n_chunks):
        w, cols = np.empty(N_WORK * BLOCK), np.empty(n_cols, dtype=np.int64)     # this chunk's scratch
        for r in range(k, n_rows, n_chunks):
            _window_row(rays, r, n_cols, centre_cam, cos_half, cam_to_j2000, rot0, o0x, o0y, o0z, obs_j2000,
                        target_vel, beta, stellar, lt, et, c_km_s, inv_r, r_min, axis, rate, speed, obs_dist,
                        epoch0, sun, vobs, vtgt, spin, turning, inv_c, r2x, r2y, r2z, full, hit, geom, cosines, w, cols)

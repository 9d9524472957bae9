"""Truth backplanes of a framelet, at mid-exposure, for the row the charge packet occupied then.

Convention (the one the tests check against ``spiceypy.sincpt``): raw pixel ``(i, j)`` of a framelet with
``N`` TDI stages looks along the camera ray of pixel ``(i + 0.5, j + 0.5 - d (N - 1) / 2)`` (``d`` the
direction of image motion, ``timing.truth_stage``) at the framelet's mid-exposure time, with the true
attitude and the true camera. For TDI 1 this is the pixel's own ray. ISIS instead uses the pixel's own ray
at mid-exposure; the two differ by ``(N - 1) / 2`` rows: 0, 0.5, 7.5 and 31.5 px for TDI 1, 2, 16, 64
(measured in ``tests/test_render_truth.py``).

Backplanes (ARCHITECTURE.md "Renderer"): BODY (NAIF id, 0 sky), LAT_PC, LAT_PG, LON_W (deg, System III
west), INCIDENCE, EMISSION, PHASE (deg, ``Geometry.illumination`` at the sincpt intercept: the ``ilumin``
sense, Sun from the target centre at the target epoch, observer at each ray's own epoch), RANGE (km,
observer to intercept, sincpt's ``srfvec``), PIXEL_SCALE (km per product pixel: RANGE times the
pixel's angular size ``sqrt(dx dy)`` from neighbouring rays, perpendicular to the line of sight), IOF (the
noise-free I/F the pixel records: area, motion and PSF included) and DN12 (its noise-free 12-bit signal,
unquantised). Sky pixels are NaN except BODY (0), IOF and DN12.
"""

from __future__ import annotations

import numpy as np

from simulator.render.sampling import JUPITER_NAIF_ID, jupiter_cone_mask
from simulator.render.types import TRUTH_DTYPES


def _pixel_angle(rays: np.ndarray, axis: int) -> np.ndarray:
    """Angle (rad) between each ray and its neighbour along ``axis`` (last one repeats)."""
    d = np.linalg.norm(np.diff(rays, axis=axis), axis=-1)
    ang = 2.0 * np.arcsin(np.clip(0.5 * d, 0.0, 1.0))
    last = np.take(ang, [-1], axis=axis)
    return np.concatenate([ang, last], axis=axis)


def summed_mean(image: np.ndarray, summing: int) -> np.ndarray:
    """Mean over ``summing x summing`` blocks (identity for 1)."""
    if summing == 1:
        return image
    r, c = image.shape
    return image.reshape(r // summing, summing, c // summing, summing).mean(axis=(1, 3))


def truth_planes(renderer, filter_name: str, n_stages: int, direction: int, geo_s, index: int,
                 correction: np.ndarray, iof: np.ndarray, dn12_noise_free: np.ndarray, reuse=None) -> dict:
    """The truth backplanes (see module doc), each ``(lines, samples)`` in product pixels.

    ``reuse``: a ``NodeSample`` with kept intercepts whose rays and time are exactly the truth's (the
    stage node at mid-exposure, unsummed), already cropped to the output grid; its intercepts are used
    instead of intersecting again (same function, same inputs, same numbers).
    """
    from simulator.render.timing import truth_stage
    req, s = renderer.req, renderer.req.summing
    lo, hi = renderer.cols
    offset = -(n_stages - 1 - truth_stage(n_stages)) * direction
    rays = renderer.rays.rays(filter_name, offset, 0, 128 // s, lo // s, (hi - lo) // s, step=s)
    nominal = rays @ correction.T
    shape = nominal.shape[:2]
    out = {k: np.full(shape, np.nan, dtype=dt) for k, dt in TRUTH_DTYPES.items() if k != "BODY"}
    out["BODY"] = np.zeros(shape, dtype=np.int32)
    if reuse is not None:
        cand = reuse.hit
        pts_all, srf_all, obs_all = reuse.points[cand], reuse.srfvec[cand], reuse.obs_body[cand]
        hit = np.ones(int(cand.sum()), dtype=bool)
    else:
        cand = jupiter_cone_mask(nominal, geo_s, index, renderer.radius_km, renderer.margin_rad)
        ic = renderer.geo.intercept(nominal[cand], geo_s, index) if np.any(cand) else None
        hit = np.asarray(ic.hit, dtype=bool) if ic is not None else np.zeros(0, dtype=bool)
        if ic is not None:
            pts_all, srf_all, obs_all = ic.points, ic.srfvec, ic.obs_body
    if np.any(hit):
        rows, cols = np.nonzero(cand)
        rows, cols, pts = rows[hit], cols[hit], pts_all[hit]
        if rows.size:
            out["BODY"][rows, cols] = JUPITER_NAIF_ID
            lat_pc, lat_pg, lon_w = renderer.geo.ellipsoid.lonlat(pts)
            out["LAT_PC"][rows, cols], out["LAT_PG"][rows, cols], out["LON_W"][rows, cols] = lat_pc, lat_pg, lon_w
            ang = renderer.geo.illumination(pts, geo_s, index, obs_body=obs_all[hit])
            for key in ("INCIDENCE", "EMISSION", "PHASE"):
                out[key][rows, cols] = ang[key.lower()]
            rng = np.linalg.norm(srf_all[hit], axis=1)
            out["RANGE"][rows, cols] = rng
            size = np.sqrt(_pixel_angle(rays, 0) * _pixel_angle(rays, 1))
            out["PIXEL_SCALE"][rows, cols] = rng * size[rows, cols]
    out["IOF"] = summed_mean(iof, s).astype(TRUTH_DTYPES["IOF"])
    out["DN12"] = np.asarray(dn12_noise_free, dtype=TRUTH_DTYPES["DN12"])
    return out

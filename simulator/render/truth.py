"""Truth backplanes of a framelet, at mid-exposure, for the row the charge packet occupied then.

Convention (the one the tests check against ``spiceypy.sincpt``): raw pixel ``(i, j)`` of a framelet with
``N`` TDI stages looks along the camera ray of pixel ``(i + 0.5, j + 0.5 - d (N - 1) / 2)`` (``d`` the
direction of image motion, ``timing.truth_stage``) at the framelet's mid-exposure time, with the true
attitude and the true camera. For TDI 1 this is the pixel's own ray. ISIS instead uses the pixel's own ray
at mid-exposure; the two differ by ``(N - 1) / 2`` rows: 0, 0.5, 7.5 and 31.5 px for TDI 1, 2, 16, 64
(measured in ``tests/test_render_truth.py``).

Backplanes (ARCHITECTURE.md "Renderer"): BODY (NAIF id, 0 sky), LAT_PC, LAT_PG, LON_W (deg, System III
west), INCIDENCE, EMISSION, PHASE (deg, ``Geometry.illumination_at`` the sincpt intercept: exactly ``ilumin``,
per-point epoch and stellar aberration), RANGE (km,
observer to intercept, sincpt's ``srfvec``), PIXEL_SCALE (km per product pixel: RANGE times the
pixel's angular size ``sqrt(dx dy)`` from neighbouring rays, perpendicular to the line of sight), IOF (the
noise-free I/F the pixel records: area, motion and PSF included) and DN12 (its noise-free 12-bit signal,
unquantised), and the detector's calibration truth: DEFECT (uint8 bit flags, ``instrument_models.junocam.defects.
DEFECT_BITS``: 1 hot-pixel streak, 2 warm column, 4 blemish, 8 dust, 16 reference column), DARK (DN a dark
frame averages to before the ADC's floor, rounded to 1/64 DN) and FLAT (relative response applied, rounded to
1/4096). ``DN12 = floor(DARK + signal
x FLAT x gain)`` without noise, so ``(DN - DARK) / FLAT`` is the pipeline's calibration. Sky pixels are NaN
except BODY (0), IOF, DN12 and the calibration planes.
"""

from __future__ import annotations

import numpy as np

from simulator.render import compiled
from simulator.render.sampling import (GEOMETRY_KEYS, JUPITER_NAIF_ID, jupiter_cone, jupiter_cone_mask,
                                         window_geometry)
from simulator.render.types import TRUTH_DTYPES


def _pixel_angle(rays: np.ndarray, axis: int) -> np.ndarray:
    """Angle (rad) between each ray and its neighbour along ``axis`` (0 or 1; the last one repeats):
    ``2 asin(|r' - r| / 2)``, with ``|d|`` summed ``(dx^2 + dy^2) + dz^2`` as ``np.linalg.norm`` does, worked in
    place on contiguous arrays."""
    d = np.diff(rays, axis=axis)
    np.multiply(d, d, out=d)
    ang = d[..., 0] + d[..., 1]
    ang += d[..., 2]
    np.sqrt(ang, out=ang)
    np.multiply(ang, 0.5, out=ang)
    np.clip(ang, 0.0, 1.0, out=ang)
    np.arcsin(ang, out=ang)
    ang *= 2.0
    out = np.empty(rays.shape[:2])
    if axis == 0:
        out[:-1], out[-1] = ang, ang[-1]
    else:
        out[:, :-1], out[:, -1] = ang, ang[:, -1]
    return out


def summed_mean(image: np.ndarray, summing: int) -> np.ndarray:
    """Mean over ``summing x summing`` blocks (identity for 1)."""
    if summing == 1:
        return image
    r, c = image.shape
    return image.reshape(r // summing, summing, c // summing, summing).mean(axis=(1, 3))


def truth_planes(renderer, filter_name: str, n_stages: int, direction: int, geo_s, index: int,
                 correction: np.ndarray, iof: np.ndarray, dn12_noise_free: np.ndarray, reuse=None,
                 extra_s=None) -> dict:
    """The truth backplanes (see module doc), each ``(lines, samples)`` in product pixels.

    ``reuse``: a ``NodeSample`` with kept geometry whose rays and time are exactly the truth's (the stage
    node at mid-exposure, unsummed), already cropped to the output grid; its values are used instead of
    intersecting again (same function, same inputs, same numbers). ``extra_s``: the extra bodies' geometry
    samples of this framelet (``ExtraBodies.sample``), needed when the renderer has extra bodies.
    Only the planes ``renderer.req.options.truth_planes`` names are made (all when None; BODY always).
    """
    from simulator.render.timing import truth_stage
    s = renderer.req.summing
    wanted = renderer.req.options.truth_planes
    wanted = TRUTH_DTYPES if wanted is None else wanted
    lo, hi = renderer.cols
    offset = -(n_stages - 1 - truth_stage(n_stages)) * direction
    rays = renderer.rays.rays(filter_name, offset, 0, 128 // s, lo // s, (hi - lo) // s, step=s)
    shape = rays.shape[:2]
    body_id = None
    if reuse is not None:                 # the node's window geometry is NaN off the bodies already
        hit = reuse.hit
        geometry = reuse.geometry
        body_id = reuse.geometry.get("BODY")     # set when extra bodies were overlaid (render/bodies.py)
    else:
        nominal = rays @ correction.T
        opts = renderer.req.options
        if int(opts.geometry_grid_px) < 2 and compiled.supports(renderer.geo):
            centre, cos_half = jupiter_cone(geo_s, index, renderer.radius_km, renderer.margin_rad)
            hit, geom, _ = compiled.window_surface(renderer.geo, nominal, geo_s, index, centre, cos_half)
            # every plane in its truth type before the bodies' overlay (it compares their ranges in it)
            geometry = {k: geom[q].astype(TRUTH_DTYPES[k], copy=False) for q, k in enumerate(GEOMETRY_KEYS)}
        else:
            geometry = {k: np.full(shape, np.nan, dtype=TRUTH_DTYPES[k]) for k in GEOMETRY_KEYS}
            cand = jupiter_cone_mask(nominal, geo_s, index, renderer.radius_km, renderer.margin_rad)
            hit, _, values, _ = window_geometry(renderer.geo, nominal, cand, geo_s, index,
                                                float(renderer.cam.optics.ifov_rad) * s, opts.geometry_grid_px,
                                                opts.geometry_tol_px)
            for k in GEOMETRY_KEYS:
                geometry[k][hit] = values[k]
        if renderer.extra is not None:           # extra bodies over Jupiter (render/bodies.py): in place
            body_id = renderer.extra.truth_overlay(renderer.scene, filter_name, geometry, hit, nominal, geo_s,
                                                   extra_s, index)
            hit = body_id != 0
    # NaN off the bodies already: a cast (a copy for float64: a result must not keep the whole window alive)
    out = {k: geometry[k].astype(TRUTH_DTYPES[k]) for k in GEOMETRY_KEYS if k in wanted}
    if body_id is None:                   # hit x id in the plane's integer type: one pass, no int64 temporary
        body_id = np.multiply(hit, TRUTH_DTYPES["BODY"](JUPITER_NAIF_ID), dtype=TRUTH_DTYPES["BODY"])
    out["BODY"] = np.asarray(body_id).astype(TRUTH_DTYPES["BODY"], copy=False)
    if "PIXEL_SCALE" in wanted:
        size = renderer.rays.derived(("pixel_angle", filter_name, offset, lo, hi, s),
                                     lambda: np.sqrt(_pixel_angle(rays, 0) * _pixel_angle(rays, 1)))
        # NaN off the bodies. The product is formed in float64 (RANGE's float32 value times the float64 size)
        # and rounded once to the plane's type, written straight into it (no float64 plane).
        range32 = out["RANGE"] if "RANGE" in out else geometry["RANGE"].astype(TRUTH_DTYPES["RANGE"])
        out["PIXEL_SCALE"] = np.multiply(range32, size, out=np.empty(shape, TRUTH_DTYPES["PIXEL_SCALE"]),
                                         casting="same_kind")
    if "IOF" in wanted:
        out["IOF"] = summed_mean(iof, s).astype(TRUTH_DTYPES["IOF"])
    if "DN12" in wanted:
        out["DN12"] = np.asarray(dn12_noise_free, dtype=TRUTH_DTYPES["DN12"])
    if any(k in wanted for k in CALIBRATION_KEYS):
        out.update({k: v for k, v in calibration_planes(renderer.chain, filter_name, n_stages, s).items()
                    if k in wanted})
    return {k: out[k] for k in TRUTH_DTYPES if k in out}     # the full set's order, whatever was asked


CALIBRATION_KEYS = ("DEFECT", "DARK", "FLAT")   # calibration_planes' planes


def calibration_planes(chain, filter_name: str, n_stages: int, summing: int) -> dict:
    """DEFECT, DARK and FLAT of a framelet (``DetectorChain.calibration_truth``) in product pixels: summed
    pixels OR their four flags and average DARK and FLAT (DARK x 4 when the camera sums rather than averages)."""
    cal = chain.calibration_truth(filter_name, n_stages)
    if summing == 1:      # the chain's read-only maps, shared by the filter's framelets (no copies)
        return {k: np.asarray(v, dtype=TRUTH_DTYPES[k]) for k, v in cal.items()}
    r, c = cal["DEFECT"].shape
    blocks = lambda a: np.asarray(a).reshape(r // summing, summing, c // summing, summing)  # noqa: E731
    dark = blocks(cal["DARK"]).mean(axis=(1, 3), dtype=np.float64)
    if chain.cam.electronics.summing_mode == "sum":
        dark = dark * summing * summing
    return {"DEFECT": np.bitwise_or.reduce(np.bitwise_or.reduce(blocks(cal["DEFECT"]), axis=3), axis=1),
            "DARK": dark.astype(TRUTH_DTYPES["DARK"]),
            "FLAT": blocks(cal["FLAT"]).mean(axis=(1, 3), dtype=np.float64).astype(TRUTH_DTYPES["FLAT"])}

"""Jupiter's photometry per band on the mission's PJ32 maps, and the scene's law measured the same way.

``python -m benchmarks.map_photometry BLUE GREEN RED METADATA [--cache-dir DIR]`` reads a set of registered
disk maps (8-bit maps as SQROOT codes, decompanded through the table; ``.npy`` as stored) with
``benchmarks.map_gradient``'s perspective twin geometry (the view from the spacecraft at START_TIME, Jupiter a
sphere of the equatorial radius: the real maps' limb is that circle within ~3 px) and prints per band:

* ``b, c`` of ``I ~ mu0^b mu^c`` over ``compare``'s pixels (incidence < 70, emission < 60 deg), the README table's
  figure, and the same inside 5 deg latitude bands (the real image spans ~ -27 .. -70 deg there): whether the
  all-disk figure is photometry or the latitude pattern of the clouds;
* the fit of the scene's law family, ``log I = log A(lat band) + P(phase) + k(phase) log(mu0 mu) - log mu
  - tau (1/mu0 + 1/mu - 2)`` with ``k(phase) = k85 + dk (phase - 85) / 10`` (a Minnaert cloud under an absorbing
  layer of optical depth ``tau``; ``scenes.photometry``), one albedo per 5 deg latitude band and a polynomial
  ``P`` of degree ``PHASE_DEGREE`` in phase (absorbing the phase function, which one image cannot separate from
  the incidence: phase, incidence and emission are tied by the view); pixels with incidence < ``FIT_MAX_INC_DEG``
  and emission < ``FIT_MAX_EMI_DEG``;
* the bright-limb falloff (``benchmarks.map_encoding.limb_falloff``, 0.9 -> 0.995 R towards the Sun) and the
  mean profile along the radius within 20 deg of the Sun's direction.

``--law`` adds the same figures for the scene's default photometry (``scenes.photometry.Photometry()``) on a
uniform sphere in the same geometry, so the law and the real map are compared like for like.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from benchmarks.map_encoding import (LIMB_NEAR_DEG, decompanded, limb_falloff, read_map, sun_position_angle,
                                     traced)
from benchmarks.map_gradient import photometric_exponents, trace_map

FILTERS = ("BLUE", "GREEN", "RED")
LAT_BAND_DEG = 5.0          # albedo nuisance bands of the law fit and the banded b, c
MIN_BAND_PIXELS = 20000     # banded b, c printed for bands with this many traced points
PHASE_DEGREE = 2            # polynomial in phase absorbing the phase function (2 and 3 give k within 0.01)
PHASE_REF_DEG = 85.0        # k(phase) = k85 + dk (phase - 85) / 10: the middle of the map's 70-103 deg
FIT_MAX_INC_DEG = 85.0      # law fit: lit pixels away from the terminator ...
FIT_MAX_EMI_DEG = 86.0      # ... and up to 0.995 of the radius on the bright limb (emission ~85 deg there)
PROFILE_RADII = (0.85, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 1.0)   # bin edges of the limb profile


def map_geometry(shape, circle, geo: dict) -> dict:
    """Per map pixel (rows, cols): ``hit``, ``mu0``, ``mu``, ``phase`` (deg) and planetocentric ``lat`` (deg) of
    the sphere point its centre shows (``map_gradient.trace_map``, perspective)."""
    p, hit, mu = trace_map(shape, circle, geo["spacecraft_km"], True)
    u = p / np.linalg.norm(p, axis=-1, keepdims=True)
    view = geo["spacecraft_km"] - p
    view /= np.linalg.norm(view, axis=-1, keepdims=True)
    return {"hit": hit, "mu0": u @ geo["sun"], "mu": mu,
            "phase": np.degrees(np.arccos(np.clip(view @ geo["sun"], -1.0, 1.0))),
            "lat": np.degrees(np.arcsin(np.clip(u[..., 2], -1.0, 1.0)))}


def fit_pixels(image: np.ndarray, g: dict, max_inc_deg: float = FIT_MAX_INC_DEG,
               max_emi_deg: float = FIT_MAX_EMI_DEG) -> np.ndarray:
    """Bool mask of the pixels the law fit uses: on the disk, > 0, and inside the angle limits."""
    with np.errstate(invalid="ignore"):
        return (g["hit"] & (image > 0) & (g["mu0"] > np.cos(np.radians(max_inc_deg)))
                & (g["mu"] > np.cos(np.radians(max_emi_deg))))


def fit_law(image: np.ndarray, g: dict, use: np.ndarray, k_table=None, degree: int = PHASE_DEGREE) -> dict:
    """Least-squares fit of the law family (module doc) to ``image[use]``.

    Parameters
    ----------
    image : (rows, cols) map values (linear). g : :func:`map_geometry`. use : bool mask (:func:`fit_pixels`).
    k_table : ((phase_deg, k), ...) or None
        Hold k(phase) at this table and fit ``tau`` only; None fits ``k85``, ``dk`` and ``tau``.

    Returns
    -------
    dict with ``k85``, ``dk`` (per 10 deg; None when held), ``tau``, ``rms`` (of log I) and ``n``.
    """
    mu0, mu, phase = g["mu0"][use], g["mu"][use], g["phase"][use]
    x = (phase - PHASE_REF_DEG) / 10.0
    log_cos = np.log(mu0 * mu)
    path = 1.0 / mu0 + 1.0 / mu - 2.0
    y = np.log(image[use]) + np.log(mu)
    band = np.floor(g["lat"][use] / LAT_BAND_DEG).astype(np.int64)
    dummies = (band[:, None] == np.unique(band)[None, :]).astype(np.float64)
    cols = [x ** j for j in range(1, degree + 1)]
    if k_table is None:
        cols += [log_cos, x * log_cos]
    else:
        table = np.asarray(k_table, dtype=np.float64)
        y = y - np.interp(phase, table[:, 0], table[:, 1]) * log_cos
    design = np.column_stack(cols + [-path, dummies])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    rms = float(np.sqrt(np.mean((design @ coef - y) ** 2)))
    if k_table is None:
        return {"k85": float(coef[degree]), "dk": float(coef[degree + 1]), "tau": float(coef[degree + 2]),
                "rms": rms, "n": int(use.sum())}
    return {"k85": None, "dk": None, "tau": float(coef[degree]), "rms": rms, "n": int(use.sum())}


def banded_exponents(image: np.ndarray, circle, geo: dict) -> tuple[tuple, list]:
    """``(b, c)`` over ``compare``'s pixels and ``[(lat_lo, b, c), ...]`` per :data:`LAT_BAND_DEG` band."""
    points, values, mu0, mu = traced(image, circle, geo)
    lat = np.degrees(np.arcsin(points[:, 2] / np.linalg.norm(points, axis=1)))
    bands = []
    for lo in np.arange(np.floor(lat.min() / LAT_BAND_DEG) * LAT_BAND_DEG, lat.max(), LAT_BAND_DEG):
        s = (lat >= lo) & (lat < lo + LAT_BAND_DEG)
        if s.sum() >= MIN_BAND_PIXELS:
            bands.append((float(lo), *photometric_exponents(values[s], mu0[s], mu[s])))
    return photometric_exponents(values, mu0, mu), bands


def limb_profile(image: np.ndarray, circle, towards_deg: float, half_width_deg: float = LIMB_NEAR_DEG,
                 edges=PROFILE_RADII) -> np.ndarray:
    """Mean value in radius bins ``edges`` (fractions of the limb radius) within ``half_width_deg`` of position
    angle ``towards_deg``, relative to the bin starting at 0.9 R."""
    cx, cy, radius = circle
    yy, xx = np.indices(image.shape)
    dx, dy = xx + 0.5 - cx, cy - (yy + 0.5)
    r = np.hypot(dx, dy) / radius
    angle = np.degrees(np.arctan2(-dx, dy)) % 360.0
    s = (np.abs((angle - towards_deg + 180.0) % 360.0 - 180.0) <= half_width_deg) & (image > 0)
    means = np.array([image[s & (r >= a) & (r < b)].mean() if np.any(s & (r >= a) & (r < b)) else np.nan
                      for a, b in zip(edges[:-1], edges[1:])])
    return means / means[list(edges).index(0.9)]


def law_map(photometry, filter_name: str, g: dict) -> np.ndarray:
    """I/F of a uniform sphere (normal albedo 1) under ``photometry`` at every pixel of :func:`map_geometry`
    (0 off the disk and on the night side)."""
    out = np.zeros(g["hit"].shape)
    lit = g["hit"] & (g["mu0"] > 0) & (g["mu"] > 0)
    out[lit] = photometry.iof(np.ones(lit.sum()), g["mu0"][lit], g["mu"][lit], np.cos(np.radians(g["phase"][lit])),
                              filter_name)
    return out


def band_report(label: str, image: np.ndarray, circle, geo: dict, g: dict, k_table=None) -> str:
    """The printed lines of one band (module doc)."""
    (b, c), bands = banded_exponents(image, circle, geo)
    use = fit_pixels(image, g)
    free, held = fit_law(image, g, use), fit_law(image, g, use, k_table) if k_table is not None else None
    limb = limb_falloff(image, circle, sun_position_angle(geo))
    prof = limb_profile(image, circle, sun_position_angle(geo))
    lines = [f"{label}: I ~ mu0^{b:.2f} mu^{c:.2f}; in {LAT_BAND_DEG:.0f} deg latitude bands "
             + ", ".join(f"{lo:.0f}: {bb:.2f}/{cc:.2f}" for lo, bb, cc in bands),
             f"  law fit ({free['n']} px): k(85 deg) {free['k85']:.3f}, dk {free['dk']:+.3f} per 10 deg, "
             f"tau {free['tau']:.4f}, rms {free['rms']:.4f}"
             + (f"; k held at the scene's table: tau {held['tau']:.4f}" if held else ""),
             f"  bright-limb falloff {100 * limb['falloff']:.1f} % (within {LIMB_NEAR_DEG:.0f} deg median "
             f"{100 * limb['near_median']:.1f} %); profile "
             + " ".join(f"{a:.3g}-{bb:.3g}: {v:.3f}" for a, bb, v in zip(PROFILE_RADII[:-1], PROFILE_RADII[1:], prof))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.map_photometry", description=__doc__.split("\n")[0])
    parser.add_argument("maps", nargs=4, metavar="FILE", help="BLUE, GREEN, RED maps and the metadata JSON, in this order")
    parser.add_argument("--cache-dir", type=Path, default=None, help="kernel cache for the twin's kernels")
    parser.add_argument("--circle", type=float, nargs=3, metavar=("CX", "CY", "R"),
                        help="the maps' limb circle in pixels (default: fitted on the GREEN map)")
    parser.add_argument("--law", action="store_true", help="also measure the scene's default law the same way")
    args = parser.parse_args(argv)
    from benchmarks.map_gradient import real_geometry
    from simulator.realism.mission_view import map_circle
    from scenes.photometry import Photometry

    try:
        geo = real_geometry(Path(args.maps[3]), args.cache_dir)
        maps = [read_map(p) for p in args.maps[:3]]
        maps = [decompanded(m) if str(p).endswith(".png") else m for m, p in zip(maps, args.maps[:3])]
        green = maps[1]
        circle = tuple(args.circle) if args.circle else map_circle(green)
        g = map_geometry(green.shape, circle, geo)
        law = Photometry()
        for name, image in zip(FILTERS, maps):
            print(band_report(f"{name} {args.maps[FILTERS.index(name)]}", image, circle, geo, g,
                              law.minnaert_k[name]))
            if args.law:
                print(band_report(f"{name} the scene's law, uniform sphere", law_map(law, name, g), circle, geo, g,
                                  law.minnaert_k[name]))
    except ValueError as exc:
        print(f"map_photometry: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

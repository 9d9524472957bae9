"""Figures of a set of mission-like maps (:mod:`simulator.realism.mission_view`) in true km.

Every map is read the same way, whether the mission's or one of ours (``junocam-sim compare``'s default,
``benchmarks.map_encoding --figures``): its pixels are traced to Jupiter with the image's geometry
(perspective view from the spacecraft, north up, the map's fitted limb circle; 2 x 2 points per pixel, as map
pixels reach ~100 km near the limb), and kept by ``compare``'s pixel rule (lit at incidence <
``MAX_INCIDENCE_DEG``, seen at emission < ``MAX_EMISSION_DEG``: ``simulator.realism.measure``). Then, GREEN:

* plain and plane-removed std/mean in 5,500 km patches, and the two spectral slopes (1,200-4,800 km,
  400-1,200 km): the points averaged into 89.5 km tangent-plane pixels, then 150 km cells
  (:mod:`simulator.realism.texture`, the same arithmetic as ``compare``'s pixel route);
* ``I ~ mu0^b mu^c``: least squares of log value on log cos(incidence) and log cos(emission) over the points
  (a Minnaert law has c = b - 1; the same law stored as square-root codes gives half of both);
* the bright-limb falloff ``1 - I(0.995 R) / I(0.9 R)`` (issue #13), per ``LIMB_SECTOR_DEG`` sector of position
  angle, in the sector towards the Sun's direction in the image, and the median and range within
  ``LIMB_NEAR_DEG`` of it; each radius is an annulus of +- ``LIMB_HALF_WIDTH`` of the limb circle's radius;
* the pixel residual: robust std (1.4826 MAD) of each disk pixel minus the mean of its four neighbours, over
  the median, for pixels whose 3 x 3 neighbourhood is all disk and within ``PIXEL_MAX_RADIUS`` of the limb
  radius (the map's per-pixel noise), the share of those more than ``SPIKE_FRACTION`` above their 3 x 3
  median (hot pixels left in the map), the correlation of their high-passed values with their neighbours along
  the row, column and both diagonals (what the map's resampler and any fixed pattern along the camera's columns
  leave), and the 2-D power at 0.4-0.5 over 0.2-0.3 cycles/px (how much of the finest scale the resampler
  keeps): :func:`pixel_figures`, the one ruler of a map's pixels (``benchmarks.map_noise`` prints it too);

and blue/green, red/green: the medians over the pixels lit in all three maps. "Codes" figures are read on the
values as stored, "DN" figures on the codes read back through the companding table (a mission map holds codes:
like for like, the same for both sides).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from simulator.realism import mission_view as mv

LIMB_RADII = (0.9, 0.995)  # issue #13's bright-limb falloff: from 0.9 to 0.995 of the disk radius
LIMB_HALF_WIDTH = 0.0025   # each radius measured in an annulus +- this fraction of the radius (+-2 px)
LIMB_SECTOR_DEG = 4.0      # position-angle sectors (scenes/photometry_data.py: measured in 4 deg sectors)
LIMB_NEAR_DEG = 20.0       # the median and range quoted over the sectors within this of the Sun's direction
SPIKE_FRACTION = 0.05      # README "What the mission's maps hold": disk pixels > 5 % above their 3 x 3 median
PIXEL_MAX_RADIUS = 0.7     # per-pixel figures away from the limb (as benchmarks.map_texture's pixel residual)
HIGH_PASS = 5              # box (px) whose mean is removed before the neighbour correlations
NYQUIST_SQUARE = 400       # side (px) of the square whose 2-D power spectrum gives the Nyquist ratio ...
NYQUIST_MIN_SQUARE = 64    # ... shrunk until it lies wholly in the region, down to this


def photometric_exponents(values, mu0, mu) -> tuple[float, float]:
    """Least-squares (b, c) of ``values = a mu0^b mu^c`` (a Minnaert law has c = b - 1; the same law stored as
    square-root codes gives half of both, c = b - 1/2)."""
    ok = (values > 0) & (mu0 > 0) & (mu > 0)
    design = np.c_[np.ones(ok.sum()), np.log(mu0[ok]), np.log(mu[ok])]
    coef = np.linalg.lstsq(design, np.log(values[ok]), rcond=None)[0]
    return float(coef[1]), float(coef[2])


def _tiles(a: np.ndarray, n: int) -> np.ndarray:
    """(patches, n * n) non-overlapping n x n tiles of ``a`` from its upper-left corner, row-major
    (``scenes.texture_stats.patch_contrast``'s tiling)."""
    rows, cols = a.shape[0] // n, a.shape[1] // n
    return a[:rows * n, :cols * n].reshape(rows, n, cols, n).swapaxes(1, 2).reshape(rows * cols, n * n)


def patch_figures(points, values, mu0, mu, level=None) -> dict:
    """``compare``'s patch figures of surface points (km) and values, plus plane slopes, incidence and the
    photometric exponents of the values (``mu0``, ``mu``: cosines of incidence and emission; ``level``: the
    8-bit quantisation of ``texture.mission_map``, None for none)."""
    from scenes.texture_stats import _plane_design
    from simulator.products.colourview import tangent_plane_coordinates
    from simulator.realism import texture as tx
    from simulator.realism.measure import TEXTURE_CELL_KM as cell

    x, y = tangent_plane_coordinates(points, points.mean(axis=0))
    image, filled = tx.mission_map(x, y, values, tx.MISSION_MAP_PIXEL_KM, level)
    grid, ok = tx.cell_average(image, filled, tx.MISSION_MAP_PIXEL_KM, cell)
    mu_map, _ = tx.mission_map(x, y, mu0, tx.MISSION_MAP_PIXEL_KM, None)
    mu_grid, _ = tx.cell_average(mu_map, filled, tx.MISSION_MAP_PIXEL_KM, cell)
    plain, patches = tx.patch_contrast(grid, ok, cell)
    detrended, _ = tx.patch_contrast(grid, ok, cell, detrend=True)
    n = int(round(tx.CONTRAST_PATCH_KM / cell))
    full = _tiles(ok, n).all(axis=1)                        # the patches patch_contrast measures, same tiling
    vals, mus = _tiles(grid, n)[full], _tiles(mu_grid, n)[full]
    if full.any():
        coef, *_ = np.linalg.lstsq(_plane_design(n, n), vals.T, rcond=None)
        slope = np.hypot(coef[1], coef[2]) * n / vals.mean(axis=1)        # relative change across a patch
        inc = np.degrees(np.arccos(np.clip(mus.mean(axis=1), -1.0, 1.0)))
    else:
        slope = inc = np.full(1, np.nan)
    return {"exponents": photometric_exponents(values, mu0, mu), "plain": plain, "detrended": detrended,
            "gradient": float(np.sqrt(max(plain ** 2 - detrended ** 2, 0))) if patches else float("nan"),
            "patches": patches, "slope_median": float(np.median(slope)), "incidence_median": float(np.median(inc)),
            "incidence_range": (float(np.min(inc)), float(np.max(inc))),
            "extent_km": (float(np.ptp(x)), float(np.ptp(y)))}


def traced_geometry(lit: np.ndarray, circle, geo: dict) -> tuple[np.ndarray, ...]:
    """(rows, cols, points km, cos incidence, cos emission) of the ``lit`` map pixels' traced points that
    compare's rule keeps (incidence < 70, emission < 60 deg), 2 x 2 points per pixel (perspective reading)."""
    from simulator.realism.measure import MAX_EMISSION_DEG, MAX_INCIDENCE_DEG

    rows, cols = np.nonzero(lit)
    parts = []
    for offset in mv.SUBPIXELS:
        p, hit, mu = mv.trace_pixels(rows, cols, circle, geo["spacecraft_km"], True, offset=offset)
        mu0 = (p / np.linalg.norm(p, axis=-1, keepdims=True)) @ geo["sun"]
        with np.errstate(invalid="ignore"):
            use = hit & (mu0 > np.cos(np.radians(MAX_INCIDENCE_DEG))) & (mu > np.cos(np.radians(MAX_EMISSION_DEG)))
        parts.append((rows[use], cols[use], p[use], mu0[use], mu[use]))
    return tuple(np.concatenate(a) for a in zip(*parts))


def traced(image: np.ndarray, circle, geo: dict, geometry=None) -> tuple[np.ndarray, ...]:
    """Surface points (km), values, cos(incidence), cos(emission) of the map's non-zero pixels that compare's
    rule keeps (:func:`traced_geometry`; ``geometry`` its result when already traced for the same pixels)."""
    rows, cols, points, mu0, mu = geometry if geometry is not None else traced_geometry(image > 0, circle, geo)
    return points, image[rows, cols], mu0, mu


def texture_figures(image: np.ndarray, circle, geo: dict, geometry=None) -> dict:
    """:func:`patch_figures` (plain, plane removed, photometric exponents) plus the two spectral slopes, on
    compare's grid in true km (89.5 km tangent-plane map pixels, unquantised, then 150 km cells)."""
    from simulator.products.colourview import tangent_plane_coordinates
    from simulator.realism import texture as tx
    from simulator.realism.measure import TEXTURE_CELL_KM as cell

    points, values, mu0, mu = traced(image, circle, geo, geometry)
    if values.size < 3:
        nan = float("nan")
        return {"exponents": (nan, nan), "plain": nan, "detrended": nan, "gradient": nan, "patches": 0,
                "slopes": [nan, nan], "slope_median": nan, "incidence_median": nan, "incidence_range": (nan, nan),
                "extent_km": (0.0, 0.0)}
    figures = patch_figures(points, values, mu0, mu)
    x, y = tangent_plane_coordinates(points, points.mean(axis=0))
    grid_image, filled = tx.mission_map(x, y, values, tx.MISSION_MAP_PIXEL_KM, None)
    grid, ok = tx.cell_average(grid_image, filled, tx.MISSION_MAP_PIXEL_KM, cell)
    figures["slopes"] = tx.spectral_slopes(grid, ok, cell)[0]
    return figures


def sun_position_angle(geo: dict) -> float:
    """Position angle (deg; 0 = up = north, counter-clockwise) of the Sun's direction in the perspective map:
    the bright limb's radius (``scenes.photometry.bright_limb_falloff``: the radius towards the Sun)."""
    _, right, up = mv.view_basis(geo["spacecraft_km"])
    return float(np.degrees(np.arctan2(-(geo["sun"] @ right), geo["sun"] @ up)) % 360.0)


def limb_falloff(image: np.ndarray, circle, towards_deg: float) -> dict:
    """Issue #13's bright-limb falloff, ``1 - I(0.995 R) / I(0.9 R)``, per ``LIMB_SECTOR_DEG`` sector of position
    angle (0 = up, counter-clockwise), at the sector holding ``towards_deg`` (the Sun's position angle) and the
    median and range within ``LIMB_NEAR_DEG`` of it."""
    cx, cy, radius = circle
    yy, xx = np.nonzero(image > 0)                 # the rings count only the map's non-zero pixels
    value = image[yy, xx]
    dx, dy = xx + 0.5 - cx, cy - (yy + 0.5)
    r = np.hypot(dx, dy) / radius
    sector = (np.degrees(np.arctan2(-dx, dy)) % 360.0 // LIMB_SECTOR_DEG).astype(np.int64)
    n = int(round(360.0 / LIMB_SECTOR_DEG))
    means = []
    for r0 in LIMB_RADII:
        ring = np.abs(r - r0) <= LIMB_HALF_WIDTH
        total = np.bincount(sector[ring], weights=value[ring], minlength=n)
        count = np.bincount(sector[ring], minlength=n)
        means.append(np.where(count > 0, total / np.maximum(count, 1), np.nan))
    inner, outer = means
    with np.errstate(invalid="ignore", divide="ignore"):
        falloff = 1.0 - outer / inner
    angle = (np.arange(n) + 0.5) * LIMB_SECTOR_DEG
    at = int(towards_deg // LIMB_SECTOR_DEG) % n
    gap = np.abs((angle - towards_deg + 180.0) % 360.0 - 180.0)
    near = np.isfinite(falloff) & (gap <= LIMB_NEAR_DEG)
    return {"falloff": float(falloff[at]), "position_angle_deg": float(towards_deg),
            "near_median": float(np.median(falloff[near])) if near.any() else float("nan"),
            "near_range": (float(falloff[near].min()), float(falloff[near].max())) if near.any() else (np.nan, np.nan)}


def disk_ratios(blue: np.ndarray, green: np.ndarray, red: np.ndarray) -> tuple[float, float]:
    """Blue/green and red/green ratios of the medians over the pixels lit in all three maps."""
    disk = (blue > 0) & (green > 0) & (red > 0)
    if not disk.any():
        return float("nan"), float("nan")
    g = float(np.median(green[disk]))
    return float(np.median(blue[disk])) / g, float(np.median(red[disk])) / g


def pixel_region(image: np.ndarray, circle) -> tuple[np.ndarray, tuple[int, int]]:
    """(mask, (row0, col0)) of the disk pixels the per-pixel figures read: those whose 3 x 3 neighbourhood is
    all non-zero and within ``PIXEL_MAX_RADIUS`` of the limb circle's radius, on the disk's box (plus 2 px) of
    ``image`` starting at (row0, col0)."""
    cx, cy, radius = circle
    rows, cols = np.nonzero(image > 0)
    if rows.size == 0:
        return np.zeros((0, 0), bool), (0, 0)
    r0, c0 = max(rows.min() - 2, 0), max(cols.min() - 2, 0)      # the disk's box: zeros beyond change nothing
    box = image[r0:rows.max() + 3, c0:cols.max() + 3]
    yy, xx = np.indices(box.shape)
    inner = ndimage.binary_erosion(box > 0, np.ones((3, 3), bool))
    inner &= np.hypot(xx + c0 + 0.5 - cx, yy + r0 + 0.5 - cy) < PIXEL_MAX_RADIUS * radius
    return inner, (int(r0), int(c0))


def neighbour_correlations(image: np.ndarray, mask: np.ndarray) -> tuple[float, float, float, float]:
    """Correlation of high-passed pixels (minus their ``HIGH_PASS`` x ``HIGH_PASS`` mean) with their right,
    lower, lower-right and lower-left neighbours, over the pairs both in ``mask`` (NaN without 3 pairs)."""
    hp = np.where(mask, image - ndimage.uniform_filter(image.astype(np.float64), HIGH_PASS), np.nan)
    out = []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a = hp[:hp.shape[0] - dy, max(dx, 0):hp.shape[1] + min(dx, 0)]
        b = hp[dy:, max(-dx, 0):hp.shape[1] + min(-dx, 0)]
        ok = np.isfinite(a) & np.isfinite(b)
        out.append(float(np.corrcoef(a[ok], b[ok])[0, 1]) if ok.sum() >= 3 else float("nan"))
    return tuple(out)


def nyquist_ratio(image: np.ndarray, mask: np.ndarray, side: int = NYQUIST_SQUARE) -> float:
    """2-D power at 0.4-0.5 over 0.2-0.3 cycles/px (Hann window) of the largest square of side <= ``side``
    centred on the mask's median pixel and wholly in it (NaN when that is under ``NYQUIST_MIN_SQUARE``): how
    much a resampler keeps of the map's finest scale."""
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return float("nan")
    cy, cx = int(np.median(ys)), int(np.median(xs))
    half = side // 2
    while half >= NYQUIST_MIN_SQUARE // 2:
        sub = mask[max(cy - half, 0):cy + half, max(cx - half, 0):cx + half]
        if sub.shape == (2 * half, 2 * half) and sub.all():
            break
        half = int(half * 0.8)
    else:
        return float("nan")
    sq = image[cy - half:cy + half, cx - half:cx + half].astype(np.float64)
    sq = sq / sq.mean() - 1.0
    w = np.hanning(2 * half)
    power = np.abs(np.fft.fft2(sq * np.outer(w, w))) ** 2
    f = np.fft.fftfreq(2 * half)
    fr = np.hypot(*np.meshgrid(f, f))
    return float(power[(fr >= 0.4) & (fr < 0.5)].mean() / power[(fr >= 0.2) & (fr < 0.3)].mean())


def pixel_figures(image: np.ndarray, circle) -> dict:
    """The map's per-pixel figures (module doc) over :func:`pixel_region`: ``residual`` (robust std of each
    pixel minus the mean of its 4 neighbours, over the region's median), ``spikes`` (share of the region >
    ``SPIKE_FRACTION`` above its 3 x 3 median), ``correlations`` (:func:`neighbour_correlations`: row, column,
    diagonal, anti-diagonal) and ``nyquist`` (:func:`nyquist_ratio`). The one ruler of a map's pixels, for
    ``compare`` and ``benchmarks.map_noise``."""
    nan = float("nan")
    inner, (r0, c0) = pixel_region(image, circle)
    if inner.sum() < 9:
        return {"residual": nan, "spikes": nan, "correlations": (nan,) * 4, "nyquist": nan, "pixels": 0}
    image = np.asarray(image, dtype=np.float64)[r0:r0 + inner.shape[0], c0:c0 + inner.shape[1]]
    neighbours = 0.25 * (np.roll(image, 1, 0) + np.roll(image, -1, 0) + np.roll(image, 1, 1) + np.roll(image, -1, 1))
    resid = (image - neighbours)[inner]
    robust = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    median = ndimage.median_filter(image, size=3, mode="nearest")
    spikes = (image > (1.0 + SPIKE_FRACTION) * median) & inner
    return {"residual": float(robust / np.median(image[inner])), "spikes": float(spikes.sum() / inner.sum()),
            "correlations": neighbour_correlations(image, inner), "nyquist": nyquist_ratio(image, inner),
            "pixels": int(inner.sum())}


def map_set_figures(blue: np.ndarray, green: np.ndarray, red: np.ndarray, geo: dict, circle=None,
                    geometry=None) -> dict:
    """Every figure of the module doc for one set of registered maps (values as given; ``circle`` the GREEN
    map's limb circle, fitted when None; ``geometry``: :func:`traced_geometry` of GREEN's non-zero pixels)."""
    if circle is None:
        circle = mv.map_circle(green)
    out = texture_figures(green, circle, geo, geometry)
    out["limb"] = limb_falloff(green, circle, sun_position_angle(geo))
    out["ratios"] = disk_ratios(blue, green, red)
    out["pixels"] = pixel_figures(green, circle)
    out["circle"] = circle
    return out


def decompanded(codes: np.ndarray, companding: str = "SQROOT") -> np.ndarray:
    """A map of whole codes read through the companding table (12-bit DN, float64; 0 stays 0)."""
    from instrument_models.junocam import decompand

    return decompand(np.asarray(codes).astype(np.int64), companding).astype(np.float64)


def codes_and_dn_figures(maps: dict, geo: dict, companding: str = "SQROOT", circle=None) -> dict:
    """{"codes": figures, "dn": figures} of {filter: codes map} (BLUE, GREEN, RED; a missing filter's map is
    taken as empty: no ratio), the DN figures on the maps decompanded with the same limb circle (``circle``;
    None: fitted to the GREEN codes map)."""
    green = maps["GREEN"]
    blank = np.zeros_like(green)
    blue, red = maps.get("BLUE", blank), maps.get("RED", blank)
    circle = mv.map_circle(green) if circle is None else circle
    geometry = traced_geometry(green > 0, circle, geo)        # decompanding keeps 0 at 0: the same pixels
    codes = map_set_figures(blue, green, red, geo, circle, geometry)
    dn = map_set_figures(*(decompanded(m, companding) for m in (blue, green, red)), geo, circle, geometry)
    return {"codes": codes, "dn": dn}

"""Per-pixel statistics of a map: residual noise, spikes, neighbour correlation and a gain from flight data.

``python -m benchmarks.map_noise MAP [MAP ...]`` prints, per map (8-bit SQROOT-codes maps as stored, the
mission's PJ32 maps, ``benchmarks.map_encoding``; ``.npy`` maps as they are), compare's per-pixel figures
(``simulator.realism.map_figures.pixel_figures``, the one ruler: over the disk pixels within 0.7 of the limb
circle's radius, fitted to the map, or ``--drawn`` for one of our maps drawn on compare's circle):

* ``residual``: robust std of each pixel minus the mean of its 4 neighbours, over the median; ``spikes``: the
  share of pixels more than 5 % above their 3 x 3 median (README "What the mission's maps hold");
* ``corr``: the correlation of high-passed pixels (minus their 5 x 5 mean) with their neighbour along the row,
  the column, the diagonal and the anti-diagonal;
* ``nyquist``: the 2-D power in 0.4-0.5 cycles per pixel over that in 0.2-0.3 (Hann-windowed square of up to
  400 px at the region's median position), how much a resampler suppresses the map's finest scale.

``--gain MAP [--reference-gain G --reference-map MAP]`` fits the map's residual variance against its level
(:func:`variance_curve`, :func:`fit_gain`): on the decompanded codes (DN), ``e = x - mean(4 neighbours)``
has, in bins of the local level ``L`` (DN), a variance (clipped at ``CLIP_SIGMA``: spikes left out)

    var(e) = T (L / g + read^2 + q_raw(L)) + 1.25 q_map(L) + c L^2

``T`` the transfer of white camera-pixel noise through the resampler and this high-pass, ``g`` the gain
(e-/DN), ``q_raw = q_map = step(L)^2 / 12`` the SQROOT code step's rounding (once in the camera, once when the
map rounds its resampled code; its exact step width from ``code_intervals``), ``c L^2`` the scene's own
pixel-scale texture. The fit is linear in ``(T read^2, T / g, c)`` once ``T`` is known; ``T`` is the one
thing a map of unknown gain cannot tell, so it is calibrated on a map of KNOWN gain made the same way
(``--reference-map``, ``--reference-gain``: our product of the real geometry at the camera's gain): the fit's
slope ``T / g`` there gives ``T``, and the real map's slope then gives its gain. The uncertainty is the spread
of the fits over ``BLOCKS`` spatial blocks (standard error), plus whatever makes the reference differ (ICT
quality, the scene's texture): said beside the figure.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

LIMB_MARGIN_PX = 20        # lit disk: this far inside the limb ...
LIT_FRACTION = 0.3         # ... and above this fraction of the disk's median
NEIGHBOUR_TRANSFER = 1.25  # var(x - mean of 4 neighbours) / var(x) for white noise: 1 + 1/4
LEVEL_BINS = 12            # level bins of the variance curve (quantiles of the lit disk's levels)
CLIP_SIGMA = 4.0           # the variance curve drops pixels this many standard deviations out (spikes)
BLOCKS = 4                 # the disk is cut into BLOCKS x BLOCKS blocks for the fit's standard error


def lit_disk(image: np.ndarray) -> np.ndarray:
    """(rows, cols) bool: pixels ``LIMB_MARGIN_PX`` inside the map's lit region, above ``LIT_FRACTION`` x its
    median."""
    from scipy import ndimage

    disk = ndimage.binary_erosion(image > 0, iterations=LIMB_MARGIN_PX)
    if not disk.any():
        raise ValueError(f"a map of {image.shape} has no pixel {LIMB_MARGIN_PX} px inside its lit region; "
                         "expected a disk map")
    return disk & (image > LIT_FRACTION * np.median(image[disk]))


def pixel_stats(image: np.ndarray, drawn: bool = False) -> dict:
    """``map_figures.pixel_figures`` of a map on its fitted limb circle (``drawn``: compare's drawn circle,
    ``mission_compare.DRAWN_CIRCLE``, for our maps, which rarely reach the whole limb)."""
    from simulator.realism.map_figures import pixel_figures
    from simulator.realism.mission_compare import DRAWN_CIRCLE
    from simulator.realism.mission_view import map_circle

    image = np.asarray(image, dtype=np.float64)
    return pixel_figures(image, DRAWN_CIRCLE if drawn else map_circle(image))


def format_pixels(s: dict) -> str:
    """One printed line of :func:`pixel_stats`."""
    c = s["correlations"]
    return (f"residual {100 * s['residual']:.3f} %, spikes > 5 %: {100 * s['spikes']:.4f} %; high-passed neighbours "
            f"row {c[0]:.3f} column {c[1]:.3f} diagonal {c[2]:.3f} anti-diagonal {c[3]:.3f}; power 0.4-0.5 / "
            f"0.2-0.3 cycles/px {s['nyquist']:.3f} ({s['pixels']} px)")


def code_step_variance(level_dn: np.ndarray, mode: str = "SQROOT") -> np.ndarray:
    """Variance (DN^2) of rounding a 12-bit value near ``level_dn`` to its code: (interval width)^2 / 12."""
    from instrument_models.junocam.electronics import code_intervals

    low, high = code_intervals(mode)
    code = np.clip(np.searchsorted(high, level_dn, side="right"), 0, 255)
    return (high[code] - low[code]) ** 2 / 12.0


def variance_curve(dn: np.ndarray, mask: np.ndarray, bins: int = LEVEL_BINS) -> dict:
    """Per level bin: mean level (DN), var of ``x - mean(4 neighbours)``, pixel count, and the bin's pixels'
    block index (for :func:`fit_gain`'s standard error). ``dn``: a map in DN (decompanded codes)."""
    from scipy import ndimage

    dn = np.asarray(dn, dtype=np.float64)
    cross = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]) / 4.0
    e = dn - ndimage.convolve(dn, cross, mode="nearest")
    level = ndimage.uniform_filter(dn, 3)
    use = mask & ndimage.binary_erosion(mask, iterations=2)
    ys, xs = np.nonzero(use)
    block = (np.minimum(BLOCKS - 1, (ys - ys.min()) * BLOCKS // (np.ptp(ys) + 1)) * BLOCKS
             + np.minimum(BLOCKS - 1, (xs - xs.min()) * BLOCKS // (np.ptp(xs) + 1)))
    lv, ev = level[use], e[use]
    edges = np.quantile(lv, np.linspace(0.0, 1.0, bins + 1))
    which = np.clip(np.searchsorted(edges, lv, side="right") - 1, 0, bins - 1)
    return {"level": lv, "e": ev, "bin": which, "block": block, "edges": edges}


def clipped_variance(x: np.ndarray, k: float = CLIP_SIGMA, rounds: int = 5) -> float:
    """Variance of ``x`` after ``rounds`` of dropping values more than ``k`` standard deviations from the mean
    (a median absolute deviation would move in steps on quantised maps)."""
    keep = np.ones(x.size, bool)
    for _ in range(rounds):
        m, s = x[keep].mean(), x[keep].std()
        keep = np.abs(x - m) <= k * s
    return float(x[keep].var())


def _fit(level: np.ndarray, e: np.ndarray, which: np.ndarray, bins: int, transfer: float | None, scene: bool):
    """Least squares of the binned var(e) (module doc) -> (T read^2, T / g, c) and the bins' (L, var)."""
    lv = np.array([level[which == b].mean() for b in range(bins)])
    # clipped variance: spikes (hot pixels, radiation) are counted by pixel_stats, not here
    var = np.array([clipped_variance(e[which == b]) for b in range(bins)])
    q = code_step_variance(lv)
    t = 0.0 if transfer is None else transfer
    y = var - (t + NEIGHBOUR_TRANSFER) * q
    a = np.stack([np.ones_like(lv), lv, lv ** 2] if scene else [np.ones_like(lv), lv], axis=1)
    coef = np.append(np.linalg.lstsq(a, y, rcond=None)[0], [] if scene else [0.0])
    return coef, lv, var


def fit_gain(curve: dict, transfer: float | None = None, scene: bool = False) -> dict:
    """Fit :func:`variance_curve` (module doc). Without ``transfer`` the raw-code rounding is left out of the
    model (a first pass); ``scene`` False leaves out ``c L^2`` (all pixel-scale variance counted as noise: the
    slope is an upper bound, the gain a lower bound, when the scene adds variance growing with level); returns ``slope`` (T / g, DN^2 per DN), its standard error over the blocks, ``read2``
    (T read^2), ``c`` and, with ``transfer``, ``gain`` = transfer / slope and its standard error."""
    bins = len(curve["edges"]) - 1
    coef, lv, var = _fit(curve["level"], curve["e"], curve["bin"], bins, transfer, scene)
    slopes = []
    for b in range(BLOCKS * BLOCKS):
        sel = curve["block"] != b       # jackknife: leave one block out
        c_, *_ = _fit(curve["level"][sel], curve["e"][sel], curve["bin"][sel], bins, transfer, scene)
        slopes.append(c_[1])
    n = len(slopes)
    se = float(np.sqrt((n - 1) / n * np.sum((np.array(slopes) - np.mean(slopes)) ** 2)))
    out = {"read2": float(coef[0]), "slope": float(coef[1]), "slope_se": se, "c": float(coef[2]),
           "levels": lv, "variances": var}
    if transfer is not None:
        out["gain"] = transfer / coef[1]
        out["gain_se"] = transfer / coef[1] ** 2 * se
    return out


def calibrate_transfer(curve: dict, gain: float) -> tuple[float, float]:
    """``T`` (and its standard error) from a map of known ``gain``: iterate T = gain x slope, the slope fitted
    with the raw-code rounding at the current T."""
    t = None
    for _ in range(6):
        f = fit_gain(curve, t)
        t = gain * f["slope"]
    return t, gain * f["slope_se"]


def read_dn(path) -> np.ndarray:
    """A map in DN: 8-bit PNG/TIFF maps are SQROOT codes, decompanded; ``.npy`` as stored."""
    from benchmarks.map_encoding import decompanded, read_map

    m = read_map(path)
    return m if str(path).endswith(".npy") else decompanded(m)


def main(argv: list[str] | None = None) -> int:
    from benchmarks.map_encoding import read_map

    parser = argparse.ArgumentParser(prog="python -m benchmarks.map_noise", description=__doc__.split("\n")[0])
    parser.add_argument("maps", nargs="*", help="maps whose pixel statistics to print")
    parser.add_argument("--drawn", action="store_true",
                        help="read the maps on compare's drawn limb circle (our maps), not one fitted to each")
    parser.add_argument("--gain", metavar="MAP", help="the map whose gain to measure (needs the reference)")
    parser.add_argument("--reference-map", metavar="MAP", help="a map made the same way at a known gain")
    parser.add_argument("--reference-gain", type=float, help="the reference map's gain, e-/DN")
    args = parser.parse_args(argv)
    try:
        for path in args.maps:
            print(f"{path}: {format_pixels(pixel_stats(read_map(path), args.drawn))}")
        if args.gain:
            if not (args.reference_map and args.reference_gain):
                raise ValueError("--gain needs --reference-map and --reference-gain (a map of known gain)")
            ref = read_dn(args.reference_map)
            t, t_se = calibrate_transfer(variance_curve(ref, lit_disk(ref)), args.reference_gain)
            dn = read_dn(args.gain)
            f = fit_gain(variance_curve(dn, lit_disk(dn)), t)
            print(f"transfer T {t:.3f} +- {t_se:.3f} (reference at {args.reference_gain:g} e-/DN)")
            print(f"{args.gain}: slope {f['slope']:.4f} +- {f['slope_se']:.4f} DN^2/DN -> gain {f['gain']:.1f} +- "
                  f"{f['gain_se']:.1f} e-/DN (block jackknife; T's own error adds {f['gain'] * t_se / t:.1f}); "
                  f"T read^2 {f['read2']:.2f} DN^2, scene c {f['c']:.2e}")
            for lv, v in zip(f["levels"], f["variances"]):
                print(f"  level {lv:7.1f} DN: var {v:8.2f} DN^2")
    except ValueError as exc:
        print(f"map_noise: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

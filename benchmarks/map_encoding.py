"""Does a JunoCam map hold the raw SQROOT codes or linear DN? The histogram's steps at the table's breakpoints.

``python -m benchmarks.map_encoding MAP [MAP ...]`` prints, per 8-bit grey map, the count of map pixels per value
on both sides of every breakpoint of the SQROOT companding table the data reach, and a verdict.

Why it works: the SQROOT table (``instrument_models.junocam.companding_table``; ``../shared/reference/
sqroot_table.csv``, facts.md "Detector and electronics") doubles its DN step per code at codes 23, 43, 89, 184
and 209 (1 -> 2 -> 4 -> 8 -> 16 -> 32 DN). A smooth distribution of DN stored as codes therefore has twice as
many pixels per value just above a breakpoint as just below it; the same DN stored linearly has no step there.

The rule (named constants below): for each breakpoint ``k``, the mean count per value in ``WINDOW`` values below
(``k - GUARD - WINDOW .. k - GUARD - 1``) and above (``k + GUARD + 1 .. k + GUARD + WINDOW``); ``GUARD`` values
next to ``k`` are left out because resampling a map smears the step over about one code (the real maps show it
over codes 89-91). The plain ratio above / below is divided by the histogram's own trend, the geometric mean of
the ratios between each window and the next ``WINDOW`` values further out on its side (the same step, no
breakpoint), giving the *jump* (1 for linear data, 2 for codes). A breakpoint is *reached* when all four
windows hold at least ``MIN_COUNT`` pixels per value on average and lie inside 1..254 (0 is the maps' sky, 255
saturation). Verdict, on the geometric mean of the reached jumps (one kink of a histogram, e.g. the edge of the
disk's brightest region, moves one jump by up to ~30 %): ``codes`` when the mean is at least ``CODES_MIN_JUMP``
(sqrt 2, the geometric middle of 1 and 2) and every jump above ``LINEAR_MAX_JUMP`` (2^0.25); ``linear`` when
the mean lies within ``1 / LINEAR_MAX_JUMP .. LINEAR_MAX_JUMP`` and every jump within ``1 / CODES_MIN_JUMP ..
CODES_MIN_JUMP``; otherwise (or no breakpoint reached) ``undecided``.

``--product-maps PRODUCT METADATA OUT`` writes, per filter of one of our products, the mission-like maps the
README's table measures: the camera's perspective view from the spacecraft at the real image's START_TIME, north
up, 1,600 x 1,600 px with the limb a 799 px circle (the geometry ``benchmarks.map_gradient`` found the real maps
to have), made as ``compare`` makes it (``mission_view.MapMaking``; ``--resampler`` and ``--map-calibration``
change it): ``*-codes.png`` the codes as the mission map would hold them (dark subtracted and flat divided by
default, re-companded, resampled, rounded), ``*-linear8.png`` the calibrated DN (decompanded, dark
subtracted, flat divided: ``compare``'s values) scaled so the 99.9th percentile is 250 and rounded (the linear
control), ``*-dn.npy`` the calibrated DN unrounded and ``*-rawdn.npy`` the mean of the decompanded raw codes
(float64; the resampling-bias reference).

``--figures BLUE GREEN RED METADATA`` measures a set of maps with ``map_gradient``'s perspective twin reading
(``real_geometry``, ``trace_map``; compare's pixel rule and grid in true km): GREEN plain and plane-removed
contrast in 5,500 km patches, slopes at 1,200-4,800 and 400-1,200 km, the bright-limb falloff and the
blue/green, red/green disk ratios; 8-bit maps also read as SQROOT codes decompanded through the table.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from instrument_models.junocam import companding_table
from simulator.realism.map_figures import (LIMB_HALF_WIDTH, LIMB_NEAR_DEG, LIMB_RADII,  # noqa: F401 (public here)
                                           LIMB_SECTOR_DEG, decompanded, disk_ratios, limb_falloff, map_set_figures,
                                           sun_position_angle, texture_figures, traced)
from simulator.realism.mission_view import (MAP_LIMB_PX, MAP_SHAPE, perspective_pixels,  # noqa: F401
                                            product_maps, read_map, real_geometry)

WINDOW = 6                 # values per side averaged at a breakpoint
GUARD = 1                  # values next to a breakpoint left out (resampling smears the step over ~1 code)
MIN_COUNT = 100.0          # a window is measured when it holds this many pixels per value on average
CODES_MIN_JUMP = float(np.sqrt(2.0))   # the geometric middle of 1 (linear) and 2 (codes)
LINEAR_MAX_JUMP = 2.0 ** 0.25          # a quarter of the way (in log) from 1 to 2
LINEAR_CONTROL_TOP = 250.0  # the linear control's 99.9th percentile, in 8-bit values


def sqroot_breakpoints() -> tuple[int, ...]:
    """Codes at which the SQROOT table's DN step per code changes: (23, 43, 89, 184, 209)."""
    step = np.diff(companding_table("SQROOT"))
    return tuple(int(k) for k in np.flatnonzero(np.diff(step)) + 1)


BREAKPOINTS = sqroot_breakpoints()


@dataclass(frozen=True)
class Jump:
    """Counts per value around one breakpoint (mean over the window) and the ratios the verdict reads."""

    code: int
    below: float
    above: float
    plain: float          # above / below
    trend: float          # the histogram's own change over one window step (geometric mean of both sides)
    jump: float           # plain / trend: ~1 linear, ~2 codes


def value_counts(image: np.ndarray) -> np.ndarray:
    """(256,) number of pixels per 8-bit value; raises ValueError unless the map holds whole numbers 0..255."""
    a = np.asarray(image)
    if a.size == 0 or not np.all(np.isfinite(a)) or a.min() < 0 or a.max() > 255 or np.any(a != np.round(a)):
        raise ValueError(f"a map of {a.shape} values in {a.min() if a.size else 'nothing'}.."
                         f"{a.max() if a.size else ''} cannot be tested; expected whole 8-bit values 0..255")
    return np.bincount(a.astype(np.int64).ravel(), minlength=256)


def breakpoint_jumps(counts: np.ndarray, breakpoints=BREAKPOINTS, window: int = WINDOW, guard: int = GUARD,
                     min_count: float = MIN_COUNT) -> list[Jump]:
    """A :class:`Jump` for every breakpoint whose four windows lie in 1..254 and hold >= ``min_count`` per value."""
    out = []
    for k in breakpoints:
        lo, hi = k - guard - 2 * window, k + guard + 2 * window + 1
        if lo < 1 or hi > 255:
            continue
        far_below = counts[lo:lo + window].mean()
        below = counts[k - guard - window:k - guard].mean()
        above = counts[k + guard + 1:k + guard + 1 + window].mean()
        far_above = counts[hi - window:hi].mean()
        if min(far_below, below, above, far_above) < min_count:
            continue
        trend = float(np.sqrt(below / far_below * far_above / above))
        out.append(Jump(k, float(below), float(above), float(above / below), trend, float(above / below / trend)))
    return out


def verdict(jumps: list[Jump]) -> tuple[str, str]:
    """("codes" | "linear" | "undecided", the rule that decided it; module doc)."""
    if not jumps:
        return "undecided", "no breakpoint reached"
    j = np.array([x.jump for x in jumps])
    mean = float(np.exp(np.log(j).mean()))
    shown = f"jumps {', '.join(f'{x:.2f}' for x in j)}, geometric mean {mean:.2f}"
    if mean >= CODES_MIN_JUMP and np.all(j > LINEAR_MAX_JUMP):
        return "codes", f"{shown}: mean >= {CODES_MIN_JUMP:.3f} and each > {LINEAR_MAX_JUMP:.3f}"
    if 1.0 / LINEAR_MAX_JUMP <= mean <= LINEAR_MAX_JUMP and np.all((j < CODES_MIN_JUMP) & (j > 1 / CODES_MIN_JUMP)):
        return "linear", (f"{shown}: mean within {1 / LINEAR_MAX_JUMP:.3f}..{LINEAR_MAX_JUMP:.3f} and each within "
                          f"{1 / CODES_MIN_JUMP:.3f}..{CODES_MIN_JUMP:.3f}")
    return "undecided", f"{shown}: neither rule holds"


def report(path) -> str:
    """The breakpoint table and verdict of one map file, as printed."""
    jumps = breakpoint_jumps(value_counts(read_map(path)))
    kind, rule = verdict(jumps)
    lines = [f"{path}: {kind} ({rule})"]
    for j in jumps:
        lines.append(f"  code {j.code:3d}: {j.below:9.0f} -> {j.above:9.0f} per value, x{j.plain:.2f}; "
                     f"trend x{j.trend:.2f}; jump x{j.jump:.2f}")
    return "\n".join(lines)


# --- maps of our products, made the way the mission's are -------------------------------------------------


def write_product_maps(folder, metadata, out_dir, cache_dir=None, resampler: str | None = None,
                       calibration: str | None = None) -> list[Path]:
    """Write ``<filter>-codes.png``, ``-linear8.png``, ``-dn.npy``, ``-rawdn.npy`` (module doc); the files.
    ``resampler``, ``calibration``: ``mission_view.MapMaking``'s fields (None: compare's defaults)."""
    from simulator.realism.mission_view import MapMaking

    from PIL import Image

    geo = real_geometry(Path(metadata), cache_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    base = MapMaking()
    making = MapMaking(base.surface, resampler or base.resampler, calibration or base.calibration)
    for f, maps in product_maps(folder, geo["spacecraft_km"], making=making).items():
        lit = maps["dn"] > 0
        scale = LINEAR_CONTROL_TOP / np.percentile(maps["dn"][lit], 99.9)
        linear8 = np.where(lit, np.clip(np.round(maps["dn"] * scale), 1, 255), 0)
        for name, image in (("codes", maps["codes"]), ("linear8", linear8)):
            path = out_dir / f"{f.lower()}-{name}.png"
            tmp = path.with_suffix(".tmp.png")
            Image.fromarray(image.astype(np.uint8)).save(tmp)
            tmp.replace(path)
            written.append(path)
        for name in ("dn", "rawdn"):
            path = out_dir / f"{f.lower()}-{name}.npy"
            tmp = out_dir / f"{f.lower()}-{name}.tmp.npy"
            np.save(tmp, maps[name])
            tmp.replace(path)
            written.append(path)
    return written


# --- figures of a set of maps in true km ---------------------------------------------------------------------


def format_figures(label: str, f: dict) -> str:
    """One printed line of :func:`map_set_figures`."""
    lim = f["limb"]
    return (f"{label}: plain {100 * f['plain']:.2f} %, plane removed {100 * f['detrended']:.2f} % ({f['patches']} "
            f"patches); slopes {f['slopes'][0]:.2f} / {f['slopes'][1]:.2f}; I ~ mu0^{f['exponents'][0]:.2f} "
            f"mu^{f['exponents'][1]:.2f}; bright-limb falloff {100 * lim['falloff']:.1f} % towards the Sun "
            f"(position angle {lim['position_angle_deg']:.0f} deg; within {LIMB_NEAR_DEG:.0f} deg median "
            f"{100 * lim['near_median']:.1f} %, {100 * lim['near_range'][0]:.1f}..{100 * lim['near_range'][1]:.1f} %); blue/green {f['ratios'][0]:.3f}, red/green {f['ratios'][1]:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.map_encoding", description=__doc__.split("\n")[0])
    parser.add_argument("maps", nargs="*", help="8-bit grey maps (PNG/TIFF) to test for SQROOT codes")
    parser.add_argument("--product-maps", nargs=3, metavar=("PRODUCT", "METADATA", "OUT"),
                        help="write a product's mission-like maps (view from the real image's START_TIME)")
    parser.add_argument("--figures", nargs=4, metavar=("BLUE", "GREEN", "RED", "METADATA"),
                        help="measure a set of maps (8-bit maps also as decompanded SQROOT codes)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="kernel cache for the twin's kernels")
    parser.add_argument("--resampler", default=None,
                        help="--product-maps' kernel (simulator.realism.resample; default compare's)")
    parser.add_argument("--map-calibration", default=None, choices=("dark+flat", "dark", "none"),
                        help="--product-maps' codes: what is done before mapping (default compare's)")
    args = parser.parse_args(argv)
    try:
        for path in args.maps:
            print(report(path))
        if args.product_maps:
            for path in write_product_maps(*args.product_maps, cache_dir=args.cache_dir, resampler=args.resampler,
                                           calibration=args.map_calibration):
                print(f"wrote {path}")
                if path.suffix == ".png":
                    print(report(path))
        if args.figures:
            geo = real_geometry(Path(args.figures[3]), args.cache_dir)
            maps = [read_map(p) for p in args.figures[:3]]
            print(format_figures("as stored", map_set_figures(*maps, geo)))
            if all(str(p).endswith(".png") for p in args.figures[:3]):
                codes_circle = map_set_figures(*maps, geo)["circle"]
                print(format_figures("as SQROOT codes, decompanded",
                                     map_set_figures(*(decompanded(m) for m in maps), geo, codes_circle)))
    except ValueError as exc:
        print(f"map_encoding: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

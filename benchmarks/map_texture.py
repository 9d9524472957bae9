"""Texture figures of an orthographic disk map (e.g. the mission site's per-filter map of a JunoCam image).

``python -m benchmarks.map_texture MAP.png [--radius-km 71492] [--cells 150,179,268]`` prints, for cells of each
size, the figures ``junocam-sim compare`` reports for a product (:mod:`simulator.realism.texture`: plain and
plane-removed std/mean in 5,500 km patches, power-spectrum slopes at 1,200-4,800 and 400-1,200 km), plus the
map's pixel-to-pixel noise (robust std of each pixel minus the mean of its four neighbours, over the median).

The map is read as a linear image (8-bit or 16-bit grey). Its scale comes from the disk: the limb is fitted as
a circle to the outermost pixel above 5 % of the lit median in every 20th row (an orthographic view of a
sphere: the mission's maps measure a circle to 0.6 px), and ``radius_km / radius_px`` is the scale at the centre. Measured pixels are lit
(above half the lit median, 20 px inside the lit area) and within ``--max-radius`` (0.7) of the disk radius.
Every map pixel is averaged into the cell its centre falls in, as compare averages a product's pixels.

This is how README "Texture in the product" measured the real PJ32 GREEN map (JNCE_2021052_32C00054, not
shipped with the project): 89.5 km/px, in 150 km cells plain 3.08 %, plane removed 1.74 %, slopes -2.15 / -3.25.
``junocam-sim compare`` measures a product the same way by default (``simulator.realism.texture``, mode
"map": the product averaged into a mission-like 89.5 km/px 8-bit map, then into cells by the same
:func:`~simulator.realism.texture.cell_average`).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from PIL import Image
from scipy import ndimage

from simulator.errors import ProductError
from simulator.realism.mission_view import LIMB_FRACTION, LIMB_ROW_STEP, limb_circle as _limb_circle  # noqa: F401
from simulator.realism.texture import cell_average, mean_spectrum, patch_contrast, powers_at, spectral_slopes

JUPITER_EQUATORIAL_RADIUS_KM = 71492.0   # facts.md "Jupiter" (pck00010)
EDGE_ERODE_PX = 20                       # measured pixels stay this far inside the lit area
MAX_RADIUS = 0.7                         # as scenes.truth.scene_texture: away from the limb


def limb_circle(lit: np.ndarray) -> tuple[float, float, float]:
    """``simulator.realism.mission_view.limb_circle``, exiting with its message when no circle fits."""
    try:
        return _limb_circle(lit)
    except ProductError as exc:
        raise SystemExit(f"map_texture: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.map_texture", description=__doc__.split("\n")[0])
    parser.add_argument("map", help="grey PNG/TIFF of an orthographic disk view")
    parser.add_argument("--radius-km", type=float, default=JUPITER_EQUATORIAL_RADIUS_KM)
    parser.add_argument("--cells", default="150", help="comma-separated cell sizes, km (default 150)")
    parser.add_argument("--max-radius", type=float, default=MAX_RADIUS)
    args = parser.parse_args(argv)
    image = np.asarray(Image.open(args.map).convert("I"), dtype=np.float64)
    positive = image[image > 0]
    if positive.size == 0:
        raise SystemExit(f"map_texture: {args.map} has no lit pixel")
    lit = image > 0.5 * np.median(positive)
    cx, cy, radius = limb_circle(image > LIMB_FRACTION * np.median(positive))
    pixel_km = args.radius_km / radius
    yy, xx = np.indices(image.shape)
    valid = ndimage.binary_erosion(lit, iterations=EDGE_ERODE_PX)
    valid &= np.hypot(xx + 0.5 - cx, yy + 0.5 - cy) < args.max_radius * radius
    inner = valid[1:-1, 1:-1] & valid[:-2, 1:-1] & valid[2:, 1:-1] & valid[1:-1, :-2] & valid[1:-1, 2:]
    resid = (image[1:-1, 1:-1] - 0.25 * (image[:-2, 1:-1] + image[2:, 1:-1] + image[1:-1, :-2]
                                         + image[1:-1, 2:]))[inner]
    robust = 1.4826 * np.median(np.abs(resid - np.median(resid)))
    print(f"{args.map}: limb circle r = {radius:.1f} px at ({cx:.1f}, {cy:.1f}), {pixel_km:.1f} km/px at the centre; "
          f"pixel minus neighbours {robust:.3f} of median {np.median(image[valid]):.1f} "
          f"({100 * robust / np.median(image[valid]):.2f} %)")
    for cell in (float(c) for c in args.cells.split(",")):
        means, ok = cell_average(image, valid, pixel_km, cell)
        plain, patches = patch_contrast(means, ok, cell)
        detrended, _ = patch_contrast(means, ok, cell, detrend=True)
        slopes, windows, _ = spectral_slopes(means, ok, cell)
        print(f"  {cell:.0f} km cells: contrast {100 * plain:.2f} %, plane removed {100 * detrended:.2f} % "
              f"({patches} patches); slopes {slopes[0]:.2f} / {slopes[1]:.2f} ({windows} windows)")
        if windows:
            wavelength, power, _, _ = mean_spectrum(means, ok, cell)
            print("    power at " + ", ".join(f"{w} km {p:.3g}" for w, p in powers_at(wavelength, power).items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

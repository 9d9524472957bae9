"""Measuring the realism figures of a product or of a folder of calibration frames.

A product (ours or a mission-site pair) is decompanded with its own table. Disk and sky:

* with geometry (the product's ``kernels/`` or a metakernel given), every ``GEOMETRY_STRIDE``-th pixel is
  projected with the IK camera model (``simulator.products.colourview.iter_projected``); the disk is the
  hit mask spread back to every pixel, the sky what lies more than ``MARGIN_PX`` beyond it, the disk core what
  lies more than ``MARGIN_PX`` inside the lit disk (incidence < ``MAX_LIT_INCIDENCE_DEG``; Chebyshev distance);
* without geometry, a pixel is on the disk where the 9 x 9 median of the decompanded image exceeds the
  reference-column dark by ``max(THRESHOLD_MIN_DN, THRESHOLD_FRACTION x (99th percentile - dark))``
  (the median ignores hot pixels); the output says so, and the km-scale figures are skipped.

Dark figures of a product are taken on its sky pixels (stacked per filter, ``strips.stack_with_gaps``),
histograms and block artefacts on the disk core. Band ratios (:mod:`simulator.realism.ratios`, geometry
only): raw signal (decompanded DN minus the filter's dark: its sky's active-column mean, else its reference
columns' median) of the thinned pixels lit and seen at incidence and emission < 70 deg, averaged in surface
cells of 2 x the median thinned footprint, median over the cells seen in both the filter and GREEN of the
cells' ratio; without geometry they are not measured (a note says so). Contrast and spectral slopes: GREEN
I/F-like values (decompanded DN minus the dark map, over the flat, bad pixels inpainted along their line,
with the product's ``calibration/`` frames or the ``calibration`` folder given; else the reference-column
dark and the camera model's vignetting) of every pixel lit and seen at incidence < ``MAX_INCIDENCE_DEG`` and
emission < ``MAX_EMISSION_DEG`` (away from the terminator and the limb), averaged into ``TEXTURE_CELL_KM``
cells of a tangent-plane map (the real image's ~150 km/px; coarser when the pixels are). Calibration frames
give the dark figures (dark/bias frame), the flat figures (flat) and the blemish figures (bad-pixel mask).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from instrument_models.junocam import darkstats as ds
from simulator.errors import ProductError
from simulator.realism import ratios, texture as tx
from simulator.realism.strips import stack_with_gaps

GEOMETRY_STRIDE = 4            # every 4th line and sample projected for the disk mask (a 4-px resolution)
TEXTURE_STRIDE = 1             # every pixel mapped for contrast and spectra (a cell averages all its pixels)
MARGIN_PX = 8                  # sky / disk core keep this far from the disk's edge (stride/2 + PSF tails, measured)
THRESHOLD_MIN_DN = 30.0        # assumption: threshold classification, at least this far above the dark
THRESHOLD_FRACTION = 0.05      # assumption: ... or 5 % of the way to the image's 99th percentile
MAX_INCIDENCE_DEG = 70.0       # assumption: texture away from the terminator
MAX_LIT_INCIDENCE_DEG = 80.0   # assumption: the "disk" of ratios and histograms is the lit disk (the threshold's)
MAX_EMISSION_DEG = 60.0        # assumption: texture away from the limb
TEXTURE_CELL_KM = 150.0        # map cell: issue #13 measured the real PJ32 GREEN image at ~150 km/px
TEXTURE_CELL_FACTOR = 1.5      # ... or 1.5 x the median pixel footprint when that is coarser (few empty cells)
HIST_BINS = np.arange(0, 4097, 64)   # 64 DN: wider than SQROOT's largest decompanded step (32 DN)
MISSION_MODE = "mission"       # compare's default: texture, limb and ratios on mission-like maps (mission_compare)
MODES = (MISSION_MODE,) + tx.TEXTURE_MODES


def _nan() -> float:
    return float("nan")


def _dark_figures(image, mask, summing: int = 1) -> dict:
    level = ds.dark_level(image, mask, summing)
    cols = ds.column_structure(image, mask, summing)
    noise = ds.line_noise(image, mask, summing)
    raw = ds.raw_noise(image, mask, summing)
    hot = ds.hot_pixels(image, mask, summing)
    return {
        "dark_active_mean_dn": level.active_mean_dn,
        "dark_reference_minus_active_dn": level.reference_minus_active_dn,
        "dark_noise_dn": noise.sigma_dn,
        "dark_neighbour_correlation": noise.neighbour_correlation,
        "dark_raw_noise_dn": raw.sigma_dn,
        "dark_column_correlation": raw.column_correlation,
        "column_median_std_dn": cols.std_dn,
        "columns_above_5dn": cols.columns_above,
        "pixels_above_20dn_per_strip": hot.above_per_strip[0],
        "pixels_above_100dn_per_strip": hot.above_per_strip[1],
        "brightest_dn": hot.brightest_dn,
        "hot_clusters_per_strip": hot.clusters.count_per_strip,
        "hot_vertical_streak_fraction": hot.clusters.vertical_streak_fraction,
        "hot_median_streak_lines": hot.clusters.median_streak_lines,
        "hot_common_shape": hot.clusters.common_shape,
    }


def _flat_figures(flat) -> tuple[dict, np.ndarray]:
    p, d = ds.flat_profile(flat), ds.dips(flat)
    return ({"flat_left_edge": p.left_edge, "flat_right_edge": p.right_edge, "flat_peak_column": p.peak_column,
             "flat_dips": d.count, "flat_deepest_dip": d.deepest}, p.profile)


def measure_calibration(frames) -> dict:
    """Figures of a :class:`simulator.realism.frames.CalibrationFrames` (``{"filters": {F: {...}}, ...}``)."""
    filters: dict = {}
    plot: dict = {"column_medians": {}, "profiles": {}}
    for name, strip in frames.strips.get("dark", {}).items():
        filters.setdefault(name, {}).update(_dark_figures(strip, None))
        plot["column_medians"][name] = ds.column_medians(strip)
    for name, strip in frames.strips.get("flat", {}).items():
        figures, profile = _flat_figures(strip)
        filters.setdefault(name, {}).update(figures)
        plot["profiles"][name] = profile
    for name, strip in frames.strips.get("mask", {}).items():
        b = ds.blemishes(strip > 0)
        filters.setdefault(name, {}).update({"blemish_percent": b.percent_flagged,
                                             "blemish_blobs_per_strip": b.blobs_per_strip,
                                             "blemish_median_size": f"{b.median_lines:g} x {b.median_samples:g}"})
    notes = [f"{role}: {path.name}" for role, path in frames.files.items()]
    return {"source": str(frames.folder), "kind": "calibration frames", "geometry": "none", "notes": notes,
            "filters": filters, "texture": {}, "plot": plot}


def _threshold_disk(dn: np.ndarray, dark: float, threshold: float) -> np.ndarray:
    return ndimage.median_filter(dn, size=9, mode="nearest") > dark + threshold


def _spread(hit: np.ndarray, lines: np.ndarray, samples: np.ndarray, shape) -> np.ndarray:
    """A thinned hit mask (at ``lines`` x ``samples``) spread to every pixel (the nearest thinned pixel)."""
    def nearest(points, n):
        i = np.clip(np.searchsorted(points, np.arange(n)), 1, points.size - 1) if points.size > 1 else np.zeros(n, int)
        if points.size == 1:
            return i
        left, right = points[i - 1], points[i]
        return np.where(np.arange(n) - left <= right - np.arange(n), i - 1, i)

    return hit[np.ix_(nearest(lines, shape[0]), nearest(samples, shape[1]))]


def _texture(points, value, pixel_km, centre, mode: str = "map") -> dict:
    """Texture figures of GREEN pixels (surface points, values, footprints) on an orthographic map about
    ``centre``: ``mode`` "map" through a mission-like 89.5 km/px 8-bit map, "cells" straight into the cells
    (:mod:`simulator.realism.texture`)."""
    from simulator.products.colourview import grid_average, tangent_plane_coordinates

    x, y = tangent_plane_coordinates(points, centre)
    footprint = float(np.median(pixel_km))
    step = max(TEXTURE_CELL_KM, TEXTURE_CELL_FACTOR * footprint)
    out = {"texture_mode": mode}
    if mode == "map":
        map_km = max(tx.MISSION_MAP_PIXEL_KM, TEXTURE_CELL_FACTOR * footprint)
        image, filled = tx.mission_map(x, y, value, map_km)
        grid, seen = tx.cell_average(image, filled, map_km, step)
        out["map_pixel_km"] = map_km
    else:
        bounds = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
        means, covered = grid_average(x, y, value, np.zeros(value.size, int), 1, step, bounds, 1)
        grid, seen = means[0], covered[0]
    contrast, patches = tx.patch_contrast(grid, seen, step)
    detrended, _ = tx.patch_contrast(grid, seen, step, detrend=True)
    slopes, windows, window_km = tx.spectral_slopes(grid, seen, step)
    wavelength, power, _, _ = tx.mean_spectrum(grid, seen, step)
    out["power_km"] = tx.powers_at(wavelength, power) if windows else {}
    out.update({"map_cell_km": step, "contrast_5500km": contrast, "contrast_5500km_detrended": detrended,
                "contrast_patches": patches,
                "slope_1200_4800km": slopes[0], "slope_400_1200km": slopes[1], "spectrum_windows": windows,
                "spectrum_window_km": window_km})
    return out


def measure_product(folder, metakernel=None, use_geometry: bool = True, calibration=None,
                    texture_mode: str = MISSION_MODE, mission_geo: dict | None = None,
                    mission_label: str | None = None, map_surface: str | None = None) -> dict:
    """Figures of a product folder (module docstring); ``metakernel`` for mission pairs, ``calibration`` a
    folder of calibration frames for the texture figures (default the product's own ``calibration/``),
    ``texture_mode`` "mission" (the texture, limb and ratio figures of a mission-like perspective map of the
    product, in ``mission_geo`` or its own START_TIME view: :mod:`simulator.realism.mission_compare`), "map"
    (an orthographic 89.5 km/px 8-bit map of calibrated DN; ``simulator.realism.texture``) or "cells"."""
    if texture_mode not in MODES:
        raise ProductError(f"texture mode {texture_mode!r} is not one of {', '.join(MODES)}")
    from instrument_models.junocam import decompand
    from simulator.products.colourview import iter_projected, product_inputs
    from simulator.products.reader import load_product

    notes: list[str] = []
    inputs = None
    if use_geometry:
        try:
            inputs = product_inputs(folder, metakernel)
        except ProductError as exc:
            notes.append(f"no geometry ({exc}); disk and sky classified by a DN threshold, km-scale figures skipped")
    product = inputs.product if inputs is not None else load_product(Path(folder))
    lay = product.layout
    if lay.tdi_stages != 1:
        notes.append(f"TDI {lay.tdi_stages}: the real figures are defined at TDI 1")
        if inputs is not None:
            notes.append("the projection handles TDI 1 only: disk and sky classified by a DN threshold, "
                         "km-scale figures skipped")
            inputs, product = None, load_product(Path(folder))
    per_filter: dict = {f: {"dn": [], "disk": [], "sky": [], "core": [], "points": [], "raw": [], "km": []}
                        for f in lay.filters}
    texture_parts = None
    geometry_label = "threshold"
    if inputs is not None:
        geometry_label = "kernels"
        for geo, p in iter_projected(inputs, None, GEOMETRY_STRIDE):
            fr, g = p.framelet, p.geometry
            dn = np.asarray(decompand(p.codes, lay.companding), dtype=np.float64)
            disk = _spread(g.hit, p.lines, p.samples, dn.shape)
            with np.errstate(invalid="ignore"):
                lit = _spread(g.hit & (g.incidence < MAX_LIT_INCIDENCE_DEG), p.lines, p.samples, dn.shape)
            _collect(per_filter[fr.filter], dn, disk, lit)
            _collect_ratio_points(per_filter[fr.filter], geo, p, dn)
        if "GREEN" in lay.filters and texture_mode != MISSION_MODE:
            frames = _texture_calibration(inputs, calibration, lay)
            notes.extend(f"texture: {n}" for n in frames.notes[:1])
            texture_parts = _texture_pixels(inputs, frames if frames.source != "model" else None)
    else:
        image = np.asarray(product.image)
        for k, f in enumerate(lay.filters):
            blocks = [np.asarray(decompand(image[(n * len(lay.filters) + k) * lay.framelet_lines:
                                                 (n * len(lay.filters) + k + 1) * lay.framelet_lines],
                                           lay.companding), dtype=np.float64) for n in range(lay.frames)]
            ref = np.concatenate([b[:, :23 // lay.summing].ravel() for b in blocks])
            dark = float(np.median(ref))
            top = float(np.percentile(np.concatenate([b.ravel() for b in blocks]), 99))
            threshold = max(THRESHOLD_MIN_DN, THRESHOLD_FRACTION * (top - dark))
            for dn in blocks:
                _collect(per_filter[f], dn, _threshold_disk(dn, dark, threshold))
        notes.append(f"disk = 9x9 median above the dark by max({THRESHOLD_MIN_DN:g} DN, "
                     f"{THRESHOLD_FRACTION:.0%} of the range)")
        notes.append("band ratios need geometry (the same surface points in each filter): not measured")
    filters, plot = _product_figures(per_filter, lay)
    notes += _band_ratios(per_filter, filters)
    notes.append("flat-field figures need a flat frame (a product's column profile is the scene's)")
    texture = {}
    if texture_parts and texture_parts["value"].size:
        texture = _texture(texture_parts["points"], texture_parts["value"], texture_parts["pixel_km"],
                           texture_parts["centre"], texture_mode)
        if not texture["contrast_patches"]:
            notes.append("texture: no 5,500 km patch lies wholly in the lit, seen GREEN area")
        if not texture["spectrum_windows"]:
            notes.append(f"texture: no {texture['spectrum_window_km']:,.0f} km window lies wholly in the lit, "
                         "seen GREEN area (spectral slopes need 2 x 4,800 km)")
    elif inputs is not None and texture_mode != MISSION_MODE:
        notes.append("texture: no GREEN framelet, or no GREEN pixel lit (i < 70 deg) and seen (e < 60 deg)")
    out = {"source": str(folder), "kind": f"product {lay.product_id}", "geometry": geometry_label,
           "notes": notes, "filters": filters, "texture": texture, "plot": plot}
    if texture_mode == MISSION_MODE:
        out["mission_view"] = _mission_view(inputs, per_filter, mission_geo, mission_label, notes, plot,
                                            map_surface)
    return out


def _mission_view(inputs, per_filter: dict, geo, label, notes: list, plot: dict,
                  surface: str | None = None) -> dict | None:
    """The product's like-for-like figures (``mission_compare``), None with a note when it has none."""
    from simulator.realism.mission_compare import product_mission_view
    from simulator.realism.mission_view import MISSION_MAP_SURFACE

    if inputs is None:
        notes.append("mission-like map: needs the product's geometry (TDI 1, kernels); not measured")
        return None
    if all(sky.all() for acc in per_filter.values() for sky in acc["sky"]):
        notes.append("mission-like map: no pixel sees Jupiter; not measured")
        return None
    view, why = product_mission_view(inputs, geo, label, surface or MISSION_MAP_SURFACE)
    notes.extend(why)
    if view is not None:
        plot["mission_green"] = view.pop("_green")
    return view


def _collect(acc: dict, dn: np.ndarray, disk: np.ndarray, lit: np.ndarray | None = None) -> None:
    """Add a framelet: sky = more than MARGIN_PX off the disk, core = more than MARGIN_PX inside the lit disk."""
    square = np.ones((3, 3), bool)                 # Chebyshev distance: MARGIN_PX in every direction
    sky = ~ndimage.binary_dilation(disk, square, iterations=MARGIN_PX)
    core = ndimage.binary_erosion(disk if lit is None else lit, square, iterations=MARGIN_PX)
    acc["dn"].append(dn)
    acc["sky"].append(sky)
    acc["core"].append(core)


def _texture_calibration(inputs, calibration, lay):
    """Calibration frames for the texture map: ``calibration`` (a user folder), else the product's own."""
    from simulator.validate.frames import load_frame_calibration

    return load_frame_calibration(inputs.root, calibration, lay.summing, ("GREEN",))


def _texture_pixels(inputs, frames=None) -> dict:
    """GREEN pixels lit and seen away from the limb, calibrated with ``frames`` (dark map, flat, bad pixels
    inpainted; ``simulator.validate.frames.FrameCalibration``) when given: surface points, values, footprints."""
    from simulator.products.colourview import iter_projected

    pts, val, km = [], [], []
    for geo, p in iter_projected(inputs, None, TEXTURE_STRIDE, filters=("GREEN",), frames=frames):
        g = p.geometry
        use = g.hit & (g.incidence < MAX_INCIDENCE_DEG) & (g.emission < MAX_EMISSION_DEG) & (p.codes[p.lines][:, p.samples] < 255)
        if use.any():
            pts.append(geo.ellipsoid.surface_point(g.lat_pc[use], g.lon_w[use], kind="planetocentric"))
            val.append(p.value[use])
            km.append(p.pixel_km[use])
    if not val:
        return {"value": np.empty(0)}
    points = np.concatenate(pts)
    centre = points.mean(axis=0)
    return {"points": points, "value": np.concatenate(val), "pixel_km": np.concatenate(km), "centre": centre}


def _product_figures(per_filter: dict, lay) -> tuple[dict, dict]:
    filters: dict = {}
    plot: dict = {"column_medians": {}, "profiles": {}, "hist_disk": {}, "hist_sky": {}}
    for f, acc in per_filter.items():
        image, sky = stack_with_gaps(acc["dn"], acc["sky"])
        _, core = stack_with_gaps(acc["dn"], acc["core"])
        figures = _dark_figures(image, sky, lay.summing) if sky.any() else {}
        dark = figures.get("dark_active_mean_dn", _nan())
        if not np.isfinite(dark):
            ref = image[:, :23 // lay.summing]
            dark = float(np.nanmedian(ref))
        figures["sky_fraction"] = float(sky.sum() / np.isfinite(image).sum())
        figures["disk_fraction"] = float(core.sum() / np.isfinite(image).sum())
        for name, m in (("disk", core), ("sky", sky)):
            v = image[m]
            figures[f"{name}_dn_p1_p50_p99"] = (" / ".join(f"{q:.0f}" for q in np.percentile(v, [1, 50, 99]))
                                                if v.size else "n/a")
            plot[f"hist_{name}"][f] = np.histogram(v, HIST_BINS)[0] if v.size else None
        figures["dark_for_signal_dn"] = dark
        if core.any():
            figures["block_ratio"] = float(np.nanmean([tx.block_ratio(dn, c) for dn, c in
                                                       zip(acc["dn"], acc["core"]) if c.sum() > 64] or [np.nan]))
        if sky.any():
            plot["column_medians"][f] = ds.column_medians(image, sky, lay.summing)
        filters[f] = figures
    return filters, plot


def _collect_ratio_points(acc: dict, geo, p, dn: np.ndarray) -> None:
    """Surface points and decompanded DN of a framelet's thinned pixels usable for band ratios
    (:mod:`simulator.realism.ratios`: lit and seen at < MAX_ANGLE_DEG, not saturated)."""
    from simulator.validate.reconstruct import SATURATED_CODE

    g = p.geometry
    with np.errstate(invalid="ignore"):
        use = (g.hit & (g.incidence < ratios.MAX_ANGLE_DEG) & (g.emission < ratios.MAX_ANGLE_DEG)
               & (p.codes[p.lines][:, p.samples] < SATURATED_CODE))
    if use.any():
        acc["points"].append(geo.ellipsoid.surface_point(g.lat_pc[use], g.lon_w[use], kind="planetocentric"))
        acc["raw"].append(dn[p.lines][:, p.samples][use])
        acc["km"].append(p.pixel_km[use])


def _band_ratios(per_filter: dict, filters: dict) -> list[str]:
    """Blue/green and red/green at the same surface points (``ratios.colocated_ratios``); notes to print."""
    if not any(acc["points"] for acc in per_filter.values()):
        return []
    points = {f: np.concatenate(acc["points"]) if acc["points"] else np.empty((0, 3)) for f, acc in per_filter.items()}
    signal = {f: (np.concatenate(acc["raw"]) if acc["raw"] else np.empty(0)) - filters[f]["dark_for_signal_dn"]
              for f, acc in per_filter.items()}
    km = np.concatenate([k for acc in per_filter.values() for k in acc["km"]])
    cell_km = ratios.CELL_FACTOR * float(np.median(km))
    found = ratios.colocated_ratios(points, signal, cell_km)
    notes = []
    for f, key in (("BLUE", "blue_over_green"), ("RED", "red_over_green")):
        if f in found:
            value, cells = found[f]
            filters[f][key] = value
            filters[f]["ratio_cells"] = cells
            if not np.isfinite(value):
                notes.append(f"{key}: {cells} surface cells of {cell_km:,.0f} km seen in both {f} and GREEN "
                             f"(at least {ratios.MIN_CELLS} needed; consecutive frames overlap from 3 frames on)")
    return notes


def measure(path, metakernel=None, strip_filter: str = "GREEN", calibration=None,
            texture_mode: str = MISSION_MODE, mission_geo: dict | None = None, mission_label: str | None = None,
            map_surface: str | None = None) -> dict:
    """Figures of ``path``: a product folder (or its metadata JSON) or a folder of calibration frames
    (a mission map set is measured by ``mission_compare.measure_map_set``); ``mission_geo``: the view the
    mission-like maps of a product are drawn in (None: its own at START_TIME)."""
    from simulator.realism.frames import load_calibration_folder
    from simulator.products.reader import find_metadata

    path = Path(path)
    try:
        find_metadata(path)
    except ProductError:
        if path.is_dir():
            return measure_calibration(load_calibration_folder(path, strip_filter))
        raise
    return measure_product(path, metakernel, calibration=calibration, texture_mode=texture_mode,
                           mission_geo=mission_geo, mission_label=mission_label, map_surface=map_surface)

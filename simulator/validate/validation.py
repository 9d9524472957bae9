"""``junocam-sim validate``: the reference reconstruction of a product, scored against its truth.

Order of work (a framelet's truth is read only after that framelet is reconstructed, and nothing drawn
from the truth feeds the reconstruction, the map grids or the limb fit; memory does not grow with the
product's length):

1. open the product (PNG, metadata, kernels); fix each filter's map grid from a subsampled projection of
   every framelet (:func:`~simulator.validate.mapbins.plan_grids`);
2. reconstruct every framelet at the ISIS frame times with the product's ray convention (``"packet"``),
   calibrate to I/F and correct the photometry; read its truth rows and add it to the streamed statistics
   (quantile sketches, running sums, per-cell map sums; the error image goes to disk);
3. fit the start-time offset on the limb (:mod:`limbfit`), and reproject with that offset;
4. for TDI > 1 also reproject with ISIS's convention (the pixel's own row) to show the difference;
5. report: geometry (km, pixels, along lines/samples) for the nominal, limb-corrected and ISIS
   reconstructions; the limb-fit offset against the injected jitter; I/F maps against the truth I/F maps
   and the noise model; the albedo map against the scene's own albedo. Pixels the truth puts on another
   body (a moon) are left out of every comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.validate.compare import framelet_geometry_errors
from simulator.validate.frames import load_frame_calibration
from simulator.validate.limbfit import LimbFit
from simulator.validate.mapbins import MapSums, plan_grids
from simulator.validate.metrics import ErrorSummary, json_number
from simulator.validate.product import open_product
from simulator.validate.reconstruct import SATURATED_CODE, Reconstructor, photometry_from
from simulator.validate.rowstore import ErrorRows
from simulator.validate.sketch import QUANTILE_RELATIVE_ERROR, DifferenceSums, QuantileSketch
from simulator.validate.timefit import LimbFitError
from simulator.validate.truth import JUPITER_NAIF_ID, TruthReader, truth_paths


SATURATION_NOTE_FRACTION = 0.01  # a note is printed when more than 1 % of the planet's pixels saturate


@dataclass
class ValidationResult:
    """Everything ``validate`` reports.

    Attributes
    ----------
    summary : the flat ``validation.json`` content.
    error_rows : the per-pixel image-plane geometry error (pixels, float32) of the nominal reconstruction
        and the on-planet flags (pixels the truth or the reconstruction puts on the planet), kept on disk
        row by row (:class:`~simulator.validate.rowstore.ErrorRows`; the error map is drawn from it).
    notes : human-readable remarks (skipped parts and why).
    """

    summary: dict
    error_rows: ErrorRows
    notes: list = field(default_factory=list)

    @property
    def error_px(self) -> np.ndarray:
        """The whole (lines, samples) float32 error image, read into memory."""
        return self.error_rows.read(0, self.error_rows.shape[0])[0]

    @property
    def on_planet(self) -> np.ndarray:
        """The whole (lines, samples) bool on-planet mask, read into memory."""
        return self.error_rows.read(0, self.error_rows.shape[0])[1]


def _median_without_nan(values) -> float:
    """``numpy.nanmedian`` of a 1-D or image array (the same value; no warning on all-NaN input)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    return float(np.median(v[~np.isnan(v)]))


def geometry_summary(prefix: str, errors) -> dict:
    """Summary of :class:`~simulator.validate.compare.GeometryErrors` (image-shaped arrays, exact quantiles;
    ``score``). :meth:`GeometryAccumulator.summary` gives the same keys from streamed sketches."""
    out = {}
    out.update(ErrorSummary.of(errors.px).as_dict(f"{prefix}_px"))
    out.update({k: v for k, v in ErrorSummary.of(errors.km).as_dict(f"{prefix}_km").items()
                if not k.endswith("_count")})
    out[f"{prefix}_line_px_median"] = (json_number(_median_without_nan(errors.d_line))
                                       if np.isfinite(errors.d_line).any() else None)
    out[f"{prefix}_sample_px_median"] = (json_number(_median_without_nan(errors.d_sample))
                                         if np.isfinite(errors.d_sample).any() else None)
    image = np.hypot(errors.d_line, errors.d_sample)
    out.update({k: v for k, v in ErrorSummary.of(image).as_dict(f"{prefix}_image_px").items()
                if not k.endswith(("_count", "_mean", "_max"))})
    out[f"{prefix}_hit_disagreements"] = errors.hit_disagreements
    return out


class GeometryAccumulator:
    """Per-framelet geometry errors summarised as they arrive, in memory independent of their number.

    Quantile sketches (:class:`~simulator.validate.sketch.QuantileSketch`: count, mean, min, max exact;
    median and p99 to a relative error of :data:`~simulator.validate.sketch.QUANTILE_RELATIVE_ERROR`) of the
    finite ``px``, ``km``, ``d_line``, ``d_sample`` and image-plane errors, and the hit disagreements.
    """

    def __init__(self):
        self.sketches = {k: QuantileSketch() for k in ("px", "km", "d_line", "d_sample", "image")}
        self.hit_disagreements = 0

    def add(self, errors) -> None:
        """Add one framelet's :class:`~simulator.validate.compare.GeometryErrors`."""
        for name in ("px", "km", "d_line", "d_sample"):
            self.sketches[name].add(getattr(errors, name))
        self.sketches["image"].add(np.hypot(errors.d_line, errors.d_sample))
        self.hit_disagreements += int(errors.hit_disagreements)

    def summary(self, prefix: str) -> dict:
        """The keys of :func:`geometry_summary` (quantiles from the sketches)."""
        sk = self.sketches
        out = _sketch_dict(sk["px"], f"{prefix}_px", ("median", "p99", "max", "mean", "count"))
        out.update(_sketch_dict(sk["km"], f"{prefix}_km", ("median", "p99", "max", "mean")))
        out[f"{prefix}_line_px_median"] = _sketch_dict(sk["d_line"], "m", ("median",))["m_median"]
        out[f"{prefix}_sample_px_median"] = _sketch_dict(sk["d_sample"], "m", ("median",))["m_median"]
        out.update(_sketch_dict(sk["image"], f"{prefix}_image_px", ("median", "p99")))
        out[f"{prefix}_hit_disagreements"] = self.hit_disagreements
        return out


def _sketch_dict(sketch: QuantileSketch, prefix: str, keys) -> dict:
    """``{prefix_median, prefix_p99, prefix_max, prefix_mean, prefix_count}`` (those in ``keys``) of a sketch,
    JSON-safe (None where there are no values)."""
    median, p99 = sketch.quantiles([0.5, 0.99]) if sketch.count else (np.nan, np.nan)
    values = {"median": json_number(median), "p99": json_number(p99),
              "max": json_number(sketch.max) if sketch.count else None,
              "mean": json_number(sketch.mean), "count": sketch.count}
    return {f"{prefix}_{k}": values[k] for k in keys}


class _LimbImages:
    """Framelet index -> decompanded DN image (saturated pixels NaN), computed from the raw PNG on access.

    The limb fit reads only the framelets that have a limb; decoding (``pngrows.PngRows``) and decompanding
    on demand keeps nothing per framelet in memory."""

    def __init__(self, rec: Reconstructor, framelets):
        self.rec = rec
        self.rows = {i: slice(f.first_line, f.first_line + f.lines) for i, f in enumerate(framelets)}

    def __getitem__(self, index: int) -> np.ndarray:
        return _limb_image(self.rec, self.rec.inputs.product.image[self.rows[index]])


def _scene_albedo(record: dict, filter_name: str):
    """The scene's normal albedo of ``filter_name`` from the scenario named in truth.json, as a function of
    (lat_pg, lon_w) arrays (NaN where they are not finite)."""
    from scenes.scene import build_scene
    from simulator.scenario import load_scenario

    scenario = load_scenario(str(record.get("scenario", "default")))
    appearance = build_scene(scenario.table("scene"), int(record.get("seed", scenario.seed))).bodies[0].appearance

    def albedo(lat, lon):
        ok = np.isfinite(lat) & np.isfinite(lon)
        out = np.full(np.shape(lat), np.nan)
        out[ok] = appearance.normal_albedo(filter_name, lat[ok], lon[ok])
        return out

    return albedo


def run_validation(product_dir, photometry_model: str | None = None, minnaert_k: float | None = None,
                   limb: LimbFit | None = None, kernels=None, progress=None,
                   calibration=None, scratch_dir=None) -> ValidationResult:
    """Reconstruct ``product_dir`` and score it against its truth (see the module docstring).

    ``calibration``: a user's calibration-frame folder; default the product's ``calibration/`` when present,
    else the camera model (:func:`~simulator.validate.frames.load_frame_calibration`).

    ``scratch_dir``: the folder of the error rows' anonymous scratch file (``validate`` passes its output's
    partial folder); None: the system's temporary folder.

    ``progress(done, total)``, when given, is called after each framelet pass and the limb fit (``total``:
    framelets x (1 + re-projected variants) + 1; the variants are known after the limb fit).

    Memory does not grow with the product's length beyond the filled map cells (28 B each) and the pre-pass's
    subsample: the raw PNG is decoded by rows when a framelet is needed (``pngrows.PngRows``), the error image
    and on-planet mask wait on disk, the map grids are fixed by a pre-pass before any truth is read
    (:func:`~simulator.validate.mapbins.plan_grids`), then each framelet is reconstructed, its truth rows are
    read, and it is added to quantile sketches, running sums and per-cell map sums; the limb fit
    decompands its framelets from the PNG when it needs them.
    """
    notes: list[str] = []
    inputs = open_product(product_dir, kernels)     # kernels: a metakernel replacing the product's own
    layout = inputs.product.layout
    truth_paths(inputs.root, layout.product_id)      # fail early if there is no truth to score against
    photometry = photometry_from(inputs.scene_settings, photometry_model, minnaert_k)
    frames = load_frame_calibration(inputs.root, calibration, layout.summing, layout.filters)
    notes.extend(frames.notes)
    rec = Reconstructor(inputs, photometry, frames=frames)
    limb = limb or LimbFit()
    image = inputs.product.image
    photoactive = rec.camera.strips.photoactive_mask(layout.summing)
    error_rows = ErrorRows(image.shape, scratch_dir)
    nominal = GeometryAccumulator()
    pixel_iof = DifferenceSums()
    saturated = on_planet_count = other_body = 0
    with TruthReader(inputs.root, layout.product_id) as truth_reader, rec.geometry() as geo:
        ellipsoid = geo.ellipsoid
        framelets = rec.framelets(geo)
        # The map grids, from the reconstruction geometry alone, before any truth is read.
        sums = {f: MapSums(g) for f, g in plan_grids(rec, geo, framelets).items()}
        limbs, shifts = [], []
        tick = progress or (lambda done, total: None)
        n = len(framelets)
        for i, (fr, r) in enumerate(zip(framelets, rec.iter_reconstruct(geo, framelets))):
            g, rows = r.geometry, slice(fr.first_line, fr.first_line + fr.lines)
            shifts.append(g.row_shift_px)
            codes = image[rows]
            lc = limb.candidate_columns(g, i)
            if lc is not None:
                limbs.append(lc)
            # The truth of this framelet, read after its reconstruction; nothing drawn from it feeds the
            # reconstruction, the map grids or the limb fit.
            truth = truth_reader.rows(fr.first_line, fr.lines)
            errors = framelet_geometry_errors(ellipsoid, g.lat_pg, g.lon_w, truth, photoactive)
            nominal.add(errors)
            error_rows.write(fr.first_line, np.hypot(errors.d_line, errors.d_sample),
                             (truth["BODY"] > 0) | np.isfinite(g.lat_pg))
            codes_on = codes[np.isfinite(g.lat_pg)]
            saturated += int(np.sum(codes_on >= SATURATED_CODE))
            on_planet_count += codes_on.size
            pixel_iof.add(r.iof, truth["IOF"], r.iof_sigma)
            if fr.filter in sums:
                # Pixels that see another body (a moon) are not Jupiter: out of the maps as well.
                jupiter = np.isin(truth["BODY"], (0, JUPITER_NAIF_ID))
                other_body += int(np.sum(~jupiter & np.isfinite(g.lat_pg)))
                sums[fr.filter].add_reconstruction(*(np.where(jupiter, v, np.nan) for v in (
                    g.lat_pg, g.lon_w, r.iof, r.iof_sigma, r.albedo)))
                sums[fr.filter].add_truth(truth["LAT_PG"], truth["LON_W"], truth["IOF"])
            del r, g, truth, errors
            tick(i + 1, 3 * n + 1)
        nominal_summary = nominal.summary("geometry_error")
        pixel_summary = pixel_iof.summary().as_dict("iof_pixel")
        del nominal
        try:
            fit = limb.fit_limbs(geo, rec.camera, framelets, limbs, _LimbImages(rec, framelets), layout.summing,
                                 shifts, photometry, rec.coding())
        except LimbFitError as exc:
            fit = None
            notes.append(f"limb fit skipped: {exc}")
        variants = {}
        if fit is not None:
            variants["geometry_error_limb_corrected"] = (fit.offset_s, "packet")
        if layout.tdi_stages > 1:
            variants["geometry_error_isis"] = (0.0, "isis")
        else:
            notes.append("TDI 1: the ISIS convention (pixel's own row) is the same ray as the product's")
        variant_summaries = {}
        done, total = n + 1, n * (1 + len(variants)) + 1
        tick(done, total)
        for prefix, (offset_s, convention) in variants.items():
            acc = GeometryAccumulator()
            shifted = rec.framelets(geo, offset_s)
            for fr, g in zip(shifted, rec.iter_reconstruct(geo, shifted, convention, with_radiometry=False)):
                truth = truth_reader.rows(fr.first_line, fr.lines)
                acc.add(framelet_geometry_errors(ellipsoid, g.lat_pg, g.lon_w, truth, photoactive))
                done += 1
                tick(done, total)
            variant_summaries[prefix] = acc.summary(prefix)
        record = truth_reader.truth

    summary = {
        "product_id": layout.product_id, "scenario": record.record.get("scenario"),
        "aberration_correction": inputs.abcorr, "ray_convention": "packet", "frames": layout.frames,
        "filters": list(layout.filters), "tdi_stages": layout.tdi_stages, "summing": layout.summing,
        "compression": layout.compression, "photometry": photometry.model,
        "calibration_frames": frames.source,
        "calibration_folder": None if frames.folder is None else str(frames.folder),
        "injected_errors": record.injected, "quantile_relative_error": QUANTILE_RELATIVE_ERROR,
    }
    summary.update(nominal_summary)
    for prefix in variants:
        summary.update(variant_summaries[prefix])

    summary["jitter_injected_ms"] = record.jitter_s * 1e3
    summary["jitter_estimated_ms"] = json_number(fit.offset_s * 1e3) if fit is not None else None
    summary["jitter_error_ms"] = json_number((fit.offset_s - record.jitter_s) * 1e3) if fit is not None else None
    summary["jitter_sigma_ms"] = json_number(fit.sigma_s * 1e3) if fit is not None else None
    summary["limb_columns_used"] = fit.columns_used if fit is not None else 0
    summary["limb_residual_rms_px"] = json_number(fit.residual_rms_px) if fit is not None else None

    # ---- radiometry ----
    summary["saturated_pixels_on_planet"] = saturated
    if saturated > SATURATION_NOTE_FRACTION * max(on_planet_count, 1):
        notes.append(f"{saturated} of {on_planet_count} pixels on the planet are saturated (code "
                     f"{SATURATED_CODE}); they are left out of the radiometry and the limb fit")
    summary["map_pixels_on_other_bodies"] = other_body
    summary.update(pixel_summary)
    maps_all, albedo_all = DifferenceSums(), DifferenceSums()
    per_filter = {}
    for f in layout.filters:
        if f not in sums:
            continue
        acc = sums.pop(f)
        grid, held = acc.grid, acc.cell_count
        maps, albedo = DifferenceSums(), DifferenceSums()
        try:
            scene_albedo = _scene_albedo(record.record, f)
        except (ValueError, OSError) as exc:
            scene_albedo = None
            notes.append(f"scene albedo not compared for {f}: {exc}")
        for m in acc.iter_cells():           # the cells' map values a chunk at a time
            maps.add(m.recon, m.truth, m.noise)
            if scene_albedo is not None:
                try:
                    albedo.add(m.albedo, scene_albedo(*m.centres()))
                except (ValueError, OSError) as exc:
                    scene_albedo = None
                    notes.append(f"scene albedo not compared for {f}: {exc}")
            del m
        maps_all.merge(maps)
        per_filter[f] = {"map_shape": list(grid.shape), "map_resolution_deg": grid.dlat_deg, "map_cells": held,
                         "map_bounds_deg": [grid.lat_min_deg, grid.lat_max_deg, grid.lon_min_deg,
                                            grid.lon_max_deg],
                         "map_pixels_outside_grid": acc.outside_reconstructed,
                         "map_truth_pixels_outside_grid": acc.outside_truth,
                         **maps.summary().as_dict("iof")}
        if scene_albedo is not None:
            albedo_all.merge(albedo)
            per_filter[f].update(albedo.summary().as_dict("albedo"))
        del acc
    if maps_all.count:
        summary.update(maps_all.summary().as_dict("iof"))
    else:
        notes.append("no pixel of the product sees the planet: no I/F map")
        summary.update({"iof_bias": None, "iof_rms": None})
    if albedo_all.count:
        summary.update(albedo_all.summary().as_dict("albedo"))
    summary["per_filter"] = per_filter
    summary["notes"] = notes
    return ValidationResult(summary=summary, error_rows=error_rows, notes=notes)


def _limb_image(rec: Reconstructor, codes: np.ndarray) -> np.ndarray:
    """Decompanded DN of a framelet for the limb detector, saturated pixels NaN (their edge is not measurable)."""
    lay = rec.layout
    dn = rec.calibration.decompand(codes, lay.companding, lay.summing)[0]
    return np.where(codes >= SATURATED_CODE, np.nan, dn)


def rows_by_filter(layout) -> dict:
    rows = {f: np.zeros(layout.lines, dtype=bool) for f in layout.filters}
    for n in range(layout.frames):
        for k, f in enumerate(layout.filters):
            first = (n * len(layout.filters) + k) * layout.framelet_lines
            rows[f][first:first + layout.framelet_lines] = True
    return rows

"""``junocam-sim validate``: the reference reconstruction of a product, scored against its truth.

Order of work (the truth is opened only after the reconstruction is finished):

1. open the product (PNG, metadata, kernels), reconstruct every framelet at the ISIS frame times with the
   product's ray convention (``"packet"``), calibrate to I/F and correct the photometry;
2. fit the start-time offset on the limb (:mod:`limbfit`), and reproject with that offset;
3. for TDI > 1 also reproject with ISIS's convention (the pixel's own row) to show the difference;
4. read the truth and compare: geometry (km, pixels, along lines/samples) for the nominal, limb-corrected
   and ISIS reconstructions; the limb-fit offset against the injected jitter; I/F maps against the truth
   I/F maps and the noise model; the albedo map against the scene's own albedo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.validate.compare import default_grid, geometry_errors, iof_maps
from simulator.validate.limbfit import LimbFit
from simulator.validate.metrics import ErrorSummary, RadiometrySummary, json_number
from simulator.validate.product import open_product
from simulator.validate.reconstruct import SATURATED_CODE, Reconstructor, photometry_from
from simulator.validate.timefit import LimbFitError
from simulator.validate.truth import read_truth, truth_paths


SATURATION_NOTE_FRACTION = 0.01  # a note is printed when more than 1 % of the planet's pixels saturate


@dataclass
class ValidationResult:
    """Everything ``validate`` reports.

    Attributes
    ----------
    summary : the flat ``validation.json`` content.
    error_px : (lines, samples) per-pixel image-plane geometry error (pixels) of the nominal reconstruction.
    on_planet : (lines, samples) bool, pixels the truth or the reconstruction puts on the planet.
    notes : human-readable remarks (skipped parts and why).
    """

    summary: dict
    error_px: np.ndarray
    on_planet: np.ndarray
    notes: list = field(default_factory=list)


def _stack(items, name):
    return np.concatenate([getattr(i, name) for i in items], axis=0)


def _latlon(geometries) -> tuple[np.ndarray, np.ndarray]:
    """Image-shaped planetographic latitude and west longitude of a list of framelet geometries."""
    return _stack(geometries, "lat_pg"), _stack(geometries, "lon_w")


def geometry_summary(prefix: str, errors) -> dict:
    out = {}
    out.update(ErrorSummary.of(errors.px).as_dict(f"{prefix}_px"))
    out.update({k: v for k, v in ErrorSummary.of(errors.km).as_dict(f"{prefix}_km").items()
                if not k.endswith("_count")})
    out[f"{prefix}_line_px_median"] = json_number(np.nanmedian(errors.d_line)) if np.isfinite(errors.d_line).any() else None
    out[f"{prefix}_sample_px_median"] = (json_number(np.nanmedian(errors.d_sample))
                                         if np.isfinite(errors.d_sample).any() else None)
    image = np.hypot(errors.d_line, errors.d_sample)
    out.update({k: v for k, v in ErrorSummary.of(image).as_dict(f"{prefix}_image_px").items()
                if not k.endswith(("_count", "_mean", "_max"))})
    out[f"{prefix}_hit_disagreements"] = errors.hit_disagreements
    return out


def _scene_albedo(record: dict, filter_name: str, lat, lon):
    """The scene's normal albedo at (lat_pg, lon_w) from the scenario named in truth.json, or None."""
    from scenes.scene import build_scene
    from simulator.scenario import load_scenario

    scenario = load_scenario(str(record.get("scenario", "default")))
    scene = build_scene(scenario.table("scene"), int(record.get("seed", scenario.seed)))
    ok = np.isfinite(lat) & np.isfinite(lon)
    out = np.full(np.shape(lat), np.nan)
    out[ok] = scene.bodies[0].appearance.normal_albedo(filter_name, lat[ok], lon[ok])
    return out


def run_validation(product_dir, photometry_model: str | None = None, minnaert_k: float | None = None,
                   limb: LimbFit | None = None) -> ValidationResult:
    """Reconstruct ``product_dir`` and score it against its truth (see the module docstring)."""
    notes: list[str] = []
    inputs = open_product(product_dir)
    layout = inputs.product.layout
    truth_paths(inputs.root, layout.product_id)      # fail early if there is no truth to score against
    photometry = photometry_from(inputs.scene_settings, photometry_model, minnaert_k)
    rec = Reconstructor(inputs, photometry)
    nominal = rec.reconstruct()
    limb = limb or LimbFit()
    with rec.geometry() as geo:
        framelets = rec.framelets(geo)
        shifts = [g.geometry.row_shift_px for g in nominal]
        images = [_limb_image(rec, inputs.product.image[f.first_line:f.first_line + f.lines]) for f in framelets]
        try:
            fit = limb.fit(geo, rec.camera, framelets, [g.geometry for g in nominal], images, layout.summing,
                           shifts, photometry)
        except LimbFitError as exc:
            fit = None
            notes.append(f"limb fit skipped: {exc}")
    # Keep only image-shaped stacks of what the comparison needs (memory: ~10 Mpixel products).
    lat, lon = _stack([r.geometry for r in nominal], "lat_pg"), _stack([r.geometry for r in nominal], "lon_w")
    iof, sigma, albedo = _stack(nominal, "iof"), _stack(nominal, "iof_sigma"), _stack(nominal, "albedo")
    del nominal, images
    variants = {}
    if fit is not None:
        variants["geometry_error_limb_corrected"] = _latlon(rec.reconstruct(time_offset_s=fit.offset_s,
                                                                            with_radiometry=False))
    if layout.tdi_stages > 1:
        variants["geometry_error_isis"] = _latlon(rec.reconstruct(convention="isis", with_radiometry=False))
    else:
        notes.append("TDI 1: the ISIS convention (pixel's own row) is the same ray as the product's")

    # ---- only now the truth ----
    truth = read_truth(inputs.root, layout.product_id)
    with rec.geometry() as geo:
        ellipsoid = geo.ellipsoid
    photoactive = rec.camera.strips.photoactive_mask(layout.summing)
    errors = geometry_errors(ellipsoid, lat, lon, truth.planes, layout.framelet_lines, photoactive)
    summary = {
        "product_id": layout.product_id, "scenario": truth.record.get("scenario"),
        "aberration_correction": inputs.abcorr, "ray_convention": "packet", "frames": layout.frames,
        "filters": list(layout.filters), "tdi_stages": layout.tdi_stages, "summing": layout.summing,
        "compression": layout.compression, "photometry": photometry.model,
        "injected_errors": truth.injected,
    }
    summary.update(geometry_summary("geometry_error", errors))
    for prefix, (v_lat, v_lon) in variants.items():
        summary.update(geometry_summary(prefix, geometry_errors(ellipsoid, v_lat, v_lon, truth.planes,
                                                                layout.framelet_lines, photoactive)))
    del variants

    summary["jitter_injected_ms"] = truth.jitter_s * 1e3
    summary["jitter_estimated_ms"] = json_number(fit.offset_s * 1e3) if fit is not None else None
    summary["jitter_error_ms"] = json_number((fit.offset_s - truth.jitter_s) * 1e3) if fit is not None else None
    summary["jitter_sigma_ms"] = json_number(fit.sigma_s * 1e3) if fit is not None else None
    summary["limb_columns_used"] = fit.columns_used if fit is not None else 0
    summary["limb_residual_rms_px"] = json_number(fit.residual_rms_px) if fit is not None else None

    # ---- radiometry ----
    on_planet_codes = inputs.product.image[np.isfinite(lat)]
    saturated = int(np.sum(on_planet_codes >= SATURATED_CODE))
    summary["saturated_pixels_on_planet"] = saturated
    if saturated > SATURATION_NOTE_FRACTION * max(on_planet_codes.size, 1):
        notes.append(f"{saturated} of {on_planet_codes.size} pixels on the planet are saturated (code "
                     f"{SATURATED_CODE}); they are left out of the radiometry and the limb fit")
    per_pixel = RadiometrySummary.of(iof, np.where(np.isfinite(iof), truth.planes["IOF"], np.nan), sigma)
    summary.update(per_pixel.as_dict("iof_pixel"))
    radius = float(max(ellipsoid.radii_km))
    maps_recon, maps_truth, maps_noise, alb_r, alb_t = [], [], [], [], []
    per_filter = {}
    rows_of = rows_by_filter(layout)
    for f in layout.filters:
        rows = rows_of[f]
        if not np.isfinite(lat[rows]).any():
            continue
        grid = default_grid(lat[rows], lon[rows], truth.planes["PIXEL_SCALE"][rows], radius)
        m = iof_maps(grid, lat, lon, iof, sigma, albedo, truth.planes, rows)
        s = RadiometrySummary.of(m.recon, m.truth, m.noise)
        per_filter[f] = {"map_shape": list(grid.shape), "map_resolution_deg": grid.dlat_deg,
                         **s.as_dict("iof")}
        maps_recon.append(m.recon.ravel())
        maps_truth.append(m.truth.ravel())
        maps_noise.append(m.noise.ravel())
        try:
            lat_c, lon_c = grid.centres()
            scene_albedo = _scene_albedo(truth.record, f, lat_c, lon_c)
            alb_r.append(m.albedo.ravel())
            alb_t.append(scene_albedo.ravel())
            per_filter[f].update(RadiometrySummary.of(m.albedo, scene_albedo).as_dict("albedo"))
        except (ValueError, OSError) as exc:
            notes.append(f"scene albedo not compared for {f}: {exc}")
    if maps_recon:
        whole = RadiometrySummary.of(np.concatenate(maps_recon), np.concatenate(maps_truth),
                                     np.concatenate(maps_noise))
        summary.update({k: v for k, v in whole.as_dict("iof").items()})
    else:
        notes.append("no pixel of the product sees the planet: no I/F map")
        summary.update({"iof_bias": None, "iof_rms": None})
    if alb_r:
        summary.update(RadiometrySummary.of(np.concatenate(alb_r), np.concatenate(alb_t)).as_dict("albedo"))
    summary["per_filter"] = per_filter
    summary["notes"] = notes
    on_planet = (truth.planes["BODY"] > 0) | np.isfinite(lat)
    return ValidationResult(summary=summary, error_px=np.hypot(errors.d_line, errors.d_sample),
                            on_planet=on_planet, notes=notes)


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

"""``junocam-sim validate``: the reference reconstruction of a product, scored against its truth.

Order of work (a framelet's truth is read only after that framelet is reconstructed, and nothing drawn
from the truth feeds the reconstruction or the limb fit; framelets are streamed so memory stays bounded):

1. open the product (PNG, metadata, kernels), reconstruct every framelet at the ISIS frame times with the
   product's ray convention (``"packet"``), calibrate to I/F and correct the photometry;
2. fit the start-time offset on the limb (:mod:`limbfit`), and reproject with that offset;
3. for TDI > 1 also reproject with ISIS's convention (the pixel's own row) to show the difference;
4. compare with the truth: geometry (km, pixels, along lines/samples) for the nominal, limb-corrected
   and ISIS reconstructions; the limb-fit offset against the injected jitter; I/F maps against the truth
   I/F maps and the noise model; the albedo map against the scene's own albedo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.validate.compare import default_grid, framelet_geometry_errors, iof_maps
from simulator.validate.limbfit import LimbFit
from simulator.validate.metrics import ErrorSummary, RadiometrySummary, json_number
from simulator.validate.product import open_product
from simulator.validate.reconstruct import SATURATED_CODE, Reconstructor, photometry_from
from simulator.validate.timefit import LimbFitError
from simulator.validate.truth import TruthReader, truth_paths


SATURATION_NOTE_FRACTION = 0.01  # a note is printed when more than 1 % of the planet's pixels saturate


@dataclass
class ValidationResult:
    """Everything ``validate`` reports.

    Attributes
    ----------
    summary : the flat ``validation.json`` content.
    error_px : (lines, samples) float32 per-pixel image-plane geometry error (pixels) of the nominal
        reconstruction (float32: the map is only drawn; the summary's numbers come from float64 values).
    on_planet : (lines, samples) bool, pixels the truth or the reconstruction puts on the planet.
    notes : human-readable remarks (skipped parts and why).
    """

    summary: dict
    error_px: np.ndarray
    on_planet: np.ndarray
    notes: list = field(default_factory=list)


def _median_without_nan(values) -> float:
    """``numpy.nanmedian`` of a 1-D or image array (the same value; no warning on all-NaN input)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    return float(np.median(v[~np.isnan(v)]))


def geometry_summary(prefix: str, errors) -> dict:
    """Summary of :class:`~simulator.validate.compare.GeometryErrors` (image-shaped) or of a
    :class:`GeometryAccumulator` (compact arrays of the compared pixels); both give the same numbers."""
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
    """Per-framelet geometry errors kept as compact 1-D arrays of the compared pixels, in image order.

    Medians, percentiles and means of the concatenation equal those of the image-shaped arrays (the same
    values in the same order), at a fraction of the memory. Attributes after :meth:`finish`: ``px``, ``km``
    (finite values), ``d_line``, ``d_sample`` (pixels where either is not NaN), ``hit_disagreements``.
    """

    def __init__(self):
        self._parts: dict = {"px": [], "km": [], "d_line": [], "d_sample": []}
        self.hit_disagreements = 0

    def add(self, errors) -> None:
        """Add one framelet's :class:`~simulator.validate.compare.GeometryErrors`."""
        self._parts["px"].append(errors.px[np.isfinite(errors.px)])
        self._parts["km"].append(errors.km[np.isfinite(errors.km)])
        either = ~(np.isnan(errors.d_line) & np.isnan(errors.d_sample))
        self._parts["d_line"].append(errors.d_line[either])
        self._parts["d_sample"].append(errors.d_sample[either])
        self.hit_disagreements += int(errors.hit_disagreements)

    def finish(self) -> "GeometryAccumulator":
        for name in list(self._parts):
            setattr(self, name, _concatenate_releasing(self._parts.pop(name)))
        return self


def _concatenate_releasing(parts: list) -> np.ndarray:
    """``numpy.concatenate`` of 1-D arrays that empties ``parts`` while copying (peak: the result plus one
    part, not twice the data)."""
    if not parts:
        return np.empty(0)
    out = np.empty(sum(p.size for p in parts), dtype=np.result_type(*parts))
    at = 0
    parts.reverse()
    while parts:
        p = parts.pop()
        out[at:at + p.size] = p
        at += p.size
    return out


class RadiometryAccumulator:
    """What the I/F and albedo comparisons need, kept per framelet as compact arrays in image order.

    Per pixel: reconstructed I/F, truth IOF and predicted sigma where all three are finite. Per filter, for
    the maps: the reconstructed positions (where latitude or longitude is finite) with I/F, sigma and albedo;
    the truth positions with IOF (where all three are finite: the only ones binning uses); the finite truth
    PIXEL_SCALE values (the grid's resolution).
    """

    def __init__(self, filters):
        self.pixel: list = []
        self.maps = {f: {k: [] for k in ("lat", "lon", "iof", "sigma", "albedo", "t_lat", "t_lon", "t_iof",
                                         "scale")} for f in filters}

    def add(self, filter_name: str, lat, lon, iof, sigma, albedo, truth: dict) -> None:
        t_iof = truth["IOF"]
        ok = np.isfinite(iof) & np.isfinite(t_iof) & np.isfinite(sigma)
        self.pixel.append((iof[ok], t_iof[ok], sigma[ok]))
        m = self.maps[filter_name]
        seen = np.isfinite(lat) | np.isfinite(lon)
        for name, values in (("lat", lat), ("lon", lon), ("iof", iof), ("sigma", sigma), ("albedo", albedo)):
            m[name].append(values[seen])
        t_lat, t_lon = truth["LAT_PG"], truth["LON_W"]
        binned = np.isfinite(t_lat) & np.isfinite(t_lon) & np.isfinite(t_iof)
        for name, values in (("t_lat", t_lat), ("t_lon", t_lon), ("t_iof", t_iof)):
            m[name].append(values[binned])
        scale = truth["PIXEL_SCALE"]
        m["scale"].append(scale[np.isfinite(scale)])

    def pixel_summary(self) -> RadiometrySummary:
        """The per-pixel I/F comparison (reconstructed - truth IOF, with the predicted sigma)."""
        r, t, s = (_concatenate_releasing([p[k] for p in self.pixel]) for k in range(3))
        self.pixel = []
        return RadiometrySummary.of(r, t, s)

    def filter_arrays(self, filter_name: str) -> dict:
        """The concatenated arrays of one filter (the lists are released)."""
        m = self.maps.pop(filter_name)
        return {k: _concatenate_releasing(m.pop(k)) for k in list(m)}


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
    """Reconstruct ``product_dir`` and score it against its truth (see the module docstring).

    Memory stays bounded on long products: each framelet is reconstructed, its truth rows are read and it
    is compared at once; only compact arrays of the compared pixels (exact medians and percentiles), the
    limb framelets' images, a float32 error map and the on-planet mask outlive the framelet.
    """
    notes: list[str] = []
    inputs = open_product(product_dir)
    layout = inputs.product.layout
    truth_paths(inputs.root, layout.product_id)      # fail early if there is no truth to score against
    photometry = photometry_from(inputs.scene_settings, photometry_model, minnaert_k)
    rec = Reconstructor(inputs, photometry)
    limb = limb or LimbFit()
    image = inputs.product.image
    photoactive = rec.camera.strips.photoactive_mask(layout.summing)
    error_px = np.full(image.shape, np.nan, dtype=np.float32)
    on_planet = np.zeros(image.shape, dtype=bool)
    nominal = GeometryAccumulator()
    radiometry = RadiometryAccumulator(layout.filters)
    saturated = on_planet_count = 0
    with TruthReader(inputs.root, layout.product_id) as truth_reader, rec.geometry() as geo:
        ellipsoid = geo.ellipsoid
        framelets = rec.framelets(geo)
        limbs, images, shifts = [], {}, []
        for i, (fr, r) in enumerate(zip(framelets, rec.iter_reconstruct(geo, framelets))):
            g, rows = r.geometry, slice(fr.first_line, fr.first_line + fr.lines)
            shifts.append(g.row_shift_px)
            codes = image[rows]
            lc = limb.candidate_columns(g, i)
            if lc is not None:
                limbs.append(lc)
                images[i] = _limb_image(rec, codes)
            # The truth of this framelet, read after its reconstruction; nothing drawn from it feeds the
            # reconstruction or the limb fit.
            truth = truth_reader.rows(fr.first_line, fr.lines)
            errors = framelet_geometry_errors(ellipsoid, g.lat_pg, g.lon_w, truth, photoactive)
            nominal.add(errors)
            error_px[rows] = np.hypot(errors.d_line, errors.d_sample)
            on_planet[rows] = (truth["BODY"] > 0) | np.isfinite(g.lat_pg)
            codes_on = codes[np.isfinite(g.lat_pg)]
            saturated += int(np.sum(codes_on >= SATURATED_CODE))
            on_planet_count += codes_on.size
            radiometry.add(fr.filter, g.lat_pg, g.lon_w, r.iof, r.iof_sigma, r.albedo, truth)
            del r, g, truth, errors
        nominal_summary = geometry_summary("geometry_error", nominal.finish())
        pixel_summary = radiometry.pixel_summary().as_dict("iof_pixel")
        del nominal
        try:
            fit = limb.fit_limbs(geo, rec.camera, framelets, limbs, images, layout.summing, shifts, photometry)
        except LimbFitError as exc:
            fit = None
            notes.append(f"limb fit skipped: {exc}")
        del images
        variants = {}
        if fit is not None:
            variants["geometry_error_limb_corrected"] = (fit.offset_s, "packet")
        if layout.tdi_stages > 1:
            variants["geometry_error_isis"] = (0.0, "isis")
        else:
            notes.append("TDI 1: the ISIS convention (pixel's own row) is the same ray as the product's")
        variant_summaries = {}
        for prefix, (offset_s, convention) in variants.items():
            acc = GeometryAccumulator()
            shifted = rec.framelets(geo, offset_s)
            for fr, g in zip(shifted, rec.iter_reconstruct(geo, shifted, convention, with_radiometry=False)):
                truth = truth_reader.rows(fr.first_line, fr.lines)
                acc.add(framelet_geometry_errors(ellipsoid, g.lat_pg, g.lon_w, truth, photoactive))
            variant_summaries[prefix] = geometry_summary(prefix, acc.finish())
        record = truth_reader.truth

    summary = {
        "product_id": layout.product_id, "scenario": record.record.get("scenario"),
        "aberration_correction": inputs.abcorr, "ray_convention": "packet", "frames": layout.frames,
        "filters": list(layout.filters), "tdi_stages": layout.tdi_stages, "summing": layout.summing,
        "compression": layout.compression, "photometry": photometry.model,
        "injected_errors": record.injected,
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
    summary.update(pixel_summary)
    radius = float(max(ellipsoid.radii_km))
    maps_recon, maps_truth, maps_noise, alb_r, alb_t = [], [], [], [], []
    per_filter = {}
    everything = slice(None)
    for f in layout.filters:
        a = radiometry.filter_arrays(f)
        if not np.isfinite(a["lat"]).any():
            continue
        grid = default_grid(a["lat"], a["lon"], a["scale"], radius)
        m = iof_maps(grid, a["lat"], a["lon"], a["iof"], a["sigma"], a["albedo"],
                     {"LAT_PG": a["t_lat"], "LON_W": a["t_lon"], "IOF": a["t_iof"]}, everything)
        del a
        s = RadiometrySummary.of(m.recon, m.truth, m.noise)
        per_filter[f] = {"map_shape": list(grid.shape), "map_resolution_deg": grid.dlat_deg,
                         **s.as_dict("iof")}
        # Only the cells the summaries use (the grid is a bounding box, mostly empty), in map order, so the
        # whole-product statistics are the same numbers as over the full maps.
        compared = np.isfinite(m.recon) & np.isfinite(m.truth) & np.isfinite(m.noise)
        maps_recon.append(m.recon[compared])
        maps_truth.append(m.truth[compared])
        maps_noise.append(m.noise[compared])
        try:
            lat_c, lon_c = grid.centres()
            scene_albedo = _scene_albedo(record.record, f, lat_c, lon_c)
            del lat_c, lon_c
            compared = np.isfinite(m.albedo) & np.isfinite(scene_albedo)
            alb_r.append(m.albedo[compared])
            alb_t.append(scene_albedo[compared])
            per_filter[f].update(RadiometrySummary.of(m.albedo, scene_albedo).as_dict("albedo"))
            del scene_albedo
        except (ValueError, OSError) as exc:
            notes.append(f"scene albedo not compared for {f}: {exc}")
        del m, grid
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
    return ValidationResult(summary=summary, error_px=error_px, on_planet=on_planet, notes=notes)


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

"""A colour view processed from the raw framelets, the way community JunoCam pipelines make one.

Only what a user downloads is read (raw PNG, metadata, the product's ``kernels/`` or a metakernel given),
never ``truth/``:

1. decompand each 8-bit code with the product's table (SAMPLE_BIT_MODE_ID, ``instrument_models.junocam.
   decompand``; SQROOT for mission images);
2. subtract the dark level: the calibration frames' dark/bias map when there are frames (the product's
   ``calibration/`` or a user's folder, ``simulator.validate.frames``; their bad pixels are inpainted along
   their line, ``inpaint_lines``),
   else the median of the framelet's dark reference columns 0-22 (facts.md "Camera geometry"; none for
   summed or cropped lines);
3. divide by a flat field: the user's flat frames (``--flat-dir``, each strip over its profile peak), else
   the calibration frames' flat, else the camera model's vignetting (``instrument_models.junocam.detector.
   vignetting`` with the IK's optical centre, as ``simulator.validate.calibration`` uses it);
4. project every photoactive pixel with the product's kernels and the IK camera model
   (``simulator.validate.reconstruct.Reconstructor``: ISIS frame times, SPICE once per framelet) onto the
   ellipsoid, and from there into a perspective view from Juno's position at the image's middle time,
   looking at the centre of what was seen, north up; pixels falling in one output cell are averaged, empty
   cells filled from their neighbours (``quicklook._fill_holes``);
5. the display steps of ``simulator.products.colourtone`` (illumination flattening of each pixel by its own
   incidence and emission, white balance with the camera model's weights for the product's perijove or the
   image's or given ones, residual flattening, percentile stretch, colour enhancement, local contrast, sRGB
   encoding), shown only where RED, GREEN and BLUE all saw the planet; the rest is black.

The same projection gives a tangent-plane map in km (:func:`tangent_plane_map`) for the texture figures of
``junocam-sim compare``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from simulator.errors import ProductError
from simulator.products.colourtone import (ColourStyle, camera_weights, illumination_gain, illumination_law,  # noqa: F401
                                          tone_map)

COLOUR_FILTERS = ("RED", "GREEN", "BLUE")
REFERENCE_COLUMNS = 23          # facts.md "Camera geometry": 23 dark pixels at the start of each line


@dataclass
class SeenPixels:
    """The photoactive pixels of a product that see the planet, linearised.

    Attributes
    ----------
    points : (N, 3) surface points in the body frame (km).
    value : (N,) decompanded DN minus dark over flat.
    filter_index : (N,) index into ``filters``.
    incidence, emission : (N,) degrees.
    filters : the product's filters.
    observer : (3,) Juno's position in the body frame at the image's middle time (km).
    pixel_km : (N,) pixel footprint (range x IFOV, km).
    rate_per_iof : {filter: photo-electrons per second per unit I/F} of the camera model at the product's
        perijove (the ``"camera"`` white balance); None = unknown.
    """

    points: np.ndarray
    value: np.ndarray
    filter_index: np.ndarray
    incidence: np.ndarray
    emission: np.ndarray
    filters: tuple[str, ...]
    observer: np.ndarray
    pixel_km: np.ndarray
    rate_per_iof: dict | None = None


def _flat_for(camera, filter_name: str, shape, summing: int, flats: dict | None) -> np.ndarray:
    """(lines, samples) flat field of a framelet: a user's strip over its peak, else the lens vignetting."""
    lines, samples = shape
    if flats and filter_name in flats:
        strip = np.asarray(flats[filter_name], dtype=np.float64)
        if summing == 2:
            strip = strip.reshape(lines, 2, samples, 2).mean(axis=(1, 3))
        if strip.shape != (lines, samples):
            raise ProductError(f"flat field of {filter_name} is {strip.shape[1]} x {strip.shape[0]}; the "
                               f"product's framelets are {samples} x {lines}")
        peak = np.nanpercentile(strip[:, REFERENCE_COLUMNS // summing:], 99.5)
        return np.where(strip > 0, strip / peak, np.nan)
    from instrument_models.junocam import detector as det

    line, sample = np.meshgrid((np.arange(lines) + 0.5) * summing, (np.arange(samples) + 0.5) * summing,
                               indexing="ij")
    return det.vignetting(sample, line, camera.optics.cx, camera.optics.cy[filter_name],
                          camera.detector.vignetting_edge)


def _calibration_for(camera, filter_name: str, shape, summing: int, flats: dict | None, frames):
    """(flat, dark, bad) of a framelet: ``flats`` or the frames' flat else the vignetting; the frames' dark map
    (None: the reference columns); the frames' bad-pixel mask (None: none)."""
    flat_map, dark, bad = frames.maps(filter_name) if frames is not None else (None, None, None)
    if flats and filter_name in flats or flat_map is None:
        flat = _flat_for(camera, filter_name, shape, summing, flats)
    else:
        flat = np.where(flat_map > 0, flat_map, np.nan)
    return flat, dark, bad


def inpaint_lines(value: np.ndarray, bad: np.ndarray | None) -> np.ndarray:
    """``value`` with its ``bad`` pixels linearly interpolated along their line from the good ones (a line
    with fewer than two good pixels keeps its values)."""
    if bad is None or not bad.any():
        return value
    out = value.copy()
    cols = np.arange(value.shape[1])
    for r in np.flatnonzero(bad.any(axis=1)):
        good = ~bad[r] & np.isfinite(value[r])
        if good.sum() >= 2:
            out[r, bad[r]] = np.interp(cols[bad[r]], cols[good], value[r, good])
    return out


def linearise(codes: np.ndarray, companding: str, flat: np.ndarray, summing: int, dark=None) -> np.ndarray:
    """Decompanded DN minus the dark (``dark``: a (lines, samples) map in DN; default the reference-column
    median), over the flat; (lines, samples) float64."""
    from instrument_models.junocam import decompand

    dn = np.asarray(decompand(codes, companding), dtype=np.float64)
    if dark is None:
        dark = 0.0
        if summing == 1 and dn.shape[1] == 1648:
            dark = float(np.median(dn[:, :REFERENCE_COLUMNS]))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (dn - dark) / flat


def _thinned_rays(camera, filter_name: str, summing: int, stride: int):
    """Rays of every ``stride``-th line and photoactive sample of a framelet (``projection.framelet_rays``).

    Returns (rays (lines', cols', 3), columns mask over the thinned samples, thinned line and sample indices).
    """
    from simulator.validate.projection import framelet_rays

    rays, columns = framelet_rays(camera, filter_name, summing, 0.0)
    first = int(np.flatnonzero(columns)[0])
    # every stride-th line and sample, and the last ones (so a limb entering at an edge is not missed)
    samples = np.union1d(np.arange(0, columns.size, stride), [np.flatnonzero(columns)[-1]])
    sub_columns = columns[samples]
    lines = np.union1d(np.arange(0, rays.shape[0], stride), [rays.shape[0] - 1])
    return rays[lines][:, samples[sub_columns] - first], sub_columns, lines, samples


@dataclass(frozen=True)
class ProjectedFramelet:
    """One framelet, thinned to every ``stride``-th line and sample, projected and linearised.

    Attributes
    ----------
    framelet : its place and times (``validate.framelets.Framelet``).
    geometry : ``validate.projection.FrameletGeometry`` of the thinned pixels.
    codes : (lines, samples) the framelet's 8-bit codes (all pixels).
    lines, samples : indices of the thinned lines and samples.
    value : (thinned lines, thinned samples) decompanded DN minus dark over flat.
    pixel_km : the thinned pixels' footprint (range x IFOV x stride, km; NaN off the planet).
    observer : (3,) Juno in the body frame at the middle framelet's time (km).
    rate_per_iof : {filter: photo-electrons per second per unit I/F}: the camera model's radiometry at the
        product's perijove (``Reconstructor``), the same for every framelet.
    """

    framelet: object
    geometry: object
    codes: np.ndarray
    lines: np.ndarray
    samples: np.ndarray
    value: np.ndarray
    pixel_km: np.ndarray
    observer: np.ndarray
    rate_per_iof: dict | None = None


def iter_projected(inputs, flats: dict | None = None, stride: int = 1, filters=None, frames=None,
                   binned: bool = False):
    """Yield (geo, :class:`ProjectedFramelet`) for every framelet of a product (``validate.product`` inputs).

    ``binned``: each thinned pixel's value is the mean of the ``stride`` x ``stride`` block around it
    (``scipy.ndimage.uniform_filter``; for an even stride the block is offset by half a pixel, the same
    for every filter), so thinning keeps all the signal and its noise falls as 1 / stride; else the pixel's
    own value.

    ``frames``: calibration frames (``simulator.validate.frames.FrameCalibration``) whose dark, flat and
    bad-pixel mask replace the reference-column dark and the model's vignetting (``flats`` still wins).

    TDI 1 rays (the pixel's own row, where both conventions of ``validate.projection`` agree); SPICE once per
    framelet. ``geo`` (the entered geometry service) is valid while the generator runs. ``filters``: only
    the framelets of these filters (default all).
    """
    from simulator.validate.framelets import framelet_pixels
    from simulator.validate.projection import project_rays
    from simulator.validate.reconstruct import Reconstructor

    rec = Reconstructor(inputs)
    lay = rec.layout
    if lay.tdi_stages != 1:
        raise ProductError(f"product {lay.product_id} has TDI {lay.tdi_stages}; the colour view and the "
                           "texture figures handle TDI 1 framelets (the rays of each pixel's own row)")
    ifov = rec.camera.optics.pixel_pitch_mm / rec.camera.optics.focal_length_mm * lay.summing
    flat_cache: dict = {}
    rays_cache: dict = {}
    rates = rec.calibration.radiometry.electrons_per_s_per_iof_all()
    with rec.geometry() as geo:
        framelets = rec.framelets(geo)
        samples = geo.sample([f.mid_et for f in framelets])
        observer = np.asarray(samples.obs_body[len(framelets) // 2], dtype=np.float64)
        for i, fr in enumerate(framelets):
            if filters is not None and fr.filter not in filters:
                continue
            if fr.filter not in rays_cache:
                rays_cache[fr.filter] = _thinned_rays(rec.camera, fr.filter, lay.summing, stride)
            rays, sub_columns, lines, cols = rays_cache[fr.filter]
            g = project_rays(geo, samples, i, rays, sub_columns, fr.mid_et, 0.0)
            codes = framelet_pixels(inputs.product.image, fr)
            if fr.filter not in flat_cache:
                flat_cache[fr.filter] = _calibration_for(rec.camera, fr.filter, codes.shape, lay.summing, flats,
                                                         frames)
            flat, dark, bad = flat_cache[fr.filter]
            value = inpaint_lines(linearise(codes, lay.companding, flat, lay.summing, dark), bad)
            if binned and stride > 1:
                value = ndimage.uniform_filter(value, size=stride, mode="nearest")
            value = value[lines][:, cols]
            yield geo, ProjectedFramelet(fr, g, codes, lines, cols, value,
                                         g.range_km.astype(np.float64) * ifov * stride, observer, rates)


def seen_pixels(inputs, flats: dict | None = None, stride: int = 1, frames=None) -> SeenPixels:
    """Project and linearise every ``stride``-th line and sample of a product (``validate.product`` inputs),
    each the mean of its ``stride`` x ``stride`` block (``iter_projected(binned=True)``)."""
    from simulator.validate.reconstruct import SATURATED_CODE

    filters = inputs.product.layout.filters
    parts = {k: [] for k in ("points", "value", "filter_index", "incidence", "emission", "pixel_km")}
    observer = rates = None
    for geo, p in iter_projected(inputs, flats, stride, frames=frames, binned=True):
        observer, rates = p.observer, p.rate_per_iof
        g = p.geometry
        # Saturated pixels and those without a usable flat are left out.
        use = g.hit & (p.codes[p.lines][:, p.samples] < SATURATED_CODE) & np.isfinite(p.value)
        if not use.any():
            continue
        parts["points"].append(geo.ellipsoid.surface_point(g.lat_pc[use], g.lon_w[use], kind="planetocentric"))
        parts["value"].append(p.value[use])
        parts["filter_index"].append(np.full(int(use.sum()), filters.index(p.framelet.filter), dtype=np.int8))
        parts["incidence"].append(g.incidence[use].astype(np.float64))
        parts["emission"].append(g.emission[use].astype(np.float64))
        parts["pixel_km"].append(p.pixel_km[use])
    if not parts["value"]:
        raise ProductError(f"no pixel of product {inputs.product.layout.product_id} sees Jupiter; there is "
                           "nothing to project")
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    return SeenPixels(filters=filters, observer=observer, rate_per_iof=rates, **cat)


def _basis(forward: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, up) unit vectors perpendicular to ``forward``, ``up`` towards body +Z (north) when possible."""
    north = np.array([0.0, 0.0, 1.0])
    up = north - forward * (north @ forward)
    if np.linalg.norm(up) < 1e-6:                      # looking along the pole: any perpendicular will do
        up = np.array([0.0, 1.0, 0.0]) - forward * forward[1]
    up /= np.linalg.norm(up)
    return np.cross(forward, up), up


def perspective_coordinates(seen: SeenPixels) -> tuple[np.ndarray, np.ndarray]:
    """Gnomonic (x right, y up) coordinates of the seen points from the observer, towards their centre."""
    rel = seen.points - seen.observer
    centre = np.mean(rel / np.linalg.norm(rel, axis=1)[:, None], axis=0)
    forward = centre / np.linalg.norm(centre)
    right, up = _basis(forward)
    depth = rel @ forward
    return (rel @ right) / depth, (rel @ up) / depth


def tangent_plane_coordinates(points: np.ndarray, centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """East and north distances (km) of ``points`` projected orthographically on the plane tangent at ``centre``."""
    normal = centre / np.linalg.norm(centre)
    east = np.cross([0.0, 0.0, 1.0], normal)
    if np.linalg.norm(east) < 1e-6:
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(normal, east)
    rel = points - centre
    return rel @ east, rel @ north


def grid_average(x: np.ndarray, y: np.ndarray, values: np.ndarray, channel: np.ndarray, n_channels: int,
                 step: float, bounds, fill_radius: int) -> tuple[np.ndarray, np.ndarray]:
    """Average ``values`` per channel into cells of ``step`` (rows from the top = largest y).

    Returns
    -------
    means : (n_channels, rows, cols) float64 (0 where empty after filling).
    seen : (n_channels, rows, cols) bool.
    """
    from simulator.products.quicklook import _fill_holes

    x0, x1, y0, y1 = bounds
    ncol = max(1, int(np.ceil((x1 - x0) / step)))
    nrow = max(1, int(np.ceil((y1 - y0) / step)))
    col = np.clip(((x - x0) / step).astype(np.int64), 0, ncol - 1)
    row = np.clip(((y1 - y) / step).astype(np.int64), 0, nrow - 1)
    cell = row * ncol + col
    means = np.zeros((n_channels, nrow, ncol))
    seen = np.zeros((n_channels, nrow, ncol), bool)
    for c in range(n_channels):
        sel = channel == c
        total = np.bincount(cell[sel], weights=values[sel], minlength=nrow * ncol).reshape(nrow, ncol)
        count = np.bincount(cell[sel], minlength=nrow * ncol).reshape(nrow, ncol)
        near_data = ndimage.binary_dilation(count > 0, iterations=max(1, fill_radius // 2))
        total, count = _fill_holes(total, count, fill_radius)
        seen[c] = (count > 0) & near_data        # filling closes gaps, it does not grow the edges
        means[c] = np.where(seen[c], total / np.maximum(count, 1e-12), 0.0)
    return means, seen


def colour_image(seen: SeenPixels, style: ColourStyle = ColourStyle()) -> tuple[np.ndarray, tuple]:
    """The (rows, cols, 3) uint8 perspective colour view and the white-balance weights (R, G, B) used."""
    keep = seen.emission <= style.max_emission_deg
    seen = SeenPixels(**{k: (v[keep] if isinstance(v, np.ndarray) and v.shape[:1] == keep.shape else v)
                         for k, v in vars(seen).items()})
    missing = [f for f in COLOUR_FILTERS if f not in seen.filters]
    if missing:
        raise ProductError(f"a colour view needs RED, GREEN and BLUE framelets; the product has no "
                           f"{', '.join(missing)} (filters {', '.join(seen.filters)})")
    x, y = perspective_coordinates(seen)
    rng = np.linalg.norm(seen.points - seen.observer, axis=1)
    bounds = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
    native = float(np.median(seen.pixel_km / rng))   # the thinned raw pixels' angular spacing
    step = max((bounds[1] - bounds[0]) / style.width_px, native)
    order = [seen.filters.index(f) for f in COLOUR_FILTERS]
    channel = np.full(seen.value.size, -1)
    for c, k in enumerate(order):
        channel[seen.filter_index == k] = c
    # step 1 (colourtone): each pixel over the illumination law of its own incidence and emission
    value = seen.value * illumination_gain(seen.incidence, seen.emission, style)
    means, seen_c = grid_average(x, y, value, channel, 3, step, bounds, style.max_fill_radius_cells)
    # the limb's last cells mix sky into each filter differently (colour fringes): leave them out
    both = ndimage.binary_erosion(np.logical_and.reduce(seen_c), iterations=style.limb_trim_cells)
    law, _ = grid_average(x, y, illumination_law(seen.incidence, seen.emission, max(style.minnaert_k, 0.5)),
                          np.zeros(x.size, np.int64), 1, step, bounds, style.max_fill_radius_cells)
    lit = both & (law[0] > 2.0 * style.terminator_softness)
    cam = camera_weights(seen.rate_per_iof) if seen.rate_per_iof is not None else None
    out, weights = tone_map(means, both, lit, style, cam, law[0])
    return crop_to_content(out, style.crop_margin), weights


def crop_to_content(rgb: np.ndarray, margin: float) -> np.ndarray:
    """``rgb`` cut to the box of its non-black pixels plus ``margin`` x its size (the night side is black)."""
    lit = rgb.max(axis=-1) > 0
    if not lit.any():
        return rgb
    rows, cols = np.flatnonzero(lit.any(axis=1)), np.flatnonzero(lit.any(axis=0))
    pad_r, pad_c = int(margin * lit.shape[0]), int(margin * lit.shape[1])
    return rgb[max(rows[0] - pad_r, 0):rows[-1] + 1 + pad_r, max(cols[0] - pad_c, 0):cols[-1] + 1 + pad_c]


def write_colour_view(path: Path, rgb: np.ndarray) -> Path:
    """Write the view as PNG through a temporary file in the same folder, then rename."""
    from PIL import Image

    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    Image.fromarray(rgb, mode="RGB").save(tmp, format="PNG", optimize=True)
    tmp.replace(path)
    return path


def product_inputs(folder, metakernel=None):
    """``validate.product`` inputs of a product folder; ``metakernel`` replaces its ``kernels/`` (mission pairs)."""
    from dataclasses import replace

    from simulator.validate.product import DEFAULT_ABCORR, ProductInputs, load_product_rows, open_product

    if metakernel is None:
        return open_product(folder)
    mk = Path(metakernel)
    if not mk.is_file():
        raise ProductError(f"metakernel {str(mk)!r} does not exist")
    root = Path(folder)
    try:
        inputs = open_product(root)
        return replace(inputs, metakernel=mk)
    except ProductError:
        return ProductInputs(root=root, product=load_product_rows(root), metakernel=mk, abcorr=DEFAULT_ABCORR,
                             scene_settings={})


def colour_view(folder, out_path=None, style: ColourStyle = ColourStyle(), flats: dict | None = None,
                metakernel=None, frames=None) -> tuple[Path, tuple]:
    """Make and write the colour view of a product; returns (path, white-balance weights used).

    ``frames``: calibration frames (``simulator.validate.frames.FrameCalibration``); default the product's
    ``calibration/`` when it has one, else none (reference-column dark, the model's vignetting)."""
    inputs = product_inputs(folder, metakernel)
    if frames is None:
        from simulator.validate.frames import load_frame_calibration

        lay = inputs.product.layout
        frames = load_frame_calibration(inputs.root, None, lay.summing, lay.filters)
    seen = seen_pixels(inputs, flats, style.pixel_stride, frames)
    rgb, weights = colour_image(seen, style)
    target = Path(out_path) if out_path is not None else inputs.root / "colour.png"
    return write_colour_view(target, rgb), weights

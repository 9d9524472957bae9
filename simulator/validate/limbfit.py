"""The limb fit on a product: predicted limb from the kernels vs the limb seen in the framelets.

For every framelet whose reconstructed hit mask crosses the limb along a column (one hit/miss change,
the planet's side lit: ``cos(incidence) >= min_cos_incidence`` a few rows inside), the predicted limb line
of that column is the hit/miss boundary of the camera rays, found by bisection along the column with the
geometry service's ``intercept`` at the framelet's mid-exposure time plus a trial offset ``dt``. The
observed limb line comes from the decompanded framelet (:class:`LimbDetector`); the start-time offset is
fitted by :class:`TimeOffsetFitter`.

The detector's bias on a limb (brightening, albedo ramp, PSF, motion, and the camera's 8-bit coding) is
modelled per column and subtracted (:meth:`LimbFit.profile_bias`). The coding matters for lossy products:
the integer cosine transform quantises the sharp edge in companded (square-root) codes, smoothing it there,
and decompanding turns that symmetric smoothing into an inward shift of the half-DN crossing of ~0.05 line
(0.15 ms on the demo product at quality 85, the same with the detector noise off; < 0.005 line at quality
100). :class:`FrameletCoding` passes the edge model through the same companding and coder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from instrument_models.junocam.compression import compress, decompress, normalize_mode
from instrument_models.junocam.electronics import DN12_MAX, compand

from simulator.validate.limb import LimbDetector, bisect_limb_lines, crossing_lines
from simulator.validate.timefit import LimbFitError, TimeOffsetFit, TimeOffsetFitter

PROFILE_SCALE_DN = 2000.0  # the unit-albedo model profile is scaled to this peak so the detector's contrast test passes
ALBEDO_ROWS = (2.0, 12.0)  # depths (rows inside the edge) where the albedo ramp is measured (assumption: past the PSF)
SKY_GAP_ROWS = 4.0  # the sky level is the median of the rows at least this far outside the edge (past the PSF)
MIN_ALBEDO_ROWS = 4  # fewer usable rows: no ramp (uniform albedo)
LOSSY_MODES = ("INTEGER COSINE TRANSFORM",)  # the other modes return the companded codes exactly
MAX_ALBEDO_RAMP = 0.1  # |relative albedo change| per row accepted (assumption: limits a noisy fit's leverage)


def psf_weights(sigma_px: float) -> np.ndarray:
    """Discrete Gaussian PSF weights at integer pixel offsets ``-W..W`` (``W = ceil(4 sigma)``), sum 1.

    The documented instrument model (README "Rendering"): a Gaussian of ``sigma_px`` applied on the pixel
    grid, sampled at integer offsets and normalised. ``[1.]`` for a negligible sigma.
    """
    if sigma_px < 1e-3:
        return np.ones(1)
    half = int(np.ceil(4.0 * sigma_px))
    m = np.arange(-half, half + 1, dtype=float)
    w = np.exp(-0.5 * (m / sigma_px) ** 2)
    return w / w.sum()


@dataclass(frozen=True)
class FrameletCoding:
    """How the camera coded a product's framelets, so the edge model can be coded the same way.

    Attributes
    ----------
    companding : the product's companding mode (``SQROOT``, ...).
    compression : its ``COMPRESSION_TYPE``.
    quality : the transform coder's quality (1..100; read for ``INTEGER COSINE TRANSFORM`` only).
    decompand : callable ``(lines, samples) uint8 codes -> (lines, samples) float DN``, the same estimate
        of the analog signal the observed framelets were decompanded with.
    """

    companding: str
    compression: str
    quality: int
    decompand: Callable

    def roundtrip(self, dn) -> np.ndarray:
        """DN ``(lines, samples)`` through the ADC (floor), companding, coder and back to decompanded DN.

        NaN reads as 0. The framelet must be whole (the transform works on 8 x 8 blocks from its corner).
        """
        whole = np.clip(np.floor(np.nan_to_num(np.asarray(dn, dtype=np.float64))), 0, DN12_MAX).astype(np.int64)
        codes = compand(whole, self.companding)
        if normalize_mode(self.compression) in LOSSY_MODES:
            codes = decompress(compress(codes, self.compression, self.quality), self.compression, codes.shape)
        return np.asarray(self.decompand(codes), dtype=np.float64)


@dataclass
class LimbColumns:
    """The usable limb columns of one framelet.

    Attributes
    ----------
    index : position of the framelet in the product's framelet list.
    columns : (C,) column indices (framelet samples).
    bracket : (C,) predicted limb line at dt = 0 (continuous lines).
    inside_sign : (C,) +1 when the planet lies towards increasing line.
    observed : (C,) observed limb line (NaN where the detector found none).
    """

    index: int
    columns: np.ndarray
    bracket: np.ndarray
    inside_sign: np.ndarray
    observed: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass(frozen=True)
class LimbFit:
    """Settings of the product limb fit (assumptions, configurable).

    Attributes
    ----------
    detector : the limb detector.
    fitter : the time-offset estimator.
    min_cos_incidence : a limb is used only where the planet's side is lit at least this well
        (incidence <= ~72 deg), so the edge is a bright limb, not the terminator.
    lit_rows : how many rows inside the limb the illumination is checked.
    profile_subsamples, profile_rows : sub-rows per pixel (odd, so the one-row motion box is centred) and
        rows either side of each column's limb in the edge model (covers the detector's window and levels).
    psf_sigma_px : Gaussian PSF sigma (unsummed pixels) of the edge model; 0.5 px is the simulator's documented
        assumption (no published JunoCam PSF, facts.md), which a user would take from the camera team.
    albedo_ramps : refine the fit with each column's albedo ramp measured on the image
        (:meth:`profile_bias` with ``images``); the scene's bands and spots just inside the limb otherwise
        bias the edge (0.4-0.5 ms on the demo product).
    search_rows : half-width (lines) of the bracket searched when the time is shifted; must exceed the
        largest offset expected (0.02 s ~ 6 lines, facts.md jitter "of order 20 ms").
    """

    detector: LimbDetector = field(default_factory=LimbDetector)
    fitter: TimeOffsetFitter = field(default_factory=TimeOffsetFitter)
    min_cos_incidence: float = 0.3
    lit_rows: int = 6
    search_rows: float = 16.0
    profile_subsamples: int = 5
    psf_sigma_px: float = 0.5
    profile_rows: int = 20
    albedo_ramps: bool = True

    def candidate_columns(self, geometry, index: int) -> LimbColumns | None:
        """Columns of one framelet's reconstructed geometry where a lit limb crosses the lines."""
        g = np.where(geometry.hit, -1.0, 1.0)
        photoactive = np.isfinite(geometry.lat_pg).any(axis=0) | ~np.all(geometry.hit == geometry.hit[0], axis=0)
        line, sign = crossing_lines(g)
        ok = np.isfinite(line) & photoactive
        if not ok.any():
            return None
        cols = np.flatnonzero(ok)
        n_lines = geometry.hit.shape[0]
        edge_row = np.floor(line[cols]).astype(int)          # the row just before the crossing
        inside_rows = np.clip(np.where(sign[cols] > 0, edge_row + self.lit_rows, edge_row - self.lit_rows + 1),
                              0, n_lines - 1)
        cos_i = np.cos(np.radians(geometry.incidence[inside_rows, cols]))
        lit = np.isfinite(cos_i) & (cos_i >= self.min_cos_incidence)
        if not lit.any():
            return None
        return LimbColumns(index=index, columns=cols[lit], bracket=line[cols[lit]], inside_sign=sign[cols[lit]])

    def predicted_lines(self, geo, camera, framelets, limbs: list[LimbColumns], shifts: list[float],
                        summing: int, dt_s: float) -> np.ndarray:
        """Predicted limb lines of every candidate column (concatenated) at a time offset ``dt_s``."""
        if not limbs:
            return np.empty(0)
        samples = geo.sample([framelets[lc.index].mid_et + dt_s for lc in limbs])
        out = []
        for k, (lc, shift) in enumerate(zip(limbs, shifts)):
            fr = framelets[lc.index]

            def hits(sample, line, _k=k, _fr=fr, _shift=shift):
                rays = camera.pixel_to_ray(_fr.filter, sample, line + _shift, summing=summing)
                return geo.intercept(rays.reshape(-1, 3), samples, _k).hit

            s = lc.columns + 0.5
            lo = lc.bracket - self.search_rows
            hi = lc.bracket + self.search_rows
            line = bisect_limb_lines(hits, s, lo, hi)
            differ = hits(s, lo) != hits(s, hi)
            out.append(np.where(differ, line, np.nan))
        return np.concatenate(out)

    def profile_bias(self, geo, camera, framelets, limbs: list[LimbColumns], shifts: list[float], summing: int,
                     photometry, dt_s: float = 0.0, images=None, coding: FrameletCoding | None = None
                     ) -> list[np.ndarray]:
        """Where the detector puts the edge of a modelled limb profile, per candidate column (lines).

        The planet is not a flat disk: with a Minnaert law ``cos(i)^k cos(e)^(k-1)`` it brightens (k < 1)
        or darkens towards the limb, which moves the half-level crossing by a fraction of a pixel. This
        models each column's profile (``profile_subsamples`` sub-rows per pixel and 3 sub-columns, averaged
        over the pixel, sky 0, the one-row motion box, the Gaussian PSF along lines and samples) at the
        framelet's mid-exposure time plus ``dt_s`` and runs the same detector on it; the result minus the
        geometric limb (:meth:`predicted_lines` at the same ``dt_s``) is the detector's bias, subtracted
        from the observed lines.

        With ``images`` (the decompanded framelets, as :meth:`fit` takes them) the model's albedo is not
        uniform: the albedo ramp along each column inside the limb is measured from the image divided by
        the unit-albedo model (:meth:`albedo_ramp`) and applied before the blur, because a brighter or
        darker band just inside the limb moves the half-level crossing as much as the limb brightening does.
        Use it with ``dt_s`` near the fitted offset, so that the model and the image are aligned.

        With ``images`` and ``coding`` the modelled profiles are brought to the image's DN (each column's
        sky level and disk scale measured as for the ramp), written into a copy of the framelet and passed
        through the camera's coding (:meth:`FrameletCoding.roundtrip`: ADC, companding, compression and the
        validator's decompanding) before the detector runs on them, so a lossy coder's shift of the edge is
        part of the model (8 x 8 blocks at the framelet's own positions).
        """
        if not limbs:
            return []
        samples = geo.sample([framelets[lc.index].mid_et + dt_s for lc in limbs])
        n_sub = int(self.profile_subsamples)
        sub = (np.arange(n_sub) + 0.5) / n_sub
        weights = psf_weights(self.psf_sigma_px / summing)            # (2W+1,) along samples and lines
        half = (weights.size - 1) // 2
        # Sample positions: this column and ``half`` neighbours either side, 3 sub-columns each.
        across = (np.arange(-half, half + 1)[:, None] + np.array([-1.0, 0.0, 1.0])[None, :] / 3.0).ravel()
        local = np.arange(2 * self.profile_rows)
        out = []
        for k, (lc, shift) in enumerate(zip(limbs, shifts)):
            fr = framelets[lc.index]
            # Each column's own window of rows around its limb (rows beyond the framelet extend the strip).
            base = np.floor(lc.bracket).astype(int) - self.profile_rows                       # (C,)
            line = base[None, None, :] + local[:, None, None] + sub[None, :, None]            # (R, n_sub, C)
            line = np.broadcast_to(line[..., None], line.shape + (across.size,))             # (R, n_sub, C, A)
            sample = np.broadcast_to(lc.columns[:, None] + 0.5 + across[None, :], line.shape)
            rays = camera.pixel_to_ray(fr.filter, sample, line + shift, summing=summing)
            inter = geo.intercept(rays.reshape(-1, 3), samples, k)
            value = np.zeros(inter.hit.size)
            if inter.hit.any():
                ill = geo.illumination(inter.points[inter.hit], samples, k, obs_body=inter.obs_body[inter.hit])
                cos_i = np.cos(np.radians(ill["incidence"]))
                cos_e = np.cos(np.radians(ill["emission"]))
                value[inter.hit] = photometry.iof(1.0, cos_i, cos_e, np.cos(np.radians(ill["phase"])), fr.filter)
            # Pixel area along samples: mean of each column's 3 sub-columns -> (rows_fine, C, 2W+1).
            fine = value.reshape(local.size * n_sub, lc.columns.size, weights.size, 3).mean(axis=3)
            fine_line = (base[None, :] + (np.arange(local.size * n_sub)[:, None] + 0.5) / n_sub)  # (R n_sub, C)
            model = self._blur(fine, n_sub, weights)
            found = self._detect(model, lc, base)
            if images is not None:
                image = images[lc.index]
                ramp, sky, level = self.albedo_ramp(image, model, lc, base, found, levels=True)
                if not self.albedo_ramps:
                    ramp = np.zeros_like(ramp)
                depth = np.clip((fine_line - found[None, :]) * lc.inside_sign[None, :], None, ALBEDO_ROWS[1])
                albedo = np.maximum(1.0 + ramp[None, :] * depth, 0.0)
                model = self._blur(fine * albedo[..., None], n_sub, weights)
                if coding is not None:
                    model = self._coded(model, image, lc, base, sky, level, coding)
                found = self._detect(model, lc, base)
            out.append(found)
        return out

    @staticmethod
    def _blur(fine, n_sub: int, weights) -> np.ndarray:
        """Sub-row values ``(R n_sub, C, 2W+1)`` -> pixel profiles ``(R, C)`` with the motion box and the PSF."""
        # The scene slides ~one row during each 3.2 ms stage (TDI matched to the spin): a one-row box
        # (n_sub is odd, so the box is centred).
        fine = ndimage.uniform_filter1d(fine, n_sub, axis=0, mode="nearest")
        rows = fine.shape[0] // n_sub
        model = fine.reshape(rows, n_sub, *fine.shape[1:]).mean(axis=1)                     # (R, C, 2W+1)
        # The PSF in both directions: along the lines, then across the neighbouring columns (a slanted
        # limb is blurred along a column by the PSF's spread across samples too).
        model = ndimage.convolve1d(model, weights, axis=0, mode="nearest")
        return np.tensordot(model, weights, axes=([2], [0]))                                   # (R, C)

    @staticmethod
    def _coded(model, image, lc: LimbColumns, base, sky, level, coding: FrameletCoding) -> np.ndarray:
        """Model profiles ``(R, C)`` (row 0 at line ``base``) in the image's DN after the camera's coding.

        Each column's profile becomes ``sky + level x model`` (DN) and replaces the image's pixels it covers
        in a copy of the framelet (the pixels beyond keep the observed values, the neighbours a coder's
        block sees; NaN, i.e. saturated, as full scale); the copy goes through ``coding.roundtrip`` and the covered pixels are read back. Rows
        beyond the framelet keep the uncoded model. Columns without measured levels take the median ones.
        """
        sky = np.where(np.isfinite(sky), sky, np.nanmedian(sky) if np.isfinite(sky).any() else 0.0)
        good = np.isfinite(level) & (level > 0)
        if not good.any():
            return model
        level = np.where(good, level, np.median(level[good]))
        dn = sky[None, :] + level[None, :] * model                                          # (R, C)
        canvas = np.array(image, dtype=np.float64)
        canvas[np.isnan(canvas)] = DN12_MAX        # the framelet's NaN are its saturated pixels (validation)
        rows = base[None, :] + np.arange(model.shape[0])[:, None]
        cols = np.broadcast_to(lc.columns[None, :], rows.shape)
        inside = (rows >= 0) & (rows < canvas.shape[0])
        canvas[rows[inside], cols[inside]] = dn[inside]
        coded = dn.copy()
        coded[inside] = coding.roundtrip(canvas)[rows[inside], cols[inside]]
        return coded

    def _detect(self, model, lc: LimbColumns, base) -> np.ndarray:
        """The detector's edge line (framelet lines) on model profiles ``(R, C)`` whose row 0 is ``base``."""
        scale = PROFILE_SCALE_DN / max(float(np.nanmax(model)), 1e-12)
        found, _ = self.detector.observed_limb_lines(model * scale, lc.bracket - base, lc.inside_sign)
        return found + base

    def albedo_ramp(self, image, model, lc: LimbColumns, base, edge, levels: bool = False):
        """Relative albedo change per row inside the limb, per column, measured on the framelet.

        Parameters
        ----------
        image : (lines, samples) decompanded DN (NaN where unusable).
        model : (R, C) unit-albedo model profiles, row 0 at framelet line ``base`` (per column).
        lc : the columns; base : (C,) int; edge : (C,) the model's edge line.

        Returns
        -------
        ramp : (C,) ``g`` in ``albedo(d) = a (1 + g d)``, ``d`` the depth (rows) inside the edge, fitted to
            ``(image - sky) / model`` over depths ``ALBEDO_ROWS``; 0 where too few rows are usable, limited
            to ``+-MAX_ALBEDO_RAMP``.
        sky, level : (C,) with ``levels``: the sky level (DN) and the DN per unit model at the edge (``a``,
            NaN where too few rows are usable), so that ``sky + a (1 + g d) model`` matches the column.
        """
        n_lines = image.shape[0]
        rows = base[None, :] + np.arange(model.shape[0])[:, None]                            # (R, C)
        inside = (rows >= 0) & (rows < n_lines)
        obs = np.where(inside, image[np.clip(rows, 0, n_lines - 1), lc.columns[None, :]], np.nan)
        depth = (rows + 0.5 - edge[None, :]) * lc.inside_sign[None, :]
        sky_rows = (depth <= -SKY_GAP_ROWS) & np.isfinite(obs)
        sky = np.array([np.median(obs[sky_rows[:, c], c]) if sky_rows[:, c].any() else np.nan
                        for c in range(obs.shape[1])])
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = (obs - sky[None, :]) / model
        use = ((depth >= ALBEDO_ROWS[0]) & (depth <= ALBEDO_ROWS[1]) & np.isfinite(ratio)
               & (model > 0.2 * np.max(model, axis=0, keepdims=True)))
        n = use.sum(axis=0)
        d = np.where(use, depth, 0.0)
        q = np.where(use, ratio, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            d_mean = d.sum(axis=0) / n
            q_mean = q.sum(axis=0) / n
            slope = (np.where(use, (depth - d_mean) * (ratio - q_mean), 0.0).sum(axis=0)
                     / np.where(use, (depth - d_mean) ** 2, 0.0).sum(axis=0))
            # albedo at depth 0 (the edge): a = q_mean - slope d_mean; g = slope / a
            ramp = slope / (q_mean - slope * d_mean)
        ok = (n >= MIN_ALBEDO_ROWS) & np.isfinite(ramp)
        ramp = np.where(ok, np.clip(ramp, -MAX_ALBEDO_RAMP, MAX_ALBEDO_RAMP), 0.0)
        if not levels:
            return ramp
        # The albedo at the edge with the ramp kept: the mean ratio less the kept ramp at the mean depth.
        with np.errstate(invalid="ignore"):
            level = np.where(n >= MIN_ALBEDO_ROWS, q_mean / (1.0 + ramp * d_mean), np.nan)
        return ramp, sky, level

    def fit(self, geo, camera, framelets, geometries, images, summing: int, shifts: list[float],
            photometry=None, coding: FrameletCoding | None = None) -> TimeOffsetFit:
        """Estimate the start-time offset of a product.

        Parameters
        ----------
        geo : an entered :class:`simulator.geometry.Geometry` on the product's kernels.
        camera : the camera model.
        framelets : the product's framelets (nominal ISIS times).
        geometries : their reconstructed :class:`FrameletGeometry` at the nominal times.
        images : their decompanded (lines, samples) DN images.
        summing : SAMPLING_FACTOR.
        shifts : each framelet's ray row shift (projection convention).
        photometry : the photometric model used to correct the edge position for limb brightening or
            darkening (:meth:`profile_bias`); ``None`` skips the correction.
        coding : the product's companding and compression (:class:`FrameletCoding`), so that the edge model
            includes the coder's shift of the edge; ``None`` models the analog signal (needs ``photometry``).
        """
        limbs = [lc for i, g in enumerate(geometries) if (lc := self.candidate_columns(g, i)) is not None]
        return self.fit_limbs(geo, camera, framelets, limbs, images, summing, shifts, photometry, coding)

    def fit_limbs(self, geo, camera, framelets, limbs: list[LimbColumns], images, summing: int,
                  shifts: list[float], photometry=None, coding: FrameletCoding | None = None) -> TimeOffsetFit:
        """:meth:`fit` from the framelets' :meth:`candidate_columns` already found (``limbs``).

        ``images`` only needs the framelets that have a limb: any mapping from framelet index to its
        decompanded DN image (a dict keeps memory bounded on long products).
        """
        if not limbs:
            raise LimbFitError("no framelet shows a lit limb of Jupiter; the start time cannot be fitted "
                               "from this product")
        used_shifts = [shifts[lc.index] for lc in limbs]
        observed = []
        for lc in limbs:
            n_samples = images[lc.index].shape[1]
            predicted = np.full(n_samples, np.nan)
            sign = np.zeros(n_samples, dtype=int)
            predicted[lc.columns] = lc.bracket
            sign[lc.columns] = lc.inside_sign
            found, _ = self.detector.observed_limb_lines(images[lc.index], predicted, sign)
            observed.append(found[lc.columns])
        raw = np.concatenate(observed)

        def predict(dt):
            return self.predicted_lines(geo, camera, framelets, limbs, used_shifts, summing, dt)

        if photometry is None:
            return self.fitter.fit(raw, predict)
        # Pass 1: uniform albedo at the nominal times. Pass 2: the model at the fitted offset (aligned with
        # the image and its coder's blocks) with each column's measured albedo ramp and levels, coded.
        modelled = np.concatenate(self.profile_bias(geo, camera, framelets, limbs, used_shifts, summing,
                                                    photometry))
        first = self.fitter.fit(raw - (modelled - predict(0.0)), predict)
        if not self.albedo_ramps and coding is None:
            return first
        dt = first.offset_s
        modelled = np.concatenate(self.profile_bias(geo, camera, framelets, limbs, used_shifts, summing,
                                                    photometry, dt_s=dt, images=images, coding=coding))
        return self.fitter.fit(raw - (modelled - predict(dt)), predict, initial_s=dt)

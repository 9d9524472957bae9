"""The limb fit on a product: predicted limb from the kernels vs the limb seen in the framelets.

For every framelet whose reconstructed hit mask crosses the limb along a column (one hit/miss change,
the planet's side lit: ``cos(incidence) >= min_cos_incidence`` a few rows inside), the predicted limb line
of that column is the hit/miss boundary of the camera rays, found by bisection along the column with the
geometry service's ``intercept`` at the framelet's mid-exposure time plus a trial offset ``dt``. The
observed limb line comes from the decompanded framelet (:class:`LimbDetector`); the start-time offset is
fitted by :class:`TimeOffsetFitter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from simulator.validate.limb import LimbDetector, bisect_limb_lines, crossing_lines
from simulator.validate.timefit import LimbFitError, TimeOffsetFit, TimeOffsetFitter

PROFILE_SCALE_DN = 2000.0  # the unit-albedo model profile is scaled to this peak so the detector's contrast test passes


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
                     photometry) -> list[np.ndarray]:
        """Where the detector puts the edge of a modelled limb profile, per candidate column (lines).

        The planet is not a flat disk: with a Minnaert law ``cos(i)^k cos(e)^(k-1)`` it brightens (k < 1)
        or darkens towards the limb, which moves the half-level crossing by a fraction of a pixel. This
        models each column's profile at unit albedo (``profile_subsamples`` sub-rows per pixel, averaged
        over the pixel, sky 0) and runs the same detector on it; the result minus the geometric limb
        (:meth:`predicted_lines` at the same time) is the detector's bias, subtracted from the observed lines.
        """
        if not limbs:
            return []
        samples = geo.sample([framelets[lc.index].mid_et for lc in limbs])
        n_sub = int(self.profile_subsamples)
        sub = (np.arange(n_sub) + 0.5) / n_sub
        across = np.array([-1.0, 0.0, 1.0]) / 3.0
        local = np.arange(2 * self.profile_rows)
        out = []
        for k, (lc, shift) in enumerate(zip(limbs, shifts)):
            fr = framelets[lc.index]
            # Each column's own window of rows around its limb (rows beyond the framelet extend the strip).
            base = np.floor(lc.bracket).astype(int) - self.profile_rows                       # (C,)
            line = base[None, None, :] + local[:, None, None] + sub[None, :, None]            # (R, n_sub, C)
            line = np.broadcast_to(line[..., None], line.shape + (across.size,))             # (R, n_sub, C, 3)
            sample = np.broadcast_to(lc.columns[:, None] + 0.5 + across[None, :], line.shape)
            rays = camera.pixel_to_ray(fr.filter, sample, line + shift, summing=summing)
            inter = geo.intercept(rays.reshape(-1, 3), samples, k)
            value = np.zeros(inter.hit.size)
            if inter.hit.any():
                ill = geo.illumination(inter.points[inter.hit], samples, k, obs_body=inter.obs_body[inter.hit])
                cos_i = np.cos(np.radians(ill["incidence"]))
                cos_e = np.cos(np.radians(ill["emission"]))
                value[inter.hit] = photometry.iof(1.0, cos_i, cos_e, None, fr.filter)
            fine = value.reshape(local.size * n_sub, lc.columns.size, across.size).mean(axis=2)
            # The scene slides ~one row during each 3.2 ms stage (TDI matched to the spin): a one-row box
            # (n_sub is odd, so the box is centred).
            fine = ndimage.uniform_filter1d(fine, n_sub, axis=0, mode="nearest")
            model = fine.reshape(local.size, n_sub, lc.columns.size).mean(axis=1)              # (R, C)
            model = ndimage.gaussian_filter1d(model, self.psf_sigma_px / summing, axis=0, mode="nearest")
            scale = PROFILE_SCALE_DN / max(float(np.nanmax(model)), 1e-12)
            found, _ = self.detector.observed_limb_lines(model * scale, lc.bracket - base, lc.inside_sign)
            out.append(found + base)
        return out

    def fit(self, geo, camera, framelets, geometries, images, summing: int, shifts: list[float],
            photometry=None) -> TimeOffsetFit:
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
        """
        limbs = [lc for i, g in enumerate(geometries) if (lc := self.candidate_columns(g, i)) is not None]
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
        obs = np.concatenate(observed)
        if photometry is not None:
            modelled = np.concatenate(self.profile_bias(geo, camera, framelets, limbs, used_shifts, summing,
                                                        photometry))
            obs = obs - (modelled - self.predicted_lines(geo, camera, framelets, limbs, used_shifts, summing, 0.0))
        return self.fitter.fit(obs, lambda dt: self.predicted_lines(geo, camera, framelets, limbs, used_shifts,
                                                                    summing, dt))

"""Estimating the start-time offset that best aligns the predicted limb with the observed one.

The model is one constant offset ``dt`` added to every frame's start time (the START_TIME_BIAS jitter of
facts.md "Timing"). For a trial ``dt`` a caller-supplied ``predict(dt)`` returns the predicted limb line of
every usable column (all framelets concatenated); the observed lines are fixed. Gauss-Newton on
``observed - predict(dt)`` with the sensitivity ``d predict / d dt`` measured by a finite difference,
and a robust re-weighting (columns more than ``clip_sigma`` robust sigmas from the median residual are
dropped), converges in 2-4 iterations because the limb moves almost linearly with time (about one line
per 3.2 ms at 2 rpm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.errors import SimulatorError

MAD_TO_SIGMA = 1.4826  # normal distribution: sigma = 1.4826 x median absolute deviation


class LimbFitError(SimulatorError):
    """The limb fit has too few usable columns or does not converge."""


@dataclass(frozen=True)
class TimeOffsetFit:
    """Result of the limb fit.

    Attributes
    ----------
    offset_s : estimated start-time offset (s), to be added to the ISIS frame times.
    sigma_s : formal 1-sigma uncertainty (s) from the residual scatter.
    columns_used : columns kept after clipping.
    columns_total : columns with both an observed and a predicted limb.
    residual_rms_px : rms of the kept residuals after the fit (lines).
    iterations : Gauss-Newton iterations run.
    """

    offset_s: float
    sigma_s: float
    columns_used: int
    columns_total: int
    residual_rms_px: float
    iterations: int


@dataclass(frozen=True)
class TimeOffsetFitter:
    """Settings of the fit (assumptions, configurable).

    Attributes
    ----------
    step_s : finite-difference step for the sensitivity (s).
    tolerance_s : stop when the update is below this (s).
    max_iterations : safety bound.
    clip_sigma : residuals further than this many robust sigmas from the median are dropped.
    min_columns : fewer usable columns than this raise :class:`LimbFitError`.
    """

    step_s: float = 2.0e-3
    tolerance_s: float = 1.0e-6
    max_iterations: int = 8
    clip_sigma: float = 4.0
    min_columns: int = 20

    def fit(self, observed, predict, initial_s: float = 0.0) -> TimeOffsetFit:
        """Fit ``dt`` so that ``predict(dt)`` matches ``observed``.

        Parameters
        ----------
        observed : (N,) float, observed limb lines (NaN for unusable columns).
        predict : callable ``dt_s -> (N,) float``, predicted limb lines for the same columns (NaN where
            the prediction has no limb).
        initial_s : starting guess (s).
        """
        obs = np.asarray(observed, dtype=np.float64)
        dt = float(initial_s)
        keep = np.isfinite(obs)
        total = int(keep.sum())
        rms = np.nan
        sens = resid = None
        for iteration in range(1, self.max_iterations + 1):
            p0 = np.asarray(predict(dt), dtype=np.float64)
            p1 = np.asarray(predict(dt + self.step_s), dtype=np.float64)
            sens = (p1 - p0) / self.step_s
            resid = obs - p0
            usable = keep & np.isfinite(resid) & np.isfinite(sens) & (np.abs(sens) > 0)
            if iteration == 1:
                total = int(usable.sum())
            if usable.sum() < self.min_columns:
                raise LimbFitError(f"only {int(usable.sum())} image columns show a usable limb; the limb fit "
                                   f"needs at least {self.min_columns} (is the limb in the field of view?)")
            # Residuals expressed as time: r / sensitivity; clip around their median.
            as_time = resid / np.where(usable, sens, 1.0)
            med = np.median(as_time[usable])
            mad = np.median(np.abs(as_time[usable] - med)) * MAD_TO_SIGMA
            if mad > 0:
                usable &= np.abs(as_time - med) <= self.clip_sigma * mad
            s, r = sens[usable], resid[usable]
            update = float(np.sum(s * r) / np.sum(s * s))
            dt += update
            keep = usable
            if abs(update) < self.tolerance_s:
                break
        p_final = np.asarray(predict(dt), dtype=np.float64)
        r_final = (obs - p_final)[keep]
        r_final = r_final[np.isfinite(r_final)]
        rms = float(np.sqrt(np.mean(r_final ** 2))) if r_final.size else np.nan
        s = sens[keep]
        sigma = float(rms / np.sqrt(np.sum(s * s))) if s.size else np.nan
        return TimeOffsetFit(offset_s=dt, sigma_s=sigma, columns_used=int(keep.sum()), columns_total=total,
                             residual_rms_px=rms, iterations=iteration)

"""Finding Jupiter's limb in a decompanded framelet, column by column.

The spin sweeps the scene along the framelet's lines, so a start-time error moves the limb along each
column. For every column where the predicted limb crosses the framelet, :func:`observed_limb_lines` looks
for the observed edge near the prediction and returns its sub-pixel line:

1. flip the column so that the planet lies towards increasing line;
2. inside a window of ``window_px`` around the prediction, take the steepest rise (the edge);
3. measure the sky level ``gap_px .. gap_px + level_px`` rows outside the edge and the disk level as far
   inside (medians), and reject the column when the contrast is below ``min_contrast_dn``;
4. the limb is where the profile crosses half-way between the two levels (linear interpolation between
   pixel centres ``j + 0.5``), which is exact for a flat disk blurred by any symmetric PSF.

All of it is vectorised over the columns of a framelet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LimbDetector:
    """Settings of the limb detector (assumptions, all configurable).

    Attributes
    ----------
    window_px : half-width (lines) of the search window around the predicted limb; 12 lines is ~38 ms
        of spin, covering the "of order 20 ms" start-time jitter (facts.md "Timing").
    gap_px : lines between the edge and the first row used for the sky / disk levels (skips the PSF
        and the anti-aliased rows).
    level_px : rows averaged (median) for each level.
    min_contrast_dn : smallest disk-minus-sky step (12-bit DN) accepted as a limb.
    level_passes : 2 measures the levels a second time, around the first crossing instead of the steepest
        step; 1 keeps them around the steepest step.
    """

    window_px: int = 12
    gap_px: int = 3
    level_px: int = 4
    min_contrast_dn: float = 40.0
    level_passes: int = 2

    def observed_limb_lines(self, image, predicted_line, inside_sign):
        """Observed limb line per column of one framelet.

        Parameters
        ----------
        image : (lines, samples) float array, decompanded 12-bit DN.
        predicted_line : (samples,) float, predicted limb line (continuous framelet lines), NaN where
            no limb is predicted in this column.
        inside_sign : (samples,) +1 where the planet lies towards increasing line, -1 otherwise.

        Returns
        -------
        line : (samples,) float, the observed limb line (continuous coordinates), NaN where the column
            has no usable limb (window or levels off the framelet, contrast too low, no crossing).
        contrast : (samples,) float, disk minus sky level (DN), NaN where not measured.
        """
        img = np.asarray(image, dtype=np.float64)
        n_lines, n_samples = img.shape
        pred = np.asarray(predicted_line, dtype=np.float64)
        sign = np.asarray(inside_sign)
        out = np.full(n_samples, np.nan)
        contrast = np.full(n_samples, np.nan)
        cols = np.flatnonzero(np.isfinite(pred) & (sign != 0))
        if cols.size == 0:
            return out, contrast
        # Columns flipped so that the planet is at increasing index: profile[k] is row k or L-1-k.
        flip = sign[cols] < 0
        prof = img[:, cols].T.copy()                                  # (C, L)
        prof[flip] = prof[flip, ::-1]
        p = np.where(flip, n_lines - pred[cols], pred[cols])          # predicted edge in flipped coords
        k = np.arange(n_lines - 1)
        centre_of_step = k + 1.0                                      # the step v[k] -> v[k+1] sits at k + 1
        steps = np.diff(prof, axis=1)                                 # (C, L-1)
        in_window = np.abs(centre_of_step[None, :] - p[:, None]) <= self.window_px
        steps = np.where(in_window, steps, -np.inf)
        kstar = np.argmax(steps, axis=1)                              # edge between rows kstar and kstar+1
        valid = np.isfinite(steps[np.arange(cols.size), kstar])
        line_flipped, step, ok = self._crossing(prof, kstar)
        valid &= ok
        for _ in range(self.level_passes - 1):
            # Levels again, placed around the crossing just found rather than the steepest step: on a
            # textured disk the steepest step is sometimes a bright/dark spot inside the limb, which would
            # put the disk level deeper inside (darker for a brightened limb) and the edge outward.
            k_again = np.floor(np.where(valid, line_flipped, kstar + 1.5) - 0.5).astype(int)
            line_flipped, step, ok = self._crossing(prof, np.clip(k_again, 0, n_lines - 2))
            valid &= ok
        line = np.where(flip, n_lines - line_flipped, line_flipped)
        out[cols] = np.where(valid, line, np.nan)
        contrast[cols] = np.where(valid, step, np.nan)
        return out, contrast

    def _crossing(self, prof, kstar):
        """Half-level crossing of flipped profiles ``(C, L)`` with the edge between rows ``kstar``, ``kstar+1``.

        Returns the crossing (flipped continuous lines), the disk-minus-sky step and a validity mask.
        """
        n, n_lines = prof.shape
        lo_sky = kstar - self.gap_px - self.level_px + 1
        hi_disk = kstar + 1 + self.gap_px + self.level_px
        valid = (lo_sky >= 0) & (hi_disk <= n_lines)
        offs = np.arange(self.level_px)
        sky_rows = np.clip((kstar - self.gap_px)[:, None] - offs[None, :], 0, n_lines - 1)
        disk_rows = np.clip((kstar + 1 + self.gap_px)[:, None] + offs[None, :], 0, n_lines - 1)
        rows_c = np.arange(n)[:, None]
        sky = np.median(prof[rows_c, sky_rows], axis=1)
        disk = np.median(prof[rows_c, disk_rows], axis=1)
        step = disk - sky
        valid &= step >= self.min_contrast_dn
        half = 0.5 * (sky + disk)
        # The crossing nearest the edge: search rows kstar-gap .. kstar+gap for v[m] < half <= v[m+1].
        m_off = np.arange(-self.gap_px, self.gap_px + 1)
        m = np.clip(kstar[:, None] + m_off[None, :], 0, n_lines - 2)
        v0 = prof[rows_c, m]
        v1 = prof[rows_c, m + 1]
        crosses = (v0 < half[:, None]) & (v1 >= half[:, None])
        dist = np.where(crosses, np.abs(m_off)[None, :], np.iinfo(np.int32).max)
        best = np.argmin(dist, axis=1)
        valid &= crosses[np.arange(n), best]
        mb = m[np.arange(n), best]
        a = v0[np.arange(n), best]
        b = v1[np.arange(n), best]
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = (half - a) / (b - a)
        return mb + 0.5 + frac, step, valid


def crossing_lines(values, column_axis_last: bool = True):
    """Where a per-row signed function changes sign along each column, by linear interpolation.

    Parameters
    ----------
    values : (lines, samples) float, a function sampled at the pixel centres ``j + 0.5`` of each column,
        negative on the planet and positive off it (e.g. the scaled miss distance of the ray).

    Returns
    -------
    line : (samples,) float, the continuous line of the first sign change (NaN if none, or if the
        column changes sign more than once).
    inside_sign : (samples,) int, +1 when the planet (negative values) lies towards increasing line,
        -1 when towards decreasing line, 0 without a single crossing.
    """
    g = np.asarray(values, dtype=np.float64)
    n_lines, n_samples = g.shape
    neg = g < 0
    change = neg[1:] != neg[:-1]                                    # (L-1, S)
    count = change.sum(axis=0)
    first = np.argmax(change, axis=0)
    cols = np.arange(n_samples)
    a = g[first, cols]
    b = g[first + 1, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = a / (a - b)
    line = first + 0.5 + frac
    ok = (count == 1) & np.isfinite(line)
    sign = np.where(neg[first + 1, cols], 1, -1)
    return np.where(ok, line, np.nan), np.where(ok, sign, 0)


def bisect_limb_lines(hits, samples, line_lo, line_hi, iterations: int = 24):
    """Refine a bracketed hit/miss boundary along each column by bisection.

    Parameters
    ----------
    hits : callable ``(samples, lines) -> bool array``, whether each ray hits the planet (vectorised).
    samples : (C,) float, the columns (continuous sample coordinates, e.g. ``i + 0.5``).
    line_lo, line_hi : (C,) float, lines bracketing the boundary (one hits, the other misses).
    iterations : bisection steps; 24 narrows a one-pixel bracket to 6e-8 px.

    Returns
    -------
    line : (C,) float, the boundary line (continuous framelet coordinates).
    """
    s = np.asarray(samples, dtype=np.float64)
    lo = np.asarray(line_lo, dtype=np.float64).copy()
    hi = np.asarray(line_hi, dtype=np.float64).copy()
    hit_lo = np.asarray(hits(s, lo), dtype=bool)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        same = np.asarray(hits(s, mid), dtype=bool) == hit_lo
        lo = np.where(same, mid, lo)
        hi = np.where(same, hi, mid)
    return 0.5 * (lo + hi)

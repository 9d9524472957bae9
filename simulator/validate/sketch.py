"""Streaming statistics for ``validate``: memory that does not grow with the number of values.

:class:`QuantileSketch` is a mergeable log-spaced histogram of signed values (the idea of a relative-error
quantile sketch, e.g. Masson, Rim & Lee 2019, "DDSketch", VLDB 12(12)). A non-zero value ``x`` falls in
bin ``k = ceil(log(|x|) / log(gamma))`` with ``gamma = (1 + a) / (1 - a)``; the bin is represented by
``2 gamma^k / (gamma + 1)``, which is within relative error ``a`` of every value in the bin. Negative values
have their own bins, exact zeros a count of their own. With ``a`` = :data:`QUANTILE_RELATIVE_ERROR` (1e-3,
about 1151 bins per decade) the bins span whatever range the data has (only the occupied key range is
stored: a few hundred kB for errors spread over tens of decades).

Quantiles follow ``numpy.percentile``'s default (linear interpolation between the order statistics
``x_(k)``, ``x_(k+1)`` at rank ``(n - 1) q``); each order statistic is replaced by its bin's representative,
so ``|estimate - exact| <= a * max(|x_(k)|, |x_(k+1)|)``: a relative error of at most ``a`` when the two
neighbours have one sign (always for the non-negative errors), bounded by ``a`` times the neighbours' size
when they straddle zero. Count, minimum, maximum and mean are exact (running sums; the mean up to float64
summation order), and estimates are clipped to [min, max].

:class:`DifferenceSums` holds the running sums of :class:`~simulator.validate.metrics.RadiometrySummary`.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.validate.metrics import RadiometrySummary, compared_values

QUANTILE_RELATIVE_ERROR = 1e-3   # a: relative error of a quantile's order statistics (assumption, see above)


class QuantileSketch:
    """A mergeable streaming summary of float values: exact count / min / max / mean, quantiles to ``a``.

    Parameters
    ----------
    relative_error : ``a`` (0 < a < 0.5), the relative precision of the order statistics.
    """

    def __init__(self, relative_error: float = QUANTILE_RELATIVE_ERROR):
        a = float(relative_error)
        if not 0.0 < a < 0.5:
            raise ValueError(f"relative_error {relative_error!r} must be between 0 and 0.5")
        self.relative_error = a
        self._log_gamma = math.log((1.0 + a) / (1.0 - a))
        self._stores = {1: _KeyCounts(), -1: _KeyCounts()}    # positive and negative values' bins
        self.zeros = 0
        self.count = 0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf

    def add(self, values) -> None:
        """Add the finite entries of ``values`` (any shape; NaN and inf are skipped)."""
        v = np.asarray(values, dtype=np.float64).ravel()
        v = v[np.isfinite(v)]
        if v.size == 0:
            return
        self.count += int(v.size)
        self.total += float(np.sum(v))
        self.min = min(self.min, float(v.min()))
        self.max = max(self.max, float(v.max()))
        self.zeros += int(np.count_nonzero(v == 0.0))
        for sign, part in ((1, v[v > 0]), (-1, -v[v < 0])):
            if part.size:
                self._stores[sign].add(np.ceil(np.log(part) / self._log_gamma).astype(np.int64))

    def merge(self, other: "QuantileSketch") -> "QuantileSketch":
        """Add everything ``other`` holds (same ``relative_error``); returns self."""
        if other.relative_error != self.relative_error:
            raise ValueError(f"cannot merge sketches of relative error {self.relative_error} and "
                             f"{other.relative_error}")
        for sign in (1, -1):
            self._stores[sign].merge(other._stores[sign])
        self.zeros += other.zeros
        self.count += other.count
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        return self

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else math.nan

    def _values_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Bin representatives in ascending order and their counts."""
        gamma = math.exp(self._log_gamma)
        parts_v, parts_c = [], []
        keys, counts = self._stores[-1].items()
        parts_v.append(-2.0 * np.exp(keys[::-1] * self._log_gamma) / (gamma + 1.0))
        parts_c.append(counts[::-1])
        parts_v.append(np.zeros(1))
        parts_c.append(np.array([self.zeros]))
        keys, counts = self._stores[1].items()
        parts_v.append(2.0 * np.exp(keys * self._log_gamma) / (gamma + 1.0))
        parts_c.append(counts)
        return np.concatenate(parts_v), np.concatenate(parts_c)

    def quantiles(self, q) -> np.ndarray:
        """Estimates of ``numpy.percentile(values, 100 q)`` (linear interpolation) for each ``q`` in [0, 1]."""
        q = np.atleast_1d(np.asarray(q, dtype=np.float64))
        if self.count == 0:
            return np.full(q.shape, np.nan)
        values, counts = self._values_counts()
        cumulative = np.cumsum(counts)

        def order_statistic(k):
            x = values[np.searchsorted(cumulative, k, side="right")]
            # The extreme order statistics are known exactly; every estimate stays within them.
            x = np.where(k == 0, self.min, np.where(k == self.count - 1, self.max, x))
            return np.clip(x, self.min, self.max)

        rank = (self.count - 1) * np.clip(q, 0.0, 1.0)
        lo = np.floor(rank).astype(np.int64)
        hi = np.minimum(lo + 1, self.count - 1)
        x_lo, x_hi = order_statistic(lo), order_statistic(hi)
        return x_lo + (rank - lo) * (x_hi - x_lo)

    def quantile(self, q: float) -> float:
        return float(self.quantiles([q])[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the bins."""
        return sum(s.counts.nbytes for s in self._stores.values())


class _KeyCounts:
    """Counts over a contiguous range of integer keys, grown as keys arrive (a dense bin store)."""

    def __init__(self):
        self.lo = 0
        self.counts = np.zeros(0, dtype=np.int64)

    def add(self, keys: np.ndarray) -> None:
        k_min, k_max = int(keys.min()), int(keys.max())
        self._cover(k_min, k_max)
        self.counts += np.bincount(keys - self.lo, minlength=self.counts.size)

    def merge(self, other: "_KeyCounts") -> None:
        if other.counts.size == 0:
            return
        self._cover(other.lo, other.lo + other.counts.size - 1)
        start = other.lo - self.lo
        self.counts[start:start + other.counts.size] += other.counts

    def _cover(self, k_min: int, k_max: int) -> None:
        if self.counts.size == 0:
            self.lo, self.counts = k_min, np.zeros(k_max - k_min + 1, dtype=np.int64)
            return
        hi = self.lo + self.counts.size - 1
        new_lo, new_hi = min(self.lo, k_min), max(hi, k_max)
        if (new_lo, new_hi) != (self.lo, hi):
            grown = np.zeros(new_hi - new_lo + 1, dtype=np.int64)
            grown[self.lo - new_lo:self.lo - new_lo + self.counts.size] = self.counts
            self.lo, self.counts = new_lo, grown

    def items(self) -> tuple[np.ndarray, np.ndarray]:
        """Occupied keys (ascending) and their counts."""
        nonzero = np.flatnonzero(self.counts)
        return nonzero + self.lo, self.counts[nonzero]


class DifferenceSums:
    """Running sums of reconstructed - truth differences (and the predicted noise) for a
    :class:`~simulator.validate.metrics.RadiometrySummary`, added in any number of parts."""

    def __init__(self):
        self.count = 0
        self.sum_d = self.sum_d2 = self.sum_s2 = self.sum_t = 0.0
        self.with_noise = None

    def add(self, recon, truth, noise_sigma=None) -> None:
        """Add the entries where ``recon``, ``truth`` (and ``noise_sigma`` when given) are all finite."""
        r, t, s = compared_values(recon, truth, noise_sigma)
        if s is not None:
            self.sum_s2 += float(np.sum(s ** 2))
        self.with_noise = noise_sigma is not None if self.with_noise is None else self.with_noise
        d = r - t
        self.count += int(d.size)
        self.sum_d += float(np.sum(d))
        self.sum_d2 += float(np.sum(d * d))
        self.sum_t += float(np.sum(t))

    def merge(self, other: "DifferenceSums") -> None:
        """Add another set of sums (as if its entries had been added here)."""
        if other.with_noise is not None:
            self.with_noise = other.with_noise if self.with_noise is None else self.with_noise
        self.count += other.count
        self.sum_d += other.sum_d
        self.sum_d2 += other.sum_d2
        self.sum_s2 += other.sum_s2
        self.sum_t += other.sum_t

    def summary(self) -> RadiometrySummary:
        n = self.count
        if n == 0:
            return RadiometrySummary(0, np.nan, np.nan, np.nan, np.nan)
        noise = math.sqrt(self.sum_s2 / n) if self.with_noise else np.nan
        return RadiometrySummary(n, self.sum_d / n, math.sqrt(self.sum_d2 / n), noise, self.sum_t / n)

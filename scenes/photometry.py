"""Photometry: the radiance factor I/F leaving a surface point, from its normal albedo and the angles.

Normal albedo ``A_n`` is the I/F at normal incidence and emission (``i = e = 0``, so zero phase). Every model
here keeps that limit exactly, is 0 on the night side (``cos i <= 0``) and where the surface faces away from
the observer (``cos e <= 0``), and reaches 0 continuously at the terminator:

* ``"minnaert"`` (default): ``I/F = A_n Phi(g) cos(i)^k(g) cos(e)^(k(g)-1)`` at phase angle ``g``.
  ``cos(i)^k`` falls to 0 smoothly as the incidence approaches 90 deg, so the terminator is a continuous
  ramp, not a step. ``k = 1`` is Lambert. The exponent ``k(g)`` is a per-filter table over phase (linear in
  between, held beyond the last node), and ``Phi(g)`` a phase multiplier (a Henyey-Greenstein term times a
  table over phase) normalised to ``Phi(0) = 1``, so the zero-phase disk average (the geometric albedo)
  depends on ``k(0)`` only. Its bidirectional reflectance ``(I/F)/cos i = A_n Phi (cos i cos e)^(k-1)`` is
  symmetric in ``i`` and ``e`` at a given phase: reciprocal for every table.
* ``"lambert"``: ``I/F = A_n cos i`` (no phase dependence beyond ``i``).
* ``"lommel-seeliger"``: ``I/F = A_n 2 cos i / (cos i + cos e)`` (reciprocal, no limb darkening at zero
  phase, no phase function).

A ``cos_phase`` of ``None`` means zero phase (``k(0)``, ``Phi = 1``): callers that have the phase angle pass it.

Defaults per band and where they come from: :mod:`scenes.photometry_data` (each number with its source):

* ``k(g)``: GREEN's table is built so that the bright-limb falloff from 0.9 to 0.995 of the radius
  (:func:`bright_limb_falloff`) is 16 % at every phase from 10 to 130 deg, the middle of the 13-19 % measured on
  a real JunoCam image (issue #13, PJ32) whose bright limb was seen at phase ~100 deg; JunoCam sees phases
  50-130 deg. BLUE and RED are shifted by the Hubble OPAL limb-darkening k difference to GREEN at their
  wavelengths (-0.018 / +0.031 near opposition: blue limb-darkens less, red more), scaled with phase by the
  Rayleigh phase function of the gas above the clouds that causes it (``photometry_data.k_spread_weight``, 0.5
  at 90 deg; assumption), from 10 deg on; at 0 deg one k for all, so the scene's zero-phase colour calibration
  holds. At JunoCam's phases (50-130 deg) every band's bright-limb falloff is then inside the real 13-19 %.
  METHANE keeps a constant 0.6 (assumption).
* ``Phi(g)``: a tabulated multiplier per band (``phase_table``) that makes each band's disk-integrated phase
  curve Mayorga et al. 2016's Cassini GRN curve (as in the Astronomical Almanac, Mallama & Hilton 2018);
  METHANE keeps a Henyey-Greenstein multiplier of asymmetry 0.086 (assumption).

All of it is configurable: ``minnaert_k`` per filter (a number = constant k, or ``((phase_deg, k), ...)``),
``phase_g`` per filter (Henyey-Greenstein asymmetry, 0 = none) and ``phase_table`` per filter
(``((phase_deg, Phi), ...)`` with ``Phi = 1`` at 0 deg, or ``None`` = none); both multipliers apply together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scenes.errors import SceneError
from scenes.filters import FILTERS, check_filter
from scenes.photometry_data import (GREEN_K_TABLE, METHANE_K, METHANE_PHASE_G, PHASE_TABLES, band_k_table)

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; numpy is the fallback
    numba = None

AVAILABLE = numba is not None and not numba.config.DISABLE_JIT   # compiled I/F loop (tests set it False to use the numpy expressions)
_MODEL_CODES = {"lambert": 0, "lommel-seeliger": 1, "minnaert": 2}

BROADBAND_K_TABLE = GREEN_K_TABLE   # the GREEN table (name kept for callers of the one-table default)


def _iof_loop(albedo, cos_i, cos_e, cos_g, model, phases, ks, g, table_phases, table_values, out):
    """I/F per point (same formulas as :meth:`Photometry.iof`; Minnaert as ``(mu0 mu)^k / mu``, one power).

    Points run in chunks of :data:`_CHUNK` (the parallel tasks); within a chunk each table lookup starts its
    segment search where the previous point's ended (neighbouring pixels have nearly the same phase), which
    finds the same segment as a search from the start without its unpredictable branches."""
    n_nodes = phases.shape[0]
    n_table = table_phases.shape[0]
    norm = (1.0 + g) * (1.0 + g)
    n = out.shape[0]
    for chunk in numba.prange((n + _CHUNK - 1) // _CHUNK):
        seg_k, seg_phi = 1, 1
        for j in range(chunk * _CHUNK, min(n, (chunk + 1) * _CHUNK)):
            mu0, mu = cos_i[j], cos_e[j]
            if mu0 > 0.0 and mu > 0.0:
                if model == 0:
                    value = mu0
                elif model == 1:
                    value = 2.0 * mu0 / (mu0 + mu)
                else:
                    c = min(1.0, max(-1.0, cos_g[j]))
                    alpha = np.degrees(np.arccos(c))
                    k, seg_k = _interp(alpha, phases, ks, n_nodes, seg_k)
                    t = norm / (norm - 2.0 * g * (1.0 - c))
                    phi, seg_phi = _interp(alpha, table_phases, table_values, n_table, seg_phi)
                    value = (mu0 * mu) ** k / mu * (t * np.sqrt(t)) * phi
                out[j] = albedo[j] * value
            else:
                out[j] = 0.0


_CHUNK = 4096   # points per parallel task of _iof_loop (the result does not depend on it)


def _interp(x, xp, fp, n, m):
    """``np.interp(x, xp, fp)`` for increasing ``xp`` of length ``n`` (ends held), and the segment used:
    ``m``, the smallest index >= 1 with ``xp[m] >= x``, is searched from the guess ``m`` (any in 1..n-1), so
    the value does not depend on the guess."""
    if x <= xp[0]:
        return fp[0], m
    if x >= xp[n - 1]:
        return fp[n - 1], m
    while xp[m] < x:
        m += 1
    while m > 1 and xp[m - 1] >= x:
        m -= 1
    t = (x - xp[m - 1]) / (xp[m] - xp[m - 1])
    return fp[m - 1] + t * (fp[m] - fp[m - 1]), m


if numba is not None:
    _interp = numba.njit(cache=True, nogil=True, inline="always")(_interp)
    _iof_loop = numba.njit(cache=True, nogil=True, parallel=True)(_iof_loop)

# Below this many points the loop's thread start-up costs more than numpy.
COMPILED_MIN_POINTS = 4096

PHOTOMETRY_MODELS = ("minnaert", "lambert", "lommel-seeliger")


NO_PHASE_TABLE = ((0.0, 1.0),)


def minnaert_law(cos_i, cos_e, k) -> np.ndarray:
    """The Minnaert factor ``cos(i)^k cos(e)^(k-1)``, computed as ``(cos_i cos_e)^k / cos_e`` (one power).

    Parameters
    ----------
    cos_i, cos_e : array
        Cosines of the incidence and emission angles (broadcast); ``cos_e`` must be > 0 (callers mask or clip
        the night side and the far side first: :meth:`Photometry.iof` substitutes 1 there, the colour view's
        illumination flattening clips ``cos_e`` to >= 1e-3).
    k : float or array
        Minnaert exponent (1 = Lambert).

    Returns
    -------
    float64 array of the broadcast shape.
    """
    mu = np.asarray(cos_e, dtype=np.float64)
    return (np.asarray(cos_i, dtype=np.float64) * mu) ** k / mu


def _default_k() -> dict:
    return {"BLUE": band_k_table("BLUE"), "GREEN": band_k_table("GREEN"), "RED": band_k_table("RED"),
            "METHANE": METHANE_K}


def _default_g() -> dict:
    return {name: (METHANE_PHASE_G if name == "METHANE" else 0.0) for name in FILTERS}


def _default_phase_tables() -> dict:
    return {name: PHASE_TABLES.get(name, NO_PHASE_TABLE) for name in FILTERS}


def _phase_table(name: str, value) -> tuple:
    """``((phase_deg, Phi), ...)`` (``None`` = no multiplier); :class:`SceneError` when invalid."""
    if value is None:
        return NO_PHASE_TABLE
    try:
        table = np.array(tuple(tuple(row) for row in value), dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise SceneError(f"phase_table {value!r} for {name} must be a table of (phase_deg, multiplier) pairs")
    phases, phi = table[:, 0], table[:, 1]
    if len(table) == 0 or not (np.all(np.isfinite(table)) and np.all(phi > 0.0)):
        raise SceneError(f"phase_table {value!r} for {name} must hold positive multipliers")
    if phases[0] < 0.0 or phases[-1] > 180.0 or np.any(np.diff(phases) <= 0.0):
        raise SceneError(f"phase_table phases {phases.tolist()} for {name} must increase within [0, 180] deg")
    if np.interp(0.0, phases, phi) != 1.0:
        raise SceneError(f"phase_table for {name} is {np.interp(0.0, phases, phi)} at 0 deg phase; expected 1 "
                         "(the normal albedo is the I/F at zero phase)")
    return tuple((float(p), float(f)) for p, f in table)


def _k_table(name: str, value) -> tuple:
    """``((phase_deg, k), ...)`` from a number (constant) or a table; :class:`SceneError` when invalid."""
    if np.ndim(value) == 0:
        rows = ((0.0, value),)
    else:
        rows = tuple(tuple(row) for row in value)
    try:
        table = np.array(rows, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise SceneError(f"minnaert_k {value!r} for {name} must be a number or a table of (phase_deg, k) pairs")
    phases, ks = table[:, 0], table[:, 1]
    if not (np.all(np.isfinite(table)) and np.all((ks > 0.0) & (ks <= 2.0))):
        raise SceneError(f"minnaert_k {value!r} for {name} must be in (0, 2]")
    if phases[0] < 0.0 or phases[-1] > 180.0 or np.any(np.diff(phases) <= 0.0):
        raise SceneError(f"minnaert_k phases {phases.tolist()} for {name} must increase within [0, 180] deg")
    return tuple((float(p), float(k)) for p, k in table)


@dataclass(frozen=True)
class Photometry:
    """A photometric model: ``iof(albedo, cos_i, cos_e, cos_phase, filter)`` -> I/F.

    Parameters
    ----------
    model : str
        One of :data:`PHOTOMETRY_MODELS`.
    minnaert_k : dict
        Minnaert exponent per filter (``"minnaert"`` only): a number (the same at every phase) or a table
        ``((phase_deg, k), ...)`` with increasing phases, linear in between and held beyond the ends; each k
        in (0, 2]. Filters not given keep the defaults (module docstring).
    phase_g : dict
        Henyey-Greenstein asymmetry in (-1, 1) of a phase multiplier per filter (``"minnaert"`` only;
        0 = none). ``HG(g) = ((1 + a)^2 / (1 + a^2 + 2 a cos g))^1.5``, 1 at zero phase.
    phase_table : dict
        Tabulated phase multiplier per filter (``"minnaert"`` only): ``((phase_deg, Phi), ...)``, increasing
        phases, linear in between, ends held, 1 at 0 deg; ``None`` = none. Multiplies the ``phase_g`` term.
        Filters not given keep the defaults (Mayorga et al.'s curve, :mod:`scenes.photometry_data`).
    """

    model: str = "minnaert"
    minnaert_k: dict = field(default_factory=_default_k)
    phase_g: dict = field(default_factory=_default_g)
    phase_table: dict = field(default_factory=_default_phase_tables)

    def __post_init__(self) -> None:
        model = str(self.model).lower()
        if model not in PHOTOMETRY_MODELS:
            raise SceneError(f"photometry model {self.model!r} is not one of {', '.join(PHOTOMETRY_MODELS)}")
        object.__setattr__(self, "model", model)
        ks = {name: _k_table(name, value) for name, value in _default_k().items()}
        for name, value in dict(self.minnaert_k).items():
            ks[check_filter(name)] = _k_table(name, value)
        object.__setattr__(self, "minnaert_k", ks)
        gs = _default_g()
        for name, value in dict(self.phase_g).items():
            g = float(value)
            if not (-1.0 < g < 1.0):
                raise SceneError(f"phase_g {value!r} for {name} must be in (-1, 1)")
            gs[check_filter(name)] = g
        object.__setattr__(self, "phase_g", gs)
        tables = _default_phase_tables()
        for name, value in dict(self.phase_table).items():
            tables[check_filter(name)] = _phase_table(name, value)
        object.__setattr__(self, "phase_table", tables)

    def k_at(self, filter_name: str, phase_deg) -> np.ndarray:
        """Minnaert exponent of ``filter_name`` at ``phase_deg`` (array, deg)."""
        table = np.array(self.minnaert_k[check_filter(filter_name)])
        return np.interp(phase_deg, table[:, 0], table[:, 1])

    def phase_multiplier(self, filter_name: str, cos_phase) -> np.ndarray:
        """Phase multiplier at the phase whose cosine is ``cos_phase``: the Henyey-Greenstein term times the
        tabulated ``Phi`` (1 at zero phase; Minnaert model only)."""
        name = check_filter(filter_name)
        g = self.phase_g[name]
        c = np.clip(np.asarray(cos_phase, dtype=np.float64), -1.0, 1.0)
        norm = (1.0 + g) * (1.0 + g)
        t = norm / (norm - 2.0 * g * (1.0 - c))              # = (1+g)^2 / (1 + g^2 + 2 g c), exactly 1 at c = 1
        table = np.array(self.phase_table[name])
        return t * np.sqrt(t) * np.interp(np.degrees(np.arccos(c)), table[:, 0], table[:, 1])   # as the loop

    def iof(self, albedo, cos_i, cos_e, cos_phase=None, filter_name: str = "GREEN") -> np.ndarray:
        """Radiance factor I/F (same shape as the broadcast inputs, float64).

        Parameters
        ----------
        albedo : array
            Normal albedo (I/F at ``i = e = 0``).
        cos_i, cos_e : array
            Cosines of the incidence and emission angles.
        cos_phase : array or None
            Cosine of the phase angle (``None``: zero phase).
        filter_name : str
            Filter (selects the Minnaert k table and the phase multipliers).
        """
        name = check_filter(filter_name)
        a = np.asarray(albedo, dtype=np.float64)
        mu0 = np.asarray(cos_i, dtype=np.float64)
        mu = np.asarray(cos_e, dtype=np.float64)
        cg = np.asarray(1.0 if cos_phase is None else cos_phase, dtype=np.float64)
        if AVAILABLE and a.ndim == 1 and a.shape == mu0.shape == mu.shape and a.size >= COMPILED_MIN_POINTS:
            table = np.array(self.minnaert_k[name])
            phi = np.array(self.phase_table[name])
            out = np.empty(a.shape)
            _iof_loop(a, mu0, mu, np.ascontiguousarray(np.broadcast_to(cg, a.shape)), _MODEL_CODES[self.model],
                      np.ascontiguousarray(table[:, 0]), np.ascontiguousarray(table[:, 1]),
                      float(self.phase_g[name]), np.ascontiguousarray(phi[:, 0]), np.ascontiguousarray(phi[:, 1]),
                      out)
            return out
        lit = (mu0 > 0.0) & (mu > 0.0)
        mu0c = np.where(lit, mu0, 1.0)
        muc = np.where(lit, mu, 1.0)
        if self.model == "lambert":
            value = mu0c
        elif self.model == "lommel-seeliger":
            value = 2.0 * mu0c / (mu0c + muc)
        else:
            c = np.clip(cg, -1.0, 1.0)
            k = self.k_at(name, np.degrees(np.arccos(c)))
            value = minnaert_law(mu0c, muc, k) * self.phase_multiplier(name, c)   # = mu0^k mu^(k - 1) Phi

        return np.where(lit, a * value, 0.0)

    def disk_factor(self, filter_name: str) -> float:
        """Geometric albedo / normal albedo of a uniform sphere at zero phase (analytic; for reference).

        At zero phase ``i = e``; integrating I/F over the projected disk gives ``2 / (2k(0) + 1)`` for Minnaert
        (2/3 for Lambert) and 1 for Lommel-Seeliger.
        """
        if self.model == "lambert":
            return 2.0 / 3.0
        if self.model == "lommel-seeliger":
            return 1.0
        return 2.0 / (2.0 * float(self.k_at(filter_name, 0.0)) + 1.0)


def bright_limb_falloff(photometry: Photometry, filter_name: str, phase_deg: float, inner: float = 0.9,
                        outer: float = 0.995) -> float:
    """Fractional drop of I/F from ``inner`` to ``outer`` of the radius along the bright limb's radius.

    A sphere seen at phase angle ``phase_deg``, uniform albedo: on the radius towards the Sun in the image,
    a point at projected distance ``r`` has emission ``e = asin(r)`` and incidence ``e - phase``. Returns
    ``1 - I/F(outer) / I/F(inner)`` (issue #13 measured 13-19 % on real JunoCam images).
    """
    alpha = np.radians(float(phase_deg))
    e = np.arcsin(np.array([inner, outer], dtype=np.float64))
    iof = photometry.iof(np.ones(2), np.cos(e - alpha), np.cos(e), np.full(2, np.cos(alpha)), filter_name)
    return float(1.0 - iof[1] / iof[0])


def disk_phase_function(photometry: Photometry, filter_name: str, phase_deg: float, n: int = 801) -> float:
    """Disk-integrated brightness of a uniform sphere at ``phase_deg``, relative to zero phase (numerical).

    The planet's reflected flux ``(1/pi R^2) integral of I/F over the projected disk`` divided by its value at
    zero phase; a Lambert sphere gives ``(sin g + (pi - g) cos g) / pi``. ``n`` grid points per axis.
    """
    def flux(alpha):
        x, y = np.meshgrid(np.linspace(-1.0, 1.0, n), np.linspace(-1.0, 1.0, n))
        inside = x * x + y * y < 1.0
        z = np.sqrt(np.where(inside, 1.0 - x * x - y * y, 0.0))       # normal; observer along +z
        cos_i = x * np.sin(alpha) + z * np.cos(alpha)                  # Sun at phase alpha in the x-z plane
        iof = photometry.iof(1.0, np.where(inside, cos_i, 0.0), np.where(inside, z, 0.0), np.cos(alpha),
                             filter_name)
        return float(np.sum(iof))
    return flux(np.radians(float(phase_deg))) / flux(0.0)

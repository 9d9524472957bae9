"""Photometry: the radiance factor I/F leaving a surface point, from its normal albedo and the angles.

Normal albedo ``A_n`` is the I/F at normal incidence and emission (``i = e = 0``, so zero phase). Every model
here keeps that limit exactly, is 0 on the night side (``cos i <= 0``) and where the surface faces away from
the observer (``cos e <= 0``), and reaches 0 continuously at the terminator:

* ``"minnaert"`` (default): ``I/F = A_n Phi(g) cos(i)^k(g) cos(e)^(k(g)-1) exp(-tau(g) (1/cos i + 1/cos e - 2))``
  at phase angle ``g``: a Minnaert cloud under an absorbing layer of vertical optical depth ``tau`` (the
  two-way slant path, normalised to 1 at ``i = e = 0``; ``tau = 0`` is plain Minnaert). ``cos(i)^k`` falls to 0
  smoothly as the incidence approaches 90 deg, so the terminator is a continuous ramp, not a step. ``k = 1`` is
  Lambert. ``k(g)`` and ``tau(g)`` are per-filter tables over phase (linear in between, held beyond the last
  node), and ``Phi(g)`` a phase multiplier (a Henyey-Greenstein term times a table over phase) normalised to
  ``Phi(0) = 1``, so the zero-phase disk average (the geometric albedo) depends on ``k(0)`` and ``tau(0)``
  only. Its bidirectional reflectance ``(I/F)/cos i`` is symmetric in ``i`` and ``e`` at a given phase:
  reciprocal for every table.
* ``"lambert"``: ``I/F = A_n cos i`` (no phase dependence beyond ``i``).
* ``"lommel-seeliger"``: ``I/F = A_n 2 cos i / (cos i + cos e)`` (reciprocal, no limb darkening at zero
  phase, no phase function).

A ``cos_phase`` of ``None`` means zero phase (``k(0)``, ``Phi = 1``): callers that have the phase angle pass it.

Defaults per band and where they come from: :mod:`scenes.photometry_data` (each number with its source):

* ``k(g)``: from 5 deg on, each band's Hubble OPAL k near opposition (0.950 / 0.968 / 0.999 BLUE / GREEN / RED)
  up to ~85 deg, where a line rises above it, 0.19 per 10 deg, to 1.29-1.32 at 103 deg, the largest phase of the
  mission's PJ32 maps of JNCE_2021052_32C00054 it is fitted to (decompanded, 70-103 deg, drawn as the mission
  draws them: their bright-limb falloff; ``benchmarks.map_photometry``); held beyond (Pioneer's limb curves want
  no further darkening: Dyudina et al. 2016 found k ~ 1 a
  fair description to 150 deg). At exactly 0 deg every band keeps k 0.64 and no layer: the anchor of the scene's
  albedo calibration (``scenes.jupiter.ALBEDO_SCALE``), which ``Phi`` carries to every other phase.
* ``tau(g)``: an absorbing layer of optical depth 0.024 / 0.023 / 0.026 from 5 deg on (the PJ32 maps' free fit
  gives 0.024-0.042), which keeps the bright limb darkening at 70-85 deg. METHANE keeps a constant k
  0.6 and no layer (assumption).
* ``Phi(g)``: a tabulated multiplier per band (``phase_table``) that makes each band's disk-integrated phase
  curve Mayorga et al. 2016's Cassini GRN curve (as in the Astronomical Almanac, Mallama & Hilton 2018);
  METHANE keeps a Henyey-Greenstein multiplier of asymmetry 0.086 (assumption).

All of it is configurable: ``minnaert_k`` per filter (a number = constant k, or ``((phase_deg, k), ...)``),
``haze_tau`` per filter (a number or ``((phase_deg, tau), ...)``; 0 = plain Minnaert),
``phase_g`` per filter (Henyey-Greenstein asymmetry, 0 = none) and ``phase_table`` per filter
(``((phase_deg, Phi), ...)`` with ``Phi = 1`` at 0 deg, or ``None`` = none); both multipliers apply together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scenes.errors import SceneError
from scenes.filters import FILTERS, check_filter
from scenes.photometry_data import (GREEN_K_TABLE, HAZE_HEIGHT_KM, JUPITER_RADIUS_KM, METHANE_K, METHANE_PHASE_G,
                                     PHASE_TABLES, fitted_k_table, fitted_tau_table)

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; numpy is the fallback
    numba = None

AVAILABLE = numba is not None and not numba.config.DISABLE_JIT   # compiled I/F loop (tests set it False to use the numpy expressions)
_MODEL_CODES = {"lambert": 0, "lommel-seeliger": 1, "minnaert": 2}

BROADBAND_K_TABLE = GREEN_K_TABLE   # the GREEN table (name kept for callers of the one-table default)


def _iof_loop(albedo, cos_i, cos_e, cos_g, model, phases, ks, g, table_phases, table_values, tau_phases,
              tau_values, q, out):
    """I/F per point (same formulas as :meth:`Photometry.iof`; Minnaert as ``(mu0 mu)^k / mu``, one power).

    Points run in chunks of :data:`_CHUNK` (the parallel tasks); within a chunk each table lookup starts its
    segment search where the previous point's ended (neighbouring pixels have nearly the same phase), which
    finds the same segment as a search from the start without its unpredictable branches."""
    n_nodes = phases.shape[0]
    n_table = table_phases.shape[0]
    n_tau = tau_phases.shape[0]
    norm = (1.0 + g) * (1.0 + g)
    n = out.shape[0]
    for chunk in numba.prange((n + _CHUNK - 1) // _CHUNK):
        seg_k, seg_phi, seg_tau = 1, 1, 1
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
                    tau, seg_tau = _interp(alpha, tau_phases, tau_values, n_tau, seg_tau)
                    if tau > 0.0:
                        value *= np.exp(-tau * (_air_mass_loop(mu0, q) + _air_mass_loop(mu, q) - 2.0))
                out[j] = albedo[j] * value
            else:
                out[j] = 0.0


_CHUNK = 4096   # points per parallel task of _iof_loop (the result does not depend on it)


def _air_mass(mu, q):
    """Slant path through a thin spherical shell of thickness ``R / q`` at cosine ``mu`` (1 at ``mu = 1``, the
    plane-parallel ``1 / mu`` for ``q mu >> 1``, ``sqrt(2 q + 1)`` at the limb): ``sqrt(q^2 mu^2 + 2 q + 1) - q mu``,
    written without the cancellation."""
    return (2.0 * q + 1.0) / (np.sqrt(q * q * mu * mu + 2.0 * q + 1.0) + q * mu)


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
    _air_mass_loop = numba.njit(cache=True, nogil=True, inline="always")(_air_mass)
    _iof_loop = numba.njit(cache=True, nogil=True, parallel=True)(_iof_loop)
else:  # pragma: no cover - without numba the loop is not called
    _air_mass_loop = _air_mass

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
    return {"BLUE": fitted_k_table("BLUE"), "GREEN": fitted_k_table("GREEN"), "RED": fitted_k_table("RED"),
            "METHANE": METHANE_K}


def _default_tau() -> dict:
    return {"BLUE": fitted_tau_table("BLUE"), "GREEN": fitted_tau_table("GREEN"), "RED": fitted_tau_table("RED"),
            "METHANE": 0.0}


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


def _phase_rows(key: str, name: str, value, valid, expected: str) -> tuple:
    """``((phase_deg, x), ...)`` from a number (constant) or a table whose values pass ``valid``;
    :class:`SceneError` naming ``key`` when invalid."""
    if np.ndim(value) == 0:
        rows = ((0.0, value),)
    else:
        rows = tuple(tuple(row) for row in value)
    try:
        table = np.array(rows, dtype=np.float64).reshape(-1, 2)
    except (TypeError, ValueError):
        raise SceneError(f"{key} {value!r} for {name} must be a number or a table of (phase_deg, value) pairs")
    phases, values = table[:, 0], table[:, 1]
    if len(table) == 0 or not (np.all(np.isfinite(table)) and np.all(valid(values))):
        raise SceneError(f"{key} {value!r} for {name} must be {expected}")
    if phases[0] < 0.0 or phases[-1] > 180.0 or np.any(np.diff(phases) <= 0.0):
        raise SceneError(f"{key} phases {phases.tolist()} for {name} must increase within [0, 180] deg")
    return tuple((float(a), float(x)) for a, x in table)


def _k_table(name: str, value) -> tuple:
    """``((phase_deg, k), ...)`` from a number (constant) or a table; :class:`SceneError` when invalid."""
    return _phase_rows("minnaert_k", name, value, lambda k: (k > 0.0) & (k <= 2.0), "in (0, 2]")


def _tau_table(name: str, value) -> tuple:
    """``((phase_deg, tau), ...)`` from a number (constant) or a table; :class:`SceneError` when invalid."""
    return _phase_rows("haze_tau", name, value, lambda t: (t >= 0.0) & (t <= 1.0), "in [0, 1]")


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
    haze_tau : dict
        Vertical optical depth in [0, 1] of an absorbing layer above the Minnaert cloud, per filter
        (``"minnaert"`` only): a number or a table ``((phase_deg, tau), ...)`` like ``minnaert_k``; the I/F is
        multiplied by ``exp(-tau (X(cos i) + X(cos e) - 2))`` (1 at ``i = e = 0``), ``X`` the slant path through a
        spherical shell ``haze_height_km`` thick (``1 / cos`` away from the limb, at most ~22 at it by
        default). Filters not
        given keep the defaults (the PJ32 fit, :mod:`scenes.photometry_data`); 0 = none.
    haze_height_km : float
        Thickness of the absorbing layer (km), which bounds its slant path at the limb and the terminator
        (default :data:`scenes.photometry_data.HAZE_HEIGHT_KM`, an assumption).
    """

    model: str = "minnaert"
    minnaert_k: dict = field(default_factory=_default_k)
    phase_g: dict = field(default_factory=_default_g)
    phase_table: dict = field(default_factory=_default_phase_tables)
    haze_tau: dict = field(default_factory=_default_tau)
    haze_height_km: float = HAZE_HEIGHT_KM

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
        taus = {name: _tau_table(name, value) for name, value in _default_tau().items()}
        for name, value in dict(self.haze_tau).items():
            taus[check_filter(name)] = _tau_table(name, value)
        object.__setattr__(self, "haze_tau", taus)
        if not 0.0 < float(self.haze_height_km) <= 1000.0:
            raise SceneError(f"haze_height_km {self.haze_height_km!r} must be in (0, 1000] km")

    @property
    def layer_q(self) -> float:
        """Jupiter's equatorial radius over the absorbing layer's thickness (``_air_mass``'s ``q``)."""
        return JUPITER_RADIUS_KM / float(self.haze_height_km)

    def k_at(self, filter_name: str, phase_deg) -> np.ndarray:
        """Minnaert exponent of ``filter_name`` at ``phase_deg`` (array, deg)."""
        table = np.array(self.minnaert_k[check_filter(filter_name)])
        return np.interp(phase_deg, table[:, 0], table[:, 1])

    def tau_at(self, filter_name: str, phase_deg) -> np.ndarray:
        """Optical depth of the absorbing layer of ``filter_name`` at ``phase_deg`` (array, deg)."""
        table = np.array(self.haze_tau[check_filter(filter_name)])
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
            tau = np.array(self.haze_tau[name])
            out = np.empty(a.shape)
            _iof_loop(a, mu0, mu, np.ascontiguousarray(np.broadcast_to(cg, a.shape)), _MODEL_CODES[self.model],
                      np.ascontiguousarray(table[:, 0]), np.ascontiguousarray(table[:, 1]),
                      float(self.phase_g[name]), np.ascontiguousarray(phi[:, 0]), np.ascontiguousarray(phi[:, 1]),
                      np.ascontiguousarray(tau[:, 0]), np.ascontiguousarray(tau[:, 1]), self.layer_q, out)
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
            alpha = np.degrees(np.arccos(c))
            value = minnaert_law(mu0c, muc, self.k_at(name, alpha)) * self.phase_multiplier(name, c)   # mu0^k mu^(k-1) Phi
            path = _air_mass(mu0c, self.layer_q) + _air_mass(muc, self.layer_q) - 2.0
            value = value * np.exp(-self.tau_at(name, alpha) * path)

        return np.where(lit, a * value, 0.0)

    def disk_factor(self, filter_name: str) -> float:
        """Geometric albedo / normal albedo of a uniform sphere at zero phase (analytic; for reference).

        At zero phase ``i = e``; integrating I/F over the projected disk gives ``2 / (2k(0) + 1)`` for Minnaert
        (2/3 for Lambert) and 1 for Lommel-Seeliger. With an absorbing layer at zero phase (``haze_tau`` > 0 at
        0 deg; not the default) the Minnaert integral ``2 int_0^1 mu^2k exp(-2 tau (X(mu) - 1)) dmu`` is
        evaluated numerically.
        """
        if self.model == "lambert":
            return 2.0 / 3.0
        if self.model == "lommel-seeliger":
            return 1.0
        k, tau = float(self.k_at(filter_name, 0.0)), float(self.tau_at(filter_name, 0.0))
        if tau == 0.0:
            return 2.0 / (2.0 * k + 1.0)
        mu = np.linspace(0.0, 1.0, 20001)[1:]
        f = 2.0 * mu ** (2.0 * k) * np.exp(-2.0 * tau * (_air_mass(mu, self.layer_q) - 1.0))
        return float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(mu)) + 0.5 * f[0] * mu[0])


def bright_limb_falloff(photometry: Photometry, filter_name: str, phase_deg: float, inner: float = 0.9,
                        outer: float = 0.995) -> float:
    """Fractional drop of I/F from ``inner`` to ``outer`` of the radius along the bright limb's radius.

    A sphere seen at phase angle ``phase_deg``, uniform albedo: on the radius towards the Sun in the image,
    a point at projected distance ``r`` has emission ``e = asin(r)`` and incidence ``e - phase``. Returns
    ``1 - I/F(outer) / I/F(inner)`` (an idealised figure; on maps, ``benchmarks.map_photometry``).
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

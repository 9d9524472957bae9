"""Photometry: the radiance factor I/F leaving a surface point, from its normal albedo and the angles.

Normal albedo ``A_n`` is the I/F at normal incidence and emission (``i = e = 0``). Every model here keeps
that limit exactly, is 0 on the night side (``cos i <= 0``) and where the surface faces away from the
observer (``cos e <= 0``), and reaches 0 continuously at the terminator:

* ``"minnaert"`` (default): ``I/F = A_n cos(i)^k cos(e)^(k-1)``. ``cos(i)^k`` falls to 0 smoothly as the
  incidence approaches 90 deg, so the terminator is a continuous ramp, not a step. ``k = 1`` is Lambert.
  Its bidirectional reflectance ``(I/F)/cos i = A_n (cos i cos e)^(k-1)`` is symmetric in ``i`` and ``e``:
  reciprocal for every ``k``.
* ``"lambert"``: ``I/F = A_n cos i``.
* ``"lommel-seeliger"``: ``I/F = A_n 2 cos i / (cos i + cos e)`` (reciprocal, no limb darkening at zero
  phase).

The phase angle is accepted for the interface (models with phase functions) but the three models above do
not depend on it beyond ``i`` and ``e``.

Minnaert k per filter: facts.md ("Limb darkening") found no published per-band value; processors use
``cos(i)^0.875``. We use 0.875 in BLUE, GREEN and RED (that value) and 0.6 in METHANE (assumption: in the
methane band the signal comes from high hazes, which limb-darken much less). Both are configurable fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scenes.errors import SceneError
from scenes.filters import check_filter

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; numpy is the fallback
    numba = None

AVAILABLE = numba is not None and not numba.config.DISABLE_JIT   # compiled I/F loop (tests set it False to use the numpy expressions)
_MODEL_CODES = {"lambert": 0, "lommel-seeliger": 1, "minnaert": 2}


def _iof_loop(albedo, cos_i, cos_e, model, k, out):
    """I/F per point (same formulas as :meth:`Photometry.iof`; Minnaert as ``(mu0 mu)^k / mu``, one power)."""
    for j in numba.prange(out.shape[0]):
        mu0, mu = cos_i[j], cos_e[j]
        if mu0 > 0.0 and mu > 0.0:
            if model == 0:
                value = mu0
            elif model == 1:
                value = 2.0 * mu0 / (mu0 + mu)
            else:
                value = (mu0 * mu) ** k / mu
            out[j] = albedo[j] * value
        else:
            out[j] = 0.0


if numba is not None:
    _iof_loop = numba.njit(cache=True, nogil=True, parallel=True)(_iof_loop)

# Below this many points the loop's thread start-up costs more than numpy.
COMPILED_MIN_POINTS = 4096

PHOTOMETRY_MODELS = ("minnaert", "lambert", "lommel-seeliger")


def _default_k() -> dict[str, float]:
    # facts.md "Jupiter" limb darkening: processors use cos(i)^0.875 (BLUE/GREEN/RED);
    # METHANE 0.6 is an assumption (high-haze reflection, weak limb darkening).
    return {"BLUE": 0.875, "GREEN": 0.875, "RED": 0.875, "METHANE": 0.6}


@dataclass(frozen=True)
class Photometry:
    """A photometric model: ``iof(albedo, cos_i, cos_e, cos_phase, filter)`` -> I/F.

    Parameters
    ----------
    model : str
        One of :data:`PHOTOMETRY_MODELS`.
    minnaert_k : dict
        Minnaert exponent per filter (used by ``"minnaert"`` only), each in (0, 2].
    """

    model: str = "minnaert"
    minnaert_k: dict = field(default_factory=_default_k)

    def __post_init__(self) -> None:
        model = str(self.model).lower()
        if model not in PHOTOMETRY_MODELS:
            raise SceneError(f"photometry model {self.model!r} is not one of {', '.join(PHOTOMETRY_MODELS)}")
        object.__setattr__(self, "model", model)
        ks = _default_k()
        for name, value in dict(self.minnaert_k).items():
            k = float(value)
            if not (0.0 < k <= 2.0):
                raise SceneError(f"minnaert_k {value!r} for {name} must be in (0, 2]")
            ks[check_filter(name)] = k
        object.__setattr__(self, "minnaert_k", ks)

    def iof(self, albedo, cos_i, cos_e, cos_phase=None, filter_name: str = "GREEN") -> np.ndarray:
        """Radiance factor I/F (same shape as the broadcast inputs, float64).

        Parameters
        ----------
        albedo : array
            Normal albedo (I/F at ``i = e = 0``).
        cos_i, cos_e : array
            Cosines of the incidence and emission angles.
        cos_phase : array or None
            Cosine of the phase angle (unused by these models; kept for the interface).
        filter_name : str
            Filter (selects the Minnaert k).
        """
        name = check_filter(filter_name)
        a = np.asarray(albedo, dtype=np.float64)
        mu0 = np.asarray(cos_i, dtype=np.float64)
        mu = np.asarray(cos_e, dtype=np.float64)
        if AVAILABLE and a.ndim == 1 and a.shape == mu0.shape == mu.shape and a.size >= COMPILED_MIN_POINTS:
            out = np.empty(a.shape)
            _iof_loop(a, mu0, mu, _MODEL_CODES[self.model], float(self.minnaert_k[name]), out)
            return out
        lit = (mu0 > 0.0) & (mu > 0.0)
        mu0c = np.where(lit, mu0, 1.0)
        muc = np.where(lit, mu, 1.0)
        if self.model == "lambert":
            value = mu0c
        elif self.model == "lommel-seeliger":
            value = 2.0 * mu0c / (mu0c + muc)
        else:
            k = self.minnaert_k[name]
            value = (mu0c * muc) ** k / muc          # = mu0^k mu^(k - 1), one power

        return np.where(lit, a * value, 0.0)

    def disk_factor(self, filter_name: str) -> float:
        """Geometric albedo / normal albedo of a uniform sphere at zero phase (analytic; for reference).

        At zero phase ``i = e``; integrating I/F over the projected disk gives ``2 / (2k + 1)`` for Minnaert
        (2/3 for Lambert) and 1 for Lommel-Seeliger.
        """
        if self.model == "lambert":
            return 2.0 / 3.0
        if self.model == "lommel-seeliger":
            return 1.0
        return 2.0 / (2.0 * self.minnaert_k[check_filter(filter_name)] + 1.0)


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

"""JunoCam's optics: focal length, pixel pitch, radial distortion and the per-filter optical centre.

All defaults are the flight instrument kernel's values (``juno_junocam_v03.ti``, facts.md "Camera
geometry"). The kernel's recipe, in pixel units::

    c = (x - cx, y - cy)                 # framelet pixel -> offset from the optical centre
    distort(c)   = c * (1 + k1 r^2 + k2 r^4),   r^2 = c0^2 + c1^2
    undistort(d) = the c with distort(c) = d
    ray          = (c0, c1, f)           # JUNO_JUNOCAM frame, f = FOCAL_LENGTH / PIXEL_SIZE

The kernel's own ``undistort`` runs 5 fixed-point iterations. Here the radial equation
``r (1 + k1 r^2 + k2 r^4) = r_d`` is solved by Newton's method to a tolerance instead
(:attr:`Optics.undistort_tolerance_px`, 1e-10 px). Measured against the converged solution, the kernel's
5 iterations fall short by up to 7.5e-7 px at the photoactive line ends of the framelets (columns 23.5
and 1630.5; 7.5e-7 GREEN, 7.5e-7 BLUE, 7.0e-7 RED, 6.7e-7 METHANE) and by at most 8.0e-7 px anywhere on
the full 1648 x 1200 CCD (the worst point is ~758 px from the optical centre; the fixed-point error is not
monotonic in radius). So the kernel's recipe is just inside 1e-6 px with the flight coefficients; with
larger injected coefficients it is not, which is why the model iterates to a tolerance.
``tests/test_optics.py`` asserts these numbers; :meth:`Optics.kernel_undistort_shortfall_px`
recomputes them.

Speed: with numba the Newton iteration and the ray normalisation run as compiled loops
(:func:`_newton_scale`, :func:`_unit_rays`) doing per element exactly the numpy code's operations in its order,
including the shared iteration count (every point iterates until all have converged, as the whole-array
numpy loop does), so the results are the same bytes; :func:`_newton_scale_numpy` is that numpy code, the
fallback without numba and the tests' reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

import math

import numpy as np

from instrument_models.errors import InstrumentError

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency; the numpy path is the fallback
    numba = None

FILTERS: tuple[str, ...] = ("METHANE", "BLUE", "GREEN", "RED")  # CCD order top to bottom (ISIS addendum)

# Distortion coefficients in pixel units: INS-6150#_DISTORTION_K1/K2 (juno_junocam_v03.ti).
FLIGHT_K1 = -5.9624209455667325e-08
FLIGHT_K2 = 2.7381910042256151e-14
# INS-6150#_DISTORTION_Y per filter (juno_junocam_v03.ti); the whole camera -61500 has 78.48.
FLIGHT_CY_PX = MappingProxyType({"METHANE": 315.48, "BLUE": 158.48, "GREEN": 3.48, "RED": -151.52})

# The kernel's undistort uses exactly this many fixed-point iterations (juno_junocam_v03.ti recipe).
KERNEL_UNDISTORT_ITERATIONS = 5


def normalize_filter(name: str) -> str:
    """Return the upper-cased filter name, or raise :class:`InstrumentError` naming the four valid ones."""
    if isinstance(name, str) and name.strip().upper() in FILTERS:
        return name.strip().upper()
    raise InstrumentError(f"unknown JunoCam filter {name!r}; expected one of {', '.join(FILTERS)}")


def check_summing(summing: int) -> int:
    """Return ``summing`` if it is 1 or 2 (PDS SAMPLING_FACTOR), else raise :class:`InstrumentError`."""
    if isinstance(summing, (bool, np.bool_)) or summing not in (1, 2):
        raise InstrumentError(f"pixel summing {summing!r} is not supported; expected 1 or 2")
    return int(summing)


@dataclass(frozen=True)
class Optics:
    """The camera's optics as the flight kernel defines them (one lens, four filter strips).

    Attributes
    ----------
    focal_length_mm : INS-6150#_FOCAL_LENGTH (juno_junocam_v03.ti), the same for every filter.
    pixel_pitch_mm : INS-6150#_PIXEL_SIZE (juno_junocam_v03.ti).
    k1, k2 : radial distortion in pixel units, INS-6150#_DISTORTION_K1/K2.
    cx : optical centre sample, INS-6150#_DISTORTION_X (814.21 for every filter).
    cy : optical centre line per filter in framelet coordinates, INS-6150#_DISTORTION_Y.
    camera_cy : INS-61500_DISTORTION_Y of the whole-camera ID (kept for writing kernels).
    undistort_tolerance_px : Newton iterations stop when the step is below this (assumption: 1e-10 px,
        well under the 1e-6 px the project requires).
    undistort_max_iterations : safety bound on Newton iterations (assumption).
    """

    focal_length_mm: float = 10.95637
    pixel_pitch_mm: float = 0.0074
    k1: float = FLIGHT_K1
    k2: float = FLIGHT_K2
    cx: float = 814.21
    cy: Mapping[str, float] = field(default_factory=lambda: dict(FLIGHT_CY_PX))
    camera_cy: float = 78.48
    undistort_tolerance_px: float = 1e-10
    undistort_max_iterations: int = 50

    def __post_init__(self) -> None:
        if not (np.isfinite(self.focal_length_mm) and self.focal_length_mm > 0):
            raise InstrumentError(f"focal length {self.focal_length_mm!r} mm is invalid; expected > 0")
        if not (np.isfinite(self.pixel_pitch_mm) and self.pixel_pitch_mm > 0):
            raise InstrumentError(f"pixel pitch {self.pixel_pitch_mm!r} mm is invalid; expected > 0")
        if not (np.isfinite(self.k1) and np.isfinite(self.k2)):
            raise InstrumentError(f"distortion coefficients k1={self.k1!r}, k2={self.k2!r} must be finite")
        missing = [f for f in FILTERS if f not in self.cy]
        if missing:
            raise InstrumentError(f"optical centre line (DISTORTION_Y) missing for {', '.join(missing)}")
        object.__setattr__(self, "cy", MappingProxyType({f: float(self.cy[f]) for f in FILTERS}))

    def __hash__(self) -> int:
        return hash((self.focal_length_mm, self.pixel_pitch_mm, self.k1, self.k2, self.cx,
                     tuple(self.cy.values()), self.camera_cy))

    @property
    def focal_length_px(self) -> float:
        """Focal length in pixels, FOCAL_LENGTH / PIXEL_SIZE (1480.59 px for the flight values)."""
        return self.focal_length_mm / self.pixel_pitch_mm

    @property
    def ifov_rad(self) -> float:
        """Instantaneous field of view of one pixel at the optical centre (rad), 1 / focal_length_px."""
        return 1.0 / self.focal_length_px

    def with_distortion(self, k1: float, k2: float) -> "Optics":
        """A copy with other distortion coefficients (for injected calibration errors)."""
        return replace(self, k1=float(k1), k2=float(k2), cy=dict(self.cy))

    # --- distortion in offsets from the optical centre (pixel units) ---------------------------------

    def distort(self, c0, c1):
        """Ideal (undistorted) offsets -> distorted offsets, the kernel's ``distort``.

        Parameters
        ----------
        c0, c1 : array_like, broadcastable; offsets from the optical centre in pixels.

        Returns
        -------
        d0, d1 : ndarray of the broadcast shape, distorted offsets in pixels.
        """
        c0, c1 = np.broadcast_arrays(np.asarray(c0, dtype=float), np.asarray(c1, dtype=float))
        r2 = c0 * c0 + c1 * c1
        dr = 1.0 + self.k1 * r2 + self.k2 * r2 * r2
        return c0 * dr, c1 * dr

    def undistort(self, d0, d1):
        """Distorted offsets -> ideal offsets, converged to :attr:`undistort_tolerance_px`.

        Solves the radial equation ``r (1 + k1 r^2 + k2 r^4) = r_d`` by Newton's method on the whole
        array at once, then scales the offsets by ``r / r_d``. Points where the iteration does not
        converge (only possible for injected coefficients that make the distortion non-monotonic)
        come back as NaN.

        Parameters
        ----------
        d0, d1 : array_like, broadcastable; distorted offsets from the optical centre in pixels.

        Returns
        -------
        c0, c1 : ndarray of the broadcast shape, undistorted offsets in pixels.
        """
        d0, d1 = np.broadcast_arrays(np.asarray(d0, dtype=float), np.asarray(d1, dtype=float))
        scale = self._undistort_scale(d0, d1)
        return d0 * scale, d1 * scale

    def _undistort_scale(self, d0: np.ndarray, d1: np.ndarray) -> np.ndarray:
        """``r / r_d`` per point (1 at the centre, NaN where Newton fails) for same-shape float64 offsets."""
        args = (self.k1, self.k2, self.undistort_tolerance_px, int(self.undistort_max_iterations))
        if numba is None:  # pragma: no cover - numba is a declared dependency
            return _newton_scale_numpy(d0, d1, *args)
        return _newton_scale(np.ravel(d0), np.ravel(d1), *args).reshape(d0.shape)

    def undistort_kernel(self, d0, d1, iterations: int = KERNEL_UNDISTORT_ITERATIONS):
        """The flight kernel's ``undistort``: a fixed number of fixed-point iterations (for comparison)."""
        d0, d1 = np.broadcast_arrays(np.asarray(d0, dtype=float), np.asarray(d1, dtype=float))
        x, y = d0, d1
        for _ in range(iterations):
            r2 = x * x + y * y
            dr = 1.0 + self.k1 * r2 + self.k2 * r2 * r2
            x, y = d0 / dr, d1 / dr
        return x, y

    def kernel_undistort_shortfall_px(self, d0, d1):
        """How far the kernel's 5-iteration undistort lands from the converged one (pixels, per point)."""
        a0, a1 = self.undistort_kernel(d0, d1)
        b0, b1 = self.undistort(d0, d1)
        return np.hypot(a0 - b0, a1 - b1)

    # --- framelet pixels <-> rays ---------------------------------------------------------------------

    def pixel_to_ray(self, filter_name: str, sample, line):
        """Unsummed framelet pixel coordinates -> unit rays in JUNO_JUNOCAM.

        Parameters
        ----------
        filter_name : one of :data:`FILTERS` (case-insensitive).
        sample, line : array_like, broadcastable; continuous framelet coordinates in unsummed pixels,
            (0, 0) the framelet's upper-left corner, pixel (i, j) centred at (i + 0.5, j + 0.5).

        Returns
        -------
        rays : ndarray (..., 3), unit vectors in the JUNO_JUNOCAM frame.
        """
        f = normalize_filter(filter_name)
        sample, line = np.broadcast_arrays(np.asarray(sample, dtype=float), np.asarray(line, dtype=float))
        d0, d1 = sample - self.cx, line - self.cy[f]
        scale = self._undistort_scale(d0, d1)
        if numba is None:  # pragma: no cover - numba is a declared dependency
            v = np.stack([d0 * scale, d1 * scale, np.full(d0.shape, self.focal_length_px)], axis=-1)
            return v / np.linalg.norm(v, axis=-1, keepdims=True)
        rays = _unit_rays(np.ravel(d0), np.ravel(d1), np.ravel(scale), self.focal_length_px)
        return rays.reshape(d0.shape + (3,))

    def ray_to_pixel(self, filter_name: str, rays):
        """Rays in JUNO_JUNOCAM -> unsummed framelet pixel coordinates.

        Parameters
        ----------
        filter_name : one of :data:`FILTERS` (case-insensitive).
        rays : array_like (..., 3); any length. Rays with z <= 0 (at or behind the image plane's
            horizon) give NaN, never a mirrored pixel.

        Returns
        -------
        sample, line : ndarray (...), continuous unsummed framelet coordinates (may lie outside the
            framelet; callers test the bounds they need).
        """
        f = normalize_filter(filter_name)
        v = np.asarray(rays, dtype=float)
        if v.shape[-1:] != (3,):
            raise InstrumentError(f"rays must have a last axis of length 3; got shape {v.shape}")
        z = v[..., 2]
        front = z > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(front, self.focal_length_px / np.where(front, z, 1.0), np.nan)
        d0, d1 = self.distort(v[..., 0] * scale, v[..., 1] * scale)
        return d0 + self.cx, d1 + self.cy[f]


def _newton_scale_numpy(d0: np.ndarray, d1: np.ndarray, k1: float, k2: float, tolerance_px: float,
                        max_iterations: int) -> np.ndarray:
    """``r / r_d`` of :meth:`Optics.undistort` on whole arrays (numpy): Newton on
    ``r (1 + k1 r^2 + k2 r^4) = r_d`` from ``r = r_d`` until every point's step is below the tolerance
    (or not finite); NaN where a point did not converge or left the monotonic branch."""
    rd = np.hypot(d0, d1)
    r = rd.copy()
    converged = np.zeros(rd.shape, dtype=bool)
    for _ in range(max_iterations):
        r2 = r * r
        g = r * (1.0 + k1 * r2 + k2 * r2 * r2) - rd
        dg = 1.0 + 3.0 * k1 * r2 + 5.0 * k2 * r2 * r2
        with np.errstate(divide="ignore", invalid="ignore"):
            step = g / dg
        r = r - step
        converged = np.abs(step) <= tolerance_px
        if np.all(converged | ~np.isfinite(step)):
            break
    # A valid solution is finite, non-negative and on the monotonic branch (dg > 0).
    r2 = r * r
    ok = converged & np.isfinite(r) & (r >= 0) & (1.0 + 3.0 * k1 * r2 + 5.0 * k2 * r2 * r2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(rd > 0, r / rd, 1.0)
    return np.where(ok, scale, np.nan)


def _jit(fn):
    return numba.njit(cache=True, nogil=True, error_model="numpy")(fn) if numba is not None else fn


@_jit
def _newton_scale(d0, d1, k1, k2, tolerance_px, max_iterations):
    """:func:`_newton_scale_numpy` as compiled loops over flat (n,) offsets: the same operations per point
    in the same order (``3.0 * k1`` and ``5.0 * k2`` are formed first, as Python does), the same shared stop.
    Each pass is a branch-free loop (it vectorises) keeping the steps; the stop test and the final
    convergence flags read the last pass's steps, as numpy's ``converged`` does."""
    n = d0.size
    rd = np.empty(n)
    r = np.empty(n)
    step = np.full(n, np.nan)            # no pass yet: nothing converged
    for i in range(n):
        rd[i] = math.hypot(d0[i], d1[i])
        r[i] = rd[i]
    k1_3, k2_5 = 3.0 * k1, 5.0 * k2
    for _ in range(max_iterations):
        for i in range(n):
            ri = r[i]
            r2 = ri * ri
            g = ri * (1.0 + k1 * r2 + k2 * r2 * r2) - rd[i]
            dg = 1.0 + k1_3 * r2 + k2_5 * r2 * r2
            step[i] = g / dg
            r[i] = ri - step[i]
        pending = False                  # a point neither converged nor stopped by a non-finite step
        for i in range(n):
            size = abs(step[i])
            if size > tolerance_px and size < np.inf:
                pending = True
                break
        if not pending:
            break
    scale = np.empty(n)
    for i in range(n):
        ri = r[i]
        r2 = ri * ri
        ok = (abs(step[i]) <= tolerance_px) & (abs(ri) < np.inf) & (ri >= 0) & (1.0 + k1_3 * r2 + k2_5 * r2 * r2 > 0)
        ratio = ri / rd[i] if rd[i] > 0 else 1.0
        scale[i] = ratio if ok else np.nan
    return scale


@_jit
def _unit_rays(d0, d1, scale, focal_px):
    """(n, 3) unit rays ``(c0, c1, f) / |(c0, c1, f)|`` with ``c = d * scale``: numpy's ``norm`` sums the
    squares left to right, and each component is divided by it."""
    n = d0.size
    out = np.empty((n, 3))
    f2 = focal_px * focal_px
    for i in range(n):
        c0 = d0[i] * scale[i]
        c1 = d1[i] * scale[i]
        norm = math.sqrt(c0 * c0 + c1 * c1 + f2)
        out[i, 0] = c0 / norm
        out[i, 1] = c1 / norm
        out[i, 2] = focal_px / norm
    return out

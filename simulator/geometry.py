"""The geometry service: Juno, Jupiter, the Sun and the camera from SPICE, vectorised over time samples.

SPICE is called once per time sample (:meth:`Geometry.sample`, a :class:`GeometrySample` of arrays); everything
per pixel is numpy, replicating SPICE's own algorithms (:meth:`Geometry.intercept` = ``sincpt``,
:meth:`Geometry.illumination` = ``ilumin``, :meth:`Geometry.limb_points` = ``limbpt``: the methods of
:class:`simulator.geometry_replicas.EllipsoidReplicas`, described there). This module holds the SPICE side: the
scoped kernel pool, the per-sample state, the sub-spacecraft point, the kernels' coverage, solar distance and
Earth direction.

The aberration correction (default ``"LT+S"``, what a camera sees) is kept on the object and in every
:class:`GeometrySample` so whoever reports geometry can record it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import spiceypy

from scenes.ellipsoid import Ellipsoid
from simulator.errors import KernelError
from simulator.geometry_replicas import (C_KM_S, MISS_RETRIES, EllipsoidReplicas, Intercept,  # noqa: F401
                                         _unit, remove_stellar_aberration, stellar_aberration)
from simulator.spice import SPICE_LOCK, KernelPool, kernel_files, spice_errors, utc_string

ABERRATION_CORRECTIONS = ("NONE", "LT", "LT+S", "CN", "CN+S")


@dataclass(frozen=True)
class GeometrySample:
    """Geometry at N observer epochs (all arrays have first axis N). Frames and epochs as named."""

    et: np.ndarray              # (N,) observer epochs, TDB s
    abcorr: str                 # the aberration correction these values were computed with
    cam_to_j2000: np.ndarray    # (N,3,3) camera frame -> J2000 at et
    j2000_to_body: np.ndarray   # (N,3,3) J2000 -> body frame at et - lt (target-centre light time)
    body_spin_body: np.ndarray  # (N,3) angular velocity of the body frame w.r.t. J2000, body coords, rad/s
    lt: np.ndarray              # (N,) one-way light time observer <- target centre, s (0 for NONE)
    obs_body: np.ndarray        # (N,3) observer position relative to the target centre, body frame at et - lt
    obs_j2000: np.ndarray       # (N,3) same vector in J2000 (observer at et, target centre at et - lt)
    target_vel_ssb: np.ndarray  # (N,3) target centre's velocity w.r.t. the SSB at et - lt, J2000 km/s
    obs_vel_ssb: np.ndarray     # (N,3) observer's velocity w.r.t. the SSB at et, J2000 (stellar aberration)
    sun_body: np.ndarray        # (N,3) Sun from the target centre, body frame at et - lt, light-time corrected
    sun_j2000: np.ndarray       # (N,3) Sun relative to the observer, J2000, with abcorr

    def __len__(self) -> int:
        return int(self.et.size)

    @property
    def cam_to_body(self) -> np.ndarray:
        """(N,3,3) camera frame -> body frame (body at et - lt)."""
        return self.j2000_to_body @ self.cam_to_j2000


@dataclass(frozen=True)
class SubSpacecraft:
    """Sub-spacecraft point (SPICE ``subpnt`` "NEAR POINT/ELLIPSOID") and altitude (``nearpt`` sense)."""

    lat_pc: np.ndarray       # (N,) planetocentric latitude of the near point, deg
    lat_pg: np.ndarray       # (N,) planetographic latitude (= geodetic latitude of the spacecraft), deg
    lon_w: np.ndarray        # (N,) System III west longitude, deg in [0, 360)
    altitude_km: np.ndarray  # (N,) distance from the near point to the spacecraft, km
    points: np.ndarray       # (N,3) the near points, body frame, km


class Geometry(EllipsoidReplicas):
    """``with Geometry(metakernel, abcorr="LT+S") as geo: s = geo.sample(ets)`` (see the module docstring)."""

    def __init__(self, kernels: str | Path | list, abcorr: str = "LT+S", target: str = "JUPITER",
                 observer: str = "JUNO", camera_frame: str = "JUNO_JUNOCAM", body_frame: str = "IAU_JUPITER"):
        abcorr = abcorr.upper().replace(" ", "")
        if abcorr not in ABERRATION_CORRECTIONS:
            raise KernelError(f"aberration correction {abcorr!r} is not supported; expected one of "
                              f"{', '.join(ABERRATION_CORRECTIONS)}")
        self.abcorr = abcorr
        self.target, self.observer = target, observer
        self.camera_frame, self.body_frame = camera_frame, body_frame
        self.pool = KernelPool(kernels if isinstance(kernels, list) else [kernels])
        self._ids: tuple[int, int] | None = None     # (observer, target) NAIF ids, see _body_ids
        with self.pool, spice_errors(f"the radii of {target}"):
            self.radii_km = tuple(float(r) for r in spiceypy.bodvrd(target, "RADII", 3)[1])
        self.ellipsoid = Ellipsoid(self.radii_km)

    def for_body(self, target: str, body_frame: str, radii_km=None) -> "Geometry":
        """The same service (observer, camera, abcorr, and this object's kernel pool) for another target.

        ``radii_km``: the target's ellipsoid (default its PCK radii); per-pixel methods then replicate
        ``sincpt``/``ilumin`` for that body. SPICE is still called only in :meth:`sample`.
        """
        other = object.__new__(Geometry)
        other.abcorr, other.observer, other.camera_frame = self.abcorr, self.observer, self.camera_frame
        other.target, other.body_frame, other.pool = target, body_frame, self.pool
        other._ids = None
        if radii_km is None:
            with self.pool, spice_errors(f"the radii of {target}"):
                radii_km = spiceypy.bodvrd(target, "RADII", 3)[1]
        other.radii_km = tuple(float(r) for r in radii_km)
        other.ellipsoid = Ellipsoid(other.radii_km)
        return other

    def __enter__(self) -> "Geometry":
        self.pool.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.pool.__exit__(*exc)

    def str2et(self, utc: str | list[str]) -> np.ndarray:
        """UTC strings -> ET (TDB s)."""
        items = [utc] if isinstance(utc, str) else list(utc)
        with self.pool, spice_errors(f"the time {items[0]!r}"):
            return np.array([spiceypy.str2et(u) for u in items])

    # ------------------------------------------------------------------------------------------ per sample
    def _body_ids(self) -> tuple[int, int]:
        """NAIF ids of the observer and the target (``bods2c``), looked up once: the kernel pool is this
        object's own, so the names cannot change meaning. Call inside the pool."""
        if self._ids is None:
            with spice_errors(f"the NAIF ids of {self.observer} and {self.target}"):
                self._ids = (spiceypy.bods2c(self.observer), spiceypy.bods2c(self.target))
        return self._ids

    def sample(self, ets) -> GeometrySample:
        """SPICE geometry at each of the N epochs ``ets`` (one set of SPICE calls per epoch)."""
        ets = np.atleast_1d(np.asarray(ets, dtype=float))
        n = ets.size
        out = {k: np.empty((n, 3, 3)) for k in ("cam_to_j2000", "j2000_to_body")}
        out.update({k: np.empty((n, 3)) for k in ("body_spin_body", "obs_body", "obs_j2000", "target_vel_ssb",
                                                  "obs_vel_ssb", "sun_body", "sun_j2000")})
        lts = np.empty(n)
        lt_corr = "NONE" if not self.uses_lt else self.abcorr.replace("+S", "")
        with SPICE_LOCK, self.pool:      # the renderer's framelet workers call this from several threads
            observer_id, target_id = self._body_ids()
            for i, et in enumerate(ets):
                et = float(et)
                with spice_errors(f"{self.observer}'s geometry relative to {self.target}", et):
                    out["cam_to_j2000"][i] = spiceypy.pxform(self.camera_frame, "J2000", et)
                    obs_ssb = spiceypy.spkssb(observer_id, et, "J2000")
                    tpos, lt = spiceypy.spkezp(target_id, et, "J2000", lt_corr, observer_id)
                    if not self.uses_lt:
                        lt = 0.0
                    t_epoch = et - lt
                    tgt_ssb = spiceypy.spkssb(target_id, t_epoch, "J2000")
                    xf = np.asarray(spiceypy.sxform("J2000", self.body_frame, t_epoch))
                    rot, drot = xf[:3, :3], xf[3:, :3]
                    w_skew = -drot @ rot.T
                    out["body_spin_body"][i] = (w_skew[2, 1], w_skew[0, 2], w_skew[1, 0])
                    out["j2000_to_body"][i] = rot
                    obs_rel = np.asarray(obs_ssb[:3]) - np.asarray(tgt_ssb[:3])
                    out["obs_j2000"][i] = obs_rel
                    out["obs_body"][i] = rot @ obs_rel
                    out["target_vel_ssb"][i] = tgt_ssb[3:]
                    out["obs_vel_ssb"][i] = obs_ssb[3:]
                    sun_corr = lt_corr
                    out["sun_body"][i] = spiceypy.spkpos("SUN", t_epoch, self.body_frame, sun_corr, self.target)[0]
                    out["sun_j2000"][i] = spiceypy.spkpos("SUN", et, "J2000", self.abcorr, self.observer)[0]
                    lts[i] = lt
        return GeometrySample(et=ets, abcorr=self.abcorr, lt=lts, **out)

    # ------------------------------------------------------------------------------------------ summaries
    def sub_spacecraft(self, ets) -> SubSpacecraft:
        """Near-point sub-spacecraft latitude/longitude and altitude at each epoch (``subpnt`` semantics)."""
        ets = np.atleast_1d(np.asarray(ets, dtype=float))
        pts, alt = np.empty((ets.size, 3)), np.empty(ets.size)
        with self.pool:
            for i, et in enumerate(ets):
                with spice_errors(f"the sub-spacecraft point on {self.target}", et):
                    spoint, _epoch, srfvec = spiceypy.subpnt("NEAR POINT/ELLIPSOID", self.target, et,
                                                             self.body_frame, self.abcorr, self.observer)
                pts[i], alt[i] = spoint, np.linalg.norm(srfvec)
        lat_pc, lat_pg, lon_w = self.ellipsoid.lonlat(pts)
        return SubSpacecraft(lat_pc=lat_pc, lat_pg=lat_pg, lon_w=lon_w, altitude_km=alt, points=pts)

    def covered_window(self, et0: float, et1: float) -> tuple[float, float]:
        """The longest part of ``[et0, et1]`` where the loaded SPKs give the observer at ``et`` and the target
        at ``et - lt`` (its light time), so that :meth:`sample` can work there.

        A real image's kernels cover a few minutes; asking for the target at the very first covered instant
        would need it ``lt`` (~0.2-2 s) earlier. Raise :class:`KernelError` naming the coverage when nothing of
        the window is covered.
        """
        with self.pool:
            observer_id, target_id = self._body_ids()
            obs = _spk_window(observer_id)
            tgt = _spk_window(target_id)
            usable = spiceypy.wnintd(obs, tgt)
            lt = 0.0
            if self.uses_lt and spiceypy.wncard(usable):
                a, b = spiceypy.wnfetd(usable, 0)
                with spice_errors(f"the light time from {self.observer} to {self.target}", 0.5 * (a + b)):
                    lt = float(np.linalg.norm(spiceypy.spkezp(target_id, 0.5 * (a + b), "J2000", "NONE",
                                                              observer_id)[0])) / C_KM_S
                shifted = spiceypy.copy(tgt)
                spiceypy.wnexpd(-(1.01 * lt + 1e-3), 1.01 * lt + 1e-3, shifted)   # target needed at et - lt
                usable = spiceypy.wnintd(obs, shifted)
            window = spiceypy.cell_double(8)
            spiceypy.wninsd(float(et0), float(et1), window)
            inside = spiceypy.wnintd(usable, window)
            parts = [spiceypy.wnfetd(inside, j) for j in range(spiceypy.wncard(inside))]
            if not parts:
                spans = "; ".join(f"{utc_string(a)} .. {utc_string(b)}"
                                  for a, b in (spiceypy.wnfetd(usable, j) for j in range(spiceypy.wncard(usable))))
                raise KernelError(f"the loaded kernels do not cover {self.observer} and {self.target} (with "
                                  f"{lt:.2f} s of light time) anywhere in {utc_string(et0)} .. {utc_string(et1)}; "
                                  f"they cover {spans or 'no common time at all'}")
        a, b = max(parts, key=lambda p: p[1] - p[0])
        return float(a), float(b)

    def earth_j2000(self, ets) -> np.ndarray:
        """(N,3) Earth relative to the observer in J2000 (km, with the aberration correction), at ``ets``.

        The only place Earth is read: rendering, products and validation never need an Earth ephemeris
        (a real image's kernels may leave it out); only a command that reports Earth geometry calls this.
        """
        ets = np.atleast_1d(np.asarray(ets, dtype=float))
        out = np.empty((ets.size, 3))
        with self.pool:
            for i, et in enumerate(ets):
                with spice_errors(f"the Earth's direction from {self.observer}", float(et)):
                    out[i] = spiceypy.spkpos("EARTH", float(et), "J2000", self.abcorr, self.observer)[0]
        return out

    def solar_distance_km(self, ets) -> np.ndarray:
        """Distance from the Sun to the target centre (light-time corrected), km."""
        ets = np.atleast_1d(np.asarray(ets, dtype=float))
        out = np.empty(ets.size)
        with self.pool:
            for i, et in enumerate(ets):
                with spice_errors(f"the Sun's distance from {self.target}", et):
                    out[i] = np.linalg.norm(spiceypy.spkpos("SUN", et, "J2000", "LT", self.target)[0])
        return out


def _spk_window(body_id: int):
    """SPICE window: union of the loaded SPK files' coverage of ``body_id`` (empty when none)."""
    cover = spiceypy.cell_double(2000)
    for path in kernel_files("SPK"):
        with spice_errors(f"the coverage of body {body_id} in {path.name}"):
            if body_id in spiceypy.spkobj(str(path)):
                spiceypy.spkcov(str(path), int(body_id), cover)
    return cover


def frame_hit_fractions(geo: Geometry, cam, start_et: float, frames: int, interframe_delay_s: float,
                        tdi: int, filters: tuple[str, ...], grid: int = 16) -> np.ndarray:
    """Fraction of a coarse pixel grid of each framelet that sees the target, at the frames' mid times.

    ``cam`` is an ``instrument_models.junocam.JunoCam``. Returns a (frames, len(filters)) array; a frame
    with a fraction strictly between 0 and 1 has the limb in it.
    """
    samples = np.linspace(23.5, 1630.5, grid)
    lines = np.array([0.5, 64.0, 127.5])
    ss, ll = np.meshgrid(samples, lines)
    mids = np.array([cam.frame_mid_et(start_et, k, interframe_delay_s, tdi) for k in range(frames)], float)
    s = geo.sample(mids)
    out = np.empty((frames, len(filters)))
    for j, f in enumerate(filters):
        rays = np.asarray(cam.pixel_to_ray(f, ss.ravel(), ll.ravel())).reshape(-1, 3)
        for k in range(frames):
            out[k, j] = geo.intercept(rays, s, k).hit.mean()
    return out

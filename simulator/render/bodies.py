"""Scene bodies other than Jupiter (moons as ellipsoids, meshes), overlaid on Jupiter's node samples.

Each extra body of the scene (``scene.bodies[1:]``, e.g. Io, NAIF 501, frame ``IAU_IO``) gets its own
geometry service (``Geometry.for_body``: same kernel pool, observer, camera and aberration correction as
Jupiter's), sampled by SPICE once per time sample, never per pixel: the body's light time, its centre and
orientation at ``et - lt``, the Sun from it, its and Juno's SSB velocities.

Per node (one time sample on a window), after Jupiter's ``sampling.sample_node``:

1. cone test around the body's apparent centre (``sampling.jupiter_cone_mask`` with the body's sample and
   bounding radius): only rays inside it are intersected;
2. pixel centres: ellipsoids by the exact sincpt replica (``grid.exact_intercepts``, ``grid.hit_geometry``
   on the body's geometry: per-ray light time, stellar aberration removed from the ray, ilumin-exact angles
   at each point's epoch);
   meshes by trimesh (``MeshShape.intersect_faces``) in the body frame at the centre's light-time epoch, the
   ray's stellar aberration removed, angles from ``Scene.evaluate`` (no per-point epoch: a 1,000 km body's
   light-time spread of 3 ms moves it < 0.1 km);
3. occlusion by range: a body is visible at a pixel where its range is smaller than Jupiter's (computed exactly
   for the pixels both hit) and than any other body's; there it replaces Jupiter's I/F (the scene's
   photometry with the body's albedo) and, when kept for the truth, the geometry, with ``BODY`` its NAIF id;
4. edges: pixels within ``edge_rows`` lines of the body's edge, and Jupiter's limb pixels inside the body's
   cone, are integrated over the node's stratified sub-sample rays (as Jupiter's limb is), each sub-ray taking
   the nearest of Jupiter and every extra body.

Truth conventions on a body: ``LAT_PC`` planetocentric; ``LAT_PG`` planetographic on the body's ellipsoid
(``recpgr`` with its radii; meshes: equal to ``LAT_PC``); ``LON_W`` west longitude ``-atan2(y, x) mod 360`` in
the body frame (``IAU_<MOON>``: the IAU planetographic longitude of the synchronous, prograde Galilean moons,
0 at the mean sub-Jovian meridian); angles and range as for Jupiter.

Shadows (``shadows.py``): where a body's penumbral cone can reach Jupiter at the node's epoch, the Jupiter
pixels still seen are dimmed by the fraction of the solar disk the body covers from each point (pixel centres;
sub-rays for Jupiter limb pixels in shadow and for the bodies' edge pixels). Eclipses: where Jupiter's
penumbral cone (its bounding sphere) or another body's can reach a body's bounding sphere at the node's epoch
(:meth:`ExtraBodies.shade`, a few vector operations per body and node: nothing more when none can), that
body's I/F is multiplied by the lit fraction of each of its points (``shadows.moon_sunlit_fraction``:
Jupiter's exact ellipsoid, other bodies as spheres), at pixel centres and edge sub-rays alike. The truth
IOF and DN12 are the rendered noise-free signal, so they include the eclipse (an eclipsed moon's IOF is 0
in the umbra); BODY and the geometry planes are unchanged (INCIDENCE stays the angle to the Sun's centre).

With no extra bodies :func:`ExtraBodies.for_scene` returns None and the renderer does nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenes.ellipsoid import Ellipsoid
from scenes.mesh import MeshShape
from simulator.geometry import remove_stellar_aberration
from simulator.render import grid, shadows
from simulator.render.sampling import GEOMETRY_KEYS, JUPITER_NAIF_ID, edge_pixels, intercept_iof, \
    jupiter_cone_mask, surface_iof


@dataclass(frozen=True)
class BodyView:
    """One extra body: its index in the scene, the scene body and its geometry service."""

    index: int
    body: object
    geo: object
    radius_km: float        # bounding radius for the cone test
    shadow_radius_km: float  # radius of the disk the body shows the Sun (shadows.occulter_radius_km)

    @property
    def is_mesh(self) -> bool:
        return isinstance(self.body.shape, MeshShape)


@dataclass(frozen=True)
class Shade:
    """What may eclipse one body at one epoch: ``jupiter`` ``(sample, radii_km)`` or None, and ``bodies``
    ``((sample, radius_km), ...)`` of other extra bodies (spheres, as for their shadows on Jupiter)."""

    jupiter: tuple | None
    bodies: tuple


@dataclass
class Hits:
    """Rays against one body: hit (M,), range (M,) km (inf on misses), I/F and geometry over the hits."""

    hit: np.ndarray
    range_km: np.ndarray
    iof: np.ndarray | None
    values: dict


class ExtraBodies:
    """The scene's extra bodies, placed by SPICE (see the module doc)."""

    def __init__(self, views, geo, margin_rad: float):
        self.views = tuple(views)
        self.geo = geo
        self.margin_rad = float(margin_rad)

    @classmethod
    def for_scene(cls, scene, geo, margin_rad: float) -> "ExtraBodies | None":
        """The bodies after Jupiter in ``scene`` (None when there are none or no scene)."""
        if scene is None or len(scene.bodies) < 2:
            return None
        views = []
        for index, body in enumerate(scene.bodies[1:], start=1):
            if isinstance(body.shape, MeshShape):
                radius = float(np.max(np.linalg.norm(body.shape.mesh.vertices, axis=1)))
                body_geo = geo.for_body(body.name, body.frame, (radius,) * 3)
            else:
                radius = float(max(body.shape.radii_km))
                body_geo = geo.for_body(body.name, body.frame, body.shape.radii_km)
            views.append(BodyView(index, body, body_geo, radius, shadows.occulter_radius_km(body.shape)))
        return cls(views, geo, margin_rad)

    def sample(self, ets) -> list:
        """One ``GeometrySample`` per body at the epochs ``ets`` (SPICE once per time sample and body)."""
        return [v.geo.sample(ets) for v in self.views]

    # ------------------------------------------------------------------------------------ rays vs a body
    def hits(self, view: BodyView, scene, filter_name, rays: np.ndarray, sample, index: int, ifov_rad,
             with_iof: bool, with_values: bool, shade: "Shade | None" = None) -> Hits:
        """(M, 3) nominal-frame rays against one body (cone-tested first); ``shade`` (:meth:`shade`): the
        bodies whose shadow may fall on it, dimming its I/F by the lit fraction of the solar disk."""
        rays = rays.reshape(-1, 3)
        m = rays.shape[0]
        cand = jupiter_cone_mask(rays, sample, index, view.radius_km, self.margin_rad)
        hit = np.zeros(m, dtype=bool)
        rng = np.full(m, np.inf)
        if not cand.any():
            return Hits(hit, rng, np.zeros(0) if with_iof else None, {k: np.zeros(0) for k in GEOMETRY_KEYS})
        idx = np.flatnonzero(cand)
        if view.is_mesh:
            h, points, values, faces = self._mesh_geometry(view, scene, filter_name, rays[idx], sample, index,
                                                           ifov_rad)
            dt = np.zeros(points.shape[0])            # mesh points: body frame at the centre's epoch
        else:
            h, points, obs, trgepc = grid.exact_intercepts(view.geo, rays[idx], sample, index)
            points, faces = points[h], None
            values = grid.hit_geometry(view.geo, points, obs[h], trgepc[h], sample, index)
            dt = trgepc[h] - (sample.et[index] - sample.lt[index])
        hit[idx[h]] = True
        rng[hit] = values["RANGE"]
        iof = None
        if with_iof:
            if view.is_mesh:
                iof = values.pop("IOF")
            else:
                iof = surface_iof(scene, filter_name, points, values, ifov_rad, body=view.body, faces=faces)
            if shade is not None:                 # eclipse: Jupiter's or other bodies' shadow on this body
                iof = iof * shadows.moon_sunlit_fraction(points, dt, sample, index, shade.jupiter, shade.bodies)
        values.pop("IOF", None)
        return Hits(hit, rng, iof, values if with_values else {})

    @staticmethod
    def _mesh_geometry(view: BodyView, scene, filter_name, rays, sample, index: int, ifov_rad):
        """Mesh intersections (body frame at the centre's epoch) and their geometry and I/F (see module doc)."""
        geo = view.geo
        d = rays @ sample.cam_to_j2000[index].T
        d /= np.linalg.norm(d, axis=1)[:, None]
        if geo.uses_stellar:
            d = remove_stellar_aberration(d, sample.obs_vel_ssb[index])
        dirs = d @ sample.j2000_to_body[index].T
        origin = np.broadcast_to(sample.obs_body[index], dirs.shape)
        t, faces = view.body.shape.intersect_faces(origin, dirs)
        h = np.isfinite(t)
        points = origin[h] + t[h, None] * dirs[h]
        footprint = t[h] * ifov_rad if ifov_rad else None
        ev = scene.evaluate(view.index, filter_name, points, sample.sun_body[index], sample.obs_body[index],
                            faces=faces[h], footprint_km=footprint)
        values = {"LAT_PC": ev["lat_pc"], "LAT_PG": ev["lat_pg"], "LON_W": ev["lon_w"],
                  "INCIDENCE": ev["incidence"], "EMISSION": ev["emission"], "PHASE": ev["phase"],
                  "RANGE": t[h], "IOF": ev["iof"]}
        return h, points, values, faces[h]

    # ------------------------------------------------------------------------------------ node overlay
    def overlay(self, node, scene, filter_name: str, rays_nominal: np.ndarray, jupiter_sample, samples,
                index: int, subpixel_rays, n_sub: int, edge_rows: int, ifov_rad: float | None, clock=None):
        """Put the extra bodies into Jupiter's ``NodeSample`` (modified in place and returned).

        ``samples``: the bodies' ``GeometrySample`` list (:meth:`sample`) over the same epochs as
        ``jupiter_sample``; ``index`` the node's epoch. Other arguments as ``sampling.sample_node``.
        """
        shape = rays_nominal.shape[:2]
        rays = rays_nominal.reshape(-1, 3)
        jup_hit = node.hit.reshape(-1).copy()
        kept = node.geometry
        body_id = np.where(jup_hit, JUPITER_NAIF_ID, 0).astype(np.int32)
        front = np.full(rays.shape[0], np.inf)
        jup_range = None if kept is None else kept["RANGE"].reshape(-1)
        refine = np.zeros(shape, dtype=bool)
        iof = node.iof.reshape(-1)
        for view, sample in zip(self.views, samples):
            cone = jupiter_cone_mask(rays_nominal, sample, index, view.radius_km, self.margin_rad)
            if not cone.any():
                continue
            h = self.hits(view, scene, filter_name, rays, sample, index, ifov_rad, True, kept is not None,
                          self.shade(view, jupiter_sample, samples, index))
            self._jupiter_range(front, jup_hit & h.hit & np.isinf(front), rays, jupiter_sample, index, jup_range)
            visible = h.hit & (h.range_km < front)
            vis_in_hits = visible[np.flatnonzero(h.hit)]   # h.iof / h.values are over the hits, in ray order
            iof[visible] = h.iof[vis_in_hits]
            front[visible] = h.range_km[visible]
            body_id[visible] = view.body.naif_id
            if kept is not None:
                for k in GEOMETRY_KEYS:
                    kept[k].reshape(-1)[visible] = h.values[k][vis_in_hits]
            if n_sub > 1:      # a body smaller than the pixels may hit no centre: integrate its whole cone
                hit2 = h.hit.reshape(shape)
                refine |= cone & ((edge_pixels(hit2, edge_rows) | edge_pixels(node.hit, edge_rows))
                                  if hit2.any() else True)
        casters = self.casters(jupiter_sample, samples, index)
        if casters:                               # moons' shadows on the Jupiter pixels still seen
            jv = np.flatnonzero(body_id == JUPITER_NAIF_ID)
            points, rng = self._jupiter_points(rays[jv], kept, jv, jupiter_sample, index)
            lit = shadows.sunlit_fraction(points, rng, jupiter_sample, index, casters)
            iof[jv] *= lit
            if n_sub > 1:
                shaded = np.zeros(rays.shape[0], dtype=bool)
                shaded[jv[lit < 1.0]] = True
                refine |= edge_pixels(node.hit, edge_rows) & shaded.reshape(shape)
        if clock is not None:
            clock.lap("bodies", int(rays.shape[0]))
        if refine.any():
            r_idx, c_idx = np.nonzero(refine)
            sub = subpixel_rays(r_idx, c_idx)
            value = self.composite_iof(scene, filter_name, sub, jupiter_sample, samples, index, ifov_rad)
            node.iof[r_idx, c_idx] = value.reshape(r_idx.size, n_sub).mean(axis=1)
            node.n_intercepts += sub.shape[0]
            if clock is not None:
                clock.lap("bodies edges", sub.shape[0])
        node.hit = body_id.reshape(shape) != 0
        if kept is not None:
            kept["BODY"] = body_id.reshape(shape)
        return node

    def casters(self, jupiter_sample, samples, index: int) -> list:
        """``(sample, radius)`` of the bodies whose shadow may fall on Jupiter at this epoch."""
        r_jup = float(max(self.geo.radii_km))
        return [(s, v.shadow_radius_km) for v, s in zip(self.views, samples)
                if shadows.could_shadow_jupiter(jupiter_sample, s, index, v.shadow_radius_km, r_jup)]

    def shade(self, view: BodyView, jupiter_sample, samples, index: int) -> "Shade | None":
        """Jupiter and the other bodies whose penumbral cone may reach ``view``'s body at this epoch (None:
        none can, and its I/F is left alone). Computed per call: nothing per framelet is stored."""
        sample = samples[next(k for k, v in enumerate(self.views) if v is view)]
        radii = tuple(float(r) for r in self.geo.radii_km)
        jupiter = (jupiter_sample, radii) if shadows.could_eclipse(sample, jupiter_sample, index, view.radius_km,
                                                                    max(radii)) else None
        others = tuple((s, v.shadow_radius_km) for v, s in zip(self.views, samples)
                       if v is not view and shadows.could_eclipse(sample, s, index, view.radius_km,
                                                                  v.shadow_radius_km))
        return Shade(jupiter, others) if jupiter is not None or others else None

    def _jupiter_points(self, rays, kept, where, jupiter_sample, index: int):
        """Jupiter surface points (M, 3) and ranges (M,) of pixel-centre rays that hit it (kept truth
        geometry, else the sincpt replica again)."""
        if kept is not None:
            flat = {k: kept[k].reshape(-1)[where] for k in ("LAT_PC", "LON_W", "RANGE")}
            points = Ellipsoid(self.geo.radii_km).surface_point(flat["LAT_PC"], flat["LON_W"], "planetocentric")
            return points, flat["RANGE"]
        _, points, obs, _ = grid.exact_intercepts(self.geo, rays, jupiter_sample, index)
        return points, np.linalg.norm(points - obs, axis=1)

    def _jupiter_range(self, front, need, rays, jupiter_sample, index, jup_range) -> None:
        """Set ``front`` to Jupiter's range (km) at the rays ``need`` (exact intercepts unless kept)."""
        if not need.any():
            return
        if jup_range is not None:
            front[need] = jup_range[need]
            return
        h, points, obs, _ = grid.exact_intercepts(self.geo, rays[need], jupiter_sample, index)
        rng = np.where(h, np.linalg.norm(points - obs, axis=1), np.inf)
        front[need] = rng

    def composite_iof(self, scene, filter_name, rays, jupiter_sample, samples, index, ifov_rad) -> np.ndarray:
        """(M,) I/F of the nearest body along each of (M, 3) rays (Jupiter and every extra body; 0 on sky)."""
        rays = rays.reshape(-1, 3)
        j_iof, j_hit, j_values = intercept_iof(self.geo, scene, filter_name, rays, jupiter_sample, index, ifov_rad)
        front = np.full(rays.shape[0], np.inf)
        front[j_hit] = j_values["RANGE"]
        out = j_iof
        casters = self.casters(jupiter_sample, samples, index)
        if casters and j_hit.any():
            points = Ellipsoid(self.geo.radii_km).surface_point(j_values["LAT_PC"], j_values["LON_W"],
                                                                "planetocentric")
            out[j_hit] *= shadows.sunlit_fraction(points, j_values["RANGE"], jupiter_sample, index, casters)
        for view, sample in zip(self.views, samples):
            h = self.hits(view, scene, filter_name, rays, sample, index, ifov_rad, True, False,
                          self.shade(view, jupiter_sample, samples, index))
            visible = h.hit & (h.range_km < front)
            out[visible] = h.iof[visible[np.flatnonzero(h.hit)]]
            front[visible] = h.range_km[visible]
        return out

    # ------------------------------------------------------------------------------------ truth
    def truth_overlay(self, scene, filter_name: str, out: dict, jup_hit: np.ndarray, rays_nominal: np.ndarray,
                      jupiter_sample, samples, index: int) -> np.ndarray:
        """Put the bodies' pixel-centre geometry into the truth planes ``out`` (in place); returns BODY ids."""
        shape = jup_hit.shape
        rays = rays_nominal.reshape(-1, 3)
        jh = jup_hit.reshape(-1)
        body_id = np.where(jh, JUPITER_NAIF_ID, 0).astype(np.int32)
        front = np.full(rays.shape[0], np.inf)
        jr = out["RANGE"].reshape(-1).astype(float)
        for view, sample in zip(self.views, samples):
            h = self.hits(view, scene, filter_name, rays, sample, index, None, False, True)
            self._jupiter_range(front, jh & h.hit & np.isinf(front), rays, jupiter_sample, index, jr)
            visible = h.hit & (h.range_km < front)
            vis_in_hits = visible[np.flatnonzero(h.hit)]
            for k in GEOMETRY_KEYS:
                out[k].reshape(-1)[visible] = h.values[k][vis_in_hits]
            front[visible] = h.range_km[visible]
            body_id[visible] = view.body.naif_id
        return body_id.reshape(shape)

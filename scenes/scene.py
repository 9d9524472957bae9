"""A scene: bodies (shape + appearance + SPICE identity) and one photometric model; ``build_scene``.

``build_scene(config, seed)`` takes the scenario's ``[scene]`` table as a plain dict:

===============  ==============================================================================
key              meaning
===============  ==============================================================================
model            ``"procedural"`` (default) or ``"map"``
map_path         with ``model = "map"``: one RGB/grey image path or a table ``{FILTER = path}``
map_scale        normal albedo per unit pixel value of the map (default 1.0)
photometry       ``"minnaert"`` (default), ``"lambert"`` or ``"lommel-seeliger"``
minnaert_k       one number for every filter or a table ``{FILTER = k}`` (default scenes.photometry)
texture_seed     seed of Jupiter's texture (default: the seed passed to build_scene)
features         list of the procedural Jupiter's feature families to draw (default all of
                 ``scenes.jupiter_features.FEATURE_FAMILIES``: named, pearls, polar_cyclones, vortices,
                 ffr); ``["none"]`` or ``[]`` = belts and turbulence only
polar_haze       0..1, how much the polar hazes damp the cloud texture (default 0.5)
feature_shapes   table of ``scenes.feature_patterns.FeatureShapes`` fields: how the discrete features' inner
                 patterns are drawn (sizes, twists, collars, lanes; absent fields keep their defaults)
bodies           list of tables, each: ``name``, ``naif_id``, ``frame``, and either ``mesh`` (file path,
                 optional ``scale_km``, ``albedo_scale``, ``albedo``) or ``radii_km`` (3 numbers, with
                 ``albedo`` a number or ``{FILTER = value}``)
===============  ==============================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scenes.blocks import point_blocks
from scenes.ellipsoid import Ellipsoid, unit_rows
from scenes.errors import SceneError
from scenes.feature_patterns import shapes_from_table
from scenes.filters import FILTERS, check_filter
from scenes.jupiter import JupiterAppearance
from scenes.jupiter_features import FEATURE_FAMILIES, feature_set
from scenes.maps import MapAppearance, UniformAppearance
from scenes.mesh import MeshAppearance, MeshShape
from scenes.photometry import Photometry

SCENE_KEYS = ("model", "map_path", "map_scale", "photometry", "minnaert_k", "texture_seed", "features", "polar_haze",
              "feature_shapes", "bodies")
BODY_KEYS = ("name", "naif_id", "frame", "mesh", "scale_km", "albedo_scale", "albedo", "radii_km")


@dataclass(frozen=True, eq=False)
class Body:
    """One body: SPICE name, NAIF id and body-fixed frame (for the simulator to place it), shape, looks."""

    name: str
    naif_id: int
    frame: str
    shape: object
    appearance: object

    def normal_albedo(self, filter_name: str, points, lat_pg, lon_w, faces=None, footprint_km=None):
        """Normal albedo ``(N,)`` at surface points, by latitude/longitude or (meshes) by face."""
        if isinstance(self.appearance, MeshAppearance):
            return self.appearance.normal_albedo_at(filter_name, points, faces)
        return self.appearance.normal_albedo(filter_name, lat_pg, lon_w, footprint_km)


def _angle_deg(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cos = np.clip(np.einsum("ij,ij->i", a, b), -1.0, 1.0)
    return cos, np.degrees(np.arccos(cos))


@dataclass(frozen=True, eq=False)
class Scene:
    """Bodies (Jupiter first) and the photometric model."""

    bodies: tuple
    photometry: Photometry

    def intersect(self, rays_per_body) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest hit over all bodies.

        Parameters
        ----------
        rays_per_body : sequence of (origins, dirs)
            One pair per body, in that body's frame (km), the same N rays in each (unit directions so
            distances compare).

        Returns
        -------
        t : (N,) distance to the nearest hit (NaN if none); body_index : (N,) int (-1 if none);
        face : (N,) int face index for mesh bodies (-1 otherwise).
        """
        if len(rays_per_body) != len(self.bodies):
            raise SceneError(f"got rays for {len(rays_per_body)} bodies; the scene has {len(self.bodies)}")
        best_t = best_body = best_face = None
        for index, (body, (origins, dirs)) in enumerate(zip(self.bodies, rays_per_body)):
            if isinstance(body.shape, MeshShape):
                t, face = body.shape.intersect_faces(origins, dirs)
            else:
                t = body.shape.intersect(origins, dirs)
                face = np.full(t.shape, -1, dtype=np.int64)
            if best_t is None:
                best_t, best_face = t.copy(), face.copy()
                best_body = np.where(np.isnan(t), -1, index)
                continue
            closer = np.isfinite(t) & ~(t >= best_t)
            best_t = np.where(closer, t, best_t)
            best_face = np.where(closer, face, best_face)
            best_body = np.where(closer, index, best_body)
        return best_t, best_body, best_face

    def evaluate(self, body_index: int, filter_name: str, points, sun_pos, obs_pos, faces=None,
                 footprint_km=None) -> dict:
        """Everything the renderer and the truth need at surface points of one body.

        Parameters
        ----------
        body_index : int
            Index into :attr:`bodies`.
        filter_name : str
            One of the four filters.
        points : (N, 3) array
            Surface points in the body frame, km.
        sun_pos, obs_pos : (3,) or (N, 3) arrays
            Sun and observer positions in the body frame, km.
        faces : (N,) int array, optional
            Face indices from :meth:`intersect` (mesh bodies).
        footprint_km : float or array, optional
            Pixel footprint; band-limits procedural texture.

        Returns
        -------
        dict of (N,) arrays: ``iof``, ``albedo``, ``lat_pc``, ``lat_pg``, ``lon_w``, ``incidence``,
        ``emission``, ``phase`` (deg), ``body_id`` (NAIF id, int32).
        """
        name = check_filter(filter_name)
        body = self.bodies[body_index]
        p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        n = p.shape[0]
        mesh = isinstance(body.shape, MeshShape)
        if mesh:
            faces = body.shape._faces_of(p, faces) if n else np.zeros(0, dtype=np.int64)
        sun = np.broadcast_to(np.asarray(sun_pos, dtype=np.float64), p.shape)   # views, no copies
        obs = np.broadcast_to(np.asarray(obs_pos, dtype=np.float64), p.shape)
        keys = ("lat_pc", "lat_pg", "lon_w", "incidence", "emission", "phase", "cos_i", "cos_e", "cos_g")
        out = {key: np.empty(n) for key in keys}
        # Geometry in cache-sized blocks (scenes.blocks: whole-framelet temporaries cost page faults).
        for b in point_blocks(n):
            pb = p[b]
            normal = body.shape.normal(pb, faces[b]) if mesh else body.shape.normal(pb)
            out["lat_pc"][b], out["lat_pg"][b], out["lon_w"][b] = body.shape.lonlat(pb)
            to_sun, to_obs = unit_rows(sun[b] - pb), unit_rows(obs[b] - pb)
            out["cos_i"][b], out["incidence"][b] = _angle_deg(normal, to_sun)
            out["cos_e"][b], out["emission"][b] = _angle_deg(normal, to_obs)
            out["cos_g"][b], out["phase"][b] = _angle_deg(to_sun, to_obs)
        albedo = body.normal_albedo(name, p, out["lat_pg"], out["lon_w"], faces, footprint_km)
        cos_i, cos_e, cos_g = out.pop("cos_i"), out.pop("cos_e"), out.pop("cos_g")
        iof = np.empty(n)
        for b in point_blocks(n):
            iof[b] = self.photometry.iof(albedo[b], cos_i[b], cos_e[b], cos_g[b], name)
        return {"iof": iof, "albedo": albedo, **out, "body_id": np.full(n, body.naif_id, dtype=np.int32)}

    def truth_maps(self, resolution_deg: float, filters=FILTERS, body_index: int = 0) -> dict:
        """Equirectangular normal-albedo maps of a body (see :func:`scenes.truth.truth_maps`)."""
        from scenes.truth import truth_maps

        return truth_maps(self.bodies[body_index].appearance, resolution_deg, filters)


def _check_keys(table: dict, allowed, where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise SceneError(f"unknown key {where}.{unknown[0]}; expected one of {', '.join(allowed)}")


def _albedo_table(value, where: str) -> dict:
    if isinstance(value, dict):
        return {check_filter(k): float(v) for k, v in value.items()}
    try:
        return {name: float(value) for name in FILTERS}
    except (TypeError, ValueError):
        raise SceneError(f"{where} = {value!r} must be a number or a table of filter = number") from None


def _build_body(table: dict, position: int) -> Body:
    where = f"scene.bodies[{position}]"
    if not isinstance(table, dict):
        raise SceneError(f"{where} = {table!r} must be a table")
    _check_keys(table, BODY_KEYS, where)
    for key in ("name", "naif_id", "frame"):
        if key not in table:
            raise SceneError(f"{where} needs '{key}' (SPICE body name, NAIF id, body-fixed frame)")
    if ("mesh" in table) == ("radii_km" in table):
        raise SceneError(f"{where} needs exactly one of 'mesh' (file) or 'radii_km' (ellipsoid)")
    if "mesh" in table:
        shape = MeshShape.from_file(table["mesh"], float(table.get("scale_km", 1.0)))
        uniform = _albedo_table(table.get("albedo", 0.5), f"{where}.albedo")
        appearance = MeshAppearance(shape, float(table.get("albedo_scale", 1.0)),
                                    float(np.mean(list(uniform.values()))))
    else:
        shape = Ellipsoid(tuple(table["radii_km"]))
        appearance = UniformAppearance(_albedo_table(table.get("albedo", 0.5), f"{where}.albedo"))
    return Body(str(table["name"]).upper(), int(table["naif_id"]), str(table["frame"]), shape, appearance)


def _procedural(config: dict, seed: int) -> JupiterAppearance:
    """The procedural Jupiter of a ``[scene]`` table: its seed, feature families, polar haze and feature shapes."""
    families = config.get("features", FEATURE_FAMILIES)
    if isinstance(families, str) or not isinstance(families, (list, tuple)):
        raise SceneError(f"scene.features = {families!r} must be a list of names from {', '.join(FEATURE_FAMILIES)}")
    families = [f for f in families if str(f).lower() != "none"]
    vortices, population = feature_set(families)
    haze = float(config.get("polar_haze", JupiterAppearance.polar_haze))
    if not 0.0 <= haze <= 1.0:
        raise SceneError(f"scene.polar_haze = {haze!r} must be between 0 and 1")
    shapes = shapes_from_table(config.get("feature_shapes", {}))
    return JupiterAppearance(seed=int(config.get("texture_seed", seed)), vortices=vortices, population=population,
                             polar_haze=haze, shapes=shapes)


def build_scene(config: dict | None = None, seed: int = 0) -> Scene:
    """Build a :class:`Scene` from the scenario's ``[scene]`` table (see the module docstring)."""
    # Absent optional keys may arrive as None (scenario.table("scene")): treat them as absent.
    config = {k: v for k, v in dict(config or {}).items() if v is not None}
    _check_keys(config, SCENE_KEYS, "scene")
    model = str(config.get("model", "procedural")).lower()
    if model == "procedural":
        appearance = _procedural(config, seed)
    elif model == "map":
        if "map_path" not in config:
            raise SceneError("scene.model = 'map' needs scene.map_path (an image or a table of filter = image)")
        appearance = MapAppearance.from_config(config["map_path"], float(config.get("map_scale", 1.0)))
    else:
        raise SceneError(f"scene.model = {model!r} is not 'procedural' or 'map'")
    k = config.get("minnaert_k", {})
    if not isinstance(k, dict):
        k = _albedo_table(k, "scene.minnaert_k")
    photometry = Photometry(config.get("photometry", "minnaert"), k)
    bodies = [Body("JUPITER", 599, "IAU_JUPITER", Ellipsoid(), appearance)]
    extra = config.get("bodies", [])
    if not isinstance(extra, (list, tuple)):
        raise SceneError(f"scene.bodies = {extra!r} must be a list of tables")
    bodies += [_build_body(table, i) for i, table in enumerate(extra)]
    return Scene(tuple(bodies), photometry)

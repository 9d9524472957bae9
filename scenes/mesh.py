"""Bodies given as triangle meshes (OBJ, PLY, STL, GLB via trimesh), with texture or per-vertex albedo.

Ray intersection uses trimesh's ray engine: Embree (``pip install embreex``) when installed, otherwise
trimesh's numpy/rtree engine (correct, much slower). Mesh coordinates are in the body-fixed frame; a
``scale_km`` factor converts file units to km.

Latitudes of mesh points are planetocentric (from the position vector); ``lat_pg`` equals ``lat_pc``
for meshes (a mesh has no reference ellipsoid). Longitudes are west longitudes in [0, 360).

Threads: trimesh fills its caches lazily and its rtree engine (libspatialindex) fails on concurrent queries
of one index, so every method here that touches a mesh holds one process-wide lock (:data:`MESH_LOCK`): the
renderer's framelet workers may call them at once; mesh bodies are then evaluated one call at a time.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scenes.ellipsoid import _as_vectors, west_longitude_deg
from scenes.errors import SceneError
from scenes.filters import check_filter


MESH_LOCK = threading.RLock()


def _serialised(method):
    """Run ``method`` holding :data:`MESH_LOCK` (see the module doc)."""

    @functools.wraps(method)
    def locked(*args, **kwargs):
        with MESH_LOCK:
            return method(*args, **kwargs)

    return locked


def load_mesh(path, scale_km: float = 1.0):
    """Load a mesh file as one ``trimesh.Trimesh`` scaled to km; :class:`SceneError` if it does not load."""
    import trimesh

    path = Path(path)
    if not path.is_file():
        raise SceneError(f"mesh file {str(path)!r} does not exist")
    try:
        mesh = trimesh.load(path, force="mesh", process=False)
    except Exception as exc:  # trimesh raises many unrelated types for bad files  # noqa: BLE001
        raise SceneError(f"mesh file {str(path)!r} could not be loaded as OBJ/PLY/STL/GLB ({exc})") from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise SceneError(f"mesh file {str(path)!r} contains no triangles")
    if scale_km != 1.0:
        mesh.apply_scale(float(scale_km))
    return mesh


@dataclass(frozen=True, eq=False)
class MeshShape:
    """A body shape given by a ``trimesh.Trimesh`` in its body-fixed frame (km)."""

    mesh: object

    @classmethod
    def from_file(cls, path, scale_km: float = 1.0) -> "MeshShape":
        """Load a mesh file (see :func:`load_mesh`)."""
        return cls(load_mesh(path, scale_km))

    @_serialised
    def intersect_faces(self, origins, dirs) -> tuple[np.ndarray, np.ndarray]:
        """Nearest hit of each ray: distance ``t`` ``(N,)`` (NaN on a miss) and face index ``(N,)`` (-1)."""
        o = _as_vectors("ray origins", origins)
        d = _as_vectors("ray directions", dirs)
        o, d = (np.ascontiguousarray(a) for a in np.broadcast_arrays(o, d))
        t = np.full(o.shape[0], np.nan)
        faces = np.full(o.shape[0], -1, dtype=np.int64)
        if o.shape[0] == 0:
            return t, faces
        locations, ray_index, tri_index = self.mesh.ray.intersects_location(o, d, multiple_hits=True)
        if len(ray_index):
            dist = np.einsum("ij,ij->i", locations - o[ray_index], d[ray_index])
            dist /= np.einsum("ij,ij->i", d[ray_index], d[ray_index])
            ahead = dist > 0
            ray_index, tri_index, dist = ray_index[ahead], tri_index[ahead], dist[ahead]
            order = np.lexsort((dist, ray_index))
            ray_index, tri_index, dist = ray_index[order], tri_index[order], dist[order]
            first = np.ones(ray_index.size, dtype=bool)
            first[1:] = ray_index[1:] != ray_index[:-1]
            t[ray_index[first]] = dist[first]
            faces[ray_index[first]] = tri_index[first]
        return t, faces

    def intersect(self, origins, dirs) -> np.ndarray:
        """Distance ``(N,)`` along each ray to the nearest hit, NaN on a miss."""
        return self.intersect_faces(origins, dirs)[0]

    def _faces_of(self, points: np.ndarray, faces) -> np.ndarray:
        if faces is None:
            _, _, faces = self.mesh.nearest.on_surface(points)
        return np.asarray(faces, dtype=np.int64)

    @_serialised
    def barycentric(self, points, faces=None) -> tuple[np.ndarray, np.ndarray]:
        """Face index ``(N,)`` and barycentric coordinates ``(N, 3)`` of surface points."""
        import trimesh

        p = _as_vectors("surface points", points)
        faces = self._faces_of(p, faces)
        bary = trimesh.triangles.points_to_barycentric(self.mesh.triangles[faces], p)
        return faces, bary

    @_serialised
    def normal(self, points, faces=None) -> np.ndarray:
        """Outward unit normals ``(N, 3)``: vertex normals interpolated over each face (smooth shading)."""
        faces, bary = self.barycentric(points, faces)
        vertex_normals = self.mesh.vertex_normals[self.mesh.faces[faces]]
        n = np.einsum("ij,ijk->ik", bary, vertex_normals)
        return n / np.linalg.norm(n, axis=1, keepdims=True)

    def lonlat(self, points) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Planetocentric latitude (also returned as ``lat_pg``) and west longitude, degrees."""
        p = _as_vectors("surface points", points)
        lat_pc = np.degrees(np.arctan2(p[:, 2], np.hypot(p[:, 0], p[:, 1])))
        return lat_pc, lat_pc.copy(), west_longitude_deg(p)

    @_serialised
    def facet_error_km(self, radii_km) -> float:
        """Upper bound of the distance between this mesh and the ellipsoid of ``radii_km`` it approximates.

        For a triangle with vertices on the surface the deviation is at most the sagitta of its
        circumscribed circle on the most curved section: ``rho - sqrt(rho^2 - r_c^2)`` with ``r_c`` the
        largest circumradius and ``rho`` the smallest radius of curvature of the ellipsoid (``c^2 / a``
        for an oblate one), plus the largest vertex offset from the surface.
        """
        a, b, c = (float(r) for r in radii_km)
        tri = self.mesh.triangles
        ab = np.linalg.norm(tri[:, 1] - tri[:, 0], axis=1)
        bc = np.linalg.norm(tri[:, 2] - tri[:, 1], axis=1)
        ca = np.linalg.norm(tri[:, 0] - tri[:, 2], axis=1)
        area = np.maximum(self.mesh.area_faces, 1e-300)
        r_c = float(np.max(ab * bc * ca / (4.0 * area)))
        rho = min(a, b, c) ** 2 / max(a, b, c)
        sagitta = rho - np.sqrt(max(rho * rho - r_c * r_c, 0.0))
        v = self.mesh.vertices / np.asarray(radii_km)
        vertex_offset = float(np.max(np.abs(np.linalg.norm(v, axis=1) - 1.0))) * max(a, b, c)
        return float(sagitta + vertex_offset)


def _texture_image(visual):
    """The texture image (PIL) of a trimesh TextureVisuals: SimpleMaterial.image or PBR baseColorTexture."""
    material = getattr(visual, "material", None)
    for attribute in ("image", "baseColorTexture"):
        image = getattr(material, attribute, None)
        if image is not None:
            return image
    return None


@dataclass(frozen=True, eq=False)
class MeshAppearance:
    """Normal albedo of a mesh body from its texture (uv) or vertex colours, else a uniform value.

    RGB channels map to RED, GREEN, BLUE (value / 255 times ``scale``); METHANE gets their mean
    (assumption: no methane absorption on rocky or icy bodies).
    """

    shape: MeshShape
    scale: float = 1.0
    uniform_albedo: float = 0.5

    @_serialised
    def normal_albedo_at(self, filter_name: str, points, faces=None) -> np.ndarray:
        """Normal albedo ``(N,)`` at surface points (face indices speed this up when known)."""
        name = check_filter(filter_name)
        mesh = self.shape.mesh
        p = _as_vectors("surface points", points)
        visual = getattr(mesh, "visual", None)
        kind = getattr(visual, "kind", None)
        if kind is None or p.shape[0] == 0:
            return np.full(p.shape[0], self.uniform_albedo * self.scale)
        faces, bary = self.shape.barycentric(p, faces)
        image = _texture_image(visual) if kind == "texture" else None
        if image is not None and getattr(visual, "uv", None) is not None:
            uv = np.einsum("ij,ijk->ik", bary, np.asarray(visual.uv)[mesh.faces[faces]])
            image = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
            h, w = image.shape[:2]
            col = np.clip((np.mod(uv[:, 0], 1.0) * w).astype(np.intp), 0, w - 1)
            row = np.clip(((1.0 - np.mod(uv[:, 1], 1.0)) * h).astype(np.intp), 0, h - 1)
            rgb = image[row, col]
        elif kind == "vertex":
            colours = np.asarray(visual.vertex_colors, dtype=np.float64)[:, :3] / 255.0
            rgb = np.einsum("ij,ijk->ik", bary, colours[mesh.faces[faces]])
        else:   # a material without a texture image: its main colour, else the uniform albedo
            main = getattr(getattr(visual, "material", None), "main_color", None)
            if main is None:
                return np.full(p.shape[0], self.uniform_albedo * self.scale)
            rgb = np.tile(np.asarray(main, dtype=np.float64)[:3] / 255.0, (p.shape[0], 1))
        channel = {"RED": 0, "GREEN": 1, "BLUE": 2}
        value = rgb.mean(axis=1) if name == "METHANE" else rgb[:, channel[name]]
        return value * self.scale

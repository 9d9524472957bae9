"""Mesh bodies: a mesh of Jupiter's ellipsoid agrees with the analytic intersection within its facet error."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from scenes import JUPITER_RADII_KM, Ellipsoid, MeshShape, SceneError, build_scene


@pytest.fixture(scope="module")
def jupiter_mesh_path(tmp_path_factory):
    # Icosphere vertices lie on the unit sphere, so scaled by the radii they lie exactly on the ellipsoid.
    mesh = trimesh.creation.icosphere(subdivisions=3)
    mesh.apply_scale(1.0 / 1000.0)       # file in units of 1000 km; the body table's scale_km restores km
    mesh.vertices = mesh.vertices * np.asarray(JUPITER_RADII_KM)
    mesh.visual = trimesh.visual.ColorVisuals(mesh, vertex_colors=np.tile([200, 100, 50, 255], (len(mesh.vertices), 1)))
    path = tmp_path_factory.mktemp("mesh") / "jupiter.ply"
    mesh.export(path)
    return path


def _rays(n=400, seed=0):
    rng = np.random.default_rng(seed)
    origin = np.array([3.0e5, -2.0e5, 1.2e5])
    # Aim at points scattered over the visible disk, some beyond the limb (misses).
    targets = rng.uniform(-1.15, 1.15, size=(n, 3)) * np.asarray(JUPITER_RADII_KM)
    dirs = targets - origin
    return np.tile(origin, (n, 1)), dirs / np.linalg.norm(dirs, axis=1, keepdims=True)


def test_mesh_of_the_ellipsoid_agrees_within_its_facet_error(jupiter_mesh_path):
    scene = build_scene({"bodies": [{"name": "JUPITER_MESH", "naif_id": 599, "frame": "IAU_JUPITER",
                                     "mesh": str(jupiter_mesh_path), "scale_km": 1000.0}]})
    mesh_shape = scene.bodies[1].shape
    ellipsoid = Ellipsoid()
    bound = mesh_shape.facet_error_km(JUPITER_RADII_KM)
    assert 0 < bound < 0.02 * JUPITER_RADII_KM[0]
    o, d = _rays()
    t_mesh = mesh_shape.intersect(o, d)
    points, t_ell = ellipsoid.intersect_points(o, d)
    # The mesh is inscribed in the convex ellipsoid: every ellipsoid miss is a mesh miss.
    assert np.all(np.isnan(t_mesh[np.isnan(t_ell)]))
    cos_e = np.abs(np.einsum("ij,ij->i", ellipsoid.normal(points), d))
    steep = np.isfinite(t_ell) & (cos_e > 0.3)
    assert steep.sum() > 50
    error = np.abs(t_mesh[steep] - t_ell[steep])
    allowed = bound / cos_e[steep]
    worst = np.max(error / allowed)
    assert worst <= 1.0, f"mesh/ellipsoid disagreement {error.max():.1f} km exceeds the facet bound ({worst:.2f} x)"
    assert np.all(t_mesh[steep] >= t_ell[steep] - 1e-6), "the inscribed mesh cannot be hit before the ellipsoid"
    # Normals, latitudes and albedo work on the mesh too.
    ev = scene.evaluate(1, "RED", o[steep] + t_mesh[steep, None] * d[steep], np.array([1e9, 0, 0]), o[0])
    assert np.allclose(ev["albedo"], 200 / 255) and np.all(ev["body_id"] == 599)
    assert np.max(np.abs(ev["lat_pc"] - ellipsoid.lonlat(points[steep])[0])) < 1.0


def test_nearest_body_wins_and_keeps_its_id():
    moon = {"name": "IO", "naif_id": 501, "frame": "IAU_IO", "radii_km": [1830.0, 1819.0, 1815.0],
            "albedo": 0.6}
    scene = build_scene({"bodies": [moon]})
    # Rays along -x from far away; Io (in its own frame) sits between the observer and Jupiter.
    n = 5
    dirs = np.tile([-1.0, 0.0, 0.0], (n, 1))
    offsets = np.array([0.0, 1000.0, 1900.0, 3000.0, 80000.0])
    jupiter_origins = np.stack([np.full(n, 4e5), offsets, np.zeros(n)], axis=1)
    io_origins = jupiter_origins - np.array([2e5, 0.0, 0.0])    # Io's centre is at x = 2e5 km in Jupiter's frame
    t, body, face = scene.intersect([(jupiter_origins, dirs), (io_origins, dirs)])
    assert list(body) == [1, 1, 0, 0, -1]
    assert np.isnan(t[-1]) and np.all(face == -1)
    assert t[0] == pytest.approx(2e5 - 1830.0)
    ev = scene.evaluate(1, "GREEN", io_origins[:1] + t[0] * dirs[:1], np.array([1e9, 0, 0]), io_origins[0])
    assert ev["body_id"][0] == 501 and ev["albedo"][0] == 0.6


def test_mesh_that_does_not_load_raises_one_clear_error(tmp_path):
    bad = tmp_path / "broken.obj"
    bad.write_text("this is not a mesh\n\x00\x01")
    table = {"name": "X", "naif_id": 1, "frame": "F", "mesh": str(bad)}
    with pytest.raises(SceneError, match="broken.obj"):
        build_scene({"bodies": [table]})
    with pytest.raises(SceneError, match="does not exist"):
        MeshShape.from_file(tmp_path / "absent.glb")
    with pytest.raises(SceneError, match="exactly one of 'mesh'"):
        build_scene({"bodies": [{"name": "X", "naif_id": 1, "frame": "F"}]})
    with pytest.raises(SceneError, match="unknown key scene.bodies\\[0\\].colour"):
        build_scene({"bodies": [{"name": "X", "naif_id": 1, "frame": "F", "colour": 3}]})


def test_textured_glb_mesh_albedo_comes_from_its_uv_texture(tmp_path):
    from PIL import Image

    # A unit-ish sphere whose texture is red on the left half (u < 0.5) and blue on the right half.
    mesh = trimesh.creation.uv_sphere(radius=1000.0, count=[24, 24])
    texture = np.zeros((8, 16, 3), dtype=np.uint8)
    texture[:, :8] = (255, 0, 0)
    texture[:, 8:] = (0, 0, 255)
    u = (np.arctan2(mesh.vertices[:, 1], mesh.vertices[:, 0]) / (2 * np.pi)) % 1.0
    v = 0.5 + np.arcsin(np.clip(mesh.vertices[:, 2] / 1000.0, -1, 1)) / np.pi
    mesh.visual = trimesh.visual.TextureVisuals(uv=np.stack([u, v], axis=1), image=Image.fromarray(texture))
    path = tmp_path / "moon.glb"
    mesh.export(path)
    scene = build_scene({"bodies": [{"name": "GANYMEDE", "naif_id": 503, "frame": "IAU_GANYMEDE",
                                     "mesh": str(path), "albedo_scale": 0.5}]})
    shape = scene.bodies[1].shape
    # Rays towards points at u = 0.2 (red half) and u = 0.7 (blue half) on the equator, from outside.
    angles = 2 * np.pi * np.array([0.2, 0.7])
    targets = np.stack([np.cos(angles), np.sin(angles), np.zeros(2)], axis=1) * 1000.0
    origins = targets * 5.0
    dirs = (targets - origins) / np.linalg.norm(targets - origins, axis=1, keepdims=True)
    t, faces = shape.intersect_faces(origins, dirs)
    assert np.all(np.isfinite(t)) and np.all(faces >= 0)
    points = origins + t[:, None] * dirs
    red = scene.evaluate(1, "RED", points, origins[0] * 1e6, origins, faces=faces)["albedo"]
    blue = scene.evaluate(1, "BLUE", points, origins[0] * 1e6, origins, faces=faces)["albedo"]
    np.testing.assert_allclose(red, [0.5, 0.0], atol=1e-9)
    np.testing.assert_allclose(blue, [0.0, 0.5], atol=1e-9)


def test_stl_mesh_without_colours_uses_the_uniform_albedo(tmp_path):
    path = tmp_path / "rock.stl"
    trimesh.creation.icosphere(subdivisions=2, radius=50.0).export(path)
    scene = build_scene({"bodies": [{"name": "AMALTHEA", "naif_id": 505, "frame": "IAU_AMALTHEA",
                                     "mesh": str(path), "albedo": 0.09}]})
    o = np.array([[500.0, 0.0, 0.0]])
    d = np.array([[-1.0, 0.0, 0.0]])
    t, face = scene.bodies[1].shape.intersect_faces(o, d)
    assert t[0] == pytest.approx(450.0, abs=1.0)
    ev = scene.evaluate(1, "METHANE", o + t[:, None] * d, o[0] * 1e3, o[0], faces=face)
    assert ev["albedo"][0] == pytest.approx(0.09) and ev["iof"][0] == pytest.approx(0.09, rel=0.01)

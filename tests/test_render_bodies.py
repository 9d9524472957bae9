"""Extra scene bodies in rendered framelets (simulator/render/bodies.py), checked against spiceypy and trimesh.

The built-in ``io`` scenario shows Io (NAIF 501, ~60 px radius) in front of Jupiter's disk.
"""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy

from instrument_models.junocam import JunoCam
from scenes.maps import UniformAppearance
from scenes.mesh import MeshAppearance, MeshShape
from scenes.scene import Body, Scene, build_scene
from simulator.kernelset import kernel_set_for
from simulator.render import RenderOptions
from simulator.scenario import load_scenario
from simulator.spice import KernelPool
from test_render_common import FlatPhotometry, render_one, request_for, uniform_scene

TRUTH_TOL_PX = 1e-3       # issue #5: truth within 1e-3 px equivalent of sincpt
LIMB_TOL_PX = 0.1         # issue #5: rendered limb within 0.1 px of limbpt
MESH_TOL_PX = 1e-3        # mesh truth vs trimesh on independently (spiceypy) placed rays
RANGE_TOL_KM = 0.02       # float32 RANGE plane at ~45,000 km resolves 0.004 km
IO_ID = 501
CAM = JunoCam.default()
SAMPLES = (1010, 1170)    # columns around Io


@pytest.fixture(scope="module")
def io_setup(kernel_cache_dir):
    scenario = load_scenario("io")
    kernel_set_for(scenario, kernel_cache_dir)
    return scenario, kernel_cache_dir


def io_request(io_setup, filter_name="GREEN", frame=2, **kw):
    kw.setdefault("tdi_stages", {filter_name: 1})
    scenario, cache = io_setup
    kw.setdefault("sample_range", SAMPLES)
    return request_for(scenario, cache, filters=(filter_name,), frames=6, frame_indices=(frame,),
                       **kw)


@pytest.fixture(scope="module")
def io_green(io_setup):
    req = io_request(io_setup)
    return req, render_one(req)


def _sincpt(target, frame, ray, et, abcorr):
    try:
        spoint, _, srfvec = spiceypy.sincpt("ELLIPSOID", target, et, frame, abcorr, "JUNO", "JUNO_JUNOCAM",
                                            np.asarray(ray, dtype=float))
    except spiceypy.utils.exceptions.NotFoundError:
        return None, None
    return np.asarray(spoint), float(np.linalg.norm(srfvec))


def _io_point(truth, j, i):
    """Io surface point (IAU_IO, km) of the truth's planetocentric lat / west lon at pixel (j, i)."""
    radii = np.array(spiceypy.bodvrd("IO", "RADII", 3)[1])
    lat, lon = np.radians(truth["LAT_PC"][j, i]), -np.radians(truth["LON_W"][j, i])
    u = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    return u / np.sqrt(np.sum((u / radii) ** 2))


def test_io_truth_equals_sincpt(io_green):
    req, res = io_green
    body = res.truth["BODY"]
    rows, cols = np.nonzero(body == IO_ID)
    assert rows.size > 1000, f"the io scenario's framelet should show Io ({rows.size} pixels)"
    pick = np.random.default_rng(5).choice(rows.size, size=150, replace=False)
    worst = worst_pg = 0.0
    with KernelPool([req.metakernel]):
        radii = np.array(spiceypy.bodvrd("IO", "RADII", 3)[1])
        for k in pick:
            j, i = rows[k], cols[k]
            ray = CAM.pixel_to_ray(res.filter, SAMPLES[0] + i + 0.5, j + 0.5)
            point, rng_km = _sincpt("IO", "IAU_IO", ray, res.mid_et, req.abcorr)
            assert point is not None, f"sincpt misses Io at pixel ({SAMPLES[0] + i}, {j}) where BODY = 501"
            err = np.linalg.norm(_io_point(res.truth, j, i) - point) / (rng_km * CAM.optics.ifov_rad)
            worst = max(worst, float(err))
            normal = spiceypy.surfnm(*radii, point)       # planetographic: latitude of the surface normal
            lat_pg = np.degrees(np.arcsin(normal[2]))
            worst_pg = max(worst_pg, abs(lat_pg - res.truth["LAT_PG"][j, i]) * np.pi / 180 * radii[0]
                           / (rng_km * CAM.optics.ifov_rad))
            assert abs(res.truth["RANGE"][j, i] - rng_km) < RANGE_TOL_KM, \
                f"RANGE {res.truth['RANGE'][j, i]} vs sincpt {rng_km} km"
    assert worst < TRUTH_TOL_PX, f"Io truth vs sincpt: worst {worst:.2e} px"
    assert worst_pg < TRUTH_TOL_PX, f"Io planetographic latitude vs surfnm: worst {worst_pg:.2e} px"


def test_io_occludes_jupiter(io_green):
    """Where Io is in front of Jupiter the truth says Io; where sincpt misses Io, Jupiter or sky."""
    req, res = io_green
    body = res.truth["BODY"]
    rng = np.random.default_rng(6)
    in_front = 0
    with KernelPool([req.metakernel]):
        for value in (IO_ID, 599, 0):
            rows, cols = np.nonzero(body == value)
            assert rows.size > 50, f"the framelet should have BODY = {value} pixels"
            for k in rng.choice(rows.size, size=60, replace=False):
                j, i = rows[k], cols[k]
                ray = CAM.pixel_to_ray(res.filter, SAMPLES[0] + i + 0.5, j + 0.5)
                io, io_rng = _sincpt("IO", "IAU_IO", ray, res.mid_et, req.abcorr)
                jup, jup_rng = _sincpt("JUPITER", "IAU_JUPITER", ray, res.mid_et, req.abcorr)
                expected = IO_ID if io is not None and (jup is None or io_rng < jup_rng) else \
                    (599 if jup is not None else 0)
                assert expected == value, f"pixel ({SAMPLES[0] + i}, {j}): truth {value}, sincpt says {expected}"
                in_front += value == IO_ID and jup is not None
    assert in_front > 30, f"only {in_front} sampled Io pixels lie in front of Jupiter"


def test_io_limb_where_limbpt_puts_it(io_setup):
    """Io (flat I/F 1) over a black Jupiter: each column's covered length puts Io's limb at limbpt's line."""
    scene = uniform_scene(0.0, FlatPhotometry())
    io = Body("IO", IO_ID, "IAU_IO", build_scene({"bodies": [{"name": "IO", "naif_id": IO_ID, "frame": "IAU_IO",
                                                              "radii_km": [1829.4, 1819.4, 1815.7]}]}).bodies[1].shape,
              UniformAppearance({f: 1.0 for f in ("METHANE", "BLUE", "GREEN", "RED")}))
    scene = Scene(scene.bodies + (io,), scene.photometry)
    req = io_request(io_setup, "RED", frame=1, options=RenderOptions(psf_sigma_px=0.0, supersample=8))
    res = render_one(req, scene=scene)
    on = res.truth["BODY"] == IO_ID
    flips = (on[1:] != on[:-1]).sum(axis=0)
    cols = np.flatnonzero((flips == 1) & (on[0] != on[-1]))
    assert cols.size > 20, f"only {cols.size} columns cross Io's limb once"
    covered = res.truth["IOF"].astype(float)[:, cols].sum(axis=0)
    est = np.where(on[0, cols], covered, 128.0 - covered)
    with KernelPool([req.metakernel]):
        _, _, epochs, tangts = spiceypy.limbpt("TANGENT/ELLIPSOID", "IO", res.mid_et, "IAU_IO", req.abcorr,
                                               "ELLIPSOID LIMB", "JUNO", [0.0, 0.0, 1.0], 2 * np.pi / 20000,
                                               20000, 1e-4, 1e-9, 20000)
        to_cam = spiceypy.pxform("J2000", "JUNO_JUNOCAM", res.mid_et)
        rays = np.array([to_cam @ spiceypy.pxform("IAU_IO", "J2000", e) @ t for e, t in zip(epochs, tangts)])
    s, ln = CAM.ray_to_pixel("RED", rays)
    near = np.isfinite(s) & (ln > -20) & (ln < 148)
    # The limb arc crossing each column centre inside the framelet; columns where the limb runs nearly along
    # the column (Io's left and right ends: the limbpt points within 0.05 px span > 0.5 lines) are left out.
    lines = []
    for c in cols + SAMPLES[0] + 0.5:
        k = np.flatnonzero(near & (np.abs(s - c) < 0.05))
        inside = k[(ln[k] > 0) & (ln[k] < 128)]
        steep = inside.size == 0 or np.ptp(ln[inside]) > 0.5
        lines.append(np.nan if steep else np.mean(ln[inside]))
    err = np.abs(est - np.array(lines))
    err = err[np.isfinite(err)]
    assert err.size > 20, f"only {err.size} columns have a well-defined limb crossing"
    assert err.max() < LIMB_TOL_PX, (f"rendered Io limb off limbpt by up to {err.max():.3f} px "
                                     f"(median {np.median(err):.3f}) over {err.size} columns")


def _apparent_to_geometric(d_app, v_obs):
    """Invert spiceypy.stelab by fixed-point iteration (independent of the renderer's closed form)."""
    d = np.array(d_app, dtype=float)
    for _ in range(6):
        d = d + (d_app - np.asarray(spiceypy.stelab(d, v_obs)))
        d /= np.linalg.norm(d)
    return d


def test_mesh_body_against_trimesh(io_setup, tmp_path):
    """An icosphere PLY placed as Io: truth BODY/lat/lon equal trimesh on rays placed by spiceypy alone."""
    import trimesh

    path = tmp_path / "io_sphere.ply"
    trimesh.creation.icosphere(subdivisions=3, radius=1821.6).export(path)
    shape = MeshShape.from_file(path)
    base = uniform_scene(0.3)
    scene = Scene(base.bodies + (Body("IO", IO_ID, "IAU_IO", shape, MeshAppearance(shape, 1.0, 0.6)),),
                  base.photometry)
    req = io_request(io_setup, options=RenderOptions(supersample=2))
    res = render_one(req, scene=scene)
    body = res.truth["BODY"]
    assert np.count_nonzero(body == IO_ID) > 1000, "the mesh Io should be in view"
    rng = np.random.default_rng(7)
    rows, cols = np.nonzero(np.ones_like(body, dtype=bool))
    pick = rng.choice(rows.size, size=400, replace=False)
    worst = 0.0
    with KernelPool([req.metakernel]):
        et = res.mid_et
        state, lt = spiceypy.spkezr("IO", et, "J2000", "LT", "JUNO")
        v_obs = np.asarray(spiceypy.spkssb(-61, et, "J2000"))[3:]
        to_body = np.asarray(spiceypy.pxform("J2000", "IAU_IO", et - lt))
        cam_to_j = np.asarray(spiceypy.pxform("JUNO_JUNOCAM", "J2000", et))
        origin = to_body @ -np.asarray(state[:3])
        dirs = np.array([to_body @ _apparent_to_geometric(cam_to_j @ CAM.pixel_to_ray(
            res.filter, SAMPLES[0] + cols[k] + 0.5, rows[k] + 0.5), v_obs) for k in pick])
        t, _ = shape.intersect_faces(np.broadcast_to(origin, dirs.shape), dirs)
    hit = np.isfinite(t)
    truth_io = body[rows[pick], cols[pick]] == IO_ID
    assert hit.sum() > 40, "too few sampled rays hit the mesh"
    assert np.array_equal(hit, truth_io), f"{np.count_nonzero(hit != truth_io)} pixels disagree on hitting Io"
    points = origin + t[hit, None] * dirs[hit]
    lat_pc = np.degrees(np.arctan2(points[:, 2], np.hypot(points[:, 0], points[:, 1])))
    lon_w = np.mod(-np.degrees(np.arctan2(points[:, 1], points[:, 0])), 360.0)
    j, i = rows[pick][hit], cols[pick][hit]
    dlat = np.radians(res.truth["LAT_PC"][j, i] - lat_pc)
    dlon = np.radians((res.truth["LON_W"][j, i] - lon_w + 180.0) % 360.0 - 180.0) * np.cos(np.radians(lat_pc))
    err = 1821.6 * np.hypot(dlat, dlon) / (t[hit] * CAM.optics.ifov_rad)
    worst = float(err.max())
    assert worst < MESH_TOL_PX, f"mesh truth vs trimesh: worst {worst:.2e} px"
    assert np.allclose(res.truth["LAT_PG"][j, i], res.truth["LAT_PC"][j, i]), "meshes: lat_pg = lat_pc"


def test_jupiter_only_scene_has_no_extra_bodies(io_setup):
    """No extra bodies: the renderer builds no body machinery (the Jupiter-only path costs nothing more)."""
    from simulator.render.bodies import ExtraBodies

    assert ExtraBodies.for_scene(uniform_scene(0.5), geo=None, margin_rad=0.0) is None
    assert ExtraBodies.for_scene(None, geo=None, margin_rad=0.0) is None


def test_quicklook_with_a_moon_is_the_raw_image(tmp_path):
    """Jupiter's map projection has no place for a moon: with BODY ids other than 599 the quicklook is raw."""
    from PIL import Image

    from simulator.products.quicklook import write_quicklook

    image = np.arange(256 * 64, dtype=np.uint8).reshape(256, 64)
    planes = {"BODY": np.where(image > 100, IO_ID, 0).astype(np.int32),
              "LAT_PC": np.zeros(image.shape), "LON_W": np.zeros(image.shape)}
    write_quicklook(tmp_path / "q.png", image, desc=None, planes=planes)
    assert np.array_equal(np.asarray(Image.open(tmp_path / "q.png")), image)


def test_io_truth_summed_tdi3_equals_sincpt(io_setup):
    """The truth's own pass (ExtraBodies.truth_overlay: 2x2 summing, TDI 3 packet-row rays) on Io."""
    from test_render_common import motion_direction

    tdi = 3
    req = io_request(io_setup, summing=2, tdi_stages={"GREEN": tdi})
    res = render_one(req)
    rows, cols = np.nonzero(res.truth["BODY"] == IO_ID)
    assert rows.size > 300, f"the summed framelet should show Io ({rows.size} pixels)"
    worst = 0.0
    with KernelPool([req.metakernel]):
        d = motion_direction(res.filter, res.mid_et)
        for k in np.random.default_rng(8).choice(rows.size, size=60, replace=False):
            j, i = rows[k], cols[k]
            ray = CAM.pixel_to_ray(res.filter, SAMPLES[0] + 2 * i + 1.0, 2 * j + 1.0 - d * (tdi - 1) / 2.0)
            point, rng_km = _sincpt("IO", "IAU_IO", ray, res.mid_et, req.abcorr)
            assert point is not None, f"sincpt misses Io at summed pixel ({i}, {j})"
            worst = max(worst, float(np.linalg.norm(_io_point(res.truth, j, i) - point)
                                     / (rng_km * CAM.optics.ifov_rad)))
    assert worst < TRUTH_TOL_PX, f"summed TDI-3 Io truth vs sincpt: worst {worst:.2e} px"


def test_validation_truth_leaves_out_moon_pixels():
    """validate compares against Jupiter only: a moon's truth planes become NaN there, Jupiter's stay."""
    from simulator.validate.truth import jupiter_only

    body = np.array([[0, 599, IO_ID]], dtype=np.int32)
    planes = jupiter_only({"BODY": body.copy(), "LAT_PG": np.array([[np.nan, 10.0, 20.0]]),
                           "IOF": np.array([[0.0, 0.5, 0.6]], dtype=np.float32)})
    assert np.array_equal(planes["BODY"], body)
    assert planes["LAT_PG"][0, 1] == 10.0 and np.isnan(planes["LAT_PG"][0, 2])
    assert planes["IOF"][0, 1] == np.float32(0.5) and np.isnan(planes["IOF"][0, 2]) and planes["IOF"][0, 0] == 0

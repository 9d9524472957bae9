"""Framelets rendered side by side (``simulator/render/workers.py``): the same bytes as one at a time, in the
same order, with errors and early stops handled as the sequential render handles them."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import spiceypy

from simulator.errors import KernelError
from simulator.render import RenderOptions, Stopwatch, render_framelets
from simulator.render import workers
from simulator.scenario import load_scenario
from test_render_common import default_scenario, request_for


def _with_workers(request, n: int):
    return request.with_overrides(options=replace(request.options, framelet_workers=n))


def _side_by_side_possible(n: int) -> None:
    got, _ = workers.plan(n)
    if got < 2:
        pytest.skip(f"framelets side by side need >= 2 cores and numba's omp/tbb layer; plan gave {got} worker")


def _assert_same(a, b) -> None:
    assert [(r.frame, r.filter) for r in a] == [(r.frame, r.filter) for r in b], "framelet order differs"
    for ra, rb in zip(a, b):
        where = f"frame {ra.frame} {ra.filter}"
        assert np.array_equal(ra.dn8, rb.dn8), f"{where}: dn8 differs in {np.count_nonzero(ra.dn8 != rb.dn8)} px"
        assert np.array_equal(ra.dn12, rb.dn12), f"{where}: dn12 differs"
        assert ra.compressed_bytes == rb.compressed_bytes, f"{where}: compressed size differs"
        assert (ra.start_et, ra.mid_et, ra.first_line) == (rb.start_et, rb.mid_et, rb.first_line), where
        assert np.array_equal(ra.attitude, rb.attitude), f"{where}: attitude differs"
        assert sorted(ra.truth) == sorted(rb.truth), f"{where}: truth planes differ"
        for k in ra.truth:
            assert np.array_equal(ra.truth[k], rb.truth[k], equal_nan=True), f"{where}: truth {k} differs"


def test_plan_respects_the_request_and_the_cores():
    import numba

    cores = numba.get_num_threads()
    assert workers.plan(1) == (1, cores), "framelet_workers = 1 must render one framelet at a time"
    for requested in (0, 2, 3, 64):
        n, threads = workers.plan(requested)
        assert 1 <= n <= max(1, min(cores, requested if requested else workers.MAX_WORKERS))
        assert n * threads <= cores or n == 1, f"{n} workers x {threads} threads oversubscribe {cores} cores"


def test_negative_worker_count_is_refused():
    from simulator.render.types import RenderError

    with pytest.raises(RenderError, match="framelet_workers -1"):
        RenderOptions(framelet_workers=-1)


@pytest.mark.parametrize("n_workers", [2, 3])
def test_side_by_side_gives_the_same_bytes(kernel_cache_dir, n_workers):
    """Noise, compression and truth on, three filters, frames crossing the limb: identical to one at a time."""
    _side_by_side_possible(n_workers)
    base = request_for(default_scenario(), kernel_cache_dir, noise={}, compression="INTEGER COSINE TRANSFORM",
                       filters=("BLUE", "GREEN", "RED"), frames=12, frame_indices=(9, 10, 11),
                       tdi_stages={"BLUE": 1, "GREEN": 3, "RED": 1})
    one = list(render_framelets(_with_workers(base, 1)))
    clock = Stopwatch()
    many = list(render_framelets(_with_workers(base, n_workers), stopwatch=clock))
    _assert_same(one, many)
    assert clock.seconds["detector+compress"] > 0, "the workers' stage times must reach the caller's stopwatch"


def test_side_by_side_with_a_moon(kernel_cache_dir):
    """Extra bodies (their own geometry samples per framelet) render the same side by side."""
    _side_by_side_possible(2)
    base = request_for(load_scenario("io"), kernel_cache_dir, filters=("GREEN", "RED"), frames=6,
                       frame_indices=(1, 2, 3), tdi_stages={"GREEN": 1, "RED": 1})
    _assert_same(list(render_framelets(_with_workers(base, 1))), list(render_framelets(_with_workers(base, 2))))


def test_stopping_early_leaves_spice_clean(kernel_cache_dir):
    """A caller that takes one framelet and stops: the workers end, the render's kernels are unloaded."""
    _side_by_side_possible(2)
    base = request_for(default_scenario(), kernel_cache_dir, filters=("BLUE", "GREEN", "RED"), frames=8,
                       frame_indices=None, tdi_stages={"BLUE": 1, "GREEN": 1, "RED": 1})
    before = spiceypy.ktotal("ALL")
    frames = render_framelets(_with_workers(base, 2))
    first = next(frames)
    frames.close()
    assert (first.frame, first.filter) == (0, "BLUE")
    assert spiceypy.ktotal("ALL") == before, "the render's kernels must be unloaded after an early stop"


def test_worker_error_is_the_sequential_error(kernel_cache_dir):
    """A framelet outside the kernels' coverage fails with the same KernelError either way."""
    _side_by_side_possible(2)
    base = request_for(default_scenario(), kernel_cache_dir, filters=("BLUE", "GREEN", "RED"), frames=1,
                       frame_indices=None, tdi_stages={"BLUE": 1, "GREEN": 1, "RED": 1})
    late = base.with_overrides(start_et=base.start_et + 30 * 86400.0)   # a month past the synthetic kernels
    messages = []
    for n in (1, 2):
        with pytest.raises(KernelError) as err:
            list(render_framelets(_with_workers(late, n)))
        messages.append(str(err.value))
    assert messages[0] == messages[1], f"sequential: {messages[0]!r}; side by side: {messages[1]!r}"


def test_side_by_side_with_a_mesh_body(kernel_cache_dir, tmp_path):
    """A trimesh body (ray casts from several threads at once) renders the same side by side."""
    import trimesh

    from scenes.mesh import MeshAppearance, MeshShape
    from scenes.scene import Body, Scene
    from test_render_common import uniform_scene

    _side_by_side_possible(2)
    path = tmp_path / "io_sphere.ply"
    trimesh.creation.icosphere(subdivisions=3, radius=1821.6).export(path)
    shape = MeshShape.from_file(path)
    base = uniform_scene(0.3)
    scene = Scene(base.bodies + (Body("IO", 501, "IAU_IO", shape, MeshAppearance(shape, 1.0, 0.6)),),
                  base.photometry)
    req = request_for(load_scenario("io"), kernel_cache_dir, filters=("GREEN", "RED"), frames=6,
                      frame_indices=(1, 2, 3), tdi_stages={"GREEN": 1, "RED": 1},
                      options=RenderOptions(supersample=2))
    one = list(render_framelets(_with_workers(req, 1), scene=scene))
    assert any(np.count_nonzero(r.truth["BODY"] == 501) for r in one), "the mesh Io should be in view"
    _assert_same(one, list(render_framelets(_with_workers(req, 2), scene=scene)))


def test_maps_prepared_in_the_background_are_the_maps_built_on_use(kernel_cache_dir):
    """``DetectorChain.prepare`` (the per-filter maps built beside the render's setup) gives the arrays the
    chain builds when a framelet first asks, starts no thread on a one-thread budget, and a failing build
    raises where the map is first used."""
    from instrument_models.junocam import JunoCam
    from simulator.render.electronics import DetectorChain

    req = request_for(default_scenario(), kernel_cache_dir, noise={}, filters=("BLUE", "RED"), frames=1,
                      frame_indices=None, tdi_stages={"BLUE": 1, "RED": 3})
    cam = JunoCam.default()
    with workers.thread_limit(2):
        early = DetectorChain(req, cam)
        early.prepare(req.filters, req.tdi_stages)
        assert len(early._pending) == 2, "both filters' maps must be queued"
    lazy = DetectorChain(req, cam)
    for name in req.filters:
        tdi = req.tdi_stages[name]
        (pa, fa), (pb, fb) = early.filter_maps(name, 128, tdi), lazy.filter_maps(name, 128, tdi)
        for field in ("prnu", "hot", "hot_e", "bias_dn"):
            a, b = getattr(pa, field), getattr(pb, field)
            assert (a is None) == (b is None) and (a is None or np.array_equal(a, b)), f"{name}: {field} differs"
        assert np.array_equal(fa, fb), f"{name}: flat field differs"
        for k, v in early.calibration_truth(name, tdi).items():
            assert np.array_equal(v, lazy.calibration_truth(name, tdi)[k]), f"{name}: truth {k} differs"
    with workers.thread_limit(1):
        single = DetectorChain(req, cam)
        single.prepare(req.filters, req.tdi_stages)
        assert not single._pending, "a one-thread budget must not start the background build"

    def broken(*key):
        raise KernelError(f"map {key} failed")

    single._build_maps = broken         # its maps are not built yet: the background build fails
    with workers.thread_limit(2):
        single.prepare(req.filters, req.tdi_stages)
    with pytest.raises(KernelError, match="BLUE"):
        single.filter_maps("BLUE", 128, 1)

"""Fill numba's on-disk cache of this checkout in the background while the test session starts (a fresh clone).

Run by ``tests/conftest.py`` only when the cache is cold (``python tests/warm_numba.py scene|render LOCKDIR``);
never imported by a test. On a fresh clone every ``cache=True`` loop compiles once (~2.5 min of one core for
the suite, most of it in the renderer's geometry window loop and the scene's albedo loop). Two warmers compile
disjoint sets at once, one core each, while the test process collects and runs its first tests:

- ``scene``: the scene's albedo and photometry loops (``scenes.*``) and the compression coder, by evaluating
  the default scene at a few surface points and coding one small framelet;
- ``render``: one framelet of the ``default`` scenario that crosses the disk, as the scenario says and again
  without noise and compression (geometry window, intercepts, optics, blur, detector chain), with a private
  kernel cache that is deleted afterwards. Before it compiles a loop of :data:`SCENE_WARMER_MODULES` it waits
  for the ``scene`` warmer (``LOCKDIR/scene.lock``), so no two processes ever compile, and write the cache
  of, the same function at once (numba issues #4807 and #10128).

What a warmer writes is only numba's cache, the same files the test process would write. A failure only
costs time: the test process then compiles what is missing itself.
"""

from __future__ import annotations

import fcntl
import signal
import sys
import tempfile
from pathlib import Path


# What the scene warmer compiles: the render warmer compiles none of these before the scene warmer is done.
SCENE_WARMER_MODULES = ("scenes.", "instrument_models.junocam.compression")


def _wait_for(lock_path: Path) -> None:
    """Block until nobody holds ``lock_path`` exclusively (the session holds it while a warmer runs)."""
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        fcntl.flock(handle, fcntl.LOCK_UN)


def warm_scene() -> None:
    import numpy as np

    from instrument_models.junocam.compression import compress, decompress
    from scenes import build_scene

    scene = build_scene({}, seed=1)
    obs = np.array([200_000.0, 0.0, 20_000.0])
    sun = np.array([7.8e8, 0.0, 0.0])
    lat = np.radians(np.linspace(-80.0, 80.0, 64))
    radius = 70_000.0
    points = np.stack([radius * np.cos(lat), np.zeros_like(lat), radius * np.sin(lat)], axis=1)
    for filter_name in ("BLUE", "GREEN", "RED"):
        scene.evaluate(0, filter_name, points, sun, obs, footprint_km=np.full(lat.size, 3.0))
    dn8 = np.random.default_rng(0).integers(0, 256, (128, 1648), dtype=np.uint8)
    for mode in ("LOSSLESS",):
        decompress(compress(dn8, mode), mode, dn8.shape)


def warm_render(lock_dir: Path) -> None:
    from numba.core.dispatcher import Dispatcher

    from simulator.render import RenderRequest, render_framelets
    from simulator.scenario import load_scenario

    original = Dispatcher.compile
    waited = []

    def compile_after_the_scene_warmer(self, sig):
        if not waited and getattr(self.py_func, "__module__", "").startswith(SCENE_WARMER_MODULES):
            _wait_for(lock_dir / "scene.lock")
            waited.append(True)
        return original(self, sig)

    Dispatcher.compile = compile_after_the_scene_warmer
    with tempfile.TemporaryDirectory(prefix="junocam-warm-kernels-") as cache:
        scenario = load_scenario("default")
        for options in ({}, {"noise": {"enabled": False}, "compression": "NONE"}):
            # frame 10 of 11 crosses the lit disk (tests/test_aging.py renders it)
            request = RenderRequest.from_scenario(scenario, Path(cache), frames=11, frame_indices=(10,),
                                                  **options)
            for _ in render_framelets(request):
                pass


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))     # stopped early: still delete the kernel cache
    which, lock_dir = sys.argv[1], Path(sys.argv[2])
    if which == "scene":
        warm_scene()
    else:
        warm_render(lock_dir)

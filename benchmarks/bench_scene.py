"""Scene evaluation speed: one framelet's worth (1648 x 128) of surface points in one filter.

Prints each time as a ratio to a plain numpy operation of the same size timed in the same run: the
analytic ray-ellipsoid intersection of 1648 x 128 rays (``Ellipsoid.intersect``). Two ratios: wall-clock
time, and this process's CPU time (steadier when other programs load the machine). Cases and reference
are timed alternately and the best of each kept, so a burst of load hits both alike.

Then the compiled albedo (scenes.compiled_albedo) against the numpy code on the same points, with one
thread and with all numba threads, band-limited (30 km footprint) and with all detail, and the cost of
the first call in a fresh process with and without numba's on-disk cache.

Last, the cloud field's texture measured as issue #13 measured a real PJ32 GREEN image (patch contrast and
power-spectrum slopes, scenes.texture_stats) and the bright-limb falloff of the default photometry.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from scenes import build_scene, compiled_albedo
from scenes.photometry import bright_limb_falloff
from scenes.texture_stats import PATCH_KM
from scenes.truth import TEXTURE_MAX_RADIUS, TEXTURE_PHASE_DEG, TEXTURE_PIXEL_KM, scene_texture

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency
    numba = None

SAMPLES, LINES = 1648, 128
REPEATS = 7


def _timed(func) -> tuple[float, float]:
    """(wall, CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    func()
    return time.perf_counter() - wall, time.process_time() - cpu


def _ratios(func, reference, repeats=REPEATS) -> tuple[float, float, float]:
    """Best wall and CPU time of ``func`` over those of ``reference`` (measured alternately), and its best
    wall time in seconds."""
    best_f = best_r = (np.inf, np.inf)
    for _ in range(repeats):
        best_r = np.minimum(best_r, _timed(reference))
        best_f = np.minimum(best_f, _timed(func))
    return best_f[0] / best_r[0], best_f[1] / best_r[1], best_f[0]


def _framelet_geometry(scene):
    """Rays from 10,000 km above 20 S fanned over a ~58 x 5 deg strip, and their surface points."""
    shape = scene.bodies[0].shape
    obs = shape.surface_point(-20.0, 300.0) * (1.0 + 10000.0 / 71492.0)
    down = -obs / np.linalg.norm(obs)
    east = np.cross([0.0, 0.0, 1.0], down)
    east /= np.linalg.norm(east)
    north = np.cross(down, east)
    a = np.radians(np.linspace(-29.0, 29.0, SAMPLES))
    b = np.radians(np.linspace(-2.45, 2.45, LINES))
    aa, bb = np.meshgrid(a, b)
    dirs = down + np.tan(aa).reshape(-1, 1) * east + np.tan(bb).reshape(-1, 1) * north
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    origins = np.broadcast_to(obs, dirs.shape).copy()
    return origins, dirs, obs


def main() -> None:
    scene = build_scene({}, seed=1)
    shape = scene.bodies[0].shape
    origins, dirs, obs = _framelet_geometry(scene)
    points, t = shape.intersect_points(origins, dirs)
    hit = np.isfinite(t)
    points = points[hit]
    sun = np.array([7.4e8, 2.0e8, 0.0])
    lat_pc, lat_pg, lon_w = shape.lonlat(points)
    appearance = scene.bodies[0].appearance
    def reference():
        shape.intersect(origins, dirs)

    cases = (
        ("normal_albedo, all detail (2.5 km cells)", lambda: appearance.normal_albedo("RED", lat_pg, lon_w)),
        ("normal_albedo, footprint 3 km",
         lambda: appearance.normal_albedo("RED", lat_pg, lon_w, footprint_km=3.0)),
        ("normal_albedo, footprint 50 km",
         lambda: appearance.normal_albedo("RED", lat_pg, lon_w, footprint_km=50.0)),
        ("normal_albedo METHANE, footprint 3 km",
         lambda: appearance.normal_albedo("METHANE", lat_pg, lon_w, footprint_km=3.0)),
        ("scene.evaluate (all backplanes + I/F), 3 km",
         lambda: scene.evaluate(0, "RED", points, sun, obs, footprint_km=3.0)),
        ("scene.evaluate, per-pixel footprints 3-9 km",
         lambda: scene.evaluate(0, "RED", points, sun, obs, footprint_km=footprints)),
    )
    footprints = np.linspace(3.0, 9.0, points.shape[0])
    n = SAMPLES * LINES
    print(f"{n} points ({hit.sum()} on Jupiter); reference = ray-ellipsoid intersection of {n} rays "
          f"(best of {REPEATS}; ratios of wall-clock and of CPU time)")
    for label, func in cases:
        wall, cpu, seconds = _ratios(func, reference)
        print(f"  {label:<46s} {wall:5.1f} x wall  {cpu:5.1f} x CPU  ({seconds * 1e3:.0f} ms)")
    _compiled_albedo(appearance, lat_pg, lon_w)
    _texture(appearance, scene.photometry)


def _texture(appearance, photometry) -> None:
    """The cloud field measured as issue #13 measured a real PJ32 GREEN image (scenes.truth.scene_texture); the
    real figures are its mission map decompanded to DN and read in its own geometry (README "Texture as real
    images show it"), a different framing from these views."""
    print(f"texture, GREEN, noise-free I/F at {TEXTURE_PIXEL_KM:.0f} km/px, {TEXTURE_PHASE_DEG:.0f} deg phase, "
          f"patches {PATCH_KM:.0f} km within {TEXTURE_MAX_RADIUS} R (real PJ32 map as DN, its own framing: plane "
          f"removed 3.45 %, plain 6.78 %, slopes -2.93 at 1,200-4,800 km and -2.92 at 400-1,200 km):")
    results = scene_texture(appearance, photometry)
    for r in results:
        large, small = r["slopes"]
        print(f"  view {r['lat']:+5.1f} N {r['lon']:5.1f} W: contrast median {100 * r['contrast_median']:.2f} % "
              f"(10-90 %: {100 * r['contrast_p10']:.2f}-{100 * r['contrast_p90']:.2f}; detrended "
              f"{100 * r['texture_median']:.2f} %), slopes {large:+.2f} / {small:+.2f}")
    slopes = np.mean([r["slopes"] for r in results], axis=0)
    print(f"  median over views {100 * np.median([r['contrast_median'] for r in results]):.2f} % (detrended "
          f"{100 * np.median([r['texture_median'] for r in results]):.2f} %), "
          f"mean slopes {slopes[0]:+.2f} / {slopes[1]:+.2f}")
    falloff = ", ".join(f"{a:.0f} deg {100 * bright_limb_falloff(photometry, 'GREEN', a):.0f} %"
                        for a in (0.0, 15.0, 25.0, 35.0))
    print(f"  bright-limb falloff 0.9 -> 0.995 R, GREEN (real 13-19 %): {falloff}")


def _with_numpy(func):
    """``func`` run with the compiled albedo switched off (the numpy reference path)."""
    def run():
        saved, compiled_albedo.AVAILABLE = compiled_albedo.AVAILABLE, False
        try:
            func()
        finally:
            compiled_albedo.AVAILABLE = saved
    return run


def _with_threads(func, threads):
    def run():
        saved = numba.get_num_threads()
        numba.set_num_threads(threads)
        try:
            func()
        finally:
            numba.set_num_threads(saved)
    return run


_COMPILE_SCRIPT = ("import time; t = time.perf_counter(); from scenes import JupiterAppearance; "
                   "JupiterAppearance(seed=1).normal_albedo('RED', [10.0], [20.0], footprint_km=30.0); "
                   "print(time.perf_counter() - t)")


def _first_call_seconds(cache_dir: str) -> float:
    """Import + first ``normal_albedo`` call in a fresh interpreter using numba cache ``cache_dir``."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir)
    out = subprocess.run([sys.executable, "-c", _COMPILE_SCRIPT], env=env, capture_output=True, text=True,
                         check=True)
    return float(out.stdout.split()[-1])


def _compiled_albedo(appearance, lat_pg, lon_w) -> None:
    """The compiled albedo (scenes.compiled_albedo) against its numpy reference on the same points."""
    if not compiled_albedo.AVAILABLE:
        print("compiled albedo: numba not installed (the numpy path is used)")
        return
    threads = numba.get_num_threads()
    print(f"compiled albedo vs the numpy path, {lat_pg.size} points, RED (ratio = numpy time / compiled "
          f"time, best of {REPEATS}; wall and CPU):")
    for label, footprint in (("footprint 30 km", 30.0), ("all detail", None)):
        def call():
            appearance.normal_albedo("RED", lat_pg, lon_w, footprint_km=footprint)
        for n_threads in sorted({1, threads}):
            wall, cpu, seconds = _ratios(_with_numpy(call), _with_threads(call, n_threads))
            print(f"  {label:<16s} {n_threads} thread{'s' if n_threads > 1 else ' '}: {wall:5.1f} x wall  "
                  f"{cpu:5.1f} x CPU faster  (compiled {seconds / wall * 1e3:.1f} ms, numpy "
                  f"{seconds * 1e3:.1f} ms)")
    with tempfile.TemporaryDirectory() as cache_dir:
        cold = _first_call_seconds(cache_dir)
        warm = _first_call_seconds(cache_dir)
    print(f"  first call in a new process (import + JIT): {cold:.1f} s without numba's cache, {warm:.2f} s "
          f"from the cache (cache=True)")


if __name__ == "__main__":
    main()

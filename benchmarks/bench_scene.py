"""Scene evaluation speed: one framelet's worth (1648 x 128) of surface points in one filter.

Prints each time as a ratio to a plain numpy operation of the same size timed in the same run: the
analytic ray-ellipsoid intersection of 1648 x 128 rays (``Ellipsoid.intersect``). Two ratios: wall-clock
time, and this process's CPU time (steadier when other programs load the machine). Cases and reference
are timed alternately and the best of each kept, so a burst of load hits both alike.
"""

from __future__ import annotations

import time

import numpy as np

from scenes import build_scene

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


if __name__ == "__main__":
    main()

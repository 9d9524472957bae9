"""Benchmark of the renderer: a 26-frame BLUE/GREEN/RED raw image (1648 x 9984) with truth.

Reports pixels per second, the ratio to a bare numpy ray-ellipsoid intersection of the same pixel count
timed in the same run (target >= 1.0: the whole chain no slower than naive geometry alone), peak memory
(resident set size, target < 2 GB) and where the time goes per stage.

Run: ``.venv/bin/python -m benchmarks.bench_render [--frames 26]`` (or ``python -m benchmarks`` for all).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

import numpy as np

from simulator.render import RenderRequest, Stopwatch, render_framelets
from simulator.scenario import load_scenario

JUPITER_RADII_KM = np.array([71492.0, 71492.0, 66854.0])  # pck00010.tpc (facts.md "Jupiter")
CHUNK_RAYS = 1 << 20


def bare_intersection_s(n_rays: int, rng: np.random.Generator) -> float:
    """Seconds for a plain numpy ray-ellipsoid intersection of ``n_rays`` rays (chunks of 1M)."""
    origin = np.array([0.0, -150_000.0, 20_000.0])
    start = time.perf_counter()
    done = 0
    while done < n_rays:
        m = min(CHUNK_RAYS, n_rays - done)
        d = rng.normal([0.0, 1.0, -0.1], 0.3, size=(m, 3))
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        o = origin / JUPITER_RADII_KM
        u = d / JUPITER_RADII_KM
        a = np.einsum("ij,ij->i", u, u)
        b = 2.0 * (u @ o)
        c = o @ o - 1.0
        disc = b * b - 4.0 * a * c
        t = np.where(disc >= 0.0, (-b - np.sqrt(np.clip(disc, 0.0, None))) / (2.0 * a), np.nan)
        _ = origin + t[:, None] * d
        done += m
    return time.perf_counter() - start


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=26, help="frames to render (default 26)")
    parser.add_argument("--scenario", default="default", help="scenario name or path (default: default)")
    args = parser.parse_args([] if argv is None else argv)   # `python -m benchmarks` passes nothing

    scenario = load_scenario(args.scenario)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as cache:
        request = RenderRequest.from_scenario(scenario, cache_dir=cache, frames=args.frames,
                                              filters=("BLUE", "GREEN", "RED"),
                                              tdi_stages={"BLUE": 1, "GREEN": 1, "RED": 1})
        clock = Stopwatch()
        pixels = framelets = on_body = 0
        start = time.perf_counter()
        for result in render_framelets(request, stopwatch=clock):
            pixels += result.dn8.size
            on_body += int(np.count_nonzero(result.truth["BODY"]))
            framelets += 1
        render_s = time.perf_counter() - start
    bare_s = bare_intersection_s(pixels, np.random.default_rng(0))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    lines = framelets * 128 // request.summing
    print(f"render: {framelets} framelets, {1648 // request.summing} x {lines} px, "
          f"{on_body / pixels:.0%} of pixels on Jupiter")
    print(f"  {render_s:.1f} s, {pixels / render_s:,.0f} px/s; bare numpy ray-ellipsoid intersection of "
          f"{pixels:,} rays: {bare_s:.2f} s")
    print(f"  ratio (bare intersection time / render time, target >= 1.0): {bare_s / render_s:.3f}")
    print(f"  peak resident memory: {peak_mb:,.0f} MB (target < 2048 MB)")
    total = sum(clock.seconds.values())
    for name, sec in sorted(clock.seconds.items(), key=lambda kv: -kv[1]):
        count = clock.counts.get(name, 0)
        per = f", {sec / count * 1e6:.2f} us per ray/sample" if count else ""
        print(f"  {name:18s} {sec:8.1f} s  {sec / total:5.1%}{per}")
    return {"pixels": pixels, "render_s": render_s, "bare_s": bare_s, "ratio": bare_s / render_s,
            "peak_mb": peak_mb, "stages": dict(clock.seconds)}


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])

"""Benchmark of the renderer: a 26-frame BLUE/GREEN/RED raw image (1648 x 9984) with truth.

Reports pixels per second, the ratio to a bare numpy ray-ellipsoid intersection of the same pixel count
timed in the same run (target >= 1.0: the whole chain no slower than naive geometry alone), peak memory
(resident set size, target < 2 GB) and where the time goes per stage. The image is rendered twice: the
ratio is the second render's; the first render in a process also loads numba's compiled code from its
cache (~0.3 s, once per process), and its time and ratio are printed beside.

``--cpu`` renders it a third time in one thread and prints CPU seconds per stage (``time.thread_time``) and
a one-thread ratio, both far less sensitive than wall time to other processes on a shared machine.

``--baseline DIR [--repeat N]`` runs this benchmark N times (default 3) for the code under DIR (another checkout,
e.g. ``git worktree add --detach ../base main``) and for this tree, alternating in fresh processes (baseline 1,
this 1, baseline 2, ...), and prints the medians side by side with their ratios: before/after in one run, the
two trees seeing the same machine load. The harness is always this file; only the code it times differs.

Run: ``.venv/bin/python -m benchmarks.bench_render [--frames 26] [--cpu] [--baseline DIR [--repeat N]]`` (or
``python -m benchmarks`` for all).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from simulator.render import RenderRequest, Stopwatch, render_framelets
from simulator.scenario import load_scenario

JUPITER_RADII_KM = np.array([71492.0, 71492.0, 66854.0])  # pck00010.tpc (facts.md "Jupiter")
CHUNK_RAYS = 1 << 20


def bare_intersection_s(n_rays: int, rng: np.random.Generator, timer=time.perf_counter) -> float:
    """Seconds (of ``timer``) for a plain numpy ray-ellipsoid intersection of ``n_rays`` rays (chunks of 1M)."""
    origin = np.array([0.0, -150_000.0, 20_000.0])
    start = timer()
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
    return timer() - start


def detector_breakdown(request, iof: np.ndarray, filter_name: str, repeats: int = 5) -> dict[str, float]:
    """Milliseconds per framelet of each step of the detector+compress stage, best of ``repeats``, on one
    rendered framelet's I/F (the truth plane, unsummed when ``summing`` is 1)."""
    from instrument_models.junocam import JunoCam, compand, compress, decompress
    from instrument_models.junocam import detector as det
    from instrument_models.junocam.electronics import sum_pixels
    from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM
    from simulator.render.electronics import DetectorChain

    cam = JunoCam.default()
    chain = DetectorChain(request, cam)
    exposure, solar_km = cam.exposure_s(1), JUPITER_SOLAR_DISTANCE_KM
    e = chain.photo_electrons(iof, filter_name, exposure, solar_km)
    pattern, flat = chain.filter_maps(filter_name, e.shape[0])
    dn12, _ = det.apply_chain_with_truth(e, cam.detector, exposure, np.random.default_rng(0), pattern=pattern,
                                         flat=flat, switches=chain.switches)
    dn8 = compand(sum_pixels(dn12, request.summing), request.companding)
    data = compress(dn8, request.compression, request.quality)
    steps = {
        "deterministic (flat, dark, hot)": lambda: det.mean_charge(e, cam.detector, exposure, pattern=pattern,
                                                                   flat=flat, switches=chain.switches),
        "noisy + noise-free chain": lambda: det.apply_chain_with_truth(
            e, cam.detector, exposure, np.random.default_rng(0), pattern=pattern, flat=flat, switches=chain.switches),
        "  of which shot noise": lambda: det.add_shot_noise(e, np.random.default_rng(0)),
        "summing + companding": lambda: compand(sum_pixels(dn12, request.summing), request.companding),
        "compress": lambda: compress(dn8, request.compression, request.quality),
        "decompress": lambda: decompress(data, request.compression, dn8.shape),
        "whole expose": lambda: chain.expose(iof, filter_name, 1, solar_km, 0),
    }
    best = {}
    for name, step in steps.items():
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        best[name] = 1e3 * min(times)
    return best


def cpu_breakdown(request, frames: int) -> dict:
    """The image rendered once more in this thread alone (``workers.thread_limit(1)``: one numba thread, no
    framelet workers, noise blocks in turn), timed in CPU seconds of the thread (``time.thread_time``), which
    other processes on a loaded machine inflate far less than wall time; with the bare intersection timed the
    same way. Returns ``{"render_s", "bare_s", "stages"}``."""
    from simulator.render import workers

    with workers.thread_limit(1):
        clock = Stopwatch(timer=time.thread_time)
        start = time.thread_time()
        run = _render(request, frames, clock)
        render_s = time.thread_time() - start
    bare_s = bare_intersection_s(run["pixels"], np.random.default_rng(0), timer=time.thread_time)
    return {"render_s": render_s, "bare_s": bare_s, "stages": dict(clock.seconds)}


def _print_stages(seconds: dict, counts: dict) -> None:
    total = sum(seconds.values())
    for name, sec in sorted(seconds.items(), key=lambda kv: -kv[1]):
        count = counts.get(name, 0)
        per = f", {sec / count * 1e6:.2f} us per ray/sample" if count else ""
        print(f"  {name:18s} {sec:8.2f} s  {sec / total:5.1%}{per}")


def _threads(request) -> str:
    """Framelets in flight, the compiled loops' thread count and layer (numba), or a note that the numpy
    path ran."""
    from simulator.render import workers

    try:
        import numba

        n, threads = workers.plan(request.options.framelet_workers)
        return (f"{n} framelet(s) side by side x {threads} numba thread(s) each ({numba.get_num_threads()} cores, "
                f"{numba.threading_layer()} layer)")
    except (ImportError, ValueError):   # no numba, or no parallel loop has run (numpy path)
        return "numpy path"


def _render(request, frames: int, clock: Stopwatch | None = None) -> dict:
    """Render the request once; seconds, pixel counts and a sample framelet's I/F for the detector breakdown."""
    pixels = framelets = on_body = 0
    sample = None
    start = time.perf_counter()
    for result in render_framelets(request, stopwatch=clock):
        pixels += result.dn8.size
        if result.frame == frames // 2 and sample is None and "IOF" in result.truth:
            sample = (np.nan_to_num(result.truth["IOF"].astype(float)), result.filter)
        on_body += int(np.count_nonzero(result.truth["BODY"]))
        framelets += 1
    return {"seconds": time.perf_counter() - start, "pixels": pixels, "framelets": framelets,
            "on_body": on_body, "sample": sample}


# The figures --baseline compares: (label, key path in main()'s result, format).
COMPARED = (("ratio (bare / render, wall)", ("ratio",), "{:.3f}"), ("render wall s", ("render_s",), "{:.2f}"),
            ("one-thread CPU ratio", ("cpu", "ratio"), "{:.3f}"), ("one-thread render CPU s", ("cpu", "render_s"),
                                                                   "{:.2f}"))


def _figure(result: dict, path: tuple):
    for key in path:
        result = None if result is None else result.get(key)
    return result


def compare_trees(baseline: str, repeat: int, args: list[str]) -> dict[str, list[dict]]:
    """This benchmark (``args``, plus ``--json``) run ``repeat`` times for the code under ``baseline`` and for this
    tree, alternating, each run a fresh process executing this file with the tree first on ``PYTHONPATH``.
    Returns ``{"baseline": [result, ...], "this tree": [...]}`` (``main()``'s dicts)."""
    from benchmarks.bench_dataset import _env

    trees = {"baseline": Path(baseline).resolve(), "this tree": Path(__file__).resolve().parents[1]}
    results: dict[str, list[dict]] = {name: [] for name in trees}
    for _ in range(repeat):
        for name, root in trees.items():
            out = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args, "--json"], env=_env(root),
                                 cwd=root, check=True, capture_output=True, text=True).stdout
            results[name].append(json.loads(out.strip().splitlines()[-1]))
    return results


def _print_comparison(results: dict[str, list[dict]], baseline: str) -> None:
    runs = len(results["baseline"])
    print(f"baseline {baseline} vs this tree, medians of {runs} alternating runs (fresh processes):")
    for label, path, fmt in COMPARED:
        values = {name: [_figure(r, path) for r in rs] for name, rs in results.items()}
        if any(v is None for vs in values.values() for v in vs):
            continue
        before, after = (float(np.median(values[name])) for name in ("baseline", "this tree"))
        print(f"  {label:28s} baseline {fmt.format(before)}, this tree {fmt.format(after)}, "
              f"this / baseline {after / before:.3f}   (runs: {', '.join(fmt.format(v) for v in values['this tree'])}"
              f" vs {', '.join(fmt.format(v) for v in values['baseline'])})")


def _plain(value):
    """``main()``'s result as JSON-ready values (numpy scalars to floats)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return float(value) if isinstance(value, (float, int, np.floating, np.integer)) else value


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=26, help="frames to render (default 26)")
    parser.add_argument("--scenario", default="default", help="scenario name or path (default: default)")
    parser.add_argument("--cpu", action="store_true",
                        help="also render once in one thread and print CPU seconds per stage (for a loaded machine)")
    parser.add_argument("--baseline", metavar="DIR",
                        help="also time the code under DIR (another checkout), alternating with this tree's")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tree with --baseline (default 3)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON line at the end")
    args = parser.parse_args([] if argv is None else argv)   # `python -m benchmarks` passes nothing
    if args.baseline:
        forwarded = ["--frames", str(args.frames), "--scenario", args.scenario] + (["--cpu"] if args.cpu else [])
        results = compare_trees(args.baseline, max(1, args.repeat), forwarded)
        _print_comparison(results, args.baseline)
        return results

    scenario = load_scenario(args.scenario)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as cache:
        request = RenderRequest.from_scenario(scenario, cache_dir=cache, frames=args.frames,
                                              filters=("BLUE", "GREEN", "RED"),
                                              tdi_stages={"BLUE": 1, "GREEN": 1, "RED": 1})
        # The same image twice: first as the process's first render (numba loads its cached machine code,
        # about 0.3 s once per process), then again, which is what every later render in a process costs.
        cold = _render(request, args.frames)
        clock = Stopwatch()
        warm = _render(request, args.frames, clock)
        cpu = cpu_breakdown(request, args.frames) if args.cpu else None
    pixels, framelets, on_body, sample = warm["pixels"], warm["framelets"], warm["on_body"], warm["sample"]
    render_s, cold_s = warm["seconds"], cold["seconds"]
    bare_s = bare_intersection_s(pixels, np.random.default_rng(0))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    lines = framelets * 128 // request.summing
    print(f"render: {framelets} framelets, {1648 // request.summing} x {lines} px, "
          f"{on_body / pixels:.0%} of pixels on Jupiter; bare numpy ray-ellipsoid intersection of "
          f"{pixels:,} rays: {bare_s:.2f} s")
    print(f"  render {render_s:.2f} s, {pixels / render_s:,.0f} px/s; "
          f"ratio (bare intersection time / render time, target >= 1.0): {bare_s / render_s:.3f}")
    print(f"  first render in the process (includes loading the compiled code): {cold_s:.2f} s, "
          f"ratio {bare_s / cold_s:.3f}")
    print(f"  peak resident memory: {peak_mb:,.0f} MB (target < 2048 MB)")
    print(f"  threads: {_threads(request)} (the bare intersection is single-threaded numpy)")
    print("  stage times summed over the framelets in flight (thread seconds; shares of their total):")
    _print_stages(clock.seconds, clock.counts)
    if cpu is not None:
        print(f"  one thread, CPU seconds: render {cpu['render_s']:.2f} s, bare intersection {cpu['bare_s']:.2f} s, "
              f"ratio {cpu['bare_s'] / cpu['render_s']:.3f}; per stage:")
        _print_stages(cpu["stages"], clock.counts)
    detector = {}
    if sample is not None and request.summing == 1:
        detector = detector_breakdown(request, *sample)
        print(f"  detector+compress per {sample[1]} framelet (frame {args.frames // 2}, {request.compression}), "
              "best of 5:")
        for name, ms in detector.items():
            print(f"    {name:34s} {ms:7.2f} ms")
    result = {"pixels": pixels, "render_s": render_s, "cold_render_s": cold_s, "bare_s": bare_s,
              "ratio": bare_s / render_s, "cold_ratio": bare_s / cold_s,
              "peak_mb": peak_mb, "stages": dict(clock.seconds), "detector_ms": detector, "cpu": cpu}
    if cpu is not None:
        cpu["ratio"] = cpu["bare_s"] / cpu["render_s"]
    if args.json:
        print(json.dumps(_plain(result)))
    return result


if __name__ == "__main__":
    main(sys.argv[1:])

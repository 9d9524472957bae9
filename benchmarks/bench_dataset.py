"""Benchmark of datasets at scale (issue #16), every figure measured in this one run.

Reports:

- ``render`` command / renderer: wall time of a whole ``junocam-sim render`` of a 26-frame BLUE/GREEN/RED
  image (a fresh process: imports, kernels from the cache, render, every product file) divided by the time of
  ``render_framelets`` alone on the same request in this process (goal <= 1.5);
- truth bytes / raw PNG bytes of that product, at each truth level (goal <= 10), and the seconds (wall and
  CPU) ``write_truth_fits`` takes for its planes at each level, in this process with one writer process, at
  the default ``coding="differences"`` and, for comparison in the same run, ``coding="values"`` (the layout
  before issue #16 round 4: quantised floats, HCOMPRESS at full);
- ``junocam-sim --help`` wall time, median of 5 (goal <= 0.5 s);
- the render command's wall and CPU seconds (its truth-encoding processes included) at each truth level;
- products per hour of a small dataset with 1 single-threaded worker and with 2, and their ratio (goal >= 1.7
  on 2 cores; meaningless on a machine others are using: the load average is printed beside it), over the
  whole runs and in steady state (each lane's first item, which carries the worker's start-up, left out: what
  a thousand-item dataset sees), beside this machine's own ceiling for two processes (the same numpy step in
  two processes at once / in one).

Run: ``python -m benchmarks.bench_dataset [--frames 26] [--items 8]`` (or ``python -m benchmarks dataset``).
``--command-only`` stops after the render command's figures (no dataset runs); ``--scaling-only`` runs only the
products-per-hour figures; ``--baseline DIR`` also times the render command (at each truth level, against one
renderer time) and the dataset runs of another source tree (e.g. ``git archive <commit> | tar -x -C DIR``),
alternating with this one's, so before/after come from one run; ``--repeat N`` times each render-command level
N times (the trees alternating which goes first) and prints medians. Each dataset run is traced
(``simulator.dataset.trace``): its lanes' start-up, items and idle tail are printed beside the products per hour.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = """
[dataset]
name = "bench"
seed = 1
count = {items}
base = ["default"]
truth = "minimal"

[overrides]
imaging = {{ frames = {frames}, filters = ["BLUE", "GREEN", "RED"] }}

[vary]
"errors.start_time_jitter_ms" = {{ normal = [0.0, 5.0] }}
"imaging.tdi" = [1, 2]
"""


def _env(root: Path = ROOT) -> dict:
    return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}


def _cli(*args: str, root: Path = ROOT) -> float:
    """Wall seconds of ``junocam-sim ARGS`` in a fresh process (raises on a non-zero exit)."""
    return _cli_cost(*args, root=root)[0]


def _cli_cost(*args: str, root: Path = ROOT) -> tuple[float, float]:
    """(wall, CPU) seconds of ``junocam-sim ARGS`` in a fresh process running the code under ``root``; CPU
    counts its own processes too."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "simulator.cli", *args], env=_env(root), check=True,
                   stdout=subprocess.DEVNULL, cwd=root)   # "-m" puts the working folder first on sys.path
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def help_seconds(repeats: int = 5) -> float:
    return statistics.median(_cli("--help") for _ in range(repeats))


def renderer_seconds(frames: int) -> float:
    """Seconds of ``render_framelets`` alone (the product's request: scenario default, given frames)."""
    from simulator.render import RenderRequest, render_framelets
    from simulator.scenario import load_scenario

    scenario = load_scenario("default").replace(imaging={"frames": frames, "filters": ["BLUE", "GREEN", "RED"]})
    request = RenderRequest.from_scenario(scenario)
    for _ in render_framelets(request.with_overrides(frame_indices=(0,))):
        pass   # warm: numba's cached code, kernels
    start = time.perf_counter()
    for _ in render_framelets(request):
        pass
    return time.perf_counter() - start


TRUTH_LEVELS = ("full", "minimal", "none")


def render_command(frames: int, tmp: Path, baseline: Path | None = None, repeat: int = 1
                   ) -> tuple[dict[str, tuple[float, float]], dict[str, int], dict[str, tuple[float, float]]]:
    """((wall, CPU) seconds of the render command by truth level, bytes by file role and truth level, and the
    same seconds for the ``baseline`` source tree, timed right after this tree's at each level; empty without
    it). The baseline's sizes are keyed ``baseline_<role>``. With ``repeat`` > 1 every level is timed that many
    times, the two trees alternating which goes first, and the seconds are the medians (wall and CPU apart)."""
    roots = {"": ROOT, **({"baseline_": Path(baseline).resolve()} if baseline else {})}
    for prefix, root in roots.items():   # kernel cache, numba cache (each tree compiles its own once) and
        # calibration/'s cache (filters and TDI make the camera's frames, not the frame count)
        _cli("render", "--frames", "1", "--filters", "BLUE,GREEN,RED", "--out", str(tmp / f"{prefix}warm"),
             root=root)
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {}
    sizes = {}
    for round_ in range(max(1, int(repeat))):
        for level in TRUTH_LEVELS:
            for prefix, root in (roots.items() if round_ % 2 == 0 else reversed(roots.items())):
                folder = tmp / f"{prefix}{level}-{round_}"
                runs.setdefault((prefix, level), []).append(_cli_cost(
                    "render", "--frames", str(frames), "--filters", "BLUE,GREEN,RED", "--truth", level, "--out",
                    str(folder), root=root))
                product = next(p for p in folder.iterdir() if not p.name.startswith("."))
                if level != "none":
                    sizes[f"{prefix}truth_{level}"] = sum(p.stat().st_size for p in (product / "truth").glob("*.fits"))
                sizes[f"{prefix}raw_png"] = sum(p.stat().st_size for p in (product / "ImageSet").glob("*.png"))
                if round_ or level != "full" or prefix:     # the first full product is read again later
                    shutil.rmtree(folder)
    median = {key: (statistics.median(w for w, _ in costs), statistics.median(c for _, c in costs))
              for key, costs in runs.items()}
    seconds = {level: median["", level] for level in TRUTH_LEVELS}
    before = {level: median["baseline_", level] for level in TRUTH_LEVELS} if baseline else {}
    return seconds, sizes, before


def truth_write_seconds(product: Path, tmp: Path) -> dict[tuple[str, str], tuple[float, float, int]]:
    """(wall s, CPU s, bytes) of writing the product's truth planes again, by (level, coding), one writer
    process: ``differences`` (the default: line differences, LAT_PC as a residual) against ``values`` (every
    plane quantised floats any FITS reader decodes: the layout before issue #16 round 4), in one run.

    The planes are the product's full truth FITS read back (already on the quantisation grid, so the bytes
    match the product's within a few tiles).
    """
    from simulator.products.reader import read_truth_planes
    from simulator.products.truth import TruthStorage, write_truth_fits

    planes = read_truth_planes(next((product / "truth").glob("*.fits")))
    out = {}
    for level in ("full", "minimal"):
        for coding in ("differences", "values"):
            path = tmp / f"rewrite-{level}-{coding}.fits"
            wall, cpu = time.perf_counter(), time.process_time()
            write_truth_fits(path, planes, product_id="P", scenario="bench", seed=1, abcorr="LT+S",
                             software_version="bench", storage=TruthStorage(level=level, coding=coding))
            out[level, coding] = (time.perf_counter() - wall, time.process_time() - cpu, path.stat().st_size)
    return out


def truth_plane_bytes(product: Path) -> dict[str, int]:
    """Bytes of each plane's extension in the product's truth FITS (header, tile table and heap), largest first."""
    from astropy.io import fits

    with fits.open(next((product / "truth").glob("*.fits")), disable_image_compression=True) as hdul:
        sizes = {hdu.name: len(hdu.header.tostring()) + hdu.header["NAXIS1"] * hdu.header["NAXIS2"]
                 + hdu.header["PCOUNT"] for hdu in hdul[1:]}
    return dict(sorted(sizes.items(), key=lambda item: -item[1]))


def products_per_hour(workers: int, items: int, frames: int, tmp: Path, root: Path = ROOT
                      ) -> tuple[float, float, float, list[dict]]:
    """(products per hour over the whole run, in steady state, start-up seconds, timeline) of a dataset run of
    the code under ``root``.

    Steady state: every lane's first item excluded, the rate of the items finished after the last lane's
    first one (their ``items/<index>.json`` are written as each ends), which is what a thousand-item dataset
    sees. Start-up: the first item's time minus the steady per-lane item time (process start, imports,
    numba's cache, the first kernel furnish). Timeline: the run's phases per process
    (``simulator.dataset.trace``; empty for a tree without the tracer), wall times relative to the start.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    spec = tmp / f"spec-{workers}.toml"
    spec.write_text(SPEC.format(items=items, frames=frames), encoding="utf-8")
    out = spec.with_suffix("")
    trace_file = spec.with_suffix(".trace")
    start = time.time()
    os.environ["JUNOCAM_DATASET_TRACE"] = str(trace_file)
    try:
        seconds = _cli("dataset", str(spec), "--out", str(out), "--workers", str(workers),
                       "--threads-per-worker", "1", "--truth", "minimal", root=root)
    finally:
        del os.environ["JUNOCAM_DATASET_TRACE"]
    timeline = []
    if trace_file.is_file():
        from simulator.dataset.trace import read_timeline

        timeline = [{**r, "wall0": r["wall0"] - start, "wall1": r["wall1"] - start}
                    for r in read_timeline(trace_file)]
        timeline.append({"pid": 0, "phase": "end", "wall0": seconds, "wall1": seconds, "cpu0": 0.0, "cpu1": 0.0})
    done = sorted(p.stat().st_mtime - start for p in (out / "items").glob("*.json"))
    if len(done) != items or items <= workers:
        return items * 3600.0 / seconds, float("nan"), float("nan"), timeline
    steady = (items - workers) / (done[-1] - done[workers - 1])
    return items * 3600.0 / seconds, steady * 3600.0, done[0] - workers / steady, timeline


def lane_summary(timeline: list[dict]) -> str:
    """Per process of a run: wall seconds before its first item (start-up: interpreter, imports, kernels,
    numba's cache for the parent's lane is inside its first item), in items, idle at the end (from its last
    item to the run's end), and CPU seconds of its start-up and items; the parent's phases after the items."""
    if not timeline:
        return "(no timeline: this tree has no tracer)"
    end = timeline[-1]["wall1"]
    pids = list(dict.fromkeys(r["pid"] for r in timeline if r["phase"] != "end"))
    parts = []
    for k, pid in enumerate(pids):
        rows = [r for r in timeline if r["pid"] == pid]
        items = [r for r in rows if r["phase"] == "item"]
        if not items:
            continue
        first = min(r["wall0"] for r in items)
        last = max(r["wall1"] for r in items)
        before_cpu = sum(r["cpu1"] - r["cpu0"] for r in rows if r["phase"] in ("start", "spawn", "imports",
                                                                              "prepare", "kernels"))
        item_cpu = sum(r["cpu1"] - r["cpu0"] for r in items)
        after = "".join(f", {r['phase']} {r['wall1'] - r['wall0']:.1f} s" for r in rows
                        if r["phase"] in ("manifest", "export"))
        parts.append(f"{'parent' if k == 0 else f'worker {k}'}: start-up {first:.1f} s ({before_cpu:.1f} CPU-s), "
                     f"{len(items)} items {sum(r['wall1'] - r['wall0'] for r in items):.1f} s ({item_cpu:.1f} "
                     f"CPU-s), idle at the end {end - last:.1f} s{after}")
    return "; ".join(parts)


_CEILING_SECONDS = 3.0


def _ceiling_work(seconds: float = _CEILING_SECONDS) -> int:
    """Rounds of a render-like step (float64 framelet-sized arrays: trigonometry, products, a reduction)
    done in ``seconds`` by this process."""
    import numpy as np

    a = np.linspace(0.0, 1.0, 160 * 1648).reshape(160, 1648)
    out = np.empty_like(a)
    rounds, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        np.sin(a, out=out)
        out *= a
        np.sqrt(out, out=out)
        float(out.sum())
        rounds += 1
    return rounds


def machine_ceiling() -> float:
    """Throughput of two processes each running :func:`_ceiling_work` at once, divided by one alone: the
    most any 2-worker dataset can reach on this machine (shared caches, memory bandwidth, the host's
    scheduling of the virtual cores)."""
    from concurrent.futures import ProcessPoolExecutor
    import multiprocessing

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_ceiling_work, [0.2, 0.2]))     # both processes started and warm
        one = pool.submit(_ceiling_work).result()
        two = sum(pool.map(_ceiling_work, [_CEILING_SECONDS] * 2))
    return two / one


def scaling(items: int, frames: int, tmp: Path, baseline: str | None = None) -> list[str]:
    """The scaling figures' lines: products per hour with 1 and 2 single-threaded workers, whole runs and
    steady state, each run's lanes (:func:`lane_summary`), beside the machine's ceiling; with ``baseline``
    the same runs of that tree alternate with this one's (baseline 1, this 1, baseline 2, this 2)."""
    ceiling = machine_ceiling()
    trees = ([("baseline", Path(baseline).resolve())] if baseline else []) + [("this tree", ROOT)]
    runs = {}
    for workers in (1, 2):
        for name, root in trees:
            cpu0 = _children_cpu()
            runs[name, workers] = (*products_per_hour(workers, items, frames, tmp / name.replace(" ", "-"), root),
                                   _children_cpu() - cpu0)
    load = os.getloadavg()[0]
    busy = f"; load average now {load:.1f} on {os.cpu_count()} cores" \
           f"{': NOT meaningful, the machine is busy' if load > 1.5 else ''}"
    lines = []
    for name, _ in trees:
        (one, one_steady, one_start, one_tl, one_cpu), (two, two_steady, two_start, two_tl, two_cpu) = \
            runs[name, 1], runs[name, 2]
        label = "" if name == "this tree" else f" [{name} {baseline}]"
        lines += [
            f"products per hour           {one:.0f} with 1 worker, {two:.0f} with 2 ({items} items of "
            f"{frames} frames x 3 filters, minimal truth, 1 thread per worker; whole runs; CPU {one_cpu:.1f} s / "
            f"{two_cpu:.1f} s){label}",
            f"  steady state              {one_steady:.0f} with 1 worker, {two_steady:.0f} with 2 (first item of each "
            f"lane excluded; start-up {one_start:.1f} s / {two_start:.1f} s)",
            f"  lanes, 1 worker           {lane_summary(one_tl)}",
            f"  lanes, 2 workers          {lane_summary(two_tl)}",
            f"scaling 2 workers / 1       {two / one:.2f} whole runs, {two_steady / one_steady:.2f} steady state "
            f"(goal >= 1.7 on 2 idle cores; this machine's ceiling {ceiling:.2f}{busy}){label}"]
    return lines


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench_dataset")
    parser.add_argument("--frames", type=int, default=26, help="frames of the render-command image")
    parser.add_argument("--items", type=int, default=8,
                        help="items of the products-per-hour dataset (8: each lane's start-up is amortised over 4 items)")
    # Items are the render command's 26-frame BLUE/GREEN/RED image (a typical perijove image), so products per
    # hour count real products: with 2-frame items a worker process's start-up (imports, numba's cache; ~3
    # CPU-s) outweighed its items (~1.4 CPU-s each) and the scaling measured start-up, not rendering.
    parser.add_argument("--item-frames", type=int, default=26, help="frames of each dataset item")
    parser.add_argument("--command-only", action="store_true",
                        help="stop after the render command's figures (no truth rewrite, no dataset runs)")
    parser.add_argument("--scaling-only", action="store_true",
                        help="only the products-per-hour runs and their scaling (no render command figures)")
    parser.add_argument("--baseline", metavar="DIR",
                        help="another source tree whose render command (and dataset runs, for the scaling) is "
                             "timed alternately with this one's")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="time the render command N times per truth level (trees alternating which goes "
                             "first) and report the medians")
    args = parser.parse_args([] if argv is None else argv)
    if args.scaling_only:
        with tempfile.TemporaryDirectory(prefix="bench-dataset-") as tmp:
            print("\n".join(scaling(args.items, args.item_frames, Path(tmp), args.baseline)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-dataset-") as tmp:
        tmp = Path(tmp)
        help_s = help_seconds()
        command, sizes, before = render_command(args.frames, tmp, args.baseline, args.repeat)
        command_s = command["full"][0]
        full_product = next(p for p in (tmp / "full-0").iterdir() if not p.name.startswith("."))
        if not args.command_only:
            write_s = truth_write_seconds(full_product, tmp)
            plane_bytes = truth_plane_bytes(full_product)
        renderer_s = renderer_seconds(args.frames)
        if not args.command_only:
            scaling_lines = scaling(args.items, args.item_frames, tmp, args.baseline)
    load = os.getloadavg()[0]
    busy = f"; load average now {load:.1f} on {os.cpu_count()} cores" \
           f"{': NOT meaningful, the machine is busy' if load > 1.5 else ''}"
    print(f"junocam-sim --help          {help_s:.2f} s (goal <= 0.5 s)")
    print(f"render command / renderer   {command_s:.1f} s / {renderer_s:.1f} s = {command_s / renderer_s:.2f} "
          f"({args.frames} frames, full truth; goal <= 1.5)")
    print("  command wall / CPU by truth level  " + ", ".join(
        f"{level} {wall:.1f} s / {cpu:.1f} s" for level, (wall, cpu) in command.items())
        + f" (CPU of the command and its processes; renderer {renderer_s:.1f} s wall{busy})")
    print("  command / renderer by level        " + ", ".join(
        f"{level} {wall / renderer_s:.2f}" for level, (wall, _) in command.items()))
    if before:
        print("  baseline wall / CPU by level       " + ", ".join(
            f"{level} {wall:.1f} s / {cpu:.1f} s" for level, (wall, cpu) in before.items())
            + f" ({args.baseline}, alternating with this tree's; medians of {args.repeat})")
        print("  baseline command / renderer        " + ", ".join(
            f"{level} {wall / renderer_s:.2f}" for level, (wall, _) in before.items())
            + "; this tree / baseline: " + ", ".join(
            f"{level} wall {command[level][0] / before[level][0]:.2f} CPU {command[level][1] / before[level][1]:.2f}"
            for level in before))
        print(f"  baseline raw PNG            {sizes['baseline_raw_png'] / 1e6:.2f} MB (this tree "
              f"{sizes['raw_png'] / 1e6:.2f} MB); truth / baseline PNG: " + ", ".join(
              f"{level} {sizes[f'truth_{level}'] / sizes['baseline_raw_png']:.1f}" for level in ("full", "minimal")))
    if args.command_only:
        for level in ("full", "minimal"):
            print(f"truth / raw PNG ({level:7s})  {sizes[f'truth_{level}'] / 1e6:.1f} MB / "
                  f"{sizes['raw_png'] / 1e6:.1f} MB = {sizes[f'truth_{level}'] / sizes['raw_png']:.1f} (goal <= 10)")
        return
    for level in ("full", "minimal"):
        wall, cpu, _ = write_s[level, "differences"]
        print(f"truth / raw PNG ({level:7s})  {sizes[f'truth_{level}'] / 1e6:.1f} MB / {sizes['raw_png'] / 1e6:.1f} MB"
              f" = {sizes[f'truth_{level}'] / sizes['raw_png']:.1f} (goal <= 10); written in {wall:.1f} s "
              f"wall, {cpu:.1f} s CPU")
        wall_v, cpu_v, size_v = write_s[level, "values"]
        print(f"  coding=values (before)    {size_v / 1e6:.1f} MB = {size_v / sizes['raw_png']:.1f} x the PNG, "
              f"written in {wall_v:.1f} s wall, {cpu_v:.1f} s CPU (same planes, this run)")
    print("full truth by plane         " + ", ".join(f"{name} {size / 1e6:.1f}" for name, size in plane_bytes.items())
          + " MB")
    print("\n".join(scaling_lines))


if __name__ == "__main__":
    main(sys.argv[1:])

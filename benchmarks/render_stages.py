"""Where a whole ``junocam-sim render`` command spends its time: wall and CPU seconds per stage (issue #16).

Runs the render command in this process (``python -m benchmarks.render_stages [render options]``, default the
benchmark's 26-frame BLUE/GREEN/RED image at ``--truth none`` into a temporary folder) with timers around
its stages. CPU is the thread's own (``time.thread_time``) for steps that run in one thread (a step that
hands work to threads: its own thread's CPU, the threads' in an indented row summed over every call), the
process's (all threads) for the render, and the child processes' for the truth encoders. Stages overlap
(the writer threads run beside the render; truth planes and quicklook grids are encoded in threads after
it), so the rows do not add up to the wall time. Numbers on a busy machine are
meaningful as CPU, not as wall (the load average is printed).

Also printed: the CPU spent compiling Python sources to bytecode during the imports (every module of ours
when ``PYTHONDONTWRITEBYTECODE`` is set and no ``__pycache__/*.pyc`` exists, as in this project's shared
checkouts; an installed package ships its ``.pyc`` files), and the numba dispatchers the render loaded from
its cache, by name.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict

_T0, _C0 = time.perf_counter(), time.process_time()
_STATS: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
_LOCK = threading.Lock()


def _timed(owner, name: str, label: str) -> None:
    """Wrap ``owner.name`` so each call adds its wall and thread-CPU seconds to ``label``."""
    original = getattr(owner, name)

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            with _LOCK:
                entry = _STATS[label]
                entry[0] += time.perf_counter() - wall
                entry[1] += time.thread_time() - cpu
                entry[2] += 1

    setattr(owner, name, timed)


def _timed_source_compiles() -> None:
    """Time every compilation of a Python source to bytecode (an import without a usable ``.pyc``)."""
    import importlib._bootstrap_external as external

    _timed(external.SourceLoader, "source_to_code", "  of which (and later imports) compiling sources (no .pyc)")


def _dispatchers_loaded(dispatcher_class) -> list[str]:
    """Record the name of each numba dispatcher that compiles or loads a signature; returns the live list."""
    names: list[str] = []
    original = dispatcher_class.compile

    def compile(self, sig):
        name = f"{self.py_func.__module__}.{self.py_func.__qualname__}"
        with _LOCK:
            if name not in names:
                names.append(name)
        return original(self, sig)

    dispatcher_class.compile = compile
    return names


def _timed_render(engine) -> None:
    """Time each ``next()`` of ``render_framelets`` with the process's CPU (the render's threads included);
    the first framelet separately (scene, camera, numba's cache loads, the first batch)."""
    original = engine.render_framelets

    def render_framelets(*args, **kwargs):
        frames = original(*args, **kwargs)
        count = 0
        while True:
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                result = next(frames)
            except StopIteration:
                result = None
            entry = _STATS["render: first next() (scene, camera, numba cache loads, a batch)" if count == 0
                           else "render: the other framelets (process CPU, writer threads included)"]
            entry[0] += time.perf_counter() - wall
            entry[1] += time.process_time() - cpu
            if result is None:
                return
            entry[2] += 1
            count += 1
            yield result

    engine.render_framelets = render_framelets


def main(argv: list[str]) -> None:
    for label in ("imports: simulator.cli", "imports: render command, products, renderer"):
        _STATS[label]   # the rows' order: the imports first
    _timed_source_compiles()
    import simulator.cli as cli

    wall, cpu = time.perf_counter(), time.process_time()
    _STATS["imports: simulator.cli"][:2] = [wall - _T0, cpu - _C0]
    import simulator.commands.render  # noqa: F401
    import simulator.products.pipeline as pipeline
    import simulator.render.engine as engine
    _STATS["imports: render command, products, renderer"][:2] = [time.perf_counter() - wall,
                                                                time.process_time() - cpu]
    from numba.core.dispatcher import Dispatcher

    import simulator.kernelset as kernelset
    from simulator.geometry import Geometry
    from simulator.products import calibration_out, quicklook, raw_image, truth, writer

    _timed(Dispatcher, "compile", "numba Dispatcher.compile (cache loads, inside the render)")
    dispatchers = _dispatchers_loaded(Dispatcher)
    _timed(kernelset, "resolve_kernels", "kernel set (cache check)")
    _timed(Geometry, "__enter__", "furnish kernels (Geometry.__enter__)")
    _timed(writer.ProductWriter, "_place", "writer thread: place framelets (PNG blocks included)")
    _timed(writer.ProductWriter, "_drain", "caller waiting for the writer thread (queue full; finish)")
    _timed(raw_image.PngStream, "deflate", "  of which PNG filter + deflate")
    _timed(raw_image.PngStream, "write", "PNG: last blocks + file")
    _timed(truth.TruthSummary, "add", "  of which TruthSummary.add")
    _timed(calibration_out.CalibrationCollector, "write", "calibration/ (side thread)")
    _timed(writer.ProductWriter, "_write_kernels", "kernels/ copy")
    _timed(quicklook, "write_quicklook", "quicklook.png (calling thread)")
    _timed(quicklook, "_fill_holes", "  of which filled grids (every thread's CPU)")
    from scenes import scene

    _timed(scene, "build_scene", "scene (build_scene: patterns, maps)")
    _timed(truth, "write_truth_fits", "truth FITS (calling thread; + encoder processes' CPU below)")
    _timed(truth, "encode_plane", "  of which planes encoded (every thread's CPU)")
    _timed(writer.ProductWriter, "finish", "finish (every file after the render)")
    _timed_render(engine)
    with tempfile.TemporaryDirectory(prefix="render-stages-") as tmp:
        args = argv or ["--frames", "26", "--filters", "BLUE,GREEN,RED", "--truth", "none"]
        if "--out" not in args:
            args = [*args, "--out", tmp]
        devnull = open(os.devnull, "w")
        stdout, sys.stdout = sys.stdout, devnull
        try:
            status = cli.main(["render", *args])
        finally:
            sys.stdout = stdout
            devnull.close()
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"render {' '.join(args)} -> exit {status}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print(f"{'stage':62s} {'wall s':>7s} {'CPU s':>7s} calls")
    for label, (wall, cpu, calls) in _STATS.items():
        print(f"{label:62s} {wall:7.2f} {cpu:7.2f} {int(calls) or ''}")
    print(f"{'whole command (after the interpreter started)':62s} {time.perf_counter() - _T0:7.2f} "
          f"{own.ru_utime + own.ru_stime:7.2f}  (child processes {children.ru_utime + children.ru_stime:.2f})")
    print(f"bytecode: {'not written' if sys.dont_write_bytecode else 'written'} (PYTHONDONTWRITEBYTECODE); "
          f"{len(sys.modules)} modules loaded")
    print(f"numba dispatchers loaded or compiled: {len(dispatchers)}: "
          + ", ".join(name.rsplit('.', 1)[-1] for name in dispatchers))


if __name__ == "__main__":
    main(sys.argv[1:])

"""Framelets rendered side by side: how many at once, and with how many compiled-loop threads each.

A framelet's render alternates between compiled loops that use every core (``compiled.py``,
``scenes.compiled_albedo``, the detector's noise blocks) and stretches that run on one core (numpy steps
on whole windows, the PSF, SPICE sampling, Python between the steps; about half of a framelet's wall time
on two cores). Rendering ``W`` framelets at once in ``W`` threads, each running its compiled loops on
``cores / W`` threads, keeps the cores busy through those stretches.

What does not change: each framelet is computed by the same functions from the same inputs (its noise from
its own generators, ``electronics.py``), so the bytes do not depend on ``W`` (tested); results come back in
product order; the workers run only while the caller waits for the next framelet (work is handed out in
batches of ``BATCH_PER_WORKER x W`` framelets), never while the caller holds one, so a caller's own SPICE
calls cannot meet a worker's (CSPICE is not thread-safe; workers take ``simulator.spice.SPICE_LOCK`` among
themselves); memory grows by the results of a batch (~12 MB per framelet with truth) and the working arrays
of the framelets in flight (``benchmarks/bench_render.py`` reports the peak).

When: only with numba's ``omp`` or ``tbb`` threading layer (both accept parallel loops launched from several
threads at once; ``workqueue`` aborts the process on that) and at least two cores.
``RenderOptions.framelet_workers`` chooses ``W`` (0: automatic, :data:`MAX_WORKERS` at most; 1: one framelet
at a time, every core in its loops).

The process's thread budget (:func:`thread_limit`, :func:`thread_budget`): a dataset worker asked for
``T`` threads (``--threads-per-worker``) gets at most ``T`` in every pool the render and the product
writer use: numba's compiled loops, the framelet workers above, the detector's noise blocks
(``electronics.py``), the product writer's overlap thread and the PNG deflation threads.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from simulator.render import compiled

_BUDGET: int | None = None   # None: every core (os.cpu_count())

MAX_WORKERS = 4          # automatic choice: at most this many framelets in flight
BATCH_PER_WORKER = 6     # framelets per worker handed out together (the workers idle between batches; a batch
                         # waits for its slowest framelet: 2 per worker lost ~4.5 % of two cores on the benchmark's
                         # per-framelet times, 4 ~2.3 %, 6 ~1.3 % (a schedule of its 78 one-thread framelet CPU
                         # times; 8 gains nothing more), for ~12 MB more per extra framelet held)
SAFE_LAYERS = ("omp", "tbb")
# variables a freshly started numba / OpenMP / MKL reads for its thread count (dataset/worker.py sets the same
# ones before importing this module, which imports numba)
THREAD_ENV = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def threading_layer() -> str | None:
    """numba's threading layer once a parallel loop has run (runs a tiny one to find out), or None without
    numba."""
    if not compiled.AVAILABLE:
        return None
    import numba

    try:
        return numba.threading_layer()
    except ValueError:            # no parallel loop has run yet in this process
        compiled.parallel_probe(2)
        return numba.threading_layer()


def plan(requested: int = 0) -> tuple[int, int]:
    """``(workers, threads per worker)`` for ``RenderOptions.framelet_workers = requested``.

    ``cores`` is numba's thread count in the calling thread (``NUMBA_NUM_THREADS``, by default the CPUs).
    Automatic (0): ``min(cores, MAX_WORKERS)`` workers, ``cores // workers`` threads each; a request is
    capped at ``cores``. One worker (or no safe layer, or one core) means the plain sequential render.
    """
    if not compiled.AVAILABLE:
        return 1, 1
    import numba

    cores = int(numba.get_num_threads())
    workers = min(cores, MAX_WORKERS) if int(requested) <= 0 else min(cores, int(requested))
    if workers < 2 or threading_layer() not in SAFE_LAYERS:
        return 1, cores
    return workers, max(1, cores // workers)


def handover(requested: int = 0) -> int:
    """Framelets ``render_framelets`` hands its caller at once for ``RenderOptions.framelet_workers =
    requested``: a batch of ``BATCH_PER_WORKER x workers`` side by side (the workers then wait until the caller
    has taken the whole batch), 1 in the sequential render. A consumer that queues this many without blocking
    (the product writer's thread) lets the next batch start at once instead of after it has caught up."""
    return batch_size(plan(requested)[0])


def batch_size(n_workers: int) -> int:
    """Framelets handed out (and back) together by ``n_workers`` side-by-side workers (1: the sequential
    render, one at a time)."""
    return BATCH_PER_WORKER * int(n_workers) if int(n_workers) > 1 else 1


def initializer(threads: int):
    """A thread-pool initializer that sets the compiled loops' thread count in each worker (numba's setting
    is per thread)."""

    def init() -> None:
        if compiled.AVAILABLE:
            import numba

            numba.set_num_threads(threads)

    return init


def _settable_env() -> tuple[str, ...]:
    """The :data:`THREAD_ENV` variables that may change now (numba's only before numba is imported)."""
    return tuple(k for k in THREAD_ENV if k != "NUMBA_NUM_THREADS" or "numba" not in sys.modules)


def thread_budget() -> int:
    """Threads this process may keep busy: the innermost :func:`thread_limit`, else ``os.cpu_count()``."""
    return _BUDGET if _BUDGET is not None else max(1, os.cpu_count() or 1)


def set_thread_budget(threads: int | None) -> None:
    """Set the process's thread budget (``None``: every core) and numba's thread count in this thread.

    Environment variables ``OMP_NUM_THREADS``/``MKL_NUM_THREADS`` are set too, and ``NUMBA_NUM_THREADS``
    while numba is not imported yet, so a process that imports numba afterwards (a fresh worker) starts with
    that many threads. Once numba is imported its variable is left alone: numba re-reads it before every
    compilation and raises ``RuntimeError`` ("Cannot set NUMBA_NUM_THREADS to a different value once the
    threads have been launched") when it differs from the pool it started, which failed every dataset item
    that compiled a loop (a fresh numba cache) inside :func:`thread_limit`.
    """
    global _BUDGET
    _BUDGET = None if threads is None else max(1, int(threads))
    if _BUDGET is not None:
        for name in _settable_env():
            os.environ[name] = str(_BUDGET)
    if compiled.AVAILABLE:
        import numba

        numba.set_num_threads(min(thread_budget(), numba.config.NUMBA_NUM_THREADS))


@contextmanager
def thread_limit(threads: int | None):
    """Run the block with at most ``threads`` threads (``None`` or 0: no change), restoring the budget,
    numba's thread count in this thread and the environment afterwards."""
    global _BUDGET
    if not threads:
        yield
        return
    previous = _BUDGET
    saved = {k: os.environ.get(k) for k in _settable_env()}
    numba_threads = None
    if compiled.AVAILABLE:
        import numba

        numba_threads = numba.get_num_threads()
    set_thread_budget(threads)
    try:
        yield
    finally:
        _BUDGET = previous
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if numba_threads is not None:
            import numba

            numba.set_num_threads(numba_threads)

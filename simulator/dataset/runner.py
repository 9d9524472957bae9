"""Run a dataset: prepare kernels, send every unfinished item to workers, then write the manifest.

Layout of a dataset folder ``OUT``::

    OUT/dataset.toml            the spec as given (a resume must use the same one)
    OUT/products/<PRODUCT_ID>/  one product folder per item (image number = index + 1)
    OUT/items/<index>.json      one row per finished item (ok or failed), written when the item ends
    OUT/manifest.parquet, OUT/manifest.csv   every row, by index (written at the end of each run)
    OUT/ml.zarr                 the ML export, when the spec has an [export] table

Workers: ``workers`` local processes, this one and ``workers - 1`` spawned ones (:func:`_local_results`),
each with ``threads_per_worker`` compute threads, or a running ``dask.distributed``
scheduler (``scheduler`` address), one product per task. Items never depend on each other or on the order
they run in, so the products and the manifest are the same bytes whatever ran them.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from simulator.dataset import manifest as mf
from simulator.dataset import trace
from simulator.dataset.spec import DatasetSpec, DatasetSpecError, apply_item
from simulator.dataset.warm import serialised_compiles
from simulator.dataset.worker import (ItemTask, init_local_worker, prepare_process, record_failure, record_path,
                                      run_item, run_local_item)

SPEC_COPY = "dataset.toml"


@dataclass(frozen=True)
class RunOptions:
    """How to run a dataset.

    Attributes
    ----------
    workers : local worker processes: this one and ``workers - 1`` spawned ones (1 = this process only).
    threads_per_worker : compute threads of each local worker process (0 = cores // workers, at least 1).
    scheduler : address of a running dask.distributed scheduler (``tcp://host:8786``), or a ``Client``;
        None = local workers.
    resume : skip items already finished ok, redo failed and missing ones.
    truth : ``none``/``minimal``/``full``, or None for the spec's ``dataset.truth``.
    cache_dir : synthetic kernel cache (shared storage for a cluster).
    progress : show a progress bar (only drawn when stderr is a terminal).
    items : only these item indices (None = every item): regenerate one item alone, bit for bit, in a new
        folder, or make a dataset in parts (``--items 0-99``, then ``--resume`` for the rest).
    """

    workers: int = 1
    threads_per_worker: int = 0
    scheduler: object = None
    resume: bool = False
    truth: str | None = None
    cache_dir: str | None = None
    progress: bool = True
    items: tuple[int, ...] | None = None


@dataclass(frozen=True)
class RunResult:
    """What a run did: ``done`` (rendered now), ``skipped`` (already finished), ``failed`` (failed now)."""

    out_dir: Path
    done: int
    skipped: int
    failed: int
    manifest: Path


def prepare_folder(spec: DatasetSpec, out_dir: Path, resume: bool) -> set[int]:
    """Check ``out_dir`` against the spec; return the indices already finished ok (resume only).

    Raises :class:`DatasetSpecError` (one sentence naming the folder) when it is a file, holds something else,
    holds another spec's dataset, or cannot be made or written here; nothing in it is moved or removed.
    """
    out_dir = Path(out_dir)
    copy = out_dir / SPEC_COPY
    expected = "expected a new or empty folder you can write (or this spec's dataset, with --resume)"
    if out_dir.exists() and not out_dir.is_dir():
        raise DatasetSpecError(f"--out {str(out_dir)!r} is a file; {expected}")
    try:
        if copy.is_file():
            if copy.read_text(encoding="utf-8") != spec.text:
                raise DatasetSpecError(f"{str(out_dir)!r} holds a dataset made from another spec ({copy}); "
                                       "choose another --out")
            if not resume:
                raise DatasetSpecError(f"{str(out_dir)!r} already holds this dataset; pass --resume to finish it "
                                       "or choose another --out")
        elif out_dir.exists() and any(out_dir.iterdir()):
            raise DatasetSpecError(f"{str(out_dir)!r} is not empty and holds no dataset; choose an empty or new "
                                   "--out")
        out_dir.mkdir(parents=True, exist_ok=True)
        if not copy.is_file():
            tmp = out_dir / f".{SPEC_COPY}.tmp-{os.getpid()}"
            try:
                tmp.write_text(spec.text, encoding="utf-8")
                os.replace(tmp, copy)
            finally:
                tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise DatasetSpecError(f"--out {str(out_dir)!r} cannot be used ({exc.strerror or exc}"
                               f"{f': {exc.filename}' if exc.filename else ''}); {expected}") from None
    finished = set()
    for item in spec.items():
        row = _read_record(out_dir, item.index)
        if row and row.get("status") == "ok" and (out_dir / row.get("product_dir", "")).is_dir() \
                and row.get("product_dir"):
            finished.add(item.index)
    return finished


def _read_record(out_dir: Path, index: int) -> dict | None:
    path = record_path(out_dir, index)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def prepare_kernels(spec: DatasetSpec, items, cache_dir: str | None, truth: str = "minimal") -> dict[int, float]:
    """Write every distinct synthetic kernel set the items need, here, before any worker renders; return each
    item's :func:`render_cost` at truth level ``truth`` by index (0 for an item whose scenario does not load:
    it fails on its own).

    Workers then only read the cache (two processes writing one set at once would race).
    """
    from simulator.kernelset import kernel_set_for

    costs = {}
    for item in items:
        scenario = apply_item(item)
        kernel_set_for(scenario, cache_dir)
        costs[item.index] = render_cost(scenario, truth)
    return costs


# Framelet-node units (see render_cost) a framelet's truth costs beyond ``--truth none``: the renderer's extra
# planes (~0.6 / ~0.9 CPU-s for the 26-frame BLUE/GREEN/RED default image at minimal / full, from the idle
# bench's command CPU by level less its writing) and their streamed writing (+1.0 / +2.1 CPU-s over none,
# product writing replayed from captured framelets, issue #16 round 6), per framelet (78) over the ~0.062 CPU-s
# of one framelet-node: 0.33 and 0.62.
TRUTH_COST = {"none": 0.0, "minimal": 0.3, "full": 0.6}


def render_cost(scenario, truth: str = "minimal") -> float:
    """A relative estimate of the work of one product, to hand the largest items out first.

    Frames x filters x (1 + TDI stage nodes + the truth level's :data:`TRUTH_COST`): each framelet's fixed
    work (rays, scene, detector chain) plus one geometry pass per stage node (``RenderOptions.max_stage_nodes``
    caps the nodes; the scenario's ``render.time_oversample`` raises the cap) plus its truth planes made and
    written. Measured on the bench items (26 frames, 3 filters, minimal truth, one thread): TDI 1 ~9.7 CPU-s,
    TDI 2 ~14 CPU-s, i.e. a node costs about as much as the rest of a framelet. Only the order in which items
    start depends on it, never what they hold.
    """
    from simulator.render.types import RenderOptions

    imaging = scenario.imaging
    cap = max(RenderOptions().max_stage_nodes, int(getattr(scenario.render, "time_oversample", 1)))
    nodes = min(max(1, int(imaging.tdi)), cap)
    return float(int(imaging.frames) * len(imaging.filters) * (1 + nodes + TRUTH_COST[truth]))


def largest_first(tasks: list, costs: dict[int, float]) -> list:
    """``tasks`` by falling :func:`render_cost` (ties by index): the last items to start are the small ones,
    so the lanes finish close together instead of one lane rendering a large item alone at the end."""
    return sorted(tasks, key=lambda t: (-costs.get(t.item.index, 0.0), t.item.index))


def run_dataset(spec: DatasetSpec, out_dir: str | Path, options: RunOptions = RunOptions()) -> RunResult:
    """Make every item of ``spec`` in ``out_dir`` (see the module doc); return the counts."""
    trace.record_start()
    out_dir = Path(out_dir).resolve()
    truth = options.truth or spec.truth
    if options.scheduler is None and (isinstance(options.workers, bool) or not isinstance(options.workers, int)
                                      or options.workers < 1):
        raise DatasetSpecError(f"--workers {options.workers!r} must be a positive integer")
    if spec.export is not None:
        from simulator.dataset.export import export_options

        export_options(spec.export, truth)     # --truth may have changed the level the export reads
    wanted = selected(spec, options.items)    # indices out of range: refused before any work
    client = connect(options.scheduler)       # an unreachable scheduler is refused before any work
    try:
        with trace.phase("prepare"):
            finished = prepare_folder(spec, out_dir, options.resume) & wanted
            todo = [item for item in spec.items() if item.index not in finished and item.index in wanted]
        tasks = [ItemTask(item=item, out_dir=str(out_dir), truth=truth, cache_dir=options.cache_dir,
                          lock_compiles=options.scheduler is not None) for item in todo]

        def prepare() -> list[ItemTask]:     # run while the local workers start (_local_results)
            with trace.phase("kernels"):
                return largest_first(tasks, prepare_kernels(spec, todo, options.cache_dir, truth))

        bar = _progress(len(todo) + len(finished), len(finished), options.progress)
        failed = 0
        # no more local processes than items (a --resume with nothing left to do spawns none)
        lanes = options if options.scheduler is not None else replace(options, workers=min(options.workers,
                                                                                          max(1, len(tasks))))
        results = iter(())
        try:
            results = _results(prepare, lanes, client) if tasks else results
            for row in results:
                failed += row["status"] != "ok"
                bar.update(1)
                bar.set_postfix(failed=failed, refresh=False)
        finally:
            # closed here, not at garbage collection: the local lanes' compile serialisation ends with the run
            getattr(results, "close", lambda: None)()
            bar.close()
    finally:
        if client is not None and client is not options.scheduler:
            client.close()
    with trace.phase("manifest"):
        rows = [r for r in (_read_record(out_dir, i.index) for i in spec.items()) if r is not None]
        parquet, _ = mf.write_manifest(out_dir, rows)
    if spec.export is not None:
        from simulator.dataset.export import export_from_spec

        export_from_spec(out_dir, spec.export, truth)
    return RunResult(out_dir=out_dir, done=len(tasks) - failed, skipped=len(finished), failed=failed,
                     manifest=parquet)


def parse_items(text: str) -> tuple[int, ...]:
    """``"3"``, ``"0-9"``, ``"1,4,10-12"`` -> sorted unique indices (``--items``)."""
    out = set()
    for part in str(text).split(","):
        lo, sep, hi = part.strip().partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            raise DatasetSpecError(f"--items {text!r} must be indices and ranges such as 3 or 0-9,12") from None
        if a < 0 or b < a:
            raise DatasetSpecError(f"--items {text!r}: {part.strip()!r} is not an index or a rising range")
        out.update(range(a, b + 1))
    return tuple(sorted(out))


def selected(spec: DatasetSpec, items) -> set[int]:
    """The item indices a run makes: ``items`` (checked against the spec's count) or all of them."""
    count = len(spec.items())
    if items is None:
        return set(range(count))
    outside = [i for i in items if not 0 <= int(i) < count]
    if outside:
        raise DatasetSpecError(f"--items holds {outside[0]}, but the spec has items 0..{count - 1}")
    return {int(i) for i in items}


def connect(scheduler):
    """A ``distributed.Client`` for ``scheduler`` (an address, or a ``Client`` returned as is; None -> None).

    Raises :class:`DatasetSpecError` when dask.distributed is missing or no scheduler answers at the address.
    """
    if scheduler is None:
        return None
    try:
        from distributed import Client
    except ImportError:
        raise DatasetSpecError(f"--scheduler {scheduler!r} needs dask.distributed (pip install distributed)") from None
    if isinstance(scheduler, Client):
        return scheduler
    try:
        return Client(str(scheduler))
    except (OSError, TimeoutError, ValueError) as exc:
        raise DatasetSpecError(f"--scheduler {scheduler!r}: no dask scheduler answered there "
                               f"({' '.join(str(exc).split())}); start one with 'dask scheduler'") from None


def _results(prepare, options: RunOptions, client=None):
    """Yield each task's row as it finishes (any order); ``prepare()`` writes the kernels and returns the tasks
    in the order to hand them out; ``client``: a connected Dask client, or None."""
    if options.scheduler is not None:
        tasks = prepare()
        if tasks:
            yield from _dask_results(tasks, client if client is not None else options.scheduler)
        return
    threads = options.threads_per_worker or max(1, (os.cpu_count() or 1) // options.workers)
    yield from _local_results(prepare, options.workers, threads)


def _local_results(prepare, workers: int, threads: int):
    """Items in ``workers`` lanes: this process (with ``threads`` threads, restored afterwards) and
    ``workers - 1`` spawned processes, each lane taking the next item when it is free.

    This process renders too: a spawned worker pays the imports and numba's cache load again (~3 CPU-s
    per process on this machine, a third of a 26-frame item), so ``N`` lanes cost one start-up fewer. The
    worker processes are started first, so their start-up overlaps ``prepare()`` (kernels written here, before
    any item renders) and every lane starts rendering at once: numba's compiles are serialised per signature
    (:func:`simulator.dataset.warm.serialised_compiles`, for this process only while the items run), so a cold
    cache is still compiled once, and a warm one is loaded by every process side by side.
    """
    with serialised_compiles():      # numba's own Dispatcher.compile again once the items are done
        yield from _lanes(prepare, workers, threads)


def _lanes(prepare, workers: int, threads: int):
    """The body of :func:`_local_results` (its compiles serialised by the caller)."""
    import queue
    import threading
    from collections import deque

    from simulator.render.workers import thread_limit

    rows: queue.SimpleQueue = queue.SimpleQueue()
    feeders: list[threading.Thread] = []
    pool = None
    todo: deque = deque()           # popleft() is atomic: every lane takes the next item
    try:
        if workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # "spawn": no fork of numba's / SPICE's state; the initializer sets the thread budget first.
            pool = ProcessPoolExecutor(workers - 1, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=init_local_worker, initargs=(threads,))
            for _ in range(workers - 1):
                pool.submit(prepare_process)      # the processes start and import while this one prepares
        todo.extend(prepare())
        if pool is not None and todo:

            def lane() -> None:        # feeds one worker process, one item at a time
                while True:
                    try:
                        task = todo.popleft()
                    except IndexError:
                        return
                    try:
                        rows.put(pool.submit(run_local_item, run_item, task).result())
                    except BaseException as exc:  # noqa: BLE001 - a broken pool or a cancel ends the lane; re-raised below
                        rows.put(exc)
                        return

            feeders = [threading.Thread(target=lane, name=f"junocam-dataset-lane-{k}", daemon=True)
                       for k in range(workers - 1)]
            for t in feeders:
                t.start()

        def finished():
            while True:
                try:
                    row = rows.get_nowait()
                except queue.Empty:
                    return
                if isinstance(row, BaseException):
                    raise row
                yield row

        while True:
            yield from finished()
            try:
                task = todo.popleft()
            except IndexError:
                break
            with thread_limit(threads):
                row = run_item(task)
            yield row
        while any(t.is_alive() for t in feeders):
            for t in feeders:
                t.join(0.1)
            yield from finished()
        yield from finished()
    except BaseException:           # Ctrl-C, SIGTERM, a broken pool: the workers' items end now, cleaned up
        stop_workers(pool)
        raise
    finally:
        todo.clear()                # lanes take nothing more
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def stop_workers(pool) -> None:
    """SIGTERM to every process of a local ``pool`` (None: nothing): each removes its partial product and ends
    (:func:`simulator.dataset.worker.init_local_worker`) instead of finishing its item first."""
    processes = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.terminate()


def _dask_results(tasks: list[ItemTask], scheduler):
    """One dask task per item on a running cluster (``scheduler``: an address or a ``distributed.Client``)."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else Client(str(scheduler))
    try:
        # no dataset started these processes: each task serialises the process's numba compiles under the
        # machine-wide compile lock (ItemTask.lock_compiles, simulator.dataset.warm); submitted largest first
        futures = {client.submit(run_item, t, pure=False, retries=0,
                                 key=f"junocam-dataset-item-{t.item.index:05d}-{os.getpid()}"): t for t in tasks}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - e.g. KilledWorker: its process died; the others go on
                yield record_failure(futures[future], exc)
    finally:
        if client is not scheduler:
            client.close()


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_postfix(self, **kw) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, wanted: bool):
    """A tqdm bar (items done, failed, rate and time left) on stderr, only when stderr is a terminal."""
    if not (wanted and sys.stderr.isatty()):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="product", desc="dataset", file=sys.stderr, smoothing=0.1,
                dynamic_ncols=True)

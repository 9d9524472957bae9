"""One dataset item, as a worker process runs it: scenario -> product folder -> a manifest row on disk.

:func:`run_item` is the only task a local pool or a Dask cluster runs; it never raises for a failed item
(the error becomes the row's ``status = "failed"`` and ``error``), so one bad item never stops the others.
Every task loads the item's SPICE kernels in its own process (``simulator.geometry.Geometry`` furnishes and
unloads them around the product); CSPICE's pool is per process and not thread-safe, so a process runs one
item at a time (:data:`_ONE_ITEM_AT_A_TIME`, for Dask workers started with several threads). Numba's cache is
compiled by one process at a time (:mod:`simulator.dataset.warm`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from simulator.dataset.spec import Item, apply_item

RECORDS = "items"          # OUT/items/<index>.json: one finished (ok or failed) item each
PRODUCTS = "products"      # OUT/products/<PRODUCT_ID>/
_ONE_ITEM_AT_A_TIME = threading.Lock()
_HASH_CHUNK = 1 << 22


@dataclass(frozen=True)
class ItemTask:
    """What a worker needs for one item (plain data: pickled to processes and Dask workers).

    Attributes
    ----------
    item : the item (:class:`simulator.dataset.spec.Item`).
    out_dir : the dataset folder (shared storage when the workers are on other machines).
    truth : truth level (``none``/``minimal``/``full``).
    cache_dir : synthetic kernel cache (None: the default; prepared by the caller before dispatch).
    lock_compiles : numba compiles of the process running the task take the machine-wide compile lock while
        the task runs (:func:`simulator.dataset.warm.serialised_compiles`; Dask tasks, whose worker processes no
        dataset started; a local run's processes do it for their whole life when they start).
    """

    item: Item
    out_dir: str
    truth: str
    cache_dir: str | None = None
    lock_compiles: bool = False


def record_path(out_dir: str | Path, index: int) -> Path:
    """Where item ``index``'s row is kept."""
    return Path(out_dir) / RECORDS / f"{int(index):05d}.json"


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_HASH_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def set_threads(threads: int) -> None:
    """Limit this process's compute threads to ``threads`` (a local pool's initializer): the environment is
    set before numba is imported (never after: numba refuses a changed ``NUMBA_NUM_THREADS`` at its next
    compilation once its threads run), then every pool the render uses follows
    (:func:`simulator.render.workers.set_thread_budget`)."""
    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if name != "NUMBA_NUM_THREADS" or "numba" not in sys.modules:
            os.environ[name] = str(int(threads))
    from simulator.render.workers import set_thread_budget

    set_thread_budget(int(threads))


def init_local_worker(threads: int) -> None:
    """The initializer of a local pool's spawned worker: its thread budget (:func:`set_threads`), SIGINT,
    SIGTERM and SIGHUP as one interruption that removes the item's partial product (:mod:`simulator.signals`:
    later signals are ignored until the process ends), and, on Linux, SIGTERM
    when the dataset process dies (``prctl(PR_SET_PDEATHSIG)``; a ``kill -9`` of it no longer leaves a worker
    rendering on alone, racing the ``--resume`` that remakes the same item)."""
    import atexit
    import signal

    from simulator.signals import HANDLED, _raise

    from simulator.dataset.warm import serialise_compiles

    set_threads(threads)
    serialise_compiles()
    atexit.register(fast_exit)
    for sig in HANDLED:     # the first of Ctrl-C (to the whole group) and stop_workers' SIGTERM wins; the other
        if signal.getsignal(sig) is not signal.SIG_IGN:      # is ignored, so it cannot cut the clean-up short
            signal.signal(sig, _raise)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        try:
            ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)
        except (OSError, AttributeError):   # pragma: no cover - no prctl: the worker ends after its item
            pass
        if os.getppid() == 1:                # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)


def fast_exit() -> None:
    """At a process's end (an ``atexit`` handler): let the interpreter end without collecting its whole heap
    once more. ``gc.freeze()`` moves every live object out of the collector's reach; the process ends, so
    nothing is kept longer. With numba's and astropy's objects loaded, that last collection cost ~0.8 CPU-s of
    a dataset process's exit (measured in one session, CLI exit 0.9 -> 0.13 CPU-s), paid by the CLI and by every
    local worker when it stops, at the run's very end, when no other lane overlaps it."""
    import gc

    gc.freeze()


def prepare_process() -> None:
    """Import what :func:`run_item` needs (a fresh worker does this while the parent writes the kernels)."""
    from simulator.dataset import trace

    trace.record_start("spawn")
    with trace.phase("imports"):
        import simulator.products.pipeline  # noqa: F401
        import simulator.render.engine  # noqa: F401


def run_item(task: ItemTask) -> dict:
    """Render one item and write its row to ``items/<index>.json`` (atomically); return the row."""
    from simulator.dataset import trace

    from simulator.dataset import warm

    with _ONE_ITEM_AT_A_TIME, (warm.serialised_compiles() if task.lock_compiles else contextlib.nullcontext()):
        with trace.phase("item", index=task.item.index):
            try:
                row = {**_base_row(task.item, task.truth), **_render(task)}
            except Exception as exc:  # noqa: BLE001 - any failure of one item is recorded, never stops the others
                return record_failure(task, exc)
            _write_record(record_path(task.out_dir, task.item.index), row)
        return row


def run_local_item(run, task: ItemTask) -> dict:
    """``run(task)`` (:func:`run_item`) in a local pool's spawned worker: an interruption (SIGTERM from
    ``runner.stop_workers`` or from the dataset process's death, Ctrl-C) removes the item's partial product
    on its way out, then ends the process. (The pool's worker loop would catch it and wait for the next item
    forever: it holds both ends of its task pipe, so a dead parent never reads as end of file.)"""
    try:
        return run(task)
    except KeyboardInterrupt as exc:
        os._exit(getattr(exc, "exit_status", 130))


def record_failure(task: ItemTask, exc: BaseException) -> dict:
    """Write and return the failed row of ``task`` (its error: the exception's type and one-line message); also
    used by the Dask client for a task whose worker process died before it could write its own row."""
    row = _base_row(task.item, task.truth)
    row.update(status="failed", error=f"{type(exc).__name__}: {' '.join(str(exc).split())}")
    _write_record(record_path(task.out_dir, task.item.index), row)
    return row


def _base_row(item: Item, truth: str) -> dict:
    return {"index": item.index, "seed": item.seed, "base": item.base, "truth_level": truth,
            "status": "failed", "error": "", "values": item.values}


def _render(task: ItemTask) -> dict:
    from simulator.products.pipeline import ProductRequest, render_product_with_summary
    from simulator.products.truth import TruthStorage
    from simulator.products.writer import product_paths

    item = task.item
    scenario = apply_item(item)
    out = Path(task.out_dir)
    # overwrite: a product renamed into place by a run killed before its row was written is made again
    # (same bytes); a half-written one is only ever a hidden partial folder.
    request = ProductRequest(scenario=scenario, out_dir=out / PRODUCTS, image_number=item.index + 1,
                             overwrite=True, cache_dir=Path(task.cache_dir) if task.cache_dir else None,
                             truth=TruthStorage(level=task.truth, workers=1))
    folder, summary = render_product_with_summary(request)
    paths = product_paths(folder, summary["product_id"])
    files = {}
    for role in ("raw_png", "metadata", "truth_fits", "truth_json"):
        p = paths[role]
        files[role] = (p.relative_to(out).as_posix(), sha256_of(p)) if p.is_file() else ("", "")
    imaging = scenario.to_dict()["imaging"]
    return {"status": "ok", "product_id": summary.pop("product_id"), "product_dir": folder.relative_to(out).as_posix(),
            "imaging": {k: imaging[k] for k in ("start_utc", "frames", "filters", "tdi", "interframe_delay_s",
                                                "summing", "companding", "compression", "quality")},
            "injected": summary.pop("injected_errors"), "figures": summary, "files": files}


def _write_record(path: Path, row: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(row, sort_keys=True, indent=1, allow_nan=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)

"""Numba's on-disk cache, compiled by one process at a time before a dataset's items render.

The renderer's loops are ``numba.njit(cache=True)``: the first process that calls one compiles it and writes
``<cache>/<module>-<function>.nbi/.nbc``; every later process only loads those files. On a fresh machine (or a
fresh ``NUMBA_CACHE_DIR``) several worker processes starting at once would all compile the same loops and
write the same cache files at the same moment: wasted CPU at best, and numba's own issues #4807 and #10128
report crashes when a cache is generated in parallel (its developers suggest a file lock). So:

- :func:`compile_lock` is an exclusive ``flock`` on one file per numba cache (``$NUMBA_CACHE_DIR``, else one
  per source tree in the temporary folder): every process of the machine, whichever pool or cluster started
  it, waits for the one compiling; the kernel drops the lock of a killed process, so it never goes stale.
- :func:`warm_compiled` renders one frame of an item (middle frame, each filter) under that lock and drops it:
  the first process compiles and saves, the next ones load what it saved.
- :func:`code_paths` names what selects different compiled loops (the compression mode: ``LOSSLESS`` runs the
  Rice bit loops, the others do not; pixel summing), so one representative item per path is warmed.

A local dataset warms every path in the parent while its spawned workers import (``runner._local_results``);
a Dask worker process warms a path the first time one of its tasks needs it (:func:`warm_once`), before it
renders the item, so two workers on one host never compile together.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

LOCK_NAME = "junocam-sim-compile.lock"
_WARMED: set[tuple] = set()     # code paths this process has warmed (warm_once)


def lock_path() -> Path:
    """The lock file of this process's numba cache: in ``$NUMBA_CACHE_DIR`` when set (shared by every process,
    on every host, that uses that cache), else ``<tmp>/junocam-sim-compile-<hash of the source tree>.lock``
    (numba then caches beside the sources: one lock per source tree and host)."""
    from numba.core.config import CACHE_DIR

    if CACHE_DIR:
        folder = Path(CACHE_DIR)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return folder / LOCK_NAME
        except OSError:
            pass                    # an unwritable cache: numba falls back too; lock per host below
    tree = str(Path(__file__).resolve().parents[2])
    return Path(tempfile.gettempdir()) / f"junocam-sim-compile-{hashlib.sha256(tree.encode()).hexdigest()[:12]}.lock"


@contextlib.contextmanager
def compile_lock(path: Path | None = None):
    """Hold an exclusive lock on ``path`` (default :func:`lock_path`) while the block runs.

    POSIX ``flock`` (over NFS, Linux maps it to a POSIX byte-range lock): released by ``close`` or by the kernel
    when the holder dies. Where ``fcntl`` does not exist (Windows) the block runs unlocked: numba writes each
    cache file to a temporary name and renames it, so concurrent compiling is then only duplicated work.
    """
    try:
        import fcntl
    except ImportError:              # pragma: no cover - not POSIX
        yield
        return
    fd = os.open(path or lock_path(), os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)                 # closing the descriptor releases the lock


def code_path(scenario) -> tuple:
    """What selects different compiled loops for this scenario: (compression mode, pixel summing)."""
    return (str(scenario.imaging.compression).upper(), int(scenario.imaging.summing))


def representatives(tasks) -> list:
    """The first task (in the given order) of each distinct :func:`code_path`. Tasks whose scenario does not
    load share one key (warming their first one fails at once; each reports its own error when it runs)."""
    from simulator.dataset.spec import apply_item

    seen: dict[tuple, object] = {}
    for task in tasks:
        try:
            key = code_path(apply_item(task.item))
        except Exception:  # noqa: BLE001 - the item reports its own error when it runs
            key = ("unloadable",)
        seen.setdefault(key, task)
    return list(seen.values())


def warm_compiled(task) -> tuple | None:
    """Load (or compile and save) numba's cached loops for ``task``'s code path in this process, under
    :func:`compile_lock`, by rendering the middle frame of its item (each filter) and dropping it.

    Returns the code path warmed, or None when the item's scenario does not load or its render fails (the
    item itself then reports the error when it runs). No file is written besides numba's cache.
    """
    from simulator.dataset.spec import apply_item
    from simulator.render import RenderRequest, render_framelets

    try:
        scenario = apply_item(task.item)
        request = RenderRequest.from_scenario(scenario, Path(task.cache_dir) if task.cache_dir else None)
        request = request.with_overrides(frame_indices=(int(request.frames) // 2,))
        with compile_lock():
            for _ in render_framelets(request):
                pass
    except Exception:  # noqa: BLE001 - warming is an optimisation: the item reports its own error
        return None
    key = code_path(scenario)
    _WARMED.add(key)
    return key


def warm_once(task) -> None:
    """:func:`warm_compiled` for ``task`` unless this process has already warmed its code path."""
    from simulator.dataset.spec import apply_item

    try:
        key = code_path(apply_item(task.item))
    except Exception:  # noqa: BLE001 - the item reports its own error when it runs
        return
    if key not in _WARMED:
        warm_compiled(task)
        _WARMED.add(key)     # a failed warm is not retried: the item's own render compiles what it needs

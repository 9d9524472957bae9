"""Numba's on-disk cache, compiled by one process at a time, while a warm cache loads without waiting.

The renderer's loops are ``numba.njit(cache=True)``: the first process that calls one compiles it and writes
``<cache>/<module>-<function>.nbi/.nbc``; every later process only loads those files. On a fresh machine (or a
fresh ``NUMBA_CACHE_DIR``) several worker processes starting at once would all compile the same loops and
write the same cache files at the same moment: wasted CPU at best, and numba's own issues #4807 and #10128
report crashes when a cache is generated in parallel (its developers suggest a file lock). So:

- :func:`compile_lock` is an exclusive ``flock`` on one file per numba cache (``$NUMBA_CACHE_DIR``, else one
  per source tree in the temporary folder): every process of the machine, whichever pool or cluster started
  it, waits for the one compiling; the kernel drops the lock of a killed process, so it never goes stale. It
  is re-entrant within a process (``flock`` is not), so a compile nested in a locked block never waits for
  itself.
- :func:`serialised_compiles` (a re-entrant context manager; :func:`serialise_compiles` for the rest of a
  process the dataset owns) makes every numba compile of this process (one per new function signature,
  never per call) take that lock around numba's "load from the cache, else compile and save": a cold cache is
  compiled once, signature by signature, by whichever process needs it first, and the others load what it
  saved; on a warm cache each load holds the lock for milliseconds, so processes starting together do not
  wait for each other's whole warm-up (a dataset's parent used to render a warm-up frame holding the lock
  while its spawned workers waited to start). The test suite installs the same wrapper (``tests/conftest.py``).

A dataset's parent while its items run (``runner._local_results``: a library caller's process gets numba's own
``Dispatcher.compile`` back when ``run_dataset`` returns), its spawned workers (``worker.init_local_worker``, for
their whole life) and every Dask task while it runs (``ItemTask.lock_compiles``) serialise their compiles so.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from pathlib import Path

LOCK_NAME = "junocam-sim-compile.lock"


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


_HELD: dict[str, list] = {}                # lock file -> [descriptor, depth] while this process holds it
_IN_PROCESS = threading.RLock()            # one holder thread per process; re-entrant in that thread


@contextlib.contextmanager
def compile_lock(path: Path | None = None):
    """Hold an exclusive lock on ``path`` (default :func:`lock_path`) while the block runs; re-entrant.

    POSIX ``flock`` (over NFS, Linux maps it to a POSIX byte-range lock): released by ``close`` or by the kernel
    when the holder dies. ``flock`` itself is not re-entrant (a second open of the file in the same process
    waits for the first forever), so a process takes the file once: a nested ``compile_lock`` in the thread
    that holds it (numba compiling a function that calls another, the test suite's serialised compiles inside
    a test that holds it) only counts, and other threads of the process wait for the holder. Where ``fcntl`` does
    not exist (Windows) the block runs unlocked: numba writes each cache file to a temporary name and renames
    it, so concurrent compiling is then only duplicated work.
    """
    try:
        import fcntl
    except ImportError:              # pragma: no cover - not POSIX
        yield
        return
    key = os.fspath(path or lock_path())
    with _IN_PROCESS:
        held = _HELD.get(key)
        if held is None:
            fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except BaseException:
                os.close(fd)
                raise
            held = _HELD[key] = [fd, 0]
        held[1] += 1
        try:
            yield
        finally:
            held[1] -= 1
            if not held[1]:
                del _HELD[key]
                os.close(held[0])    # closing the descriptor releases the lock


_PATCH_LOCK = threading.Lock()
# The wrapper around numba's Dispatcher.compile while any holder wants compiles serialised: ``depth`` counts them
# (a scoped block while it runs; a permanent installation forever), ``original`` is what the wrapper calls.
_PATCH: dict = {"depth": 0, "original": None, "wrapper": None, "before": None}


def _serialising_wrapper(original):
    def compile(self, sig):
        if _PATCH["depth"] <= 0:       # left under another wrapper after its holders ended: passes straight on
            return original(self, sig)
        before = _PATCH["before"]
        if before is not None:
            before()
        with compile_lock():
            return original(self, sig)

    compile._serialised = True
    return compile


def _acquire(before) -> bool:
    """One more holder of the serialising wrapper (installed by the first); False without numba."""
    try:
        from numba.core.dispatcher import Dispatcher
    except ImportError:              # pragma: no cover - numba is a dependency
        return False
    with _PATCH_LOCK:
        if _PATCH["wrapper"] is None:
            _PATCH["original"] = Dispatcher.compile
            _PATCH["wrapper"] = Dispatcher.compile = _serialising_wrapper(Dispatcher.compile)
        if _PATCH["before"] is None:
            _PATCH["before"] = before
        _PATCH["depth"] += 1
    return True


def _release() -> None:
    """One holder fewer; the last one puts numba's own ``Dispatcher.compile`` back (unless something wrapped
    ours meanwhile: then ours stays beneath it, passing every call straight on until a holder comes again)."""
    from numba.core.dispatcher import Dispatcher

    with _PATCH_LOCK:
        _PATCH["depth"] -= 1
        if _PATCH["depth"]:
            return
        _PATCH["before"] = None
        if Dispatcher.compile is _PATCH["wrapper"]:
            Dispatcher.compile = _PATCH["original"]
            _PATCH["wrapper"] = _PATCH["original"] = None


def serialise_compiles(before=None) -> None:
    """From now on, for the rest of this process, numba compiles (and cache loads) hold :func:`compile_lock`.

    For processes a dataset owns (its spawned local workers) and the test suite; a library caller's process
    is only patched for the run's duration (:func:`serialised_compiles`).

    Parameters
    ----------
    before : callable or None
        Called before each outermost compile takes the lock (the test suite waits there for its background
        cache warmers). Only the first installation's ``before`` is kept while any holder remains.
    """
    _acquire(before)


@contextlib.contextmanager
def serialised_compiles(before=None):
    """While the block runs, numba compiles of this process hold :func:`compile_lock`; re-entrant (blocks may
    nest, in one thread or several) and restoring: when the last block ends (and no permanent
    :func:`serialise_compiles` holds it) ``Dispatcher.compile`` is numba's own again."""
    held = _acquire(before)
    try:
        yield
    finally:
        if held:
            _release()

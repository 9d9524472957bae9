"""Shared test fixtures: SPICE pool hygiene, the ../shared reference folder, hypothesis profiles, and numba's
cache on a fresh clone (background warmers; one compile at a time across processes)."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
import spiceypy
from hypothesis import HealthCheck, settings

# CI derandomises hypothesis so a red run can be replayed; locally examples vary between runs.
settings.register_profile(
    "ci", derandomize=True, max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
FLIGHT_KERNELS = REFERENCE / "kernels"


@pytest.fixture(autouse=True)
def clean_kernel_pool():
    """Every test starts and ends with an empty SPICE kernel pool."""
    spiceypy.kclear()
    yield
    spiceypy.kclear()


@pytest.fixture
def reference_dir() -> Path:
    """``../shared/reference``; tests that need it are skipped when it is absent."""
    if not REFERENCE.is_dir():
        pytest.skip("../shared/reference is not beside the project")
    return REFERENCE


@pytest.fixture
def flight_kernels() -> Path:
    """The folder of real flight kernels in ``../shared``; skipped when absent."""
    if not FLIGHT_KERNELS.is_dir():
        pytest.skip("../shared/reference/kernels is not beside the project")
    return FLIGHT_KERNELS


# ------------------------------------------------------------------------------------------------ numba's cache
# A fresh clone has no compiled loops: the suite's first renders compile ~2.5 min of one core. On a cold cache
# the session starts two warmers (tests/warm_numba.py: the scene's loops; one default framelet) that compile
# disjoint sets on both cores while collection and the first tests run. Every test process (the session, or
# each pytest-xdist worker of `make test`) waits for them before its own first compile, and compiles under one
# file lock, the one a dataset's processes take (simulator.dataset.warm.compile_lock: re-entrant in a process, so a
# test that holds it can compile), so no two processes ever compile and write the same cache entry at once (numba
# issues #4807 and #10128: a cache written in parallel can crash its readers). Tests whose subprocesses may
# compile (modules that start processes) also wait for the warmers. JUNOCAM_TEST_WARM=0 turns the warmers off.
WARM_LOCKS_ENV = "JUNOCAM_TEST_WARM_LOCKS"
# Test modules that start processes (their source names one of these), or whose children measured CPU time.
SUBPROCESS_WORDS = ("subprocess", "multiprocessing", "workers", "Pool(")
SUBPROCESS_MODULES = ("test_products_render.py", "test_kernel_globs.py", "test_twins_real_kernels.py",
                      "test_twins_phase.py", "test_failure_inputs.py")


def _numba_cache_is_cold() -> bool:
    """True when numba will compile into this checkout's ``__pycache__`` and the scene's loop is not there."""
    if os.environ.get("JUNOCAM_TEST_WARM", "1") == "0" or os.environ.get("NUMBA_CACHE_DIR"):
        return False
    try:
        import numba
    except ImportError:
        return False
    if numba.config.DISABLE_JIT:
        return False
    return not any((PROJECT_ROOT / "scenes" / "__pycache__").glob("compiled_albedo._albedo_kernel-*.nbi"))


def _start_warmers() -> None:
    """Hold ``scene.lock`` / ``all.lock`` while the warmers run (released by a thread when they exit)."""
    lock_dir = Path(tempfile.mkdtemp(prefix="junocam-warm-"))
    locks = {name: open(lock_dir / f"{name}.lock", "w") for name in ("scene", "all")}
    for handle in locks.values():
        fcntl.flock(handle, fcntl.LOCK_EX)
    os.environ[WARM_LOCKS_ENV] = str(lock_dir)       # inherited by xdist workers, started after configure
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(PROJECT_ROOT),
                                                                  os.environ.get("PYTHONPATH")) if p))
    script = Path(__file__).with_name("warm_numba.py")
    procs = [subprocess.Popen([sys.executable, str(script), which, str(lock_dir)], cwd=PROJECT_ROOT, env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for which in ("scene", "render")]

    def release() -> None:
        procs[0].wait()
        fcntl.flock(locks["scene"], fcntl.LOCK_UN)
        procs[1].wait()
        fcntl.flock(locks["all"], fcntl.LOCK_UN)

    threading.Thread(target=release, name="numba-warmers", daemon=True).start()
    _WARMERS.extend(procs)


_WARMERS: list = []


_warmed = threading.Event()


def _wait_for_warmers() -> None:
    """Block until the session's warmers (if any) have exited."""
    lock_dir = os.environ.get(WARM_LOCKS_ENV)
    if lock_dir and not _warmed.is_set():
        with open(Path(lock_dir) / "all.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_SH)
            fcntl.flock(handle, fcntl.LOCK_UN)
    _warmed.set()


def _serialise_numba_compiles() -> None:
    """Every numba compile of this process (once per new signature, never per call) waits for the warmers, then
    loads or compiles holding the machine-wide compile lock: the dataset's own wrapper and lock
    (:func:`simulator.dataset.warm.serialise_compiles`; re-entrant, so a test holding the lock still compiles)."""
    from simulator.dataset.warm import serialise_compiles

    serialise_compiles(before=_wait_for_warmers)


def pytest_configure(config):
    if not hasattr(config, "workerinput") and _numba_cache_is_cold():
        _start_warmers()
    _serialise_numba_compiles()


def pytest_unconfigure(config):
    """A session shorter than the warm-up (one file, --collect-only) stops the warmers: a stopped warmer leaves
    at most a temporary file of numba's (its entries are renamed into place whole)."""
    for proc in _WARMERS:
        if proc.poll() is None:
            proc.terminate()
            proc.wait()
    if _WARMERS and os.environ.get(WARM_LOCKS_ENV):
        shutil.rmtree(os.environ.pop(WARM_LOCKS_ENV), ignore_errors=True)


_starts_processes: dict = {}


def pytest_runtest_setup(item):
    path = item.path
    if path not in _starts_processes:
        text = path.read_text(encoding="utf-8") if path.suffix == ".py" else ""
        _starts_processes[path] = path.name in SUBPROCESS_MODULES or any(w in text for w in SUBPROCESS_WORDS)
    if _starts_processes[path]:
        _wait_for_warmers()


# Synthetic kernel sets (issue #3): `default_kernels` -> metakernel path of the default scenario's set.
from fixtures_geometry import default_kernels, kernel_cache_dir  # noqa: E402,F401

"""Numba's cache is compiled by one process at a time (simulator/dataset/warm.py): the machine-wide lock
excludes across processes, is re-entrant in one and is the test suite's lock too; a local run starts its
workers before it writes the kernels and hands the largest items out first; (slow) two fresh processes never
compile the same loop twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

import pytest

from simulator.dataset import apply_item, parse_spec
from simulator.dataset import warm
from simulator.dataset.worker import ItemTask

SPEC = """
[dataset]
seed = 3
count = 4
base = ["default"]
[overrides]
imaging = { frames = 1, filters = ["RED"] }
render = { supersample = 1, time_oversample = 1 }
[vary]
"imaging.compression" = { choice = ["LOSSLESS", "INTEGER COSINE TRANSFORM"] }
"""
ROOT = Path(__file__).resolve().parents[1]
HOLD_S = 0.1    # how long each holder keeps the lock


def tasks(tmp_path) -> list[ItemTask]:
    """The items of :data:`SPEC` as tasks writing into ``tmp_path``."""
    return [ItemTask(item=item, out_dir=str(tmp_path), truth="none")
            for item in parse_spec(tomllib.loads(SPEC), text=SPEC).items()]


def test_the_compile_lock_lets_one_holder_in_at_a_time(tmp_path):
    """Threads of one process wait for the holding thread (processes: the flock, tests below)."""
    spans = []

    def hold():
        with warm.compile_lock(tmp_path / "x.lock"):
            start = time.monotonic()
            time.sleep(HOLD_S)
            spans.append((start, time.monotonic()))

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    spans.sort()
    overlaps = [b[0] - a[1] for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
    assert len(spans) == 3 and not overlaps, f"holders overlapped by {overlaps} s: {spans}"


WAIT_S = 60.0     # a holder that has not finished by then is deadlocked
HOLDER = """
import fcntl, sys
with open(sys.argv[1], "a") as handle:      # what compile_lock takes: an exclusive flock on the file
    fcntl.flock(handle, fcntl.LOCK_EX)
    print("held", flush=True)
    sys.stdin.read()                        # until the test closes our stdin
"""


def _in_thread(target) -> threading.Thread:
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_the_compile_lock_is_reentrant_in_the_holding_thread(tmp_path):
    """flock is not re-entrant: a nested take in the holder would wait for itself forever. It only counts, and
    the file is released when the outermost block ends (a child process can then take it)."""
    path = tmp_path / "x.lock"
    depths = []

    def nested():
        with warm.compile_lock(path), warm.compile_lock(path):
            with warm.compile_lock(path):
                depths.append(warm._HELD[os.fspath(path)][1])
        depths.append(os.fspath(path) in warm._HELD)

    thread = _in_thread(nested)
    thread.join(WAIT_S)
    assert not thread.is_alive(), f"a nested compile_lock deadlocked its own thread ({WAIT_S} s)"
    assert depths == [3, False], f"depth inside / still held after: {depths}"
    child = subprocess.run([sys.executable, "-c", HOLDER, str(path)], input="", capture_output=True, text=True,
                           timeout=WAIT_S, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout.strip() == "held", f"a child could not take the released lock: {child.stderr[-500:]}"


def test_a_numba_compile_in_a_test_that_holds_the_lock_does_not_deadlock():
    """The suite's serialised compiles (tests/conftest.py) take the same lock as the dataset's warm-up: a test
    (or a warm_compiled) already holding it still compiles a new loop."""
    import numba

    def body():
        with warm.compile_lock():
            numba.njit(lambda x: x + 1)(1)

    thread = _in_thread(body)
    thread.join(WAIT_S)
    assert not thread.is_alive(), f"compiling while holding the compile lock deadlocked ({WAIT_S} s)"


def test_the_suites_compiles_wait_for_a_process_holding_the_dataset_lock():
    """One lock serves both: while another process holds :func:`warm.lock_path` (as a dataset's warm-up does),
    a numba compile in this test process waits (tests/conftest.py's wrapper), then goes on once it is free."""
    import numba

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(warm.lock_path())], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        thread = _in_thread(lambda: numba.njit(lambda x: x * 2)(3))
        thread.join(HOLD_S * 5)
        waited = thread.is_alive()
    finally:
        holder.stdin.close()
        holder.wait(WAIT_S)
    thread.join(WAIT_S)
    assert waited, "the compile did not wait for the process holding the dataset's compile lock"
    assert not thread.is_alive(), f"the compile still waits {WAIT_S} s after the holder released the lock"


def test_the_lock_lives_in_numbas_cache_dir_when_one_is_set(tmp_path, monkeypatch):
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "cache"))
    assert warm.lock_path() == tmp_path / "cache" / warm.LOCK_NAME
    monkeypatch.setattr(config, "CACHE_DIR", "")
    path = warm.lock_path()
    assert path.parent == Path(tempfile.gettempdir()) and path.name.endswith(".lock"), path


SCOPED = """
import threading
from numba.core.dispatcher import Dispatcher
from simulator.dataset import warm
own = Dispatcher.compile
with warm.serialised_compiles():
    wrapped = Dispatcher.compile
    assert wrapped is not own and wrapped._serialised, "not wrapped inside the block"
    with warm.serialised_compiles():                     # nested in this thread
        depth = []
        def other():                                     # another thread's block shares the wrapper too
            with warm.serialised_compiles():
                depth.append(warm._PATCH["depth"])
        t = threading.Thread(target=other)
        t.start(); t.join()
        assert depth == [3], depth
        with warm.serialised_compiles():
            assert Dispatcher.compile is wrapped, "a nested block wrapped twice"
    assert Dispatcher.compile is wrapped, "an inner block's end unwrapped the outer one"
assert Dispatcher.compile is own, "numba's Dispatcher.compile was not restored after the last block"
# something wrapping ours meanwhile stays in place; ours beneath it then passes calls straight on
with warm.serialised_compiles():
    ours = Dispatcher.compile
    foreign = lambda self, sig: ours(self, sig)
    Dispatcher.compile = foreign
assert Dispatcher.compile is foreign and warm._PATCH["depth"] == 0
warm.serialise_compiles()                                # a process the dataset owns: for good
with warm.serialised_compiles():
    pass
assert warm._PATCH["depth"] == 1, warm._PATCH
import numba
assert numba.njit(lambda x: x + 1)(1) == 2
print("ok")
"""


def test_the_compile_serialisation_is_scoped_reentrant_and_restored():
    """``serialised_compiles`` wraps numba's Dispatcher.compile while any block runs (nested blocks share one
    wrapper) and puts numba's own back after the last; a wrapper installed over ours is left alone; the
    permanent ``serialise_compiles`` of a dataset's own processes outlives any block. In a fresh interpreter:
    this test process holds the suite's permanent installation (tests/conftest.py)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", SCOPED], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_a_local_run_serialises_compiles_only_while_its_items_run(monkeypatch):
    """run_dataset's local lanes hold one more serialisation while items render, none once they are done (a
    library caller's process gets back what it had)."""
    from simulator.dataset import runner

    before = warm._PATCH["depth"]
    seen = []
    monkeypatch.setattr(runner, "run_item", lambda task: seen.append(warm._PATCH["depth"]) or {"task": task})
    rows = list(runner._local_results(lambda: ["a", "b"], workers=1, threads=1))
    assert [r["task"] for r in rows] == ["a", "b"] and seen == [before + 1] * 2, (rows, seen)
    assert warm._PATCH["depth"] == before, "the run left numba's compiles serialised"
    results = runner._local_results(lambda: ["a", "b"], workers=1, threads=1)
    next(results)
    results.close()                                  # a consumer that stops early (an exception in run_dataset)
    assert warm._PATCH["depth"] == before, "an interrupted run left numba's compiles serialised"


def test_render_cost_ranks_tdi_frames_and_filters_and_ties_keep_the_index_order(tmp_path):
    from dataclasses import replace

    from simulator.dataset import runner
    from simulator.dataset.runner import largest_first, render_cost

    base = apply_item(tasks(tmp_path)[0].item)
    one = render_cost(base.replace(imaging={"frames": 26, "filters": ["BLUE", "GREEN", "RED"], "tdi": 1}))
    two = render_cost(base.replace(imaging={"frames": 26, "filters": ["BLUE", "GREEN", "RED"], "tdi": 2}))
    red = render_cost(base.replace(imaging={"frames": 26, "filters": ["RED"], "tdi": 2}))
    many = render_cost(base.replace(imaging={"frames": 26, "filters": ["RED"], "tdi": 80}))
    assert two > one > red > 0 and many == 26 * (1 + 9 + runner.TRUTH_COST["minimal"]), (one, two, red, many)
    image = base.replace(imaging={"frames": 26, "filters": ["BLUE", "GREEN", "RED"], "tdi": 1})
    levels = [render_cost(image, level) for level in ("none", "minimal", "full")]
    assert levels[0] < levels[1] < levels[2] and levels[1] == one, f"truth levels not ranked: {levels}"
    ts = tasks(tmp_path)
    costs = {0: 1.0, 1: 5.0, 2: 1.0, 3: 5.0}
    assert [t.item.index for t in largest_first(ts, costs)] == [1, 3, 0, 2]
    assert largest_first([replace(t) for t in ts], {}) == ts, "without costs the order is the index order"


class _InProcessPool:
    """Stands in for the spawned process pool: runs submitted calls on threads, logs the pool's start."""

    def __init__(self, workers, mp_context=None, initializer=None, initargs=()):
        from concurrent.futures import ThreadPoolExecutor

        EVENTS.append("spawn")
        self.pool = ThreadPoolExecutor(workers)
        self.submit = self.pool.submit

    def shutdown(self, wait=True, cancel_futures=False):
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


EVENTS: list = []


def test_local_workers_start_before_the_kernels_and_render_in_the_given_order(monkeypatch):
    """The worker processes import while this one writes the kernels (prepare), nothing renders before the
    kernels are written, and no lane waits for a warm-up: the items start in prepare's order."""
    import concurrent.futures

    from simulator.dataset import runner

    EVENTS.clear()
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _InProcessPool)
    monkeypatch.setattr(runner, "prepare_process", lambda: None)
    both = threading.Barrier(2, timeout=WAIT_S)     # the first two items run at once, one per lane

    def run_item(task):
        EVENTS.append(task)
        if task != "small":
            both.wait()
        return {"task": task}

    monkeypatch.setattr(runner, "run_item", run_item)

    def prepare():
        EVENTS.append("kernels")
        return ["big", "mid", "small"]

    rows = list(runner._local_results(prepare, workers=2, threads=1))
    assert sorted(r["task"] for r in rows) == ["big", "mid", "small"], rows
    assert EVENTS[:2] == ["spawn", "kernels"], EVENTS
    assert sorted(EVENTS[2:4]) == ["big", "mid"] and EVENTS[4] == "small", EVENTS


CHILD = """
import json, sys, tomllib
from simulator.dataset import apply_item, parse_spec
from simulator.dataset.warm import serialise_compiles
from simulator.render import RenderRequest, render_framelets
from pathlib import Path
serialise_compiles()
item = parse_spec(tomllib.loads(sys.argv[1])).items()[0]
for _ in render_framelets(RenderRequest.from_scenario(apply_item(item), Path(sys.argv[2]))):
    pass
from numba.core.caching import NullCache
from numba.core.registry import CPUDispatcher
import gc
stats = {}
for d in gc.get_objects():
    # numba's own overloads (np.empty's implementation, ...) have no disk cache: every process that compiles a
    # caller compiles them too, so only the dispatchers with a cache can be shared
    if isinstance(d, CPUDispatcher) and not isinstance(d._cache, NullCache):
        for sig, n in d.stats.cache_misses.items():
            stats[f"{d.py_func.__module__}.{d.py_func.__qualname__}{sig}"] = ["miss", n]
        for sig, n in d.stats.cache_hits.items():
            stats.setdefault(f"{d.py_func.__module__}.{d.py_func.__qualname__}{sig}", ["hit", n])
print(json.dumps(stats))
"""


@pytest.mark.slow
def test_two_processes_on_a_fresh_cache_never_compile_one_loop_twice(tmp_path, kernel_cache_dir):
    """The reproduction: two worker processes rendering at once on an empty NUMBA_CACHE_DIR, each with its
    compiles serialised. Every cached loop signature is compiled (a cache miss) by one process at most; the
    other loads what it saved (a hit). numba's own overloads have no disk cache and are left out."""
    spec = SPEC.replace('{ choice = ["LOSSLESS", "INTEGER COSINE TRANSFORM"] }', '["LOSSLESS"]')
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "NUMBA_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, spec, str(kernel_cache_dir)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=1800) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    a, b = (json.loads(o[0].strip().splitlines()[-1]) for o in outs)
    twice = sorted(k for k in a.keys() & b.keys() if a[k][0] == b[k][0] == "miss")
    misses = sum(v[0] == "miss" for v in (*a.values(), *b.values()))
    assert misses > 0, "a fresh cache must be compiled by someone"
    assert not twice, f"{len(twice)} loop signatures compiled by both processes, e.g. {twice[:3]}"


PARENT = """
import multiprocessing, sys, time
from concurrent.futures import ProcessPoolExecutor
from simulator.dataset.worker import init_local_worker, run_local_item
if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=init_local_worker,
                               initargs=(1,))
    pool.submit(time.sleep, 0).result()            # the worker is up and initialised
    pool.submit(run_local_item, time.sleep, 600)   # an item that would outlive a killed parent
    print(*pool._processes, flush=True)
    time.sleep(600)
"""


@pytest.mark.slow
def test_a_local_worker_ends_when_the_dataset_process_is_killed(tmp_path):
    """kill -9 of the dataset process while its spawned worker runs an item: the worker gets SIGTERM
    (PR_SET_PDEATHSIG) and ends, instead of rendering on alone (racing the --resume that remakes its item)
    and then waiting forever for its next item (found so after a kill -9)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    parent = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline().split()[0])
    deadline = time.monotonic() + 60.0
    while "sleep" not in Path(f"/proc/{child}/wchan").read_text() and time.monotonic() < deadline:
        time.sleep(0.1)                            # until the worker is inside its item
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline and Path(f"/proc/{child}").exists() \
            and "Z" not in Path(f"/proc/{child}/stat").read_text().split()[2]:
        time.sleep(0.2)
    alive = Path(f"/proc/{child}").exists() and "Z" not in Path(f"/proc/{child}/stat").read_text().split()[2]
    if alive:
        os.kill(child, 9)
    assert not alive, f"worker {child} still runs 30 s after its dataset process was killed"


def test_no_more_local_processes_than_items(tmp_path, monkeypatch):
    """One item with --workers 2 renders here without spawning a process (the pool is capped at the items)."""
    import concurrent.futures

    from simulator.dataset import RunOptions, load_spec, run_dataset, runner

    EVENTS.clear()
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _InProcessPool)
    monkeypatch.setattr(runner, "prepare_kernels", lambda spec, todo, cache, truth: {})
    monkeypatch.setattr(runner, "run_item", lambda task: EVENTS.append(task.item.index) or {"status": "ok"})
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(SPEC, encoding="utf-8")
    run_dataset(load_spec(spec_path), tmp_path / "one", RunOptions(workers=2, items=(2,), progress=False))
    assert EVENTS == [2], f"expected item 2 rendered here and no pool: {EVENTS}"


def test_the_tracer_records_phases_only_when_asked(tmp_path, monkeypatch):
    from simulator.dataset import trace

    path = tmp_path / "trace.jsonl"
    monkeypatch.delenv(trace.ENV, raising=False)
    with trace.phase("item", index=1):
        pass
    assert not path.exists()
    monkeypatch.setenv(trace.ENV, str(path))
    trace.record_start()
    with trace.phase("item", index=4):
        sum(i * i for i in range(200_000))     # some CPU
    rows = trace.read_timeline(path)
    assert [r["phase"] for r in rows] == ["start", "item"] and rows[1]["index"] == 4, rows
    item = rows[1]
    assert item["pid"] == os.getpid() and item["wall1"] >= item["wall0"] and item["cpu1"] > item["cpu0"], item
    assert rows[0]["wall0"] <= item["wall0"], "a process starts before its phases"

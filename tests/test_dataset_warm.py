"""Numba's cache is compiled by one process at a time (simulator/dataset/warm.py): the machine-wide lock
excludes, every code path is warmed once per process, and (slow) two fresh processes compile once."""

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
    """flock on separate opens of one file excludes even within a process, so threads stand in for processes."""
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


def test_the_lock_lives_in_numbas_cache_dir_when_one_is_set(tmp_path, monkeypatch):
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", str(tmp_path / "cache"))
    assert warm.lock_path() == tmp_path / "cache" / warm.LOCK_NAME
    monkeypatch.setattr(config, "CACHE_DIR", "")
    path = warm.lock_path()
    assert path.parent == Path(tempfile.gettempdir()) and path.name.endswith(".lock"), path


def test_one_representative_per_code_path_and_each_path_warmed_once(tmp_path, monkeypatch):
    ts = tasks(tmp_path)
    paths = [warm.code_path(apply_item(t.item)) for t in ts]
    reps = warm.representatives(ts)
    assert [warm.code_path(apply_item(t.item)) for t in reps] == list(dict.fromkeys(paths)), paths
    assert len(set(paths)) == 2, f"the spec should draw both compressions: {paths}"
    warmed = []
    monkeypatch.setattr(warm, "_WARMED", set())
    monkeypatch.setattr(warm, "warm_compiled", lambda task: warmed.append(task.item.index))
    for t in ts + ts:
        warm.warm_once(t)
    assert warmed == [t.item.index for t in reps], f"warmed {warmed}, expected one per code path"


CHILD = """
import json, sys, tomllib
from simulator.dataset import apply_item, parse_spec
from simulator.dataset.warm import warm_compiled
from simulator.dataset.worker import ItemTask
import numba
task = ItemTask(item=parse_spec(tomllib.loads(sys.argv[1])).items()[0], out_dir=".", truth="none", cache_dir=sys.argv[2])
warm_compiled(task)
from numba.core.registry import CPUDispatcher
import gc
misses = sum(sum(d.stats.cache_misses.values()) for d in gc.get_objects() if isinstance(d, CPUDispatcher))
hits = sum(sum(d.stats.cache_hits.values()) for d in gc.get_objects() if isinstance(d, CPUDispatcher))
print(json.dumps({"misses": misses, "hits": hits}))
"""


@pytest.mark.slow
def test_two_processes_on_a_fresh_cache_compile_once(tmp_path, kernel_cache_dir):
    """The reproduction: two worker processes warming at once on an empty NUMBA_CACHE_DIR. With the lock one
    compiles (cache misses) and the other only loads (hits, no misses)."""
    spec = SPEC.replace('{ choice = ["LOSSLESS", "INTEGER COSINE TRANSFORM"] }', '["LOSSLESS"]')
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "NUMBA_CACHE_DIR": str(tmp_path / "numba"), "NUMBA_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", CHILD, spec, str(kernel_cache_dir)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=1800) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    stats = sorted((json.loads(o[0].strip().splitlines()[-1]) for o in outs), key=lambda s: -s["misses"])
    assert stats[0]["misses"] > 0, f"the first process should compile: {stats}"
    assert stats[1]["misses"] == 0 and stats[1]["hits"] > 0, f"the second should only load the cache: {stats}"


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

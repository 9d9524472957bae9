"""The Dask path of `junocam-sim dataset` without a cluster: tasks carry lock_compiles=True and serialise the
worker process's numba compiles before rendering, largest first,
a task whose worker died is recorded as failed while the others go on, and an unreachable scheduler is refused
before any work. (The real cluster runs are in tests/test_dataset_scale.py, slow.)"""

from __future__ import annotations

import contextlib
import json
from dataclasses import replace

import pytest

from simulator.dataset import DatasetSpecError, RunOptions, load_spec, run_dataset
from simulator.dataset import runner, warm, worker
from test_dataset_warm import SPEC, tasks


class FakeFuture:
    def __init__(self, value=None, error=None):
        self.value, self.error = value, error

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value


def fake_client(monkeypatch, outcome):
    """Patch ``distributed.Client`` with one that answers each submitted task with ``outcome(task)``."""
    import distributed

    sent = []

    class FakeClient:
        def __init__(self, address):
            self.address = address

        def submit(self, fn, task, **kw):
            sent.append(task)
            return outcome(task)

        def close(self):
            pass

    monkeypatch.setattr(distributed, "Client", FakeClient)
    monkeypatch.setattr(distributed, "as_completed", iter)
    return sent


def test_dask_tasks_serialise_compiles_before_they_render(tmp_path, monkeypatch):
    """run_dataset gives Dask tasks lock_compiles=True (local ones not: their processes do it when they start);
    _dask_results submits them as given, and run_item then installs the compile lock before rendering."""
    seen = {}

    def capture(prepare, options, client=None):
        seen[options.scheduler is not None] = prepare()
        return iter(())

    monkeypatch.setattr(runner, "_results", capture)
    monkeypatch.setattr(runner, "connect", lambda scheduler: None)
    monkeypatch.setattr(runner, "prepare_kernels", lambda spec, todo, cache, truth: {})
    spec_path = tmp_path / "spec.toml"
    spec_path.write_text(SPEC, encoding="utf-8")
    for scheduler in ("tcp://nowhere:8786", None):
        run_dataset(load_spec(spec_path), tmp_path / f"out-{scheduler is None}",
                    RunOptions(scheduler=scheduler, progress=False))
    assert all(t.lock_compiles for t in seen[True]) and not any(t.lock_compiles for t in seen[False]), seen

    sent = fake_client(monkeypatch, lambda task: FakeFuture({"index": task.item.index}))
    ts = [replace(t, lock_compiles=True) for t in tasks(tmp_path)]
    rows = list(runner._dask_results(ts, "tcp://nowhere:8786"))
    assert sorted(r["index"] for r in rows) == [0, 1, 2, 3]
    assert sent == ts, "Dask must receive the tasks as given, in the given order"

    order = []

    @contextlib.contextmanager
    def serialised():
        order.append("lock")
        yield
        order.append("unlock")

    monkeypatch.setattr(warm, "serialised_compiles", serialised)
    monkeypatch.setattr(worker, "_render", lambda task: order.append("render") or {"status": "ok"})
    worker.run_item(ts[0])
    worker.run_item(replace(ts[1], lock_compiles=False))
    assert order == ["lock", "render", "unlock", "render"], order


def test_a_task_whose_worker_died_is_recorded_failed_and_the_others_go_on(tmp_path, monkeypatch):
    """KilledWorker (the process died: segfault, out of memory) reaches the client, not the item's own
    try/except: the client writes the failed row itself."""
    def outcome(task):
        if task.item.index == 2:
            return FakeFuture(error=RuntimeError("Attempted to run task on 3 different workers, which all died"))
        return FakeFuture({"index": task.item.index, "status": "ok"})

    fake_client(monkeypatch, outcome)
    rows = {r["index"]: r for r in runner._dask_results(tasks(tmp_path), "tcp://nowhere:8786")}
    assert sorted(rows) == [0, 1, 2, 3], rows
    assert rows[2]["status"] == "failed" and "all died" in rows[2]["error"], rows[2]
    record = json.loads(worker.record_path(tmp_path, 2).read_text())
    assert record["status"] == "failed" and record["error"].startswith("RuntimeError: "), record


def test_an_unreachable_scheduler_is_refused_before_any_work(tmp_path):
    import dask

    spec_path = tmp_path / "spec.toml"
    spec_path.write_text('[dataset]\ncount = 1\nbase = ["default"]\n', encoding="utf-8")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with pytest.raises(DatasetSpecError, match="no dask scheduler answered"):
            run_dataset(load_spec(spec_path), tmp_path / "out",
                        RunOptions(scheduler="tcp://127.0.0.1:1", progress=False))
    assert not (tmp_path / "out").exists(), "the dataset folder was made before the scheduler answered"

"""The issue #16 acceptance runs (slow): a 24-item spec on 2 local workers and on a Dask LocalCluster gives
byte-identical products and manifests; a run killed with SIGKILL finishes with --resume, redoing nothing."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.dataset import RunOptions, load_spec, run_dataset

pytestmark = pytest.mark.slow

SPEC = """
[dataset]
name = "acceptance"
seed = 16
count = 24
base = ["default", "pj10"]
truth = "minimal"

[overrides]
imaging = { frames = 1, filters = ["RED"] }
render = { supersample = 1, time_oversample = 1 }

[vary]
"errors.start_time_jitter_ms" = { normal = [0.0, 10.0] }
"imaging.tdi" = { integers = [1, 4] }
"imaging.compression" = ["NONE", "LOSSLESS", "INTEGER COSINE TRANSFORM"]
"""
ROOT = Path(__file__).resolve().parents[1]


def tree_digest(folder: Path) -> dict[str, str]:
    """Every file under the dataset folder (but the ML store) -> its SHA-256."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "spec.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def local_two(spec_path, tmp_path_factory, kernel_cache_dir) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    result = run_dataset(load_spec(spec_path), out, RunOptions(workers=2, threads_per_worker=1,
                                                               cache_dir=str(kernel_cache_dir), progress=False))
    assert result.failed == 0 and result.done == 24
    return out


def test_dask_local_cluster_gives_the_same_bytes(spec_path, local_two, tmp_path, kernel_cache_dir):
    from distributed import LocalCluster

    out = tmp_path / "dask"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        # the address, as `--scheduler tcp://...` passes it (run_dataset opens and closes its own Client)
        result = run_dataset(load_spec(spec_path), out, RunOptions(scheduler=cluster.scheduler_address,
                                                                   cache_dir=str(kernel_cache_dir), progress=False))
    assert result.failed == 0 and result.done == 24
    a, b = tree_digest(local_two), tree_digest(out)
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    assert not differ, f"{len(differ)} files differ between 2 local workers and Dask, e.g. {differ[:3]}"


def test_resume_after_kill_finishes_the_rest_and_redoes_nothing(spec_path, local_two, tmp_path, kernel_cache_dir):
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
           "JUNOCAM_SIM_CACHE": str(kernel_cache_dir.parent / kernel_cache_dir.name)}
    command = [sys.executable, "-m", "simulator.cli", "dataset", str(spec_path), "--out", str(out),
               "--workers", "2", "--threads-per-worker", "1", "--cache-dir", str(kernel_cache_dir)]
    proc = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    records = out / "items"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline and len(list(records.glob("*.json"))) < 5 and proc.poll() is None:
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)      # the run and its worker processes, mid-run
    proc.wait()
    done_before = {p.name: p.stat().st_mtime_ns for p in records.glob("*.json")}
    assert 5 <= len(done_before) < 24, f"{len(done_before)} items finished before the kill"
    resumed = subprocess.run(command + ["--resume"], env=env, capture_output=True, text=True, timeout=1800)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{24 - len(done_before)} made, {len(done_before)} already there, 0 failed" in resumed.stdout
    rewritten = [n for n, t in done_before.items() if (records / n).stat().st_mtime_ns != t]
    assert not rewritten, f"--resume redid finished items {rewritten}"
    leftovers = [p.name for p in (out / "products").iterdir() if p.name.startswith(".")]
    assert not leftovers, f"partial folders left behind: {leftovers}"
    a, b = tree_digest(local_two), tree_digest(out)
    differ = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
    assert not differ, f"{len(differ)} files differ from the uninterrupted run, e.g. {differ[:3]}"

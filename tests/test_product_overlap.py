"""The product writer's overlap (writer thread, streamed PNG) and the process's thread budget (issue #16).

Same bytes with the overlap on and off and with 1 or 2 threads; a termination while the writer thread is
writing leaves nothing behind; ``--threads-per-worker`` holds for every pool.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.products import KernelSource, ProductContext, ProductWriter
from simulator.products import quicklook as quicklook_mod
from simulator.products import raw_image
from simulator.products import truth as truth_mod
from simulator.products.raw_image import PNG_BLOCK_ROWS, PngStream, adler32_combine, read_raw_png, write_raw_png
from simulator.render import electronics, workers
from simulator.signals import Terminated
from test_products_support import description, framelets


# --- the streamed PNG -------------------------------------------------------------------------------------
@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300), st.binary(max_size=300))
def test_adler32_combine_equals_the_checksum_of_the_joined_bytes(a, b):
    got = adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b))
    assert got == zlib.adler32(a + b), f"{got:#010x} != {zlib.adler32(a + b):#010x}"


def test_adler32_combine_of_long_blocks():
    """Lengths and sums past the modulus (65521) many times over, as a 1648 x 1024 block is."""
    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 256, 3_000_000, np.uint8).tobytes(), rng.integers(0, 256, 1_700_000, np.uint8).tobytes()
    assert adler32_combine(zlib.adler32(a), zlib.adler32(b), len(b)) == zlib.adler32(a + b)


@settings(max_examples=12, deadline=None)
@given(lines=st.integers(1, 3 * PNG_BLOCK_ROWS + 5), samples=st.integers(1, 9), seed=st.integers(0, 2**16),
       order_seed=st.integers(0, 2**16))
def test_png_blocks_deflated_in_any_order_give_the_same_file(tmp_path_factory, lines, samples, seed, order_seed):
    tmp = tmp_path_factory.mktemp("png")
    image = np.random.default_rng(seed).integers(0, 256, (lines, samples), np.uint8)
    write_raw_png(tmp / "whole.png", image, workers=1)
    stream = PngStream(image)
    some = np.random.default_rng(order_seed).permutation(stream.blocks)[: stream.blocks // 2 + 1]
    for k in some:
        stream.deflate(int(k))
    stream.write(tmp / "streamed.png")
    assert (tmp / "whole.png").read_bytes() == (tmp / "streamed.png").read_bytes()
    assert np.array_equal(read_raw_png(tmp / "streamed.png"), image)


def test_png_ready_blocks_follow_the_finished_rows():
    stream = PngStream(np.zeros((2 * PNG_BLOCK_ROWS + 10, 3), np.uint8))
    assert list(stream.ready(PNG_BLOCK_ROWS - 1)) == []
    assert list(stream.ready(PNG_BLOCK_ROWS)) == [0]
    assert list(stream.ready(2 * PNG_BLOCK_ROWS + 9)) == [0, 1]
    assert list(stream.ready(2 * PNG_BLOCK_ROWS + 10)) == [0, 1, 2]


# --- the writer: same bytes, clean failures ---------------------------------------------------------------
def _write(out: Path, desc, **kwargs) -> Path:
    kernels = out.parent / "kernelset"
    kernels.mkdir(exist_ok=True)
    (kernels / "set.tm").write_text("KPL/MK\n\\begindata\nKERNELS_TO_LOAD = ( )\n\\begintext\n")
    context = ProductContext(scenario="test", seed=0, abcorr="LT+S", injected_errors={"start_time_jitter_s": 0.0})
    with ProductWriter(out, desc, context, KernelSource(kernels / "set.tm", kernels), **kwargs) as writer:
        for result in framelets(desc):
            writer.add(result)
        return writer.finish()


def _contents(folder: Path) -> dict[str, str]:
    """File -> SHA-256 of its bytes; calibration/ FITS by their decoded data and headers (astropy's GZIP
    tiles carry gzip's wall-clock time stamp, so their bytes differ from one second to the next)."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or p.name == ".junocam-sim-output":      # the marker names the writing process
            continue
        digest = hashlib.sha256()
        if p.parent.name == "calibration" and p.suffix == ".fits":
            with fits.open(p) as hdus:
                for hdu in hdus:
                    digest.update(repr(sorted((k, str(v)) for k, v in hdu.header.items()
                                              if not k.startswith("Z"))).encode())
                    if hdu.data is not None:
                        digest.update(np.ascontiguousarray(hdu.data).tobytes())
        else:
            digest.update(p.read_bytes())
        out[p.relative_to(folder).as_posix()] = digest.hexdigest()
    return out


@pytest.fixture(scope="module")
def serial_product(tmp_path_factory):
    desc = description(frames=6, summing=2)   # 18 framelets x 64 lines: a full PNG block and a part
    return desc, _contents(_write(tmp_path_factory.mktemp("serial") / "out", desc, overlap=False))


@pytest.mark.parametrize("threads", [1, 2])
def test_overlap_on_gives_the_same_bytes_as_off(tmp_path, serial_product, threads):
    desc, expected = serial_product
    assert desc.lines > PNG_BLOCK_ROWS
    with workers.thread_limit(threads):
        got = _contents(_write(tmp_path / "out", desc, overlap=True))
    assert got.keys() == expected.keys()
    differ = [name for name in got if got[name] != expected[name]]
    assert not differ, f"files that differ with the overlap on ({threads} threads): {differ}"


def test_a_deep_queue_without_summary_gives_the_same_bytes(tmp_path, serial_product):
    """A writer queueing every framelet without waiting and gathering no manifest figures (the render
    command's writer): the same files as the serial writer's."""
    desc, expected = serial_product
    with workers.thread_limit(2):
        got = _contents(_write(tmp_path / "out", desc, overlap=True, pending=64, summary=False))
    differ = sorted(set(got) ^ set(expected)) + [name for name in got if got.get(name) != expected.get(name)]
    assert not differ, f"files that differ with every framelet queued and no summary: {differ}"


def test_add_queues_up_to_pending_framelets_without_waiting(tmp_path, monkeypatch):
    """With ``pending = n`` the renderer's thread hands over n framelets while the writer thread is still busy
    with the first (a side-by-side render's whole batch: its workers wait until the batch is taken), and waits
    at the next one."""
    desc = description(frames=3)
    release, placed = threading.Event(), []
    original = ProductWriter._place

    def slow_place(self, *args):
        release.wait(30)
        placed.append(args[0])
        return original(self, *args)

    monkeypatch.setattr(ProductWriter, "_place", slow_place)
    kernels = tmp_path / "kernelset"
    kernels.mkdir()
    (kernels / "set.tm").write_text("KPL/MK\n")
    context = ProductContext(scenario="test", seed=0, abcorr="LT+S", injected_errors={})
    results = list(framelets(desc))
    with workers.thread_limit(2), ProductWriter(tmp_path / "out", desc, context, KernelSource(kernels / "set.tm", kernels),
                                                overlap=True, pending=6, with_truth=False) as writer:
        try:
            _queue_and_wait(writer, results, release, placed)
        finally:
            release.set()                # a failed assertion must not leave the writer thread waiting
    assert len(placed) == 7, f"placed {len(placed)} framelets"


def _queue_and_wait(writer, results, release, placed) -> None:
    """Hand over 6 framelets (none placed yet), then a 7th from another thread, which must wait."""
    for result in results[:6]:
        writer.add(result)           # returns at once: nothing placed yet
    assert not placed and len(writer._pending) == 6, f"queued {len(writer._pending)}, placed {placed}"
    waiter = threading.Thread(target=writer.add, args=(results[6],))
    waiter.start()
    waiter.join(0.3)
    assert waiter.is_alive(), "the 7th framelet must wait for the writer with pending=6"
    release.set()
    waiter.join(30)
    assert not waiter.is_alive()
    writer._drain()


def test_the_writer_queues_the_renderers_whole_handover():
    n_workers, _ = workers.plan(0)
    assert workers.handover(0) == workers.batch_size(n_workers) >= 1
    assert workers.handover(1) == 1, "the sequential render hands over one framelet at a time"
    assert workers.batch_size(2) == 2 * workers.BATCH_PER_WORKER


def test_overlap_follows_the_thread_budget(tmp_path):
    desc = description(frames=1)
    context = ProductContext("t", 0, "LT+S", {})
    with workers.thread_limit(1):
        assert ProductWriter(tmp_path / "a", desc, context, KernelSource(tmp_path / "x.tm")).overlap is False
    with workers.thread_limit(2):
        assert ProductWriter(tmp_path / "b", desc, context, KernelSource(tmp_path / "x.tm")).overlap is True


def test_termination_while_the_writer_thread_writes_leaves_nothing(tmp_path, monkeypatch):
    """SIGTERM's Terminated raised in the main thread while the truth FITS is being written in the writer
    thread: the thread is let finish, then the partial folder is removed; no product folder appears."""
    started, release = threading.Event(), threading.Event()
    real = truth_mod.write_truth_fits

    def slow_truth(path, *args, **kwargs):
        real(path, *args, **kwargs)       # the file exists, half a product is on disk
        started.set()
        release.wait(10)

    def terminated(*args, **kwargs):
        assert started.wait(10), "the truth FITS was not being written"
        threading.Timer(0.2, release.set).start()   # the writer thread is still busy when the main one ends
        raise Terminated(15)

    monkeypatch.setattr(truth_mod, "write_truth_fits", slow_truth)
    monkeypatch.setattr(quicklook_mod, "write_quicklook", terminated)
    out = tmp_path / "out"
    with pytest.raises(Terminated):
        _write(out, description(frames=1, summing=2), overlap=True)
    assert release.is_set(), "the writer thread was not waited for"
    assert sorted(p.name for p in out.iterdir()) == [], f"left behind: {list(out.iterdir())}"


def test_failure_in_the_writer_thread_reaches_the_caller(tmp_path, monkeypatch):
    def broken(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(raw_image.PngStream, "deflate", broken)
    out = tmp_path / "out"
    with pytest.raises(Exception, match="No space left on device"):
        _write(out, description(frames=6, summing=2), overlap=True)
    assert sorted(p.name for p in out.iterdir()) == []


# --- the thread budget ------------------------------------------------------------------------------------
def test_thread_limit_sets_and_restores_every_pool():
    before = workers.thread_budget()
    with workers.thread_limit(1):
        assert workers.thread_budget() == 1
        assert electronics._pool() is None, "one thread: the noise blocks run in turn, no pool"
        assert workers.plan(0)[0] == 1, "one thread: no framelet workers"
        with workers.thread_limit(0):          # 0: no change
            assert workers.thread_budget() == 1
    assert workers.thread_budget() == before
    with workers.thread_limit(2):
        pool = electronics._pool()
        assert pool is not None and pool._max_workers == 2


def test_compiling_inside_a_thread_limit_after_numba_started_its_threads():
    """numba re-reads NUMBA_NUM_THREADS before each compilation and raises once its pool runs with another
    count: a thread limit changed it, so every dataset item compiling a loop (a fresh cache) failed."""
    numba = pytest.importorskip("numba")
    from simulator.render import compiled

    compiled.parallel_probe(2)                     # numba's threads are running in this process
    launched = numba.config.NUMBA_NUM_THREADS
    with workers.thread_limit(launched + 1):       # any count other than the pool's
        fresh = numba.njit(lambda x: x + 1)        # a new function: compiled here (reload_config)
        assert fresh(1) == 2
    assert numba.njit(lambda x: x * 3)(2) == 6, "compiling after the limit must work too"
    assert numba.config.NUMBA_NUM_THREADS == launched


def test_single_worker_dataset_honours_threads_per_worker(monkeypatch, tmp_path):
    from simulator.dataset import runner

    seen = []

    def fake_item(task):
        seen.append(workers.thread_budget())
        return {"status": "ok"}

    monkeypatch.setattr(runner, "run_item", fake_item)
    before = workers.thread_budget()
    rows = list(runner._results(lambda: ["a", "b"], runner.RunOptions(workers=1, threads_per_worker=1)))
    assert rows == [{"status": "ok"}] * 2 and seen == [1, 1], seen
    assert workers.thread_budget() == before


class _ThreadPool:
    """Stands in for the spawned process pool (same submit/shutdown), so the lanes are tested in-process."""

    def __init__(self, workers, mp_context=None, initializer=None, initargs=()):
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(workers)
        self.submit = self.pool.submit

    def shutdown(self, wait=True, cancel_futures=False):
        self.pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def test_dataset_lanes_run_every_item_once_in_this_process_and_the_pool(monkeypatch):
    import concurrent.futures
    import time

    from simulator.dataset import runner

    ran = []

    def fake_item(task):
        time.sleep(0.01)
        ran.append((task, threading.current_thread().name))
        if task == "bad":
            raise RuntimeError("pool broke")
        return {"task": task}

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", _ThreadPool)
    monkeypatch.setattr(runner, "run_item", fake_item)
    tasks = [f"t{i}" for i in range(12)]
    rows = list(runner._local_results(lambda: tasks, workers=3, threads=1))
    assert sorted(r["task"] for r in rows) == sorted(tasks), rows
    assert sorted(t for t, _ in ran) == sorted(tasks), "an item ran twice or not at all"
    lanes = {name for _, name in ran}
    assert threading.current_thread().name in lanes and len(lanes) >= 2, lanes
    ran.clear()
    with pytest.raises(RuntimeError, match="pool broke"):
        list(runner._local_results(lambda: ["bad"] + tasks[:1], workers=2, threads=1))

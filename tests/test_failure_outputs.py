"""Nothing lost, nothing half-written: outputs, signals, full disks, stale partials, file modes (issue #17)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulator.cli import EXIT_USER_ERROR, main
from simulator.outputs import (MARKER, OutputError, atomic_dir, atomic_file, os_error_sentence, partial_path,
                               prepare_output, read_marker, remove_stale_partials, write_marker)

ROOT = Path(__file__).resolve().parents[1]
SIGNAL_WAIT_S = 600      # ceiling for a subprocess to reach the point under test (not a timing assertion)


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def _env(cache: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), JUNOCAM_SIM_CACHE=str(cache))
    return env


def _modes(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.stat().st_mode & 0o777 for p in [folder, *folder.rglob("*")]}


# --- atomic_dir / atomic_file --------------------------------------------------------------------------
def test_a_finished_outputs_marker_names_no_process_host_or_time(tmp_path):
    """The partial's marker names its writer (stale-partial cleanup needs it); the finished output's does
    not, so the same command gives the same bytes in any process (dataset products: 2 workers vs Dask)."""
    import json

    markers = []
    for name in ("a", "b"):
        with atomic_dir(tmp_path / name, command="test") as partial:
            assert {"pid", "host", "created_unix_s"} <= set(json.loads((partial / MARKER).read_text()))
            time.sleep(0.01)
        markers.append((tmp_path / name / MARKER).read_bytes())
    assert markers[0] == markers[1], markers
    assert set(json.loads(markers[0])) == {"software", "version", "command"}, markers[0]
    with atomic_dir(tmp_path / "a", overwrite=True, command="test"):   # still recognised as ours
        pass


def test_atomic_dir_replaces_only_what_it_wrote_and_keeps_it_on_failure(tmp_path):
    out = tmp_path / "o"
    with atomic_dir(out, command="test") as partial:
        (partial / "a.txt").write_text("first")
    assert read_marker(out)["command"] == "test" and (out / "a.txt").read_text() == "first"
    with pytest.raises(OutputError, match="--overwrite"):
        with atomic_dir(out, command="test"):
            pass
    with pytest.raises(RuntimeError):
        with atomic_dir(out, overwrite=True, command="test") as partial:
            (partial / "b.txt").write_text("half")
            raise RuntimeError("failed mid-write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"], "the partial was left behind"
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt"], "the old output was changed"
    with atomic_dir(out, overwrite=True, command="test") as partial:
        (partial / "b.txt").write_text("second")
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "b.txt"], "the first run's files were mixed in"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o"]


def test_os_errors_while_writing_become_one_sentence(tmp_path):
    errors = [(f"/src/{i}", f"/dst/{i}", "[Errno 28] No space left on device") for i in range(200)]
    with pytest.raises(OutputError) as info:
        with atomic_dir(tmp_path / "o", command="test"):
            raise shutil.Error(errors)
    text = str(info.value)
    assert "\n" not in text and len(text) < 400 and "200 file(s)" in text, text
    assert not (tmp_path / "o").exists() and list(tmp_path.iterdir()) == []
    assert "No space left" in os_error_sentence(OSError(28, "No space left on device", "/x/y"), "writing")


def test_atomic_file_modes_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_file(tmp_path / "f.txt", mode="w") as fh:
            fh.write("x")
        with atomic_dir(tmp_path / "d", command="test") as partial:
            (partial / "g.txt").write_text("y")
    finally:
        os.umask(old)
    assert (tmp_path / "f.txt").stat().st_mode & 0o777 == 0o644
    assert _modes(tmp_path / "d") == {".": 0o755, MARKER: 0o644, "g.txt": 0o644}


def test_instrument_kernel_file_mode(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        assert main(["instrument", "--write-ik", str(tmp_path / "k.ti")]) == 0
    finally:
        os.umask(old)
    assert (tmp_path / "k.ti").stat().st_mode & 0o777 == 0o644


# --- stale partials --------------------------------------------------------------------------------------
def test_dead_processes_partial_is_removed_and_live_ones_kept(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    for pid in (dead, live):
        folder = tmp_path / f".out{'.junocam-sim-partial-'}{pid}"
        folder.mkdir()
        write_marker(folder, "render")
        (folder / "big.bin").write_bytes(b"\0" * 1000)
    unmarked = tmp_path / f".theirs.junocam-sim-partial-{dead}"
    unmarked.mkdir()
    removed = remove_stale_partials(tmp_path)
    assert [p.name for p in removed] == [f".out.junocam-sim-partial-{dead}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".out.junocam-sim-partial-{live}", unmarked.name]), "a live or unmarked partial was removed"


def test_next_render_removes_a_killed_runs_partial(tmp_path, capsys, kernel_cache_dir):
    """A partial from a process that is gone (SIGKILL: no cleanup ran) goes when any run writes there."""
    out = tmp_path / "out"
    out.mkdir()
    stale = out / f".JNCE_2018091_12C00001_V01.junocam-sim-partial-{_dead_pid()}"
    (stale / ".scratch").mkdir(parents=True)
    write_marker(stale, "render")
    (stale / ".scratch" / "IOF.bin").write_bytes(b"\0" * 4096)
    assert main(["render", "--frames", "1", "--filters", "RED", "--image-number", "7", "--out", str(out),
                 "--cache-dir", str(kernel_cache_dir)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["JNCE_2018091_12C00007_V01"]


# --- signals --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("signum", [signal.SIGTERM, pytest.param(signal.SIGHUP, marks=pytest.mark.slow)])
def test_termination_signal_mid_render_leaves_no_partial(tmp_path, kernel_cache_dir, signum):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", "render", "--frames", "40", "--out", str(out),
                             "--cache-dir", str(kernel_cache_dir)], env=_env(kernel_cache_dir),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + SIGNAL_WAIT_S
    while time.monotonic() < deadline and proc.poll() is None:
        partials = list(out.glob(".*partial*")) if out.exists() else []
        # the writer is inside its block (its scratch folder exists; at the default coding it holds no plane)
        if any((q / ".scratch").is_dir() for q in partials):
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"render ended before it could be signalled: {proc.communicate()}"
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=SIGNAL_WAIT_S)
    assert proc.returncode == 128 + signum, (proc.returncode, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and signal.Signals(signum).name in lines[0], stderr
    assert list(out.iterdir()) == [], f"left behind: {list(out.iterdir())}"


# --- full disk ------------------------------------------------------------------------------------------
@pytest.fixture
def small_tmpfs(tmp_path):
    """A 20 MB tmpfs (root only; skipped where it cannot be mounted)."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=20m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"tmpfs cannot be mounted here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], capture_output=True)


def test_product_too_large_for_the_disk_is_refused_up_front(small_tmpfs, capsys, kernel_cache_dir):
    code = main(["render", "--frames", "6", "--out", str(small_tmpfs / "o"), "--cache-dir", str(kernel_cache_dir)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_USER_ERROR and len(err) == 1 and "free space" in err[0] and str(small_tmpfs) in err[0], err
    assert sorted(p.name for p in small_tmpfs.rglob("*")) == ["o"], list(small_tmpfs.rglob("*"))


def test_full_disk_while_reserving_scratch_is_one_line_and_leaves_the_disk_as_it_was(
        small_tmpfs, capsys, kernel_cache_dir, monkeypatch):
    """With the free-space check out of the way, the scratch reservation itself meets ENOSPC (no SIGBUS).

    Planes written whole (``--truth-coding values``) are the ones kept in scratch: at the default coding the
    truth is streamed and the quicklook collected, so a default render reserves no scratch plane."""
    import simulator.products.writer as writer

    monkeypatch.setattr(writer, "check_free_space", lambda *a, **k: None)
    code = main(["render", "--frames", "6", "--truth-coding", "values", "--out", str(small_tmpfs / "o"),
                 "--cache-dir", str(kernel_cache_dir)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == EXIT_USER_ERROR and len(err) == 1 and "No space left" in err[0], err
    assert [p.name for p in small_tmpfs.rglob("*")] == ["o"], list(small_tmpfs.rglob("*"))


# --- what the commands write ------------------------------------------------------------------------------
@pytest.mark.slow   # the views take ~20 s; test_atomic_dir_replaces_only_what_it_wrote... covers the rule fast
def test_second_scene_run_does_not_mix_views(tmp_path, capsys):
    out = tmp_path / "scene"
    assert main(["scene", "--out", str(out), "--resolution", "10"]) == 0
    assert (out / "view-north.png").is_file()
    assert main(["scene", "--out", str(out), "--resolution", "10", "--no-views"]) == EXIT_USER_ERROR
    assert main(["scene", "--out", str(out), "--resolution", "10", "--no-views", "--overwrite"]) == 0
    assert not list(out.glob("view-*.png")), "the first run's views were left beside the second run's maps"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scene"]


def test_render_progress_counts_the_writes(tmp_path, kernel_cache_dir):
    """The bar's total is reached only when the product is in place (the writes count as much as the render)."""
    from simulator.products.pipeline import ProductRequest, render_product
    from simulator.scenario import load_scenario

    calls = []
    scenario = load_scenario("default").replace(imaging={"frames": 1, "filters": ["GREEN", "RED"]})

    def record(done, total):
        calls.append((done, total, any(tmp_path.glob("JNCE_*"))))

    folder = render_product(ProductRequest(scenario, tmp_path, cache_dir=kernel_cache_dir), record)
    framelets = 2
    assert calls[framelets - 1][:2] == (framelets, 2 * framelets), calls
    assert all(done < total for done, total, _ in calls[:-1]) and calls[-1][0] == calls[-1][1], calls
    assert not any(placed for *_, placed in calls[:-1]), "the bar ended after the product was in place"
    assert folder.is_dir() and read_marker(folder)["command"] == "render"


def test_product_files_have_normal_modes(tmp_path, kernel_cache_dir):
    from simulator.products.pipeline import ProductRequest, render_product
    from simulator.scenario import load_scenario

    old = os.umask(0o022)
    try:
        scenario = load_scenario("default").replace(imaging={"frames": 1, "filters": ["RED"]})
        folder = render_product(ProductRequest(scenario, tmp_path, cache_dir=kernel_cache_dir))
    finally:
        os.umask(old)
    wrong = {k: oct(v) for k, v in _modes(folder).items()
             if v != (0o755 if (folder / k).is_dir() else 0o644)}
    assert not wrong, f"modes other than 0644/0755: {wrong}"


def test_prepare_output_accepts_new_and_empty_folders(tmp_path):
    assert prepare_output(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert prepare_output(tmp_path / "empty") == tmp_path / "empty"
    assert partial_path(tmp_path / "x").name == f".x.junocam-sim-partial-{os.getpid()}"

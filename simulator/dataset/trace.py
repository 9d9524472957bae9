"""A timeline of a dataset run, per process and phase, when ``$JUNOCAM_DATASET_TRACE`` names a file.

Each phase (imports, warm-up, an item, the manifest...) appends one JSON line to that file: process id, role,
phase name, wall start and end (``time.time()`` seconds, one clock for every process of the host) and this
process's CPU seconds at both ends (``time.process_time()``). Unset (the default), :func:`phase` costs one
environment look-up. ``benchmarks.bench_dataset --timeline`` reads the file (:func:`read_timeline`) to show where
a whole run loses against its steady state: start-up, the first item, the straggler tail, the parent's work.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

ENV = "JUNOCAM_DATASET_TRACE"


def _started_wall() -> float | None:
    """Wall time (``time.time()``) this process was created, from Linux's /proc; None elsewhere."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime"))
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def record(name: str, wall0: float, cpu0: float, **info) -> None:
    """Append one phase (``name`` from ``wall0``/``cpu0`` to now) to the trace file, if one is set."""
    path = os.environ.get(ENV)
    if not path:
        return
    row = {"pid": os.getpid(), "phase": name, "wall0": wall0, "wall1": time.time(), "cpu0": cpu0,
           "cpu1": time.process_time(), **info}
    with open(path, "a", encoding="utf-8") as f:      # one short write per line: O_APPEND keeps lines whole
        f.write(json.dumps(row) + "\n")


def record_start(name: str = "start") -> None:
    """Record this process's start-up until now (its creation to here: interpreter, imports) as ``name``."""
    if os.environ.get(ENV):
        record(name, _started_wall() or time.time(), 0.0)


@contextlib.contextmanager
def phase(name: str, **info):
    """Record the block as phase ``name`` (with ``info``: item index...) when tracing is on."""
    if not os.environ.get(ENV):
        yield
        return
    wall0, cpu0 = time.time(), time.process_time()
    try:
        yield
    finally:
        record(name, wall0, cpu0, **info)


def read_timeline(path: str | Path) -> list[dict]:
    """Every recorded phase in the trace file, by start time."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    return sorted(rows, key=lambda r: r["wall0"])

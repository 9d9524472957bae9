"""Every fenced ``python`` and ``sh``/``bash`` block of README.md runs as written.

Python blocks run in a fresh temporary folder with this checkout first on ``PYTHONPATH``. Shell blocks run
with ``sh -e`` in a fresh folder ``<tmp>/project`` (beside it ``<tmp>/shared`` links to ``../shared`` when
present, so ``../shared/reference/...`` paths resolve as they do from a clone); ``junocam-sim`` and
``.venv/bin/junocam-sim`` are shims for ``python -m simulator.cli`` of this checkout, ``python`` is the
test's interpreter. What the test changes before running a block, all listed here:

- ``make demo`` runs ``junocam-sim demo --frames 2 --out demo-output`` (the README says it equals ``junocam-sim
  demo --out demo-output``; the install it also does is not the block's point); ``--frames N`` becomes
  ``--frames 2``, and ``junocam-sim demo`` gets ``--frames 2`` (small frame counts, same commands).
- ``make test`` is not run (it is this test suite).

Blocks that need ``../shared`` are skipped without it; blocks taking more than ~20 s are marked slow
(:data:`SLOW`). Nothing is on a skip list otherwise: every block must run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SHARED = ROOT.parent / "shared"
BLOCK_TIMEOUT_S = 1800          # a generous ceiling so a hung block fails instead of blocking the suite

# Blocks that render, plan or build full-resolution maps (first line of the block, stripped): slow.
SLOW = (
    ".venv/bin/junocam-sim instrument                       # FOV",
    "junocam-sim scenarios                                   # names",
    "junocam-sim scene --out scene-10 --resolution 10 --no-views",
    "make demo    # creates .venv",
    "junocam-sim scene --out scene-out",
    "junocam-sim render --scenario io --out out",
    "make demo                                   # = junocam-sim demo --out demo-output",
    "junocam-sim plan --scenario pj10 --target north-pole --window -3h,+3h --out plan-pj10",
    "from simulator.scenario import load_scenario",
    "junocam-sim budget --volume-mb 6                                   # 1.50 days",
    # 18-29 s each (suite durations, idle 2-core machine); their commands have default-run tests of their own
    "make demo                                                    # the product and its colour view",
    "# without flight kernels: the metadata alone (the two PJ27 images in ../shared have no PNG beside them)",
    "cat > spec.toml <<'SPEC'",
)


def readme_blocks() -> list[tuple[int, str, str]]:
    """(first line number, language, code) of every fenced python/sh/bash block of the README."""
    blocks, lang, start, body = [], None, 0, []
    for number, line in enumerate(README.read_text(encoding="utf-8").splitlines(), start=1):
        fence = re.match(r"^```\s*(\w*)", line)
        if fence and lang is None:
            lang, start, body = fence.group(1) or "text", number + 1, []
        elif fence:
            if lang in ("python", "sh", "bash"):
                blocks.append((start, lang, "\n".join(body) + "\n"))
            lang = None
        elif lang is not None:
            body.append(line)
    return blocks


def shell_text(code: str) -> str:
    """The block as the test runs it (see the module docstring for every change)."""
    lines = []
    for line in code.splitlines():
        if re.match(r"^\s*make test\b", line):
            continue
        line = re.sub(r"^\s*make demo\b", "junocam-sim demo --out demo-output", line)
        line = re.sub(r"--frames \d+", "--frames 2", line)
        line = re.sub(r"(junocam-sim demo)(?! --frames)", r"\1 --frames 2", line)
        lines.append(line)
    return "\n".join(lines) + "\n"


def _shims(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    cli = bin_dir / "junocam-sim"
    cli.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m simulator.cli "$@"\n')
    cli.chmod(0o755)
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)


def _environment(tmp_path: Path, kernel_cache: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PATH"] = os.pathsep.join([str(tmp_path / "bin"), env.get("PATH", "")])
    env["JUNOCAM_SIM_CACHE"] = str(kernel_cache)
    env["MPLBACKEND"] = "Agg"
    return env


def _params():
    out = []
    for start, lang, code in readme_blocks():
        first = code.strip().splitlines()[0].strip() if code.strip() else ""
        marks = [pytest.mark.slow] if any(first.startswith(s.strip()) for s in SLOW) else []
        out.append(pytest.param(start, lang, code, id=f"README-line-{start}-{lang}", marks=marks))
    return out


def test_readme_has_blocks_of_each_kind():
    langs = {lang for _, lang, _ in readme_blocks()}
    assert {"python", "sh"} <= langs, f"README fenced blocks found: {sorted(langs)}"


@pytest.mark.parametrize("start, lang, code", _params())
def test_readme_block_runs(start, lang, code, tmp_path, kernel_cache_dir):
    if "../shared" in code and not SHARED.is_dir():
        pytest.skip("the block reads ../shared, which is not beside the project")
    _shims(tmp_path / "bin")
    work = tmp_path / "project"
    work.mkdir()
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED)
    (work / ".venv" / "bin").mkdir(parents=True)
    _shims(work / ".venv" / "bin")
    env = _environment(tmp_path, kernel_cache_dir)
    if lang == "python":
        argv = [sys.executable, "-c", code]
        shown = code
    else:
        shown = shell_text(code)
        argv = ["sh", "-e", "-c", shown]
    done = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=BLOCK_TIMEOUT_S)
    assert done.returncode == 0, (f"README block at line {start} ({lang}) exited {done.returncode}:\n{shown}\n"
                                  f"--- stderr (last 2000 chars) ---\n{done.stderr[-2000:]}")

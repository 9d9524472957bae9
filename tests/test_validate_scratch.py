"""``validate``'s error-image scratch lives in its output's partial folder, never in the system temp folder, and
is gone after success, failure or a termination signal (issue #13 failure-path leftovers)."""

from __future__ import annotations

import json
import os
import signal
import tempfile
from pathlib import Path

import numpy as np
import pytest

from simulator.cli import main
from simulator.outputs import MARKER, PARTIAL_TAG
from simulator.validate.rowstore import ErrorRows

SHAPE = (256, 1648)      # two framelets of an unsummed product


def _open_path(fh) -> str:
    """Where the file behind an open handle lives (``/proc/self/fd``: ``<folder>/#<inode> (deleted)`` or the
    unlinked name for an anonymous file)."""
    return os.readlink(f"/proc/self/fd/{fh.fileno()}")


@pytest.fixture
def system_temp(tmp_path, monkeypatch) -> Path:
    """An empty folder standing in for the system temp folder (``tempfile.gettempdir()``)."""
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_error_rows_scratch_is_anonymous_in_the_given_folder(tmp_path, system_temp):
    folder = tmp_path / "partial"
    folder.mkdir()
    rows = ErrorRows(SHAPE, folder)
    try:
        where = _open_path(rows._file)
        assert where.startswith(str(folder) + os.sep), f"scratch at {where!r}, not in {folder}"
        assert list(folder.iterdir()) == [], f"the scratch has a visible name: {list(folder.iterdir())}"
        error = np.arange(2 * SHAPE[1], dtype=np.float32).reshape(2, SHAPE[1])
        rows.write(128, error, error > 100)
        got, planet = rows.read(128, 2)
        np.testing.assert_array_equal(got, error)
        np.testing.assert_array_equal(planet, error > 100)
        assert np.isnan(rows.read(0, 1)[0]).all(), "an unwritten row must read as NaN"
    finally:
        rows.close()
    assert list(folder.iterdir()) == [] and list(system_temp.iterdir()) == []


def _fake_validation(seen: dict, *, terminate: bool):
    """A stand-in for ``run_validation`` (the command's plumbing is under test, not the reconstruction): it
    fills the error rows in ``scratch_dir`` as the real one does, then returns or is sent SIGTERM."""
    from simulator.validate.validation import ValidationResult

    def run_validation(product_dir, *, scratch_dir=None, progress=None, **_):
        rows = ErrorRows(SHAPE, scratch_dir)
        seen["scratch"] = _open_path(rows._file)
        seen["partial"] = Path(scratch_dir)
        seen["partial_listing"] = sorted(p.name for p in Path(scratch_dir).iterdir())
        rows.write(0, np.full(SHAPE, 0.25, np.float32), np.ones(SHAPE, bool))
        if terminate:
            os.kill(os.getpid(), signal.SIGTERM)      # as `kill` or a scheduler would, mid-validation
        return ValidationResult(summary={"product_id": "FAKE", "geometry_error_image_px_p99": 0.25},
                                error_rows=rows)

    return run_validation


@pytest.mark.parametrize("terminate", [False, True])
def test_validate_keeps_its_scratch_in_the_output_partial(tmp_path, system_temp, monkeypatch, capsys, terminate):
    import simulator.commands.validate as command
    import simulator.validate.validation as validation

    seen: dict = {}
    monkeypatch.setattr(command, "check_product", lambda product: SHAPE)
    monkeypatch.setattr(validation, "run_validation", _fake_validation(seen, terminate=terminate))
    out = tmp_path / "results" / "validation"
    status = main(["validate", str(tmp_path / "product"), "--out", str(out), "--json"])

    partial = seen["partial"]
    assert partial.parent == out.parent and partial.name.startswith(f".{out.name}{PARTIAL_TAG}"), partial
    assert seen["scratch"].startswith(str(partial) + os.sep), f"scratch at {seen['scratch']!r}, not in {partial}"
    assert seen["partial_listing"] == [MARKER], f"visible in the partial while validating: {seen['partial_listing']}"
    assert list(system_temp.iterdir()) == [], f"written to the system temp folder: {list(system_temp.iterdir())}"
    if terminate:
        assert status == 128 + signal.SIGTERM, status
        assert list(out.parent.iterdir()) == [], f"left behind: {list(out.parent.iterdir())}"
        assert "SIGTERM" in capsys.readouterr().err
    else:
        assert status == 0, capsys.readouterr().err
        assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "error_map.png", "validation.json"])
        assert sorted(p.name for p in out.parent.iterdir()) == ["validation"], "a partial was left beside it"
        summary = json.loads((out / "validation.json").read_text())
        assert summary["error_map"] == "error_map.png" and summary["error_map_max_px"] > 0

"""A twin's spin phase fitted to the limb rows of an original's raw image, and originals read from a PDS3
EDR (.LBL + .IMG) as from the JSON + PNG. The original is one of our own renders (pj1: the limb in view)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from instrument_models.junocam import JunoCam, decompand
from simulator.cli import main
from simulator.geometry import Geometry
from simulator.kernelset import kernel_set_for
from simulator.products import clock
from simulator.scenario import load_scenario
from simulator.twins import phase as ph
from simulator.twins.original import read_original
from simulator.twins.plan import plan_twin

EDGE_TOL_PX = 2.0           # issue #14: the phase puts the limb/terminator rows within 2 px of the original's


@pytest.fixture(scope="module")
def original(tmp_path_factory, kernel_cache_dir) -> Path:
    out = tmp_path_factory.mktemp("original")
    assert main(["render", "--scenario", "pj1", "--frames", "3", "--filters", "RED", "--seed", "3",
                 "--out", str(out), "--cache-dir", str(kernel_cache_dir)]) == 0
    (folder,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    return folder


def test_pds3_edr_reads_as_the_json_and_png(original):
    from_json = read_original(original)
    from_label = read_original(original / "PDS")
    assert from_label.kind == "PDS3 EDR" and from_json.kind == "junocam-sim product"
    assert from_label.layout == from_json.layout
    assert np.array_equal(from_label.image, from_json.image)
    for key in ("SPACECRAFT_CLOCK_START_COUNT", "START_TIME", "SUB_SPACECRAFT_LATITUDE", "FILTER_NAME"):
        assert from_label.metadata[key] == from_json.metadata[key], key


def _edge_offsets(mk, orig, turn_deg: float = 0.0) -> np.ndarray:
    lay = orig.layout
    cam = JunoCam.default()
    edges = ph.image_edges(orig.image, lay, decompand)
    with Geometry(mk) as geo:
        start = clock.sclk_string_to_et(lay.sclk_start)
        mids = [cam.frame_mid_et(start, k, lay.interframe_delay_s, lay.tdi_stages) for k in range(lay.frames)]
        s = geo.sample(mids)
        pred = ph.predicted_edges(geo, cam, lay, start, s, ph.spin_axes(geo, mids), turn_deg)
    d = np.concatenate([(edges.first - pred.first).ravel(), (edges.last - pred.last).ravel()])
    return d[np.isfinite(d)]


def test_phase_fitted_to_the_limb_rows(original, kernel_cache_dir):
    orig = read_original(original)
    plan = plan_twin(load_scenario("default"), orig, cache_dir=kernel_cache_dir)
    rec = plan.record["phase"]
    assert rec["method"] == "limb fit" and rec["edge_pairs"] >= 5, rec
    assert abs(rec["residual_lines"]) <= EDGE_TOL_PX, rec
    # independently of the fit: the twin's own kernels (the fitted phase written into its CK) put the edges
    # where the original has them, and the centred phase alone does not
    offsets = _edge_offsets(kernel_set_for(plan.scenario, kernel_cache_dir), orig)
    assert offsets.size >= 5 and abs(np.median(offsets)) <= EDGE_TOL_PX, offsets
    centred = plan_twin(load_scenario("default"), orig, cache_dir=kernel_cache_dir, fit_image=False)
    assert centred.record["phase"]["method"] == "centred"
    away = _edge_offsets(kernel_set_for(centred.scenario, kernel_cache_dir), orig)
    assert away.size == 0 or abs(np.median(away)) > 10 * EDGE_TOL_PX, away


@pytest.mark.slow
def test_render_like_a_download_writes_the_comparison(original, tmp_path, kernel_cache_dir):
    # a mission-style download: the JSON and the PNG side by side
    download = tmp_path / "download"
    download.mkdir()
    for sub in ("DataSet", "ImageSet"):
        for f in (original / sub).iterdir():
            (download / f.name).write_bytes(f.read_bytes())
    out = tmp_path / "twin"
    assert main(["render", "--like", str(download), "--out", str(out), "--cache-dir", str(kernel_cache_dir)]) == 0
    folder = out / original.name
    record = json.loads((folder / "twin.json").read_text())
    assert record["original_kind"] == "mission download" and record["phase"]["method"] == "limb fit"
    report = json.loads((folder / "twin_report.json").read_text())
    assert all(v["equal"] for v in report["fields"].values()), report["fields"]
    for key in ("SUB_SPACECRAFT_LATITUDE", "SUB_SPACECRAFT_LONGITUDE"):
        assert abs(report["geometry"][key]["twin_minus_original"]) < 0.5, report["geometry"]
    ours, theirs = report["image_statistics"]["twin"]["RED"], report["image_statistics"]["original"]["RED"]
    assert abs(ours["lit_fraction"] - theirs["lit_fraction"]) < 0.05, (ours, theirs)


def test_score_and_validate_take_kernels(original, tmp_path, capsys):
    """--kernels replaces the product's metakernel: a missing file is one line naming it, before any work."""
    missing = tmp_path / "missing.tm"
    for argv in (["score", str(original), "--backplanes", str(tmp_path / "x.npz"), "--kernels", str(missing)],
                 ["validate", str(original), "--kernels", str(missing), "--out", str(tmp_path / "v")]):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--kernels" in err[0] and "missing.tm" in err[0], err

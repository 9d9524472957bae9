"""`junocam-sim dataset` on a tiny spec: products, manifest, a failed item recorded, --resume, ML export."""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from simulator import cli
from simulator.dataset import RunOptions, load_spec, run_dataset
from simulator.dataset import worker as worker_mod
from simulator.dataset.manifest import COLUMNS, FIGURES, read_manifest

TINY = """
[dataset]
name = "tiny"
seed = 7
count = 3
base = ["default"]
truth = "minimal"

[overrides]
imaging = {{ frames = 1, filters = ["RED"] }}
render = {{ supersample = 1, time_oversample = 1 }}

[vary]
"errors.start_time_jitter_ms" = {{ normal = [0.0, 5.0], round = 3 }}
"imaging.tdi" = [1, 2]
"imaging.compression" = ["LOSSLESS", "INTEGER COSINE TRANSFORM"]

[export]
min_jupiter_fraction = 0.0
splits = {{ train = 0.5, validation = 0.25, test = 0.25 }}
{extra}
"""


def write_spec(folder: Path, extra: str = "") -> Path:
    path = folder / "spec.toml"
    path.write_text(TINY.format(extra=extra), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, kernel_cache_dir):
    """The tiny dataset run once in this process with item 1 failing, then resumed."""
    folder = tmp_path_factory.mktemp("dataset")
    spec = load_spec(write_spec(folder))
    out = folder / "out"
    real = worker_mod._render

    def fail_item_1(task):
        if task.item.index == 1:
            raise RuntimeError("injected failure of item 1")
        return real(task)

    options = RunOptions(workers=1, cache_dir=str(kernel_cache_dir), progress=False)
    worker_mod._render = fail_item_1
    try:
        first = run_dataset(spec, out, options)
    finally:
        worker_mod._render = real
    rows_first = read_manifest(out).to_pylist()
    stamps = {p: p.stat().st_mtime_ns for p in (out / "items").glob("*.json")}
    second = run_dataset(spec, out, RunOptions(workers=1, cache_dir=str(kernel_cache_dir), progress=False,
                                               resume=True))
    return spec, out, first, rows_first, stamps, second


def test_a_failed_item_is_recorded_and_never_stops_the_others(tiny_run):
    _, _, first, rows, _, _ = tiny_run
    assert (first.done, first.failed, first.skipped) == (2, 1, 0)
    status = {r["index"]: (r["status"], r["error"]) for r in rows}
    assert status[0][0] == status[2][0] == "ok"
    assert status[1] == ("failed", "RuntimeError: injected failure of item 1")


def test_resume_redoes_only_the_failed_item(tiny_run):
    _, out, _, _, stamps, second = tiny_run
    assert (second.done, second.failed, second.skipped) == (1, 0, 2)
    changed = [p.name for p, t in stamps.items() if p.stat().st_mtime_ns != t]
    assert changed == ["00001.json"], f"resume rewrote {changed}"
    assert [r["status"] for r in read_manifest(out).to_pylist()] == ["ok"] * 3


def test_manifest_columns_hashes_and_csv_agree(tiny_run):
    spec, out, _, _, _, _ = tiny_run
    table = read_manifest(out)
    names = table.column_names
    for required in (*COLUMNS, *FIGURES, "vary.imaging.tdi", "vary.errors.start_time_jitter_ms",
                     "injected.start_time_jitter_s", "imaging.compression", "raw_png_sha256"):
        assert required in names, f"manifest lacks {required}"
    items = spec.items()
    for row, item in zip(table.to_pylist(), items):
        assert row["index"] == item.index and row["seed"] == item.seed
        assert row["vary.imaging.tdi"] == item.values["imaging.tdi"] == row["imaging.tdi"]
        # the injected start-time error is the varied one (ms -> s)
        assert row["injected.start_time_jitter_s"] == pytest.approx(item.values["errors.start_time_jitter_ms"] / 1e3)
        for role in ("raw_png", "metadata", "truth_fits", "truth_json"):
            digest = hashlib.sha256((out / row[role]).read_bytes()).hexdigest()
            assert digest == row[f"{role}_sha256"], f"item {item.index}: {role} hash differs"
        assert 0.0 < row["jupiter_fraction"] < 1.0
        assert row["incidence_deg_min"] <= row["incidence_deg_max"] < 180.0
        assert 0 < row["pixel_scale_km_min"] <= row["pixel_scale_km_max"]
    with open(out / "manifest.csv", newline="", encoding="utf-8") as f:
        text_rows = list(csv.reader(f))
    assert text_rows[0] == names
    for text, row in zip(text_rows[1:], table.to_pylist()):
        for name, cell in zip(names, text):
            value = row[name]
            if isinstance(value, float):
                assert (cell == "" and math.isnan(value)) or float(cell) == value, name
            elif value is not None:
                assert cell == str(value), name


def test_minimal_truth_keeps_what_validation_reads(tiny_run):
    from astropy.io import fits

    from simulator.validate.truth import TRUTH_PLANES

    _, out, _, _, _, _ = tiny_run
    row = read_manifest(out).to_pylist()[0]
    with fits.open(out / row["truth_fits"]) as hdul:
        assert [h.name for h in hdul[1:]] == list(TRUTH_PLANES)
        assert hdul[0].header["TRUTHLVL"] == "minimal"


def test_ml_export_crops_match_the_products(tiny_run):
    import zarr

    from simulator.products.raw_image import read_raw_png
    from simulator.products.reader import read_truth_planes

    _, out, _, _, _, _ = tiny_run
    rows = {r["index"]: r for r in read_manifest(out).to_pylist()}
    root = zarr.open_group(str(out / "ml.zarr"), mode="r")
    total = 0
    for split in root.group_keys():
        g = root[split]
        for k in range(g["dn"].shape[0]):
            row = rows[int(g["item"][k])]
            l0, s0 = int(g["line0"][k]), int(g["sample0"][k])
            window = (slice(l0, l0 + 128), slice(s0, s0 + 128))
            assert np.array_equal(g["dn"][k], read_raw_png(out / row["raw_png"])[window])
            lat_pg = read_truth_planes(out / row["truth_fits"], ("LAT_PG",))["LAT_PG"]   # decoded
            assert np.array_equal(g["LAT_PG"][k], lat_pg[window], equal_nan=True)
        total += g["dn"].shape[0]
    assert total == 3 * 13, f"{total} crops; expected 13 per 1648-sample framelet"


def test_cli_refuses_an_unrelated_folder_and_bad_workers(tmp_path, capsys):
    spec = write_spec(tmp_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("user file")
    assert cli.main(["dataset", str(spec), "--out", str(tmp_path / "busy")]) == cli.EXIT_USER_ERROR
    assert "not empty" in capsys.readouterr().err
    assert (tmp_path / "busy" / "mine.txt").read_text() == "user file"
    assert cli.main(["dataset", str(spec), "--out", str(tmp_path / "new"), "--workers", "0"]) == cli.EXIT_USER_ERROR
    assert "--workers 0" in capsys.readouterr().err and not (tmp_path / "new").exists()


def test_one_item_regenerated_alone_is_bit_for_bit(tiny_run, tmp_path, kernel_cache_dir):
    """`--items 2` into a new folder makes item 2 alone, byte for byte as the whole run made it."""
    spec, out, _, _, _, _ = tiny_run
    one = tmp_path / "one"
    result = run_dataset(spec, one, RunOptions(items=(2,), cache_dir=str(kernel_cache_dir), progress=False))
    assert (result.done, result.failed, result.skipped) == (1, 0, 0)
    (row,) = read_manifest(one).to_pylist()
    whole = read_manifest(out).to_pylist()[2]
    differ = {k: (v, whole.get(k)) for k, v in row.items()
              if v != whole.get(k) and not (isinstance(v, float) and math.isnan(v) and math.isnan(whole.get(k)))}
    assert row.keys() == whole.keys() and not differ, differ
    files = sorted(p.relative_to(one / row["product_dir"]) for p in (one / row["product_dir"]).rglob("*") if p.is_file())
    differ = [f for f in files if (one / row["product_dir"] / f).read_bytes() != (out / row["product_dir"] / f).read_bytes()]
    assert files and not differ, f"{len(differ)} of {len(files)} files of item 2 differ, e.g. {differ[:3]}"


def test_ml_export_splits_follow_the_item_seeds(tiny_run):
    """Read back as the README does (zarr.open_group): every crop sits in the split its item's seed picks."""
    import zarr

    from simulator.dataset.export import split_of

    _, out, _, _, _, _ = tiny_run
    seeds = {r["index"]: r["seed"] for r in read_manifest(out).to_pylist()}
    store = zarr.open_group(str(out / "ml.zarr"), mode="r")
    placed = {}
    for split in ("train", "validation", "test"):
        for item in np.unique(store[f"{split}/item"][:]):
            placed[int(item)] = split
    expected = {i: split_of(seed, dict(store.attrs["splits"])) for i, seed in seeds.items()}
    assert placed == expected, f"crops placed {placed}, seeds say {expected}"
    for split in ("train", "validation", "test"):      # every split is there (xarray needs dimension names)
        assert store[f"{split}/dn"].metadata.dimension_names == ("crop", "line", "sample"), split
        assert store[f"{split}/item"].metadata.dimension_names == ("crop",), split


def test_cli_refuses_an_out_that_is_a_file_or_cannot_be_made_before_any_work(tmp_path, capsys):
    """--out naming a file, or a folder that cannot be made (here under a file: what an unwritable place
    gives too), ends in one line naming the folder and what was expected, exit 2; the file is untouched."""
    spec = write_spec(tmp_path)
    mine = tmp_path / "mine.txt"
    mine.write_text("user file")
    for out, words in ((mine, "is a file"), (mine / "sub", "cannot be used")):
        assert cli.main(["dataset", str(spec), "--out", str(out)]) == cli.EXIT_USER_ERROR
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and words in err and repr(str(out)) in err \
            and "expected a new or empty folder" in err, err
    assert mine.read_text() == "user file" and sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt", "spec.toml"]


@pytest.mark.parametrize("items, words", [("7", "--items holds 7"), ("x", "--items 'x'"), ("3-1", "rising")])
def test_cli_refuses_bad_items_before_any_work(tmp_path, capsys, items, words):
    spec = write_spec(tmp_path)
    assert cli.main(["dataset", str(spec), "--out", str(tmp_path / "new"), "--items", items]) == cli.EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert words in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "new").exists()


def test_an_interrupted_export_leaves_no_partial_store(tiny_run, tmp_path, monkeypatch):
    """Ctrl-C (or a failure) while the ML store is written: the previous store stays, no temporary one is left."""
    from simulator.dataset import export

    _, out, _, _, _, _ = tiny_run
    before = sorted(p.name for p in out.iterdir())

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "_create_split", interrupted)
    with pytest.raises(KeyboardInterrupt):
        export.export_crops(out, out / export.STORE, export.ExportOptions(min_jupiter_fraction=0.0))
    assert sorted(p.name for p in out.iterdir()) == before, "the export left a temporary store behind"

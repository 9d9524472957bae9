"""Bad input ends in exit status 2, exactly one line on stderr, and nothing written (issue #17).

Each case names the failure of the issue it reproduces. "Nothing written" is checked by listing every file
under the test's folder (and the output's) before and after the command, with sizes and modification
times: the command must leave them as they were.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import EXIT_USER_ERROR, main
from simulator.errors import SimulatorError


def snapshot(folder: Path) -> dict:
    """Every path under ``folder`` with (size, mtime_ns); folders with None."""
    out = {}
    for p in sorted(Path(folder).rglob("*")):
        st_ = p.lstat()
        out[str(p.relative_to(folder))] = None if p.is_dir() else (st_.st_size, st_.st_mtime_ns)
    return out


def run_cli(argv, capsys):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(argv, capsys, watched: Path, expect: str | None = None) -> str:
    """Run ``argv``; assert exit 2, one stderr line (containing ``expect``), ``watched`` unchanged."""
    before = snapshot(watched)
    code, _, err = run_cli(argv, capsys)
    lines = err.strip().splitlines()
    assert code == EXIT_USER_ERROR, f"{argv}: exit {code}, stderr {err!r}"
    assert len(lines) == 1 and lines[0].startswith("junocam-sim: error: "), f"{argv}: stderr {err!r}"
    if expect is not None:
        assert expect in lines[0], f"{argv}: {lines[0]!r} lacks {expect!r}"
    after = snapshot(watched)
    assert after == before, (f"{argv} changed {watched}: added {sorted(set(after) - set(before))}, removed "
                             f"{sorted(set(before) - set(after))}")
    return lines[0]


@pytest.fixture
def user_folder(tmp_path, monkeypatch) -> Path:
    """A working directory holding a user's files (notes.txt, sub/d.csv) and nothing of ours."""
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    (work / "notes.txt").write_text("my notes\n")
    (work / "sub" / "d.csv").write_text("a,b\n1,2\n")
    monkeypatch.chdir(work)
    return work


@pytest.fixture(scope="module")
def product(tmp_path_factory, kernel_cache_dir) -> Path:
    """One small rendered product (1 frame, RED) shared by the consistency cases."""
    out = tmp_path_factory.mktemp("product")
    assert main(["render", "--frames", "1", "--filters", "RED", "--out", str(out),
                 "--cache-dir", str(kernel_cache_dir)]) == 0
    return next(p for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def copy_product(product: Path, dest: Path) -> Path:
    target = dest / product.name
    shutil.copytree(product, target)
    return target


# --- 1. data loss: outputs that hold the user's files --------------------------------------------------
def test_kernels_out_dot_in_a_folder_with_files_refuses_and_deletes_nothing(user_folder, capsys):
    line = assert_refused(["kernels", "--out", "."], capsys, user_folder.parent, "working directory")
    assert (user_folder / "notes.txt").read_text() == "my notes\n", line


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_kernels_out_a_folder_with_user_files_is_never_replaced(user_folder, capsys, overwrite):
    data = user_folder / "mydata"
    data.mkdir()
    (data / "keep.txt").write_text("x")
    assert_refused(["kernels", "--out", "mydata", *overwrite], capsys, user_folder, "did not write")


def test_kernels_out_naming_a_file_neither_hides_nor_replaces_it(user_folder, capsys):
    assert_refused(["kernels", "--out", "notes.txt", "--overwrite"], capsys, user_folder, "is a file")


@pytest.mark.parametrize("argv, expect", [
    (["kernels", "--out", "/"], "root folder"),
    (["kernels", "--out", ".."], "parent of the working directory"),
    (["scene", "--out", ".", "--no-views", "--resolution", "30"], "working directory"),
    (["plan", "--out", "sub"], "did not write"),
    (["scene", "--out", "sub", "--overwrite", "--no-views", "--resolution", "30"], "did not write"),
    (["render", "--out", "notes.txt", "--frames", "1"], "is a file"),
    (["instrument", "--write-ik", "notes.txt"], "--overwrite"),
    (["instrument", "--write-ik", "sub"], "is a folder"),
])
def test_commands_refuse_outputs_they_may_not_write(user_folder, capsys, argv, expect):
    assert_refused(argv, capsys, user_folder.parent, expect)


def test_symbolic_link_output_is_refused(user_folder, capsys):
    (user_folder / "link").symlink_to(user_folder / "sub")
    assert_refused(["kernels", "--out", "link", "--overwrite"], capsys, user_folder, "symbolic link")


def test_product_folder_we_did_not_write_is_not_replaced(user_folder, capsys, product):
    theirs = user_folder / "out" / product.name
    theirs.mkdir(parents=True)
    (theirs / "mine.txt").write_text("not a product")
    assert_refused(["render", "--frames", "1", "--filters", "RED", "--out", "out", "--overwrite"], capsys,
                   user_folder, "not written by junocam-sim")


# --- 3. inputs accepted that should not be -------------------------------------------------------------
def test_validate_with_another_products_truth(tmp_path, capsys, product):
    from astropy.io import fits

    copy = copy_product(product, tmp_path)
    fits.setval(copy / "truth" / f"{product.name}-truth.fits", "PRODUCT", value="JNCE_2019001_99C00001_V01")
    assert_refused(["validate", copy, "--out", tmp_path / "v"], capsys, tmp_path, "belongs to product")


def test_truth_record_with_another_frame_count(tmp_path, capsys, product):
    copy = copy_product(product, tmp_path)
    record_path = copy / "truth" / "truth.json"
    record = json.loads(record_path.read_text())
    record["framelets"] = record["framelets"] * 2
    record_path.write_text(json.dumps(record))
    assert_refused(["validate", copy, "--out", tmp_path / "v"], capsys, tmp_path, "lists 2 framelets")


@pytest.mark.parametrize("command", ["inspect", "validate", "score"])
def test_truncated_truth_fits(tmp_path, capsys, product, command):
    copy = copy_product(product, tmp_path)
    path = copy / "truth" / f"{product.name}-truth.fits"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    extra = {"inspect": ["--mosaic", tmp_path / "m.png"], "validate": ["--out", tmp_path / "v"],
             "score": ["--backplanes", tmp_path / "b.npz"]}[command]
    assert_refused([command, copy, *extra], capsys, tmp_path, "truncated")


def test_score_all_nan_map(tmp_path, capsys, product):
    np.save(tmp_path / "nan.npy", np.full((90, 180), np.nan, dtype=np.float32))
    assert_refused(["score", product, "--map", tmp_path / "nan.npy", "--filter", "RED"], capsys, tmp_path,
                   "holds no data")


@pytest.mark.parametrize("argv, expect", [
    (["scene", "--out", "x", "--seed", "-3"], "--seed -3"),
    (["scene", "--out", "x", "--resolution", "0.001"], "coarser --resolution"),
    (["budget", "--volume-mb", "1e30"], "--volume-mb 1e+30"),
    (["render", "--frames", "0", "--out", "x"], "imaging.frames"),
])
def test_out_of_range_values(user_folder, capsys, argv, expect):
    assert_refused(argv, capsys, user_folder, expect)


def test_kernels_argument_pointing_at_binary_garbage_names_the_file(user_folder, capsys):
    (user_folder / "garbage.tm").write_bytes(bytes(range(256)) * 20)
    assert_refused(["render", "--kernels", "garbage.tm", "--out", "o"], capsys, user_folder, "'garbage.tm'")


def test_non_utf8_scenario(user_folder, capsys):
    (user_folder / "bad.toml").write_bytes(b'name = "x"\n# caf\xe9 \xff\n')
    assert_refused(["render", "--scenario", "bad.toml", "--out", "o"], capsys, user_folder, "not UTF-8")


def _sequence(folder: Path, images: list) -> Path:
    path = folder / "sequence.json"
    path.write_text(json.dumps({"format": "junocam-sim sequence", "images": images}))
    return path


GOOD_IMAGE = {"start_utc": "2018-04-01T09:45:00", "frames": 1, "filters": ["BLUE", "RED"], "tdi": 1}


@pytest.mark.parametrize("bad, expect", [
    ({"tdi": {"RED": 1}}, "no value for filter BLUE"),
    ({"tdi": "x"}, "not a whole number"),
    ({"tdi": float("nan")}, "not a whole number"),
    ({"frames": -1}, "imaging.frames"),
    ({"filters": "RED"}, "not a list"),
])
def test_sequence_is_checked_as_a_whole_before_any_render(user_folder, capsys, bad, expect):
    """A bad second image must not leave the first one's product behind."""
    path = _sequence(user_folder, [GOOD_IMAGE, {**GOOD_IMAGE, **bad}])
    line = assert_refused(["render", "--sequence", path, "--out", "seq"], capsys, user_folder, expect)
    assert "image 1" in line, line


def test_existing_file_outputs_need_overwrite(tmp_path, capsys, product):
    for argv, target in ((["inspect", product, "--mosaic"], tmp_path / "m.png"),
                         (["score", product, "--map", tmp_path / "m.npy", "--filter", "RED", "--out"],
                          tmp_path / "s.json")):
        target.write_text("user's\n")
        assert_refused([*argv, target], capsys, tmp_path, "--overwrite")
        assert target.read_text() == "user's\n"


# --- property tests: malformed documents never escape as tracebacks ------------------------------------
TOML_PIECES = st.sampled_from([
    "[imaging]\n", "[orbit]\n", "[noise]\n", "[scene]\n", "frames = 3\n", "frames = -2\n", "tdi = 'x'\n",
    "filters = ['RED', 'PURPLE']\n", "seed = 1.5\n", "seed = -4\n", "base = 'pj10'\n", "base = 'nope'\n",
    "perijove_utc = 'yesterday'\n", "rate_rpm = nan\n", "rate_rpm = inf\n", "x = [\n", "= 3\n", "[[scene.bodies]]\n",
    "name = 'IO'\n", "radii_km = [1, 2]\n", "summing = 3\n", "quality = 1000\n", "enabled = 'yes'\n", "\x00",
    "[imaging.tdi]\n", "RED = 2\n", "start_utc = 2018-04-01T09:45:00Z\n", "[errors]\n", "gain_error = {}\n",
])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pieces=st.lists(TOML_PIECES, max_size=8), junk=st.binary(max_size=12))
def test_malformed_scenario_toml_is_one_line(tmp_path, capsys, pieces, junk):
    path = tmp_path / "s.toml"
    path.write_bytes("".join(pieces).encode("utf-8") + junk)
    code, out, err = run_cli(["scenario", "show", path], capsys)
    assert code in (0, EXIT_USER_ERROR), f"exit {code}: {err}"
    if code:
        assert len(err.strip().splitlines()) == 1 and err.startswith("junocam-sim: error: "), err


JSON_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True)
                           | st.text(max_size=12), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(["start_utc", "frames", "filters", "tdi", "interframe_delay_s",
                                                "summing", "companding", "compression", "quality", "number"]),
                               JSON_VALUES, max_size=4),
       drop=st.sampled_from([None, "start_utc", "frames", "filters", "tdi"]))
def test_malformed_sequence_json_is_a_product_error(tmp_path, changes, drop):
    from types import SimpleNamespace

    from simulator.commands.render import sequence_jobs

    image = {**GOOD_IMAGE, **changes}
    if drop is not None:
        image.pop(drop, None)
    path = _sequence(tmp_path, [image])
    args = SimpleNamespace(sequence=str(path), image_number=1, scenario="default", start=None, frames=None,
                           filters=None, tdi=None, interframe_delay=None, compression=None, jitter_ms=None,
                           seed=None)
    try:
        jobs = sequence_jobs(args)
    except SimulatorError as exc:
        assert "\n" not in str(exc).strip(), str(exc)
        return
    assert jobs and all(j[0].imaging.frames >= 1 for j in jobs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.dictionaries(st.sampled_from(["LINES", "LINE_SAMPLES", "FILTER_NAME", "JNO:TDI_STAGES_COUNT",
                                                "SAMPLING_FACTOR", "START_TIME", "INTERFRAME_DELAY",
                                                "SAMPLE_BIT_MODE_ID", "FILE_NAME", "PRODUCT_ID",
                                                "EXPOSURE_DURATION", "STOP_TIME"]),
                               JSON_VALUES, max_size=3))
def test_malformed_metadata_json_is_one_line_and_writes_nothing(tmp_path_factory, product, changes):
    import io
    from contextlib import redirect_stderr, redirect_stdout

    folder = copy_product(product, tmp_path_factory.mktemp("meta"))
    meta_path = next((folder / "DataSet").glob("*-Metadata.json"))
    meta = json.loads(meta_path.read_text())
    meta.update(changes)
    meta_path.write_text(json.dumps(meta))
    mosaic = folder.parent / "m.png"
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(["inspect", str(folder), "--mosaic", str(mosaic)])
    assert code in (0, EXIT_USER_ERROR), f"exit {code}: {err.getvalue()}"
    if code:
        assert len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
        assert not mosaic.exists()


# --- 5. what the README promises --------------------------------------------------------------------------
def test_instrument_filter_option_details_only_that_strip(capsys):
    code, out, _ = run_cli(["instrument", "--filter", "METHANE"], capsys)
    rows = [line.split()[0] for line in out.splitlines() if re.match(r"^  [A-Z]+ +-615\d\d ", line)]
    assert code == 0 and rows == ["METHANE"], rows


def test_budget_measures_a_product_at_the_quality_it_was_rendered_with(tmp_path, capsys, product):
    from simulator.budget import product_ict_quality
    from simulator.scenario import load_scenario

    assert product_ict_quality(product) == (85, "the product's, from scenario.toml")
    assert load_scenario("default").imaging.quality == 85
    bare = copy_product(product, tmp_path)
    shutil.rmtree(bare / "kernels")
    assert product_ict_quality(bare)[0] == 85
    code, out, _ = run_cli(["budget", product], capsys)
    assert code == 0 and "at quality 85 (the product's" in out, out


def test_sequence_whose_later_product_folder_exists_writes_nothing(user_folder, capsys):
    path = _sequence(user_folder, [GOOD_IMAGE, GOOD_IMAGE])
    taken = user_folder / "seq" / "JNCE_2018091_12C00002_V01"      # image 2 of orbit 12 on 2018-04-01 (day 091)
    taken.mkdir(parents=True)
    (taken / "mine.txt").write_text("x")
    assert_refused(["render", "--sequence", path, "--out", "seq"], capsys, user_folder, "already exists")

"""`junocam-sim budget`: volumes of products in every compression mode, downlink times, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from instrument_models.junocam.compression import COMPRESSION_MODES
from instrument_models.junocam.downlink import DownlinkParams
from simulator.budget import calibration_framelets, measure_volumes, product_report, read_product_framelets
from simulator.cli import main

PRODUCT_ID = "JNCE_2020154_27C00099_V01"
# The keys every mission-site Metadata JSON carries, in the mission's value formats (the image-specific ones
# are filled in by _write_product).
_MISSION_KEYS = {
    "COMPRESSION_TYPE": "INTEGER COSINE TRANSFORM", "DATA_SET_ID": "JUNO-J-JUNOCAM-2-EDR-L0-V1.0",
    "DESCRIPTION": "", "EXPOSURE_DURATION": "3.200000 <ms>", "FOCAL_PLANE_TEMPERATURE": "273.0 <K>",
    "IMAGE_TIME": "2020-06-02T11:07:00.793", "INSTRUMENT_HOST_NAME": "JUNO", "INSTRUMENT_ID": "JNC",
    "INSTRUMENT_NAME": "JUNO EPO CAMERA", "INTERFRAME_DELAY": "0.371 <s>", "JNO:TDI_STAGES_COUNT": 1,
    "LINE_PREFIX_BYTES": 0, "LINE_SUFFIX_BYTES": 0, "MISSION_PHASE_NAME": "PERIJOVE 27", "ORBIT_NUMBER": 27,
    "PJ": "27", "PROCESSING_LEVEL_ID": 2, "PRODUCER_ID": "JUNO_JUNOCAM_TEAM",
    "PRODUCT_CREATION_TIME": "2020-06-09T18:10:03", "PRODUCT_VERSION_ID": 1, "RATIONALE_DESC": "test",
    "SAMPLE_BITS": 8, "SAMPLE_BIT_MASK": "2#11111111#", "SAMPLE_BIT_MODE_ID": "SQROOT",
    "SAMPLE_TYPE": "UNSIGNED_INTEGER", "SEQUENCE_ID": "jm27", "SOFTWARE_NAME": "TEST",
    "SOLAR_DISTANCE": "7.7361e+08 <km>", "SOURCE_PRODUCT_ID": "TEST", "SPACECRAFT_ALTITUDE": "63052.1 <km>",
    "SPACECRAFT_CLOCK_START_COUNT": "644368345:244", "SPACECRAFT_CLOCK_STOP_COUNT": "N/A",
    "SPACECRAFT_NAME": "JUNO", "STANDARD_DATA_PRODUCT_ID": "JUNOCAM-EDR",
    "START_TIME": "2020-06-02T11:07:00.793", "STOP_TIME": "2020-06-02T11:07:03.019",
    "SUB_SPACECRAFT_LATITUDE": "-56.7997", "SUB_SPACECRAFT_LONGITUDE": "40.6609", "TARGET_NAME": "JUPITER",
    "TITLE": "test", "TOKEN_ID": [],
}


def _write_product(root, framelets, summing=1, lines=None, layout="ours", mode="L"):
    image = np.concatenate(framelets)
    png_dir = root / "ImageSet" if layout == "ours" else root
    json_dir = root / "DataSet" if layout == "ours" else root
    png_dir.mkdir(parents=True, exist_ok=True)
    json_dir.mkdir(parents=True, exist_ok=True)
    if mode == "RGB":   # a colour image: the channels differ, so it is no greyscale raw image
        image = np.stack([image, image[::-1], image[:, ::-1]], axis=-1)
    Image.fromarray(image).save(png_dir / f"{PRODUCT_ID}-raw.png")
    n_lines = image.shape[0] if lines is None else lines
    meta = {**_MISSION_KEYS, "PRODUCT_ID": PRODUCT_ID, "FILE_NAME": f"{PRODUCT_ID}-raw.png", "LINES": n_lines,
            "FILE_RECORDS": n_lines, "LINE_SAMPLES": 1648 // summing, "RECORD_BYTES": 1648 // summing,
            "FILTER_NAME": ["BLUE", "GREEN", "RED"], "SAMPLING_FACTOR": summing}
    (json_dir / f"{PRODUCT_ID}-Metadata.json").write_text(json.dumps(meta))
    return root


@pytest.fixture(scope="module")
def framelets():
    return calibration_framelets(seed=5, count=6)


def test_volume_command_prints_a_day_and_a_half(capsys):
    assert main(["budget", "--volume-mb", "6"]) == 0
    out = capsys.readouterr().out
    assert "1.50 days" in out and "370 bit/s" in out


def test_pass_schedule_command(capsys):
    assert main(["budget", "--volume-mb", "6", "--rate-bps", "2000", "--hours-per-day", "4"]) == 0
    out = capsys.readouterr().out
    # 6e6 B = 4.8e7 bit; 4 h at 2000 bit/s = 2.88e7 bit per day -> one full day plus 1.92e7/2000 s = 2.67 h
    assert "4 h/day" in out and f"{(86400 + 9600) / 3600:.1f} h" in out, out


def test_product_report_lists_every_mode(tmp_path, framelets, capsys):
    for layout in ("ours", "mission"):
        root = _write_product(tmp_path / layout, framelets, layout=layout)
        assert main(["budget", str(root)]) == 0
        out = capsys.readouterr().out
        for mode in COMPRESSION_MODES:
            assert mode in out, out
        assert "6 framelets of 128 x 1648" in out


def test_measured_volumes_order_and_overhead(framelets):
    params = DownlinkParams(framelet_overhead_bytes=100)
    volumes = {v.mode: v for v in measure_volumes(framelets, 90, params)}
    none, lossless, ict = (volumes[m] for m in COMPRESSION_MODES)
    assert none.total_bytes == sum(f.size for f in framelets) + 100 * len(framelets)
    assert none.total_bytes > lossless.total_bytes > ict.total_bytes
    for v in (lossless, ict):
        assert v.total_bytes == v.bytes_per_framelet.sum() + 100 * len(framelets)


def test_summed_product_is_cut_into_64_line_framelets(tmp_path):
    small = [f[:64, :824] for f in calibration_framelets(seed=6, count=3)]
    product = read_product_framelets(_write_product(tmp_path, small, summing=2))
    assert product.framelets.shape == (3, 64, 824)
    assert "3 framelets of 64 x 824" in product_report(tmp_path, DownlinkParams())


@pytest.mark.parametrize("argv, fragment", [
    (["budget", "--volume-mb", "-3"], "--volume-mb -3"),
    (["budget", "--volume-mb", "nan"], "--volume-mb nan"),
    (["budget", "--volume-mb", "6", "--rate-bps", "0"], "--rate-bps 0"),
    (["budget", "--volume-mb", "6", "--hours-per-day", "30"], "more than 24"),
    (["budget"], "either PRODUCT_DIR or --volume-mb"),
    (["budget", "/no/such/product"], "does not exist"),
])
def test_bad_arguments_give_one_line(argv, fragment, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("junocam-sim: error:") and fragment in err and "\n" not in err, err


def test_bad_products_give_one_line(tmp_path, framelets, capsys):
    cases = {
        "rows": lambda d: _write_product(d, framelets, lines=128 * 5),
        "grey": lambda d: _write_product(d, framelets, mode="RGB"),
        "json": lambda d: (_write_product(d, framelets), (d / "DataSet" / f"{PRODUCT_ID}-Metadata.json").unlink()),
        "png": lambda d: (_write_product(d, framelets), (d / "ImageSet" / f"{PRODUCT_ID}-raw.png").unlink()),
        "notjson": lambda d: (_write_product(d, framelets),
                              (d / "DataSet" / f"{PRODUCT_ID}-Metadata.json").write_text("{not json")),
        "width": lambda d: _write_product(d, [f[:, :1000] for f in framelets]),
    }
    fragments = {"rows": "LINES", "grey": "colour", "json": "Metadata.json", "png": "raw.png",
                 "notjson": "is not JSON", "width": "1000 pixels wide"}
    for name, make in cases.items():
        make(tmp_path / name)
        assert main(["budget", str(tmp_path / name)]) == 2, name
        err = capsys.readouterr().err.strip()
        assert fragments[name] in err and "\n" not in err, f"{name}: {err}"


def test_mission_pair_in_one_folder(tmp_path, reference_dir, framelets, capsys):
    """A real mission Metadata JSON (9984 lines, BLUE/GREEN/RED) beside a raw PNG of its size."""
    meta_path = reference_dir / "products" / "JNCE_2020154_27C00047_V01-Metadata.json"
    meta = json.loads(meta_path.read_text())
    n = meta["LINES"] // 128
    image = np.concatenate([framelets[i % len(framelets)] for i in range(n)])
    Image.fromarray(image).save(tmp_path / meta["FILE_NAME"])
    (tmp_path / meta_path.name).write_text(meta_path.read_text())
    product = read_product_framelets(tmp_path)
    assert product.framelets.shape == (n, 128, 1648) and product.filters == ("BLUE", "GREEN", "RED")
    assert main(["budget", str(tmp_path), "--quality", "75"]) == 0
    out = capsys.readouterr().out
    assert f"{meta['PRODUCT_ID']}: {n} framelets" in out and "INTEGER COSINE TRANSFORM q75" in out

"""``junocam-sim instrument``: the report, --write-ik, --kernels, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy

from simulator import cli


def run(argv, capsys):
    code = cli.main(["instrument", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_has_every_section(capsys):
    code, out, err = run([], capsys)
    assert code == 0 and err == ""
    for needle in ("1480.59 px", "675.4 urad/px", "METHANE", "285..412", "58.31d", "line ends",
                   "fall short", "3.2 ms", "2.0155 rpm", "frame advance", "4.452 deg", "step 32", "LIN16",
                   "full well"):
        assert needle in out, f"{needle!r} missing from the report"


def test_write_ik_and_read_it_back(tmp_path, capsys):
    path = tmp_path / "jc.ti"
    code, out, _ = run(["--write-ik", str(path)], capsys)
    assert code == 0 and path.is_file() and str(path) in out
    code, out2, _ = run(["--kernels", str(path)], capsys)
    assert code == 0 and "kernels " in out2
    assert out2.split("\n", 1)[1] == out.split("\n", 1)[1].replace(f"\nwrote instrument kernel {path}\n", "")
    spiceypy.furnsh(str(path))
    assert spiceypy.getfov(-61502, 4)[0] == "RECTANGLE"


def test_report_from_flight_kernels(flight_kernels, capsys):
    code, out, _ = run(["--kernels", str(flight_kernels / "juno_junocam_v03.ti"),
                        str(flight_kernels / "junoAddendum005.ti")], capsys)
    assert code == 0 and "(0.00862523, -0.06371477, 0.99793088)" in out


def test_options_change_the_report(capsys):
    code, out, _ = run(["--tdi", "64", "--summing", "2", "--filter", "methane", "--spin-rpm", "1.953"], capsys)
    assert code == 0
    assert "204.8 ms" in out and "824 x 64" in out and "at 1.953 rpm" in out
    section = out.split("Distortion at")[1].split("undistortion")[0]
    assert "METHANE" in section and "GREEN" not in section


@pytest.mark.parametrize("argv, needle", [
    (["--filter", "CLEAR"], "unknown JunoCam filter 'CLEAR'"),
    (["--tdi", "0"], "TDI stages 0"),
    (["--tdi", "101"], "TDI stages 101"),
    (["--summing", "3"], "pixel summing 3"),
    (["--spin-rpm", "-1"], "spin rate"),
    (["--interframe-delay", "0"], "interframe delay"),
    (["--kernels", "/no/such/kernel.ti"], "does not exist"),
])
def test_bad_input_is_one_line_and_exit_2(argv, needle, capsys):
    code, out, err = run(argv, capsys)
    assert code == 2
    assert err.startswith("junocam-sim: error: ") and needle in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_malformed_kernel_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.ti"
    bad.write_text("KPL/IK\n\\begindata\nINS-61501_FOCAL_LENGTH = ( x )\n\\begintext\n")
    code, _, err = run(["--kernels", str(bad)], capsys)
    assert code == 2 and "bad.ti" in err and err.count("\n") == 1
    assert spiceypy.ktotal("ALL") == 0


def test_write_ik_to_missing_folder(tmp_path, capsys):
    code, _, err = run(["--write-ik", str(tmp_path / "no" / "k.ti")], capsys)
    assert code == 2 and "does not exist" in err
    assert not np.any([p.name.endswith(".partial") for p in tmp_path.iterdir()])

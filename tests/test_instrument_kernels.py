"""SPICE text kernels: the written IK against the flight kernel, and reading parameters from kernels."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy

from instrument_models.errors import InstrumentError
from instrument_models.junocam import NAIF_IDS, JunoCam
from instrument_models.junocam.kernels import scoped_kernels

GETFOV_TOL = 1e-8  # issue #2

CAM = JunoCam.default()


def flight_pair(flight_kernels):
    return [flight_kernels / "juno_junocam_v03.ti", flight_kernels / "junoAddendum005.ti"]


def getfov_all(path):
    spiceypy.furnsh(str(path))
    try:
        return {i: spiceypy.getfov(i, 20) for i in NAIF_IDS.values()}
    finally:
        spiceypy.unload(str(path))


def test_naif_ids():
    assert NAIF_IDS == {"JUNO_JUNOCAM": -61500, "BLUE": -61501, "GREEN": -61502, "RED": -61503, "METHANE": -61504}


def test_written_ik_getfov_equals_flight_kernel(tmp_path, flight_kernels):
    ours = getfov_all(CAM.write_ik(tmp_path / "junocam.ti"))
    flight = getfov_all(flight_kernels / "juno_junocam_v03.ti")
    for i in NAIF_IDS.values():
        shape, frame, bore, n, bounds = ours[i]
        f_shape, f_frame, f_bore, f_n, f_bounds = flight[i]
        assert (shape, frame, n) == (f_shape, f_frame, f_n), f"ID {i}: {shape} {frame} {n}"
        err_b = np.abs(np.asarray(bore) - f_bore).max()
        err_c = np.abs(np.asarray(bounds) - f_bounds).max()
        assert err_b < GETFOV_TOL and err_c < GETFOV_TOL, f"ID {i}: boresight {err_b:.2e}, corners {err_c:.2e}"
    assert flight[-61500][0] == "POLYGON" and flight[-61500][3] == 16


def test_written_ik_getfov_self_consistent_without_shared(tmp_path):
    fov = getfov_all(CAM.write_ik(tmp_path / "junocam.ti"))
    for name, i in NAIF_IDS.items():
        shape, frame, bore, n, bounds = fov[i]
        if name == "JUNO_JUNOCAM":
            assert shape == "POLYGON" and n == 16
            np.testing.assert_array_equal(bore, [0.0, 0.0, 1.0])
        else:
            assert shape == "RECTANGLE" and n == 4
            np.testing.assert_allclose(bore, CAM.pixel_to_ray(name, 827.0, 64.0), rtol=0, atol=1e-15)
            s, l = CAM.ray_to_pixel(name, np.asarray(bounds))
            np.testing.assert_allclose(s, [23.5, 23.5, 1630.5, 1630.5], atol=1e-9)
            np.testing.assert_allclose(l, [0.5, 127.5, 127.5, 0.5], atol=1e-9)


def test_written_ik_carries_isis_and_flight_keywords(tmp_path, flight_kernels):
    path = CAM.write_ik(tmp_path / "junocam.ti")
    words = ["FOCAL_LENGTH", "PIXEL_SIZE", "DISTORTION_K1", "DISTORTION_K2", "DISTORTION_X", "DISTORTION_Y",
             "START_TIME_BIAS", "INTERFRAME_DELTA", "FILTER_OFFSET", "FILTER_LINES", "FILTER_SAMPLES",
             "FILTER_NAME"]
    flight = {}
    with scoped_kernels(flight_pair(flight_kernels)):
        for i in NAIF_IDS.values():
            for w in words:
                n, kind = spiceypy.dtpool(f"INS{i}_{w}")
                flight[(i, w)] = (spiceypy.gdpool if kind == "N" else spiceypy.gcpool)(f"INS{i}_{w}", 0, n)
        extra = {w: spiceypy.gdpool(f"INS-61500_{w}", 0, 3)
                 for w in ("PIXEL_PITCH", "BORESIGHT_LINE", "BORESIGHT_SAMPLE", "TRANSX", "TRANSY",
                           "ITRANSS", "ITRANSL")}
    with scoped_kernels([path]):
        for (i, w), value in flight.items():
            n, kind = spiceypy.dtpool(f"INS{i}_{w}")
            ours = (spiceypy.gdpool if kind == "N" else spiceypy.gcpool)(f"INS{i}_{w}", 0, n)
            if kind == "N":
                np.testing.assert_allclose(ours, value, rtol=0, atol=1e-12, err_msg=f"INS{i}_{w}")
            else:
                assert list(ours) == list(value), f"INS{i}_{w}: {ours} != {value}"
        for w, value in extra.items():
            # The addendum rounds 1/pitch to 135.1351; ours is exact.
            np.testing.assert_allclose(spiceypy.gdpool(f"INS-61500_{w}", 0, 3), value, rtol=1e-6, err_msg=w)
        for w in ("SWAP_OBSERVER_TARGET", "LIGHTTIME_CORRECTION", "LT_SURFACE_CORRECT"):
            assert spiceypy.gcpool(f"INS-61500_{w}", 0, 1)


def test_from_flight_kernels_reproduces_default(flight_kernels):
    assert JunoCam.from_kernels(flight_pair(flight_kernels)) == CAM
    assert spiceypy.ktotal("ALL") == 0, "from_kernels left kernels loaded"


def test_from_written_ik_reproduces_default_exactly(tmp_path):
    path = CAM.write_ik(tmp_path / "junocam.ti")
    assert JunoCam.from_kernels([path]) == CAM


def test_written_ik_of_a_modified_camera_round_trips(tmp_path):
    """SPICE's number parser cannot read every double back exactly: agree to a few units in the last place."""
    cam = CAM.with_distortion(-6.1e-8, 2.5e-14)
    back = JunoCam.from_kernels([cam.write_ik(tmp_path / "k.ti")])
    assert back.optics.k1 == pytest.approx(cam.optics.k1, rel=1e-15, abs=0)
    assert back.optics.k2 == pytest.approx(cam.optics.k2, rel=1e-15, abs=0)
    assert back.strips == cam.strips and back.timing == cam.timing


def test_from_kernels_leaves_callers_kernels_alone(tmp_path, flight_kernels):
    ik = str(flight_kernels / "juno_junocam_v03.ti")
    spiceypy.furnsh(ik)
    JunoCam.from_kernels([ik, flight_kernels / "junoAddendum005.ti"])
    assert spiceypy.ktotal("ALL") == 1 and spiceypy.kdata(0, "ALL")[0] == ik


def test_flight_ik_alone_names_the_missing_addendum(flight_kernels):
    with pytest.raises(InstrumentError, match="FILTER_OFFSET.*addendum"):
        JunoCam.from_kernels([flight_kernels / "juno_junocam_v03.ti"])
    assert spiceypy.ktotal("ALL") == 0


def test_missing_kernel_is_one_clear_error(tmp_path):
    with pytest.raises(InstrumentError, match="does not exist"):
        JunoCam.from_kernels([tmp_path / "nope.ti"])
    with pytest.raises(InstrumentError, match="no kernel files"):
        JunoCam.from_kernels([])


@pytest.mark.parametrize("body", ["INS-61501_FOCAL_LENGTH = ( 10.9 abc )", "INS-61501_FOCAL_LENGTH = = 3"])
def test_malformed_kernel_is_one_clear_error(tmp_path, body):
    good = CAM.write_ik(tmp_path / "good.ti")
    bad = tmp_path / "bad.ti"
    bad.write_text(f"KPL/IK\n\\begindata\n{body}\n\\begintext\n")
    with pytest.raises(InstrumentError, match="bad.ti.*not a readable SPICE text kernel"):
        JunoCam.from_kernels([good, bad])
    assert spiceypy.ktotal("ALL") == 0, "a failed load left kernels in the pool"


def test_unrelated_kernel_names_the_file_and_keyword(tmp_path):
    other = tmp_path / "other.ti"
    other.write_text("KPL/IK\n\\begindata\nINS-99_X = 1\n\\begintext\n")
    with pytest.raises(InstrumentError, match="INS-6150._FOCAL_LENGTH.*other.ti"):
        JunoCam.from_kernels([other])


def test_kernel_with_a_wrong_value_is_named(tmp_path):
    text = CAM.write_ik(tmp_path / "k.ti").read_text()
    broken = tmp_path / "broken.ti"
    broken.write_text(text.replace("INS-61502_DISTORTION_K1 = -5.9624209455667325E-08",
                                   "INS-61502_DISTORTION_K1 = -6.0E-08"))
    with pytest.raises(InstrumentError, match="INS-61502_DISTORTION_K1"):
        JunoCam.from_kernels([broken])


def test_write_ik_into_missing_folder_is_clear(tmp_path):
    with pytest.raises(InstrumentError, match="does not exist"):
        CAM.write_ik(tmp_path / "no" / "k.ti")

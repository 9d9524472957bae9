"""Frame times and product opening of the reference reconstruction (``simulator.validate``)."""

from __future__ import annotations

import numpy as np
import pytest
import spiceypy

from instrument_models.junocam import JunoCam
from simulator.errors import ProductError
from simulator.products.reader import layout_from_metadata
from simulator.validate.framelets import framelet_pixels, framelet_times, sclk_to_et
from simulator.validate.product import find_metakernel

ISIS_ET_TOLERANCE_S = 1e-6   # ET is ~5e8 s; float64 resolves ~6e-8 s there


def _layout(**changes):
    meta = {
        "FILTER_NAME": ["BLUE", "GREEN", "RED"], "SAMPLING_FACTOR": 1, "JNO:TDI_STAGES_COUNT": 1,
        "EXPOSURE_DURATION": "3.200000 <ms>", "INTERFRAME_DELAY": "0.371 <s>", "LINES": 3 * 128 * 4,
        "LINE_SAMPLES": 1648, "SPACECRAFT_CLOCK_START_COUNT": "644368345:244", "SAMPLE_BIT_MODE_ID": "SQROOT",
        "PRODUCT_ID": "JNCE_2020154_27C00047_V01", "COMPRESSION_TYPE": "LOSSLESS", "START_TIME": "x",
        "STOP_TIME": "y", "ORBIT_NUMBER": 27, "FOCAL_PLANE_TEMPERATURE": "273.0 <K>",
    }
    meta.update(changes)
    return layout_from_metadata(meta, "test metadata")


def test_framelet_layout_and_times_follow_the_png_order():
    cam = JunoCam.default()
    fr = framelet_times(_layout(), cam, start_et=1000.0)
    assert [(f.frame, f.filter) for f in fr[:4]] == [(0, "BLUE"), (0, "GREEN"), (0, "RED"), (1, "BLUE")]
    assert [f.first_line for f in fr[:4]] == [0, 128, 256, 384]
    image = np.arange(3 * 128 * 4)[:, None] * np.ones((1, 1648))
    assert framelet_pixels(image, fr[4])[0, 0] == 512
    # Frame 1 starts INTERFRAME_DELAY + INTERFRAME_DELTA after frame 0 (facts.md "Timing").
    assert fr[3].start_et - fr[0].start_et == pytest.approx(0.371 + 0.001, abs=1e-12)
    assert fr[0].start_et == pytest.approx(1000.0 + 0.06188, abs=1e-12)
    assert fr[0].mid_et - fr[0].start_et == pytest.approx(0.0016, abs=1e-12)
    shifted = framelet_times(_layout(), cam, start_et=1000.0, time_offset_s=0.01)
    assert shifted[5].mid_et - fr[5].mid_et == pytest.approx(0.01, abs=1e-12)


def test_exposure_must_match_the_tdi_count():
    with pytest.raises(ProductError, match="EXPOSURE_DURATION"):
        framelet_times(_layout(EXPOSURE_DURATION="6.400000 <ms>"), JunoCam.default(), 0.0)


def test_frame_time_matches_the_worked_isis_case(flight_kernels):
    """facts.md "Timing": SCLK 525560580:87, delay 0.378 s, 204.8 ms, frame 8 -> ET 525560475.1286545."""
    cam = JunoCam.from_kernels([flight_kernels / "juno_junocam_v03.ti", flight_kernels / "junoAddendum005.ti"])
    layout = _layout(FILTER_NAME=["METHANE"], **{"JNO:TDI_STAGES_COUNT": 64}, EXPOSURE_DURATION="204.800000 <ms>",
                     INTERFRAME_DELAY="0.378 <s>", LINES=128 * 10, SPACECRAFT_CLOCK_START_COUNT="525560580:87")
    spiceypy.furnsh(str(flight_kernels / "naif0012.tls"))
    spiceypy.furnsh(str(flight_kernels / "jno_sclkscet_00090.tsc"))
    start = sclk_to_et(layout.sclk_start)
    frame8 = framelet_times(layout, cam, start)[7]       # ISIS counts frames from 1
    assert abs(frame8.mid_et - 525560475.1286545) < ISIS_ET_TOLERANCE_S, f"got {frame8.mid_et!r}"


def test_bad_clock_string_is_one_clear_error(flight_kernels):
    spiceypy.furnsh(str(flight_kernels / "naif0012.tls"))
    spiceypy.furnsh(str(flight_kernels / "jno_sclkscet_00090.tsc"))
    with pytest.raises(ProductError, match="SPACECRAFT_CLOCK_START_COUNT"):
        sclk_to_et("not-a-clock")


def test_find_metakernel_names_what_is_missing(tmp_path):
    with pytest.raises(ProductError, match="no kernels/"):
        find_metakernel(tmp_path)
    (tmp_path / "kernels").mkdir()
    with pytest.raises(ProductError, match="no metakernel"):
        find_metakernel(tmp_path)
    (tmp_path / "kernels" / "METAKERNEL.txt").write_text("rendered with:\n/nowhere/x.tm\n")
    with pytest.raises(ProductError, match="not here"):
        find_metakernel(tmp_path)
    (tmp_path / "kernels" / "juno_sim.tm").write_text("")
    assert find_metakernel(tmp_path).name == "juno_sim.tm"

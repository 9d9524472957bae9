"""RenderRequest: validation messages, overrides, product order, and what from_scenario records."""

from __future__ import annotations

import pytest

from simulator.render import RenderError, RenderRequest
from simulator.render.engine import first_product_line
from simulator.scenario import scenario_from_dict
from test_render_common import default_scenario

BASE = dict(metakernel="unused.tm", start_et=0.0, frames=3, filters=("BLUE", "GREEN", "RED"),
            tdi_stages={"BLUE": 1, "GREEN": 1, "RED": 1}, interframe_delay_s=0.371)


@pytest.mark.parametrize("change,words", [
    ({"filters": ("BLUE", "PURPLE")}, "'PURPLE'"),
    ({"summing": 3}, "summing 3"),
    ({"tdi_stages": {"BLUE": 0, "GREEN": 1, "RED": 1}}, "TDI stages 0"),
    ({"frames": 0}, "frames 0"),
    ({"frame_indices": (5,)}, "frame index 5"),
    ({"sample_range": (10, 2000)}, "sample_range"),
    ({"interframe_delay_s": -1.0}, "interframe_delay_s"),
])
def test_bad_requests_name_the_value(change, words):
    with pytest.raises(RenderError, match=words.replace("(", r"\(")):
        RenderRequest(**{**BASE, **change})


def test_overrides_and_product_order():
    req = RenderRequest(**BASE)
    with pytest.raises(RenderError, match="unknown render setting 'colour'"):
        req.with_overrides(colour=1)
    order = req.framelet_order()
    assert order[:4] == [(0, "BLUE"), (0, "GREEN"), (0, "RED"), (1, "BLUE")]
    assert [first_product_line(req, f, n) for f, n in order[:4]] == [0, 128, 256, 384]
    summed = req.with_overrides(summing=2)
    assert first_product_line(summed, 2, "RED") == (2 * 3 + 2) * 64


def test_from_scenario_sets_draws_and_records_the_jitter(tmp_path):
    data = default_scenario().to_dict()
    data["errors"]["start_time_jitter_ms"] = -12.5
    data["errors"]["attitude_offset_mrad"] = [0.1, 0.0, -0.2]
    fixed = scenario_from_dict({k: v for k, v in data.items() if v is not None})
    exact = RenderRequest.from_scenario(fixed, cache_dir=tmp_path).errors.start_time_jitter_s
    assert exact == pytest.approx(-0.0125, abs=1e-15), f"an injected -12.5 ms became {exact} s"
    data["errors"]["start_time_jitter_sigma_ms"] = 20.0
    sc = scenario_from_dict({k: v for k, v in data.items() if v is not None})
    a = RenderRequest.from_scenario(sc, cache_dir=tmp_path)
    b = RenderRequest.from_scenario(sc, cache_dir=tmp_path)
    jitter = a.errors.start_time_jitter_s
    assert jitter == b.errors.start_time_jitter_s, "the same seed must draw the same jitter"
    assert 0.0 < abs(jitter + 0.0125) < 0.2 and jitter != exact, f"a 20 ms sigma around -12.5 ms gave {jitter} s"
    assert a.errors.attitude_offset_rad == pytest.approx((1e-4, 0.0, -2e-4))
    assert a.errors.as_record()["start_time_jitter_s"] == jitter
    assert a.filters == ("BLUE", "GREEN", "RED") and a.tdi_stages == {"BLUE": 1, "GREEN": 1, "RED": 1}

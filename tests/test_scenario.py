"""Scenarios: built-ins load, TOML round-trips, and every malformed value names its dotted key."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator import cli
from simulator.errors import ScenarioError
from simulator.scenario import (SCHEMA, TABLE_CLASSES, list_scenarios, load_scenario, scenario_from_dict,
                                scenario_to_toml)

BUILTINS = ("default", "pj1", "pj10", "io", "io-eclipse")


def test_builtins_are_listed_with_descriptions():
    items = list_scenarios()
    assert set(BUILTINS) <= set(items)
    assert all(len(d) > 20 for d in items.values()), items


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_round_trips_through_toml(name):
    scenario = load_scenario(name)
    assert scenario.name == name
    text = scenario_to_toml(scenario)
    again = scenario_from_dict(tomllib.loads(text))
    assert again.to_dict() == scenario.to_dict()
    assert scenario_from_dict(tomllib.loads(scenario_to_toml(scenario, comments=False))).to_dict() == \
        scenario.to_dict()


def test_every_table_of_the_architecture_exists_with_defaults():
    s = load_scenario("default")
    for table in ("orbit", "spin", "geometry", "imaging", "errors", "scene", "noise", "render"):
        assert table in TABLE_CLASSES
        values = s.table(table)
        assert set(values) == {f.name for f in SCHEMA[table]}
    assert s.geometry.aberration_correction == "LT+S"
    assert s.imaging.frames == 26 and s.imaging.filters == ["BLUE", "GREEN", "RED"]
    assert s.imaging.interframe_delay_s == 0.371 and s.imaging.companding == "SQROOT"
    assert s.errors.distortion_k1 is None and s.errors.attitude_offset_mrad == [0.0, 0.0, 0.0]


def test_table_is_a_plain_independent_copy():
    s = load_scenario("default")
    scene = s.table("scene")
    assert isinstance(scene, dict) and scene["model"] == "procedural"
    scene["model"] = "changed"
    scene["bodies"].append({"name": "IO"})
    assert s.table("scene")["model"] == "procedural" and s.table("scene")["bodies"] == []


BAD = [
    ({"orbit": {"perijove_altitude_km": -5.0}}, "orbit.perijove_altitude_km"),
    ({"orbit": {"period_days": "long"}}, "orbit.period_days"),
    ({"orbit": {"perijov_utc": "2016-08-27"}}, "orbit.perijov_utc"),
    ({"orbit": {"perijove_utc": "yesterday"}}, "orbit.perijove_utc"),
    ({"spin": {"rate_rpm": True}}, "spin.rate_rpm"),
    ({"spin": {"axis": "moon"}}, "spin.axis"),
    ({"geometry": {"aberration_correction": "XYZ"}}, "geometry.aberration_correction"),
    ({"imaging": {"tdi": 101}}, "imaging.tdi"),
    ({"imaging": {"frames": 2.5}}, "imaging.frames"),
    ({"imaging": {"filters": ["BLUE", "PINK"]}}, "imaging.filters[1]"),
    ({"imaging": {"summing": 3}}, "imaging.summing"),
    ({"errors": {"attitude_offset_mrad": [1.0, 2.0]}}, "errors.attitude_offset_mrad"),
    ({"errors": {"gain_error": {"UV": 1.1}}}, "errors.gain_error.UV"),
    ({"noise": {"shot": "yes"}}, "noise.shot"),
    ({"render": {"supersample": 0}}, "render.supersample"),
    ({"scene": {"model": "map"}}, "scene.map_path"),
    ({"imaging": {"start_utc": "2030-01-01T00:00:00"}}, "imaging.start_utc"),
    ({"seed": -1}, "seed"),
    ({"colour": 3}, "colour"),
]


@pytest.mark.parametrize("data,key", BAD, ids=[k for _, k in BAD])
def test_malformed_values_name_the_key(data, key):
    with pytest.raises(ScenarioError) as exc:
        scenario_from_dict(data)
    assert key in str(exc.value), str(exc.value)


def test_filters_are_upper_cased_and_gain_errors_merge_with_defaults():
    s = scenario_from_dict({"imaging": {"filters": ["red", "Methane"]}, "errors": {"gain_error": {"red": 1.1}}})
    assert s.imaging.filters == ["RED", "METHANE"]
    assert s.errors.gain_error == {"METHANE": 1.0, "BLUE": 1.0, "GREEN": 1.0, "RED": 1.1}


def test_file_with_base_changes_only_what_it_says(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('base = "pj10"\nname = "mine"\n[imaging]\ntdi = 4\n')
    mine, pj10 = load_scenario(path), load_scenario("pj10")
    assert mine.imaging.tdi == 4 and mine.name == "mine"
    assert mine.orbit == pj10.orbit and mine.spin == pj10.spin


def test_unknown_name_and_bad_toml_are_scenario_errors(tmp_path):
    with pytest.raises(ScenarioError, match="neither a built-in"):
        load_scenario("no-such-scenario")
    bad = tmp_path / "bad.toml"
    bad.write_text("[orbit\n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)


def test_replace_validates_and_digest_tracks_values():
    s = load_scenario("default")
    t = s.replace(orbit={"period_days": 43.0})
    assert t.orbit.period_days == 43.0 and t.digest() != s.digest()
    assert t.digest(("spin",)) == s.digest(("spin",))
    with pytest.raises(ScenarioError, match="orbit.period_days"):
        s.replace(orbit={"period_days": 0.0})


_FLOAT_FIELDS = [(t, f) for t, fields in SCHEMA.items() if t for f in fields
                 if f.kind == "float" and f.range is not None and not f.optional]


@given(st.sampled_from(_FLOAT_FIELDS), st.floats(0.0, 1.0))
def test_any_in_range_float_round_trips(field, fraction):
    table, f = field
    value = f.range[0] + fraction * (f.range[1] - f.range[0])
    data = {table: {f.name: value}}
    if table == "geometry":
        data["imaging"] = {"start_utc": None}
    try:
        s = scenario_from_dict(data)
    except ScenarioError as exc:   # only cross-table checks may refuse an in-range value
        assert "imaging.start_utc" in str(exc)
        return
    again = scenario_from_dict(tomllib.loads(scenario_to_toml(s)))
    assert getattr(getattr(again, table), f.name) == value


def test_cli_lists_and_shows(capsys):
    assert cli.main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in BUILTINS)
    assert cli.main(["scenario", "show", "pj10"]) == 0
    shown = capsys.readouterr().out
    assert scenario_from_dict(tomllib.loads(shown)).to_dict() == load_scenario("pj10").to_dict()


def test_cli_bad_scenario_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[spin]\nrate_rpm = 99\n")
    assert cli.main(["scenario", "show", str(bad)]) == cli.EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "spin.rate_rpm" in err and "Traceback" not in err

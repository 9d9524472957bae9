"""Dataset specs: seeded, order-independent items; grids; honest errors before any work."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.dataset import DatasetSpecError, apply_item, parse_spec
from simulator.dataset.export import SPLITS, split_of
from simulator.dataset.spec import shift_utc

RANDOM = {
    "dataset": {"name": "t", "seed": 11, "count": 6, "base": ["default", "pj10"], "truth": "minimal"},
    "overrides": {"imaging": {"frames": 2}},
    "vary": {"errors.start_time_jitter_ms": {"normal": [0.0, 5.0]}, "imaging.tdi": [1, 2, 3],
             "errors.attitude_offset_mrad": {"normal": [0.0, 0.5], "size": 3},
             "errors.gain_error.RED": {"uniform": [0.9, 1.1]}, "imaging.start_offset_s": {"uniform": [-60, 60]}},
}


def test_items_are_a_pure_function_of_spec_seed_and_index():
    a, b = parse_spec(RANDOM).items(), parse_spec(RANDOM).items()
    assert a == b
    assert [i.base for i in a] == ["default", "pj10"] * 3
    assert len({i.seed for i in a}) == len(a), "item seeds repeat"
    bigger = parse_spec({**RANDOM, "dataset": {**RANDOM["dataset"], "count": 9}}).items()
    assert bigger[:6] == a, "adding items changed earlier items"
    # adding a varied key never changes another key's draws
    more = parse_spec({**RANDOM, "vary": {**RANDOM["vary"], "imaging.quality": {"integers": [50, 90]}}}).items()
    for x, y in zip(a, more):
        assert {k: y.values[k] for k in x.values} == x.values and x.seed == y.seed


def test_item_scenario_carries_every_varied_value():
    for item in parse_spec(RANDOM).items():
        s = apply_item(item)
        v = item.values
        assert s.seed == item.seed and s.imaging.tdi == v["imaging.tdi"] and s.imaging.frames == 2
        assert s.errors.start_time_jitter_ms == pytest.approx(v["errors.start_time_jitter_ms"])
        assert list(s.errors.attitude_offset_mrad) == pytest.approx(v["errors.attitude_offset_mrad"])
        assert s.errors.gain_error["RED"] == pytest.approx(v["errors.gain_error.RED"])
        assert s.errors.gain_error["BLUE"] == 1.0, "a per-filter value replaced the other filters'"


def test_start_offset_moves_the_image_along_the_pass():
    assert shift_utc("2018-04-01T09:45:00", 90.5) == "2018-04-01T09:46:30.500"
    assert shift_utc("2018-12-31T23:59:59.900", 0.2) == "2019-01-01T00:00:00.100"
    item = parse_spec(RANDOM).items()[0]
    assert apply_item(item).imaging.start_utc == shift_utc("2018-04-01T09:45:00", item.values["imaging.start_offset_s"])


def test_grid_makes_every_combination_once():
    spec = parse_spec({"dataset": {"mode": "grid", "base": ["default", "pj10"]},
                       "vary": {"imaging.tdi": [1, 2, 3], "imaging.compression": ["LOSSLESS", "NONE"]}})
    combos = [(i.base, i.values["imaging.tdi"], i.values["imaging.compression"]) for i in spec.items()]
    assert spec.count == 12 and len(set(combos)) == 12


@pytest.mark.parametrize("change, words", [
    ({"dataset": {"count": 0}}, "dataset.count"),
    ({"dataset": {"mode": "sobol"}}, "dataset.mode"),
    ({"dataset": {"truth": "some"}}, "dataset.truth"),
    ({"vary": {"imaging.tdi": {"normal": [1, 2], "uniform": [0, 1]}}}, "vary.imaging.tdi"),
    ({"vary": {"imaging.tdi": {"uniform": [3, 1]}}}, "lower end"),
    ({"vary": {"tdi": [1]}}, "'table.key'"),
    ({"vary": {"imaging.frames": [1, -3]}}, "imaging.frames"),      # out of the scenario's range, found up front
    ({"dataset": {"mode": "grid"}, "vary": {"imaging.tdi": {"uniform": [1, 2]}}}, "grid"),
    ({"extra": {}}, "'extra'"),
    # the [export] table is checked before any work too (it runs after every item has rendered)
    ({"export": {"crop_samples": 4}}, "export.crop_samples = 4"),
    ({"export": {"planes": ["NOPE"]}}, "'NOPE'"),
    ({"export": {"planes": ["PHASE"]}}, "truth level 'minimal'"),
    ({"dataset": {"truth": "none"}, "export": {}}, "truth level is 'none'"),
    ({"export": {"splits": {"train": 1.0}}}, "export.splits"),
    ({"export": {"colour": True}}, "export.colour is unknown"),
    ({"export": {}, "vary": {"imaging.summing": [1, 2]}, "dataset": {"mode": "grid", "count": None}}, "summing"),
])
def test_bad_specs_name_the_key(change, words):
    raw = {"dataset": {"count": 2}, "vary": {}}
    for table, values in change.items():
        raw[table] = {k: v for k, v in {**raw.get(table, {}), **values}.items() if v is not None}
    with pytest.raises(DatasetSpecError, match=None) as exc:
        parse_spec(raw)
    assert words in str(exc.value), str(exc.value)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**63 - 1))
def test_split_is_a_function_of_the_item_seed(seed):
    fractions = {"train": 0.8, "validation": 0.1, "test": 0.1}
    assert split_of(seed, fractions) == split_of(seed, dict(reversed(list(fractions.items()))))
    assert split_of(seed, {"train": 1.0, "validation": 0.0, "test": 0.0}) == "train"


def test_split_fractions_are_met_over_many_seeds():
    fractions = {"train": 0.7, "validation": 0.2, "test": 0.1}
    names = [split_of(s, fractions) for s in range(20000)]
    for name in SPLITS:
        share = names.count(name) / len(names)
        assert abs(share - fractions[name]) < 0.015, f"{name}: {share:.3f} of items, expected {fractions[name]}"


def test_truth_none_from_the_command_line_is_refused_before_any_work(tmp_path):
    """--truth none overrides a spec whose [export] needs truth planes: refused before the folder is made."""
    from simulator.dataset import RunOptions, run_dataset

    spec = parse_spec({"dataset": {"count": 1}, "export": {}})
    with pytest.raises(DatasetSpecError, match="truth level is 'none'"):
        run_dataset(spec, tmp_path / "out", RunOptions(truth="none", progress=False))
    assert not (tmp_path / "out").exists(), "nothing may be written before the spec is refused"

"""The validator rebuilds the scene's photometric function from what the product records (issue: limb fit).

``photometry_from(settings)`` must give the renderer's I/F for the same angles and filter, for the default
``[scene]`` table and for a user's own settings, since the limb fit's edge model and the albedo correction
both use it.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenes.filters import FILTERS
from scenes.scene import build_scene
from simulator.scenario import load_scenario
from simulator.validate.reconstruct import photometry_from

SAME_IOF_RELATIVE = 1e-12   # the same function: only floating-point rounding may differ

USER_SETTINGS = [
    {"photometry": "minnaert", "minnaert_k": 0.8},
    {"photometry": "minnaert", "minnaert_k": 1.3},
    {"photometry": "lambert"},
    {"photometry": "lommel-seeliger"},
]


def _angles(n: int, seed: int):
    rng = np.random.default_rng(seed)
    incidence = rng.uniform(0.0, 95.0, n)
    emission = rng.uniform(0.0, 95.0, n)
    phase = np.clip(np.abs(incidence - emission) + rng.uniform(0.0, 1.0, n) * (incidence + emission), 0.0, 180.0)
    return [np.cos(np.radians(a)) for a in (incidence, emission, phase)]


def _assert_same(settings_table: dict, seed: int = 0) -> None:
    scene_phot = build_scene({**settings_table, "features": ["none"]}, seed=1).photometry
    ours = photometry_from({k: v for k, v in settings_table.items() if v is not None})
    # Both long arrays (the renderer's compiled loop) and short ones (its numpy expressions).
    for n in (5000, 37):
        cos_i, cos_e, cos_g = _angles(n, seed)
        albedo = np.full(n, 0.7)
        for name in FILTERS:
            want = scene_phot.iof(albedo, cos_i, cos_e, cos_g, name)
            got = ours.iof(albedo, cos_i, cos_e, cos_g, name)
            worst = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)))
            assert worst <= SAME_IOF_RELATIVE, (
                f"{settings_table} {name} ({n} points): worst relative I/F difference {worst:.3g}")


def test_default_scene_photometry_is_rebuilt_exactly():
    """The default scenario's recorded [scene] table (absent keys as None) gives the renderer's function."""
    _assert_same(dict(load_scenario("default").table("scene")))


@pytest.mark.parametrize("table", USER_SETTINGS, ids=lambda t: f"{t['photometry']}-{t.get('minnaert_k', '')}")
def test_user_scene_photometry_is_rebuilt_exactly(table):
    _assert_same(dict(load_scenario("default").table("scene")) | table, seed=1)


@settings(max_examples=10, deadline=None)
@given(k=st.floats(0.05, 2.0), model=st.sampled_from(["minnaert", "lambert", "lommel-seeliger"]))
def test_any_recorded_minnaert_k_is_rebuilt_exactly(k, model):
    _assert_same({"photometry": model, "minnaert_k": k}, seed=2)

"""Intermittent small scales of the cloud field (JupiterAppearance.intermittency, scenes.noise): the fine
octaves are strong in patches and calm between them, as in the real PJ32 map; seeded, band-limited, and the
mean albedo is unchanged."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenes import JupiterAppearance, SceneError
from scenes.noise import intermittency_envelope

R_KM = 71492.0
MEAN_TOL = 0.003            # relative change of the mean albedo allowed (the envelope averages to 1)
SPREAD_GAIN_MIN = 1.3       # p90 / p10 of the local fine-texture rms grows at least this much with it on


@settings(deadline=None, max_examples=30)
@given(noise=st.lists(st.floats(-1.0, 1.0, width=32), min_size=1, max_size=50), amount=st.floats(0.0, 1.0))
def test_envelope_stays_between_one_minus_and_one_plus_the_intermittency(noise, amount):
    env = intermittency_envelope(np.array(noise, dtype=np.float32), amount)
    assert env.dtype == np.float32
    lo, hi = np.float32(1.0) - np.float32(amount), np.float32(1.0) + np.float32(amount)
    assert np.all(env >= lo * (1 - 1e-6)) and np.all(env <= hi * (1 + 1e-6)), (env.min(), env.max(), amount)
    order = np.argsort(noise, kind="stable")
    assert np.all(np.diff(env[order]) >= 0.0), "the envelope grows with the noise"


def _patch(app, footprint_km=20.0, n=128, lat0=-50.0, lon0=100.0):
    """GREEN albedo on an n x n grid of footprint_km spacing around (lat0, lon0)."""
    k = (np.arange(n) - n / 2) * footprint_km
    y, x = np.meshgrid(k, k, indexing="ij")
    lat = lat0 + np.degrees(y / R_KM)
    lon = lon0 - np.degrees(x / (R_KM * np.cos(np.radians(lat))))
    return app.normal_albedo("GREEN", lat.ravel(), lon.ravel(), footprint_km=footprint_km).reshape(n, n)


def _spread(img, window=16):
    """p90 / p10 of the rms of the high-passed image in window x window blocks."""
    from scipy import ndimage
    high = img - ndimage.gaussian_filter(img, 4.0)
    n = img.shape[0] // window * window
    blocks = high[:n, :n].reshape(n // window, window, n // window, window)
    rms = np.sqrt((blocks ** 2).mean(axis=(1, 3))).ravel()
    return float(np.percentile(rms, 90) / np.percentile(rms, 10))


def test_intermittency_leaves_calm_areas_between_active_ones_and_keeps_the_mean():
    calm = dict(vortices=(), population=None)
    off = _patch(JupiterAppearance(seed=5, intermittency=0.0, **calm))
    on = _patch(JupiterAppearance(seed=5, intermittency=0.7, **calm))
    gain = _spread(on) / _spread(off)
    assert gain > SPREAD_GAIN_MIN, f"local fine-texture rms spread x{gain:.2f} with intermittency 0.7"
    change = abs(on.mean() / off.mean() - 1.0)
    assert change < MEAN_TOL, f"mean albedo changed by {change:.2%}"


def test_intermittency_is_seeded_and_band_limited():
    a = _patch(JupiterAppearance(seed=7), n=48)
    b = _patch(JupiterAppearance(seed=7), n=48)
    assert a.tobytes() == b.tobytes(), "same seed, different bytes"
    assert _patch(JupiterAppearance(seed=8), n=48).tobytes() != a.tobytes()
    # Pixels too coarse for the enveloped octaves (cells < 800 km; band limit 1.5 footprints): no difference.
    coarse = [_patch(JupiterAppearance(seed=7, intermittency=i), footprint_km=700.0, n=24) for i in (0.0, 0.9)]
    assert np.array_equal(coarse[0], coarse[1]), np.abs(coarse[0] - coarse[1]).max()


@pytest.mark.parametrize("options", [{"intermittency": 1.5}, {"intermittency": -0.1},
                                     {"intermittency_cell_km": 900.0, "intermittency_below_km": 800.0}])
def test_bad_intermittency_settings_raise_one_scene_error(options):
    with pytest.raises(SceneError, match="intermittency"):
        JupiterAppearance(**options)

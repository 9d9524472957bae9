"""Photometric limits: normal albedo at i=e=0, night side 0, Minnaert k=1 is Lambert, reciprocity, smooth terminator."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenes import SceneError
from scenes.filters import FILTERS
from scenes.photometry import PHOTOMETRY_MODELS, Photometry

EXACT = 1e-12
cosines = st.floats(1e-3, 1.0)


@pytest.mark.parametrize("model", PHOTOMETRY_MODELS)
@pytest.mark.parametrize("filter_name", FILTERS)
def test_normal_incidence_and_emission_give_the_normal_albedo(model, filter_name):
    albedo = np.array([0.0, 0.045, 0.5, 0.93])
    iof = Photometry(model).iof(albedo, 1.0, 1.0, 1.0, filter_name)
    np.testing.assert_allclose(iof, albedo, rtol=0, atol=EXACT)


@pytest.mark.parametrize("model", PHOTOMETRY_MODELS)
@given(cos_i=st.floats(-1.0, 0.0), cos_e=st.floats(-1.0, 1.0))
def test_night_side_and_hidden_side_are_zero(model, cos_i, cos_e):
    p = Photometry(model)
    assert p.iof(0.6, cos_i, cos_e, 0.0, "RED") == 0.0
    assert p.iof(0.6, abs(cos_i) + 0.1, -abs(cos_e) - 1e-9, 0.0, "RED") == 0.0


@given(cos_i=cosines, cos_e=cosines)
def test_minnaert_with_k_one_is_lambert(cos_i, cos_e):
    m = Photometry("minnaert", {"GREEN": 1.0})
    lam = Photometry("lambert")
    assert abs(m.iof(0.5, cos_i, cos_e, 1.0, "GREEN") - lam.iof(0.5, cos_i, cos_e, 1.0, "GREEN")) < EXACT


@pytest.mark.parametrize("model,k", [("minnaert", 0.875), ("minnaert", 0.6), ("minnaert", 1.3),
                                     ("lambert", 1.0), ("lommel-seeliger", 1.0)])
@given(cos_i=cosines, cos_e=cosines)
def test_reciprocity_of_the_bidirectional_reflectance(model, k, cos_i, cos_e):
    # BRDF ~ (I/F)/cos(i) must be unchanged when incidence and emission swap.
    p = Photometry(model, {"BLUE": k})
    forward = p.iof(0.4, cos_i, cos_e, None, "BLUE") / cos_i
    backward = p.iof(0.4, cos_e, cos_i, None, "BLUE") / cos_e
    assert forward == pytest.approx(backward, rel=1e-12)


@pytest.mark.parametrize("model", PHOTOMETRY_MODELS)
def test_terminator_is_continuous_and_monotone_in_incidence(model):
    incidence = np.radians(np.linspace(80.0, 100.0, 200001))
    iof = Photometry(model).iof(0.5, np.cos(incidence), 0.7, None, "GREEN")
    steps = np.abs(np.diff(iof))
    # A step function would jump by ~A cos(e)^(k-1) x (something of order 0.1); a continuous one moves by
    # no more than its (finite) slope times the 1e-4 deg step.
    worst = steps.max()
    assert worst < 1e-3, f"largest jump across the terminator {worst:.3e}"
    assert np.all(np.diff(iof) <= 1e-15), "I/F must not increase with incidence"
    assert iof[-1] == 0.0 and iof[np.argmin(np.abs(incidence - np.pi / 2)) - 10] > 0.0


def test_disk_factor_matches_a_numerical_disk_integral():
    p = Photometry("minnaert")
    mu = np.linspace(0.0, 1.0, 200001)[1:]
    for name in FILTERS:
        # zero phase on a sphere: i = e, I/F = A mu^(2k-1); disk average = integral of 2 mu I/F dmu
        numeric = np.trapezoid(2.0 * mu * p.iof(1.0, mu, mu, 1.0, name), mu)
        assert numeric == pytest.approx(p.disk_factor(name), rel=1e-4)


def test_bad_model_or_filter_or_k_raise_scene_error():
    with pytest.raises(SceneError, match="hapke"):
        Photometry("hapke")
    with pytest.raises(SceneError, match="unknown filter 'UV'"):
        Photometry().iof(0.5, 1.0, 1.0, 1.0, "UV")
    with pytest.raises(SceneError, match="minnaert_k"):
        Photometry("minnaert", {"RED": -1})


COMPILED_REL_TOL = 1e-14   # compiled loop vs numpy expressions: the same formulas, rounding differs at most


def _compiled_and_numpy(phot, albedo, cos_i, cos_e, cos_g):
    """GREEN I/F from the compiled loop and from the numpy expressions (the module's switch flipped)."""
    import scenes.photometry as photometry

    fast = phot.iof(albedo, cos_i, cos_e, cos_g, "GREEN")
    try:
        photometry.AVAILABLE = False
        ref = phot.iof(albedo, cos_i, cos_e, cos_g, "GREEN")
    finally:
        photometry.AVAILABLE = True
    return fast, ref


@pytest.mark.parametrize("model", PHOTOMETRY_MODELS)
@given(seed=st.integers(0, 2**32 - 1), k=st.floats(0.3, 2.0))
def test_compiled_iof_equals_numpy(model, seed, k):
    """The compiled loop used for long arrays gives the numpy expressions' values (night, hidden, lit points)."""
    import scenes.photometry as photometry

    if not photometry.AVAILABLE:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(seed)
    n = photometry.COMPILED_MIN_POINTS + 100
    albedo, cos_i, cos_e = rng.uniform(0, 1, n), rng.uniform(-0.3, 1, n), rng.uniform(-0.3, 1, n)
    cos_i[:5], cos_e[5:10] = 0.0, 0.0
    fast, ref = _compiled_and_numpy(Photometry(model, {"GREEN": k}), albedo, cos_i, cos_e, None)
    err = np.max(np.abs(fast - ref) / np.maximum(np.abs(ref), 1e-300))
    assert err < COMPILED_REL_TOL, f"{model}: compiled I/F differs by {err:.2e} relative"
    assert np.all(fast[(cos_i <= 0) | (cos_e <= 0)] == 0.0), "night or hidden points are not zero"


# The default phase multipliers against Mayorga et al.'s curve: tests/test_photometry_bands.py.


@given(cos_i=cosines, cos_e=cosines, phase=st.floats(0.0, 180.0))
def test_default_minnaert_is_reciprocal_at_every_phase(cos_i, cos_e, phase):
    p = Photometry()
    cg = np.cos(np.radians(phase))
    forward = p.iof(0.4, cos_i, cos_e, cg, "RED") / cos_i
    backward = p.iof(0.4, cos_e, cos_i, cg, "RED") / cos_e
    assert forward == pytest.approx(backward, rel=1e-12)


def test_zero_phase_is_the_phase_free_law_and_k_rises_with_phase():
    p = Photometry()
    mu = np.linspace(0.05, 1.0, 50)
    k0 = float(p.k_at("GREEN", 0.0))
    np.testing.assert_allclose(p.iof(1.0, mu, mu, 1.0, "GREEN"), mu ** (2 * k0 - 1), rtol=1e-13)
    np.testing.assert_array_equal(p.iof(1.0, mu, mu, None, "GREEN"), p.iof(1.0, mu, mu, 1.0, "GREEN"))
    assert p.phase_multiplier("GREEN", 1.0) == 1.0
    ks = p.k_at("GREEN", np.arange(0.0, 181.0, 5.0))
    assert np.all(np.diff(ks) >= 0.0) and ks[0] < 0.875 < ks[-1], "k must rise through the processors' 0.875"
    # a constant user k keeps the old law (no phase dependence of k)
    assert Photometry(minnaert_k={"RED": 0.9}).k_at("RED", [0.0, 45.0, 170.0]).tolist() == [0.9] * 3


def test_bad_k_table_or_phase_g_raise_scene_error():
    with pytest.raises(SceneError, match="phases"):
        Photometry(minnaert_k={"GREEN": ((10.0, 0.8), (5.0, 0.9))})
    with pytest.raises(SceneError, match=r"\(0, 2\]"):
        Photometry(minnaert_k={"GREEN": ((0.0, 0.8), (50.0, 2.5))})
    with pytest.raises(SceneError, match="phase_g"):
        Photometry(phase_g={"BLUE": 1.0})


@given(seed=st.integers(0, 2**32 - 1), g=st.floats(-0.5, 0.5))
def test_compiled_phase_dependent_iof_equals_numpy(seed, g):
    """With a k(phase) table and a phase multiplier, the compiled loop equals the numpy expressions."""
    import scenes.photometry as photometry

    if not photometry.AVAILABLE:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(seed)
    n = photometry.COMPILED_MIN_POINTS + 100
    albedo, cos_i, cos_e = rng.uniform(0, 1, n), rng.uniform(-0.3, 1, n), rng.uniform(-0.3, 1, n)
    cos_g = rng.uniform(-1.0, 1.0, n)
    cos_g[:3] = (1.0, -1.0, np.cos(np.radians(40.0)))            # the ends and a node exactly
    p = Photometry(phase_g={"GREEN": g})
    fast, ref = _compiled_and_numpy(p, albedo, cos_i, cos_e, cos_g)
    # the absorbing layer's exp(-tau path) carries the rounding of its argument, ~tau path ulp (path = 1/cos i +
    # 1/cos e - 2 reaches 1e5 for the smallest cosines drawn)
    path = np.where((cos_i > 0) & (cos_e > 0), 1.0 / np.abs(cos_i) + 1.0 / np.abs(cos_e), 0.0)
    scale = 1.0 + np.max(np.array(p.haze_tau["GREEN"])[:, 1]) * path
    err = np.max(np.abs(fast - ref) / np.maximum(np.abs(ref), 1e-300) / scale)
    assert err < COMPILED_REL_TOL, f"compiled phase-dependent I/F differs by {err:.2e} relative (per 1 + tau path)"


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), smooth=st.booleans())
def test_compiled_iof_does_not_depend_on_the_neighbouring_points(seed, smooth):
    """The loop's table lookups start from the previous point's segment (photometry._interp's guess): every
    point's I/F equals, bit for bit, the loop's value for that point alone (a search from the first segment),
    whether the phases jump at random or change smoothly, exactly on nodes included."""
    import scenes.photometry as photometry

    if not photometry.AVAILABLE:
        pytest.skip("numba not installed")
    rng = np.random.default_rng(seed)
    n = photometry._CHUNK + 300           # two parallel chunks
    phase = np.sort(rng.uniform(0.0, 180.0, n))[::rng.choice((-1, 1))] if smooth else rng.uniform(0.0, 180.0, n)
    phase[:4] = (0.0, 180.0, 70.0, 140.0)           # the ends, a node of all tables, the phase table's last node
    albedo, cos_i, cos_e = rng.uniform(0, 1, n), rng.uniform(0.01, 1, n), rng.uniform(0.01, 1, n)
    p = Photometry(phase_g={"GREEN": 0.1})
    k, phi, tau = (np.array(t["GREEN"]) for t in (p.minnaert_k, p.phase_table, p.haze_tau))
    tables = (2, k[:, 0].copy(), k[:, 1].copy(), 0.1, phi[:, 0].copy(), phi[:, 1].copy(), tau[:, 0].copy(),
              tau[:, 1].copy(), p.layer_q)
    cos_g = np.cos(np.radians(phase))
    together = np.empty(n)
    photometry._iof_loop(albedo, cos_i, cos_e, cos_g, *tables, together)
    alone = np.empty(n)
    for j in range(0, n, 97):                       # a sample of the points, each in its own call
        photometry._iof_loop(albedo[j:j + 1], cos_i[j:j + 1], cos_e[j:j + 1], cos_g[j:j + 1], *tables,
                             alone[j:j + 1])
        assert alone[j] == together[j], f"point {j} (phase {phase[j]} deg): {together[j]!r} != alone {alone[j]!r}"

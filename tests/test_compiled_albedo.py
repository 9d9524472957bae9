"""Compiled albedo loop (scenes.compiled_albedo) against the numpy code it replaces, and its determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenes import JupiterAppearance, compiled_albedo
from scenes.filters import FILTERS
from scenes.jupiter_features import DEFAULT_VORTICES

pytestmark = pytest.mark.skipif(not compiled_albedo.AVAILABLE, reason="numba not installed: numpy path only")

# Compiled vs numpy, absolute (albedo is in [0, 1]). The loop repeats numpy's operations in numpy's order
# and precision (float32 noise, float64 elsewhere) except for its own sin/cos of the point's angles (within
# SINCOS_TOL of libm's); measured worst ~3e-14. An ulp in a float64 lattice coordinate can move a float32
# lattice fraction by one float32 ulp (6e-8): through turb = total / 0.2 and the colour factors that stays
# below 1e-6 of albedo.
ALBEDO_TOL = 1e-6
SINCOS_TOL = 4.5e-16     # absolute: 2 ulp at 1.0 (Taylor terms dropped < 1e-19, Horner rounding ~1 ulp)
R_KM = 71492.0
KINDS = ("grs", "oval", "barge", "cyclone")


def _numpy(app, monkeypatch, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(compiled_albedo, "AVAILABLE", False)
        return app.normal_albedo(*args, **kwargs)


def _near_vortex(kind, draw_rho, draw_angle):
    """A point at elliptic distance ``rho`` (units of the vortex's semi-axes) from a vortex of ``kind``."""
    v = next(v for v in DEFAULT_VORTICES if v.kind == kind)
    dlat = np.degrees(draw_rho * v.north_km / R_KM * np.sin(draw_angle))
    cos_lat = max(np.cos(np.radians(v.lat_pg_deg)), 1e-3)
    dlon = np.degrees(draw_rho * v.east_km / (R_KM * cos_lat) * np.cos(draw_angle))
    return float(np.clip(v.lat_pg_deg + dlat, -90.0, 90.0)), float((v.lon_w_deg + dlon) % 360.0)


@st.composite
def _points(draw):
    """Latitude / longitude arrays mixing the awkward places: vortices of every kind (inside, on the
    edges, beyond the d = 2 support), the poles, the 0/360 longitude wrap and anywhere."""
    lat, lon = [], []
    angle = st.floats(0.0, 2.0 * np.pi)
    for _ in range(draw(st.integers(1, 60))):
        where = draw(st.sampled_from(("vortex", "vortex", "pole", "wrap", "anywhere")))
        if where == "vortex":
            p = _near_vortex(draw(st.sampled_from(KINDS)), draw(st.floats(0.0, 2.3)), draw(angle))
        elif where == "pole":
            p = (draw(st.sampled_from((-1.0, 1.0))) * draw(st.floats(80.0, 90.0)), draw(st.floats(0.0, 360.0)))
        elif where == "wrap":
            p = (draw(st.floats(-90.0, 90.0)), draw(st.sampled_from((0.0, 360.0, -1e-9, 360.0 + 1e-9)))
                 + draw(st.floats(-2.0, 2.0)))
        else:
            p = (draw(st.floats(-90.0, 90.0)), draw(st.floats(-720.0, 720.0)))
        lat.append(p[0])
        lon.append(p[1])
    return np.array(lat), np.array(lon)


@settings(deadline=None)
@given(points=_points(), filter_name=st.sampled_from(FILTERS),
       footprint=st.one_of(st.none(), st.floats(0.5, 300.0)), seed=st.integers(0, 2**32 - 1))
def test_compiled_albedo_equals_numpy_reference(points, filter_name, footprint, seed):
    lat, lon = points
    app = JupiterAppearance(seed=seed)
    fast = app.normal_albedo(filter_name, lat, lon, footprint_km=footprint)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(compiled_albedo, "AVAILABLE", False)
        ref = app.normal_albedo(filter_name, lat, lon, footprint_km=footprint)
    err = np.abs(fast - ref)
    worst = int(np.argmax(err))
    print(f"worst |compiled - numpy| {err[worst]:.2e} at lat {lat[worst]:.6f} lon {lon[worst]:.6f} "
          f"({np.sum(err == 0)} of {err.size} identical)")
    assert fast.dtype == np.float64 and fast.shape == ref.shape
    assert err[worst] <= ALBEDO_TOL, (f"{filter_name} footprint {footprint}: compiled differs by {err[worst]:.2e}"
                                      f" at lat {lat[worst]!r} lon {lon[worst]!r}")


def _framelet_points(n=60000):
    """Points over a GRS-crossing strip (vortex geometry, every branch) plus a polar cap."""
    rng = np.random.default_rng(5)
    lat = np.concatenate([rng.uniform(-35.0, -10.0, n), rng.uniform(75.0, 90.0, n // 4)])
    lon = np.concatenate([rng.uniform(290.0, 350.0, n), rng.uniform(0.0, 360.0, n // 4)])
    return lat, lon


@pytest.mark.parametrize("filter_name", ["RED", "METHANE"])
def test_compiled_albedo_equals_numpy_on_a_dense_strip(filter_name, monkeypatch):
    app = JupiterAppearance(seed=3)
    lat, lon = _framelet_points()
    for footprint in (None, 30.0):
        fast = app.normal_albedo(filter_name, lat, lon, footprint_km=footprint)
        ref = _numpy(app, monkeypatch, filter_name, lat, lon, footprint_km=footprint)
        err = np.max(np.abs(fast - ref))
        assert err <= ALBEDO_TOL, f"{filter_name} footprint {footprint}: worst error {err:.2e}"


def test_compiled_albedo_is_deterministic_and_thread_count_independent():
    numba = pytest.importorskip("numba")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("one numba thread only")
    app = JupiterAppearance(seed=9)
    lat, lon = _framelet_points()
    saved = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = app.normal_albedo("GREEN", lat, lon, footprint_km=20.0)
        numba.set_num_threads(2)
        two = app.normal_albedo("GREEN", lat, lon, footprint_km=20.0)
        again = app.normal_albedo("GREEN", lat, lon, footprint_km=20.0)
    finally:
        numba.set_num_threads(saved)
    assert two.tobytes() == again.tobytes(), "same inputs gave different bytes"
    assert one.tobytes() == two.tobytes(), (
        f"1 vs 2 threads: {np.sum(one != two)} values differ, worst {np.max(np.abs(one - two)):.2e}")


def test_int32_overflow_uses_the_numpy_code(monkeypatch):
    # Noise cells so fine that lattice coordinates leave int32: the compiled loop declines, numpy decides.
    tiny = JupiterAppearance(seed=1, finest_cell_km=1e-6)
    points = np.array([-22.0, 40.0]), np.array([320.0, 100.0])
    assert compiled_albedo.normal_albedo(tiny._tables, "RED", 1.0, *points, None) is None
    assert np.array_equal(tiny.normal_albedo("RED", *points), _numpy(tiny, monkeypatch, "RED", *points))
    # ... but band-limited to a sane footprint the same appearance stays compiled, and agrees.
    limited = compiled_albedo.normal_albedo(tiny._tables, "RED", tiny.albedo_scale["RED"], *points,
                                            R_KM / (tiny.band_limit_footprints * 10.0), tiny.band_limit_fade)
    ref = _numpy(tiny, monkeypatch, "RED", *points, footprint_km=10.0)
    assert limited is not None and np.max(np.abs(limited - ref)) <= ALBEDO_TOL


def test_vectorised_sincos_is_within_two_ulp_of_libm():
    numba = pytest.importorskip("numba")

    @numba.njit
    def run(x, s, c):
        for i in range(x.size):
            s[i], c[i] = compiled_albedo._sincos(x[i])

    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-lim, lim, 200000) for lim in (0.8, 4.0, 400.0, compiled_albedo._SINCOS_MAX)]
                       + [np.arange(-8, 9) * np.pi / 4, [0.0, -0.0, 1e-300]])
    s, c = np.empty_like(x), np.empty_like(x)
    run(x, s, c)
    worst_s, worst_c = np.max(np.abs(s - np.sin(x))), np.max(np.abs(c - np.cos(x)))
    assert max(worst_s, worst_c) <= SINCOS_TOL, f"sin off by {worst_s:.2e}, cos by {worst_c:.2e}"


def test_huge_longitudes_fall_back_to_libm_and_agree(monkeypatch):
    app = JupiterAppearance(seed=2)
    lat = np.array([-22.0, 10.0, 60.0, -84.0])
    lon = np.array([320.0 + 360.0 * 2e4, -1e7, 1e12, 50.0 - 360.0 * 3e3])    # |lon| beyond _SINCOS_MAX rad
    fast = app.normal_albedo("GREEN", lat, lon)
    ref = _numpy(app, monkeypatch, "GREEN", lat, lon)
    assert np.max(np.abs(fast - ref)) <= ALBEDO_TOL, f"worst {np.max(np.abs(fast - ref)):.2e}"


@pytest.mark.parametrize("options", [
    {"vortices": ()},                                              # no vortex table rows
    {"zonal_stretch": 1.0, "shear_rad": 0.0},                      # isotropic, unsheared noise
    {"largest_cell_km": 20.0, "finest_cell_km": 10.0},             # two octaves: fewer than 3 rotations
    {"intermittency": 1.0, "intermittency_cell_km": 800.0, "intermittency_below_km": 100.0},   # envelope elsewhere
])
def test_compiled_albedo_equals_numpy_for_other_appearances(options, monkeypatch):
    app = JupiterAppearance(seed=4, **options)
    lat, lon = _framelet_points(3000)
    for name in ("BLUE", "METHANE"):
        fast = app.normal_albedo(name, lat, lon, footprint_km=5.0)
        ref = _numpy(app, monkeypatch, name, lat, lon, footprint_km=5.0)
        err = np.max(np.abs(fast - ref))
        assert err <= ALBEDO_TOL, f"{options} {name}: worst error {err:.2e}"


def test_seeded_feature_population_is_reproducible_and_equal_in_both_paths(monkeypatch):
    """The high-latitude population: same seed -> same vortices; another seed -> others; inside its latitude
    range; and the compiled loop renders them as the numpy code does."""
    from scenes.jupiter_features import FeaturePopulation, vortex_population

    pop = FeaturePopulation()
    a, b = vortex_population(5, pop), vortex_population(5, pop)
    assert a == b and a != vortex_population(6, pop)
    per_hemisphere = len(pop.chain_lats_deg) * pop.chain_length + pop.cyclonic + pop.anticyclones + pop.ffr
    assert len(a) == 2 * per_hemisphere
    lats = np.abs([v.lat_pg_deg for v in a])
    lowest = min(pop.lat_range_deg[0], min(pop.chain_lats_deg) - 2.0, pop.ffr_lat_range_deg[0])
    assert lats.min() >= lowest and lats.max() < 80.0, f"population latitudes {lats.min():.1f}..{lats.max():.1f}"
    assert {v.kind for v in a} == {"oval", "cyclone", "ffr"}
    app = JupiterAppearance(seed=5, population=pop)
    assert app == JupiterAppearance(seed=5), "the population is on by default"
    rng = np.random.default_rng(1)
    lat, lon = [], []
    for v in a[:: 3]:                       # points within ~2 semi-axes of every third population vortex
        rho, ang = rng.uniform(0.0, 2.0, 200), rng.uniform(0.0, 2 * np.pi, 200)
        lat.append(v.lat_pg_deg + np.degrees(rho * v.north_km / R_KM * np.sin(ang)))
        lon.append(v.lon_w_deg + np.degrees(rho * v.east_km / (R_KM * np.cos(np.radians(v.lat_pg_deg)))
                                            * np.cos(ang)))
    lat, lon = np.clip(np.concatenate(lat), -90, 90), np.concatenate(lon) % 360.0
    plain = JupiterAppearance(seed=5, population=None).normal_albedo("GREEN", lat, lon, footprint_km=20.0)
    for name in FILTERS:
        fast = app.normal_albedo(name, lat, lon, footprint_km=20.0)
        ref = _numpy(app, monkeypatch, name, lat, lon, footprint_km=20.0)
        err = np.max(np.abs(fast - ref))
        assert err < ALBEDO_TOL, f"{name}: compiled differs from numpy by {err:.2e} near the population"
        if name == "GREEN":
            # Half the points lie beyond d = 1.02, where only the texture twist acts; cyclones and FFRs
            # modulate the albedo beneath by a few per cent (scenes.jupiter.RELATIVE_KINDS). Measured 38 % (27 % by > 0.01).
            changed = np.mean(np.abs(fast - plain) > 0.005)
            assert changed > 0.3, f"only {changed:.0%} of points near the population changed by > 0.005"

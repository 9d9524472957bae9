"""The compiled (numba) detector loops make the same draws and the same bytes as the numpy steps.

The numpy steps (``detector.AVAILABLE = False``) are the reference: ``Generator.poisson``,
``Generator.standard_normal``, the flat/dark/hot products and the ADC as numpy expressions. The renderer's
``DetectorChain.expose`` is also checked against the original way of computing a framelet (the chain run
twice, the noise-free one with its own generator, and searchsorted companding).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from instrument_models.errors import InstrumentError
from instrument_models.junocam import JunoCam, compress, decompress
from instrument_models.junocam import detector as det
from instrument_models.junocam.electronics import companding_table, sum_pixels
from instrument_models.junocam.radiometry import JUPITER_SOLAR_DISTANCE_KM
from simulator.random import child_generator
from simulator.render import RenderRequest
from simulator.render.electronics import DetectorChain
from simulator.render.types import FILTER_ORDER

pytestmark = pytest.mark.skipif(not det.AVAILABLE, reason="numba is not installed; only the numpy path runs")

CAM = JunoCam.default()
SHAPE = (128, 1648)
LOG_PMF_TOL = 1e-8          # absolute; scipy's k log(lam) - gammaln(k + 1) - lam rounds ~1e7-sized terms
CHI2_SIGMAS = 5.0


def numpy_path(monkeypatch, fn, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(det, "AVAILABLE", False)
        return fn(*args, **kwargs)


def means(rng):
    """Means over every branch: zero, negative (clipped), tiny, the multiplication range, its edge at 10,
    the PTRS range up to beyond the full well, and runs of equal values (the cached exp(-lam))."""
    parts = [np.array([0.0, -0.0, -3.0, 1e-9, 0.007, 0.007, 0.007, 9.999999, 10.0, 10.000001, 30.0, 31.0]),
             rng.uniform(0, 10, 20_000), rng.uniform(10, 200, 20_000), rng.uniform(200, 60_000, 60_000),
             np.full(5_000, 0.0074), 10 ** rng.uniform(-3, 7, 40_000)]
    return np.concatenate(parts)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_poisson_draws_equal_numpy(seed):
    lam = means(np.random.default_rng(100 + seed))
    a_rng, b_rng = np.random.default_rng(seed), np.random.default_rng(seed)
    compiled = det.add_shot_noise(lam, a_rng)
    reference = b_rng.poisson(np.clip(lam, 0.0, None)).astype(float)
    bad = np.flatnonzero(compiled != reference)
    assert bad.size == 0, f"{bad.size} draws differ, first at mean {lam[bad[:3]]}"
    assert a_rng.bit_generator.state == b_rng.bit_generator.state, "the stream was consumed differently"


def test_poisson_statistics_in_the_ptrs_range():
    """Mean and variance of 200k draws at 5,000 e- (the transformed-rejection branch), chi-square."""
    lam, n = 5_000.0, 200_000
    x = det.add_shot_noise(np.full(n, lam), np.random.default_rng(8))
    z_var = ((n - 1) * x.var(ddof=1) / lam - (n - 1)) / np.sqrt(2.0 * (n - 1))
    assert abs(z_var) < CHI2_SIGMAS, f"variance {x.var(ddof=1):.1f} vs {lam}: z = {z_var:.2f}"
    assert abs(x.mean() - lam) < CHI2_SIGMAS * np.sqrt(lam / n), f"mean {x.mean():.2f} vs {lam}"


def test_log_pmf_of_the_exact_test_matches_scipy():
    """The rearranged log Poisson pmf of PTRS's exact test equals scipy's within the reference's own rounding."""
    rng = np.random.default_rng(0)
    lam = np.concatenate([rng.uniform(10, 40, 3000), 10 ** rng.uniform(1.5, 6, 3000)])
    k = np.maximum(np.floor(lam + rng.normal(0, 4, lam.size) * np.sqrt(lam)), 0.0)
    got = np.array([det._log_poisson_pmf(kk, ll) for kk, ll in zip(k, lam)])
    ref = stats.poisson.logpmf(k, lam)
    err = np.abs(got - ref)
    assert err.max() < LOG_PMF_TOL, f"worst error {err.max():.2e} at k = {k[err.argmax()]}, lam = {lam[err.argmax()]}"


def test_bad_mean_is_a_clear_error():
    with pytest.raises(InstrumentError, match="nan"):
        det.add_shot_noise(np.array([1.0, np.nan]), np.random.default_rng(0))
    with pytest.raises(InstrumentError, match="1e\\+30"):
        det.add_shot_noise(np.array([1e30]), np.random.default_rng(0))


SWITCHES = [det.ChainSwitches(), det.ChainSwitches.none(), det.noise_free(det.ChainSwitches()),
            det.ChainSwitches(blooming=False), det.ChainSwitches(read_noise=False),
            det.ChainSwitches(shot_noise=False, flat_field=False), det.ChainSwitches(dark_current=False, prnu=False)]


@pytest.mark.parametrize("switches", SWITCHES)
def test_chain_equals_the_numpy_steps(monkeypatch, switches):
    """Every effect on a framelet with saturated pixels (blooming), hot pixels and radiation hits."""
    rng = np.random.default_rng(4)
    params = det.DetectorParams(radiation_hits_per_cm2_s=3e4, hot_pixel_fraction=0.01)
    pattern = det.make_fixed_pattern(params, rng, SHAPE)
    e = rng.uniform(0, 30_000, SHAPE)
    e[:, :400] = 0.0                        # dark sky
    e[50:54, 700] = 2e5                     # saturates and blooms
    vig = det.vignetting(np.arange(SHAPE[1])[None, :] + 0.5, np.arange(SHAPE[0])[:, None] + 0.5, 814.0, 600.0,
                         0.85)
    kw = dict(pattern=pattern, vignette=vig, switches=switches, temperature_k=290.0, gain_error=0.03)
    a_rng, b_rng = np.random.default_rng(9), np.random.default_rng(9)
    got = det.apply_chain(e, params, 0.2, a_rng, **kw)
    ref = numpy_path(monkeypatch, det.apply_chain, e, params, 0.2, b_rng, **kw)
    assert got.dtype == ref.dtype == np.uint16
    bad = np.argwhere(got != ref)
    assert bad.size == 0, f"{len(bad)} pixels differ, first {bad[:3].tolist()}"
    assert a_rng.bit_generator.state == b_rng.bit_generator.state


def test_chain_with_truth_is_two_chains_sharing_the_head():
    rng = np.random.default_rng(5)
    pattern = det.make_fixed_pattern(det.DetectorParams(), rng, SHAPE)
    e = rng.uniform(0, 30_000, SHAPE)
    e[10:12, 5] = 9e4                       # one saturated pair
    flat = det.flat_field(det.DetectorParams(), det.ChainSwitches(), pattern, 0.97)
    noisy, quiet = det.apply_chain_with_truth(e, det.DetectorParams(), 0.0032, np.random.default_rng(1),
                                              pattern=pattern, flat=flat)
    np.testing.assert_array_equal(noisy, det.apply_chain(e, det.DetectorParams(), 0.0032, np.random.default_rng(1),
                                                         pattern=pattern, vignette=0.97))
    np.testing.assert_array_equal(quiet, det.apply_chain(e, det.DetectorParams(), 0.0032, np.random.default_rng(2),
                                                         pattern=pattern, vignette=0.97,
                                                         switches=det.noise_free(det.ChainSwitches())))


@pytest.fixture(scope="module")
def compiled_stream():
    """``draw(kind, rng, n)``: n draws ("raw" 64-bit, "uniform", "normal") by the compiled PCG64 on ``rng``'s
    state, which is then written back as the chain does."""
    import numba

    @numba.njit
    def raw(s, out):
        st = det._state_tuple(s)
        for i in range(out.size):
            out[i], st = det._next64(st)
        s[0], s[1] = st[0], st[1]

    @numba.njit
    def real(s, normal, out):
        st = det._state_tuple(s)
        for i in range(out.size):
            if normal:
                out[i], st = det._normal(st)
            else:
                out[i], st = det._uniform(st)
        s[0], s[1] = st[0], st[1]

    def draw(kind, rng, n):
        s = det._pcg_state(rng)
        out = np.empty(n, np.uint64 if kind == "raw" else float)
        raw(s, out) if kind == "raw" else real(s, kind == "normal", out)
        det._set_pcg_state(rng, s)
        return out

    return draw


@pytest.mark.parametrize("kind,n", [("raw", 10_000), ("uniform", 200_000), ("normal", 2_000_000)])
def test_compiled_pcg64_is_numpys_stream(compiled_stream, kind, n):
    """The inline PCG64 gives numpy's numbers and leaves the Generator where numpy's draws leave it; 2e6
    normals reach the ziggurat's wedges and its tail (|x| > 3.654, ~500 draws) many times."""
    for seed in (0, 1):
        a_rng, b_rng = np.random.default_rng(seed), np.random.default_rng(seed)
        b_rng.random(3)        # the stream need not start at the seed's first number
        a_rng.random(3)
        got = compiled_stream(kind, a_rng, n)
        ref = {"raw": lambda: b_rng.bit_generator.random_raw(n), "uniform": lambda: b_rng.random(n),
               "normal": lambda: b_rng.standard_normal(n)}[kind]()
        bad = np.flatnonzero(got != ref)
        assert bad.size == 0, f"{bad.size} of {n} {kind} draws differ, first at {bad[:3]}"
        assert a_rng.bit_generator.state == b_rng.bit_generator.state, "the Generator was left elsewhere"
        if kind == "normal":
            assert np.count_nonzero(np.abs(got) > 3.6541528853610088) > 100, "the tail branch was not reached"


def hard_framelet(rng, shape=SHAPE):
    """Mean photo-electrons with dark sky, a bright band, saturated spots that bloom, and a NaN-free range."""
    e = rng.uniform(0, 30_000, shape)
    e[:, :400] = 0.0
    e[:, 400:420] = rng.uniform(0, 9.9, (shape[0], 20))   # the multiplication range of the Poisson draws
    e[50:54, 700] = 2e5
    e[0:3, 1500] = 1.5e5                                     # at the framelet's edge
    return e


CHAIN_PARAMS = det.DetectorParams(radiation_hits_per_cm2_s=3e4, hot_pixel_fraction=0.01)


@pytest.mark.parametrize("switches", SWITCHES)
def test_chain_with_truth_equals_the_numpy_steps(monkeypatch, switches):
    """Both images and the generator's final state, with hits, hot pixels and blooming, for every switch set."""
    rng = np.random.default_rng(6)
    pattern = det.make_fixed_pattern(CHAIN_PARAMS, rng, SHAPE)
    e = hard_framelet(rng)
    kw = dict(pattern=pattern, vignette=0.9, switches=switches, temperature_k=285.0, gain_error=-0.02)
    a_rng, b_rng = np.random.default_rng(10), np.random.default_rng(10)
    got = det.apply_chain_with_truth(e, CHAIN_PARAMS, 0.05, a_rng, **kw)
    ref = numpy_path(monkeypatch, det.apply_chain_with_truth, e, CHAIN_PARAMS, 0.05, b_rng, **kw)
    for name, g, r in zip(("noisy", "noise-free"), got, ref):
        bad = np.argwhere(g != r)
        assert g.dtype == r.dtype == np.uint16 and bad.size == 0, f"{name}: {len(bad)} pixels differ, {bad[:3]}"
    assert a_rng.bit_generator.state == b_rng.bit_generator.state


def test_column_blocks_equal_the_chain_on_cut_arrays(monkeypatch):
    """prepare_chain_with_truth on uneven column blocks, each with its own generator, writing float32 truth in
    place: the numpy chain on copies of the blocks' columns (hits and blooming on)."""
    rng = np.random.default_rng(7)
    pattern = det.make_fixed_pattern(CHAIN_PARAMS, rng, SHAPE)
    e = hard_framelet(rng)
    flat = det.flat_field(CHAIN_PARAMS, det.ChainSwitches(), pattern, np.linspace(0.9, 1.0, SHAPE[1]))
    kw = dict(switches=det.ChainSwitches(), temperature_k=280.0, gain_error=0.01)
    run = det.prepare_chain_with_truth(e, CHAIN_PARAMS, 0.02, pattern=pattern, flat=flat, **kw)
    noisy, quiet = np.zeros(SHAPE, np.uint16), np.zeros(SHAPE, np.float32)
    edges = [0, 1, 333, 700, 701, 1500, SHAPE[1]]
    for b, (c0, c1) in enumerate(zip(edges[:-1], edges[1:])):
        run(np.random.default_rng(100 + b), slice(c0, c1), noisy, quiet)
    for b, (c0, c1) in enumerate(zip(edges[:-1], edges[1:])):
        cols = slice(c0, c1)
        part = det.FixedPattern(prnu=pattern.prnu[:, cols].copy(), hot=pattern.hot[:, cols].copy())
        ref = numpy_path(monkeypatch, det.apply_chain_with_truth, e[:, cols].copy(), CHAIN_PARAMS, 0.02,
                         np.random.default_rng(100 + b), pattern=part, flat=flat[:, cols].copy(), **kw)
        assert noisy[:, cols].tobytes() == ref[0].tobytes(), f"columns {c0}..{c1}: noisy DN12 differs"
        assert quiet[:, cols].tobytes() == ref[1].astype(np.float32).tobytes(), f"columns {c0}..{c1}: truth differs"
    with pytest.raises(InstrumentError, match="step 1"):
        run(np.random.default_rng(0), slice(0, 10, 2), noisy, quiet)


def test_nan_charge_matches_the_numpy_steps(monkeypatch):
    """A NaN photo-electron count: without shot noise it hides the full-well test (np.max is NaN) and reads
    0 DN, as in numpy; with shot noise it is the clear Poisson error."""
    rng = np.random.default_rng(9)
    e = rng.uniform(0, 30_000, (32, 48))
    e[3, 4], e[10, 7] = np.nan, 1e6
    switches = det.ChainSwitches(shot_noise=False, hot_pixels=False, prnu=False)
    got = det.apply_chain_with_truth(e, det.DetectorParams(), 0.01, np.random.default_rng(1), switches=switches)
    ref = numpy_path(monkeypatch, det.apply_chain_with_truth, e, det.DetectorParams(), 0.01,
                     np.random.default_rng(1), switches=switches)
    assert all(g.tobytes() == r.tobytes() for g, r in zip(got, ref)), "NaN handling differs from numpy"
    with pytest.raises(InstrumentError, match="nan"):
        det.apply_chain_with_truth(e, det.DetectorParams(), 0.01, np.random.default_rng(1),
                                   switches=det.ChainSwitches(hot_pixels=False, prnu=False))


def test_other_bit_generators_take_the_numpy_steps(monkeypatch):
    """The compiled loops draw only for PCG64; a Philox generator gets the numpy steps' draws and state."""
    rng = np.random.default_rng(8)
    pattern = det.make_fixed_pattern(det.DetectorParams(), rng, (16, 64))
    e = rng.uniform(0, 30_000, (16, 64))
    a_rng, b_rng = (np.random.Generator(np.random.Philox(3)) for _ in range(2))
    got = det.apply_chain_with_truth(e, det.DetectorParams(), 0.01, a_rng, pattern=pattern)
    ref = numpy_path(monkeypatch, det.apply_chain_with_truth, e, det.DetectorParams(), 0.01, b_rng, pattern=pattern)
    assert all(g.tobytes() == r.tobytes() for g, r in zip(got, ref))
    assert np.array_equal(a_rng.random(8), b_rng.random(8)), "the generator was left elsewhere"


def reference_expose(chain: DetectorChain, iof, filter_name, n_stages, frame, monkeypatch, params=None):
    """The framelet as the renderer computed it before the compiled loops: vignetting and pattern cut per
    call, the numpy chain run twice (the noise-free one with a throw-away generator) on each noise block
    serially, companding by searchsorted on the code midpoints. ``params``: the detector parameters of the
    exposure (default the camera's)."""
    req, cam = chain.req, chain.cam
    params = cam.detector if params is None else params
    exposure = float(cam.exposure_s(n_stages))
    e = chain.photo_electrons(iof, filter_name, exposure, JUPITER_SOLAR_DISTANCE_KM)
    # The camera's maps at this TDI (flat = response x PRNU; hot-pixel charge and bias map in the pattern).
    pattern, flat = chain.filter_maps(filter_name, e.shape[0], n_stages)
    flat = np.broadcast_to(flat, e.shape)
    params = det.with_framelet_noise(params, pattern)   # the read noise of the whole framelet's dark level
    kw = dict(temperature_k=req.focal_plane_temperature_k,
              gain_error=1.0 / float(req.errors.gain_error.get(filter_name, 1.0)) - 1.0)
    # The noise is drawn per column block, each from its own generator (electronics.NOISE_BLOCKS).
    from simulator.render.electronics import NOISE_BLOCKS

    bounds = np.linspace(0, e.shape[1], NOISE_BLOCKS + 1).round().astype(int)
    dn12, quiet = np.empty(e.shape, np.uint16), np.empty(e.shape, np.uint16)
    for b, (c0, c1) in enumerate(zip(bounds[:-1], bounds[1:])):
        cols = slice(c0, c1)
        kwb = dict(kw, pattern=pattern.columns(c0, c1), flat=flat[:, cols])
        rng = child_generator(req.seed, "detector", frame, FILTER_ORDER.index(filter_name), b)
        dn12[:, cols] = numpy_path(monkeypatch, det.apply_chain, e[:, cols], params, exposure, rng,
                                   switches=chain.switches, **kwb)
        quiet[:, cols] = numpy_path(monkeypatch, det.apply_chain, e[:, cols], params, exposure,
                                    np.random.default_rng(0), switches=det.noise_free(chain.switches), **kwb)
    dn12, quiet = sum_pixels(dn12, req.summing), sum_pixels(quiet, req.summing).astype(np.float32)
    t = companding_table(req.companding).astype(float)
    dn8 = np.searchsorted(0.5 * (t[:-1] + t[1:]), dn12.astype(float), side="right").astype(np.uint8)
    data = compress(dn8, req.compression, req.quality)
    return dn12, quiet, decompress(data, req.compression, dn8.shape), len(data)


@pytest.mark.parametrize("compression,summing", [("INTEGER COSINE TRANSFORM", 1), ("LOSSLESS", 1),
                                                 ("LOSSLESS", 2)])
def test_expose_equals_the_original_computation(monkeypatch, compression, summing):
    req = RenderRequest(metakernel="unused.tm", start_et=0.0, frames=3, filters=("BLUE", "RED"),
                        tdi_stages={"BLUE": 1, "RED": 3}, interframe_delay_s=0.371, compression=compression,
                        summing=summing, seed=11, noise={"enabled": True})
    chain = DetectorChain(req, CAM)
    rng = np.random.default_rng(3)
    iof = np.clip(rng.normal(0.3, 0.05, SHAPE), 0, None)
    iof[:, :500] = 0.0
    iof[30:34, 900] = 40.0                  # saturated: blooming in both chains
    for frame, (name, stages) in enumerate([("BLUE", 1), ("RED", 3), ("BLUE", 1)]):
        out = chain.expose(iof, name, stages, JUPITER_SOLAR_DISTANCE_KM, frame)
        dn12, quiet, dn8, size = reference_expose(chain, iof, name, stages, frame, monkeypatch)
        assert out.dn12.tobytes() == dn12.tobytes(), f"{name} frame {frame}: noisy DN12 differs"
        assert out.dn12_noise_free.dtype == np.float32 and out.dn12_noise_free.tobytes() == quiet.tobytes(), \
            f"{name} frame {frame}: noise-free DN12 differs"
        assert out.dn8.tobytes() == dn8.tobytes() and out.compressed_bytes == size, f"{name}: product differs"


@pytest.mark.parametrize("threads", [False, True])
def test_expose_with_hits_hot_pixels_and_blooming_equals_the_original(monkeypatch, threads):
    """Radiation hits (scaled with distance), 1% hot pixels, saturated spots that bloom and dark sky, in the
    serial and threaded block modes: the same bytes as the original composition of numpy steps."""
    from dataclasses import replace

    cam = replace(CAM, detector=replace(CAM.detector, hot_pixel_fraction=0.01))
    req = RenderRequest(metakernel="unused.tm", start_et=0.0, frames=2, filters=("BLUE", "RED"),
                        tdi_stages={"BLUE": 2, "RED": 1}, interframe_delay_s=0.371, seed=13,
                        noise={"enabled": True, "radiation_hits_per_cm2_s": 1e6})
    chain = DetectorChain(req, cam)
    rng = np.random.default_rng(12)
    iof = np.clip(rng.normal(0.4, 0.1, SHAPE), 0, None)
    iof[:, :600] = 0.0
    iof[40:45, 1000] = 60.0
    iof[120:128, 1200] = 30.0
    distance_km = 3.0 * 71492.0
    params = replace(chain.cam.detector,
                     radiation_hits_per_cm2_s=chain.radiation.rate(chain.cam.detector.radiation_hits_per_cm2_s,
                                                                   distance_km))
    for frame, (name, stages) in enumerate([("BLUE", 2), ("RED", 1)]):
        out = chain.expose(iof, name, stages, JUPITER_SOLAR_DISTANCE_KM, frame, jupiter_distance_km=distance_km,
                           threads=threads)
        dn12, quiet, dn8, size = reference_expose(chain, iof, name, stages, frame, monkeypatch, params=params)
        assert out.dn12.tobytes() == dn12.tobytes(), f"{name}: DN12 differs at {np.argwhere(out.dn12 != dn12)[:3]}"
        assert out.dn12_noise_free.tobytes() == quiet.tobytes(), f"{name}: noise-free DN12 differs"
        assert out.dn8.tobytes() == dn8.tobytes() and out.compressed_bytes == size, f"{name}: product differs"
        hits = np.count_nonzero(out.dn12[:, :590] > 100)      # dark sky reads ~8 DN; a hit ~300 DN
        assert hits > 10, f"{name}: only {hits} radiation hits in the dark columns; the test needs some"
        assert np.count_nonzero(out.dn12[:, 1000] >= 4000) > 5, f"{name}: the saturated spot did not bloom"


def test_same_seed_same_bytes_other_frame_other_noise():
    req = RenderRequest(metakernel="unused.tm", start_et=0.0, frames=2, filters=("GREEN",),
                        tdi_stages={"GREEN": 1}, interframe_delay_s=0.371, seed=5, noise={"enabled": True})
    iof = np.full(SHAPE, 0.3)
    a = DetectorChain(req, CAM).expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, 0)
    b = DetectorChain(req, CAM).expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, 0)
    c = DetectorChain(req, CAM).expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, 1)
    assert a.dn8.tobytes() == b.dn8.tobytes() and a.dn12.tobytes() == b.dn12.tobytes()
    assert a.compressed_bytes == b.compressed_bytes
    assert np.count_nonzero(a.dn12 != c.dn12) > 0.5 * a.dn12.size, "another frame drew the same noise"
    assert a.dn12_noise_free.tobytes() == c.dn12_noise_free.tobytes()


def test_expose_does_not_depend_on_the_number_of_noise_threads(monkeypatch):
    """The column blocks have their own generators: one thread or several give the same bytes."""
    from concurrent.futures import ThreadPoolExecutor

    import simulator.render.electronics as electronics

    req = RenderRequest(metakernel="unused.tm", start_et=0.0, frames=1, filters=("GREEN",),
                        tdi_stages={"GREEN": 1}, interframe_delay_s=0.371, seed=7, noise={"enabled": True})
    iof = np.clip(np.random.default_rng(4).normal(0.3, 0.05, SHAPE), 0, None)
    many = DetectorChain(req, CAM).expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, 0)
    with ThreadPoolExecutor(max_workers=1) as one_thread:
        monkeypatch.setattr(electronics, "_POOL", one_thread)
        one = DetectorChain(req, CAM).expose(iof, "GREEN", 1, JUPITER_SOLAR_DISTANCE_KM, 0)
    assert one.dn12.tobytes() == many.dn12.tobytes(), "noisy DN12 depends on the thread count"
    assert one.dn8.tobytes() == many.dn8.tobytes(), "the product depends on the thread count"

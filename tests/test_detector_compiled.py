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


def reference_expose(chain: DetectorChain, iof, filter_name, n_stages, frame, monkeypatch):
    """The framelet as the renderer computed it before the compiled loops: vignetting and pattern cut per
    call, the numpy chain run twice (the noise-free one with a throw-away generator) on each noise block
    serially, companding by searchsorted on the code midpoints."""
    req, cam = chain.req, chain.cam
    exposure = float(cam.exposure_s(n_stages))
    e = chain.photo_electrons(iof, filter_name, exposure, JUPITER_SOLAR_DISTANCE_KM)
    lo, hi = req.sample_range or (0, cam.strips.samples)
    rows = chain.pattern.rows(cam.strips.first_ccd_row(filter_name), e.shape[0])
    pattern = det.FixedPattern(prnu=rows.prnu[:, lo:hi], hot=rows.hot[:, lo:hi])
    vig = det.vignetting((np.arange(lo, hi) + 0.5)[None, :], (np.arange(e.shape[0]) + 0.5)[:, None],
                         cam.optics.cx, cam.optics.cy[filter_name], cam.detector.vignetting_edge)
    kw = dict(pattern=pattern, vignette=vig, temperature_k=req.focal_plane_temperature_k,
              gain_error=1.0 / float(req.errors.gain_error.get(filter_name, 1.0)) - 1.0)
    # The noise is drawn per column block, each from its own generator (electronics.NOISE_BLOCKS).
    from simulator.render.electronics import NOISE_BLOCKS

    bounds = np.linspace(0, e.shape[1], NOISE_BLOCKS + 1).round().astype(int)
    dn12, quiet = np.empty(e.shape, np.uint16), np.empty(e.shape, np.uint16)
    for b, (c0, c1) in enumerate(zip(bounds[:-1], bounds[1:])):
        cols = slice(c0, c1)
        kwb = dict(kw, pattern=det.FixedPattern(prnu=pattern.prnu[:, cols], hot=pattern.hot[:, cols]),
                   vignette=vig[:, cols])
        rng = child_generator(req.seed, "detector", frame, FILTER_ORDER.index(filter_name), b)
        dn12[:, cols] = numpy_path(monkeypatch, det.apply_chain, e[:, cols], cam.detector, exposure, rng,
                                   switches=chain.switches, **kwb)
        quiet[:, cols] = numpy_path(monkeypatch, det.apply_chain, e[:, cols], cam.detector, exposure,
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

"""The map maker's resampling kernels (simulator/realism/resample.py) and the gain from a map's noise
(benchmarks/map_noise.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.errors import SimulatorError
from simulator.realism.resample import RESAMPLERS, kernel, local_to_source, splat

PARTITION_TOL = {"bilinear": 1e-12, "bicubic": 1e-12, "lanczos3": 0.02,   # Lanczos is not an exact partition
                 "bspline2": 1e-12, "bspline3": 1e-12,
                 "gauss": 0.015}   # a Gaussian of std 0.5 ripples by 2 exp(-2 pi^2 0.25) = 1.4 % (resample.kernel)
LINEAR_TOL = 1e-9          # bilinear and Keys cubic reproduce a linear field exactly on a regular grid
NOISE_CORR_FREE = 0.15     # |correlation| of high-passed white noise sampled once per map pixel
NOISE_CORR_SPREAD = 0.3    # row / column correlation when each source pixel covers 1.5 map pixels (measured 0.40)
GAIN_SIGMAS = 2.5          # the synthetic map's gain is recovered within 2.5 of its standard errors ...
GAIN_SE_MAX = 0.2          # ... which are at most 20 % (seeds 0-2: 18.4, 17.2, 14.8 +- 1.3-2.6 for a true 16)


def grid_samples(angle: float, scale: float, n: int = 40, origin=(30.0, 30.0)):
    """A regular n x n source grid rotated by ``angle`` with spacing ``scale`` map px: (col, row, s, l, J)."""
    s, l = np.meshgrid(np.arange(n, dtype=float), np.arange(n, dtype=float))
    jac = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    col = origin[0] + jac[0, 0] * s + jac[0, 1] * l
    row = origin[1] + jac[1, 0] * s + jac[1, 1] * l
    return col, row, s, l, jac


@pytest.mark.parametrize("kind", RESAMPLERS[1:])
@given(shift=st.floats(0.0, 1.0))
@settings(max_examples=25, deadline=None)
def test_kernels_are_partitions_of_unity(kind, shift):
    n = np.arange(-4, 5)
    total = kernel(kind, shift + n).sum()
    assert abs(total - 1.0) <= PARTITION_TOL[kind], f"{kind}: weights at offset {shift} sum to {total}"


@pytest.mark.parametrize("kind", ("bilinear", "bicubic"))
@given(angle=st.floats(0.0, 2 * np.pi), scale=st.floats(0.7, 1.3), a=st.floats(-5, 5), b=st.floats(-5, 5))
@settings(max_examples=15, deadline=None)
def test_splat_interpolates_a_linear_field_exactly(kind, angle, scale, a, b):
    col, row, s, l, jac = grid_samples(angle, scale)
    values = 100.0 + a * s + b * l
    to_source = local_to_source(col, row)
    assert np.allclose(to_source, np.linalg.inv(jac), atol=1e-9), "local_to_source is not the grid's inverse"
    means, weight = splat(col.ravel(), row.ravel(), values.ravel(), (100, 100), kind, to_source)
    # map pixel centres well inside the grid: the linear field at the centre's source coordinates
    rr, cc = np.mgrid[0:100, 0:100] + 0.5
    src = np.einsum("ij,jab->iab", to_source, np.stack([cc - col[0, 0], rr - row[0, 0]]))
    inside = np.all((src > 3) & (src < 36), axis=0)
    expected = 100.0 + a * src[0] + b * src[1]
    err = np.abs(means - expected)[inside]
    assert inside.sum() > 100 and err.max() <= LINEAR_TOL * 100, f"{kind}: worst error {err.max():.3g}"
    assert np.allclose(weight[inside], 1.0, atol=1e-9), f"{kind}: weights sum to {weight[inside].min()}.."


def test_average_is_the_mean_of_the_samples_in_each_pixel():
    rng = np.random.default_rng(1)
    col, row = rng.uniform(0, 8, 500), rng.uniform(0, 6, 500)
    v = rng.normal(size=500)
    means, weight = splat(col, row, np.stack([v, 2 * v]), (6, 8), "average")
    cell = row.astype(int) * 8 + col.astype(int)
    count = np.bincount(cell, minlength=48).reshape(6, 8)
    expect = np.bincount(cell, v, minlength=48).reshape(6, 8) / np.maximum(count, 1)
    assert np.array_equal(weight, count) and np.allclose(means[0], expect) and np.allclose(means[1], 2 * expect)


def test_interpolation_spreads_white_noise_and_average_does_not():
    """What the real map's neighbour correlation measures: a kernel wider than a map pixel spreads each camera
    pixel's noise over its neighbours; one sample per map pixel (average, camera pixels denser) does not."""
    from scipy import ndimage

    from simulator.realism.map_figures import HIGH_PASS, neighbour_correlations

    rng = np.random.default_rng(2)
    corr = {}
    for kind, spacing in (("average", 0.7), ("bilinear", 0.7), ("bilinear", 1.5)):
        col, row, *_ = grid_samples(0.3, spacing, n=int(110 / spacing), origin=(35.0, 0.0))
        m, w = splat(col.ravel(), row.ravel(), 100 + rng.normal(size=col.size), (110, 110), kind,
                     local_to_source(col, row))
        corr[kind, spacing] = np.array(neighbour_correlations(m, ndimage.binary_erosion(w > 0, iterations=2 * HIGH_PASS)))
    assert np.all(np.abs(corr["average", 0.7]) < NOISE_CORR_FREE), f"average: {corr['average', 0.7]}"
    assert np.all(np.abs(corr["bilinear", 0.7]) < NOISE_CORR_FREE), f"bilinear, denser: {corr['bilinear', 0.7]}"
    assert np.all(corr["bilinear", 1.5][:2] > NOISE_CORR_SPREAD), f"bilinear, 1.5 px source: {corr['bilinear', 1.5]}"


def test_bad_input_raises_one_sentence():
    with pytest.raises(SimulatorError, match="unknown"):
        splat([0.5], [0.5], [1.0], (2, 2), "nearest-ish")
    with pytest.raises(SimulatorError, match="one column, row and value"):
        splat([0.5, 1.0], [0.5], [1.0], (2, 2), "bilinear")
    with pytest.raises(SimulatorError, match="unknown"):
        kernel("cubic", np.zeros(2))


def synthetic_codes_map(gain: float, rng: np.random.Generator, read_dn: float = 3.6, n: int = 300) -> np.ndarray:
    """A camera grid (rotated 0.5 rad, 0.9 map px) over a smooth 150..900 DN field, shot noise at ``gain``,
    read noise, SQROOT codes, bilinear map of the codes rounded: the real map's making with a known gain."""
    from instrument_models.junocam import compand

    col, row, s, l, _ = grid_samples(0.5, 0.9, n=n, origin=(140.0, 0.0))
    level = 150.0 + 750.0 * (s + l) / (2 * n - 2)
    electrons = rng.poisson(level * gain)
    dn = np.clip(np.round(electrons / gain + rng.normal(0.0, read_dn, level.shape)), 0, 4095)
    codes = compand(dn.astype(np.uint16), "SQROOT").astype(float)
    m, w = splat(col.ravel(), row.ravel(), codes.ravel(), (300, 300), "bilinear", local_to_source(col, row))
    return np.where(w > 0, np.clip(np.round(m), 1, 255), 0.0)


def test_gain_of_a_synthetic_map_is_recovered():
    from benchmarks.map_encoding import decompanded
    from benchmarks.map_noise import calibrate_transfer, fit_gain, variance_curve

    rng = np.random.default_rng(3)
    curves = {}
    for g in (10.0, 16.0):
        dn = decompanded(synthetic_codes_map(g, rng))
        mask = np.zeros(dn.shape, bool)
        mask[60:240, 60:240] = True
        curves[g] = variance_curve(dn, mask & (dn > 0))
    t, _ = calibrate_transfer(curves[10.0], 10.0)
    got = fit_gain(curves[16.0], t)
    assert abs(got["gain"] - 16.0) <= GAIN_SIGMAS * got["gain_se"] and got["gain_se"] <= GAIN_SE_MAX * 16.0, (
        f"gain {got['gain']:.2f} +- {got['gain_se']:.2f}, true 16")


def test_resampler_spec_and_width():
    from simulator.realism.resample import resampler_spec

    assert resampler_spec("average") == ("average", 1.0) and resampler_spec("bilinear*1.5") == ("bilinear", 1.5)
    for bad in ("average*2", "bilinear*0", "bilinear*x", "tent"):
        with pytest.raises(SimulatorError, match="invalid"):
            resampler_spec(bad)
    # a wider kernel smooths: the map's noise falls, its level stays
    rng = np.random.default_rng(4)
    col, row, *_ = grid_samples(0.2, 0.9, n=100, origin=(20.0, 0.0))
    v = 100 + rng.normal(size=col.size)
    std = {}
    for width in (1.0, 1.5):
        m, w = splat(col.ravel(), row.ravel(), v, (90, 90), "bilinear", local_to_source(col, row), width=width)
        inner = m[30:60, 30:60]
        assert abs(inner.mean() - 100) < 0.1, f"width {width}: level {inner.mean()}"
        std[width] = inner.std()
    assert std[1.5] < 0.8 * std[1.0], f"noise std by kernel width {std}"


def test_map_noise_reads_maps_with_compare_s_pixel_ruler():
    """benchmarks.map_noise and compare read a map's pixels with one function (map_figures.pixel_figures): the
    spikes made are counted, white noise gives its residual, and a pattern smoothed along rows only shows as a
    row correlation (the figure that told our dark frame's column pattern from the real map's resampler)."""
    from benchmarks.map_noise import pixel_stats
    from simulator.realism.map_figures import pixel_figures
    from simulator.realism.mission_view import map_circle

    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:700, 0:700]
    disk = np.hypot(xx + 0.5 - 350, yy + 0.5 - 350) < 320
    image = np.where(disk, 100.0 + rng.normal(0, 0.5, (700, 700)), 0.0)
    spikes = (yy % 50 == 7) & (xx % 50 == 11) & disk
    image[spikes] += 20.0                                      # 20 % above their neighbours
    s = pixel_stats(image)
    assert s == pixel_figures(image, map_circle(image)), "map_noise's figures are not compare's"
    made = (spikes & (np.hypot(xx + 0.5 - 350, yy + 0.5 - 350) < 0.7 * 320)).sum()
    assert abs(s["spikes"] * s["pixels"] - made) <= 2, f"{s['spikes'] * s['pixels']:.0f} spikes, made {made}"
    white = 0.005 * np.sqrt(1.25)                              # pixel minus the mean of 4 independent neighbours
    assert abs(s["residual"] / white - 1) < 0.05, f"residual {s['residual']:.5f}, white noise {white:.5f}"
    noise = rng.normal(0, 1.0, (700, 701))
    rows = np.where(disk, 100.0 + (noise[:, 1:] + noise[:, :-1]) / np.sqrt(2), 0.0)   # neighbours along rows share half
    c = pixel_stats(rows)["correlations"]
    assert c[0] > 0.4 and abs(c[1]) < ROW_ONLY_TOL and abs(c[2]) < ROW_ONLY_TOL and abs(c[3]) < ROW_ONLY_TOL, (
        f"row / column / diagonal / anti-diagonal correlations {c}; expected only the row's")


ROW_ONLY_TOL = 0.15  # the 5 x 5 high-pass alone makes the other neighbours correlate by -0.11..-0.12 here

"""The renderer's compiled / rewritten tail steps equal their plain numpy definitions bit for bit.

Each fast path (the edge search of the limb supersampling, the windowed PSF, the compiled undistortion and
ray normalisation of the optics) is compared with an independent, obviously-correct formulation on random
inputs: identical bytes, not a tolerance, because the renderer's products must not depend on the path.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from instrument_models.junocam import FILTERS
from instrument_models.junocam import optics as optics_module
from instrument_models.junocam.optics import FLIGHT_K1, FLIGHT_K2, Optics
from simulator.render import blur, los
from simulator.render.sampling import edge_pixels


def _bits(a) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64)


def edge_pixels_by_filter(hit: np.ndarray, edge_rows: int) -> np.ndarray:
    """The definition: min != max of the hit status over lines ``i +- r`` and samples ``j +- 1``, the array
    extended by its border values (a min/max filter)."""
    h = hit.astype(np.int8)
    r = max(1, int(edge_rows))
    p = np.pad(h, ((r, r), (1, 1)), mode="edge")
    rows, cols = h.shape
    lo, hi = np.ones_like(h), np.zeros_like(h)
    for dr in range(2 * r + 1):
        for dc in range(3):
            v = p[dr:dr + rows, dc:dc + cols]
            np.minimum(lo, v, out=lo)
            np.maximum(hi, v, out=hi)
    return lo != hi


@given(st.integers(0, 2**32 - 1), st.integers(1, 12), st.integers(1, 12), st.integers(0, 4),
       st.floats(0.0, 1.0))
def test_edge_pixels_equal_the_min_max_filter(seed, rows, cols, edge_rows, fill):
    hit = np.random.default_rng(seed).random((rows, cols)) < fill
    got, want = edge_pixels(hit, edge_rows), edge_pixels_by_filter(hit, edge_rows)
    bad = np.argwhere(got != want)
    assert not bad.size, f"edge mask differs at {bad[:5].tolist()} (of {len(bad)}) for edge_rows {edge_rows}"


def test_edge_pixels_of_a_disk():
    """A realistic window: a disk's limb crossing a 134 x 400 window."""
    i, j = np.mgrid[0:134, 0:400]
    hit = (i - 200.0) ** 2 + (j - 180.0) ** 2 < 170.0 ** 2
    for r in (1, 2, 3):
        assert np.array_equal(edge_pixels(hit, r), edge_pixels_by_filter(hit, r)), f"edge_rows {r}"


@given(st.integers(0, 2**32 - 1), st.floats(0.0, 2.0), st.integers(1, 30), st.integers(1, 30), st.data())
def test_psf_window_equals_the_cropped_numpy_convolution(seed, sigma, rows, cols, data):
    img = np.random.default_rng(seed).random((rows, cols))
    r0 = data.draw(st.integers(0, rows))
    r1 = data.draw(st.integers(r0, rows))
    c0 = data.draw(st.integers(0, cols))
    c1 = data.draw(st.integers(c0, cols))
    w = blur.gaussian_weights(sigma)
    full = blur.convolve_samples(blur.convolve_lines(img, w), w) if w.size > 1 else img
    got = blur.psf_window(img, sigma, (r0, r1), (c0, c1))
    assert got.shape == (r1 - r0, c1 - c0) and got.flags.c_contiguous
    assert np.array_equal(_bits(got), _bits(full[r0:r1, c0:c1])), \
        f"PSF window differs: worst {np.abs(got - full[r0:r1, c0:c1]).max():.3e}"
    assert np.array_equal(_bits(blur.apply_psf(img, sigma)), _bits(full)), "apply_psf differs from numpy"


def test_psf_window_rejects_a_window_outside_the_picture():
    with pytest.raises(ValueError, match="outside the picture"):
        blur.psf_window(np.zeros((10, 10)), 0.5, (0, 11), (0, 10))


def _numpy_pixel_to_ray(o: Optics, filter_name: str, sample, line):
    """pixel_to_ray with the numpy Newton (the reference) and numpy's norm."""
    s, l = np.broadcast_arrays(np.asarray(sample, dtype=float), np.asarray(line, dtype=float))
    d0, d1 = s - o.cx, l - o.cy[filter_name]
    scale = optics_module._newton_scale_numpy(d0, d1, o.k1, o.k2, o.undistort_tolerance_px,
                                              o.undistort_max_iterations)
    v = np.stack([d0 * scale, d1 * scale, np.full(d0.shape, o.focal_length_px)], axis=-1)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


coefficient = st.one_of(st.just(None), st.floats(-2e-6, 2e-6))


@settings(max_examples=60)
@given(st.integers(0, 2**32 - 1), st.sampled_from(FILTERS), coefficient, coefficient, st.integers(1, 400))
def test_compiled_rays_equal_the_numpy_newton(seed, filter_name, k1, k2, n):
    """Flight and injected (also non-monotonic, NaN-producing) coefficients, points on and far off the CCD."""
    o = Optics(k1=FLIGHT_K1 if k1 is None else k1, k2=FLIGHT_K2 if k2 is None else k2 * 1e-6)
    rng = np.random.default_rng(seed)
    sample, line = rng.uniform(-800.0, 2400.0, n), rng.uniform(-900.0, 900.0, n)
    sample[: n // 4] = o.cx                                  # the optical centre column (r_d = 0 on one line)
    want = _numpy_pixel_to_ray(o, filter_name, sample, line)
    got = o.pixel_to_ray(filter_name, sample, line)
    assert np.array_equal(_bits(got), _bits(want)), f"rays differ: worst {np.nanmax(np.abs(got - want)):.3e}"
    d0, d1 = sample - o.cx, line - o.cy[filter_name]
    ref = optics_module._newton_scale_numpy(d0, d1, o.k1, o.k2, o.undistort_tolerance_px,
                                            o.undistort_max_iterations)
    u0, u1 = o.undistort(d0, d1)
    assert np.array_equal(_bits(u0), _bits(d0 * ref)) and np.array_equal(_bits(u1), _bits(d1 * ref)), \
        "undistort differs from the numpy Newton"


def test_compiled_rays_on_a_framelet_window_grid():
    """The renderer's window rays (a broadcast grid, rows beyond the readout) for every filter."""
    o = Optics()
    s, l = (np.arange(0, 1648) + 0.5)[None, ::7], (np.arange(-6, 134) + 0.5)[:, None]
    for f in FILTERS:
        got, want = o.pixel_to_ray(f, s, l), _numpy_pixel_to_ray(o, f, s, l)
        assert got.shape == want.shape == (140, 236, 3)
        assert np.array_equal(_bits(got), _bits(want)), f"{f}: worst {np.abs(got - want).max():.3e}"
    assert np.array_equal(_bits(o.undistort(0.0, 0.0)), _bits((0.0, 0.0))), "the optical centre moved"


ROTATE_TOL = 4e-16   # |R r - rotate_each| for unit rays: a few roundings of three-term sums


@given(st.integers(0, 2**32 - 1), st.integers(1, 30), st.integers(1, 20), st.floats(1e-6, 3.0))
def test_rotate_each_turns_each_ray_by_its_matrix(seed, n_pixels, k, scale_rad):
    """Sub-sample rays (P, k, 3) turned by their own rotation (k, 3, 3), against numpy's matmul."""
    rng = np.random.default_rng(seed)
    rotations = los.rotation_matrix(rng.normal(0.0, scale_rad, (k, 3)))
    rays = rng.normal(size=(n_pixels, k, 3))
    rays /= np.linalg.norm(rays, axis=-1, keepdims=True)
    got = los.rotate_each(rotations, rays)
    want = np.matmul(rotations[None], rays[..., None])[..., 0]
    err = np.abs(got - want).max()
    assert got.shape == rays.shape and err <= ROTATE_TOL, f"rotated rays off by {err:.3e}"


def test_pixel_angle_matches_its_definition():
    """Neighbour angles of a window's rays: ``2 asin(|r' - r| / 2)`` via np.linalg.norm, last one repeated."""
    from instrument_models.junocam import JunoCam
    from simulator.render.truth import _pixel_angle
    sample, line = (np.arange(0, 1648, 5) + 0.5)[None, :], (np.arange(128) + 0.5)[:, None]
    rays = JunoCam.default().pixel_to_ray("RED", sample, line)
    for axis in (0, 1):
        ang = 2.0 * np.arcsin(np.clip(0.5 * np.linalg.norm(np.diff(rays, axis=axis), axis=-1), 0.0, 1.0))
        want = np.concatenate([ang, np.take(ang, [-1], axis=axis)], axis=axis)
        assert np.array_equal(_bits(_pixel_angle(rays, axis)), _bits(want)), f"axis {axis}"


@settings(max_examples=25, deadline=None)
@given(rows=st.integers(0, 9), cols=st.integers(0, 13), density=st.floats(0.0, 1.0), seed=st.integers(0, 2**31))
def test_hit_gather_and_scatter_equal_mask_indexing(rows, cols, density, seed):
    """``hits.gather`` / ``hits.scatter`` (one compiled pass each) give ``plane[hit]`` and ``zeros; out[hit] = v``
    bit for bit, in the same order, NaN and signed zeros included; the numpy fallback too."""
    from simulator.render import hits

    rng = np.random.default_rng(seed)
    hit = rng.random((rows, cols)) < density
    geom = rng.normal(size=(7, rows, cols))
    geom[:, ~hit] = np.nan
    geom[0, ::2] = -0.0
    cosines = rng.normal(size=(3, rows, cols))
    picked = (1, 2, 6)
    expected = [geom[q][hit] for q in picked] + [cosines[c][hit] for c in range(3)]
    values = rng.normal(size=int(hit.sum()))
    reference = np.zeros(hit.shape)
    reference[hit] = values
    for compiled in (hits.AVAILABLE, False):
        saved, hits.AVAILABLE = hits.AVAILABLE, compiled
        try:
            got = hits.gather(hit, geom, picked, cosines)
            scattered = hits.scatter(hit, values)
        finally:
            hits.AVAILABLE = saved
        assert got.shape == (6, hit.sum()), f"gather shape {got.shape} for {hit.sum()} hits (compiled={compiled})"
        for q in range(6):
            assert np.array_equal(_bits(got[q]), _bits(expected[q])), f"plane {q} differs (compiled={compiled})"
        assert np.array_equal(_bits(scattered), _bits(reference)), f"scatter differs (compiled={compiled})"

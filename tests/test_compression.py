"""Onboard compression: exact lossless round trips, lossy size and error behaviour, stream checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from instrument_models.errors import InstrumentError
from instrument_models.junocam import compression
from instrument_models.junocam.compression import (
    COMPRESSION_MODES, DEFAULT_ICT_QUALITY, compress, compressed_size, decompress, jpeg_header, normalize_mode,
    quantization_table,
)
from simulator.budget import calibration_framelets

FRAMELET = (128, 1648)
# libjpeg's integer IDCT and the final rounding/clamping add at most this much RMS error (DN) on top of
# the quantisation bound (measured: < 0.6 DN on the framelets below).
IDCT_ROUNDING_RMS_DN = 1.0


@pytest.fixture(scope="module")
def framelets():
    return calibration_framelets(seed=99, count=12)


def _smooth_noisy(rng, shape, noise_dn):
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    base = 110 + 40 * np.sin(y / 9.0) + 25 * np.sin(x / 70.0)
    return np.clip(np.round(base + rng.normal(0, noise_dn, shape)), 0, 255).astype(np.uint8)


def test_modes_are_the_product_strings():
    assert COMPRESSION_MODES == ("NONE", "LOSSLESS", "INTEGER COSINE TRANSFORM")
    assert normalize_mode("ict") == "INTEGER COSINE TRANSFORM"
    assert normalize_mode("integer_cosine_transform") == "INTEGER COSINE TRANSFORM"
    assert normalize_mode("predictive") == "LOSSLESS"


@settings(max_examples=40)
@given(arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 90))))
def test_lossless_round_trips_random_arrays(dn8):
    back = decompress(compress(dn8, "LOSSLESS"), "LOSSLESS", dn8.shape)
    assert back.dtype == np.uint8 and back.shape == dn8.shape
    bad = np.flatnonzero(back != dn8)
    assert bad.size == 0, f"{bad.size} pixels differ, first at flat index {bad[:1]}"


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), noise=st.floats(0.0, 40.0), level=st.integers(0, 255))
def test_lossless_round_trips_framelets(seed, noise, level):
    rng = np.random.default_rng(seed)
    dn8 = np.clip(np.round(level + _smooth_noisy(rng, FRAMELET, noise).astype(float) - 110), 0, 255).astype(np.uint8)
    back = decompress(compress(dn8, "LOSSLESS"), "LOSSLESS", FRAMELET)
    assert np.array_equal(back, dn8), f"max difference {np.abs(back.astype(int) - dn8).max()} DN"


def test_lossless_and_none_round_trip_realistic_framelets(framelets):
    for dn8 in framelets:
        for mode in ("NONE", "LOSSLESS"):
            assert np.array_equal(decompress(compress(dn8, mode), mode, dn8.shape), dn8), mode


def test_lossless_ratio_and_worst_case(framelets):
    ratios = np.array([f.size / compressed_size(f, "LOSSLESS") for f in framelets])
    assert 1.2 < np.median(ratios) < 4.0, f"median lossless ratio {np.median(ratios):.2f}"
    noise = np.random.default_rng(3).integers(0, 256, FRAMELET, dtype=np.uint8)
    size = compressed_size(noise, "LOSSLESS")
    assert size <= noise.size * 1.07, f"pure noise expands to {size / noise.size:.3f} of raw"


def test_sky_and_bland_compress_far_better_than_belts():
    rng = np.random.default_rng(7)
    sky = np.clip(np.round(8 + rng.normal(0, 0.7, FRAMELET)), 0, 255).astype(np.uint8)
    bland = _smooth_noisy(rng, FRAMELET, 0.8)
    belts = np.clip(np.round(_smooth_noisy(rng, FRAMELET, 0.8) + 30 * rng.standard_normal(FRAMELET)), 0, 255)
    belts = belts.astype(np.uint8)
    for mode in ("LOSSLESS", "INTEGER COSINE TRANSFORM"):
        s, b, t = (compressed_size(f, mode) for f in (sky, bland, belts))
        assert s * 2 < t and b * 2 < t, f"{mode}: sky {s}, bland {b}, belts {t} bytes"


def test_ict_size_falls_with_quality(framelets):
    qualities = (100, 95, 90, 75, 50, 25, 10, 1)
    for dn8 in framelets[:6]:
        sizes = [compressed_size(dn8, "ICT", q) for q in qualities]
        assert all(a >= b for a, b in zip(sizes, sizes[1:])), f"sizes {sizes} for qualities {qualities}"
        assert sizes[0] > 1.5 * sizes[-1], f"sizes {sizes}"


@pytest.mark.parametrize("quality", [10, 50, DEFAULT_ICT_QUALITY, 100])
def test_ict_error_is_bounded_by_quantisation(framelets, quality):
    """Per 8x8 block, RMS error <= RMS of half the quantisation steps (orthonormal DCT) + IDCT rounding."""
    q = quantization_table(quality).astype(float)
    bound = np.sqrt(np.mean((q / 2) ** 2)) + IDCT_ROUNDING_RMS_DN
    for dn8 in framelets:
        back = decompress(compress(dn8, "ICT", quality), "ICT", dn8.shape)
        err = (back.astype(float) - dn8).reshape(16, 8, 206, 8)
        block_rms = np.sqrt((err ** 2).mean(axis=(1, 3)))
        assert block_rms.max() <= bound, f"worst block RMS {block_rms.max():.2f} DN > bound {bound:.2f} DN"


def test_ict_is_deterministic_and_has_block_artefacts():
    rng = np.random.default_rng(5)
    dn8 = _smooth_noisy(rng, FRAMELET, 6.0)
    a, b = compress(dn8, "ICT", 20), compress(dn8.copy(), "ICT", 20)
    assert a == b
    err = decompress(a, "ICT", FRAMELET).astype(float) - dn8
    # block artefacts: the reconstruction jumps more across 8-pixel block edges than inside blocks
    steps = np.abs(np.diff(decompress(a, "ICT", FRAMELET).astype(float), axis=1)).mean(axis=0)
    edge, inner = steps[7::8].mean(), np.delete(steps, np.s_[7::8]).mean()
    assert edge > 1.2 * inner, f"edge step {edge:.2f} vs inner {inner:.2f} DN; error rms {err.std():.2f}"


def test_jpeg_headers_do_not_depend_on_pixels(framelets):
    """The headers we do not send are a function of (shape, quality) only."""
    import io

    from PIL import Image

    for dn8 in framelets[:3]:
        buffer = io.BytesIO()
        Image.fromarray(dn8).save(buffer, format="JPEG", quality=60, optimize=False, progressive=False)
        header = jpeg_header(FRAMELET, 60)
        assert buffer.getvalue().startswith(header)
        assert len(compress(dn8, "ICT", 60)) == len(buffer.getvalue()) - len(header) - 2 + 1


def test_summed_framelet_shape_round_trips():
    dn8 = _smooth_noisy(np.random.default_rng(1), (64, 824), 2.0)
    for mode in COMPRESSION_MODES:
        back = decompress(compress(dn8, mode), mode, (64, 824))
        assert back.shape == (64, 824)


@pytest.mark.parametrize("call, fragment", [
    (lambda: compress(np.zeros((4, 4), np.uint8), "JPEG2000"), "JPEG2000"),
    (lambda: compress(np.zeros((4, 4), np.uint8), "ICT", quality=0), "quality 0"),
    (lambda: compress(np.zeros((4, 4), np.uint8), "ICT", quality=101), "quality 101"),
    (lambda: compress(np.zeros(16, np.uint8), "LOSSLESS"), "2-D"),
    (lambda: compress(np.full((4, 4), 300), "LOSSLESS"), "0..255"),
    (lambda: decompress(b"\x00" * 10, "NONE", (4, 4)), "10 bytes"),
    (lambda: decompress(b"", "LOSSLESS", (128, 1648)), "LOSSLESS"),
    (lambda: decompress(b"\x00\x01", "ICT", (128, 1648)), "INTEGER COSINE TRANSFORM"),
    (lambda: decompress(b"\x00", "NONE", (0, 4)), "positive"),
])
def test_bad_input_is_one_clear_error(call, fragment):
    with pytest.raises(InstrumentError, match=fragment):
        call()


def test_truncated_lossless_stream_is_an_error(framelets):
    data = compress(framelets[1], "LOSSLESS")
    with pytest.raises(InstrumentError, match="truncated|corrupt"):
        decompress(data[: len(data) // 2], "LOSSLESS", FRAMELET)


@pytest.mark.skipif(not compression.AVAILABLE, reason="numba is not installed; only the numpy coder runs")
@pytest.mark.parametrize("case", ["framelets", "random", "flat", "summed", "odd"])
def test_compiled_lossless_writes_and_reads_the_numpy_coders_bytes(monkeypatch, framelets, case):
    """The compiled bit loops give the numpy coder's stream byte for byte, and decode it (and the numpy
    stream) to the original, on realistic, noise-only, constant and odd-sized framelets."""
    rng = np.random.default_rng(7)
    images = {"framelets": framelets[:6], "random": [rng.integers(0, 256, FRAMELET, dtype=np.uint8)],
              "flat": [np.full(FRAMELET, 37, np.uint8), np.zeros((3, 5), np.uint8)],
              "summed": [_smooth_noisy(rng, (64, 824), 1.5)],
              "odd": [_smooth_noisy(rng, (7, 13), 9.0), rng.integers(0, 256, (1, 1), dtype=np.uint8)]}[case]
    for image in images:
        fast = compress(image, "LOSSLESS")
        with monkeypatch.context() as m:
            m.setattr(compression, "AVAILABLE", False)
            reference = compress(image, "LOSSLESS")
            back_numpy = decompress(fast, "LOSSLESS", image.shape)
        assert fast == reference, f"{case} {image.shape}: compiled stream differs ({len(fast)} vs {len(reference)} B)"
        np.testing.assert_array_equal(decompress(fast, "LOSSLESS", image.shape), image)
        np.testing.assert_array_equal(back_numpy, image)

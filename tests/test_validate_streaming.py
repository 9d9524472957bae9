"""Streaming pieces of ``validate``: quantile sketches, running sums, sparse map sums, the on-disk error rows
and the streamed error-map PNG, each against an independent whole-array computation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from simulator.validate.compare import iof_maps
from simulator.validate.mapbins import MapSums
from simulator.validate.maps import MapGrid
from simulator.validate.metrics import RadiometrySummary
from simulator.validate.report import write_error_map, write_error_map_rows
from simulator.validate.rowstore import ErrorRows
from simulator.validate.sketch import QUANTILE_RELATIVE_ERROR, DifferenceSums, QuantileSketch

QUANTILES = (0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0)
ROUNDING = 1e-12          # float64 rounding of log / exp at a bin edge, relative
SUMS_RTOL = 1e-10         # running sums vs numpy's pairwise sums of the whole arrays


def quantile_bound(values: np.ndarray, q: float, a: float) -> float:
    """The sketch's documented bound at ``q``: ``a * max(|x_(k)|, |x_(k+1)|)`` of the linear interpolation's
    two order statistics (numpy's default percentile)."""
    x = np.sort(values)
    rank = (x.size - 1) * q
    k = int(np.floor(rank))
    return a * max(abs(x[k]), abs(x[min(k + 1, x.size - 1)])) * (1 + ROUNDING)


magnitudes = st.floats(min_value=-12, max_value=12)


@st.composite
def samples(draw):
    """Signed values over many decades with exact zeros and repeats, split into parts."""
    seed = draw(st.integers(0, 2 ** 32 - 1))
    n = draw(st.integers(1, 3000))
    rng = np.random.default_rng(seed)
    lo, hi = sorted((draw(magnitudes), draw(magnitudes)))
    x = 10.0 ** rng.uniform(lo, hi + 1e-9, n)
    x *= np.where(rng.random(n) < draw(st.floats(0, 1)), -1.0, 1.0)
    x[rng.random(n) < draw(st.floats(0, 0.2))] = 0.0
    if draw(st.booleans()):
        x = np.round(x, 2)                      # many ties
    cuts = np.sort(rng.integers(0, n + 1, draw(st.integers(0, 4))))
    return x, np.split(x, cuts)


@given(samples())
@example((np.array([0.0]), [np.array([0.0])]))
@example((np.array([-1.0, 1.0]), [np.array([-1.0]), np.array([1.0])]))
def test_sketch_quantiles_are_within_the_stated_relative_error(data):
    x, parts = data
    a = QUANTILE_RELATIVE_ERROR
    whole, merged = QuantileSketch(), QuantileSketch()
    whole.add(x)
    for p in parts:
        piece = QuantileSketch()
        piece.add(np.concatenate([p, [np.nan, np.inf]]))      # non-finite entries are skipped
        merged.merge(piece)
    exact = np.percentile(x, np.array(QUANTILES) * 100)
    got = whole.quantiles(QUANTILES)
    np.testing.assert_array_equal(merged.quantiles(QUANTILES), got, "merging parts must equal one pass")
    errors = np.abs(got - exact)
    bounds = np.array([quantile_bound(x, q, a) for q in QUANTILES])
    worst = int(np.argmax(errors - bounds))
    assert np.all(errors <= bounds), (
        f"q={QUANTILES[worst]}: sketch {got[worst]!r} vs numpy {exact[worst]!r}, error {errors[worst]:.3g} "
        f"> bound {bounds[worst]:.3g}")
    assert whole.count == merged.count == x.size
    assert whole.max == x.max() and whole.min == x.min()
    assert abs(whole.mean - x.mean()) <= SUMS_RTOL * max(np.abs(x).max(), 1e-300)


def test_sketch_relative_error_on_positive_errors_and_memory():
    """Non-negative errors (the geometry's px and km): every quantile within the relative error ``a``."""
    rng = np.random.default_rng(11)
    x = np.concatenate([rng.lognormal(-4.0, 3.0, 400_000), rng.exponential(1e-12, 1000)])
    sketch = QuantileSketch()
    for part in np.array_split(x, 37):
        sketch.add(part)
    q = np.linspace(0.0, 1.0, 1001)
    exact = np.percentile(x, q * 100)
    relative = np.abs(sketch.quantiles(q) - exact) / exact
    worst = float(relative.max())
    print(f"worst relative quantile error over 1001 quantiles of 401,000 values: {worst:.2e} "
          f"(stated {QUANTILE_RELATIVE_ERROR:g}); sketch {sketch.nbytes / 1e3:.0f} kB")
    assert worst <= QUANTILE_RELATIVE_ERROR * (1 + ROUNDING), f"worst relative error {worst:.3g}"
    assert sketch.nbytes < 400_000, f"{sketch.nbytes} bytes of bins for ~20 decades"


def test_sketch_rejects_a_bad_precision():
    with pytest.raises(ValueError, match="relative_error"):
        QuantileSketch(0.0)


def test_difference_sums_equal_the_whole_array_summary():
    rng = np.random.default_rng(2)
    recon, truth = rng.normal(0.3, 0.05, 50_000), rng.normal(0.3, 0.05, 50_000)
    sigma = rng.uniform(0.01, 0.02, 50_000)
    recon[rng.random(50_000) < 0.1] = np.nan
    sigma[rng.random(50_000) < 0.05] = np.nan
    sums = DifferenceSums()
    for part in np.array_split(np.arange(50_000), 7):
        sums.add(recon[part], truth[part], sigma[part])
    got, expected = sums.summary(), RadiometrySummary.of(recon, truth, sigma)
    assert got.count == expected.count
    for name in ("bias", "rms", "noise_rms", "truth_mean"):
        a, b = getattr(got, name), getattr(expected, name)
        assert abs(a - b) <= SUMS_RTOL * abs(b), f"{name}: streamed {a!r} vs whole-array {b!r}"


def test_map_sums_equal_whole_array_binning():
    """Sparse per-cell sums added in parts give the maps ``iof_maps`` bins from the whole arrays."""
    rng = np.random.default_rng(4)
    n = 80_000
    grid = MapGrid.from_bounds((-20.0, 5.0, 350.0, 395.0), 0.05)      # crosses 0 deg W
    # A band of latitudes (most cells stay empty), longitudes beyond the grid on both sides.
    lat, lon = rng.uniform(-8, -2, n), np.mod(rng.uniform(345, 400, n), 360.0)
    lat[-100:] = rng.uniform(5.5, 30, 100)                              # north of the grid
    lat[:20_000] = rng.uniform(-5, -4, 20_000)                          # a dense patch
    lon[:20_000] = rng.uniform(10, 12, 20_000)
    iof, sigma, albedo = rng.uniform(0, 1, n), rng.uniform(0.01, 0.03, n), rng.uniform(0.3, 0.9, n)
    albedo[rng.random(n) < 0.3] = np.nan
    t_lat, t_lon, t_iof = lat + rng.normal(0, 0.1, n), np.mod(lon + rng.normal(0, 0.1, n), 360), iof + 0.01
    sums, parts = MapSums(grid), 9
    for part in np.array_split(np.arange(n), parts):
        sums.add_reconstruction(lat[part], lon[part], iof[part], sigma[part], albedo[part])
        sums.add_truth(t_lat[part], t_lon[part], t_iof[part])
    everything = slice(None)
    expected = iof_maps(grid, lat, lon, iof, sigma, albedo, {"LAT_PG": t_lat, "LON_W": t_lon, "IOF": t_iof},
                        everything)
    got = sums.cells().dense()
    # float32 cell sums: one rounding (relative SUM_RELATIVE_ERROR) per part that reached a cell, all values
    # positive; noise = sqrt(mean var / count) halves the relative error.
    rtol = SUMS_RTOL + (parts + 1) * MapSums.SUM_RELATIVE_ERROR
    for name in ("recon", "truth", "noise", "albedo"):
        a, b = getattr(got, name), getattr(expected, name)
        np.testing.assert_array_equal(np.isfinite(a), np.isfinite(b), err_msg=f"{name}: cells with values")
        ok = np.isfinite(b)
        worst = float(np.max(np.abs(a[ok] - b[ok]) / np.abs(b[ok])))
        assert worst <= rtol, f"{name}: worst relative difference {worst:.3g} > {rtol:.3g}"
    chunked = list(sums.iter_cells(chunk=1000))
    assert len(chunked) == -(-sums.cell_count // 1000)
    for name in ("row", "col", "recon", "truth", "noise", "albedo"):
        np.testing.assert_array_equal(np.concatenate([getattr(c, name) for c in chunked]),
                                      getattr(sums.cells(), name), err_msg=f"{name}: chunks != all cells")
    row, col = grid.lonlat_to_cell(lat, lon)
    outside = int(np.sum((row < 0) | (row >= grid.rows) | (col >= grid.cols)))
    assert outside > 100 and sums.outside_reconstructed == outside
    occupied = int(np.sum(np.isfinite(expected.recon) | np.isfinite(expected.truth)))
    assert sums.cell_count == occupied, f"{sums.cell_count} cells held, {occupied} have a value"
    assert sums.nbytes == occupied * MapSums.BYTES_PER_CELL


def test_error_rows_and_streamed_png_equal_the_whole_image_png(tmp_path):
    from PIL import Image

    from simulator.validate import report

    rng = np.random.default_rng(8)
    shape = (300, 170)
    error = np.where(rng.random(shape) < 0.5, rng.exponential(0.1, shape), np.nan).astype(np.float32)
    planet = rng.random(shape) < 0.7
    rows = ErrorRows(shape)
    for first in reversed(range(0, shape[0], 64)):      # framelets of 64 rows, written out of order
        rows.write(first, error[first:first + 64], planet[first:first + 64])
    back_error, back_planet = rows.read(0, shape[0])
    np.testing.assert_array_equal(back_error, error)
    np.testing.assert_array_equal(back_planet, planet)
    old_block = report.ROWS_PER_BLOCK
    report.ROWS_PER_BLOCK = 37                            # several blocks, the last one short
    try:
        write_error_map_rows(tmp_path / "streamed.png", rows, 0.3)
    finally:
        report.ROWS_PER_BLOCK = old_block
    write_error_map(tmp_path / "whole.png", error, planet, 0.3)
    with Image.open(tmp_path / "streamed.png") as a, Image.open(tmp_path / "whole.png") as b:
        assert a.mode == b.mode == "RGB" and a.size == b.size == shape[::-1]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    with pytest.raises(ValueError, match="do not fit"):
        rows.write(290, error[:64], planet[:64])
    rows.close()


def test_map_sums_widen_counts_past_uint16():
    grid = MapGrid.from_bounds((0.0, 1.0, 10.0, 11.0), 0.5)
    sums = MapSums(grid)
    n = 40_000                                     # two parts: 80,000 values in one cell > 65535
    for _ in range(2):
        sums.add_reconstruction(np.full(n, 0.7), np.full(n, 10.2), np.full(n, 0.25), np.full(n, 0.01),
                                np.full(n, 0.5))
    m = sums.cells()
    assert m.recon.size == 1 and sums._count["iof"][0] == 2 * n, sums._count["iof"]
    assert abs(m.recon[0] - 0.25) <= 2 * MapSums.SUM_RELATIVE_ERROR * 0.25, m.recon
    assert abs(m.noise[0] - 0.01 / np.sqrt(2 * n)) <= 1e-6 * 0.01 / np.sqrt(2 * n), m.noise


def _png(path, image, **options):
    from PIL import Image
    Image.fromarray(image, mode="L").save(path, format="PNG", **options)


@pytest.mark.parametrize("options", [{}, {"optimize": True}, {"compress_level": 0}])
def test_png_rows_equal_the_whole_image_read(tmp_path, options, monkeypatch):
    """Rows decoded a block at a time (every PNG filter type occurs), read in order, out of order and
    repeated, equal Pillow's whole-image read (the old ``load_product`` path)."""
    from simulator.products.raw_image import read_raw_png
    from simulator.validate import pngrows

    monkeypatch.setattr(pngrows, "BLOCK_ROWS", 16)         # many blocks and checkpoints on a small image
    monkeypatch.setattr(pngrows, "CHECKPOINTS", 5)
    monkeypatch.setattr(pngrows, "READ_BYTES", 257)
    rng = np.random.default_rng(3)
    lines, samples = 301, 173
    smooth = (np.add.outer(np.arange(lines), 2 * np.arange(samples)) % 256).astype(np.uint8)
    image = np.where(rng.random((lines, samples)) < 0.2, rng.integers(0, 256, (lines, samples)), smooth)
    _png(tmp_path / "a.png", image.astype(np.uint8), **options)
    whole = read_raw_png(tmp_path / "a.png")
    rows = pngrows.PngRows(tmp_path / "a.png")
    assert rows.shape == whole.shape
    for first in [*range(0, lines, 32), 290, 3, 3, 150, 0, 299]:
        got = rows[first:first + 40]
        np.testing.assert_array_equal(got, whole[first:first + 40], err_msg=f"rows {first}..{first + 40}")
    assert len(rows._checkpoints) <= 5
    np.testing.assert_array_equal(np.asarray(rows), whole)


def test_png_rows_errors_name_the_file_and_the_problem(tmp_path):
    from simulator.errors import ProductError
    from simulator.validate.pngrows import PngRows

    (tmp_path / "text.png").write_text("not a png")
    with pytest.raises(ProductError, match="is not a readable PNG .no PNG signature"):
        PngRows(tmp_path / "text.png")
    with pytest.raises(ProductError, match="does not exist"):
        PngRows(tmp_path / "missing.png")
    _png(tmp_path / "ok.png", np.arange(64 * 50, dtype=np.uint32).reshape(64, 50).astype(np.uint8) * 3)
    data = (tmp_path / "ok.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[:len(data) // 2])
    with pytest.raises(ProductError, match="not a readable PNG"):
        PngRows(tmp_path / "cut.png")
    at = data.index(b"IDAT") + 20
    (tmp_path / "bad.png").write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
    with pytest.raises(ProductError, match="is not a readable PNG .(IDAT CRC|damaged)"):
        PngRows(tmp_path / "bad.png")

"""The render command's cheaper steps give the same products (issue #16, the whole command's cost).

The raw PNG's rows are "Sub"-filtered and Huffman-coded (same pixels, any reader); the product writer keeps
the quicklook's planes thinned when the truth FITS does not keep them whole, and the quicklook made from
thinned planes is the one made from the whole planes, byte for byte.
"""

from __future__ import annotations

import struct
import zlib
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from simulator.errors import ProductError
from simulator.products import quicklook
from simulator.products.raw_image import PNG_FILTER, write_raw_png
from simulator.render.sampling import JUPITER_NAIF_ID


def _idat_rows(path, shape) -> np.ndarray:
    """The PNG's filtered rows, (lines, 1 + samples), inflated with plain zlib (no image library)."""
    data = path.read_bytes()[8:]
    idat = b""
    while data:
        length, kind = struct.unpack(">I4s", data[:8])
        if kind == b"IDAT":
            idat += data[8:8 + length]
        data = data[12 + length:]
    return np.frombuffer(zlib.decompress(idat), np.uint8).reshape(shape[0], shape[1] + 1)


@settings(max_examples=15, deadline=None)
@given(lines=st.integers(1, 2100), samples=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_png_rows_are_sub_filtered_and_undo_to_the_image(tmp_path_factory, lines, samples, seed):
    image = np.random.default_rng(seed).integers(0, 256, (lines, samples), np.uint8)
    path = tmp_path_factory.mktemp("png") / "raw.png"
    write_raw_png(path, image)
    rows = _idat_rows(path, image.shape)
    assert np.all(rows[:, 0] == PNG_FILTER) and PNG_FILTER == 1, "every row should carry filter type 1 (Sub)"
    undone = np.cumsum(rows[:, 1:], axis=1, dtype=np.uint64) % 256      # Sub: running sum modulo 256
    assert np.array_equal(undone.astype(np.uint8), image)


@settings(max_examples=40, deadline=None)
@given(framelet_lines=st.integers(1, 9), framelets=st.integers(1, 7), samples=st.integers(1, 7),
       stride=st.integers(1, 4))
def test_thinned_framelets_assemble_the_strided_plane(framelet_lines, framelets, samples, stride):
    style = quicklook.QuicklookStyle(pixel_stride=stride)
    plane = np.arange(framelet_lines * framelets * samples).reshape(framelet_lines * framelets, samples)
    thin = np.full(quicklook.thinned_shape(plane.shape, style), -1)
    for k in range(framelets):
        first = k * framelet_lines
        offset, row = quicklook.thinned_rows(first, framelet_lines, style)
        part = plane[first:first + framelet_lines][offset::stride, ::stride]
        thin[row:row + part.shape[0]] = part
    assert np.array_equal(thin, plane[::stride, ::stride])


def _scene(lines=96, samples=120, framelet_lines=8):
    """A small image with a lit disk of lat/lon truth (three colour filters, framelets of 8 lines)."""
    y, x = np.mgrid[0:lines, 0:samples].astype(float)
    r = np.hypot((x - samples / 2) / (0.45 * samples), (y - lines / 2) / (0.45 * lines))
    body = np.where(r < 1, JUPITER_NAIF_ID, 0).astype(np.int32)
    lat = np.where(r < 1, 80 * (y / lines - 0.5), np.nan)
    lon = np.where(r < 1, (350 + 40 * x / samples) % 360, np.nan)        # crosses 0/360
    image = np.where(r < 1, 60 + (17 * x + 5 * y) % 90, 0).astype(np.uint8)
    desc = SimpleNamespace(framelet_lines=framelet_lines, filters=("BLUE", "GREEN", "RED"),
                           companding="SQROOT", tdi_stages=1)
    return image, desc, {"BODY": body, "LAT_PC": lat, "LON_W": lon}


def test_quicklook_from_thinned_planes_is_the_whole_planes_one(tmp_path):
    image, desc, planes = _scene()
    step = quicklook.QuicklookStyle().pixel_stride
    thin = {name: plane[::step, ::step].copy() for name, plane in planes.items()}
    whole = quicklook.projected_quicklook(image, desc, planes)
    assert whole is not None and whole.any(), "the test scene should project"
    assert np.array_equal(quicklook.projected_quicklook(image, desc, thin, thinned=True), whole)
    quicklook.write_quicklook(tmp_path / "a.png", image, desc, planes)
    quicklook.write_quicklook(tmp_path / "b.png", image, desc, thin, thinned=True, others=False)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_quicklook_filled_in_threads_is_the_one_thread_quicklook():
    from simulator.render.workers import thread_limit

    image, desc, planes = _scene()
    with thread_limit(1):
        one = quicklook.projected_quicklook(image, desc, planes)
    with thread_limit(3):
        threaded = quicklook.projected_quicklook(image, desc, planes)
    assert one is not None and np.array_equal(threaded, one), "threads changed the quicklook's pixels"


def test_thinned_quicklook_needs_to_be_told_about_other_bodies(tmp_path):
    image, desc, planes = _scene()
    thin = {name: plane[::2, ::2] for name, plane in planes.items()}
    with pytest.raises(ProductError, match="others"):
        quicklook.write_quicklook(tmp_path / "q.png", image, desc, thin, thinned=True)
    with pytest.raises(ProductError, match="expected"):
        quicklook.projected_quicklook(image, desc, planes, thinned=True)     # whole planes called thinned
    moon = planes["BODY"].copy()
    moon[1, 1] = 501                      # one Io pixel on an odd line/sample: the thinned planes miss it
    assert quicklook.other_bodies(moon) and not quicklook.other_bodies(moon[::2, ::2])


@settings(max_examples=12, deadline=None)
@given(cuts=st.lists(st.integers(1, 95), max_size=12, unique=True), stride=st.integers(1, 3),
       framelet_lines=st.sampled_from([4, 8, 12]))
def test_quicklook_collected_in_blocks_is_the_whole_image_one(cuts, stride, framelet_lines):
    # The writer feeds the quicklook framelet by framelet while the render goes on: any split of the rows
    # (framelets or not, any parity of the thinned rows) must give the whole image's pixels.
    image, desc, planes = _scene(framelet_lines=framelet_lines)
    style = quicklook.QuicklookStyle(pixel_stride=stride)
    whole = quicklook.projected_quicklook(image, desc, planes, style)
    collector = quicklook.QuicklookCollector(desc, style)
    edges = [0, *sorted(cuts), image.shape[0]]
    for a, b in zip(edges[:-1], edges[1:]):
        collector.add(a, image[a:b], {name: plane[a:b] for name, plane in planes.items()})
    collected = collector.projected()
    assert whole is not None and collected is not None and collected.shape == whole.shape, \
        f"grid {None if collected is None else collected.shape} against {whole.shape}"
    worst = int(np.max(np.abs(collected.astype(int) - whole)))
    assert worst == 0, f"blocks {edges} changed the quicklook: worst pixel off by {worst}"


def test_quicklook_collector_refuses_blocks_out_of_order():
    image, desc, planes = _scene()
    collector = quicklook.QuicklookCollector(desc)
    collector.add(0, image[:8], {name: plane[:8] for name, plane in planes.items()})
    with pytest.raises(ProductError, match="expected line 8"):
        collector.add(16, image[16:24], {name: plane[16:24] for name, plane in planes.items()})
